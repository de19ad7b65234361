"""The CLI: help for every command, exit codes, and bad input that leaves outputs untouched."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cspgraph.cli import cli

REPO_QUERIES = Path(__file__).resolve().parents[1] / "queries"


def _run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_every_command_has_help():
    result = _run("--help")
    assert result.exit_code == 0
    commands = sorted(cli.commands)
    assert {"build", "check", "questions", "ask"} <= set(commands)
    for name in commands:
        sub = _run(name, "--help")
        assert sub.exit_code == 0, name
        assert "Usage:" in sub.output and cli.commands[name].help, name


def _mini_args(mini_paths) -> list[str]:
    return ["--root", str(mini_paths.root), "--ontology", str(mini_paths.ontology), "--queries", str(mini_paths.queries)]


def test_build_writes_validated_graph_and_summary(mini_paths, tmp_path):
    out = tmp_path / "g.ttl"
    result = _run(*_mini_args(mini_paths), "build", "--out", str(out))
    assert result.exit_code == 0, result.output
    # tests/fixtures/mini: one plan, three initiatives (one operation), two agencies, one unit
    summary = dict(re.findall(r"(?m)^([a-z][a-z ]*?)\s{2,}(\d+)$", result.output))
    assert summary["plans"] == "1" and summary["initiatives"] == "3" and summary["operations"] == "1"
    assert summary["agencies"] == "2" and summary["agency units"] == "1"
    assert "SHACL (sparql): conforms" in result.output
    assert out.is_file() and out.read_text(encoding="utf-8").startswith("@prefix")


def test_build_says_when_validation_will_take_long(mini_paths, tmp_path, monkeypatch):
    # a national graph (millions of triples) validates for half a minute (ten with pySHACL): the build says so, on
    # stderr, before it starts
    monkeypatch.setattr("cspgraph.build.LONG_VALIDATION", 10)
    result = _run(*_mini_args(mini_paths), "build", "--out", str(tmp_path / "g.ttl"))
    assert result.exit_code == 0, result.output
    assert "against the SHACL shapes (sparql): tens of seconds at this size (--no-validate skips it" in result.stderr
    slow = _run(*_mini_args(mini_paths), "build", "--validator", "pyshacl", "--out", str(tmp_path / "g.ttl"))
    assert slow.exit_code == 0 and "SHACL shapes (pyshacl): many minutes at this size" in slow.stderr
    quiet = _run(*_mini_args(mini_paths), "build", "--no-validate", "--out", str(tmp_path / "h.ttl"))
    assert "SHACL" not in quiet.stderr


def test_bad_input_exits_2_with_location_and_leaves_output_untouched(mini_paths, tmp_path):
    out = tmp_path / "g.ttl"
    out.write_text("previous build\n", encoding="utf-8")
    plan = mini_paths.data / "plans" / "mini-csp" / "2020-21.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("values: [5]}", "values: [8]}", 1), encoding="utf-8")
    result = CliRunner().invoke(cli, [*_mini_args(mini_paths), "build", "--out", str(out)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert f"{plan}:" in result.output and "unknown PFCC (pfcc-mini) priority number 8" in result.output
    assert out.read_text(encoding="utf-8") == "previous build\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".g.ttl")] == []


def test_non_conforming_graph_exits_1_and_keeps_previous_output(mini_paths, tmp_path, strict_ontology):
    """A stricter shapes file that the fixture cannot satisfy: the build must refuse to write."""
    out = tmp_path / "g.ttl"
    out.write_text("previous build\n", encoding="utf-8")
    result = _run("--root", str(mini_paths.root), "--ontology", str(strict_ontology), "build", "--out", str(out))
    assert result.exit_code == 1
    assert "DOES NOT CONFORM" in result.output and "1 violations" in result.output
    assert out.read_text(encoding="utf-8") == "previous build\n"


def test_check_reports_consistency(mini_paths):
    result = _run(*_mini_args(mini_paths), "check")
    assert result.exit_code == 0, result.output
    assert "SHACL (sparql): conforms" in result.output and "OWL (HermiT): consistent" in result.output


def test_unknown_question_exits_2(mini_paths):
    result = CliRunner().invoke(cli, [*_mini_args(mini_paths), "ask", "no-such-question"])
    assert result.exit_code == 2 and "unknown question 'no-such-question'" in result.output


def test_a_stale_build_is_never_reused(mini_paths):
    """Deleting a plan, or pointing --data elsewhere, must not answer from the old build/cspgraph.ttl."""
    from cspgraph.build import run_build
    from cspgraph.session import built_file_is_current

    run_build(mini_paths)
    assert built_file_is_current(mini_paths)
    args = [*_mini_args(mini_paths), "ask", "initiatives-per-plan", "--format", "csv"]
    assert "2020-21" in _run(*args).output  # tests/fixtures/mini: one plan, 2020-21
    other = mini_paths.with_overrides(data=mini_paths.root / "data-copy")
    import shutil

    shutil.copytree(mini_paths.data, other.data)
    assert not built_file_is_current(other)  # another folder: the record names mini/data
    (mini_paths.data / "plans" / "mini-csp" / "2020-21.yaml").unlink()
    assert not built_file_is_current(mini_paths)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "no plan files found" in result.output


def test_answers_from_data_no_build_validated_say_so(mini_paths, strict_ontology):
    """After a build refused the data (exit 1, the previous graph kept), the commands answer from the files as
    they are, built in memory: they say so on stderr, and say nothing once a build has validated them (a
    review found them answering from the refused data without a word)."""
    args = _mini_args(mini_paths)
    assert _run(*args, "build").exit_code == 0
    quiet = [_run(*args, *command) for command in (["ask", "initiatives-per-plan"], ["gaps"], ["network"])]
    assert all(r.exit_code == 0 and "note:" not in r.stderr for r in quiet), [r.stderr for r in quiet]
    refused = _run("--root", str(mini_paths.root), "--ontology", str(strict_ontology), "--queries",
                   str(mini_paths.queries), "build")
    assert refused.exit_code == 1
    with_strict = ["--root", str(mini_paths.root), "--ontology", str(strict_ontology), "--queries",
                   str(mini_paths.queries)]
    for command in (["ask", "initiatives-per-plan", "--format", "csv"], ["gaps"], ["network"],
                    ["explore", "--out", str(mini_paths.root / "site-unbuilt")]):
        result = CliRunner().invoke(cli, [*with_strict, *command])
        assert "not validated against the shapes; run 'cspgraph build'" in result.stderr, (command, result.output)
        assert "not validated" not in result.stdout  # stdout stays the answer: csv and json still parse
    assert "2020-21" in _run(*with_strict, "ask", "initiatives-per-plan", "--format", "csv").stdout


def test_write_errors_are_messages_not_tracebacks(mini_paths, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    result = CliRunner().invoke(cli, [*_mini_args(mini_paths), "build", "--out", str(blocker / "g.ttl")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "cannot write here" in result.output


def test_csv_output_neutralises_spreadsheet_formulas():
    from cspgraph.formatting import render

    text = render(["name", "n"], [["=HYPERLINK(\"x\")", -3], ["+1 x", 2], ["plain", "-4"]], "csv")
    assert text.splitlines() == ["name,n", '"\'=HYPERLINK(""x"")",-3', "'+1 x,2", "plain,-4"]
    # every character a spreadsheet reads as the start of a formula (OWASP), and numbers left as they are
    cells = ["@SUM(A1)", "-1+A1", "\t=1", "\r=1", "a\rb", "-4", "2.5"]
    read = list(csv.reader(io.StringIO(render(["cell"], [[c] for c in cells], "csv"), newline="")))
    assert read == [["cell"], ["'@SUM(A1)"], ["'-1+A1"], ["'\t=1"], ["'\n=1"], ["a\nb"], ["-4"], ["2.5"]]


def test_diff_refuses_a_year_that_is_not_a_plan_year():
    result = CliRunner().invoke(cli, ["diff", "banana", "2020-21"])
    assert result.exit_code == 2 and "'banana' is not a plan year like 2020-21" in result.output


def test_year_given_twice_and_differently_is_refused():
    result = CliRunner().invoke(cli, ["ask", "pfcc-priority-coverage", "--year", "2020-21", "--param", "year=2018-19"])
    assert result.exit_code == 2 and "disagree" in result.output


def test_a_badly_named_question_file_is_refused(tmp_path):
    import shutil

    from cspgraph.errors import QueryError
    from cspgraph.questions import load_questions

    shutil.copy(REPO_QUERIES / "initiatives-per-plan.rq", tmp_path / "Bad Name.rq")
    with pytest.raises(QueryError, match="must be lower-case"):
        load_questions(tmp_path)


def test_a_parameter_given_twice_with_two_values_is_refused(mini_paths):
    """click keeps every -p: the last used to win without a word (a review found `-p harm=a -p harm=b` answered
    for b alone)."""
    result = CliRunner().invoke(cli, [*_mini_args(mini_paths), "ask", "co-delivery-on-harm",
                                      "-p", "harm=county-lines", "-p", "harm=exploitation"])
    assert result.exit_code == 2 and "harm given twice ('county-lines', 'exploitation')" in result.output
    same = CliRunner().invoke(cli, [*_mini_args(mini_paths), "ask", "co-delivery-on-harm",
                                    "-p", "harm=county-lines", "-p", "harm=county-lines"])
    assert same.exit_code == 0, same.output


@pytest.mark.parametrize("args", [["gaps", "--year", "2018-19", "--year", "2020-21"],
                                  ["network", "--top", "2", "--top", "3"],
                                  ["--root", ".", "--root", "/tmp", "gaps"],
                                  ["ask", "agency-pairs", "--format", "csv", "--format", "json"]])
def test_a_single_value_option_given_twice_with_two_values_is_refused(args):
    """click keeps the last of a repeated option: `gaps --year 2018-19 --year 2020-21` answered for 2020-21
    alone, as if both had been read."""
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "given 2 times" in result.output and "give it once" in result.output


def test_a_single_value_option_given_twice_with_one_value_is_read_once(mini_paths):
    once = CliRunner().invoke(cli, [*_mini_args(mini_paths), "gaps", "--year", "2020-21", "--format", "json"])
    twice = CliRunner().invoke(cli, [*_mini_args(mini_paths), "gaps", "--year", "2020-21", "--year", "2020-21",
                                     "--format", "json"])
    assert once.exit_code == twice.exit_code == 0, twice.output
    assert twice.output == once.output and '"sections"' in once.output


def test_serve_on_a_taken_port_is_refused_before_anything_is_announced(mini_paths, tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, [*_mini_args(mini_paths), "explore", "--out", str(tmp_path / "site"),
                                          "--serve", "--port", str(port)])
    assert result.exit_code == 2 and f"cannot listen on 127.0.0.1:{port}" in result.output
    assert "serving on" not in result.output


def test_markdown_output_escapes_html_and_line_breaks():
    """A plan's text in a Markdown table is text where the table is rendered: HTML escaped, | escaped, and every
    line break (a CR too) a space, so that a cell never breaks its row (a review found both kept)."""
    from cspgraph.formatting import render

    md = render(["name", "lead"], [["MAC | Panel\r\nX<img src=x onerror=alert(1)>", "A & B\u2028C"]], "md")
    assert md.splitlines()[2] == "| MAC \\| Panel X&lt;img src=x onerror=alert(1)&gt; | A &amp; B C |"
    assert len(md.splitlines()) == 3
    table = render(["name"], [["one\rtwo\x85three"]], "table")
    assert table.splitlines()[2] == "one two three"


def test_ctrl_c_exits_130_not_the_code_of_a_graph_that_does_not_conform(mini_paths, monkeypatch):
    """click answers Ctrl-C with exit 1, which cspgraph gives to "does not conform" (README, Exit codes)."""
    import cspgraph.questions as questions

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(questions, "read_questions", interrupted)
    result = CliRunner().invoke(cli, [*_mini_args(mini_paths), "questions"])
    assert result.exit_code == 130 and "interrupted" in result.stderr


def test_a_reader_that_goes_away_exits_141_quietly(mini_paths):
    """`cspgraph network | head`: the pipe closed before cspgraph wrote. Exit 141, as a shell reports a process
    stopped by SIGPIPE, and no traceback or 'Exception ignored' on stderr (click's answer was exit 1)."""
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-m", "cspgraph", *_mini_args(mini_paths), "network"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # before the interpreter has even started: the first write finds no reader
    stderr = process.stderr.read().decode()
    assert process.wait() == 141
    assert "Traceback" not in stderr and "Exception ignored" not in stderr and "BrokenPipe" not in stderr


def test_ask_takes_partnership_and_year_as_the_analyses_do(mini_paths):
    """--partnership as on gaps, network and diff, and a year with stray spaces as they take it (a review found
    `ask --partnership` missing and `ask --year ' 2020-21'` refused where `gaps` took it)."""
    args = [*_mini_args(mini_paths), "ask", "operations", "--format", "csv"]
    shorthand = _run(*args, "--partnership", "mini-csp", "--year", " 2020-21")
    spelt_out = _run(*args, "-p", "partnership=mini-csp", "-p", "year=2020-21")
    assert shorthand.exit_code == 0 and shorthand.stdout == spelt_out.stdout
    assert "Op Example" in shorthand.stdout  # tests/fixtures/mini/data/sources/mini-plan.txt: its one operation
    clash = CliRunner().invoke(cli, [*args, "--partnership", "mini-csp", "-p", "partnership=other"])
    assert clash.exit_code == 2 and "--partnership and --param partnership= disagree" in clash.output

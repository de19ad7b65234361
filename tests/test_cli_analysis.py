"""The analysis commands (gaps, network, diff), run in-process: exit codes, output in every format, errors."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from click.testing import CliRunner

from cspgraph.cli import cli


def _run(*args: str):
    return CliRunner().invoke(cli, list(args))


def _at(paths) -> list[str]:
    return ["--root", str(paths.root), "--ontology", str(paths.ontology), "--queries", str(paths.queries)]


@pytest.mark.parametrize("command", ["gaps", "network", "diff"])
def test_help(command):
    result = _run(command, "--help")
    assert result.exit_code == 0 and "Example: cspgraph" in result.output


def test_gaps_finds_the_mini_gap(mini_paths):
    result = _run(*_at(mini_paths), "gaps")
    assert result.exit_code == 0, result.output
    # tests/fixtures/mini: no row cites PFCC 1 (mini-plan.txt lines 5-7 cite 5, 2, "2 & 5")
    assert "no delivering initiative: PFCC 1 (More local policing)" in result.output
    assert "priorities with no initiative\n" in result.output and "Traceback" not in result.output


def test_gaps_formats(mini_years_paths):
    out = _run(*_at(mini_years_paths), "gaps", "--year", "2021-22", "--format", "json")
    assert out.exit_code == 0, out.output
    payload = json.loads(out.stdout)
    sections = {s["title"].split(": ", 1)[1]: s["rows"] for s in payload["sections"]}
    # mini-years-2021-22.txt: no row cites PFCC 2 (lines 6-8 cite 1, 1, 3)
    assert [r["priority"] for r in sections["priorities with no initiative"]] == ["PFCC 2"]
    assert payload["summary"][0] == "Mini Community Safety Partnership 2021-22: 3 initiatives."
    text = _run(*_at(mini_years_paths), "gaps", "--year", "2021-22", "--format", "csv").output
    block = next(b for b in text.split("\n\n") if b.startswith("# Mini") and "only one initiative\n" in b)
    rows = list(csv.reader(io.StringIO(block.split("\n", 1)[1])))
    assert rows[0][:2] == ["year", "priority"] and rows[1][1] == "PFCC 3" and rows[1][4] == "Safe Homes"
    md = _run(*_at(mini_years_paths), "gaps", "--format", "md").output
    assert "## Mini Community Safety Partnership 2020-21: statutory partners that lead nothing" in md
    assert "| 2020-21 | Essex County Fire and Rescue Service | 1 |" in md  # A:3 statutory; A:9 a partner only


def test_gaps_few_widens_the_thin_harms():
    """The focus harms of the 2020-21 priorities (scp-plan-2020-21.txt lines 36, 40, 44) with the rows addressing
    them: organised crime, MAC Panel (55); county lines, Box Smart (67), Observers (152), Op Enlightenment (167);
    drug trafficking, the same three through county lines; gangs, Virtual Crew (58), Observers, Op Enlightenment;
    sexual offences, Observers, Op Enlightenment (child sexual exploitation), Op Ratify (166). Every other focus
    harm has four or more."""
    def thin(few: str) -> str:
        result = _run("gaps", "--year", "2020-21", "--few", few)
        assert result.exit_code == 0, result.output
        lines = " ".join(result.output.split())
        found = re.search(r"Harms the plan names that have at most [^:]+: (.*?)\.(?: |$)", lines)
        return found.group(1) if found else ""

    assert thin("0") == ""  # every focus harm has an initiative
    assert thin("1") == thin("2") == "Organised crime (focus of SCP 1): 1"
    assert thin("3") == ("Organised crime (focus of SCP 1): 1; County lines (focus of SCP 1): 3; Drug trafficking "
                         "(focus of SCP 1): 3; Gangs (focus of SCP 1): 3; Sexual offences (focus of SCP 3): 3")


def test_network_top_says_how_many_agencies_are_explained():
    """--top N explains the first N agencies of the brokerage table (most brokering first), each once."""
    def report(top: str) -> tuple[list[str], list[str]]:
        payload = json.loads(_run("network", "--year", "2020-21", "--top", top, "--format", "json").stdout)
        [table] = [s for s in payload["sections"] if s["title"].startswith("Agencies")]
        [words] = [s for s in payload["sections"] if s["title"] == "In plain words"]
        return [row["agency"] for row in table["rows"]], list(dict.fromkeys(row["agency"] for row in words["rows"]))

    ranked, one = report("1")
    assert len(ranked) > 2 and one == ranked[:1]
    assert report("2")[1] == ranked[:2] and report("0")[1] == []
    # the two most brokering: the council and the police, who lead 28 and 20 of the 2020-21 rows (test_data.py)
    assert ranked[:2] == ["Colchester Borough Council", "Essex Police"]


def test_gaps_says_when_statutory_partners_cannot_be_checked():
    """The 2018-19 plan lists no members: "(none)" under "statutory partners that lead nothing" read as if every
    one led something (a review found it)."""
    for fmt, expected in (("table", "\nThe plan lists no members: its statutory partners cannot be checked.\n"),
                          ("md", "\nThe plan lists no members: its statutory partners cannot be checked.\n"),
                          ("csv", "\n# The plan lists no members: its statutory partners cannot be checked.\n")):
        result = _run("gaps", "--year", "2018-19", "--format", fmt)
        assert result.exit_code == 0 and expected in result.output, fmt
    payload = json.loads(_run("gaps", "--year", "2018-19", "--format", "json").stdout)
    [idle] = [s for s in payload["sections"] if s["title"].endswith("lead nothing")]
    assert idle["rows"] == [] and idle["note"].startswith("The plan lists no members")


def test_gaps_bad_year_exits_2():
    result = _run("gaps", "--year", "2019-20")
    assert result.exit_code == 2
    assert "no plan year '2019-20'" in result.output and "2018-19, 2020-21" in result.output
    assert "Traceback" not in result.output


def test_network_explains_essex_police():
    result = _run("network", "--year", "2020-21", "--agency", "Essex Police")
    assert result.exit_code == 0, result.output
    # 2020-21 rows 57, 82, 85, 92, 94, 95, 98, 147, 150, 155 (see tests/test_network.py)
    assert "Essex Police works with 13 partners across 10 initiatives." in " ".join(result.output.split())
    assert "Agencies: partners and brokerage" in result.output and "Communities" in result.output


def test_network_json_on_a_harm():
    result = _run("network", "--year", "2020-21", "--harm", "hate-crime", "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    agencies = {r["agency"] for r in payload["sections"][0]["rows"]}
    # 146-150: Essex Police with DWP, Community 360, the University, Colchester Refuge Action, Firstsite
    assert agencies == {"Essex Police", "Department for Work and Pensions", "Community 360", "University of Essex",
                        "Colchester Refuge Action", "Firstsite"}


@pytest.mark.parametrize(("args", "message"), [
    (("--harm", "knife"), "did you mean knife-crime?"),
    (("--priority", "pfcc:9"), "no PFCC priority numbered 9"),
    (("--year", "2020-21", "--agency", "Nobody Ltd"), "no agency 'Nobody Ltd' in this network"),
])
def test_network_bad_input_exits_2(args, message):
    result = _run("network", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output


def test_diff_mini_years(mini_years_paths):
    result = _run(*_at(mini_years_paths), "diff", "2020-21", "2021-22")
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    # B:8 Safe Homes is new; A:9 Street Cleanup and A:11 Cuckoo Watch are not carried on
    assert "2 continued from 2020-21, 1 new, 2 dropped." in text
    assert "Joined delivery in 2021-22: Mini Refuge." in text
    csv_out = _run(*_at(mini_years_paths), "diff", "2020-21", "2021-22", "--format", "csv").output
    assert "# Mini Community Safety Partnership 2020-21 to 2021-22: initiatives continued\n2020-21,2021-22\n" in csv_out


def test_diff_real_and_errors():
    result = _run("diff", "2018-19", "2020-21", "--partnership", "safer-colchester", "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    continued = next(s for s in payload["sections"] if s["title"].endswith("initiatives continued"))
    assert len(continued["rows"]) == 6  # see tests/test_change.py
    wrong = _run("diff", "2020-21", "2018-19")
    assert wrong.exit_code == 2 and "must be an earlier plan year" in wrong.output
    assert "Traceback" not in wrong.output


def test_build_no_table_leaves_the_table_to_the_first_analysis(tmp_path):
    import shutil
    from pathlib import Path

    from cspgraph.deliverycache import cache_file, load

    repo = Path(__file__).resolve().parents[1]
    shutil.copytree(repo / "tests" / "fixtures" / "mini-years", tmp_path / "p")
    args = ["--root", str(tmp_path / "p"), "--ontology", str(repo / "ontology"), "--queries", str(repo / "queries")]
    graph = tmp_path / "p" / "build" / "cspgraph.ttl"
    built = _run(*args, "build", "--no-table")
    assert built.exit_code == 0 and graph.is_file() and not cache_file(graph).exists()
    assert "the table that gaps" not in built.output
    assert _run(*args, "gaps", "--format", "json").exit_code == 0
    assert load(graph) is not None  # saved by the first analysis, as before the build saved it


def test_analyses_after_a_build_read_the_saved_table(tmp_path, monkeypatch):
    """'cspgraph build' saves the delivery table; the analyses answer from it, as they would from the graph."""
    import shutil
    from pathlib import Path

    from cspgraph.deliverycache import cache_file

    repo = Path(__file__).resolve().parents[1]
    shutil.copytree(repo / "tests" / "fixtures" / "mini-years", tmp_path / "p")
    args = ["--root", str(tmp_path / "p"), "--ontology", str(repo / "ontology"), "--queries", str(repo / "queries")]
    built = _run(*args, "build")
    table = cache_file(tmp_path / "p" / "build" / "cspgraph.ttl")
    assert built.exit_code == 0 and table.is_file()
    assert f"wrote {table} (the table that gaps, network and diff read)" in built.output
    saved_at = table.stat().st_mtime_ns
    commands = [("gaps", "--format", "json"), ("network", "--year", "2021-22", "--format", "json"),
                ("diff", "2020-21", "2021-22", "--format", "json")]
    first = [_run(*args, *command) for command in commands]
    assert all(r.exit_code == 0 for r in first)
    again = [_run(*args, *command) for command in commands]
    assert [r.output for r in again] == [r.output for r in first]
    assert table.stat().st_mtime_ns == saved_at  # read, not written again
    # the same output as the graph read for what each command asks (the store, as before the table was saved)
    from cspgraph import session

    monkeypatch.setattr(session, "analysis_source", session.open_store)
    assert [_run(*args, *command).output for command in commands] == [r.output for r in first]
    # mini-years-2021-22.txt lines 6-8: no row cites PFCC 2 (as test_gaps_formats, now from the saved table)
    sections = {s["title"]: s["rows"] for s in json.loads(again[0].stdout)["sections"]}
    rows = sections["Mini Community Safety Partnership 2021-22: priorities with no initiative"]
    assert [r["priority"] for r in rows] == ["PFCC 2"]

"""`cspgraph questions` and `cspgraph ask`, in-process: listing, formats, parameters, and bad input (exit 2)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cspgraph.cli import cli
from cspgraph.graph import write_graph

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def root(tmp_path_factory, built) -> Path:
    """The bundled project with a current build/cspgraph.ttl in a temp folder, so each command loads it quickly."""
    folder = tmp_path_factory.mktemp("project")
    for part in ("ontology", "data", "queries"):
        (folder / part).symlink_to(REPO / part, target_is_directory=True)
    write_graph(built.graph, folder / "build" / "cspgraph.ttl")
    return folder


def _ask(root: Path, *args: str):
    return CliRunner().invoke(cli, ["--root", str(root), "ask", *args])


def test_questions_lists_every_id(root):
    result = CliRunner().invoke(cli, ["--root", str(root), "questions"])
    assert result.exit_code == 0, result.output
    ids = sorted(p.stem for p in (REPO / "queries").glob("*.rq"))
    assert len(ids) >= 18
    listed = [line.split()[0] for line in result.output.splitlines()[2:] if line.strip()]
    assert listed == ids
    assert "harm=county-lines, year" in result.output  # co-delivery-on-harm: a default, and an optional year


def test_questions_as_json(root):
    result = CliRunner().invoke(cli, ["--root", str(root), "questions", "--format", "json"])
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert {"id", "title", "parameters"} == set(rows[0]) and "covid-disrupted" in {r["id"] for r in rows}



def test_questions_lists_the_others_when_one_file_cannot_be_read(tmp_path, built):
    # a folder of questions is edited by hand: one broken file used to stop the whole listing
    for part in ("ontology", "data"):
        (tmp_path / part).symlink_to(REPO / part, target_is_directory=True)
    queries = tmp_path / "queries"
    queries.mkdir()
    for path in (REPO / "queries").glob("*.rq"):
        (queries / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (queries / "half-written.rq").write_text("#+ question: Who leads?\nSELECT * WHERE { ?s ?p ?o }\n",
                                             encoding="utf-8")
    (queries / "Bad Name.rq").write_text((REPO / "queries" / "operations.rq").read_text(encoding="utf-8"),
                                         encoding="utf-8")
    write_graph(built.graph, tmp_path / "build" / "cspgraph.ttl")
    result = CliRunner().invoke(cli, ["--root", str(tmp_path), "questions"])
    assert result.exit_code == 2
    listed = [line.split()[0] for line in result.stdout.splitlines()[2:] if line.strip()]
    assert listed == sorted(p.stem for p in (REPO / "queries").glob("*.rq"))
    assert "2 saved questions cannot be read (the others are listed above)" in result.stderr
    assert "half-written.rq: the header has no 'title:'" in result.stderr
    assert "Bad Name.rq: a question id (the file name) must be" in result.stderr
    # asking one of the others still works
    assert _ask(tmp_path, "operations", "--year", "2020-21").exit_code == 0

def test_ask_json_is_an_array_of_objects_keyed_by_variable(root):
    result = _ask(root, "initiatives-per-plan", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert isinstance(rows, list) and all(isinstance(r, dict) for r in rows)
    assert list(rows[0]) == ["plan", "year", "partnership", "initiatives", "operations"]
    # 2018-19: 24 initiative rows (source lines 82-711); 2020-21: 61 (lines 55-169); see test_questions.py
    assert [(r["year"], r["initiatives"]) for r in rows] == [("2018-19", 24), ("2020-21", 61)]
    assert rows[0]["plan"] == "https://w3id.org/cspgraph/id/plan/safer-colchester/2018-19"


def test_ask_csv(root):
    result = _ask(root, "pfcc-priorities-single-initiative", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["partnership", "year", "plan", "priority", "notation", "priorityLabel", "initiative",
                       "initiativeLabel", "leads"]
    # PFCC 7 rests on one initiative a year: 2018-19:180-181 Essex Police Ops, 2020-21:95 Nights of Action
    assert [(r[1], r[4], r[7]) for r in rows[1:]] == [("2018-19", "7", "Essex Police Ops"),
                                                    ("2020-21", "7", "Nights of Action (Op Emblazen)")]


def test_ask_with_year_and_params(root):
    result = _ask(root, "pfcc-priority-coverage", "--year", "2020-21", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    # 2020-21:177-183: seven PFCC priorities; PFCC 2 is cited by 16 rows (see test_questions.py)
    assert [r["notation"] for r in rows] == [str(n) for n in range(1, 8)] and rows[1]["initiatives"] == 16
    md = _ask(root, "co-delivery-on-harm", "--param", "harm=exploitation", "-p", "year=2018-19", "--format", "md")
    assert md.exit_code == 0, md.output
    # 2018-19: United Against Knife Crime (CUFC, Essex Police) and Behind Closed Doors (Stop the Traffik, CST)
    assert md.stdout.startswith("| agency1 | agency1Label |") and md.stdout.count("\n") == 4


def test_ask_table_and_empty_answer(root):
    result = _ask(root, "covid-disrupted")
    assert result.exit_code == 0 and "ASB Awareness Week" in result.output and "COVID-19 outbreak" in result.output
    empty = _ask(root, "pfcc-priorities-undelivered")
    assert empty.exit_code == 0
    assert empty.stdout.startswith("(no rows) Every PFCC priority has at least one initiative")


def test_ask_on_rdflib_gives_the_same_answer(root):
    ox = _ask(root, "statutory-partners-leading-nothing", "--format", "json")
    rd = _ask(root, "statutory-partners-leading-nothing", "--format", "json", "--engine", "rdflib")
    assert ox.exit_code == rd.exit_code == 0
    assert json.loads(ox.stdout) == json.loads(rd.stdout) and len(json.loads(ox.stdout)) == 3


def test_unknown_question_exits_2_with_a_suggestion(root):
    result = _ask(root, "pfcc-priority-coverag")
    assert result.exit_code == 2
    assert "unknown question 'pfcc-priority-coverag'" in result.output
    assert "did you mean pfcc-priority-coverage" in result.output and "Traceback" not in result.output


def test_unknown_parameter_exits_2(root):
    result = _ask(root, "covid-disrupted", "--param", "harm=county-lines")
    assert result.exit_code == 2
    assert "question 'covid-disrupted' has no parameter 'harm' (its parameters: year, partnership)" in result.output
    no_year = _ask(root, "initiatives-per-plan", "--year", "2020-21")
    assert no_year.exit_code == 2 and "has no parameter 'year'" in no_year.output
    malformed = _ask(root, "covid-disrupted", "--param", "year")
    assert malformed.exit_code == 2 and "is not name=value" in malformed.output


def test_an_iri_parameter_takes_the_name_its_menu_shows(root):
    # scp-plan-2020-21.txt:1 names the partnership "Safer Colchester Partnership"; the slug and the name are
    # one value, whatever the case and spacing of the name
    by_slug = _ask(root, "initiatives-per-agency", "--partnership", "safer-colchester", "--format", "json")
    assert by_slug.exit_code == 0, by_slug.output
    for name in ("Safer Colchester Partnership", "safer  colchester PARTNERSHIP"):
        by_name = _ask(root, "initiatives-per-agency", "--partnership", name, "--format", "json")
        assert by_name.exit_code == 0, by_name.output
        assert json.loads(by_name.stdout) == json.loads(by_slug.stdout) != []
    # scp-plan-2020-21.txt:64: Essex Police leads Op Sceptre; the agency parameter takes its name too
    agency = _ask(root, "initiatives-of-agency", "--param", "agency=Essex Police", "--format", "json")
    assert agency.exit_code == 0, agency.output
    assert "Op Sceptre" in {r["initiativeLabel"] for r in json.loads(agency.stdout)}
    misspelt = _ask(root, "initiatives-of-agency", "--param", "agency=Essex Polce")
    assert misspelt.exit_code == 2
    assert "no agency 'Essex Polce' among the values of 'agency'" in misspelt.output
    assert "did you mean essex-police" in misspelt.output


def test_bad_values_exit_2_naming_what_is_allowed(root):
    harm = _ask(root, "co-delivery-on-harm", "--param", "harm=not-a-harm")
    assert harm.exit_code == 2
    assert "parameter 'harm'" in harm.output and "is not one of the allowed values" in harm.output
    assert "acid-attack" in harm.output  # the choices, in label order
    year = _ask(root, "pfcc-priority-coverage", "--year", "2020")
    assert year.exit_code == 2 and "'2020' is not a plan year like 2020-21" in year.output
    absent = _ask(root, "pfcc-priority-coverage", "--year", "2019-20")
    assert absent.exit_code == 2 and "allowed values: 2018-19, 2020-21" in absent.output
    agency = _ask(root, "initiatives-of-agency", "--param", "agency=no-such-agency")
    assert agency.exit_code == 2 and "is not one of the allowed values" in agency.output
    for result in (harm, year, absent, agency):
        assert "Traceback" not in result.output


@pytest.mark.parametrize("name", ["harm", "year"])
def test_injection_is_refused_and_the_graph_unchanged(root, name):
    graph_file = root / "build" / "cspgraph.ttl"
    before = graph_file.read_bytes()
    control = _ask(root, "co-delivery-on-harm", "--format", "json")
    payload = '"} ; DROP ALL ;'
    result = _ask(root, "co-delivery-on-harm", "--param", f"{name}={payload}", "--format", "json")
    assert result.exit_code == 2 and "Traceback" not in result.output
    # a harm may be given by name: the payload is looked up among the harms' labels, and matches none
    assert (f"no harm '{payload}' among the values of 'harm'" if name == "harm" else "is not a plan year") \
        in result.output
    assert graph_file.read_bytes() == before
    after = _ask(root, "co-delivery-on-harm", "--format", "json")
    assert after.exit_code == 0 and json.loads(after.stdout) == json.loads(control.stdout) != []

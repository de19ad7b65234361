"""Saved questions on several partnerships side by side (issue 10): the ``partnership`` parameter and columns.

The graph is a copy of the repository's data/ with the two invented plans of tests/fixtures/imports/ imported
(the helpers and the spreadsheet rows come from tests/test_importer.py):
- Safer Riverside Partnership 2021-22, riverside-2021-22.csv: "R:2" below is line 2 of that CSV; its PFCC
  numbers refer to the 12-priority plan pfcc-essex-2021 its .meta.yaml defines;
- Harbourside Community Safety Partnership 2020-21, the rows HARBOURSIDE_ROWS written as .xlsx: "H:row 5" is
  spreadsheet row 5; it has no PFCC column, though its .meta.yaml names pfcc-essex-2016 (7 priorities);
- Safer Colchester Partnership 2018-19 and 2020-21, the bundled plans, whose answers tests/test_questions.py
  works out from the source documents.
Harms of the imported rows are the importer's readings of the row text (test_importer.py checks them).
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from test_importer import HARBOURSIDE_HEADER, HARBOURSIDE_META, HARBOURSIDE_ROWS, RIVERSIDE_CSV, RIVERSIDE_META, run_import

from cspgraph.cli import cli
from cspgraph.errors import QueryError
from cspgraph.graph import build_graph
from cspgraph.project import ProjectPaths
from cspgraph.questions import ask, bind, load_questions, options, values_block
from cspgraph.store import OxigraphStore, RdflibStore

REPO = Path(__file__).resolve().parents[1]
ID = "https://w3id.org/cspgraph/id/"
COLCHESTER, RIVERSIDE, HARBOURSIDE = "safer-colchester", "safer-riverside", "harbourside-csp"
LABEL = {COLCHESTER: "Safer Colchester Partnership", RIVERSIDE: "Safer Riverside Partnership",
         HARBOURSIDE: "Harbourside Community Safety Partnership"}
NO_MAPPING = "no PFCC mapping in this plan"

#: the columns each question had when it was written for one partnership: other code reads them by name and
#: position, so they must stay first and in this order (new columns go at the end)
COLUMNS_BEFORE = {
    "covid-disrupted": ["year", "initiative", "initiativeLabel", "status", "statusLabel", "reason"],
    "initiatives-of-agency": ["year", "initiative", "initiativeLabel", "role", "org", "orgLabel"],
    "initiatives-without-pfcc": ["year", "initiative", "initiativeLabel", "scp"],
    "operations": ["year", "operation", "operationLabel", "leads", "partners", "harms", "scp", "pfcc"],
    "pfcc-priority-coverage": ["partnership", "year", "plan", "priority", "notation", "priorityLabel", "initiatives"],
    "pfcc-priorities-undelivered": ["partnership", "year", "plan", "priority", "notation", "priorityLabel"],
    "scp-pfcc-matrix": ["partnership", "year", "scpPriority", "scpNotation", "scpLabel", "pfccPriority",
                        "pfccNotation", "pfccLabel", "initiatives"],
    "agency-pairs": ["agency1", "agency1Label", "agency2", "agency2Label", "initiatives", "initiativeNames"],
    "co-delivery-on-harm": ["agency1", "agency1Label", "agency2", "agency2Label", "initiatives", "initiativeNames"],
    "initiatives-per-agency": ["agency", "agencyLabel", "led", "partnered", "total"],
    "initiatives-per-harm": ["harm", "harmLabel", "broader", "initiatives", "direct"],
    "places": ["place", "placeLabel", "placeType", "within", "initiatives", "initiativeNames"],
}


@pytest.fixture(scope="module")
def questions():
    return load_questions(REPO / "queries")


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> ProjectPaths:
    """A copy of data/ with both fixture plans imported (never the real data/)."""
    root = tmp_path_factory.mktemp("partnerships") / "project"
    shutil.copytree(REPO / "data", root / "data")
    paths = ProjectPaths.at(root).with_overrides(ontology=REPO / "ontology", queries=REPO / "queries")
    xlsx = root / "harbourside-2020-21.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Action plan"
    sheet.append(HARBOURSIDE_HEADER)
    for row in HARBOURSIDE_ROWS:
        sheet.append(row)
    book.save(xlsx)
    run_import(paths, RIVERSIDE_CSV, RIVERSIDE_META)
    run_import(paths, xlsx, HARBOURSIDE_META, add_agencies="charity")
    return paths


@pytest.fixture(scope="module")
def engines(project):
    graph = build_graph(project).graph
    return {"oxigraph": OxigraphStore.from_graph(graph), "rdflib": RdflibStore(graph)}


def _records(questions, engines, qid, engine="oxigraph", **values):
    return ask(questions[qid], engines[engine], values).records()


def _slug(iri: str | None) -> str | None:
    return iri.rsplit("/", 1)[-1] if iri else iri


def _normalised(answer) -> list[tuple]:
    return _normalised_rows(answer.rows())


def _normalised_rows(rows) -> list[tuple]:
    """Rows as a sorted multiset; list cells ("a; b", plain text or RDF literals) as sorted tuples
    (GROUP_CONCAT order is not defined)."""
    def cell(value):
        return tuple(sorted(value.split("; "))) if isinstance(value, str) and "; " in value else value
    return sorted((tuple(cell(v) for v in row) for row in rows), key=repr)


# ------------------------------------------------------------------------------------------------ the parameter


def test_every_question_takes_an_optional_partnership(questions):
    for qid, q in questions.items():
        param = q.param("partnership")
        assert param.type == "iri" and param.prefix == "id:partnership/" and param.optional, qid
        assert param.options and param.help, qid
        # bound to a variable the query uses (a question whose 'partnership' column is a label binds another)
        assert re.search(rf"\?{param.var}\b", q.query), (qid, param.var)
        assert q.params[-1] is param, qid  # added after the existing parameters


def test_partnership_options_list_the_partnerships_with_plans(questions, engines):
    for engine in engines.values():
        got = options(questions["covid-disrupted"], "partnership", engine)
        assert sorted((_slug(v), label) for v, label in got) == sorted(LABEL.items())


def test_an_unknown_partnership_is_refused_naming_the_choices(questions, engines):
    with pytest.raises(QueryError, match="not one of the allowed values") as caught:
        ask(questions["operations"], engines["oxigraph"], {"partnership": "safer-atlantis"})
    assert all(slug in str(caught.value) for slug in LABEL)


def test_existing_columns_keep_their_names_and_order(questions, engines):
    for qid, before in COLUMNS_BEFORE.items():
        columns = ask(questions[qid], engines["oxigraph"]).columns
        assert columns[:len(before)] == before, qid
    # rows that would mix partnerships now say which
    for qid in ("covid-disrupted", "initiatives-of-agency", "operations"):
        assert ask(questions[qid], engines["oxigraph"]).columns[-1] == "partnership", qid
    assert ask(questions["initiatives-without-pfcc"], engines["oxigraph"]).columns[-2:] == ["partnership",
                                                                                         "pfccMapping"]
    for qid in ("pfcc-priority-coverage", "pfcc-priorities-undelivered", "scp-pfcc-matrix"):
        assert ask(questions[qid], engines["oxigraph"]).columns[-1] == "pfccMapping", qid


@pytest.mark.parametrize("partnership", [COLCHESTER, RIVERSIDE, HARBOURSIDE])
def test_each_partnership_gives_the_same_answer_on_both_engines(questions, engines, partnership):
    for qid, q in questions.items():
        answers = {name: ask(q, store, {"partnership": partnership}) for name, store in engines.items()}
        assert answers["oxigraph"].columns == answers["rdflib"].columns, qid
        assert _normalised(answers["oxigraph"]) == _normalised(answers["rdflib"]), qid
        if "partnership" in answers["oxigraph"].columns:  # a label column: only the partnership asked
            assert {r["partnership"] for r in answers["oxigraph"].records()} <= {LABEL[partnership]}, qid


def test_colchester_alone_answers_as_before_the_imports(questions, engines, real_store):
    """Asked for Safer Colchester, the combined graph answers exactly what the bundled graph answers."""
    for qid, q in questions.items():
        combined = ask(q, engines["oxigraph"], {"partnership": COLCHESTER})
        alone = ask(q, real_store)
        assert _normalised(combined) == _normalised(alone), qid


def test_per_partnership_rows_add_up_to_the_whole(questions, engines):
    """Questions whose rows carry the partnership: the answer for all is the union of the answers for each."""
    for qid, q in questions.items():
        whole = ask(q, engines["oxigraph"])
        if "partnership" not in whole.columns:
            continue  # an aggregate across partnerships: see the tests below
        parts = [row for p in LABEL for row in _normalised(ask(q, engines["oxigraph"], {"partnership": p}))]
        assert sorted(parts, key=repr) == _normalised(whole), qid


# ------------------------------------------------------------------------------------------------ lists of rows


def test_covid_disrupted_per_partnership(questions, engines):
    rows = _records(questions, engines, "covid-disrupted", partnership=RIVERSIDE)
    # R:5-6: 'Domestic abuse awareness week' ... 'Cancelled due to COVID-19' (the status cell)
    assert [(r["initiativeLabel"], _slug(r["status"]), r["reason"], r["partnership"]) for r in rows] == [
        ("Domestic abuse awareness week", "cancelled", "COVID-19", LABEL[RIVERSIDE])]
    # Harbourside's sheet has no status column (HARBOURSIDE_HEADER)
    assert _records(questions, engines, "covid-disrupted", partnership=HARBOURSIDE) == []
    # Colchester: the eight 2020-21 rows of tests/test_questions.py::test_covid_disrupted
    by_partnership = Counter(r["partnership"] for r in _records(questions, engines, "covid-disrupted"))
    assert by_partnership == {LABEL[COLCHESTER]: 8, LABEL[RIVERSIDE]: 1}
    assert _records(questions, engines, "covid-disrupted", partnership=RIVERSIDE, year="2020-21") == []


def test_initiatives_of_essex_police_per_partnership(questions, engines):
    def roles(partnership):
        return sorted((r["initiativeLabel"], r["role"], r["partnership"])
                      for r in _records(questions, engines, "initiatives-of-agency", partnership=partnership))
    # Riverside: Essex Police leads R:2 (Op Riverside Nightjar), R:4 ('... Fire and Rescue Service & Essex
    # Police'), R:8 ('Riverside District Council/Essex Police'); it is the partner of R:5 (Partners column)
    assert roles(RIVERSIDE) == [
        ("Domestic abuse awareness week", "partner", LABEL[RIVERSIDE]),
        ("Fire safety and cuckooing visits", "lead", LABEL[RIVERSIDE]),
        ("Hate crime reporting centres", "lead", LABEL[RIVERSIDE]),
        ("Op Riverside Nightjar", "lead", LABEL[RIVERSIDE])]
    # Harbourside: H:row 2 (lead empty, theme 1: priority 1's lead is Essex Police, harbourside meta line 12)
    # and H:row 5 ('Essex Police/HBC')
    assert roles(HARBOURSIDE) == [("Joint patrols", "lead", LABEL[HARBOURSIDE]),
                                  ("Pubwatch", "lead", LABEL[HARBOURSIDE])]
    # Colchester: 33 rows (tests/test_questions.py::test_initiatives_of_agency); all three side by side
    every = Counter(r["partnership"] for r in _records(questions, engines, "initiatives-of-agency"))
    assert every == {LABEL[COLCHESTER]: 33, LABEL[RIVERSIDE]: 4, LABEL[HARBOURSIDE]: 2}


def test_operations_per_partnership(questions, engines):
    rows = _records(questions, engines, "operations", partnership=RIVERSIDE)
    # R:2: 'Op Riverside Nightjar,Essex Police,Riverside District Council,...,1,"2, 3"': its PFCC numbers are
    # those of the Riverside plan's own PFCC plan (pfcc-essex-2021), not Colchester's
    assert [(r["operationLabel"], r["leads"], r["partners"], r["scp"], sorted(r["pfcc"].split("; ")),
             r["partnership"]) for r in rows] == [
        ("Op Riverside Nightjar", "Essex Police", "Riverside District Council", "1", ["2", "3"], LABEL[RIVERSIDE])]
    # no Harbourside row is named as an operation (H:rows 2-7); Colchester has 2 + 12 (test_questions.py)
    assert _records(questions, engines, "operations", partnership=HARBOURSIDE) == []
    assert Counter(r["partnership"] for r in _records(questions, engines, "operations")) == {
        LABEL[COLCHESTER]: 14, LABEL[RIVERSIDE]: 1}


def test_initiatives_without_pfcc_say_when_the_plan_has_no_pfcc_column(questions, engines):
    rows = _records(questions, engines, "initiatives-without-pfcc", partnership=RIVERSIDE)
    # R:7 'Youth diversion boxing' has an empty PFCC cell ('2,,Red'); every other Riverside row names one
    assert [(r["initiativeLabel"], r["scp"], r["pfccMapping"]) for r in rows] == [("Youth diversion boxing", "2", "")]
    rows = _records(questions, engines, "initiatives-without-pfcc", partnership=HARBOURSIDE)
    # H:rows 2-5 and 7, every row: the sheet has no PFCC column, which the mark says
    assert sorted((r["initiativeLabel"], r["pfccMapping"]) for r in rows) == [
        (name, NO_MAPPING) for name in ("Community safety newsletter", "Hoarding and fire risk visits",
                                        "Joint patrols", "Pubwatch", "Street Pastors patrols")]
    colchester = _records(questions, engines, "initiatives-without-pfcc", partnership=COLCHESTER)
    assert len(colchester) == 5 + 33 and {r["pfccMapping"] for r in colchester} == {""}  # test_questions.py


# ------------------------------------------------------------------------------------------------ PFCC priorities


def test_pfcc_priority_coverage_marks_a_plan_without_pfcc_mapping(questions, engines):
    rows = _records(questions, engines, "pfcc-priority-coverage", partnership=HARBOURSIDE)
    # harbourside meta line 16: 'pfcc: pfcc-essex-2016' (7 priorities), but no PFCC column: zeros that mean
    # "not recorded", and say so
    assert [(r["notation"], r["initiatives"], r["pfccMapping"]) for r in rows] == [
        (str(n), 0, NO_MAPPING) for n in range(1, 8)]
    rows = _records(questions, engines, "pfcc-priority-coverage", partnership=RIVERSIDE)
    # Riverside PFCC cells: R:2 '2, 3', R:3 '1', R:4 '3 & 11', R:5-6 '4', R:7 empty, R:8 '12'; 12 priorities
    # (riverside meta lines 27-39)
    assert [(r["notation"], r["initiatives"]) for r in rows] == [
        (str(n), c) for n, c in zip(range(1, 13), [1, 1, 2, 1, 0, 0, 0, 0, 0, 0, 1, 1])]
    assert {r["pfccMapping"] for r in rows} == {""} and {r["year"] for r in rows} == {"2021-22"}
    rows = _records(questions, engines, "pfcc-priority-coverage", partnership=COLCHESTER, year="2020-21")
    # the 2020-21 counts of tests/test_questions.py::test_pfcc_priority_coverage, unchanged
    assert [r["initiatives"] for r in rows] == [7, 16, 5, 13, 12, 20, 1] and {r["pfccMapping"] for r in rows} == {""}


def test_pfcc_priorities_undelivered_reports_an_unmapped_plan_once(questions, engines):
    for engine in engines:
        rows = _records(questions, engines, "pfcc-priorities-undelivered", engine=engine)
        # Harbourside (no PFCC column): one row, no priority claimed undelivered; Riverside: PFCC 5-10, which
        # no row cites (see the coverage test); Colchester: none (tests/test_questions.py)
        got = sorted(((r["partnership"], r["notation"], r["priority"], r["pfccMapping"]) for r in rows), key=repr)
        assert got == sorted([(LABEL[HARBOURSIDE], None, None, NO_MAPPING)] + [
            (LABEL[RIVERSIDE], str(n), f"{ID}priority/pfcc-essex-2021/{n}", "") for n in range(5, 11)], key=repr), engine
    assert _records(questions, engines, "pfcc-priorities-undelivered", partnership=COLCHESTER) == []
    only = _records(questions, engines, "pfcc-priorities-undelivered", partnership=HARBOURSIDE)
    assert [(r["year"], _slug(r["plan"]), r["priorityLabel"], r["pfccMapping"]) for r in only] == [
        ("2020-21", "2020-21", None, NO_MAPPING)]


def test_pfcc_priorities_single_initiative_per_partnership(questions, engines):
    rows = _records(questions, engines, "pfcc-priorities-single-initiative", partnership=RIVERSIDE)
    # one row cites PFCC 1 (R:3), 2 (R:2), 4 (R:5-6), 11 (R:4), 12 (R:8); PFCC 3 has two (R:2, R:4)
    assert [(r["notation"], r["initiativeLabel"]) for r in rows] == [
        ("1", "Safe Streets CCTV bid"), ("2", "Op Riverside Nightjar"), ("4", "Domestic abuse awareness week"),
        ("11", "Fire safety and cuckooing visits"), ("12", "Hate crime reporting centres")]
    assert _records(questions, engines, "pfcc-priorities-single-initiative", partnership=HARBOURSIDE) == []


def test_scp_pfcc_matrix_marks_a_plan_without_pfcc_mapping(questions, engines):
    rows = _records(questions, engines, "scp-pfcc-matrix", partnership=HARBOURSIDE)
    # two own priorities (harbourside meta lines 10-15) x seven PFCC priorities, all zero and marked
    assert len(rows) == 2 * 7 and {(r["initiatives"], r["pfccMapping"]) for r in rows} == {(0, NO_MAPPING)}
    cell = {(r["scpNotation"], r["pfccNotation"]): r["initiatives"]
            for r in _records(questions, engines, "scp-pfcc-matrix", partnership=RIVERSIDE)}
    # PFCC 3: R:2 (SCP 1) and R:4 (SCP 1); PFCC 12: R:8 (SCP '2,3')
    assert (cell[("1", "3")], cell[("2", "12")], cell[("3", "12")], cell[("2", "3")]) == (2, 1, 1, 0)


# ------------------------------------------------------------------------------------------------ aggregates


def test_initiatives_per_agency_per_partnership(questions, engines):
    def counts(**values):
        return {_slug(r["agency"]): (r["led"], r["partnered"], r["total"])
                for r in _records(questions, engines, "initiatives-per-agency", **values)}
    riverside = counts(partnership=RIVERSIDE)
    # Essex Police: leads R:2, R:4, R:8, partner of R:5; Riverside District Council: leads R:3, R:7, R:8,
    # partner of R:2
    assert riverside["essex-police"] == (3, 1, 4) and riverside["riverside-district-council"] == (3, 1, 4)
    assert "colchester-borough-council" not in riverside
    harbourside = counts(partnership=HARBOURSIDE)
    # H:row 2 (priority 1's lead) and 5 for Essex Police; H:row 4 (priority 2's lead) and 5 for HBC; row 7 none
    assert harbourside == {"essex-police": (2, 0, 2), "harbourside-borough-council": (2, 0, 2),
                           "harbourside-street-pastors": (1, 0, 1)}
    # without a partnership every partnership counts: Colchester's (23, 7, 30) (test_questions.py) plus these
    assert counts()["essex-police"] == (23 + 3 + 2, 7 + 1 + 0, 30 + 4 + 2)


def test_agency_pairs_per_partnership(questions, engines):
    def pairs(**values):
        return {(_slug(r["agency1"]), _slug(r["agency2"])): r["initiatives"]
                for r in _records(questions, engines, "agency-pairs", **values)}
    # R:2 EP + RDC, R:4 ECFRS + EP, R:5-6 Riverside Women's Aid + EP, R:7 RDC + Riverside Boxing Club, R:8 RDC/EP
    assert pairs(partnership=RIVERSIDE) == {
        ("essex-police", "riverside-district-council"): 2, ("essex-county-fire-and-rescue-service", "essex-police"): 1,
        ("essex-police", "riverside-womens-aid"): 1, ("riverside-boxing-club", "riverside-district-council"): 1}
    # H:row 5 'Essex Police/HBC' is the only Harbourside row naming two agencies
    rows = _records(questions, engines, "agency-pairs", partnership=HARBOURSIDE)
    assert [(_slug(r["agency1"]), _slug(r["agency2"]), r["initiatives"], r["initiativeNames"]) for r in rows] == [
        ("essex-police", "harbourside-borough-council", 1, "Joint patrols (2020-21)")]
    every = pairs()
    assert every[("colchester-borough-council", "essex-police")] == 8  # Colchester only (test_questions.py)
    assert every[("essex-police", "riverside-district-council")] == 2
    assert pairs(partnership=COLCHESTER, year="2021-22") == {}  # Colchester has no 2021-22 plan


def test_co_delivery_on_harm_per_partnership(questions, engines):
    def pairs(partnership):
        return [(_slug(r["agency1"]), _slug(r["agency2"]), r["initiativeNames"])
                for r in _records(questions, engines, "co-delivery-on-harm", harm="hate-crime", partnership=partnership)]
    # R:8: the harms cell says 'hate crime', lead 'Riverside District Council/Essex Police'
    assert pairs(RIVERSIDE) == [("essex-police", "riverside-district-council", "Hate crime reporting centres (2021-22)")]
    # H:row 5: harms 'hate crime; ASB', lead 'Essex Police/HBC'
    assert pairs(HARBOURSIDE) == [("essex-police", "harbourside-borough-council", "Joint patrols (2020-21)")]


def test_initiatives_per_harm_per_partnership(questions, engines):
    def counts(**values):
        return {_slug(r["harm"]): r["initiatives"]
                for r in _records(questions, engines, "initiatives-per-harm", **values)}
    riverside, harbourside, every = counts(partnership=RIVERSIDE), counts(partnership=HARBOURSIDE), counts()
    assert len(riverside) == len(harbourside) == len(every) == 42  # zeros included, whatever the partnership
    # hate crime: R:8 (harms cell); H:row 5 (harms cell); Colchester 4 (test_questions.py)
    assert (riverside["hate-crime"], harbourside["hate-crime"], every["hate-crime"]) == (1, 1, 4 + 1 + 1)
    # anti-social behaviour: R:3 ('where ASB is reported'), H:row 5 ('ASB')
    assert (riverside["anti-social-behaviour"], harbourside["anti-social-behaviour"]) == (1, 1)
    # night-time economy: H:row 2 ('Licensees', the importer's reading) and row 3 ('night-time economy')
    assert (harbourside["night-time-economy"], riverside["night-time-economy"]) == (2, 0)
    assert riverside["stalking"] == 1 and harbourside["stalking"] == 0  # R:5-6 '... domestic abuse and stalking'


def test_places_per_partnership(questions, engines):
    rows = _records(questions, engines, "places", partnership=HARBOURSIDE)
    # H:rows 3 and 5 name Harbourside Quay (the Places column)
    assert [(r["placeLabel"], r["initiatives"], sorted(r["initiativeNames"].split("; "))) for r in rows] == [
        ("Harbourside Quay", 2, ["Joint patrols (2020-21)", "Street Pastors patrols (2020-21)"])]
    assert _records(questions, engines, "places", partnership=RIVERSIDE) == []  # the CSV has no places column
    assert {r["placeLabel"] for r in _records(questions, engines, "places", partnership=COLCHESTER)} >= {"Greenstead"}
    assert "Harbourside Quay" not in {r["placeLabel"] for r in _records(questions, engines, "places",
                                                                        partnership=COLCHESTER)}


# ------------------------------------------------------------------------------------------------ the CLI


def test_cli_ask_with_a_partnership(project):
    runner = CliRunner()
    root = ["--root", str(project.root), "--ontology", str(project.ontology), "--queries", str(project.queries)]
    result = runner.invoke(cli, [*root, "ask", "pfcc-priorities-undelivered", "-p", f"partnership={HARBOURSIDE}",
                                 "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "partnership,year,plan,priority,notation,priorityLabel,pfccMapping",
        f"{LABEL[HARBOURSIDE]},2020-21,{ID}plan/harbourside-csp/2020-21,,,,{NO_MAPPING}"]
    bad = runner.invoke(cli, [*root, "ask", "covid-disrupted", "-p", "partnership=safer-atlantis"])
    assert bad.exit_code == 2 and "is not one of the allowed values" in bad.output and "Traceback" not in bad.output
    assert "harbourside-csp" in bad.output


def test_gap_report_does_not_call_an_unmapped_plans_pfcc_priorities_undelivered(engines):
    """The gap report follows the saved questions: a plan without a PFCC column has no PFCC gaps to report."""
    from cspgraph.gaps import gap_report

    store = engines["oxigraph"]
    harbourside = gap_report(store, partnership=HARBOURSIDE).plans[0]
    assert harbourside.pfcc_mapped is False
    assert [c for c in harbourside.uncovered if c.priority.kind == "pfcc"] == []
    assert any("no PFCC mapping in this plan" in line for line in harbourside.summary())
    assert not any("name no PFCC priority" in line for line in harbourside.summary())
    # Riverside maps its rows to the 12-priority plan: PFCC 5-10 are cited by no row (see the coverage test)
    riverside = gap_report(store, partnership=RIVERSIDE).plans[0]
    assert riverside.pfcc_mapped is True
    assert sorted(int(c.priority.notation) for c in riverside.uncovered if c.priority.kind == "pfcc") == list(
        range(5, 11))
    colchester = gap_report(store, partnership=COLCHESTER)
    assert all(p.pfcc_mapped for p in colchester.plans)


def _bound_outermost_only(question, values) -> str:
    """The bound text as it was before parameters were repeated in inner groups: one VALUES, outermost."""
    from cspgraph.sparqltext import binding_sites

    _, bound = bind(question, values)
    variables = {question.param(n).var: t for n, t in bound.items()}
    at = binding_sites(question.query, frozenset(variables))[0].at
    return question.query[:at] + values_block(variables) + question.query[at:]


def test_parameters_repeated_in_inner_groups_give_the_same_answers(questions, engines):
    # Repeating the VALUES block inside UNION branches, subqueries and OPTIONAL or MINUS groups is what makes a
    # one-partnership question fast at national scale (benchmarks/); it must never change an answer. Three
    # partnerships, two of them imported, so a partnership or year bound in the wrong group would show.
    scopes = [{"partnership": p} for p in (COLCHESTER, RIVERSIDE, HARBOURSIDE)]
    scopes += [{"year": "2020-21"}, {"year": "2018-19"}, {"year": "2021-22"}, {"partnership": "safer-colchester", "year": "2018-19"}]
    pushed = 0
    for question in questions.values():
        names = {p.name for p in question.params}
        for scope in scopes:
            if not set(scope) <= names:
                continue
            text, _ = bind(question, scope)
            pushed += text.count("VALUES ?") > len(scope)  # a block a variable, repeated in inner groups
            outer_only = _bound_outermost_only(question, scope)
            for name, store in engines.items():
                assert (_normalised_rows(store.select(text).rows)
                        == _normalised_rows(store.select(outer_only).rows)), (question.id, scope, name)
    assert pushed >= 4  # initiatives-per-agency and initiatives-per-harm, for each kind of scope



def test_lines_marked_narrows_change_no_answer(questions, engines):
    # A line marked '# @narrows' repeats a pattern of the outermost group so that a parameter reaches an inner
    # group; asked for every partnership and year it is left out (faster nationally, benchmarks/). Leaving it
    # out must never change an answer: each question is asked with the lines kept and with them left out,
    # over three partnerships, two of them imported.
    marked = 0
    for question in questions.values():
        text, bound = bind(question, {p.name: None for p in question.params}, narrow=True)
        assert not bound
        if text == question.query:
            continue
        marked += 1
        assert "# @narrows" not in text, question.id
        for name, store in engines.items():
            assert (_normalised_rows(store.select(text).rows)
                    == _normalised_rows(store.select(question.query).rows)), (question.id, name)
    # operations, scp-priority-coverage, pfcc-priority-coverage, scp-pfcc-matrix... (grep '@narrows' queries/)
    assert marked >= 10

"""Gap reports: expected answers worked out from the plan texts (data/sources/*.txt, lines cited).

PFCC cells of the 2020-21 plan (scp-plan-2020-21.txt), by priority:
  1: 64, 65, 66, 90, 93, 94, 95                                                   -> 7
  2: 58, 75, 76, 82, 86, 87, 90, 91, 92, 93, 94, 95, 146, 147, 150, 162            -> 16
  3: 67, 152, 155, 157, 160                                                       -> 5
  4: 55, 56, 64, 65, 66, 67, 95, 145, 152, 155, 157, 160, 161                      -> 13
  5: 55, 56, 58, 64, 65, 66, 67, 92, 145, 152, 161, 162                          -> 12
     (the Sanctuary Scheme, 157-158, has two PFCC cells: "3, 4 & 6" and the garbled "5, 4 & 0" - there is no
     PFCC 0 - so it is read from line 157, as the plan data's note on that row says. The lines are ambiguous:
     line 157 also ends the stalking row's text and repeats line 155's cells, so line 158's cell may be the
     scheme's own; read that way, PFCC 3 would be 4 and PFCC 5 13. The counts here follow the recorded reading)
  6: 55, 56, 64-67, 82, 90, 92, 95, 145, 146, 147, 150, 152, 155, 157, 160, 161, 162 -> 20
  7: 95 (Nights of Action (Op Emblazen), "1, 2, 4, 6 & 7")                         -> 1
and of the 2018-19 plan (scp-plan-2018-19.txt; the cells end each row, e.g. line 110 "June 18 CBC 1, 4 6"):
  1: 180, 187, 222, 265, 397, 407 -> 6;  2: 180, 187, 265, 397, 407, 486, 585, 594 -> 8;
  3: 180, 514, 560 -> 3;  4: 180, 187, 397, 407, 514, 594, 599 -> 7;
  5: 126, 153, 180, 260, 397, 585, 594, 599 -> 8;  6: 110, 180, 260, 386, 397, 407, 464, 486, 580, 585, 594, 599 -> 12;
  7: 180-181 (Essex Police Ops, "1, 2, 3, 4, 5, 6, 7") -> 1.
"""

from __future__ import annotations

import pytest

from cspgraph.errors import QueryError
from cspgraph.gaps import gap_report
from cspgraph.namespaces import agency_iri
from cspgraph.network import delivery
from cspgraph.questions import ask, get_question
from cspgraph.session import open_store


@pytest.fixture(scope="module")
def real(real_store):
    return gap_report(real_store, data=delivery(real_store))


@pytest.fixture(scope="module")
def years(mini_years_store):
    return gap_report(mini_years_store)


def _pfcc_counts(plan) -> list[int]:
    return [c.count for c in plan.coverage if c.priority.kind == "pfcc"]


def test_mini_fixture_finds_the_real_gap(mini_paths):
    report = gap_report(open_store(mini_paths))
    plan = report.plan("2020-21")
    # mini-plan.txt: PFCC cells are "5" (line 5), "2" (6), "2 & 5" (7); PFCC priority 1 (line 9) has no row
    assert [c.priority.name for c in plan.uncovered] == ["PFCC 1"]
    assert _pfcc_counts(plan) == [0, 2, 2]
    assert plan.single_initiative == []
    # Youth Boxing (line 7) has two lead agencies, so no priority rests on one agency alone
    assert plan.single_agency == []
    summary = " ".join(report.summary())
    assert "no delivering initiative: PFCC 1 (More local policing)" in summary


def test_mini_years_first_year(years):
    plan = years.plan("2020-21")
    # mini-years-2020-21.txt: PFCC cells 1 (line 8), 2 (9), empty (10), 1 (11); PFCC 3 (line 15) has no row
    assert _pfcc_counts(plan) == [2, 1, 0]
    assert [c.priority.name for c in plan.uncovered] == ["PFCC 3"]
    assert [(c.priority.name, c.initiatives) for c in plan.single_initiative] == [
        ("PFCC 2", ("Street Cleanup",)), ("SCP 2", ("Street Cleanup",))]
    # PFCC 1: Op Alpha and Cuckoo Watch, both led by Essex Police alone (lines 8, 11)
    assert [(c.priority.name, c.sole_agency) for c in plan.single_agency] == [
        ("PFCC 1", "Essex Police"), ("PFCC 2", "Mini Borough Council"), ("SCP 2", "Mini Borough Council")]
    # statutory members on line 3; the fire service is only a partner (line 9)
    assert [(x.label, x.partner_in) for x in plan.idle_statutory] == [("Essex County Fire and Rescue Service", 1)]
    assert [u.label for u in plan.unmapped] == ["Youth Boxing"]  # line 10, empty PFCC cell
    # risk matrix (line 2): Rape and Trafficking Drugs; no row is about rape. Op Alpha (county lines, line 8) and
    # Cuckoo Watch (cuckooing, line 11) address drug trafficking: cuckooing is narrower than county lines, and
    # county lines than drug trafficking (supplying drugs into other areas: ontology/harms.ttl)
    risk = {h.label: h.count for h in plan.harms if "risk matrix" in h.why}
    assert risk == {"Rape": 0, "Drug trafficking": 2}
    # county lines (SCP 1 focus, line 5): Op Alpha, and Cuckoo Watch through cuckooing (skos:broader county-lines)
    assert next(h for h in plan.harms if h.label == "County lines").count == 2
    scp1, pfcc1 = (str(agency_iri("x")).replace("agency/x", f"priority/{s}") for s in ("mini-csp-2020-21/1", "pfcc-mini/1"))
    assert plan.cells[(scp1, pfcc1)] == 2
    assert plan.matrix[0][1:] == (2, 0, 0, 1, 3)  # SCP 1: PFCC 1, 2, 3, no PFCC (Youth Boxing), total


def test_mini_years_second_year(years):
    plan = years.plan("2021-22")
    # mini-years-2021-22.txt: PFCC cells 1 (line 6), 1 (7), 3 (8): PFCC 2 has no row
    assert _pfcc_counts(plan) == [2, 0, 1]
    assert [c.priority.name for c in plan.uncovered] == ["PFCC 2"]
    assert [(c.priority.name, c.sole_agency) for c in plan.single_agency] == [
        ("PFCC 3", "Mini Borough Council"), ("SCP 2", "Mini Borough Council")]  # Safe Homes, line 8
    assert [(x.label, x.partner_in) for x in plan.idle_statutory] == [("Essex County Fire and Rescue Service", 0)]
    summary = plan.summary()
    assert "Only one initiative delivers PFCC 3 (Breaking the cycle of domestic abuse): Safe Homes." in summary


def test_real_2020_21_has_no_uncovered_pfcc_priority_but_thin_ones(real):
    plan = real.plan("2020-21")
    assert _pfcc_counts(plan) == [7, 16, 5, 13, 12, 20, 1]
    assert plan.uncovered == []
    assert [(c.priority.name, c.initiatives) for c in plan.single_initiative] == [
        ("PFCC 7", ("Nights of Action (Op Emblazen)",))]
    assert [(c.priority.name, c.sole_agency) for c in plan.single_agency] == [("PFCC 7", "Essex Police")]
    # statutory authorities (lines 9-15) that no lead cell names: the fire service, the CRC, the CCG
    assert {x.agency for x in plan.idle_statutory} == {
        str(agency_iri(s)) for s in ("essex-county-fire-and-rescue-service", "essex-community-rehabilitation-company",
                                     "clinical-commissioning-group")}
    # rows with an empty PFCC cell: 57, 59, 60, 63, 77, 78, 79, 83, 84, 85, 88, 96, 98, 99, 100, 101, 110, 113,
    # 125, 130, 135, 142, 143, 144, 151, 153, 154, 159, 165, 166, 167, 168, 169
    assert len(plan.unmapped) == 33 and plan.initiatives == 61
    summary = plan.summary()
    assert "Every one of the 7 PFCC priorities has at least one initiative." in summary
    assert ("Only one initiative delivers PFCC 7 (Improve safety on our roads): Nights of Action (Op Emblazen)."
            in summary)
    assert any(s.startswith("PFCC 7 (Improve safety on our roads) depends on Essex Police alone") for s in summary)
    assert any(s.startswith("3 statutory partners of 7 lead no initiative") for s in summary)


def test_real_2018_19(real):
    plan = real.plan("2018-19")
    assert _pfcc_counts(plan) == [6, 8, 3, 7, 8, 12, 1]
    assert [(c.priority.name, c.initiatives, c.sole_agency) for c in plan.single_initiative] == [
        ("PFCC 7", ("Essex Police Ops",), "Essex Police")]
    # the top risk-matrix offence types (lines 9-12): no initiative row (lines 82-711) names the first three.
    # Trafficking drugs (#4) is addressed through county lines, a way of supplying drugs (ontology/harms.ttl):
    # United Against Knife Crime (157 "links to county lines"), and through cuckooing, narrower than county
    # lines: Mate Crime / Cuckooing Training (236), Crimestoppers campaigns (585 "Cuckooing / Rural Crime")
    risk = sorted((h.why.split(",")[0].split(";")[0], h.count) for h in plan.harms if "risk matrix" in h.why)
    assert risk == [("risk matrix #1", 0), ("risk matrix #2", 0), ("risk matrix #3", 0), ("risk matrix #4", 3)]
    # no row mentions hate crime, although SCP 4 (line 62) names it
    assert next(h for h in plan.harms if h.label == "Hate crime").count == 0
    assert plan.idle_statutory == ()  # the 2018-19 plan lists no members
    # ... so its table says so, rather than an empty table that reads "every statutory partner leads something"
    idle = next(s for s in plan.sections() if s.title.endswith("statutory partners that lead nothing"))
    assert idle.rows() == [] and idle.note == "The plan lists no members: its statutory partners cannot be checked."
    assert all(not s.note for s in real.plan("2020-21").sections())  # lists its members (2020-21 lines 9-15)
    # empty PFCC cells: 175 (United Against Knife Crime), 356, 621, 674, 711
    assert sorted(u.label for u in plan.unmapped) == [
        "Behind Closed Doors Conference", "Firebreak", "Premier League Kicks", "Reclaim the Night Awareness Walk",
        "United Against Knife Crime"]



def test_initiatives_sharing_a_name_are_told_apart_by_their_line(real):
    # scp-plan-2020-21.txt has two rows "Essex Youth Services" for different work, line 59 (£46,000 funding) and
    # line 60 (online activities), both with SCP cell "1, 2 & 3" and an empty PFCC cell; and two rows
    # "Op Enlightenment", line 66 (PFCC cell "1, 4, 5 & 6") and line 167 (SCP "2 & 3", empty PFCC cell).
    # The report used to list "Essex Youth Services; Essex Youth Services"
    plan = real.plan("2020-21")
    unmapped = [u.label for u in plan.unmapped]
    assert {"Essex Youth Services (line 59)", "Essex Youth Services (line 60)",
            "Op Enlightenment (line 167)"} <= set(unmapped)
    assert "Essex Youth Services" not in unmapped and "Op Enlightenment" not in unmapped
    delivers = {c.priority.name: c.initiatives for c in plan.coverage}
    assert {"Essex Youth Services (line 59)", "Essex Youth Services (line 60)"} <= set(delivers["SCP 1"])
    assert "Op Enlightenment (line 66)" in delivers["PFCC 1"]
    assert "Op Enlightenment (line 167)" not in delivers["PFCC 1"]
    # a name used once is left as it is (Nights of Action (Op Emblazen), line 95), and so is every 2018-19 row
    assert delivers["PFCC 7"] == ("Nights of Action (Op Emblazen)",)
    assert not any("(line " in name for c in real.plan("2018-19").coverage for name in c.initiatives)


def test_sections_and_errors(real, real_store):
    titles = [s.title for s in real.plan("2020-21").sections()]
    assert titles[0] == "Safer Colchester Partnership 2020-21: coverage of every priority"
    assert len(titles) == 8
    for section in real.sections():
        assert all(len(row) == len(section.columns) for row in section.rows()), section.title
    with pytest.raises(QueryError, match="known years: 2018-19, 2020-21"):
        gap_report(real_store, year="2021-22")
    with pytest.raises(QueryError, match="no partnership 'nowhere'"):
        gap_report(real_store, partnership="nowhere")
    assert len(gap_report(real_store, partnership="safer-colchester").plans) == 2


# ------------------------------------------------------------------------------------------------ cross-checks


@pytest.fixture(scope="module", params=["real", "mini-years"])
def case(request, real_store, mini_years_store, real, years):
    return (real_store, real) if request.param == "real" else (mini_years_store, years)


def _ask(qid: str, store, **values):
    from cspgraph.project import find_project

    return ask(get_question(find_project().queries, qid), store, values).records()


def test_agrees_with_pfcc_priorities_undelivered(case):
    store, report = case
    from_query = {(r["year"], r["priority"]) for r in _ask("pfcc-priorities-undelivered", store)}
    assert from_query == {(p.year, c.priority.iri) for p in report.plans for c in p.uncovered
                          if c.priority.kind == "pfcc"}


def test_agrees_with_pfcc_priorities_single_initiative(case):
    store, report = case
    from_query = {(r["year"], r["priority"], r["initiativeLabel"]) for r in _ask("pfcc-priorities-single-initiative", store)}
    assert from_query == {(p.year, c.priority.iri, c.initiatives[0]) for p in report.plans
                          for c in p.single_initiative if c.priority.kind == "pfcc"}


def test_agrees_with_pfcc_priority_coverage(case):
    store, report = case
    from_query = {(r["year"], r["priority"]): r["initiatives"] for r in _ask("pfcc-priority-coverage", store)}
    assert from_query == {(p.year, c.priority.iri): c.count for p in report.plans for c in p.coverage
                          if c.priority.kind == "pfcc"}


def test_agrees_with_scp_pfcc_matrix(case):
    store, report = case
    from_query = {(r["year"], r["scpPriority"], r["pfccPriority"]): r["initiatives"]
                  for r in _ask("scp-pfcc-matrix", store)}
    assert from_query == {(p.year, *cell): n for p in report.plans for cell, n in p.cells.items()}


def test_agrees_with_initiatives_without_pfcc(case):
    store, report = case
    from_query = {(r["year"], r["initiative"]) for r in _ask("initiatives-without-pfcc", store)}
    assert from_query == {(p.year, u.initiative) for p in report.plans for u in p.unmapped}


def test_agrees_with_statutory_partners_leading_nothing(case):
    store, report = case
    from_query = {(r["year"], r["agency"]) for r in _ask("statutory-partners-leading-nothing", store)}
    assert from_query == {(p.year, x.agency) for p in report.plans for x in p.idle_statutory}
    assert from_query  # both cases have one: the fire service (A:3, A:9; 20:11)


def test_agrees_with_risk_matrix_coverage(case):
    store, report = case
    from_query = {(r["year"], r["harm"]): r["initiatives"] for r in _ask("risk-matrix-coverage", store)
                  if r["year"] == r["matrixYear"]}
    assert from_query == {(p.year, h.harm): h.count for p in report.plans for h in p.harms
                          if "risk matrix" in h.why}

"""Year-on-year change: expected answers worked out from the plan texts (lines cited).

The invented two-year fixture: tests/fixtures/mini-years/data/sources/mini-years-2020-21.txt ("A:") and
mini-years-2021-22.txt ("B:"). The real plans: data/sources/scp-plan-2018-19.txt ("18:") and
scp-plan-2020-21.txt ("20:").
"""

from __future__ import annotations

import pytest

from cspgraph.change import compare_plans
from cspgraph.errors import QueryError
from cspgraph.namespaces import agency_iri
from cspgraph.network import delivery


@pytest.fixture(scope="module")
def mini(mini_years_store):
    return compare_plans(mini_years_store, "2020-21", "2021-22")


@pytest.fixture(scope="module")
def real(real_store):
    return compare_plans(real_store, "2018-19", "2020-21", data=delivery(real_store))


def test_mini_initiatives(mini):
    # B:6 Op Alpha and B:7 Youth Boxing carry on A:8 and A:10; B:8 Safe Homes is new; A:9, A:11 stop
    assert [(c.from_label, c.to_label) for c in mini.continued] == [("Op Alpha", "Op Alpha"),
                                                                     ("Youth Boxing", "Youth Boxing")]
    assert [label for _, label in mini.new] == ["Safe Homes"]
    assert [label for _, label in mini.dropped] == ["Cuckoo Watch", "Street Cleanup"]
    assert (mini.from_initiatives, mini.to_initiatives) == (4, 3)


def test_mini_agencies(mini):
    status = {a.label: (a.before, a.after, a.status) for a in mini.agencies}
    assert status == {
        "Mini Refuge": (0, 1, "joined"),  # B:8
        "Essex County Fire and Rescue Service": (1, 0, "left"),  # A:9 only
        "Mini Homes": (2, 0, "left"),  # A:8, A:9 only
        "Essex Police": (3, 3, "stayed"),  # A:8, 10, 11; B:6, 7, 8
        "Mini Borough Council": (1, 3, "stayed"),  # A:9 (its team); B:6, 7 (its team), 8
        "Mini Youth Trust": (1, 1, "stayed"),  # A:10; B:7
    }
    assert [a.label for a in mini.joined] == ["Mini Refuge"]


def test_mini_priorities_matched_by_harm_not_number(mini):
    rows = [(m.before.name if m.before else None, m.after.name if m.after else None, m.status, m.shared_harms)
            for m in mini.priorities]
    # A:5 "Tackle county lines" -> B:3 "Disrupt county lines and drug dealing" (both focus on county lines);
    # A:6 (anti-social behaviour) and B:4 (domestic abuse) share the number 2 but no harm: dropped and new
    assert rows == [("SCP 1", "SCP 1", "reworded", ("County lines",)), ("SCP 2", None, "dropped", ()),
                    (None, "SCP 2", "new", ())]
    summary = mini.summary()
    assert ("SCP 1 'Tackle county lines' (2020-21) became SCP 1 'Disrupt county lines and drug dealing' "
            "(2021-22), sharing County lines.") in summary
    assert summary[0] == ("Mini Community Safety Partnership, 2020-21 to 2021-22: 4 initiatives in 2020-21, "
                          "3 in 2021-22; 2 continued from 2020-21, 1 new, 2 dropped.")


def test_real_continued_initiatives(real):
    # 18:82 Virtual Crew pilot -> 20:58 ("Virtual Crew was replaced by an online support page ... revised
    # scheme for 2021"); 18:369 Keep Safe -> 20:153 ("Re-launch of Keep Safe"); 18:483 MAD Days -> 20:91;
    # 18:388 Night/s of Action -> 20:95; 18:577 Observers Scheme Pilot ("To be launched Feb 2019") -> 20:152;
    # 18:399 Town Centre Action Plan ("Initiated August 2018") -> 20:90 ("Launched August 2018 - Ongoing")
    assert {(c.from_label, c.to_label) for c in real.continued} == {
        ("Virtual Crew (Year 6 pupils) Pilot", "Virtual Crew"),
        ("Keep Safe Scheme", "Keep Safe"),
        ("MAD (Make a Difference) Days", "Make a Difference Days"),
        ("Night/s of Action", "Nights of Action (Op Emblazen)"),
        ("Observers Scheme Pilot", "Observers"),
        ("Town Centre Action Plan (TCAP)", "Town Centre Action Plan"),
    }
    # 24 rows in 2018-19 (82-711), 61 in 2020-21 (55-169)
    assert (real.from_initiatives, real.to_initiatives) == (24, 61)
    assert (len(real.new), len(real.dropped)) == (61 - 6, 24 - 6)
    assert "United Against Knife Crime" in {label for _, label in real.dropped}  # 18:155, not in 2020-21


def test_real_agencies(real):
    status = {a.agency: a.status for a in real.agencies}
    # the fire service runs Firefighters Delivering Differently (18:464) and Firebreak (18:621) but no 2020-21
    # row; Colchester United FC runs 18:155 and 18:345, nothing in 2020-21
    for slug in ("essex-county-fire-and-rescue-service", "colchester-united-football-club"):
        assert status[str(agency_iri(slug))] == "left", slug
    # the BID leads 20:96, 20:98, 20:99; DWP takes part in 20:149, 20:150; neither appears in 2018-19
    for slug in ("business-improvement-district", "department-for-work-and-pensions"):
        assert status[str(agency_iri(slug))] == "joined", slug
    # Community 360 and Neighbourhood Watch helped at Street Weeks (18:319) and deliver in 2020-21 (20:82, 20:88)
    for slug in ("essex-police", "colchester-borough-council", "colchester-borough-homes", "community-360",
                 "neighbourhood-watch"):
        assert status[str(agency_iri(slug))] == "stayed", slug


def test_real_priorities_reworded(real):
    pairs = [(m.before.notation if m.before else None, m.after.notation if m.after else None, m.status)
             for m in real.priorities]
    # 18:37 Hidden Harms -> 20:44 Hidden Harms; 18:45 Gangs and County Lines -> 20:36 organized crime, gangs &
    # county lines; 18:62 ASB and Hate Crime -> 20:40 ASB ... Hate Crime; 18:55 (violent crime, sexual and
    # weapons offences) has no priority of its own in 2020-21
    assert pairs == [("1", "3", "reworded"), ("2", "1", "reworded"), ("3", None, "dropped"), ("4", "2", "reworded")]
    rows = real.sections()[-1].rows()
    assert rows[0][1] == "Protect vulnerable people by increasing the awareness and reporting of Hidden Harms"
    assert rows[0][3].startswith("Identifying & supporting the reporting of Hidden Harms")


def test_errors(real_store, mini_years_store):
    with pytest.raises(QueryError, match="must be an earlier plan year"):
        compare_plans(real_store, "2020-21", "2018-19")
    with pytest.raises(QueryError, match="known years: 2018-19, 2020-21"):
        compare_plans(real_store, "2018-19", "2019-20")
    with pytest.raises(QueryError, match="no partnership 'nowhere'"):
        compare_plans(real_store, "2018-19", "2020-21", partnership="nowhere")
    assert compare_plans(mini_years_store, "2020-21", "2021-22", partnership="mini-csp").continued


@pytest.mark.parametrize("which", ["real", "mini"])
def test_agrees_with_saved_question_continued_initiatives(which, real, mini, real_store, mini_years_store):
    from cspgraph.project import find_project
    from cspgraph.questions import ask, get_question

    change, store = (real, real_store) if which == "real" else (mini, mini_years_store)
    question = get_question(find_project().queries, "continued-initiatives")
    records = ask(question, store, {"year": change.to_year}).records()
    from_query = {(r["earlier"], r["initiative"]) for r in records if r["earlierYear"] == change.from_year}
    assert from_query == {(c.from_iri, c.to_iri) for c in change.continued}
    assert len(from_query) == (6 if which == "real" else 2)


def test_two_year_fixture_is_a_valid_graph(mini_years_paths):
    """The fixture the change and gap tests rely on conforms to the project's SHACL shapes."""
    from cspgraph.graph import build_graph
    from cspgraph.validation import load_shapes, validate_graph

    result = validate_graph(build_graph(mini_years_paths).graph, load_shapes(mini_years_paths.ontology / "shapes.ttl"))
    assert result.conforms, result.messages

"""Co-delivery networks: built from the knowledge graph, checked against answers worked out from the sources.

Sources: data/sources/scp-plan-2020-21.txt and scp-plan-2018-19.txt (the same lines as
/work/shared/sources/001_... and 000_...); the invented fixtures quote tests/fixtures/*/data/sources/*.txt.
"""

from __future__ import annotations

import networkx as nx
import pytest

from cspgraph.change import compare_plans
from cspgraph.errors import QueryError
from cspgraph.gaps import gap_report
from cspgraph.namespaces import agency_iri
from cspgraph.network import (
    bipartite_graph,
    centrality,
    co_delivery_network,
    communities,
    delivery,
    explain,
    network_report,
    told_apart,
)
from cspgraph.questions import ask, get_question
from cspgraph.session import open_store


def _a(slug: str) -> str:
    return str(agency_iri(slug))


def _edges(graph: nx.Graph) -> dict[frozenset[str], int]:
    return {frozenset(e[:2]): e[2] for e in graph.edges(data="weight")}


@pytest.fixture(scope="module")
def real(real_store):
    return delivery(real_store)


@pytest.fixture(scope="module")
def years(mini_years_store):
    return delivery(mini_years_store)


# ------------------------------------------------------------------------------------------------ fixtures


def test_mini_network_rolls_units_up_to_their_agency(mini_paths):
    g = co_delivery_network(open_store(mini_paths))
    # mini-plan.txt line 5 Op Example (Essex Police), 6 Street Cleanup (MBC Community Safety Team, the council's team),
    # 7 Youth Boxing (Mini Borough Council / Essex Police): two agencies, one shared initiative
    assert set(g) == {_a("essex-police"), _a("mini-borough-council")}
    assert _edges(g) == {frozenset({_a("essex-police"), _a("mini-borough-council")}): 1}
    assert g.edges[_a("essex-police"), _a("mini-borough-council")]["initiatives"] == ["Youth Boxing"]
    council = g.nodes[_a("mini-borough-council")]
    assert (council["lead_count"], council["partner_count"]) == (2, 0)  # lines 6 and 7
    assert council["units"] == ["MBC Community Safety Team"]  # line 6, through org:unitOf
    assert council["label"] == "Mini Borough Council" and council["type"] == "local-authority"


def test_mini_years_network_edges_weights_and_lone_work(years):
    g = co_delivery_network(years, year="2020-21")
    police, homes, council = _a("essex-police"), _a("mini-homes"), _a("mini-borough-council")
    fire, trust = _a("essex-fire"), _a("mini-youth-trust")
    # mini-years-2020-21.txt line 8 Op Alpha (EP + Mini Homes), 9 Street Cleanup (MBC team + Mini Homes, ECFRS),
    # 10 Youth Boxing (Mini Youth Trust + EP), 11 Cuckoo Watch (EP alone)
    assert _edges(g) == {
        frozenset({police, homes}): 1, frozenset({council, homes}): 1, frozenset({council, fire}): 1,
        frozenset({homes, fire}): 1, frozenset({trust, police}): 1,
    }
    assert g.graph["initiatives"] == 4
    assert (g.nodes[police]["lead_count"], g.nodes[police]["partner_count"]) == (2, 1)  # lines 8, 11; line 10
    assert (g.nodes[homes]["lead_count"], g.nodes[homes]["partner_count"]) == (0, 2)  # lines 8, 9


def test_brokers_by_hand(years):
    g = co_delivery_network(years, year="2020-21")
    table = centrality(g)
    by = {e.agency: e for e in table.entries}
    # the graph is Trust - EP - Homes - {MBC, ECFRS}, MBC - ECFRS. Of the 6 pairs of the other four agencies,
    # Mini Homes lies on every shortest path of Trust-MBC, Trust-ECFRS, EP-MBC, EP-ECFRS (4/6); Essex Police on
    # Trust-Homes, Trust-MBC, Trust-ECFRS (3/6); nobody else on any.
    assert by[_a("mini-homes")].betweenness == pytest.approx(4 / 6)
    assert by[_a("essex-police")].betweenness == pytest.approx(3 / 6)
    assert by[_a("mini-borough-council")].betweenness == 0
    assert [e.label for e in table.entries[:2]] == ["Mini Homes", "Essex Police"]
    assert {e.agency for e in table.entries if e.bridge} == {_a("mini-homes"), _a("essex-police")}
    assert by[_a("mini-homes")].partners == 3 and by[_a("mini-homes")].shared == 3
    assert table.columns[0] == "agency" and len(table.rows()) == 5


def test_heavier_ties_are_shorter_paths(years):
    """Betweenness reads a link's length as 1/weight: two shared initiatives beat a detour of weight-1 links."""
    g = nx.Graph()
    for node in "abc":
        g.add_node(node, label=node.upper())
    g.add_edge("a", "b", weight=1)
    g.add_edge("b", "c", weight=1)
    g.add_edge("a", "c", weight=1)
    assert centrality(g).get("b").betweenness == 0  # a-c direct (length 1) beats a-b-c (length 2)
    g.edges["a", "c"]["weight"] = 0.25  # a weak tie: length 4, so the path through b (length 2) is shorter
    assert centrality(g).get("b").betweenness == pytest.approx(1.0)


@pytest.mark.parametrize("sample", [None, 10])
def test_betweenness_matches_networkx(real, sample):
    """igraph computes betweenness; networkx's definition (weighted, normalised, k-sampled) is the reference."""
    g = co_delivery_network(real)
    lengths = nx.Graph()
    lengths.add_nodes_from(g)
    lengths.add_weighted_edges_from(((u, v, 1 / d["weight"]) for u, v, d in g.edges(data=True)), weight="length")
    expected = nx.betweenness_centrality(lengths, k=sample, weight="length", normalized=True,
                                         seed=42 if sample else None)
    got = {e.agency: e.betweenness for e in centrality(g, sample=sample).entries}
    assert set(got) == set(expected) and max(expected.values()) > 0
    for agency, value in expected.items():
        assert got[agency] == pytest.approx(value, abs=1e-9), agency


def test_explain_counts_partners_it_brings_together():
    """A hub whose partners B and D share no initiative, though C links them: brokered, not cut off."""
    g = nx.Graph()
    for node in "abcd":
        g.add_node(node, label=node.upper(), lead_count=1, partner_count=0)
    for u, v in ("ab", "ac", "ad", "bc", "cd"):
        g.add_edge(u, v, weight=1, initiatives=[f"{u}{v}"], initiative_iris=[f"{u}{v}"])
    said = explain(g, "a").sentences
    assert said[-1] == ("It brings together 1 pair of partners who share no initiative directly (such as B and D), "
                        "though other agencies also connect them.")
    g.remove_edge("c", "d")  # now only A links D to the others
    assert explain(g, "a").sentences[-1] == ("It is the only link between D on one side and B and C on the other: "
                                             "without A they share no initiative, directly or through other agencies.")


def test_communities_by_hand_and_deterministic(years):
    g = co_delivery_network(years, year="2020-21")
    found = communities(g)
    # modularity of {Trust, EP} | {Homes, MBC, ECFRS} with m = 5 links and degrees 1, 2 | 3, 2, 2:
    # (1/5 - (3/10)^2) + (3/5 - (7/10)^2) = 0.22, the best split of this graph
    assert [set(c.labels) for c in found.communities] == [
        {"Mini Homes", "Mini Borough Council", "Essex County Fire and Rescue Service"},
        {"Essex Police", "Mini Youth Trust"},
    ]
    assert found.modularity == pytest.approx(0.22)
    assert communities(co_delivery_network(years, year="2020-21")) == found


def test_explain_names_partners_and_the_only_link(years):
    g = co_delivery_network(years, year="2020-21")
    words = explain(g, "Essex Police")
    assert words.sentences[0] == "Essex Police takes part in 3 initiatives (2 as lead, 1 as partner)."
    assert words.sentences[1] == "Essex Police works with 2 partners across 2 initiatives."
    # without Essex Police, Mini Youth Trust (line 10) reaches nobody: it is the only link to Mini Homes (line 8)
    assert ("It is the only link between Mini Homes and Mini Youth Trust: without Essex Police they share no "
            "initiative, directly or through other agencies.") in words.sentences
    council = explain(g, "mini-borough-council")
    assert "Its partners all work with each other directly too, so it brokers no one." in council.sentences
    alone = explain(co_delivery_network(years, year="2020-21", harm="cuckooing"), "essex-police")
    assert "delivers alone" in alone.text  # the only cuckooing row, Cuckoo Watch (line 11), names EP alone
    with pytest.raises(QueryError, match="no agency 'Nobody'"):
        explain(g, "Nobody")


def test_bipartite_graph_for_drawing(mini_paths):
    b = bipartite_graph(open_store(mini_paths))
    assert nx.is_bipartite(b)
    kinds = nx.get_node_attributes(b, "type")
    assert sorted(v for v in kinds.values() if v == "initiative") == ["initiative"] * 3
    cleanup = next(n for n, d in b.nodes(data=True) if d.get("label") == "Street Cleanup")
    edge = b.edges[_a("mini-borough-council"), cleanup]
    assert edge["role"] == "lead" and edge["units"] == ["MBC Community Safety Team"]  # mini-plan.txt line 6


def test_filters_and_their_errors(years):
    assert co_delivery_network(years, harm="exploitation").graph["initiatives"] == 3  # county-lines, cuckooing
    assert co_delivery_network(years, priority="scp:2", year="2021-22").graph["initiatives"] == 1  # Safe Homes
    iri = co_delivery_network(years, priority="pfcc-mini/3")
    assert iri.graph["initiatives"] == 1
    with pytest.raises(QueryError, match="known years: 2020-21, 2021-22"):
        co_delivery_network(years, year="2019-20")
    with pytest.raises(QueryError, match="did you mean knife-crime"):
        co_delivery_network(years, harm="knife")
    with pytest.raises(QueryError, match="no PFCC priority numbered 9"):
        co_delivery_network(years, priority="pfcc:9")


# ------------------------------------------------------------------------------------------------ real data

# Essex Police in 2020-21, with every organisation the same row names (lead cell or text):
ESSEX_POLICE_PARTNERS_2020_21 = {
    "safer-colchester-partnership", "national-probation-service",  # 57 "Essex Police/ SCP/Probation Service"
    "national-health-service", "open-road", "colchester-borough-homes", "community-360",  # 82 Op Luscombe
    "colchester-borough-council",  # 85 "Essex Police & CBC", 94 BikeWise, 95 "CBC Licencing Team", 98
    "business-improvement-district",  # 98 "CBC/Essex Police / BID"
    "department-for-work-and-pensions", "university-of-essex",  # 149 "DWP, C360 and the University"; 150
    "colchester-refuge-action", "firstsite",  # 150 Hate Incident Reporting Centres
    "next-chapter",  # 157 "Next Chapter working with Essex Police"
}


def test_essex_police_partners_2020_21(real):
    g = co_delivery_network(real, year="2020-21")
    police = _a("essex-police")
    assert set(g.neighbors(police)) == {_a(s) for s in ESSEX_POLICE_PARTNERS_2020_21}
    # the rows above: 57, 82, 85, 92 (Project Soteria: "both Police and Colchester Borough Homes"), 94, 95, 98,
    # 147, 150, 155 -> ten shared initiatives
    shared = {iri for n in g.neighbors(police) for iri in g.edges[police, n]["initiative_iris"]}
    assert len(shared) == 10
    assert explain(g, "essex-police").sentences[1] == "Essex Police works with 13 partners across 10 initiatives."
    # ASB Awareness Week (85), BikeWise (94), Nights of Action (95), Town Centre Re-opening (98)
    assert g.edges[police, _a("colchester-borough-council")]["weight"] == 4


def test_county_lines_2020_21_is_delivered_by_agencies_working_alone(real):
    g = co_delivery_network(real, year="2020-21", harm="county-lines")
    # the rows naming county lines: Box Smart (67, Colchester Borough Homes), Observers (152, CBC Community
    # Safety Team), Op Enlightenment (167, Essex Police); each names one organisation only
    assert set(g) == {_a("colchester-borough-homes"), _a("colchester-borough-council"), _a("essex-police")}
    assert g.number_of_edges() == 0
    earlier = co_delivery_network(real, year="2018-19", harm="county-lines")
    # 2018-19 line 155-165: United Against Knife Crime (CUFC) "links to county lines", "alongside Essex Police"
    assert _edges(earlier) == {frozenset({_a("colchester-united-football-club"), _a("essex-police")}): 1}


def test_hate_crime_2020_21_weights(real):
    g = co_delivery_network(real, year="2020-21", harm="hate-crime")
    police = _a("essex-police")
    # 147-149 Ambassadors (DWP, C360, University) and 150 Reporting Centres (University, Community 360, Job
    # Centre, Colchester Refuge Action, First Site): two shared initiatives with three of them, one with two
    for slug in ("community-360", "department-for-work-and-pensions", "university-of-essex"):
        assert g.edges[police, _a(slug)]["weight"] == 2
    for slug in ("colchester-refuge-action", "firstsite"):
        assert g.edges[police, _a(slug)]["weight"] == 1
    assert g.nodes[police]["lead_count"] == 3  # 146, 147, 150 (151 names no lead)


def test_pfcc_7_network_2020_21(real):
    g = co_delivery_network(real, year="2020-21", priority="pfcc:7")
    # only line 95 cites PFCC 7: Nights of Action, "Essex Police/CBC Licencing Team"
    assert _edges(g) == {frozenset({_a("essex-police"), _a("colchester-borough-council")}): 1}
    assert g.edges[_a("essex-police"), _a("colchester-borough-council")]["initiatives"] == [
        "Nights of Action (Op Emblazen)"]


def test_report_is_what_the_cli_prints(real):
    report = network_report(real, year="2020-21", agencies=["Essex Police"])
    assert [e.label for e in report.explanations] == ["Essex Police"]
    assert report.initiatives == 61  # the 61 rows of the 2020-21 tables (lines 55-169)
    titles = [s.title for s in report.sections()]
    assert titles == ["Agencies: partners and brokerage", "Communities: agencies that mostly work together",
                      "In plain words"]
    members = [row[3] for row in report.communities.rows()]
    assert sorted(members) == sorted(report.graph.nodes[n]["label"] for n in report.graph)


# ------------------------------------------------------------------------------------------------ cross-checks


@pytest.mark.parametrize("harm", ["county-lines", "hate-crime", "exploitation", "domestic-abuse",
                                  "anti-social-behaviour", "hidden-harms"])
@pytest.mark.parametrize("year", [None, "2018-19", "2020-21"])
def test_agrees_with_saved_question_co_delivery_on_harm(repo_paths, real_store, real, harm, year):
    question = get_question(repo_paths.queries, "co-delivery-on-harm")
    values = {"harm": harm} | ({"year": year} if year else {})
    answer = ask(question, real_store, values).records()
    from_query = {frozenset({r["agency1"], r["agency2"]}): r["initiatives"] for r in answer}
    assert from_query == _edges(co_delivery_network(real, year=year, harm=harm))


@pytest.mark.parametrize("year", [None, "2018-19", "2020-21"])
def test_agrees_with_saved_question_agency_pairs(repo_paths, real_store, real, year):
    question = get_question(repo_paths.queries, "agency-pairs")
    answer = ask(question, real_store, {"year": year} if year else {}).records()
    from_query = {frozenset({r["agency1"], r["agency2"]}): r["initiatives"] for r in answer}
    assert from_query == _edges(co_delivery_network(real, year=year))


def test_both_engines_read_the_same(built, real, real_store, monkeypatch):
    from cspgraph.store import RdflibStore

    rdflib_store = RdflibStore(built.graph)
    other = delivery(rdflib_store)
    assert other.initiatives == real.initiatives and other.plans == real.plans
    assert other.agencies == real.agencies and other.priorities == real.priorities
    # one year read through its plans (Store.pairs_linked), as a national graph's year is: both engines
    monkeypatch.setattr("cspgraph.network.PLAN_READ_SHARE", 0)
    year = delivery(rdflib_store, year="2020-21")
    assert year.initiatives == delivery(real_store, year="2020-21").initiatives
    assert year.initiatives and {i.year for i in year.initiatives} == {"2020-21"}



def test_only_initiatives_sharing_a_plan_and_a_name_are_told_apart(real):
    # scp-plan-2020-21.txt: "Essex Youth Services" on lines 59 and 60, "Op Enlightenment" on lines 66 and 167;
    # no other name is used twice in one plan (the 2018-19 rows all differ)
    base = "https://w3id.org/cspgraph/id/initiative/safer-colchester/2020-21/"
    told = {i.iri[len(base):]: i.name for i in real.initiatives if i.told}
    assert told == {"essex-youth-services-funding": "Essex Youth Services (line 59)",
                    "essex-youth-services-online-activities": "Essex Youth Services (line 60)",
                    "op-enlightenment": "Op Enlightenment (line 66)",
                    "op-enlightenment-p3": "Op Enlightenment (line 167)"}
    assert all(i.name == i.label for i in real.initiatives if not i.told)
    # the drawing of who does what and the participation table name them so too (each of the four has one
    # organisation, lines 59, 60, 66, 167, so none is on a co-delivery edge)
    named = {d["label"] for _, d in bipartite_graph(real).nodes(data=True) if d["kind"] == "initiative"}
    assert "Op Enlightenment" not in named and "Op Enlightenment (line 66)" in named
    assert {row[0] for row in real.rows()} >= {"Essex Youth Services (line 59)", "Essex Youth Services (line 60)"}


def test_a_row_with_no_source_line_is_told_apart_by_its_iri():
    assert told_apart([], "https://w3id.org/cspgraph/id/initiative/p/2020-21/op-x-2") == "op-x-2"
    assert told_apart([167, 66], "https://w3id.org/cspgraph/id/initiative/p/2020-21/op-x") == "line 66"


class _SparqlOnly:
    """A store offering only SELECT, as a remote endpoint does: delivery() must read it through SPARQL."""

    def __init__(self, store) -> None:
        self.store, self.name = store, "sparql-only"

    def select(self, query):
        return self.store.select(query)


@pytest.mark.parametrize("share", [0, 10**6])  # read through the plans in scope / scan every predicate whole
@pytest.mark.parametrize("scope", [{}, {"year": "2020-21"}, {"partnership": "safer-colchester"}])
def test_index_and_sparql_reads_agree(real_store, mini_years_store, scope, share, monkeypatch):
    # the ways of reading a store (its indexes, either way, or one grouped SELECT) must give the same Delivery
    monkeypatch.setattr("cspgraph.network.PLAN_READ_SHARE", share)
    for store in (real_store, mini_years_store):
        if "partnership" in scope and store is mini_years_store:
            continue
        fast, slow = delivery(store, **scope), delivery(_SparqlOnly(store), **scope)
        assert fast.initiatives == slow.initiatives and fast.agencies == slow.agencies
        assert fast.plans == slow.plans and fast.facts == slow.facts
        assert fast.initiatives  # something was read


def test_reading_fewer_facts_keeps_the_network_and_refuses_other_filters(real_store, real):
    lean = delivery(real_store, facts=())
    assert [(i.iri, i.participants, i.label) for i in lean.initiatives] == [
        (i.iri, i.participants, i.label) for i in real.initiatives]
    assert _edges(co_delivery_network(lean)) == _edges(co_delivery_network(real))
    with pytest.raises(QueryError, match="without harms"):
        lean.select(harm="county-lines")
    with pytest.raises(QueryError, match="unknown facts"):
        delivery(real_store, facts=("harmz",))
    # the plans' priorities, risk matrices and members come with "priorities": without it they are not read,
    # and what needs them refuses rather than reporting every priority as undelivered
    assert real.priorities and not lean.priorities
    plan = next(iter(lean.plans.values()))
    assert any(p.statutory for p in real.plans.values()) and any(p.risk for p in real.plans.values())
    assert not any(p.statutory or p.risk for p in lean.plans.values())
    with pytest.raises(QueryError, match="without priorities"):
        lean.plan_priorities(plan, "scp")
    with pytest.raises(QueryError, match="read without harms"):
        gap_report(lean)
    with pytest.raises(QueryError, match="read without priorities"):
        gap_report(delivery(real_store, facts=("harms",)))
    with pytest.raises(QueryError, match="without priorities"):
        compare_plans(lean, "2018-19", "2020-21")
    with pytest.raises(QueryError, match="read without continues"):
        compare_plans(delivery(real_store, facts=("priorities",)), "2018-19", "2020-21")
    # a store read by one SELECT reads every fact, and says so
    remote = delivery(_SparqlOnly(real_store), facts=())
    assert remote.facts == real.facts and remote.priorities == real.priorities and remote.plans == real.plans


def test_reading_one_year_reads_only_that_year(real_store, real):
    one = delivery(real_store, year="2020-21")
    assert {i.year for i in one.initiatives} == {"2020-21"} and len(one.initiatives) == 61
    assert one.years == ("2018-19", "2020-21")  # every plan is still known...
    with pytest.raises(QueryError, match="holds 2020-21 only"):  # ...but the other year was not read
        one.select(year="2018-19")
    assert _edges(co_delivery_network(one)) == _edges(co_delivery_network(real, year="2020-21"))

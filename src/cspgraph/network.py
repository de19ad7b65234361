"""Who delivers with whom: co-delivery networks of agencies, read from the knowledge graph.

Everything here starts from two SPARQL SELECTs on a :class:`~cspgraph.store.Store` (never from the YAML), so
the answers are those of the graph a user can query, push to a triple store or open in the explorer:

1. *participation*: one row per (initiative, organisation, lead or partner), the organisation rolled up to
   its agency through ``org:unitOf`` (the unit is kept: "CBC Community Safety Team" is Colchester Borough
   Council at work);
2. *terms*: each initiative's label, harms, SCP and PFCC priorities and the initiative it continues, and the
   vocabularies once each: harms with their broader groups (``skos:broader+``), priorities, agencies with
   their type, units, plans with year and partnership.

Both are aggregated in Python into a :class:`Delivery`; the networkx graphs, the gap report
(:mod:`cspgraph.gaps`) and the year-on-year comparison (:mod:`cspgraph.change`) are built from it without any
per-node query, which keeps them fast at national scale (measured in the README: 90,000 initiatives).

>>> from cspgraph.project import find_project
>>> from cspgraph.session import open_store
>>> g = co_delivery_network(open_store(find_project()), year="2020-21")
>>> all("label" in data for _, data in g.nodes(data=True))
True
"""

from __future__ import annotations

import difflib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import networkx as nx

from .errors import QueryError
from .namespaces import CSP, ID, PREFIXES, slug_of
from .questions import with_prefixes
from .store import Store

ROLES = ("lead", "partner")
#: seed for Louvain community detection: the same graph always splits the same way
COMMUNITY_SEED = 42
#: above this many agencies betweenness is estimated from a seeded sample of sources (exact below it)
BETWEENNESS_EXACT_LIMIT = 2000
BETWEENNESS_SAMPLE = 500

# Who takes part in what: one row per (initiative, organisation, relation), the organisation rolled up to its
# agency (org:unitOf). Only IRIs: turning hundreds of thousands of literals into rdflib terms is what would cost
# time at national scale, so labels and years come once per node from the second query. An initiative that
# names no organisation still gets a row (OPTIONAL), so gap analyses see it.
_PARTICIPATION = """
SELECT ?initiative ?plan ?rel ?org ?agency
WHERE {
  ?initiative a csp:Initiative ; csp:inPlan ?plan .
  OPTIONAL {
    VALUES ?rel { csp:leadAgency csp:partnerAgency }
    ?initiative ?rel ?org .
    OPTIONAL { ?org org:unitOf ?parent }
    BIND(COALESCE(?parent, ?org) AS ?agency)
  }
}
"""

# Everything else, in one SELECT of several kinds of row (SPARQL 1.1 §7 UNION); a row's kind is told by which
# variables it binds, so no per-row literal is needed: initiative labels, harms, priorities and continuations;
# then the vocabularies, once each: harms with every broader harm (§9.1 property paths, skos:broader+), priorities,
# agencies with their type, units, and plans with year and partnership.
_TERMS = """
SELECT ?initiative ?label ?harm ?priority ?earlier ?concept ?broader ?kindClass ?notation ?scheme
       ?agency ?type ?typeLabel ?unit ?plan ?year ?partnership
WHERE {
  { ?initiative a csp:Initiative ; rdfs:label ?label }
  UNION { ?initiative csp:addressesHarm ?harm }
  UNION { ?initiative csp:supportsPriority ?priority }
  UNION { ?initiative csp:continues ?earlier }
  UNION {
    ?concept a csp:Harm .
    OPTIONAL { ?concept rdfs:label ?label }
  } UNION {
    ?concept a csp:Harm ; skos:broader+ ?broader .
    ?broader a csp:Harm .
  } UNION {
    VALUES ?kindClass { csp:PFCCPriority csp:PartnershipPriority }
    ?concept a ?kindClass ; skos:notation ?notation .
    OPTIONAL { ?concept skos:inScheme ?scheme }
    OPTIONAL { ?concept rdfs:label ?label }
  } UNION {
    ?agency a csp:Agency .
    OPTIONAL { ?agency rdfs:label ?label }
    OPTIONAL { ?agency org:classification ?type . OPTIONAL { ?type rdfs:label ?typeLabel } }
  } UNION {
    ?unit a csp:AgencyUnit .
    OPTIONAL { ?unit rdfs:label ?label }
  } UNION {
    ?plan a csp:Plan ; csp:planYear ?year ; csp:ofPartnership ?partnership .
    OPTIONAL { ?partnership rdfs:label ?label }
  }
}
"""


# ------------------------------------------------------------------------------------------------ the data


@dataclass(frozen=True)
class Agency:
    """An agency as the network shows it: ``type`` is its agency-type slug (``police``)."""

    iri: str
    label: str
    type: str = ""
    type_label: str = ""

    @property
    def slug(self) -> str:
        return slug_of(self.iri)


@dataclass(frozen=True)
class Priority:
    """A numbered priority: ``kind`` is ``pfcc`` (the PFCC plan's) or ``scp`` (the partnership plan's own)."""

    iri: str
    kind: str
    notation: str
    label: str
    scheme: str = ""

    @property
    def name(self) -> str:
        """How the plans cite it: "PFCC 4", "SCP 1"."""
        return f"{self.kind.upper()} {self.notation}"

    def sort_key(self) -> tuple:
        return (self.scheme, self.kind, _number(self.notation))


@dataclass(frozen=True)
class Participation:
    """An organisation named on an initiative: the agency it rolls up to, and the unit when a team was named."""

    agency: str
    role: str
    unit: str | None = None
    unit_label: str | None = None


@dataclass(frozen=True)
class Initiative:
    """One initiative row of one plan, with who delivers it and what it is for."""

    iri: str
    label: str
    plan: str
    year: str
    partnership: str
    participants: tuple[Participation, ...] = ()
    harms: frozenset[str] = frozenset()  # as tagged
    harm_groups: frozenset[str] = frozenset()  # as tagged, plus every broader harm
    priorities: frozenset[str] = frozenset()
    continues: tuple[str, ...] = ()

    @property
    def leads(self) -> frozenset[str]:
        """Lead agencies (units rolled up)."""
        return frozenset(p.agency for p in self.participants if p.role == "lead")

    @property
    def partners(self) -> frozenset[str]:
        """Partner agencies that are not also leads."""
        return frozenset(p.agency for p in self.participants if p.role == "partner") - self.leads

    @property
    def agencies(self) -> frozenset[str]:
        return frozenset(p.agency for p in self.participants)


@dataclass(frozen=True)
class Delivery:
    """Who delivers what, for every initiative of every plan in the graph: the input of every analysis."""

    initiatives: tuple[Initiative, ...]
    agencies: Mapping[str, Agency]
    priorities: Mapping[str, Priority]
    harms: Mapping[str, str]  # harm IRI -> label
    partnerships: Mapping[str, str]  # partnership IRI -> label
    seconds: float = 0.0

    columns = ("initiative", "year", "partnership", "agency", "role", "unit")

    def rows(self) -> list[tuple[str, ...]]:
        """One row per (initiative, agency, role): the participation table in plain words."""
        out = []
        for ini in self.initiatives:
            for p in ini.participants:
                out.append((ini.label, ini.year, self.partnerships.get(ini.partnership, slug_of(ini.partnership)),
                            self.agency_label(p.agency), p.role, p.unit_label or ""))
        return out

    @property
    def years(self) -> tuple[str, ...]:
        return tuple(sorted({i.year for i in self.initiatives}))

    def agency_label(self, iri: str) -> str:
        agency = self.agencies.get(iri)
        return agency.label if agency else slug_of(iri)

    def select(self, year: str | None = None, harm: str | None = None, priority: str | None = None,
               partnership: str | None = None) -> tuple[Initiative, ...]:
        """The initiatives matching every filter given (a filter left as None matches everything).

        ``harm`` matches an initiative tagged with that harm or any narrower one (``exploitation`` finds
        county-lines work); ``priority`` takes an IRI, ``scheme/number`` (``pfcc-essex-2016/4``) or the plans'
        own shorthand ``pfcc:4`` / ``scp:1`` (the plan's PFCC or SCP priority of that number, whatever its
        scheme). Unknown values raise :class:`~cspgraph.errors.QueryError` naming the known ones.
        """
        chosen: Iterable[Initiative] = self.initiatives
        if year is not None:
            year = str(year).strip()
            if year not in self.years:
                raise QueryError(f"no plan year '{year}' in the graph\n  -> known years: {', '.join(self.years) or 'none'}")
            chosen = [i for i in chosen if i.year == year]
        if partnership is not None:
            iri = self.resolve(partnership, "partnership", self.partnerships)
            chosen = [i for i in chosen if i.partnership == iri]
        if harm is not None:
            iri = self.resolve(harm, "harm", self.harms)
            chosen = [i for i in chosen if iri in i.harm_groups]
        if priority is not None:
            match = re.fullmatch(r"(pfcc|scp)[: ]\s*([0-9]+)", priority.strip(), flags=re.IGNORECASE)
            if match:
                kind, number = match.group(1).lower(), match.group(2)
                if not any(p.kind == kind and p.notation == number for p in self.priorities.values()):
                    raise QueryError(f"no {kind.upper()} priority numbered {number} in the graph")
                wanted = {p.iri for p in self.priorities.values() if p.kind == kind and p.notation == number}
            else:
                wanted = {self.resolve(priority, "priority", self.priorities)}
            chosen = [i for i in chosen if i.priorities & wanted]
        return tuple(chosen)

    def resolve(self, value: str, kind: str, known: Mapping[str, Any]) -> str:
        """An IRI from an IRI, a prefixed name (``id:harm/x``) or a slug (``county-lines``)."""
        text = str(value).strip()
        if text.startswith("<") and text.endswith(">"):
            text = text[1:-1]
        prefix, sep, rest = text.partition(":")
        if sep and prefix in PREFIXES and not text.startswith(("http:", "https:")):
            text = str(PREFIXES[prefix]) + rest
        candidate = text if text.startswith(("http://", "https://")) else str(ID[f"{kind}/{text}"])
        if candidate in known:
            return candidate
        lowered = text.lower()
        by_label = [iri for iri, item in known.items() if _label_of(item).lower() == lowered]
        if len(by_label) == 1:
            return by_label[0]
        shown = sorted(slug_of(k) if kind != "priority" else k.split("/priority/")[-1] for k in known)
        close = difflib.get_close_matches(text, shown, n=3, cutoff=0.5) + [s for s in shown if text.lower() in s][:3]
        if close:
            hint = "did you mean " + ", ".join(dict.fromkeys(close)) + "?"
        else:
            hint = "known: " + (", ".join(shown[:20]) + (" ..." if len(shown) > 20 else "") or "none")
        extra = " (or pfcc:N / scp:N)" if kind == "priority" else ""
        raise QueryError(f"no {kind} '{value}' in the graph\n  -> {hint}{extra}")


def _label_of(item: Any) -> str:
    return item if isinstance(item, str) else getattr(item, "label", "")


def _number(text: str) -> tuple[int, str]:
    return (int(text), "") if text.isdigit() else (10**9, text)


def _text(term: Any) -> str:
    return "" if term is None else str(term)


def _first(current: str | None, new: str) -> str:
    """The smallest non-empty value seen: a node with two labels always gets the same one."""
    if not new:
        return current or ""
    return new if not current else min(current, new)


def delivery(store: Store) -> Delivery:
    """Read who delivers what from a store: two SELECTs, aggregated in Python.

    Examples
    --------
    >>> from cspgraph.project import find_project
    >>> from cspgraph.session import open_store
    >>> data = delivery(open_store(find_project()))
    >>> data.years
    ('2018-19', '2020-21')
    """
    part = store.select(with_prefixes(_PARTICIPATION))
    terms = store.select(with_prefixes(_TERMS))
    lead = str(CSP.leadAgency)

    plan_of: dict[str, str] = {}
    people: dict[str, set[tuple[str, str, str]]] = defaultdict(set)  # initiative -> {(agency, role, org)}
    for initiative, plan, rel, org, agency in part.rows:
        iri = str(initiative)
        plan_of[iri] = str(plan)
        if agency is not None:
            people[iri].add((str(agency), "lead" if str(rel) == lead else "partner", str(org)))

    col = {name: i for i, name in enumerate(terms.columns)}
    c_ini, c_label, c_harm, c_pri, c_earlier = (col[n] for n in ("initiative", "label", "harm", "priority", "earlier"))
    c_concept, c_broader, c_kind, c_notation, c_scheme = (
        col[n] for n in ("concept", "broader", "kindClass", "notation", "scheme"))
    c_agency, c_type, c_type_label, c_unit = (col[n] for n in ("agency", "type", "typeLabel", "unit"))
    c_plan, c_year, c_pship = (col[n] for n in ("plan", "year", "partnership"))
    labels: dict[str, str] = {}
    harms_of: dict[str, set[str]] = defaultdict(set)
    priorities_of: dict[str, set[str]] = defaultdict(set)
    continues_of: dict[str, set[str]] = defaultdict(set)
    broader: dict[str, set[str]] = defaultdict(set)
    harm_labels: dict[str, str] = {}
    priorities: dict[str, dict[str, str]] = {}
    agency_info: dict[str, dict[str, str]] = {}
    unit_labels: dict[str, str] = {}
    plans: dict[str, tuple[str, str]] = {}
    partnerships: dict[str, str] = {}
    pfcc = str(CSP.PFCCPriority)
    for row in terms.rows:
        if row[c_ini] is not None:
            iri = str(row[c_ini])
            if row[c_label] is not None:
                labels[iri] = _first(labels.get(iri), str(row[c_label]))
            elif row[c_harm] is not None:
                harms_of[iri].add(str(row[c_harm]))
            elif row[c_pri] is not None:
                priorities_of[iri].add(str(row[c_pri]))
            elif row[c_earlier] is not None:
                continues_of[iri].add(str(row[c_earlier]))
        elif row[c_concept] is not None:
            iri = str(row[c_concept])
            if row[c_kind] is not None:
                rec = priorities.setdefault(iri, {"kind": "pfcc" if str(row[c_kind]) == pfcc else "scp",
                                                  "notation": "", "label": "", "scheme": ""})
                for key, c in (("notation", c_notation), ("label", c_label), ("scheme", c_scheme)):
                    rec[key] = _first(rec[key], _text(row[c]))
            elif row[c_broader] is not None:
                broader[iri].add(str(row[c_broader]))
            else:
                harm_labels[iri] = _first(harm_labels.get(iri), _text(row[c_label]))
        elif row[c_agency] is not None:
            info = agency_info.setdefault(str(row[c_agency]), {"label": "", "type": "", "type_label": ""})
            for key, c in (("label", c_label), ("type", c_type), ("type_label", c_type_label)):
                info[key] = _first(info[key], _text(row[c]))
        elif row[c_unit] is not None:
            unit_labels[str(row[c_unit])] = _first(unit_labels.get(str(row[c_unit])), _text(row[c_label]))
        elif row[c_plan] is not None:
            pship = str(row[c_pship])
            plans[str(row[c_plan])] = (str(row[c_year]), pship)
            partnerships[pship] = _first(partnerships.get(pship), _text(row[c_label]))

    def participants(iri: str) -> tuple[Participation, ...]:
        found = {Participation(agency, role, org if org != agency else None,
                               unit_labels.get(org, slug_of(org)) if org != agency else None)
                 for agency, role, org in people.get(iri, ())}
        return tuple(sorted(found, key=lambda p: (p.role, p.agency, p.unit or "")))

    def groups(direct: set[str]) -> frozenset[str]:
        return frozenset(direct).union(*(broader.get(h, ()) for h in direct))

    initiatives = []
    for iri, plan in plan_of.items():
        year, pship = plans.get(plan, ("", ""))
        direct = harms_of.get(iri, set())
        initiatives.append(Initiative(
            iri=iri, label=labels.get(iri) or slug_of(iri), plan=plan, year=year, partnership=pship,
            participants=participants(iri), harms=frozenset(direct), harm_groups=groups(direct),
            priorities=frozenset(priorities_of.get(iri, ())), continues=tuple(sorted(continues_of.get(iri, ()))),
        ))
    initiatives.sort(key=lambda i: (i.partnership, i.year, i.iri))
    used = {a for parts in people.values() for a, _, _ in parts}
    agencies = {}
    for iri in sorted(used):
        info = agency_info.get(iri, {})
        agencies[iri] = Agency(iri, info.get("label") or slug_of(iri),
                               slug_of(info["type"]) if info.get("type") else "", info.get("type_label", ""))
    return Delivery(
        initiatives=tuple(initiatives),
        agencies=agencies,
        priorities={iri: Priority(iri, rec["kind"], rec["notation"], rec["label"], rec["scheme"])
                    for iri, rec in sorted(priorities.items())},
        harms={iri: label or slug_of(iri) for iri, label in sorted(harm_labels.items())},
        partnerships={iri: label or slug_of(iri) for iri, label in sorted(partnerships.items())},
        seconds=part.seconds + terms.seconds,
    )


def as_delivery(source: Store | Delivery) -> Delivery:
    """A :class:`Delivery` as given, or read from a store: pass one Delivery to several analyses to query once."""
    return source if isinstance(source, Delivery) else delivery(source)


# ------------------------------------------------------------------------------------------------ graphs


def co_delivery_network(source: Store | Delivery, year: str | None = None, harm: str | None = None,
                        priority: str | None = None, partnership: str | None = None) -> nx.Graph:
    """Agencies linked when they take part in the same initiatives (the bipartite projection, done by counting).

    Nodes are agency IRIs with ``label``, ``type`` (agency-type slug), ``type_label``, ``lead_count``,
    ``partner_count`` (initiatives it leads; takes part in without leading), ``initiatives`` and ``units``
    (labels of the teams named). An edge's ``weight`` is the number of initiatives both take part in, lead or
    partner; ``initiatives`` holds their labels and ``initiative_iris`` their IRIs. Agencies that deliver alone
    are kept as isolated nodes: leaving them out would hide who works alone. Filters as :meth:`Delivery.select`.

    >>> g = co_delivery_network(_example_delivery())
    >>> sorted(g.edges(data="weight"))
    [('https://w3id.org/cspgraph/id/agency/a', 'https://w3id.org/cspgraph/id/agency/b', 2)]
    """
    data = as_delivery(source)
    chosen = data.select(year=year, harm=harm, priority=priority, partnership=partnership)
    graph = nx.Graph(year=year, harm=harm, priority=priority, partnership=partnership, initiatives=len(chosen))
    leads: Counter[str] = Counter()
    partners: Counter[str] = Counter()
    units: dict[str, set[str]] = defaultdict(set)
    for ini in chosen:
        leads.update(ini.leads)
        partners.update(ini.partners)
        for p in ini.participants:
            if p.unit_label:
                units[p.agency].add(p.unit_label)
    for iri in sorted(set(leads) | set(partners), key=lambda a: (data.agency_label(a).lower(), a)):
        agency = data.agencies.get(iri) or Agency(iri, slug_of(iri))
        graph.add_node(iri, label=agency.label, type=agency.type, type_label=agency.type_label, kind="agency",
                       lead_count=leads[iri], partner_count=partners[iri], initiatives=leads[iri] + partners[iri],
                       units=sorted(units[iri]))
    for ini in chosen:
        for a, b in combinations(sorted(ini.agencies), 2):
            if graph.has_edge(a, b):
                edge = graph.edges[a, b]
                edge["weight"] += 1
                edge["initiatives"].append(ini.label)
                edge["initiative_iris"].append(ini.iri)
            else:
                graph.add_edge(a, b, weight=1, initiatives=[ini.label], initiative_iris=[ini.iri])
    return graph


def bipartite_graph(source: Store | Delivery, year: str | None = None, harm: str | None = None,
                    priority: str | None = None, partnership: str | None = None) -> nx.Graph:
    """Agencies and initiatives as two kinds of node (``bipartite`` 0 and 1), for drawing who does what.

    Agency nodes carry ``label`` and ``type`` (agency-type slug); initiative nodes ``type="initiative"``,
    ``label``, ``year`` and ``partnership``. An edge's ``role`` is ``lead`` or ``partner`` and ``units`` lists
    the teams named, so a drawing can show "CBC Community Safety Team" on the link to the council.
    """
    data = as_delivery(source)
    chosen = data.select(year=year, harm=harm, priority=priority, partnership=partnership)
    graph = nx.Graph(year=year, harm=harm, priority=priority, partnership=partnership, initiatives=len(chosen))
    for ini in chosen:
        graph.add_node(ini.iri, label=ini.label, type="initiative", kind="initiative", bipartite=1, year=ini.year,
                       partnership=data.partnerships.get(ini.partnership, ""))
        for agency_iri in sorted(ini.agencies):
            if agency_iri not in graph:
                agency = data.agencies.get(agency_iri) or Agency(agency_iri, slug_of(agency_iri))
                graph.add_node(agency_iri, label=agency.label, type=agency.type, type_label=agency.type_label,
                               kind="agency", bipartite=0)
            role = "lead" if agency_iri in ini.leads else "partner"
            named = sorted({p.unit_label for p in ini.participants if p.agency == agency_iri and p.unit_label})
            graph.add_edge(agency_iri, ini.iri, role=role, units=named)
    return graph


# ------------------------------------------------------------------------------------------------ measures


@dataclass(frozen=True)
class AgencyCentrality:
    agency: str
    label: str
    type: str
    lead_count: int
    partner_count: int
    partners: int  # distinct agencies it shares an initiative with (degree)
    shared: int  # sum of edge weights: agency-initiative-agency links
    degree: float  # degree centrality: partners / (agencies - 1)
    betweenness: float  # weighted, normalised
    bridge: bool  # an articulation point: removing it splits the network


@dataclass(frozen=True)
class CentralityTable:
    """Who is central and who brokers, one row an agency, most brokering first."""

    entries: tuple[AgencyCentrality, ...]
    exact: bool = True  # False when betweenness was estimated from a sample (very large networks)
    title: str = "Agencies: partners and brokerage"
    columns = ("agency", "type", "leads", "partners in", "partner agencies", "shared links", "degree",
               "betweenness", "only link")

    def rows(self) -> list[tuple[Any, ...]]:
        return [(e.label, e.type, e.lead_count, e.partner_count, e.partners, e.shared, round(e.degree, 3),
                 round(e.betweenness, 3), "yes" if e.bridge else "") for e in self.entries]

    def get(self, agency: str) -> AgencyCentrality:
        for e in self.entries:
            if agency in (e.agency, e.label, slug_of(e.agency)):
                return e
        raise QueryError(f"no agency '{agency}' in this network")


def _distance_graph(graph: nx.Graph) -> nx.Graph:
    """The same links with ``distance = 1/weight``: partners on many initiatives are close, for shortest paths."""
    dist = nx.Graph()
    dist.add_nodes_from(graph.nodes)
    dist.add_weighted_edges_from(((u, v, 1.0 / d.get("weight", 1)) for u, v, d in graph.edges(data=True)),
                                 weight="distance")
    return dist


def centrality(graph: nx.Graph, sample: int | None = None) -> CentralityTable:
    """Degree (how many partners) and weighted betweenness (who sits between others: the brokers).

    Betweenness uses shortest paths where a link's length is ``1/weight`` (agencies sharing many initiatives
    are close), normalised to 0..1. Above :data:`BETWEENNESS_EXACT_LIMIT` agencies it is estimated from a
    seeded sample of ``sample`` sources (networkx ``k=``), so the answer stays reproducible.

    >>> table = centrality(co_delivery_network(_example_delivery()))
    >>> [(e.label, e.partners) for e in table.entries]
    [('A', 1), ('B', 1)]
    """
    n = graph.number_of_nodes()
    k = sample if sample is not None else (BETWEENNESS_SAMPLE if n > BETWEENNESS_EXACT_LIMIT else None)
    k = None if k is not None and k >= n else k
    between = nx.betweenness_centrality(_distance_graph(graph), k=k, weight="distance", normalized=True,
                                        seed=COMMUNITY_SEED if k else None) if n else {}
    degree = nx.degree_centrality(graph) if n > 1 else {node: 0.0 for node in graph}
    cut = set(nx.articulation_points(graph))
    entries = []
    for node, data in graph.nodes(data=True):
        entries.append(AgencyCentrality(
            agency=node, label=data.get("label", slug_of(node)), type=data.get("type", ""),
            lead_count=data.get("lead_count", 0), partner_count=data.get("partner_count", 0),
            partners=graph.degree(node), shared=graph.degree(node, weight="weight"),
            degree=degree.get(node, 0.0), betweenness=between.get(node, 0.0), bridge=node in cut,
        ))
    entries.sort(key=lambda e: (-round(e.betweenness, 9), -e.partners, -e.shared, e.label.lower(), e.agency))
    return CentralityTable(tuple(entries), exact=k is None)


@dataclass(frozen=True)
class Community:
    number: int
    members: tuple[str, ...]  # agency IRIs
    labels: tuple[str, ...]
    initiatives: int  # distinct initiatives shared inside the community


@dataclass(frozen=True)
class CommunityTable:
    """Groups of agencies that work with each other more than with the rest (Louvain, fixed seed)."""

    communities: tuple[Community, ...]
    modularity: float = 0.0
    title: str = "Communities: agencies that mostly work together"
    columns = ("community", "agencies", "shared initiatives", "agency")

    def rows(self) -> list[tuple[Any, ...]]:
        """One row per member, so that no list of names is cut short in a table."""
        return [(c.number, len(c.members), c.initiatives, label) for c in self.communities for label in c.labels]

    def of(self, agency: str) -> Community | None:
        return next((c for c in self.communities if agency in c.members), None)


def communities(graph: nx.Graph, seed: int = COMMUNITY_SEED) -> CommunityTable:
    """Split the agencies into communities by Louvain modularity on edge weights, with a fixed seed.

    The same graph (built in the same node order, as :func:`co_delivery_network` does) always gives the same
    communities, numbered from 1 by size, then by the first member's label. Agencies that deliver alone are
    communities of one.

    >>> [c.labels for c in communities(co_delivery_network(_example_delivery())).communities]
    [('A', 'B')]
    """
    if graph.number_of_nodes() == 0:
        return CommunityTable(())
    parts = nx.community.louvain_communities(graph, weight="weight", seed=seed)
    modularity = nx.community.modularity(graph, parts, weight="weight") if graph.number_of_edges() else 0.0

    def label(node: str) -> str:
        return str(graph.nodes[node].get("label", slug_of(node)))

    found = []
    for part in parts:
        members = sorted(part, key=lambda n: (label(n).lower(), n))
        inside = {iri for u, v, d in graph.subgraph(part).edges(data=True) for iri in d.get("initiative_iris", ())}
        found.append((members, len(inside)))
    found.sort(key=lambda item: (-len(item[0]), label(item[0][0]).lower()))
    return CommunityTable(
        tuple(Community(i, tuple(m), tuple(label(n) for n in m), shared) for i, (m, shared) in enumerate(found, 1)),
        modularity,
    )


# ------------------------------------------------------------------------------------------------ words


@dataclass(frozen=True)
class Explanation:
    """An agency's place in the network, in a few plain sentences."""

    agency: str
    label: str
    sentences: tuple[str, ...]
    title: str = "In plain words"
    columns = ("agency", "explanation")
    prose = True

    def rows(self) -> list[tuple[str, str]]:
        return [(self.label, s) for s in self.sentences]

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _names(labels: Sequence[str], limit: int = 3) -> str:
    """"A", "A and B", "A, B and C", "A, B, C and 4 others"."""
    labels = list(labels)
    if len(labels) > limit + 1:
        labels = labels[:limit] + [f"{len(labels) - limit} others"]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def find_agency(graph: nx.Graph, agency: str) -> str:
    """The node for an agency given as IRI, slug or label (case-insensitive)."""
    if agency in graph:
        return agency
    wanted = agency.strip().lower()
    for node, data in graph.nodes(data=True):
        if wanted in (slug_of(node).lower(), str(data.get("label", "")).lower()):
            return node
    known = sorted(str(d.get("label", n)) for n, d in graph.nodes(data=True))
    raise QueryError(f"no agency '{agency}' in this network\n  -> agencies here: {_names(known, 12) if known else 'none'}")


def explain(graph: nx.Graph, agency: str) -> Explanation:
    """Say in plain words how many partners an agency has, who it works with most, and whom only it connects.

    "Only it connects" is graph-theoretic: the agency is an articulation point, and removing it leaves its
    partners in separate groups that share no initiative, directly or through anyone else.

    >>> explain(co_delivery_network(_example_delivery()), "a").sentences[0]
    'A takes part in 2 initiatives (2 as lead, 0 as partner).'
    """
    node = find_agency(graph, agency)
    data = graph.nodes[node]
    name = str(data.get("label", slug_of(node)))

    def label(n: str) -> str:
        return str(graph.nodes[n].get("label", slug_of(n)))

    lead, partner = int(data.get("lead_count", 0)), int(data.get("partner_count", 0))
    said = [f"{name} takes part in {_plural(lead + partner, 'initiative')} ({lead} as lead, {partner} as partner)."]
    neighbours = sorted(graph.neighbors(node), key=lambda n: (-graph.edges[node, n]["weight"], label(n).lower()))
    if not neighbours:
        said.append(f"It shares none of them with another agency here: {name} delivers alone.")
        return Explanation(node, name, tuple(said))
    shared = {iri for n in neighbours for iri in graph.edges[node, n].get("initiative_iris", ())}
    said.append(f"{name} works with {_plural(len(neighbours), 'partner')} across {_plural(len(shared), 'initiative')}.")
    top = graph.edges[node, neighbours[0]]
    closest = [n for n in neighbours if graph.edges[node, n]["weight"] == top["weight"]]
    if len(closest) == 1:
        names = sorted(set(top["initiatives"]))
        said.append(f"It works most with {label(closest[0])} ({_plural(top['weight'], 'shared initiative')}: "
                    f"{_names(names)}).")
    else:
        said.append(f"It works most with {_names([label(n) for n in closest])} "
                    f"({_plural(top['weight'], 'shared initiative')} each).")
    rest = graph.subgraph([n for n in graph if n != node])
    groups: dict[int, list[str]] = {}
    for i, comp in enumerate(nx.connected_components(rest)):
        inside = [label(n) for n in neighbours if n in comp]
        if inside:
            groups[i] = sorted(inside, key=str.lower)
    if len(groups) > 1:
        # smallest groups first: they are the ones cut off from the rest
        parts = [_names(g) for g in sorted(groups.values(), key=lambda g: (len(g), g[0].lower()))]
        if len(parts) == 2 and all(len(g) == 1 for g in groups.values()):
            joined = f"{parts[0]} and {parts[1]}"
        elif len(parts) == 2:
            joined = f"{parts[0]} on one side and {parts[1]} on the other"
        else:
            joined = f"{len(parts)} groups of its partners: " + "; ".join(parts[:-1]) + "; and " + parts[-1]
        said.append(f"It is the only link between {joined}: without {name} they share no initiative, "
                    "directly or through other agencies.")
    else:
        unlinked = [(a, b) for a, b in combinations(neighbours, 2) if not graph.has_edge(a, b)]
        if unlinked:
            a, b = min(sorted((label(a), label(b)), key=str.lower) for a, b in unlinked)
            said.append(f"It brings together {_plural(len(unlinked), 'pair')} of partners who share no initiative "
                        f"directly (such as {a} and {b}), though other agencies also connect them.")
        elif len(neighbours) > 1:
            said.append("Its partners all work with each other directly too, so it brokers no one.")
    return Explanation(node, name, tuple(said))


# ------------------------------------------------------------------------------------------------ report


@dataclass(frozen=True)
class NetworkReport:
    """What ``cspgraph network`` shows: the filters, the size, centrality, communities and explanations."""

    filters: Mapping[str, str]
    agencies: int
    links: int
    initiatives: int
    centrality: CentralityTable
    communities: CommunityTable
    explanations: tuple[Explanation, ...]
    graph: nx.Graph = field(repr=False, compare=False, default_factory=nx.Graph)

    @property
    def summary(self) -> str:
        scope = ", ".join(f"{k} {v}" for k, v in self.filters.items()) or "all plans"
        return (f"Co-delivery network ({scope}): {_plural(self.initiatives, 'initiative')}, "
                f"{_plural(self.agencies, 'agency', 'agencies')}, {_plural(self.links, 'link')} between agencies "
                f"that share an initiative; {_plural(len(self.communities.communities), 'community', 'communities')}.")

    def sections(self) -> list[Any]:
        """The tables to render, in order: each has ``title``, ``columns`` and ``rows()``."""
        words = Section("In plain words", Explanation.columns,
                        tuple(row for e in self.explanations for row in e.rows()), prose=True)
        return [self.centrality, self.communities, words]


@dataclass(frozen=True)
class Section:
    """A titled table of plain values, as every analysis hands it to the CLI and the explorer."""

    title: str
    columns: tuple[str, ...]
    data: tuple[tuple[Any, ...], ...] = ()
    prose: bool = False  # (subject, sentence) rows best read as paragraphs than as a table

    def rows(self) -> list[tuple[Any, ...]]:
        return list(self.data)


def network_report(source: Store | Delivery, year: str | None = None, harm: str | None = None,
                   priority: str | None = None, partnership: str | None = None,
                   agencies: Sequence[str] = (), top: int = 5) -> NetworkReport:
    """Build the co-delivery network and measure it: the one call behind ``cspgraph network``.

    ``agencies`` names the agencies to explain (IRI, slug or label); by default the ``top`` brokers (highest
    betweenness, then most partners) are explained.
    """
    graph = co_delivery_network(source, year=year, harm=harm, priority=priority, partnership=partnership)
    table = centrality(graph)
    groups = communities(graph)
    chosen = [find_agency(graph, a) for a in agencies] if agencies else [e.agency for e in table.entries[:top]]
    filters = {k: str(v) for k, v in (("year", year), ("partnership", partnership), ("harm", harm),
                                       ("priority", priority)) if v is not None}
    return NetworkReport(filters, graph.number_of_nodes(), graph.number_of_edges(), int(graph.graph["initiatives"]),
                         table, groups, tuple(explain(graph, a) for a in chosen), graph)


def _example_delivery() -> Delivery:
    """A two-agency Delivery for the docstring examples: A leads two initiatives, B partners on both."""
    a, b = str(ID["agency/a"]), str(ID["agency/b"])
    inits = tuple(
        Initiative(str(ID[f"initiative/x/2020-21/{n}"]), n.upper(), str(ID["plan/x/2020-21"]), "2020-21",
                   str(ID["partnership/x"]), (Participation(a, "lead"), Participation(b, "partner")))
        for n in ("p", "q")
    )
    return Delivery(inits, {a: Agency(a, "A", "police"), b: Agency(b, "B", "charity")}, {}, {},
                    {str(ID["partnership/x"]): "X"})

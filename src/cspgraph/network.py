"""Who delivers with whom: co-delivery networks of agencies, read from the knowledge graph.

Everything here starts from the knowledge graph in a :class:`~cspgraph.store.Store` (never from the YAML), so
the answers are those of the graph a user can query, push to a triple store or open in the explorer. Two
things are read:

1. *the vocabularies*, once each, by one SELECT: harms with their broader groups (``skos:broader+``),
   agencies with their type, units, plans with year and partnership, and, when the "priorities" fact is
   read, the priorities and each plan's risk matrix and statutory members;
2. *each initiative's facts*: its plan and label, its lead and partner organisations rolled up to their agency
   through ``org:unitOf`` (the unit is kept: "CBC Community Safety Team" is Colchester Borough Council at
   work), harms, SCP and PFCC priorities and the initiatives it continues. The embedded stores hand these over
   predicate by predicate from their indexes; any other store (a remote endpoint) answers one grouped SELECT.

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

import random
import re
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import combinations
from operator import attrgetter
from typing import Any

import networkx as nx
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from . import names
from .errors import QueryError
from .namespaces import CSP, ID, ORG, slug_of
from .questions import with_prefixes
from .store import IndexedStore, Store, paused_gc

ROLES = ("lead", "partner")
#: seed for Louvain community detection: the same graph always splits the same way
COMMUNITY_SEED = 42
#: above this many agencies betweenness is estimated from a seeded sample of sources (exact below it); with
#: igraph, exact betweenness of the national network (2,417 agencies) takes 2.5 s, a 500-source sample 0.5 s
BETWEENNESS_EXACT_LIMIT = 1000
BETWEENNESS_SAMPLE = 500

# On a store without indexes to read, two SELECTs read everything the analyses need. Turning query answers
# into rdflib terms costs more than the query itself at national scale (90,000 initiatives: ~800,000
# initiative-fact rows), so both are shaped to keep the number of answer cells small:
#
# _FACTS: one row per initiative (GROUP BY, SPARQL 1.1 §11): its plan, and one text packing its leads and
# partners ("agency|organisation", the organisation rolled up to its agency through org:unitOf), harms,
# priorities, the initiatives it continues (IRIs separated by spaces: an IRI holds none) and, last, its label,
# the fields separated by tabs. Each UNION branch binds one of the variables; COALESCE keeps GROUP_CONCAT from
# failing on the others. {scope} becomes a VALUES/FILTER block for a year or partnership (typed terms only).
_FACTS = """
SELECT ?initiative (SAMPLE(?p) AS ?plan)
       (CONCAT(GROUP_CONCAT(COALESCE(?lead, ""); separator=" "), "\\t",
               GROUP_CONCAT(COALESCE(?partner, ""); separator=" "), "\\t",
               GROUP_CONCAT(COALESCE(?harm, ""); separator=" "), "\\t",
               GROUP_CONCAT(COALESCE(?priority, ""); separator=" "), "\\t",
               GROUP_CONCAT(COALESCE(?earlier, ""); separator=" "), "\\t",
               MAX(COALESCE(?label, ""))) AS ?facts)
WHERE {
  ?initiative a csp:Initiative .
  {scope}
  { ?initiative csp:inPlan ?p }
  UNION { ?initiative rdfs:label ?label }
  UNION { ?initiative csp:leadAgency ?o . OPTIONAL { ?o org:unitOf ?u }
          BIND(CONCAT(STR(COALESCE(?u, ?o)), "|", STR(?o)) AS ?lead) }
  UNION { ?initiative csp:partnerAgency ?o . OPTIONAL { ?o org:unitOf ?u }
          BIND(CONCAT(STR(COALESCE(?u, ?o)), "|", STR(?o)) AS ?partner) }
  UNION { ?initiative csp:addressesHarm ?h . BIND(STR(?h) AS ?harm) }
  UNION { ?initiative csp:supportsPriority ?s . BIND(STR(?s) AS ?priority) }
  UNION { ?initiative csp:continues ?c . BIND(STR(?c) AS ?earlier) }
}
GROUP BY ?initiative
"""

# _VOCABULARY: the reference data once each, one fact a row (?kind is the class or property the row is
# about, an IRI, cheap to read; ?s ?o ?label ?a ?b ?c as the table below):
#   csp:Harm                  harm                          label
#   skos:broader              harm, broader harm (broader+, SPARQL 1.1 §9.1)
#   csp:PFCCPriority / csp:PartnershipPriority   priority, scheme, label, notation
#   csp:focusHarm             priority, harm
#   csp:Agency                agency, agency type, label, type label
#   csp:AgencyUnit            unit, -, label
#   csp:Plan                  plan, partnership, partnership label, year, PFCC scheme, SCP scheme
#   csp:riskMatrixEntry       plan, harm, offence as written, rank
#   org:Membership            plan, statutory member, its label
# Every branch is self-contained: joining them to an outer pattern makes Oxigraph evaluate each branch once per
# outer row (measured: 40 s instead of 2.6 s on 1,500 plans). {details} becomes _PLAN_DETAILS when the
# priorities are read, else nothing.
_VOCABULARY = """
SELECT ?kind ?s ?o ?label ?a ?b ?c
WHERE {
  { ?s a csp:Harm . OPTIONAL { ?s rdfs:label ?label } BIND(csp:Harm AS ?kind) }
  UNION { ?s a csp:Harm ; skos:broader+ ?o . ?o a csp:Harm . BIND(skos:broader AS ?kind) }
  UNION { ?s a csp:Agency . BIND(csp:Agency AS ?kind) OPTIONAL { ?s rdfs:label ?label }
          OPTIONAL { ?s org:classification ?o . OPTIONAL { ?o rdfs:label ?a } } }
  UNION { ?s a csp:AgencyUnit . BIND(csp:AgencyUnit AS ?kind) OPTIONAL { ?s rdfs:label ?label } }
  UNION { ?s a csp:Plan ; csp:planYear ?a ; csp:ofPartnership ?o . BIND(csp:Plan AS ?kind)
          OPTIONAL { ?o rdfs:label ?label } OPTIONAL { ?s csp:pfccPlan ?b } OPTIONAL { ?s csp:partnershipPriorities ?c } }
  {details}
}
"""
# The plans' priorities, their focus harms, risk matrices and statutory members: nine in ten rows of the
# reference data nationally (43,000 of 48,000; 0.26 s of 0.33 s), and only the gap report, the year-on-year
# diff and a priority filter use them, so they are read with the "priorities" fact.
_PLAN_DETAILS = """
  UNION { VALUES ?kind { csp:PFCCPriority csp:PartnershipPriority }
          ?s a ?kind ; skos:notation ?a . OPTIONAL { ?s skos:inScheme ?o } OPTIONAL { ?s rdfs:label ?label } }
  UNION { ?s csp:focusHarm ?o . BIND(csp:focusHarm AS ?kind) }
  UNION { ?s csp:riskMatrixEntry ?entry . ?entry csp:offenceType ?o . BIND(csp:riskMatrixEntry AS ?kind)
          OPTIONAL { ?entry rdfs:label ?label } OPTIONAL { ?entry csp:rank ?a } }
  UNION { ?m csp:listedIn ?s ; org:member ?o ; org:role csp:StatutoryMember . BIND(org:Membership AS ?kind)
          OPTIONAL { ?o rdfs:label ?label } }
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
    focus: frozenset[str] = frozenset()  # harms it focuses on (csp:focusHarm)

    @property
    def name(self) -> str:
        """How the plans cite it: "PFCC 4", "SCP 1"."""
        return f"{self.kind.upper()} {self.notation}"

    def sort_key(self) -> tuple:
        return (self.scheme, self.kind, _number(self.notation))


@dataclass(frozen=True)
class RiskEntry:
    """An offence type of a plan's risk matrix."""

    rank: int
    offence: str  # as written in the plan
    harm: str  # harm IRI


@dataclass(frozen=True)
class Plan:
    """One partnership's plan for one year, with what it promises besides its initiatives."""

    iri: str
    year: str
    partnership: str
    partnership_label: str
    pfcc_scheme: str = ""
    scp_scheme: str = ""
    risk: tuple[RiskEntry, ...] = ()
    statutory: Mapping[str, str] = field(default_factory=dict)  # statutory member IRI -> label

    @property
    def name(self) -> str:
        return f"{self.partnership_label} {self.year}"


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
    told: str = ""  # "line 59" when another initiative of the plan has the same label (see told_apart)

    @property
    def name(self) -> str:
        """What lists and reports call it: the label, told apart from a same-named row of the plan."""
        return f"{self.label} ({self.told})" if self.told else self.label

    # cached: the analyses ask each initiative for these sets several times, 90,000 initiatives nationally
    @cached_property
    def leads(self) -> frozenset[str]:
        """Lead agencies (units rolled up)."""
        return frozenset(p.agency for p in self.participants if p.role == "lead")

    @cached_property
    def partners(self) -> frozenset[str]:
        """Partner agencies that are not also leads."""
        return frozenset(p.agency for p in self.participants if p.role == "partner") - self.leads

    @cached_property
    def agencies(self) -> frozenset[str]:
        return frozenset(p.agency for p in self.participants)


@dataclass(frozen=True)
class Delivery:
    """Who delivers what in the plans read (all, or one year or partnership), and the reference data.

    ``plans`` holds every plan of the graph (so that an unknown year is told apart from one that was not read);
    ``initiatives`` those of the plans in scope.
    """

    initiatives: tuple[Initiative, ...]
    agencies: Mapping[str, Agency]
    priorities: Mapping[str, Priority]
    harms: Mapping[str, str]  # harm IRI -> label
    plans: Mapping[str, Plan]
    scope: Mapping[str, str] = field(default_factory=dict)  # the filters the initiatives were read with
    seconds: float = 0.0
    facts: frozenset[str] = frozenset(("harms", "priorities", "continues"))  # which of FACTS were read

    columns = ("initiative", "year", "partnership", "agency", "role", "unit")

    def rows(self) -> list[tuple[str, ...]]:
        """One row per (initiative, agency, role): the participation table in plain words."""
        return [(ini.name, ini.year, self.partnerships.get(ini.partnership, slug_of(ini.partnership)),
                 self.agency_label(p.agency), p.role, p.unit_label or "")
                for ini in self.initiatives for p in ini.participants]

    @cached_property
    def partnerships(self) -> dict[str, str]:
        """Partnership IRI -> label, for every plan of the graph."""
        return {p.partnership: p.partnership_label for p in self.plans.values()}

    @cached_property
    def years(self) -> tuple[str, ...]:
        """Every plan year of the graph."""
        return tuple(sorted({p.year for p in self.plans.values()}))

    def agency_label(self, iri: str) -> str:
        agency = self.agencies.get(iri)
        return agency.label if agency else slug_of(iri)

    @cached_property
    def _schemes(self) -> dict[tuple[str, str], tuple[Priority, ...]]:
        found: dict[tuple[str, str], list[Priority]] = defaultdict(list)
        for p in self.priorities.values():
            found[(p.kind, p.scheme)].append(p)
        return {key: tuple(sorted(ps, key=Priority.sort_key)) for key, ps in found.items()}

    def require(self, *facts: str) -> None:
        """Raise QueryError unless every fact named was read: a fact not read would give an empty answer."""
        for fact in facts:
            if fact not in self.facts:
                raise QueryError(f"this Delivery was read without {fact}: read it with facts including '{fact}'")

    def plan_priorities(self, plan: Plan, kind: str) -> tuple[Priority, ...]:
        """A plan's PFCC (``kind="pfcc"``) or own SCP priorities, in number order."""
        self.require("priorities")
        return self._schemes.get((kind, plan.pfcc_scheme if kind == "pfcc" else plan.scp_scheme), ())

    def read(self, plan: Plan) -> bool:
        """Whether this Delivery read the plan's initiatives (it may have been read for a year or partnership)."""
        years = self.scope.get("year")
        return ((years is None or plan.year in years.split())
                and self.scope.get("partnership", plan.partnership) == plan.partnership)

    def check_year(self, year: str) -> str:
        year = str(year).strip()
        if year not in self.years:
            raise QueryError(f"no plan year '{year}' {self.where}\n  -> known years: {', '.join(self.years) or 'none'}")
        scoped = self.scope.get("year")
        if scoped is not None and year not in scoped.split():
            raise QueryError(f"year {year} was not read: this Delivery holds {scoped} only")
        return year

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
            year = self.check_year(year)
            chosen = [i for i in chosen if i.year == year]
        if partnership is not None:
            iri = self.resolve(partnership, "partnership", self.partnerships)
            chosen = [i for i in chosen if i.partnership == iri]
        for wanted, fact in ((harm, "harms"), (priority, "priorities")):
            if wanted is not None:
                self.require(fact)
        if harm is not None:
            iri = self.resolve(harm, "harm", self.harms)
            chosen = [i for i in chosen if iri in i.harm_groups]
        if priority is not None:
            match = re.fullmatch(r"(pfcc|scp)[: ]\s*([0-9]+)", priority.strip(), flags=re.IGNORECASE)
            if match:
                kind, number = match.group(1).lower(), match.group(2)
                wanted = {p.iri for p in self.priorities.values() if p.kind == kind and p.notation == number}
                if not wanted:
                    raise QueryError(f"no {kind.upper()} priority numbered {number} {self.where}")
            else:
                wanted = {self.resolve(priority, "priority", self.priorities)}
            chosen = [i for i in chosen if i.priorities & wanted]
        return tuple(chosen)

    def within(self, plans: Iterable[str], described: str) -> Delivery:
        """This table for those plans (IRIs) only, as if the graph held no other: its initiatives, the plan
        years and partnerships the analyses offer, and the priorities of those plans' schemes. What
        :func:`cspgraph.scope.part` does to the graph, done to the table, so that a force area's gaps and
        network come from the saved table in about a second. ``described`` says which plans in reports and
        errors ("serving pfcc-essex-2016"). Narrow a table read whole: one read for a year or partnership holds
        no other initiatives, and a QueryError says so when none of ``plans`` was read.
        """
        keep = set(plans)
        kept = {iri: p for iri, p in self.plans.items() if iri in keep}
        if not any(self.read(p) for p in kept.values()):
            raise QueryError(f"none of the plans {described} was read into this table: read it whole")
        schemes = {s for p in kept.values() for s in (p.pfcc_scheme, p.scp_scheme) if s}
        return replace(self, initiatives=tuple(i for i in self.initiatives if i.plan in keep), plans=kept,
                       priorities={iri: q for iri, q in self.priorities.items() if q.scheme in schemes},
                       scope={**self.scope, "plans": described})

    @property
    def where(self) -> str:
        """Where a name was looked for, in an error: the graph, or the plans a table was narrowed to."""
        return f"among the plans {self.scope['plans']}" if "plans" in self.scope else "in the graph"

    def resolve(self, value: str, kind: str, known: Mapping[str, Any]) -> str:
        """An IRI from an IRI, a prefixed name (``id:harm/x``), a slug (``county-lines``) or a label:
        :func:`cspgraph.names.resolve`."""
        return names.resolve(value, kind, known, where=self.where)


def _number(text: str) -> tuple[int, str]:
    return (int(text), "") if text.isdigit() else (10**9, text)


def _text(term: Any) -> str:
    return "" if term is None else str(term)


def _first(current: str | None, new: str) -> str:
    """The smallest non-empty value seen: a node with two labels always gets the same one."""
    if not new:
        return current or ""
    return new if not current else min(current, new)


def _vocabulary(store: Store, details: bool = True) -> tuple[dict, dict, dict, dict, dict, dict, float]:
    query = with_prefixes(_VOCABULARY.replace("{details}", _PLAN_DETAILS if details else ""))
    table = store.select_text(query) if callable(getattr(store, "select_text", None)) else store.select(query)
    harms: dict[str, str] = {}
    broader: dict[str, set[str]] = defaultdict(set)
    priorities: dict[str, dict[str, Any]] = {}
    focus: dict[str, set[str]] = defaultdict(set)
    agencies: dict[str, dict[str, str]] = {}
    units: dict[str, str] = {}
    plans: dict[str, dict[str, Any]] = {}
    pfcc, scp = str(CSP.PFCCPriority), str(CSP.PartnershipPriority)
    # the kinds as text once: an rdflib namespace attribute is a lookup and a new URIRef each time (0.3 s a
    # national graph when done per row)
    harm_kind, broader_kind, focus_kind = str(CSP.Harm), str(SKOS.broader), str(CSP.focusHarm)
    agency_kind, unit_kind, plan_kind, risk_kind = (str(CSP.Agency), str(CSP.AgencyUnit), str(CSP.Plan),
                                                    str(CSP.riskMatrixEntry))
    for kind, s, o, label, a, b, c in table.rows:
        kind, s, o, label, a = str(kind), str(s), _text(o), _text(label), _text(a)
        if kind == harm_kind:
            harms[s] = _first(harms.get(s), label)
        elif kind == broader_kind:
            broader[s].add(o)
        elif kind in (pfcc, scp):
            rec = priorities.setdefault(s, {"kind": "pfcc" if kind == pfcc else "scp", "notation": "", "label": "",
                                            "scheme": ""})
            for key, value in (("notation", a), ("label", label), ("scheme", o)):
                rec[key] = _first(rec[key], value)
        elif kind == focus_kind:
            focus[s].add(o)
        elif kind == agency_kind:
            info = agencies.setdefault(s, {"label": "", "type": "", "type_label": ""})
            for key, value in (("label", label), ("type", o), ("type_label", a)):
                info[key] = _first(info[key], value)
        elif kind == unit_kind:
            units[s] = _first(units.get(s), label)
        else:
            rec = plans.setdefault(s, {"year": "", "partnership": "", "label": "", "pfcc": "", "scp": "",
                                       "risk": {}, "statutory": {}})
            if kind == plan_kind:
                for key, value in (("year", a), ("partnership", o), ("label", label), ("pfcc", _text(b)),
                                   ("scp", _text(c))):
                    rec[key] = _first(rec[key], value)
            elif kind == risk_kind:
                rank = int(a) if a.isdigit() else 0
                rec["risk"][(rank, o)] = _first(rec["risk"].get((rank, o)), label) or slug_of(o)
            else:  # org:Membership
                rec["statutory"][o] = _first(rec["statutory"].get(o), label) or slug_of(o)
    priority_objects = {iri: Priority(iri, r["kind"], r["notation"], r["label"], r["scheme"], frozenset(focus[iri]))
                        for iri, r in sorted(priorities.items())}
    plan_objects = {
        iri: Plan(iri, r["year"], r["partnership"], r["label"] or slug_of(r["partnership"]), r["pfcc"], r["scp"],
                  tuple(RiskEntry(rank, offence, harm) for (rank, harm), offence in sorted(r["risk"].items())),
                  dict(sorted(r["statutory"].items(), key=lambda kv: kv[1].lower())))
        for iri, r in sorted(plans.items(), key=lambda kv: (kv[1]["partnership"], kv[1]["year"], kv[0]))
        if r["year"]
    }
    harm_labels = {iri: label or slug_of(iri) for iri, label in sorted(harms.items())}
    return harm_labels, dict(broader), priority_objects, agencies, units, plan_objects, table.seconds


def _scope_block(year: Sequence[str] | None, partnership: str | None) -> str:
    """A VALUES block restricting _FACTS to some plans, written from typed rdflib terms (never raw user text)."""
    lines = []
    if year is not None or partnership is not None:
        lines.append("?initiative csp:inPlan ?scopePlan .")
    if year is not None:
        lines.append("?scopePlan csp:planYear ?scopeYear .")
        lines.append("VALUES ?scopeYear { " + " ".join(Literal(y).n3() for y in year) + " }")
    if partnership is not None:
        lines.append("?scopePlan csp:ofPartnership ?scopePartnership .")
        lines.append(f"VALUES ?scopePartnership {{ {URIRef(partnership).n3()} }}")
    return "\n  ".join(lines)


#: read through the plans in scope (not whole predicates) when fewer than 1/PLAN_READ_SHARE of them are
PLAN_READ_SHARE = 4
#: what :func:`delivery` can read besides each initiative's plan, label and participants; an analysis that
#: needs none of them (the co-delivery network) reads a national graph in half the time without them.
#: "priorities" also brings the plans' priority schemes, focus harms, risk matrices and statutory members
FACTS = ("harms", "priorities", "continues")


@paused_gc()
def delivery(store: Store, year: str | Sequence[str] | None = None, partnership: str | None = None, *,
             since: str | None = None, until: str | None = None, facts: Iterable[str] = FACTS) -> Delivery:
    """Read who delivers what from a store, aggregated in Python.

    ``year`` (one plan year or several), ``since``/``until`` (every plan year between, inclusive) and
    ``partnership`` (slug, IRI or label) keep only those plans' initiatives; the reference data (plans, harms,
    agencies) is always read whole. ``facts`` says which of :data:`FACTS` to read (all by default);
    "priorities" also brings the plans' priority schemes, risk matrices and statutory members. Filtering a
    Delivery on a fact it did not read, or asking it for a plan's priorities, is an error, never an empty
    answer; read without "priorities", ``priorities`` and each plan's ``risk`` and ``statutory`` are empty
    (check ``facts``, or call :meth:`Delivery.require`). A store without indexes (a remote endpoint) is read
    by one SELECT that brings every fact, whatever ``facts`` asks.

    The embedded stores hand over each predicate's triples straight from their indexes
    (:class:`~cspgraph.store.IndexedStore`); other stores (a remote endpoint) are read with one grouped
    SELECT. Both give the same Delivery (tested); the first is about four times faster nationally.

    Examples
    --------
    >>> from cspgraph.project import find_project
    >>> from cspgraph.session import open_store
    >>> data = delivery(open_store(find_project()))
    >>> data.years
    ('2018-19', '2020-21')
    """
    started = time.perf_counter()
    wanted = frozenset(facts)
    if not wanted <= set(FACTS):
        raise QueryError(f"unknown facts {sorted(wanted - set(FACTS))}: choose from {', '.join(FACTS)}")
    indexed = callable(getattr(store, "pairs", None))
    if not indexed:
        wanted = frozenset(FACTS)  # one SELECT reads every fact (_facts_from_sparql)
    harms, broader, priorities, agency_info, units, plans, _ = _vocabulary(store, "priorities" in wanted)
    scope_probe = Delivery((), {}, priorities, harms, plans)
    scope: dict[str, str] = {}
    if year is not None:
        years = [scope_probe.check_year(y) for y in ([year] if isinstance(year, str) else year)]
        year, scope["year"] = years, " ".join(years)
    elif since is not None or until is not None:
        years = [y for y in scope_probe.years if (since or y) <= y <= (until or y)]
        year, scope["year"] = years, " ".join(years)
    if partnership is not None:
        partnership = scope_probe.resolve(partnership, "partnership", scope_probe.partnerships)
        scope["partnership"] = partnership
    if indexed:
        in_scope = {iri for iri, plan in plans.items()
                    if (year is None or plan.year in year) and partnership in (None, plan.partnership)}
        rows: Iterable[_Facts] = _facts_from_index(store, in_scope, len(plans), wanted)  # type: ignore[arg-type]
    else:
        rows = _facts_from_sparql(store, year, partnership)

    participations: dict[tuple[str, str, str], Participation] = {}
    made: dict[tuple, tuple[Participation, ...]] = {}

    def participation(key: tuple[str, str, str]) -> Participation:
        person = participations.get(key)
        if person is None:
            role, agency, unit = key
            person = participations[key] = Participation(agency, role, unit or None,
                                                          units.get(unit, slug_of(unit)) if unit else None)
            used.add(agency)
        return person

    def participants(leads: list[tuple[str, str]], partners: list[tuple[str, str]]) -> tuple[Participation, ...]:
        # the same team of agencies recurs across initiatives: make each distinct one once (and share it)
        key = (tuple(leads), tuple(partners))
        done = made.get(key)
        if done is None:
            # (role, agency, unit or ""): sorted, the order Participation tuples have always had
            keys = {("lead", agency, org if org != agency else "") for agency, org in leads}
            keys.update(("partner", agency, org if org != agency else "") for agency, org in partners)
            done = made[key] = tuple(participation(k) for k in sorted(keys))
        return done

    initiatives = []
    used: set[str] = set()
    # Each IRI read from the store is a new string, and each harm set a new frozenset, per initiative. One
    # object for each distinct value instead (``share``, called in C by map; the harm sets shared through
    # ``groups``) takes the national table from 51 MB pickled to 24 MB, and reading it back from 0.45 s and
    # 319 MB to 0.32 s and 209 MB (pickle writes a shared object once). A dict of this call's own, not
    # sys.intern: interned strings are immortal on some Pythons (3.12.0-3.12.4, free-threaded builds), and a
    # notebook reading many tables would keep every IRI it ever read
    share = {}.setdefault
    groups: dict[frozenset[str], tuple[frozenset[str], frozenset[str]]] = {}
    with paused_gc():  # 90,000 initiatives nationally: see paused_gc
        for iri, plan_iri, leads, partners, harm_set, priority_set, earlier, label in rows:
            plan = plans.get(plan_iri) if plan_iri else None
            if plan is None:
                continue  # an initiative outside any plan: not part of any plan's delivery
            people = participants(leads, partners)
            read = frozenset(harm_set)
            shared = groups.get(read)
            if shared is None:
                direct = frozenset(map(share, read, read))
                shared = groups[read] = (direct, direct.union(*(broader.get(h, ()) for h in direct)))
            direct, grouped = shared
            initiatives.append(Initiative(
                iri=share(iri, iri), label=label or slug_of(iri), plan=plan.iri, year=plan.year,
                partnership=plan.partnership, participants=people, harms=direct, harm_groups=grouped,
                priorities=frozenset(map(share, priority_set, priority_set)),
                continues=tuple(sorted(set(map(share, earlier, earlier)))),
            ))
    initiatives.sort(key=lambda i: (i.partnership, i.year, i.iri))
    initiatives = _tell_apart(store, initiatives)
    agencies = {}
    for iri in sorted(used):
        info = agency_info.get(iri, {})
        agencies[iri] = Agency(iri, info.get("label") or slug_of(iri),
                               slug_of(info["type"]) if info.get("type") else "", info.get("type_label", ""))
    return Delivery(tuple(initiatives), agencies, priorities, harms, plans, scope, time.perf_counter() - started,
                    wanted)


def told_apart(lines: Iterable[int], iri: str) -> str:
    """How an initiative is told from another of its plan with the same name: by the line its row starts on.

    A plan may list one name twice (Safer Colchester 2020-21 has two rows "Op Enlightenment" and two
    "Essex Youth Services", for different work), and reports then showed the name twice over. The source line
    is what the plan itself gives to tell them apart, and what a reader checks; the IRI's last part stands in
    for a row with no source line.
    """
    first = min(lines, default=None)
    return f"line {first}" if first is not None else slug_of(iri)


@paused_gc()  # 90,000 keys counted nationally, beside millions of live objects: see paused_gc
def _tell_apart(store: Store, initiatives: list[Initiative]) -> list[Initiative]:
    """The initiatives, those sharing a plan and a label given ``told`` (:func:`told_apart`).

    Only the few that share a name have their lines read, by one query naming them: reading every
    initiative's lines would add a predicate scan to each national table for rows that almost never need it.
    """
    # measured on the national 90,000 (562 share a name with another of their plan): about 0.1 s in all,
    # the query 7 ms; counted in C (zip, map, Counter), 0.11 s against 0.13 s for loops in Python
    plans, labels = attrgetter("plan"), attrgetter("label")
    count = Counter(zip(map(plans, initiatives), map(labels, initiatives)))
    shared = {key for key, n in count.items() if n > 1}
    if not shared:
        return initiatives
    shared_labels = {label for _, label in shared}
    twins = [i.iri for i in initiatives if i.label in shared_labels and (i.plan, i.label) in shared]
    table = store.select(with_prefixes(
        "SELECT ?initiative ?line WHERE { VALUES ?initiative { " + " ".join(URIRef(i).n3() for i in twins)
        + " } ?initiative prov:wasDerivedFrom ?span . ?span csp:firstLine ?line }"))
    lines: dict[str, list[int]] = defaultdict(list)
    for iri, line in table.rows:
        if str(line).isdigit():
            lines[str(iri)].append(int(str(line)))
    chosen = set(twins)
    return [replace(i, told=told_apart(lines[i.iri], i.iri)) if i.iri in chosen else i for i in initiatives]


#: one initiative as read: IRI, plan IRI, leads and partners as (agency, organisation named) pairs, harm IRIs,
#: priority IRIs, IRIs of the initiatives it continues, label (sequences: delivery() reads each one twice)
_Facts = tuple[str, str | None, list[tuple[str, str]], list[tuple[str, str]], Sequence[str], Sequence[str],
               Sequence[str], str]


def _facts_from_sparql(store: Store, year: Sequence[str] | None, partnership: str | None) -> Iterable[_Facts]:
    """The initiatives of the plans in scope through one grouped SELECT (see _FACTS): works on any endpoint."""
    table = store.select(with_prefixes(_FACTS.replace("{scope}", _scope_block(year, partnership))))

    def pairs(packed: str) -> list[tuple[str, str]]:
        return [(agency, org) for agency, _, org in (item.partition("|") for item in packed.split())]

    for iri, plan_iri, packed in table.rows:
        leads, partners, harm_text, priority_text, earlier, label = str(packed).split("\t", 5)
        yield (str(iri), str(plan_iri) if plan_iri is not None else None, pairs(leads), pairs(partners),
               harm_text.split(), priority_text.split(), earlier.split(), label)


def _facts_from_index(store: IndexedStore, plans: set[str], every_plan: int, wanted: frozenset[str]
                      ) -> Iterable[_Facts]:
    """The same facts as _facts_from_sparql, read predicate by predicate from the store's indexes.

    Mirrors _FACTS exactly: initiatives are the subjects typed csp:Initiative; an initiative is in scope when
    one of its plans is, and its plan is the first of them (SPARQL's SAMPLE picks any; plans never share an
    initiative); an organisation rolls up through every org:unitOf it has, or stands for itself; the label is
    the greatest when there are several (MAX). A few plans' initiatives (a year or a partnership of a
    national graph, ``plans`` of ``every_plan``) are read through their plans
    (:meth:`~cspgraph.store.OxigraphStore.pairs_linked`), many by scanning each predicate whole: measured
    nationally, one year's six predicates (18,000 initiatives) take about 0.7 s so, against 1.6 s subject by
    subject and 1.9 s for the scans.
    """
    def read(predicate: Any, obj: Any = None) -> list[tuple[str, str]]:
        return store.pairs(str(predicate), str(obj) if obj is not None else None)

    def linked(predicate: Any) -> list[tuple[str, str]]:
        return store.pairs_linked(str(predicate), str(CSP.inPlan), plans)

    few = len(plans) * PLAN_READ_SHARE < every_plan
    initiative = str(CSP.Initiative)
    if few:  # only the subjects of the plans in scope, and every plan each of them is in
        typed = {s for s, kind in linked(RDF.type) if kind == initiative}
        memberships = linked(CSP.inPlan)
    else:
        typed = {s for s, _ in read(RDF.type, CSP.Initiative)}
        memberships = read(CSP.inPlan)
    plan_of: dict[str, str] = {}
    chosen: set[str] = set()
    for s, o in memberships:
        if s in typed:
            if s not in plan_of or o < plan_of[s]:
                plan_of[s] = o
            if o in plans:
                chosen.add(s)
    unit_of: dict[str, list[str]] = defaultdict(list)
    for s, o in read(ORG.unitOf):
        unit_of[s].append(o)

    def collect(predicate: Any) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        get = found.get
        for s, o in linked(predicate) if few else read(predicate):
            if s in chosen:
                objects = get(s)
                if objects is None:
                    found[s] = [o]
                else:
                    objects.append(o)
        return found

    def rolled(predicate: Any) -> dict[str, list[tuple[str, str]]]:
        return {s: [(agency, org) for org in orgs for agency in (unit_of.get(org) or (org,))]
                for s, orgs in collect(predicate).items()}

    leads, partners = rolled(CSP.leadAgency), rolled(CSP.partnerAgency)
    none: dict[str, list[str]] = {}
    harms = collect(CSP.addressesHarm) if "harms" in wanted else none
    priorities = collect(CSP.supportsPriority) if "priorities" in wanted else none
    earlier = collect(CSP.continues) if "continues" in wanted else none
    labels = {s: max(names) for s, names in collect(RDFS.label).items() if names}
    for s in chosen:
        yield (s, plan_of[s], leads.get(s, []), partners.get(s, []), harms.get(s, ()), priorities.get(s, ()),
               earlier.get(s, ()), labels.get(s, ""))


#: the key of a store's whole-country delivery table in its ``memo``
_WHOLE = ("delivery", "whole")


def as_delivery(source: Store | Delivery, year: str | Sequence[str] | None = None,
                partnership: str | None = None, facts: Iterable[str] = FACTS, *,
                since: str | None = None, until: str | None = None) -> Delivery:
    """What an analysis reads: a :class:`Delivery` as given; else the store's whole-country table, when it has
    one with the facts asked; else read from the store (only the years, partnership and facts asked, see
    :func:`delivery`).

    An embedded store has a whole-country table when it was loaded from a graph file whose saved table
    (:mod:`cspgraph.deliverycache`) was made from that very file, as ``cspgraph build`` saves it; or when an
    analysis read one from it before (with no year or partnership). Either is kept on the store (its ``memo``:
    an embedded store's content never changes once loaded), so that later analyses of it start at once; a read
    for facts the kept table lacks reads them and the kept ones together, and replaces it. Nationally, the whole
    country's gap report handed the store of :func:`~cspgraph.session.open_store` took 1.7 s that way, the
    table's read-back included, against 5.4 s reading the store (README, Performance). The analyses filter a
    whole table themselves, and give the same answers as from a table read for their year or partnership only
    (tested). A part (a year, a partnership) is not kept: the next analysis may want another. A remote endpoint
    keeps nothing: its data may change between calls.

    Pass one Delivery to several analyses to query the store once, whatever the store. A store whose content
    is changed after an analysis (through ``OxigraphStore.oxigraph`` or ``RdflibStore.graph``, which the
    stores ask callers not to do) keeps answering from the table kept before: :func:`forget_delivery` drops it.
    """
    if isinstance(source, Delivery):
        return source
    memo = getattr(source, "memo", None)
    if memo is None:  # a remote endpoint
        return delivery(source, year=year, partnership=partnership, since=since, until=until, facts=facts)
    wanted = frozenset(facts)
    kept = memo.get(_WHOLE)
    if kept is None:
        from . import deliverycache

        kept = deliverycache.for_store(source)
        if kept is not None:
            memo[_WHOLE] = kept
    if kept is not None and wanted <= kept.facts:
        return kept
    data = delivery(source, year=year, partnership=partnership, since=since, until=until,
                    facts=wanted | (kept.facts if kept is not None else frozenset()))
    if not data.scope:
        memo[_WHOLE] = data
    return data


def forget_delivery(store: Store) -> None:
    """Drop the delivery table :func:`as_delivery` kept on a store: to free its memory (about 200 MB
    nationally) while the store stays open, or after changing the store's content."""
    memo = getattr(store, "memo", None)
    if memo is not None:
        memo.pop(_WHOLE, None)


# ------------------------------------------------------------------------------------------------ graphs


@paused_gc()
def co_delivery_network(source: Store | Delivery, year: str | None = None, harm: str | None = None,
                        priority: str | None = None, partnership: str | None = None) -> nx.Graph:
    """Agencies linked when they take part in the same initiatives (the bipartite projection, done by counting).

    Nodes are agency IRIs with ``label``, ``type`` (agency-type slug), ``type_label``, ``lead_count``,
    ``partner_count`` (initiatives it leads; takes part in without leading), ``initiatives`` and ``units``
    (labels of the teams named). An edge's ``weight`` is the number of initiatives both take part in, lead or
    partner; ``initiatives`` holds their names (``Initiative.name``: the label, told apart where a plan repeats
    it) and ``initiative_iris`` their IRIs. Agencies that deliver alone are kept as isolated nodes: leaving them
    out would hide who works alone. Filters as :meth:`Delivery.select`.

    >>> g = co_delivery_network(_example_delivery())
    >>> sorted(g.edges(data="weight"))
    [('https://w3id.org/cspgraph/id/agency/a', 'https://w3id.org/cspgraph/id/agency/b', 2)]
    """
    data = as_delivery(source, year=year, partnership=partnership, facts=_facts_for(harm, priority))
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
    # counted in a plain dict and added once: networkx's edge lookups cost more than the counting itself
    # (nationally, 900,000 agency pairs on 90,000 initiatives)
    shared: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
    for ini in chosen:
        for pair in combinations(sorted(ini.agencies), 2):
            found = shared.get(pair)
            if found is None:
                found = shared[pair] = ([], [])
            found[0].append(ini.name)
            found[1].append(ini.iri)
    graph.add_edges_from((a, b, {"weight": len(labels), "initiatives": labels, "initiative_iris": iris})
                         for (a, b), (labels, iris) in shared.items())
    return graph


def _facts_for(harm: str | None, priority: str | None) -> tuple[str, ...]:
    """The optional facts a network needs to read: only those its filters use."""
    return tuple(fact for fact, used in (("harms", harm), ("priorities", priority)) if used is not None)


@paused_gc()
def bipartite_graph(source: Store | Delivery, year: str | None = None, harm: str | None = None,
                    priority: str | None = None, partnership: str | None = None) -> nx.Graph:
    """Agencies and initiatives as two kinds of node (``bipartite`` 0 and 1), for drawing who does what.

    Agency nodes carry ``label`` and ``type`` (agency-type slug); initiative nodes ``type="initiative"``,
    ``label``, ``year`` and ``partnership``. An edge's ``role`` is ``lead`` or ``partner`` and ``units`` lists
    the teams named, so a drawing can show "CBC Community Safety Team" on the link to the council.
    """
    data = as_delivery(source, year=year, partnership=partnership, facts=_facts_for(harm, priority))
    chosen = data.select(year=year, harm=harm, priority=priority, partnership=partnership)
    graph = nx.Graph(year=year, harm=harm, priority=priority, partnership=partnership, initiatives=len(chosen))
    partnerships = data.partnerships
    for ini in chosen:
        graph.add_node(ini.iri, label=ini.name, type="initiative", kind="initiative", bipartite=1, year=ini.year,
                       partnership=partnerships.get(ini.partnership, ""))
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


def _betweenness(graph: nx.Graph, k: int | None, seed: int) -> dict[str, float]:
    """Weighted betweenness, normalised as networkx's ``betweenness_centrality(normalized=True)`` is.

    A link's length is ``1/weight``. Computed by igraph (C): exact on the national co-delivery network
    (2,417 agencies, 34,196 links) in 2.5 s where networkx took 7 s for a 100-source estimate. ``k`` sources
    drawn with ``random.Random(seed)`` (networkx's ``k``/``seed`` sample) give the estimate, scaled by n/k.
    Ties between paths of equal length are compared with igraph's tolerance rather than exact float
    equality, so a value may differ from networkx's in the fifth decimal where 1/3+1/3+1/3 meets 1.
    """
    import igraph  # C; imported here so that importing cspgraph stays quick

    nodes = list(graph)
    n = len(nodes)
    if n < 3:
        return {node: 0.0 for node in nodes}
    index = {node: i for i, node in enumerate(nodes)}
    g = igraph.Graph(n=n, edges=[(index[u], index[v]) for u, v in graph.edges()])
    lengths = [1.0 / d.get("weight", 1) for _, _, d in graph.edges(data=True)]
    # igraph counts each pair of agencies once, networkx each ordered pair (hence the 2), and networkx divides
    # by the pairs that could pass through a node: (n-1)(n-2) exactly; from k sources, k(n-2), or (k-1)(n-2)
    # for a source, which cannot lie on its own paths (networkx 3.6 _rescale)
    if k is None:
        raw = g.betweenness(weights=lengths, directed=False)
        return {node: 2 * value / ((n - 1) * (n - 2)) for node, value in zip(nodes, raw)}
    sources = set(random.Random(seed).sample(range(n), k))
    raw = g.betweenness(weights=lengths, directed=False, sources=sorted(sources), targets=range(n))
    return {node: 2 * value / ((k - 1 if i in sources else k) * (n - 2))
            for i, (node, value) in enumerate(zip(nodes, raw))}


@paused_gc()
def centrality(graph: nx.Graph, sample: int | None = None) -> CentralityTable:
    """Degree (how many partners) and weighted betweenness (who sits between others: the brokers).

    Betweenness uses shortest paths where a link's length is ``1/weight`` (agencies sharing many initiatives
    are close), normalised to 0..1. Above :data:`BETWEENNESS_EXACT_LIMIT` agencies it is estimated from a
    seeded sample of ``sample`` sources (:data:`BETWEENNESS_SAMPLE` by default), so the answer stays
    reproducible.

    >>> table = centrality(co_delivery_network(_example_delivery()))
    >>> [(e.label, e.partners) for e in table.entries]
    [('A', 1), ('B', 1)]
    """
    if sample is not None and sample < 2:
        raise QueryError(f"a betweenness sample needs at least 2 sources, not {sample}")
    n = graph.number_of_nodes()
    k = sample if sample is not None else (BETWEENNESS_SAMPLE if n > BETWEENNESS_EXACT_LIMIT else None)
    k = None if k is not None and k >= n else k
    between = _betweenness(graph, k, COMMUNITY_SEED)
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


@paused_gc()
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


def _apart(graph: nx.Graph, node: str) -> list[list[str]]:
    """The node's neighbours grouped by the connected component they fall in once the node is taken out.

    A breadth-first walk that steps around ``node``: networkx's components of a subgraph view cost seconds
    nationally (2,400 agencies, 34,000 links) for each agency explained; this is one pass over the links.
    """
    seen = {node}
    groups = []
    for start in graph.adj[node]:
        if start in seen:
            continue
        seen.add(start)
        component, frontier = [start], [start]
        while frontier:
            step = []
            for current in frontier:
                for other in graph.adj[current]:
                    if other not in seen:
                        seen.add(other)
                        step.append(other)
            component.extend(step)
            frontier = step
        groups.append([n for n in component if n in graph.adj[node]])
    return groups


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
    groups: dict[int, list[str]] = {
        i: sorted((label(n) for n in group), key=str.lower) for i, group in enumerate(_apart(graph, node))}
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
        # counted, not listed: a national hub has 2,000 partners, so 2 million pairs to test one by one
        around = set(neighbours)
        linked = sum(len(around.intersection(graph.adj[n])) for n in neighbours) // 2
        unlinked = len(neighbours) * (len(neighbours) - 1) // 2 - linked
        if unlinked:
            # the example: the first partner (by label) with a partner it does not work with, and the first
            # such partner of it
            ordered = sorted(neighbours, key=lambda n: (label(n).lower(), n))
            a = next(n for n in ordered if len(around.intersection(graph.adj[n])) < len(around) - 1)
            b = next(n for n in ordered if n != a and n not in graph.adj[a])
            said.append(f"It brings together {_plural(unlinked, 'pair')} of partners who share no initiative "
                        f"directly (such as {label(a)} and {label(b)}), though other agencies also connect them.")
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


class Named(str):
    """A label that keeps the IRI of what it names.

    The CLI prints it as the text it is (tables, CSV, JSON); the explorer, which has a page for the IRI,
    makes it a link, so a gap it reports leads to the priority, harm, agency or initiative concerned.
    """

    iri: str

    def __new__(cls, text: str, iri: str) -> Named:
        named = super().__new__(cls, text)
        named.iri = iri
        return named


@dataclass(frozen=True)
class Section:
    """A titled table of plain values, as every analysis hands it to the CLI and the explorer."""

    title: str
    columns: tuple[str, ...]
    data: tuple[tuple[Any, ...], ...] = ()
    prose: bool = False  # (subject, sentence) rows best read as paragraphs than as a table
    # said instead of "none" when the rows could not be looked for (a plan that lists no members has no
    # statutory partners to check): an empty table would read as "every one leads something"
    note: str = ""

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
    if isinstance(source, Delivery) and "plans" in source.scope:  # a table narrowed with Delivery.within
        filters = {"plans": source.scope["plans"], **filters}
    return NetworkReport(filters, graph.number_of_nodes(), graph.number_of_edges(), int(graph.graph["initiatives"]),
                         table, groups, tuple(explain(graph, a) for a in chosen), graph)


def _example_delivery() -> Delivery:
    """A two-agency Delivery for the docstring examples: A leads two initiatives, B partners on both."""
    a, b, plan = str(ID["agency/a"]), str(ID["agency/b"]), str(ID["plan/x/2020-21"])
    inits = tuple(
        Initiative(str(ID[f"initiative/x/2020-21/{n}"]), n.upper(), plan, "2020-21", str(ID["partnership/x"]),
                   (Participation(a, "lead"), Participation(b, "partner")))
        for n in ("p", "q")
    )
    return Delivery(inits, {a: Agency(a, "A", "police"), b: Agency(b, "B", "charity")}, {}, {},
                    {plan: Plan(plan, "2020-21", str(ID["partnership/x"]), "X")})

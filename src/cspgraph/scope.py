"""A part of the graph: some plans, and only what those plans use.

A force area's analyst, or a partnership lead, with the national graph wants an explorer of their own plans,
not of the country's: nationally ``cspgraph explore`` writes 102,593 files (1.5 GB) in about 7 minutes, at a
peak of 2.3 GB (README, The explorer), where one force area's part takes seconds. The part is the graph that
would have been built from those plans alone, with the registers (agencies, places, Police and Crime Plans,
sources) trimmed to what the plans use. ``tests/test_scope.py`` checks, on generated data, that it equals triple
for triple the part of a build of a folder holding only those plans (nothing of other plans leaks in), and,
without this module's walk, that only register entries nothing kept names are left out.

How the part is found, on the ontology's terms:

- the *chosen plans*, and what belongs to them: the initiatives and operations ``csp:inPlan`` them and the
  memberships ``csp:listedIn`` them (nothing belonging to another plan is ever taken);
- then everything those lead to, link by link (partnership, agencies and their parents, priorities and
  their schemes, harms, places and the places they are within, source lines and documents, figures, grants,
  risk-matrix entries), and the priorities ``skos:inScheme`` a scheme taken (a Police and Crime Plan's
  priorities that nobody delivers are what the gap questions look for);
- things of the ontology and its vocabularies (classes, properties, harms, statuses, agency types, roles) are
  always kept: they are not instances of the classes in :data:`INSTANCE_CLASSES`.

A triple is kept unless its subject or object is an instance left out, so the part never points at
something it does not hold (a ``csp:continues`` link to an earlier plan left out is dropped with it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from . import names
from .errors import QueryError
from .namespaces import CSP, ORG, SCHEMA, slug_of
from .store import OxigraphStore, paused_gc

if TYPE_CHECKING:
    from .network import Delivery

#: the classes whose instances come from the plans and their registers: kept only when the chosen plans use them
INSTANCE_CLASSES = (CSP.Partnership, CSP.Plan, CSP.Initiative, CSP.Operation, ORG.Membership, CSP.Agency,
                    CSP.AgencyUnit, CSP.Place, CSP.PoliceAndCrimePlan, CSP.PriorityScheme, CSP.PartnershipPriority,
                    CSP.PFCCPriority, CSP.RiskMatrixEntry, CSP.SourceDocument, CSP.SourceSpan,
                    SCHEMA.MonetaryGrant, SCHEMA.QuantitativeValue)
#: links followed against their direction: from a plan to what is in it, from a scheme to its priorities
_BELONGING = (CSP.inPlan, CSP.listedIn, SKOS.inScheme)


@dataclass(frozen=True)
class Scope:
    """Which plans to keep: those of the partnerships named, and those serving the Police and Crime Plans
    named (a force area's partnerships), in the years named. An empty field does not narrow: ``Scope()`` is
    every plan, ``Scope(years=("2022-23",))`` every partnership's plan of that year.

    Partnerships and Police and Crime Plans are named as on the command line (:func:`cspgraph.names.resolve`):
    a slug (``safer-colchester``, ``pfcc-essex-2016``), a label or an IRI.
    """

    partnerships: tuple[str, ...] = ()
    pfcc_plans: tuple[str, ...] = ()
    years: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # one name given as a string would otherwise be read letter by letter ("no partnership 's'")
        for name in ("partnerships", "pfcc_plans", "years"):
            value = getattr(self, name)
            object.__setattr__(self, name, (value,) if isinstance(value, str) else tuple(value))

    def __bool__(self) -> bool:
        return bool(self.partnerships or self.pfcc_plans or self.years)

    @property
    def folder(self) -> str:
        """A folder name for this part's site (``site-safer-colchester-2020-21``): a part written to ``site/``
        would replace the whole graph's site, which nationally takes about 7 minutes to write again."""
        words = [*self.partnerships, *self.pfcc_plans, *self.years]
        name = re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9]+", "-", "-".join(words).lower())).strip("-")[:80].strip("-")
        return f"site-{name or 'part'}"


@dataclass(frozen=True)
class Part:
    """The part of a graph a :class:`Scope` chose: its store, the plans kept and a line saying what it holds."""

    store: OxigraphStore
    plans: tuple[str, ...]
    partnerships: tuple[str, ...]  # their labels, for the reader
    years: tuple[str, ...]
    triples: int
    left_out: int  # triples of the whole graph not in the part

    @property
    def summary(self) -> str:
        """For the explorer's home page and the CLI: which partnerships and years this part holds."""
        plans = f"{len(self.plans)} plan{'s' if len(self.plans) != 1 else ''}"
        shown = ", ".join(self.partnerships[:_NAMED])
        if len(self.partnerships) > _NAMED:
            shown += f" and {len(self.partnerships) - _NAMED} more"
        who = shown if len(self.partnerships) == 1 else f"{len(self.partnerships)} partnerships ({shown})"
        return f"{plans} of {who}, {', '.join(self.years)}"


_NAMED = 10  # partnerships named in a summary; a year of the whole country has 300


def chosen_plans(store: OxigraphStore, scope: Scope) -> tuple[str, ...]:
    """The IRIs of the plans ``scope`` names, in IRI order. Raises QueryError for a name or year not in the
    graph, and when the scope's conditions together leave no plan."""
    ox_store = store.oxigraph
    partnership_of, year_of, pfcc_of = (dict(store.pairs(str(p))) for p in (CSP.ofPartnership, CSP.planYear,
                                                                              CSP.pfccPlan))
    plans = {p: (partnership_of.get(p), year_of.get(p), pfcc_of.get(p)) for p in _instances(store, CSP.Plan)}
    # every one the registers hold, with plans or not: one without plans is there, and chooses none
    partnerships = {p: _label(ox_store, p) for p in _instances(store, CSP.Partnership)}
    schemes = {s: _label(ox_store, s) for s in _instances(store, CSP.PoliceAndCrimePlan)}
    return _choose(scope, plans, partnerships, schemes).plans


def delivery_part(data: Delivery, scope: Scope) -> Delivery:
    """The delivery table (:mod:`cspgraph.network`) of the plans ``scope`` names: what reading the part's graph
    would give the analyses, from a table already read (nationally, the saved one: a force area's gap report
    in about a second, where cutting the graph takes 10 s with its load). Names as in :func:`chosen_plans`,
    except that a Police and Crime Plan is known by its slug or IRI only (the table keeps no scheme labels)."""
    plans = {iri: (p.partnership, p.year, p.pfcc_scheme or None) for iri, p in data.plans.items()}
    schemes = {p.pfcc_scheme: slug_of(p.pfcc_scheme) for p in data.plans.values() if p.pfcc_scheme}
    choice = _choose(scope, plans, data.partnerships, schemes, pfcc_noun="Police and Crime Plan (by its slug)")
    # named as the graph names them, not as typed: the words go into reports and pages
    words = [*(f"of {data.partnerships[p]}" for p in choice.partnerships),
             *(f"serving {slug_of(s)}" for s in choice.schemes)]
    years = f" in {', '.join(scope.years)}" if scope.years else ""
    return data.within(choice.plans, (" or ".join(words) or "of every partnership") + years)


class _Choice(NamedTuple):
    plans: tuple[str, ...]
    partnerships: tuple[str, ...]  # the IRIs the scope's partnership names resolved to, in the order given
    schemes: tuple[str, ...]  # and its Police and Crime Plans'


def _choose(scope: Scope, plans: Mapping[str, tuple[str | None, str | None, str | None]],
            partnerships: Mapping[str, str], schemes: Mapping[str, str],
            pfcc_noun: str = "Police and Crime Plan") -> _Choice:
    """The plans (IRI -> partnership, year, PFCC plan) ``scope`` names, and the names resolved;
    ``partnerships`` and ``schemes`` map the IRIs a name may resolve to onto their labels."""
    chosen = set(plans)
    wanted_partnerships = tuple(names.resolve(p, "partnership", partnerships) for p in scope.partnerships)
    wanted_schemes = tuple(names.resolve(s, "scheme", schemes, pfcc_noun) for s in scope.pfcc_plans)
    if scope.partnerships or scope.pfcc_plans:
        chosen = {p for p in chosen if plans[p][0] in wanted_partnerships or plans[p][2] in wanted_schemes}
    if scope.years:
        known = sorted({year for _, year, _ in plans.values() if year})
        for year in scope.years:
            if year not in known:
                raise QueryError(f"no plan year '{year}' in the graph\n  -> known years: {', '.join(known) or 'none'}")
        chosen = {p for p in chosen if plans[p][1] in scope.years}
    if not chosen:
        raise QueryError("no plan in the graph is of those partnerships or serves those Police and Crime Plans in "
                         "those years\n  -> 'cspgraph ask initiatives-per-plan' lists the plans")
    return _Choice(tuple(sorted(chosen)), wanted_partnerships, wanted_schemes)


def part(store: OxigraphStore, plans: Iterable[str]) -> Part:
    """The part of ``store``'s graph that ``plans`` (IRIs) use, as a new in-memory store (see the module's
    notes). ``store`` is not changed.

    >>> from cspgraph.project import find_project
    >>> from cspgraph.session import open_store
    >>> whole = open_store(find_project())
    >>> p = part(whole, chosen_plans(whole, Scope(years=("2020-21",))))
    >>> p.summary
    '1 plan of Safer Colchester Partnership, 2020-21'
    """
    ox_store = store.oxigraph
    chosen = {ox.NamedNode(p) for p in plans}
    if not chosen:
        raise QueryError("no plan chosen: a part holds at least one plan")
    with paused_gc():  # hundreds of thousands of terms in sets: nothing here can form a cycle
        instances = {n for cls in INSTANCE_CLASSES for n in _subjects(ox_store, RDF.type, cls)}
        every_plan = set(_subjects(ox_store, RDF.type, CSP.Plan))
        missing = chosen - every_plan
        if missing:
            raise QueryError(f"not a plan in the graph: {sorted(n.value for n in missing)[0]}")
        others = every_plan - chosen
        # what belongs to a plan left out is never taken, whichever link would lead to it
        barred = others | {q.subject for p in (CSP.inPlan, CSP.listedIn)
                           for q in ox_store.quads_for_pattern(None, ox.NamedNode(str(p)), None, ox.DefaultGraph())
                           if q.object in others}
        kept: set[ox.NamedNode | ox.BlankNode] = set()
        todo = list(chosen)
        belonging = [ox.NamedNode(str(p)) for p in _BELONGING]
        while todo:
            node = todo.pop()
            if node in kept:
                continue
            kept.add(node)
            for q in ox_store.quads_for_pattern(node, None, None, ox.DefaultGraph()):
                if q.object in instances and q.object not in kept and q.object not in barred:
                    todo.append(q.object)
            for link in belonging:
                for q in ox_store.quads_for_pattern(None, link, node, ox.DefaultGraph()):
                    if q.subject in instances and q.subject not in kept and q.subject not in barred:
                        todo.append(q.subject)
        left_out = instances - kept
        quads = [q for q in ox_store.quads_for_pattern(None, None, None, ox.DefaultGraph())
                 if q.subject not in left_out and q.object not in left_out]
    out = ox.Store()
    out.extend(quads)
    partnerships = sorted({_label(ox_store, q.object.value) for p in chosen
                           for q in ox_store.quads_for_pattern(p, ox.NamedNode(str(CSP.ofPartnership)), None,
                                                               ox.DefaultGraph())})
    years = sorted({q.object.value for p in chosen
                    for q in ox_store.quads_for_pattern(p, ox.NamedNode(str(CSP.planYear)), None, ox.DefaultGraph())})
    return Part(OxigraphStore.from_oxigraph(out), tuple(sorted(p.value for p in chosen)), tuple(partnerships),
                tuple(years), len(quads), len(ox_store) - len(quads))


def _subjects(store: ox.Store, predicate: URIRef, obj: URIRef) -> Iterator[ox.NamedNode | ox.BlankNode]:
    return (q.subject for q in store.quads_for_pattern(None, ox.NamedNode(str(predicate)), ox.NamedNode(str(obj)),
                                                       ox.DefaultGraph()))


def _instances(store: OxigraphStore, cls: URIRef) -> list[str]:
    """The IRIs of ``cls``'s instances, as text."""
    return [s for s, _ in store.pairs(str(RDF.type), str(cls))]


def _label(store: ox.Store, iri: str) -> str:
    for predicate in (SKOS.prefLabel, RDFS.label):
        for q in store.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(str(predicate)), None, ox.DefaultGraph()):
            return q.object.value
    return iri

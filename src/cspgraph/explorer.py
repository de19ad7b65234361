"""The explorer: a static website of the graph that a non-programmer opens offline, from a folder or a share.

Strategic leads on council networks often cannot install software and their browsers may not reach the
internet, so the site is plain files: relative links only (it works from ``file://``), no remote script, style,
font or image (vis-network is copied from the pyvis package into ``static/``), and a Content-Security-Policy
that forbids fetching anything. Every text from a plan goes through Jinja's autoescape; data for scripts
travels as escaped JSON (see :mod:`cspgraph.drawing`). Contacts are never shown: a row that named one says only
that a point of contact exists (withheld).

Pages: a home page with a search box (a client-side index embedded as JSON), a page per saved question (its
default answer, a CSV download beside it, pre-written answers for each value of a parameter with few values, a
network picture when its view is a graph), the co-delivery network with filters, the gap report, and a page
per plan, agency, initiative, priority and harm.

The site is written into a temporary folder beside ``out_dir`` and swapped in when complete, so a failed
build never leaves half a site; an existing ``out_dir`` is replaced only if it is empty or an earlier site.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from hashlib import sha1
from pathlib import Path
from typing import Any

import networkx as nx
import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS

from . import drawing, formatting
from .errors import CspgraphError
from .gaps import gap_report
from .graph import current_umask
from .namespaces import CSP, ID, ORG, SCHEMA, slug_of
from .network import Delivery, Named, as_delivery, co_delivery_network, told_apart
from .project import ProjectPaths
from .questions import Answer, Question, ask, load_questions, options, to_term
from .scope import Part, Scope, chosen_plans, part
from .store import OxigraphStore, Store, paused_gc

#: a file in every site we write: its presence is what lets a later build replace the folder
MARKER = ".cspgraph-site"
#: parameters with at most this many values get a pre-written answer page per value
MAX_CHOICES = 60
MAX_VARIANTS = 150
#: initiatives above which a whole site is announced before it is written (one force area has about 2,400)
LARGE_SITE = 10_000

Value = Any  # str | dict(text, path) | list of those | None: what a table cell or field holds


@dataclass(frozen=True)
class SiteReport:
    """What ``build_site`` wrote: counts, where, how long it took, and anything it could not do."""

    out_dir: Path
    pages: tuple[str, ...]
    files: int
    bytes: int
    seconds: float
    network_nodes: int
    warnings: tuple[str, ...] = ()
    page_of: Mapping[str, str] = field(default_factory=dict)  # IRI -> page path, relative to out_dir
    covers: str = ""  # the part of the graph the site shows (:class:`cspgraph.scope.Part`); "" for all of it

    def rows(self) -> list[tuple[str, Any]]:
        return [("folder", str(self.out_dir)), ("pages", len(self.pages)), ("files", self.files),
                ("size (KB)", round(self.bytes / 1024)), ("seconds", round(self.seconds, 2)),
                ("network organisations", self.network_nodes), ("warnings", len(self.warnings))]


def link(text: Any, path: str | None) -> dict[str, str | None]:
    return {"text": str(text), "path": path}


# ------------------------------------------------------------------------------------------------ facts


class _Text(dict):
    """term -> its text, made once per term."""

    def __missing__(self, term: Any) -> str:
        value = self[term] = term.value if isinstance(term, (ox.NamedNode, ox.Literal)) else str(term)
        return value


#: (subject, predicate, object, whether the object is an IRI), each as plain text
Triple = tuple[str, str, str, bool]


def _instance_triples(store: Store) -> Iterator[Triple]:
    """Every triple about an instance (an ``id:`` IRI) with an IRI or a literal for object, as plain text.

    The embedded store is walked triple by triple (:attr:`OxigraphStore.oxigraph`), so that the 3 million
    triples of the whole country are never held at once as a table of rdflib terms (nationally 15 s and 1.3
    GB kept by the process, against 6 s and 0.4 GB). Any other store answers one SELECT, which keeps the
    explorer engine-agnostic (rdflib or a remote endpoint answer it the same way).
    """
    prefix = str(ID)
    text = _Text()  # each IRI made text once: the same predicates and subjects come back millions of times
    if isinstance(store, OxigraphStore):
        for quad in store.oxigraph.quads_for_pattern(None, None, None, ox.DefaultGraph()):
            s, o = quad.subject, quad.object
            if isinstance(s, ox.NamedNode) and (subject := text[s]).startswith(prefix):
                if isinstance(o, ox.NamedNode):
                    yield subject, text[quad.predicate], text[o], True
                elif isinstance(o, ox.Literal):
                    yield subject, text[quad.predicate], text[o], False
        return
    table = store.select("SELECT ?s ?p ?o WHERE { ?s ?p ?o . "
                         f"FILTER(isIRI(?s) && STRSTARTS(STR(?s), {Literal(prefix).n3()})) }}")
    for s, p, o in table.rows:
        if isinstance(o, (URIRef, Literal)):
            yield text[s], text[p], text[o], isinstance(o, URIRef)


#: predicate -> subject (or object) -> its one value, or a list of them when there are several
_Index = dict[str, dict[str, "str | list[str]"]]


def _add(index: _Index, predicate: str, key: str, value: str) -> None:
    found = index.setdefault(predicate, {})
    have = found.get(key)
    if have is None:
        found[key] = value
    elif type(have) is list:
        have.append(value)
    else:
        found[key] = [have, value]


def _values(index: _Index, predicate: URIRef, key: str) -> list[str] | tuple[str, ...]:
    have = index.get(str(predicate), {}).get(key)
    return () if have is None else (have,) if type(have) is str else have


class Facts:
    """Every triple about an instance (``id:`` IRIs), indexed both ways, as plain text.

    The pages then read plain dictionaries instead of running hundreds of thousands of small queries. The
    indexes go predicate first, and a value is kept bare unless a subject has several: most subjects have one
    value a predicate, and a dictionary and a list for each subject and predicate took three times the memory
    (nationally 1.3 GB, where the whole site had to stay under 3 GB).
    """

    def __init__(self, store: Store) -> None:
        self.out: _Index = {}  # predicate -> subject -> object IRI(s)
        self.lit: _Index = {}  # predicate -> subject -> literal text(s)
        self.inv: _Index = {}  # predicate -> object IRI -> subject(s)
        with paused_gc():  # lists and strings: nothing here can form a cycle
            for s, p, o, is_iri in _instance_triples(store):
                if is_iri:
                    _add(self.out, p, s, o)
                    _add(self.inv, p, o, s)
                else:
                    _add(self.lit, p, s, o)

    def knows(self, s: str) -> bool:
        """Whether the graph says anything about ``s``."""
        return any(s in found for found in self.out.values()) or any(s in found for found in self.lit.values())

    def iris(self, s: str, p: URIRef) -> list[str]:
        return sorted(set(_values(self.out, p, s)), key=self.sort_key)

    def iri(self, s: str, p: URIRef) -> str | None:
        found = self.iris(s, p)
        return found[0] if found else None

    def text(self, s: str, p: URIRef) -> str | None:
        values = _values(self.lit, p, s)
        return values[0] if values else None

    def texts(self, s: str, p: URIRef) -> list[str]:
        return sorted(set(_values(self.lit, p, s)))

    def subjects(self, p: URIRef, o: str) -> list[str]:
        return sorted(set(_values(self.inv, p, o)), key=self.sort_key)

    def of_type(self, cls: URIRef) -> list[str]:
        return self.subjects(RDF.type, str(cls))

    def has_type(self, s: str, cls: URIRef) -> bool:
        return str(cls) in _values(self.out, RDF.type, s)

    def label(self, s: str) -> str:
        return self.text(s, SKOS.prefLabel) or self.text(s, RDFS.label) or slug_of(s)

    def sort_key(self, s: str) -> tuple:
        notation = self.text(s, SKOS.notation)
        number = int(notation) if notation and notation.isdigit() else 0
        return (self.text(s, CSP.planYear) or "", number, self.label(s).lower(), s)

    def year_of(self, initiative: str) -> str:
        plan = self.iri(initiative, CSP.inPlan)
        return (self.text(plan, CSP.planYear) if plan else None) or ""

    def participants(self, initiative: str) -> list[str]:
        return sorted(set(self.iris(initiative, CSP.leadAgency) + self.iris(initiative, CSP.partnerAgency)))

    def agency_of(self, org: str) -> str:
        """A unit's agency (a unit stands for its agency in the co-delivery network), else the agency."""
        return self.iri(org, ORG.unitOf) or org

    def broader_closure(self, harm: str) -> list[str]:
        seen, todo = [], [harm]
        while todo:
            h = todo.pop()
            if h not in seen:
                seen.append(h)
                todo.extend(self.iris(h, SKOS.broader))
        return seen


def _told_apart(f: Facts) -> dict[str, str]:
    """Initiatives that share their name with another of the same plan, each told apart by the line its row
    starts on (:func:`~cspgraph.network.told_apart`, as in the analyses' reports): pages, links, lists and
    search results call it "Op Enlightenment (line 66)".
    """
    by_name: dict[tuple[str, str], list[str]] = defaultdict(list)
    for i in f.of_type(CSP.Initiative):
        by_name[(f.iri(i, CSP.inPlan) or "", f.label(i))].append(i)
    told: dict[str, str] = {}
    for same in by_name.values():
        if len(same) > 1:
            for i in same:
                told[i] = told_apart((int(n) for span in f.iris(i, PROV.wasDerivedFrom)
                                      if (n := f.text(span, CSP.firstLine)) and n.isdigit()), i)
    return told


# ------------------------------------------------------------------------------------------------ the site


_KINDS = {"agency": "agencies", "initiative": "initiatives", "priority": "priorities", "harm": "harms",
          "plan": "plans"}


class _Site:
    """Writes pages into the staging folder and remembers what it wrote."""

    def __init__(self, folder: Path, facts: Facts, store: Store) -> None:
        self.folder, self.facts = folder, facts
        self.store: Store | None = store  # let go once the pages that query it are written (build_site)
        self.env = drawing.environment()
        self.pages: dict[str, str] = {}  # relative path -> title
        self.page_of: dict[str, str] = {}  # IRI -> relative page path
        self.search: list[dict[str, str]] = []
        self.warnings: list[str] = []
        self.built = date.today().isoformat()
        self.apart = _told_apart(facts)

    # -------------------------------------------------------------- paths and writing
    def assign(self, iri: str, kind: str) -> str:
        """The page for an instance: ``agencies/essex-police.html``; only [a-z0-9-] ever reaches a path."""
        tail = str(iri)[len(str(ID)):] if str(iri).startswith(str(ID)) else ""
        tail = tail.split("/", 1)[1] if "/" in tail else tail
        name = re.sub(r"-{3,}", "--", re.sub(r"[^a-z0-9-]", "-", tail.lower().replace("/", "--"))).strip("-")
        if not name or len(name) > 120:
            name = "x-" + sha1(str(iri).encode()).hexdigest()[:12]
        path = f"{_KINDS[kind]}/{name}.html"
        if path in self.page_of.values():
            path = f"{_KINDS[kind]}/{name}-{sha1(str(iri).encode()).hexdigest()[:8]}.html"
        self.page_of[iri] = path
        return path

    def ref(self, iri: str | None, text: str | None = None) -> Value:
        if not iri:
            return None
        if iri in self.apart and (text is None or text == self.facts.label(iri)):
            text = self.name(iri)
        return link(text or self.facts.label(iri), self.page_of.get(iri))

    def name(self, iri: str) -> str:
        """What an instance is called on its page and in lists: its label, told apart where needed
        (:func:`_told_apart`)."""
        told = self.apart.get(iri)
        return f"{self.facts.label(iri)} ({told})" if told else self.facts.label(iri)

    def with_year(self, initiative: str) -> str:
        told = self.apart.get(initiative)
        return f"{self.facts.label(initiative)} ({self.facts.year_of(initiative)}{', ' + told if told else ''})"

    def refs(self, iris: Iterable[str]) -> list[Value]:
        return [self.ref(i) for i in iris]

    def write_file(self, rel: str, payload: str | bytes) -> None:
        target = self.folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(payload.encode("utf-8") if isinstance(payload, str) else payload)

    def render(self, rel: str, template: str, title: str, *, kind: str = "", search: str = "", **context: Any) -> None:
        root = "../" * rel.count("/")
        html = self.env.get_template(template).render(
            root=root, page=rel, title=title, kind=kind, built=self.built, csp=drawing.content_security_policy(),
            **context)
        self.write_file(rel, html)
        self.pages[rel] = title
        if kind:
            self.search.append({"t": title, "k": kind, "u": rel, "x": search})

    def entity(self, rel: str, title: str, kind: str, fields: list[tuple[str, Value]],
               sections: list[Section], *, lead: str = "", search: str = "") -> None:
        """A page about one thing: a heading, a list of fields, then sections (tables, lists, quotes)."""
        fields = [(name, value) for name, value in fields if value not in (None, "", [])]
        self.render(rel, "entity.html", title, kind=kind, search=search, fields=fields,
                    sections=[s for s in sections if s.filled], lead=lead)

    # -------------------------------------------------------------- shared bits
    def sources(self, *subjects: str) -> list[dict[str, Any]]:
        """The quoted source lines behind ``subjects`` (prov:wasDerivedFrom spans), in document order."""
        spans = {span for s in subjects for span in self.facts.iris(s, PROV.wasDerivedFrom)}
        quotes = []
        for span in spans:
            doc = self.facts.iri(span, CSP.inDocument)
            first, last = self.facts.text(span, CSP.firstLine), self.facts.text(span, CSP.lastLine)
            where = f"lines {first}-{last}" if first != last else f"line {first}"
            quotes.append({"document": self.facts.text(doc, DCTERMS.title) if doc else "source",
                           "file": self.facts.text(doc, CSP.file) if doc else "", "where": where,
                           "quote": self.facts.text(span, CSP.quote) or "",
                           # the span itself last: two spans can start on one line, and a set has no order
                           "order": (str(doc), int(first or 0), int(last or 0), span)})
        return sorted(quotes, key=lambda q: q["order"])

    def initiative_rows(self, initiatives: Iterable[str], role_of: dict[str, str] | None = None) -> list[list[Value]]:
        f = self.facts
        rows = []
        # the IRI last: an initiative and a police operation can share a year and a name
        for i in sorted(set(initiatives), key=lambda i: (f.year_of(i), f.label(i).lower(), i)):
            row = [f.year_of(i), self.ref(i), self.refs(f.iris(i, CSP.leadAgency)),
                   f.label(f.iri(i, CSP.status)) if f.iri(i, CSP.status) else ""]
            if role_of is not None:
                row.insert(2, role_of.get(i, ""))
            rows.append(row)
        return rows

    def agency_type(self, org: str) -> str:
        kind = self.facts.iri(self.facts.agency_of(org), ORG.classification)
        return slug_of(kind) if kind else "other"


@dataclass(frozen=True)
class Section:
    """One part of a page: a table, a list, a paragraph or quoted source lines (whichever is filled in)."""

    title: str
    columns: tuple[str, ...] = ()
    rows: tuple = ()
    numeric: frozenset[int] = frozenset()
    items: tuple = ()
    text: str | None = None
    quotes: tuple = ()
    note: str = ""
    csv: str | None = None
    row_header: int | None = None  # the column whose cell names its row (a th scope="row" for screen readers)

    @property
    def filled(self) -> bool:
        return bool(self.rows or self.items or self.text or self.quotes)


def _table(title: str, columns: list[str], rows: list[list[Value]], *, numeric: Iterable[int] = (),
           note: str = "", csv_path: str | None = None, named_rows: bool = True) -> Section:
    """A table; ``named_rows`` when one column names each row (:func:`_row_header` finds it), which a screen
    reader then reads out with each cell of the row (WCAG 1.3.1). A question's answer has no such column."""
    return Section(title, tuple(columns), tuple(rows), frozenset(numeric), note=note, csv=csv_path,
                   row_header=_row_header(columns) if named_rows else None)


def _row_header(columns: Sequence[str]) -> int | None:
    """The column that names a row: the first after a year, a rank or a number ("2020-21, Op Sceptre, ..."),
    and none when that one holds amounts or values (a funding or figures table)."""
    for i, column in enumerate(columns):
        if column not in ("year", "rank", "number"):
            return None if column in ("amount", "value") else i
    return None


def _items(title: str, items: list[Value], note: str = "") -> Section:
    return Section(title, items=tuple(items), note=note)


# ------------------------------------------------------------------------------------------------ pages


def _plan_pages(site: _Site) -> None:
    f = site.facts
    for plan in f.of_type(CSP.Plan):
        initiatives = f.subjects(CSP.inPlan, plan)
        scheme = f.iri(plan, CSP.partnershipPriorities)
        priorities = f.subjects(SKOS.inScheme, scheme) if scheme else []
        members = f.subjects(CSP.listedIn, plan)
        funding = f.iris(plan, CSP.fundingAward)
        risks = sorted(f.iris(plan, CSP.riskMatrixEntry), key=lambda r: int(f.text(r, CSP.rank) or 0))
        site.entity(site.page_of[plan], f.text(plan, DCTERMS.title) or f.label(plan), "plan", [
            ("Partnership", f.label(f.iri(plan, CSP.ofPartnership) or "")),
            ("Plan year", f.text(plan, CSP.planYear)),
            ("Source document", f.label(f.iri(plan, DCTERMS.source) or "")),
            ("Police and Crime Plan", f.label(f.iri(plan, CSP.pfccPlan) or "")),
        ], [
            _items("The partnership's priorities", [site.ref(p, f"{f.text(p, SKOS.notation)}. {f.label(p)}")
                                                    for p in priorities]),
            _table("Risk matrix: top offence types", ["rank", "as written", "harm"],
                   [[f.text(r, CSP.rank), f.label(r), site.ref(f.iri(r, CSP.offenceType))] for r in risks]),
            _table("Members listed in the plan", ["organisation", "role"],
                   [[site.ref(f.iri(m, ORG.member)), _role(f, m)] for m in members]),
            _table("Funding", ["amount", "purpose", "recipient"],
                   [[_money(f, g), f.text(g, SCHEMA.description), site.ref(f.iri(g, CSP.grantRecipient))]
                    for g in funding], numeric=[0]),
            _table(f"Initiatives ({len(initiatives)})", ["year", "initiative", "lead", "status"],
                   site.initiative_rows(initiatives)),
            Section("Source", quotes=tuple(site.sources(plan))),
        ])


def _role(f: Facts, membership: str) -> str:
    role = f.iri(membership, ORG.role)
    return {str(CSP.StatutoryMember): "statutory member", str(CSP.NonStatutoryMember): "non-statutory member"}.get(
        role or "", f.label(role) if role else "")


def _money(f: Facts, grant: str) -> str:
    amount = f.text(grant, SCHEMA.amount)
    if amount is None:
        return ""
    value = float(amount)
    shown = f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"
    currency = f.text(grant, SCHEMA.currency) or "GBP"
    return f"£{shown}" if currency == "GBP" else f"{shown} {currency}"


def _initiative_pages(site: _Site) -> None:
    f = site.facts
    for i in f.of_type(CSP.Initiative):
        plan = f.iri(i, CSP.inPlan)
        figures = f.iris(i, CSP.reportedFigure)
        grants = f.iris(i, CSP.funding)
        status = f.iri(i, CSP.status)
        start, end = f.text(i, CSP.startDate), f.text(i, CSP.endDate)
        priorities = f.iris(i, CSP.supportsPriority)
        later = f.subjects(CSP.continues, i)
        fields: list[tuple[str, Value]] = [
            ("Plan", site.ref(plan, f.text(plan, DCTERMS.title) if plan else None)),
            ("Plan year", f.year_of(i)),
            ("Kind", "Police operation or project" if f.has_type(i, CSP.Operation) else "Initiative"),
            ("Status", (f.label(status) if status else "") + (f" ({r})" if (r := f.text(i, CSP.statusReason)) else "")),
            ("Lead agency, as written", f.text(i, CSP.leadCell)),
            ("Lead agencies", site.refs(f.iris(i, CSP.leadAgency))),
            ("Partners", site.refs(f.iris(i, CSP.partnerAgency))),
            ("Timing, as written", f.text(i, CSP.timingCell)),
            ("Dates", " to ".join(d for d in (start, end) if d) if (start or end) else None),
            ("SCP priorities, as written", f.text(i, CSP.scpCell)),
            ("PFCC priorities, as written", f.text(i, CSP.pfccCell)),
            ("Priorities supported", [site.ref(p, _priority_name(f, p)) for p in priorities]),
            ("Harms addressed", site.refs(f.iris(i, CSP.addressesHarm))),
            ("Places", [f.label(p) for p in f.iris(i, CSP.location)]),
            ("Continues", site.ref(f.iri(i, CSP.continues),
                                   site.with_year(f.iri(i, CSP.continues)) if f.iri(i, CSP.continues) else None)),
            ("Continued by", [site.ref(x, site.with_year(x)) for x in later]),
            ("Contact", "A point of contact exists (withheld)." if _true(f.text(i, CSP.contactRedacted)) else None),
        ]
        site.entity(site.page_of[i], site.name(i), "initiative", fields, [
            Section("Description", text=f.text(i, DCTERMS.description)),
            _table("Reported figures", ["value", "unit", "as quoted"],
                   [[f.text(x, SCHEMA.value), f.text(x, SCHEMA.unitText), f.text(x, CSP.quote)] for x in figures],
                   numeric=[0]),
            _table("Funding", ["amount", "what for", "funder", "as quoted"],
                   [[_money(f, g), f.text(g, SCHEMA.description), site.ref(f.iri(g, SCHEMA.funder)),
                     f.text(g, CSP.quote) or f.text(g, CSP.cell)] for g in grants], numeric=[0]),
            Section("Curators' notes", text="\n\n".join(
                t for t in (f.text(i, SKOS.editorialNote), f.text(i, CSP.continuityNote)) if t)),
            Section("Where this comes from", quotes=tuple(site.sources(i, *figures, *grants)),
                    note="The plan's own words, line for line (personal names, e-mail addresses and phone numbers are redacted)."),
        ], search=" ".join([f.year_of(i), *(f.label(a) for a in f.participants(i)),
                            *(f.label(h) for h in f.iris(i, CSP.addressesHarm)),
                            *(f.texts(h, SKOS.altLabel)[0] for h in f.iris(i, CSP.addressesHarm)
                              if f.texts(h, SKOS.altLabel))]))


def _local_spellings(f: Facts, org: str) -> dict[str, list[str]]:
    """An organisation's csp:LocalSpellings by the partnership whose plans write them, each list sorted."""
    by_partnership: dict[str, list[str]] = defaultdict(list)
    for spelling in f.iris(org, CSP.localSpelling):
        by_partnership[f.label(f.iri(spelling, CSP.inPlansOf) or "")].append(f.text(spelling, CSP.writtenAs) or "")
    return {where: sorted(words) for where, words in sorted(by_partnership.items())}


def _true(text: str | None) -> bool:
    return (text or "").lower() in ("true", "1")


def _scheme_year(f: Facts, scheme: str | None) -> str:
    """The plan year of a partnership's priority scheme ("" for a PFCC plan's, which belongs to no one year)."""
    plans = f.subjects(CSP.partnershipPriorities, scheme) if scheme else []
    return (f.text(plans[0], CSP.planYear) or "") if plans else ""


def _priority_order(f: Facts, priority: str) -> tuple:
    """PFCC priorities first, plan by plan, then each year's SCP priorities, each list by number.

    ``Facts.sort_key`` orders by year then number, and a priority has no year of its own: the filter read
    PFCC 1, SCP 2018-19 1, SCP 2020-21 1, SCP 2018-19 2, PFCC 2 ... (a review found it).
    """
    pfcc = f.has_type(priority, CSP.PFCCPriority)
    scheme = f.iri(priority, SKOS.inScheme) or ""
    group = (f.label(scheme) if scheme else "") if pfcc else _scheme_year(f, scheme)
    notation = f.text(priority, SKOS.notation)
    number = int(notation) if notation and notation.isdigit() else 0
    return (not pfcc, group, scheme, number, f.label(priority).lower(), priority)


def _priority_name(f: Facts, priority: str) -> str:
    scheme = f.iri(priority, SKOS.inScheme)
    kind = "PFCC" if f.has_type(priority, CSP.PFCCPriority) else "SCP"
    year = _scheme_year(f, scheme) if kind == "SCP" else ""
    return f"{kind}{' ' + year if year else ''} {f.text(priority, SKOS.notation) or ''}: {f.label(priority)}"


def _agency_pages(site: _Site) -> None:
    f = site.facts
    for org in f.of_type(CSP.Agency) + f.of_type(CSP.AgencyUnit):
        units = f.subjects(ORG.unitOf, org)
        led, partnered = f.subjects(CSP.leadAgency, org), f.subjects(CSP.partnerAgency, org)
        role = {i: "partner" for i in partnered} | {i: "lead" for i in led}
        via_units = {i: f"{('lead' if org_role == CSP.leadAgency else 'partner')} (as {f.label(u)})"
                     for u in units for org_role in (CSP.partnerAgency, CSP.leadAgency)
                     for i in f.subjects(org_role, u)}
        shared: dict[str, set[str]] = defaultdict(set)
        for i in set(role) | set(via_units):
            for other in f.participants(i):
                other = f.agency_of(other)
                if other not in (org, f.agency_of(org)):
                    shared[other].add(i)
        kind = f.iri(f.agency_of(org), ORG.classification)
        memberships = f.subjects(ORG.member, org)
        grants = f.subjects(CSP.grantRecipient, org)
        local = _local_spellings(f, org)
        site.entity(site.page_of[org], f.label(org), "agency", [
            ("Type", f.label(kind) if kind else None),
            ("Also written as", ", ".join(f.texts(org, SKOS.altLabel))),
            ("Written so only in some plans",
             "; ".join(f"{', '.join(words)} ({where}'s plans)" for where, words in local.items())),
            ("Part of", site.ref(f.iri(org, ORG.unitOf))),
            ("Teams", site.refs(units)),
            ("Membership", [f"{_role(f, m)}, {f.label(f.iri(m, CSP.listedIn) or '')}" for m in memberships]),
        ], [
            _table(f"Initiatives it leads or partners ({len(role)})", ["year", "initiative", "role", "lead", "status"],
                   site.initiative_rows(role, role)),
            _table("Initiatives through its teams", ["year", "initiative", "role", "lead", "status"],
                   site.initiative_rows(via_units, via_units)),
            _table("Works with", ["organisation", "shared initiatives", "years"],
                   [[site.ref(o), len(s), ", ".join(sorted({f.year_of(i) for i in s}))]
                    for o, s in sorted(shared.items(), key=lambda kv: (-len(kv[1]), f.label(kv[0]).lower(), kv[0]))],
                   numeric=[1], note="Organisations that lead or partner the same initiatives."),
            _table("Funding received", ["amount", "purpose"],
                   [[_money(f, g), f.text(g, SCHEMA.description)] for g in grants], numeric=[0]),
            Section("Where this comes from", quotes=tuple(site.sources(org))),
        ], search=" ".join(f.texts(org, SKOS.altLabel) + [w for words in local.values() for w in words]
                           + ([f.label(kind)] if kind else [])))


def _priority_pages(site: _Site) -> None:
    f = site.facts
    for p in f.of_type(CSP.PartnershipPriority) + f.of_type(CSP.PFCCPriority):
        supporting = f.subjects(CSP.supportsPriority, p)
        site.entity(site.page_of[p], _priority_name(f, p), "priority", [
            ("Priority set", f.label(f.iri(p, SKOS.inScheme) or "")),
            ("Number", f.text(p, SKOS.notation)),
            ("Title", f.label(p)),
            ("Harms in focus", site.refs(f.iris(p, CSP.focusHarm))),
        ], [
            Section("In the plan's words", text=f.text(p, SKOS.definition)),
            _table(f"Initiatives that support it ({len(supporting)})", ["year", "initiative", "lead", "status"],
                   site.initiative_rows(supporting),
                   note="" if supporting else "No initiative in the plans names this priority.", ),
            Section("Where this comes from", quotes=tuple(site.sources(p))),
        ], search=f.label(p))


def _harm_pages(site: _Site) -> None:
    f = site.facts
    for h in f.of_type(CSP.Harm):
        narrower = f.subjects(SKOS.broader, h)
        direct = f.subjects(CSP.addressesHarm, h)
        below = {i for n in _descendants(f, h) for i in f.subjects(CSP.addressesHarm, n)} - set(direct)
        match = f.iri(h, SKOS.closeMatch)
        site.entity(site.page_of[h], f.label(h), "harm", [
            ("Also called", ", ".join(f.texts(h, SKOS.altLabel))),
            ("Broader", site.refs(f.iris(h, SKOS.broader))),
            ("Narrower", site.refs(narrower)),
            ("Closest ONS offence group", f.label(match) if match else None),
            ("Priorities focused on it", [site.ref(p, _priority_name(f, p)) for p in f.subjects(CSP.focusHarm, h)]),
            ("Risk-matrix entries", [f"{f.label(r)} ({f.label(f.subjects(CSP.riskMatrixEntry, r)[0])})"
                                     for r in f.subjects(CSP.offenceType, h) if f.subjects(CSP.riskMatrixEntry, r)]),
        ], [
            Section("Definition", text=f.text(h, SKOS.definition)),
            _table(f"Initiatives addressing it ({len(direct)})", ["year", "initiative", "lead", "status"],
                   site.initiative_rows(direct)),
            _table(f"Initiatives addressing a narrower harm ({len(below)})", ["year", "initiative", "lead", "status"],
                   site.initiative_rows(below)),
        ], search=" ".join(f.texts(h, SKOS.altLabel)))


def _descendants(f: Facts, harm: str) -> list[str]:
    out, todo = [], list(f.subjects(SKOS.broader, harm))
    while todo:
        h = todo.pop()
        if h not in out:
            out.append(h)
            todo.extend(f.subjects(SKOS.broader, h))
    return out


def _list_pages(site: _Site) -> None:
    f = site.facts
    agencies = f.of_type(CSP.Agency)
    by_type: dict[str, list[str]] = defaultdict(list)
    for a in agencies:
        by_type[site.agency_type(a)].append(a)

    def involvement(org: str) -> int:
        orgs = [org, *f.subjects(ORG.unitOf, org)]
        return len({i for o in orgs for p in (CSP.leadAgency, CSP.partnerAgency) for i in f.subjects(p, o)})

    site.entity("agencies/index.html", "Organisations", "", [], [
        _table(f"{drawing.group_of(t).label} ({len(items)})", ["organisation", "initiatives", "teams"],
               [[site.ref(a), involvement(a), site.refs(f.subjects(ORG.unitOf, a))] for a in items], numeric=[1])
        for t, items in sorted(by_type.items(), key=lambda kv: list(drawing.GROUPS).index(drawing.group_of(kv[0]).key))
    ], lead="Every organisation named in the plans, by type, with how many initiatives it leads or partners.")
    site.entity("initiatives/index.html", "Initiatives", "", [], [
        _table(f"{site.facts.label(plan)} ({len(f.subjects(CSP.inPlan, plan))})", ["year", "initiative", "lead", "status"],
               site.initiative_rows(f.subjects(CSP.inPlan, plan)))
        for plan in f.of_type(CSP.Plan)
    ], lead="Every row of every plan's initiative tables.")
    schemes: dict[str, list[str]] = defaultdict(list)
    for p in f.of_type(CSP.PartnershipPriority) + f.of_type(CSP.PFCCPriority):
        schemes[f.iri(p, SKOS.inScheme) or ""].append(p)
    site.entity("priorities/index.html", "Priorities", "", [], [
        _table(f.label(s) if s else "Other", ["number", "priority", "initiatives supporting it"],
               [[f.text(p, SKOS.notation), site.ref(p), len(f.subjects(CSP.supportsPriority, p))]
                for p in items], numeric=[0, 2])
        for s, items in sorted(schemes.items(), key=lambda kv: f.label(kv[0]) if kv[0] else "")
    ], lead="The partnerships' own (SCP) priorities per plan, and the Police and Crime Plan's (PFCC) priorities.")
    harms = f.of_type(CSP.Harm)
    tops = [h for h in harms if not f.iris(h, SKOS.broader)]
    site.entity("harms/index.html", "Harms", "", [], [
        _table("Harms, grouped", ["harm", "narrower harms", "initiatives addressing it"],
               [[site.ref(h), site.refs(f.subjects(SKOS.broader, h)), len(f.subjects(CSP.addressesHarm, h))]
                for h in tops], numeric=[2]),
    ], lead="The controlled list of harms and offence types the plans name.")


# ------------------------------------------------------------------------------------------------ questions


def spreadsheet_csv(columns: list[str], rows: list[tuple]) -> str:
    """The download beside each answer: the CLI's CSV (formula-guarded), with CRLF line ends and a byte-order
    mark for spreadsheets. Excel reads a CSV without the mark in the machine's legacy code page: the plans'
    ’ and – came out garbled (a review found it so). The CLI's own CSV, read by programs, has no mark."""
    return "\ufeff" + formatting.spreadsheet_csv(columns, rows, lineterminator="\r\n")


def _cell(site: _Site, value: Any) -> Value:
    if isinstance(value, Named):  # an analysis' label that knows what it names: a link to that page
        return site.ref(value.iri, str(value))
    if isinstance(value, str) and value.startswith(str(ID)):
        return site.ref(value)
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".")
    return "" if value is None else str(value)


def _answer_graph(site: _Site, question: Question, answer: Answer) -> nx.Graph | None:
    view = question.view
    if view.type != "graph" or view.source not in answer.columns or view.target not in answer.columns:
        return None
    graph = nx.Graph()
    for rec in answer.records():
        a, b = rec[view.source], rec[view.target]
        if a is None or b is None or a == b:
            continue
        weight = rec.get(view.weight) if view.weight else 1
        for node in (a, b):
            if node not in graph:
                graph.add_node(node, **_node_attrs(site, str(node)))
        w = weight if isinstance(weight, (int, float)) else 1
        graph.add_edge(a, b, weight=graph.edges[a, b]["weight"] + w if graph.has_edge(a, b) else w)
    return graph


def _node_attrs(site: _Site, node: str) -> dict[str, Any]:
    f = site.facts
    if not f.knows(node):
        return {"label": node, "type": "other"}
    kinds = [(CSP.Agency, None), (CSP.AgencyUnit, None), (CSP.Initiative, "initiative"), (CSP.Harm, "harm"),
             (CSP.PartnershipPriority, "priority"), (CSP.PFCCPriority, "priority"), (CSP.Place, "place"),
             (CSP.Plan, "plan")]
    for cls, kind in kinds:
        if f.has_type(node, cls):
            return {"label": f.label(node), "type": kind or site.agency_type(node), "url": site.page_of.get(node)}
    return {"label": f.label(node), "type": "other"}


def _drawing_of(site: _Site, graph: nx.Graph, root: str) -> drawing.Drawing:
    def node_data(node: Any, data: dict) -> dict[str, Any]:
        return {"url": root + data["url"]} if data.get("url") else {}
    return drawing.draw(graph, node_data=node_data)


#: an answer longer than this is asked again when its page is written, rather than kept from the moment the
#: question's menus are worked out: nationally, the six answers of scp-pfcc-matrix (137,410 rows) held at
#: once took 0.55 GB, and the whole country's site went over 3 GB
KEEP_ROWS = 2_000
#: an answer's page shows at most this many rows, and says so; its CSV download has every row (the whole
#: country's scp-pfcc-matrix has 68,705, a page no browser scrolls)
MAX_TABLE_ROWS = 5_000
#: a matrix view of more cells than this is left out, and the page says so (the whole country's SCP x PFCC
#: matrix would be thousands of rows by hundreds of columns); the table and the CSV have every cell
MAX_MATRIX_CELLS = 20_000


def _question_pages(site: _Site, questions: dict[str, Question]) -> None:
    rows = []
    for q in questions.values():
        try:
            variants = _question_variants(site, q)
        except CspgraphError as err:
            site.warnings.append(f"question '{q.id}' could not be answered: {err}")
            site.entity(f"questions/{q.id}.html", q.title, "question", [("The question", q.question)], [
                Section("This question could not be answered", text=str(err))], search=q.question)
            rows.append([link(q.title, f"questions/{q.id}.html"), q.question, "error"])
            continue
        default = variants[0]
        menus = _menus(q, variants)
        for v in variants:
            _question_page(site, q, v, menus)
        rows.append([link(q.title, f"questions/{q.id}.html"), q.question, default["rows"]])
    site.entity("questions/index.html", "Saved questions", "", [], [
        _table("Questions", ["question", "in plain words", "rows (default answer)"], rows, numeric=[2])],
        lead="Each question is a SPARQL query kept in queries/; each page shows its answer and a CSV download.")


def _question_variants(site: _Site, q: Question) -> list[dict[str, Any]]:
    """The default answer, then one per value of each parameter with few values (other parameters default).

    Values whose answer is empty get no page: the menu offers only choices that show something. A default this
    graph does not hold (``essex-police`` in another force area's plans) is stood in for by the parameter's
    first option, and the page says so: the question has an answer here, only not for that default.
    """
    choices_of = {param.name: options(q, param.name, site.store) for param in q.params}
    stand_ins = _stand_ins(q, choices_of)
    values = {name: value for name, (value, _, _) in stand_ins.items()}
    default = {"name": q.id, "values": {}, **_asked(q, site, values), "param": None, "choice": None,
               "defaults": {}, "bound": [f"{q.param(name).label}: {label} (the question's default, {missing}, is "
                                         "not in these plans)" for name, (_, label, missing) in stand_ins.items()]}
    variants = [default]
    for param in q.params:
        choices = choices_of[param.name]
        if not choices or len(choices) > MAX_CHOICES:
            continue
        default_value = values.get(param.name, param.default)
        default_term = to_term(param, default_value) if default_value is not None else None
        for value, label in choices:
            if to_term(param, value) == default_term:
                default["defaults"][param.name] = label
                continue
            if len(variants) > MAX_VARIANTS:
                site.warnings.append(f"question '{q.id}': only the first {MAX_VARIANTS} answers were written")
                break
            asked = _asked(q, site, {**values, param.name: value})
            if not asked["rows"]:
                continue
            slug = re.sub(r"[^a-z0-9-]+", "-", slug_of(value).lower()).strip("-") or sha1(value.encode()).hexdigest()[:8]
            variants.append({"name": f"{q.id}--{param.name}-{slug}", "values": {param.name: value}, **asked,
                             "param": param.name, "choice": label})
    return variants


def _asked(q: Question, site: _Site, values: dict[str, str]) -> dict[str, Any]:
    """A variant's answer: its row count, the values it was asked with, and the answer itself if it is short
    (:data:`KEEP_ROWS`; a longer one is asked again when its page is written, see :func:`_answer_of`)."""
    answer = ask(q, site.store, values)
    rows = len(answer.rows())
    return {"asked": values, "rows": rows, "answer": answer if rows <= KEEP_ROWS else None}


def _answer_of(site: _Site, q: Question, variant: dict[str, Any]) -> Answer:
    answer = variant["answer"]
    return answer if answer is not None else ask(q, site.store, variant["asked"])


def _stand_ins(q: Question, choices_of: Mapping[str, list[tuple[str, str]]]) -> dict[str, tuple[str, str, str]]:
    """parameter -> (value, label, the default it stands in for), for each default not among the options."""
    out = {}
    for param in q.params:
        if param.default is None or not param.options:
            continue
        choices = choices_of[param.name]
        if choices and to_term(param, param.default) not in {to_term(param, value) for value, _ in choices}:
            out[param.name] = (*choices[0], str(param.default))
    return out


def _menus(q: Question, variants: list[dict[str, Any]]) -> list[dict[str, Any]]:
    menus = []
    for param in q.params:
        mine = [v for v in variants if v["param"] == param.name]
        if mine:
            shown = variants[0]["defaults"].get(param.name, param.default)
            default = f"{shown} (default)" if param.default is not None else "any (default)"
            menus.append({"label": param.label, "name": param.name, "help": param.help,
                          "choices": [(f"{q.id}.html", default)] + [(f"{v['name']}.html", v["choice"]) for v in mine]})
    return menus


_ACRONYMS = {"scp": "SCP", "pfcc": "PFCC", "iri": "IRI"}


def _heading(column: str) -> str:
    """A question's column as a reader's heading: ``initiativeNames`` -> "initiative names", ``pfccMapping`` ->
    "PFCC mapping", ``agency1`` -> "agency 1". The SPARQL names headed the tables (a review found strategic
    leads met ``matrixYear``); the CSV keeps them, for programs, and the folded description explains them.

    >>> [_heading(c) for c in ("initiativeNames", "scpNotation", "agency1", "year")]
    ['initiative names', 'SCP notation', 'agency 1', 'year']
    """
    words = re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+", column)
    return " ".join(_ACRONYMS.get(w.lower(), w.lower()) for w in words) or column


def _number_columns(rows: Sequence[Sequence[Any]], *, blanks: bool = False) -> list[int]:
    """The columns whose every cell is a number (or, with ``blanks``, empty): right-aligned in a table, drawn as
    bars. One rule for question pages, bar views and the gap tables."""
    def number(value: Any) -> bool:
        return (isinstance(value, (int, float)) and not isinstance(value, bool)) or (blanks and value is None)

    return [i for i in range(len(rows[0])) if all(number(r[i]) for r in rows)] if rows else []


def _display(site: _Site, answer: Answer, limit: int | None = None) -> tuple[list[str], list[list[Value]], list[int]]:
    """Columns and cells to show (of the first ``limit`` rows): an IRI column links with its label, so its
    ``<name>Label`` twin is hidden."""
    rows = answer.rows()
    iri_columns = {c for i, c in enumerate(answer.columns)
                   if rows and all(r[i] is None or str(r[i]).startswith(str(ID)) for r in rows)}
    keep = [i for i, c in enumerate(answer.columns) if not (c.endswith("Label") and c[:-5] in iri_columns)]
    numbers = set(_number_columns(rows, blanks=True))
    numeric = [k for k, i in enumerate(keep) if i in numbers]
    return ([_heading(answer.columns[i]) for i in keep], [[_cell(site, r[i]) for i in keep] for r in rows[:limit]],
            numeric)


def _question_page(site: _Site, q: Question, variant: dict[str, Any], menus: list[dict[str, Any]]) -> None:
    answer = _answer_of(site, q, variant)
    rel = f"questions/{variant['name']}.html"
    site.write_file(f"questions/{variant['name']}.csv", spreadsheet_csv(answer.columns, answer.rows()))
    graph = _answer_graph(site, q, answer)
    drawn = _drawing_of(site, graph, "../") if graph is not None and graph.number_of_nodes() else None
    columns, cells, numeric = _display(site, answer, MAX_TABLE_ROWS)
    total = len(answer.rows())
    note = (f"The first {len(cells):,} of {total:,} rows: the CSV has them all." if len(cells) < total else "")
    table = _table("Answer", columns, cells, numeric=numeric, note=note, csv_path=f"questions/{variant['name']}.csv",
                   named_rows=False)
    matrix, matrix_note = _matrix(site, q, answer)
    bound = variant.get("bound") or [f"{q.param(name).label}: {variant['choice']}" for name in variant["values"]]
    title = q.title + (f": {variant['choice']}" if variant["choice"] else "")
    site.render(rel, "question.html", title, kind="question" if not variant["param"] else "",
                search=q.question, question=q, table=table, menus=menus, current=f"{variant['name']}.html",
                bound=bound, empty=answer.empty, drawing=drawn, groups=drawn.groups if drawn else (),
                graph_data=drawn.data() if drawn else None, bars=_bars(q, answer),
                matrix=matrix, matrix_note=matrix_note, total_rows=total)


def _bars(q: Question, answer: Answer) -> dict[str, Any] | None:
    """A bar view: the first numeric column as bars, labelled by the text columns that are not IRIs."""
    rows = answer.rows()
    numeric = _number_columns(rows)
    if q.view.type != "bar" or not numeric:
        return None
    value = numeric[0]
    labels = [i for i in range(len(answer.columns))
              if i not in numeric and not str(rows[0][i] or "").startswith(str(ID))]
    top = max((r[value] or 0) for r in rows) or 1
    return {"column": _heading(answer.columns[value]),
            "bars": [{"label": " ".join(str(r[i]) for i in labels) or str(r[0]), "value": r[value],
                      "width": round(100 * (r[value] or 0) / top, 1)} for r in rows]}


def _matrix(site: _Site, q: Question, answer: Answer) -> tuple[dict[str, Any] | None, str]:
    """The matrix view and, when it is too large to show (:data:`MAX_MATRIX_CELLS`), why there is none."""
    v = q.view
    if v.type != "matrix" or not {v.row, v.column, v.value} <= set(answer.columns):
        return None, ""
    cells: dict[tuple, Any] = {}
    rows: dict[Any, None] = {}  # first-seen order, found in constant time
    cols: dict[Any, None] = {}
    plans = set()
    for rec in answer.records():
        r, c = rec[v.row], rec[v.column]
        rows.setdefault(r)
        cols.setdefault(c)
        cells[(r, c)] = rec[v.value]
        plans.add((rec.get("partnership"), rec.get("year")))  # (None, None) for an answer without those columns
    # each plan has its own SCP priorities: rows of several plans in one matrix read as one list with no plan
    # named (a review found 2018-19's and 2020-21's priorities mixed so); the per-year and per-partnership
    # answers, one plan each, show theirs
    if len(plans) > 1:
        return None, (f"This answer covers {len(plans):,} plans, each with its own priorities: choose a year "
                      "(and a partnership) above to see one plan's matrix. The answer below has every cell.")
    if len(rows) * len(cols) > MAX_MATRIX_CELLS:
        return None, (f"{len(rows):,} rows by {len(cols):,} columns is too large to show as a matrix here; the "
                      "answer below and its CSV have every cell.")
    return {"columns": [_cell(site, c) for c in cols],
            "rows": [[_cell(site, r)] + [_cell(site, cells.get((r, c))) for c in cols] for r in rows]}, ""


# ------------------------------------------------------------------------------------------------ network


def _network_page(site: _Site, data: Delivery) -> int:
    """The co-delivery network (:func:`cspgraph.network.co_delivery_network`) with client-side filters.

    The page carries every initiative's year, harms (with their broader harms) and priorities; each node and
    edge lists its initiatives, so choosing a filter in the browser shows the same network as
    ``co_delivery_network(store, year=..., harm=..., priority=...)`` without a server.
    """
    graph = co_delivery_network(data)
    index = {ini.iri: k for k, ini in enumerate(data.initiatives)}
    involved: dict[str, set[int]] = defaultdict(set)
    for ini in data.initiatives:
        for agency in ini.agencies:
            involved[agency].add(index[ini.iri])
    drawn = drawing.draw(
        graph,
        node_data=lambda node, d: {"url": site.page_of.get(str(node)), "agencyType": d.get("type") or "other",
                                   "inits": sorted(involved[str(node)])},
        edge_data=lambda a, b, d: {"inits": sorted(index[i] for i in d.get("initiative_iris", ()))})
    for k, edge in enumerate(drawn.network.edges):
        edge["id"] = f"e{k}"
    f = site.facts
    used = {p for ini in data.initiatives for p in ini.priorities}
    priorities = sorted((p for p in data.priorities if p in used), key=lambda p: _priority_order(f, p))
    pkey = {p: site.page_of.get(p, "priorities/" + sha1(p.encode()).hexdigest()[:10]).split("/")[-1]
            .removesuffix(".html") for p in used}
    payload = drawn.data()
    payload["initiatives"] = [{"year": ini.year, "harms": sorted(slug_of(h) for h in ini.harm_groups),
                               "priorities": sorted(pkey[p] for p in ini.priorities)} for ini in data.initiatives]
    harm_counts = Counter(h for ini in data.initiatives for h in ini.harm_groups)
    harms = sorted(harm_counts, key=lambda h: data.harms.get(h, slug_of(h)).lower())
    filters = [
        {"name": "year", "label": "Plan year", "choices": [(y, y) for y in data.years]},
        {"name": "harm", "label": "Harm (with narrower harms)",
         "choices": [(slug_of(h), f"{data.harms.get(h, slug_of(h))} ({harm_counts[h]})") for h in harms]},
        {"name": "priority", "label": "Priority", "choices": [(pkey[p], _priority_name(f, p)) for p in priorities]},
        {"name": "type", "label": "Agency type", "choices": [(g.key, g.label) for g in drawn.groups]},
    ]
    site.render("network.html", "network.html", "Who works with whom", kind="network",
                search="co-delivery network partners", drawing=drawn, groups=drawn.groups, graph_data=payload,
                filters=filters, nodes=graph.number_of_nodes(), edges=graph.number_of_edges(),
                as_table=_network_table(site, graph, drawn.groups, involved))
    return graph.number_of_nodes()


#: partners named per organisation in the network's table; its page lists them all
NETWORK_TABLE_PARTNERS = 8


def _network_table(site: _Site, graph: nx.Graph, groups: Iterable[Any], involved: dict[str, set[int]]) -> Section:
    """The picture's facts as a table, for those who cannot see or point at it (WCAG 1.1.1, an accessibility
    review found the picture had no text): each organisation, its type, its initiatives and whom it works
    with most, shared initiatives in brackets."""
    types = {g.key: g.label for g in groups}

    def name(node: Any) -> str:
        return str(graph.nodes[node].get("label") or node)

    rows = []
    for node in sorted(graph.nodes, key=lambda n: name(n).lower()):
        partners = sorted(graph[node].items(), key=lambda kv: (-kv[1].get("weight", 1), name(kv[0]).lower()))
        shown: list[Value] = [site.ref(str(p), f"{name(p)} ({d.get('weight', 1)})")
                              for p, d in partners[:NETWORK_TABLE_PARTNERS]]
        if len(partners) > NETWORK_TABLE_PARTNERS:
            shown.append(f"and {len(partners) - NETWORK_TABLE_PARTNERS} more")
        kind = graph.nodes[node].get("type") or "other"
        rows.append([site.ref(str(node), name(node)), types.get(kind, kind), str(len(involved[str(node)])),
                     shown or "no one: it works alone"])
    return _table("The network as a table", ["organisation", "type", "initiatives", "works with most"], rows,
                  numeric=[2])


# ------------------------------------------------------------------------------------------------ gaps


def _sentence_case(title: str) -> str:
    """The first letter up, the rest as written: ``str.capitalize`` made "SCP x PFCC" "Scp x pfcc"."""
    return title[:1].upper() + title[1:]


def _gap_page(site: _Site, data: Delivery) -> None:
    """The gap report (:func:`cspgraph.gaps.gap_report`): per plan, findings in words, then its tables."""
    report = gap_report(data)
    plans = [{"heading": site.ref(plan.outline.iri, plan.outline.name), "summary": plan.summary(),
              "tables": [_table(_sentence_case(s.title.removeprefix(f"{plan.outline.name}: ")), list(s.columns),
                                [[_cell(site, v) for v in row] for row in s.rows()], note=s.note,
                                numeric=_number_columns(s.rows()))
                         for s in plan.sections()]}
             for plan in report.plans]
    site.render("gaps.html", "gaps.html", "Gaps: where the plans are thin", kind="gaps",
                search="gap report priorities harms without initiatives single agency", reports=plans)


# ------------------------------------------------------------------------------------------------ index


def _index_page(site: _Site, questions: dict[str, Question], covers: str) -> None:
    f = site.facts
    plans = [[site.ref(p, f.text(p, DCTERMS.title)), f.text(p, CSP.planYear), len(f.subjects(CSP.inPlan, p)),
              len([i for i in f.subjects(CSP.inPlan, p) if f.has_type(i, CSP.Operation)])]
             for p in f.of_type(CSP.Plan)]
    counts = [("Initiatives", len(f.of_type(CSP.Initiative)), "initiatives/index.html"),
              ("Organisations", len(f.of_type(CSP.Agency)), "agencies/index.html"),
              ("Priorities", len(f.of_type(CSP.PartnershipPriority)) + len(f.of_type(CSP.PFCCPriority)),
               "priorities/index.html"),
              ("Harms", len(f.of_type(CSP.Harm)), "harms/index.html"),
              ("Saved questions", len(questions), "questions/index.html")]
    search = sorted(site.search, key=lambda e: (e["k"], e["t"].lower()))
    site.render("index.html", "index.html", "Community Safety Partnership plans explorer",
                plans=_table("Plans", ["plan", "year", "initiatives", "police operations"], plans, numeric=[2, 3]),
                counts=counts, search_index=search, covers=covers)


# ------------------------------------------------------------------------------------------------ build


def _staging(out_dir: Path) -> Path:
    if out_dir.exists():
        if not out_dir.is_dir():
            raise CspgraphError(f"{out_dir} is a file, not a folder\n  -> choose another --out")
        if any(out_dir.iterdir()) and not (out_dir / MARKER).is_file():
            raise CspgraphError(f"{out_dir} is not empty and was not written by 'cspgraph explore'; "
                                "it would be replaced\n  -> choose an empty or new folder with --out")
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=out_dir.parent))
    except OSError as err:
        raise CspgraphError(f"{out_dir}: cannot write the site here: {err.strerror}\n"
                            "  -> choose a folder you can write to with --out") from None


def _swap(staging: Path, out_dir: Path) -> None:
    """Put the finished site in place: the old folder moves aside first, then the new one is renamed in."""
    staging.chmod(0o777 & ~current_umask())  # mkdtemp makes it private; a site is meant to be shared
    old = None
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
        os.replace(out_dir, old)
    try:
        os.replace(staging, out_dir)
    except BaseException:
        if old is not None:
            os.replace(old, out_dir)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _write_static(site: _Site) -> None:
    for name in ("site.css", "site.js", "graph.js", "network.js"):
        site.write_file(f"static/{name}", drawing.static_asset(name))
    for name, text in drawing.vis_assets().items():
        site.write_file(f"static/{name}", text)


def build_site(paths: ProjectPaths, out_dir: Path | str, store: Store | Part | None = None,
               scope: Scope | None = None, notify: Callable[[str], None] | None = None) -> SiteReport:
    """Write the offline explorer for the project's graph into ``out_dir`` and say what was written.

    ``store`` defaults to the project's graph (:func:`cspgraph.session.open_store`). A ``scope`` (some
    partnerships, a force area's Police and Crime Plan, some years) writes the site of that part of the graph
    only (:mod:`cspgraph.scope`): the whole country's site is 1.5 GB. A :class:`~cspgraph.scope.Part` already
    cut may be given as ``store``; either way the home page says which part the site shows. Raises
    CspgraphError if ``out_dir`` holds something else than an earlier site, QueryError if the scope names
    something not in the graph. ``notify`` hears, before a whole site that will take minutes, how to write a
    part instead.

    >>> from cspgraph.project import find_project
    >>> import tempfile, pathlib
    >>> report = build_site(find_project(), pathlib.Path(tempfile.mkdtemp()) / "site")
    >>> "index.html" in report.pages
    True
    """
    started = time.perf_counter()
    out_dir = Path(out_dir).resolve()
    if store is None:
        from .session import open_store

        store = open_store(paths)
    covers = ""
    if isinstance(store, Part):
        store, covers = store.store, store.summary
    if scope:
        if not isinstance(store, OxigraphStore):
            raise CspgraphError("a part of the graph (--partnership, --pfcc-plan, --year) is cut from the embedded "
                                f"store; this store is {store.name}")
        chosen = part(store, chosen_plans(store, scope))
        store, covers = chosen.store, chosen.summary
    questions = load_questions(paths.queries)
    staging = _staging(out_dir)
    try:
        site = _Site(staging, Facts(store), store)
        f = site.facts
        initiatives = len(f.of_type(CSP.Initiative))  # police operations included: each is an Initiative too
        if notify is not None and not covers and initiatives > LARGE_SITE:
            notify(f"writing the site of all {initiatives:,} initiatives: minutes at this size (the whole country's "
                   "90,000 took 7 minutes and 1.5 GB; README). --pfcc-plan, --partnership or --year write a part")
        for kind, classes in (("plan", [CSP.Plan]), ("agency", [CSP.Agency, CSP.AgencyUnit]),
                              ("initiative", [CSP.Initiative]), ("harm", [CSP.Harm]),
                              ("priority", [CSP.PartnershipPriority, CSP.PFCCPriority])):
            for cls in classes:
                for iri in f.of_type(cls):
                    site.assign(iri, kind)
        _write_static(site)
        site.write_file(MARKER, "Written by 'cspgraph explore'; the next build replaces this folder.\n")
        # the question pages and the delivery table are all that read the store: done first, so that the store
        # (1.2 GB nationally) can go before the other 100,000 pages are written
        _question_pages(site, questions)
        data = as_delivery(store)  # the saved table when the store was loaded from a build that has one
        site.store = store = None
        _plan_pages(site)
        _initiative_pages(site)
        _agency_pages(site)
        _priority_pages(site)
        _harm_pages(site)
        _list_pages(site)
        nodes = _network_page(site, data)
        _gap_page(site, data)
        _index_page(site, questions, covers)
        files = [p for p in staging.rglob("*") if p.is_file()]
        size = sum(p.stat().st_size for p in files)
        _swap(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return SiteReport(out_dir, tuple(sorted(site.pages)), len(files), size, time.perf_counter() - started, nodes,
                      tuple(site.warnings), dict(site.page_of), covers)


class _SiteServer(http.server.ThreadingHTTPServer):
    """The explorer's local web server.

    A browser that drops a connection part way through an answer (a reload, a closed tab, a click on to the
    next page) is routine, and socketserver would print a traceback for it in the user's terminal: that is
    not an error of anyone's, so it is not reported. Anything else is one line, and the server goes on.
    """

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):  # broken pipe, connection reset or aborted by the browser
            return
        sys.stderr.write(f"cspgraph: a request from {client_address[0]} failed "
                         f"({type(error).__name__}: {error}); still serving\n")


def site_server(out_dir: Path | str, port: int = 8000) -> http.server.ThreadingHTTPServer:
    """The server :func:`serve` runs, listening on 127.0.0.1:PORT but not yet serving (port 0: any free port),
    so that a caller (the tests) can serve it on a thread and shut it down."""
    folder = Path(out_dir).resolve()
    if not (folder / "index.html").is_file():
        raise CspgraphError(f"{folder} holds no explorer site\n  -> run 'cspgraph explore --out {out_dir}' first")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    try:
        return _SiteServer(("127.0.0.1", port), handler)
    except OSError as err:
        raise CspgraphError(f"cannot listen on 127.0.0.1:{port}: {err.strerror}\n  -> pass another --port") from None


def serve(out_dir: Path | str, port: int = 8000, on_listening: Callable[[str], None] | None = None) -> None:
    """Serve a built site on http://127.0.0.1:PORT/ until Ctrl-C. Loopback only: nothing else can reach it.

    ``on_listening`` gets the address once the port is bound: announcing it before, a taken port was announced
    as served and then refused (a review found it so)."""
    with site_server(out_dir, port) as server:
        if on_listening is not None:
            on_listening(f"http://127.0.0.1:{server.server_address[1]}/")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


__all__ = ["MARKER", "Facts", "SiteReport", "build_site", "serve", "site_server", "spreadsheet_csv"]

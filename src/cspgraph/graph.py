"""Turning checked plan data into RDF, following ``docs/rdf-mapping.md``.

The built graph holds the ontology, the SKOS vocabularies and the plan data together, so that one file
answers every saved question, whether it is queried here or pushed to a remote triple store.

The builder writes N-Triples lines straight away rather than adding triples to an rdflib Graph one by one,
and the Turtle file is written by pyoxigraph: at national scale (90,000 initiatives, ~3 million triples)
rdflib's ``Graph.add`` took minutes and its Turtle serialiser longer still (measured in ``benchmarks/``).
The rdflib Graph that SHACL validation, the reasoner and Python callers use is made from the same lines on
first use (:attr:`BuiltGraph.graph`), so every route sees the same triples.
"""

from __future__ import annotations

import io
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import BinaryIO, TypeVar

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from . import namespaces as ns
from .errors import CspgraphError, DataError, Location
from .helper import usable_cpus
from .namespaces import CSP, ORG, SCHEMA
from .plandata import LocatedDict, PlanData, SourceText, Vocabulary, iso_date, load_plan_data
from .project import ProjectPaths

T = TypeVar("T")

ONTOLOGY_FILES = ("cspgraph.ttl", "harms.ttl", "statuses.ttl", "agency-types.ttl")


def new_graph() -> Graph:
    graph = Graph()
    for prefix, namespace in ns.PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    return graph


def load_ontology(ontology_dir: Path) -> Graph:
    """The ontology and its SKOS vocabularies (not the shapes: those describe data, they are not data)."""
    graph = new_graph()
    for name in ONTOLOGY_FILES:
        path = ontology_dir / name
        if not path.is_file():
            raise DataError("ontology file missing", Location(path), "restore it from the repository")
        try:
            graph.parse(path, format="turtle")
        except Exception as err:  # rdflib raises several parser types; all mean the same to the user
            raise DataError(f"the ontology does not parse: {err}", Location(path)) from None
    return graph


def _date_literal(value: str) -> Literal:
    datatype = {4: XSD.gYear, 7: XSD.gYearMonth, 10: XSD.date}[len(value)]
    return Literal(value, datatype=datatype)


# ------------------------------------------------------------------ N-Triples spelling (RDF 1.1 N-Triples §2)
#: in a quoted literal only these four must be escaped (N-Triples grammar, STRING_LITERAL_QUOTE)
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})
_INTEGER = f"<{XSD.integer}>"


class _Spelled:
    """A namespace whose terms come back spelled for N-Triples (``<iri>``), each spelled once.

    rdflib mints and validates a new URIRef on every ``CSP.inPlan``; over millions of triples that cost more
    than the triples themselves.
    """

    def __init__(self, namespace: object) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        spelled = f"<{getattr(self._namespace, name)}>"
        setattr(self, name, spelled)  # later look-ups find the attribute and never come back here
        return spelled


_CSP, _ORG, _SCHEMA = _Spelled(CSP), _Spelled(ORG), _Spelled(SCHEMA)
_RDF, _RDFS, _SKOS, _DCTERMS, _PROV = _Spelled(RDF), _Spelled(RDFS), _Spelled(SKOS), _Spelled(DCTERMS), _Spelled(PROV)
_TYPE = _RDF.type
_SPAN_CLASS = str(CSP.SourceSpan)


def _spell_literal(literal: Literal) -> str:
    """Any rdflib Literal in N-Triples: its lexical form (as rdflib normalises it), language or datatype."""
    text = f'"{str(literal).translate(_ESCAPES)}"'
    if literal.language:
        return f"{text}@{literal.language}"
    if literal.datatype is not None:
        return f"{text}^^<{literal.datatype}>"
    return text


def _lit(value: object, datatype: URIRef | None = None) -> str:
    """The N-Triples literal rdflib's ``Literal(value, datatype=datatype)`` would be.

    Text and whole numbers, nearly every literal of a plan, are spelled directly; anything else (decimals,
    booleans, dates, a number where text was expected) goes through rdflib's Literal, so its lexical form and
    datatype are exactly what they were when the builder used rdflib.
    """
    if datatype is None:
        if type(value) is str:
            return f'"{value.translate(_ESCAPES)}"'
        if type(value) is int:
            return f'"{value}"^^{_INTEGER}'
    return _spell_literal(Literal(value, datatype=datatype))


class _Builder:
    """Holds the triples being built and the small helpers that keep the mapping code short.

    Predicates and literals arrive spelled for N-Triples (``_CSP.inPlan``, ``_lit(text)``), IRIs as the
    URIRefs :mod:`cspgraph.namespaces` mints. Lines are kept in insertion order without duplicates (a graph is
    a set); source spans go in their own list so that each subject's triples stay together in the Turtle file.

    The lines of one block (the reference data, or one plan) are encoded to bytes when the block is done, so
    a national build never holds millions of small strings at once. No triple can repeat across blocks:
    every subject a plan mints carries its partnership and year, plans of the same partnership and year are
    built in one block, and a source span is written once, where it is first met.
    """

    def __init__(self, data: PlanData, known: frozenset[str] = frozenset(),
                 on_block: Callable[[bytes], None] | None = None) -> None:
        self.data = data
        self.lines: dict[str, None] = {}
        self.span_lines: dict[str, None] = {}
        self.blocks: list[bytes] = []
        self.on_block = on_block  # told of each block as it is done (a _Loader filling a store meanwhile)
        self.known = known  # lines already in the graph (the ontology's): counted once
        self.count = 0  # distinct triples written, less those in ``known``
        #: class IRI -> its instances, for the build summary without parsing the triples back
        self.instances: dict[str, set[str]] = defaultdict(set)

    def flush(self) -> None:
        """End the current block: its lines become bytes."""
        lines, spans = self.lines, self.span_lines
        self.count += len(lines) + len(spans) - sum(1 for k in self.known if k in lines or k in spans)
        if lines or spans:
            self.blocks.append(("".join(lines) + "".join(spans)).encode("utf-8"))
            if self.on_block is not None:
                self.on_block(self.blocks[-1])
        self.lines, self.span_lines = {}, {}

    def add(self, s: URIRef, p: str, o: URIRef | str | None, *, into: dict[str, None] | None = None) -> None:
        if o is None:
            return
        obj = f"<{o}>" if isinstance(o, URIRef) else o
        (self.lines if into is None else into)[f"<{s}> {p} {obj} .\n"] = None
        if p == _TYPE:
            self.instances[obj[1:-1]].add(str(s))

    def label(self, s: URIRef, text: str, *, pref: bool = True) -> None:
        self.add(s, _RDFS.label, _lit(text))
        if pref:
            self.add(s, _SKOS.prefLabel, _lit(text))

    def alt_labels(self, s: URIRef, name: str, spellings: Iterable[object]) -> None:
        """The other spellings as skos:altLabel, the name itself left out: SKOS keeps a node's preferred and
        alternative labels disjoint (S13), and a register that lists the name among its spellings broke it."""
        for alt in spellings:
            if str(alt) != name:
                self.add(s, _SKOS.altLabel, _lit(str(alt)))

    def local_spellings(self, s: URIRef, rec: LocatedDict, data: PlanData) -> None:
        """``alt_local`` spellings as csp:LocalSpelling nodes, each with the partnership whose plans write it:
        as skos:altLabel, "Police" was a name of Essex Police in every partnership's plans."""
        for partnership, spellings in (rec.get("alt_local") or {}).items():
            where = data.partnerships[partnership]["name"]
            for n, spelling in enumerate(spellings or [], 1):
                node = ns.spelling_iri(s, partnership, n)
                self.add(s, _CSP.localSpelling, node)
                self.add(node, _TYPE, _CSP.LocalSpelling)
                self.add(node, _CSP.writtenAs, _lit(str(spelling)))
                self.add(node, _CSP.inPlansOf, ns.partnership_iri(partnership))
                self.add(node, _RDFS.label, _lit(f"{spelling} (in {where}'s plans)"))

    def span(self, subject: URIRef, source: SourceText, lines: list[int] | int | None) -> None:
        """Attach ``prov:wasDerivedFrom`` a source span carrying the quoted (redacted) lines."""
        if lines is None:
            return
        first, last = (lines, lines) if isinstance(lines, int) else lines
        span = ns.span_iri(source.id, first, last)
        if str(span) not in self.instances[_SPAN_CLASS]:
            into = self.span_lines
            self.add(span, _TYPE, _CSP.SourceSpan, into=into)
            self.add(span, _RDFS.label, _lit(f"{source.id} lines {first}-{last}"), into=into)
            self.add(span, _CSP.inDocument, ns.source_iri(source.id), into=into)
            self.add(span, _CSP.firstLine, _lit(first), into=into)
            self.add(span, _CSP.lastLine, _lit(last), into=into)
            self.add(span, _CSP.quote, _lit(source.quote(first, last)), into=into)
        self.add(subject, _PROV.wasDerivedFrom, span)

    def register_spans(self, subject: URIRef, rec: LocatedDict) -> None:
        """A register entry serves every plan: its ``lines`` name their source (checked by the loader)."""
        for sid, lines in (rec.get("lines") or {}).items():
            self.span(subject, self.data.sources[sid], lines)

    def note(self, subject: URIRef, rec: LocatedDict) -> None:
        if rec.get("note"):
            self.add(subject, _SKOS.editorialNote, _lit(str(rec["note"]).strip()))


    def org(self, ref: str) -> URIRef:
        agency, _, unit = ref.partition("/")
        return ns.agency_iri(agency, unit or None)

    def org_name(self, ref: str) -> str:
        """The register's name of an agency or a unit (``agency/unit``), for the labels of nodes that name one."""
        agency, _, unit = ref.partition("/")
        rec = self.data.agencies[agency]
        if unit:
            return next((str(u["name"]) for u in rec.get("units") or [] if u["id"] == unit), ref)
        return str(rec["name"])

    # ------------------------------------------------------------------ reference data
    def reference(self) -> None:
        data = self.data
        for sid, src in data.sources.items():
            s = ns.source_iri(sid)
            self.add(s, _TYPE, _CSP.SourceDocument)
            self.add(s, _RDFS.label, _lit(src.record["title"]))
            self.add(s, _DCTERMS.title, _lit(src.record["title"]))
            self.add(s, _CSP.file, _lit(src.record["file"]))
            if src.record.get("publisher"):
                self.add(s, _DCTERMS.publisher, _lit(src.record["publisher"]))
            if src.record.get("date"):
                self.add(s, _DCTERMS.date, _spell_literal(_date_literal(iso_date(src.record, "date"))))
            self.note(s, src.record)
        for pid, rec in data.partnerships.items():
            s = ns.partnership_iri(pid)
            self.add(s, _TYPE, _CSP.Partnership)
            self.label(s, rec["name"])
            self.alt_labels(s, rec["name"], rec.get("alt") or [])
            self.register_spans(s, rec)
            self.note(s, rec)
        for aid, rec in data.agencies.items():
            s = ns.agency_iri(aid)
            self.add(s, _TYPE, _CSP.Agency)
            self.label(s, rec["name"])
            self.add(s, _ORG.classification, ns.agency_type_iri(rec["type"]))
            self.alt_labels(s, rec["name"], rec.get("alt") or [])
            self.local_spellings(s, rec, data)
            self.note(s, rec)
            self.register_spans(s, rec)
            for unit in rec.get("units") or []:
                u = ns.agency_iri(aid, unit["id"])
                self.add(u, _TYPE, _CSP.AgencyUnit)
                self.add(u, _ORG.unitOf, s)
                self.label(u, unit["name"])
                self.register_spans(u, unit)
                self.note(u, unit)
                self.alt_labels(u, unit["name"], unit.get("alt") or [])
                self.local_spellings(u, unit, data)
        for pid, rec in data.places.items():
            s = ns.place_iri(pid)
            self.add(s, _TYPE, _CSP.Place)
            self.add(s, _RDFS.label, _lit(rec["name"]))
            self.add(s, _CSP.placeType, _lit(rec["type"]))
            if rec.get("within"):
                self.add(s, _CSP.within, ns.place_iri(rec["within"]))
            self.register_spans(s, rec)
            self.note(s, rec)
        for sid, doc in data.pfcc_schemes.items():
            s = ns.priority_scheme_iri(sid)
            source = data.sources.get(doc.get("source"))
            self.add(s, _TYPE, _CSP.PoliceAndCrimePlan)
            self.add(s, _TYPE, _SKOS.ConceptScheme)
            self.add(s, _RDFS.label, _lit(doc["title"]))
            self.add(s, _DCTERMS.title, _lit(doc["title"]))
            if doc.get("commissioner"):
                self.add(s, _DCTERMS.creator, _lit(doc["commissioner"]))
            if doc.get("heading"):
                self.add(s, _DCTERMS.alternative, _lit(str(doc["heading"]).strip()))
            if doc.get("description"):
                self.add(s, _DCTERMS.description, _lit(str(doc["description"]).strip()))
            self.note(s, doc)
            if source:
                self.span(s, source, doc.get("lines"))
            for rec in doc["priorities"]:
                self.priority(ns.priority_iri(sid, rec["number"]), _CSP.PFCCPriority, s, rec, source)

    def priority(self, s: URIRef, kind: str, scheme: URIRef, rec: LocatedDict, source: SourceText | None) -> None:
        self.add(s, _TYPE, kind)
        self.add(s, _SKOS.notation, _lit(str(rec["number"])))
        self.label(s, str(rec["title"]).strip())
        self.add(s, _SKOS.inScheme, scheme)
        if rec.get("narrative"):
            self.add(s, _SKOS.definition, _lit(str(rec["narrative"]).strip()))
        for harm in rec.get("harms") or []:
            self.add(s, _CSP.focusHarm, ns.harm_iri(harm))
        if source:
            self.span(s, source, rec.get("lines"))
        self.note(s, rec)

    # ------------------------------------------------------------------ plans
    def plan(self, doc: LocatedDict, pfcc_mapped: bool) -> None:
        """One plan's triples (its file's); ``pfcc_mapped``: whether an initiative of the plan names a PFCC
        priority."""
        meta = doc["plan"]
        pid, year = meta["partnership"], str(meta["year"])
        source = self.data.sources[meta["source"]]
        plan = ns.plan_iri(pid, year)
        partnership = ns.partnership_iri(pid)
        scheme = ns.priority_scheme_iri(ns.partnership_scheme_slug(pid, year))
        name = self.data.partnerships[pid]["name"]
        self.add(plan, _TYPE, _CSP.Plan)
        self.add(plan, _RDFS.label, _lit(f"{name} plan {year}"))
        self.add(plan, _DCTERMS.title, _lit(meta["title"]))
        self.add(plan, _CSP.ofPartnership, partnership)
        self.add(plan, _CSP.planYear, _lit(year))
        self.add(plan, _CSP.partnershipPriorities, scheme)
        self.add(plan, _CSP.pfccPlan, ns.priority_scheme_iri(meta["pfcc_scheme"]))
        # derived: whether any initiative names a priority of the PFCC plan (each PFCC value is one of its
        # priorities: see initiative()). Four questions look this up instead of going through every plan's
        # initiatives (about 0.55 s of each for the whole country, benchmarks/)
        self.add(plan, _CSP.hasPfccMapping, _lit(pfcc_mapped))
        self.add(plan, _DCTERMS.source, ns.source_iri(source.id))
        self.span(plan, source, meta.get("lines") or [1, 1])
        self.add(scheme, _TYPE, _CSP.PriorityScheme)
        self.add(scheme, _TYPE, _SKOS.ConceptScheme)
        self.add(scheme, _RDFS.label, _lit(f"{name} priorities {year}"))
        self.add(scheme, _DCTERMS.title, _lit(f"{name} priorities {year}"))
        for rec in doc["priorities"]:
            self.priority(ns.priority_iri(ns.partnership_scheme_slug(pid, year), rec["number"]),
                          _CSP.PartnershipPriority, scheme, rec, source)
        for rec in doc.get("risk_matrix") or []:
            s = ns.risk_entry_iri(pid, year, rec["rank"])
            self.add(plan, _CSP.riskMatrixEntry, s)
            self.add(s, _TYPE, _CSP.RiskMatrixEntry)
            self.add(s, _CSP.rank, _lit(int(rec["rank"])))
            self.add(s, _RDFS.label, _lit(rec["offence"]))
            self.add(s, _CSP.offenceType, ns.harm_iri(rec["harm"]))
            self.span(s, source, rec["lines"])
        for rec in doc.get("members") or []:
            s = ns.membership_iri(pid, year, rec["agency"])
            self.add(s, _TYPE, _ORG.Membership)
            self.add(s, _ORG.member, ns.agency_iri(rec["agency"]))
            self.add(s, _ORG.organization, partnership)
            role = ns.STATUTORY_MEMBER if rec["role"] == "statutory" else ns.NON_STATUTORY_MEMBER
            self.add(s, _ORG.role, role)
            # every node has a label (ONTOLOGY.md): "Essex Police, statutory member of ... 2020-21"
            kind = "statutory" if rec["role"] == "statutory" else "non-statutory"
            self.add(s, _RDFS.label, _lit(f"{self.org_name(rec['agency'])}, {kind} member of {name} {year}"))
            self.add(s, _CSP.listedIn, plan)
            self.span(s, source, rec["lines"])
        for n, rec in enumerate(doc.get("funding") or [], start=1):
            s = ns.funding_iri(pid, year, n)
            self.add(plan, _CSP.fundingAward, s)
            self.grant(s, rec, source)
        for rec in doc["initiatives"]:
            self.initiative(rec, pid, year, plan, source, meta["pfcc_scheme"])

    def grant(self, s: URIRef, rec: LocatedDict, source: SourceText) -> None:
        self.add(s, _TYPE, _SCHEMA.MonetaryGrant)
        currency = str(rec.get("currency") or "GBP")
        amount = Decimal(str(rec["amount"]))
        label = (f"£{amount:,} grant" if currency == "GBP" else f"{currency} {amount:,} grant")
        label += f" from {self.org_name(rec['funder'])}" if rec.get("funder") else ""
        label += f" to {self.org_name(rec['recipient'])}" if rec.get("recipient") else ""
        self.add(s, _RDFS.label, _lit(label))  # every node has a label (ONTOLOGY.md)
        self.add(s, _SCHEMA.amount, _lit(amount, XSD.decimal))
        self.add(s, _SCHEMA.currency, _lit(currency))
        if rec.get("purpose"):
            self.add(s, _SCHEMA.description, _lit(str(rec["purpose"])))
        if rec.get("recipient"):
            self.add(s, _CSP.grantRecipient, self.org(rec["recipient"]))
        if rec.get("funder"):
            self.add(s, _SCHEMA.funder, self.org(rec["funder"]))
        if rec.get("cell"):
            self.add(s, _CSP.cell, _lit(str(rec["cell"])))
        if rec.get("quote"):
            self.add(s, _CSP.quote, _lit(str(rec["quote"])))
        self.span(s, source, rec["lines"])
        self.note(s, rec)

    def initiative(self, rec: LocatedDict, pid: str, year: str, plan: URIRef, source: SourceText, pfcc: str) -> None:
        s = ns.initiative_iri(pid, year, rec["id"])
        # operations carry both types: SPARQL engines do no RDFS inference, and "every initiative" must
        # include them without each question spelling out the subclass
        self.add(s, _TYPE, _CSP.Initiative)
        if rec.get("operation"):
            self.add(s, _TYPE, _CSP.Operation)
        self.add(s, _RDFS.label, _lit(str(rec["name"]).strip()))
        self.add(s, _CSP.inPlan, plan)
        lead = rec.get("lead") or {}
        if lead.get("cell"):
            self.add(s, _CSP.leadCell, _lit(str(lead["cell"])))
        for ref in lead.get("agencies") or []:
            self.add(s, _CSP.leadAgency, self.org(ref))
        for ref in rec.get("partners") or []:
            self.add(s, _CSP.partnerAgency, self.org(ref))
        # derived: who takes part, teams counted as their agency. Questions about who works with whom match
        # this one triple instead of a path and a type test (half the time at national scale, benchmarks/)
        for ref in [*(lead.get("agencies") or []), *(rec.get("partners") or [])]:
            self.add(s, _CSP.involvesAgency, ns.agency_iri(ref.partition("/")[0]))
        timing = rec.get("timing") or {}
        if timing.get("cell"):
            self.add(s, _CSP.timingCell, _lit(str(timing["cell"])))
        for key, prop in (("start", _CSP.startDate), ("end", _CSP.endDate)):
            value = iso_date(timing, key) if timing else None
            if value:
                self.add(s, prop, _spell_literal(_date_literal(value)))
        scp_scheme = ns.partnership_scheme_slug(pid, year)
        # derived: each priority also under the sub-property for its kind (the SCP column names the plan's
        # own priorities, the PFCC column its PFCC plan's). Pairing SCP with PFCC priorities then matches
        # 241,000 rows for the whole country, not 1.1 million, and "no PFCC priority" is one triple to test
        # (benchmarks/)
        for key, scheme, prop, kind in (("scp", scp_scheme, _CSP.scpCell, _CSP.supportsPartnershipPriority),
                                        ("pfcc", pfcc, _CSP.pfccCell, _CSP.supportsPfccPriority)):
            cell = rec.get(key) or {}
            if cell.get("cell") not in (None, ""):
                self.add(s, prop, _lit(str(cell["cell"])))
            for value in cell.get("values") or []:
                priority = ns.priority_iri(scheme, value)
                self.add(s, _CSP.supportsPriority, priority)
                self.add(s, kind, priority)
        if rec.get("description"):
            self.add(s, _DCTERMS.description, _lit(" ".join(str(rec["description"]).split())))
        for harm in rec.get("harms") or []:
            self.add(s, _CSP.addressesHarm, ns.harm_iri(harm))
        for place in rec.get("places") or []:
            self.add(s, _CSP.location, ns.place_iri(place))
        if rec.get("status"):
            self.add(s, _CSP.status, ns.status_iri(rec["status"]))
        if rec.get("status_reason"):
            self.add(s, _CSP.statusReason, _lit(str(rec["status_reason"])))
        for n, fig in enumerate(rec.get("figures") or [], start=1):
            f = ns.figure_iri(s, n)
            self.add(s, _CSP.reportedFigure, f)
            self.add(f, _TYPE, _SCHEMA.QuantitativeValue)
            self.add(f, _RDFS.label, _lit(f"{fig['value']} {fig.get('unit') or ''}".strip()))  # "1006 pupils registered"
            self.add(f, _SCHEMA.value, _lit(Decimal(str(fig["value"])), XSD.decimal))
            if fig.get("unit"):
                self.add(f, _SCHEMA.unitText, _lit(str(fig["unit"])))
            if fig.get("quote"):
                self.add(f, _CSP.quote, _lit(str(fig["quote"])))
            self.span(f, source, fig["lines"])
        for n, fund in enumerate(rec.get("funding") or [], start=1):
            f = URIRef(f"{s}/funding/{n}")
            self.add(s, _CSP.funding, f)
            self.grant(f, fund, source)
        if rec.get("contact_redacted"):
            self.add(s, _CSP.contactRedacted, _lit(True))
        if rec.get("continues"):
            self.add(s, _CSP.continues, ns.ID[f"initiative/{rec['continues']}"])
            if rec.get("continues_note"):
                self.add(s, _CSP.continuityNote, _lit(str(rec["continues_note"]).strip()))
        self.note(s, rec)
        self.span(s, source, rec["lines"])


def _build(data: PlanData, known: frozenset[str] = frozenset(),
           on_block: Callable[[bytes], None] | None = None) -> _Builder:
    builder = _Builder(data, known, on_block)
    builder.reference()
    builder.flush()
    for doc in data.plans:  # one file a plan: the loader refuses a second file for the same plan
        builder.plan(doc, any((rec.get("pfcc") or {}).get("values") for rec in doc["initiatives"]))
        builder.flush()
    return builder


class _Loader:
    """Loads N-Triples blocks into an in-memory Oxigraph store on a second thread, as the builder makes them.

    pyoxigraph parses and inserts without holding Python's lock, so the store fills while the builder (Python)
    writes the next plan, and the SPARQL validator finds its store ready: nationally its 6-10 s load, which
    came after the 10 s build, now runs alongside it (benchmarks/). Blocks can be loaded one at a time only
    because the builder writes no blank nodes (a blank node label means one node within one load); the
    ontology's, which has some, is one block.
    """

    def __init__(self) -> None:
        self.store = ox.Store()
        self._queue: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="cspgraph-store-loader", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (block := self._queue.get()) is not None:
            if self._error is None and not self._stop:
                try:
                    # lenient: IRIs not checked again (the builder wrote them, and writing the Turtle parses them
                    # strictly); the whole national graph loads in about 6 s so, where bulk_load took 11-13 s
                    self.store.load(input=block, format=ox.RdfFormat.N_TRIPLES, lenient=True)
                except BaseException as err:  # raised by finish(), in the builder's thread
                    self._error = err

    def put(self, block: bytes) -> None:
        self._queue.put(block)

    def finish(self) -> ox.Store:
        """The store, once every block given is in it."""
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self.store

    def abandon(self) -> None:
        """Stop without loading what is still queued (the build failed)."""
        self._stop = True
        self._queue.put(None)
        self._thread.join()


class _Chunks(io.RawIOBase):
    """Several byte strings read as one stream, so parsers never need them joined into one copy."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._current = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._current:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._current = memoryview(chunk)
        n = min(len(buffer), len(self._current))
        buffer[:n] = self._current[:n]
        self._current = self._current[n:]
        return n


def _stream(chunks: Iterable[bytes]) -> io.BufferedReader:
    return io.BufferedReader(_Chunks(chunks), buffer_size=1 << 20)


def data_ntriples(data: PlanData) -> bytes:
    """The RDF for checked plan data alone (no ontology), as N-Triples."""
    return b"".join(_build(data).blocks)


def data_graph(data: PlanData) -> Graph:
    """The RDF for checked plan data alone (no ontology), as an rdflib Graph."""
    graph = new_graph()
    graph.parse(source=_stream(_build(data).blocks), format="nt")
    return graph


#: prefixes of the Turtle file; instance IRIs are written in full (``id:`` names would need ``\/`` escapes)
TURTLE_PREFIXES = {prefix: str(namespace) for prefix, namespace in ns.PREFIXES.items() if prefix != "id"}


def _ontology_lines(ontology: Graph) -> list[str]:
    # sorted, so that each ontology term's triples sit together in the Turtle file
    text = ontology.serialize(format="nt", encoding="utf-8").decode("utf-8")
    return sorted(line + "\n" for line in text.splitlines() if line.strip())


@dataclass(frozen=True)
class BuiltGraph:
    """The graph and the parts it was built from.

    ``chunks`` hold the plan data as N-Triples, as the builder wrote it (one chunk a plan). ``graph``, the
    ontology and the data as one rdflib Graph (for SHACL validation, the reasoner and Python callers), is
    parsed from them on first use, so a build that only writes the file (``cspgraph build --no-validate``)
    never pays for it; :meth:`write_turtle` goes through pyoxigraph. ``instances`` (class IRI -> instance
    IRIs) and ``triple_count`` describe the whole graph. ``data`` is the checked plan data it was built from,
    for Python callers, or None once let go (:meth:`without_data`).
    """

    data: PlanData | None
    ontology: Graph
    chunks: tuple[bytes, ...]
    instances: dict[str, frozenset[str]] = field(default_factory=dict)
    triple_count: int = 0
    #: the same triples already in an in-memory Oxigraph store, when the build was asked for one
    #: (``build_graph(..., preload=True)``, as ``cspgraph build`` does before the SPARQL validator runs)
    store: ox.Store | None = field(default=None, repr=False, compare=False)

    @cached_property
    def graph(self) -> Graph:
        graph = new_graph()
        graph += self.ontology
        graph.parse(source=_stream(self.chunks), format="nt")
        return graph

    def ntriples(self) -> io.BufferedReader:
        """Every triple as N-Triples, the ontology first, as a stream (pyoxigraph and rdflib read it)."""
        return _stream(self.ntriples_blocks())

    def ntriples_blocks(self) -> Iterator[bytes]:
        """The same N-Triples as blocks of bytes (the ontology's, then one a plan), for a pipe."""
        yield "".join(_ontology_lines(self.ontology)).encode("utf-8")
        yield from self.chunks

    def oxigraph_store(self) -> ox.Store:
        """The triples in an in-memory Oxigraph store: the one filled while building (``preload``), or else one
        loaded now from the N-Triples (lenient, as _Loader: the builder wrote the IRIs)."""
        if self.store is not None:
            return self.store
        store = ox.Store()
        store.load(input=self.ntriples(), format=ox.RdfFormat.N_TRIPLES, lenient=True)
        return store

    def without_store(self) -> BuiltGraph:
        """The same graph without its preloaded store (about 1.1 GB nationally), once nothing needs it.

        Itself when it has none: a copy would lose the rdflib graph already made (100 s nationally for pySHACL).
        """
        return self if self.store is None else replace(self, store=None)

    def without_data(self) -> BuiltGraph:
        """The same graph without the plan data it was built from, which nothing after the build reads: 0.3 GB
        nationally, that the build would otherwise hold while it validates and reads the delivery table.

        Itself when it has none; otherwise take it before :attr:`graph` is made, which a copy does not keep.
        """
        return self if self.data is None else replace(self, data=None)

    def triples(self) -> Iterator[ox.Quad]:
        """Every triple (ontology first, then the data), parsed by pyoxigraph."""
        return ox.parse(self.ntriples(), format=ox.RdfFormat.N_TRIPLES)

    def write_turtle(self, output: BinaryIO) -> None:
        ox.serialize(self.triples(), output, format=ox.RdfFormat.TURTLE, prefixes=TURTLE_PREFIXES)

    def turtle(self) -> bytes:
        out = io.BytesIO()
        self.write_turtle(out)
        return out.getvalue()


def build_graph(paths: ProjectPaths, *, preload: bool = False) -> BuiltGraph:
    """Load the ontology and ``data/``, check the data, and return the full graph (ontology + data).

    ``preload`` also loads the triples into an in-memory Oxigraph store while they are built
    (:attr:`BuiltGraph.store`), for the SPARQL validator: on two cores nearly free in time (see _Loader), at
    the store's memory (about 1.1 GB nationally).

    >>> from cspgraph.project import find_project
    >>> built = build_graph(find_project())
    >>> len(built.graph) > 1000
    True
    """
    ontology = load_ontology(paths.ontology)
    data = load_plan_data(paths.data, Vocabulary.from_graph(ontology))
    return assemble(ontology, data, preload=preload)


def assemble(ontology: Graph, data: PlanData, *, preload: bool = False) -> BuiltGraph:
    """The RDF of checked data, with the ontology: the step of :func:`build_graph` after loading."""
    lines = _ontology_lines(ontology)
    loader = _Loader() if preload else None
    if loader is not None:
        loader.put("".join(lines).encode("utf-8"))
    try:
        builder = _build(data, frozenset(lines), loader.put if loader is not None else None)
        instances = builder.instances
        for subject, cls in ontology.subject_objects(RDF.type):
            instances[str(cls)].add(str(subject))
        store = loader.finish() if loader is not None else None
    except BaseException:  # Ctrl-C in finish() included: the thread must not go on loading into a lost store
        if loader is not None:
            loader.abandon()
        raise
    return BuiltGraph(data, ontology, tuple(builder.blocks), {k: frozenset(v) for k, v in instances.items()},
                      len(ontology) + builder.count, store)


def current_umask() -> int:
    """The process's file-creation mask (it can only be read by setting it, so it is put straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: Path, payload: bytes | Callable[[BinaryIO], None]) -> os.stat_result:
    """Write ``payload`` to ``path`` so that readers see the old file or the new one, never half of one.

    ``payload`` is the bytes, or a function that writes them to the open file (a large graph streams).
    Returns the file's status as written (see :func:`same_file`).
    """
    fd, tmp = _temp_beside(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            if callable(payload):
                payload(handle)
            else:
                handle.write(payload)
        return _rename_into_place(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise _cannot_write(path, err) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _temp_beside(path: Path) -> tuple[int, Path]:
    """A new owner-only temporary file in ``path``'s folder (made if need be), open, to be renamed over it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as err:
        raise _cannot_write(path, err) from None
    return fd, Path(tmp)


def _cannot_write(path: Path, err: OSError) -> CspgraphError:
    return CspgraphError(f"{path}: cannot write here: {err.strerror}\n  -> choose a folder you can write to")


def _rename_into_place(tmp: Path, path: Path) -> os.stat_result:
    """Make a finished temporary file readable by others and rename it over ``path``; its status as renamed."""
    # mkstemp makes the file owner-only (0600); a built graph or page is meant to be read by others
    os.chmod(tmp, 0o666 & ~current_umask())
    written = tmp.stat()  # a rename keeps the inode, size and modification time (not the change time)
    os.replace(tmp, path)
    return written


def same_file(path: Path, written: os.stat_result) -> bool:
    """Whether ``path`` is still the file whose status :func:`write_atomic` returned (no one has replaced it)."""
    try:
        now = path.stat()
    except OSError:
        return False
    return ((now.st_dev, now.st_ino, now.st_size, now.st_mtime_ns)
            == (written.st_dev, written.st_ino, written.st_size, written.st_mtime_ns))


def turtle_of(graph: Graph) -> bytes:
    """Any rdflib Graph as Turtle, written by pyoxigraph (rdflib's own serialiser is slow on large graphs)."""
    payload = graph.serialize(format="nt", encoding="utf-8")
    try:
        return ox.serialize(ox.parse(payload, format=ox.RdfFormat.N_TRIPLES), format=ox.RdfFormat.TURTLE,
                            prefixes=TURTLE_PREFIXES)
    except SyntaxError as err:  # a term rdflib accepted but RDF does not (an IRI with a space...)
        raise DataError(f"the graph holds a term that is not valid RDF: {err}") from None


def write_graph(graph: Graph | BuiltGraph, path: Path) -> os.stat_result:
    """Write a built graph (or any rdflib Graph) to ``path`` as Turtle, atomically; the file's status."""
    return write_atomic(path, graph.write_turtle if isinstance(graph, BuiltGraph) else turtle_of(graph))


#: from this many triples a helper process writes the Turtle (nationally 3.4 million: about 8 s); below it,
#: starting one would cost more than it saves
TURTLE_HELPER_FROM = 200_000
#: how long past ``work`` the Turtle helper may take before this process writes the file itself;
#: generous, since writing takes about as long as the work it runs beside
TURTLE_HELPER_PATIENCE = 60.0


def write_graph_alongside(built: BuiltGraph, path: Path, work: Callable[[], T]) -> tuple[T, os.stat_result]:
    """Write ``built`` to ``path`` as :func:`write_graph` does, while this process runs ``work()``; work's
    result, and the file's status as written (for :func:`same_file`).

    Writing the national Turtle takes about 8 s of one core, and what ``cspgraph build`` does meanwhile
    (validating, and reading the analyses' delivery table) needs nothing from the file: so, for a large graph
    where two CPUs are usable, a helper process (:mod:`cspgraph.turtlewriter`) writes the Turtle into a temporary file
    beside ``path`` from N-Triples fed to it on a second thread, and this process renames the file into
    place once ``work`` has returned and the helper has read everything and exited 0. The file is the same
    byte for byte (tested). A helper that cannot start, fails, or has not finished within
    :data:`TURTLE_HELPER_PATIENCE` after ``work`` is stopped and leaves the writing to this process, whose
    errors are the ones reported. If ``work`` raises, nothing is written; a folder that cannot be written is
    reported before ``work`` starts.
    """
    if built.triple_count < TURTLE_HELPER_FROM or usable_cpus() < 2:
        result = work()
        return result, write_graph(built, path)
    fd, tmp = _temp_beside(path)
    os.close(fd)  # the helper opens it by name
    helper = _start_turtle_helper(tmp)
    fed: list[bool] = []
    feeder = None
    if helper is not None:
        feeder = threading.Thread(target=_feed, args=(helper, built, fed), name="cspgraph-turtle-feeder",
                                  daemon=True)
        feeder.start()
    try:
        result = work()
        if helper is not None:
            try:
                helper.wait(TURTLE_HELPER_PATIENCE)
            except subprocess.TimeoutExpired:
                pass
            feeder.join(1.0)
            if helper.returncode == 0 and fed:  # the whole graph went in, and all of it came out
                try:
                    return result, _rename_into_place(tmp, path)
                except OSError:
                    pass  # write it here instead, where an error is reported with the usual message
            _stop(helper)  # failed or hung: stopped before this process writes the same file
        return result, write_graph(built, path)
    finally:
        if helper is not None:
            _stop(helper)
        tmp.unlink(missing_ok=True)


def _start_turtle_helper(tmp: Path) -> subprocess.Popen | None:
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "cspgraph.turtlewriter", str(tmp), json.dumps(TURTLE_PREFIXES)],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:  # no process to be had (a process limit, no memory)
        return None


def _feed(helper: subprocess.Popen, built: BuiltGraph, fed: list[bool]) -> None:
    """On a second thread: the graph's N-Triples into the helper (a write waiting on the pipe lets the main
    thread run). ``fed`` gets True only when every byte went in: a helper that saw less must not be used."""
    try:
        with helper.stdin as pipe:
            for block in built.ntriples_blocks():
                pipe.write(block)
        fed.append(True)
    except (OSError, ValueError):  # the helper died or was stopped: the main thread writes the file
        pass


def _stop(helper: subprocess.Popen) -> None:
    if helper.poll() is None:
        helper.kill()
    helper.wait()

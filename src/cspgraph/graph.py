"""Turning checked plan data into RDF, following ``docs/rdf-mapping.md``.

The built graph holds the ontology, the SKOS vocabularies and the plan data together, so that one file
answers every saved question, whether it is queried here or pushed to a remote triple store.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from . import namespaces as ns
from .errors import DataError, Location
from .namespaces import CSP, ORG, SCHEMA
from .plandata import LocatedDict, PlanData, SourceText, Vocabulary, iso_date, load_plan_data
from .project import ProjectPaths

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


class _Builder:
    """Holds the graph being built and the small helpers that keep the mapping code short."""

    def __init__(self, data: PlanData) -> None:
        self.data = data
        self.g = new_graph()

    def add(self, s: URIRef | BNode, p: URIRef, o: URIRef | Literal | BNode | None) -> None:
        if o is not None:
            self.g.add((s, p, o))

    def label(self, s: URIRef, text: str, *, pref: bool = True) -> None:
        self.add(s, RDFS.label, Literal(text))
        if pref:
            self.add(s, SKOS.prefLabel, Literal(text))

    def span(self, subject: URIRef, source: SourceText, lines: list[int] | int | None) -> None:
        """Attach ``prov:wasDerivedFrom`` a source span carrying the quoted (redacted) lines."""
        if lines is None:
            return
        first, last = (lines, lines) if isinstance(lines, int) else lines
        span = ns.span_iri(source.id, first, last)
        if (span, RDF.type, CSP.SourceSpan) not in self.g:
            self.add(span, RDF.type, CSP.SourceSpan)
            self.add(span, RDFS.label, Literal(f"{source.id} lines {first}-{last}"))
            self.add(span, CSP.inDocument, ns.source_iri(source.id))
            self.add(span, CSP.firstLine, Literal(first))
            self.add(span, CSP.lastLine, Literal(last))
            self.add(span, CSP.quote, Literal(source.quote(first, last)))
        self.add(subject, PROV.wasDerivedFrom, span)

    def note(self, subject: URIRef, rec: LocatedDict) -> None:
        if rec.get("note"):
            self.add(subject, SKOS.editorialNote, Literal(str(rec["note"]).strip()))

    def org(self, ref: str) -> URIRef:
        agency, _, unit = ref.partition("/")
        return ns.agency_iri(agency, unit or None)

    # ------------------------------------------------------------------ reference data
    def reference(self) -> None:
        data = self.data
        for sid, src in data.sources.items():
            s = ns.source_iri(sid)
            self.add(s, RDF.type, CSP.SourceDocument)
            self.add(s, RDFS.label, Literal(src.record["title"]))
            self.add(s, DCTERMS.title, Literal(src.record["title"]))
            self.add(s, CSP.file, Literal(src.record["file"]))
            if src.record.get("publisher"):
                self.add(s, DCTERMS.publisher, Literal(src.record["publisher"]))
            if src.record.get("date"):
                self.add(s, DCTERMS.date, _date_literal(iso_date(src.record, "date")))
        for pid, rec in data.partnerships.items():
            s = ns.partnership_iri(pid)
            self.add(s, RDF.type, CSP.Partnership)
            self.label(s, rec["name"])
            for alt in rec.get("alt") or []:
                self.add(s, SKOS.altLabel, Literal(alt))
        for aid, rec in data.agencies.items():
            s = ns.agency_iri(aid)
            self.add(s, RDF.type, CSP.Agency)
            self.label(s, rec["name"])
            self.add(s, ORG.classification, ns.agency_type_iri(rec["type"]))
            for alt in rec.get("alt") or []:
                self.add(s, SKOS.altLabel, Literal(str(alt)))
            self.note(s, rec)
            for sid, lines in (rec.get("lines") or {}).items():
                if sid in data.sources:
                    self.span(s, data.sources[sid], lines)
            for unit in rec.get("units") or []:
                u = ns.agency_iri(aid, unit["id"])
                self.add(u, RDF.type, CSP.AgencyUnit)
                self.add(u, ORG.unitOf, s)
                self.label(u, unit["name"])
                for alt in unit.get("alt") or []:
                    self.add(u, SKOS.altLabel, Literal(str(alt)))
        for pid, rec in data.places.items():
            s = ns.place_iri(pid)
            self.add(s, RDF.type, CSP.Place)
            self.add(s, RDFS.label, Literal(rec["name"]))
            self.add(s, CSP.placeType, Literal(rec["type"]))
            if rec.get("within"):
                self.add(s, CSP.within, ns.place_iri(rec["within"]))
        for sid, doc in data.pfcc_schemes.items():
            s = ns.priority_scheme_iri(sid)
            source = data.sources.get(doc.get("source"))
            self.add(s, RDF.type, CSP.PoliceAndCrimePlan)
            self.add(s, RDF.type, SKOS.ConceptScheme)
            self.add(s, RDFS.label, Literal(doc["title"]))
            self.add(s, DCTERMS.title, Literal(doc["title"]))
            if doc.get("commissioner"):
                self.add(s, DCTERMS.creator, Literal(doc["commissioner"]))
            if source:
                self.span(s, source, doc.get("lines"))
            for rec in doc["priorities"]:
                self.priority(ns.priority_iri(sid, rec["number"]), CSP.PFCCPriority, s, rec, source)

    def priority(self, s: URIRef, kind: URIRef, scheme: URIRef, rec: LocatedDict, source: SourceText | None) -> None:
        self.add(s, RDF.type, kind)
        self.add(s, SKOS.notation, Literal(str(rec["number"])))
        self.label(s, str(rec["title"]).strip())
        self.add(s, SKOS.inScheme, scheme)
        if rec.get("narrative"):
            self.add(s, SKOS.definition, Literal(str(rec["narrative"]).strip()))
        for harm in rec.get("harms") or []:
            self.add(s, CSP.focusHarm, ns.harm_iri(harm))
        if source:
            self.span(s, source, rec.get("lines"))
        self.note(s, rec)

    # ------------------------------------------------------------------ plans
    def plan(self, doc: LocatedDict) -> None:
        meta = doc["plan"]
        pid, year = meta["partnership"], str(meta["year"])
        source = self.data.sources[meta["source"]]
        plan = ns.plan_iri(pid, year)
        partnership = ns.partnership_iri(pid)
        scheme = ns.priority_scheme_iri(ns.partnership_scheme_slug(pid, year))
        name = self.data.partnerships[pid]["name"]
        self.add(plan, RDF.type, CSP.Plan)
        self.add(plan, RDFS.label, Literal(f"{name} plan {year}"))
        self.add(plan, DCTERMS.title, Literal(meta["title"]))
        self.add(plan, CSP.ofPartnership, partnership)
        self.add(plan, CSP.planYear, Literal(year))
        self.add(plan, CSP.partnershipPriorities, scheme)
        self.add(plan, CSP.pfccPlan, ns.priority_scheme_iri(meta["pfcc_scheme"]))
        self.add(plan, DCTERMS.source, ns.source_iri(source.id))
        self.span(plan, source, meta.get("lines") or [1, 1])
        self.add(scheme, RDF.type, CSP.PriorityScheme)
        self.add(scheme, RDF.type, SKOS.ConceptScheme)
        self.add(scheme, RDFS.label, Literal(f"{name} priorities {year}"))
        self.add(scheme, DCTERMS.title, Literal(f"{name} priorities {year}"))
        for rec in doc["priorities"]:
            self.priority(ns.priority_iri(ns.partnership_scheme_slug(pid, year), rec["number"]),
                          CSP.PartnershipPriority, scheme, rec, source)
        for rec in doc.get("risk_matrix") or []:
            s = ns.risk_entry_iri(pid, year, rec["rank"])
            self.add(plan, CSP.riskMatrixEntry, s)
            self.add(s, RDF.type, CSP.RiskMatrixEntry)
            self.add(s, CSP.rank, Literal(int(rec["rank"])))
            self.add(s, RDFS.label, Literal(rec["offence"]))
            self.add(s, CSP.offenceType, ns.harm_iri(rec["harm"]))
            self.span(s, source, rec["lines"])
        for rec in doc.get("members") or []:
            s = ns.membership_iri(pid, year, rec["agency"])
            self.add(s, RDF.type, ORG.Membership)
            self.add(s, ORG.member, ns.agency_iri(rec["agency"]))
            self.add(s, ORG.organization, partnership)
            role = ns.STATUTORY_MEMBER if rec["role"] == "statutory" else ns.NON_STATUTORY_MEMBER
            self.add(s, ORG.role, role)
            self.add(s, CSP.listedIn, plan)
            self.span(s, source, rec["lines"])
        for n, rec in enumerate(doc.get("funding") or [], start=1):
            s = ns.funding_iri(pid, year, n)
            self.add(plan, CSP.fundingAward, s)
            self.grant(s, rec, source)
        for rec in doc["initiatives"]:
            self.initiative(rec, pid, year, plan, source, meta["pfcc_scheme"])

    def grant(self, s: URIRef, rec: LocatedDict, source: SourceText) -> None:
        self.add(s, RDF.type, SCHEMA.MonetaryGrant)
        self.add(s, SCHEMA.amount, Literal(Decimal(str(rec["amount"])), datatype=XSD.decimal))
        self.add(s, SCHEMA.currency, Literal(str(rec.get("currency") or "GBP")))
        if rec.get("purpose"):
            self.add(s, SCHEMA.description, Literal(str(rec["purpose"])))
        if rec.get("recipient"):
            self.add(s, CSP.grantRecipient, self.org(rec["recipient"]))
        if rec.get("funder"):
            self.add(s, SCHEMA.funder, self.org(rec["funder"]))
        if rec.get("cell"):
            self.add(s, CSP.cell, Literal(str(rec["cell"])))
        if rec.get("quote"):
            self.add(s, CSP.quote, Literal(str(rec["quote"])))
        self.span(s, source, rec["lines"])
        self.note(s, rec)

    def initiative(self, rec: LocatedDict, pid: str, year: str, plan: URIRef, source: SourceText, pfcc: str) -> None:
        s = ns.initiative_iri(pid, year, rec["id"])
        # operations carry both types: SPARQL engines do no RDFS inference, and "every initiative" must
        # include them without each question spelling out the subclass
        self.add(s, RDF.type, CSP.Initiative)
        if rec.get("operation"):
            self.add(s, RDF.type, CSP.Operation)
        self.add(s, RDFS.label, Literal(str(rec["name"]).strip()))
        self.add(s, CSP.inPlan, plan)
        lead = rec.get("lead") or {}
        if lead.get("cell"):
            self.add(s, CSP.leadCell, Literal(str(lead["cell"])))
        for ref in lead.get("agencies") or []:
            self.add(s, CSP.leadAgency, self.org(ref))
        for ref in rec.get("partners") or []:
            self.add(s, CSP.partnerAgency, self.org(ref))
        timing = rec.get("timing") or {}
        if timing.get("cell"):
            self.add(s, CSP.timingCell, Literal(str(timing["cell"])))
        for key, prop in (("start", CSP.startDate), ("end", CSP.endDate)):
            value = iso_date(timing, key) if timing else None
            if value:
                self.add(s, prop, _date_literal(value))
        scp_scheme = ns.partnership_scheme_slug(pid, year)
        for key, scheme, prop in (("scp", scp_scheme, CSP.scpCell), ("pfcc", pfcc, CSP.pfccCell)):
            cell = rec.get(key) or {}
            if cell.get("cell") not in (None, ""):
                self.add(s, prop, Literal(str(cell["cell"])))
            for value in cell.get("values") or []:
                self.add(s, CSP.supportsPriority, ns.priority_iri(scheme, value))
        if rec.get("description"):
            self.add(s, DCTERMS.description, Literal(" ".join(str(rec["description"]).split())))
        for harm in rec.get("harms") or []:
            self.add(s, CSP.addressesHarm, ns.harm_iri(harm))
        for place in rec.get("places") or []:
            self.add(s, CSP.location, ns.place_iri(place))
        if rec.get("status"):
            self.add(s, CSP.status, ns.status_iri(rec["status"]))
        if rec.get("status_reason"):
            self.add(s, CSP.statusReason, Literal(str(rec["status_reason"])))
        for n, fig in enumerate(rec.get("figures") or [], start=1):
            f = ns.figure_iri(s, n)
            self.add(s, CSP.reportedFigure, f)
            self.add(f, RDF.type, SCHEMA.QuantitativeValue)
            self.add(f, SCHEMA.value, Literal(Decimal(str(fig["value"])), datatype=XSD.decimal))
            if fig.get("unit"):
                self.add(f, SCHEMA.unitText, Literal(str(fig["unit"])))
            if fig.get("quote"):
                self.add(f, CSP.quote, Literal(str(fig["quote"])))
            self.span(f, source, fig["lines"])
        for n, fund in enumerate(rec.get("funding") or [], start=1):
            f = URIRef(f"{s}/funding/{n}")
            self.add(s, CSP.funding, f)
            self.grant(f, fund, source)
        if rec.get("contact_redacted"):
            self.add(s, CSP.contactRedacted, Literal(True))
        if rec.get("continues"):
            self.add(s, CSP.continues, ns.ID[f"initiative/{rec['continues']}"])
            if rec.get("continues_note"):
                self.add(s, CSP.continuityNote, Literal(str(rec["continues_note"]).strip()))
        self.note(s, rec)
        self.span(s, source, rec["lines"])


def data_graph(data: PlanData) -> Graph:
    """The RDF for checked plan data alone (no ontology)."""
    builder = _Builder(data)
    builder.reference()
    for doc in data.plans:
        builder.plan(doc)
    return builder.g


@dataclass(frozen=True)
class BuiltGraph:
    """The graph and the parts it was built from."""

    graph: Graph
    data: PlanData
    ontology: Graph


def build_graph(paths: ProjectPaths) -> BuiltGraph:
    """Load the ontology and ``data/``, check the data, and return the full graph (ontology + data).

    >>> from cspgraph.project import find_project
    >>> built = build_graph(find_project())
    >>> len(built.graph) > 1000
    True
    """
    ontology = load_ontology(paths.ontology)
    data = load_plan_data(paths.data, Vocabulary.from_graph(ontology))
    graph = new_graph()
    graph += ontology
    graph += data_graph(data)
    return BuiltGraph(graph, data, ontology)


def write_atomic(path: Path, payload: bytes) -> None:
    """Write ``payload`` to ``path`` so that readers see the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_graph(graph: Graph, path: Path) -> None:
    write_atomic(path, graph.serialize(format="turtle", encoding="utf-8"))

"""Every IRI cspgraph mints or reads lives here, so no other module spells an IRI.

The ontology namespace and the instance-data scheme are fixed by the project's ontology notes
(``https://w3id.org/cspgraph/ontology#`` and ``https://w3id.org/cspgraph/id/...``). Instance IRIs are
readable slugs so that a person can guess one (``id/agency/essex-police``) and so that the same
real-world agency in two plans is one node.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SH, SKOS, XSD

CSP = Namespace("https://w3id.org/cspgraph/ontology#")
ID = Namespace("https://w3id.org/cspgraph/id/")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")

#: prefixes bound on every graph we write and prepended to every saved question
PREFIXES: dict[str, Namespace] = {
    "csp": CSP,
    "id": ID,
    "org": ORG,
    "skos": Namespace(str(SKOS)),
    "prov": Namespace(str(PROV)),
    "dcterms": Namespace(str(DCTERMS)),
    "schema": SCHEMA,
    "rdfs": Namespace(str(RDFS)),
    "rdf": Namespace(str(RDF)),
    "owl": Namespace(str(OWL)),
    "xsd": Namespace(str(XSD)),
    "sh": Namespace(str(SH)),
}

ONTOLOGY_IRI = URIRef("https://w3id.org/cspgraph/ontology")
HARM_SCHEME = CSP.HarmScheme
STATUS_SCHEME = CSP.StatusScheme
AGENCY_TYPE_SCHEME = CSP.AgencyTypeScheme
ONS_SCHEME = ID["scheme/ons-offence-groups"]
STATUTORY_MEMBER = CSP.StatutoryMember
NON_STATUTORY_MEMBER = CSP.NonStatutoryMember
#: the named graph the built graph is pushed to on a remote triple store (``cspgraph push``)
GRAPH_MAIN = URIRef("https://w3id.org/cspgraph/graph/main")


def partnership_iri(slug: str) -> URIRef:
    return ID[f"partnership/{slug}"]


def plan_iri(partnership: str, year: str) -> URIRef:
    return ID[f"plan/{partnership}/{year}"]


def agency_iri(slug: str, unit: str | None = None) -> URIRef:
    """An agency, or one of its units (``id/agency/colchester-borough-council/community-safety-team``)."""
    return ID[f"agency/{slug}/{unit}"] if unit else ID[f"agency/{slug}"]


def spelling_iri(organisation: URIRef, partnership: str, n: int) -> URIRef:
    """The ``n``-th spelling (from 1) that ``partnership``'s plans use for an agency or unit
    (``id/spelling/essex-police/safer-colchester/1``)."""
    return ID[f"spelling/{str(organisation).removeprefix(str(ID) + 'agency/')}/{partnership}/{n}"]


def initiative_iri(partnership: str, year: str, slug: str) -> URIRef:
    return ID[f"initiative/{partnership}/{year}/{slug}"]


def priority_scheme_iri(scheme: str) -> URIRef:
    """A set of numbered priorities: a PFCC plan (``pfcc-essex-2016``) or a plan's own (``safer-colchester-2020-21``)."""
    return ID[f"scheme/{scheme}"]


def priority_iri(scheme: str, number: int | str) -> URIRef:
    return ID[f"priority/{scheme}/{number}"]


def partnership_scheme_slug(partnership: str, year: str) -> str:
    return f"{partnership}-{year}"


def harm_iri(slug: str) -> URIRef:
    return ID[f"harm/{slug}"]


def status_iri(slug: str) -> URIRef:
    return ID[f"status/{slug}"]


def agency_type_iri(slug: str) -> URIRef:
    return ID[f"agency-type/{slug}"]


def place_iri(slug: str) -> URIRef:
    return ID[f"place/{slug}"]


def source_iri(slug: str) -> URIRef:
    return ID[f"source/{slug}"]


def span_iri(source: str, first: int, last: int) -> URIRef:
    return ID[f"source/{source}/L{first}-{last}"]


def membership_iri(partnership: str, year: str, agency: str) -> URIRef:
    return ID[f"membership/{partnership}/{year}/{agency}"]


def risk_entry_iri(partnership: str, year: str, rank: int) -> URIRef:
    return ID[f"risk-matrix/{partnership}/{year}/{rank}"]


def funding_iri(partnership: str, year: str, n: int) -> URIRef:
    return ID[f"funding/{partnership}/{year}/{n}"]


def figure_iri(initiative: URIRef, n: int) -> URIRef:
    return URIRef(f"{initiative}/figure/{n}")


def slug_of(iri: str) -> str:
    """The readable tail of an instance IRI (``id/agency/essex-police`` -> ``essex-police``)."""
    return str(iri).rstrip("/").rsplit("/", 1)[-1]

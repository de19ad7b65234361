"""SHACL validation of a built graph against ``ontology/shapes.ttl`` (W3C SHACL).

The shapes state what a well-formed plan graph is; the build runs them so that a plan file that loads but
says something malformed (an initiative with no plan, a priority from the wrong PFCC plan) is caught before
anyone reads an answer off it.

Two validators give the same results on cspgraph's shapes (tested on every shape case and on the bundled
data; the few places where they can differ are listed in :mod:`cspgraph.shapequeries`):

- ``"sparql"``, the default: each constraint one query over the whole graph, answered by Oxigraph
  (:mod:`cspgraph.shapequeries`). Nationally (3.1 million triples) about 16 s after a build that filled its store, where pySHACL took ten minutes;
- ``"pyshacl"``: pySHACL, the reference implementation, focus node by focus node in Python. It is what the
  shape tests judge the shapes with, and what to use for a shape feature the first does not compile.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import Graph
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.namespace import RDF, SH

from .errors import DataError, Location, ShapeError
from .shapequeries import compile_shapes, report_graph, validate_store
from .store import paused_gc

if TYPE_CHECKING:
    from .graph import BuiltGraph

#: the validators :func:`validate_graph` offers, the default first
VALIDATORS = ("sparql", "pyshacl")


@dataclass(frozen=True)
class ValidationResult:
    """``conforms`` is False only for violations; warnings are reported but do not fail the build."""

    conforms: bool
    report_graph: Graph
    report_text: str
    violations: int = 0
    warnings: int = 0
    messages: list[str] = field(default_factory=list)
    validator: str = VALIDATORS[0]


def load_shapes(path: Path) -> Graph:
    shapes = Graph()
    try:
        shapes.parse(path, format="turtle")
    except FileNotFoundError:
        raise DataError("shapes file missing", Location(path), "restore ontology/shapes.ttl") from None
    except Exception as err:
        raise DataError(f"the shapes do not parse: {err}", Location(path)) from None
    return shapes


class _PreparedQueries(Graph):
    """The same triples (the store is shared, nothing is copied), with each SPARQL text parsed once.

    pySHACL runs a SPARQL constraint once per focus node, passing the query as text; rdflib parses text on
    every call (about 10 ms), which made the three SPARQL shapes on csp:Initiative most of the validation
    time: 14 ms a node where the query itself takes 0.1-0.3 ms (measured on benchmarks/ --scale 0.01).
    """

    def __init__(self, graph: Graph) -> None:
        super().__init__(store=graph.store, identifier=graph.identifier, namespace_manager=graph.namespace_manager)
        self._prepared: dict[str, Query] = {}

    def query(self, query_object, *args, **kwargs):  # type: ignore[override]
        if isinstance(query_object, str):
            prepared = self._prepared.get(query_object)
            if prepared is None:
                # the namespaces Graph.query would have given the text (pySHACL's text declares its own too)
                prepared = self._prepared[query_object] = prepareQuery(query_object, initNs=dict(self.namespaces()))
            query_object = prepared
        return super().query(query_object, *args, **kwargs)


def shacl_report(graph: Graph, shapes: Graph, focus_nodes: list | None = None) -> Graph:
    """pySHACL's report graph for ``graph`` against ``shapes`` (only ``focus_nodes`` when given): see below."""
    from pyshacl import validate as shacl_validate  # here: only the reference validator needs it (slow import)

    extra = {"focus_nodes": focus_nodes} if focus_nodes is not None else {}
    _, report, _ = shacl_validate(_PreparedQueries(graph), shacl_graph=shapes, inference="none", advanced=False,
                                  allow_warnings=True, **extra)
    if not isinstance(report, Graph):  # pySHACL refused the shapes (a MINUS in a SPARQL constraint: SHACL 5.2.1)
        raise ShapeError(f"pySHACL cannot run the shapes: {report}")
    return report


def _sparql_report(graph: Graph | BuiltGraph, shapes: Graph) -> Graph:
    """The SPARQL validator's report graph (see :mod:`cspgraph.shapequeries`)."""
    compiled = compile_shapes(shapes)  # first: a shape it cannot compile is refused before any loading of its own
    if isinstance(graph, Graph):
        store = ox.Store()
        store.load(input=io.BytesIO(graph.serialize(format="nt", encoding="utf-8")), format=ox.RdfFormat.N_TRIPLES)
    else:  # the store filled while building when there is one: the queries do not change it
        store = graph.oxigraph_store()
    return report_graph(validate_store(store, compiled), shapes)


def validate_graph(graph: Graph | BuiltGraph, shapes: Graph, validator: str = VALIDATORS[0]) -> ValidationResult:
    """Validate ``graph`` (ontology + data: an rdflib Graph, or a build's BuiltGraph) against ``shapes``.

    ``validator`` is one of :data:`VALIDATORS`. A BuiltGraph goes to the SPARQL validator as the store it
    was loaded into while it was built (``build_graph(..., preload=True)``, as ``cspgraph build`` does), or
    else as the N-Triples the build wrote; either way the rdflib graph (100 s and gigabytes nationally) is
    never made.

    Neither validator is asked for inference: the graph already holds the ontology, and class targets in the
    shapes name the asserted classes the builder writes, so RDFS inference would only cost time (SHACL 1.0
    §3.1 uses rdfs:subClassOf from the data graph for class-based targets and sh:class, which the graph
    carries). The shapes use SHACL Core and SHACL-SPARQL constraints only, not the Advanced Features (rules,
    SPARQL targets), so pySHACL is not asked for them: with them on it copies the whole data graph first (in
    case a rule adds triples), which nationally is millions of triples copied for nothing.
    """
    if validator not in VALIDATORS:
        raise ShapeError(f"unknown validator {validator!r}: choose from {', '.join(VALIDATORS)}")
    rdflib_graph = graph if isinstance(graph, Graph) else None
    if validator == "pyshacl":
        rdflib_graph = rdflib_graph if rdflib_graph is not None else graph.graph  # type: ignore[union-attr]
        report = shacl_report(rdflib_graph, shapes)
    else:
        # the collector paused: after a national build, millions of objects are alive, and the one full and one
        # middle collection that fell inside validation cost 2.0 s of its 29 s (measured); the few cycles it
        # makes (the report graph and its namespace manager) are collected once it resumes
        with paused_gc():
            report = _sparql_report(graph, shapes)
    names = (rdflib_graph if rdflib_graph is not None else shapes).namespace_manager
    violations = warnings = 0
    messages: list[str] = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        severity = report.value(result, SH.resultSeverity)
        if severity == SH.Violation:
            violations += 1
        else:
            warnings += 1
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        message = report.value(result, SH.resultMessage)
        kind = "violation" if severity == SH.Violation else "warning"
        where = f"{focus}" + (f" ({path.n3(names)})" if path is not None else "")
        messages.append(f"{kind}: {where}: {message}")
    messages.sort()
    text = "\n".join(messages) if messages else "conforms: no violations, no warnings"
    return ValidationResult(violations == 0, report, text, violations, warnings, messages, validator)

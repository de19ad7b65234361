"""SHACL validation of a built graph against ``ontology/shapes.ttl`` (W3C SHACL, via pySHACL).

The shapes state what a well-formed plan graph is; the build runs them so that a plan file that loads but
says something malformed (an initiative with no plan, a priority from the wrong PFCC plan) is caught before
anyone reads an answer off it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import Graph
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.namespace import RDF, SH

from .errors import DataError, Location


@dataclass(frozen=True)
class ValidationResult:
    """``conforms`` is False only for violations; warnings are reported but do not fail the build."""

    conforms: bool
    report_graph: Graph
    report_text: str
    violations: int = 0
    warnings: int = 0
    messages: list[str] = field(default_factory=list)


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
    extra = {"focus_nodes": focus_nodes} if focus_nodes is not None else {}
    _, report, _ = shacl_validate(_PreparedQueries(graph), shacl_graph=shapes, inference="none", advanced=False,
                                  allow_warnings=True, **extra)
    return report


def validate_graph(graph: Graph, shapes: Graph) -> ValidationResult:
    """Validate ``graph`` (ontology + data) against ``shapes``.

    No inference is asked of pySHACL: the graph already holds the ontology, and class targets in the shapes
    name the asserted classes the builder writes, so RDFS inference would only cost time (SHACL 1.0 §3.1 uses
    rdfs:subClassOf from the data graph for class-based targets and sh:class, which the graph carries). The
    shapes use SHACL Core and SHACL-SPARQL constraints only, not the Advanced Features (rules, SPARQL
    targets), so pySHACL is not asked for them: with them on it copies the whole data graph first (in case a
    rule adds triples), which nationally is millions of triples copied for nothing. Without them it
    validates in place and only reads.
    """
    report = shacl_report(graph, shapes)
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
        where = f"{focus}" + (f" ({path.n3(graph.namespace_manager)})" if path is not None else "")
        messages.append(f"{kind}: {where}: {message}")
    messages.sort()
    text = "\n".join(messages) if messages else "conforms: no violations, no warnings"
    return ValidationResult(violations == 0, report, text, violations, warnings, messages)

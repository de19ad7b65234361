"""The build: data/ + ontology/ -> checked, validated ``build/cspgraph.ttl``, with a one-screen summary.

Validation runs before the file is written, and the file is written atomically, so a failed build leaves
the previous ``build/cspgraph.ttl`` untouched: downstream readers never see a half-built or invalid graph.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import RDF

from .graph import BuiltGraph, build_graph, write_atomic, write_graph
from .namespaces import CSP
from .project import ProjectPaths
from .session import input_manifest, manifest_file
from .validation import VALIDATORS, ValidationResult, load_shapes, validate_graph


@dataclass(frozen=True)
class GraphSummary:
    plans: int
    initiatives: int
    operations: int
    agencies: int
    agency_units: int
    priorities: int
    harms: int
    places: int
    triples: int

    def rows(self) -> list[tuple[str, int]]:
        return [(name.replace("_", " "), value) for name, value in vars(self).items()]


def summarise(graph: Graph | BuiltGraph) -> GraphSummary:
    """Counts of the main kinds of node; a BuiltGraph answers from what its builder recorded (no parsing)."""
    if isinstance(graph, BuiltGraph):
        def count(cls) -> int:
            return len(graph.instances.get(str(cls), ()))
        triples = graph.triple_count
    else:
        def count(cls) -> int:
            return len(set(graph.subjects(RDF.type, cls)))
        triples = len(graph)

    operations = count(CSP.Operation)
    return GraphSummary(
        plans=count(CSP.Plan),
        initiatives=count(CSP.Initiative),
        operations=operations,
        agencies=count(CSP.Agency),
        agency_units=count(CSP.AgencyUnit),
        priorities=count(CSP.PartnershipPriority) + count(CSP.PFCCPriority),
        harms=count(CSP.Harm),
        places=count(CSP.Place),
        triples=triples,
    )


@dataclass(frozen=True)
class BuildReport:
    built: BuiltGraph
    summary: GraphSummary
    validation: ValidationResult | None
    output: Path | None

    @property
    def conforms(self) -> bool:
        return self.validation is None or self.validation.conforms


#: above this many triples the build says that SHACL validation will take a while (about 16 s nationally with
#: the SPARQL validator, ten with pySHACL: see benchmarks/)
LONG_VALIDATION = 500_000


def run_build(paths: ProjectPaths, *, output: Path | None = None, validate: bool = True,
              validator: str = VALIDATORS[0], write_invalid: bool = False,
              notify: Callable[[str], None] | None = None) -> BuildReport:
    """Build, validate (with ``validator``, one of :data:`~cspgraph.validation.VALIDATORS`) and, when it
    conforms or ``write_invalid``, write the graph.

    Raises DataError on bad input before anything is written. ``notify`` hears, before a validation that
    will take a while (a national graph: see benchmarks/), what is happening and how to skip it.
    """
    inputs = input_manifest(paths)  # taken first: an edit made while we build makes the result stale
    # the SPARQL validator's store filled while the graph is built: see graph._Loader
    built = build_graph(paths, preload=validate and validator == "sparql")
    if validate and notify is not None and built.triple_count > LONG_VALIDATION:
        pace = "tens of seconds" if validator == "sparql" else "many minutes"
        notify(f"validating {built.triple_count:,} triples against the SHACL shapes ({validator}): {pace} at this "
               "size (--no-validate skips it; 'cspgraph check' runs it later)")
    # the BuiltGraph itself, not built.graph: the SPARQL validator reads its N-Triples, no rdflib graph made
    validation = validate_graph(built, load_shapes(paths.ontology / "shapes.ttl"), validator) if validate else None
    built = built.without_store()  # its memory back before the Turtle is written
    target = output or paths.graph_file
    written = None
    if validation is None or validation.conforms or write_invalid:
        write_graph(built, target)
        written = target
        from .deliverycache import forget  # here: it brings the analyses' modules, which a build does not need

        forget(target)  # the old graph's saved delivery table
        if target.resolve() == paths.graph_file.resolve():
            write_atomic(manifest_file(target), json.dumps(inputs, indent=1).encode("utf-8"))
    return BuildReport(built, summarise(built), validation, written)

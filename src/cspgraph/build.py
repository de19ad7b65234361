"""The build: data/ + ontology/ -> checked, validated ``build/cspgraph.ttl``, with a one-screen summary.

Validation runs before the file is written, and the file is written atomically, so a failed build leaves
the previous ``build/cspgraph.ttl`` untouched: downstream readers never see a half-built or invalid graph.

The build also saves the analyses' delivery table beside the graph (:mod:`cspgraph.deliverycache`), read from
the store it already holds for validation, while the validator runs. Nationally that costs the build a few
seconds of a core the validator leaves idle, where the first analysis after a build would otherwise spend
about 15 s loading the graph and reading the table: a graph is built once and analysed many times (figures
in the README).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import RDF

from .graph import BuiltGraph, build_graph, write_atomic, write_graph_alongside
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
    #: the delivery table saved beside the graph for the analyses, or None (see run_build)
    table: Path | None = None

    @property
    def conforms(self) -> bool:
        return self.validation is None or self.validation.conforms


#: above this many triples the build says that SHACL validation will take a while (about 16 s nationally with
#: the SPARQL validator, ten with pySHACL: see benchmarks/)
LONG_VALIDATION = 500_000


def run_build(paths: ProjectPaths, *, output: Path | None = None, validate: bool = True,
              validator: str = VALIDATORS[0], write_invalid: bool = False, table: bool = True,
              notify: Callable[[str], None] | None = None) -> BuildReport:
    """Build, validate (with ``validator``, one of :data:`~cspgraph.validation.VALIDATORS`) and, when it
    conforms or ``write_invalid``, write the graph.

    Raises DataError on bad input before anything is written. ``notify`` hears, before a validation that
    will take a while (a national graph: see benchmarks/), what is happening and how to skip it, and why a
    delivery table could not be made or saved. With ``table`` (the default; ``cspgraph build --no-table``
    turns it off), a graph written to the project's ``build/cspgraph.ttl`` gets its delivery table saved
    beside it, so that no analysis has to load the graph; a graph that does not conform (``write_invalid``)
    or is written elsewhere (``output``) gets none, and the first analysis reads the graph as before.

    The Turtle is written (by a helper process, for a large graph: :func:`~cspgraph.graph.write_graph_alongside`)
    and the table read (on a thread) while the SPARQL validator runs, all three on the one store: the
    validator alone leaves the second core idle part of the time. A graph that does not conform then gets
    neither: the helper is stopped, its temporary file removed, and the table dropped unread. Nationally
    this took ``cspgraph build`` from 53-55 s to 47.5-50 s (benchmarks/HISTORY.md).
    """
    inputs = input_manifest(paths)  # taken first: an edit made while we build makes the result stale
    target = output or paths.graph_file
    for_project = target.resolve() == paths.graph_file.resolve()
    table = table and for_project
    # the store that the SPARQL validator and the delivery table read, filled while the graph is built: see
    # graph._Loader (pySHACL reads an rdflib graph: the table's store is then loaded after it has finished)
    built = build_graph(paths, preload=(validate and validator == "sparql") or (table and not validate))
    built = built.without_data()  # its memory back for validation and the delivery table
    if validate and notify is not None and built.triple_count > LONG_VALIDATION:
        pace = "tens of seconds" if validator == "sparql" else "many minutes"
        notify(f"validating {built.triple_count:,} triples against the SHACL shapes ({validator}): {pace} at this "
               "size (--no-validate skips it; 'cspgraph check' runs it later)")
    shapes = load_shapes(paths.ontology / "shapes.ttl") if validate else None
    # beside the validator, on the store they share
    reading = _TableReading(built) if validate and table and built.store is not None else None

    def validate_then_table() -> tuple[ValidationResult | None, bytes | None]:
        # the BuiltGraph itself, not built.graph: the SPARQL validator reads its N-Triples, no rdflib graph made
        validation = validate_graph(built, shapes, validator) if shapes is not None else None
        conforms = validation is None or validation.conforms
        if not (conforms or write_invalid):
            raise _NotWritten(validation)
        if not (table and conforms):
            return validation, None
        # the table read beside the validator, or (no validation, or pySHACL: no store to share) read now
        return validation, (reading or _TableReading(built)).body(notify)

    try:
        # the table (when not read beside the validator) and the validation while the Turtle is written
        (validation, body), status = write_graph_alongside(built, target, validate_then_table)
    except _NotWritten as stop:
        if reading is not None:
            reading.join()  # done long before the validator nationally; not left running past the build
        return BuildReport(built.without_store(), summarise(built), stop.validation, None, None)
    # (an error or Ctrl-C above leaves the thread, a daemon, to end with the process: no wait for a table)
    if reading is not None:
        reading.join()  # already, when its table was used
    from . import deliverycache  # here: it brings the analyses' modules, which a failed build does not need

    saved = _save_table(body, target, status, notify) if body is not None else None
    if saved is None:
        deliverycache.forget(target)  # the old graph's saved delivery table
    if for_project:
        write_atomic(manifest_file(target), json.dumps(inputs, indent=1).encode("utf-8"))
    return BuildReport(built.without_store(), summarise(built), validation, target, saved)


class _NotWritten(Exception):
    """A graph that does not conform, and is not to be written: ends the work beside the Turtle helper."""

    def __init__(self, validation: ValidationResult | None) -> None:
        super().__init__("the graph does not conform")
        self.validation = validation


def _delivery_table(built: BuiltGraph):
    """The delivery table of the built graph, read from its store (the validator's, or one loaded now)."""
    from .network import delivery
    from .store import OxigraphStore

    return delivery(OxigraphStore.from_oxigraph(built.oxigraph_store()))


class _TableReading:
    """The pickled table, read on a thread of its own, started while the SPARQL validator reads the same store.

    pyoxigraph answers a query without holding Python's lock, so the table's Python and the validator's
    queries share the two cores; the table (about 5 s of one core nationally) then costs the build little.
    A failure (no memory left, say) is kept, and said only if the table is asked for: a graph that does not
    conform never wanted it. The graph is what a build is for, and the table only spares the first analysis
    its time, so a table that could not be made leaves the graph written all the same.
    """

    def __init__(self, built: BuiltGraph) -> None:
        self._body: bytes | None = None
        self._error: Exception | None = None
        self._thread = threading.Thread(target=self._run, args=(built,), name="cspgraph-table", daemon=True)
        self._thread.start()

    def _run(self, built: BuiltGraph) -> None:
        from . import deliverycache

        try:
            self._body = deliverycache.pickled(_delivery_table(built))
        except Exception as error:  # said by body(), in the build's thread
            self._error = error

    def join(self) -> None:
        self._thread.join()

    def body(self, notify: Callable[[str], None] | None) -> bytes | None:
        self.join()
        if self._error is not None and notify is not None:
            notify(f"the delivery table was not made ({type(self._error).__name__}: {self._error}): the first "
                   "analysis will read the graph instead")
        return self._body


def _save_table(body: bytes, graph_file: Path, status, notify: Callable[[str], None] | None) -> Path | None:
    """Save the table for the graph just written (``status``: the file as written; another build may have
    replaced it since, and then nothing is saved); a failure costs the first analysis its time, nothing more."""
    from . import deliverycache
    from .errors import CspgraphError

    try:
        return deliverycache.save(body, graph_file, written=status)
    except CspgraphError as error:
        if notify is not None:
            notify(f"the delivery table was not saved ({error}): the first analysis will read the graph instead")
        return None

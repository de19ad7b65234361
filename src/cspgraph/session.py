"""Opening the graph to ask it things: the built file when it was built from exactly these inputs, else a
fresh in-memory build.

A user who edits ``data/`` (or points ``--data`` at another folder, or deletes a plan) and runs ``cspgraph ask``
straight away must get answers from what is there now, not from a stale ``build/cspgraph.ttl``. So the build
records its inputs (every file's path, size and modification time) beside the graph, and the graph is reused
only when that record matches the inputs of the folders in use. Comparing times alone would miss a deleted
file or a different ``--data`` folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from collections.abc import Callable
from typing import TYPE_CHECKING

from .errors import CspgraphError
from .project import ProjectPaths
from .store import OxigraphStore, RdflibStore, Store

if TYPE_CHECKING:
    from .network import Delivery

ENGINES = ("oxigraph", "rdflib")


def manifest_file(graph_file: Path) -> Path:
    return graph_file.with_name(graph_file.name + ".inputs.json")


def input_manifest(paths: ProjectPaths) -> dict:
    """What a build read: the folders and every file in them, with size and modification time."""
    files = {}
    for folder in (paths.data, paths.ontology):
        for file in sorted(folder.rglob("*")):
            if file.is_file() and "__pycache__" not in file.parts:
                stat = file.stat()
                files[str(file.resolve())] = [stat.st_size, stat.st_mtime_ns]
    return {"data": str(paths.data.resolve()), "ontology": str(paths.ontology.resolve()), "files": files}


def built_file_is_current(paths: ProjectPaths) -> bool:
    """True when ``build/cspgraph.ttl`` was built from exactly the inputs ``paths`` names, as they are now."""
    target, record = paths.graph_file, manifest_file(paths.graph_file)
    if not (target.is_file() and record.is_file()):
        return False
    try:
        return json.loads(record.read_text(encoding="utf-8")) == input_manifest(paths)
    except (OSError, ValueError):
        return False


def open_store(paths: ProjectPaths, engine: str = "oxigraph", graph_file: Path | None = None,
               notify: Callable[[str], None] | None = None) -> Store:
    """A store holding the project's graph, on the embedded engine named (``oxigraph`` or ``rdflib``).

    ``notify`` hears when the graph is built in memory from files no build has validated: the files changed
    since the last good build, or a build refused them (exit 1) and kept the graph before. The commands say so
    on stderr: a review found them answering from refused data, exit 0, without a word.
    """
    if engine not in ENGINES:
        raise CspgraphError(f"unknown engine '{engine}'; choose one of {', '.join(ENGINES)}")
    return _opened(paths, engine, graph_file, graph_file is None and built_file_is_current(paths), notify)


def _opened(paths: ProjectPaths, engine: str, graph_file: Path | None, current: bool,
            notify: Callable[[str], None] | None) -> Store:
    """:func:`open_store`, told whether the build is current (the caller may know it already: 0.1 s nationally
    to find out, every input file's status)."""
    if graph_file is not None or current:
        path = graph_file or paths.graph_file
        if engine != "oxigraph":
            return RdflibStore.from_file(path)
        # the project's current build is a graph cspgraph wrote: its IRIs need no second check; a file the
        # user names (graph_file) gets every check
        return OxigraphStore.from_file(path, lenient=graph_file is None)
    if notify is not None:
        notify(f"note: {paths.data} or {paths.ontology} changed since the last 'cspgraph build' that wrote "
               f"{paths.graph_file} (or no build has): answering from the files as they are now, not validated "
               "against the shapes; run 'cspgraph build' to check them")
    from .graph import build_graph

    built = build_graph(paths)
    # straight from the builder's N-Triples into Oxigraph: making the rdflib Graph first costs minutes nationally
    return OxigraphStore.from_ntriples(built.ntriples()) if engine == "oxigraph" else RdflibStore(built.graph)


def analysis_source(paths: ProjectPaths, notify: Callable[[str], None] | None = None) -> Delivery | Store:
    """What the analyses (gaps, network, diff) read: the built graph's delivery table, saved beside it.

    When ``build/cspgraph.ttl`` is current, its saved table (:mod:`cspgraph.deliverycache`), which ``cspgraph
    build`` writes, is read back without loading the graph at all. When there is none (a build that could not
    save it, a graph built by an earlier version), the graph is loaded, the table read whole and saved for the
    next analysis: nationally that costs about 5 s more than reading one year's initiatives would, and saves
    every later analysis about 12 s (README).
    Otherwise the store is returned: when the build is stale (the graph is then built in memory, see
    :func:`open_store`, which tells ``notify``), and when the build folder cannot be written. Each analysis
    then reads only what it asks for, unless a whole-country table is kept on the store
    (:func:`~cspgraph.network.as_delivery`).
    """
    if not built_file_is_current(paths):
        return _opened(paths, "oxigraph", None, False, notify)
    from . import deliverycache
    from .network import delivery

    graph = paths.graph_file
    saved = deliverycache.load(graph)
    if saved is not None:
        return saved
    if not deliverycache.can_save(graph):
        return _opened(paths, "oxigraph", None, True, notify)
    key = deliverycache.origin(graph)  # before reading: a build replacing the graph meanwhile changes it
    data = delivery(OxigraphStore.from_file(graph, lenient=True))  # current, so cspgraph's own: see open_store
    try:
        deliverycache.save(data, graph, read_from=key)
    except CspgraphError:
        pass  # the folder went read-only meanwhile, or the disk is full: the analysis goes on without saving
    return data

"""Opening the graph to ask it things: the built file when it is current, else a fresh in-memory build.

A user who edits ``data/`` and runs ``cspgraph ask`` straight away should get answers from what they edited,
not from a stale ``build/cspgraph.ttl``; loading the built file is only a shortcut when nothing is newer.
"""

from __future__ import annotations

from pathlib import Path

from .project import ProjectPaths
from .store import OxigraphStore, RdflibStore, Store

ENGINES = ("oxigraph", "rdflib")


def _newest_input(paths: ProjectPaths) -> float:
    newest = 0.0
    for folder in (paths.data, paths.ontology):
        for file in folder.rglob("*"):
            if file.is_file():
                newest = max(newest, file.stat().st_mtime)
    return newest


def built_file_is_current(paths: ProjectPaths) -> bool:
    target = paths.graph_file
    return target.is_file() and target.stat().st_mtime >= _newest_input(paths)


def open_store(paths: ProjectPaths, engine: str = "oxigraph", graph_file: Path | None = None) -> Store:
    """A store holding the project's graph, on the embedded engine named (``oxigraph`` or ``rdflib``)."""
    if engine not in ENGINES:
        from .errors import CspgraphError

        raise CspgraphError(f"unknown engine '{engine}'; choose one of {', '.join(ENGINES)}")
    if graph_file is not None or built_file_is_current(paths):
        path = graph_file or paths.graph_file
        return OxigraphStore.from_file(path) if engine == "oxigraph" else RdflibStore.from_file(path)
    from .graph import build_graph

    graph = build_graph(paths).graph
    return OxigraphStore.from_graph(graph) if engine == "oxigraph" else RdflibStore(graph)

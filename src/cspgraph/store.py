"""Where SPARQL runs: the embedded Oxigraph store (default), rdflib's own engine, or a remote endpoint.

Every store answers the same ``select(text)`` call with the same :class:`Table` of rdflib terms, so saved
questions, analyses and the explorer do not care which engine answers. Oxigraph is the default because it is
fast at national scale (measured on 1.36M triples: a co-delivery query 0.47 s on pyoxigraph vs 9.2 s on
rdflib's Memory store; see ``benchmarks/``). rdflib's engine stays available for comparison.
"""

from __future__ import annotations

import gc
import io
import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from .errors import CspgraphError, QueryError


@dataclass(frozen=True)
class Table:
    """A SELECT answer: variable names and rows of rdflib terms, or of text from ``select_text`` (None where
    unbound)."""

    columns: list[str]
    rows: list[tuple[Node | str | None, ...]]
    seconds: float = 0.0

    def column(self, name: str) -> list[Node | None]:
        i = self.columns.index(name)
        return [row[i] for row in self.rows]


class Store(Protocol):
    """What every engine offers. ``select`` takes finished query text (parameters already bound).

    A store may also say ``drops_narrowing_lines = True``: a saved question's lines marked ``# @narrows`` are
    then left out when no parameter they name is given (:func:`cspgraph.questions.narrowed`). The embedded
    engines do; a remote endpoint gets every line, since Virtuoso 7.2 joins a subquery's projected but unbound
    variable as if it had a value and then answered ``operations`` with empty cells (tests/test_virtuoso.py).
    """

    name: str

    def select(self, query: str) -> Table: ...

    def ask(self, query: str) -> bool: ...


class IndexedStore(Store, Protocol):
    """A store that can also hand over the triples of one predicate without a query (the embedded engines).

    Analyses use it, when offered, to read a national graph several times faster than through SELECTs; a
    remote endpoint does not offer it and is read through SPARQL, with the same result.
    """

    def pairs(self, predicate: str, obj: str | None = None) -> list[tuple[str, str]]: ...

    def pairs_linked(self, predicate: str, link: str, targets: Iterable[str]) -> list[tuple[str, str]]: ...

    def select_text(self, query: str) -> Table: ...


_DATATYPES: dict[str, URIRef] = {}


def from_ox(term) -> Node | None:
    """A pyoxigraph term (or None) as the rdflib term it stands for."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        iri = _DATATYPES.get(datatype)
        if iri is None:
            iri = _DATATYPES[datatype] = URIRef(datatype)
        return Literal(term.value, datatype=iri)
    raise QueryError(f"unsupported term in answer: {term!r}")


class _Terms(dict):
    """ox term -> rdflib term, each made once per answer.

    An answer repeats the same IRIs, labels and counts many times, and an rdflib term costs microseconds to
    make (URIRef validates, Literal parses its value): at national scale the conversion cost as much as the
    query itself.
    """

    def __missing__(self, term):
        value = self[term] = from_ox(term)
        return value


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small objects that cannot form cycles.

    With a national graph in memory, each full collection walks millions of objects; making a few hundred
    thousand tuples or dataclasses triggers several, which cost more than the building itself (measured on
    the national benchmark graph: the co-delivery network of every year 0.74 s with the collector running,
    0.26 s paused; the gap report of 1,500 plans 1.8 s and 1.0 s). Usable as a decorator. Cycles made
    meanwhile are collected once it is resumed.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _status(stat: os.stat_result) -> tuple[int, ...]:
    """What tells a file apart from any later one at its path: a rewrite changes the change time, which no
    user can set back, and a replacement the inode."""
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


class OxigraphStore:
    """An in-memory pyoxigraph store: the default embedded engine."""

    name = "oxigraph"
    drops_narrowing_lines = True  # see Store

    def __init__(self) -> None:
        self._store = ox.Store()
        # answers derived from the content, which never changes once loaded: the allowed values of questions'
        # parameters, the analyses' delivery table (network.as_delivery; network.forget_delivery drops it)
        self.memo: dict = {}
        #: the graph file this store holds, and its status as loaded (:meth:`from_file`); None otherwise
        self.loaded_from: tuple[Path, os.stat_result] | None = None

    @classmethod
    def from_file(cls, path: Path, *, lenient: bool = False) -> OxigraphStore:
        """The graph in a Turtle file. ``lenient`` skips the parser's checks of each IRI and language tag
        (syntax is still checked): only for a graph cspgraph wrote itself, the project's current build, whose
        IRIs the builder made. Nationally it takes the load from 7.4-7.8 s to 6.6-6.7 s."""
        store = cls()
        if not path.is_file():
            raise CspgraphError(f"{path}: no built graph here.\n  -> run 'cspgraph build' first")
        # load, not bulk_load: on the in-memory store it is the faster and the smaller (national Turtle, 3.1
        # million triples: 7.0-7.6 s and 1.18 GB peak against 9.4-11 s and 1.39 GB; benchmarks/)
        before = path.stat()
        store._store.load(path=str(path), format=ox.RdfFormat.TURTLE, lenient=lenient)
        # what the store holds is the file as it was before the load only if no one replaced or rewrote it
        # meanwhile: then the delivery table saved for that file stands for this store (network.as_delivery)
        if _status(path.stat()) == _status(before):
            store.loaded_from = (path.resolve(), before)  # resolved: a later chdir must not lose the table
        return store

    @classmethod
    def from_ntriples(cls, source: bytes | BinaryIO) -> OxigraphStore:
        """A store loaded from N-Triples (bytes or a stream), e.g. ``BuiltGraph.ntriples()``: no rdflib on the way."""
        store = cls()
        store._store.load(input=source, format=ox.RdfFormat.N_TRIPLES)  # not bulk_load: see from_file
        return store

    @classmethod
    def from_graph(cls, graph: Graph) -> OxigraphStore:
        store = cls()
        payload = graph.serialize(format="nt", encoding="utf-8")
        store._store.load(input=io.BytesIO(payload), format=ox.RdfFormat.N_TRIPLES)
        return store

    @classmethod
    def from_oxigraph(cls, oxigraph: ox.Store) -> OxigraphStore:
        """A store over a pyoxigraph store made elsewhere (e.g. :func:`cspgraph.scope.part`), not copied."""
        store = cls()
        store._store = oxigraph
        return store

    @property
    def oxigraph(self) -> ox.Store:
        """The pyoxigraph store itself, for code that walks the graph node by node (:mod:`cspgraph.scope`).

        Read it, do not change it: :attr:`memo` keeps answers derived from the content as loaded, and
        :attr:`loaded_from` lets the analyses take the table saved for the file it was loaded from."""
        return self._store

    def __len__(self) -> int:
        return len(self._store)

    def _run(self, query: str):
        try:
            return self._store.query(query)
        except SyntaxError as err:
            raise QueryError(f"the query does not parse: {err}") from None

    def select(self, query: str) -> Table:
        return self._table(query, _Terms().__getitem__)

    def select_text(self, query: str) -> Table:
        """As :meth:`select`, each value as plain text (an IRI, a literal's lexical form) or None.

        For code that wants text, not terms: the analyses' reference data (50,000 rows nationally) is read in
        half the time without making an rdflib term for each value and turning it back into text.
        """
        return self._table(query, attrgetter("value"))

    def _table(self, query: str, value: Callable[[Any], Any]) -> Table:
        """A SELECT answer with each bound value converted by ``value`` (None stays None): a C-level callable,
        since it runs once a cell (a million cells for some national answers)."""
        started = time.perf_counter()
        solutions = self._run(query)
        if not isinstance(solutions, ox.QuerySolutions):
            raise QueryError("expected a SELECT query")
        columns = [v.value for v in solutions.variables]
        # the rows are tuples, which the cyclic collector tracks: with a large heap it would walk everything
        # again every few thousand rows, for garbage that cannot be there
        with paused_gc():
            # a solution iterates its values in the order of ``variables``, None where unbound
            rows = [tuple(None if t is None else value(t) for t in sol) for sol in solutions]
        return Table(columns, rows, time.perf_counter() - started)

    def pairs(self, predicate: str, obj: str | None = None) -> list[tuple[str, str]]:
        """(subject, object) of every default-graph triple with this predicate (and object), as plain text.

        Read straight from Oxigraph's indexes, with no query to plan and no rdflib term to make: at national
        scale (a million initiative facts) this is what keeps the analyses' extraction to about 2 µs a fact,
        where the same facts grouped by a SPARQL query took four times as long (``benchmarks/``). IRIs and
        literals come back as their text (a literal's lexical form, without datatype or language).
        """
        pattern = self._store.quads_for_pattern(None, ox.NamedNode(predicate), ox.NamedNode(obj) if obj else None,
                                                ox.DefaultGraph())
        with paused_gc():  # as in select(): tuples of strings cannot form cycles
            return [(q.subject.value, q.object.value) for q in pattern]

    def pairs_linked(self, predicate: str, link: str, targets: Iterable[str]) -> list[tuple[str, str]]:
        """As :meth:`pairs`, for the subjects that have ``link`` to one of ``targets`` only.

        A pair comes once for each target its subject links to (no DISTINCT: it costs as much as the join,
        and callers collect into sets). One query joined inside Oxigraph, where asking subject by subject
        costs a call each: nationally, one plan year's initiatives (18,000, six predicates) are read in about
        0.7 s instead of 1.6 s.
        """
        # the terms are written by pyoxigraph (escaped as N-Triples): nothing is spliced in as raw text
        values = " ".join(str(ox.NamedNode(t)) for t in targets)
        query = (f"SELECT ?s ?o WHERE {{ VALUES ?t {{ {values} }} "
                 f"?s {ox.NamedNode(link)} ?t . ?s {ox.NamedNode(predicate)} ?o }}")
        with paused_gc():
            return [(s.value, o.value) for s, o in self._store.query(query)]

    def ask(self, query: str) -> bool:
        result = self._run(query)
        if not isinstance(result, ox.QueryBoolean):
            raise QueryError("expected an ASK query")
        return bool(result)


class RdflibStore:
    """rdflib's own SPARQL engine over an in-memory Graph: slower, kept for comparison and as a reference."""

    name = "rdflib"
    drops_narrowing_lines = True  # see Store

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        # as OxigraphStore.memo: callers do not change the graph once it is a store (the analyses keep a
        # delivery table here: network.as_delivery, network.forget_delivery)
        self.memo: dict = {}

    @classmethod
    def from_file(cls, path: Path) -> RdflibStore:
        graph = Graph()
        graph.parse(path, format="turtle")
        return cls(graph)

    def select(self, query: str) -> Table:
        started = time.perf_counter()
        try:
            result = self.graph.query(query)
        except Exception as err:  # pyparsing and rdflib raise several types for a bad query
            raise QueryError(f"the query does not parse: {err}") from None
        columns = [str(v) for v in result.vars]
        rows = [tuple(row) for row in result]
        return Table(columns, rows, time.perf_counter() - started)

    def pairs(self, predicate: str, obj: str | None = None) -> list[tuple[str, str]]:
        """(subject, object) of every triple with this predicate (and object), as text: see OxigraphStore."""
        if obj is not None:
            return [(str(s), obj) for s in self.graph.subjects(URIRef(predicate), URIRef(obj))]
        return [(str(s), str(o)) for s, o in self.graph.subject_objects(URIRef(predicate))]

    def select_text(self, query: str) -> Table:
        """As OxigraphStore.select_text."""
        table = self.select(query)
        return Table(table.columns, [tuple(None if t is None else str(t) for t in row) for row in table.rows],
                     table.seconds)

    def pairs_linked(self, predicate: str, link: str, targets: Iterable[str]) -> list[tuple[str, str]]:
        """As OxigraphStore.pairs_linked."""
        subjects = [s for t in targets for s in self.graph.subjects(URIRef(link), URIRef(t))]
        return [(str(s), str(o)) for s in subjects for o in self.graph.objects(s, URIRef(predicate))]

    def ask(self, query: str) -> bool:
        return bool(self.graph.query(query).askAnswer)

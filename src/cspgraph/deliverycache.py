"""The delivery table saved beside the built graph, so that an analysis need not load the graph again.

Every analysis (``cspgraph gaps``, ``network``, ``diff``) starts from a :class:`~cspgraph.network.Delivery`:
who delivers which initiative, on which harms and priorities. Nationally (90,000 initiatives, 3.1 million
triples) reading it costs loading the built graph into Oxigraph (about 7 s) and reading the table from the
store (about 5 s), for an analysis that then takes about a second. The table depends only on the graph file
and on the code that reads it, so ``cspgraph build`` saves it here (from the store it holds anyway:
:func:`cspgraph.build.run_build`), and analyses read it back in a fraction of a second without opening the
graph at all (figures in the README, from ``benchmarks/``). Where the build saved none (a graph built by an
earlier version, a save that failed), the first analysis reads the graph and saves it.

The file is ``<graph>.delivery.pickle``: one line of JSON saying what it was made from, then the pickled
table. It is used only while all of these hold, and is otherwise ignored (and replaced by the next build or
analysis):

- the graph file is the one it was read from: same size, modification time, inode and change time (a build
  replaces the file by renaming a new one over it, so a rebuild always has a new inode; the change time,
  which no user can set back, catches an edit in place that kept the size and put the modification time back);
- the code is the same: a digest of every module of the package and pyoxigraph's version (a new version may
  read the graph differently, so it never reads an old table);
- the format number and Python's pickle protocol are the same, and the body's SHA-256 is the one recorded.

An analysis keys the table to the graph as it was *before* it read it: a build that replaces the graph
meanwhile (nationally the read takes about 12 s) makes the key differ, and nothing is saved. A build, which
reads the table from the graph it holds in memory, saves it only if the file is still the one it wrote (same
device, inode, size and modification time): another build that renamed its graph into place meanwhile gets
no table of this one's.

Accidental damage (a disk error, a copy cut short) never reaches the unpickler: the body's checksum is
checked first. The build folder is trusted as ``build/cspgraph.ttl`` in it is: a crafted graph gives wrong
answers, and so can a crafted table. Pickle, though, can run code while loading, so the table is read with an
unpickler that may name no function or class but the table's own dataclasses (the "restricting globals"
recipe of the :mod:`pickle` documentation), and what it builds must be a whole table made of those classes: a
file crafted to call anything else is refused, and the table read from the graph again.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import json
import os
import pickle
import time
from collections.abc import Iterable
from itertools import chain
from operator import attrgetter
from pathlib import Path

import pyoxigraph

from . import network, store
from .graph import same_file, write_atomic
from .network import Agency, Delivery, Initiative, Participation, Plan, Priority, RiskEntry

#: bump when the file's layout changes
FORMAT = 1
#: the longest header line read (ours are about 350 bytes)
_HEADER_LIMIT = 4096
#: the only globals a saved table may name: its own classes (tuples, sets, dicts and strings have opcodes of
#: their own in pickle protocols 4 and 5, and need no global)
_ALLOWED = frozenset(("cspgraph.network", cls.__name__)
                     for cls in (Delivery, Initiative, Participation, Agency, Priority, Plan, RiskEntry))


def cache_file(graph_file: Path) -> Path:
    """Where the delivery table of ``graph_file`` is saved: beside it, named after it."""
    return graph_file.with_name(graph_file.name + ".delivery.pickle")


@functools.cache  # once a process: the code it describes is the code already imported
def _code_digest() -> str:
    """A digest of every module of the package: any of them may change what the table holds or how it reads."""
    digest = hashlib.sha256(pyoxigraph.__version__.encode("utf-8"))
    for module in sorted(Path(network.__file__).parent.glob("*.py")):
        digest.update(module.name.encode("utf-8") + b"\0" + module.read_bytes())
    return digest.hexdigest()


def origin(graph_file: Path, stat: os.stat_result | None = None) -> dict:
    """What a saved table must have been made from to stand for ``graph_file`` as it is now (or as it was
    when its status was ``stat``).

    Take it before reading the graph and pass it to :func:`save`: a graph replaced meanwhile then gives a key
    that no longer matches, rather than an old table under the new graph's key.
    """
    from . import __version__

    stat = stat if stat is not None else graph_file.stat()
    return {"format": FORMAT, "cspgraph": __version__, "protocol": pickle.HIGHEST_PROTOCOL,
            "code": _code_digest(), "graph": {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
                                             "ctime_ns": stat.st_ctime_ns, "inode": stat.st_ino,
                                             "device": stat.st_dev}}


def forget(graph_file: Path) -> None:
    """Remove the table saved for an earlier ``graph_file``, which no longer stands for it (:func:`load` would
    ignore it), so that tens of megabytes do not linger until the next analysis replaces them."""
    try:
        cache_file(graph_file).unlink(missing_ok=True)
    except OSError:
        pass  # not a file that can be removed (a folder of that name?): harmless, it matches no graph


def can_save(graph_file: Path) -> bool:
    """Whether a table could be saved beside ``graph_file`` (its folder is writable)."""
    return os.access(graph_file.parent, os.W_OK)


class _TableUnpickler(pickle.Unpickler):
    """Builds the table's classes and plain containers only: anything else in the file is refused."""

    def find_class(self, module: str, name: str):
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"a saved delivery table may not name {module}.{name}")
        return super().find_class(module, name)


def pickled(data: Delivery) -> bytes:
    """The body of a saved table: made apart from :func:`save` so that a build can make it before the graph
    file it is keyed to exists (about 1.6 s nationally, while the Turtle is written).

    Only a table read whole (every plan, every fact) may be saved: analyses ask it for any year or partnership.
    """
    if data.scope or data.facts != frozenset(network.FACTS):
        raise ValueError("only a delivery table read whole (every plan, every fact) can be saved")
    return pickle.dumps(dataclasses.replace(data, seconds=0.0), protocol=pickle.HIGHEST_PROTOCOL)


def save(data: Delivery | bytes, graph_file: Path, read_from: dict | None = None,
         written: os.stat_result | None = None) -> Path | None:
    """Save ``data`` (or its :func:`pickled` body), read whole from ``graph_file``'s graph, beside it; returns
    the file written.

    ``read_from`` is :func:`origin` as taken before the graph was read (default: now); a build gives instead
    ``written``, the status of the graph file it wrote (:func:`~cspgraph.graph.write_atomic`). When the graph
    is no longer that file (another build replaced it meanwhile), nothing is saved and None is returned. Written to a
    temporary file and renamed (:func:`~cspgraph.graph.write_atomic`): a reader sees the old table or the new
    one, never half of one. Raises CspgraphError when the folder cannot be written, ValueError for a table not
    read whole.
    """
    body = data if isinstance(data, bytes) else pickled(data)
    now = origin(graph_file)
    if read_from is not None and read_from != now:
        return None
    if written is not None and not same_file(graph_file, written):
        return None
    header = json.dumps({**now, "sha256": hashlib.sha256(body).hexdigest()}, sort_keys=True).encode("utf-8")
    target = cache_file(graph_file)
    write_atomic(target, header + b"\n" + body)
    return target


def load(graph_file: Path, as_of: os.stat_result | None = None) -> Delivery | None:
    """The saved delivery table of ``graph_file``, or None when there is none that stands for it as it is now
    (or as it was when its status was ``as_of``: what a store loaded from it then holds, see :func:`for_store`).

    A missing, stale, damaged or refused file gives None (the caller reads the graph again and saves a new
    table), never an exception: the file is a copy of what the graph says, never the only record of anything.
    """
    started = time.perf_counter()
    try:
        with cache_file(graph_file).open("rb") as file:
            line = file.readline(_HEADER_LIMIT + 1)
            if not line.endswith(b"\n"):
                return None  # not a header of ours (and json would parse a deeply nested one recursively)
            header = json.loads(line)
            if not isinstance(header, dict):
                return None
            checksum = header.pop("sha256", None)
            if header != origin(graph_file, as_of):  # stale (the graph rebuilt since): found before any hashing
                return None
            body = file.read()  # read once, not copied out of the whole file's bytes (24 MB nationally)
        if checksum != hashlib.sha256(body).hexdigest():
            return None
        with store.paused_gc():  # hundreds of thousands of small objects, none in a cycle: see paused_gc
            data = _TableUnpickler(io.BytesIO(body)).load()
        if not _well_formed(data):
            return None
    except Exception:  # whatever is wrong with the file (MemoryError, OverflowError...), the graph is read again
        return None
    return dataclasses.replace(data, seconds=time.perf_counter() - started)


def for_store(source: object) -> Delivery | None:
    """The saved table of the graph file an embedded store was loaded from, when it was saved for that file as
    the store read it (:attr:`~cspgraph.store.OxigraphStore.loaded_from`); None for any other store.

    This is what spares the library the whole table's read from a store (4 s nationally) when a notebook
    opens the project's build with :func:`~cspgraph.session.open_store` and runs an analysis on it. A table
    made from a later file at the same path (a rebuild since) does not match, and the store is read instead.
    """
    loaded = getattr(source, "loaded_from", None)
    if loaded is None:
        return None
    graph_file, as_of = loaded
    return load(graph_file, as_of=as_of)


def _only(values: Iterable[object], *kinds: type) -> bool:
    """Every value is exactly of one of ``kinds``; set(map(type, ...)) keeps the loop in C."""
    return set(map(type, values)) <= set(kinds)


def _well_formed(data: object) -> bool:
    """What was unpickled is a whole delivery table, made of the table's own classes where they belong.

    Checks the containers and the class of every object in them (0.02 s nationally), not every field of
    every object (0.25 s, a sixth of a national gap report): accidental damage never reaches the unpickler
    (the checksum), and a file crafted to hold the right classes with the wrong contents is as much a matter
    of trusting the build folder as a crafted ``build/cspgraph.ttl`` would be.
    """
    if not (type(data) is Delivery and data.scope == {} and data.facts == frozenset(network.FACTS)
            and type(data.initiatives) is tuple and _only(data.initiatives, Initiative)):
        return False
    maps = {Agency: data.agencies, Priority: data.priorities, Plan: data.plans}
    if not all(type(m) is dict and _only(m, str) and _only(m.values(), cls) for cls, m in maps.items()):
        return False
    if not (type(data.harms) is dict and _only(data.harms, str) and _only(data.harms.values(), str)):
        return False
    return _only(chain.from_iterable(map(attrgetter("participants"), data.initiatives)), Participation)

"""The delivery table saved beside the built graph, so that an analysis need not load the graph again.

Every analysis (``cspgraph gaps``, ``network``, ``diff``) starts from a :class:`~cspgraph.network.Delivery`:
who delivers which initiative, on which harms and priorities. Nationally (90,000 initiatives, 3.1 million
triples) reading it costs loading the built graph into Oxigraph (about 7 s) and reading the table from the
store (about 5 s), for an analysis that then takes about a second. The table depends only on the graph file
and on the code that reads it, so the first analysis after a build saves it here, and the next ones read it
back in a fraction of a second without opening the graph at all (figures in the README, from ``benchmarks/``).

The file is ``<graph>.delivery.pickle``: one line of JSON saying what it was made from, then the pickled
table. It is used only while all of these hold, and is otherwise ignored (and replaced by the next analysis):

- the graph file is the one it was read from: same size, modification time and inode (a build replaces the
  file by renaming a new one over it, so a rebuild always has a new inode, even within the same second);
- the code that reads and holds the table is the same: a digest of ``network.py`` and ``store.py``
  (any change there may change the table, so a new version never reads an old table);
- the format number, cspgraph's version and Python's pickle protocol are the same.

Pickle can run code while loading, so the table is read with an unpickler that may name no function or class
but the table's own dataclasses (the "restricting globals" recipe of the :mod:`pickle` documentation): a file
crafted to call anything else is refused, and the table read again from the graph.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import pickle
import time
from pathlib import Path

from . import network, store
from .graph import write_atomic
from .network import Agency, Delivery, Initiative, Participation, Plan, Priority, RiskEntry

#: bump when the file's layout changes
FORMAT = 1
#: the only globals a saved table may name: its own classes (tuples, sets, dicts and strings have opcodes of
#: their own in pickle protocols 4 and 5, and need no global)
_ALLOWED = frozenset(("cspgraph.network", cls.__name__)
                     for cls in (Delivery, Initiative, Participation, Agency, Priority, Plan, RiskEntry))


def cache_file(graph_file: Path) -> Path:
    """Where the delivery table of ``graph_file`` is saved: beside it, named after it."""
    return graph_file.with_name(graph_file.name + ".delivery.pickle")


def _code_digest() -> str:
    """A digest of the code that reads the table (network.py) and hands it the store's facts (store.py)."""
    digest = hashlib.sha256()
    for module in (network, store):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()


def _origin(graph_file: Path) -> dict:
    """What a saved table must have been made from to stand for ``graph_file`` as it is now."""
    from . import __version__

    stat = graph_file.stat()
    return {"format": FORMAT, "cspgraph": __version__, "protocol": pickle.HIGHEST_PROTOCOL,
            "code": _code_digest(), "graph": {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
                                             "inode": stat.st_ino, "device": stat.st_dev}}


class _TableUnpickler(pickle.Unpickler):
    """Builds the table's classes and plain containers only: anything else in the file is refused."""

    def find_class(self, module: str, name: str):
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"a saved delivery table may not name {module}.{name}")
        return super().find_class(module, name)


def save(data: Delivery, graph_file: Path) -> Path:
    """Save ``data``, read whole from ``graph_file``'s graph, beside it; returns the file written.

    Only a table read whole (every plan, every fact) may be saved: analyses ask it for any year or partnership.
    Written to a temporary file and renamed (:func:`~cspgraph.graph.write_atomic`): a reader sees the old table
    or the new one, never half of one. Raises CspgraphError when the folder cannot be written.
    """
    if data.scope or data.facts != frozenset(network.FACTS):
        raise ValueError("only a delivery table read whole (every plan, every fact) can be saved")
    header = json.dumps(_origin(graph_file), sort_keys=True).encode("utf-8")
    body = pickle.dumps(dataclasses.replace(data, seconds=0.0), protocol=pickle.HIGHEST_PROTOCOL)
    target = cache_file(graph_file)
    write_atomic(target, header + b"\n" + body)
    return target


def load(graph_file: Path) -> Delivery | None:
    """The saved delivery table of ``graph_file``, or None when there is none that stands for it as it is now.

    A missing, stale, damaged or refused file gives None (the caller reads the graph again and saves a new
    table), never an error: the file is a copy of what the graph says, never the only record of anything.
    """
    started = time.perf_counter()
    try:
        raw = cache_file(graph_file).read_bytes()
        header, _, body = raw.partition(b"\n")
        if json.loads(header) != _origin(graph_file):
            return None
        with store.paused_gc():  # hundreds of thousands of small objects, none in a cycle: see paused_gc
            data = _TableUnpickler(io.BytesIO(body)).load()
    except (OSError, ValueError, EOFError, pickle.UnpicklingError, AttributeError, TypeError, IndexError,
            KeyError):
        return None
    if not isinstance(data, Delivery):
        return None
    return dataclasses.replace(data, seconds=time.perf_counter() - started)

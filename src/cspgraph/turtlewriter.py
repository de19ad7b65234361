"""The Turtle helper: N-Triples read from standard input, written as Turtle, in a process of its own.

:func:`cspgraph.graph.write_graph_alongside` starts it (``python -m cspgraph.turtlewriter OUT PREFIXES``)
and feeds it the built graph's N-Triples while the build reads the analyses' table. A started process, not a
forked one: a fork shares the build's 2.8 GB nationally, and every page either process then writes is copied,
which cost 0.6 GB more at peak (measured) for a helper whose own work needs about 100 MB. It imports pyoxigraph
only, and writes what ``BuiltGraph.write_turtle`` would, byte for byte (the same two pyoxigraph calls).
"""

from __future__ import annotations

import json
import sys


def main(argv: list[str] | None = None) -> int:
    """Exit 0 when all the input was written. The build trusts the file only if it also fed the whole graph:
    a build that dies closes its end of the pipe, and the helper then ends with what it had, into a file that
    no one renames (as a temporary file of :func:`cspgraph.graph.write_atomic` would be left)."""
    out, prefixes = sys.argv[1:] if argv is None else argv
    import pyoxigraph as ox

    with open(out, "wb") as handle:
        ox.serialize(ox.parse(sys.stdin.buffer, format=ox.RdfFormat.N_TRIPLES), handle,
                     format=ox.RdfFormat.TURTLE, prefixes=json.loads(prefixes))
    return 0


if __name__ == "__main__":
    sys.exit(main())

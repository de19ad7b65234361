"""A second process beside this one, for work that would otherwise leave one of two cores idle.

Two steps of a national build are long, single-threaded and independent of what runs beside them: parsing the
second half of the plan files (:func:`cspgraph.yamlfile.load_yaml_files`, a forked process, which needs the
file list only) and writing the Turtle while the analyses' table is read
(:func:`cspgraph.graph.write_graph_alongside`, a started one, :mod:`cspgraph.turtlewriter`, since a fork of
the build's 2.8 GB would cost memory). Both callers treat the helper as optional: where it cannot start,
dies or hangs, the work is done in this process instead, with the same result.
"""

from __future__ import annotations

import multiprocessing
import os
from multiprocessing.context import BaseContext


def usable_cpus() -> int:
    """The CPUs this process may run on (a container or taskset may allow fewer than the machine has)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def helper_context() -> BaseContext | None:
    """The ``fork`` context to start a helper in, or None where a helper would not help or may not start.

    None without ``fork`` (the helper shares this process's memory as it is, with nothing pickled across),
    with one usable CPU (it would only take turns with this process), and in a daemonic process (a
    :mod:`multiprocessing` pool's worker may not start a process of its own).
    """
    if "fork" not in multiprocessing.get_all_start_methods() or usable_cpus() < 2:
        return None
    if multiprocessing.current_process().daemon:
        return None
    return multiprocessing.get_context("fork")

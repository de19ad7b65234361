"""The Turtle written by a helper process while the build reads the delivery table: the same file, or none."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from cspgraph import build, deliverycache, graph, helper
from cspgraph.errors import CspgraphError
from cspgraph.graph import build_graph, write_graph, write_graph_alongside
from cspgraph.network import delivery
from cspgraph.store import OxigraphStore


@pytest.fixture
def helped(monkeypatch) -> list:
    """The helper takes part whatever the graph's size (it needs 200,000 triples by default). Returns the list
    of helper processes started, so that a test can tell that one ran and look at it."""
    if helper.usable_cpus() < 2:
        pytest.fail("these tests need two CPUs, as CI has: the helper would never start")
    monkeypatch.setattr(graph, "TURTLE_HELPER_FROM", 0)
    started: list = []
    start = graph._start_turtle_helper

    def recorded(tmp):
        process = start(tmp)
        started.append(process)
        return process

    monkeypatch.setattr(graph, "_start_turtle_helper", recorded)
    return started


def _instead(monkeypatch, helped: list, code: str) -> None:
    """Start ``code`` as the helper, in place of cspgraph.turtlewriter."""
    def start(_tmp):
        process = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        helped.append(process)
        return process

    monkeypatch.setattr(graph, "_start_turtle_helper", start)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def _all_stopped(helped: list) -> bool:
    return all(process.poll() is not None for process in helped)


def test_the_helper_writes_the_same_file_while_the_work_runs(mini_paths, helped, tmp_path):
    built = build_graph(mini_paths)
    alone, beside = tmp_path / "alone.ttl", tmp_path / "out" / "beside.ttl"
    write_graph(built, alone)
    result, status = write_graph_alongside(built, beside, lambda: "the work's result")
    assert result == "the work's result" and graph.same_file(beside, status)
    assert beside.read_bytes() == alone.read_bytes()
    assert len(helped) == 1 and helped[0].returncode == 0  # written by the helper, which read it all
    assert oct(beside.stat().st_mode & 0o777) == oct(alone.stat().st_mode & 0o777)  # readable as write_atomic makes it
    assert _leftovers(beside.parent) == []


def test_a_helper_that_dies_leaves_the_writing_to_this_process(mini_paths, helped, tmp_path, monkeypatch):
    _instead(monkeypatch, helped, "import sys; sys.exit(3)")
    built = build_graph(mini_paths)
    out = tmp_path / "g.ttl"
    assert write_graph_alongside(built, out, lambda: 1)[0] == 1
    assert helped[0].returncode == 3
    assert out.read_bytes() == built.turtle() and _leftovers(tmp_path) == []


def test_a_helper_that_did_not_read_everything_is_not_trusted(mini_paths, helped, tmp_path, monkeypatch):
    """Exit 0 is not enough: a helper that stopped reading early wrote part of the graph."""
    _instead(monkeypatch, helped, "import sys; sys.stdin.buffer.read(1000); sys.exit(0)")
    built = build_graph(mini_paths)
    out = tmp_path / "g.ttl"
    write_graph_alongside(built, out, lambda: time.sleep(0.5))
    assert helped[0].returncode == 0
    assert out.read_bytes() == built.turtle() and _leftovers(tmp_path) == []


def test_a_failing_helper_prints_no_traceback(mini_paths, helped, tmp_path, monkeypatch, capfd):
    start = graph._start_turtle_helper
    # the real helper, told to write where it cannot: it fails, and this process writes the file
    monkeypatch.setattr(graph, "_start_turtle_helper", lambda tmp: helped.append(start(tmp.parent / "no" / tmp.name))
                        or helped[-1])
    built = build_graph(mini_paths)
    out = tmp_path / "g.ttl"
    write_graph_alongside(built, out, lambda: None)
    assert helped[-1].returncode not in (0, None)
    assert "Traceback" not in capfd.readouterr().err
    assert out.read_bytes() == built.turtle() and _leftovers(tmp_path) == []


def test_a_helper_that_hangs_is_given_up_on(mini_paths, helped, tmp_path, monkeypatch):
    _instead(monkeypatch, helped, "import time; time.sleep(60)")  # reads nothing: the feeder waits on the pipe
    monkeypatch.setattr(graph, "TURTLE_HELPER_PATIENCE", 0.5)
    write = graph.write_graph

    def write_alone(*args):  # the hung helper must be stopped before this process writes the same file
        assert _all_stopped(helped), "the hung helper still runs"
        return write(*args)

    monkeypatch.setattr(graph, "write_graph", write_alone)
    built = build_graph(mini_paths)
    out = tmp_path / "g.ttl"
    started = time.perf_counter()
    write_graph_alongside(built, out, lambda: None)
    assert time.perf_counter() - started < 30
    assert out.read_bytes() == built.turtle() and _leftovers(tmp_path) == [] and _all_stopped(helped)


def test_work_that_fails_writes_nothing(mini_paths, helped, tmp_path):
    built = build_graph(mini_paths)
    out = tmp_path / "g.ttl"
    out.write_text("previous build\n", encoding="utf-8")

    def fails():
        time.sleep(0.2)
        raise RuntimeError("the table could not be read")

    with pytest.raises(RuntimeError, match="could not be read"):
        write_graph_alongside(built, out, fails)
    assert out.read_text(encoding="utf-8") == "previous build\n"
    assert _leftovers(tmp_path) == [] and _all_stopped(helped)


def test_a_folder_that_cannot_be_made_gives_the_usual_error_first(mini_paths, helped, tmp_path):
    (tmp_path / "a-file").write_text("not a folder\n", encoding="utf-8")
    built = build_graph(mini_paths)
    ran = []
    with pytest.raises(CspgraphError, match="cannot write here"):
        write_graph_alongside(built, tmp_path / "a-file" / "g.ttl", lambda: ran.append(True))
    assert ran == [] and helped == []  # said before the work (ten seconds nationally), no helper started


def test_a_helper_that_cannot_start_leaves_the_writing_to_this_process(mini_paths, helped, tmp_path, monkeypatch):
    def refuse(*_args, **_kwargs):
        raise OSError(11, "Resource temporarily unavailable")  # as fork does at a process limit

    monkeypatch.setattr(graph.subprocess, "Popen", refuse)
    built = build_graph(mini_paths)
    out = tmp_path / "g.ttl"
    assert write_graph_alongside(built, out, lambda: 3)[0] == 3
    assert helped == [None] and out.read_bytes() == built.turtle() and _leftovers(tmp_path) == []


def test_without_a_helper_the_file_is_the_same(mini_paths, monkeypatch, tmp_path):
    monkeypatch.setattr(graph, "usable_cpus", lambda: 1)  # one CPU: a helper would only take turns
    monkeypatch.setattr(graph, "TURTLE_HELPER_FROM", 0)
    built = build_graph(mini_paths)
    out = tmp_path / "g.ttl"
    assert write_graph_alongside(built, out, lambda: 2)[0] == 2
    assert out.read_bytes() == built.turtle()


def test_small_graphs_start_no_helper(mini_paths, monkeypatch, tmp_path):
    def refuse(_tmp):
        raise AssertionError("a helper was started for a graph of a few hundred triples")

    monkeypatch.setattr(graph, "_start_turtle_helper", refuse)
    built = build_graph(mini_paths)
    assert built.triple_count < graph.TURTLE_HELPER_FROM
    write_graph_alongside(built, tmp_path / "g.ttl", lambda: None)
    assert (tmp_path / "g.ttl").read_bytes() == built.turtle()


def test_a_build_with_the_helper_writes_the_graph_and_table_it_would_alone(mini_paths, helped, tmp_path):
    report = build.run_build(mini_paths)
    assert report.table is not None and len(helped) == 1 and helped[0].returncode == 0
    helped_graph = Graph().parse(mini_paths.graph_file, format="turtle")
    saved = deliverycache.load(mini_paths.graph_file)
    alone = build.run_build(mini_paths, table=False)
    assert alone.table is None and deliverycache.load(mini_paths.graph_file) is None  # forgotten with the old graph
    # the same graph (two builds differ only in the ontology's blank node labels, which rdflib draws at random)
    assert isomorphic(Graph().parse(mini_paths.graph_file, format="turtle"), helped_graph)
    again = delivery(OxigraphStore.from_file(mini_paths.graph_file))
    assert saved is not None and dataclasses.replace(saved, seconds=0.0) == dataclasses.replace(again, seconds=0.0)


def test_a_table_is_never_saved_for_a_graph_another_build_wrote(mini_paths, monkeypatch):
    """Two builds at once: if the other renames its graph into place after this one's, this one saves no table
    (it would describe the other graph wrongly), and says nothing false."""
    alongside = build.write_graph_alongside

    def and_another_build(built, target, work):
        result = alongside(built, target, work)
        replaced = target.with_name("other.ttl")
        replaced.write_bytes(target.read_bytes().replace(b"Mini", b"Other"))
        os.replace(replaced, target)  # the other build's graph, renamed into place: a new inode
        return result

    monkeypatch.setattr(build, "write_graph_alongside", and_another_build)
    report = build.run_build(mini_paths)
    assert report.table is None and deliverycache.load(mini_paths.graph_file) is None


def test_a_table_that_cannot_be_made_still_leaves_the_graph(mini_paths, monkeypatch):
    def fail(_built):
        raise MemoryError("no memory for the table")

    monkeypatch.setattr(build, "_delivery_table", fail)
    notes = []
    report = build.run_build(mini_paths, notify=notes.append)
    assert report.conforms and report.output == mini_paths.graph_file and mini_paths.graph_file.is_file()
    assert report.table is None and not deliverycache.cache_file(mini_paths.graph_file).exists()
    assert notes == ["the delivery table was not made (MemoryError: no memory for the table): the first analysis "
                     "will read the graph instead"]


def test_the_table_is_read_while_the_validator_runs(mini_paths, helped, monkeypatch):
    """The validator waits (up to 30 s) for the table to be read: a build that read the table only after
    validating would never let it finish, and the validator's wait would run out."""
    read = threading.Event()
    table, validate = build._delivery_table, build.validate_graph

    def table_then_say(built):
        result = table(built)
        read.set()
        return result

    def validate_waiting(*args, **kwargs):
        assert read.wait(30), "the table was not read while the validator ran"
        return validate(*args, **kwargs)

    monkeypatch.setattr(build, "_delivery_table", table_then_say)
    monkeypatch.setattr(build, "validate_graph", validate_waiting)
    report = build.run_build(mini_paths)
    assert report.conforms and report.table is not None and len(helped) == 1 and helped[0].returncode == 0
    assert deliverycache.load(mini_paths.graph_file) is not None


def test_a_graph_that_does_not_conform_gets_no_file_no_table_and_no_word_of_it(mini_paths, helped, monkeypatch,
                                                                                 strict_ontology):
    """The helper wrote the Turtle and the table was read while the validator ran: a graph that does not
    conform must leave the previous graph and table as they were, no temporary file, no helper running, and
    no message about a table it never wanted."""
    assert build.run_build(mini_paths).table is not None
    before, table_before = mini_paths.graph_file.read_bytes(), deliverycache.cache_file(mini_paths.graph_file)
    saved_before = table_before.read_bytes()

    def fail(_built):
        raise MemoryError("no memory for the table")

    monkeypatch.setattr(build, "_delivery_table", fail)
    notes = []
    strict = mini_paths.with_overrides(ontology=strict_ontology)
    report = build.run_build(strict, notify=notes.append)
    assert not report.conforms and report.output is None and report.table is None
    assert report.built.store is None  # the store's memory is not held by the report
    assert mini_paths.graph_file.read_bytes() == before and table_before.read_bytes() == saved_before
    assert _leftovers(mini_paths.graph_file.parent) == [] and len(helped) == 2 and _all_stopped(helped)
    assert notes == []
    assert [t.name for t in threading.enumerate() if t.name == "cspgraph-table"] == []  # joined, not left running

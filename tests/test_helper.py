"""The Turtle written by a helper process while the build reads the delivery table: the same file, or none."""

from __future__ import annotations

import multiprocessing
import os
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
def helped(monkeypatch, tmp_path) -> Path:
    """The helper takes part whatever the graph's size (it needs 200,000 triples by default). Returns a file
    the helper writes to, so that a test can tell that it ran."""
    if helper.helper_context() is None:
        pytest.fail("these tests need fork and two CPUs, as CI has: the helper would never start")
    monkeypatch.setattr(graph, "TURTLE_HELPER_FROM", 0)
    marker = tmp_path / "helper-ran.txt"
    write = graph._write_turtle_into

    def recorded(built, tmp):  # runs in the forked helper, which has the patched module too
        marker.write_text(str(os.getpid()), encoding="utf-8")
        write(built, tmp)

    monkeypatch.setattr(graph, "_write_turtle_into", recorded)
    return marker


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_the_helper_writes_the_same_file_while_the_work_runs(mini_paths, helped, tmp_path):
    built = build_graph(mini_paths)
    alone, beside = tmp_path / "alone.ttl", tmp_path / "out" / "beside.ttl"
    write_graph(built, alone)
    assert write_graph_alongside(built, beside, lambda: "the work's result") == "the work's result"
    assert beside.read_bytes() == alone.read_bytes()
    assert int(helped.read_text(encoding="utf-8")) != os.getpid()  # written in another process
    assert oct(beside.stat().st_mode & 0o777) == oct(alone.stat().st_mode & 0o777)  # readable as write_atomic makes it
    assert _leftovers(beside.parent) == [] and multiprocessing.active_children() == []


def test_a_helper_that_dies_leaves_the_writing_to_this_process(mini_paths, helped, tmp_path, monkeypatch):
    def die(built, tmp):
        helped.write_text("died", encoding="utf-8")
        os._exit(3)

    monkeypatch.setattr(graph, "_write_turtle_into", die)
    built = build_graph(mini_paths)
    out = tmp_path / "g.ttl"
    assert write_graph_alongside(built, out, lambda: 1) == 1
    assert helped.read_text(encoding="utf-8") == "died"
    assert out.read_bytes() == built.turtle() and _leftovers(tmp_path) == []


def test_a_failing_helper_prints_no_traceback(mini_paths, helped, tmp_path, monkeypatch, capfd):
    def fail(built, tmp):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(graph.BuiltGraph, "write_turtle", lambda self, handle: fail(self, handle))
    built = build_graph(mini_paths)
    out = tmp_path / "g.ttl"
    # this process then writes it, meets the same (patched) failure and reports it as write_graph does
    with pytest.raises(CspgraphError, match="cannot write here: No space left on device"):
        write_graph_alongside(built, out, lambda: 1)
    assert "Traceback" not in capfd.readouterr().err  # the helper's failure is only its exit code
    assert not out.exists() and _leftovers(tmp_path) == []


def test_a_helper_that_hangs_is_given_up_on(mini_paths, helped, tmp_path, monkeypatch):
    """A child forked beside other threads can deadlock: the file is then written here, and the child stopped."""
    def hang(built, tmp):
        helped.write_text("hung", encoding="utf-8")
        time.sleep(60)

    monkeypatch.setattr(graph, "_write_turtle_into", hang)
    monkeypatch.setattr(graph, "TURTLE_HELPER_PATIENCE", 0.5)
    built = build_graph(mini_paths)
    out = tmp_path / "g.ttl"
    started = time.perf_counter()
    write_graph_alongside(built, out, lambda: None)
    assert time.perf_counter() - started < 30
    assert helped.read_text(encoding="utf-8") == "hung"
    assert out.read_bytes() == built.turtle() and _leftovers(tmp_path) == []
    assert multiprocessing.active_children() == []


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
    assert _leftovers(tmp_path) == [] and multiprocessing.active_children() == []


def test_a_folder_that_cannot_be_made_gives_the_usual_error(mini_paths, helped, tmp_path):
    (tmp_path / "a-file").write_text("not a folder\n", encoding="utf-8")
    built = build_graph(mini_paths)
    ran = []
    with pytest.raises(CspgraphError, match="cannot write here"):
        write_graph_alongside(built, tmp_path / "a-file" / "g.ttl", lambda: ran.append(True))
    assert ran == [True] and not helped.exists()  # the work was done; no helper was started for nothing


def test_without_a_helper_the_file_is_the_same(mini_paths, monkeypatch, tmp_path):
    monkeypatch.setattr(graph, "helper_context", lambda: None)  # no fork, one CPU, or a daemonic process
    monkeypatch.setattr(graph, "TURTLE_HELPER_FROM", 0)
    built = build_graph(mini_paths)
    out = tmp_path / "g.ttl"
    assert write_graph_alongside(built, out, lambda: 2) == 2
    assert out.read_bytes() == built.turtle()


def test_small_graphs_start_no_helper(mini_paths, monkeypatch, tmp_path):
    def refuse():
        raise AssertionError("a helper was considered for a graph of a few hundred triples")

    monkeypatch.setattr(graph, "helper_context", refuse)
    built = build_graph(mini_paths)
    assert built.triple_count < graph.TURTLE_HELPER_FROM
    write_graph_alongside(built, tmp_path / "g.ttl", lambda: None)
    assert (tmp_path / "g.ttl").read_bytes() == built.turtle()


def test_a_build_with_the_helper_writes_the_graph_and_table_it_would_alone(mini_paths, helped, tmp_path):
    report = build.run_build(mini_paths)
    assert report.table is not None and helped.exists()
    helped_graph = Graph().parse(mini_paths.graph_file, format="turtle")
    saved = deliverycache.load(mini_paths.graph_file)
    alone = build.run_build(mini_paths, table=False)
    assert alone.table is None and deliverycache.load(mini_paths.graph_file) is None  # forgotten with the old graph
    # the same graph (two builds differ only in the ontology's blank node labels, which rdflib draws at random)
    assert isomorphic(Graph().parse(mini_paths.graph_file, format="turtle"), helped_graph)
    assert saved is not None and saved.initiatives == delivery(OxigraphStore.from_file(mini_paths.graph_file)).initiatives

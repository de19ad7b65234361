"""The delivery table saved beside the built graph: the same answers as the graph, never stale, never run as code."""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import shutil
from pathlib import Path

import pytest

from cspgraph import deliverycache, session
from cspgraph.build import run_build
from cspgraph.change import compare_plans
from cspgraph.errors import CspgraphError
from cspgraph.gaps import gap_report
from cspgraph.network import Delivery, delivery, network_report
from cspgraph.project import ProjectPaths
from cspgraph.store import OxigraphStore

REPO = Path(__file__).resolve().parents[1]


def _same(a: Delivery, b: Delivery) -> bool:
    """Equal as tables: ``seconds`` says how long the read took, not what was read."""
    return dataclasses.replace(a, seconds=0.0) == dataclasses.replace(b, seconds=0.0)


@pytest.fixture(scope="module")
def real_built(tmp_path_factory) -> ProjectPaths:
    """The shipped project built into a folder of its own (the checkout's build/ is left alone)."""
    paths = ProjectPaths.at(REPO).with_overrides(build=tmp_path_factory.mktemp("real-build"))
    run_build(paths, validate=False)
    return paths


@pytest.fixture
def mini_built(tmp_path) -> ProjectPaths:
    """A writable copy of the two-year fixture project, built (validated, as 'cspgraph build' does)."""
    root = tmp_path / "mini-years"
    shutil.copytree(REPO / "tests" / "fixtures" / "mini-years", root)
    paths = ProjectPaths.at(root).with_overrides(ontology=REPO / "ontology", queries=REPO / "queries")
    assert run_build(paths).conforms
    return paths


def test_the_saved_table_is_the_table_read_from_the_graph(real_built):
    graph = real_built.graph_file
    read = delivery(OxigraphStore.from_file(graph))
    assert deliverycache.load(graph) is None  # nothing saved yet
    first = session.analysis_source(real_built)  # reads the graph and saves the table
    assert isinstance(first, Delivery) and _same(first, read)
    assert deliverycache.cache_file(graph).is_file()
    second = deliverycache.load(graph)
    assert second is not None and _same(second, read)
    # data/sources/scp-plan-2018-19.txt: 24 initiative rows (lines 82-711); scp-plan-2020-21.txt: 61 (11 in
    # Priority One, lines 55-67; 23 in Priority Two, 75-101; 27 in Priority Three, 110-169)
    assert second.years == ("2018-19", "2020-21") and len(second.initiatives) == 24 + 61


def test_a_later_analysis_does_not_open_the_graph(mini_built, monkeypatch):
    first = session.analysis_source(mini_built)
    assert isinstance(first, Delivery)

    def refuse(*_args, **_kwargs):
        raise AssertionError("the graph was opened although its table is saved")

    monkeypatch.setattr(OxigraphStore, "from_file", refuse)
    monkeypatch.setattr(session, "open_store", refuse)
    again = session.analysis_source(mini_built)
    assert isinstance(again, Delivery) and _same(again, first)


@pytest.mark.parametrize("which", ["real", "mini-years"])
def test_analyses_from_the_saved_table_agree_with_the_graph(which, real_built, mini_built):
    """Every year and partnership, from the whole saved table and from the graph read for that scope alone."""
    paths = real_built if which == "real" else mini_built
    store = OxigraphStore.from_file(paths.graph_file)
    whole = session.analysis_source(paths)
    session.analysis_source(paths)  # saved now; read back
    saved = deliverycache.load(paths.graph_file)
    assert saved is not None and _same(saved, whole)
    years = saved.years
    partnership = next(iter(saved.partnerships))
    for year in (None, *years):
        for scope in ({}, {"partnership": partnership}):
            assert gap_report(saved, year=year, **scope) == gap_report(store, year=year, **scope)
            mine, theirs = (network_report(s, year=year, **scope) for s in (saved, store))
            assert (mine.summary, mine.sections()) == (theirs.summary, theirs.sections())
            assert sorted(mine.graph.edges(data="weight")) == sorted(theirs.graph.edges(data="weight"))
    assert compare_plans(saved, years[0], years[-1]) == compare_plans(store, years[0], years[-1])


def test_a_changed_graph_or_code_is_never_read_from_an_old_table(mini_built, monkeypatch):
    graph = mini_built.graph_file
    session.analysis_source(mini_built)
    assert deliverycache.load(graph) is not None
    stat = graph.stat()
    os.utime(graph, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # the graph touched: stale
    assert deliverycache.load(graph) is None
    os.utime(graph, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert deliverycache.load(graph) is not None
    monkeypatch.setattr(deliverycache, "_code_digest", lambda: "another version of network.py")
    assert deliverycache.load(graph) is None
    monkeypatch.undo()
    # a rebuild writes a new file (a new inode, whatever its time) and removes the old graph's table
    run_build(mini_built, validate=False)
    assert not deliverycache.cache_file(graph).exists()
    assert isinstance(session.analysis_source(mini_built), Delivery)
    assert deliverycache.load(graph) is not None


def test_a_stale_build_saves_nothing(mini_built):
    plan = next((mini_built.data / "plans").rglob("2021-22.yaml"))
    plan.write_text(plan.read_text(encoding="utf-8") + "\n# edited after the build\n", encoding="utf-8")
    source = session.analysis_source(mini_built)
    assert not isinstance(source, Delivery)  # the graph built again in memory, read for what is asked
    assert not deliverycache.cache_file(mini_built.graph_file).exists()


class _Planted:
    """What an attacker would plant: unpickling it calls Path.touch."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_a_crafted_file_is_refused_not_run(mini_built, tmp_path):
    graph = mini_built.graph_file
    session.analysis_source(mini_built)
    header = deliverycache.cache_file(graph).read_bytes().partition(b"\n")[0]  # a header that matches
    marker = tmp_path / "ran"
    deliverycache.cache_file(graph).write_bytes(header + b"\n" + pickle.dumps(_Planted(marker)))
    assert deliverycache.load(graph) is None
    assert not marker.exists()
    data = session.analysis_source(mini_built)  # read again from the graph, and saved over the crafted file
    assert isinstance(data, Delivery) and not marker.exists()
    assert deliverycache.load(graph) is not None


@pytest.mark.parametrize("damage", ["truncated", "no header", "other format", "not a table"])
def test_a_damaged_file_is_read_again(mini_built, damage):
    graph = mini_built.graph_file
    good = session.analysis_source(mini_built)
    file = deliverycache.cache_file(graph)
    header, _, body = file.read_bytes().partition(b"\n")
    if damage == "truncated":
        file.write_bytes(header + b"\n" + body[: len(body) // 2])
    elif damage == "no header":
        file.write_bytes(body)
    elif damage == "other format":
        file.write_bytes(json.dumps({**json.loads(header), "format": -1}).encode() + b"\n" + body)
    else:  # a pickle of something that is not a Delivery
        file.write_bytes(header + b"\n" + pickle.dumps(("a", "tuple")))
    assert deliverycache.load(graph) is None
    again = session.analysis_source(mini_built)
    assert isinstance(again, Delivery) and _same(again, good)
    assert deliverycache.load(graph) is not None  # replaced by a good table


def test_only_a_whole_table_is_saved(mini_built):
    store = OxigraphStore.from_file(mini_built.graph_file)
    with pytest.raises(ValueError, match="read whole"):
        deliverycache.save(delivery(store, year="2021-22"), mini_built.graph_file)
    with pytest.raises(ValueError, match="read whole"):
        deliverycache.save(delivery(store, facts=("harms",)), mini_built.graph_file)


def test_a_folder_that_cannot_be_written_only_means_no_table(mini_built, monkeypatch):
    def cannot(path, _payload):
        raise CspgraphError(f"{path}: cannot write here: Read-only file system")

    monkeypatch.setattr(deliverycache, "write_atomic", cannot)
    data = session.analysis_source(mini_built)
    assert isinstance(data, Delivery) and data.years == ("2020-21", "2021-22")
    assert not deliverycache.cache_file(mini_built.graph_file).exists()

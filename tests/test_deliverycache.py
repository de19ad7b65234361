"""The delivery table saved beside the built graph: the same answers as the graph, never stale, never run as code."""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import json
import os
import pickle
import random
import shutil
import sys
from pathlib import Path

import pytest

import pyoxigraph

from cspgraph import deliverycache, network, session
from cspgraph import store as store_module
from cspgraph.build import run_build
from cspgraph.change import compare_plans
from cspgraph.errors import CspgraphError
from cspgraph.gaps import gap_report
from cspgraph.network import Delivery, as_delivery, co_delivery_network, delivery, network_report
from cspgraph.project import ProjectPaths
from cspgraph.session import built_file_is_current
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


@pytest.fixture(scope="module")
def generated_built(tmp_path_factory) -> ProjectPaths:
    """benchmarks/generate.py, small: 2 partnerships x 5 plan years x 60 initiatives, with continuation links."""
    spec = importlib.util.spec_from_file_location("cspgraph_benchmarks_generate_cache", REPO / "benchmarks" /
                                                  "generate.py")
    generate = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = generate
    spec.loader.exec_module(generate)
    root = tmp_path_factory.mktemp("generated") / "gen"
    generate.generate(root, scale=0.005, seed=2024)
    paths = ProjectPaths.at(root).with_overrides(ontology=REPO / "ontology", queries=REPO / "queries")
    assert run_build(paths).conforms
    return paths


def _rewrite(file: Path, body: bytes, **changes) -> None:
    """Write ``body`` under the file's own header, with its checksum made to match (and ``changes`` applied)."""
    header = json.loads(file.read_bytes().partition(b"\n")[0])
    header.update(changes, sha256=hashlib.sha256(body).hexdigest())
    file.write_bytes(json.dumps(header).encode() + b"\n" + body)


def _mini(tmp_path: Path) -> ProjectPaths:
    root = tmp_path / "mini-years"
    shutil.copytree(REPO / "tests" / "fixtures" / "mini-years", root)
    return ProjectPaths.at(root).with_overrides(ontology=REPO / "ontology", queries=REPO / "queries")


@pytest.fixture
def mini_built(tmp_path) -> ProjectPaths:
    """A writable copy of the two-year fixture project, built (validated, as 'cspgraph build' does) but
    without the table the build saves: most tests here are about how the analyses read, save and refuse it,
    as they do after a build whose table could not be saved, or made by an earlier version."""
    paths = _mini(tmp_path)
    report = run_build(paths, table=False)
    assert report.conforms and report.table is None
    return paths


def _read_again(paths: ProjectPaths) -> Delivery:
    return delivery(OxigraphStore.from_file(paths.graph_file))


def test_the_build_saves_the_table_of_the_graph_it_wrote(real_built, generated_built):
    """Read from the store the build already holds (the validator's, or one filled for the table alone), the
    table is the one the written file gives: the analyses then never load the graph."""
    for paths in (real_built, generated_built):  # built without and with validation
        saved = deliverycache.load(paths.graph_file)
        assert saved is not None and _same(saved, _read_again(paths))
        assert saved.initiatives and saved.priorities
    # see test_the_saved_table_is_the_table_read_from_the_graph for the bundled plans' 24 + 61 initiatives
    assert len(deliverycache.load(real_built.graph_file).initiatives) == 24 + 61


@pytest.mark.parametrize("validate, validator", [(True, "sparql"), (True, "pyshacl"), (False, "sparql")])
def test_every_kind_of_build_saves_the_table(tmp_path, validate, validator, monkeypatch):
    paths = _mini(tmp_path)
    report = run_build(paths, validate=validate, validator=validator)
    assert report.table == deliverycache.cache_file(paths.graph_file) and report.table.is_file()

    def refuse(*_args, **_kwargs):
        raise AssertionError("the graph was opened although the build saved its table")

    saved = deliverycache.load(paths.graph_file)
    assert saved is not None and _same(saved, _read_again(paths))
    monkeypatch.setattr(OxigraphStore, "from_file", refuse)
    monkeypatch.setattr(session, "open_store", refuse)
    first = session.analysis_source(paths)
    assert isinstance(first, Delivery) and _same(first, saved)
    # mini-years: two plan years, 2020-21 and 2021-22 (tests/fixtures/mini-years/data/plans)
    assert first.years == ("2020-21", "2021-22")


def test_a_graph_written_elsewhere_or_not_conforming_gets_no_table(tmp_path, strict_ontology):
    paths = _mini(tmp_path)
    assert run_build(paths).table is not None
    elsewhere = run_build(paths, output=tmp_path / "copy.ttl")
    assert elsewhere.output == tmp_path / "copy.ttl" and elsewhere.table is None
    assert not deliverycache.cache_file(tmp_path / "copy.ttl").exists()
    assert deliverycache.load(paths.graph_file) is not None  # the project's own graph and table untouched
    invalid = run_build(paths.with_overrides(ontology=strict_ontology), write_invalid=True)
    assert not invalid.conforms and invalid.output == paths.graph_file and invalid.table is None
    assert not deliverycache.cache_file(paths.graph_file).exists()  # the old graph's table went with it


def test_the_saved_table_is_the_table_read_from_the_graph(real_built):
    graph = real_built.graph_file
    deliverycache.cache_file(graph).unlink(missing_ok=True)  # another test of this module may have saved one
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
    # the two pairs of 2020-21 rows that share a name (lines 59/60, 66/167) keep what tells them apart
    assert sorted(i.told for i in second.initiatives if i.told) == ["line 167", "line 59", "line 60", "line 66"]


def test_each_repeated_value_is_one_object_read_and_saved(generated_built, tmp_path):
    """The table holds each harm set and each IRI an initiative names once, however many initiatives name it:
    nationally that halves the saved file and cuts reading it back by a third (network.delivery)."""

    graph = tmp_path / "cspgraph.ttl"  # a copy: the module's build keeps the table it saved
    shutil.copyfile(generated_built.graph_file, graph)
    read = delivery(OxigraphStore.from_file(graph))
    deliverycache.save(read, graph)
    saved = deliverycache.load(graph)
    assert saved is not None and _same(saved, read)
    for data in (read, saved):
        harm_sets = [i.harms for i in data.initiatives]
        iris = [p for i in data.initiatives for p in (*i.priorities, *i.harms, *i.continues)]
        # the generator's initiatives share harms and priorities: the check below is not vacuous
        assert len(set(harm_sets)) < len(harm_sets) and len(set(iris)) < len(iris) / 2
        assert len(set(map(id, harm_sets))) == len(set(harm_sets))
        assert len(set(map(id, iris))) == len(set(iris))


def test_a_later_analysis_does_not_open_the_graph(mini_built, monkeypatch):
    first = session.analysis_source(mini_built)
    assert isinstance(first, Delivery)

    def refuse(*_args, **_kwargs):
        raise AssertionError("the graph was opened although its table is saved")

    monkeypatch.setattr(OxigraphStore, "from_file", refuse)
    monkeypatch.setattr(session, "open_store", refuse)
    again = session.analysis_source(mini_built)
    assert isinstance(again, Delivery) and _same(again, first)


def _fresh(store: OxigraphStore) -> OxigraphStore:
    """A store over the same graph that has no saved table and has read nothing: it reads the graph."""
    return OxigraphStore.from_oxigraph(store.oxigraph)


def test_a_store_loaded_from_the_build_is_analysed_from_its_saved_table(real_built, monkeypatch):
    """A notebook's open_store(paths) on a current build, then analyses: the table the build saved, not a read
    of the whole graph (nationally 4 s before each analysis)."""
    store = session.open_store(real_built)
    assert store.loaded_from is not None and store.loaded_from[0] == real_built.graph_file
    expected = (gap_report(_fresh(store)), network_report(_fresh(store), year="2020-21"),
                compare_plans(_fresh(store), "2018-19", "2020-21"))

    def refuse(*_args, **_kwargs):
        raise AssertionError("the store was read although the table of the graph it holds is saved")

    monkeypatch.setattr(network, "delivery", refuse)
    got = (gap_report(store), network_report(store, year="2020-21"), compare_plans(store, "2018-19", "2020-21"))
    assert got[0] == expected[0] and got[2] == expected[2]
    assert (got[1].summary, got[1].sections()) == (expected[1].summary, expected[1].sections())
    # read back once, kept on the store for every later analysis
    assert as_delivery(store) is as_delivery(store)
    assert _same(as_delivery(store), deliverycache.load(real_built.graph_file))


def test_a_store_is_never_analysed_from_the_table_of_a_later_graph(mini_built):
    graph = mini_built.graph_file
    store = OxigraphStore.from_file(graph)
    held = delivery(_fresh(store))
    assert held.years == ("2020-21", "2021-22")
    # rebuilt meanwhile without the later plan: the new graph's table is saved at the same path
    next((mini_built.data / "plans").rglob("2021-22.yaml")).unlink()
    assert run_build(mini_built, validate=False).table is not None
    assert deliverycache.load(graph).years == ("2020-21",)
    assert deliverycache.for_store(store) is None
    assert _same(as_delivery(store), held)  # what the store holds, read from it
    assert as_delivery(OxigraphStore.from_file(graph)).years == ("2020-21",)  # a store of the new graph


def test_a_graph_rewritten_while_it_loads_is_not_taken_for_the_file(mini_built, monkeypatch):
    """Rewritten in place during the load, the file may have given the store some of each version: the table
    saved for the version before is not the store's."""
    graph = mini_built.graph_file
    session.analysis_source(mini_built)  # the table of the graph as it is
    before = graph.stat()
    real = pyoxigraph.Store

    class RewrittenMeanwhile:
        def __init__(self) -> None:
            self.inner = real()

        def load(self, **options) -> None:
            self.inner.load(**options)
            graph.write_bytes(graph.read_bytes())  # the same bytes: only its times tell

        def __getattr__(self, name):
            return getattr(self.inner, name)

    monkeypatch.setattr(store_module.ox, "Store", RewrittenMeanwhile)
    store = OxigraphStore.from_file(graph)
    monkeypatch.undo()
    assert deliverycache.load(graph, as_of=before) is not None  # the earlier version's table, still there
    assert store.loaded_from is None and deliverycache.for_store(store) is None


def test_a_store_read_for_the_whole_country_is_not_read_again(mini_built, monkeypatch):
    store = _fresh(OxigraphStore.from_file(mini_built.graph_file))
    reads = []
    read = network.delivery
    monkeypatch.setattr(network, "delivery", lambda *args, **kwargs: reads.append(kwargs) or read(*args, **kwargs))
    gap_report(store, year="2021-22")
    gap_report(store, year="2021-22")
    assert len(reads) == 2  # a part of the table each time: the next analysis may want another part
    report = gap_report(store)  # the whole country, with harms and priorities: kept
    assert len(reads) == 3 and reads[-1]["facts"] == frozenset(("harms", "priorities"))
    assert co_delivery_network(store, year="2021-22").number_of_edges() and len(reads) == 3  # needs no more
    assert gap_report(store) == report and len(reads) == 3
    # a fact the kept table lacks: read with the kept ones (for a part: FROM..TO), and a whole one kept instead
    change = compare_plans(store, "2020-21", "2021-22")
    assert len(reads) == 4 and reads[-1]["facts"] == frozenset(network.FACTS) and reads[-1]["since"] == "2020-21"
    assert as_delivery(store).facts == frozenset(network.FACTS) and len(reads) == 5
    assert compare_plans(store, "2020-21", "2021-22") == change and len(reads) == 5
    network.forget_delivery(store)
    assert as_delivery(store) is not as_delivery(_fresh(store)) and len(reads) == 7  # dropped: read again
    fresh = _fresh(store)
    assert change == compare_plans(fresh, "2020-21", "2021-22") and report == gap_report(fresh)


@pytest.mark.parametrize("which", ["real", "mini-years", "generated"])
def test_analyses_from_the_saved_table_agree_with_the_graph(which, real_built, mini_built, generated_built):
    """Every year and partnership, from the whole saved table and from the graph read for that scope alone."""
    paths = {"real": real_built, "mini-years": mini_built, "generated": generated_built}[which]
    loaded = OxigraphStore.from_file(paths.graph_file).oxigraph

    def store() -> OxigraphStore:
        """A new store over the graph at each use: it has no saved table and has read nothing before, so each
        analysis below reads the graph for its own scope (network.as_delivery)."""
        return OxigraphStore.from_oxigraph(loaded)

    whole = session.analysis_source(paths)
    session.analysis_source(paths)  # saved now; read back
    saved = deliverycache.load(paths.graph_file)
    assert saved is not None and _same(saved, whole)
    years = saved.years
    partnerships = sorted(saved.partnerships)
    if which == "generated":  # benchmarks/generate.py: 2 partnerships, 5 plan years each
        assert len(partnerships) == 2 and len(years) == 5
    for year in (None, *years):
        for scope in ({}, *({"partnership": p} for p in partnerships)):
            assert gap_report(saved, year=year, **scope) == gap_report(store(), year=year, **scope)
            mine, theirs = (network_report(s, year=year, **scope) for s in (saved, store()))
            assert (mine.summary, mine.sections()) == (theirs.summary, theirs.sections())
            assert sorted(mine.graph.edges(data="weight")) == sorted(theirs.graph.edges(data="weight"))
    for harm in sorted(saved.harms)[:6]:
        assert sorted(co_delivery_network(saved, harm=harm).edges(data="weight")) == \
            sorted(co_delivery_network(store(), harm=harm).edges(data="weight"))
    for priority in sorted(saved.priorities)[:6]:
        assert sorted(co_delivery_network(saved, priority=priority).edges(data="weight")) == \
            sorted(co_delivery_network(store(), priority=priority).edges(data="weight"))
    for i, before in enumerate(years):
        for after in years[i + 1:]:
            for partnership in partnerships:
                assert compare_plans(saved, before, after, partnership=partnership) == \
                    compare_plans(store(), before, after, partnership=partnership)
    if which == "generated":  # the generator links initiatives to earlier years': continuation is exercised
        assert any(compare_plans(saved, years[0], years[-1], partnership=p).continued for p in partnerships)


def test_continuation_is_followed_within_the_years_asked(mini_built):
    """A whole table holds plans outside FROM..TO; a link through one of them is not followed (a scoped read,
    since=FROM and until=TO, does not see it either). Such a link fails validation, but a graph built with
    --no-validate may hold one."""
    data = delivery(OxigraphStore.from_file(mini_built.graph_file))
    # tests/fixtures/mini-years: B:8 Safe Homes (2021-22) is new; A:9 Street Cleanup (2020-21) is dropped
    safe = next(i for i in data.initiatives if i.label == "Safe Homes")
    street = next(i for i in data.initiatives if i.label == "Street Cleanup")
    later_plan = dataclasses.replace(data.plans[safe.plan], iri=safe.plan + "-later", year="2022-23")
    between = dataclasses.replace(street, iri=street.iri + "-later", plan=later_plan.iri, year="2022-23",
                                  continues=(street.iri,))
    linked = dataclasses.replace(safe, continues=(between.iri,))
    odd = dataclasses.replace(data, initiatives=tuple(linked if i is safe else i for i in data.initiatives)
                              + (between,), plans={**data.plans, later_plan.iri: later_plan})
    change = compare_plans(odd, "2020-21", "2021-22")
    assert "Safe Homes" in [label for _, label in change.new]
    assert "Street Cleanup" in [label for _, label in change.dropped]


def test_a_changed_graph_or_code_is_never_read_from_an_old_table(mini_built, monkeypatch):
    graph = mini_built.graph_file
    session.analysis_source(mini_built)
    assert deliverycache.load(graph) is not None
    stat = graph.stat()
    os.utime(graph, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # the graph touched: stale
    assert deliverycache.load(graph) is None
    os.utime(graph, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # its time put back: the change time still differs
    assert deliverycache.load(graph) is None
    session.analysis_source(mini_built)  # saved again for the graph as it is now
    assert deliverycache.load(graph) is not None
    monkeypatch.setattr(deliverycache, "_code_digest", lambda: "another version of network.py")
    assert deliverycache.load(graph) is None
    monkeypatch.undo()
    # a rebuild writes a new file (a new inode, whatever its time) and removes the old graph's table
    old_table = deliverycache.cache_file(graph).read_bytes()
    run_build(mini_built, validate=False, table=False)
    assert not deliverycache.cache_file(graph).exists()
    assert isinstance(session.analysis_source(mini_built), Delivery)
    assert deliverycache.load(graph) is not None
    # or replaces it with the new graph's, whose key is the new file's
    run_build(mini_built, validate=False)
    new_table = deliverycache.cache_file(graph).read_bytes()
    assert new_table != old_table and json.loads(new_table.partition(b"\n")[0]) == {
        **deliverycache.origin(graph), "sha256": hashlib.sha256(new_table.partition(b"\n")[2]).hexdigest()}


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


@pytest.mark.parametrize("damage", ["truncated", "no header", "other format", "not a table", "wrong checksum",
                                    "nested header"])
def test_a_damaged_file_is_read_again(mini_built, damage):
    graph = mini_built.graph_file
    good = session.analysis_source(mini_built)
    file = deliverycache.cache_file(graph)
    header, _, body = file.read_bytes().partition(b"\n")
    if damage == "truncated":
        _rewrite(file, body[: len(body) // 2])
    elif damage == "no header":
        file.write_bytes(body)
    elif damage == "other format":
        _rewrite(file, body, format=-1)
    elif damage == "not a table":  # a pickle of something that is not a Delivery
        _rewrite(file, pickle.dumps(("a", "tuple")))
    elif damage == "wrong checksum":  # one byte changed, the checksum left as it was
        file.write_bytes(header + b"\n" + body[:100] + bytes([body[100] ^ 1]) + body[101:])
    else:  # json would parse it recursively, into a RecursionError
        file.write_bytes(b"[" * 200_000 + b"\n" + body)
    assert deliverycache.load(graph) is None
    again = session.analysis_source(mini_built)
    assert isinstance(again, Delivery) and _same(again, good)
    assert deliverycache.load(graph) is not None  # replaced by a good table


def test_random_damage_is_caught_before_unpickling(mini_built):
    """Bytes changed anywhere in the body: the checksum no longer matches, so nothing damaged is unpickled (a
    damaged pickle can ask for gigabytes, or fail in ways no except clause lists)."""
    graph = mini_built.graph_file
    session.analysis_source(mini_built)
    file = deliverycache.cache_file(graph)
    header, _, body = file.read_bytes().partition(b"\n")
    rng = random.Random(7)
    for _ in range(300):
        damaged = bytearray(body)
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(damaged))
            damaged[at] = (damaged[at] + rng.randrange(1, 256)) % 256  # always a different byte
        file.write_bytes(header + b"\n" + bytes(damaged))
        assert deliverycache.load(graph) is None
    file.write_bytes(header + b"\n" + body)
    assert deliverycache.load(graph) is not None


def test_a_file_using_only_the_tables_classes_must_still_be_a_whole_table(mini_built):
    graph = mini_built.graph_file
    good = session.analysis_source(mini_built)
    file = deliverycache.cache_file(graph)
    first = good.initiatives[0]
    for bad in (dataclasses.replace(good, initiatives=("not an initiative",)),
                dataclasses.replace(good, initiatives=list(good.initiatives)),
                dataclasses.replace(good, initiatives=(dataclasses.replace(first, participants=("x",)),)),
                dataclasses.replace(good, scope={"year": "2020-21"}),
                dataclasses.replace(good, facts=frozenset({"harms"})),
                dataclasses.replace(good, plans={"x": "not a plan"}),
                dataclasses.replace(good, agencies={"x": first}),
                dataclasses.replace(good, harms={"x": 1})):
        _rewrite(file, pickle.dumps(bad, protocol=pickle.HIGHEST_PROTOCOL))
        assert deliverycache.load(graph) is None
    _rewrite(file, pickle.dumps(good, protocol=pickle.HIGHEST_PROTOCOL))
    assert deliverycache.load(graph) is not None  # the same way of writing, a whole table: read


def test_a_graph_replaced_while_it_is_read_is_not_saved_under_the_new_key(mini_built, monkeypatch):
    graph = mini_built.graph_file
    opened = OxigraphStore.from_file

    def replaced_meanwhile(path, **options):
        store = opened(path, **options)
        copy = path.with_name("replacement.ttl")
        shutil.copyfile(path, copy)
        os.replace(copy, path)  # as a build does: a new file renamed into place (same bytes, new inode)
        return store

    monkeypatch.setattr(OxigraphStore, "from_file", replaced_meanwhile)
    data = session.analysis_source(mini_built)
    assert isinstance(data, Delivery)
    assert not deliverycache.cache_file(graph).exists()  # read from the old file: not saved for the new one


def test_a_build_over_something_it_cannot_remove_still_writes_the_graph(mini_built):
    deliverycache.cache_file(mini_built.graph_file).mkdir()  # a folder where the table would be
    notes = []
    report = run_build(mini_built, validate=False, notify=notes.append)
    assert report.output == mini_built.graph_file and built_file_is_current(mini_built)
    assert report.table is None and len(notes) == 1 and "the delivery table was not saved" in notes[0]
    assert str(deliverycache.cache_file(mini_built.graph_file)) in notes[0]
    assert isinstance(session.analysis_source(mini_built), Delivery)  # saving fails: the analysis goes on


def test_only_a_whole_table_is_saved(mini_built):
    store = OxigraphStore.from_file(mini_built.graph_file)
    with pytest.raises(ValueError, match="read whole"):
        deliverycache.save(delivery(store, year="2021-22"), mini_built.graph_file)
    with pytest.raises(ValueError, match="read whole"):
        deliverycache.save(delivery(store, facts=("harms",)), mini_built.graph_file)


def test_a_build_folder_that_cannot_be_written_reads_only_what_is_asked(mini_built, monkeypatch):
    monkeypatch.setattr(deliverycache, "can_save", lambda _graph: False)
    assert not isinstance(session.analysis_source(mini_built), Delivery)  # the store: scoped reads, as before
    assert not deliverycache.cache_file(mini_built.graph_file).exists()


def test_a_save_that_fails_only_means_no_table(mini_built, monkeypatch):
    def cannot(path, _payload):
        raise CspgraphError(f"{path}: cannot write here: Read-only file system")

    monkeypatch.setattr(deliverycache, "write_atomic", cannot)
    data = session.analysis_source(mini_built)
    assert isinstance(data, Delivery) and data.years == ("2020-21", "2021-22")
    assert not deliverycache.cache_file(mini_built.graph_file).exists()


def test_only_the_projects_own_current_graph_is_read_leniently(mini_built, tmp_path, monkeypatch):
    """Lenient parsing skips the check of each IRI (nationally 1 s of a 7.5 s load): right for the graph
    cspgraph wrote and validated, wrong for a file someone names. ``{`` may not stand in an IRI (RFC 3987)."""
    bad = tmp_path / "named.ttl"
    bad.write_text("<http://example.org/a> <http://example.org/p> <http://example.org/{x}> .\n", encoding="utf-8")
    with pytest.raises(SyntaxError, match=r"(?i)iri"):
        OxigraphStore.from_file(bad)
    assert len(OxigraphStore.from_file(bad, lenient=True)) == 1  # the check that lenient skips: it matters
    opened, seen = OxigraphStore.from_file, []

    def recorded(path, **options):
        seen.append((path, options.get("lenient", False)))
        return opened(path, **options)

    monkeypatch.setattr(OxigraphStore, "from_file", recorded)
    graph = mini_built.graph_file
    assert built_file_is_current(mini_built)
    session.open_store(mini_built)  # a command's store: the current build
    session.analysis_source(mini_built)  # no table saved (mini_built): read from the graph, then saved
    with pytest.raises(SyntaxError):
        session.open_store(mini_built, graph_file=bad)  # a file named: every check
    assert seen == [(graph, True), (graph, True), (bad, False)]

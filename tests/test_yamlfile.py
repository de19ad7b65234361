"""Reading many YAML files, half of them in a helper process: same documents, same lines, same first error."""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

import pytest

from cspgraph import helper, yamlfile
from cspgraph.errors import DataError
from cspgraph.graph import build_graph
from cspgraph.yamlfile import load_yaml, load_yaml_files


@pytest.fixture
def files(tmp_path: Path) -> list[Path]:
    paths = []
    for i in range(6):
        path = tmp_path / f"{i}.yaml"
        # the list starts on a different line in each file, so a line taken from the wrong file shows
        path.write_text("\n" * i + f"name: file {i}\nitems:\n  - id: a{i}\n    n: {i}\n  - id: b{i}\n",
                        encoding="utf-8")
        paths.append(path)
    return paths


@pytest.fixture
def helper_from_two(monkeypatch, tmp_path) -> Path:
    """The helper process takes part from two files on (it needs a hundred by default). Returns a file the
    helper writes the paths it was given to, so that a test can tell that it ran and what it parsed."""
    if "fork" not in multiprocessing.get_all_start_methods() or helper.usable_cpus() < 2:
        pytest.fail("these tests need fork and two CPUs, as CI has: the helper would never start")
    monkeypatch.setattr(yamlfile, "PARALLEL_FROM", 2)
    marker = tmp_path / "helper-ran.txt"
    parse = yamlfile._parse_into

    def recorded(paths, conn, check):  # runs in the forked helper, which has the patched module too
        marker.write_text("\n".join(p.name for p in paths), encoding="utf-8")
        parse(paths, conn, check)

    monkeypatch.setattr(yamlfile, "_parse_into", recorded)
    return marker


def _helper_parsed(marker: Path) -> list[str]:
    assert marker.exists(), "the helper process never ran"
    return marker.read_text(encoding="utf-8").split("\n")


def _shape(doc) -> tuple:
    """What a document says and every line it remembers."""
    items = doc["items"]
    return (dict(doc), doc.file, doc.line, doc.key_lines, items.line, items.item_lines,
            [(dict(item), item.line, item.key_lines, item.file) for item in items])


def test_same_documents_and_lines_as_one_at_a_time(files, helper_from_two):
    together = list(load_yaml_files(files))
    assert [path for path, _ in together] == files
    assert [_shape(doc) for _, doc in together] == [_shape(load_yaml(path)) for path in files]
    assert together[5][1]["items"].item_lines == [8, 10]  # the sixth file: five blank lines, then its list
    assert together[5][1].file == files[5]  # remembered through the pickle from the helper
    assert _helper_parsed(helper_from_two) == ["3.yaml", "4.yaml", "5.yaml"]
    assert multiprocessing.active_children() == []


def test_an_error_in_the_helpers_half_names_its_file_and_line(files, helper_from_two):
    files[4].write_text("name: x\nitems: [a\n", encoding="utf-8")
    seen = []
    with pytest.raises(DataError) as info:
        for path, _ in load_yaml_files(files):
            seen.append(path)
    assert seen == files[:4]  # every file before the bad one came through first
    assert info.value.location.file == files[4]
    assert info.value.location.line == 3  # where PyYAML stops: after the unclosed '['
    assert "malformed YAML" in str(info.value)
    assert _helper_parsed(helper_from_two) == ["3.yaml", "4.yaml", "5.yaml"]  # the error came through the pipe
    assert multiprocessing.active_children() == []


def test_the_check_runs_on_the_helpers_half_too(files, helper_from_two):
    """The personal-data check (cspgraph.personal) is given to load_yaml_files and runs where each file is
    parsed: a contact detail in the helper's half is refused at its file, line and field all the same."""
    from cspgraph.personal import refuse_in_document

    files[5].write_text(files[5].read_text(encoding="utf-8").replace("id: b5", "id: call 01206 282222"),
                        encoding="utf-8")
    with pytest.raises(DataError) as info:
        list(load_yaml_files(files, refuse_in_document))
    assert (info.value.location.file, info.value.location.field) == (files[5], "id")
    assert info.value.location.line == 5 + 5 and "a telephone number" in str(info.value)
    assert _helper_parsed(helper_from_two) == ["3.yaml", "4.yaml", "5.yaml"]


def test_the_first_error_in_file_order_wins_and_the_helper_is_stopped(files, helper_from_two):
    files[1].write_text("name: [\n", encoding="utf-8")  # this process's half
    files[5].write_text("name: [\n", encoding="utf-8")  # the helper's half
    with pytest.raises(DataError) as info:
        list(load_yaml_files(files))
    assert info.value.location.file == files[1]
    assert multiprocessing.active_children() == []


def test_a_helper_that_dies_leaves_the_work_to_this_process(files, helper_from_two, monkeypatch):
    def die(paths, conn, check):
        helper_from_two.write_text("died", encoding="utf-8")
        os._exit(3)

    monkeypatch.setattr(yamlfile, "_parse_into", die)  # the forked helper runs the patched function
    together = list(load_yaml_files(files))
    assert [_shape(doc) for _, doc in together] == [_shape(load_yaml(path)) for path in files]
    assert _helper_parsed(helper_from_two) == ["died"]


def test_a_helper_that_hangs_is_given_up_on(files, helper_from_two, monkeypatch):
    """A child forked beside other threads can deadlock: after a while its half is parsed here, and it is stopped."""
    def hang(paths, conn, check):
        helper_from_two.write_text("hung", encoding="utf-8")
        time.sleep(60)

    monkeypatch.setattr(yamlfile, "_parse_into", hang)
    monkeypatch.setattr(yamlfile, "HELPER_PATIENCE", 0.5)
    started = time.perf_counter()
    together = list(load_yaml_files(files))
    assert time.perf_counter() - started < 30
    assert [_shape(doc) for _, doc in together] == [_shape(load_yaml(path)) for path in files]
    assert _helper_parsed(helper_from_two) == ["hung"]
    assert multiprocessing.active_children() == []


def test_few_files_need_no_helper(files, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a helper process was started for six files")

    monkeypatch.setattr(yamlfile.multiprocessing, "get_context", refuse)
    assert len(list(load_yaml_files(files))) == 6


def test_the_build_is_the_same_with_the_helper(mini_paths, helper_from_two, monkeypatch):
    """The plan files of a project read half in the helper make the same graph, byte for byte."""
    plans = mini_paths.data / "plans" / "mini-csp"
    (plans / "2020-21.yaml").rename(plans / "2021-22.yaml")
    text = (plans / "2021-22.yaml").read_text(encoding="utf-8")
    assert 'year: "2020-21"' in text, "fixture no longer names its year this way"
    (plans / "2021-22.yaml").write_text(text.replace('year: "2020-21"', 'year: "2021-22"'), encoding="utf-8")
    (plans / "2020-21.yaml").write_text(text, encoding="utf-8")
    helped = build_graph(mini_paths)
    assert _helper_parsed(helper_from_two) == ["2021-22.yaml"]
    monkeypatch.setattr(yamlfile, "PARALLEL_FROM", 10**9)
    alone = build_graph(mini_paths)
    assert len(helped.data.plans) == 2
    assert b"".join(helped.chunks) == b"".join(alone.chunks)


def _count_in_child(paths, conn) -> None:
    try:
        conn.send(len(list(load_yaml_files(paths))))
    except BaseException as err:  # sent back, so that the test shows what went wrong
        conn.send(repr(err))


def test_a_daemonic_process_reads_without_a_helper(files, helper_from_two):
    """A daemonic process (a multiprocessing.Pool worker) may not start a process: it parses every file itself."""
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=_count_in_child, args=(files, sending), daemon=True)
    child.start()
    assert receiving.poll(30), "the daemonic child sent nothing"
    assert receiving.recv() == 6
    child.join()
    assert child.exitcode == 0
    assert not helper_from_two.exists(), "the daemonic process started a helper"

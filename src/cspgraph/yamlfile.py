"""Reading YAML so that every mapping and list remembers the line it came from.

Plan files are edited by hand; an error is only useful if it names the line. PyYAML's node marks carry
line numbers, so we construct mappings and sequences as small subclasses of ``dict``/``list`` that keep them.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import sys
import time
import types
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml

from .errors import DataError, Location
from .helper import helper_context


class LocatedDict(dict):
    """A YAML mapping with ``line`` (its first line) and ``key_lines`` (the line of each key)."""

    # slots, not a per-instance __dict__: a national dataset holds about a million of these
    __slots__ = ("file", "key_lines", "line")
    file: Path
    line: int
    key_lines: dict[str, int]

    def where(self, field: str | None = None) -> Location:
        line = self.key_lines.get(field, self.line) if field else self.line
        return Location(self.file, line, field)


class LocatedList(list):
    """A YAML sequence with ``line`` and ``item_lines``."""

    __slots__ = ("file", "item_lines", "line")
    file: Path
    line: int
    item_lines: list[int]


#: libyaml's C parser when present (several times faster on national-scale data); marks work the same
_BASE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MAP, _SEQ, _STR = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:str"
_MERGE_TAGS = ("tag:yaml.org,2002:merge", "tag:yaml.org,2002:value")
#: text up to this long is interned: keys, slugs and cells repeat hundreds of thousands of times nationally
_INTERN_UP_TO = 64


class _Constructor:
    """Builds LocatedDicts and LocatedLists straight from the node tree libyaml composed.

    PyYAML's generic ``construct_object`` (generators, recursion bookkeeping, a lookup per node) spent most
    of the load time of a national dataset; plan files are plain mappings, lists and scalars, so a direct
    walk does the same work several times faster. Scalars still go through PyYAML's own constructors (ints,
    floats, booleans, nulls, timestamps), and merge keys (``<<``) through its ``flatten_mapping``, so what a
    file means is unchanged. An anchor used twice yields the same object, as with PyYAML.
    """

    def __init__(self, loader: yaml.SafeLoader, path: Path) -> None:
        self.loader = loader
        self.path = path
        self.constructors = loader.yaml_constructors
        self.memo: dict[int, Any] = {}
        self.building: set[int] = set()  # collections being filled: an alias to one of them is a cycle

    def __call__(self, node: yaml.Node) -> Any:
        tag = node.tag
        if tag == _STR and type(node) is yaml.ScalarNode:
            value = node.value
            return sys.intern(value) if len(value) <= _INTERN_UP_TO else value
        done = self.memo.get(id(node))
        if done is not None:
            if id(node) in self.building:  # as PyYAML (deep construction) says of `a: &x [*x]`
                raise yaml.constructor.ConstructorError(None, None, "found unconstructable recursive node",
                                                        node.start_mark)
            return done
        if tag == _MAP and isinstance(node, yaml.MappingNode):
            return self.mapping(node)
        if tag == _SEQ and isinstance(node, yaml.SequenceNode):
            data = LocatedList()
            data.file, data.line = self.path, node.start_mark.line + 1
            data.item_lines = [child.start_mark.line + 1 for child in node.value]
            self.memo[id(node)] = data
            self.building.add(id(node))
            data.extend(self(child) for child in node.value)
            self.building.discard(id(node))
            return data
        constructor = self.constructors.get(tag, self.constructors.get(None))
        value = constructor(self.loader, node)
        if isinstance(value, types.GeneratorType):  # PyYAML's two-step constructors (!!set, !!omap...)
            steps, value = value, next(value)
            for _ in steps:
                pass
        if isinstance(node, yaml.ScalarNode):
            return value
        self.memo[id(node)] = value
        return value

    def mapping(self, node: yaml.MappingNode) -> LocatedDict:
        data = LocatedDict()
        data.file, data.line = self.path, node.start_mark.line + 1
        data.key_lines = {}
        self.memo[id(node)] = data
        self.building.add(id(node))
        if any(key_node.tag in _MERGE_TAGS for key_node, _ in node.value):
            self.loader.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = self(key_node)
            line = key_node.start_mark.line + 1
            try:
                seen = key in data
            except TypeError:  # a list or mapping as a key
                raise DataError("a key must be a plain word, not a list or mapping", Location(self.path, line),
                                "check the indentation and the ':' of this line") from None
            if seen:
                raise DataError(
                    f"key '{key}' appears twice in one record (first on line {data.key_lines[key]})",
                    Location(self.path, line, str(key)),
                    "remove one of them",
                )
            data[key] = self(value_node)
            data.key_lines[str(key)] = line
        self.building.discard(id(node))
        return data


def _loader_for(path: Path) -> type[yaml.SafeLoader]:
    class Loader(_BASE_LOADER):  # type: ignore[misc, valid-type]
        _tags: dict[str, str]

        def resolve(self, kind, value, implicit):
            # a plain scalar's implicit tag depends on its text alone (no path resolvers are registered), and
            # plan files repeat the same keys and slugs thousands of times: remember the answer per file
            if kind is yaml.ScalarNode and implicit[0]:
                tags = self.__dict__.setdefault("_tags", {})
                tag = tags.get(value)
                if tag is None:
                    tag = tags[value] = super().resolve(kind, value, implicit)
                return tag
            return super().resolve(kind, value, implicit)

        def construct_document(self, node):
            self._fast = _Constructor(self, path)
            return self._fast(node)

    # mappings and lists inside an explicitly tagged node (!!omap, !!set) reach PyYAML's own machinery,
    # which hands them back to the same walk, so they too remember their lines
    Loader.add_constructor(_MAP, lambda loader, node: loader._fast(node))
    Loader.add_constructor(_SEQ, lambda loader, node: loader._fast(node))
    return Loader


def read_text(path: Path) -> str:
    """The file as UTF-8 text, or a DataError naming the line with the first byte that is not UTF-8."""
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise DataError(f"cannot read the file: {err.strerror}", Location(path)) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise DataError(
            f"not UTF-8 text (byte 0x{raw[err.start]:02x} cannot be decoded)",
            Location(path, line),
            "save the file with UTF-8 encoding",
        ) from None


#: a check of a parsed file against its text (``check(path, text, doc)``), raising a DataError
Check = Callable[[Path, str, Any], None]


def load_yaml(path: Path, check: Check | None = None) -> Any:
    """Parse one YAML file; syntax errors become a DataError with the line the parser stopped at.

    ``check`` runs on the file's text and document before they are returned: in the helper process too, where
    :func:`load_yaml_files` parses half the files (the personal-data check, :mod:`cspgraph.personal`).
    """
    text = read_text(path)
    try:
        doc = yaml.load(text, Loader=_loader_for(path))
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else None
        raise DataError(
            f"malformed YAML: {err.problem or err.context}", Location(path, line), "check indentation and quoting"
        ) from None
    except yaml.YAMLError as err:
        raise DataError(f"malformed YAML: {err}", Location(path)) from None
    if check is not None:
        check(path, text, doc)
    return doc


#: from this many files on, :func:`load_yaml_files` parses the second half in a second process
PARALLEL_FROM = 100
#: seconds the helper may take beyond twice this process's own half before its half is parsed here instead
HELPER_PATIENCE = 30.0


def _parse_into(paths: Sequence[Path], conn, check: Check | None) -> None:
    """In the helper process: each file's document, or the DataError it raised, sent back in one message."""
    results: list[Any] = []
    for path in paths:
        try:
            results.append(load_yaml(path, check))
        except DataError as err:
            results.append(err)
    conn.send(results)
    conn.close()


def load_yaml_files(paths: Sequence[Path], check: Check | None = None) -> Iterator[tuple[Path, Any]]:
    """Each file with its document (as :func:`load_yaml`), in order; a file's DataError is raised at its turn.

    Parsing is nearly all of the time of reading a national dataset (1,500 plan files: about 12 s of the 15
    s that reading and checking take; benchmarks/), and it is the one part that needs nothing from the files
    before it. So where two or more CPUs are usable and ``fork`` exists, a second process parses the second
    half while this one parses, and the caller checks, the first; the second half then comes back pickled
    (about 0.5 s to read back for 750 files). The caller still sees every file in order, and the first
    problem in file order is the one raised, as without the helper. If the helper cannot start, dies, or
    has not answered long after this process finished its own half (a child forked beside other threads
    can deadlock), the second half is parsed here instead.
    """
    paths = list(paths)
    context = helper_context() if len(paths) >= PARALLEL_FROM else None
    helped = context is not None
    half = len(paths) // 2
    if context is not None:
        receiving, sending = context.Pipe(duplex=False)
        helper = context.Process(target=_parse_into, args=(paths[half:], sending, check), daemon=True)
        try:
            helper.start()
        except Exception:  # no process to be had (a process limit, no memory to fork; fork warned as an error)
            receiving.close()
            helped = False
        finally:
            sending.close()
    if not helped:
        for path in paths:
            yield path, load_yaml(path, check)
        return
    try:
        started = time.perf_counter()
        for path in paths[:half]:
            yield path, load_yaml(path, check)
        # the helper's half is as long as ours: give it as long again, and then some, before giving up on it
        patience = HELPER_PATIENCE + 2 * (time.perf_counter() - started)
        parsed = None
        if multiprocessing.connection.wait([receiving], timeout=patience):
            try:
                parsed = receiving.recv()
            except (EOFError, OSError):  # the helper died
                parsed = None
        if parsed is None:  # parse its half here
            for path in paths[half:]:
                yield path, load_yaml(path, check)
            return
        for path, doc in zip(paths[half:], parsed, strict=True):
            if isinstance(doc, DataError):
                raise doc
            yield path, doc
    finally:  # also when the caller stops early (a problem in the first half): the helper's work is not needed
        receiving.close()
        if helper.is_alive():
            helper.terminate()
        helper.join()

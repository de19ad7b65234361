"""Reading YAML so that every mapping and list remembers the line it came from.

Plan files are edited by hand; an error is only useful if it names the line. PyYAML's node marks carry
line numbers, so we construct mappings and sequences as small subclasses of ``dict``/``list`` that keep them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import DataError, Location


class LocatedDict(dict):
    """A YAML mapping with ``line`` (its first line) and ``key_lines`` (the line of each key)."""

    file: Path
    line: int
    key_lines: dict[str, int]

    def where(self, field: str | None = None) -> Location:
        line = self.key_lines.get(field, self.line) if field else self.line
        return Location(self.file, line, field)


class LocatedList(list):
    """A YAML sequence with ``line`` and ``item_lines``."""

    file: Path
    line: int
    item_lines: list[int]


#: libyaml's C parser when present (several times faster on national-scale data); marks work the same
_BASE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _loader_for(path: Path) -> type[yaml.SafeLoader]:
    class Loader(_BASE_LOADER):  # type: ignore[misc, valid-type]
        pass

    def construct_map(loader: yaml.SafeLoader, node: yaml.MappingNode):
        data = LocatedDict()
        data.file, data.line = path, node.start_mark.line + 1
        data.key_lines = {}
        yield data
        loader.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if key in data:
                raise DataError(
                    f"key '{key}' appears twice in one record (first on line {data.key_lines[key]})",
                    Location(path, key_node.start_mark.line + 1, str(key)),
                    "remove one of them",
                )
            data[key] = loader.construct_object(value_node, deep=True)
            data.key_lines[str(key)] = key_node.start_mark.line + 1

    def construct_seq(loader: yaml.SafeLoader, node: yaml.SequenceNode):
        data = LocatedList()
        data.file, data.line = path, node.start_mark.line + 1
        data.item_lines = [child.start_mark.line + 1 for child in node.value]
        yield data
        data.extend(loader.construct_object(child, deep=True) for child in node.value)

    Loader.add_constructor("tag:yaml.org,2002:map", construct_map)
    Loader.add_constructor("tag:yaml.org,2002:seq", construct_seq)
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


def load_yaml(path: Path) -> Any:
    """Parse one YAML file; syntax errors become a DataError with the line the parser stopped at."""
    text = read_text(path)
    try:
        return yaml.load(text, Loader=_loader_for(path))  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else None
        raise DataError(
            f"malformed YAML: {err.problem or err.context}", Location(path, line), "check indentation and quoting"
        ) from None
    except yaml.YAMLError as err:
        raise DataError(f"malformed YAML: {err}", Location(path)) from None

"""Typed errors: the library raises these, only the CLI turns them into messages and exit codes.

Every error a user can cause says where (file, line, field), what was expected, and what to do, because
the people who edit plan files are analysts, not programmers, and a traceback tells them nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class CspgraphError(Exception):
    """Base class: anything the user can fix. The CLI prints ``str(err)`` and exits 2."""

    exit_code = 2


@dataclass
class Location:
    """Where in an input file a problem sits; ``line`` is 1-based."""

    file: Path | str
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = str(self.file)
        if self.line is not None:
            where += f":{self.line}"
        if self.field:
            where += f": field '{self.field}'"
        return where


class DataError(CspgraphError):
    """Bad plan or reference data: malformed file, missing field, unknown reference, duplicate id."""

    def __init__(self, message: str, location: Location | None = None, hint: str | None = None):
        self.message = message
        self.location = location
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}" if self.location else self.message
        if self.hint:
            text += f"\n  -> {self.hint}"
        return text


class QueryError(CspgraphError):
    """A saved question that does not exist, does not parse, or was given a bad parameter."""


class EndpointError(CspgraphError):
    """A remote SPARQL endpoint that is down, refuses us, or answers something we cannot read."""


class ReasonerError(CspgraphError):
    """The OWL reasoner could not run (no Java runtime, owlready2 cannot read the graph)."""


class ShapeError(CspgraphError):
    """A SHACL shape the SPARQL validator cannot compile (a feature it does not handle, a malformed shape)."""

"""Where a cspgraph project keeps its parts, by convention: ``ontology/``, ``data/``, ``queries/``, ``build/``.

Conventions over flags: the CLI finds the project root by walking up from the working directory to the first
folder holding both ``ontology/`` and ``data/``; flags override each part.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from .errors import CspgraphError

#: the checkout this package was installed from (editable installs); used when the cwd is elsewhere
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class ProjectPaths:
    root: Path
    ontology: Path
    data: Path
    queries: Path
    build: Path

    @property
    def graph_file(self) -> Path:
        """The built graph: ontology, vocabularies and plan data in one Turtle file."""
        return self.build / "cspgraph.ttl"

    @classmethod
    def at(cls, root: Path | str) -> ProjectPaths:
        root = Path(root).resolve()
        return cls(root, root / "ontology", root / "data", root / "queries", root / "build")

    def with_overrides(self, **parts: Path | str | None) -> ProjectPaths:
        return replace(self, **{k: Path(v).resolve() for k, v in parts.items() if v is not None})


def _is_root(folder: Path) -> bool:
    return (folder / "ontology").is_dir() and (folder / "data").is_dir()


def find_project(start: Path | str | None = None) -> ProjectPaths:
    """The project around ``start`` (default: the working directory), else the one cspgraph came from."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if _is_root(folder):
            return ProjectPaths.at(folder)
    if _is_root(_PACKAGE_ROOT):
        return ProjectPaths.at(_PACKAGE_ROOT)
    raise CspgraphError(
        f"no cspgraph project found from {here}: expected a folder holding ontology/ and data/.\n"
        "  -> run the command inside a cspgraph checkout, or pass --root DIR"
    )

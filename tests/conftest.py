"""Shared fixtures: the real project, and a copy of the small invented fixture project to break on purpose."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cspgraph.project import ProjectPaths

REPO = Path(__file__).resolve().parents[1]
MINI = REPO / "tests" / "fixtures" / "mini"


@pytest.fixture(scope="session")
def repo_paths() -> ProjectPaths:
    """The project as shipped: ontology/, data/, queries/ of this checkout; build/ in a temp folder."""
    return ProjectPaths.at(REPO)


@pytest.fixture
def mini_paths(tmp_path: Path) -> ProjectPaths:
    """A writable copy of tests/fixtures/mini, using the real ontology and queries."""
    root = tmp_path / "mini"
    shutil.copytree(MINI, root)
    return ProjectPaths.at(root).with_overrides(ontology=REPO / "ontology", queries=REPO / "queries")


@pytest.fixture(scope="session")
def built(repo_paths):
    """The real graph, built once per test session."""
    from cspgraph.graph import build_graph

    return build_graph(repo_paths)

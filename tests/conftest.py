"""Shared fixtures: the real project, and a copy of the small invented fixture project to break on purpose."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cspgraph.project import ProjectPaths

REPO = Path(__file__).resolve().parents[1]
MINI = REPO / "tests" / "fixtures" / "mini"
#: the stores the session shares between tests (real_store, mini_years_store)
_SHARED_STORES: list = []


@pytest.fixture(autouse=True)
def _no_kept_delivery_between_tests():
    """An analysis keeps a whole-country delivery table on the store it reads (network.as_delivery): dropped
    after each test, so that whether a test reads the shared store for its own year or partnership does not
    depend on which tests ran before it."""
    yield
    from cspgraph.network import forget_delivery

    for store in _SHARED_STORES:
        forget_delivery(store)


@pytest.fixture
def strict_ontology(tmp_path):
    """The ontology of this checkout, copied, with one more shape that no fixture meets (every plan needs a
    dcterms:abstract, which no plan file gives): for builds that must not conform. Returns the folder."""
    folder = tmp_path / "strict-ontology"
    shutil.copytree(REPO / "ontology", folder)
    with (folder / "shapes.ttl").open("a", encoding="utf-8") as shapes:
        shapes.write("""
<urn:test:AbstractShape> a <http://www.w3.org/ns/shacl#NodeShape> ;
  <http://www.w3.org/ns/shacl#targetClass> <https://w3id.org/cspgraph/ontology#Plan> ;
  <http://www.w3.org/ns/shacl#property> [ <http://www.w3.org/ns/shacl#path> <http://purl.org/dc/terms/abstract> ;
                                          <http://www.w3.org/ns/shacl#minCount> 1 ] .
""")
    return folder


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


@pytest.fixture(scope="session")
def real_store(built):
    """The real graph in the default embedded engine (Oxigraph), loaded once per session; read-only."""
    from cspgraph.store import OxigraphStore

    store = OxigraphStore.from_graph(built.graph)
    _SHARED_STORES.append(store)
    return store


@pytest.fixture(scope="session")
def mini_years_paths() -> ProjectPaths:
    """tests/fixtures/mini-years: two invented plan years (2020-21, 2021-22) of one partnership; read-only."""
    return ProjectPaths.at(REPO / "tests" / "fixtures" / "mini-years").with_overrides(
        ontology=REPO / "ontology", queries=REPO / "queries")


@pytest.fixture(scope="session")
def mini_years_store(mini_years_paths):
    """The mini-years graph in the default embedded engine, built once per session; read-only."""
    from cspgraph.graph import build_graph
    from cspgraph.store import OxigraphStore

    store = OxigraphStore.from_graph(build_graph(mini_years_paths).graph)
    _SHARED_STORES.append(store)
    return store


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory):
    """A real Oxigraph server (pip extra ``server``) on a free loopback port, stopped after the session.

    Yields an object with ``endpoint`` (…/query) and ``store_url`` (…/store, Graph Store Protocol).
    Skipped only when the ``oxigraph`` binary is missing on a developer machine; in CI (``CI=true``) a
    missing binary fails, so the remote-endpoint tests cannot silently stop running.
    """
    import os
    import socket
    import subprocess
    import time
    import urllib.request
    from types import SimpleNamespace

    binary = shutil.which("oxigraph")
    if binary is None:
        reason = "the oxigraph server binary is not installed (pip install 'cspgraph[server]')"
        if os.environ.get("CI", "").lower() in ("true", "1"):
            pytest.fail(f"{reason}; CI must run the remote-endpoint tests")
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("oxigraph")
    with socket.socket() as probe:  # a port the OS says is free now
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    with open(folder / "server.log", "wb") as log:
        process = subprocess.Popen([binary, "serve", "--location", str(folder / "db"), "--bind", f"127.0.0.1:{port}"],
                                   stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 15
            while True:
                if process.poll() is not None:
                    pytest.fail(f"oxigraph exited ({process.returncode}): {(folder / 'server.log').read_text()}")
                try:
                    with urllib.request.urlopen(f"{base}/query?query=ASK%7B%7D", timeout=1) as answer:
                        if answer.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"oxigraph did not answer {base}/query within 15 s")
                time.sleep(0.05)
            yield SimpleNamespace(endpoint=f"{base}/query", store_url=f"{base}/store", port=port)
        finally:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

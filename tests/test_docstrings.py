"""The ``>>>`` examples in the library's docstrings run as written: a reader copies them."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import cspgraph


def _examples(name: str) -> int:
    module = importlib.import_module(f"cspgraph.{name}")
    return sum(len(test.examples) for test in doctest.DocTestFinder().find(module))


# only the modules with examples: a module without any passed here while checking nothing
MODULES = sorted(m.name for m in pkgutil.iter_modules(cspgraph.__path__) if _examples(m.name))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name, built):
    result = doctest.testmod(importlib.import_module(f"cspgraph.{name}"), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


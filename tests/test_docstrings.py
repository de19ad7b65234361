"""The ``>>>`` examples in the library's docstrings run as written: a reader copies them."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import cspgraph

MODULES = sorted(m.name for m in pkgutil.iter_modules(cspgraph.__path__))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name, built):
    result = doctest.testmod(importlib.import_module(f"cspgraph.{name}"), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


"""Shared test set-up: optional tools are required in CI, skipped elsewhere.

Locally a missing PyTorch or Graphviz skips the tests that need it, with the
reason. With CI=true (as `.ci/run` sets it) a missing one fails the run, so
the parity and rendering tests can never be skipped silently.
"""

from __future__ import annotations

import importlib
import os
import shutil
from types import ModuleType

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_module(name: str) -> ModuleType:
    """Import `name`; skip the test without it, or fail in CI."""
    try:
        return importlib.import_module(name)
    except ImportError:
        if IN_CI:
            pytest.fail(f"{name} is required in CI but is not installed")
        pytest.skip(f"{name} is not installed")


def require_dot() -> None:
    """Skip (or fail in CI) unless Graphviz's `dot` program is on PATH."""
    if shutil.which("dot") is None:
        if IN_CI:
            pytest.fail("Graphviz's `dot` is required in CI but is not on PATH")
        pytest.skip("Graphviz's `dot` program is not installed")


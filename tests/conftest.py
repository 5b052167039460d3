"""Shared test set-up: optional tools are required in CI, skipped elsewhere.

Locally a missing PyTorch or Graphviz skips the tests that need it, with the
reason. With CI=true (as `.ci/run` sets it) a missing one fails the run, so
the parity and rendering tests can never be skipped silently.
"""

from __future__ import annotations

import importlib
import os
import shutil
from pathlib import Path
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



def require_node_modules() -> Path:
    """The npm files the explorer's site needs (`npm ci`): skip without them, or fail in CI."""
    from micrograd.commands_site import SiteError, find_node_modules

    try:
        return find_node_modules(None)
    except SiteError as missing:
        if IN_CI:
            pytest.fail(f"the explorer's npm files are required in CI: {missing}")
        pytest.skip(str(missing))


CHROMIUM = os.environ.get("MICROGRAD_CHROMIUM", "/usr/bin/chromium")
# Chromium as a test browser: no sandbox as root, and no calls home.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-default-apps"]


def require_browser() -> str:
    """Playwright and Debian's Chromium, which it drives: the browser's path.
    Skip without them, or fail in CI."""
    require_module("playwright.sync_api")
    if not os.access(CHROMIUM, os.X_OK):
        if IN_CI:
            pytest.fail(f"Chromium is required in CI but {CHROMIUM} is missing")
        pytest.skip(f"Chromium is not installed ({CHROMIUM}): apt-get install chromium")
    return CHROMIUM

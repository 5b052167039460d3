"""The committed notebooks are what their cell sources build (CI runs the
committed ones, so an edit to notebooks/cells/ alone would go untested)."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
sys.path.insert(0, str(NOTEBOOKS))

import build  # noqa: E402 (notebooks/build.py, found through the path above)


@pytest.mark.parametrize("name", build.notebook_modules())
def test_the_committed_notebook_has_the_cells_its_source_builds(name: str) -> None:
    committed = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    built = build.build(name)
    assert [(c.cell_type, c.source) for c in committed.cells] == [
        (c.cell_type, c.source) for c in built.cells
    ], f"notebooks/{name}.ipynb is stale: run python notebooks/build.py"


def test_every_notebook_has_a_source() -> None:
    committed = sorted(path.stem for path in NOTEBOOKS.glob("*.ipynb"))
    assert committed == build.notebook_modules()

"""The core runs on the standard library alone; optional pieces load lazily."""

from __future__ import annotations

import subprocess
import sys

CORE = [
    "engine", "functional", "losses", "nn", "optim", "train", "datasets", "checkpoint",
    "files", "gradcheck", "formulas", "trace", "expression", "messages", "replay", "explorer",
    "notebook",
]
OPTIONAL = ["graphviz", "matplotlib", "tqdm", "torch", "numpy", "anywidget", "ipywidgets"]


def test_the_core_and_the_package_import_no_optional_dependency() -> None:
    # In a fresh interpreter, so no other test's imports count.
    code = (
        "import sys\n"
        f"import micrograd, micrograd.cli, {', '.join('micrograd.' + m for m in CORE)}\n"
        f"print([m for m in {OPTIONAL!r} if m in sys.modules])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_python_dash_m_micrograd_runs_the_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "micrograd", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0
    for command in ("demo", "train", "eval", "graph", "explain"):
        assert command in result.stdout

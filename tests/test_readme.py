"""The README's Python examples run as written and print what they claim."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest
from conftest import require_dot, require_module

README = Path(__file__).resolve().parent.parent / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def run(code: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(README), "exec"), {})
    return out.getvalue()


def test_the_readme_has_its_examples() -> None:
    assert len(python_blocks()) >= 3


def test_every_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    require_dot()  # the graph example renders frames
    require_module("graphviz")
    monkeypatch.chdir(tmp_path)  # where the examples write their files
    for code in python_blocks():
        run(code)
    page = (tmp_path / "backward.html").read_text(encoding="utf-8")
    assert page.count('class="mg-frame"') == 10  # the neuron's ten backward steps


def test_the_short_example_prints_the_numbers_in_its_comments() -> None:
    example = next(code for code in python_blocks() if "24.7041" in code)
    claimed = re.findall(r"# ([-0-9.]+)", example)
    assert run(example).split() == claimed == ["24.7041", "138.8338", "645.5773"]


def test_the_lecture_network_example_prints_the_loss_in_its_comment() -> None:
    example = next(code for code in python_blocks() if 'bias_init="uniform"' in code)
    claimed = re.findall(r"# (step .*)", example)
    assert [run(example).strip()] == claimed == ["step 19: loss 0.0178"]

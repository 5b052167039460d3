"""The README's Python examples run as written and do what they claim."""

from __future__ import annotations

import contextlib
import functools
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import require_dot, require_module
from hypothesis import given, settings
from test_trace import random_graphs

from micrograd.engine import Value, topological_order

REPOSITORY = Path(__file__).resolve().parent.parent
README = REPOSITORY / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def shell_command(comment: str) -> str:
    """The command of the README's shell example that starts with `# comment`."""
    blocks = re.findall(r"```bash\n# (.*?)\n(.*?)\n```", README.read_text(encoding="utf-8"), re.S)
    (command,) = [command for said, command in blocks if said.startswith(comment)]
    return str(command)


def test_ci_runs_the_readme_s_test_command() -> None:
    command = shell_command("run the whole test suite")
    assert command.endswith("-m pytest")
    assert command in (REPOSITORY / ".ci" / "run").read_text(encoding="utf-8").splitlines()


def test_the_folders_the_readme_s_commands_write_are_ignored_by_git() -> None:
    ignored = (REPOSITORY / ".gitignore").read_text(encoding="utf-8").splitlines()
    (site,) = re.findall(r"micrograd site (\w+)", shell_command("open the backprop explorer"))
    assert f"/{site}/" in ignored
    assert "micrograd-demo/" in ignored  # where `micrograd demo` writes by default


def block_with(text: str) -> str:
    """The one example that contains `text`."""
    found = [code for code in python_blocks() if text in code]
    assert len(found) == 1, f"{len(found)} README examples contain {text!r}, not 1"
    return found[0]


def execute(code: str) -> tuple[str, dict[str, Any]]:
    """What `code` prints, and the names it defines."""
    out = io.StringIO()
    namespace: dict[str, Any] = {}
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(README), "exec"), namespace)
    return out.getvalue(), namespace


@functools.cache
def run(code: str) -> str:
    """What `code` prints, run once per test session (training takes seconds)."""
    return execute(code)[0]


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
    example = block_with("24.7041")
    claimed = re.findall(r"# ([-0-9.]+)", example)
    assert run(example).split() == claimed == ["24.7041", "138.8338", "645.5773"]


def test_the_lecture_network_example_prints_the_loss_in_its_comment() -> None:
    example = next(code for code in python_blocks() if 'bias_init="uniform"' in code)
    claimed = re.findall(r"# (step .*)", example)
    assert [run(example).strip()] == claimed == ["step 19: loss 0.0178"]


def test_the_training_example_reaches_the_accuracy_it_states() -> None:
    example = block_with("losses.hinge")
    (claimed,) = re.findall(r"^print\(.*\)  # (.*)$", example, re.M)
    assert claimed.endswith("accuracy 100%")
    assert run(example).strip() == claimed


def readme_backward() -> Callable[[Value], None]:
    """The hand-written `backward(root)` of "How the engine works"."""
    _printed, namespace = execute(block_with("def backward(root)"))
    backward: Callable[[Value], None] = namespace["backward"]
    return backward


@settings(max_examples=50, deadline=None)
@given(random_graphs())
def test_the_hand_written_backward_gives_the_gradients_of_backward(
    graph: tuple[Value, list[Value]],
) -> None:
    root, _leaves = graph
    nodes = topological_order(root)
    readme_backward()(root)  # on a fresh graph, as its comment asks
    by_hand = [node.grad for node in nodes]
    for node in nodes:
        node.grad = 0.0
    root.backward()
    # The same contributions added in the same order: equal, not just close.
    assert [node.grad for node in nodes] == by_hand

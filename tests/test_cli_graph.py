"""`graph` and `explain` subcommands, through a throwaway argparse parser."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pytest
from conftest import require_dot, require_module

from micrograd import commands_graph, viz
from micrograd.commands_graph import FRAMES_TIME_LIMIT, add_graph_commands
from micrograd.viz import RENDER_TIMEOUT, RenderError

NEURON = ["tanh(x1*w1 + x2*w2 + b)", "--set", "x1=2", "x2=0", "w1=-3", "w2=1",
          "b=6.8813735870195432"]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Parse `argv` as `micrograd` would and run the handler: (status, stdout, stderr)."""
    parser = argparse.ArgumentParser(prog="micrograd")
    add_graph_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    status = args.func(args)
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture(autouse=True)
def in_tmp_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def no_temporary_files(folder: Path) -> bool:
    return not [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


# -- graph ------------------------------------------------------------------------------


def test_graph_prints_dot_text_without_needing_graphviz(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "")
    status, out, err = run(["graph", *NEURON], capsys)
    assert (status, err) == (0, "")
    assert out.startswith("digraph {") and "{ x1 | data 2.0000 | grad 0.0000 }" in out


def test_graph_after_backward_shows_gradients_and_local_derivatives(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run(["graph", *NEURON, "--backward", "--local-grads"], capsys)
    assert status == 0
    assert "{ w1 | data -3.0000 | grad 1.0000 }" in out
    assert 'label="-3"' in out


def test_graph_writes_dot_text_to_a_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, out, _ = run(["graph", *NEURON, "-o", "g.dot"], capsys)
    assert status == 0 and out == "wrote g.dot\n"
    assert (tmp_path / "g.dot").read_text().startswith("digraph {")
    assert no_temporary_files(tmp_path)


def test_graph_renders_an_svg(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    require_module("graphviz")
    require_dot()
    (tmp_path / "g.svg").write_text("old")
    status, _, _ = run(["graph", *NEURON, "--backward", "-o", "g.svg"], capsys)
    assert status == 0
    svg = (tmp_path / "g.svg").read_text()
    assert "<svg" in svg and "data 2.0000" in svg and "x1" in svg and "tanh" in svg
    assert no_temporary_files(tmp_path)


def test_graph_writes_one_svg_frame_per_step_and_a_stepper(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    require_module("graphviz")
    require_dot()
    status, out, _ = run(["graph", *NEURON, "--frames", "frames"], capsys)
    assert status == 0 and out == "wrote 10 frames and index.html to frames\n"
    names = sorted(p.name for p in (tmp_path / "frames").iterdir())
    assert names == ["index.html"] + [f"step_{k:02d}.svg" for k in range(1, 11)]
    first = (tmp_path / "frames" / "step_01.svg").read_text()
    assert "<svg" in first and "grad ?" in first
    page = (tmp_path / "frames" / "index.html").read_text()
    assert page.count('class="mg-frame"') == 10 and "http" not in page
    assert no_temporary_files(tmp_path)


def test_graph_frames_show_local_derivatives_only_with_local_grads(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    require_module("graphviz")
    require_dot()
    # ∂(x1*w1)/∂x1 = w1 = -3 labels an edge: an SVG text of its own, its minus escaped.
    run(["graph", *NEURON, "--frames", "plain"], capsys)
    run(["graph", *NEURON, "--frames", "local", "--local-grads"], capsys)
    assert ">&#45;3</text>" not in (tmp_path / "plain" / "step_01.svg").read_text()
    assert ">&#45;3</text>" in (tmp_path / "local" / "step_01.svg").read_text()


class SlowDot:
    """Graphviz's dot on a clock of its own: each graph takes `seconds`, and
    a run past its time limit is stopped there, as viz stops the real one."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.now = 0.0
        self.timeouts: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def run(self, source: str, format: str, engine: str, quiet: bool, timeout: float) -> bytes:
        self.timeouts.append(timeout)
        if self.seconds > timeout:
            self.now += timeout
            raise RenderError(f"Graphviz's {engine} took more than {timeout:g} s to lay out "
                              "this graph and was stopped")
        self.now += self.seconds
        return b"<svg></svg>"


def slow_dot(monkeypatch: pytest.MonkeyPatch, seconds: float) -> SlowDot:
    require_module("graphviz")
    dot = SlowDot(seconds)
    monkeypatch.setattr(commands_graph, "time", dot)  # the clock of --frames' time limit
    monkeypatch.setattr(viz, "_run_dot", dot.run)
    return dot


def test_frames_are_each_drawn_within_the_time_limit_of_one_graph(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    dot = slow_dot(monkeypatch, seconds=1.0)
    status, out, _err = run(["graph", *NEURON, "--frames", "frames"], capsys)
    assert status == 0 and out == "wrote 10 frames and index.html to frames\n"
    assert FRAMES_TIME_LIMIT > RENDER_TIMEOUT
    assert dot.timeouts == [RENDER_TIMEOUT] * 10


def test_frames_that_run_out_of_time_say_so(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Two frames take 50 of the 60 s; the third is stopped when the 60 s are up.
    dot = slow_dot(monkeypatch, seconds=25.0)
    status, out, err = run(["graph", *NEURON, "--frames", "frames"], capsys)
    assert (status, out) == (1, "")
    assert dot.timeouts == [RENDER_TIMEOUT, RENDER_TIMEOUT, FRAMES_TIME_LIMIT - 50.0]
    assert err == (f"micrograd: error: --frames: drawing 2 of the 10 frames took more than "
                   f"{FRAMES_TIME_LIMIT:g} s: use a smaller expression\n")
    assert list(tmp_path.iterdir()) == []


def test_a_frame_that_takes_too_long_by_itself_says_so(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    slow_dot(monkeypatch, seconds=45.0)
    status, _out, err = run(["graph", *NEURON, "--frames", "frames"], capsys)
    assert status == 1
    assert err == (f"micrograd: error: Graphviz's dot took more than {RENDER_TIMEOUT:g} s to "
                   "lay out this graph and was stopped\n")


def test_a_missing_dot_program_fails_in_one_line_and_keeps_the_old_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_module("graphviz")
    (tmp_path / "g.svg").write_text("old")
    monkeypatch.setenv("PATH", "")
    status, out, err = run(["graph", *NEURON, "-o", "g.svg"], capsys)
    assert status == 1 and out == ""
    assert err.startswith("micrograd: error: ") and err.count("\n") == 1
    assert "apt-get install graphviz" in err
    assert (tmp_path / "g.svg").read_text() == "old"
    assert no_temporary_files(tmp_path)


BAD_GRAPH_INPUT = {
    "bad expression": (["x.data", "--set", "x=1"], "attribute access not allowed"),
    "missing value": (["x + y", "--set", "x=1"], "variable 'y' has no value"),
    "no value at all": (["x"], "variable 'x' has no value"),
    "not NAME=VALUE": (["x", "--set", "x"], "expected NAME=VALUE"),
    "bad name": (["x", "--set", "1x=2"], "expected NAME=VALUE"),
    "dunder name": (["x", "--set", "__x=2"], "expected NAME=VALUE"),
    "not a number": (["x", "--set", "x=two"], "'two' is not a number"),
    "not finite": (["x", "--set", "x=inf"], "must be finite"),
    "set twice": (["x", "--set", "x=1", "x=2"], "x is set twice"),
    "math error": (["log(x)", "--set", "x=-1"], "log: its input must be > 0"),
    "division by zero": (["x / 0", "--set", "x=1"], "division"),
    "unknown format": (["x", "--set", "x=1", "-o", "g.txt"], "unknown format '.txt'"),
    "missing folder": (["x", "--set", "x=1", "-o", "nowhere/g.dot"], "does not exist"),
}


@pytest.mark.parametrize("case", list(BAD_GRAPH_INPUT))
def test_bad_graph_input_exits_2_with_one_line(
    case: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv, message = BAD_GRAPH_INPUT[case]
    status, out, err = run(["graph", *argv], capsys)
    assert status == 2 and out == ""
    assert err.startswith("micrograd: error: ") and err.count("\n") == 1
    assert message in err
    assert os.listdir(tmp_path) == []


# -- explain ------------------------------------------------------------------------------


def test_explain_prints_the_chain_rule(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["explain", *NEURON, "--wrt", "x1"], capsys)
    assert (status, err) == (0, "")
    assert "path 1: tanh(x1 * w1 + x2 * w2 + b) → (x1 * w1 + x2 * w2 + b)" in out
    assert "backward gives x1.grad = -1.5 (the same)" in out


def test_explain_a_variable_used_twice(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["explain", "x*x + x", "--set", "x=3", "--wrt", "x"], capsys)
    assert status == 0
    assert "∂(x * x + x)/∂x = 3 + 3 + 1 = 7" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["x*y", "--set", "x=1", "y=2", "--wrt", "z"], "'z' is not a variable of 'x*y'"),
        (["x", "--set", "x=1", "--wrt", "y"], "'y' is not a variable of 'x'"),
        (["x[0]", "--set", "x=1", "--wrt", "x"], "subscripts not allowed"),
        (["x ** 0.5", "--set", "x=-4", "--wrt", "x"], "negative base"),
    ],
)
def test_bad_explain_input_exits_2_with_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(["explain", *argv], capsys)
    assert status == 2 and out == ""
    assert err.startswith("micrograd: error: ") and err.count("\n") == 1
    assert message in err


def test_explain_requires_wrt(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        run(["explain", "x", "--set", "x=1"], capsys)
    assert done.value.code == 2

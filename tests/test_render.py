"""Rendering graphs with Graphviz: large graphs laid out fast, a time limit, a frame cap."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from conftest import require_dot, require_module

from micrograd import MLP, Value, commands_graph, viz
from micrograd.cli import main
from micrograd.engine import topological_order
from micrograd.expression import evaluate
from micrograd.functional import softmax
from micrograd.viz import GraphvizMissing, RenderError, draw_dot, to_dot


def chain(terms: int) -> Value:
    """x*y + x*y + … : two leaves shared all along a long chain."""
    return evaluate("+".join(["x*y"] * terms), {"x": 1.0, "y": 2.0})[0]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def drawing(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """`micrograd graph argv` (with Graphviz): (status, stdout, stderr)."""
    require_module("graphviz")
    require_dot()
    return run(capsys, "graph", *argv)


def copies(text: str) -> list[str]:
    return re.findall(r"^\t(v\d+_v\d+_\d+) \[label=.* style=dashed\]$", text, re.M)


# -- large graphs: drawn so that dot lays them out in seconds -------------------------------


def test_leaves_shared_along_a_long_chain_are_drawn_again_beside_each_use() -> None:
    text = to_dot(chain(75))
    # x and y: the first use of each draws the leaf, the 74 others a copy.
    assert len(copies(text)) == 2 * 74
    assert "\tnslimit=1\n" in text
    x_copy = next(line for line in text.splitlines() if "_v" in line and "{ x |" in line)
    assert "{ x | data 1.0000 | grad 0.0000 }" in x_copy
    # Each copy feeds exactly one op, and every op still has its two inputs.
    for name in copies(text):
        assert len(re.findall(rf"^\t{name} -> ", text, re.M)) == 1
    assert text.count(" -> v") - text.count("_op -> v") == 2 * 75 + 2 * 74


def test_a_highlighted_leaf_is_highlighted_in_every_copy() -> None:
    root = chain(75)
    x = next(node for node in topological_order(root) if node.label == "x")
    text = to_dot(root, highlight=x)
    assert len(re.findall(r'style="filled,dashed" fillcolor="#ffe08a"', text)) == 74


@pytest.mark.parametrize("terms", [1, 2, 20])
def test_a_short_chain_is_drawn_as_it_is(terms: int) -> None:
    text = to_dot(chain(terms))
    assert copies(text) == [] and "nslimit" not in text


def test_the_graphs_of_networks_are_drawn_as_they_are() -> None:
    model = MLP(2, [16, 16, 3], rng=random.Random(0))
    out = model([Value(0.5), Value(-0.2)])
    assert isinstance(out, list)
    for root in (softmax(out)[0], out[0]):
        text = to_dot(root)
        assert copies(text) == [] and "nslimit" not in text


def test_a_long_chain_renders_with_its_copies() -> None:
    require_module("graphviz")
    require_dot()
    svg = draw_dot(chain(75)).pipe(format="svg", encoding="utf-8")
    assert svg.count("stroke-dasharray") >= 2 * 74


# -- a time limit on rendering ------------------------------------------------------------------


def test_rendering_past_the_time_limit_stops_with_what_to_do() -> None:
    require_module("graphviz")
    require_dot()
    graph = draw_dot(chain(3))
    with pytest.raises(RenderError) as caught:
        graph.pipe(format="svg", timeout=1e-4)
    message = str(caught.value)
    assert message.startswith("Graphviz's dot took more than 0.0001 s to lay out this graph")
    assert "draw a smaller graph" in message and "to_dot()" in message and "\n" not in message
    assert graph.pipe(format="svg", timeout=60.0).startswith(b"<?xml")


def test_the_default_time_limit_applies_to_jupyter_display_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    require_module("graphviz")
    require_dot()
    monkeypatch.setattr(viz, "RENDER_TIMEOUT", 1e-4)
    with pytest.raises(RenderError, match="took more than"):
        draw_dot(chain(3))._repr_mimebundle_()


def test_a_failing_dot_is_a_render_error_in_one_line() -> None:
    require_module("graphviz")
    require_dot()
    with pytest.raises(RenderError, match=r"Graphviz's dot failed \(exit status \d+\)"):
        draw_dot(chain(2)).pipe(format="no-such-format")
    assert issubclass(GraphvizMissing, RenderError)


def test_graph_past_the_time_limit_exits_1_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(viz, "RENDER_TIMEOUT", 1e-4)
    status, out, err = drawing(capsys, "x*y", "--set", "x=1", "y=2", "-o", str(tmp_path / "g.svg"))
    assert (status, out) == (1, "")
    assert err.startswith("micrograd: error: Graphviz's dot took more than")
    assert err.count("\n") == 1 and list(tmp_path.iterdir()) == []


# -- frames: a cap and a time limit ------------------------------------------------------------


def test_too_many_frames_are_refused_before_any_is_drawn(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expr = " + ".join(f"x{i}*y{i}" for i in range(50))
    values = [f"{name}{i}=1" for i in range(50) for name in "xy"]
    status, out, err = run(capsys, "graph", expr, "--set", *values, "--frames",
                           str(tmp_path / "frames"))
    assert (status, out) == (2, "")
    assert err == (
        "micrograd: error: --frames: the backward pass of this expression has 199 steps; "
        f"at most {commands_graph.MAX_FRAMES} frames are drawn, each the whole graph: use a "
        "smaller expression, or draw one picture with --backward -o FILE.svg\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_frames_past_their_time_limit_stop_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(commands_graph, "FRAMES_TIME_LIMIT", 0.0)
    status, _out, err = drawing(capsys, "x*y + x", "--set", "x=1", "y=2", "--frames",
                                str(tmp_path / "frames"))
    assert status == 1
    assert err == ("micrograd: error: --frames: drawing 0 of the 4 frames took more than "
                   "0 s: use a smaller expression\n")
    assert list(tmp_path.iterdir()) == []  # not even the folder


def test_frames_interrupted_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real_run_dot = viz._run_dot
    drawn: list[int] = []

    def run_dot(*args: object) -> bytes:
        if len(drawn) == 2:
            raise KeyboardInterrupt
        drawn.append(1)
        return real_run_dot(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(viz, "_run_dot", run_dot)
    status, _out, err = drawing(capsys, "x*y + x", "--set", "x=1", "y=2", "--frames",
                                str(tmp_path / "frames"))
    assert status == 130 and err == "micrograd: interrupted\n"
    assert list(tmp_path.iterdir()) == []

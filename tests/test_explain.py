"""explain: the chain rule for one leaf, as a sum over paths or node by node."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_trace import neuron, random_graphs

from micrograd.engine import Value, topological_order
from micrograd.trace import MAX_PATHS, explain


def shared_tower(levels: int) -> tuple[Value, Value]:
    """y ← y·y + y, `levels` times: 3 edges per level into y, so 3^levels paths.
    From −0.3, y stays in (−0.3, 0): no overflow however many levels."""
    x = Value(-0.3, label="x")
    y = x
    for _ in range(levels):
        y = y * y + y
    return y, x


def test_the_lecture_neuron_written_out() -> None:
    o, v = neuron()
    explanation = explain(o, v["x1"])
    assert explanation.path_count == 1
    text = str(explanation)
    assert "path 1: o → n → (x1*w1 + x2*w2) → (x1*w1) → x1" in text
    assert "∂o/∂n · ∂n/∂(x1*w1 + x2*w2) · ∂(x1*w1 + x2*w2)/∂(x1*w1) · ∂(x1*w1)/∂x1" in text
    assert "= (1 − tanh²(n)) · 1 · 1 · w1" in text
    assert "= 0.5 · 1 · 1 · (-3)" in text
    assert text.splitlines()[-1] == "backward gives x1.grad = -1.5 (the same)"
    o.backward()
    assert explanation.total == pytest.approx(v["x1"].grad, rel=1e-12)


def test_explain_leaves_every_gradient_as_it_was() -> None:
    o, v = neuron()
    o.backward()
    before = {node: node.grad for node in topological_order(o)}
    explain(o, v["w1"])
    assert {node: node.grad for node in topological_order(o)} == before
    fresh, w = neuron()
    explain(fresh, w["w1"])
    assert all(node.grad == 0.0 for node in topological_order(fresh))


def test_a_reused_node_gives_one_path_per_use() -> None:
    x = Value(3.0, label="x")
    explanation = explain(x * x + x, x)
    assert explanation.path_count == 3
    text = str(explanation)
    assert "x (operand 1 of x * x)" not in text  # unlabeled: the product is named v1
    assert "path 1: v2 → v1 → x (operand 1 of v1)" in text
    assert "path 2: v2 → v1 → x (operand 2 of v1)" in text
    assert "∂v2/∂x = 3 + 3 + 1 = 7" in text
    assert explanation.total == 7.0


def test_explain_agrees_with_backward_on_the_notes_form() -> None:
    # dJ/db1 = dJ/dz2 · W2 · σ1'(z1): a two-layer chain with one path to b1
    x, w1, b1, w2, b2 = (Value(v, label=n) for v, n in
                         [(0.5, "x"), (-1.2, "w1"), (0.3, "b1"), (0.8, "w2"), (0.1, "b2")])
    z1 = w1 * x + b1
    z1.label = "z1"
    a1 = z1.sigmoid()
    a1.label = "a1"
    z2 = w2 * a1 + b2
    z2.label = "z2"
    J = (z2 - 1.0) ** 2
    J.label = "J"
    explanation = explain(J, b1)
    J.backward()
    assert explanation.path_count == 1
    assert math.isclose(explanation.total, b1.grad, rel_tol=1e-12)
    assert "σ(z1)·(1 − σ(z1))" in str(explanation)


@settings(max_examples=50, deadline=None)
@given(random_graphs(), st.data())
def test_the_total_equals_the_gradient_on_random_graphs(
    graph: tuple[Value, list[Value]], data: st.DataObject
) -> None:
    root, leaves = graph
    wrt = data.draw(st.sampled_from(leaves))
    explanation = explain(root, wrt)
    root.backward()
    assert math.isclose(explanation.total, wrt.grad, rel_tol=1e-9, abs_tol=1e-12)
    assert explanation.backward_grad == wrt.grad
    if explanation.paths is not None:
        assert len(explanation.paths) == explanation.path_count
        for path in explanation.paths:  # each path runs from root down to wrt
            assert path[0][0] is root if path else root is wrt
            assert (path[-1][0]._prev[path[-1][1]] if path else root) is wrt


def test_too_many_paths_are_explained_node_by_node_at_once() -> None:
    y, x = shared_tower(40)
    explanation = explain(y, x)
    assert explanation.path_count == 3**40 > MAX_PATHS
    assert explanation.paths is None
    text = str(explanation)
    assert f"{3**40} paths lead from v80 to x, too many to write out" in text
    lines = text.splitlines()
    assert len(lines) < 200  # one line per node on the way, not per path
    assert lines[-2].startswith("∂v80/∂x = ∂v80/∂v2 · ∂v2/∂x + ∂v80/∂v1 · ∂v1/∂x + ")
    y.backward()
    assert explanation.total == x.grad != 0.0
    assert "\\begin{aligned}" in explanation.latex()


def test_max_paths_sets_where_node_by_node_begins() -> None:
    x = Value(3.0, label="x")
    explanation = explain(x * x + x, x, max_paths=2)
    assert explanation.paths is None and explanation.total == 7.0
    assert "3 paths lead from v2 to x, too many to write out (more than 2)" in str(explanation)
    # the terms come in backward's order: the root's own edge to x first
    assert (
        "∂v2/∂x = ∂v2/∂v2 · ∂v2/∂x + ∂v2/∂v1 · ∂v1/∂x + ∂v2/∂v1 · ∂v1/∂x"
        " = 1 · 1 + 1 · 3 + 1 · 3 = 7"
    ) in str(explanation)


def test_a_leaf_the_root_does_not_depend_on() -> None:
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    explanation = explain(x.tanh(), y)
    assert explanation.path_count == 0 and explanation.total == 0.0
    assert str(explanation).startswith("∂v1/∂y = 0: no path leads from v1 to y")


def test_the_root_with_respect_to_itself_is_one() -> None:
    x = Value(4.0, label="x")
    explanation = explain(x, x)
    assert explanation.total == 1.0 and explanation.path_count == 1
    assert "∂x/∂x = 1" in str(explanation)


def test_latex_and_markdown() -> None:
    o, v = neuron()
    explanation = explain(o, v["x1"])
    latex = explanation.latex()
    assert latex.startswith("\\begin{aligned}") and latex.endswith("\\end{aligned}")
    assert r"\frac{\partial o}{\partial n}" in latex
    assert r"\left(1 - \tanh^2(n)\right) \cdot 1 \cdot 1 \cdot w_{1}" in latex
    assert r"\frac{\partial o}{\partial x_{1}} &= -1.5" in latex
    assert explanation._repr_latex_() == f"$$\n{latex}\n$$"
    markdown = explanation._repr_markdown_()
    assert latex in markdown and "(the same)" in markdown


def test_the_repr_counts_one_path_in_the_singular() -> None:
    x = Value(2.0, label="x")
    y = x.tanh()
    y.label = "y"
    assert repr(explain(y, x)).endswith(": 1 path>")
    z = x * x
    z.label = "z"
    assert repr(explain(z, x)).endswith(": 2 paths>")


def test_compound_names_are_bracketed_in_the_text_and_the_latex() -> None:
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    xy = x * y
    xy.label = "x * y"
    root = xy + x
    root.label = "x * y + x"
    explanation = explain(root, x)
    text = str(explanation)
    assert "path 1: (x * y + x) → (x * y) → x" in text
    assert "∂(x * y + x)/∂(x * y) · ∂(x * y)/∂x" in text
    assert text.splitlines()[-1] == "backward gives x.grad = 4 (the same)"
    latex = explanation.latex()
    assert (
        r"\frac{\partial \left(\text{x * y + x}\right)}{\partial \left(\text{x * y}\right)}"
        in latex
    )
    markdown = explanation._repr_markdown_()
    assert r"from $\left(\text{x * y + x}\right)$ to $x$" in markdown

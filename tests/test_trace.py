"""trace: the backward pass step by step, the formula table, frames and stepper."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from chain_rule import chain_rule_reference
from conftest import require_dot, require_module
from hypothesis import given, reject, settings
from hypothesis import strategies as st
from op_table import OPS, Op

from micrograd.engine import Value, dot, sum_values, topological_order
from micrograd.formulas import (
    format_number,
    forward_formula,
    is_atom,
    local_formula,
    node_names,
    op_rule,
    operand,
    partial,
    partial_symbol,
)
from micrograd.trace import BackwardTrace, trace_backward


def neuron() -> tuple[Value, dict[str, Value]]:
    """The lecture neuron o = tanh(x1·w1 + x2·w2 + b), labelled as in the lecture."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b, "n": n}


@st.composite
def random_graphs(draw: st.DrawFn) -> tuple[Value, list[Value]]:
    """A small expression DAG whose nodes may be reused anywhere above them."""
    leaves = [
        Value(draw(st.floats(-2.0, 2.0, allow_nan=False)), label=f"x{i}")
        for i in range(draw(st.integers(1, 4)))
    ]
    nodes = list(leaves)

    def pick() -> Value:
        return draw(st.sampled_from(nodes))

    try:
        for _ in range(draw(st.integers(1, 8))):
            kind = draw(
                st.sampled_from(
                    ["+", "*", "-", "tanh", "sigmoid", "relu", "leaky", "pow", "sum", "dot"]
                )
            )
            if kind == "+":
                node = pick() + pick()
            elif kind == "*":
                node = pick() * pick()
            elif kind == "-":
                node = pick() - pick()
            elif kind == "tanh":
                node = pick().tanh()
            elif kind == "sigmoid":
                node = pick().sigmoid()
            elif kind == "relu":
                node = pick().relu()
            elif kind == "leaky":
                node = pick().leaky_relu(0.1)
            elif kind == "pow":
                node = pick() ** draw(st.integers(0, 3))
            elif kind == "sum":
                node = sum_values([pick() for _ in range(draw(st.integers(1, 4)))])
            else:
                k = draw(st.integers(1, 3))
                node = dot([pick() for _ in range(k)], [pick() for _ in range(k)], pick())
            nodes.append(node)
    except OverflowError:
        reject()
    return nodes[-1], leaves


# -- the lecture neuron ------------------------------------------------------------------


def test_one_step_per_node_in_reverse_topological_order() -> None:
    o, _ = neuron()
    trace = trace_backward(o)
    assert [step.node for step in trace] == list(reversed(topological_order(o)))
    assert len(trace) == 10
    assert [step.name for step in trace][:2] == ["o", "n"]


def test_each_step_names_op_upstream_locals_and_contributions() -> None:
    o, v = neuron()
    trace = trace_backward(o)
    first, second = trace[0], trace[1]
    assert (first.name, first.op, first.upstream) == ("o", "tanh", 1.0)
    (edge,) = first.edges
    assert edge.child is v["n"]
    assert edge.local == pytest.approx(0.5, abs=1e-15)
    assert edge.derivative == "∂tanh(n)/∂n = 1 − tanh²(n) = 0.5"
    assert [e.contribution for e in second.edges] == pytest.approx([0.5, 0.5])  # 1 · ∂o/∂n
    assert second.upstream == v["n"].grad
    product = next(step for step in trace if step.name == "x1*w1")
    assert [e.derivative for e in product.edges] == [
        "∂(x1·w1)/∂x1 = w1 = -3",
        "∂(x1·w1)/∂w1 = x1 = 2",
    ]
    assert [e.contribution for e in product.edges] == [v["x1"].grad, v["w1"].grad]
    leaf = trace[-1]
    assert leaf.op == "" and leaf.edges == () and leaf.upstream == v["x1"].grad
    assert leaf.upstream == pytest.approx(-1.5)


@settings(max_examples=50, deadline=None)
@given(random_graphs())
def test_every_step_has_the_chain_rule_gradient(graph: tuple[Value, list[Value]]) -> None:
    root, _ = graph
    expected = chain_rule_reference(root)  # computed apart from backward
    assert {step.node: step.upstream for step in trace_backward(root)} == expected


def test_text_table_has_one_row_per_edge_and_per_leaf() -> None:
    o, _ = neuron()
    text = str(trace_backward(o))
    lines = text.splitlines()
    assert lines[0].startswith("backward from o = 0.707107, seeded with ∂o/∂o = 1")
    assert lines[2].split()[:4] == ["step", "node", "op", "∂o/∂node"]
    rows = lines[4:]
    assert len(rows) == 9 + 5  # 9 edges, 5 leaves
    assert "∂tanh(n)/∂n = 1 − tanh²(n) = 0.5" in rows[0]
    assert rows[-1].split() == ["10", "x1", "leaf", "-1.5", "(a", "leaf:", "its", "gradient",
                                "is", "complete)"]


def test_markdown_is_a_table_with_latex() -> None:
    o, _ = neuron()
    markdown = trace_backward(o)._repr_markdown_()
    rows = [line for line in markdown.splitlines() if line.startswith("| ")]
    assert len(rows) == 2 + 14  # header, rule, one per edge or leaf
    assert r"$\frac{\partial \tanh(n)}{\partial n} = 1 - \tanh^2(n) = 0.5$" in markdown
    assert r"$x_{1}$" in markdown and r"\text{x1*w1}" in markdown
    assert all(row.count(" | ") == 6 for row in rows)


def test_a_bar_in_a_label_does_not_break_the_markdown_table() -> None:
    a = Value(1.0, label="a|b")
    out = a * 2.0
    rows = [r for r in trace_backward(out)._repr_markdown_().splitlines() if r.startswith("| ")]
    assert all(len(re.split(r"(?<!\\)\|", row)) == 9 for row in rows)


def test_leaf_gradients_accumulate_and_the_trace_says_so() -> None:
    x = Value(3.0, label="x")
    x.grad = 10.0
    y = x * x
    trace = trace_backward(y)
    assert x.grad == 16.0
    assert trace[-1].upstream == 6.0  # ∂y/∂x, without what x held before
    last = list(trace.known_grads())[-1]
    assert last[x] == 16.0


def test_an_empty_sum_is_not_a_leaf_to_the_trace() -> None:
    # sum_values([]) has no children, yet backward resets its gradient like any
    # op's; a trace taking it for a leaf would subtract the stale gradient.
    x = Value(3.0, label="x")
    empty = sum_values([])
    root = x + empty
    root.backward()  # empty.grad is now 1.0, and stale for the next pass
    trace = trace_backward(root)
    step = next(step for step in trace if step.node is empty)
    assert empty.grad == 1.0 and step.upstream == 1.0
    assert list(trace.known_grads())[-1][empty] == 1.0


# -- properties on random graphs ------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(random_graphs())
def test_contributions_sum_to_every_gradient(graph: tuple[Value, list[Value]]) -> None:
    root, leaves = graph
    trace = trace_backward(root)
    received: dict[Value, float] = {}
    for step in trace:
        for edge in step.edges:
            received[edge.child] = received.get(edge.child, 0.0) + edge.contribution
    for step in trace:
        if step.node is not root:
            # the same additions in the same order as backward: equal, not close
            assert received.get(step.node, 0.0) == step.node.grad == step.upstream
    for leaf in leaves:
        assert leaf.grad == received.get(leaf, 0.0) + (1.0 if leaf is root else 0.0)


@settings(max_examples=30, deadline=None)
@given(random_graphs())
def test_known_grads_grow_to_the_final_gradients(graph: tuple[Value, list[Value]]) -> None:
    root, _ = graph
    trace = trace_backward(root)
    known = list(trace.known_grads())
    assert len(known) == len(trace)
    for k, step in enumerate(trace):
        assert known[k][step.node] == step.node.grad  # complete when visited
    assert known[-1] == {node: node.grad for node in topological_order(root)}


# -- the formula table ------------------------------------------------------------------


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
@settings(max_examples=5, deadline=None)
@given(data=st.data())
def test_every_op_of_the_engine_has_formulas(op: Op, data: st.DataObject) -> None:
    args = [data.draw(strategy) for strategy in op.domain]
    args = [a if i in op.numbers else Value(a, label=f"a{i}") for i, a in enumerate(args)]
    out = op.micrograd(*args)
    names = node_names(topological_order(out))
    for node in topological_order(out):
        if not node._prev:
            continue
        rule = op_rule(node._op, len(node._prev))
        assert rule is not None, f"no formula for op {node._op!r}"
        assert len(rule.partials) == len(node._prev)
        for i in range(len(node._prev)):
            assert local_formula(node, i, names) and local_formula(node, i, names, latex=True)
        assert "$" not in forward_formula(node, names)  # every placeholder filled in


def test_the_formula_of_each_op_names_the_right_children() -> None:
    x, y = Value(2.0, label="x"), Value(3.0, label="y")

    def formulas(node: Value) -> list[str | None]:
        names = node_names(topological_order(node))
        return [local_formula(node, i, names) for i in range(len(node._prev))]

    assert formulas(x * y) == ["y", "x"]
    assert formulas(x + y) == ["1", "1"]
    assert formulas(x**2) == ["2·x"]
    assert formulas(x**3) == ["3·x^2"]
    assert formulas(x**-1) == ["-1·x^(-2)"]
    assert formulas(x**0.5) == ["0.5·x^(-0.5)"]
    assert formulas(x**y) == ["y·x^(y − 1)", "x^y·ln(x)"]
    assert formulas(x.exp()) == ["exp(x)"]
    assert formulas(x.log()) == ["1/x"]
    assert formulas(x.sigmoid()) == ["σ(x)·(1 − σ(x))"]
    assert formulas(x.relu()) == ["(1 if x > 0 else 0)"]
    assert formulas(dot([x], [y], bias=Value(1.0, label="b"))) == ["1", "y", "x"]
    assert formulas(sum_values([x, y])) == ["1", "1"]
    assert formulas(sum_values([x, y], start=1.0)) == ["1", "1", "1"]


def test_partial_symbols_group_infix_formulas() -> None:
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    names = node_names(topological_order(x * y))
    assert partial_symbol(x * y, 0, names) == "∂(x·y)/∂x"
    t = x.tanh()
    assert partial_symbol(t, 0, node_names([x, t])) == "∂tanh(x)/∂x"


def test_long_sums_are_shortened_in_the_formula() -> None:
    xs = [Value(1.0, label=f"x{i}") for i in range(20)]
    total = sum_values(xs)
    names = node_names(topological_order(total))
    assert forward_formula(total, names) == "x0 + x1 + x2 + x3 + … + x19"


def test_an_op_not_in_the_table_falls_back_to_its_number() -> None:
    assert op_rule("softplus", 1) is None
    assert op_rule("+", 3) is None  # a hand-built node of the wrong arity
    a = Value(2.0, label="a")
    hand = Value(5.0, (a,), "mystery", label="m", _local=(0.25,))
    trace = trace_backward(hand)
    assert trace[0].edges[0].derivative == "∂mystery(a)/∂a = 0.25"
    assert a.grad == 0.25


def test_node_names_use_labels_numbers_and_positions() -> None:
    x = Value(2.0, label="x")
    out = (x * -1) + 3
    order = topological_order(out)
    names = node_names(order)
    assert [names[n] for n in order] == ["x", "-1", "v2", "3", "v4"]
    assert format_number(-0.0) == "0" and format_number(1 / 3) == "0.333333"


# -- one bracketing rule for every formula -------------------------------------------


def spelled_out_neuron() -> Value:
    """The lecture neuron with every inner node named by its formula, as the
    command line names them: compound names everywhere."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    nodes = [x1 * w1, x2 * w2]
    nodes.append(nodes[0] + nodes[1])
    nodes.append(nodes[2] + b)
    nodes.append(nodes[3].tanh())
    labels = ["x1 * w1", "x2 * w2", "x1 * w1 + x2 * w2", "x1 * w1 + x2 * w2 + b",
              "tanh(x1 * w1 + x2 * w2 + b)"]
    for node, label in zip(nodes, labels, strict=True):
        node.label = label
    return nodes[-1]


@pytest.mark.parametrize(
    ("text", "atom"),
    [
        ("x1", True), ("w_out", True), ("σ", True), ("0.5", True), ("1e-07", True),
        ("inf", True), ("tanh(a + b)", True), ("tanh²(n)", True), ("(a + b)", True),
        ("((a))", True), ("f()", True),
        ("-3", False), ("-inf", False), ("x1 * w1", False), ("x1*w1", False), ("a b", False),
        ("tanh(a) + tanh(b)", False), ("(a)·(b)", False), ("1 − tanh²(n)", False),
        ("x^2", False), ("(a + b", False), ("", False),
    ],
)
def test_what_reads_as_one_unit(text: str, atom: bool) -> None:
    assert is_atom(text) is atom
    assert operand(text) == (text if atom else f"({text})")


def test_partial_brackets_compound_names_in_text_and_latex() -> None:
    assert partial("o", "x1") == "∂o/∂x1"
    assert partial("tanh(n)", "x1 * w1 + b") == "∂tanh(n)/∂(x1 * w1 + b)"
    assert partial("o", "x1 * w1", latex=True) == (
        r"\frac{\partial o}{\partial \left(\text{x1 * w1}\right)}"
    )


def test_captions_can_be_read_one_way_only() -> None:
    captions = trace_backward(spelled_out_neuron()).captions()
    assert captions[1].splitlines() == [
        "step 2/10: x1 * w1 + x2 * w2 + b (op +)",
        "∂tanh(x1 * w1 + x2 * w2 + b)/∂(x1 * w1 + x2 * w2 + b) = 0.5",
        "∂((x1 * w1 + x2 * w2) + b)/∂(x1 * w1 + x2 * w2) = 1; "
        "(x1 * w1 + x2 * w2).grad += 1 × 0.5 = 0.5",
        "∂((x1 * w1 + x2 * w2) + b)/∂b = 1; b.grad += 1 × 0.5 = 0.5",
    ]
    assert captions[0].splitlines()[2] == (
        "∂tanh(x1 * w1 + x2 * w2 + b)/∂(x1 * w1 + x2 * w2 + b) = 1 − tanh²(x1 * w1 + x2 * w2 + b)"
        " = 0.5; (x1 * w1 + x2 * w2 + b).grad += 0.5 × 1 = 0.5"
    )
    # A negative number is an operand like any other.
    assert captions[7].splitlines()[2] == "∂(x1·w1)/∂x1 = w1 = -3; x1.grad += (-3) × 0.5 = -1.5"


def test_the_table_brackets_a_compound_root_as_the_captions_do() -> None:
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(1.0, label="b")
    root = x * w + b
    root.label = "x * w + b"
    trace = trace_backward(root)
    text = str(trace)
    assert text.splitlines()[0] == (
        "backward from (x * w + b) = -5, seeded with ∂(x * w + b)/∂(x * w + b) = 1; "
        "each child's grad += local derivative × node grad"
    )
    assert "∂(x * w + b)/∂node" in text.splitlines()[2]
    markdown = trace._repr_markdown_()
    assert r"$\frac{\partial \left(\text{x * w + b}\right)}{\partial \mathit{node}}$" in markdown


def test_latex_brackets_where_the_text_does() -> None:
    o = spelled_out_neuron()
    edge = trace_backward(o)[1].edges[0]  # (x1 * w1 + x2 * w2 + b) → (x1 * w1 + x2 * w2)
    assert edge.derivative.startswith("∂((x1 * w1 + x2 * w2) + b)/∂(x1 * w1 + x2 * w2) = ")
    assert edge.derivative_latex.startswith(
        r"\frac{\partial \left(\left(\text{x1 * w1 + x2 * w2}\right) + b\right)}"
        r"{\partial \left(\text{x1 * w1 + x2 * w2}\right)} = "
    )


# -- frames and the stepper ------------------------------------------------------------


def test_frames_one_per_step_highlight_the_step_and_fill_in_known_grads() -> None:
    require_module("graphviz")
    o, _ = neuron()
    trace = trace_backward(o)
    frames: list[Any] = trace.frames()
    assert len(frames) == len(trace) == 10
    first, last = frames[0].source, frames[-1].source
    assert re.search(r"\tv9 \[.*fillcolor", first)  # o, numbered last, is step 1
    assert first.count("grad ?") == 8  # only o and n are known after step 1
    assert "grad ?" not in last
    assert 'label="0.5"' in first  # frames show the local derivatives
    assert re.search(r"\tv0 \[.*fillcolor", last)  # x1 is the last step


def test_each_frame_shows_its_caption_above_the_graph() -> None:
    require_module("graphviz")
    trace = trace_backward(spelled_out_neuron())
    for frame, caption in zip(trace.frames(), trace.captions(), strict=True):
        lines = caption.splitlines()
        label = "".join(f"{line}\\l" for line in lines)  # each line left-aligned
        assert f'\tgraph [label="{label}" labelloc=t labeljust=l]' in frame.source


def test_a_rendered_frame_holds_its_caption_text() -> None:
    require_module("graphviz")
    require_dot()
    trace = trace_backward(spelled_out_neuron())
    svg = trace.frames()[1].pipe(format="svg", encoding="utf-8")
    for line in trace.captions()[1].splitlines():
        assert f">{html.escape(line, quote=False)}</text>" in svg


def test_stepper_has_one_svg_frame_per_step_and_no_url() -> None:
    require_module("graphviz")
    require_dot()
    o, _ = neuron()
    trace = trace_backward(o)
    html = trace.stepper()._repr_html_()
    assert html.count('class="mg-frame"') == len(trace)
    assert html.count("<svg") == len(trace)
    assert "http" not in html
    assert "∂tanh(n)/∂n = 1 − tanh²(n) = 0.5; n.grad += 0.5 × 1 = 0.5" in html


def test_captions_give_each_step_in_words() -> None:
    o, _ = neuron()
    captions = trace_backward(o).captions()
    assert captions[0].splitlines()[:2] == ["step 1/10: o (op tanh)", "∂o/∂o = 1"]
    assert captions[-1].splitlines() == [
        "step 10/10: x1 (a leaf)", "∂o/∂x1 = -1.5", "x1 is a leaf: its gradient is complete"
    ]


def test_repr_and_sequence_protocol() -> None:
    o, _ = neuron()
    trace = trace_backward(o)
    assert isinstance(trace, BackwardTrace)
    assert repr(trace) == "<BackwardTrace of o: 10 steps>"
    assert trace[0] is trace.steps[0]

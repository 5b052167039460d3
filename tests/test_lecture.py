"""The lecture's way of doing backprop runs unchanged on our Value.

The well-known lecture that builds micrograd from scratch backpropagates
by hand: it sets `o.grad = 1.0`, calls `_backward()` on each node in turn,
then loops over its own topological sort; and it adds an op by assigning a
closure to `out._backward`. These tests transcribe those cells (in our own
words) and check that every tool of the package handles such nodes.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from chain_rule import chain_rule_reference
from hypothesis import given, settings
from hypothesis import strategies as st
from test_trace import neuron

from micrograd import Value, draw_dot, explain, numerical_grad, to_dot, trace_backward
from micrograd.engine import detect_anomaly, sum_values, topological_order

# -- the neuron, backpropagated by hand ----------------------------------------------


def lecture_neuron() -> dict[str, Value]:
    """o = tanh(x1·w1 + x2·w2 + b), every node labelled as in the lecture."""
    o, _ = neuron()
    return {node.label: node for node in topological_order(o)}


def grads(nodes: dict[str, Value]) -> dict[str, float]:
    return {name: round(node.grad, 12) for name, node in nodes.items()}


def test_the_lectures_manual_backprop_cell_by_cell() -> None:
    v = lecture_neuron()
    assert v["o"].data == pytest.approx(0.7071067811865476, abs=1e-15)
    v["o"].grad = 1.0
    v["o"]._backward()  # ∂o/∂n = 1 − tanh²(n) = 0.5
    assert v["n"].grad == pytest.approx(0.5, abs=1e-15)
    v["n"]._backward()  # + passes 0.5 to both of its inputs
    assert v["b"].grad == v["x1*w1 + x2*w2"].grad == v["n"].grad
    v["b"]._backward()  # a leaf: nothing to pass on
    assert v["b"].grad == v["n"].grad
    v["x1*w1 + x2*w2"]._backward()
    assert v["x1*w1"].grad == v["x2*w2"].grad == v["n"].grad
    v["x2*w2"]._backward()
    v["x1*w1"]._backward()
    expected = {"x1": -1.5, "w1": 1.0, "x2": 0.5, "w2": 0.0, "b": 0.5}
    for name, grad in expected.items():
        assert v[name].grad == pytest.approx(grad, abs=1e-15), name
    for leaf in ("x1", "x2", "w1", "w2"):
        v[leaf]._backward()  # leaves again: still nothing
    assert {name: v[name].grad for name in expected} == pytest.approx(expected, abs=1e-15)

    # The same as backward(), exactly.
    fresh = lecture_neuron()
    fresh["o"].backward()
    assert grads(fresh) == grads(v)


def lecture_topological_sort(root: Value) -> list[Value]:
    """The lecture's recursive build_topo over `_prev`, transcribed."""
    topo: list[Value] = []
    visited: set[Value] = set()

    def build_topo(v: Value) -> None:
        if v not in visited:
            visited.add(v)
            for child in v._prev:
                build_topo(child)
            topo.append(v)

    build_topo(root)
    return topo


def test_the_lectures_own_topological_sort_and_loop() -> None:
    v = lecture_neuron()
    v["o"].grad = 1.0
    for node in reversed(lecture_topological_sort(v["o"])):
        node._backward()
    fresh = lecture_neuron()
    fresh["o"].backward()
    assert grads(v) == grads(fresh)


# -- a new op, the lecture's way -------------------------------------------------------


def sin(self: Value) -> Value:
    """The lecture's exercise: an op with a `_backward` closure."""
    x = self.data
    out = Value(math.sin(x), (self,), "sin")

    def _backward() -> None:
        self.grad += math.cos(x) * out.grad

    out._backward = _backward  # type: ignore[method-assign,assignment]
    return out


def lecture_mul(self: Value, other: Value) -> Value:
    """A two-input op the lecture's way, so each child gets its own closure term."""
    out = Value(self.data * other.data, (self, other), "times")

    def _backward() -> None:
        self.grad += other.data * out.grad
        other.grad += self.data * out.grad

    out._backward = _backward  # type: ignore[method-assign,assignment]
    return out


def sin_graph(a: Value, b: Value) -> Value:
    """2 · sin(a·b) + a: a closure op between ops with stored derivatives."""
    return 2 * sin(a * b) + a


def test_a_closure_op_backpropagates() -> None:
    a, b = Value(1.0, label="a"), Value(3.0, label="b")
    out = sin_graph(a, b)
    out.backward()
    assert a.grad == pytest.approx(2 * math.cos(3.0) * 3.0 + 1.0, rel=1e-15)
    assert b.grad == pytest.approx(2 * math.cos(3.0) * 1.0, rel=1e-15)
    numeric = numerical_grad(lambda x, y: sin_graph(x, y), [1.0, 3.0])
    assert [a.grad, b.grad] == pytest.approx(numeric, rel=1e-7)


def test_a_closure_op_matches_torch() -> None:
    from conftest import require_module

    torch = require_module("torch")
    for x, y in [(1.0, 3.0), (-0.4, 2.5), (7.0, -0.1)]:
        a, b = Value(x), Value(y)
        out = lecture_mul(sin(lecture_mul(a, b)), a)
        out.backward()
        ta = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        tb = torch.tensor(y, dtype=torch.float64, requires_grad=True)
        tout = torch.sin(ta * tb) * ta
        tout.backward()
        assert out.data == pytest.approx(tout.item(), rel=1e-12, abs=1e-15)
        assert a.grad == pytest.approx(ta.grad.item(), rel=1e-10, abs=1e-15)
        assert b.grad == pytest.approx(tb.grad.item(), rel=1e-10, abs=1e-15)


def test_a_closure_nodes_local_derivatives_are_found_by_running_it() -> None:
    a, b = Value(0.5), Value(-2.0)
    s = sin(a)
    assert s.local_grads == (math.cos(0.5),)
    m = lecture_mul(a, b)
    assert m.local_grads == (-2.0, 0.5)
    # A child used twice: its whole derivative at its first place.
    square = lecture_mul(a, a)
    assert square.local_grads == (1.0, 0.0)
    # Finding them changes no gradient.
    a.grad, b.grad, m.grad = 7.0, 8.0, 9.0
    assert m.local_grads == (-2.0, 0.5)
    assert (a.grad, b.grad, m.grad) == (7.0, 8.0, 9.0)


def test_topological_order_draw_dot_trace_and_explain_handle_a_closure_op() -> None:
    a, b = Value(1.0, label="a"), Value(3.0, label="b")
    out = sin_graph(a, b)
    out.label = "out"
    order = topological_order(out)
    s = next(node for node in order if node._op == "sin")
    assert order.index(s._prev[0]) < order.index(s) < order.index(out)

    trace = trace_backward(out)
    step = next(step for step in trace if step.op == "sin")
    (edge,) = step.edges
    assert edge.local == pytest.approx(math.cos(3.0), rel=1e-15)
    assert edge.contribution == pytest.approx(2 * math.cos(3.0), rel=1e-15)
    assert "sin" in str(trace)
    assert b.grad == pytest.approx(2 * math.cos(3.0), rel=1e-15)

    explanation = explain(out, b)
    assert explanation.total == pytest.approx(b.grad, rel=1e-15)
    text = str(explanation)
    assert "(the same)" in text
    # A number stands for the closure's derivative, bracketed as every
    # negative factor is, so that no line repeats another.
    assert "(-0.989992)" in text and "· -0.989992" not in text
    lines = [line for line in text.splitlines() if line]
    assert len(set(lines)) == len(lines)

    dot = to_dot(out, show_local_grads=True)
    assert '[label="sin"]' in dot
    assert '[label="-0.989992"]' in dot
    from conftest import require_dot

    require_dot()
    svg = draw_dot(out, show_local_grads=True).pipe(format="svg", encoding="utf-8")
    assert "sin" in svg


def test_a_closure_replaces_the_stored_derivatives_of_an_op_node() -> None:
    # Assigning _backward on a node an op made: the closure is then the truth.
    x = Value(2.0)
    y = x * 3.0
    constant = y._prev[1]
    calls = []

    def doubled() -> None:
        calls.append(1)
        x.grad += 6.0 * y.grad

    y._backward = doubled  # type: ignore[method-assign,assignment]
    assert y._prev == (x, constant)
    assert y._backward is doubled
    assert y.local_grads == (6.0, 0.0)  # found by running the closure once
    calls.clear()
    y.backward()
    assert x.grad == 6.0
    assert calls == [1]


def test_a_leafs_backward_does_nothing_and_a_closure_on_a_leaf_is_kept() -> None:
    leaf = Value(3.0)
    leaf.grad = 2.0
    leaf._backward()
    assert leaf.grad == 2.0
    # Code that sets every node's _backward in its constructor, as the
    # lecture's Value does, may do so on a leaf too.
    leaf._backward = lambda: None  # type: ignore[method-assign]
    leaf._backward()
    (leaf * 2).backward()
    assert leaf.grad == 4.0


def test_backward_must_be_a_function() -> None:
    y = Value(2.0) * 3
    with pytest.raises(TypeError, match=r"_backward must be a function.*float.*1\.5"):
        y._backward = 1.5  # type: ignore[method-assign,assignment]


def test_a_node_built_by_hand_with_neither_derivatives_nor_closure_says_both_ways() -> None:
    f = Value(4.0, (Value(2.0),), "square")
    for run in ((f + 1).backward, f._backward):
        with pytest.raises(TypeError, match=r"(?s)'square'.*_local.*_backward"):
            run()


def test_a_manual_backward_that_overflows_is_an_error() -> None:
    x = Value(1e-300)
    y = x.log()
    y.grad = 1e10
    with pytest.raises(OverflowError, match="'log'"):
        y._backward()


def test_a_closure_that_makes_a_gradient_not_finite_is_caught() -> None:
    x = Value(1.0)
    out = Value(1.0, (x,), "bad")

    def _backward() -> None:
        x.grad += math.inf * out.grad

    out._backward = _backward  # type: ignore[method-assign,assignment]
    with pytest.raises(OverflowError, match="'bad'"):
        (out * 2).backward()
    assert x.grad == 0.0
    with detect_anomaly(), pytest.raises(FloatingPointError, match="'bad'"):
        (out * 2).backward()


def test_a_closure_that_assigns_rather_than_adds_starts_from_zero() -> None:
    # Assigning is a bug in a closure (a reused child loses the other uses'
    # gradients) but must not leave backward's internal marks behind.
    x = Value(2.0)
    inner = x * 1.0
    out = Value(5.0, (inner,), "assigns")

    def _backward() -> None:
        inner.grad = 3.0 * out.grad

    out._backward = _backward  # type: ignore[method-assign,assignment]
    out.backward()
    assert type(inner.grad) is float and inner.grad == 3.0
    assert x.grad == 3.0


# -- _backward() node by node is backward(), on random graphs ---------------------------


def random_graph(data: st.DataObject, leaves: list[float]) -> Value:
    """A random DAG of unary, binary, n-ary and closure nodes, with reuse."""
    pool = [Value(x) for x in leaves]
    pick = st.integers(0, 10**6).map(lambda k: pool[k % len(pool)])
    kinds = ["+", "*", "tanh", "sum", "sin", "times"]
    for _ in range(data.draw(st.integers(1, 20), label="n_nodes")):
        kind = data.draw(st.sampled_from(kinds), label="kind")
        if kind in ("tanh", "sin"):
            a = data.draw(pick)
            pool.append(a.tanh() if kind == "tanh" else sin(a))
        elif kind in ("+", "*", "times"):
            a, b = data.draw(pick), data.draw(pick)
            pool.append(a + b if kind == "+" else a * b if kind == "*" else lecture_mul(a, b))
        else:
            pool.append(sum_values(data.draw(st.lists(pick, max_size=5), label="terms")))
    return pool[-1].tanh()


@settings(max_examples=100, deadline=None)
@given(data=st.data(), leaves=st.lists(st.floats(-1.0, 1.0), min_size=1, max_size=4))
def test_backward_node_by_node_equals_backward(data: st.DataObject, leaves: list[float]) -> None:
    root = random_graph(data, leaves)
    order = topological_order(root)
    root.backward()
    by_backward = [node.grad for node in order]
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    for node in reversed(order):
        node._backward()
    assert [node.grad for node in order] == by_backward
    expected = chain_rule_reference(root)
    assert [expected[node] for node in order] == pytest.approx(by_backward, rel=1e-12, abs=1e-300)


def test_the_readme_custom_ops_run(capsys: Any) -> None:
    # Both ways of adding an op give the same gradients; the stored one is
    # what the trace can write a formula for.
    x = Value(0.3)
    stored = Value(math.sin(0.3), (x,), "sin", _local=(math.cos(0.3),))
    (stored * 2).backward()
    via_local = x.grad
    x.grad = 0.0
    (sin(x) * 2).backward()
    assert x.grad == via_local

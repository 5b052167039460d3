"""replay: a copy of a graph at new leaf values is the expression built afresh there."""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from micrograd import MLP, Value, dot, no_grad, sum_values
from micrograd.engine import topological_order
from micrograd.replay import fixed_nodes, movable_leaves, replay

# -- comparing graphs, bit for bit -------------------------------------------------


def shape(root: Value) -> list[tuple[Any, ...]]:
    """Every node of the graph, children before parents: its op, label, data,
    local derivatives and grad as exact hex floats, and its children by position."""
    order = topological_order(root)
    where = {node: k for k, node in enumerate(order)}
    return [
        (
            node._op,
            node.label,
            node.data.hex(),
            tuple(float(d).hex() for d in node.local_grads),
            float(node.grad).hex(),
            tuple(where[child] for child in node._prev),
        )
        for node in order
    ]


def outcome(action: Callable[[], Any]) -> tuple[str, Any]:
    """What running `action` gives: ("ok", its result) or the kind of error it raised."""
    try:
        return ("ok", action())
    except (ArithmeticError, ValueError) as error:
        return ("error", type(error))


# -- random expressions over every op ---------------------------------------------------

KINDS = [
    "+", "*", "-", "/", "neg", "rsub", "rdiv", "pow_int", "pow_negative", "pow_float",
    "pow_value", "rpow", "exp", "log", "log_raw", "tanh", "sigmoid", "relu", "leaky",
    "sum", "dot", "dot_bias",
]  # fmt: skip

STEP = st.tuples(
    st.sampled_from(KINDS),
    st.lists(st.integers(0, 10_000), min_size=3, max_size=3),
    st.sampled_from([0.0, 0.01, 0.2, 0.5, -1.5]),
)
PROGRAM = st.lists(STEP, min_size=1, max_size=8)
NUMBER = st.floats(-2.0, 2.0, allow_nan=False)
LEAVES = st.lists(NUMBER, min_size=3, max_size=3)


def build(program: list[tuple[str, list[int], float]], leaves: list[Value]) -> Value:
    """The expression a program describes, each step an op on earlier nodes;
    the root sums them all, so every step is in the graph. Inputs that could
    leave an op's domain are squared (plus a little) first, but for
    `log_raw` and the negative powers, whose errors replay must raise too."""
    nodes: list[Value] = list(leaves)
    for kind, picks, p in program:
        a, b, c = (nodes[i % len(nodes)] for i in picks)
        positive = a * a + 0.5
        if kind == "+":
            node = a + b
        elif kind == "*":
            node = a * b
        elif kind == "-":
            node = a - b
        elif kind == "/":
            node = a / (b * b + 1.0)
        elif kind == "neg":
            node = -a
        elif kind == "rsub":
            node = 2.0 - a
        elif kind == "rdiv":
            node = 1.0 / positive
        elif kind == "pow_int":
            node = a**3
        elif kind == "pow_negative":
            node = a**-2
        elif kind == "pow_float":
            node = positive**1.5
        elif kind == "pow_value":
            node = positive ** b.tanh()
        elif kind == "rpow":
            node = 2.0 ** a.tanh()
        elif kind == "exp":
            node = a.tanh().exp()
        elif kind == "log":
            node = positive.log()
        elif kind == "log_raw":
            node = a.log()
        elif kind == "tanh":
            node = a.tanh()
        elif kind == "sigmoid":
            node = a.sigmoid()
        elif kind == "relu":
            node = a.relu()
        elif kind == "leaky":
            node = a.leaky_relu(p)
        elif kind == "sum":
            node = sum_values([a, b, c, a])
        elif kind == "dot":
            node = dot([a, b], [c, a])
        else:
            node = dot([a, b], [c, 2.0], bias=b)
        nodes.append(node)
    return sum_values(nodes)


def make_leaves(values: list[float]) -> list[Value]:
    return [Value(x, label=f"x{k}") for k, x in enumerate(values)]


def learner_graph(
    program: list[tuple[str, list[int], float]], values: list[float]
) -> tuple[list[Value], Value]:
    """The leaves and root of a program built at `values`, after backward,
    as a learner leaves them; an example where that fails is skipped."""
    leaves = make_leaves(values)
    built = outcome(lambda: build(program, leaves))
    assume(built[0] == "ok")
    root: Value = built[1]
    assume(outcome(root.backward)[0] == "ok")
    return leaves, root


@settings(max_examples=300, deadline=None)
@given(PROGRAM, LEAVES, LEAVES)
def test_replay_at_new_values_is_the_expression_built_there_afresh(
    program: list[tuple[str, list[int], float]], old: list[float], new: list[float]
) -> None:
    leaves, root = learner_graph(program, old)
    before = shape(root)

    copied = outcome(lambda: replay(root, dict(zip(leaves, new, strict=True))))
    fresh = outcome(lambda: build(program, make_leaves(new)))
    # An input out of an op's domain fails in both, with the same kind of error.
    assert copied[0] == fresh[0]
    if copied[0] == "error":
        assert copied[1] is fresh[1]
        assert shape(root) == before
        return
    copy: Value = copied[1][root]
    assert shape(copy) == shape(fresh[1])  # data and local derivatives; grads all 0
    assert all(node.grad == 0.0 for node in topological_order(copy))
    passed = outcome(copy.backward)
    assert passed[0] == outcome(fresh[1].backward)[0]
    assert shape(copy) == shape(fresh[1])  # and now every grad
    assert shape(root) == before  # the learner's graph, grads included, as it was


@settings(max_examples=100, deadline=None)
@given(PROGRAM, LEAVES)
def test_replay_without_data_reproduces_the_graph(
    program: list[tuple[str, list[int], float]], values: list[float]
) -> None:
    _, root = learner_graph(program, values)
    mapping = replay(root)
    copy = mapping[root]
    assert set(mapping) == set(topological_order(root))
    assert not set(mapping.values()) & set(mapping)  # every node is new
    copy.backward()
    assert shape(copy) == shape(root)


# -- the graph's shape ------------------------------------------------------------------


def test_a_child_used_twice_stays_one_node_with_two_edges() -> None:
    a = Value(3.0, label="a")
    b = a + a
    c = b * b + a
    mapping = replay(c, {a: -1.0})
    new_a, new_b = mapping[a], mapping[b]
    assert new_b._prev == (new_a, new_a) and new_b._prev[0] is new_b._prev[1]
    assert mapping[c]._prev[0]._prev == (new_b, new_b)
    assert mapping[c]._prev == tuple(mapping[child] for child in c._prev)
    mapping[c].backward()
    # c = 4a² + a: ∂c/∂a = 8a + 1
    assert mapping[c].data == 3.0 and new_a.grad == -7.0
    assert a.grad == 0.0 and a.data == 3.0


def test_the_children_keep_their_order() -> None:
    x, w, b = Value(1.0, label="x"), Value(2.0, label="w"), Value(0.5, label="b")
    out = dot([w, x], [x, w], bias=b) - x / w
    mapping = replay(out, {x: 4.0})
    for node, copy in mapping.items():
        assert copy._prev == tuple(mapping[child] for child in node._prev)
        assert copy._op == node._op


def test_labels_are_copied_and_can_be_overridden() -> None:
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    c = a * b
    c.label = "c"
    mapping = replay(c, labels={a: "alpha", c: "product"})
    assert [mapping[v].label for v in (a, b, c)] == ["alpha", "b", "product"]
    assert [v.label for v in (a, b, c)] == ["a", "b", "c"]


def test_a_leaf_made_under_no_grad_keeps_its_op() -> None:
    a = Value(2.0, label="a")
    with no_grad():
        frozen = a * 3
    out = frozen + a
    mapping = replay(out, {a: 1.0, frozen: 5.0})
    assert mapping[frozen]._op == "*" and mapping[frozen]._prev == ()
    assert mapping[out].data == 6.0


# -- a network ---------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "leaky_relu"])
def test_a_network_replayed_on_new_inputs_is_the_network_called_on_them(activation: str) -> None:
    model = MLP(3, [4, 4, 1], activation=activation, rng=random.Random(7), bias_init="uniform")
    xs = [Value(x, label=f"x{k}") for k, x in enumerate([0.5, -1.0, 2.0])]
    out = model(xs)
    assert isinstance(out, Value)
    loss = (out - 1.0) ** 2
    loss.backward()
    learner = {p: (p.data, p.grad) for p in model.parameters()}

    new = [-0.3, 1.7, 0.25]
    mapping = replay(loss, dict(zip(xs, new, strict=True)))
    mapping[loss].backward()

    assert {p: (p.data, p.grad) for p in model.parameters()} == learner
    model.zero_grad()
    fresh_out = model([Value(x, label=f"x{k}") for k, x in enumerate(new)])
    assert isinstance(fresh_out, Value)
    fresh = (fresh_out - 1.0) ** 2
    fresh.backward()
    assert mapping[out].data == fresh_out.data and mapping[loss].data == fresh.data
    for p in model.parameters():
        assert mapping[p].grad == p.grad
    assert shape(mapping[loss]) == shape(fresh)


# -- leaky ReLU's slope ---------------------------------------------------------------


def test_leaky_relu_keeps_its_slope_when_its_input_crosses_zero() -> None:
    x = Value(2.0, label="x")
    y = x.leaky_relu(0.2)  # positive side: the slope is not in its derivative
    assert y.local_grads == (1.0,)
    mapping = replay(y, {x: -3.0})
    expected = Value(-3.0).leaky_relu(0.2)
    assert mapping[y].data == expected.data and mapping[y].local_grads == (0.2,)
    back = replay(mapping[y], {mapping[x]: 2.0})
    assert back[mapping[y]].data == 2.0 and back[mapping[y]].local_grads == (1.0,)


# -- nodes the engine did not make -------------------------------------------------------


def cube(x: Value) -> Value:
    """x³ written the lecture's way, with a closure."""
    out = Value(x.data**3, (x,), "cube", label="cube")

    def _backward() -> None:
        x.grad += 3 * x.data**2 * out.grad

    out._backward = _backward
    return out


def test_a_hand_built_node_is_copied_as_it_is_and_fixes_the_leaves_below() -> None:
    a, b, c = Value(1.5, label="a"), Value(-2.0, label="b"), Value(0.5, label="c")
    h = Value(2 * a.data + b.data, (a, b), "myop", label="h", _local=(2.0, 1.0))
    o = (h * c).tanh()
    assert fixed_nodes(o) == {a, b}
    assert movable_leaves(o) == [c]

    mapping = replay(o, {c: 0.3})
    copy = mapping[o]
    assert mapping[h].data == h.data and mapping[h].local_grads == (2.0, 1.0)
    assert mapping[h]._prev == (mapping[a], mapping[b]) and mapping[h]._op == "myop"
    copy.backward()
    t = math.tanh(h.data * 0.3)
    assert copy.data == t
    assert mapping[a].grad == (1 - t * t) * 0.3 * 2.0
    assert mapping[b].grad == (1 - t * t) * 0.3 * 1.0
    assert a.grad == b.grad == c.grad == 0.0

    with pytest.raises(ValueError, match="'a'.*'myop'"):
        replay(o, {a: 1.0})


def test_a_node_with_a_closure_is_copied_with_the_derivatives_it_passes_on() -> None:
    x = Value(2.0, label="x")
    y = Value(1.0, label="y")
    o = cube(x) * y
    assert fixed_nodes(o) == {x}
    assert movable_leaves(o) == [y]
    mapping = replay(o, {y: 3.0})
    mapping[o].backward()
    assert mapping[o].data == 24.0
    assert mapping[x].grad == 3 * 4.0 * 3.0
    assert mapping[y].grad == 8.0
    assert x.grad == y.grad == 0.0
    with pytest.raises(ValueError, match="'x'.*'cube'"):
        replay(o, {x: 1.0})


def test_a_node_without_derivatives_copies_without_them() -> None:
    a = Value(1.0, label="a")
    h = Value(3.0, (a,), "myop")
    mapping = replay(h)
    with pytest.raises(TypeError, match="no local derivatives"):
        mapping[h].backward()


@pytest.mark.parametrize(
    "make",
    [
        lambda a, b: Value(a.data + b.data, (a, b), "+", _local=(1.0, 1.0)),
        lambda a, b: Value(a.data + b.data, (a, b), "sum", _local=(2.0, 1.0)),
        lambda a, b: Value(a.data * b.data + 1, (Value(1.0), a, b), "dot", _local=(3.0, 1, 1)),
        lambda a, b: Value(a.data, (a, b), "frobnicate", _local=(1.0, 0.0)),
    ],
    ids=["plus-by-hand", "sum-by-hand", "dot-by-hand", "unknown-op"],
)
def test_a_node_built_by_hand_is_not_rerun_whatever_its_op_is_called(
    make: Callable[[Value, Value], Value],
) -> None:
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    h = make(a, b)
    out = h * 2.0
    assert {a, b} <= fixed_nodes(out)
    mapping = replay(out)
    assert mapping[h].data == h.data and mapping[h].local_grads == h.local_grads


def test_everything_below_a_hand_built_node_is_fixed() -> None:
    a = Value(1.0, label="a")
    inner = a * 2.0
    h = Value(inner.data, (inner,), "myop", _local=(1.0,))
    out = h + a  # a is below h as well, through inner
    assert fixed_nodes(out) == {inner, a, inner._prev[1]}
    assert movable_leaves(out) == []


# -- bad input --------------------------------------------------------------------------


def test_data_for_anything_but_a_leaf_of_the_graph_is_a_value_error() -> None:
    a, other = Value(1.0, label="a"), Value(5.0, label="other")
    b = a.exp()
    b.label = "b"
    with pytest.raises(ValueError, match="'b' is an inner node"):
        replay(b, {b: 2.0})
    with pytest.raises(ValueError, match="'other' is not in the graph"):
        replay(b, {other: 2.0})
    with pytest.raises(ValueError, match="not in the graph"):
        replay(b, labels={other: "x"})


@pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan])
def test_a_value_that_is_not_finite_is_a_value_error(bad: float) -> None:
    a = Value(1.0, label="a")
    with pytest.raises(ValueError, match=f"'a' must be finite, got {bad}"):
        replay(a.tanh(), {a: bad})


def test_a_value_that_is_not_a_number_is_a_type_error() -> None:
    a = Value(1.0, label="a")
    with pytest.raises(TypeError, match="'a' must be a real number, got str"):
        replay(a.tanh(), {a: "2"})  # type: ignore[dict-item]


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        (lambda x: x.log(), -1.0),
        (lambda x: x**-1, 0.0),
        (lambda x: x**0.5, -4.0),
        (lambda x: x.exp(), 800.0),
        (lambda x: x ** Value(2.0), -1.0),
    ],
    ids=["log", "reciprocal", "root", "exp", "value-power"],
)
def test_an_input_out_of_an_ops_domain_raises_as_the_op_does(
    expression: Callable[[Value], Value], value: float
) -> None:
    x = Value(2.0, label="x")
    out = expression(x)
    with pytest.raises((ArithmeticError, ValueError)) as expected:
        expression(Value(value))
    with pytest.raises(type(expected.value), match=re.escape(str(expected.value))):
        replay(out, {x: value})


def test_replay_inside_no_grad_is_refused() -> None:
    a = Value(1.0)
    out = a * 2.0
    with no_grad(), pytest.raises(RuntimeError, match="no_grad"):
        replay(out, {a: 3.0})


# -- depth ------------------------------------------------------------------------------


def test_a_chain_of_a_hundred_thousand_nodes_replays_without_recursion() -> None:
    x = Value(0.5, label="x")
    v = x
    for _ in range(50_000):
        v = v + 1.0  # a node and its constant: 100k nodes
    assert len(topological_order(v)) == 100_001
    mapping = replay(v, {x: 1.5})
    copy = mapping[v]
    assert copy.data == 50_001.5
    copy.backward()
    assert mapping[x].grad == 1.0 and x.grad == 0.0
    assert len(movable_leaves(v)) == 50_001 and not fixed_nodes(v)

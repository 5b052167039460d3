"""Gradients of gradients against PyTorch (float64): every op's second and third
derivatives, and second derivatives of random graphs of all ops.

Derivatives of order k are computed the same way on both sides: `grad` with
`create_graph=True` k − 1 times, then once more, over every input each time,
so that order k is the tensor of all k-th partial derivatives, flattened.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from conftest import require_module
from hypothesis import assume, given, reject, settings
from hypothesis import strategies as st
from op_table import OPS, Op, reals

import micrograd.engine as engine
from micrograd.engine import Value, grad

RTOL = 1e-9
# Below the smallest normal float, relative precision is lost: such results are ~0.
SMALLEST_NORMAL = sys.float_info.min
NEAR_ULP = sys.float_info.epsilon


def micrograd_derivatives(f: Callable[..., Value], point: Sequence[float], order: int) -> list[
    list[float]
]:
    """For k = 1 … order, every k-th partial derivative of f at `point`, flattened."""
    leaves = [Value(x) for x in point]
    level: list[Any] = [f(*leaves)]
    orders = []
    for k in range(1, order + 1):
        create_graph = k < order
        level = [
            g
            for v in level
            for g in grad(v, leaves, create_graph=create_graph, allow_unused=True)
        ]
        orders.append([g.data if create_graph else g for g in level])
    return orders


def torch_derivatives(
    torch: Any, f: Callable[..., Any], point: Sequence[float], order: int
) -> list[list[float]]:
    """The same through `torch.autograd.grad`, in float64."""
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
    level = [f(*leaves)]
    orders = []
    for _ in range(order):
        next_level = []
        for t in level:
            if t.requires_grad:  # else a constant: every derivative of it is 0
                next_level += torch.autograd.grad(
                    t, leaves, create_graph=True, allow_unused=True, materialize_grads=True
                )
            else:
                next_level += [torch.zeros((), dtype=torch.float64) for _ in leaves]
        level = next_level
        orders.append([t.item() for t in level])
    return orders


def relative_error(actual: float, expected: float, atol: float = 0.0) -> float:
    """|actual − expected| in units of RTOL·|expected| + atol (≤ 1 passes)."""
    return abs(actual - expected) / (RTOL * abs(expected) + max(atol, SMALLEST_NORMAL))


def with_numbers(op: Op, args: Sequence[Any]) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """The row's micrograd and PyTorch functions of its Value positions only."""

    def place(values: Sequence[Any]) -> list[Any]:
        full = list(args)
        for i, value in zip(op.values, values, strict=True):
            full[i] = value
        return full

    def micrograd(*values: Value) -> Value:
        return op.micrograd(*place(values))  # type: ignore[no-any-return]

    def torch_function(torch: Any) -> Callable[..., Any]:
        return lambda *values: op.torch(torch, *place(values))

    return micrograd, torch_function


# -- every op has a rule --------------------------------------------------------------


def rule_name(node_op: str) -> str:
    """The rule an op table row's nodes use: a number power '**{}' has the '**n' one."""
    return "**n" if node_op == "**{}" else node_op


def test_every_op_has_a_derivative_rule() -> None:
    missing = {rule_name(op.node_op) for op in OPS} - set(engine._DERIVATIVE_RULES)
    assert not missing, f"ops with no derivative rule in engine.py: {sorted(missing)}"


def test_every_rule_belongs_to_an_op_in_the_table() -> None:
    stale = set(engine._DERIVATIVE_RULES) - {rule_name(op.node_op) for op in OPS}
    assert not stale, f"derivative rules for ops the table does not have: {sorted(stale)}"


def test_an_op_without_a_rule_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    # Without this, a lookup that never failed would make the checks above vacuous.
    monkeypatch.delitem(engine._DERIVATIVE_RULES, "tanh")
    x = Value(0.5)
    assert grad(x.tanh(), x) == (1 - math.tanh(0.5) ** 2,)  # first order needs no rule
    with pytest.raises(TypeError, match="op 'tanh' has no derivative rule"):
        grad(x.tanh(), x, create_graph=True)


# -- each op: second and third derivatives ------------------------------------------


def torch_masks(op: Op, args: Sequence[Any]) -> bool:
    """Whether PyTorch is wrong here: its derivative of x^y in x is written
    `where(y == 0, 0, y·x^(y−1))`, whose own derivative in y is 0 at y = 0,
    not x^(−1) (see test_the_mixed_partial_of_a_power_at_exponent_zero); the
    third derivative takes that of x^(y−1), so y = 1 is masked too."""
    return op.node_op == "**" and op.numbers == () and args[1] in (0.0, 1.0)


def atol_for(op: Op) -> float:
    # tanh and sigmoid derive everything from the rounded output, so their
    # derivatives of every order carry an absolute error of a few ulps of 1.
    return 4 * op.grad_atol


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_second_and_third_derivatives_match_torch(op: Op, data: st.DataObject) -> None:
    torch = require_module("torch")
    args = data.draw(st.tuples(*op.domain), label="args")
    assume(not torch_masks(op, args))
    micrograd, torch_function = with_numbers(op, args)
    point = [float(args[i]) for i in op.values]
    ours = micrograd_derivatives(micrograd, point, order=3)
    theirs = torch_derivatives(torch, torch_function(torch), point, order=3)
    for k, (mine, expected) in enumerate(zip(ours, theirs, strict=True), start=1):
        for entry, (a, b) in enumerate(zip(mine, expected, strict=True)):
            assert relative_error(a, b, atol_for(op)) <= 1, (f"order {k}", entry, a, b)


def test_the_rules_give_the_closed_forms() -> None:
    # σ'' = σ(1 − σ)(1 − 2σ), tanh'' = −2 tanh (1 − tanh²), (x³)''' = 6, (ln x)'' = −1/x².
    for x in (-2.0, 0.3, 1.7):
        s = 1 / (1 + math.exp(-x))
        t = math.tanh(x)
        assert micrograd_derivatives(lambda v: v.sigmoid(), [x], 2)[1][0] == pytest.approx(
            s * (1 - s) * (1 - 2 * s), rel=1e-12, abs=1e-16
        )
        assert micrograd_derivatives(lambda v: v.tanh(), [x], 2)[1][0] == pytest.approx(
            -2 * t * (1 - t * t), rel=1e-12, abs=1e-16
        )
        assert micrograd_derivatives(lambda v: v**3, [x], 3)[2] == [6.0]
        assert micrograd_derivatives(lambda v: v.exp(), [x], 3)[2] == [math.exp(x)]
    assert micrograd_derivatives(lambda v: v.log(), [2.0], 2)[1] == [-0.25]


@pytest.mark.parametrize("y", [0.0, 1e-12, -1e-12, 1.0, 1 + 1e-12])
def test_the_mixed_partials_of_a_power_at_exponents_zero_and_one(y: float) -> None:
    # ∂²(x^y)/∂y∂x = x^(y−1)·(1 + y·ln x) and ∂³(x^y)/∂y∂x² =
    # x^(y−2)·(2y − 1 + y(y − 1)·ln x) are continuous through y = 0 and 1, where
    # PyTorch gives 0 (so the parity tests leave these points out).
    x = 1.5
    _, xy, yx, _ = micrograd_derivatives(lambda u, v: u**v, [x, y], 2)[1]
    assert xy == yx == pytest.approx(x ** (y - 1) * (1 + y * math.log(x)), rel=1e-12)
    xxy = micrograd_derivatives(lambda u, v: u**v, [x, y], 3)[2][1]
    expected = x ** (y - 2) * (2 * y - 1 + y * (y - 1) * math.log(x))
    assert xxy == pytest.approx(expected, rel=1e-12)


# -- random graphs of every op ---------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One node of a random graph: an op table row applied to earlier nodes and numbers."""

    op: Op
    args: tuple[Any, ...]  # a node's index for a Value position, else the number


def replay(steps: Sequence[Step], leaves: Sequence[Any], torch: Any = None) -> Any:
    """Build the graph of `steps` over `leaves` (Values, or tensors with `torch`)."""
    nodes = list(leaves)
    for step in steps:
        args = [nodes[a] if i in step.op.values else a for i, a in enumerate(step.args)]
        nodes.append(step.op.micrograd(*args) if torch is None else step.op.torch(torch, *args))
    return nodes[-1]


# 0, or far enough from it that no derivative of a few ops overflows a float.
LEAF = st.just(0.0) | reals(0.05, 2.0) | reals(-2.0, -0.05)


@st.composite
def random_graphs(draw: st.DrawFn) -> tuple[list[float], list[Step]]:
    """Leaves and a few steps of any op on earlier nodes, each node reusable.

    Each step is tried on the numbers at once: one that leaves its op's domain
    (log of a negative, ...), makes a value or local derivative beyond 1e3, or
    has a derivative that cannot be differentiated there is drawn again, so
    that the derivatives of every graph stay well inside float range.
    """
    point = draw(st.lists(LEAF, min_size=1, max_size=3), label="leaves")
    nodes: list[Value] = [Value(x) for x in point]
    steps: list[Step] = []
    for _ in range(draw(st.integers(1, 6), label="steps")):
        for _attempt in range(5):
            op = draw(st.sampled_from(OPS), label="op")
            args = tuple(
                draw(st.integers(0, len(nodes) - 1)) if i in op.values else draw(op.domain[i])
                for i in range(len(op.domain))
            )
            try:
                node = replay([Step(op, args)], nodes)
                # Its derivative as a graph too (x^1.5 at 0 has none: x^0.5's
                # derivative is infinite there).
                grad(node, node._prev, create_graph=True)
            except (ValueError, ArithmeticError):
                continue
            inside = abs(node.data) <= 1e3 and all(abs(d) <= 1e3 for d in node.local_grads)
            values = [nodes[a].data if i in op.values else a for i, a in enumerate(args)]
            if inside and not torch_masks(op, values):
                nodes.append(node)
                steps.append(Step(op, args))
                break
    if not steps:
        reject()
    return point, steps


def hessians(torch: Any, point: list[float], steps: list[Step]) -> tuple[list[float], list[float]]:
    ours = micrograd_derivatives(lambda *xs: replay(steps, xs), point, order=2)[1]
    theirs = torch_derivatives(torch, lambda *xs: replay(steps, xs, torch), point, order=2)[1]
    return ours, theirs


def graph_scale(entries: Sequence[float]) -> float:
    """What errors of a random graph's derivatives are measured against: the
    largest entry, or 1. Rounding errors scale with the terms the chain rule
    adds up, which cancel at times (x/x has the second derivative
    2x·x⁻³ − 2x⁻² = 0, from terms of 800 at x = 0.05), not with the result."""
    return max(1.0, *(abs(e) for e in entries))


@settings(max_examples=60, deadline=None)
@given(graph=random_graphs())
def test_second_derivatives_of_random_graphs_match_torch(
    graph: tuple[list[float], list[Step]],
) -> None:
    torch = require_module("torch")
    point, steps = graph
    ours, theirs = hessians(torch, point, steps)
    for entry, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert abs(a - b) <= RTOL * graph_scale(theirs), (entry, a, b, steps)


@settings(max_examples=60, deadline=None)
@given(graph=random_graphs())
def test_mixed_partials_are_symmetric(graph: tuple[list[float], list[Step]]) -> None:
    point, steps = graph
    n = len(point)
    flat = micrograd_derivatives(lambda *xs: replay(steps, xs), point, order=2)[1]
    hessian = [flat[i * n : (i + 1) * n] for i in range(n)]
    for i in range(n):
        for j in range(i):
            assert abs(hessian[i][j] - hessian[j][i]) <= 1e-12 * graph_scale(flat)

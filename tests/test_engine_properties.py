"""Identities the engine must satisfy, checked on hypothesis-generated inputs."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from functools import reduce
from operator import add, neg

from chain_rule import chain_rule_reference
from hypothesis import given, settings
from hypothesis import strategies as st
from op_table import AWAY_FROM_ZERO, OPS, POSITIVE, REAL, Op, reals

from micrograd.engine import Value, dot, sum_values

EPS = sys.float_info.epsilon

# Ops of one Value and no plain number, all differentiable on POSITIVE.
UNARY = [op for op in OPS if len(op.domain) == 1]


def grad_of(f: Callable[..., Value], *xs: float) -> tuple[float, list[float]]:
    """f's value at `xs` and its gradient, by backward from fresh leaves."""
    leaves = [Value(x) for x in xs]
    out = f(*leaves)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


# -- functions that are the same function --------------------------------------------


@settings(max_examples=50, deadline=None)
@given(x=reals(-20.0, 20.0))
def test_tanh_is_a_rescaled_sigmoid(x: float) -> None:
    # tanh x = 2σ(2x) − 1, so tanh'(x) = 4σ'(2x); both sides are O(1), so an
    # absolute tolerance of a few ulps of 1 is the right one.
    t, (dt,) = grad_of(lambda v: v.tanh(), x)
    s, (ds,) = grad_of(lambda v: 2 * (2 * v).sigmoid() - 1, x)
    assert abs(t - s) <= 4 * EPS
    assert abs(dt - ds) <= 8 * EPS


@settings(max_examples=50, deadline=None)
@given(x=reals(1e-6, 1e6))
def test_exp_undoes_log(x: float) -> None:
    # The rounding of ln x, relative EPS, is an absolute error that exp turns
    # into a relative one of |ln x|·EPS.
    y, (dy,) = grad_of(lambda v: v.log().exp(), x)
    tolerance = (abs(math.log(x)) + 2) * EPS
    assert abs(y - x) <= tolerance * x
    assert abs(dy - 1.0) <= tolerance


@settings(max_examples=50, deadline=None)
@given(x=reals(-700.0, 700.0))
def test_log_undoes_exp(x: float) -> None:
    y, (dy,) = grad_of(lambda v: v.exp().log(), x)
    assert abs(y - x) <= 4 * EPS * max(1.0, abs(x))
    assert abs(dy - 1.0) <= 4 * EPS


# -- linearity of the gradient ----------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(
    f=st.sampled_from(UNARY),
    g=st.sampled_from(UNARY),
    a=REAL,
    b=REAL,
    x=POSITIVE,
)
def test_gradient_is_linear(f: Op, g: Op, a: float, b: float, x: float) -> None:
    # ∂(a·f + b·g)/∂x = a·f'(x) + b·g'(x)
    fm, gm = f.micrograd, g.micrograd
    _, (df,) = grad_of(fm, x)
    _, (dg,) = grad_of(gm, x)
    _, (dh,) = grad_of(lambda v: a * fm(v) + b * gm(v), x)
    assert abs(dh - (a * df + b * dg)) <= 4 * EPS * (abs(a * df) + abs(b * dg))


# -- − and / are composed, exactly ---------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(x=REAL, y=REAL)
def test_subtraction_is_adding_the_negation(x: float, y: float) -> None:
    assert grad_of(lambda u, v: u - v, x, y) == grad_of(lambda u, v: u + (-v), x, y)
    assert grad_of(lambda u, v: u - v, x, y) == grad_of(lambda u, v: u + v * -1, x, y)
    assert grad_of(lambda v: x - v, y) == grad_of(lambda v: -(v - x), y)
    assert grad_of(lambda v: neg(neg(v)), x) == (x, [1.0])
    assert grad_of(lambda v: v - v, x) == (0.0, [0.0])


@settings(max_examples=50, deadline=None)
@given(x=REAL, y=AWAY_FROM_ZERO)
def test_division_is_multiplying_by_the_reciprocal(x: float, y: float) -> None:
    assert grad_of(lambda u, v: u / v, x, y) == grad_of(lambda u, v: u * v**-1, x, y)
    assert grad_of(lambda v: x / v, y) == grad_of(lambda v: x * v**-1, y)
    one, (done,) = grad_of(lambda v: v / v, y)
    assert abs(one - 1.0) <= EPS
    assert abs(done) <= 2 * EPS / abs(y)


@settings(max_examples=50, deadline=None)
@given(x=REAL, y=REAL)
def test_addition_and_multiplication_commute(x: float, y: float) -> None:
    assert grad_of(lambda u, v: u + v, x, y) == grad_of(lambda u, v: v + u, x, y)
    assert grad_of(lambda u, v: u * v, x, y) == grad_of(lambda u, v: v * u, x, y)


# -- the n-ary nodes are the binary chain in one node ---------------------------------

POOL = st.lists(REAL, min_size=1, max_size=6)


@settings(max_examples=50, deadline=None)
@given(data=st.data(), pool=POOL, start=REAL)
def test_sum_values_equals_the_chain_of_adds(
    data: st.DataObject, pool: list[float], start: float
) -> None:
    # Terms are drawn from a small pool of leaves, so some repeat.
    picks = data.draw(st.lists(st.integers(0, len(pool) - 1), max_size=8), label="picks")

    def n_ary(*leaves: Value) -> Value:
        return sum_values([leaves[i] for i in picks], leaves[-1]).tanh()

    def chain(*leaves: Value) -> Value:
        return reduce(add, [leaves[i] for i in picks], leaves[-1]).tanh()

    value, grads = grad_of(n_ary, *pool, start)
    chain_value, chain_grads = grad_of(chain, *pool, start)
    assert value == chain_value
    assert grads == chain_grads


@settings(max_examples=50, deadline=None)
@given(xs=st.lists(REAL, max_size=8))
def test_sum_values_equals_the_builtin_sum_of_values_bit_for_bit(xs: list[float]) -> None:
    # The classic code sums Values with the builtin: 0 + v1 + v2 + ... (the
    # builtin sum of *floats* is compensated from Python 3.12 on, so the
    # reference is the plain left-to-right chain).
    leaves = [Value(x) for x in xs]
    assert sum_values(leaves).data == sum(leaves, Value(0.0)).data == reduce(add, xs, 0.0)
    assert len(sum_values(leaves)._prev) == len(xs)  # no constant 0 child


@settings(max_examples=50, deadline=None)
@given(data=st.data(), pool=POOL, with_bias=st.booleans())
def test_dot_equals_the_classic_neuron_sum(
    data: st.DataObject, pool: list[float], with_bias: bool
) -> None:
    # The classic neuron computes sum((wi*xi for ...), b): bias first, then
    # left to right. Leaves repeat, so one leaf can be a weight and an input.
    index = st.integers(0, len(pool) - 1)
    pairs = data.draw(st.lists(st.tuples(index, index), min_size=1, max_size=6), label="pairs")
    bias = data.draw(index, label="bias")

    def n_ary(*leaves: Value) -> Value:
        ws = [leaves[i] for i, _ in pairs]
        xs = [leaves[j] for _, j in pairs]
        out = dot(ws, xs, leaves[bias]) if with_bias else dot(ws, xs)
        return out.tanh()

    def classic(*leaves: Value) -> Value:
        products = (leaves[i] * leaves[j] for i, j in pairs)
        out = sum(products, leaves[bias]) if with_bias else sum(products)
        return out.tanh()

    value, grads = grad_of(n_ary, *pool)
    classic_value, classic_grads = grad_of(classic, *pool)
    assert value == classic_value
    # A leaf used three or more times gets its contributions in another order
    # (the chain passes them last term first), so the sums may round apart:
    # by a few ulps of the contributions, which are at most 10 · 1 here.
    for grad, classic_grad in zip(grads, classic_grads, strict=True):
        assert abs(grad - classic_grad) <= 1e-12


@settings(max_examples=50, deadline=None)
@given(ws=st.lists(REAL, min_size=1, max_size=6), data=st.data(), b=REAL)
def test_dot_of_distinct_leaves_has_the_classic_gradients_exactly(
    ws: list[float], data: st.DataObject, b: float
) -> None:
    xs = data.draw(st.lists(REAL, min_size=len(ws), max_size=len(ws)), label="xs")
    n = len(ws)

    def n_ary(*leaves: Value) -> Value:
        return dot(leaves[:n], leaves[n:-1], leaves[-1]).tanh()

    def classic(*leaves: Value) -> Value:
        products = (w * x for w, x in zip(leaves[:n], leaves[n:-1], strict=True))
        return sum(products, leaves[-1]).tanh()

    assert grad_of(n_ary, *ws, *xs, b) == grad_of(classic, *ws, *xs, b)


# -- backward is the chain rule along topological_order --------------------------------


@settings(max_examples=100, deadline=None)
@given(data=st.data(), leaves=st.lists(st.floats(-1.0, 1.0), min_size=1, max_size=5))
def test_backward_is_the_chain_rule_on_random_graphs(
    data: st.DataObject, leaves: list[float]
) -> None:
    # A random DAG of unary, binary and n-ary nodes over a pool in which any
    # node may be used again, by parents of any kind: backward walks it with
    # its own visit marks, which must neither skip nor repeat a node. The
    # gradients are equal exactly: both add the contributions in one order.
    pool = [Value(x) for x in leaves]
    pick = st.integers(0, 10**6).map(lambda k: pool[k % len(pool)])
    for _ in range(data.draw(st.integers(1, 25), label="n_nodes")):
        kind = data.draw(st.sampled_from(["+", "*", "tanh", "sum", "dot"]), label="kind")
        if kind == "tanh":
            pool.append(data.draw(pick).tanh())
        elif kind in "+*":
            a, b = data.draw(pick), data.draw(pick)
            pool.append(a + b if kind == "+" else a * b)
        else:
            terms = data.draw(st.lists(pick, max_size=6), label="terms")
            pool.append(sum_values(terms) if kind == "sum" else dot(terms, terms[::-1]))
    root = pool[-1].tanh()
    root.backward()
    expected = chain_rule_reference(root)
    assert all(node.grad == expected[node] for node in expected)
    assert all(type(node.grad) is float for node in expected)
    # A second pass: inner gradients start again, leaf gradients accumulate
    # (adding the contributions one by one to the first sum, so to an ulp).
    root.backward()
    for node, grad in expected.items():
        if node._op:
            assert node.grad == grad
        else:
            assert math.isclose(node.grad, 2 * grad, rel_tol=1e-12, abs_tol=1e-300)

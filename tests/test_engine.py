"""The engine's semantics, one test each: the graph, backward, the modes, the API."""

from __future__ import annotations

import gc
import inspect
import math
from typing import Any

import pytest

from micrograd.engine import (
    AnomalyError,
    Value,
    detect_anomaly,
    dot,
    no_gc,
    no_grad,
    sum_values,
    topological_order,
)
from micrograd.engine import grad as engine_grad


def here() -> int:
    """The line number of the caller."""
    frame = inspect.currentframe()
    assert frame is not None and frame.f_back is not None
    return frame.f_back.f_lineno


# -- the classic README example -------------------------------------------------------


def classic_expression(a: Any, b: Any) -> Any:
    """The expression of the classic micrograd README; works on Values and tensors."""
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return g


def test_the_classic_readme_example() -> None:
    a, b = Value(-4.0), Value(2.0)
    g = classic_expression(a, b)
    g.backward()
    assert f"{g.data:.4f}" == "24.7041"
    assert f"{a.grad:.4f}" == "138.8338"
    assert f"{b.grad:.4f}" == "645.5773"


def test_the_classic_readme_example_matches_torch() -> None:
    from conftest import require_module

    torch = require_module("torch")
    a, b = Value(-4.0), Value(2.0)
    g = classic_expression(a, b)
    g.backward()
    ta = torch.tensor(-4.0, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    tg = classic_expression(ta, tb)
    tg.backward()
    assert g.data == pytest.approx(tg.item(), rel=1e-12)
    assert a.grad == pytest.approx(ta.grad.item(), rel=1e-12)
    assert b.grad == pytest.approx(tb.grad.item(), rel=1e-12)


# -- the graph ----------------------------------------------------------------------


def test_a_value_used_twice_keeps_two_edges() -> None:
    a = Value(3.0)
    for out, local in ((a + a, (1.0, 1.0)), (a * a, (3.0, 3.0))):
        assert out._prev == (a, a)
        assert out.local_grads == local


def test_children_are_ordered_and_ops_named() -> None:
    a, b = Value(2.0), Value(5.0)
    assert (a * b)._prev == (a, b)
    assert (b * a)._prev == (b, a)
    assert (a + b)._op == "+"
    assert (a**2)._op == "**2"
    assert (a**0.5)._op == "**0.5"
    assert (a**b)._op == "**"
    assert a.relu()._op == "ReLU"
    assert a._prev == () and a.local_grads == () and a._op == ""


def test_a_power_is_named_by_its_exponent_as_written() -> None:
    # 2 == 2.0 and 0.0 == -0.0, yet each reads as written, in any order.
    a = Value(1.5)
    names = [(a**n)._op for n in (2, 2.0, 2, 0.0, -0.0, 0, -1, -1.0)]
    assert names == ["**2", "**2.0", "**2", "**0.0", "**-0.0", "**0", "**-1", "**-1.0"]
    assert (a**True)._op == "**1"  # other Reals become an int or a float
    assert (a**2)._op is (a**2)._op  # one string shared by the nodes of one exponent


def test_reused_node_gets_the_sum_of_its_paths() -> None:
    # Regression for the classic bug class: a node reached by two paths.
    a = Value(-2.0)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad == 4.0
    assert b.grad == 2.0


def test_square_through_two_edges() -> None:
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0


def test_topological_order_puts_children_first_and_each_node_once() -> None:
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + c
    e = d * a
    order = topological_order(e)
    assert order[-1] is e
    assert len(order) == len({id(node) for node in order})
    position = {id(node): i for i, node in enumerate(order)}
    for node in order:
        for child in node._prev:
            assert position[id(child)] < position[id(node)]
    assert {id(a), id(b), id(c), id(d)} <= set(position)


def test_a_million_deep_chain_runs_forward_and_backward() -> None:
    # No recursion anywhere: not in building, ordering, backward or freeing.
    one = Value(1.0)
    x = start = Value(0.0)
    for _ in range(1_000_000):
        x = x + one
    x.backward()
    assert x.data == 1_000_000.0
    assert start.grad == 1.0
    assert one.grad == 1_000_000.0
    assert len(topological_order(x)) == 1_000_002  # the drawing tools' walk, too
    del x  # dropping the chain frees it node by node, without recursion either


# -- backward -----------------------------------------------------------------------


def test_backward_twice_adds_the_leaf_gradients_again() -> None:
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    d = c.tanh() + c
    d.backward()
    first = (a.grad, b.grad, c.grad)
    d.backward()
    assert (a.grad, b.grad) == (2 * first[0], 2 * first[1])
    assert c.grad == first[2]  # an intermediate gradient is recomputed, not added
    assert d.grad == 1.0


def test_backward_from_a_shared_intermediate_after_another_root() -> None:
    a = Value(3.0)
    b = a * a
    (b + 1.0).backward()
    b.backward()
    assert b.grad == 1.0
    assert a.grad == 12.0  # 6 from each pass


def test_backward_seeds_the_root_gradient() -> None:
    a = Value(1.5)
    y = a.exp()
    y.backward(grad=2.5)
    assert y.grad == 2.5
    assert a.grad == 2.5 * math.exp(1.5)


def test_backward_on_a_leaf() -> None:
    a = Value(4.0)
    a.backward()
    assert a.grad == 1.0
    a.backward(grad=2)
    assert a.grad == 3.0
    assert type(a.grad) is float


def test_grad_and_data_are_floats() -> None:
    a = Value(3)
    assert type(a.data) is float and type(a.grad) is float
    assert a.grad == 0.0
    y = a * 2
    y.backward(grad=1)
    assert type(y.data) is float and type(a.grad) is float and type(y.grad) is float


def test_repr() -> None:
    a = Value(2.0)
    (a * 3).backward()
    assert repr(a) == "Value(data=2.0, grad=3.0)"
    assert repr(Value(-1)) == "Value(data=-1.0, grad=0.0)"


def test_label_is_settable() -> None:
    a = Value(1.0, label="a")
    assert a.label == "a"
    a.label = "weight"
    assert a.label == "weight"
    assert (a + 1).label == ""


def test_graph_holds_no_reference_cycles() -> None:
    def count_values() -> int:
        return sum(type(obj) is Value for obj in gc.get_objects())

    gc.collect()
    gc.disable()
    try:
        before = count_values()
        x, w = Value(0.5), Value(-1.5)
        y = dot([w, w], [x, x.exp()], 1.0).tanh()
        for _ in range(50):
            y = (y * x + sum_values([y, w]).sigmoid() - y / 2 + 2**y).tanh()
        y.backward()
        assert count_values() > before + 100
        del x, w, y
        # Freed by reference counting alone, with the collector off ...
        assert count_values() == before
        # ... and nothing was left for the collector to find.
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_the_cycle_check_detects_a_node_with_a_closure() -> None:
    # The check above on a node written the classic way, whose backward
    # closure refers to the node itself: the collector must find it.
    class ClosureNode:
        def __init__(self) -> None:
            def _backward() -> None:
                self.grad = 0.0

            self._backward = _backward

    gc.collect()
    gc.disable()
    try:
        node = ClosureNode()
        del node
        assert gc.collect() > 0
    finally:
        gc.enable()


# -- operators ----------------------------------------------------------------------


def test_numbers_on_either_side() -> None:
    x = Value(3.0)
    cases = [
        (x + 2, 5.0, 1.0),
        (2 + x, 5.0, 1.0),
        (x - 2, 1.0, 1.0),
        (2 - x, -1.0, -1.0),
        (x * 2, 6.0, 2.0),
        (2 * x, 6.0, 2.0),
        (x / 2, 1.5, 0.5),
        (6 / x, 2.0, -6 / 9),
        (x**2, 9.0, 6.0),
        (2**x, 8.0, 8 * math.log(2)),
        (-x, -3.0, -1.0),
    ]
    for out, data, grad in cases:
        x.grad = 0.0
        out.backward()
        assert out.data == pytest.approx(data, rel=1e-15)
        assert x.grad == pytest.approx(grad, rel=1e-15)


def test_in_place_operators() -> None:
    x = Value(2.0)
    y = x
    y += 3  # 5
    y -= x  # 3
    y *= x  # 6
    y /= 4  # 1.5
    y **= 2  # 2.25
    y.backward()
    # y = ((x + 3 − x) · x / 4)² = (3x/4)², dy/dx = 2 · (3x/4) · 3/4
    assert y.data == 2.25
    assert x.grad == pytest.approx(2 * 1.5 * 0.75, rel=1e-15)
    assert x.data == 2.0  # the in-place forms build new nodes


def test_value_to_a_value_power_differentiates_base_and_exponent() -> None:
    x, y = Value(2.0), Value(3.0)
    z = x**y
    z.backward()
    assert z.data == 8.0
    assert x.grad == 12.0  # y · x^(y−1)
    assert y.grad == pytest.approx(8.0 * math.log(2.0), rel=1e-15)  # x^y · ln x


def test_number_to_a_value_power() -> None:
    x = Value(3.0)
    z = 2**x
    z.backward()
    assert z.data == 8.0
    assert z._op == "**"
    assert x.grad == pytest.approx(8.0 * math.log(2.0), rel=1e-15)


def test_relu_at_zero_has_derivative_zero() -> None:
    for zero in (0.0, -0.0):
        x = Value(zero)
        y = x.relu()
        y.backward()
        assert y.data == 0.0
        assert x.grad == 0.0


def test_leaky_relu_at_zero_has_the_negative_slope() -> None:
    x = Value(0.0)
    x.leaky_relu().backward()
    assert x.grad == 0.01
    x = Value(0.0)
    x.leaky_relu(0.2).backward()
    assert x.grad == 0.2
    x = Value(-3.0)
    y = x.leaky_relu(0.2)
    y.backward()
    assert y.data == pytest.approx(-0.6, rel=1e-15)
    assert x.grad == 0.2


@pytest.mark.parametrize("x", [2.0, -3.0])
def test_leaky_relu_keeps_its_slope_on_the_node_without_a_second_edge(x: float) -> None:
    # The slope sits in the spare _db of the one-child node, for graph copies
    # that rerun the op; it must not look like a second child or derivative.
    a = Value(x)
    y = a.leaky_relu(0.25)
    assert y._db == 0.25
    assert y._prev == (a,)
    assert y.local_grads == ((1.0,) if x > 0 else (0.25,))
    y._backward()
    assert a.grad == 0.0  # y.grad is still 0
    y.grad = 2.0
    y._backward()
    assert a.grad == 2.0 * y.local_grads[0]
    a.grad = 0.0
    (y * 3).backward()
    assert a.grad == 3.0 * y.local_grads[0]
    (first,) = engine_grad(y, a, create_graph=True)
    assert first.data == y.local_grads[0]


# -- hand-built nodes, as the classic constructor allows ---------------------------------


def test_a_hand_built_node_backpropagates_its_local_derivatives() -> None:
    a, b = Value(2.0), Value(5.0)
    # f(a, b) = a² · b, built by hand with ∂f/∂a = 2ab and ∂f/∂b = a².
    f = Value(20.0, (a, b), "a²b", label="f", _local=(20.0, 4.0))
    (f * 3).backward()
    assert f._prev == (a, b)
    assert f.local_grads == (20.0, 4.0)
    assert (a.grad, b.grad) == (60.0, 12.0)


def test_a_hand_built_node_without_local_derivatives_cannot_backpropagate() -> None:
    a = Value(2.0)
    f = Value(4.0, (a,), "square")
    with pytest.raises(TypeError, match=r"(?s)backward.*'square'.*_local"):
        (f + 1).backward()


def test_a_backward_that_failed_leaves_nothing_a_later_one_trusts() -> None:
    # Backward marks the nodes it walks; a pass that raises after its walk
    # leaves them marked. A later pass over the same nodes must walk them anew.
    a = Value(2.0)
    shared = (a * 3).tanh()
    broken = Value(4.0, (shared,), "square")
    with pytest.raises(TypeError):
        (broken + shared).backward()
    a.grad = 0.0
    (shared * shared).backward()
    fresh = Value(2.0)
    ((fresh * 3).tanh() ** 2).backward()
    assert a.grad == fresh.grad != 0.0


# -- no_grad ----------------------------------------------------------------------


def test_no_grad_records_no_graph() -> None:
    a, b = Value(2.0), Value(3.0)
    with no_grad():
        outs = [a * b, a + 1, a.tanh(), 2**a, a**b, sum_values([a, b]), dot([a], [b], 1.0)]
    for out in outs:
        assert out._prev == ()
        assert out.local_grads == ()
    assert outs[0].data == 6.0
    # A node made inside is a leaf to graphs built later: nothing flows past it.
    (outs[0] * 2.0).backward()
    assert outs[0].grad == 2.0 and a.grad == 0.0 and b.grad == 0.0
    assert (a * b)._prev == (a, b)  # recording is back on


def test_no_grad_nests_and_is_restored_after_an_exception() -> None:
    a = Value(2.0)
    with no_grad():
        with no_grad():
            assert (a * a)._prev == ()
        assert (a * a)._prev == ()  # the outer block is still in force
    assert (a * a)._prev == (a, a)
    with pytest.raises(ValueError), no_grad():
        Value(-1.0).log()
    assert (a * a)._prev == (a, a)


# -- detect_anomaly ---------------------------------------------------------------


def test_detect_anomaly_names_a_non_finite_forward_value() -> None:
    with detect_anomaly():
        v = Value(1.0)
        v.data = float("inf")
        with pytest.raises(AnomalyError) as info:
            line = here() + 1
            v + 2.0
    message = str(info.value)
    assert "'+'" in message
    assert "inf, 2.0" in message
    assert f"{__file__}:{line}" in message


def test_detect_anomaly_names_a_non_finite_gradient() -> None:
    with detect_anomaly():
        x = Value(1e-10)
        line = here() + 1
        y = x * 1e300
        z = y + 1.0
        with pytest.raises(AnomalyError) as info:
            z.backward(grad=1e100)
    message = str(info.value)
    assert "gradient" in message and "inf" in message
    assert "'*'" in message
    assert "1e-10, 1e+300" in message
    assert f"{__file__}:{line}" in message


def test_detect_anomaly_is_restored_after_it_raises() -> None:
    v = Value(1.0)
    v.data = float("nan")
    with pytest.raises(AnomalyError), detect_anomaly():
        v * 2.0
    with pytest.raises(OverflowError) as info:
        v * 2.0
    assert not isinstance(info.value, AnomalyError)


# -- regression: a plain number joins the graph as one constant, as in the classic --


def test_subtracting_a_number_adds_its_negation_as_one_constant() -> None:
    x = Value(5.0)
    y = x - 3
    assert y._op == "+" and y._prev[0] is x
    assert y._prev[1]._prev == () and y._prev[1].data == -3.0
    assert y.data == 2.0


def test_dividing_by_a_number_multiplies_by_its_reciprocal_as_one_constant() -> None:
    x = Value(5.0)
    y = x / 4
    assert y._op == "*" and y._prev[0] is x
    assert y._prev[1]._prev == () and y._prev[1].data == 0.25
    y.backward()
    assert x.grad == 0.25


def test_the_sum_of_nothing_is_zero() -> None:
    total = sum_values([])
    assert total.data == 0.0 and total._prev == ()
    total.backward()


def test_a_gradient_that_overflows_into_a_node_without_children_is_reported() -> None:
    # No leaf lies below the empty sum, so only its own gradient shows the inf.
    y = sum_values([]) * Value(1e300)
    with pytest.raises(OverflowError, match=r"backward.*gradient inf.*'sum'"):
        y.backward(grad=1e100)


# -- no_gc: the opt-in pause of the cyclic collector -------------------------------


def test_no_gc_pauses_the_collector_and_restores_it() -> None:
    assert gc.isenabled()
    with no_gc():
        assert not gc.isenabled()
        with no_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block restores the outer state
    assert gc.isenabled()


def test_no_gc_restores_the_collector_after_an_exception() -> None:
    with pytest.raises(ZeroDivisionError), no_gc():
        Value(1.0) / 0
    assert gc.isenabled()


def test_no_gc_leaves_a_disabled_collector_disabled() -> None:
    gc.disable()
    try:
        with no_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_graphs_built_under_no_gc_are_freed_by_reference_counting() -> None:
    with no_gc():
        x = Value(0.5)
        y = x
        for _ in range(1000):
            y = (y * 1.0001).tanh()
        y.backward()
        count = len(gc.get_objects())
        del y
        assert len(gc.get_objects()) < count - 1000

"""micrograd.grad: gradients as return values, and gradients of gradients.

What it returns and when (floats, or Values with a graph), that it leaves
every `.grad` alone, its errors, the labels of a gradient's nodes, and the
drawing and tracing tools on a gradient's graph. Parity with PyTorch is in
test_grad_parity.py.
"""

from __future__ import annotations

import math

import pytest
from conftest import require_dot, require_module
from hypothesis import given, settings
from test_grad_parity import Step, random_graphs, replay

from micrograd import grad as exported_grad
from micrograd.engine import Value, dot, grad, no_grad, sum_values, topological_order
from micrograd.trace import explain, trace_backward
from micrograd.viz import draw_dot, to_dot


def neuron() -> tuple[Value, Value, Value]:
    """y = tanh(x·w), labelled, at x = 0.5, w = −2."""
    x, w = Value(0.5, label="x"), Value(-2.0, label="w")
    n = x * w
    n.label = "n"
    y = n.tanh()
    y.label = "y"
    return y, x, w


# -- what grad returns -----------------------------------------------------------------


def test_first_order_gradients_are_floats_in_a_tuple() -> None:
    y, x, w = neuron()
    gx, gw = grad(y, [x, w])
    t = math.tanh(-1.0)
    assert (type(gx), type(gw)) == (float, float)
    assert gx == (1 - t * t) * -2.0 and gw == (1 - t * t) * 0.5
    assert grad(y, x) == (gx,)  # one input: still a tuple
    assert exported_grad is grad


def test_with_create_graph_gradients_are_values_that_differentiate_again() -> None:
    x = Value(3.0)
    (dx,) = grad(x**4, x, create_graph=True)
    (ddx,) = grad(dx, x, create_graph=True)
    (dddx,) = grad(ddx, x, create_graph=True)
    (ddddx,) = grad(dddx, x)
    assert isinstance(dx, Value) and isinstance(dddx, Value)
    assert (dx.data, ddx.data, dddx.data, ddddx) == (108.0, 108.0, 72.0, 24.0)


@settings(max_examples=40, deadline=None)
@given(graph=random_graphs())
def test_first_order_grad_is_backward_to_the_bit(graph: tuple[list[float], list[Step]]) -> None:
    point, steps = graph
    leaves = [Value(x) for x in point]
    out = replay(steps, leaves)
    gradients = grad(out, leaves, allow_unused=True)
    with_graph = grad(out, leaves, create_graph=True, allow_unused=True)
    out.backward()
    assert list(gradients) == [leaf.grad for leaf in leaves]
    # Built from the rules rather than the stored numbers: equal up to rounding.
    for g, leaf in zip(with_graph, leaves, strict=True):
        assert g.data == pytest.approx(leaf.grad, rel=1e-12, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(graph=random_graphs())
def test_grad_leaves_every_grad_untouched(graph: tuple[list[float], list[Step]]) -> None:
    point, steps = graph
    leaves = [Value(x) for x in point]
    out = replay(steps, leaves)
    out.backward()  # every node holds a gradient, some not 0
    before = {node: node.grad for node in topological_order(out)}
    first = grad(out, leaves, create_graph=True, allow_unused=True)
    for g in first:
        grad(g, leaves, allow_unused=True)
    assert {node: node.grad for node in topological_order(out)} == before
    assert all(node.grad == 0.0 for g in first for node in topological_order(g)
               if node not in before)


def test_grad_outputs_weigh_the_outputs() -> None:
    x, y = Value(2.0), Value(3.0)
    a, b = x * y, x + y
    assert grad([a, b], [x, y]) == (3.0 + 1.0, 2.0 + 1.0)
    assert grad([a, b], [x, y], grad_outputs=[2.0, -1.0]) == (6.0 - 1.0, 4.0 - 1.0)
    assert grad(a, x, grad_outputs=0.5) == (1.5,)
    assert grad(a, x, grad_outputs=Value(4.0)) == (12.0,)


def test_a_value_seed_is_part_of_the_gradients_graph() -> None:
    # The Hessian-vector product H·v as the gradient of ∇f·v, v a Value.
    x, y = Value(1.0), Value(2.0)
    f = x * x * y
    gx, gy = grad(f, [x, y], create_graph=True)  # (2xy, x²)
    v = Value(3.0)
    (hv,) = grad(gx, x, grad_outputs=v, create_graph=True)  # 2y·v
    assert hv.data == 12.0
    assert grad(hv, v) == (2 * y.data,)


def test_an_output_below_another_gets_both_seeds() -> None:
    x = Value(2.0)
    a = x * x
    b = a * 3
    assert grad([b, a], x) == (3 * 4.0 + 4.0,)
    assert grad([a, a], x, grad_outputs=[1.0, 0.5]) == (4.0 + 2.0,)  # the same output twice


def test_an_input_may_be_an_inner_node() -> None:
    y, x, w = neuron()
    n = y._prev[0]
    gn, gx = grad(y, [n, x])
    assert gn == 1 - y.data**2 and gx == gn * w.data
    assert grad(y, y) == (1.0,)


def test_an_input_the_outputs_do_not_depend_on() -> None:
    y, x, _ = neuron()
    z = Value(1.0, label="z")
    with pytest.raises(ValueError, match=r"do not depend on input 1 \(z\); pass allow_unused=True"):
        grad(y, [x, z])
    assert grad(y, [x, z], allow_unused=True)[1] == 0.0
    zero = grad(y, [x, z], create_graph=True, allow_unused=True)[1]
    assert isinstance(zero, Value) and zero.data == 0.0 and zero._prev == ()
    assert zero.label == "∂y/∂z"


def test_grad_under_no_grad() -> None:
    y, x, _ = neuron()
    with no_grad():
        assert grad(y, x) == grad(y, x)  # first order records nothing anyway
        with pytest.raises(RuntimeError, match="create_graph=True inside no_grad"):
            grad(y, x, create_graph=True)
        frozen = x * 2
    with pytest.raises(RuntimeError, match=r"output \(op '\*'\) was made under no_grad"):
        grad(frozen, x)


# -- errors -----------------------------------------------------------------------------


def test_bad_arguments_are_typed_errors_naming_them() -> None:
    y, x, _ = neuron()
    with pytest.raises(TypeError, match=r"inputs\[1\] must be a Value, got float: 2.0"):
        grad(y, [x, 2.0])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="outputs must be a Value or a sequence"):
        grad(3.0, x)  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="inputs is empty"):
        grad(y, [])
    with pytest.raises(ValueError, match="1 outputs but 2 grad_outputs"):
        grad(y, x, grad_outputs=[1.0, 2.0])
    with pytest.raises(TypeError, match=r"grad\(grad_outputs=\) expects a real number"):
        grad(y, x, grad_outputs=["1"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="finite"):
        grad(y, x, grad_outputs=math.inf)
    with pytest.raises(TypeError, match="create_graph must be True or False, got 1"):
        grad(y, x, create_graph=1)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="allow_unused must be True or False"):
        grad(y, x, allow_unused="yes")  # type: ignore[arg-type]


def test_a_gradient_beyond_a_float_is_an_overflow_error() -> None:
    x = Value(1e-300)
    y = x * 1e200 * 1e200  # 1e100: fine; but ∂y/∂x = 1e400
    with pytest.raises(OverflowError, match=r"grad: the gradient inf of a node of op 'leaf'"):
        grad(y, x)
    with pytest.raises(OverflowError):
        grad(y, x, create_graph=True)
    assert x.grad == 0.0


def test_a_derivative_that_cannot_be_differentiated_there_names_the_op() -> None:
    # x^1.5 has the derivative 1.5·x^0.5, whose own derivative is infinite at 0.
    x = Value(0.0)
    assert grad(x**1.5, x) == (0.0,)
    with pytest.raises(ZeroDivisionError, match=r"derivative of op '\*\*1.5' at its inputs"):
        grad(x**1.5, x, create_graph=True)


def test_a_node_built_by_hand_has_first_derivatives_only() -> None:
    x = Value(0.5, label="x")
    sine = Value(math.sin(0.5), (x,), "sin", _local=(math.cos(0.5),))
    assert grad(sine * 2, x) == (2 * math.cos(0.5),)
    with pytest.raises(TypeError, match=r"op 'sin'.* built by hand.*cannot be\s+differentiated"):
        grad(sine * 2, x, create_graph=True)
    # Even under a known op's name.
    fake = Value(math.tanh(0.5), (x,), "tanh", _local=(1 - math.tanh(0.5) ** 2,))
    with pytest.raises(TypeError, match=r"op 'tanh'.* built by hand"):
        grad(fake, x, create_graph=True)


def test_a_sum_or_dot_built_by_hand_passes_only_with_the_ops_numbers() -> None:
    a, b = Value(2.0), Value(3.0)
    same = Value(5.0, (a, b), "sum", _local=(1.0, 1.0))
    assert grad(same, [a, b], create_graph=True)[0].data == 1.0
    same_dot = Value(6.0, (a, b), "dot", _local=(3.0, 2.0))
    assert [g.data for g in grad(same_dot, [a, b], create_graph=True)] == [3.0, 2.0]
    for wrong in (
        Value(5.0, (a, b), "sum", _local=(1.0, 2.0)),
        Value(6.0, (a, b), "dot", _local=(2.0, 3.0)),
    ):
        assert grad(wrong, a) == (wrong._da[0],)
        with pytest.raises(TypeError, match="built by hand"):
            grad(wrong, a, create_graph=True)


def test_a_closure_node_has_first_derivatives_only() -> None:
    x = Value(0.5, label="x")
    out = Value(math.sin(0.5), (x,), "sin")

    def backward() -> None:
        x.grad += math.cos(0.5) * out.grad

    out._backward = backward
    assert grad(out, x) == (math.cos(0.5),)
    assert x.grad == 0.0 and out.grad == 0.0
    with pytest.raises(TypeError, match=r"op 'sin'.* _backward closure"):
        grad(out, x, create_graph=True)


def test_a_node_with_children_but_no_derivatives() -> None:
    x = Value(1.0)
    bare = Value(2.0, (x,), "f")
    for create_graph in (False, True):
        with pytest.raises(TypeError, match="built by hand with children but no local"):
            grad(bare, x, create_graph=create_graph)


# -- labels ---------------------------------------------------------------------------------


def test_gradients_are_labelled_by_what_they_differentiate() -> None:
    y, x, w = neuron()
    gx, gw = grad(y, [x, w], create_graph=True)
    assert (gx.label, gw.label) == ("∂y/∂x", "∂y/∂w")
    labels = {node.label for node in topological_order(gx)}
    assert {"∂y/∂y", "∂y/∂n"} <= labels  # the labelled nodes on the way
    assert (y.label, x.label, w.label) == ("y", "x", "w")  # the graph's own are kept


def test_unlabelled_nodes_are_called_y_and_x() -> None:
    a, b = Value(1.0), Value(2.0)
    assert [g.label for g in grad(a * b, [a, b], create_graph=True)] == ["∂y/∂x0", "∂y/∂x1"]
    assert grad(a * b, a, create_graph=True)[0].label == "∂y/∂x"
    two = grad([a * b, a + b], a, create_graph=True)[0]
    assert two.label == "∂(y0 + y1)/∂x"


def test_with_grad_outputs_nothing_is_labelled() -> None:
    y, x, _ = neuron()
    (gx,) = grad(y, x, grad_outputs=2.0, create_graph=True)
    assert gx.label == ""


# -- the tools on a gradient's graph ------------------------------------------------


def test_a_gradients_graph_as_dot_text() -> None:
    y, x, _ = neuron()
    (gx,) = grad(y, x, create_graph=True)
    text = to_dot(gx)
    for record in ("{ ∂y/∂x | data -0.8399", "{ ∂y/∂n | data 0.4200", "{ y | data -0.7616"):
        assert record in text


def test_trace_and_explain_of_a_gradient_give_the_second_derivative() -> None:
    y, x, w = neuron()
    (gx,) = grad(y, x, create_graph=True)
    (second,) = grad(gx, x)
    t = math.tanh(-1.0)
    assert second == pytest.approx(-2 * t * (1 - t * t) * 4.0, rel=1e-12)
    trace = trace_backward(gx)
    assert trace[0].name == "∂y/∂x" and trace[0].edges[0].child_name == "∂y/∂n"
    assert x.grad == pytest.approx(second, rel=1e-12)
    explanation = explain(gx, x)
    assert explanation.path_count == 2  # through each y of y·y in 1 − y²
    assert explanation.total == pytest.approx(second, rel=1e-12)
    assert "path 1: (∂y/∂x) → (∂y/∂n)" in str(explanation)


def test_a_gradients_graph_renders() -> None:
    require_module("graphviz")
    require_dot()
    y, x, _ = neuron()
    (gx,) = grad(y, x, create_graph=True)
    png = draw_dot(gx, format="png").pipe()
    assert png.startswith(b"\x89PNG")


def test_n_ary_nodes_in_a_gradients_graph() -> None:
    # A neuron's dot passes each weight its input; several paths meet in one sum node.
    w = [Value(0.3, label="w1"), Value(-0.4, label="w2")]
    xs = [Value(1.5), Value(0.5)]
    z = dot(w, xs, Value(0.1)).sigmoid()
    loss = sum_values([z, z * z])
    g1, g2 = grad(loss, w, create_graph=True)
    assert {node._op for node in topological_order(g1)} >= {"sum", "*", "sigmoid", "dot"}
    s = z.data
    assert g1.data == pytest.approx((1 + 2 * s) * s * (1 - s) * 1.5, rel=1e-12)

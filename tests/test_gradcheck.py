"""gradcheck, numerical_grad and jacobian: they pass what is right, catch what is wrong."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd.engine import Value, sum_values
from micrograd.gradcheck import GradcheckError, gradcheck, jacobian, numerical_grad


def softmax(*xs: Value) -> list[Value]:
    """σ(x)_i = e^(x_i) / Σ_j e^(x_j), composed from exp, sum and division."""
    exps = [x.exp() for x in xs]
    total = sum_values(exps)
    return [e / total for e in exps]


def wrong_square_times(x: Value, y: Value) -> Value:
    """f(x, y) = x²·y built by hand, with ∂f/∂y right and ∂f/∂x = x·y (should be 2xy)."""
    return Value(x.data**2 * y.data, (x, y), "x²y", _local=(x.data * y.data, x.data**2))


# -- numerical_grad -------------------------------------------------------------------


def test_numerical_grad_of_known_derivatives() -> None:
    grads = numerical_grad(lambda x, y: x**3 * y + y.exp(), [2.0, 0.5])
    assert grads[0] == pytest.approx(3 * 2.0**2 * 0.5, rel=1e-8)
    assert grads[1] == pytest.approx(2.0**3 + math.exp(0.5), rel=1e-8)


def test_numerical_grad_is_exact_for_a_quadratic() -> None:
    # The central difference of a quadratic has no truncation error.
    (grad,) = numerical_grad(lambda x: x * x - 4 * x, [3.0], eps=1e-3)
    assert grad == pytest.approx(2.0, abs=1e-12)


def test_numerical_grad_records_no_graph_and_accepts_values() -> None:
    outputs: list[Value] = []

    def f(x: Value) -> Value:
        out = x.tanh()
        outputs.append(out)
        return out

    leaf = Value(0.3)
    (grad,) = numerical_grad(f, [leaf])
    assert grad == pytest.approx(1 - math.tanh(0.3) ** 2, rel=1e-8)
    assert len(outputs) == 2
    assert all(out._prev == () for out in outputs)
    assert leaf.grad == 0.0
    assert (leaf * leaf)._prev == (leaf, leaf)  # recording is back on


# -- gradcheck ------------------------------------------------------------------------


def test_gradcheck_passes_correct_ops() -> None:
    def f(a: Value, b: Value, c: Value) -> Value:
        return (a * b + c.exp()).tanh() / (1 + b**2) + (a - c).relu() + c.sigmoid() ** b

    assert gradcheck(f, [0.3, -1.2, 0.7]) is True
    assert gradcheck(lambda x: x.log() + 2**x, [Value(1.5)]) is True


def test_gradcheck_leaves_its_input_values_alone() -> None:
    x = Value(2.0)
    assert gradcheck(lambda v: v * v, [x])
    assert x.grad == 0.0


def test_gradcheck_catches_a_wrong_derivative_with_a_table() -> None:
    with pytest.raises(GradcheckError) as info:
        gradcheck(wrong_square_times, [1.5, -2.0])
    assert isinstance(info.value, ValueError)
    lines = str(info.value).splitlines()
    assert lines[0].startswith("gradcheck: 1 of 2 gradients disagree")
    assert lines[1].split() == ["input", "value", "analytic", "numeric", "abs", "error"]
    # input 0: analytic x·y = −3, numeric 2xy = −6; input 1: x² = 2.25 both ways.
    row0, row1 = lines[2].split(), lines[3].split()
    assert row0[0] == "0" and row0[-1] == "FAIL"
    assert [float(cell) for cell in row0[1:5]] == pytest.approx([1.5, -3.0, -6.0, 3.0])
    assert row1[0] == "1" and row1[-1] == "ok"
    # The columns are right-aligned under their headers.
    header, row = lines[1], lines[2]
    assert header.index("numeric") + len("numeric") == row.index("-6") + len("-6")
    assert header.index("analytic") + len("analytic") == row.index("-3") + len("-3")


def test_gradcheck_tolerances() -> None:
    # ∂f/∂x is 2x·(1 + 1e-4): inside the default rtol of 1e-3, outside 1e-5.
    def nearly_square(x: Value) -> Value:
        return Value(x.data**2, (x,), "x²", _local=(2 * x.data * (1 + 1e-4),))

    assert gradcheck(nearly_square, [3.0])
    with pytest.raises(GradcheckError, match="FAIL"):
        gradcheck(nearly_square, [3.0], atol=0.0, rtol=1e-5)


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"inputs": ["x"]}, TypeError, r"gradcheck: input 0.*str"),
        ({"inputs": [1.0, float("nan")]}, ValueError, r"gradcheck: input 1.*nan"),
        ({"eps": 0.0}, ValueError, r"gradcheck: eps must be finite and > 0, got 0.0"),
        ({"eps": -1e-6}, ValueError, r"gradcheck: eps .* got -1e-06"),
        ({"eps": "small"}, TypeError, r"gradcheck: eps must be a number.*'small'"),
        ({"atol": -1.0}, ValueError, r"gradcheck: atol must be finite and >= 0, got -1.0"),
        ({"rtol": float("inf")}, ValueError, r"gradcheck: rtol .* got inf"),
    ],
)
def test_gradcheck_rejects_bad_arguments(
    kwargs: dict[str, object], error: type[Exception], pattern: str
) -> None:
    arguments: dict[str, object] = {"f": lambda x: x * x, "inputs": [1.0], **kwargs}
    with pytest.raises(error, match=pattern):
        gradcheck(**arguments)  # type: ignore[arg-type]


def test_f_must_return_a_value() -> None:
    with pytest.raises(TypeError, match=r"gradcheck: f must return a Value, got float: 1.0"):
        gradcheck(lambda x: 1.0, [2.0])  # type: ignore[arg-type, return-value]
    with pytest.raises(TypeError, match=r"numerical_grad: f must return a Value"):
        numerical_grad(lambda x: [x], [2.0])  # type: ignore[arg-type, return-value]


def test_a_step_below_the_float_spacing_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"numerical_grad: eps=1e-06 .* input 0 = 1e\+20"):
        numerical_grad(lambda x: x * 2, [1e20])


# -- jacobian -------------------------------------------------------------------------


def test_jacobian_of_a_small_map() -> None:
    # f(x, y) = (xy, x + y, x): the last output is an input itself.
    J = jacobian(lambda x, y: [x * y, x + y, x], [2.0, 3.0])
    assert J == [[3.0, 2.0], [1.0, 1.0], [1.0, 0.0]]


@settings(max_examples=30, deadline=None)
@given(xs=st.lists(st.floats(-5.0, 5.0), min_size=1, max_size=5))
def test_jacobian_of_softmax_is_diag_s_minus_s_s_transposed(xs: list[float]) -> None:
    with_values = softmax(*(Value(x) for x in xs))
    s = [v.data for v in with_values]
    J = jacobian(softmax, xs)
    assert len(J) == len(xs)
    for i, row in enumerate(J):
        assert len(row) == len(xs)
        for k, entry in enumerate(row):
            expected = (s[i] if i == k else 0.0) - s[i] * s[k]
            assert entry == pytest.approx(expected, abs=1e-14)
    # The outputs always sum to 1, so no input moves their sum: columns sum to 0.
    for k in range(len(xs)):
        assert abs(sum(J[i][k] for i in range(len(xs)))) <= 1e-14


def test_jacobian_rows_match_gradcheck_style_numerics() -> None:
    xs = [0.5, -1.0, 2.0]
    J = jacobian(softmax, xs)
    for i in range(len(xs)):
        numeric = numerical_grad(lambda *v, i=i: softmax(*v)[i], xs)
        assert J[i] == pytest.approx(numeric, abs=1e-8)


def test_jacobian_needs_a_sequence_of_values() -> None:
    with pytest.raises(TypeError, match="jacobian: f must return a sequence of Values, got Value"):
        jacobian(lambda x: x * 2, [1.0])  # type: ignore[arg-type, return-value]
    with pytest.raises(TypeError, match=r"jacobian: output 1 of f is not a Value: 2.0"):
        jacobian(lambda x: [x, 2.0], [1.0])  # type: ignore[arg-type, list-item]
    with pytest.raises(TypeError, match=r"jacobian: input 0.*NoneType"):
        jacobian(lambda x: [x], [None])  # type: ignore[list-item]

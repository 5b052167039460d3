"""hessian and gradgradcheck: second derivatives, and their check against
finite differences of the gradient."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from op_table import reals

import micrograd.engine as engine
from micrograd.engine import Value
from micrograd.gradcheck import GradcheckError, gradcheck, gradgradcheck, hessian


def loss(w1: Value, w2: Value) -> Value:
    """A smooth two-parameter function with every kind of second derivative."""
    return (w1 * w2 - 1).tanh() ** 2 + 0.5 * w1**2 + w2.exp() * w1


# -- hessian --------------------------------------------------------------------------


def test_the_hessian_of_known_functions() -> None:
    # f = x²y + e^y: H = [[2y, 2x], [2x, e^y]].
    assert hessian(lambda x, y: x * x * y + y.exp(), [1.0, 2.0]) == [
        [4.0, 2.0],
        [2.0, math.exp(2.0)],
    ]
    # A quadratic form ½xᵀAx has the Hessian A, wherever it is taken.
    a = [[2.0, -1.0], [-1.0, 3.0]]

    def quadratic(x: Value, y: Value) -> Value:
        return 0.5 * (a[0][0] * x * x + 2 * a[0][1] * x * y + a[1][1] * y * y)

    assert hessian(quadratic, [0.3, -7.0]) == a


def test_an_input_the_function_does_not_use_has_zeros() -> None:
    assert hessian(lambda x, y, z: x * y, [1.0, 2.0, 3.0]) == [
        [0.0, 1.0, 0.0],
        [1.0, 0.0, 0.0],
        [0.0, 0.0, 0.0],
    ]


def test_hessian_takes_values_and_leaves_their_grads_alone() -> None:
    x = Value(0.5)
    x.grad = 7.0
    ((h,),) = hessian(lambda v: v.sigmoid(), [x])
    s = 1 / (1 + math.exp(-0.5))
    assert h == pytest.approx(s * (1 - s) * (1 - 2 * s), rel=1e-12)
    assert x.grad == 7.0


@settings(max_examples=30, deadline=None)
@given(w1=reals(-2.0, 2.0), w2=reals(-2.0, 2.0))
def test_the_hessian_is_symmetric_and_passes_gradgradcheck(w1: float, w2: float) -> None:
    (h11, h12), (h21, h22) = hessian(loss, [w1, w2])
    assert h12 == pytest.approx(h21, rel=1e-12, abs=1e-15)
    assert gradgradcheck(loss, [w1, w2], atol=1e-6, rtol=1e-5)


# -- gradgradcheck ----------------------------------------------------------------------


def test_gradgradcheck_passes_correct_ops() -> None:
    def f(a: Value, b: Value, c: Value) -> Value:
        return (a * b + c.exp()).tanh() / (1 + b**2) + c.sigmoid() ** b + (a - c).log()

    assert gradgradcheck(f, [1.3, -0.4, 0.7]) is True


def test_gradgradcheck_catches_a_wrong_second_derivative_with_a_table(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # tanh' written 1 − t·c with c a constant copy of t: the right number, so
    # first derivatives pass, but half the curvature is lost.
    monkeypatch.setitem(
        engine._DERIVATIVE_RULES, "tanh", lambda out, x: (1 - out * Value(out.data),)
    )

    def f(x: Value, y: Value) -> Value:
        return (x * y).tanh()

    assert gradcheck(f, [0.6, 0.9])
    with pytest.raises(GradcheckError) as info:
        gradgradcheck(f, [0.6, 0.9])
    lines = str(info.value).splitlines()
    assert lines[0].startswith("gradgradcheck: 4 of 4 second derivatives disagree")
    assert "<= 1e-05 + 0.001*|numeric|" in lines[0]
    assert lines[1].split() == ["entry", "i,", "k", "analytic", "numeric", "abs", "error"]
    assert [line.split()[:2] for line in lines[2:]] == [["0,", "0"], ["0,", "1"],
                                                       ["1,", "0"], ["1,", "1"]]
    assert all(line.endswith("FAIL") for line in lines[2:])
    # Entry (0, 0): analytic −t(1 − t²)·y², numeric −2t(1 − t²)·y².
    t = math.tanh(0.54)
    analytic, numeric = (float(cell) for cell in lines[2].split()[2:4])
    assert analytic == pytest.approx(-t * (1 - t * t) * 0.81, rel=1e-9)
    assert numeric == pytest.approx(-2 * t * (1 - t * t) * 0.81, rel=1e-6)


def test_gradgradcheck_tolerances() -> None:
    # Central differences of x⁴'s gradient are off by h² = 1e-6 relative at h = 1e-3.
    assert gradgradcheck(lambda x: x**4, [1.0], eps=1e-3)
    with pytest.raises(GradcheckError, match="FAIL"):
        gradgradcheck(lambda x: x**4, [1.0], eps=1e-3, atol=0.0, rtol=1e-8)


@pytest.mark.parametrize("check", [gradgradcheck, hessian])
def test_bad_inputs_name_the_caller(check: object) -> None:
    name = check.__name__  # type: ignore[attr-defined]
    with pytest.raises(TypeError, match=rf"{name}: input 0.*str"):
        check(lambda x: x * x, ["x"])  # type: ignore[operator]
    with pytest.raises(TypeError, match=rf"{name}: f must return a Value, got float"):
        check(lambda x: 1.0, [2.0])  # type: ignore[operator]


def test_gradgradcheck_rejects_bad_tolerances() -> None:
    with pytest.raises(ValueError, match=r"gradgradcheck: eps must be finite and > 0, got 0.0"):
        gradgradcheck(lambda x: x * x, [1.0], eps=0.0)
    with pytest.raises(ValueError, match=r"gradgradcheck: rtol must be finite and >= 0"):
        gradgradcheck(lambda x: x * x, [1.0], rtol=-1.0)
    with pytest.raises(ValueError, match=r"gradgradcheck: eps=1e-06 .* input 0 = 1e\+20"):
        gradgradcheck(lambda x: x * 2, [1e20])


def test_a_node_built_by_hand_cannot_be_checked_to_second_order() -> None:
    def f(x: Value) -> Value:
        return Value(math.sin(x.data), (x,), "sin", _local=(math.cos(x.data),))

    assert gradcheck(f, [0.4])
    with pytest.raises(TypeError, match="op 'sin'.* built by hand"):
        gradgradcheck(f, [0.4])

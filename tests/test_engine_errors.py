"""Bad input gets a typed exception whose message names the op and the value.

Also: the ops whose naive forms overflow (sigmoid, tanh) never do.
"""

from __future__ import annotations

import math
import numbers
import operator
import re
import sys
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from micrograd.engine import Value, dot, no_grad, sum_values


def raises(error: type[Exception], *fragments: str) -> Any:
    """pytest.raises(error) whose message must contain every fragment, in order."""
    pattern = ".*".join(re.escape(fragment) for fragment in fragments)
    return pytest.raises(error, match=f"(?s){pattern}")


# -- building a Value ------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "error", "fragments"),
    [
        ("x", TypeError, ("Value()", "str", "'x'")),
        (None, TypeError, ("Value()", "NoneType", "None")),
        ([1.0], TypeError, ("Value()", "list", "[1.0]")),
        (1 + 2j, TypeError, ("Value()", "complex", "(1+2j)")),
        (float("nan"), ValueError, ("Value()", "finite", "nan")),
        (float("inf"), ValueError, ("Value()", "finite", "inf")),
        (-float("inf"), ValueError, ("Value()", "finite", "-inf")),
        (10**400, OverflowError, ("Value()", "1000000", "too large")),
    ],
    ids=["str", "None", "list", "complex", "nan", "inf", "-inf", "huge-int"],
)
def test_value_rejects_what_is_not_a_finite_real(
    data: object, error: type[Exception], fragments: tuple[str, ...]
) -> None:
    with raises(error, *fragments):
        Value(data)  # type: ignore[arg-type]


def test_children_must_be_values() -> None:
    with raises(TypeError, "Value()", "child", "(1.0,)"):
        Value(1.0, (1.0,))  # type: ignore[arg-type]


def test_local_derivatives_must_match_the_children() -> None:
    a = Value(1.0)
    with raises(ValueError, "Value()", "1 children", "2 local"):
        Value(1.0, (a,), "f", _local=(1.0, 2.0))
    with raises(ValueError, "Value(_local=)", "finite", "nan"):
        Value(1.0, (a,), "f", _local=(float("nan"),))


# -- operands that are not numbers -------------------------------------------------


OPERATORS = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
}
NOT_NUMBERS = {"str": "x", "None": None, "list": [1.0]}
# A sequence times a Value (either side) is repetition and a sequence plus a
# Value is concatenation: Python answers those itself, tested below.
SEQUENCE_CASES = {("*", "str", "value"), ("*", "str", "other"), ("*", "list", "value"),
                  ("*", "list", "other"), ("+", "str", "other"), ("+", "list", "other")}
OPERAND_CASES = [
    (symbol, kind, left)
    for symbol in OPERATORS
    for kind in NOT_NUMBERS
    for left in ("value", "other")
    if (symbol, kind, left) not in SEQUENCE_CASES
]


@pytest.mark.parametrize(
    ("symbol", "kind", "left"), OPERAND_CASES, ids=["-".join(case) for case in OPERAND_CASES]
)
@pytest.mark.parametrize("data", [2.0, 0.0], ids=["nonzero", "zero"])
def test_an_operand_that_is_not_a_number_is_a_type_error_naming_the_operator(
    symbol: str, kind: str, left: str, data: float
) -> None:
    # Regression: "x" - v named "+" (the op it is composed from) with the
    # operands swapped, and None / Value(0) was a ZeroDivisionError.
    value, other = Value(data), NOT_NUMBERS[kind]
    operands = (value, other) if left == "value" else (other, value)
    with pytest.raises(TypeError) as info:
        OPERATORS[symbol](*operands)
    names = [type(operand).__name__ for operand in operands]
    message = str(info.value)
    assert f"for {symbol}" in message, message
    assert f"'{names[0]}' and '{names[1]}'" in message, message


def test_a_sequence_with_a_value_is_a_type_error() -> None:
    for symbol, kind, left in SEQUENCE_CASES:
        value, other = Value(2.0), NOT_NUMBERS[kind]
        operands = (value, other) if left == "value" else (other, value)
        with pytest.raises(TypeError, match="Value"):
            OPERATORS[symbol](*operands)


def test_n_ary_ops_reject_what_is_not_a_number() -> None:
    with raises(TypeError, "sum", "str", "'x'"):
        sum_values([Value(1.0), "x"])  # type: ignore[list-item]
    with raises(TypeError, "dot", "NoneType", "None"):
        dot([Value(1.0)], [None])  # type: ignore[list-item]
    with raises(TypeError, "dot", "str", "'b'"):
        dot([Value(1.0)], [2.0], "b")  # type: ignore[arg-type]
    with raises(ValueError, "dot", "2 weights", "1 inputs"):
        dot([1.0, 2.0], [Value(1.0)])


def test_leaky_relu_rejects_a_slope_that_is_not_a_number() -> None:
    # Regression: a string slope was accepted silently for x > 0.
    for x in (2.0, -2.0):
        with raises(TypeError, "leaky_relu", "negative_slope", "'x'"):
            Value(x).leaky_relu("x")  # type: ignore[arg-type]
    with raises(ValueError, "leaky_relu", "negative_slope", "nan"):
        Value(2.0).leaky_relu(float("nan"))


def test_backward_seed_must_be_a_finite_number() -> None:
    y = Value(2.0) * 3.0
    with raises(TypeError, "backward(grad=)", "str", "'x'"):
        y.backward(grad="x")  # type: ignore[arg-type]
    with raises(ValueError, "backward(grad=)", "finite", "nan"):
        y.backward(grad=float("nan"))


# -- values outside an op's domain -----------------------------------------------


def test_log_of_zero_and_of_a_negative_number() -> None:
    with raises(ValueError, "log", "> 0", "0.0"):
        Value(0.0).log()
    with raises(ValueError, "log", "> 0", "-1.0"):
        Value(-1.0).log()


def test_zero_to_a_negative_power() -> None:
    with raises(ZeroDivisionError, "pow", "0.0 ** -1"):
        Value(0.0) ** -1
    with raises(ZeroDivisionError, "pow", "0.0 ** -0.5"):
        Value(0.0) ** -0.5


def test_division_by_zero() -> None:
    with raises(ZeroDivisionError, "division", "1.5 / 0"):
        Value(1.5) / 0
    with raises(ZeroDivisionError, "division", "1.5 / 0.0"):
        Value(1.5) / Value(0.0)
    with raises(ZeroDivisionError, "division", "1.0 / 0.0"):
        1 / Value(0.0)


def test_negative_base_to_a_non_integer_power() -> None:
    with raises(ValueError, "pow", "negative base -8.0", "0.5"):
        Value(-8.0) ** 0.5


def test_non_positive_base_with_a_value_exponent() -> None:
    # ∂x^y/∂y = x^y · ln x needs x > 0, even where x^y itself is real.
    with raises(ValueError, "pow", "> 0", "Value", "base -2.0"):
        Value(-2.0) ** Value(2.0)
    with raises(ValueError, "pow", "> 0", "base 0.0"):
        Value(0.0) ** Value(2.0)
    with raises(ValueError, "pow", "> 0", "base -2.0"):
        (-2) ** Value(2.0)


def test_an_infinite_exponent() -> None:
    with raises(ValueError, "pow", "finite", "inf"):
        Value(2.0) ** float("inf")


def test_square_root_at_zero_has_an_infinite_derivative() -> None:
    with raises(ZeroDivisionError, "pow", "derivative", "0.5", "0.0", "infinite"):
        Value(0.0) ** 0.5


# -- overflow ----------------------------------------------------------------------


def test_exp_overflow() -> None:
    with raises(OverflowError, "exp", "1000.0", "overflows"):
        Value(1000.0).exp()


def test_product_overflow() -> None:
    with raises(OverflowError, "*", "inf", "1e+200, 1e+200", "not finite"):
        Value(1e200) * Value(1e200)


def test_sum_overflow() -> None:
    big = sys.float_info.max
    with raises(OverflowError, "+", "inf", "not finite"):
        Value(big) + big
    with raises(OverflowError, "sum", "inf", "not finite"):
        sum_values([big, big])


def test_power_overflow() -> None:
    with raises(OverflowError, "pow", "1e+200 ** 2", "overflows"):
        Value(1e200) ** 2
    with raises(OverflowError, "pow", "10.0 ** 400.0", "overflows"):
        10 ** Value(400.0)


def test_gradient_overflow_in_backward_raises() -> None:
    # The forward values are finite; only the gradient overflows, and it is
    # reported rather than left as a silent inf.
    x = Value(1e-10)
    y = x * 1e300
    with raises(OverflowError, "backward", "gradient inf", "not finite"):
        y.backward(grad=1e100)


# -- sigmoid and tanh are stable -------------------------------------------------


HUGE = st.floats(-sys.float_info.max, sys.float_info.max, allow_nan=False)


@settings(max_examples=50, deadline=None)
@given(x=HUGE)
@example(x=sys.float_info.max)
@example(x=-sys.float_info.max)
@example(x=1e308)
@example(x=-1e308)
@example(x=-745.2)
@example(x=709.8)
def test_sigmoid_and_tanh_never_overflow(x: float) -> None:
    for name in ("sigmoid", "tanh"):
        leaf = Value(x)
        out = getattr(leaf, name)()
        out.backward()
        low = 0.0 if name == "sigmoid" else -1.0
        assert low <= out.data <= 1.0
        assert math.isfinite(leaf.grad) and 0.0 <= leaf.grad <= 1.0


# -- regressions: a local derivative that overflows is caught in forward ---------


def test_pow_whose_derivative_overflows_is_an_error_at_forward_time() -> None:
    # 10 ** 308 is finite, but its derivative 308 · 10 ** 307 is not: before,
    # the inf was stored and surfaced in backward under the wrong op.
    with raises(OverflowError, "pow", "derivative", "10.0"):
        Value(10.0) ** 308


def test_log_whose_derivative_overflows_is_an_error_at_forward_time() -> None:
    with raises(OverflowError, "log", "derivative", "5e-324"):
        Value(5e-324).log()


@pytest.mark.parametrize("divisor", [1e-310, Value(1e-310)], ids=["number", "Value"])
def test_division_whose_reciprocal_overflows_names_the_division(divisor: object) -> None:
    with raises(OverflowError, "division", "1e-10 / 1e-310"):
        Value(1e-10) / divisor  # type: ignore[operator]


@pytest.mark.parametrize(
    "number", [Fraction(1, 2), Decimal("0.5")], ids=["Fraction", "Decimal-is-not-Real"]
)
def test_every_operator_takes_the_same_plain_numbers(number: object) -> None:
    x = Value(2.0)
    operations = [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow]
    if isinstance(number, numbers.Real):
        results = [op(x, number).data for op in operations]
        assert results == [2.5, 1.5, 1.0, 4.0, 2.0**0.5]
    else:
        for op in operations:
            with pytest.raises(TypeError):
                op(x, number)


@pytest.mark.parametrize(
    ("operation", "op"),
    [
        (operator.add, "+"),
        (operator.sub, "-"),
        (operator.mul, "*"),
        (operator.truediv, "division"),
        (lambda x, n: n / x, "division"),
    ],
    ids=["add", "sub", "mul", "div", "rdiv"],
)
def test_an_int_too_large_for_a_float_names_the_op(operation: Any, op: str) -> None:
    with raises(OverflowError, f"{op}:", "too large for a float"):
        operation(Value(1.0), 10**400)


def test_a_value_exponent_whose_derivative_overflows_is_an_error_at_forward_time() -> None:
    # 0.5 ** -1020 is finite; its derivative with respect to the base is not.
    with raises(OverflowError, "pow", "derivative", "0.5", "-1020"):
        Value(0.5) ** Value(-1020.0)


def test_backward_from_a_value_made_under_no_grad_is_an_error() -> None:
    x = Value(3.0)
    with no_grad():
        y = x * x
    with raises(RuntimeError, "backward", "'*'", "no_grad()"):
        y.backward()
    assert x.grad == 0.0
    Value(2.0).backward()  # a leaf made by hand is still fine


def test_an_error_from_a_wide_node_lists_only_its_first_inputs() -> None:
    # A diverging neuron used to print every one of its inputs on one line.
    ws = [Value(1e300)] * 20
    xs = [Value(1e10)] * 20
    with raises(OverflowError, "dot", "… (40 in all)", "not finite") as error:
        dot(ws, xs)
    assert len(str(error.value)) < 250


# -- regressions: plain floats always, and a failed backward names its op --------------


def test_a_numpy_number_becomes_a_plain_float() -> None:
    # numpy.float64 is a float subclass: it used to be kept as it was, so data
    # and gradients were numpy numbers, and overflow gave numpy's warnings.
    import warnings

    from conftest import require_module

    numpy = require_module("numpy")
    x = Value(numpy.float64(2.0))
    y = x * numpy.float64(3.0) + Value(numpy.float32(0.5))
    y.backward(numpy.float64(1.0))
    assert type(x.data) is float and type(y.data) is float and type(x.grad) is float
    assert (y.data, x.grad) == (6.5, 3.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(OverflowError) as from_numpy:
            Value(numpy.float64(1e300)) * 1e300
    with pytest.raises(OverflowError) as from_float:
        Value(1e300) * 1e300
    assert str(from_numpy.value) == str(from_float.value)


def test_a_gradient_that_overflows_names_the_op_where_it_did() -> None:
    # Before: "... of a node of op 'leaf' (data 1e-300) is not finite", naming
    # the leaf where the inf arrived rather than the log that made it.
    x = Value(1e-300)
    with raises(OverflowError, "backward", "gradient inf", "not finite", "op 'log'", "1e+300"):
        (x.log() * 1e10).backward()


def test_a_failed_backward_leaves_every_gradient_as_it_was() -> None:
    x, w = Value(1e-300), Value(2.0)
    x.grad, w.grad = 5.0, -1.0
    y = x.log() * 1e10 + w * w
    with pytest.raises(OverflowError):
        y.backward()
    assert (x.grad, w.grad) == (5.0, -1.0)
    assert all(type(node.grad) is float and node.grad == 0.0 for node in y._prev)
    big = Value(1e308)
    big.grad = 1e308
    with raises(OverflowError, "gradient inf", "not finite"):
        big.backward(1e308)
    assert big.grad == 1e308


def test_gradients_that_overflow_only_when_added_up_say_so() -> None:
    x = Value(1.0)
    y = x * 1e200 + x * 1e200  # each path's gradient is finite; their sum is not
    with raises(OverflowError, "not finite", "adds up beyond a float"):
        y.backward(1e108)

"""Every op in `op_table` against PyTorch (float64) and against finite differences."""

from __future__ import annotations

import inspect
import operator
import sys
from typing import Any

import pytest
from conftest import require_module
from hypothesis import example, given, settings
from hypothesis import strategies as st
from op_table import NOT_OPS, OPS, Op

import micrograd.engine as engine
from micrograd.engine import Value
from micrograd.gradcheck import gradcheck

RTOL = 1e-10

# Every operator dunder Python knows (`__add__`, `__neg__`, `__lt__`, ...) and its
# reflection (`__radd__`): defining one of these on Value makes it a public op.
_FORWARD_DUNDERS = {
    name
    for name in dir(operator)
    if name.startswith("__") and name.endswith("__") and callable(getattr(operator, name))
}
OPERATOR_DUNDERS = _FORWARD_DUNDERS | {f"__r{name[2:]}" for name in _FORWARD_DUNDERS}


def public_ops() -> set[str]:
    """The methods and operator dunders of Value and the functions of engine.py."""
    methods = {
        name
        for name, attribute in vars(Value).items()
        if inspect.isfunction(attribute)
        and (name in OPERATOR_DUNDERS or not name.startswith("_"))
    }
    functions = {
        name
        for name, attribute in vars(engine).items()
        if inspect.isfunction(attribute)
        and attribute.__module__ == engine.__name__
        and not name.startswith("_")
    }
    return (methods | functions) - set(NOT_OPS)


# Below the smallest normal float, relative precision is lost (a subnormal
# result of 5e-324 is 100% off from 0): such results are ~0, and equal to it.
SMALLEST_NORMAL = sys.float_info.min


def close(actual: float, expected: float, atol: float = 0.0) -> bool:
    """|actual − expected| ≤ RTOL·|expected| + atol, with atol at least SMALLEST_NORMAL."""
    return abs(actual - expected) <= RTOL * abs(expected) + max(atol, SMALLEST_NORMAL)


# -- the table covers the engine ------------------------------------------------------


def test_every_public_op_is_in_the_table() -> None:
    missing = public_ops() - {op.method for op in OPS}
    assert not missing, f"ops with no row in tests/op_table.py: {sorted(missing)}"


def test_the_table_names_only_ops_that_exist() -> None:
    stale = {op.method for op in OPS} - public_ops()
    assert not stale, f"rows for names the engine does not have: {sorted(stale)}"
    gone = [name for name in NOT_OPS if not hasattr(Value, name) and not hasattr(engine, name)]
    assert not gone, f"NOT_OPS names the engine does not have: {gone}"
    names = [op.name for op in OPS]
    assert len(names) == len(set(names)), "row names must be unique"


def test_the_coverage_check_sees_every_kind_of_op(monkeypatch: pytest.MonkeyPatch) -> None:
    # Without this, a broken introspection would make the check above pass vacuously.
    assert {"__add__", "__rpow__", "__neg__", "exp", "leaky_relu", "dot"} <= public_ops()
    monkeypatch.setattr(Value, "softplus", lambda self: self, raising=False)
    monkeypatch.setattr(Value, "__abs__", lambda self: self, raising=False)
    monkeypatch.setattr(Value, "__rmatmul__", lambda self, other: self, raising=False)

    def logsumexp(values: list[Value]) -> Value:
        return values[0]

    logsumexp.__module__ = engine.__name__  # as if written in engine.py
    monkeypatch.setattr(engine, "logsumexp", logsumexp, raising=False)
    assert {"softplus", "__abs__", "__rmatmul__", "logsumexp"} <= public_ops()


# -- values and gradients against PyTorch -------------------------------------------


def evaluate_micrograd(op: Op, args: tuple[Any, ...]) -> tuple[Value, list[float]]:
    """The output of `op` at `args` and the gradient of each Value input."""
    leaves = {i: Value(args[i]) for i in op.values}
    out = op.micrograd(*(leaves.get(i, arg) for i, arg in enumerate(args)))
    out.backward()
    return out, [leaves[i].grad for i in op.values]


def evaluate_torch(torch: Any, op: Op, args: tuple[Any, ...]) -> tuple[float, list[float]]:
    """The same through PyTorch, in float64."""
    leaves = {
        i: torch.tensor(float(args[i]), dtype=torch.float64, requires_grad=True)
        for i in op.values
    }
    out = op.torch(torch, *(leaves.get(i, arg) for i, arg in enumerate(args)))
    out.backward()
    return out.item(), [leaves[i].grad.item() for i in op.values]


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_op_matches_torch(op: Op, data: st.DataObject) -> None:
    torch = require_module("torch")
    args = data.draw(st.tuples(*op.domain), label="args")
    out, grads = evaluate_micrograd(op, args)
    expected, expected_grads = evaluate_torch(torch, op, args)

    assert type(out.data) is float
    assert close(out.data, expected, op.value_atol), (out.data, expected)
    for k, (grad, expected_grad) in enumerate(zip(grads, expected_grads, strict=True)):
        assert type(grad) is float
        assert close(grad, expected_grad, op.grad_atol), (k, grad, expected_grad)
    assert out._op == op.node_op.format(*(args[i] for i in op.numbers))


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_op_matches_finite_differences(op: Op, data: st.DataObject) -> None:
    args = data.draw(st.tuples(*op.domain), label="args")

    def f(*values: Value) -> Value:
        full = list(args)
        for i, value in zip(op.values, values, strict=True):
            full[i] = value
        return op.micrograd(*full)

    assert gradcheck(f, [args[i] for i in op.values]) is True


# -- sigmoid and tanh far from 0 ------------------------------------------------------


_ROWS = {op.name: op for op in OPS}


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
@settings(max_examples=50, deadline=None)
@given(x=st.floats(-1e4, 1e4))
@example(x=1e4)
@example(x=-1e4)
@example(x=-745.0)
@example(x=-709.0)
@example(x=-36.0)
@example(x=19.0)
@example(x=0.0)
def test_sigmoid_and_tanh_match_torch_far_from_zero(name: str, x: float) -> None:
    torch = require_module("torch")
    op = _ROWS[name]
    out, (grad,) = evaluate_micrograd(op, (x,))
    expected, (expected_grad,) = evaluate_torch(torch, op, (x,))
    # For x < −709.78 micrograd's sigmoid is subnormal where PyTorch's is 0.
    assert close(out.data, expected, op.value_atol), (out.data, expected)
    assert close(grad, expected_grad, op.grad_atol), (grad, expected_grad)

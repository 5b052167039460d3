"""Every public op of the engine in one table, for the tests to run over.

Each row pairs a micrograd callable with the PyTorch one that computes the
same function, and a domain where the function is differentiable. The
parity tests check values and gradients against PyTorch in float64 and
against finite differences. `test_engine_parity.py` fails when a public
method, arithmetic dunder or module function of the engine is missing here,
so a new op cannot land without being tested.

A row's callables take one argument per entry of `domain`. The positions in
`numbers` are plain Python numbers (the constant in `2 + x`, the exponent
in `x ** 3`); every other position is a `Value` for micrograd and a float64
tensor that requires grad for PyTorch. The PyTorch callable also receives
the `torch` module first, so this file imports nothing optional.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from micrograd.engine import dot, sum_values


def reals(low: float, high: float) -> st.SearchStrategy[float]:
    """Finite floats in [low, high]."""
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


REAL = reals(-10.0, 10.0)
POSITIVE = reals(0.1, 10.0)
# Kinks (relu at 0) and poles (1/x at 0) are kept outside the finite-difference step.
AWAY_FROM_ZERO = reals(0.1, 10.0) | reals(-10.0, -0.1)
EXPONENT = reals(-3.0, 3.0)

# The derivatives of tanh and sigmoid are computed from the rounded output
# (1 − t², s(1 − s)), so their absolute error is a few ulps of 1 in any
# implementation, PyTorch's included: where the derivative is ~0 (|x| ≳ 8)
# only this absolute floor is meaningful.
NEAR_ONE_ULPS = 4 * sys.float_info.epsilon


@dataclass(frozen=True)
class Op:
    """One public op: how micrograd and PyTorch compute it, and where to test it."""

    name: str
    method: str  # the Value attribute or engine function this row exercises
    micrograd: Callable[..., Any]
    torch: Callable[..., Any]
    domain: tuple[st.SearchStrategy[Any], ...]
    node_op: str  # the `_op` of the result; `{}` is filled with the plain numbers
    numbers: tuple[int, ...] = ()
    value_atol: float = 0.0
    grad_atol: float = 0.0

    @property
    def values(self) -> tuple[int, ...]:
        """The positions that are Values (the ones with a gradient)."""
        return tuple(i for i in range(len(self.domain)) if i not in self.numbers)


OPS: tuple[Op, ...] = (
    # -- + and its reflection ------------------------------------------------
    Op("add", "__add__", lambda x, y: x + y, lambda t, x, y: x + y, (REAL, REAL), "+"),
    Op("add_number", "__add__", lambda x, c: x + c, lambda t, x, c: x + c,
       (REAL, REAL), "+", numbers=(1,)),
    Op("radd", "__radd__", lambda c, x: c + x, lambda t, c, x: c + x,
       (REAL, REAL), "+", numbers=(0,)),
    # -- − (composed: a + (−b)) ------------------------------------------------
    Op("sub", "__sub__", lambda x, y: x - y, lambda t, x, y: x - y, (REAL, REAL), "+"),
    Op("sub_number", "__sub__", lambda x, c: x - c, lambda t, x, c: x - c,
       (REAL, REAL), "+", numbers=(1,)),
    Op("rsub", "__rsub__", lambda c, x: c - x, lambda t, c, x: c - x,
       (REAL, REAL), "+", numbers=(0,)),
    Op("neg", "__neg__", lambda x: -x, lambda t, x: -x, (REAL,), "*"),
    # -- × -----------------------------------------------------------------------
    Op("mul", "__mul__", lambda x, y: x * y, lambda t, x, y: x * y, (REAL, REAL), "*"),
    Op("mul_number", "__mul__", lambda x, c: x * c, lambda t, x, c: x * c,
       (REAL, REAL), "*", numbers=(1,)),
    Op("rmul", "__rmul__", lambda c, x: c * x, lambda t, c, x: c * x,
       (REAL, REAL), "*", numbers=(0,)),
    # -- / (composed: a · b^(−1)) ---------------------------------------------
    Op("truediv", "__truediv__", lambda x, y: x / y, lambda t, x, y: x / y,
       (REAL, AWAY_FROM_ZERO), "*"),
    Op("truediv_number", "__truediv__", lambda x, c: x / c, lambda t, x, c: x / c,
       (REAL, AWAY_FROM_ZERO), "*", numbers=(1,)),
    Op("rtruediv", "__rtruediv__", lambda c, x: c / x, lambda t, c, x: c / x,
       (REAL, AWAY_FROM_ZERO), "*", numbers=(0,)),
    # -- ** ----------------------------------------------------------------------
    Op("pow_number", "__pow__", lambda x, n: x**n, lambda t, x, n: x**n,
       (POSITIVE, EXPONENT), "**{}", numbers=(1,)),
    Op("pow_integer", "__pow__", lambda x, n: x**n, lambda t, x, n: x**n,
       (AWAY_FROM_ZERO, st.integers(-3, 4)), "**{}", numbers=(1,)),
    Op("pow_value", "__pow__", lambda x, y: x**y, lambda t, x, y: x**y,
       (POSITIVE, EXPONENT), "**"),
    Op("rpow", "__rpow__", lambda c, x: c**x, lambda t, c, x: c**x,
       (POSITIVE, EXPONENT), "**", numbers=(0,)),
    # -- elementary functions ----------------------------------------------
    Op("exp", "exp", lambda x: x.exp(), lambda t, x: t.exp(x), (REAL,), "exp"),
    Op("log", "log", lambda x: x.log(), lambda t, x: t.log(x), (reals(1e-3, 1e3),), "log"),
    Op("tanh", "tanh", lambda x: x.tanh(), lambda t, x: t.tanh(x), (reals(-20.0, 20.0),),
       "tanh", grad_atol=NEAR_ONE_ULPS),
    Op("sigmoid", "sigmoid", lambda x: x.sigmoid(), lambda t, x: t.sigmoid(x),
       (reals(-40.0, 40.0),), "sigmoid", grad_atol=NEAR_ONE_ULPS),
    Op("relu", "relu", lambda x: x.relu(), lambda t, x: t.relu(x), (AWAY_FROM_ZERO,), "ReLU"),
    Op("leaky_relu", "leaky_relu", lambda x: x.leaky_relu(),
       lambda t, x: t.nn.functional.leaky_relu(x), (AWAY_FROM_ZERO,), "leaky_relu"),
    Op("leaky_relu_slope", "leaky_relu", lambda x, s: x.leaky_relu(s),
       lambda t, x, s: t.nn.functional.leaky_relu(x, s),
       (AWAY_FROM_ZERO, reals(0.0, 1.0)), "leaky_relu", numbers=(1,)),
    # -- n-ary nodes: PyTorch adds in the engine's order, start (or bias) first if given
    Op("sum_values", "sum_values", lambda a, b, c: sum_values([a, b, c]),
       lambda t, a, b, c: a + b + c, (REAL, REAL, REAL), "sum"),
    Op("sum_values_start", "sum_values", lambda a, b, c, s: sum_values([a, b, c], s),
       lambda t, a, b, c, s: s + a + b + c, (REAL, REAL, REAL, REAL), "sum"),
    Op("dot", "dot", lambda w1, x1, w2, x2: dot([w1, w2], [x1, x2]),
       lambda t, w1, x1, w2, x2: w1 * x1 + w2 * x2, (REAL,) * 4, "dot"),
    Op("dot_bias", "dot", lambda w1, x1, w2, x2, b: dot([w1, w2], [x1, x2], b),
       lambda t, w1, x1, w2, x2, b: b + w1 * x1 + w2 * x2, (REAL,) * 5, "dot"),
)

# Public names of the engine that are not ops, and why.
NOT_OPS: dict[str, str] = {
    "backward": "runs the chain rule over a graph; tested in test_engine.py",
    "topological_order": "orders a graph; tested directly, and as the reference order of backward",
    "no_grad": "a recording mode; tested in test_engine.py",
    "detect_anomaly": "a checking mode; tested in test_engine.py",
    "no_gc": "a garbage-collector mode; tested in test_engine.py",
    "grad": "differentiates a graph (and its gradients again); tested in test_grad.py",
}

"""Functions of a list of Values, composed from the engine's ops.

Nothing here has derivative code: softmax, log_softmax and logsumexp are built
from `exp`, `log`, `sum`, `+` and `/`, so backward comes from the engine and
every step shows in the graph. For stability each first shifts the inputs by
their largest value m, so no exp exceeds 1; m is taken as a constant, which
changes no gradient because these functions are unchanged by a shift
(softmax(x − m) = softmax(x)).

`sum` and `dot` are the engine's n-ary nodes under torch-like names.
"""

from __future__ import annotations

from collections.abc import Sequence

from micrograd.engine import Value, _value, dot, sum_values

sum = sum_values
"""sum(values, start=None): [start +] v1 + v2 + … as one 'sum' node (engine.sum_values)."""

__all__ = ["dot", "log_softmax", "logsumexp", "softmax", "sum"]


def _shifted(values: Sequence[Value | float], op: str) -> tuple[list[Value], float]:
    """(x_i − m for each i, m) with m = max_i x_i."""
    xs = [_value(x, op) for x in values]
    if not xs:
        raise ValueError(f"{op}: needs at least one value, got none")
    m = max(x.data for x in xs)
    return [x - m for x in xs], m


def _log_sum_exp(shifted: list[Value]) -> Value:
    """log Σ_j e^(s_j), for shifted inputs s_j ≤ 0 (one of them 0, so the sum is ≥ 1)."""
    return sum_values([s.exp() for s in shifted]).log()


def logsumexp(values: Sequence[Value | float]) -> Value:
    """log Σ_j e^(x_j) = m + log Σ_j e^(x_j − m); ∂/∂x_i = softmax(x)_i."""
    shifted, m = _shifted(values, "logsumexp")
    return _log_sum_exp(shifted) + m


def log_softmax(values: Sequence[Value | float]) -> list[Value]:
    """log σ(x)_i = (x_i − m) − log Σ_j e^(x_j − m); ∂/∂x_k = δ_ik − σ(x)_k."""
    shifted, _m = _shifted(values, "log_softmax")
    minus_lse = -_log_sum_exp(shifted)  # one node, shared by every entry
    return [s + minus_lse for s in shifted]


def softmax(values: Sequence[Value | float]) -> list[Value]:
    """σ(x)_i = e^(x_i − m) / Σ_j e^(x_j − m); Jacobian diag(σ) − σσᵀ."""
    shifted, _m = _shifted(values, "softmax")
    exps = [s.exp() for s in shifted]
    total = sum_values(exps)
    return [e / total for e in exps]

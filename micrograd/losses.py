"""Loss functions: a list of predictions and a list of targets in, one Value out.

Every loss is the mean over the samples (PyTorch's default reduction) and is
composed from engine ops, so backward needs no code here and the graph shows
each step. Predictions are Values (plain numbers are taken as constants);
targets are plain numbers, one per prediction.

    mse                               mean (p − t)²
    binary_cross_entropy              mean −[t log p + (1 − t) log(1 − p)], p in [0, 1]
    binary_cross_entropy_with_logits  the same with p = σ(z), stable for any logit z
    cross_entropy                     mean −log softmax(z)[target]
    hinge                             mean max(0, 1 − y·s), labels y = ±1
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import cast

from micrograd.engine import Value, _as_float, _value, sum_values
from micrograd.functional import _log_sum_exp, _shifted

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "hinge",
    "mse",
]

# torch.nn.functional.binary_cross_entropy floors every log at −100, so a
# probability of exactly 0 or 1 gives a finite loss.
LOG_FLOOR = -100.0


def mse(predictions: Sequence[Value | float], targets: Sequence[float]) -> Value:
    """Mean squared error, mean_i (p_i − t_i)²; ∂/∂p_i = 2(p_i − t_i)/n."""
    pairs = _pairs(predictions, targets, "mse")
    return _mean([(p - t) ** 2 for p, t in pairs])


def binary_cross_entropy(probabilities: Sequence[Value | float], targets: Sequence[float]) -> Value:
    """mean_i −[t_i log p_i + (1 − t_i) log(1 − p_i)] for probabilities p_i and
    targets t_i in [0, 1] (a ValueError outside).

    As in PyTorch each log is floored at −100, so p = 0 or 1 gives a finite loss
    (100 per sample with the wrong hard label, 0 with the right one), never inf.
    A term whose weight t or 1 − t is 0 is left out, as it adds 0. Gradients
    are the exact derivatives of this: 0 where the floor applies (log p < −100:
    the floored log is flat there; at log p = −100 exactly the log's 1/p
    passes, as the gradient of torch.clamp does at its bound), and ±1/n at
    p = t = 0 or 1, where PyTorch's formula (p − t) / max(p(1 − p), 1e-12)
    gives 0 and, at the floor, (p − t) / 1e-12.
    For outputs of a sigmoid prefer `binary_cross_entropy_with_logits`, which
    never needs the floor.
    """
    op = "binary_cross_entropy"
    pairs = _pairs(probabilities, targets, op)
    for i, (p, t) in enumerate(pairs):
        _check_unit(p.data, f"{op}: probability {i}")
        _check_unit(t, f"{op}: target {i}")
    return -_mean([_weighted_pair(t, p, 1.0 - p, _floored_log) for p, t in pairs])


def binary_cross_entropy_with_logits(
    logits: Sequence[Value | float], targets: Sequence[float]
) -> Value:
    """binary_cross_entropy(σ(z), t), computed from the logits z without σ:

        −[t log σ(z) + (1 − t) log(1 − σ(z))] = t·softplus(−z) + (1 − t)·softplus(z)

    with softplus(u) = log(1 + e^u). Both parts are ≥ 0, so nothing cancels,
    and no exp of a positive number is taken: stable for any logit.
    ∂/∂z = σ(z) − t (divided by n for the mean). Targets in [0, 1].
    """
    op = "binary_cross_entropy_with_logits"
    pairs = _pairs(logits, targets, op)
    for i, (_z, t) in enumerate(pairs):
        _check_unit(t, f"{op}: target {i}")
    return _mean([_weighted_pair(t, -z, z, _softplus) for z, t in pairs])


def cross_entropy(
    logits: Sequence[Value | float] | Sequence[Sequence[Value | float]], target: int | Sequence[int]
) -> Value:
    """−log softmax(z)[target] for one sample (a list of logits and a class
    index), or its mean over a batch (a list of such lists and a list of
    indices), as torch.nn.functional.cross_entropy.
    ∂/∂z_k = softmax(z)_k − [k = target] (divided by n for the mean).
    """
    op = "cross_entropy"
    if isinstance(target, int):
        return -_log_likelihood(cast(Sequence[Value | float], logits), target, op)
    rows = cast(Sequence[Sequence[Value | float]], logits)
    if len(rows) != len(target):
        raise ValueError(f"{op}: {len(rows)} rows of logits but {len(target)} targets")
    if not rows:
        raise ValueError(f"{op}: needs at least one sample, got none")
    pairs = enumerate(zip(rows, target, strict=True))
    return -_mean([_log_likelihood(row, k, f"{op}: sample {i}") for i, (row, k) in pairs])


def hinge(scores: Sequence[Value | float], labels: Sequence[float]) -> Value:
    """Max-margin loss, mean_i max(0, 1 − y_i·s_i) for labels y_i = ±1 (a
    ValueError otherwise); ∂/∂s_i = −y_i/n where the margin y_i·s_i < 1, else 0."""
    op = "hinge"
    pairs = _pairs(scores, labels, op)
    for i, (_s, y) in enumerate(pairs):
        if y not in (-1.0, 1.0):
            raise ValueError(f"{op}: label {i} must be -1 or 1, got {y}")
    # s·(−y) + 1 is 1 − y·s to the bit (y = ±1), with the classic's graph.
    return _mean([(s * -y + 1).relu() for s, y in pairs])


# -- helpers -----------------------------------------------------------------


def _pairs(
    predictions: Sequence[Value | float], targets: Sequence[float], op: str
) -> list[tuple[Value, float]]:
    """(prediction as a Value, target as a float), checked to be equally many and not none."""
    if len(predictions) != len(targets):
        raise ValueError(f"{op}: {len(predictions)} predictions but {len(targets)} targets")
    if not predictions:
        raise ValueError(f"{op}: needs at least one prediction, got none")
    return [
        (_value(p, op), _as_float(t, f"{op} target"))
        for p, t in zip(predictions, targets, strict=True)
    ]


def _mean(terms: list[Value]) -> Value:
    """(t1 + t2 + …) / n, as the classic demo's `sum(losses) * (1.0 / n)` to the bit."""
    return sum_values(terms) / len(terms)


def _log_likelihood(row: Sequence[Value | float], k: int, where: str) -> Value:
    """log softmax(row)[k], the log-probability of class k."""
    if isinstance(row, (Value, int, float)):
        raise TypeError(f"{where}: expected a list of logits, got {row!r}")
    if isinstance(k, bool) or not isinstance(k, int):
        raise TypeError(f"{where}: the target must be a class index (int), got {k!r}")
    if not 0 <= k < len(row):
        raise ValueError(f"{where}: target {k} is outside the {len(row)} classes")
    # log_softmax(row)[k] alone: the other classes' entries would be built and dropped.
    shifted, _m = _shifted(row, "log_softmax")
    return shifted[k] - _log_sum_exp(shifted)


def _check_unit(x: float, what: str) -> None:
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"{what} is {x}, outside [0, 1]")


def _weighted_pair(t: float, u: Value, v: Value, f: Callable[[Value], Value]) -> Value:
    """t·f(u) + (1 − t)·f(v), leaving out a part whose weight is 0: with a hard
    label the graph holds only the part that counts, unweighted."""
    if t == 1.0:
        return f(u)
    if t == 0.0:
        return f(v)
    return t * f(u) + (1.0 - t) * f(v)


def _floored_log(q: Value) -> Value:
    """max(log q, −100): log q, or below the floor (log q < −100, q = 0
    included) a constant −100 that passes no gradient, as the floor is flat
    there. At log q = −100 exactly, log q is kept and passes its 1/q."""
    if q.data > 0.0 and math.log(q.data) >= LOG_FLOOR:
        return q.log()
    return Value(LOG_FLOOR, label="log floor")


def _softplus(u: Value) -> Value:
    """log(1 + e^u), exponentiating only −|u|: u + log(1 + e^(−u)) when u > 0."""
    if u.data > 0.0:
        return u + ((-u).exp() + 1.0).log()
    return (u.exp() + 1.0).log()

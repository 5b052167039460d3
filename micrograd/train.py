"""The training loop: forward a batch, loss, backward, optimizer step.

`fit` runs it and returns the loss and accuracy of every step; `evaluate`
measures a model without recording a graph. Both read the loss by name:

    hinge          max(0, 1 − y·s), labels ±1, one output s
    mse            (s − y)², labels ±1, one output s
    bce            binary cross-entropy of σ(s), labels 0/1, one output s
    cross_entropy  −log softmax(z)[y], class indices, one output per class

With one output, a prediction is right when s and y have the same sign
(s > 0 predicts class 1); with several, when the largest output is class y.

The choices the command line and the explorer share are made here once:
`default_loss` (the loss when none is chosen), `outputs_for` (the size of
a model's last layer) and `make_optimizer` (an optimizer by name).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from micrograd import losses
from micrograd.engine import Value, no_grad, sum_values
from micrograd.optim import SGD, Adam, Optimizer, _check_hyper

__all__ = [
    "DEFAULT_LR",
    "LOSSES",
    "LOSS_LABELS",
    "OPTIMIZERS",
    "History",
    "Model",
    "batch_loss",
    "default_loss",
    "evaluate",
    "fit",
    "make_optimizer",
    "outputs_for",
    "train_step",
]

# The labels (see datasets) that each loss expects.
LOSS_LABELS = {"hinge": "sign", "mse": "sign", "bce": "index", "cross_entropy": "index"}
LOSSES = tuple(LOSS_LABELS)

# The optimizers by name, with the learning rate each gets unless told.
DEFAULT_LR = {"sgd": 0.1, "adam": 0.01}
OPTIMIZERS = tuple(DEFAULT_LR)

_SCORE_LOSSES: dict[str, Callable[[Sequence[Value | float], Sequence[float]], Value]] = {
    "hinge": losses.hinge,
    "mse": losses.mse,
    "bce": losses.binary_cross_entropy_with_logits,
}


# A model as the loss sees it: a point in, one score or one logit per class out.
Predictor = Callable[[Sequence[Value | float]], "Value | list[Value]"]


class Model(Protocol):
    """What the loop needs of a model: called on a point, and its parameters."""

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]: ...

    def parameters(self) -> list[Value]: ...


@dataclass
class History:
    """The loss and accuracy of each step, measured before its update."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)


def batch_loss(
    model: Predictor, X: Sequence[Sequence[float]], y: Sequence[int], loss: str = "hinge"
) -> tuple[Value, float]:
    """The mean `loss` of `model` on the points X with labels y, and the
    fraction of them it classifies right."""
    if loss not in LOSS_LABELS:
        raise ValueError(f"batch_loss: unknown loss {loss!r}; choose one of {LOSSES}")
    _check_data(X, y, "batch_loss")
    outputs = [model(x) for x in X]
    if loss == "cross_entropy":
        rows = [_logits(out) for out in outputs]
        right = [_argmax(row) == label for row, label in zip(rows, y, strict=True)]
        return losses.cross_entropy(rows, y), sum(right) / len(right)
    scores = [_score(out, loss) for out in outputs]
    right = [(label > 0) == (s.data > 0) for s, label in zip(scores, y, strict=True)]
    return _SCORE_LOSSES[loss](scores, y), sum(right) / len(right)


def evaluate(
    model: Predictor, X: Sequence[Sequence[float]], y: Sequence[int], loss: str = "hinge"
) -> tuple[float, float]:
    """(loss, accuracy) of `model` on (X, y), with no graph recorded."""
    with no_grad():
        value, accuracy = batch_loss(model, X, y, loss)
    return value.data, accuracy


def fit(
    model: Model,
    X: Sequence[Sequence[float]],
    y: Sequence[int],
    optimizer: Optimizer,
    *,
    loss: str = "hinge",
    steps: int = 100,
    batch_size: int | None = None,
    l2: float = 0.0,
    schedule: Callable[[int], float] | None = None,
    seed: int | None = None,
    on_step: Callable[[int, float, float], None] | None = None,
) -> History:
    """Train `model` for `steps` steps and return the history.

    Each step k: `optimizer.lr = schedule(k)` if given, then `train_step` on
    a batch (all points, or `batch_size` drawn without replacement by
    `random.Random(seed)`): the loss plus `l2`·Σ p², zero_grad, backward and
    `optimizer.step()`.
    `on_step(k, loss, accuracy)` is called after each step, e.g. for a
    progress bar. With the classic demo's settings this is its loop, number
    for number.
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise ValueError(f"fit: steps must be an int ≥ 0, got {steps!r}")
    _check_data(X, y, "fit")
    if batch_size is not None and not 1 <= batch_size <= len(X):
        raise ValueError(f"fit: batch_size must be between 1 and {len(X)}, got {batch_size}")
    _check_hyper(l2, "fit: l2")
    rng = random.Random(seed)
    params = model.parameters()
    history = History()
    for k in range(steps):
        if batch_size is None:
            Xb, yb = X, y
        else:
            picked = rng.sample(range(len(X)), batch_size)
            Xb, yb = [X[i] for i in picked], [y[i] for i in picked]
        if schedule is not None:
            # The optimizer checks lr only when built: here it is a plain attribute.
            lr = schedule(k)
            optimizer.lr = _check_hyper(lr, f"fit: the learning rate schedule({k}) of step {k}")
        step_loss, accuracy = train_step(model, Xb, yb, optimizer, loss=loss, l2=l2, params=params)
        history.loss.append(step_loss)
        history.accuracy.append(accuracy)
        if on_step is not None:
            on_step(k, step_loss, accuracy)
    return history


def train_step(
    model: Model,
    X: Sequence[Sequence[float]],
    y: Sequence[int],
    optimizer: Optimizer,
    *,
    loss: str = "hinge",
    l2: float = 0.0,
    params: Sequence[Value] | None = None,
) -> tuple[float, float]:
    """One step of `fit` on the batch (X, y): the loss plus `l2`·Σ p² over
    `params` (default: the model's), zero_grad, backward, `optimizer.step()`.
    Returns the loss and the accuracy, both measured before the update."""
    total, accuracy = batch_loss(model, X, y, loss)
    if l2 != 0.0:
        weights = model.parameters() if params is None else params
        total = total + sum_values([p * p for p in weights]) * l2
    optimizer.zero_grad()
    total.backward()
    optimizer.step()
    return total.data, accuracy


def default_loss(classes: int, outputs: int | None = None) -> str:
    """The loss when none is chosen: hinge, on one score, for two classes;
    cross_entropy, one output per class, for more. For a model that is
    already built, its number of `outputs` decides instead."""
    several = classes != 2 if outputs is None else outputs != 1
    return "cross_entropy" if several else "hinge"


def outputs_for(loss: str, classes: int) -> int:
    """How many outputs a model trained with `loss` on `classes` classes has:
    one per class for cross_entropy, else one score. ValueError, its message
    starting with the loss's name, if the loss cannot separate that many."""
    if loss not in LOSS_LABELS:
        raise ValueError(f"outputs_for: unknown loss {loss!r}; choose one of {LOSSES}")
    if classes < 2:
        raise ValueError(f"{loss} needs at least 2 classes, got {classes}")
    if loss == "cross_entropy":
        return classes
    if classes != 2:
        raise ValueError(f"{loss} separates two classes; {classes} classes need cross_entropy")
    return 1


def make_optimizer(
    name: str,
    params: Iterable[Value],
    lr: float | None = None,
    momentum: float = 0.0,
    weight_decay: float = 0.0,
) -> Optimizer:
    """The optimizer `name` (one of OPTIMIZERS) on `params`, at the learning
    rate `lr` (default: DEFAULT_LR[name]). `momentum` is SGD's own."""
    if name not in DEFAULT_LR:
        raise ValueError(f"make_optimizer: unknown optimizer {name!r}; choose one of {OPTIMIZERS}")
    lr = DEFAULT_LR[name] if lr is None else lr
    if name == "adam":
        if momentum != 0.0:
            raise ValueError(f"momentum is for sgd; adam keeps its own running averages "
                             f"(got momentum {momentum!r})")
        return Adam(params, lr=lr, weight_decay=weight_decay)
    return SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)


def _check_data(X: Sequence[Sequence[float]], y: Sequence[int], where: str) -> None:
    if len(X) != len(y) or not X:
        raise ValueError(f"{where}: needs points and one label each, got {len(X)} and {len(y)}")


def _score(out: object, loss: str) -> Value:
    if isinstance(out, Value):
        return out
    raise ValueError(f"loss {loss!r} needs a model with one output (a Value), got {out!r}")


def _logits(out: object) -> list[Value]:
    if isinstance(out, list) and all(isinstance(v, Value) for v in out):
        return out
    raise ValueError(
        f"loss 'cross_entropy' needs a model with one output per class (a list), got {out!r}"
    )


def _argmax(row: list[Value]) -> int:
    return max(range(len(row)), key=lambda k: row[k].data)

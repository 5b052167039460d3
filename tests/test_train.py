"""train: the loop reproduces the classic demo's numbers; batches, losses, errors."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any

import pytest
from test_nn import classic_twin

from micrograd.datasets import make_blobs, make_moons
from micrograd.engine import Value
from micrograd.nn import MLP
from micrograd.optim import SGD, Adam
from micrograd.train import (
    DEFAULT_LR,
    OPTIMIZERS,
    batch_loss,
    default_loss,
    evaluate,
    fit,
    make_optimizer,
    outputs_for,
)


def classic_losses(model: MLP, X: list[list[float]], y: list[int], steps: int) -> list[float]:
    """The classic demo's loop, word for word in spirit, on a classic-style
    copy of `model` built from this package's binary ops."""
    layers, params = classic_twin(model)

    def forward(x: list[Value]) -> Value:
        for neurons in layers:
            x = [n(x) for n in neurons]
        return x[0]

    losses = []
    for k in range(steps):
        inputs = [list(map(Value, row)) for row in X]
        scores = list(map(forward, inputs))
        terms = [(1 + -yi * si).relu() for yi, si in zip(y, scores, strict=True)]
        data_loss = sum(terms) * (1.0 / len(terms))
        reg_loss = 1e-4 * sum(p * p for p in params)
        total = data_loss + reg_loss
        for p in params:
            p.grad = 0.0
        total.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in params:
            p.data -= learning_rate * p.grad
        losses.append(total.data)
    return losses


def test_fit_prints_the_classic_demo_losses_bit_for_bit() -> None:
    X, y = make_moons(n=30, noise=0.1, seed=1337, labels="sign")
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    expected = classic_losses(model, X, y, steps=6)
    history = fit(
        model, X, y, SGD(model.parameters(), lr=1.0),
        loss="hinge", steps=6, l2=1e-4, schedule=lambda k: 1.0 - 0.9 * k / 100,
    )
    assert history.loss == expected
    assert len(set(expected)) == 6  # the loss did move


def test_history_and_callback_report_every_step() -> None:
    X, y = make_moons(n=20, seed=0, labels="sign")
    model = MLP(2, [4, 1], rng=random.Random(0))
    seen: list[tuple[int, float, float]] = []
    history = fit(model, X, y, SGD(model.parameters(), lr=0.1), steps=3,
                  on_step=lambda k, loss, acc: seen.append((k, loss, acc)))
    assert seen == list(zip(range(3), history.loss, history.accuracy, strict=True))
    assert all(0.0 <= a <= 1.0 for a in history.accuracy)


def test_schedule_sets_the_learning_rate_each_step() -> None:
    X, y = make_moons(n=10, seed=0, labels="sign")
    model = MLP(2, [3, 1], rng=random.Random(0))
    optimizer = SGD(model.parameters(), lr=1.0)
    rates: list[float] = []

    def schedule(k: int) -> float:
        rates.append(0.5 / (k + 1))
        return rates[-1]

    fit(model, X, y, optimizer, steps=3, schedule=schedule)
    assert optimizer.lr == rates[-1] == 0.5 / 3


def test_minibatches_are_drawn_by_the_seed() -> None:
    X, y = make_moons(n=40, seed=0, labels="sign")

    def run(seed: int) -> list[float]:
        model = MLP(2, [4, 1], rng=random.Random(0))
        return fit(model, X, y, SGD(model.parameters(), lr=0.1), steps=4,
                   batch_size=8, seed=seed).loss

    assert run(1) == run(1)
    assert run(1) != run(2)


@pytest.mark.parametrize("loss", ["hinge", "mse", "bce"])
def test_single_output_losses_train(loss: str) -> None:
    labels = "index" if loss == "bce" else "sign"
    X, y = make_moons(n=40, seed=0, labels=labels)
    model = MLP(2, [8, 1], rng=random.Random(0))
    history = fit(model, X, y, Adam(model.parameters(), lr=0.05), loss=loss, steps=15)
    assert history.loss[-1] < history.loss[0]


def test_cross_entropy_trains_a_multiclass_model() -> None:
    X, y = make_blobs(n=30, centers=3, noise=0.5, seed=0)
    model = MLP(2, [8, 3], rng=random.Random(0))
    history = fit(model, X, y, Adam(model.parameters(), lr=0.05), loss="cross_entropy", steps=25)
    assert history.loss[-1] < history.loss[0]
    assert history.accuracy[-1] > 0.9


def test_accuracy_is_sign_agreement_or_argmax() -> None:
    def score(x: Sequence[Value | float]) -> Value:
        return Value(x[0])

    _loss, accuracy = batch_loss(score, [[1.0], [-2.0], [3.0], [-0.5]], [1, 1, -1, -1])
    assert accuracy == 0.5

    def logits(x: Sequence[Value | float]) -> list[Value]:
        return [Value(v) for v in x]

    rows = [[0.1, 0.9, 0.0], [2.0, 1.0, 0.0]]
    _loss, accuracy = batch_loss(logits, rows, [1, 2], loss="cross_entropy")
    assert accuracy == 0.5


def test_evaluate_records_no_graph_and_leaves_grads_alone() -> None:
    X, y = make_moons(n=10, seed=0, labels="sign")
    model = MLP(2, [3, 1], rng=random.Random(0))
    loss, accuracy = evaluate(model, X, y)
    expected, expected_accuracy = batch_loss(model, X, y)
    assert (loss, accuracy) == (expected.data, expected_accuracy)
    assert all(p.grad == 0.0 for p in model.parameters())


@pytest.mark.parametrize(
    ("nouts", "loss", "message"),
    [
        ([3, 1], "softmax", "unknown loss 'softmax'"),
        ([3, 2], "hinge", "loss 'hinge' needs a model with one output"),
        ([3, 1], "cross_entropy", "one output per class"),
    ],
)
def test_a_loss_that_does_not_fit_the_model_is_an_error(
    nouts: list[int], loss: str, message: str
) -> None:
    X, y = make_moons(n=10, seed=0, labels="sign")
    model = MLP(2, nouts, rng=random.Random(0))
    with pytest.raises(ValueError, match=message):
        fit(model, X, y, SGD(model.parameters(), lr=0.1), loss=loss, steps=1)


def test_labels_that_do_not_fit_the_loss_are_an_error() -> None:
    X, y = make_moons(n=10, seed=0, labels="index")
    model = MLP(2, [3, 1], rng=random.Random(0))
    with pytest.raises(ValueError, match=r"hinge: label \d+ must be -1 or 1, got 0.0"):
        fit(model, X, y, SGD(model.parameters(), lr=0.1), loss="hinge", steps=1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"steps": -1}, "steps must be"), ({"batch_size": 11}, "batch_size must be between 1 and 10")],
)
def test_bad_loop_arguments(kwargs: dict[str, int], message: str) -> None:
    X, y = make_moons(n=10, seed=0, labels="sign")
    model = MLP(2, [3, 1], rng=random.Random(0))
    with pytest.raises(ValueError, match=message):
        fit(model, X, y, SGD(model.parameters(), lr=0.1), **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"l2": -1e-4}, "fit: l2 must be finite, at least 0, got -0.0001"),
        ({"schedule": lambda k: 0.1 - 0.1 * k}, r"fit: .*schedule\(2\) of step 2 .*got -0.1"),
        ({"schedule": lambda k: math.nan}, r"fit: .*schedule\(0\) of step 0 must be finite"),
    ],
)
def test_bad_regularisation_and_scheduled_learning_rates_are_refused(
    kwargs: dict[str, Any], message: str
) -> None:
    X, y = make_moons(n=10, seed=0, labels="sign")
    model = MLP(2, [3, 1], rng=random.Random(0))
    with pytest.raises(ValueError, match=message):
        fit(model, X, y, SGD(model.parameters(), lr=0.1), steps=3, **kwargs)


def test_points_and_labels_must_pair_up() -> None:
    model = MLP(2, [3, 1], rng=random.Random(0))
    with pytest.raises(ValueError, match="fit: needs points and one label each, got 2 and 1"):
        fit(model, [[0.0, 1.0], [1.0, 0.0]], [1], SGD(model.parameters(), lr=0.1))
    with pytest.raises(ValueError, match="batch_loss: needs points and one label each"):
        batch_loss(model, [], [])


# -- the choices the command line and the explorer share ----------------------------


def test_the_default_loss_follows_the_classes_or_the_model_s_outputs() -> None:
    assert [default_loss(c) for c in (2, 3, 4)] == ["hinge", "cross_entropy", "cross_entropy"]
    # A built model decides by its outputs: two logits for two classes is cross_entropy.
    assert default_loss(2, outputs=2) == "cross_entropy"
    assert default_loss(3, outputs=1) == "hinge"


def test_outputs_for_each_loss_and_number_of_classes() -> None:
    assert [outputs_for(loss, 2) for loss in ("hinge", "mse", "bce")] == [1, 1, 1]
    assert outputs_for("cross_entropy", 2) == 2 and outputs_for("cross_entropy", 5) == 5
    with pytest.raises(ValueError, match="^hinge separates two classes; 3 classes need "
                       "cross_entropy$"):
        outputs_for("hinge", 3)
    for loss in ("cross_entropy", "mse"):
        with pytest.raises(ValueError, match=f"^{loss} needs at least 2 classes, got 1$"):
            outputs_for(loss, 1)
    with pytest.raises(ValueError, match="outputs_for: unknown loss 'l1'"):
        outputs_for("l1", 2)


def test_make_optimizer_by_name() -> None:
    params = [Value(1.0), Value(2.0)]
    assert OPTIMIZERS == ("sgd", "adam")
    for name, kind in (("sgd", SGD), ("adam", Adam)):
        optimizer = make_optimizer(name, params)
        assert type(optimizer) is kind and optimizer.lr == DEFAULT_LR[name]
        assert optimizer.params == params
    sgd = make_optimizer("sgd", params, lr=0.5, momentum=0.9, weight_decay=0.01)
    assert isinstance(sgd, SGD)
    assert (sgd.lr, sgd.momentum, sgd.weight_decay) == (0.5, 0.9, 0.01)
    adam = make_optimizer("adam", params, lr=0.2, weight_decay=0.1)
    assert isinstance(adam, Adam) and (adam.lr, adam.weight_decay) == (0.2, 0.1)
    with pytest.raises(ValueError, match=r"^momentum is for sgd; adam keeps its own running "
                       r"averages \(got momentum 0.9\)$"):
        make_optimizer("adam", params, momentum=0.9)
    with pytest.raises(ValueError, match="make_optimizer: unknown optimizer 'rmsprop'"):
        make_optimizer("rmsprop", params)

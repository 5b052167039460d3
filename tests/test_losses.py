"""losses: values and gradients against torch.nn.functional and, so that they
fail without PyTorch too, against closed forms and finite differences; edge
cases and errors."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import pytest
from conftest import require_module
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from micrograd.engine import Value
from micrograd.gradcheck import gradcheck
from micrograd.losses import (
    LOG_FLOOR,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge,
    mse,
)

SETTINGS = settings(max_examples=50, deadline=None)
scores = st.floats(-20.0, 20.0, allow_nan=False)
probabilities = st.floats(1e-6, 1.0 - 1e-6)
units = st.floats(0.0, 1.0)
# Where exp(±z) overflows (past 709.78) or e^−|z| is lost next to 1.
EXTREME_LOGITS = [-1e4, -745.0, -40.0, 40.0, 745.0, 1e4]


@st.composite
def batches(draw: st.DrawFn) -> tuple[list[list[float]], list[int]]:
    """Rows of logits, 1 to 4 classes, and a target class for each row."""
    classes = draw(st.integers(1, 4))
    rows = draw(st.lists(st.lists(scores, min_size=classes, max_size=classes),
                         min_size=1, max_size=4))
    targets = draw(st.lists(st.integers(0, classes - 1), min_size=len(rows),
                            max_size=len(rows)))
    return rows, targets


def pairs(first: st.SearchStrategy[float], second: st.SearchStrategy[Any]) -> Any:
    return st.lists(st.tuples(first, second), min_size=1, max_size=5)


def close(a: float, b: float, abs_tol: float = 0.0) -> bool:
    return math.isclose(a, b, rel_tol=1e-10, abs_tol=abs_tol)


Torch = Callable[[Any, Any, Any], Any]


def run_both(
    ours: Callable[[list[Value], list[float]], Value],
    theirs: Torch,
    data: list[tuple[float, float]],
) -> tuple[Value, list[Value], Any, Any]:
    """Our loss and its leaves, PyTorch's loss and its input tensor, both after
    backward, for (prediction, target) pairs; `theirs(torch, inputs, targets)`."""
    torch = require_module("torch")
    predictions = [p for p, _t in data]
    targets = [t for _p, t in data]
    leaves = [Value(p) for p in predictions]
    loss = ours(leaves, targets)
    loss.backward()
    t = torch.tensor(predictions, dtype=torch.float64, requires_grad=True)
    expected = theirs(torch, t, torch.tensor(targets, dtype=torch.float64))
    expected.backward()
    return loss, leaves, expected, t


# Losses compared with an absolute floor of a few ulps of the inputs' size:
# PyTorch computes the logit loss as (1 − t)·z − log σ(z), which cancels to
# ulps of |z| when z ≪ 0 (ours adds two non-negative parts and does not), and
# its gradient σ(z) − t to ulps of 1 where σ(z) ≈ t.
SMOOTH: dict[str, tuple[Callable[..., Value], Torch, st.SearchStrategy[float]]] = {
    "mse": (mse, lambda torch, x, t: torch.nn.functional.mse_loss(x, t), scores),
    "binary_cross_entropy_with_logits": (
        binary_cross_entropy_with_logits,
        lambda torch, x, t: torch.nn.functional.binary_cross_entropy_with_logits(x, t),
        units,
    ),
}


@pytest.mark.parametrize("name", list(SMOOTH))
@SETTINGS
@given(data=st.data())
def test_smooth_losses_match_torch(name: str, data: st.DataObject) -> None:
    ours, theirs, targets = SMOOTH[name]
    drawn = data.draw(pairs(scores, targets))
    loss, leaves, expected, t = run_both(ours, theirs, drawn)
    assert close(loss.data, expected.item(), 1e-15 * (1.0 + max(abs(p) for p, _t in drawn)))
    assert all(close(v.grad, g, 1e-15) for v, g in zip(leaves, t.grad.tolist(), strict=True))


@SETTINGS
@given(pairs(probabilities, units))
def test_binary_cross_entropy_matches_torch(data: list[tuple[float, float]]) -> None:
    loss, leaves, expected, t = run_both(
        binary_cross_entropy,
        lambda torch, p, y: torch.nn.functional.binary_cross_entropy(p, y),
        data,
    )
    assert close(loss.data, expected.item(), 1e-15)
    n = len(data)
    for (p, y), v, g in zip(data, leaves, t.grad.tolist(), strict=True):
        # The gradient −t/p + (1−t)/(1−p) sums two terms that cancel where
        # p ≈ t; its rounding error is a few ulps of their size.
        scale = (y / p + (1.0 - y) / (1.0 - p)) / n
        assert close(v.grad, g, 1e-14 * scale)


@pytest.mark.parametrize(
    ("p", "t", "value", "grad"),
    [
        # Decided: a floored log is flat, so it passes no gradient (torch: (p − t)/1e-12) ...
        (0.0, 1.0, 100.0, 0.0),
        (1.0, 0.0, 100.0, 0.0),
        (1e-50, 1.0, 100.0, 0.0),
        # ... and with the right hard label the loss is −log(1 − p) or −log p, whose
        # derivative is ±1 at the end points (torch: 0/1e-12 = 0).
        (0.0, 0.0, 0.0, 1.0),
        (1.0, 1.0, 0.0, -1.0),
    ],
)
def test_binary_cross_entropy_at_exact_0_and_1_is_finite_as_torch(
    p: float, t: float, value: float, grad: float
) -> None:
    torch = require_module("torch")
    leaf = Value(p)
    loss = binary_cross_entropy([leaf], [t])
    loss.backward()
    expected = torch.nn.functional.binary_cross_entropy(
        torch.tensor([p], dtype=torch.float64), torch.tensor([t], dtype=torch.float64)
    )
    assert loss.data == value == expected.item()
    assert leaf.grad == grad


def test_binary_cross_entropy_of_a_saturated_sigmoid_is_finite() -> None:
    z = Value(-800.0)
    loss = binary_cross_entropy([z.sigmoid()], [1.0])
    loss.backward()
    assert loss.data == 100.0
    assert z.grad == 0.0


def floor_edge() -> tuple[float, float]:
    """The smallest float whose log is −100 exactly, and the float below it.
    math.log rounds to −100 on a run of about a hundred floats around e^−100."""
    q = math.exp(LOG_FLOOR)
    while math.log(math.nextafter(q, 0.0)) == LOG_FLOOR:
        q = math.nextafter(q, 0.0)
    return q, math.nextafter(q, 0.0)


def at_the_floor() -> list[tuple[float, float]]:
    """(p, ∂/∂p of −log p floored at −100) where the floor begins: log p = −100
    keeps the log's gradient −1/p, as torch.clamp does at its bound; below, 0."""
    lowest, below = floor_edge()
    p = math.exp(LOG_FLOOR)
    return [(p, -1.0 / p), (lowest, -1.0 / lowest), (below, 0.0)]


def test_binary_cross_entropy_keeps_the_log_at_the_floor_and_drops_it_below() -> None:
    for p, grad in at_the_floor():
        leaf = Value(p)
        loss = binary_cross_entropy([leaf], [1.0])
        loss.backward()
        assert loss.data == 100.0
        assert leaf.grad == grad


def test_binary_cross_entropy_at_the_floor_has_the_gradient_of_torch_clamp() -> None:
    torch = require_module("torch")
    for p, _grad in at_the_floor():
        leaf = Value(p)
        binary_cross_entropy([leaf], [1.0]).backward()
        t = torch.tensor(p, dtype=torch.float64, requires_grad=True)
        (-torch.clamp(torch.log(t), min=LOG_FLOOR)).backward()
        assert leaf.grad == t.grad.item()


@pytest.mark.parametrize("z", EXTREME_LOGITS)
@pytest.mark.parametrize("t", [0.0, 1.0, 0.25])
def test_binary_cross_entropy_with_logits_is_stable_for_any_logit(z: float, t: float) -> None:
    torch = require_module("torch")
    leaf = Value(z)
    loss = binary_cross_entropy_with_logits([leaf], [t])
    loss.backward()
    zt = torch.tensor([z], dtype=torch.float64, requires_grad=True)
    expected = torch.nn.functional.binary_cross_entropy_with_logits(
        zt, torch.tensor([t], dtype=torch.float64)
    )
    expected.backward()
    assert math.isfinite(loss.data) and math.isfinite(leaf.grad)
    assert close(loss.data, expected.item(), 1e-15)
    assert close(leaf.grad, zt.grad.item(), 1e-15)


@SETTINGS
@given(batches())
def test_cross_entropy_matches_torch_for_a_batch(
    batch: tuple[list[list[float]], list[int]],
) -> None:
    torch = require_module("torch")
    rows, targets = batch
    leaves = [[Value(z) for z in row] for row in rows]
    loss = cross_entropy(leaves, targets)
    loss.backward()
    t = torch.tensor(rows, dtype=torch.float64, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(t, torch.tensor(targets))
    expected.backward()
    assert close(loss.data, expected.item(), 1e-15)
    for row, grads in zip(leaves, t.grad.tolist(), strict=True):
        assert all(close(v.grad, g, 1e-15) for v, g in zip(row, grads, strict=True))


def test_cross_entropy_of_one_sample_matches_torch() -> None:
    torch = require_module("torch")
    xs = [0.5, -1.0, 3.0, 1e4]
    leaves = [Value(x) for x in xs]
    loss = cross_entropy(leaves, 2)
    loss.backward()
    t = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(t, torch.tensor(2))
    expected.backward()
    assert close(loss.data, expected.item())
    assert all(close(v.grad, g, 1e-15) for v, g in zip(leaves, t.grad.tolist(), strict=True))


@SETTINGS
@given(pairs(scores, st.sampled_from([-1.0, 1.0])))
def test_hinge_matches_torch(data: list[tuple[float, float]]) -> None:
    assume(all(abs(1.0 - y * s) > 1e-9 for s, y in data))  # away from the kink
    loss, leaves, expected, t = run_both(
        hinge, lambda torch, s, y: torch.clamp(1 - y * s, min=0).mean(), data
    )
    assert close(loss.data, expected.item())
    assert all(close(v.grad, g) for v, g in zip(leaves, t.grad.tolist(), strict=True))


def test_hinge_is_the_classic_demo_expression_to_the_bit() -> None:
    # Margins y·s below 1 (the relu passes), at 1 and above (it cuts).
    scores_ = [0.3, -2.5, 1.7, 0.999, 1.0, 2.5, -3.0]
    labels = [1, 1, -1, 1, 1, 1, -1]
    classic_leaves = [Value(s) for s in scores_]
    classic_terms = [(1 + -y * s).relu() for s, y in zip(classic_leaves, labels, strict=True)]
    classic = sum(classic_terms) * (1.0 / len(classic_terms))
    classic.backward()
    leaves = [Value(s) for s in scores_]
    loss = hinge(leaves, labels)
    loss.backward()
    assert loss.data == classic.data
    assert [v.grad for v in leaves] == [v.grad for v in classic_leaves]
    n = len(scores_)
    assert [v.grad for v in leaves] == [-y / n if y * s < 1 else 0.0
                                        for s, y in zip(scores_, labels, strict=True)]


# -- without PyTorch: closed forms and finite differences ---------------------------------


def softplus(u: float) -> float:
    """log(1 + e^u) = max(u, 0) + log(1 + e^−|u|), which never overflows."""
    return max(u, 0.0) + math.log1p(math.exp(-abs(u)))


def sigmoid(z: float) -> float:
    e = math.exp(-abs(z))
    return 1.0 / (1.0 + e) if z >= 0.0 else e / (1.0 + e)


def log_sum_exp(row: list[float]) -> float:
    m = max(row)
    return m + math.log(math.fsum(math.exp(z - m) for z in row))


def softmax(row: list[float]) -> list[float]:
    lse = log_sum_exp(row)
    return [math.exp(z - lse) for z in row]


Sample = Callable[[float, float], float]


class ClosedForm(NamedTuple):
    """A loss of one sample, prediction x and target t, by the textbook
    formulas; every loss is the mean over its samples."""

    loss: Callable[..., Value]
    value: Sample
    derivative: Sample
    # The size of the terms the derivative is computed from: its rounding
    # error is a few ulps of this (−t/p + (1 − t)/(1 − p) cancels near p = t).
    size: Sample
    samples: st.SearchStrategy[list[tuple[float, float]]]  # lists of (x, t)


def one(x: float, t: float) -> float:
    return 1.0


CLOSED_FORMS = {
    "mse": ClosedForm(
        mse, lambda x, t: (x - t) ** 2, lambda x, t: 2.0 * (x - t), one, pairs(scores, scores)
    ),
    "binary_cross_entropy": ClosedForm(
        binary_cross_entropy,
        lambda p, t: -(t * math.log(p) + (1.0 - t) * math.log(1.0 - p)),
        lambda p, t: -t / p + (1.0 - t) / (1.0 - p),
        lambda p, t: t / p + (1.0 - t) / (1.0 - p),
        pairs(st.floats(0.01, 0.99), units),  # p ± the finite-difference step is in (0, 1)
    ),
    "binary_cross_entropy_with_logits": ClosedForm(
        binary_cross_entropy_with_logits,
        lambda z, t: t * softplus(-z) + (1.0 - t) * softplus(z),
        lambda z, t: sigmoid(z) - t,
        one,
        pairs(scores, units),
    ),
    "hinge": ClosedForm(
        hinge,
        lambda s, y: max(0.0, 1.0 - y * s),
        lambda s, y: -y if y * s < 1.0 else 0.0,
        one,
        # The kink at y·s = 1 kept outside the finite-difference step.
        pairs(scores, st.sampled_from([-1.0, 1.0])).filter(
            lambda data: all(abs(1.0 - y * s) > 1e-4 for s, y in data)
        ),
    ),
}


@pytest.mark.parametrize("name", list(CLOSED_FORMS))
@SETTINGS
@given(data=st.data())
def test_every_loss_is_its_closed_form(name: str, data: st.DataObject) -> None:
    form = CLOSED_FORMS[name]
    drawn = data.draw(form.samples)
    leaves = [Value(x) for x, _t in drawn]
    loss = form.loss(leaves, [t for _x, t in drawn])
    loss.backward()
    n = len(drawn)
    assert close(loss.data, math.fsum(form.value(x, t) for x, t in drawn) / n, 1e-15)
    for v, (x, t) in zip(leaves, drawn, strict=True):
        assert close(v.grad, form.derivative(x, t) / n, 1e-15 * form.size(x, t))


@pytest.mark.parametrize("name", list(CLOSED_FORMS))
@SETTINGS
@given(data=st.data())
def test_every_loss_passes_gradcheck(name: str, data: st.DataObject) -> None:
    form = CLOSED_FORMS[name]
    drawn = data.draw(form.samples)
    targets = [t for _x, t in drawn]
    assert gradcheck(lambda *xs: form.loss(list(xs), targets), [x for x, _t in drawn])


@pytest.mark.parametrize("z", EXTREME_LOGITS)
@pytest.mark.parametrize("t", [0.0, 1.0, 0.25])
def test_binary_cross_entropy_with_logits_is_its_closed_form_for_any_logit(
    z: float, t: float
) -> None:
    leaf = Value(z)
    loss = binary_cross_entropy_with_logits([leaf], [t])
    loss.backward()
    # Within a few ulps of 1, as 1 + e^u rounds: softplus(−40) ≈ 4e-18 comes out 0.
    assert close(loss.data, t * softplus(-z) + (1.0 - t) * softplus(z), 1e-15)
    assert close(leaf.grad, sigmoid(z) - t, 1e-15)


@SETTINGS
@given(batches())
def test_cross_entropy_is_its_closed_form(batch: tuple[list[list[float]], list[int]]) -> None:
    rows, targets = batch
    leaves = [[Value(z) for z in row] for row in rows]
    loss = cross_entropy(leaves, targets)
    loss.backward()
    n = len(rows)
    terms = [log_sum_exp(row) - row[k] for row, k in zip(rows, targets, strict=True)]
    assert close(loss.data, math.fsum(terms) / n, 1e-15 * (1.0 + max(map(abs, sum(rows, [])))))
    for row, k, row_leaves in zip(rows, targets, leaves, strict=True):
        expected = [(s - (j == k)) / n for j, s in enumerate(softmax(row))]
        assert all(close(v.grad, g, 1e-15) for v, g in zip(row_leaves, expected, strict=True))


@SETTINGS
@given(batches())
def test_cross_entropy_passes_gradcheck(batch: tuple[list[list[float]], list[int]]) -> None:
    rows, targets = batch
    width = len(rows[0])

    def loss(*flat: Value) -> Value:
        return cross_entropy([list(flat[i : i + width]) for i in range(0, len(flat), width)],
                             targets)

    assert gradcheck(loss, sum(rows, []))


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: mse([Value(1.0)], [1.0, 2.0]), ValueError, "mse: 1 predictions but 2 targets"),
        (lambda: mse([], []), ValueError, "mse: needs at least one"),
        (lambda: mse([Value(1.0)], ["a"]), TypeError, "mse target"),
        (lambda: binary_cross_entropy([Value(1.5)], [1.0]), ValueError,
         r"probability 0 is 1.5, outside \[0, 1\]"),
        (lambda: binary_cross_entropy([Value(-0.1)], [1.0]), ValueError, "outside"),
        (lambda: binary_cross_entropy([Value(0.5)], [2.0]), ValueError, "target 0 is 2.0"),
        (lambda: binary_cross_entropy_with_logits([Value(0.5)], [-1.0]), ValueError,
         "target 0 is -1.0"),
        (lambda: hinge([Value(0.5)], [0]), ValueError, "hinge: label 0 must be -1 or 1"),
        (lambda: cross_entropy([Value(0.5), Value(1.0)], 2), ValueError,
         "target 2 is outside the 2 classes"),
        (lambda: cross_entropy([Value(0.5)], True), TypeError, "class index"),
        (lambda: cross_entropy([[Value(0.5)]], [0, 0]), ValueError, "1 rows of logits but 2"),
        (lambda: cross_entropy([Value(0.5)], [0]), TypeError, "list of logits"),
        (lambda: cross_entropy([], []), ValueError, "at least one sample"),
    ],
)
def test_bad_input_raises_a_clear_error(
    call: Callable[[], object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        call()


def test_plain_numbers_are_accepted_as_predictions() -> None:
    assert mse([1.0, 3.0], [0.0, 1.0]).data == 2.5

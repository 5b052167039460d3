"""optim: SGD and Adam follow torch.optim step for step; errors."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from conftest import require_module

from micrograd.engine import Value
from micrograd.optim import SGD, Adam, Optimizer

START = [0.8, -0.6, 1.3]
STEPS = 50


def objective(p: Any) -> Any:
    """A smooth non-convex function of three parameters, written with
    operators that both Values and torch tensors have."""
    return (p[0] * p[1] - 1.0) ** 2 + (p[1] - p[2] * p[0] + 0.5) ** 2 + 0.1 * p[2] ** 4


def trajectory(make: Callable[[list[Value]], Optimizer]) -> list[list[float]]:
    params = [Value(x) for x in START]
    optimizer = make(params)
    path = []
    for k in range(STEPS):
        if k == STEPS // 2:
            optimizer.lr *= 0.5  # lr is an attribute a schedule may change
        optimizer.zero_grad()
        objective(params).backward()
        optimizer.step()
        path.append([p.data for p in params])
    return path


def torch_trajectory(make: Callable[[Any, list[Any]], Any]) -> list[list[float]]:
    torch = require_module("torch")
    params = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in START]
    optimizer = make(torch, params)
    path = []
    for k in range(STEPS):
        if k == STEPS // 2:
            for group in optimizer.param_groups:
                group["lr"] *= 0.5
        optimizer.zero_grad()
        objective(params).backward()
        optimizer.step()
        path.append([p.item() for p in params])
    return path


CASES = {
    "sgd": (lambda ps: SGD(ps, lr=0.05),
            lambda torch, ps: torch.optim.SGD(ps, lr=0.05)),
    "sgd momentum": (lambda ps: SGD(ps, lr=0.02, momentum=0.9),
                     lambda torch, ps: torch.optim.SGD(ps, lr=0.02, momentum=0.9)),
    "sgd weight decay": (lambda ps: SGD(ps, lr=0.05, weight_decay=0.1),
                         lambda torch, ps: torch.optim.SGD(ps, lr=0.05, weight_decay=0.1)),
    "sgd momentum and weight decay": (
        lambda ps: SGD(ps, lr=0.02, momentum=0.8, weight_decay=0.05),
        lambda torch, ps: torch.optim.SGD(ps, lr=0.02, momentum=0.8, weight_decay=0.05),
    ),
    "adam": (lambda ps: Adam(ps, lr=0.05),
             lambda torch, ps: torch.optim.Adam(ps, lr=0.05)),
    "adam betas eps weight decay": (
        lambda ps: Adam(ps, lr=0.03, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
        lambda torch, ps: torch.optim.Adam(
            ps, lr=0.03, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1
        ),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_follows_torch_optim_for_50_steps(case: str) -> None:
    ours, theirs = CASES[case]
    expected = torch_trajectory(theirs)
    got = trajectory(ours)
    for step, (a, b) in enumerate(zip(got, expected, strict=True)):
        assert a == pytest.approx(b, rel=1e-10), f"step {step}"
    assert got[-1] != got[0]


def test_plain_sgd_is_the_classic_update_to_the_bit() -> None:
    p, q = Value(0.3), Value(0.3)
    for v in (p, q):
        v.grad = 0.123456789
    SGD([p], lr=0.7).step()
    q.data -= 0.7 * q.grad
    assert p.data == q.data


def test_momentum_buffer_starts_at_the_first_gradient() -> None:
    p = Value(1.0)
    sgd = SGD([p], lr=0.1, momentum=0.9)
    p.grad = 2.0
    sgd.step()
    assert p.data == 1.0 - 0.1 * 2.0
    p.grad = 1.0
    sgd.step()
    assert p.data == pytest.approx(0.8 - 0.1 * (0.9 * 2.0 + 1.0), rel=1e-15)


def test_adam_first_step_moves_by_lr_times_the_gradient_sign() -> None:
    # After one step m̂ = g and √v̂ = |g|, so the move is lr·g/(|g| + eps), eps negligible.
    p = Value(0.5)
    p.grad = -3.0
    Adam([p], lr=0.01, eps=1e-300).step()
    assert p.data == pytest.approx(0.51, rel=1e-15)


def test_zero_grad_clears_every_parameter() -> None:
    params = [Value(1.0), Value(2.0)]
    for p in params:
        p.grad = 5.0
    SGD(params, lr=0.1).zero_grad()
    assert [p.grad for p in params] == [0.0, 0.0]


def test_a_step_that_overflows_raises_and_names_the_parameter() -> None:
    p = Value(1.0)
    p.grad = 1e300
    with pytest.raises(OverflowError, match=r"SGD.step: parameter 0 .* learning rate"):
        SGD([p], lr=1e10).step()
    assert math.isfinite(p.data)


@pytest.mark.parametrize(
    "make",
    [
        lambda params, lr: SGD(params, lr=lr, momentum=0.9),
        lambda params, lr: Adam(params, lr=lr),
    ],
)
def test_a_step_that_fails_changes_nothing(make: Callable[[list[Value], float], Any]) -> None:
    # Parameter 1 overflows (−1.7e308 − 1e308); parameter 0, already updated
    # when it does, must be left as it was, and so must the optimizer's state.
    params = [Value(0.0), Value(-1.7e308)]
    for p in params:
        p.grad = 1.0
    optimizer = make(params, 1e308)
    with pytest.raises(OverflowError, match="parameter 1"):
        optimizer.step()
    assert [p.data for p in params] == [0.0, -1.7e308]
    # The next step is a first step, as if the failed one never happened.
    optimizer.lr = 0.1
    optimizer.step()
    fresh = [Value(0.0), Value(-1.7e308)]
    for p in fresh:
        p.grad = 1.0
    make(fresh, 0.1).step()
    assert [p.data for p in params] == [p.data for p in fresh]


def test_adam_refuses_a_gradient_whose_square_overflows() -> None:
    # g² = inf would make v inf, and the parameter would silently never move again.
    p = Value(1.0)
    p.grad = 1e200
    optimizer = Adam([p], lr=0.1)
    with pytest.raises(OverflowError, match=r"Adam.step: parameter 0 .*grad 1e\+200"):
        optimizer.step()
    assert p.data == 1.0


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda: SGD([], lr=0.1), ValueError, "SGD: got an empty list"),
        (lambda: SGD([1.0], lr=0.1), TypeError, "must be a Value"),  # type: ignore[list-item]
        (lambda: SGD([Value(1.0)], lr=-0.1), ValueError, "SGD: lr must be"),
        (lambda: SGD([Value(1.0)], lr=math.inf), ValueError, "SGD: lr must be finite"),
        (lambda: SGD([Value(1.0)], lr="0.1"), TypeError, "SGD: lr must be a number"),
        (lambda: SGD([Value(1.0)], lr=0.1, momentum=-1), ValueError, "momentum"),
        (lambda: Adam([Value(1.0)], betas=(0.9, 1.0)), ValueError, r"betas\[1\].*below 1"),
        (lambda: Adam([Value(1.0)], betas=(0.9,)), TypeError, "pair"),
        (lambda: Adam([Value(1.0)], eps=-1e-8), ValueError, "eps"),
        (lambda: Adam([Value(1.0)], eps=0.0), ValueError, "Adam: eps must be greater than 0"),
        (lambda: Adam([Value(1.0)], weight_decay=math.nan), ValueError, "weight_decay"),
    ],
)
def test_bad_hyperparameters_raise(
    build: Callable[[], object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        build()

"""optim: SGD and Adam follow torch.optim and, without torch, their update rules
written out, step for step; errors."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from conftest import require_module

from micrograd import optim
from micrograd.engine import Value
from micrograd.optim import SGD, Adam, Optimizer

START = [0.8, -0.6, 1.3]
STEPS = 50


def objective(p: Any) -> Any:
    """A smooth non-convex function of three parameters, written with
    operators that both Values and torch tensors have."""
    return (p[0] * p[1] - 1.0) ** 2 + (p[1] - p[2] * p[0] + 0.5) ** 2 + 0.1 * p[2] ** 4


# Each case: the optimizer's name, in micrograd.optim and in torch.optim, and its
# hyperparameters, which both take with the same names.
CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "sgd": ("SGD", {"lr": 0.05}),
    "sgd momentum": ("SGD", {"lr": 0.02, "momentum": 0.9}),
    "sgd weight decay": ("SGD", {"lr": 0.05, "weight_decay": 0.1}),
    "sgd momentum and weight decay": (
        "SGD", {"lr": 0.02, "momentum": 0.8, "weight_decay": 0.05}
    ),
    "adam": ("Adam", {"lr": 0.05}),
    "adam betas eps weight decay": (
        "Adam", {"lr": 0.03, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1}
    ),
}


def our_trajectory(name: str, hyper: dict[str, Any]) -> list[list[float]]:
    params = [Value(x) for x in START]
    optimizer: Optimizer = getattr(optim, name)(params, **hyper)
    path = []
    for k in range(STEPS):
        if k == STEPS // 2:
            optimizer.lr *= 0.5  # lr is an attribute a schedule may change
        optimizer.zero_grad()
        objective(params).backward()
        optimizer.step()
        path.append([p.data for p in params])
    return path


def torch_trajectory(name: str, hyper: dict[str, Any]) -> list[list[float]]:
    torch = require_module("torch")
    params = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in START]
    optimizer = getattr(torch.optim, name)(params, **hyper)
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


def rules_trajectory(name: str, hyper: dict[str, Any]) -> list[list[float]]:
    """The update rules of optim's docstring, written out on plain floats
    (the gradients come from backward), for the tests that run without torch."""
    lr, wd = hyper["lr"], hyper.get("weight_decay", 0.0)
    momentum = hyper.get("momentum", 0.0)
    beta1, beta2 = hyper.get("betas", (0.9, 0.999))
    eps = hyper.get("eps", 1e-8)
    p = list(START)
    b: list[float | None] = [None] * len(p)  # SGD's momentum buffers
    m, v = [0.0] * len(p), [0.0] * len(p)  # Adam's running means of g and g²
    path = []
    for t in range(1, STEPS + 1):
        if t == STEPS // 2 + 1:
            lr *= 0.5
        leaves = [Value(x) for x in p]
        objective(leaves).backward()
        for i, leaf in enumerate(leaves):
            g = leaf.grad + wd * p[i]
            if name == "SGD":
                previous = b[i]
                b[i] = step = g if previous is None else momentum * previous + g
                p[i] -= lr * step
            else:
                m[i] = beta1 * m[i] + (1 - beta1) * g
                v[i] = beta2 * v[i] + (1 - beta2) * g * g
                p[i] -= lr * (m[i] / (1 - beta1**t)) / (math.sqrt(v[i] / (1 - beta2**t)) + eps)
        path.append(list(p))
    return path


def assert_same_path(got: list[list[float]], expected: list[list[float]], rel: float) -> None:
    for step, (a, b) in enumerate(zip(got, expected, strict=True)):
        assert a == pytest.approx(b, rel=rel), f"step {step}"


@pytest.mark.parametrize("case", list(CASES))
def test_follows_torch_optim_for_50_steps(case: str) -> None:
    got = our_trajectory(*CASES[case])
    assert_same_path(got, torch_trajectory(*CASES[case]), rel=1e-10)
    assert got[-1] != got[0]


@pytest.mark.parametrize("case", list(CASES))
def test_follows_the_update_rules_for_50_steps(case: str) -> None:
    assert_same_path(our_trajectory(*CASES[case]), rules_trajectory(*CASES[case]), rel=1e-12)


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

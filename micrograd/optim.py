"""Optimizers, in order of increasing complexity, with PyTorch's update rules.

Each holds a list of parameters and, on `step()`, moves every parameter's
`data` using its `grad`. A step is all or nothing: every new value and state
is computed and checked first, so a step that raises changes nothing. `lr` is
a plain attribute: change it between steps for a learning-rate schedule. With
g the gradient, p the parameter:

    SGD    g ← g + wd·p;  b ← μ·b + g (b = g on the first step);  p ← p − lr·b
    Adam   g ← g + wd·p;  m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²
           p ← p − lr · (m / (1 − β1^t)) / (√(v / (1 − β2^t)) + eps)
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from micrograd.engine import Value

__all__ = ["Adam", "Optimizer", "SGD"]


class Optimizer:
    """The parameters to update and a learning rate; `zero_grad()` clears the grads."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        name = type(self).__name__
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{name}: got an empty list of parameters")
        for p in self.params:
            if not isinstance(p, Value):
                raise TypeError(f"{name}: every parameter must be a Value, got {p!r}")
        self.lr = _check_hyper(lr, f"{name}: lr")

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        raise NotImplementedError

    def _moved(self, i: int, p: Value, delta: float) -> float:
        """p − delta, refusing a result that is not finite rather than
        leaving an inf in the model for the next forward pass to trip on."""
        new = p.data - delta
        if new - new != 0.0:  # only inf and nan give x − x ≠ 0
            raise OverflowError(
                f"{type(self).__name__}.step: parameter {i} (data {p.data}, grad {p.grad}) "
                f"would become {new}; is the learning rate {self.lr} too large?"
            )
        return new

    def _commit(self, new_data: list[float]) -> None:
        """Store the new values, once all of them have been checked."""
        for p, new in zip(self.params, new_data, strict=True):
            p.data = new


def _check_hyper(x: float, what: str, below: float = math.inf) -> float:
    """A hyperparameter in [0, below): a finite, non-negative number."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise TypeError(f"{what} must be a number, got {x!r}")
    if not (0.0 <= x < below and math.isfinite(x)):
        limit = "" if below == math.inf else f" and below {below}"
        raise ValueError(f"{what} must be finite, at least 0{limit}, got {x}")
    return float(x)


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum and L2 weight decay.

    Without momentum and weight decay a step is the classic loop's
    `p.data -= lr * p.grad`, to the bit.
    """

    def __init__(
        self, params: Iterable[Value], lr: float, momentum: float = 0.0, weight_decay: float = 0.0
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _check_hyper(momentum, "SGD: momentum")
        self.weight_decay = _check_hyper(weight_decay, "SGD: weight_decay")
        # One momentum buffer per parameter, None until the first step.
        self._buffers: list[float | None] = [None] * len(self.params)

    def step(self) -> None:
        new_data = []
        buffers = list(self._buffers)
        for i, p in enumerate(self.params):
            g = p.grad
            if self.weight_decay != 0.0:
                g = g + self.weight_decay * p.data
            if self.momentum != 0.0:
                buf = buffers[i]
                g = g if buf is None else self.momentum * buf + g
                buffers[i] = g
            new_data.append(self._moved(i, p, self.lr * g))
        self._buffers = buffers
        self._commit(new_data)


class Adam(Optimizer):
    """Adam: a step along the running mean of the gradient, m, scaled per
    parameter by the running root mean square, √v, both bias-corrected for
    their zero start. `weight_decay` adds wd·p to the gradient (L2, as
    torch.optim.Adam; not AdamW's decoupled decay)."""

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"Adam: betas must be a pair of numbers, got {betas!r}")
        self.betas = (
            _check_hyper(betas[0], "Adam: betas[0]", below=1.0),
            _check_hyper(betas[1], "Adam: betas[1]", below=1.0),
        )
        self.eps = _check_hyper(eps, "Adam: eps")
        if self.eps == 0.0:
            # eps keeps the step finite where v is 0 (a zero gradient).
            raise ValueError(f"Adam: eps must be greater than 0, got {eps}")
        self.weight_decay = _check_hyper(weight_decay, "Adam: weight_decay")
        self.t = 0  # steps taken, for the bias correction
        self._m = [0.0] * len(self.params)
        self._v = [0.0] * len(self.params)

    def step(self) -> None:
        t = self.t + 1
        beta1, beta2 = self.betas
        correction1 = 1.0 - beta1**t
        correction2 = 1.0 - beta2**t
        new_data, ms, vs = [], [], []
        for i, p in enumerate(self.params):
            g = p.grad
            if self.weight_decay != 0.0:
                g = g + self.weight_decay * p.data
            m = beta1 * self._m[i] + (1.0 - beta1) * g
            v = beta2 * self._v[i] + (1.0 - beta2) * g * g
            if v - v != 0.0:  # g² overflowed: with v = inf the parameter would never move again
                raise OverflowError(
                    f"Adam.step: parameter {i} (data {p.data}, grad {p.grad}): the running "
                    f"mean of g² would become {v}; is the loss or the gradient too large?"
                )
            ms.append(m)
            vs.append(v)
            delta = self.lr * (m / correction1) / (math.sqrt(v / correction2) + self.eps)
            new_data.append(self._moved(i, p, delta))
        self.t, self._m, self._v = t, ms, vs
        self._commit(new_data)

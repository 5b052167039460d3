"""The workloads, written once and run unchanged on every engine.

Each engine is any module with the classic micrograd API (or PyTorch 0-d
tensors for the op tree), so the numbers compare the engines and nothing else.
Everything here is pure Python and seeded: every engine builds the very same
graph from the very same numbers.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

# Op codes of the op tree program; pow comes as x ** 2 and x ** 0.5.
ADD, MUL, SQUARE, SQRT, RELU = range(5)


@dataclass(frozen=True)
class OpTreeProgram:
    """A graph as a list of instructions over a pool of nodes.

    The pool starts with the leaves; instruction k appends
    `op(pool[lhs[k]], pool[rhs[k]])` (rhs unused by the one-operand ops).
    """

    leaves: list[float]
    codes: list[int]
    lhs: list[int]
    rhs: list[int]
    depth: int

    @property
    def n_ops(self) -> int:
        return len(self.codes)


def op_tree_program(n_ops: int, n_leaves: int, seed: int) -> OpTreeProgram:
    """A random DAG of `n_ops` add/mul/pow/relu nodes over `n_leaves` leaves.

    Node k takes the pool entry `n_leaves` places back as its first operand,
    so every node is used by a later one, and a random entry among the
    `n_leaves - 1` since as its second. The last `n_leaves` entries, still
    unused, are then added pairwise down to one root. So backward from the
    root reaches every node, and the depth stays far below the classic
    package's recursion limit.

    Random ops alone drive most values to 0 or to overflow. So that every
    value stays in [-1, 1] and gradients stay informative: pow takes the
    square root of a positive base and squares any other, a zero first
    operand is revived by an add, and an add that would leave [-1, 1]
    becomes a mul. The final pairwise sums may leave [-1, 1]; they are few.
    """
    if n_leaves < 2 or n_ops < 2 * n_leaves:
        raise ValueError(
            f"op_tree_program: need n_leaves >= 2 and n_ops >= 2 * n_leaves, "
            f"got n_ops={n_ops}, n_leaves={n_leaves}"
        )
    rng = random.Random(seed)
    leaves = [rng.uniform(-1.0, 1.0) for _ in range(n_leaves)]
    values = list(leaves)
    depths = [0] * n_leaves
    codes: list[int] = []
    lhs: list[int] = []
    rhs: list[int] = []

    def emit(code: int, i: int, j: int, value: float) -> None:
        codes.append(code)
        lhs.append(i)
        rhs.append(j)
        values.append(value)
        depths.append(1 + max(depths[i], depths[j]))

    for k in range(n_ops - (n_leaves - 1)):
        i = k
        j = rng.randint(k + 1, k + n_leaves - 1)
        a, b = values[i], values[j]
        op = rng.choice(("add", "mul", "pow", "relu"))
        if a == 0.0 or (op == "add" and abs(a + b) > 1.0):
            op = "add" if a == 0.0 else "mul"
        if op == "add":
            emit(ADD, i, j, a + b)
        elif op == "mul":
            emit(MUL, i, j, a * b)
        elif op == "pow" and a > 0.0:
            emit(SQRT, i, i, a**0.5)
        elif op == "pow":
            emit(SQUARE, i, i, a**2)
        else:
            emit(RELU, i, i, max(a, 0.0))

    # Pairwise sums keep the reduction's depth logarithmic.
    pending = list(range(len(values) - n_leaves, len(values)))
    while len(pending) > 1:
        paired: list[int] = []
        for first, second in zip(pending[0::2], pending[1::2], strict=False):
            emit(ADD, first, second, values[first] + values[second])
            paired.append(len(values) - 1)
        if len(pending) % 2:
            paired.append(pending[-1])
        pending = paired
    return OpTreeProgram(leaves, codes, lhs, rhs, depth=depths[-1])


def build_op_tree(leaves: Sequence[Any], program: OpTreeProgram) -> Any:
    """Replay `program` on engine nodes (`leaves` made by the caller); the root."""
    pool = list(leaves)
    append = pool.append
    for code, i, j in zip(program.codes, program.lhs, program.rhs, strict=True):
        a = pool[i]
        if code == ADD:
            append(a + pool[j])
        elif code == MUL:
            append(a * pool[j])
        elif code == SQUARE:
            append(a**2)
        elif code == SQRT:
            append(a**0.5)
        else:
            append(a.relu())
    return pool[-1]


def build_chain(x: Any, w: Any, depth: int) -> Any:
    """x + w + w + … (`depth` adds): a graph `depth` nodes deep."""
    for _ in range(depth):
        x = x + w
    return x


def make_moons(n: int, noise: float, seed: int) -> tuple[list[tuple[float, float]], list[float]]:
    """Two interleaving half circles with Gaussian noise; labels -1 and +1.

    Outer moon: (cos t, sin t); inner moon: (1 − cos t, 0.5 − sin t), t in [0, π].
    """
    rng = random.Random(seed)
    outer = n // 2
    inner = n - outer
    points: list[tuple[float, float]] = []
    labels: list[float] = []
    for count, label in ((outer, -1.0), (inner, 1.0)):
        for k in range(count):
            t = math.pi * k / max(count - 1, 1)
            if label < 0:
                x, y = math.cos(t), math.sin(t)
            else:
                x, y = 1.0 - math.cos(t), 0.5 - math.sin(t)
            points.append((x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)))
            labels.append(label)
    return points, labels


def init_parameters(model: Any, seed: int) -> None:
    """Set every parameter to a seeded uniform(-1, 1), identically on any engine."""
    rng = random.Random(seed)
    for p in model.parameters():
        p.data = rng.uniform(-1.0, 1.0)


def demo_training_step(
    Value: Callable[[float], Any],
    model: Any,
    points: Sequence[tuple[float, float]],
    labels: Sequence[float],
    step: int,
    n_steps: int,
) -> float:
    """One step of the classic demo: hinge loss + 1e-4 L2, backward, SGD.

    Written with the classic API only, so it runs on both packages. Returns
    the loss before the update.
    """
    inputs = [[Value(x), Value(y)] for x, y in points]
    scores = [model(row) for row in inputs]
    losses = [(1 + -yi * si).relu() for yi, si in zip(labels, scores, strict=True)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    total_loss = data_loss + reg_loss
    model.zero_grad()
    total_loss.backward()
    learning_rate = 1.0 - 0.9 * step / n_steps
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    return float(total_loss.data)

"""Numerical gradients, to check the analytic ones that backward computes.

The numerical derivative is the central difference

    ∂f/∂x_k ≈ (f(x + h·e_k) − f(x − h·e_k)) / 2h

whose error is O(h²) from truncation plus O(ε·|f| / h) from rounding, so
h = 1e-6 leaves about 1e-10 relative agreement for smooth functions of
moderate size: enough to catch a wrong derivative, which is off by far more.

Second derivatives are checked the same way, one level up: the Hessian from
`grad` twice (`hessian`) against central differences of the gradient
(`gradgradcheck`, as PyTorch's).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from micrograd.engine import Value, _as_float, grad, no_grad

__all__ = [
    "GradcheckError",
    "gradcheck",
    "gradgradcheck",
    "hessian",
    "jacobian",
    "numerical_grad",
]

Input = float | int | Value


class GradcheckError(ValueError):
    """Analytic and numerical gradients disagree; the message is a table.

    A ValueError, like any other wrong value handed back by the function
    under test, rather than an AssertionError: gradcheck is a library
    function, used in notebooks and scripts as well as in tests.
    """


def numerical_grad(
    f: Callable[..., Value], inputs: Sequence[Input], eps: float = 1e-6
) -> list[float]:
    """∂f/∂x_k ≈ (f(x + h·e_k) − f(x − h·e_k)) / 2h for every input k, with h = eps.

    `f` takes one Value per input and returns a scalar Value; it runs under
    `no_grad()`, so no graph is recorded.
    """
    _check_tolerance("numerical_grad", "eps", eps)
    point = _point("numerical_grad", inputs)

    def value(args: list[float]) -> list[float]:
        return [_scalar("numerical_grad", f, args).data]

    with no_grad():
        return [row[0] for row in _central_differences("numerical_grad", value, point, eps)]


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[Input],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """True when backward's gradient of `f` at `inputs` matches the numerical one.

    Each input k passes when |analytic_k − numeric_k| ≤ atol + rtol·|numeric_k|.
    Otherwise raises `GradcheckError` with a table of every input.
    """
    _check_tolerances("gradcheck", eps, atol, rtol)
    point = _point("gradcheck", inputs)
    leaves = [Value(x) for x in point]
    _scalar("gradcheck", f, leaves).backward()
    analytic = [leaf.grad for leaf in leaves]
    numeric = numerical_grad(f, point, eps)
    rows = [(str(k), f"{x:.10g}") for k, x in enumerate(point)]
    _compare("gradcheck", "gradients", ("input", "value"), rows, analytic, numeric, atol, rtol)
    return True


def hessian(f: Callable[..., Value], inputs: Sequence[Input]) -> list[list[float]]:
    """H[i][k] = ∂²f/∂x_i∂x_k at `inputs`, where `f` maps one Value per input to a Value.

    From `grad` twice: the gradient as a graph (create_graph=True), then the
    gradient of each of its entries. An input f does not depend on has 0s.
    """
    return _hessian("hessian", f, _point("hessian", inputs))


def gradgradcheck(
    f: Callable[..., Value],
    inputs: Sequence[Input],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """True when the second derivatives of `f` at `inputs` match numerical ones.

    The Hessian from `hessian` against central differences of the gradient,
    H[i][k] ≈ (g_i(x + h·e_k) − g_i(x − h·e_k)) / 2h with g the gradient of
    f from `grad`: entry (i, k) passes when |analytic − numeric| ≤ atol +
    rtol·|numeric|. Otherwise raises `GradcheckError` with a table of every entry.
    """
    _check_tolerances("gradgradcheck", eps, atol, rtol)
    point = _point("gradgradcheck", inputs)
    analytic = _hessian("gradgradcheck", f, point)

    def gradient(args: list[float]) -> list[float]:
        leaves = [Value(x) for x in args]
        return list(grad(_scalar("gradgradcheck", f, leaves), leaves, allow_unused=True))

    # by_input[k][i] = ∂g_i/∂x_k, that is H[i][k].
    by_input = _central_differences("gradgradcheck", gradient, point, eps)
    n = len(point)
    rows = [(f"{i}, {k}",) for i in range(n) for k in range(n)]
    _compare(
        "gradgradcheck",
        "second derivatives",
        ("entry i, k",),
        rows,
        [analytic[i][k] for i in range(n) for k in range(n)],
        [by_input[k][i] for i in range(n) for k in range(n)],
        atol,
        rtol,
    )
    return True


def jacobian(f: Callable[..., Sequence[Value]], inputs: Sequence[Input]) -> list[list[float]]:
    """J[i][k] = ∂out_i/∂x_k, where `f` maps one Value per input to a list of Values.

    One backward per output, each on a freshly built graph, so every row
    starts from zero gradients.
    """
    point = _point("jacobian", inputs)
    leaves, outputs = _outputs(f, point)
    rows = []
    for i in range(len(outputs)):
        if i > 0:
            leaves, outputs = _outputs(f, point)
        outputs[i].backward()
        rows.append([leaf.grad for leaf in leaves])
    return rows


# -- helpers ------------------------------------------------------------------


def _central_differences(
    caller: str, f: Callable[[list[float]], list[float]], point: list[float], eps: float
) -> list[list[float]]:
    """D[k][i] ≈ ∂f_i/∂x_k = (f_i(x + h·e_k) − f_i(x − h·e_k)) / 2h, h = eps, for
    a function from numbers to numbers. The divisor is the step actually taken
    in floating point, (x + h) − (x − h), which is 2h up to rounding."""
    rows = []
    for k, x in enumerate(point):
        above, below = x + eps, x - eps
        if above == below:
            raise ValueError(f"{caller}: eps={eps} is below the float spacing at input {k} = {x}")
        f_above = f([*point[:k], above, *point[k + 1 :]])
        f_below = f([*point[:k], below, *point[k + 1 :]])
        rows.append([(a - b) / (above - below) for a, b in zip(f_above, f_below, strict=True)])
    return rows


def _hessian(caller: str, f: Callable[..., Value], point: Sequence[float]) -> list[list[float]]:
    """∂²f/∂x_i∂x_k, row i the gradient of ∂f/∂x_i (built as a graph)."""
    leaves = [Value(x) for x in point]
    first = grad(_scalar(caller, f, leaves), leaves, create_graph=True, allow_unused=True)
    return [list(grad(g, leaves, allow_unused=True)) for g in first]


def _point(caller: str, inputs: Sequence[Input]) -> list[float]:
    """The inputs as floats, a Value read through its data."""
    point = []
    for k, x in enumerate(inputs):
        if isinstance(x, Value):
            point.append(x.data)
            continue
        try:
            point.append(_as_float(x))
        except (TypeError, ValueError, OverflowError) as error:
            raise type(error)(f"{caller}: input {k}: {error}") from None
    return point


def _scalar(caller: str, f: Callable[..., Value], args: Sequence[float | Value]) -> Value:
    """f at `args` (a float becomes a fresh leaf), checked to be a Value."""
    out = f(*(x if isinstance(x, Value) else Value(x) for x in args))
    if not isinstance(out, Value):
        raise TypeError(f"{caller}: f must return a Value, got {type(out).__name__}: {out!r}")
    return out


def _outputs(
    f: Callable[..., Sequence[Value]], point: Sequence[float]
) -> tuple[list[Value], Sequence[Value]]:
    """Fresh leaves at `point` and f's outputs on them, checked to be Values."""
    leaves = [Value(x) for x in point]
    outputs = f(*leaves)
    if isinstance(outputs, Value) or not isinstance(outputs, Sequence):
        raise TypeError(
            f"jacobian: f must return a sequence of Values, got {type(outputs).__name__}"
        )
    for i, out in enumerate(outputs):
        if not isinstance(out, Value):
            raise TypeError(f"jacobian: output {i} of f is not a Value: {out!r}")
    return leaves, outputs


def _check_tolerances(caller: str, eps: float, atol: float, rtol: float) -> None:
    """A step eps > 0 and tolerances atol, rtol >= 0, all finite."""
    _check_tolerance(caller, "eps", eps)
    _check_tolerance(caller, "atol", atol, allow_zero=True)
    _check_tolerance(caller, "rtol", rtol, allow_zero=True)


def _check_tolerance(caller: str, name: str, x: float, *, allow_zero: bool = False) -> None:
    """A TypeError or ValueError unless `x` is a finite number > 0 (or >= 0)."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise TypeError(f"{caller}: {name} must be a number, got {type(x).__name__}: {x!r}")
    in_range = x >= 0 if allow_zero else x > 0
    if not (in_range and math.isfinite(x)):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{caller}: {name} must be finite and {bound}, got {x}")


def _compare(
    caller: str,
    what: str,
    head: tuple[str, ...],
    rows: Sequence[tuple[str, ...]],
    analytic: Sequence[float],
    numeric: Sequence[float],
    atol: float,
    rtol: float,
) -> None:
    """Raise `GradcheckError` unless |analytic − numeric| ≤ atol + rtol·|numeric|
    everywhere, with the comparison as text: one right-aligned row per entry,
    its first cells (`rows`) under the column names `head`."""
    ok = [abs(a - n) <= atol + rtol * abs(n) for a, n in zip(analytic, numeric, strict=True)]
    if all(ok):
        return
    header = (*head, "analytic", "numeric", "abs error", "")
    table = [header]
    for first, a, n, good in zip(rows, analytic, numeric, ok, strict=True):
        cells = (f"{a:.10g}", f"{n:.10g}", f"{abs(a - n):.3g}")
        table.append((*first, *cells, "ok" if good else "FAIL"))
    widths = [max(len(row[c]) for row in table) for c in range(len(header))]
    lines = [
        "  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in table
    ]
    title = (
        f"{caller}: {ok.count(False)} of {len(ok)} {what} disagree "
        f"(each must satisfy |analytic - numeric| <= {atol:g} + {rtol:g}*|numeric|)"
    )
    raise GradcheckError("\n".join([title, *lines]))

"""functional: softmax, log_softmax, logsumexp against PyTorch; sum and dot."""

from __future__ import annotations

import math

import pytest
from conftest import require_module
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd import engine, functional
from micrograd.engine import Value, sum_values, topological_order
from micrograd.functional import log_softmax, logsumexp, softmax

logits = st.lists(st.floats(-50.0, 50.0, allow_nan=False), min_size=1, max_size=6)
weights = st.lists(st.floats(-2.0, 2.0, allow_nan=False), min_size=6, max_size=6)

VECTOR_FUNCTIONS = {"softmax": softmax, "log_softmax": log_softmax}


def close(a: float, b: float) -> bool:
    """Equal to 1e-10 relative; the absolute floor is a few ulps of the
    O(1) terms the gradients are sums of (δ_ik − σ_k cancels to ~0)."""
    return math.isclose(a, b, rel_tol=1e-10, abs_tol=1e-15)


@pytest.mark.parametrize("name", list(VECTOR_FUNCTIONS))
@settings(max_examples=50, deadline=None)
@given(xs=logits, upstream=weights)
def test_vector_functions_match_torch(name: str, xs: list[float], upstream: list[float]) -> None:
    torch = require_module("torch")
    leaves = [Value(x) for x in xs]
    outputs = VECTOR_FUNCTIONS[name](leaves)
    # A weighted sum of the outputs checks a whole vector-Jacobian product.
    sum_values([o * u for o, u in zip(outputs, upstream, strict=False)]).backward()

    t = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    expected = getattr(torch, name)(t, dim=0)
    (expected * torch.tensor(upstream[: len(xs)], dtype=torch.float64)).sum().backward()
    assert all(close(o.data, e) for o, e in zip(outputs, expected.tolist(), strict=True))
    assert all(close(v.grad, g) for v, g in zip(leaves, t.grad.tolist(), strict=True))


@settings(max_examples=50, deadline=None)
@given(xs=logits)
def test_logsumexp_matches_torch(xs: list[float]) -> None:
    torch = require_module("torch")
    leaves = [Value(x) for x in xs]
    out = logsumexp(leaves)
    out.backward()
    t = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    expected = torch.logsumexp(t, dim=0)
    expected.backward()
    assert close(out.data, expected.item())
    assert all(close(v.grad, g) for v, g in zip(leaves, t.grad.tolist(), strict=True))


@pytest.mark.parametrize("scale", [1e2, 1e4])
def test_stable_for_large_inputs(scale: float) -> None:
    torch = require_module("torch")
    xs = [scale, -scale, 0.5 * scale, scale - 1.0]
    t = torch.tensor(xs, dtype=torch.float64)
    assert logsumexp(xs).data == pytest.approx(torch.logsumexp(t, 0).item(), rel=1e-12)
    for name, f in VECTOR_FUNCTIONS.items():
        got = [v.data for v in f(xs)]
        assert got == pytest.approx(getattr(torch, name)(t, 0).tolist(), rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("scale", [1e2, 1e4])
def test_stable_for_large_inputs_by_the_closed_forms(scale: float) -> None:
    xs = [scale, -scale, 0.5 * scale, scale - 1.0]
    exps = [math.exp(x - scale) for x in xs]  # shifted by the largest, so none overflows
    lse = scale + math.log(math.fsum(exps))
    assert logsumexp(xs).data == pytest.approx(lse, rel=1e-12)
    assert [v.data for v in log_softmax(xs)] == pytest.approx([x - lse for x in xs], rel=1e-12)
    expected = [e / math.fsum(exps) for e in exps]
    assert [v.data for v in softmax(xs)] == pytest.approx(expected, rel=1e-12, abs=1e-300)


def test_softmax_jacobian_is_diag_sigma_minus_sigma_sigma_transposed() -> None:
    xs = [0.3, -1.2, 2.0, 0.0]
    sigma = [s.data for s in softmax(xs)]
    for i in range(len(xs)):
        leaves = [Value(x) for x in xs]
        softmax(leaves)[i].backward()
        row = [v.grad for v in leaves]
        formula = [sigma[i] * ((i == k) - sigma[k]) for k in range(len(xs))]
        assert row == pytest.approx(formula, rel=1e-12, abs=1e-16)


def test_softmax_sums_to_one_and_log_softmax_is_its_log() -> None:
    xs = [1.0, 2.0, 3.0]
    probabilities = [s.data for s in softmax(xs)]
    assert sum(probabilities) == pytest.approx(1.0, rel=1e-15)
    logs = [v.data for v in log_softmax(xs)]
    assert logs == pytest.approx([math.log(p) for p in probabilities], rel=1e-14)


def test_built_from_engine_ops_only() -> None:
    xs = [Value(0.5), Value(-1.0)]
    roots = [logsumexp(xs), *softmax(xs), *log_softmax(xs)]
    ops = {node._op for root in roots for node in topological_order(root)}
    assert ops <= {"", "+", "*", "exp", "log", "sum", "**-1"}
    assert {"exp", "log", "sum"} <= ops


def test_sum_and_dot_are_the_engine_nodes() -> None:
    assert functional.sum is engine.sum_values
    assert functional.dot is engine.dot
    assert functional.sum([Value(1.0), 2.0], start=0.5).data == 3.5
    assert functional.dot([1.0, 2.0], [3.0, 4.0], bias=1.0)._op == "dot"


@pytest.mark.parametrize("f", [softmax, log_softmax, logsumexp])
def test_bad_input(f: object) -> None:
    assert callable(f)
    with pytest.raises(ValueError, match=f.__name__):
        f([])
    with pytest.raises(TypeError, match=f.__name__):
        f([Value(1.0), "2"])

"""explain checks its sum over paths against backward, and says when they differ."""

from __future__ import annotations

from micrograd.engine import Value
from micrograd.trace import explain


class Misreporting(Value):
    """A node that shows a local derivative twice the one backward uses: a
    stand-in for any op whose stored derivative is wrong."""

    __slots__ = ()

    @property
    def local_grads(self) -> tuple[float, ...]:
        return tuple(2.0 * d for d in super().local_grads)


def disagreeing() -> tuple[Value, Value]:
    a = Value(3.0, label="a")
    m = Misreporting(6.0, (a,), "twice", label="m", _local=(2.0,))
    return m, a


def test_the_text_does_not_call_a_different_gradient_the_same() -> None:
    m, a = disagreeing()
    explanation = explain(m, a)
    assert (explanation.total, explanation.backward_grad) == (4.0, 2.0)
    lines = str(explanation).splitlines()
    assert lines[-2] == "∂m/∂a = 4"
    assert lines[-1].startswith("backward gives a.grad = 2 (NOT the same as 4: ")


def test_the_markdown_does_not_call_a_different_gradient_the_same() -> None:
    m, a = disagreeing()
    markdown = explain(m, a)._repr_markdown_()
    assert "`backward()` gives $a$.grad $= 2$ (NOT the same as 4: " in markdown
    assert "(the same)" not in markdown
    assert r"\frac{\partial m}{\partial a} &= 4" in markdown


def test_agreement_allows_for_rounding_only() -> None:
    # The paths add their products in another order than backward adds its
    # contributions, so equal gradients may differ in the last bits.
    m, a = disagreeing()
    explanation = explain(m, a)
    explanation.total = 2.0 * (1 + 1e-12)
    assert str(explanation).endswith("backward gives a.grad = 2 (the same)")
    explanation.total = 2.0 * (1 + 1e-6)
    assert "backward gives a.grad = 2 (NOT the same as 2.000002: " in str(explanation)

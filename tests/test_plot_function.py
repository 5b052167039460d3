"""viz.plot_function draws f and f′ as the closed forms give them."""

from __future__ import annotations

import math

import pytest
from test_viz import pyplot  # noqa: F401 (the fixture: matplotlib with the Agg backend)

from micrograd.viz import plot_function

pytestmark = pytest.mark.usefixtures("pyplot")

XS = [-2.0, -0.5, 0.0, 1.0, 3.0]


def test_plot_function_draws_a_cubic_and_its_derivative() -> None:
    ax = plot_function(lambda x: x**3 - 2 * x, XS)
    f_line, df_line = ax.get_lines()[:2]
    # Every number here is exact in floating point.
    assert list(f_line.get_ydata()) == [-4.0, 0.875, 0.0, -1.0, 21.0]  # x³ − 2x
    assert list(df_line.get_ydata()) == [10.0, -1.25, -2.0, 1.0, 25.0]  # 3x² − 2
    assert list(f_line.get_xdata()) == list(df_line.get_xdata()) == XS


def test_plot_function_draws_tanh_and_its_derivative() -> None:
    ax = plot_function(lambda x: x.tanh(), XS)
    f_line, df_line = ax.get_lines()[:2]
    assert list(f_line.get_ydata()) == pytest.approx([math.tanh(x) for x in XS], rel=1e-15)
    assert list(df_line.get_ydata()) == pytest.approx([1.0 / math.cosh(x) ** 2 for x in XS],
                                                      rel=1e-14)
    assert "autograd" in df_line.get_label()

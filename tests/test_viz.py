"""viz: DOT text, Graphviz drawings, the HTML stepper and the matplotlib plots."""

from __future__ import annotations

import math
import os
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import require_dot, require_module

from micrograd.engine import Value, dot, sum_values
from micrograd.nn import MLP
from micrograd.viz import (
    _CLASS_COLOURS,
    GraphvizMissing,
    Stepper,
    _digraph_class,
    _tint,
    draw_dot,
    plot_decision_boundary,
    plot_function,
    svg_for_html,
    to_dot,
)


def neuron() -> Value:
    """The lecture neuron o = tanh(x1·w1 + x2·w2 + b), after backward."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return o


def node_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if "shape=record" in line]


@pytest.fixture
def pyplot() -> Iterator[object]:
    require_module("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


# -- to_dot: the DOT text, no Graphviz needed ----------------------------------------


def test_to_dot_shows_every_value_as_a_record_with_label_data_and_grad() -> None:
    text = to_dot(neuron())
    assert text.startswith("digraph {\n") and text.endswith("}\n")
    assert '"{ x1 | data 2.0000 | grad -1.5000 }"' in text
    assert '"{ w1 | data -3.0000 | grad 1.0000 }"' in text
    assert '"{ o | data 0.7071 | grad 1.0000 }"' in text
    assert len(node_lines(text)) == 10  # 5 leaves, 5 results
    # one op node per operation, each with an edge to its result
    assert len(re.findall(r"^\tv\d+_op \[label=", text, re.M)) == 5
    assert 'label="tanh"' in text


def test_to_dot_needs_no_graphviz_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "graphviz", None)  # import graphviz now fails
    _digraph_class.cache_clear()
    try:
        assert "data 2.0000" in to_dot(neuron())
        with pytest.raises(GraphvizMissing, match="pip install graphviz"):
            draw_dot(neuron())
    finally:
        _digraph_class.cache_clear()


def test_to_dot_is_deterministic_and_numbered_in_topological_order() -> None:
    first, second = to_dot(neuron()), to_dot(neuron())
    assert first == second
    ids = re.findall(r"^\t(v\d+) \[", first, re.M)
    assert ids == [f"v{i}" for i in range(10)]
    assert "0x" not in first  # nothing from id()


def test_children_keep_their_order_and_a_repeated_child_has_two_edges() -> None:
    a, b = Value(3.0, label="a"), Value(4.0, label="b")
    text = to_dot(b * a + a * a)
    # b*a: b is v0, a is v1 in topological order; edges in _prev order
    assert re.search(r"v0 -> v2_op\n\tv1 -> v2_op\n", text)
    assert text.count("v1 -> v3_op") == 2


def test_show_grad_false_leaves_the_grad_out() -> None:
    text = to_dot(neuron(), show_grad=False)
    assert "grad" not in text
    assert '"{ x1 | data 2.0000 }"' in text


def test_ranksep_sets_the_room_between_ranks() -> None:
    o = Value(2.0).tanh()
    assert "ranksep" not in to_dot(o)
    assert to_dot(o, ranksep=0.3).startswith("digraph {\n\tranksep=0.3\n\trankdir=LR\n")
    for bad in (-1.0, math.inf, "0.3", True):
        with pytest.raises(ValueError, match="to_dot: ranksep must be a number of inches"):
            to_dot(o, ranksep=bad)  # type: ignore[arg-type]


def test_local_grads_label_the_edges() -> None:
    o = neuron()
    plain = to_dot(o)
    text = to_dot(o, show_local_grads=True)
    assert "label=\"-3\"" not in plain
    # x1 -> (*) carries ∂(x1·w1)/∂x1 = w1 = -3; n -> (tanh) carries 1 − tanh² = 0.5
    assert re.search(r'v0 -> v2_op \[label="-3"\]', text)
    assert re.search(r'v\d+ -> v9_op \[label="0.5"\]', text)


def test_highlight_marks_a_node_its_op_and_its_incoming_edges() -> None:
    o = neuron()
    n = o._prev[0]
    text = to_dot(o, highlight=n)
    marked = [line for line in text.splitlines() if "fillcolor" in line]
    assert len(marked) == 2 and "n | data" in marked[0] and marked[1].strip().startswith("v8_op")
    edges = [line for line in text.splitlines() if "penwidth=2" in line and "->" in line]
    assert len(edges) == 2 and all("-> v8_op" in line for line in edges)
    several = to_dot(o, highlight=[n, o])
    assert several.count("fillcolor") == 4
    assert "fillcolor" not in to_dot(o)


def test_highlight_rejects_what_is_not_a_value() -> None:
    with pytest.raises(TypeError, match="highlight"):
        to_dot(neuron(), highlight=[1.0])  # type: ignore[list-item]


def test_grads_given_replace_grad_and_missing_ones_show_unknown() -> None:
    o = neuron()
    text = to_dot(o, grads={o: 1.0})
    assert "{ o | data 0.7071 | grad 1.0000 }" in text
    assert text.count("grad ?") == 9


def test_sum_and_dot_nodes_show_their_formula() -> None:
    a, b, c = Value(1.0, label="a"), Value(2.0, label="b"), Value(3.0, label="c")
    # the start comes first, as sum_values adds it first
    assert 'label="sum\\nc + a + b"' in to_dot(sum_values([a, b], start=c))
    w1, w2, x1, x2 = (Value(float(i), label=n) for i, n in enumerate(["w1", "w2", "x1", "x2"]))
    text = to_dot(dot([w1, w2], [x1, x2], bias=c))
    assert 'label="dot\\nc + w1·x1 + w2·x2"' in text
    ab = a + b
    ab.label = "a + b"
    assert 'label="dot\\n(a + b) + (a + b)·c"' in to_dot(dot([ab], [c], bias=ab))


def test_a_node_built_by_hand_without_op_links_children_directly() -> None:
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    hand = Value(3.0, (a, b), label="hand")
    text = to_dot(hand, show_local_grads=True)
    assert "_op" not in text
    assert "\tv0 -> v2\n" in text and "\tv1 -> v2\n" in text


def test_special_characters_in_labels_are_escaped() -> None:
    x = Value(1.0, label='a|b{c}<d>"e\\')
    text = to_dot(x)
    assert r'"{ a\|b\{c\}\<d\>\"e\\ | data 1.0000 | grad 0.0000 }"' in text


def test_bad_arguments_raise_typed_errors() -> None:
    with pytest.raises(ValueError, match="rankdir"):
        to_dot(Value(1.0), rankdir="sideways")
    with pytest.raises(TypeError, match="root must be a Value"):
        to_dot(1.0)  # type: ignore[arg-type]


# -- draw_dot: the same text as a graphviz.Digraph --------------------------------------


def test_draw_dot_is_a_digraph_built_from_the_same_text() -> None:
    require_module("graphviz")
    o = neuron()
    graph = draw_dot(o, show_local_grads=True, rankdir="TB", highlight=o)
    assert graph.source == to_dot(o, show_local_grads=True, rankdir="TB", highlight=o)
    assert graph.format == "svg"
    assert draw_dot(o, format="png").format == "png"


def test_draw_dot_renders_an_svg_with_the_values_and_labels() -> None:
    require_module("graphviz")
    require_dot()
    svg = draw_dot(neuron(), show_local_grads=True).pipe(format="svg", encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for text in ("x1", "w1", "o", "data 2.0000", "grad &#45;1.5000", "tanh", ">0.5<"):
        assert text in svg, text
    # Jupyter's inline display goes through the same rendering
    bundle = draw_dot(neuron())._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"]


def test_escaped_labels_render_as_written() -> None:
    require_module("graphviz")
    require_dot()
    svg = draw_dot(Value(1.0, label='a|b{c}<d>"e')).pipe(format="svg", encoding="utf-8")
    assert "a|b{c}&lt;d&gt;&quot;e" in svg


def test_rendering_without_the_dot_program_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    require_module("graphviz")
    graph = draw_dot(neuron())
    monkeypatch.setenv("PATH", "")
    with pytest.raises(GraphvizMissing, match="apt-get install graphviz") as caught:
        graph.pipe(format="svg")
    assert "\n" not in str(caught.value)
    with pytest.raises(GraphvizMissing):
        graph._repr_mimebundle_()
    with pytest.raises(GraphvizMissing):
        graph.render(directory=str(tmp_path))


# -- the HTML stepper ---------------------------------------------------------------


def test_svg_for_html_drops_the_prologue_and_the_namespace_urls() -> None:
    svg = (
        '<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
        '<svg width="8pt" xmlns="http://www.w3.org/2000/svg" '
        'xmlns:xlink="http://www.w3.org/1999/xlink">\n<g/></svg>\n'
    )
    assert svg_for_html(svg) == '<svg width="8pt">\n<g/></svg>\n'


def test_stepper_html_has_one_frame_per_step_controls_and_no_url() -> None:
    frames = [f"<svg><text>frame {k}</text></svg>" for k in range(3)]
    stepper = Stepper(frames, ["first <step>", "second", "third"])
    html = stepper._repr_html_()
    assert html.count('class="mg-frame"') == 3 == len(stepper)
    assert html.count("display:block") == 1
    assert 'type="range" min="0" max="2"' in html
    assert "data-step=\"-1\"" in html and "data-step=\"1\"" in html
    assert "<script>" in html
    # The frames show their captions; the page gives them to screen readers once more.
    assert 'role="img" aria-label="first &lt;step&gt;"' in html
    assert "<pre>" not in html
    assert "http" not in html and "src=" not in html
    assert stepper.page().startswith("<!DOCTYPE html>")


def test_a_stepper_saves_as_a_page_atomically(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stepper = Stepper(["<svg><text>one</text></svg>", "<svg/>"], ["one", "two"])
    path = tmp_path / "backward.html"
    stepper.save(path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.count('class="mg-frame"') == 2
    same_ids = re.compile(r"micrograd-stepper-[0-9a-f]+")
    assert same_ids.sub("ID", text) == same_ids.sub("ID", stepper.page())

    def crash(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        Stepper(["<svg/>"], ["other"]).save(path)
    assert path.read_text(encoding="utf-8") == text
    assert os.listdir(tmp_path) == ["backward.html"]


def test_a_stepper_in_a_terminal_says_how_to_see_it() -> None:
    stepper = Stepper(["<svg/>", "<svg/>"], ["one", "two"])
    assert repr(stepper) == (
        "<Stepper of 2 frames: Jupyter shows it; elsewhere save it with "
        ".save('backward.html') and open that in a browser>"
    )


def test_two_steppers_do_not_share_an_element_id() -> None:
    stepper = Stepper(["<svg/>"], ["only"])
    ids = {re.search(r'id="([^"]+)"', stepper._repr_html_()).group(1) for _ in range(2)}  # type: ignore[union-attr]
    assert len(ids) == 2


def test_stepper_rejects_no_frames_or_mismatched_captions() -> None:
    with pytest.raises(ValueError, match="no frames"):
        Stepper([], [])
    with pytest.raises(ValueError, match="2 frames but 1 captions"):
        Stepper(["<svg/>", "<svg/>"], ["one"])


# -- plots --------------------------------------------------------------------------


def test_plot_decision_boundary_colours_the_plane_by_the_score(pyplot: object) -> None:
    calls: list[int] = []

    def model(point: list[Value]) -> Value:
        out = point[0] * 2.0 + point[1] - 1.0
        calls.append(len(out._prev))  # no graph is recorded under no_grad
        return out

    X = [[0.0, 0.0], [1.0, 1.0], [2.0, -1.0], [-1.0, 2.0]]
    y = [-1, 1, 1, -1]
    ax = plot_decision_boundary(model, X, y, resolution=20)
    assert len(calls) == 400 and set(calls) == {0}
    low_region, high_region = ax.collections[:2]  # the shading, one region per class
    assert [tuple(c) for c in low_region.get_facecolor()[:, :3]] == [_tint("#0072B2")]
    assert [tuple(c) for c in high_region.get_facecolor()[:, :3]] == [_tint("#E69F00")]
    below, above = ax.collections[-2:]  # the points, one scatter per class
    assert [list(p) for p in below.get_offsets()] == [X[0], X[3]]
    assert [list(p) for p in above.get_offsets()] == [X[1], X[2]]
    low, high = ax.get_xlim()
    assert low < -1.0 and high > 2.0


def test_plot_decision_boundary_labels_its_axes_and_classes(pyplot: object) -> None:
    ax = plot_decision_boundary(lambda p: p[0], [[-1.0, 0.0], [1.0, 1.0]], [-1, 1], resolution=5)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x1", "x2")
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["y = -1", "y = +1"]
    assert "predicted" in legend.get_title().get_text()
    ax = plot_decision_boundary(lambda p: p[0], [[-1.0, 0.0], [1.0, 1.0]], [0, 1], resolution=5)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["y = 0", "y = 1"]


def test_plot_decision_boundary_shades_the_class_of_the_largest_score(pyplot: object) -> None:
    def model(p: list[Value]) -> list[Value]:  # class 0 right, 1 up, 2 down-left
        return [p[0], p[1], -p[0] - p[1]]

    X = [[2.0, 0.0], [0.0, 2.0], [-2.0, -2.0], [1.5, 0.5]]
    ax = plot_decision_boundary(model, X, [0, 1, 2, 0], resolution=30)
    assert len(ax.collections) == 3 + 3  # three regions, three classes of points
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["y = 0", "y = 1", "y = 2"]
    markers = {tuple(c.get_paths()[0].vertices.round(3).flatten()) for c in ax.collections[3:]}
    assert len(markers) == 3  # each class its own marker, not only its own colour
    points = ax.collections[3].get_offsets()
    assert [list(p) for p in points] == [X[0], X[3]]
    # A classic MLP with three outputs plots too.
    plot_decision_boundary(MLP(2, [4, 3], rng=random.Random(0)), X, [0, 1, 2, 0], resolution=4)


# Machado, Oliveira and Fernandes (2009): linear-RGB matrices simulating full
# protanopia, deuteranopia and tritanopia.
CVD = {
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216),
                   (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413),
                     (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602),
                   (0.004733, 0.691367, 0.303900)),
}


Matrix = tuple[tuple[float, ...], ...]


def seen_with(rgb: tuple[float, float, float], matrix: Matrix) -> list[float]:
    """The colour as CIELAB, as a reader with this deficiency sees it."""
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    r, g, b = (min(1.0, max(0.0, sum(m * c for m, c in zip(row, linear, strict=True))))
               for row in matrix)
    xyz = (0.4124 * r + 0.3576 * g + 0.1805 * b, 0.2126 * r + 0.7152 * g + 0.0722 * b,
           0.0193 * r + 0.1192 * g + 0.9505 * b)
    fx, fy, fz = (t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116
                  for t in (xyz[0] / 0.95047, xyz[1], xyz[2] / 1.08883))
    return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)]


@pytest.mark.parametrize("deficiency", list(CVD))
def test_two_classes_stay_apart_for_colour_blind_readers(deficiency: str) -> None:
    def rgb(colour: str) -> tuple[float, float, float]:
        return (int(colour[1:3], 16) / 255, int(colour[3:5], 16) / 255, int(colour[5:7], 16) / 255)

    first, second = _CLASS_COLOURS[:2]
    for a, b, least in [(rgb(first), rgb(second), 40.0), (_tint(first), _tint(second), 30.0)]:
        distance = math.dist(seen_with(a, CVD[deficiency]), seen_with(b, CVD[deficiency]))
        assert distance > least  # CIE76 ΔE; about 2 is a just noticeable difference


def test_plot_decision_boundary_draws_on_a_given_axes(pyplot: object) -> None:
    _figure, ax = pyplot.subplots()  # type: ignore[attr-defined]
    returned = plot_decision_boundary(lambda p: p[0], [[0.0, 0.0], [1.0, 1.0]], [0, 1], ax=ax)
    assert returned is ax


def test_plot_decision_boundary_rejects_bad_input(pyplot: object) -> None:
    with pytest.raises(ValueError, match="2 points in X but 1 labels"):
        plot_decision_boundary(lambda p: p[0], [[0.0, 0.0], [1.0, 1.0]], [0])
    with pytest.raises(ValueError, match="2 coordinates"):
        plot_decision_boundary(lambda p: p[0], [[0.0, 0.0, 0.0]], [0])
    with pytest.raises(ValueError, match="X is empty"):
        plot_decision_boundary(lambda p: p[0], [], [])
    with pytest.raises(TypeError, match="must return a Value or a list of Values"):
        plot_decision_boundary(lambda p: "yes", [[0.0, 0.0]], [0])
    with pytest.raises(ValueError, match=r"one score separates two classes, labelled -1/\+1 or "
                                         r"0/1, but y holds \[0, 1, 2\]"):
        plot_decision_boundary(lambda p: p[0], [[0.0, 0.0]] * 3, [0, 1, 2], resolution=3)
    with pytest.raises(ValueError, match=r"gives 3 class scores, so every label must be a "
                                         r"class index 0 … 2, got -1"):
        plot_decision_boundary(lambda p: [p[0]] * 3, [[0.0, 0.0]] * 2, [0, -1], resolution=3)
    with pytest.raises(ValueError, match=r"gives 2 class scores, .* got -1"):
        plot_decision_boundary(lambda p: [p[0], p[1]], [[0.0, 0.0]] * 2, [0, -1], resolution=3)
    with pytest.raises(ValueError, match="9 classes are more than the 8"):
        plot_decision_boundary(lambda p: [p[0]] * 9, [[0.0, 0.0]], [0], resolution=3)


def test_plot_function_draws_f_and_its_autograd_derivative(pyplot: object) -> None:
    xs = [-2.0, -0.5, 0.0, 1.0, 3.0]
    ax = plot_function(lambda x: x.tanh(), xs)
    f_line, df_line = ax.get_lines()[:2]
    t = [Value(x).tanh().data for x in xs]
    assert list(f_line.get_ydata()) == t
    assert list(df_line.get_ydata()) == [1.0 - v * v for v in t]
    assert "autograd" in df_line.get_label()


def test_plots_without_matplotlib_say_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        plot_function(lambda x: x, [0.0])
    with pytest.raises(ImportError, match="pip install matplotlib"):
        plot_decision_boundary(lambda p: p[0], [[0.0, 0.0]], [0])


def test_a_digraph_repr_has_no_memory_address() -> None:
    require_module("graphviz")
    x = Value(2.0, label="x")
    text = repr(draw_dot(x.tanh()))
    assert text.startswith("<micrograd.viz.Digraph of ") and " at 0x" not in text

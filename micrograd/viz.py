"""Pictures of what the engine computes: graphs, backward frames, plots.

`to_dot(root)` writes the computation graph as Graphviz DOT text and needs
nothing installed; `draw_dot(root)` wraps the same text in a
`graphviz.Digraph` that Jupyter shows inline. Value nodes are records
`{ name | data | grad }`, each operation is its own small node, and edges can
carry their local derivative ∂parent/∂child.

Rendering through `pipe` (and so Jupyter's display) runs Graphviz's `dot`
with a time limit, `RENDER_TIMEOUT` seconds (`pipe(..., timeout=...)` sets
another); `render`, which writes files, goes through the graphviz package
with none. A graph that would take dot minutes to lay out is drawn so that
it takes seconds (see `to_dot`).

graphviz and matplotlib are optional: they are imported inside the functions
that need them, and a missing one raises an error that says how to install it.
"""

from __future__ import annotations

import functools
import html
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from micrograd.engine import Value, no_grad, topological_order
from micrograd.files import write_atomically
from micrograd.formulas import format_number, forward_formula, node_names

__all__ = [
    "GraphvizMissing",
    "RenderError",
    "Stepper",
    "dot_to_svg",
    "draw_dot",
    "draw_frame",
    "grad_field",
    "grid_axis",
    "inline_svg",
    "plot_decision_boundary",
    "plot_function",
    "svg_for_html",
    "to_dot",
]

# -- the computation graph as DOT text ------------------------------------------

_INSTALL_PROGRAM = (
    "install Graphviz's `dot` program: apt-get install graphviz (Debian/Ubuntu), "
    "brew install graphviz (macOS) or conda install graphviz"
)
_RANKDIRS = ("LR", "RL", "TB", "BT")
_HIGHLIGHT_NODE = 'style=filled fillcolor="#ffe08a" penwidth=2'
_HIGHLIGHT_COPY = 'style="filled,dashed" fillcolor="#ffe08a" penwidth=2'
_HIGHLIGHT_EDGE = 'color="#d9822b" penwidth=2'

# dot places nodes in columns and routes an edge that spans k columns through
# k − 1 hidden nodes; its layout time grows fast with their number. A leaf
# that feeds a long chain, as x in x*y + x*y + …, makes a number of them that
# grows as the square of the chain: 75 terms took dot minutes. Past this many
# hidden nodes, such a leaf is drawn again beside each op it feeds, and dot's
# placement gets a bounded number of iterations (nslimit).
_MAX_HIDDEN_NODES = 1000

# Seconds `dot` may take to draw one graph before it is stopped.
RENDER_TIMEOUT = 30.0


class RenderError(RuntimeError):
    """Graphviz could not draw a graph: it failed, or took longer than the
    time limit, or (GraphvizMissing) is not installed."""


class GraphvizMissing(RenderError):
    """The graphviz Python package or Graphviz's `dot` program is missing."""


def to_dot(
    root: Value,
    rankdir: str = "LR",
    show_grad: bool = True,
    show_local_grads: bool = False,
    highlight: Value | Collection[Value] | None = None,
    grads: Mapping[Value, float] | None = None,
    ranksep: float | None = None,
) -> str:
    """The graph of `root` as DOT text; needs neither graphviz nor Graphviz.

    Nodes are numbered in topological order, so the text depends only on the
    graph. `show_local_grads` labels each edge child → op with ∂parent/∂child;
    `highlight` marks a node (or several) and the edges into its op; `grads`
    shows these gradients instead of each node's `.grad`, and a node missing
    from it as `grad ?` (not known yet); `ranksep` sets the room between ranks
    (inches; Graphviz's default 0.5).

    A large graph with long edges (see _MAX_HIDDEN_NODES) is drawn so that
    Graphviz lays it out in seconds: each use of a leaf after its first gets
    a copy of the leaf, dashed, beside the op that uses it.
    """
    body = _dot_statements(root, rankdir, show_grad, show_local_grads, highlight, grads)
    if ranksep is not None:
        if isinstance(ranksep, bool) or not isinstance(ranksep, (int, float)) \
                or not 0 <= ranksep < float("inf"):
            raise ValueError(f"to_dot: ranksep must be a number of inches ≥ 0, got {ranksep!r}")
        body.insert(0, f"\tranksep={ranksep}\n")
    return "digraph {\n" + "".join(body) + "}\n"


def draw_dot(
    root: Value,
    format: str = "svg",
    rankdir: str = "LR",
    show_grad: bool = True,
    show_local_grads: bool = False,
    highlight: Value | Collection[Value] | None = None,
    grads: Mapping[Value, float] | None = None,
) -> Any:
    """The graph of `root` as a `graphviz.Digraph` (shown inline by Jupyter),
    built from the same DOT text as `to_dot`, whose arguments it takes.

    Raises GraphvizMissing without the graphviz package, and when rendering
    (display, `pipe`, `render`) without Graphviz's `dot` program.
    """
    body = _dot_statements(root, rankdir, show_grad, show_local_grads, highlight, grads)
    graph = _digraph_class()(format=format)
    graph.body.extend(body)
    return graph


def grad_field(grad: float | None) -> str:
    """A node record's grad field: 'grad 0.5000', or 'grad ?' when not known yet."""
    return "grad ?" if grad is None else f"grad {grad:.4f}"


def _dot_statements(
    root: Value,
    rankdir: str,
    show_grad: bool,
    show_local_grads: bool,
    highlight: Value | Collection[Value] | None,
    grads: Mapping[Value, float] | None,
) -> list[str]:
    """The DOT statements of the graph, one per line, tab-indented."""
    if not isinstance(root, Value):
        raise TypeError(f"to_dot: root must be a Value, got {type(root).__name__}: {root!r}")
    if rankdir not in _RANKDIRS:
        raise ValueError(f"to_dot: rankdir must be one of {', '.join(_RANKDIRS)}, got {rankdir!r}")
    marked = _highlighted(highlight)
    order = topological_order(root)
    names = node_names(order)
    ids = {node: f"v{i}" for i, node in enumerate(order)}
    copied = _copied_leaf_edges(order)
    lines = [f"rankdir={rankdir}"]
    if copied is not None:
        lines.append("nslimit=1")  # bounded placement: see _MAX_HIDDEN_NODES
    records: dict[Value, str] = {}
    for node in order:
        fields = [names[node], f"data {node.data:.4f}"]
        if show_grad:
            grad = node.grad if grads is None else grads.get(node)
            fields.append(grad_field(grad))
        records[node] = "{ " + " | ".join(_record_field(f) for f in fields) + " }"
        style = f" {_HIGHLIGHT_NODE}" if node in marked else ""
        lines.append(f'{ids[node]} [label="{records[node]}" shape=record{style}]')
        if not node._prev:
            continue
        # Hand-built nodes may have children but no op: edges go straight in.
        target = ids[node]
        if node._op:
            target = f"{ids[node]}_op"
            lines.append(f"{target} [label={_quote(_op_label(node, names))}{style}]")
            lines.append(f"{target} -> {ids[node]}")
        locals_ = node.local_grads
        for i, child in enumerate(node._prev):
            attributes = []
            if show_local_grads and i < len(locals_):
                attributes.append(f"label={_quote(format_number(locals_[i]))}")
            if node in marked:
                attributes.append(_HIGHLIGHT_EDGE)
            source = ids[child]
            if copied is not None and (node, i) in copied:
                source = f"{ids[child]}_{ids[node]}_{i}"
                copy_style = _HIGHLIGHT_COPY if child in marked else "style=dashed"
                lines.append(f'{source} [label="{records[child]}" shape=record {copy_style}]')
            edge = f"{source} -> {target}"
            lines.append(f"{edge} [{' '.join(attributes)}]" if attributes else edge)
    return [f"\t{line}\n" for line in lines]


def draw_frame(root: Value, caption: str, **kwargs: Any) -> Any:
    """`draw_dot(root, **kwargs)` with `caption` written above the graph, line
    by line and left-aligned: one frame of a backward pass, readable alone."""
    graph = draw_dot(root, **kwargs)
    graph.body.append(f"\tgraph [label={_left_aligned(caption)} labelloc=t labeljust=l]\n")
    return graph


def _left_aligned(text: str) -> str:
    """A DOT string literal whose every line ends left-aligned (\\l)."""
    lines = [line.replace("\\", "\\\\").replace('"', '\\"') for line in text.splitlines()]
    return '"' + "".join(f"{line}\\l" for line in lines) + '"'


def _copied_leaf_edges(order: Sequence[Value]) -> set[tuple[Value, int]] | None:
    """None for a graph dot lays out fast as it is; else the edges (node, i)
    from a leaf used before, each to be drawn from a copy of the leaf. With
    no leaf shared, each subtree can move next to where it is used.

    dot's hidden nodes are counted with columns as dot ranks them, near
    enough: an op one column right of its furthest child that is not a leaf,
    its node one right of the op; a leaf just left of the first op to use it.
    An edge spanning k columns costs k − 1 hidden nodes."""
    column: dict[Value, int] = {}  # of each node that is not a leaf
    first_use: dict[Value, int] = {}  # the column of the op first to use each leaf
    hidden = 0
    for node in order:
        if not node._prev:
            continue
        target = 1 + max((column[child] for child in node._prev if child._prev), default=-1)
        for child in node._prev:
            if child._prev:
                hidden += target - column[child] - 1
            else:
                hidden += target - first_use.setdefault(child, target)
        column[node] = target + 1 if node._op else target
    if hidden <= _MAX_HIDDEN_NODES:
        return None
    used: set[Value] = set()
    again: set[tuple[Value, int]] = set()
    for node in order:
        for i, child in enumerate(node._prev):
            if not child._prev:
                if child in used:
                    again.add((node, i))
                used.add(child)
    return again


def _highlighted(highlight: Value | Collection[Value] | None) -> set[Value]:
    if highlight is None:
        return set()
    if isinstance(highlight, Value):
        return {highlight}
    nodes = set(highlight)
    for node in nodes:
        if not isinstance(node, Value):
            raise TypeError(
                f"to_dot: highlight must be Values, got {type(node).__name__}: {node!r}"
            )
    return nodes


def _op_label(node: Value, names: Mapping[Value, str]) -> str:
    """The op's name; the n-ary sum and dot also show what they add up."""
    if node._op in ("sum", "dot"):
        return f"{node._op}\n{forward_formula(node, names)}"
    return node._op


def _quote(text: str) -> str:
    """A DOT string literal; \\n in a label is a line break."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _record_field(text: str) -> str:
    """Text for one field of a record label, its special characters escaped."""
    return re.sub(r'([\\{}|<>"])', r"\\\1", " ".join(text.splitlines()))


# -- rendering with Graphviz ----------------------------------------------------------


def _graphviz_package() -> Any:
    try:
        import graphviz
    except ImportError:
        raise GraphvizMissing(
            f"draw_dot needs the graphviz Python package: pip install graphviz (and "
            f"{_INSTALL_PROGRAM}); to_dot() gives the DOT text without it"
        ) from None
    return graphviz


@functools.cache
def _digraph_class() -> Any:
    """graphviz.Digraph, rendering through `_run_dot` (defined once graphviz is imported)."""
    graphviz = _graphviz_package()
    base: Any = graphviz.Digraph

    class Digraph(base):  # type: ignore[misc]
        """A graphviz.Digraph whose rendering has a time limit and says how
        to install a missing `dot` program."""

        def pipe(
            self, format: str | None = None, renderer: str | None = None,
            formatter: str | None = None, neato_no_op: bool | int | None = None,
            quiet: bool = False, *, engine: str | None = None, encoding: str | None = None,
            timeout: float | None = None,
        ) -> bytes | str:
            """The graph drawn by Graphviz in `format` (bytes, or text in
            `encoding`), stopped after `timeout` seconds (RENDER_TIMEOUT)."""
            if renderer is not None or formatter is not None or neato_no_op is not None:
                with _dot_program(graphviz):  # graphviz's own way, with no time limit
                    drawn: bytes | str = super().pipe(format, renderer, formatter, neato_no_op,
                                                      quiet, engine=engine, encoding=encoding)
                    return drawn
            data = _run_dot(self.source, format or self.format, engine or self.engine, quiet,
                            RENDER_TIMEOUT if timeout is None else timeout)
            return data if encoding is None else data.decode(encoding)

        def render(self, *args: Any, **kwargs: Any) -> Any:
            with _dot_program(graphviz):
                return super().render(*args, **kwargs)

        def __repr__(self) -> str:
            # No memory address, so saved notebook outputs stay the same run to run.
            return f"<micrograd.viz.Digraph of {len(self.body)} DOT statements>"

    return Digraph


def dot_to_svg(source: str, timeout: float = RENDER_TIMEOUT) -> str:
    """DOT text laid out by Graphviz's `dot` as SVG text, as `draw_dot` renders
    it (needs the program, not the graphviz package)."""
    return _run_dot(source, "svg", "dot", True, timeout).decode("utf-8")


def _run_dot(source: str, format: str, engine: str, quiet: bool, timeout: float) -> bytes:
    """Graphviz's `engine` run on the DOT `source`: the drawing in `format`.
    RenderError if it fails or runs past `timeout` seconds (it is stopped)."""
    try:
        done = subprocess.run([engine, f"-T{format}"], input=source.encode("utf-8"),
                              capture_output=True, timeout=timeout)
    except FileNotFoundError:
        raise _missing_program() from None
    except subprocess.TimeoutExpired:
        raise RenderError(
            f"Graphviz's {engine} took more than {timeout:g} s to lay out this graph and was "
            f"stopped: draw a smaller graph, or take its DOT text (to_dot(), or -o FILE.dot "
            f"on the command line) to lay out elsewhere"
        ) from None
    message = done.stderr.decode("utf-8", "replace").strip()
    if done.returncode != 0:
        raise RenderError(
            f"Graphviz's {engine} failed (exit status {done.returncode}): "
            f"{' '.join(message.split()) or 'no message'}"
        )
    if message and not quiet:
        print(message, file=sys.stderr)  # warnings, as graphviz.pipe shows them
    return done.stdout


@contextmanager
def _dot_program(graphviz: Any) -> Iterator[None]:
    """Turn graphviz's ExecutableNotFound into GraphvizMissing with the hint."""
    try:
        yield
    except graphviz.ExecutableNotFound:
        raise _missing_program() from None


def _missing_program() -> GraphvizMissing:
    return GraphvizMissing(
        f"rendering a graph needs Graphviz's `dot` program, not found on PATH: "
        f"{_INSTALL_PROGRAM}"
    )


def inline_svg(graph: Any) -> str:
    """A Digraph rendered by Graphviz as an <svg> element to put in HTML."""
    return svg_for_html(graph.pipe(format="svg", encoding="utf-8"))


def svg_for_html(svg: str) -> str:
    """An SVG file's text as an element inside HTML: without the XML prologue
    and the namespace URLs, which HTML does not need (and nothing is fetched)."""
    svg = svg[svg.index("<svg") :]
    return re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", svg, count=2)


# -- stepping through frames in Jupyter -----------------------------------------------

_STEPPER_SCRIPT = """
(function () {
  var box = document.getElementById("%(id)s");
  var frames = box.querySelectorAll(".mg-frame");
  var slider = box.querySelector("input");
  var count = box.querySelector(".mg-count");
  function show(k) {
    k = Math.max(0, Math.min(frames.length - 1, k));
    for (var i = 0; i < frames.length; i++) {
      frames[i].style.display = i === k ? "block" : "none";
    }
    slider.value = k;
    count.textContent = "step " + (k + 1) + " / " + frames.length;
  }
  box.querySelectorAll("button").forEach(function (button) {
    button.addEventListener("click", function () {
      show(Number(slider.value) + Number(button.getAttribute("data-step")));
    });
  });
  slider.addEventListener("input", function () { show(Number(slider.value)); });
})();
"""


class Stepper:
    """SVG frames with previous/next buttons and a slider: self-contained HTML
    with inline JavaScript, nothing fetched. Jupyter shows it inline; `save`
    writes it as a page to open in a browser.

    Each frame shows its own caption (as `BackwardTrace.frames` draw it);
    `captions` gives the same text to screen readers, one per frame.
    """

    def __init__(self, frames: Sequence[str], captions: Sequence[str]) -> None:
        if not frames:
            raise ValueError("Stepper: no frames to step through")
        if len(frames) != len(captions):
            raise ValueError(f"Stepper: {len(frames)} frames but {len(captions)} captions")
        self.frames = list(frames)
        self.captions = list(captions)

    def __len__(self) -> int:
        return len(self.frames)

    def __repr__(self) -> str:
        # What a terminal shows, where the frames cannot be: how to see them.
        return (
            f"<Stepper of {len(self.frames)} frames: Jupyter shows it; elsewhere "
            f"save it with .save('backward.html') and open that in a browser>"
        )

    def _repr_html_(self) -> str:
        # A random id: saved notebooks keep old outputs, so a counter could repeat.
        box = f"micrograd-stepper-{uuid.uuid4().hex}"
        last = len(self.frames) - 1
        parts = [
            f'<div id="{box}" class="mg-stepper">',
            "<div>",
            '<button type="button" data-step="-1">&#9664; previous</button>',
            f'<input type="range" min="0" max="{last}" value="0" step="1">',
            '<button type="button" data-step="1">next &#9654;</button>',
            f' <span class="mg-count">step 1 / {len(self.frames)}</span>',
            "</div>",
        ]
        for k, (frame, caption) in enumerate(zip(self.frames, self.captions, strict=True)):
            display = "block" if k == 0 else "none"
            parts.append(
                f'<div class="mg-frame" role="img" aria-label="{html.escape(caption)}" '
                f'style="display:{display};overflow-x:auto">{frame}</div>'
            )
        parts.append("</div>")
        parts.append(f"<script>{_STEPPER_SCRIPT % {'id': box}}</script>")
        return "\n".join(parts)

    def page(self) -> str:
        """The stepper as a whole HTML page, to save and open in a browser."""
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            "<title>micrograd: the backward pass, step by step</title></head>"
            '<body style="font-family:sans-serif">\n'
            f"{self._repr_html_()}\n</body></html>\n"
        )

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write `page()` to `path` (e.g. "backward.html"), atomically."""
        write_atomically(path, self.page())


# -- plots ---------------------------------------------------------------------------

Model = Callable[[list[Value]], Any]


def _pyplot(caller: str) -> Any:
    """matplotlib.pyplot, or an ImportError with the install hint."""
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            f"{caller} needs matplotlib; install it with: pip install matplotlib"
        ) from None
    return plt


def _axes(ax: Any, caller: str) -> Any:
    """The given Axes, or a new figure's."""
    if ax is not None:
        return ax
    _figure, new_ax = _pyplot(caller).subplots()
    return new_ax


# Okabe and Ito's colours, told apart with every common colour-vision
# deficiency; the first two, blue and orange, are the safest pair. Each class
# also has its own marker, so the points read even in grey.
_CLASS_COLOURS = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"
)
_CLASS_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def _scores(out: object, caller: str) -> list[float]:
    """The numbers a model returned: one score (a Value, a number, [Value])
    or one per class (a list of them)."""
    items = list(out) if isinstance(out, (list, tuple)) else [out]
    scores = []
    for item in items:
        if isinstance(item, Value):
            scores.append(item.data)
        elif isinstance(item, (int, float)) and not isinstance(item, bool):
            scores.append(float(item))
        else:
            raise TypeError(
                f"{caller}: the model must return a Value or a list of Values, "
                f"got {type(out).__name__}: {out!r}"
            )
    if not scores:
        raise TypeError(f"{caller}: the model returned an empty list")
    return scores


def _class_indices(y: Sequence[float], width: int, caller: str) -> tuple[list[int], list[str]]:
    """Each point's class index, and each class's label as the legend shows it,
    for a model that gives `width` scores.

    One score separates two classes, labelled −1/+1 or 0/1, the lower one
    below the threshold; k scores, k classes labelled 0 … k − 1."""
    values = set(y)
    if width == 1:
        if values <= {-1, 1}:
            return [1 if label == 1 else 0 for label in y], ["-1", "+1"]
        if not values <= {0, 1}:
            raise ValueError(
                f"{caller}: a model with one score separates two classes, labelled "
                f"-1/+1 or 0/1, but y holds {sorted(values)}"
            )
        width = 2
    for label in y:
        if label not in range(width) or isinstance(label, bool):
            raise ValueError(
                f"{caller}: the model gives {width} class scores, so every label must be "
                f"a class index 0 … {width - 1}, got {label!r}"
            )
    return [int(label) for label in y], [str(c) for c in range(width)]


def _tint(colour: str, amount: float = 0.65) -> tuple[float, float, float]:
    """The colour (#rrggbb) mixed with white, for the shading behind the points."""
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return (r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)


def plot_decision_boundary(
    model: Model,
    X: Sequence[Sequence[float]],
    y: Sequence[float],
    ax: Any = None,
    *,
    resolution: int = 60,
    threshold: float = 0.0,
) -> Any:
    """Shade the plane by the class the model predicts there and mark the
    points `X` by their labels `y`, with axis labels and a legend. Returns the
    Axes.

    A model that returns one score separates two classes, labelled −1/+1 or
    0/1: the upper one where the score is above `threshold`. A model that
    returns k scores (a list of k Values) predicts the class of its largest
    score, labels 0 … k − 1 (up to 8 classes). The model is evaluated on a
    `resolution` × `resolution` grid spanning the points plus a margin, under
    `no_grad()`, each point given as [Value, Value]. Colours stay apart for
    colour-blind readers, and each class has its own marker.
    """
    caller = "plot_decision_boundary"
    if len(X) == 0:
        raise ValueError(f"{caller}: X is empty")
    if len(X) != len(y):
        raise ValueError(f"{caller}: {len(X)} points in X but {len(y)} labels in y")
    for point in X:
        if len(point) != 2:
            raise ValueError(f"{caller}: every point must have 2 coordinates, got {point!r}")
    if resolution < 2:
        raise ValueError(f"{caller}: resolution must be at least 2, got {resolution}")
    if ax is None:
        _pyplot(caller)  # without matplotlib, fail before the slow part

    xs = grid_axis([p[0] for p in X], resolution)
    ys = grid_axis([p[1] for p in X], resolution)
    # The scores, one row per y, one column per x (the layout contourf expects).
    with no_grad():
        grid = [[_scores(model([Value(gx), Value(gy)]), caller) for gx in xs] for gy in ys]
    width = len(grid[0][0])
    if any(len(scores) != width for row in grid for scores in row):
        raise ValueError(f"{caller}: the model returned different numbers of scores")
    count = 2 if width == 1 else width
    if count > len(_CLASS_COLOURS):
        raise ValueError(
            f"{caller}: {count} classes are more than the {len(_CLASS_COLOURS)} "
            "this plot can tell apart"
        )
    classes, names = _class_indices(y, width, caller)
    ax = _axes(ax, caller)

    # Each class's margin over the best other class (for one score, its side
    # of the threshold) is ≥ 0 exactly where the model predicts it; contourf
    # interpolates between grid points, so the boundaries come out smooth.
    for c in range(count):
        if width == 1:
            sign = 1.0 if c == 1 else -1.0
            margins = [[sign * (s[0] - threshold) for s in row] for row in grid]
        else:
            margins = [[s[c] - max(s[:c] + s[c + 1 :]) for s in row] for row in grid]
        top = max(max(row) for row in margins)
        if top > 0.0:
            ax.contourf(xs, ys, margins, levels=[0.0, top], colors=[_tint(_CLASS_COLOURS[c])])
    for c in range(count):
        points = [p for p, k in zip(X, classes, strict=True) if k == c]
        if points:
            ax.scatter(
                [p[0] for p in points], [p[1] for p in points], s=24, linewidths=0.6,
                c=_CLASS_COLOURS[c], marker=_CLASS_MARKERS[c], edgecolors="black",
                label=f"y = {names[c]}",
            )
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.legend(title="points: label\nshading: predicted", fontsize="small", title_fontsize="small")
    return ax


def grid_axis(coords: list[float], n: int) -> list[float]:
    """n evenly spaced points spanning `coords` plus a margin on each side."""
    low, high = min(coords), max(coords)
    margin = 0.1 * (high - low) or 1.0
    low, high = low - margin, high + margin
    step = (high - low) / (n - 1)
    return [low + i * step for i in range(n)]


def plot_function(f: Callable[[Value], Value], xs: Sequence[float], ax: Any = None) -> Any:
    """Plot f(x) and its autograd derivative f'(x) over `xs` on one Axes.

    f'(x) is x.grad after f(x).backward(), one fresh leaf per point.
    """
    caller = "plot_function"
    if len(xs) == 0:
        raise ValueError(f"{caller}: xs is empty")
    ax = _axes(ax, caller)
    values: list[float] = []
    slopes: list[float] = []
    for x in xs:
        leaf = Value(x)
        out = f(leaf)
        if not isinstance(out, Value):
            raise TypeError(
                f"{caller}: f must return a Value, got {type(out).__name__}: {out!r}"
            )
        out.backward()
        values.append(out.data)
        slopes.append(leaf.grad)
    name = getattr(f, "__name__", "f")
    if not name.isidentifier():  # a lambda is named "<lambda>"
        name = "f"
    ax.plot(list(xs), values, label=f"{name}(x)")
    ax.plot(list(xs), slopes, linestyle="--", label=f"{name}'(x) (autograd)")
    ax.axhline(0.0, color="grey", linewidth=0.5)
    ax.set_xlabel("x")
    ax.legend()
    return ax

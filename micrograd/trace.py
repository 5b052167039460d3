"""The backward pass, step by step, and the chain rule written out.

`trace_backward(root)` runs `root.backward()` and returns the pass as steps,
one per node in reverse topological order. Each step shows the node's
gradient ∂root/∂node (the "upstream" gradient it passes on) and, for each
child, the local derivative ∂node/∂child (its formula and value) and the
contribution added to the child's gradient:

    child.grad += ∂node/∂child · ∂root/∂node

`explain(root, wrt)` writes ∂root/∂wrt as the sum over every path from root
to wrt of the product of the local derivatives along it, or, when shared
subgraphs make the paths too many, node by node.

Both render as plain text (`str`) and as Markdown with LaTeX in Jupyter. The
derivative formulas and the names of nodes come from `formulas`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from micrograd.engine import Value, topological_order
from micrograd.formulas import (
    _latex_name,
    bracketed,
    format_number,
    local_formula,
    node_names,
    operand,
    partial,
    partial_symbol,
)

__all__ = [
    "MAX_PATHS",
    "BackwardStep",
    "BackwardTrace",
    "EdgeStep",
    "Explanation",
    "explain",
    "trace_backward",
]

# -- the backward trace -------------------------------------------------------


def _derivative(
    node: Value, index: int, local: float, names: Mapping[Value, str], latex: bool
) -> str:
    """'∂tanh(n)/∂n = 1 − tanh²(n) = 0.5': symbol, formula and number (`local`)."""
    value = format_number(local)
    parts = [partial_symbol(node, index, names, latex)]
    formula = local_formula(node, index, names, latex)
    if formula is not None and formula != value:
        parts.append(formula)
    parts.append(value)
    return " = ".join(parts)


@dataclass(frozen=True)
class EdgeStep:
    """One child of a step's node: what flows to it along this edge."""

    child: Value
    child_name: str
    local: float  # ∂node/∂child
    derivative: str  # '∂tanh(n)/∂n = 1 − tanh²(n) = 0.5'
    derivative_latex: str
    contribution: float  # local · upstream, added to child.grad


@dataclass(frozen=True)
class BackwardStep:
    """One node of the backward pass, visited once its gradient is complete."""

    node: Value
    name: str
    op: str
    upstream: float  # ∂root/∂node, the gradient this node passes on
    edges: tuple[EdgeStep, ...]  # empty for a leaf


class BackwardTrace:
    """The steps of one backward pass, in the order backward visits nodes."""

    def __init__(
        self,
        root: Value,
        steps: Sequence[BackwardStep],
        names: Mapping[Value, str],
        before: Mapping[Value, float],
    ) -> None:
        self.root = root
        self.steps: tuple[BackwardStep, ...] = tuple(steps)
        self.names: dict[Value, str] = dict(names)
        # Leaf gradients from before the pass: backward adds to them.
        self._before = dict(before)

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self) -> Iterator[BackwardStep]:
        return iter(self.steps)

    def __getitem__(self, index: int) -> BackwardStep:
        return self.steps[index]

    def known_grads(self) -> Iterator[dict[Value, float]]:
        """For each step in turn, every gradient known once it is done: the
        root's seed and all contributions so far; nodes not reached yet are
        missing."""
        known: dict[Value, float] = {}
        for step in self.steps:
            if step.node is self.root:
                known[step.node] = self._before.get(step.node, 0.0) + step.upstream
            for edge in step.edges:
                start = known.get(edge.child, self._before.get(edge.child, 0.0))
                known[edge.child] = start + edge.contribution
            yield dict(known)

    # -- text -----------------------------------------------------------------

    def _title(self, latex: bool) -> str:
        root = self.names[self.root]
        seed = format_number(self.steps[0].upstream) if self.steps else "1"
        if latex:
            return (
                f"Backward from ${_latex_name(root)} = {format_number(self.root.data)}$, "
                f"seeded with ${partial(root, root, latex)} = {seed}$; each child's gradient "
                "gains (local derivative) × (the node's gradient)."
            )
        return (
            f"backward from {operand(root)} = {format_number(self.root.data)}, seeded with "
            f"{partial(root, root)} = {seed}; each child's grad += local derivative × node grad"
        )

    def _rows(self, latex: bool) -> list[list[str]]:
        rows = []
        for number, step in enumerate(self.steps, start=1):
            head = [str(number), step.name, step.op or "leaf", format_number(step.upstream)]
            if latex:
                head[1] = f"${_latex_name(step.name)}$"
            if not step.edges:
                rows.append([*head, "", "(a leaf: its gradient is complete)", ""])
            for i, edge in enumerate(step.edges):
                derivative = f"${edge.derivative_latex}$" if latex else edge.derivative
                child = f"${_latex_name(edge.child_name)}$" if latex else edge.child_name
                cells = head if i == 0 else [""] * len(head)
                rows.append([*cells, child, derivative, format_number(edge.contribution)])
        return rows

    def _header(self, latex: bool) -> list[str]:
        root = self.names[self.root]
        if latex:
            return [
                "step", "node", "op", f"${partial(root, 'node', latex)}$", "child",
                "local derivative", "added to child.grad",
            ]
        return [
            "step", "node", "op", partial(root, "node"), "child",
            "local derivative ∂node/∂child", "added to child.grad",
        ]

    def __str__(self) -> str:
        rows = [self._header(latex=False), *self._rows(latex=False)]
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        lines = [self._title(latex=False), ""]
        for k, row in enumerate(rows):
            cells = [cell.ljust(w) for cell, w in zip(row, widths, strict=True)]
            lines.append("  ".join(cells).rstrip())
            if k == 0:
                lines.append("  ".join("-" * w for w in widths))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<BackwardTrace of {self.names[self.root]}: {len(self.steps)} steps>"

    def _repr_markdown_(self) -> str:
        header = self._header(latex=True)
        lines = [self._title(latex=True), "", _markdown_row(header)]
        lines.append(_markdown_row(["---"] * len(header)))
        lines += [_markdown_row(row) for row in self._rows(latex=True)]
        return "\n".join(lines)

    # -- pictures ---------------------------------------------------------------

    def captions(self) -> list[str]:
        """Each step in plain text: the node, its gradient, and one line per
        child with the local derivative and what it adds to the child's grad."""
        root = self.names[self.root]
        captions = []
        for number, step in enumerate(self.steps, start=1):
            kind = f"op {step.op}" if step.op else "a leaf"
            upstream = format_number(step.upstream)
            lines = [
                f"step {number}/{len(self.steps)}: {step.name} ({kind})",
                f"{partial(root, step.name)} = {upstream}",
            ]
            for edge in step.edges:
                lines.append(
                    f"{edge.derivative}; {operand(edge.child_name)}.grad += "
                    f"{operand(format_number(edge.local))} × {operand(upstream)} "
                    f"= {format_number(edge.contribution)}"
                )
            if not step.edges:
                lines.append(f"{operand(step.name)} is a leaf: its gradient is complete")
            captions.append("\n".join(lines))
        return captions

    def frames(self, rankdir: str = "LR", show_local_grads: bool = True) -> list[Any]:
        """One `graphviz.Digraph` per step: its caption above the graph, the
        step's node highlighted, the gradients known after it filled in, the
        others shown as unknown."""
        # Imported here: tracing is core, drawing an extra that needs Graphviz.
        from micrograd.viz import draw_frame

        steps = zip(self.steps, self.known_grads(), self.captions(), strict=True)
        return [
            draw_frame(
                self.root,
                caption,
                rankdir=rankdir,
                show_local_grads=show_local_grads,
                highlight=step.node,
                grads=known,
            )
            for step, known, caption in steps
        ]

    def stepper(self, rankdir: str = "LR", show_local_grads: bool = True) -> Any:
        """A `viz.Stepper` that Jupyter shows as the frames with previous/next
        buttons and a slider, each with its step's equations. Needs Graphviz."""
        from micrograd.viz import Stepper, inline_svg

        frames = self.frames(rankdir=rankdir, show_local_grads=show_local_grads)
        return Stepper([inline_svg(frame) for frame in frames], self.captions())


def _markdown_row(cells: Sequence[str]) -> str:
    # A bare | would end the table cell.
    return "| " + " | ".join(cell.replace("|", r"\|") for cell in cells) + " |"


def trace_backward(root: Value, grad: float = 1.0) -> BackwardTrace:
    """Run `root.backward(grad)` and return its steps in the order it took them.

    As with `backward`, leaf gradients accumulate: zero them first (e.g.
    `model.zero_grad()`) for a trace whose contributions add up to each leaf's
    gradient.
    """
    order = topological_order(root)
    # Leaves as backward tells them (a childless sum_values([]) node is not one).
    before = {node: node.grad for node in order if node._a is None}
    root.backward(grad)
    names = node_names(order)
    steps = []
    for node in reversed(order):
        # After backward a node's grad is complete; a leaf's adds to what it held.
        upstream = node.grad - before.get(node, 0.0)
        edges = tuple(
            EdgeStep(
                child=child,
                child_name=names[child],
                local=local,
                derivative=_derivative(node, i, local, names, latex=False),
                derivative_latex=_derivative(node, i, local, names, latex=True),
                contribution=local * upstream,
            )
            # Read once per node: a closure node's are found by running it.
            for i, (child, local) in enumerate(zip(node._prev, node.local_grads, strict=True))
        )
        steps.append(BackwardStep(node, names[node], node._op, upstream, edges))
    return BackwardTrace(root, steps, names, before)


# -- the chain rule for one leaf ------------------------------------------------

# More paths than this are not written out one by one.
MAX_PATHS = 64

# An edge of the graph: the parent node and the position of the child in its _prev.
Edge = tuple[Value, int]


class Explanation:
    """∂root/∂wrt written out by the chain rule, as text and as LaTeX.

    `total` is the sum over paths of the product of local derivatives (or,
    past `MAX_PATHS` paths, the node-by-node sum); `backward_grad` is what
    `backward()` gives for wrt, for comparison; `on_the_way` holds every node
    that a path goes through, wrt and root included.
    """

    def __init__(
        self,
        root: Value,
        wrt: Value,
        trace: BackwardTrace,
        path_count: int,
        paths: list[list[Edge]] | None,
        on_the_way: set[Value],
        max_paths: int = MAX_PATHS,
    ) -> None:
        self.root = root
        self.max_paths = max_paths
        self.wrt = wrt
        self.names = dict(trace.names)
        # wrt may lie outside the graph (then nothing depends on it).
        self.names.setdefault(wrt, wrt.label or "wrt")
        self.path_count = path_count
        self.paths = paths
        self._trace = trace
        self.on_the_way = on_the_way
        # Each edge's local derivative, as the trace read it (once per node).
        self._locals: dict[Edge, float] = {
            (step.node, i): edge.local for step in trace.steps for i, edge in enumerate(step.edges)
        }
        received = {step.node: step.upstream for step in trace.steps}
        self.backward_grad = received.get(wrt, 0.0)
        if paths is None:
            self.total = self.backward_grad
        else:
            self.total = sum((self._product(path) for path in paths), 0.0)

    # -- the pieces, shared by the text and the LaTeX -----------------------------

    def _symbol(self, top: Value, bottom: Value, latex: bool) -> str:
        """∂top/∂bottom with the nodes' names."""
        return partial(self.names[top], self.names[bottom], latex)

    def _step_name(self, edge: Edge) -> str:
        """The child an edge leads to, with its place when the parent uses it twice."""
        parent, index = edge
        child = parent._prev[index]
        name = operand(self.names[child])
        if parent._prev.count(child) == 1:
            return name
        return f"{name} (operand {index + 1} of {operand(self.names[parent])})"

    def _path_lines(self, path: list[Edge], latex: bool) -> list[str]:
        """The product along one path: symbols, then formulas, then numbers."""
        if not path:  # from the root to itself
            return [self._symbol(self.root, self.root, latex), "1"]
        times = r" \cdot " if latex else " · "
        symbols, formulas, numbers = [], [], []
        for parent, index in path:
            child = parent._prev[index]
            symbols.append(self._symbol(parent, child, latex))
            number = format_number(self._locals[parent, index])
            # The text decides the brackets, for the LaTeX too: one rule. An op
            # with no formula (built by hand) shows its number, as an operand.
            formula = local_formula(parent, index, self.names) or number
            if latex:
                shown = local_formula(parent, index, self.names, latex=True) or number
            else:
                shown = formula
            numbers.append(operand(number, latex))
            formulas.append(bracketed(formula, shown, latex))
        lines = [times.join(symbols)]
        if formulas != numbers:
            lines.append(times.join(formulas))
        if len(path) > 1:
            lines.append(times.join(numbers))
        lines.append(format_number(self._product(path)))
        return lines

    def _adjoint_lines(self, latex: bool) -> list[str]:
        """Node by node: ∂root/∂node = Σ over parents ∂root/∂parent · ∂parent/∂node."""
        times = r" \cdot " if latex else " · "
        # Each node's incoming terms, in the order backward adds them.
        terms: dict[Value, list[tuple[str, str]]] = {}
        for step in self._trace.steps:
            for edge in step.edges:
                if edge.child in self.on_the_way:
                    symbol = self._symbol(self.root, step.node, latex) + times
                    symbol += self._symbol(step.node, edge.child, latex)
                    number = operand(format_number(step.upstream), latex) + times
                    number += operand(format_number(edge.local), latex)
                    terms.setdefault(edge.child, []).append((symbol, number))
        lines = []
        for step in self._trace.steps:
            if step.node not in self.on_the_way:
                continue
            left = f"{self._symbol(self.root, step.node, latex)} = "
            if step.node is not self.root:
                incoming = terms[step.node]
                left += f"{' + '.join(s for s, _ in incoming)} = "
                left += f"{' + '.join(n for _, n in incoming)} = "
            lines.append(left + format_number(step.upstream))
        return lines

    # -- text ---------------------------------------------------------------------

    def __str__(self) -> str:
        root, wrt = operand(self.names[self.root]), operand(self.names[self.wrt])
        whole = self._symbol(self.root, self.wrt, latex=False)
        if self.path_count == 0:
            return f"{whole} = 0: no path leads from {root} to {wrt}"
        if self.paths is None:
            lines = [
                f"{whole}: {self.path_count} paths lead from {root} to {wrt}, too many to "
                f"write out (more than {self.max_paths}).",
                "So the chain rule goes node by node instead, from "
                f"{root} down to {wrt}: each node's gradient is the sum, over the edges "
                "from its parents, of the parent's gradient times the local derivative.",
                "",
                *self._adjoint_lines(latex=False),
            ]
        else:
            count = "1 path" if self.path_count == 1 else f"{self.path_count} paths"
            lines = [
                f"{whole} = the sum over the {count} from {root} to {wrt} of the product "
                "of the local derivatives along it",
            ]
            for number, path in enumerate(self.paths, start=1):
                route = " → ".join([root, *(self._step_name(edge) for edge in path)])
                body = self._path_lines(path, latex=False)
                lines += ["", f"path {number}: {route}", f"    {body[0]}"]
                lines += [f"  = {line}" for line in body[1:]]
            lines.append("")
            if len(self.paths) > 1:
                parts = " + ".join(operand(format_number(self._product(p))) for p in self.paths)
                lines.append(f"{whole} = {parts} = {format_number(self.total)}")
            else:
                lines.append(f"{whole} = {format_number(self.total)}")
        lines.append(f"backward gives {wrt}.grad = {format_number(self.backward_grad)}"
                     f"{self._verdict()}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"<Explanation of {self._symbol(self.root, self.wrt, latex=False)} = "
            f"{format_number(self.total)}: {self.path_count} "
            f"{'path' if self.path_count == 1 else 'paths'}>"
        )

    def _verdict(self) -> str:
        """How backward's gradient compares with the chain rule written out."""
        if self._agrees():
            return " (the same)"
        return (
            f" (NOT the same as {self.total:.12g}: a node's stored local "
            "derivative differs from what backward passed through it)"
        )

    def _product(self, path: list[Edge]) -> float:
        """The product of the local derivatives along a path (1 for the empty path)."""
        product = 1.0
        for edge in path:
            product *= self._locals[edge]
        return product

    def _agrees(self) -> bool:
        return math.isclose(self.total, self.backward_grad, rel_tol=1e-9, abs_tol=1e-12)

    # -- LaTeX ----------------------------------------------------------------------

    def latex(self) -> str:
        """The equations as one LaTeX `aligned` block."""
        whole = self._symbol(self.root, self.wrt, latex=True)
        rows: list[str] = []
        if self.path_count == 0:
            rows.append(f"{whole} &= 0")
        elif self.paths is None:
            for line in self._adjoint_lines(latex=True):
                left, _, right = line.partition(" = ")
                rows.append(f"{left} &= {right}")
        else:
            for number, path in enumerate(self.paths, start=1):
                body = self._path_lines(path, latex=True)
                rows.append(rf"\text{{path {number}: }} & {body[0]}")
                rows += [f"&= {line}" for line in body[1:]]
            total = format_number(self.total)
            if len(self.paths) > 1:
                parts = " + ".join(
                    operand(format_number(self._product(p)), latex=True) for p in self.paths
                )
                total = f"{parts} = {total}"
            rows.append(f"{whole} &= {total}")
        return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"

    def _repr_latex_(self) -> str:
        return f"$$\n{self.latex()}\n$$"

    def _repr_markdown_(self) -> str:
        root, wrt = self.names[self.root], self.names[self.wrt]
        r, w = operand(root, latex=True), operand(wrt, latex=True)
        if self.path_count == 0:
            intro = f"${r}$ does not depend on ${w}$."
        elif self.paths is None:
            intro = (
                f"{self.path_count} paths lead from ${r}$ to ${w}$, too many to write out "
                f"(more than {self.max_paths}); the chain rule node by node instead:"
            )
        else:
            intro = (
                f"The chain rule: the sum over every path from ${r}$ to ${w}$ of the "
                "product of the local derivatives along it."
            )
        outro = (f"`backward()` gives ${w}$.grad $= {format_number(self.backward_grad)}$"
                 f"{self._verdict()}.")
        return f"{intro}\n\n$$\n{self.latex()}\n$$\n\n{outro}"


def explain(root: Value, wrt: Value, max_paths: int = MAX_PATHS) -> Explanation:
    """∂root/∂wrt by the chain rule: the sum over every path from root to wrt
    of the product of the local derivatives along it.

    Paths are counted first (by dynamic programming, so counting is fast even
    when shared subgraphs make them exponentially many); past `max_paths` the
    explanation goes node by node instead. The gradients of the graph are left
    as they were.
    """
    order = topological_order(root)
    with _scratch_grads(order):
        trace = trace_backward(root)
    # paths_to[n]: the number of paths from n down to wrt (edges with multiplicity).
    paths_to: dict[Value, int] = {}
    for node in order:
        paths_to[node] = 1 if node is wrt else sum(paths_to[c] for c in node._prev)
    count = paths_to[root]
    on_the_way = {node for node in order if paths_to[node] > 0}
    paths = _paths(root, wrt, paths_to) if count <= max_paths else None
    return Explanation(root, wrt, trace, count, paths, on_the_way, max_paths)


def _paths(root: Value, wrt: Value, paths_to: Mapping[Value, int]) -> list[list[Edge]]:
    """Every path from root to wrt as a list of edges, in `_prev` order.

    Only edges towards wrt are followed, so the work is bounded by the number
    of paths times their length.
    """
    paths: list[list[Edge]] = []
    stack: list[tuple[Value, list[Edge]]] = [(root, [])]
    while stack:
        node, path = stack.pop()
        if node is wrt:
            paths.append(path)
            continue
        # Pushed in reverse so the first child's paths come out first.
        for index in reversed(range(len(node._prev))):
            if paths_to[node._prev[index]] > 0:
                stack.append((node._prev[index], [*path, (node, index)]))
    return paths


@contextmanager
def _scratch_grads(order: Sequence[Value]) -> Iterator[None]:
    """Zero every gradient of a graph for a while, then put them all back."""
    saved = [node.grad for node in order]
    for node in order:
        node.grad = 0.0
    try:
        yield
    finally:
        for node, grad in zip(order, saved, strict=True):
            node.grad = grad

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

Both render as plain text (`str`) and as Markdown with LaTeX in Jupyter. This
module also holds the one table of derivative formulas that the trace,
`explain` and the graph drawings share, and the names given to nodes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from string import Template
from typing import Any

from micrograd.engine import Value, topological_order

# -- numbers and names ------------------------------------------------------


def format_number(x: float) -> str:
    """x with up to 6 significant digits: 0.707107, -1.5, 1e-07."""
    text = f"{x:.6g}"
    return "0" if text == "-0" else text


def node_names(order: Sequence[Value]) -> dict[Value, str]:
    """A display name for every node of a graph given in topological order.

    A node's label if it has one; else, for a leaf (a constant such as the -1
    of a negation), its number; else `v<i>`, i its place in `order`. The names
    depend only on the graph, so every picture and text of it agrees.
    """
    names: dict[Value, str] = {}
    for i, node in enumerate(order):
        if node.label:
            names[node] = node.label
        elif not node._prev:
            names[node] = format_number(node.data)
        else:
            names[node] = f"v{i}"
    return names


_SIMPLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9][0-9.e+]*")
_NUMBER = re.compile(r"-?[0-9][0-9.]*(e[-+]?[0-9]+)?|-?inf|nan")
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)?")
_LETTERS_DIGITS = re.compile(r"([A-Za-z]+)([0-9]+)")


def _atom(name: str) -> str:
    """The name, in parentheses unless it is one word or a non-negative number."""
    return name if _SIMPLE_NAME.fullmatch(name) else f"({name})"


_LATEX_SPECIAL = {c: "\\" + c for c in "#$%&_{}"}
_LATEX_SPECIAL.update({"\\": r"\backslash{}", "^": r"\hat{}", "~": r"\sim{}"})


def _latex_name(name: str) -> str:
    """The name as LaTeX: a number as is, x1 as x_{1}, w_out as w_{out}, else upright text."""
    if _NUMBER.fullmatch(name):
        return name
    if _IDENTIFIER.fullmatch(name):
        stem, _, subscript = name.partition("_")
        # x1 reads as x with subscript 1, as in the notes.
        split = _LETTERS_DIGITS.fullmatch(stem)
        if split and not subscript:
            stem, subscript = split.groups()
        base = stem if len(stem) == 1 else rf"\mathit{{{stem}}}"
        return f"{base}_{{{subscript}}}" if subscript else base
    escaped = "".join(_LATEX_SPECIAL.get(c, c) for c in name)
    return rf"\text{{{escaped}}}"


def _latex_atom(name: str) -> str:
    latex = _latex_name(name)
    return latex if _SIMPLE_NAME.fullmatch(name) else rf"\left({latex}\right)"


# -- the table of derivative formulas ---------------------------------------


@dataclass(frozen=True)
class Formula:
    """One formula as plain text and as LaTeX, with placeholders for the
    children's names: $c0 for child 0 as an operand (in parentheses if it is
    compound, as in (x1*w1)·b), $r0 for child 0 as is (as in tanh(x1*w1))."""

    text: str
    latex: str


@dataclass(frozen=True)
class OpRule:
    """What an op computes and its local derivative for each child position."""

    forward: Formula
    partials: tuple[Formula, ...]
    infix: bool  # the forward formula needs parentheses after ∂, as in ∂(a + b)


_ONE = Formula("1", "1")

# Ops with a fixed number of children. '**n' (a number exponent), 'sum' and
# 'dot' depend on the exponent or on the number of children: see `op_rule`.
_RULES: dict[str, OpRule] = {
    "+": OpRule(Formula("$c0 + $c1", "$c0 + $c1"), (_ONE, _ONE), infix=True),
    "*": OpRule(
        Formula("$c0·$c1", r"$c0 \cdot $c1"),
        (Formula("$r1", "$r1"), Formula("$r0", "$r0")),
        infix=True,
    ),
    "**": OpRule(
        Formula("$c0^$c1", "$c0^{$r1}"),
        (
            Formula("$c1·$c0^($r1 − 1)", r"$c1 \cdot $c0^{$r1 - 1}"),
            Formula("$c0^$c1·ln($r0)", r"$c0^{$r1} \ln($r0)"),
        ),
        infix=True,
    ),
    "exp": OpRule(Formula("exp($r0)", "e^{$r0}"), (Formula("exp($r0)", "e^{$r0}"),), infix=False),
    "log": OpRule(
        Formula("ln($r0)", r"\ln($r0)"), (Formula("1/$c0", r"\frac{1}{$r0}"),), infix=False
    ),
    "tanh": OpRule(
        Formula("tanh($r0)", r"\tanh($r0)"),
        (Formula("1 − tanh²($r0)", r"1 - \tanh^2($r0)"),),
        infix=False,
    ),
    "sigmoid": OpRule(
        Formula("σ($r0)", r"\sigma($r0)"),
        (Formula("σ($r0)·(1 − σ($r0))", r"\sigma($r0)\,(1 - \sigma($r0))"),),
        infix=False,
    ),
    "ReLU": OpRule(
        Formula("ReLU($r0)", r"\mathrm{ReLU}($r0)"),
        (Formula("1 if $c0 > 0 else 0", r"(1 \text{ if } $r0 > 0 \text{ else } 0)"),),
        infix=False,
    ),
    "leaky_relu": OpRule(
        Formula("leaky_relu($r0)", r"\mathrm{leaky\_relu}($r0)"),
        (
            Formula(
                "1 if $c0 > 0 else negative_slope",
                r"(1 \text{ if } $r0 > 0 \text{ else negative\_slope})",
            ),
        ),
        infix=False,
    ),
}

# An n-ary formula longer than this many terms is shortened with an ellipsis.
_MAX_TERMS = 6


def op_rule(op: str, arity: int) -> OpRule | None:
    """The formulas for a node of op `op` with `arity` children, or None for
    an op this table does not know (e.g. a node built by hand)."""
    if op.startswith("**") and op != "**" and arity == 1:
        return _power_rule(op[2:]) if _NUMBER.fullmatch(op[2:]) else None
    if op == "sum" and arity >= 1:
        terms = [(f"$c{i}", f"$c{i}") for i in range(arity)]
        return OpRule(_terms(terms), (_ONE,) * arity, infix=True)
    if op == "dot" and arity >= 2:
        return _dot_rule(arity)
    rule = _RULES.get(op)
    if rule is None or len(rule.partials) != arity:
        return None
    return rule


def _power_rule(exponent: str) -> OpRule:
    """x^n for a number n: ∂/∂x = n·x^(n − 1)."""
    n = float(exponent)
    forward = Formula(f"$c0^{_text_exponent(exponent)}", f"$c0^{{{exponent}}}")
    if n == 0:
        partial = Formula("0", "0")
    elif n == 1:
        partial = _ONE
    elif n == 2:
        partial = Formula(f"{exponent}·$c0", rf"{exponent} $c0")
    else:
        m = format_number(n - 1)
        partial = Formula(f"{exponent}·$c0^{_text_exponent(m)}", rf"{exponent} \cdot $c0^{{{m}}}")
    return OpRule(forward, (partial,), infix=True)


def _text_exponent(exponent: str) -> str:
    return exponent if exponent.isdigit() else f"({exponent})"


def _dot_rule(arity: int) -> OpRule:
    """bias + w1·x1 + w2·x2 + …; ∂/∂bias = 1, ∂/∂wi = xi, ∂/∂xi = wi.

    The children are (bias, w1, x1, w2, x2, …), the bias only if given, so an
    odd number of children means a bias comes first.
    """
    has_bias = arity % 2 == 1
    first = 1 if has_bias else 0
    terms = [("$c0", "$c0")] if has_bias else []
    partials = [_ONE] if has_bias else []
    for w in range(first, arity, 2):
        x = w + 1
        terms.append((f"$c{w}·$c{x}", rf"$c{w} \cdot $c{x}"))
        partials += (Formula(f"$r{x}", f"$r{x}"), Formula(f"$r{w}", f"$r{w}"))
    return OpRule(_terms(terms), tuple(partials), infix=True)


def _terms(terms: list[tuple[str, str]]) -> Formula:
    """term1 + term2 + …, with an ellipsis in the middle past `_MAX_TERMS`."""
    if len(terms) > _MAX_TERMS:
        terms = [*terms[: _MAX_TERMS - 2], ("…", r"\dots"), terms[-1]]
    return Formula(" + ".join(t for t, _ in terms), " + ".join(t for _, t in terms))


def _fill(
    template: str, node: Value, names: Mapping[Value, str], latex: bool
) -> str:
    """A formula template with the node's children's names put in."""
    fields: dict[str, str] = {}
    for i, child in enumerate(node._prev):
        name = names[child]
        fields[f"c{i}"] = _latex_atom(name) if latex else _atom(name)
        fields[f"r{i}"] = _latex_name(name) if latex else name
    return Template(template).safe_substitute(fields)


def forward_formula(node: Value, names: Mapping[Value, str], latex: bool = False) -> str:
    """What the node computes from its children, e.g. 'x1·w1' or 'tanh(n)'."""
    rule = op_rule(node._op, len(node._prev))
    if rule is None:
        args = ", ".join(names[c] for c in node._prev)
        return f"{node._op or 'f'}({args})"
    formula = rule.forward.latex if latex else rule.forward.text
    return _fill(formula, node, names, latex)


def local_formula(
    node: Value, index: int, names: Mapping[Value, str], latex: bool = False
) -> str | None:
    """The formula of ∂node/∂child for the child at `index` in `_prev`, e.g.
    'w1' for x1 in x1·w1; None when the op is not in the table."""
    rule = op_rule(node._op, len(node._prev))
    if rule is None:
        return None
    formula = rule.partials[index].latex if latex else rule.partials[index].text
    return _fill(formula, node, names, latex)


def partial_symbol(
    node: Value, index: int, names: Mapping[Value, str], latex: bool = False
) -> str:
    """∂node/∂child written with the node's formula: '∂tanh(n)/∂n'."""
    rule = op_rule(node._op, len(node._prev))
    forward = forward_formula(node, names, latex)
    if rule is not None and rule.infix:
        forward = rf"\left({forward}\right)" if latex else f"({forward})"
    child = node._prev[index]
    if latex:
        return rf"\frac{{\partial {forward}}}{{\partial {_latex_name(names[child])}}}"
    return f"∂{forward}/∂{_atom(names[child])}"


def _derivative(node: Value, index: int, names: Mapping[Value, str], latex: bool) -> str:
    """'∂tanh(n)/∂n = 1 − tanh²(n) = 0.5': symbol, formula and number."""
    value = format_number(node.local_grads[index])
    parts = [partial_symbol(node, index, names, latex)]
    formula = local_formula(node, index, names, latex)
    if formula is not None and formula != value:
        parts.append(formula)
    parts.append(value)
    return " = ".join(parts)


# -- the backward trace -------------------------------------------------------


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
            r = _latex_name(root)
            return (
                f"Backward from ${r} = {format_number(self.root.data)}$, seeded with "
                rf"$\partial {r}/\partial {r} = {seed}$; each child's gradient "
                "gains (local derivative) × (the node's gradient)."
            )
        return (
            f"backward from {root} = {format_number(self.root.data)}, seeded with "
            f"∂{root}/∂{root} = {seed}; each child's grad += local derivative × node grad"
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
            r = _latex_name(root)
            return [
                "step", "node", "op", rf"$\partial {r}/\partial \text{{node}}$", "child",
                "local derivative", "added to child.grad",
            ]
        return [
            "step", "node", "op", f"∂{root}/∂node", "child",
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
        """One plain-text line per step: the node, its gradient and what it adds."""
        root = self.names[self.root]
        captions = []
        for number, step in enumerate(self.steps, start=1):
            lines = [
                f"step {number}/{len(self.steps)}: {step.name} ({step.op or 'leaf'}), "
                f"∂{root}/∂{step.name} = {format_number(step.upstream)}"
            ]
            for edge in step.edges:
                lines.append(
                    f"{edge.derivative}; {edge.child_name}.grad += "
                    f"{format_number(edge.local)} × {format_number(step.upstream)} "
                    f"= {format_number(edge.contribution)}"
                )
            if not step.edges:
                lines.append(f"{step.name} is a leaf: its gradient is complete")
            captions.append("\n".join(lines))
        return captions

    def frames(self, rankdir: str = "LR", show_local_grads: bool = True) -> list[Any]:
        """One `graphviz.Digraph` per step: the step's node highlighted, the
        gradients known after it filled in, the others shown as unknown."""
        # Imported here: viz imports this module for names and formulas.
        from micrograd.viz import draw_dot

        return [
            draw_dot(
                self.root,
                rankdir=rankdir,
                show_local_grads=show_local_grads,
                highlight=step.node,
                grads=known,
            )
            for step, known in zip(self.steps, self.known_grads(), strict=True)
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
                derivative=_derivative(node, i, names, latex=False),
                derivative_latex=_derivative(node, i, names, latex=True),
                contribution=local * upstream,
            )
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
    `backward()` gives for wrt, for comparison.
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
        self._on_the_way = on_the_way
        received = {step.node: step.upstream for step in trace.steps}
        self.backward_grad = received.get(wrt, 0.0)
        if paths is None:
            self.total = self.backward_grad
        else:
            self.total = sum((_product(path) for path in paths), 0.0)

    # -- the pieces, shared by the text and the LaTeX -----------------------------

    def _symbol(self, top: Value, bottom: Value, latex: bool) -> str:
        """∂top/∂bottom with the nodes' names."""
        t, b = self.names[top], self.names[bottom]
        if latex:
            return rf"\frac{{\partial {_latex_name(t)}}}{{\partial {_latex_name(b)}}}"
        return f"∂{_atom(t)}/∂{_atom(b)}"

    def _step_name(self, edge: Edge) -> str:
        """The child an edge leads to, with its place when the parent uses it twice."""
        parent, index = edge
        child = parent._prev[index]
        if parent._prev.count(child) == 1:
            return self.names[child]
        return f"{self.names[child]} (operand {index + 1} of {self.names[parent]})"

    def _path_lines(self, path: list[Edge], latex: bool) -> list[str]:
        """The product along one path: symbols, then formulas, then numbers."""
        if not path:  # from the root to itself
            return [self._symbol(self.root, self.root, latex), "1"]
        times = r" \cdot " if latex else " · "
        symbols, formulas, numbers = [], [], []
        for parent, index in path:
            child = parent._prev[index]
            symbols.append(self._symbol(parent, child, latex))
            formula = local_formula(parent, index, self.names, latex)
            number = format_number(parent.local_grads[index])
            if formula is None:
                formula = number
            numbers.append(_latex_atom(number) if latex else _atom(number))
            formulas.append(_latex_atom_formula(formula) if latex else _atom_formula(formula))
        lines = [times.join(symbols)]
        if formulas != numbers:
            lines.append(times.join(formulas))
        if len(path) > 1:
            lines.append(times.join(numbers))
        lines.append(format_number(_product(path)))
        return lines

    def _adjoint_lines(self, latex: bool) -> list[str]:
        """Node by node: ∂root/∂node = Σ over parents ∂root/∂parent · ∂parent/∂node."""
        times = r" \cdot " if latex else " · "
        # Each node's incoming terms, in the order backward adds them.
        terms: dict[Value, list[tuple[str, str]]] = {}
        for step in self._trace.steps:
            for edge in step.edges:
                if edge.child in self._on_the_way:
                    symbol = self._symbol(self.root, step.node, latex) + times
                    symbol += self._symbol(step.node, edge.child, latex)
                    number = format_number(step.upstream) + times + _atom(format_number(edge.local))
                    terms.setdefault(edge.child, []).append((symbol, number))
        lines = []
        for step in self._trace.steps:
            if step.node not in self._on_the_way:
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
        root, wrt = self.names[self.root], self.names[self.wrt]
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
                parts = " + ".join(_atom(format_number(_product(p))) for p in self.paths)
                lines.append(f"{whole} = {parts} = {format_number(self.total)}")
            else:
                lines.append(f"{whole} = {format_number(self.total)}")
        lines.append(
            f"backward gives {wrt}.grad = {format_number(self.backward_grad)}"
            f"{' (the same)' if self._agrees() else ''}"
        )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"<Explanation of {self._symbol(self.root, self.wrt, latex=False)} = "
            f"{format_number(self.total)}: {self.path_count} "
            f"{'path' if self.path_count == 1 else 'paths'}>"
        )

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
                parts = " + ".join(_latex_atom(format_number(_product(p))) for p in self.paths)
                total = f"{parts} = {total}"
            rows.append(f"{whole} &= {total}")
        return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"

    def _repr_latex_(self) -> str:
        return f"$$\n{self.latex()}\n$$"

    def _repr_markdown_(self) -> str:
        root, wrt = self.names[self.root], self.names[self.wrt]
        r, w = _latex_name(root), _latex_name(wrt)
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
        agree = " (the same)" if self._agrees() else ""
        outro = f"`backward()` gives ${w}$.grad $= {format_number(self.backward_grad)}${agree}."
        return f"{intro}\n\n$$\n{self.latex()}\n$$\n\n{outro}"


def _product(path: list[Edge]) -> float:
    """The product of the local derivatives along a path (1 for the empty path)."""
    product = 1.0
    for parent, index in path:
        product *= parent.local_grads[index]
    return product


def _atom_formula(formula: str) -> str:
    """A factor in a product, in parentheses if it has a sum or difference."""
    return f"({formula})" if " " in formula else formula


def _latex_atom_formula(formula: str) -> str:
    return rf"\left({formula}\right)" if " " in formula.strip() else formula


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

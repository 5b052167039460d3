"""The derivative formulas and the names of nodes, shared by every picture and text.

One table gives, for each op, what a node computes from its children and the
local derivative ∂node/∂child for each child position, as plain text and as
LaTeX: `op_rule(op, arity)`. `forward_formula`, `local_formula` and
`partial_symbol` fill a node's children's names into those formulas;
`node_names` names every node of a graph and `format_number` writes the
numbers. The backward trace, `explain` (in `trace`) and the graph drawings
(in `viz`) all read from here, so they agree. Standard library only.

One bracketing rule holds wherever a name or formula stands inside another
formula (an operand, after ∂, before .grad): it is bracketed unless it reads
as one unit, that is one word, a number ≥ 0, a call such as tanh(a + b), or
something already in brackets (`is_atom`). So `∂o/∂(x1 * w1 + b)`, never
`∂o/∂x1 * w1 + b`. `operand` and `partial` apply it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from micrograd.engine import Value

__all__ = [
    "Formula",
    "OpRule",
    "bracketed",
    "format_number",
    "forward_formula",
    "is_atom",
    "local_formula",
    "node_names",
    "op_rule",
    "operand",
    "partial",
    "partial_symbol",
]

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


_NUMBER = re.compile(r"-?[0-9][0-9.]*(e[-+]?[0-9]+)?|-?inf|nan")
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)?")
_LETTERS_DIGITS = re.compile(r"([A-Za-z]+)([0-9]+)")

# -- the bracketing rule --------------------------------------------------------

# One word (any letters: σ, x1, w_out) or a number ≥ 0 (1e-07 included).
_WORD_OR_NUMBER = re.compile(r"[^\W\d]\w*|[0-9][0-9.]*(e[-+]?[0-9]+)?")
# The start of a call, f( or tanh²(, or of a bracket, (.
_OPENING = re.compile(r"([^\W\d]\w*)?\(")


def is_atom(text: str) -> bool:
    """Whether a name or formula reads as one unit inside a larger one: one
    word, a number ≥ 0, a call f(…) or a bracket (…) that spans all of it."""
    if _WORD_OR_NUMBER.fullmatch(text):
        return True
    opening = _OPENING.match(text)
    if opening is None or not text.endswith(")"):
        return False
    # The bracket opened first must be the one that closes last: not tanh(a) + tanh(b).
    depth = 0
    for i in range(opening.end() - 1, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return i == len(text) - 1
    return False


def bracketed(text: str, shown: str | None = None, latex: bool = False) -> str:
    """`shown` (`text` itself unless given, e.g. as `text`'s LaTeX), in
    brackets unless `text` is an atom: the one rule for every formula."""
    shown = text if shown is None else shown
    if is_atom(text):
        return shown
    return rf"\left({shown}\right)" if latex else f"({shown})"


def operand(name: str, latex: bool = False) -> str:
    """A node's name as part of a formula: 'x1', '(x1 * w1 + b)'; as LaTeX with latex=True."""
    return bracketed(name, _latex_name(name) if latex else name, latex)


def partial(top: str, bottom: str, latex: bool = False) -> str:
    """∂top/∂bottom for two names, each bracketed by the rule: '∂o/∂(x1 * w1)';
    a LaTeX fraction with latex=True."""
    return _fraction(operand(top, latex), operand(bottom, latex), latex)


def _fraction(top: str, bottom: str, latex: bool) -> str:
    """∂top/∂bottom for a top and bottom already written as operands."""
    if latex:
        return rf"\frac{{\partial {top}}}{{\partial {bottom}}}"
    return f"∂{top}/∂{bottom}"


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


_ONE = Formula("1", "1")

# Ops with a fixed number of children. '**n' (a number exponent), 'sum' and
# 'dot' depend on the exponent or on the number of children: see `op_rule`.
_RULES: dict[str, OpRule] = {
    "+": OpRule(Formula("$c0 + $c1", "$c0 + $c1"), (_ONE, _ONE)),
    "*": OpRule(
        Formula("$c0·$c1", r"$c0 \cdot $c1"),
        (Formula("$r1", "$r1"), Formula("$r0", "$r0")),
    ),
    "**": OpRule(
        Formula("$c0^$c1", "$c0^{$r1}"),
        (
            Formula("$c1·$c0^($r1 − 1)", r"$c1 \cdot $c0^{$r1 - 1}"),
            Formula("$c0^$c1·ln($r0)", r"$c0^{$r1} \ln($r0)"),
        ),
    ),
    "exp": OpRule(Formula("exp($r0)", "e^{$r0}"), (Formula("exp($r0)", "e^{$r0}"),)),
    "log": OpRule(
        Formula("ln($r0)", r"\ln($r0)"), (Formula("1/$c0", r"\frac{1}{$r0}"),),
    ),
    "tanh": OpRule(
        Formula("tanh($r0)", r"\tanh($r0)"),
        (Formula("1 − tanh²($r0)", r"1 - \tanh^2($r0)"),),
    ),
    "sigmoid": OpRule(
        Formula("σ($r0)", r"\sigma($r0)"),
        (Formula("σ($r0)·(1 − σ($r0))", r"\sigma($r0)\,(1 - \sigma($r0))"),),
    ),
    "ReLU": OpRule(
        Formula("ReLU($r0)", r"\mathrm{ReLU}($r0)"),
        (Formula("(1 if $c0 > 0 else 0)", r"(1 \text{ if } $c0 > 0 \text{ else } 0)"),),
    ),
    "leaky_relu": OpRule(
        Formula("leaky_relu($r0)", r"\mathrm{leaky\_relu}($r0)"),
        (
            Formula(
                "(1 if $c0 > 0 else negative_slope)",
                r"(1 \text{ if } $c0 > 0 \text{ else negative\_slope})",
            ),
        ),
    ),
}

# An n-ary formula longer than this many terms is shortened with an ellipsis.
_MAX_TERMS = 6


@lru_cache(maxsize=256)
def op_rule(op: str, arity: int) -> OpRule | None:
    """The formulas for a node of op `op` with `arity` children, or None for
    an op this table does not know (e.g. a node built by hand)."""
    if op.startswith("**") and op != "**" and arity == 1:
        return _power_rule(op[2:]) if _NUMBER.fullmatch(op[2:]) else None
    if op == "sum" and arity >= 1:
        terms = [(f"$c{i}", f"$c{i}") for i in range(arity)]
        return OpRule(_terms(terms), (_ONE,) * arity)
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
    return OpRule(forward, (partial,))


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
    return OpRule(_terms(terms), tuple(partials))


def _terms(terms: list[tuple[str, str]]) -> Formula:
    """term1 + term2 + …, with an ellipsis in the middle past `_MAX_TERMS`."""
    if len(terms) > _MAX_TERMS:
        terms = [*terms[: _MAX_TERMS - 2], ("…", r"\dots"), terms[-1]]
    return Formula(" + ".join(t for t, _ in terms), " + ".join(t for _, t in terms))


# `$ci` in a template is child i as an operand (bracketed by the rule),
# `$ri` child i's plain name (where the template brackets it already).
_PLACEHOLDER = re.compile(r"\$([cr])(\d+)")


def _fill(
    template: str, node: Value, names: Mapping[Value, str], latex: bool
) -> str:
    """A formula template with the names of the children it mentions put in
    (only those: a wide node's template names a few of its children)."""
    children = node._prev

    def name(match: re.Match[str]) -> str:
        child = names[children[int(match[2])]]
        if match[1] == "c":
            return operand(child, latex)
        return _latex_name(child) if latex else child

    return _PLACEHOLDER.sub(name, template)


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
    """∂node/∂child written with the node's formula, bracketed by the rule:
    '∂tanh(n)/∂n', '∂(x1·w1)/∂x1'."""
    text = forward_formula(node, names)
    forward = bracketed(text, forward_formula(node, names, latex) if latex else text, latex)
    return _fraction(forward, operand(names[node._prev[index]], latex), latex)

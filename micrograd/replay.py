"""Replay a graph: the same expression again, at other leaf values.

`replay(root, data)` copies the graph below `root`, giving each leaf the
number in `data` (else its own) and rerunning every inner node's op, through
the engine's own methods, on the copies of its children:

    y = f(x1, x2, …)  →  y' = f(x1', x2', …), with the same nodes and edges

So the copy's values and local derivatives are exactly what building the
expression afresh gives, and an input out of an op's domain raises as that op
does. The learner's graph is only read: a slider can move a leaf of the copy
and run backward on it, as often as it likes.

A node the engine did not make (built by hand with `_local=`, or the
lecture's way with a `_backward` closure, or any op unknown here) cannot be
rerun: its copy keeps its value and local derivatives, so backward still
passes through it, and every node below it is *fixed*: moving one would
change nothing above it, so `replay` refuses to.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping

from micrograd import engine
from micrograd.engine import Value, _exponent, dot, sum_values, topological_order

__all__ = ["fixed_nodes", "movable_leaves", "replay"]

# How each op is rerun on the copies of its children: `rerun(node, children)`.
_Rerun = Callable[[Value, tuple[Value, ...]], Value]

# The ops that keep their children inline (`_a`, `_b`), by number of children.
_UNARY: dict[str, _Rerun] = {
    "exp": lambda node, c: c[0].exp(),
    "log": lambda node, c: c[0].log(),
    "tanh": lambda node, c: c[0].tanh(),
    "sigmoid": lambda node, c: c[0].sigmoid(),
    "ReLU": lambda node, c: c[0].relu(),
    # The slope is kept on the node, in its spare `_db`.
    "leaky_relu": lambda node, c: c[0].leaky_relu(node._db),
    # x ** n for a number n: n is written in the op name, '**2', '**-1', '**0.5'.
    "**n": lambda node, c: c[0] ** _exponent(node._op),
}
_BINARY: dict[str, _Rerun] = {
    "+": lambda node, c: c[0] + c[1],
    "*": lambda node, c: c[0] * c[1],
    "**": lambda node, c: c[0] ** c[1],
}


def _rerun_dot(node: Value, c: tuple[Value, ...]) -> Value:
    """dot's children are (bias,) w1, x1, w2, x2, …: an odd count has a bias first."""
    first = len(c) % 2
    return dot(c[first::2], c[first + 1 :: 2], c[0] if first else None)


# The ops that keep a tuple of children in `_a` and of derivatives in `_da`.
_N_ARY: dict[str, _Rerun] = {
    "sum": lambda node, c: sum_values(c),
    "dot": _rerun_dot,
}


def _rerun_for(node: Value) -> _Rerun | None:
    """How to rerun the op that made `node`, or None if the engine did not make it.

    The engine's ops leave a layout of their own (DESIGN.md: inline children
    for one and two, tuples for sum and dot), which a node built by hand or
    given a `_backward` closure does not have, whatever its op is called.
    """
    op = node._op
    a = node._a
    if type(a) is tuple:
        # A sum or dot built by hand holds any derivatives: the engine's hold
        # 1 for every term of a sum, and for the bias of a dot.
        if node._da is None or op not in _N_ARY:
            return None
        if op == "sum" and any(d != 1.0 for d in node._da):
            return None
        if op == "dot" and len(a) % 2 and node._da[0] != 1.0:
            return None
        return _N_ARY[op]
    if node._b is not None:
        return _BINARY.get(op)
    if op.startswith("**") and op != "**":
        try:
            _exponent(op)
        except ValueError:
            return None
        return _UNARY["**n"]
    if op == "leaky_relu" and not isinstance(node._db, float):
        return None
    return _UNARY.get(op)


def _blocked_by(order: list[Value]) -> dict[Value, Value]:
    """Each node below a node that cannot be rerun, with one such node above it."""
    blocked: dict[Value, Value] = {}
    for node in reversed(order):  # parents before their children
        above = blocked.get(node)
        if above is None and node._prev and _rerun_for(node) is None:
            above = node
        if above is not None:
            for child in node._prev:
                blocked.setdefault(child, above)
    return blocked


def fixed_nodes(root: Value) -> set[Value]:
    """The nodes below (descendants of) a node that cannot be rerun: their
    values reach the root only through a number that stays as it is."""
    return set(_blocked_by(topological_order(root)))


def movable_leaves(root: Value) -> list[Value]:
    """The leaves that `replay` can give new values, in topological order."""
    order = topological_order(root)
    fixed = _blocked_by(order)
    return [node for node in order if not node._prev and node not in fixed]


def replay(
    root: Value,
    data: Mapping[Value, float] | None = None,
    labels: Mapping[Value, str] | None = None,
) -> dict[Value, Value]:
    """A fresh copy of `root`'s graph with each leaf's value from `data` (else
    its own), every op rerun on the copies; returns the map node -> copy.

    The copy has the same nodes, ops, labels (or those in `labels`) and
    edges in the same order, a child used twice still used twice; its grads
    are 0.0. The original graph is left as it was. A node the engine did not
    make is copied with its value and local derivatives (see `fixed_nodes`).

    Errors: a ValueError for a key of `data` that is not a leaf of the graph,
    or that is fixed, or whose value is not finite; an op whose new input is
    out of its domain raises as the op itself does (log of −1: ValueError).
    """
    if not engine._recording:
        raise RuntimeError(
            "replay: called inside no_grad(), where ops record no graph to copy into; "
            "leave the no_grad() block first"
        )
    order = topological_order(root)
    blocked = _blocked_by(order)
    new_data = _checked_data(data, order, blocked)
    new_labels = _checked_labels(labels, order)
    copies: dict[Value, Value] = {}
    for node in order:
        label = new_labels.get(node, node.label)
        if not node._prev:
            copy = Value(new_data.get(node, node.data), (), node._op, label)
        else:
            children = tuple(copies[child] for child in node._prev)
            rerun = _rerun_for(node)
            if rerun is not None:
                copy = rerun(node, children)
                copy.label = label
            else:
                copy = _copy_as_built(node, children, label)
        copies[node] = copy
    return copies


def _copy_as_built(node: Value, children: tuple[Value, ...], label: str) -> Value:
    """A node that cannot be rerun: its value, and its local derivatives as
    numbers (a closure's found by running it once), so backward passes
    through the copy as through the original."""
    # No local derivatives at all: the copy, like the original, cannot pass
    # a gradient on, and backward says so.
    local = node.local_grads or None
    return Value(node.data, children, node._op, label, _local=local)


def _checked_data(
    data: Mapping[Value, float] | None, order: list[Value], blocked: dict[Value, Value]
) -> dict[Value, float]:
    """`data` as floats, once each key is known to be a leaf that can move."""
    if not data:
        return {}
    in_graph = set(order)
    checked: dict[Value, float] = {}
    for leaf, x in data.items():
        if not isinstance(leaf, Value) or leaf not in in_graph or leaf._prev:
            where = "an inner node of" if leaf in in_graph else "not in"
            raise ValueError(
                f"replay: data may give values to leaves only; {_name(leaf)} is {where} the graph"
            )
        above = blocked.get(leaf)
        if above is not None:
            raise ValueError(
                f"replay: leaf {_name(leaf)} cannot move: it lies below a node of op "
                f"{above._op!r} ({_name(above)}) that was not made by the engine's ops, "
                f"so its value cannot be recomputed"
            )
        if not isinstance(x, numbers.Real):
            raise TypeError(
                f"replay: the value for leaf {_name(leaf)} must be a real number, "
                f"got {type(x).__name__}: {x!r}"
            )
        number = float(x)
        if not math.isfinite(number):
            raise ValueError(
                f"replay: the value for leaf {_name(leaf)} must be finite, got {number}"
            )
        checked[leaf] = number
    return checked


def _checked_labels(
    labels: Mapping[Value, str] | None, order: list[Value]
) -> Mapping[Value, str]:
    if not labels:
        return {}
    in_graph = set(order)
    for node, label in labels.items():
        if node not in in_graph:
            raise ValueError(f"replay: labels names {_name(node)}, which is not in the graph")
        if not isinstance(label, str):
            raise TypeError(
                f"replay: the label for {_name(node)} must be a str, "
                f"got {type(label).__name__}: {label!r}"
            )
    return labels


def _name(node: object) -> str:
    """A node's label in quotes, else its repr, for error messages."""
    if isinstance(node, Value) and node.label:
        return repr(node.label)
    return repr(node)

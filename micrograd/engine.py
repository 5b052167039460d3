"""The autograd engine: `Value`, its primitive ops, and backward.

Every op computes its output *and its local derivatives* at forward time and
stores them on the new node. Backward is then one generic loop over the nodes
in reverse topological order, applying the chain rule edge by edge:

    child.grad += local * node.grad

A node keeps at most two children inline, `a` and `b`, each with its local
derivative (`∂out/∂a` in `_da`, `∂out/∂b` in `_db`); an n-ary node (`sum`,
`dot`) keeps a tuple of children in `_a` and a tuple of derivatives in `_da`.
Storing the edges inline rather than in tuples makes a node one object, which
keeps memory per node small. Nodes made by the ops hold no closures, so
such a graph has no reference cycles and is freed the moment it is dropped.
(An op written the lecture's way assigns a closure to `out._backward`, which
keeps it in the spare `_db` slot of the n-ary form; such a closure usually
refers to `out`, a cycle that waits for Python's cyclic collector.)

Gradients of gradients take a second path, apart from backward: `grad(...,
create_graph=True)` asks each op's derivative rule, registered right under
the op, for its local derivatives as Value expressions, so the gradient it
returns is a graph that can be differentiated again.
"""

from __future__ import annotations

import gc
import math
import numbers
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import reduce
from operator import add
from typing import Any, Literal, TypeAlias, overload

__all__ = [
    "AnomalyError",
    "Value",
    "detect_anomaly",
    "dot",
    "grad",
    "no_gc",
    "no_grad",
    "sum_values",
    "topological_order",
]

# Recording switches, flipped by the `no_grad` and `detect_anomaly` contexts.
_recording = True
_anomaly: _AnomalyMode | None = None

# Each op's local derivatives as *expressions*, for gradients of gradients.
# Backward multiplies by the numbers stored at forward time; `grad(...,
# create_graph=True)` instead asks the op's rule, `rule(out, *children)`, for
# ∂out/∂child built from Values (a plain number where it is constant), so the
# gradient it builds is a graph that can be differentiated again. Each rule is
# registered right under the op it belongs to.
_DerivativeRule: TypeAlias = Callable[..., tuple[Any, ...]]
_DERIVATIVE_RULES: dict[str, _DerivativeRule] = {}


def _derivative_rule(op: str, rule: _DerivativeRule) -> None:
    """Register the rule giving (∂out/∂child, ...) for nodes of op `op`."""
    _DERIVATIVE_RULES[op] = rule


class Value:
    """A scalar that remembers the operations that produced it.

        a = Value(2.0, label="a")
        b = Value(-3.0, label="b")
        c = a * b + a      # c.data == -4.0, made by "+" from (a * b) and a
        c.backward()       # a.grad == -2.0 (∂c/∂a = b + 1), b.grad == 2.0 (∂c/∂b = a)

    What each Value holds:

    - `data`: the number, a float.
    - `grad`: ∂root/∂self once `root.backward()` has run, that is how much
      the root moves per unit of this number; 0.0 before. Leaves add to it
      on every pass: reset them with `model.zero_grad()` or `v.grad = 0.0`.
    - `label`: a name for drawings, traces and `explain` ("" for none).
    - `_prev`: the Values this one was computed from, in order (a child
      used twice appears twice); () for a leaf, such as an input or weight.
    - `_op`: the operation that made it, e.g. "+", "*", "tanh"; "" for a leaf.
    - `local_grads`: ∂self/∂child for each child in `_prev`, stored when
      the op ran; backward multiplies them along the graph (the chain rule).

    Ops: + - * / ** with Values or numbers, and exp, log, tanh, sigmoid,
    relu, leaky_relu. `node._backward()` passes one node's gradient on to
    its children, as in the lecture. A custom op:
    `Value(out, (x, y), "myop", _local=(dout_dx, dout_dy))`.
    """

    # Each slot with what it holds: help(Value) shows the public ones.
    __slots__ = {
        "data": "The number, a float.",
        "grad": "∂root/∂self after root.backward(), a float; 0.0 before.",
        "label": 'A name for drawings, traces and explain ("" for none).',
        "_op": 'The operation that made this Value ("" for a leaf).',
        "_a": "The first child, or a tuple of all children (n-ary); None for a leaf.",
        "_da": "∂self/∂_a, or a tuple of ∂self/∂child (n-ary).",
        "_b": "The second child, or None.",
        "_db": "∂self/∂_b, the closure assigned to _backward, or leaky_relu's slope.",
    }

    def __init__(
        self,
        data: float,
        _children: Iterable[Value] = (),
        _op: str = "",
        label: str = "",
        _local: Iterable[float] | None = None,
    ) -> None:
        """A leaf holding `data`, or, given `_children` and `_op`, the node an
        op made from them (with `_local`, its local derivatives)."""
        self.data = _as_float(data)
        self.grad = 0.0
        self.label = label
        self._op = _op
        children = tuple(_children)
        # Checked only when there are children: most Values made here are leaves.
        if children and not all(isinstance(c, Value) for c in children):
            raise TypeError(f"Value(): every child must be a Value, got {children!r}")
        local = None if _local is None else tuple(_as_float(d, "Value(_local=)") for d in _local)
        if local is not None and len(local) != len(children):
            raise ValueError(
                f"Value(): {len(children)} children but {len(local)} local derivatives"
            )
        # Children given by hand, as in the classic API, form an n-ary node.
        # Without `_local` no gradient can flow through it until a `_backward`
        # closure is assigned (the lecture's way); backward says so.
        # (The edges are typed here, not in the class body, which would make
        # help(Value) list an __annotations__ dict.)
        self._a: Any = children if children else None
        self._da: Any = local
        self._b: Value | None = None
        self._db: Any = None
        if _anomaly is not None:
            _anomaly.record(self)

    # -- the graph, read the classic way ---------------------------------

    @property
    def _prev(self) -> tuple[Value, ...]:
        """The children, in order; a child used twice appears twice."""
        a = self._a
        if a is None:
            return ()
        if type(a) is tuple:
            return a
        return (a,) if self._b is None else (a, self._b)

    @property
    def local_grads(self) -> tuple[float, ...]:
        """∂self/∂child for each child in `_prev`, stored at forward time."""
        a = self._a
        if a is None:
            return ()
        if type(a) is tuple:
            if self._da is not None:
                return self._da  # type: ignore[no-any-return]
            # Built the lecture's way, with a closure: found by running it.
            return _probe_closure(self) if self._db is not None else ()
        return (self._da,) if self._b is None else (self._da, self._db)

    def __repr__(self) -> str:
        """Value(data=…, grad=…), as the classic micrograd prints it."""
        return f"Value(data={self.data}, grad={self.grad})"

    # -- arithmetic ------------------------------------------------------

    def __add__(self, other: Operand) -> Value:
        """a + b; ∂/∂a = 1, ∂/∂b = 1."""
        b = other if isinstance(other, Value) else _constant(other, "+")
        if b is None:
            return NotImplemented
        return _node(self.data + b.data, "+", self, 1.0, b, 1.0)

    _derivative_rule("+", lambda out, a, b: (1.0, 1.0))

    def __mul__(self, other: Operand) -> Value:
        """a · b; ∂/∂a = b, ∂/∂b = a."""
        b = other if isinstance(other, Value) else _constant(other, "*")
        if b is None:
            return NotImplemented
        return _node(self.data * b.data, "*", self, b.data, b, self.data)

    _derivative_rule("*", lambda out, a, b: (b, a))

    def __pow__(self, other: Operand) -> Value:
        """x ** n; ∂/∂x = n·x^(n−1), and for a Value exponent ∂/∂n = x^n · ln x."""
        # The exponent's exact type picks the table of op names ('**2' for
        # an int, '**2.0' for a float); anything else is converted first.
        kind = type(other)
        if kind is int:
            names = _INT_POWERS
        elif kind is float:
            names = _FLOAT_POWERS
        elif isinstance(other, Value):
            return self._pow_value(other)
        elif isinstance(other, numbers.Real):
            return self ** (int(other) if isinstance(other, int) else float(other))
        else:
            return NotImplemented
        n: float = other  # type: ignore[assignment]
        x = self.data
        # A base ≤ 0 (its domain depends on n) or a non-finite n (only inf
        # and nan give n − n ≠ 0) is checked apart, off the common path.
        if x <= 0.0 or n - n:
            _check_pow_domain(x, n)
        try:
            out = x**n
            local = n * x ** (n - 1) if n else 0.0
        except OverflowError:
            raise OverflowError(f"pow: {x} ** {n} overflows a float") from None
        if local - local:  # only inf and nan give x − x ≠ 0
            raise OverflowError(f"pow: the derivative of x ** {n} at x = {x} overflows a float")
        op = names.get(n)
        if op is None:
            op = _pow_op(names, n)
        return _node(out, op, self, local)

    # Every number exponent n has its own op name, '**n': the rule reads n from it.
    _derivative_rule("**n", lambda out, x: (_power_derivative(x, _exponent(out._op)),))

    def _pow_value(self, other: Value) -> Value:
        x, y = self.data, other.data
        if x <= 0.0:
            raise ValueError(
                f"pow: the base must be > 0 when the exponent is a Value "
                f"(∂x^y/∂y = x^y · ln x), got base {x}"
            )
        try:
            out = x**y
            dx = y * x ** (y - 1)
        except OverflowError:
            raise OverflowError(f"pow: {x} ** {y} overflows a float") from None
        dy = out * math.log(x)
        if dx - dx or dy - dy:  # only inf and nan give x − x ≠ 0
            raise OverflowError(
                f"pow: a derivative of x ** y at x = {x}, y = {y} overflows a float"
            )
        return _node(out, "**", self, dx, other, dy)

    _derivative_rule("**", lambda out, x, y: (y * x ** (y - 1), out * x.log()))

    def __neg__(self) -> Value:
        """−a, as a · (−1)."""
        return self * -1

    def __sub__(self, other: Operand) -> Value:
        """a − b, as a + (−b)."""
        if isinstance(other, Value):
            return self + (-other)
        if isinstance(other, numbers.Real):
            # A plain number is negated before it joins the graph, as a constant.
            return self + (-_as_float(other, "-"))
        return NotImplemented

    def __truediv__(self, other: Operand) -> Value:
        """a / b, as a · b^(−1)."""
        if isinstance(other, (Value, numbers.Real)):
            return self * _reciprocal(self.data, other)
        return NotImplemented

    def __radd__(self, other: float) -> Value:
        return self.__add__(other)

    def __rmul__(self, other: float) -> Value:
        return self.__mul__(other)

    def __rsub__(self, other: float) -> Value:
        if isinstance(other, numbers.Real):
            return -self + other
        return NotImplemented

    def __rtruediv__(self, other: float) -> Value:
        if isinstance(other, numbers.Real):
            return _reciprocal(_as_float(other, "division"), self) * other
        return NotImplemented

    def __rpow__(self, other: float) -> Value:
        base = _constant(other, "pow")
        if base is None:
            return NotImplemented
        return base._pow_value(self)

    # -- elementary functions ---------------------------------------------

    def exp(self) -> Value:
        """e^x; ∂/∂x = e^x."""
        x = self.data
        try:
            out = math.exp(x)
        except OverflowError:
            raise OverflowError(
                f"exp: e ** {x} overflows a float (its input must be at most 709.78)"
            ) from None
        return _node(out, "exp", self, out)

    _derivative_rule("exp", lambda out, x: (out,))

    def log(self) -> Value:
        """ln x; ∂/∂x = 1/x. Defined for x > 0 only."""
        x = self.data
        if x <= 0.0:
            raise ValueError(f"log: its input must be > 0, got {x}")
        local = 1.0 / x
        if local - local != 0.0:  # only inf and nan give x − x ≠ 0
            raise OverflowError(f"log: the derivative 1/x at x = {x} overflows a float")
        return _node(math.log(x), "log", self, local)

    _derivative_rule("log", lambda out, x: (x**-1,))

    def tanh(self) -> Value:
        """tanh x; ∂/∂x = 1 − tanh² x."""
        t = math.tanh(self.data)
        return _node(t, "tanh", self, 1.0 - t * t)

    _derivative_rule("tanh", lambda out, x: (1 - out * out,))

    def sigmoid(self) -> Value:
        """σ(x) = 1 / (1 + e^(−x)); ∂/∂x = σ(x)(1 − σ(x))."""
        x = self.data
        # Exponentiate only a non-positive number, so nothing overflows.
        if x >= 0.0:
            s = 1.0 / (1.0 + math.exp(-x))
        else:
            e = math.exp(x)
            s = e / (1.0 + e)
        return _node(s, "sigmoid", self, s * (1.0 - s))

    _derivative_rule("sigmoid", lambda out, x: (out * (1 - out),))

    def relu(self) -> Value:
        """max(0, x); ∂/∂x = 1 if x > 0 else 0 (0 at x = 0, as PyTorch)."""
        x = self.data
        if x > 0.0:
            return _node(x, "ReLU", self, 1.0)
        return _node(0.0, "ReLU", self, 0.0)

    # Piecewise linear: the derivative stored at forward time is a constant.
    _derivative_rule("ReLU", lambda out, x: out.local_grads)

    def leaky_relu(self, negative_slope: float = 0.01) -> Value:
        """x if x > 0 else slope·x; ∂/∂x = 1 if x > 0 else slope (slope at 0)."""
        slope = _as_float(negative_slope, "leaky_relu(negative_slope=)")
        x = self.data
        # The slope is kept in the spare `_db` of this one-child node (no `_b`
        # reads it), so a copy of the graph can rerun the op at another x.
        if x > 0.0:
            return _node(x, "leaky_relu", self, 1.0, None, slope)
        return _node(slope * x, "leaky_relu", self, slope, None, slope)

    _derivative_rule("leaky_relu", lambda out, x: out.local_grads)

    # -- backward ---------------------------------------------------------

    def backward(self, grad: float = 1.0) -> None:
        """Fill `grad` of every node this one depends on: ∂self/∂node.

        The root's gradient is seeded with `grad`. Leaf gradients accumulate
        (`+=`), so two calls add the same leaf gradients twice, as PyTorch does;
        the gradients of intermediate nodes are reset at the start of each pass.
        A pass that fails (a gradient that is not finite, a node that cannot
        pass its gradient on) raises and leaves every leaf gradient as it was.
        """
        seed = _as_float(grad, "backward(grad=)")
        if self._a is None:
            if self._op:
                raise RuntimeError(
                    f"backward: this Value (op {self._op!r}) was made under no_grad(), "
                    f"so it recorded no graph to backpropagate through"
                )
            start = self.grad
            self.grad += seed
            if self.grad - self.grad:  # only inf and nan give x − x ≠ 0
                try:
                    _not_finite_grad(self)
                finally:
                    self.grad = start
            return
        order, reached = _backward_order(self)
        # The leaves' gradients before the pass, to put back if it fails: in
        # two flat lists, since a tuple per leaf would be one more object for
        # the garbage collector to track (and to scan the graph for) per leaf.
        leaves = list(reached)
        before = [node.grad for node in leaves]
        self.grad = seed
        try:
            # Parents come before their children here, so a node's gradient
            # is complete when the node is reached.
            _chain_rule(reversed(order), self)
            # A gradient that is not finite makes every gradient below it so
            # too (inf · 0 is nan, and nan + x is nan), down to the leaves:
            # checking them is enough to know.
            for node in leaves:
                g = node.grad
                if g - g:
                    _not_finite_grad(self)
        except BaseException:
            for node, g in zip(leaves, before):  # noqa: B905 (one length)
                node.grad = g
            for node in order:
                node.grad = 0.0
            raise

    @property
    def _backward(self) -> Callable[[], None]:
        """Pass this node's gradient on to its children, once, as the lecture's
        `node._backward()` does: child.grad += ∂self/∂child · self.grad.

        A leaf has nothing to pass on. Setting the root's grad to 1 and calling
        this on every node in reverse topological order gives what `backward()`
        gives; both run the same chain-rule code (`_chain_rule`).
        """
        a = self._a
        closure = self._db
        if (a is None or type(a) is tuple) and closure is not None:
            return closure  # type: ignore[no-any-return]
        if a is None:
            return _nothing_to_pass_on

        def pass_on() -> None:
            _chain_rule((self,), self)
            for child in self._prev:
                if child.grad - child.grad:
                    _not_finite_grad(self)

        return pass_on

    @_backward.setter
    def _backward(self, closure: Callable[[], None]) -> None:
        """An op written the lecture's way: `out._backward = f`, where `f()` adds
        this node's contribution to each child's grad. The closure then is how
        gradients flow through this node, in place of stored local derivatives."""
        if not callable(closure):
            raise TypeError(
                f"_backward must be a function of no arguments, got "
                f"{type(closure).__name__}: {closure!r}"
            )
        # The children move into the n-ary form, whose _da of None tells
        # backward to call the closure kept in _db.
        if self._a is not None:
            self._a = self._prev
        self._da = None
        self._b = None
        self._db = closure


def _nothing_to_pass_on() -> None:
    """A leaf's `_backward()`: it has no children."""


def _chain_rule(nodes: Iterable[Value], root: Value) -> None:
    """The chain rule, once for the whole engine: each node, whose gradient is
    complete, passes it on to its children, child.grad += ∂node/∂child · node.grad.

    `backward()` runs it over the graph in reverse topological order, and
    `node._backward()` over one node; `root` is named in errors. The usual node
    has two children, kept inline; an n-ary node (sum, dot, built by hand)
    keeps tuples, or a closure when built the lecture's way.
    """
    anomaly = _anomaly
    for node in nodes:
        g = node.grad
        a = node._a
        b = node._b
        if b is not None:
            a.grad += node._da * g
            b.grad += node._db * g
        elif type(a) is tuple:
            local = node._da
            if local is None:
                _call_closure(node)
            else:
                if g - g:  # checked here: an n-ary node may have no child to pass it to
                    _not_finite_grad(root)
                for child, d in zip(a, local):  # noqa: B905 (lengths checked when built)
                    child.grad += d * g
        else:
            a.grad += node._da * g
        if anomaly is not None:
            anomaly.check_backward(node)


def _call_closure(node: Value) -> None:
    """Pass a node's gradient on through the closure assigned to its `_backward`."""
    closure = node._db
    if closure is None:
        raise _no_local_derivatives("backward", node)
    # A child still holding backward's walk mark has received nothing yet; the
    # closure may assign rather than add, so it starts from a plain 0.0.
    for child in node._a:
        if type(child.grad) is _Mark:
            child.grad = 0.0
    closure()


def _no_local_derivatives(caller: str, node: Value) -> TypeError:
    return TypeError(
        f"{caller}: node {node!r} (op {node._op!r}) was built by hand with children "
        f"but no local derivatives; pass _local=(...) or assign a _backward function"
    )


def _probe_closure(node: Value) -> tuple[float, ...]:
    """∂node/∂child for each child of a node whose `_backward` is a closure:
    what each child receives when the closure runs once with node.grad = 1
    and the children's grads at 0 (every grad is put back afterwards). A
    child used twice gets the whole derivative at its first place, 0 after."""
    children = node._prev
    unique = list(dict.fromkeys(children))
    saved = [(v, v.grad) for v in (*unique, node)]
    try:
        for child in unique:
            child.grad = 0.0
        node.grad = 1.0
        node._db()
        received = {child: float(child.grad) for child in unique}
    finally:
        for v, g in saved:
            v.grad = g
    local = []
    for child in children:
        local.append(received.pop(child, 0.0))
    return tuple(local)


# A Value, or a plain number (int, float, any numbers.Real) that becomes one.
Operand: TypeAlias = Value | float


# -- building nodes ---------------------------------------------------------


def _as_float(x: object, what: str = "Value()") -> float:
    """The finite number `x` as a float; a TypeError or ValueError naming it."""
    # Exactly float: a subclass such as numpy.float64 is converted below, so
    # that data and gradients are always plain Python floats.
    if type(x) is float:
        f = x
    elif isinstance(x, numbers.Real):
        try:
            f = float(x)
        except OverflowError:
            raise OverflowError(f"{what}: {x!r} is too large for a float") from None
    else:
        raise TypeError(f"{what} expects a real number, got {type(x).__name__}: {x!r}")
    if not math.isfinite(f):
        raise ValueError(f"{what} expects a finite number, got {f}")
    return f


def _constant(x: object, op: str) -> Value | None:
    """A leaf Value for a plain number on one side of `op`, else None."""
    # int and float first: the check against numbers.Real alone is slow.
    if isinstance(x, (int, float, numbers.Real)):
        return Value(_as_float(x, op))
    return None


@overload
def _reciprocal(dividend: float, divisor: Value) -> Value: ...
@overload
def _reciprocal(dividend: float, divisor: float) -> float: ...
def _reciprocal(dividend: float, divisor: Operand) -> Value | float:
    """divisor ** −1 for a division, with errors that name the division: a
    node for a Value divisor, a plain number for a number (as the classic
    engine computes `a / 4` as `a * 0.25`)."""
    d = divisor.data if isinstance(divisor, Value) else _as_float(divisor, "division")
    if d == 0.0:
        raise ZeroDivisionError(f"division: {dividend} / 0.0")
    try:
        return divisor**-1
    except OverflowError:
        raise OverflowError(f"division: {dividend} / {d} (1 / {d} overflows a float)") from None


_new = object.__new__


def _node(
    data: float, op: str, a: Any, da: Any, b: Value | None = None, db: float | None = None
) -> Value:
    """A new node with its children and local derivatives (or none under no_grad)."""
    # Every op goes through here, so it is kept lean: slots are stored one by
    # one (a tuple assignment would build and unpack a tuple).
    out: Value = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._op = op
    if _recording:
        out._a = a
        out._da = da
        out._b = b
        out._db = db
    else:
        out._a = out._da = out._b = out._db = None
    if _anomaly is not None:
        _anomaly.check_forward(out, a, b)
    elif data - data:  # only inf and nan give x − x ≠ 0
        raise OverflowError(
            f"{op}: the result {data} from inputs ({_input_values(a, b)}) is not finite"
        )
    return out


# The op names of `x ** n` made so far, ints and floats apart (2 == 2.0, but
# one reads '**2' and the other '**2.0'). Nodes of one exponent share one
# string: formatting a float is slow, and each copy would cost ~50 bytes.
_INT_POWERS: dict[float, str] = {}
_FLOAT_POWERS: dict[float, str] = {}


def _pow_op(names: dict[float, str], n: float) -> str:
    """The op name of `x ** n`, remembered in `names` (up to 256 of them)."""
    op = f"**{n}"
    # 0.0 and -0.0 are one key but print differently: zero is not remembered.
    if n and len(names) < 256:
        names[n] = op
    return op


def _exponent(op: str) -> float:
    """n, read from the op name '**n' of a number power (an int if it was one)."""
    text = op[2:]
    return int(text) if text.lstrip("-").isdigit() else float(text)


def _power_derivative(x: Value, n: float) -> Operand:
    """∂(x^n)/∂x = n·x^(n−1), as an expression of x. Constant for n = 0 and 1
    (so x^(−1) is never taken, which would fail at x = 0); n·x for n = 2."""
    if n == 0 or n == 1:
        return float(n)
    return n * (x if n == 2 else x ** (n - 1))


def _check_pow_domain(x: float, n: float) -> None:
    """Raise unless `x ** n` and its derivative n·x^(n−1) are real and finite."""
    if n - n:
        raise ValueError(f"pow: the exponent must be finite, got {n}")
    if x == 0.0 and n < 0:
        raise ZeroDivisionError(f"pow: 0.0 ** {n} divides by zero")
    if x < 0.0 and n != int(n):
        raise ValueError(f"pow: negative base {x} to the non-integer power {n} has no real value")
    if x == 0.0 and 0 < n < 1:
        raise ZeroDivisionError(f"pow: the derivative of x ** {n} at x = 0.0 is infinite")


def _input_values(a: object, b: object, shown: int = 6) -> str:
    """The data of a node's children, for error messages: the first `shown`
    of them, so that a wide node (a neuron's dot) still makes a short line."""
    inputs = [v.data for v in (a if type(a) is tuple else (a, b)) if isinstance(v, Value)]
    text = ", ".join(repr(x) for x in inputs[:shown])
    return text if len(inputs) <= shown else f"{text}, … ({len(inputs)} in all)"


def _not_finite_grad(root: Value) -> None:
    """Raise for the first node, in backward's order, whose gradient is not
    finite, naming the op where it stopped being finite: the parent whose
    local derivative times gradient overflowed, else the sum of what its
    parents passed on."""
    order = topological_order(root)
    for node in reversed(order):
        if node.grad - node.grad:
            break
    where = f"; node created at {_anomaly.origin(node)}" if _anomaly is not None else ""
    error = AnomalyError if _anomaly is not None else OverflowError
    what = f"backward: the gradient {node.grad} of a node of op {node._op or 'leaf'!r} "
    what += f"(data {node.data}) is not finite"
    for parent in order:
        g = parent.grad
        if g - g:  # a parent that is itself not finite did not start it
            continue
        for child, local in zip(parent._prev, parent.local_grads):  # noqa: B905
            if child is node and (local * g) - (local * g):
                raise error(
                    f"{what}: it overflowed at op {parent._op!r} (data {parent.data}), "
                    f"whose local derivative {local:g} times its gradient {g:g} "
                    f"is beyond a float{where}"
                )
    if node is not root:
        what += ": what its parents passed on adds up beyond a float"
    raise error(what + where)


def sum_values(values: Iterable[Operand], start: Operand | None = None) -> Value:
    """[start +] v1 + v2 + … as one node; ∂/∂vi = 1.

    Summed left to right, like a chain of `+` (never compensated), so the
    result equals the binary-op version bit for bit. The sum of nothing is 0.
    """
    terms = tuple(values) if start is None else (start, *values)
    children = tuple(_value(v, "sum") for v in terms)
    data = reduce(add, [c.data for c in children]) if children else 0.0
    return _node(data, "sum", children, (1.0,) * len(children))


_derivative_rule("sum", lambda out, *terms: (1.0,) * len(terms))


def dot(ws: Sequence[Operand], xs: Sequence[Operand], bias: Operand | None = None) -> Value:
    """bias + w1·x1 + w2·x2 + … as one node; ∂/∂wi = xi, ∂/∂xi = wi, ∂/∂bias = 1.

    Summed bias first, then left to right, exactly as the classic neuron's
    `sum((wi*xi for ...), b)`, so the numbers match it bit for bit.
    """
    if len(ws) != len(xs):
        raise ValueError(f"dot: {len(ws)} weights but {len(xs)} inputs")
    # One plain loop: every neuron is built here, and for the few inputs of a
    # small layer the fixed cost of comprehensions would dominate.
    if bias is None:
        children: list[Value] = []
        local: list[float] = []
        data = 0.0
    else:
        b = _value(bias, "dot")
        children, local, data = [b], [1.0], b.data
    for wi, xi in zip(ws, xs):  # noqa: B905 (lengths checked above)
        if not isinstance(wi, Value):
            wi = _value(wi, "dot")
        if not isinstance(xi, Value):
            xi = _value(xi, "dot")
        wv = wi.data
        xv = xi.data
        data += wv * xv
        children += (wi, xi)
        local += (xv, wv)
    return _node(data, "dot", tuple(children), tuple(local))


def _dot_derivatives(out: Value, *children: Value) -> tuple[Operand, ...]:
    """(1 for the bias, if any, then) x1, w1, x2, w2, … for the children
    (bias,) w1, x1, w2, x2, …: an odd number of children has a bias first."""
    has_bias = len(children) % 2
    partials: list[Operand] = [1.0] * has_bias
    for w in range(has_bias, len(children), 2):
        partials += (children[w + 1], children[w])
    return tuple(partials)


_derivative_rule("dot", _dot_derivatives)


def _value(v: object, op: str) -> Value:
    if isinstance(v, Value):
        return v
    c = _constant(v, op)
    if c is None:
        raise TypeError(f"{op}: expected a Value or a real number, got {type(v).__name__}: {v!r}")
    return c


# -- the graph --------------------------------------------------------------


class _Mark(float):
    """A 0.0 with an identity of its own, told apart from any gradient by `is`."""

    __slots__ = ()


def _backward_order(root: Value) -> tuple[list[Value], set[Value]]:
    """For backward: the inner nodes below `root`, children before parents,
    and a set holding every leaf reached (and some inner nodes).

    The same depth-first walk as `topological_order`, but an inner node is
    marked visited in its own `grad` slot, which backward overwrites anyway:
    reading a slot is cheaper than a set lookup, and this walk is half of
    backward. A node is `opened` while its children are walked, `done` once
    it is in the order; both marks are fresh 0.0s, so the gradients start
    from zero with no pass to reset them, and a walk cut short leaves no
    mark a later one would trust. Leaves keep their gradients (they
    accumulate), so they go into the set instead.
    """
    opened, done = _Mark(), _Mark()
    order: list[Value] = []
    reached: set[Value] = set()
    stack: list[Value] = [root]
    push = stack.append
    pop = stack.pop
    while stack:
        node = pop()
        g = node.grad
        if g is done:  # reached again through another parent
            continue
        if g is opened:  # back after its children: all are in the order
            node.grad = done
            order.append(node)
            continue
        a = node._a
        if a is None:
            reached.add(node)
            continue
        node.grad = opened
        push(node)
        # Last child pushed first, so that the first child is visited first.
        b = node._b
        if b is not None:
            push(b)
            push(a)
        elif type(a) is not tuple:
            push(a)
        # A neuron's weights are shared by every sample: an n-ary node's
        # children are mostly reached already, tested all at once in C.
        # Done inner children join the set, so that the next test passes.
        elif not reached.issuperset(a):
            for child in reversed(a):
                if child.grad is done:
                    reached.add(child)
                elif child not in reached:
                    push(child)
    return order, reached


def topological_order(root: Value) -> list[Value]:
    """Every node `root` depends on, children before parents, root last.

    Iterative depth-first search, so a graph of any depth works; children are
    visited in `_prev` order, so the order is the same on every run, and the
    same as backward's own walk (`_backward_order`). This one only reads the
    graph: drawing and tracing call it after backward.
    """
    order: list[Value] = []
    seen: set[Value] = set()
    # Nodes still to visit, and `None` above a node whose children are all in
    # the order: that node goes next. The last child is pushed first, so that
    # the first child is visited first.
    stack: list[Any] = [root]
    while stack:
        node = stack.pop()
        if node is None:
            order.append(stack.pop())
        elif node not in seen:  # else reached again through another parent
            seen.add(node)
            stack += (node, None, *reversed(node._prev))
    return order


# -- gradients as values, and gradients of gradients ------------------------------


@overload
def grad(
    outputs: Value | Sequence[Value],
    inputs: Value | Sequence[Value],
    grad_outputs: Operand | Sequence[Operand] | None = None,
    create_graph: Literal[False] = False,
    allow_unused: bool = False,
) -> tuple[float, ...]: ...
@overload
def grad(
    outputs: Value | Sequence[Value],
    inputs: Value | Sequence[Value],
    grad_outputs: Operand | Sequence[Operand] | None = None,
    *,
    create_graph: Literal[True],
    allow_unused: bool = False,
) -> tuple[Value, ...]: ...
@overload
def grad(
    outputs: Value | Sequence[Value],
    inputs: Value | Sequence[Value],
    grad_outputs: Operand | Sequence[Operand] | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[float, ...] | tuple[Value, ...]: ...
def grad(
    outputs: Value | Sequence[Value],
    inputs: Value | Sequence[Value],
    grad_outputs: Operand | Sequence[Operand] | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[float, ...] | tuple[Value, ...]:
    """The gradient of the outputs with respect to each input, as
    `torch.autograd.grad`: Σ_i v_i · ∂y_i/∂x for each input x, where y_i are
    the outputs and v_i their `grad_outputs` (1 each by default).

    Returns a tuple with one gradient per input and touches no `.grad`.
    A gradient is a float, like `.grad`; with `create_graph=True` it is a
    Value whose graph records how it was computed, so it can be
    differentiated again, to any order: each local derivative is then built
    as an expression by its op's rule. Without `grad_outputs` its nodes are
    labelled ∂y/∂x (with the nodes' labels, else y and x), for drawing.
    An input the outputs do not depend on is a ValueError, or a gradient
    of 0 with `allow_unused=True`.

    There is no `backward(create_graph=True)`: `.grad` is a float, and a
    Value there would make every gradient a graph. Ask `grad` instead.
    """
    ys = _as_values("outputs", outputs)
    xs = _as_values("inputs", inputs)
    for name, flag in (("create_graph", create_graph), ("allow_unused", allow_unused)):
        if not isinstance(flag, bool):
            raise TypeError(f"grad: {name} must be True or False, got {flag!r}")
    if create_graph and not _recording:
        raise RuntimeError(
            "grad: create_graph=True inside no_grad(), which would record no graph "
            "for the gradients; leave the no_grad() block first"
        )
    for y in ys:
        if y._a is None and y._op:
            raise RuntimeError(
                f"grad: an output (op {y._op!r}) was made under no_grad(), "
                f"so it recorded no graph to differentiate"
            )
    seeds = _seeds(ys, grad_outputs, create_graph)
    local = _local_expressions if create_graph else _local_numbers
    gradients = _backpropagate(ys, seeds, xs, local)
    if create_graph and grad_outputs is None:
        _label_gradients(gradients, ys, xs)
    results: list[Any] = []
    for k, x in enumerate(xs):
        g = gradients.get(x)
        if g is None:
            if not allow_unused:
                raise ValueError(
                    f"grad: the outputs do not depend on input {k} ({x.label or repr(x)}); "
                    f"pass allow_unused=True for a gradient of 0"
                )
            g = Value(0.0, label=_label(ys, xs, x)) if create_graph else 0.0
        results.append(g)
    return tuple(results)


def _backpropagate(
    outputs: Sequence[Value],
    seeds: Sequence[Any],
    inputs: Sequence[Value],
    local_derivatives: Callable[[Value], tuple[Any, ...]],
) -> dict[Value, Any]:
    """∂y/∂node, for y = Σ_i seed_i · output_i, at every node on a path from
    an output to an input, by the chain rule, each node before its children:

        ∂y/∂child = Σ over the child's parents of ∂y/∂parent · ∂parent/∂child

    With local derivatives that are numbers, the gradients are floats; with
    Value expressions, every gradient is a Value with a graph of its own.
    """
    order = _nodes_between(outputs, inputs)
    on_the_way = set(order)
    terms: dict[Value, list[Any]] = {node: [] for node in order}
    for y, seed in zip(outputs, seeds, strict=True):
        if y in on_the_way:
            terms[y].append(seed)
    gradients: dict[Value, Any] = {}
    for node in reversed(order):
        upstream = _add_up(terms.pop(node), node)
        gradients[node] = upstream
        if not node._prev:
            continue
        for child, local in zip(node._prev, local_derivatives(node), strict=True):
            if child in on_the_way:
                terms[child].append(upstream * local)
    return gradients


def _nodes_between(outputs: Sequence[Value], inputs: Sequence[Value]) -> list[Value]:
    """The nodes on a path from an output down to an input (both included),
    children before parents."""
    wanted = set(inputs)
    leading: set[Value] = set()  # the nodes some input is reached from
    seen: set[Value] = set()
    order = []
    for y in outputs:
        for node in topological_order(y):
            if node in seen:
                continue
            seen.add(node)
            if node in wanted or any(child in leading for child in node._prev):
                leading.add(node)
                order.append(node)
    return order


def _add_up(terms: list[Any], node: Value) -> Any:
    """Σ terms, left to right (as backward adds them): one `sum` node for Values.
    A total that is not finite is an OverflowError naming the node."""
    if len(terms) == 1:
        total = terms[0]
    elif isinstance(terms[0], Value):
        total = sum_values(terms)
    else:
        total = reduce(add, terms)
    number = total.data if isinstance(total, Value) else total
    if not math.isfinite(number):
        raise OverflowError(
            f"grad: the gradient {number} of a node of op {node._op or 'leaf'!r} "
            f"(data {node.data}) is not finite: what its parents pass on, "
            f"∂y/∂parent · ∂parent/∂node, adds up beyond a float"
        )
    return total


def _local_numbers(node: Value) -> tuple[float, ...]:
    """∂node/∂child for each child: the numbers stored at forward time."""
    if node._da is None and node._db is None:
        raise _no_local_derivatives("grad", node)
    return node.local_grads


def _local_expressions(node: Value) -> tuple[Any, ...]:
    """∂node/∂child for each child, as expressions built by the op's rule."""
    op = node._op
    # Children in a tuple: an n-ary node (sum, dot), or one built by hand.
    n_ary = type(node._a) is tuple
    if n_ary and node._da is None:
        if node._db is None:
            _local_numbers(node)  # raises: it has no local derivatives at all
        raise TypeError(
            f"grad(create_graph=True): node {node!r} (op {op!r}) passes its gradient "
            f"on through a _backward closure, which computes numbers, not an expression "
            f"that can be differentiated again; build it from Value ops instead"
        )
    if n_ary and op not in ("sum", "dot"):
        raise _built_by_hand(node)
    rule = _DERIVATIVE_RULES.get("**n" if op.startswith("**") and op != "**" else op)
    if rule is None:
        raise TypeError(f"grad(create_graph=True): op {op!r} has no derivative rule")
    try:
        local = rule(node, *node._prev)
    except (ArithmeticError, ValueError) as error:
        raise type(error)(
            f"grad(create_graph=True): the derivative of op {op!r} at its inputs "
            f"({_input_values(node._a, node._b)}) cannot be differentiated there: {error}"
        ) from None
    # A sum or dot built by hand holds any numbers: the rule is its derivative
    # only if it gives the same ones.
    if n_ary and [d.data if isinstance(d, Value) else d for d in local] != list(node._da):
        raise _built_by_hand(node)
    return local


def _built_by_hand(node: Value) -> TypeError:
    return TypeError(
        f"grad(create_graph=True): node {node!r} (op {node._op!r}) was built by hand, "
        f"its local derivatives given as numbers (_local=): numbers cannot be "
        f"differentiated again; build it from Value ops instead"
    )


def _as_values(name: str, values: Value | Sequence[Value]) -> list[Value]:
    """`values` as a non-empty list of Values, a TypeError naming a bad one."""
    listed = [values] if isinstance(values, Value) else values
    if not isinstance(listed, Sequence) or isinstance(listed, str):
        raise TypeError(f"grad: {name} must be a Value or a sequence of Values, got {values!r}")
    if not listed:
        raise ValueError(f"grad: {name} is empty")
    for k, v in enumerate(listed):
        if not isinstance(v, Value):
            raise TypeError(f"grad: {name}[{k}] must be a Value, got {type(v).__name__}: {v!r}")
    return list(listed)


def _seeds(
    outputs: Sequence[Value], grad_outputs: Operand | Sequence[Operand] | None, create_graph: bool
) -> list[Any]:
    """∂y/∂output_i, where the chain rule starts: Values when building a graph."""
    if grad_outputs is None:
        given: Sequence[Operand] = [1.0] * len(outputs)
    elif isinstance(grad_outputs, Sequence):
        given = grad_outputs
    else:
        given = [grad_outputs]
    if len(given) != len(outputs):
        raise ValueError(f"grad: {len(outputs)} outputs but {len(given)} grad_outputs")
    seeds: list[Any] = []
    for v in given:
        if isinstance(v, Value):
            seeds.append(v if create_graph else v.data)
        else:
            number = _as_float(v, "grad(grad_outputs=)")
            seeds.append(Value(number) if create_graph else number)
    return seeds


def _label_gradients(
    gradients: dict[Value, Value], outputs: Sequence[Value], inputs: Sequence[Value]
) -> None:
    """Label each gradient ∂y/∂node, for every node with a name."""
    for node, gradient in gradients.items():
        if node.label or node in inputs or node in outputs:
            gradient.label = _label(outputs, inputs, node)


def _label(outputs: Sequence[Value], inputs: Sequence[Value], node: Value) -> str:
    """'∂y/∂x' for `node`, with the nodes' labels, else y (y0, y1, …) and x (x0, …)."""
    ys = [_name(y, "y", i, outputs) for i, y in enumerate(outputs)]
    top = ys[0] if len(ys) == 1 else f"({' + '.join(ys)})"
    if node.label:
        bottom = node.label
    elif node in inputs:
        bottom = _name(node, "x", inputs.index(node), inputs)
    else:
        bottom = _name(node, "y", outputs.index(node), outputs)
    return f"∂{top}/∂{bottom}"


def _name(node: Value, letter: str, index: int, group: Sequence[Value]) -> str:
    return node.label or (letter if len(group) == 1 else f"{letter}{index}")


# -- modes --------------------------------------------------------------------


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block ops record no graph: fast inference and plotting."""
    global _recording
    before = _recording
    _recording = False
    try:
        yield
    finally:
        _recording = before


@contextmanager
def no_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector inside this block (opt-in).

    Graphs hold no reference cycles, so reference counting frees each one the
    moment it is dropped; the collector finds nothing to free, yet rescans
    the live nodes each time enough new ones are made: building a big graph
    takes nearly twice as long with it. Cycles made inside the block by other
    code wait until it ends; the collector's state before is restored.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class AnomalyError(FloatingPointError):
    """A NaN or inf appeared in forward or backward under `detect_anomaly()`."""


class _AnomalyMode:
    """Remembers where each node was created and checks every number made."""

    def __init__(self) -> None:
        # id -> (node, "file:line"); the node is kept so its id stays unique.
        self.origins: dict[int, tuple[Value, str]] = {}

    def origin(self, node: Value) -> str:
        entry = self.origins.get(id(node))
        return entry[1] if entry else "outside detect_anomaly()"

    def record(self, node: Value) -> None:
        self.origins[id(node)] = (node, _caller_outside_package())

    def check_forward(self, out: Value, a: object, b: object) -> None:
        self.record(out)
        if not math.isfinite(out.data):
            raise AnomalyError(
                f"detect_anomaly: op {out._op!r} produced {out.data} from inputs "
                f"({_input_values(a, b)}); node created at {self.origin(out)}"
            )

    def check_backward(self, node: Value) -> None:
        """After `node` passed its gradient on: is every child's still finite?"""
        for child in node._prev:
            if not math.isfinite(child.grad):
                raise AnomalyError(
                    f"detect_anomaly: the gradient became {child.grad} flowing through "
                    f"op {node._op!r} (data {node.data}, grad {node.grad}, inputs "
                    f"{_input_values(node._a, node._b)}); node created at "
                    f"{self.origin(node)}"
                )


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _caller_outside_package() -> str:
    """'file:line' of the innermost frame that is not micrograd's own code."""
    frame = sys._getframe(1)
    while (
        frame is not None
        and os.path.dirname(os.path.abspath(frame.f_code.co_filename)) == _PACKAGE_DIR
    ):
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None:
        return "<unknown>"
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise `AnomalyError` the moment a NaN or inf appears, naming the op,
    its inputs and the file and line where the node was created."""
    global _anomaly
    before = _anomaly
    _anomaly = _AnomalyMode()
    try:
        yield
    finally:
        _anomaly = before

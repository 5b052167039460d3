"""A safe parser for expressions such as "tanh(x1*w1 + x2*w2 + b)".

The text is parsed with `ast` and checked against a whitelist: numbers,
variable names, + - * / **, unary minus and plus, and calls of exp, log, tanh,
sigmoid, relu and leaky_relu (which may take a numeric slope as a second
argument). Anything else is rejected with an ExpressionError before any of
it runs; nothing is ever passed to `eval`.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping

from micrograd.engine import Value

__all__ = ["ExpressionError", "FUNCTIONS", "evaluate"]

# A binary operator: plain numbers stay numbers on the right of **, so that
# x ** 2 is the power-rule node '**2' and never a Value exponent.
_BINARY_OPS: dict[type[ast.operator], Callable[[Value, Value | int | float], Value]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}

# The functions an expression may call, by name.
FUNCTIONS: dict[str, Callable[[Value], Value]] = {
    "exp": Value.exp,
    "log": Value.log,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "relu": Value.relu,
    "leaky_relu": Value.leaky_relu,
}

# What the rejected kinds of syntax are called in error messages.
_REJECTED = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscripts",
    ast.Lambda: "lambdas",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.Compare: "comparisons",
    ast.BoolOp: "and/or",
    ast.IfExp: "conditional expressions",
    ast.JoinedStr: "f-strings",
    ast.NamedExpr: "assignments",
    ast.Starred: "starred arguments",
    ast.List: "lists",
    ast.Tuple: "tuples",
    ast.Set: "sets",
    ast.Dict: "dicts",
    ast.Await: "await",
}

# Labels longer than this are left off: the node's name is shorter.
_MAX_LABEL = 40


class ExpressionError(ValueError):
    """An expression that cannot be parsed, is not allowed, or lacks a value."""


def evaluate(text: str, variables: Mapping[str, float]) -> tuple[Value, dict[str, Value]]:
    """Build the graph of the expression `text` with the given variable values.

    Each variable becomes one leaf labelled with its name, shared by all its
    uses; each operation is labelled with its source text when that is short.
    Returns the root and the leaves of the variables used, in order of first
    use. Raises ExpressionError for bad syntax, anything not allowed, an
    unknown function or a variable without a value.
    """
    if not isinstance(text, str):
        raise TypeError(f"evaluate: the expression must be a str, got {type(text).__name__}")
    if not text.strip():
        raise ExpressionError("the expression is empty")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        where = f" at column {error.offset}" if error.offset else ""
        raise ExpressionError(
            f"invalid syntax{where} in {_shorten(text)!r}: {error.msg}"
        ) from None
    except (ValueError, RecursionError, MemoryError):
        raise ExpressionError(
            f"cannot parse {_shorten(text)!r}: too long or nested too deeply"
        ) from None
    builder = _Builder(text, variables)
    try:
        result = builder.build(tree.body)
    except RecursionError:
        raise ExpressionError(f"{_shorten(text)!r} is nested too deeply") from None
    root = result if isinstance(result, Value) else Value(result)
    return root, builder.leaves


class _Builder:
    """Walks a parsed expression, building Values; rejects what is not allowed."""

    def __init__(self, text: str, variables: Mapping[str, float]) -> None:
        self.text = text
        self.variables = variables
        self.leaves: dict[str, Value] = {}

    def build(self, node: ast.expr) -> Value | int | float:
        """The Value of `node`, or a plain number for a number literal or an
        expression of numbers only."""
        if isinstance(node, ast.Constant):
            return self._number(node)
        if isinstance(node, ast.Name):
            return self._variable(node)
        if isinstance(node, ast.UnaryOp):
            result = self._unary(node)
        elif isinstance(node, ast.BinOp):
            result = self._binary(node)
        elif isinstance(node, ast.Call):
            result = self._call(node)
        else:
            kind = _REJECTED.get(type(node), type(node).__name__)
            raise self._error(node, f"{kind} not allowed")
        if isinstance(result, Value) and not result.label:
            label = ast.unparse(node)
            if len(label) <= _MAX_LABEL:
                result.label = label
        return result

    def _number(self, node: ast.Constant) -> int | float:
        value = node.value
        # bool is an int, but True + 1 is not arithmetic anyone means here.
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self._error(node, f"{_constant_kind(value)} not allowed, only numbers")
        try:
            finite = math.isfinite(float(value))
        except OverflowError:
            finite = False
        if not finite:
            raise self._error(node, "the number is too large for a float")
        # An int stays an int, so x ** 2 is the node '**2', not '**2.0'.
        return value

    def _variable(self, node: ast.Name) -> Value:
        name = node.id
        if name.startswith("__"):
            raise self._error(node, "names starting with __ not allowed")
        if name in self.leaves:
            return self.leaves[name]
        if name not in self.variables:
            if name in FUNCTIONS:
                raise self._error(node, f"{name} is a function: call it, as in {name}(x)")
            raise self._error(node, f"variable {name!r} has no value (give it one, e.g. {name}=1)")
        try:
            leaf = Value(self.variables[name], label=name)
        except TypeError as error:
            raise TypeError(f"evaluate: variable {name!r}: {error}") from None
        except ValueError as error:
            raise ExpressionError(f"variable {name!r}: {error}") from None
        self.leaves[name] = leaf
        return leaf

    def _unary(self, node: ast.UnaryOp) -> Value | int | float:
        operand = self.build(node.operand)
        if isinstance(node.op, ast.UAdd):
            return operand
        if isinstance(node.op, ast.USub):
            return -operand
        raise self._error(node, f"operator {_symbol(node.op)} not allowed; use + - * / **")

    def _binary(self, node: ast.BinOp) -> Value | int | float:
        apply = _BINARY_OPS.get(type(node.op))
        if apply is None:
            raise self._error(node, f"operator {_symbol(node.op)} not allowed; use + - * / **")
        left = self.build(node.left)
        right = self.build(node.right)
        if not isinstance(left, Value) and not isinstance(right, Value):
            return _fold(apply, left, right)
        if not isinstance(left, Value):
            left = Value(left)
        return apply(left, right)

    def _call(self, node: ast.Call) -> Value:
        if not isinstance(node.func, ast.Name):
            raise self._error(node, "only calls of exp, log, tanh, sigmoid, relu, leaky_relu")
        name = node.func.id
        function = FUNCTIONS.get(name)
        if function is None:
            allowed = ", ".join(FUNCTIONS)
            raise self._error(node, f"unknown function {name!r}; allowed: {allowed}")
        if node.keywords:
            raise self._error(node, f"{name}() takes no keyword arguments")
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise self._error(node, f"{name}() takes no starred arguments")
        most = 2 if name == "leaky_relu" else 1
        if not 1 <= len(node.args) <= most:
            what = "an argument and an optional numeric slope" if most == 2 else "one argument"
            raise self._error(node, f"{name}() takes {what}, got {len(node.args)} arguments")
        argument = self.build(node.args[0])
        if not isinstance(argument, Value):
            argument = Value(argument)
        if len(node.args) == 2:
            slope = self.build(node.args[1])
            if isinstance(slope, Value):
                raise self._error(node.args[1], "the slope of leaky_relu must be a number")
            return argument.leaky_relu(slope)
        return function(argument)

    def _error(self, node: ast.AST, message: str) -> ExpressionError:
        """An ExpressionError quoting the offending piece of the text."""
        whole = self.text.strip()
        piece = ast.get_source_segment(whole, node) or ast.unparse(node)
        where = "" if piece == whole else f" in {_shorten(whole)!r}"
        return ExpressionError(f"{message}: {_shorten(piece)!r}{where}")


def _fold(
    apply: Callable[[Value, Value | int | float], Value], left: int | float, right: int | float
) -> int | float:
    """Two numbers make a number, not a constant subgraph: x ** (3-1) is the
    node '**2' and x ** (1/2) the node '**0.5'. The engine computes it, so its
    checks and messages apply (division by zero, overflow, ...)."""
    result = apply(Value(left), right).data
    # An int stays an int, as in _number, so x ** (3-1) is '**2', not '**2.0'.
    if isinstance(left, int) and isinstance(right, int) and result.is_integer():
        return int(result)
    return result


def _symbol(op: ast.AST) -> str:
    symbols = {
        ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.LShift: "<<",
        ast.RShift: ">>", ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&",
        ast.Invert: "~", ast.Not: "not",
    }
    return symbols.get(type(op), type(op).__name__)


def _constant_kind(value: object) -> str:
    if isinstance(value, bool):
        return "booleans"
    if value is None:
        return "None"
    if isinstance(value, (str, bytes)):
        return "strings"
    return f"{type(value).__name__} constants"


def _shorten(text: str, most: int = 60) -> str:
    """The text, cut in the middle if long, for a one-line message."""
    if len(text) <= most:
        return text
    half = (most - 1) // 2
    return f"{text[:half]}…{text[-half:]}"

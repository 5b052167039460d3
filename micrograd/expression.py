"""A safe parser for expressions such as "tanh(x1*w1 + x2*w2 + b)".

The text may hold numbers, variable names, + - * / **, unary minus and plus,
parentheses, and calls of exp, log, tanh, sigmoid, relu and leaky_relu (which
may take a numeric slope as a second argument). Anything else is rejected
with an ExpressionError before any of it runs; nothing is ever passed to
`eval`.

Limits: at most `MAX_LENGTH` characters. Parsing and building are iterative,
so that is the only limit on size: a flat sum of 10,000 terms or 10,000
nested parentheses build like a short one. (Python's own parser, which
builds its tree recursively, is used only to name what is wrong with a text
that is not allowed.)

Variable names are Python identifiers, compared as Python compares them:
after Unicode NFKC normalisation, so "ﬁ" is "fi" and a fullwidth "ｘ" is "x".
The names given values are normalised the same way.
"""

from __future__ import annotations

import ast
import io
import keyword
import math
import re
import tokenize
import unicodedata
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeGuard, TypeVar

from micrograd.engine import Value
from micrograd.messages import shorten

# The longest expression read, in characters: far beyond anything typed, and
# a graph of ~50,000 nodes, which is drawn (as DOT text) in about a second.
MAX_LENGTH = 100_000

__all__ = [
    "FUNCTIONS",
    "MAX_LENGTH",
    "ExpressionError",
    "evaluate",
    "is_variable_name",
    "normalize_name",
]

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

# Characters that are not text: a NUL, and the lone surrogates that stand for
# bytes that were not UTF-8 (how Python passes such bytes of a command line).
_NOT_TEXT = re.compile("[\x00\ud800-\udfff]")


class ExpressionError(ValueError):
    """An expression that cannot be parsed, is not allowed, or lacks a value."""


def is_variable_name(name: object) -> TypeGuard[str]:
    """Whether `name` can name a variable: an identifier not starting with __
    (the parser refuses those, so no dunder can be reached)."""
    return isinstance(name, str) and name.isidentifier() and not name.startswith("__")


def normalize_name(name: str) -> str:
    """A variable name as Python reads it: NFKC-normalised ("ﬁ" is "fi")."""
    return unicodedata.normalize("NFKC", name)


def evaluate(
    text: str, variables: Mapping[str, float], *, default: float | None = None
) -> tuple[Value, dict[str, Value]]:
    """Build the graph of the expression `text` with the given variable values
    (a variable without one takes `default`, when it is given).

    Each variable becomes one leaf labelled with its name, shared by all its
    uses; each operation is labelled with its source text when that is short.
    Returns the root and the leaves of the variables used, in order of first
    use, keyed by their normalised names. Raises ExpressionError for bad
    syntax, anything not allowed, an unknown function, a variable without a
    value, or a text over `MAX_LENGTH` characters.
    """
    if not isinstance(text, str):
        raise TypeError(f"evaluate: the expression must be a str, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"the expression has {len(text)} characters; at most {MAX_LENGTH} are read: "
            f"{_quote(text)}"
        )
    _check_text(text)
    whole = text.strip()
    if not whole:
        raise ExpressionError("the expression is empty")
    builder = _Builder(whole, _normalized(variables), default)
    result = builder.build(_parse(whole))
    root = result if isinstance(result, Value) else Value(result)
    return root, builder.leaves


def _check_text(text: str) -> None:
    """ExpressionError for a character that is not text (see _NOT_TEXT)."""
    bad = _NOT_TEXT.search(text)
    if bad is None:
        return
    code = ord(bad.group())
    column = bad.start() + 1
    if code == 0:
        what = f"a NUL character at column {column}"
    elif 0xDC80 <= code <= 0xDCFF:
        what = f"the byte 0x{code - 0xDC00:02x} at column {column} is not UTF-8"
    else:
        what = f"a lone surrogate U+{code:04X} at column {column}"
    raise ExpressionError(f"the expression is not text: {what}")


def _normalized(variables: Mapping[str, float]) -> dict[str, float]:
    """The variables keyed by their normalised names; two names that are one
    after normalisation (x and ｘ) are an error."""
    by_name: dict[str, float] = {}
    spelled: dict[str, str] = {}
    for name, value in variables.items():
        key = normalize_name(name) if isinstance(name, str) else name
        if key in spelled:
            raise ExpressionError(
                f"variables {_quote(spelled[key])} and {_quote(name)} are one name ({_quote(key)})"
            )
        spelled[key] = name
        by_name[key] = value
    return by_name


# -- parsing ---------------------------------------------------------------------------


def _parse(text: str) -> ast.expr:
    """The syntax tree of `text`: built by `_Parser` when the text keeps to the
    allowed grammar, else by Python's parser, for the builder to say what in
    it is not allowed. Warnings (say, on "1and x") are not printed: the error
    says what is wrong."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parser = _Parser(text)
        tree = parser.parse()
        if tree is not None:
            return tree
        try:
            return ast.parse(text, mode="eval").body
        except SyntaxError as error:
            where = f" at column {error.offset}" if error.offset else ""
            raise ExpressionError(
                f"invalid syntax{where} in {_quote(text)}: {shorten(error.msg)}"
            ) from None
        except (ValueError, RecursionError, MemoryError):
            # Python's parser gave up on the depth of a text ours stopped in.
            raise ExpressionError(
                f"cannot parse {_quote(text)}: unexpected {parser.stopped_at}"
            ) from None


# Binding power of each binary operator; ** groups from the right.
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "**": 4}
_UNARY_PRECEDENCE = 3  # -x ** 2 is -(x ** 2), and 2 * -x is 2 * (-x)
_OPERATORS: dict[str, ast.operator] = {
    "+": ast.Add(), "-": ast.Sub(), "*": ast.Mult(), "/": ast.Div(), "**": ast.Pow(),
}
_SKIPPED = {tokenize.NL, tokenize.COMMENT, tokenize.ENDMARKER}

Position = tuple[int, int]  # (line, column in UTF-8 bytes), as in Python's syntax tree


@dataclass
class _Operand:
    """A finished subtree, and where it stands in the text with any
    parentheses around it (what an operator applied to it spans)."""

    node: ast.expr
    start: Position
    end: Position


@dataclass
class _Pending:
    """An operator, an open parenthesis or an open call on the parser's stack."""

    kind: str  # "binary", "unary", "paren" or "call"
    symbol: str  # the operator, or the function's name
    start: Position
    operands_below: int = 0  # for a call: the operands stacked before its arguments
    name: ast.Name | None = None  # for a call: the function's name


class _Parser:
    """Operator precedence parsing (shunting-yard) of the allowed grammar into
    the syntax tree Python's parser makes of it, node for node and position
    for position, but with no recursion: one stack of finished subtrees, one
    of pending operators. `parse` returns None where the text leaves the
    grammar, `stopped_at` saying where."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.operands: list[_Operand] = []
        self.pending: list[_Pending] = []
        self.stopped_at = "end of text"

    def parse(self) -> ast.expr | None:
        try:
            tokens = [t for t in tokenize.generate_tokens(io.StringIO(self.text).readline)
                      if t.type not in _SKIPPED]
        except (tokenize.TokenError, SyntaxError):
            return None
        if tokens and tokens[-1].type == tokenize.NEWLINE:
            tokens.pop()  # the end of the text; any other NEWLINE is out of place
        expect_operand = True
        k = 0
        while k < len(tokens):
            token = tokens[k]
            self.stopped_at = f"{_quote(token.string)} at column {token.start[1] + 1}"
            if expect_operand and _is_name(token) and k + 1 < len(tokens) and (
                tokens[k + 1].string == "("
            ):
                name = _at(_name(token), _start(token), _end(token))
                self.pending.append(
                    _Pending("call", token.string, _start(token), len(self.operands), name)
                )
                k += 2  # the name and its opening parenthesis
                continue
            step = self._operand(token) if expect_operand else self._operator(token)
            if step is None:
                return None
            expect_operand = step
            k += 1
        self.stopped_at = "end of text"
        if expect_operand:
            return None
        while self.pending:
            if self.pending[-1].kind in ("paren", "call"):
                return None  # not closed
            self._reduce()
        return self.operands[0].node if len(self.operands) == 1 else None

    def _operand(self, token: tokenize.TokenInfo) -> bool | None:
        """Read a token where an operand belongs; whether one is still expected
        next (True after a prefix), or None if the token leaves the grammar."""
        if token.type == tokenize.NUMBER:
            try:
                number = ast.literal_eval(token.string)
            except (SyntaxError, ValueError):
                # Python refuses ints of more than 4300 digits, which no float holds anyway.
                if token.string.isdigit() and len(token.string) > 309:
                    raise ExpressionError(
                        f"the number is too large for a float: {_quote(token.string)} "
                        f"in {_quote(self.text)}"
                    ) from None
                return None  # as "0777": Python's parser says what is wrong
            self._push(ast.Constant(number), _start(token), _end(token))
            return False
        if _is_name(token):
            self._push(_name(token), _start(token), _end(token))
            return False
        if token.string == "(":
            self.pending.append(_Pending("paren", "(", _start(token)))
            return True
        if token.string == ")" and self.pending and self.pending[-1].kind == "call" and (
            self.pending[-1].operands_below == len(self.operands)
        ):
            return self._close(token)  # a call with no arguments, as in exp()
        if token.string in ("+", "-"):
            self.pending.append(_Pending("unary", token.string, _start(token)))
            return True
        return None

    def _operator(self, token: tokenize.TokenInfo) -> bool | None:
        """Read a token where an operator belongs (see `_operand`)."""
        if token.type == tokenize.OP and token.string in _PRECEDENCE:
            precedence = _PRECEDENCE[token.string]
            while self.pending and self.pending[-1].kind in ("binary", "unary"):
                top = self.pending[-1]
                above = _UNARY_PRECEDENCE if top.kind == "unary" else _PRECEDENCE[top.symbol]
                if above < precedence or (above == precedence and token.string == "**"):
                    break
                self._reduce()
            self.pending.append(_Pending("binary", token.string, _start(token)))
            return True
        if token.string in (")", ","):
            while self.pending and self.pending[-1].kind in ("binary", "unary"):
                self._reduce()
            if not self.pending:
                return None
            if token.string == ",":
                # Only between a call's arguments; (x, y) is a tuple.
                return True if self.pending[-1].kind == "call" else None
            return self._close(token)
        return None

    def _close(self, token: tokenize.TokenInfo) -> bool:
        """A closing parenthesis: of a group, or of a call's arguments."""
        opened = self.pending.pop()
        if opened.kind == "paren":
            # The subtree keeps its place; what applies to it spans the parentheses.
            self.operands[-1].start, self.operands[-1].end = opened.start, _end(token)
            return False
        arguments = [operand.node for operand in self.operands[opened.operands_below :]]
        del self.operands[opened.operands_below :]
        assert opened.name is not None
        self._push(ast.Call(opened.name, arguments, []), opened.start, _end(token))
        return False

    def _reduce(self) -> None:
        """Apply the pending operator on top to the operands on top."""
        operator = self.pending.pop()
        right = self.operands.pop()
        if operator.kind == "unary":
            op: ast.unaryop = ast.USub() if operator.symbol == "-" else ast.UAdd()
            self._push(ast.UnaryOp(op, right.node), operator.start, right.end)
            return
        left = self.operands.pop()
        node = ast.BinOp(left.node, _OPERATORS[operator.symbol], right.node)
        self._push(node, left.start, right.end)

    def _push(self, node: ast.expr, start: Position, end: Position) -> None:
        self.operands.append(_Operand(_at(node, start, end), start, end))


def _is_name(token: tokenize.TokenInfo) -> bool:
    return token.type == tokenize.NAME and not keyword.iskeyword(token.string)


def _name(token: tokenize.TokenInfo) -> ast.Name:
    return ast.Name(normalize_name(token.string), ast.Load())


def _start(token: tokenize.TokenInfo) -> Position:
    return _position(token, token.start)


def _end(token: tokenize.TokenInfo) -> Position:
    return _position(token, token.end)


def _position(token: tokenize.TokenInfo, where: tuple[int, int]) -> Position:
    """(line, column) as Python's syntax tree has it: the column in UTF-8 bytes."""
    line, column = where
    return line, len(token.line[:column].encode("utf-8"))


_Node = TypeVar("_Node", bound=ast.expr)


def _at(node: _Node, start: Position, end: Position) -> _Node:
    """`node`, placed in the text from `start` to `end`."""
    node.lineno, node.col_offset = start
    node.end_lineno, node.end_col_offset = end
    return node


# -- building ---------------------------------------------------------------------------


class _Builder:
    """Walks a parsed expression, building Values; rejects what is not allowed.

    The walk keeps its own stack, so the depth of the tree does not matter.
    """

    def __init__(
        self, text: str, variables: Mapping[str, float], default: float | None = None
    ) -> None:
        self.text = text
        self.variables = variables
        self.default = default
        self.leaves: dict[str, Value] = {}

    def build(self, tree: ast.expr) -> Value | int | float:
        """The Value of `tree`, or a plain number for a number literal or an
        expression of numbers only."""
        # Each entry: a node and, once its operands are on the stack above it, those.
        stack: list[tuple[ast.expr, list[ast.expr] | None]] = [(tree, None)]
        # Each built node: its result and the number of nodes in its subtree.
        built: dict[ast.expr, tuple[Value | int | float, int]] = {}
        while stack:
            node, operands = stack.pop()
            if operands is None:
                operands = self._operands(node)
                stack.append((node, operands))
                stack.extend((operand, None) for operand in reversed(operands))
                continue
            results = [built.pop(operand) for operand in operands]
            value = self._apply(node, [result for result, _ in results])
            size = 1 + sum(count for _, count in results)
            if isinstance(value, Value) and not value.label:
                value.label = self._label(node, size)
            built[node] = (value, size)
        return built[tree][0]

    def _operands(self, node: ast.expr) -> list[ast.expr]:
        """The operands to build before `node`; ExpressionError if `node` is
        not allowed."""
        if isinstance(node, (ast.Constant, ast.Name)):
            return []
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.UAdd, ast.USub)):
                raise self._error(node, f"operator {_symbol(node.op)} not allowed; use + - * / **")
            return [node.operand]
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY_OPS:
                raise self._error(node, f"operator {_symbol(node.op)} not allowed; use + - * / **")
            return [node.left, node.right]
        if isinstance(node, ast.Call):
            self._check_call(node)
            return list(node.args)
        kind = _REJECTED.get(type(node), type(node).__name__)
        raise self._error(node, f"{kind} not allowed")

    def _apply(self, node: ast.expr, operands: list[Value | int | float]) -> Value | int | float:
        """What `node` computes from its operands' results."""
        if isinstance(node, ast.Constant):
            return self._number(node)
        if isinstance(node, ast.Name):
            return self._variable(node)
        if isinstance(node, ast.UnaryOp):
            (operand,) = operands
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            left, right = operands
            apply = _BINARY_OPS[type(node.op)]
            if not isinstance(left, Value) and not isinstance(right, Value):
                return _fold(apply, left, right)
            return apply(left if isinstance(left, Value) else Value(left), right)
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        argument = operands[0] if isinstance(operands[0], Value) else Value(operands[0])
        if len(operands) == 2:
            slope = operands[1]
            if isinstance(slope, Value):
                raise self._error(node.args[1], "the slope of leaky_relu must be a number")
            return argument.leaky_relu(slope)
        return FUNCTIONS[node.func.id](argument)

    def _label(self, node: ast.expr, size: int) -> str:
        """The node's text, as Python writes it, if at most _MAX_LABEL
        characters. Each node writes at least one character, so a subtree of
        more nodes than that is not written out at all."""
        if size > _MAX_LABEL:
            return ""
        label = ast.unparse(node)
        return label if len(label) <= _MAX_LABEL else ""

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
        if name in FUNCTIONS and name not in self.variables:
            raise self._error(node, f"{name} is a function: call it, as in {name}(x)")
        value = self.variables.get(name, self.default)
        if value is None:
            written = shorten(self._piece(node), 40)
            raise self._error(
                node, f"variable {written!r} has no value (give it one, e.g. {written}=1)"
            )
        try:
            leaf = Value(value, label=name)
        except TypeError as error:
            raise TypeError(f"evaluate: variable {_quote(name)}: {error}") from None
        except ValueError as error:
            raise ExpressionError(f"variable {_quote(name)}: {error}") from None
        self.leaves[name] = leaf
        return leaf

    def _check_call(self, node: ast.Call) -> None:
        """ExpressionError unless `node` calls an allowed function rightly."""
        if not isinstance(node.func, ast.Name):
            raise self._error(node, "only calls of exp, log, tanh, sigmoid, relu, leaky_relu")
        name = node.func.id
        if name not in FUNCTIONS:
            allowed = ", ".join(FUNCTIONS)
            raise self._error(node, f"unknown function {_quote(name)}; allowed: {allowed}")
        if node.keywords:
            raise self._error(node, f"{name}() takes no keyword arguments")
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise self._error(node, f"{name}() takes no starred arguments")
        most = 2 if name == "leaky_relu" else 1
        if not 1 <= len(node.args) <= most:
            what = "an argument and an optional numeric slope" if most == 2 else "one argument"
            raise self._error(node, f"{name}() takes {what}, got {len(node.args)} arguments")

    def _piece(self, node: ast.AST) -> str:
        """The text of `node` as the user wrote it."""
        return ast.get_source_segment(self.text, node) or "?"

    def _error(self, node: ast.AST, message: str) -> ExpressionError:
        """An ExpressionError quoting the offending piece of the text."""
        piece = self._piece(node)
        where = "" if piece == self.text else f" in {_quote(self.text)}"
        return ExpressionError(f"{message}: {_quote(piece)}{where}")


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


def _quote(text: str) -> str:
    """The text quoted for a one-line message, cut in the middle if long."""
    return repr(shorten(text, 60))

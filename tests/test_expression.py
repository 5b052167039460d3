"""expression: the safe parser behind `micrograd graph` and `micrograd explain`."""

from __future__ import annotations

import ast
import builtins
import math
import warnings
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd import expression
from micrograd.engine import Value
from micrograd.expression import ExpressionError, evaluate

NEURON = {"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.0, "b": 6.8813735870195432}


def test_the_lecture_neuron() -> None:
    root, leaves = evaluate("tanh(x1*w1 + x2*w2 + b)", NEURON)
    assert root.data == math.tanh(2.0 * -3.0 + 0.0 * 1.0 + 6.8813735870195432)
    assert list(leaves) == ["x1", "w1", "x2", "w2", "b"]
    assert all(leaf.label == name and leaf.data == NEURON[name] for name, leaf in leaves.items())
    assert root._op == "tanh" and root.label == "tanh(x1 * w1 + x2 * w2 + b)"
    root.backward()
    assert leaves["x1"].grad == pytest.approx(-1.5)


def test_a_variable_used_twice_is_one_leaf() -> None:
    root, leaves = evaluate("x*x + x", {"x": 3.0})
    x = leaves["x"]
    product = root._prev[0]
    assert product._prev == (x, x) and root._prev[1] is x
    root.backward()
    assert x.grad == 7.0


def test_operations_are_labelled_with_their_text() -> None:
    root, _ = evaluate("x*w + b", {"x": 1.0, "w": 2.0, "b": 3.0})
    assert root.label == "x * w + b"
    assert root._prev[0].label == "x * w"


def test_very_long_labels_are_left_off() -> None:
    text = " + ".join(f"x{i}" for i in range(20))
    root, _ = evaluate(text, {f"x{i}": 1.0 for i in range(20)})
    assert root.label == "" and root.data == 20.0


def test_number_exponents_use_the_power_rule_node() -> None:
    assert evaluate("x ** 2", {"x": -3.0})[0]._op == "**2"
    assert evaluate("x ** -1", {"x": 4.0})[0]._op == "**-1"
    assert evaluate("x ** 0.5", {"x": 4.0})[0].data == 2.0
    assert evaluate("x ** y", {"x": 2.0, "y": 3.0})[0]._op == "**"


def test_arithmetic_unary_signs_and_functions() -> None:
    values = {"x": 0.5, "y": -2.0}
    cases = {
        "x - y": 2.5,
        "x / y": -0.25,
        "-x": -0.5,
        "+x": 0.5,
        "--x": 0.5,
        "2 * 3": 6.0,
        "exp(x)": math.exp(0.5),
        "log(x)": math.log(0.5),
        "sigmoid(0)": 0.5,
        "relu(y)": 0.0,
        "leaky_relu(y)": -0.02,
        "leaky_relu(y, 0.1)": -0.2,
        "leaky_relu(y, -0.5)": 1.0,
        "7": 7.0,
        "-7": -7.0,
    }
    for text, expected in cases.items():
        root, _ = evaluate(text, values)
        assert isinstance(root, Value)
        assert root.data == pytest.approx(expected, rel=1e-15), text


def test_numbers_alone_fold_to_one_number() -> None:
    # The exponent of x ** (3-1) is the number 2: the power rule, which takes
    # a negative base; x ** (1/2) is '**0.5', with no constant subgraph.
    root, _ = evaluate("x ** (3-1)", {"x": -2.0})
    assert (root._op, root.data) == ("**2", 4.0)
    root, leaves = evaluate("x ** (1/2)", {"x": 4.0})
    assert root._op == "**0.5" and root._prev == (leaves["x"],)
    root, leaves = evaluate("2 * 3", {})
    assert leaves == {} and root._prev == () and root.data == 6.0


def test_unused_variables_are_not_returned() -> None:
    _, leaves = evaluate("x", {"x": 1.0, "y": 2.0})
    assert list(leaves) == ["x"]


REJECTED = {
    "x.data": "attribute access",
    "x.__class__": "attribute access",
    "x[0]": "subscripts",
    "lambda: 1": "lambdas",
    "[x for x in y]": "comprehensions",
    "{x: 1 for x in y}": "comprehensions",
    "(x for x in y)": "comprehensions",
    "open('f')": "unknown function 'open'",
    "print(x)": "unknown function 'print'",
    "exp.__call__(x)": "only calls of",
    "exp(x=1)": "no keyword arguments",
    "exp(*x)": "no starred arguments",
    "exp(x, 2)": "takes one argument",
    "leaky_relu(x, 0.1, 2)": "an argument and an optional numeric slope",
    "leaky_relu(x, y)": "slope of leaky_relu must be a number",
    "__import__('os')": "unknown function '__import__'",
    "__builtins__": "names starting with __",
    "'abc'": "strings",
    "b'abc'": "strings",
    "True": "booleans",
    "None": "None",
    "...": "ellipsis constants",
    "1j": "complex constants",
    "x < 1": "comparisons",
    "x == y": "comparisons",
    "x and y": "and/or",
    "not x": "operator not",
    "x if y else 1": "conditional expressions",
    "x // 2": "operator //",
    "x % 2": "operator %",
    "x @ y": "operator @",
    "~x": "operator ~",
    "f'{x}'": "f-strings",
    "(x := 1)": "assignments",
    "[x]": "lists",
    "(x, y)": "tuples",
    "{x}": "sets",
    "{'a': x}": "dicts",
    "1e400": "too large for a float",
    "x +": "invalid syntax",
    "x = 1": "invalid syntax",
    "import os": "invalid syntax",
    "": "empty",
    "   ": "empty",
    "z": "variable 'z' has no value",
    "tanh": "tanh is a function",
    "softplus(x)": "unknown function 'softplus'",
}


@pytest.mark.parametrize("text", list(REJECTED))
def test_rejected_expressions_raise_one_line_expression_errors(text: str) -> None:
    with pytest.raises(ExpressionError, match=REJECTED[text].replace("(", r"\(")) as caught:
        evaluate(text, {"x": 1.0, "y": 2.0})
    assert isinstance(caught.value, ValueError)
    assert "\n" not in str(caught.value)


def test_a_rejected_expression_is_never_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("evaluate must not call eval or exec")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    marker = tmp_path / "ran"
    attack = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    with pytest.raises(ExpressionError):
        evaluate(attack, {})
    assert not marker.exists()
    assert evaluate("x + 1", {"x": 1.0})[0].data == 2.0


def test_the_message_quotes_the_offending_piece() -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate("exp(x) + y.z", {"x": 1.0, "y": 2.0})
    assert str(caught.value) == "attribute access not allowed: 'y.z' in 'exp(x) + y.z'"


def test_a_flat_sum_of_ten_thousand_terms_builds_left_to_right() -> None:
    root, leaves = evaluate("+".join(["x"] * 10_000), {"x": 1.0})
    assert root.data == 10_000.0 and list(leaves) == ["x"]
    node, depth = root, 0
    while node._prev:  # left-leaning: ((x + x) + x) + ...
        assert node._op == "+" and node._prev[1] is leaves["x"]
        node, depth = node._prev[0], depth + 1
    assert node is leaves["x"] and depth == 9_999
    root.backward()
    assert leaves["x"].grad == 10_000.0


def test_deep_nesting_builds_without_recursion() -> None:
    for text, value in [("(" * 5000 + "x" + ")" * 5000, 0.5), ("-" * 50_000 + "x", 0.5),
                        ("tanh(" * 5000 + "x" + ")" * 5000, None), ("x*" * 10_000 + "x", None)]:
        root, _ = evaluate(text, {"x": 0.5})
        if value is not None:
            assert root.data == value


def test_the_only_limit_on_size_is_the_length() -> None:
    limit = expression.MAX_LENGTH
    text = "x+" * ((limit - 1) // 2) + "x"
    assert len(text) <= limit
    assert evaluate(text, {"x": 1.0})[0].data == (limit + 1) // 2
    with pytest.raises(ExpressionError, match=f"has {len(text) + 2} characters; at most {limit}"):
        evaluate(text + "+x", {"x": 1.0})


@pytest.mark.parametrize(
    ("text", "message"),
    [("1" * 5000, "the number is too large for a float"),
     ("'a' + " + "x+" * 5000 + "x", "unexpected \"'a'\" at column 1"),
     ("x +" * 3000, "invalid syntax")],
)
def test_huge_input_that_is_not_allowed_gets_a_short_message(text: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message) as caught:
        evaluate(text, {"x": 1.0})
    assert len(str(caught.value)) < 400


def test_parsing_prints_no_warning(capfd: pytest.CaptureFixture[str]) -> None:
    # Python's parser warns "invalid decimal literal" on 1and: the error says enough.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ExpressionError, match="and/or not allowed"):
            evaluate("1and x", {"x": 1.0})
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize(
    ("text", "message"),
    [("x\udcff", "not text: the byte 0xff at column 2 is not UTF-8"),
     ("x + \x00", "not text: a NUL character at column 5"),
     ("\ud800", "not text: a lone surrogate U\\+D800 at column 1")],
)
def test_characters_that_are_not_text_are_named(text: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        evaluate(text, {"x": 1.0})


def test_names_are_compared_as_python_compares_them() -> None:
    # NFKC: the ligature ﬁ is fi, a fullwidth ｘ is x, wherever the name is written.
    root, leaves = evaluate("ﬁ*2", {"ﬁ": 1.5})
    assert root.data == 3.0 and list(leaves) == ["fi"]
    root, leaves = evaluate("ｘ + x", {"x": 2.0})
    assert root.data == 4.0 and list(leaves) == ["x"]
    with pytest.raises(ExpressionError, match="variables 'x' and 'ｘ' are one name"):
        evaluate("x", {"x": 1.0, "ｘ": 2.0})
    with pytest.raises(ExpressionError, match="variable 'ﬁ' has no value"):
        evaluate("ﬁ", {})
    assert expression.normalize_name("ﬁ") == "fi"


def test_bad_variable_values_name_the_variable() -> None:
    with pytest.raises(TypeError, match="variable 'x'"):
        evaluate("x", {"x": "2"})  # type: ignore[dict-item]
    with pytest.raises(ExpressionError, match="variable 'x'.*finite"):
        evaluate("x", {"x": math.inf})


def test_math_errors_come_from_the_engine_with_its_message() -> None:
    with pytest.raises(ZeroDivisionError, match="division"):
        evaluate("x / 0", {"x": 1.0})
    with pytest.raises(ValueError, match="log: its input must be > 0"):
        evaluate("log(x)", {"x": -1.0})
    with pytest.raises(OverflowError, match="pow"):
        evaluate("9 ** 9 ** 9", {})  # a float overflow, never a huge int


def test_the_text_must_be_a_string() -> None:
    with pytest.raises(TypeError, match="must be a str"):
        evaluate(3, {})  # type: ignore[arg-type]


# -- random expressions against plain float arithmetic -----------------------------------

LEAF_VALUES = {"x": 0.7, "y": -1.3, "z": 2.1}
FLOAT_FUNCTIONS = {
    "tanh": math.tanh,
    "relu": lambda v: max(v, 0.0),
    "sigmoid": lambda v: 1.0 / (1.0 + math.exp(-v)),
}


def expressions() -> st.SearchStrategy[tuple[str, float]]:
    """Random expression text with its value computed with floats."""
    variables = st.sampled_from(sorted(LEAF_VALUES)).map(lambda n: (n, LEAF_VALUES[n]))
    numbers = st.sampled_from([("1", 1.0), ("0.5", 0.5), ("3", 3.0)])
    leaves = variables | numbers

    def extend(inner: st.SearchStrategy[tuple[str, float]]) -> st.SearchStrategy[tuple[str, float]]:
        binary = st.tuples(inner, st.sampled_from("+-*"), inner).map(
            lambda t: (
                f"({t[0][0]} {t[1]} {t[2][0]})",
                {"+": t[0][1] + t[2][1], "-": t[0][1] - t[2][1], "*": t[0][1] * t[2][1]}[t[1]],
            )
        )
        call = st.tuples(st.sampled_from(sorted(FLOAT_FUNCTIONS)), inner).map(
            lambda t: (f"{t[0]}({t[1][0]})", FLOAT_FUNCTIONS[t[0]](t[1][1]))
        )
        negate = inner.map(lambda t: (f"-{t[0]}", -t[1]))
        return binary | call | negate

    return st.recursive(leaves, extend, max_leaves=12)


@settings(max_examples=100, deadline=None)
@given(expressions())
def test_random_expressions_compute_what_they_say(case: tuple[str, float]) -> None:
    text, expected = case
    root, leaves = evaluate(text, LEAF_VALUES)
    assert root.data == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert set(leaves) <= set(LEAF_VALUES)
    assert all(text.count(name) > 0 for name in leaves)


# -- the parser builds the tree Python's parser builds ----------------------------------------

SPACES = st.sampled_from(["", " ", "  ", "\t"])
NAMES = st.sampled_from(["x", "y1", "w_2", "ﬁ", "é", "_", "match"])
NUMBERS = st.sampled_from(["1", "0.5", "2e3", "1_000", "0x1f", ".5", "5.", "1e-5", "0", "1j"])


def texts() -> st.SearchStrategy[str]:
    """Text in the allowed grammar, any function name, with random spacing."""

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        binary = st.tuples(inner, SPACES, st.sampled_from(["+", "-", "*", "/", "**"]), SPACES,
                           inner).map("".join)
        unary = st.tuples(st.sampled_from(["-", "+"]), SPACES, inner).map("".join)
        group = st.tuples(SPACES, inner, SPACES).map(lambda t: f"({''.join(t)})")
        call = st.tuples(st.sampled_from(["exp", "tanh", "f"]),
                         st.lists(inner, max_size=3)).map(lambda t: f"{t[0]}({', '.join(t[1])})")
        return binary | unary | group | call

    return st.recursive(NAMES | NUMBERS, extend, max_leaves=15)


@settings(max_examples=300, deadline=None)
@given(texts())
def test_the_parser_builds_what_pythons_parser_builds(text: str) -> None:
    ours = expression._Parser(text).parse()
    assert ours is not None
    theirs = ast.parse(text, mode="eval").body
    assert ast.dump(ours, include_attributes=True) == ast.dump(theirs, include_attributes=True)


def test_a_default_gives_every_variable_without_a_value_one() -> None:
    # The explorer gives a variable the learner has just typed a value of 1.
    root, leaves = evaluate("x * y", {"x": 3.0}, default=1.0)
    assert root.data == 3.0 and leaves["y"].data == 1.0
    with pytest.raises(ExpressionError, match="'y' has no value"):
        evaluate("x * y", {"x": 3.0})
    with pytest.raises(ExpressionError, match="tanh is a function"):
        evaluate("tanh * 2", {}, default=1.0)


def test_what_can_name_a_variable() -> None:
    from micrograd.expression import is_variable_name

    assert is_variable_name("x1") and is_variable_name("w_out")
    assert not any(map(is_variable_name, ["", "1x", "x-1", "__class__", None, 3]))

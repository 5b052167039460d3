"""The explorer's model, without a browser: every request kind, its numbers
against `Value`s built directly, its errors, and the lessons."""

from __future__ import annotations

import copy
import json
import math
import random
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import micrograd
from micrograd import MLP, SGD, Adam, datasets
from micrograd.engine import Value, topological_order
from micrograd.explorer import LESSONS, Explorer, parse_hash
from micrograd.expression import evaluate
from micrograd.formulas import format_number
from micrograd.messages import one_line
from micrograd.trace import explain, trace_backward
from micrograd.train import fit, train_step
from micrograd.viz import grad_field

NEURON_HASH = "expr=tanh(x1*w1+x2*w2+b)&x1=2&x2=0&w1=-3&w2=1&b=6.8813735870195432"


def ask(explorer: Explorer, **message: Any) -> dict[str, Any]:
    answer: dict[str, Any] = json.loads(explorer.handle(json.dumps(message)))
    return answer


def ok(explorer: Explorer, **message: Any) -> dict[str, Any]:
    answer = ask(explorer, **message)
    assert answer["ok"], answer
    return answer


def refused(explorer: Explorer, **message: Any) -> dict[str, Any]:
    """The error of a refused request: typed, and its message on one line."""
    answer = ask(explorer, **message)
    assert answer["ok"] is False, answer
    error: dict[str, Any] = answer["error"]
    assert error["type"] and error["message"]
    assert "\n" not in error["message"]
    return error


def grads(answer: dict[str, Any]) -> dict[str, float]:
    return {v["name"]: float(v["grad_text"]) for v in answer["variables"]}


def direct(expr: str, values: dict[str, float]) -> tuple[Value, dict[str, Value]]:
    """The same graph built straight from the package, after backward."""
    root, leaves = evaluate(expr, values)
    root.label = "o"
    root.backward()
    return root, leaves


# -- the graph page -----------------------------------------------------------------


def test_the_neuron_by_url_shows_the_lectures_numbers() -> None:
    answer = ok(Explorer(), kind="open", hash=NEURON_HASH)
    assert answer["output"] == {"name": "o", "value": "0.707107",
                                "formula": "tanh(x1 * w1 + x2 * w2 + b)"}
    assert grads(answer) == {"x1": -1.5, "w1": 1.0, "x2": 0.5, "w2": 0.0, "b": 0.5}
    assert "data 0.7071 | grad 1.0000" in answer["dot"]
    assert answer["count"] == 10 and answer["step"]["index"] == 10


@settings(max_examples=30, deadline=None)
@given(st.floats(-20, 20), st.floats(-5, 5))
def test_a_value_change_gives_what_values_compute(w1: float, x2: float) -> None:
    explorer = Explorer()
    ok(explorer, kind="open", hash=NEURON_HASH)
    answer = ok(explorer, kind="set", values={"w1": repr(w1), "x2": x2})
    values = {"x1": 2.0, "x2": x2, "w1": w1, "w2": 1.0, "b": 6.8813735870195432}
    root, leaves = direct("tanh(x1*w1 + x2*w2 + b)", values)
    assert answer["output"]["value"] == format_number(root.data)
    for row in answer["variables"]:
        assert row["value"] == leaves[row["name"]].data
        assert row["grad_text"] == format_number(leaves[row["name"]].grad)
        assert float(row["value_exact"]) == leaves[row["name"]].data


def test_a_new_expression_keeps_known_values_and_starts_new_ones_at_1() -> None:
    explorer = Explorer()
    ok(explorer, kind="open", hash=NEURON_HASH)
    answer = ok(explorer, kind="set", expr="x1 * y")
    assert [(v["name"], v["value"]) for v in answer["variables"]] == [("x1", 2.0), ("y", 1.0)]
    assert answer["hash"] == "expr=x1%20*%20y&x1=2&y=1"
    assert answer["lesson"] is None


def test_the_hash_opens_the_same_graph_again() -> None:
    first = ok(Explorer(), kind="open", hash="lesson=softmax&x2=0.25")
    again = ok(Explorer(), kind="open", hash=first["hash"])
    assert again["hash"] == first["hash"]
    assert again["variables"] == first["variables"]
    assert again["lesson"]["name"] == "softmax"


def test_parse_hash_reads_the_issue_s_link_and_lessons() -> None:
    lesson, expr, values, note = parse_hash("#" + NEURON_HASH)
    assert lesson is None and expr == "tanh(x1*w1+x2*w2+b)" and note is None
    assert values["b"] == 6.8813735870195432
    lesson, expr, values, _ = parse_hash("")
    assert lesson is LESSONS[0] and expr == LESSONS[0].expr
    lesson, _, values, _ = parse_hash("lesson=reused&a=5")
    assert lesson is not None and values == {"a": 5.0, "b": 3.0}


def test_a_note_in_the_link_stays_beside_its_expression_only() -> None:
    explorer = Explorer()
    answer = ok(explorer, kind="open", hash="expr=x*y&x=2&y=3&note=Look%20at%20x%20%20now")
    assert answer["note"] == "Look at x now"
    assert ok(Explorer(), kind="open", hash=answer["hash"])["note"] == "Look at x now"
    assert ok(explorer, kind="set", values={"x": 1})["note"] == "Look at x now"
    assert ok(explorer, kind="set", expr="x*y + 1")["note"] is None


@pytest.mark.parametrize("name", ["lesson", "expr", "note"])
def test_a_variable_cannot_take_the_name_of_a_part_of_the_link(name: str) -> None:
    # A regression: `lesson * 2` made the link lesson=1, which opens no lesson.
    explorer = Explorer()
    ok(explorer, kind="open", hash=NEURON_HASH)
    error = refused(explorer, kind="set", expr=f"{name} * 2")
    assert error["field"] == "expr" and error["message"].startswith(f"'{name}' names a part")
    assert refused(Explorer(), kind="open", hash=f"expr=x*{name}")["field"] == "expr"


def test_each_step_shows_the_grads_known_so_far() -> None:
    explorer = Explorer()
    ok(explorer, kind="open", hash=NEURON_HASH)
    root, _ = direct("tanh(x1*w1 + x2*w2 + b)", {"x1": 2, "x2": 0, "w1": -3, "w2": 1,
                                               "b": 6.8813735870195432})
    captions = trace_backward(root).captions()
    start = ok(explorer, kind="step", index=0)
    assert set(start["grads"].values()) == {"grad ?"} and start["current"] == []
    assert start["caption"].startswith("forward pass done: o = 0.707107")
    for k in range(1, 11):
        step = ok(explorer, kind="step", index=k)
        assert step["caption"] == captions[k - 1]
    first = ok(explorer, kind="step", index=1)
    # The root's step: o and its tanh op, the edge into it and on to o.
    assert first["current"] == ["v9", "v9_op"]
    assert first["edges"] == [["v8", "v9_op"], ["v9_op", "v9"]]
    assert first["grads"]["v9"] == "grad 1.0000" and first["grads"]["v8"] == "grad 0.5000"
    assert first["grads"]["v0"] == "grad ?"


def test_the_last_step_s_grad_fields_are_the_ones_to_dot_writes() -> None:
    answer = ok(Explorer(), kind="open", hash="lesson=two-layer")
    records = dict(re.findall(r'(v\d+) \[label="\{ .*? \| .*? \| (grad [^ ]+) \}"', answer["dot"]))
    assert records == answer["step"]["grads"]


def test_the_first_step_seeds_the_root_with_its_symbol_bracketed() -> None:
    explorer = Explorer()
    ok(explorer, kind="open", hash="expr=-3")
    start = ok(explorer, kind="step", index=0)["caption"]
    assert start == "forward pass done: -3 = -3\nbackward starts at -3, seeded with ∂(-3)/∂(-3) = 1"
    # As the root's own step writes it.
    assert "∂(-3)/∂(-3) = 1" in ok(explorer, kind="step", index=1)["caption"]


def test_the_grad_fields_are_viz_s() -> None:
    assert (grad_field(None), grad_field(0.5), grad_field(-2.0)) == (
        "grad ?", "grad 0.5000", "grad -2.0000")


def test_a_node_s_paths_are_the_nodes_explain_goes_through() -> None:
    explorer = Explorer()
    answer = ok(explorer, kind="open", hash="lesson=two-layer")
    root, leaves = direct(answer["expr"], {v["name"]: v["value"] for v in answer["variables"]})
    ids = {v["name"]: v["id"] for v in answer["variables"]}
    order = topological_order(root)
    for name in ("b1", "y"):
        through = explain(root, leaves[name]).on_the_way
        node = ok(explorer, kind="node", id=ids[name])
        assert {f"v{i}" for i, n in enumerate(order) if n in through} == {
            n for n in node["paths"]["nodes"] if not n.endswith("_op")}


def test_a_leaf_s_node_info_holds_explain_and_its_paths() -> None:
    explorer = Explorer()
    ok(explorer, kind="open", hash="lesson=reused")
    node = ok(explorer, kind="node", id="v0")
    root, leaves = direct("(a*b) * (a+b)", {"a": -2.0, "b": 3.0})
    assert node["name"] == "a" and node["op"] == "leaf" and node["grad"] == "-3"
    assert node["explain"] == str(explain(root, leaves["a"]))
    # Both paths: a → a*b → o and a → a+b → o, with every edge along them.
    assert sorted(node["paths"]["nodes"]) == sorted(
        ["v0", "v2", "v3", "v4", "v2_op", "v3_op", "v4_op"])
    assert sorted(map(tuple, node["paths"]["edges"])) == sorted([
        ("v0", "v2_op"), ("v2_op", "v2"), ("v0", "v3_op"), ("v3_op", "v3"),
        ("v2", "v4_op"), ("v3", "v4_op"), ("v4_op", "v4")])
    # b is the second operand of both: its paths are found as well.
    node = ok(explorer, kind="node", id="v1")
    assert sorted(map(tuple, node["paths"]["edges"])) == sorted([
        ("v1", "v2_op"), ("v2_op", "v2"), ("v1", "v3_op"), ("v3_op", "v3"),
        ("v2", "v4_op"), ("v3", "v4_op"), ("v4_op", "v4")])


def test_an_op_node_s_info_gives_its_local_derivatives() -> None:
    explorer = Explorer()
    ok(explorer, kind="open", hash=NEURON_HASH)
    node = ok(explorer, kind="node", id="v9_op")  # a click on the tanh op
    assert node["name"] == "o" and node["op"] == "tanh"
    assert node["locals"] == [{
        "child": "x1 * w1 + x2 * w2 + b", "child_id": "v8",
        "symbol": "∂tanh(x1 * w1 + x2 * w2 + b)/∂(x1 * w1 + x2 * w2 + b)",
        "formula": "1 − tanh²(x1 * w1 + x2 * w2 + b)", "value": "0.5"}]


def test_the_lessons_are_listed_and_each_opens() -> None:
    explorer = Explorer()
    listed = ok(explorer, kind="lessons")["lessons"]
    assert [item["name"] for item in listed] == [lesson.name for lesson in LESSONS]
    for item in listed:
        answer = ok(explorer, kind="open", hash=item["hash"])
        assert answer["lesson"]["title"] == item["title"]


def lesson_grads(name: str) -> tuple[dict[str, float], dict[str, float]]:
    lesson = next(lesson for lesson in LESSONS if lesson.name == name)
    answer = ok(Explorer(), kind="open", hash=f"lesson={name}")
    exact = {v["name"]: v for v in answer["variables"]}
    _, leaves = direct(lesson.expr, dict(lesson.values))
    assert {name: float(v["grad_text"]) for name, v in exact.items()} == pytest.approx(
        {name: leaf.grad for name, leaf in leaves.items()}, rel=1e-5)
    return dict(lesson.values), {name: leaf.grad for name, leaf in leaves.items()}


def test_lesson_neuron_and_reused_numbers() -> None:
    _, g = lesson_grads("neuron")
    assert g == pytest.approx({"x1": -1.5, "w1": 1.0, "x2": 0.5, "w2": 0.0, "b": 0.5})
    _, g = lesson_grads("reused")
    # f = (a·b)(a + b): ∂f/∂a = b(a + b) + ab, ∂f/∂b = a(a + b) + ab.
    assert g == pytest.approx({"a": 3 * 1 + (-6), "b": -2 * 1 + (-6)})


def test_lesson_activations_adds_the_two_derivatives() -> None:
    values, g = lesson_grads("activations")
    z = values["z"]
    s = 1 / (1 + math.exp(-z))
    assert g["z"] == pytest.approx(s * (1 - s) + 1 - math.tanh(z) ** 2)


def test_lesson_softmax_gives_the_first_row_of_the_jacobian() -> None:
    values, g = lesson_grads("softmax")
    exps = [math.exp(values[k]) for k in ("x1", "x2", "x3")]
    sigma = [e / sum(exps) for e in exps]
    # J = diag(σ) − σσᵀ, row 1.
    row = [(1.0 if k == 0 else 0.0) * sigma[0] - sigma[0] * sigma[k] for k in range(3)]
    assert [g["x1"], g["x2"], g["x3"]] == pytest.approx(row)


def test_lesson_two_layer_gives_the_notes_dj_db1() -> None:
    v, g = lesson_grads("two-layer")
    sig = lambda t: 1 / (1 + math.exp(-t))  # noqa: E731
    z1 = v["W1"] * v["x"] + v["b1"]
    a1 = sig(z1)
    y_hat = sig(v["W2"] * a1 + v["b2"])
    dj_dz2 = 2 * (y_hat - v["y"]) * y_hat * (1 - y_hat)
    assert g["b1"] == pytest.approx(dj_dz2 * v["W2"] * sig(z1) * (1 - sig(z1)))


# -- errors and injection -----------------------------------------------------------


def test_bad_requests_are_refused_with_one_typed_line() -> None:
    explorer = Explorer()
    assert refused(explorer, kind="step", index=0)["message"] == "no graph yet: open one first"
    assert refused(explorer, kind="dance")["message"].startswith("unknown request kind 'dance'")
    answer = json.loads(explorer.handle("{not json"))
    assert answer["error"]["type"] == "RequestError"
    assert json.loads(explorer.handle("[1]"))["ok"] is False
    ok(explorer, kind="open", hash=NEURON_HASH)
    assert refused(explorer, kind="step", index=11)["field"] == "step"
    assert refused(explorer, kind="step", index=True)["field"] == "step"
    assert refused(explorer, kind="node", id="v99")["field"] == "node"
    error = refused(explorer, kind="set", values={"w1": "abc"})
    assert error == {"type": "RequestError", "message": "w1: 'abc' is not a number",
                     "field": "w1"}
    assert refused(explorer, kind="set", values={"w1": "inf"})["field"] == "w1"
    assert refused(explorer, kind="open", hash="lesson=nope")["field"] == "lesson"
    assert refused(explorer, kind="open", hash="expr=x&x-1=2")["type"] == "RequestError"


def test_errors_read_as_the_command_line_prints_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from micrograd.cli import main

    explorer = Explorer()
    ok(explorer, kind="open", hash=NEURON_HASH)
    for expr in ("tanh(x1 +", "log(x1 - 5)", "x1 ** -1 * 0 ** -1", "foo(x1)"):
        error = refused(explorer, kind="set", expr=expr)
        assert main(["graph", expr, "--set", "x1=2"]) == 2
        assert capsys.readouterr().err == f"micrograd: error: {error['message']}\n"


def test_an_error_of_several_lines_comes_out_as_one(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(text: str, values: object, **options: object) -> None:
        raise ArithmeticError("first line\n   second line")

    monkeypatch.setattr("micrograd.explorer.evaluate", fail)
    error = refused(Explorer(), kind="open", hash="expr=x")
    assert error == {"type": "ArithmeticError", "message": "first line second line",
                     "field": None}


@pytest.mark.parametrize("error", [KeyError("v9"), RecursionError("maximum recursion depth "
                                   "exceeded"), MemoryError(), TypeError("bad\nthing")])
def test_any_exception_is_answered_in_one_line_and_changes_nothing(
    monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    explorer = Explorer()
    before = ok(explorer, kind="open", hash=NEURON_HASH)

    def fail(*args: object) -> None:
        raise error

    # A bug in a handler, or in what it calls, reaches the view as an answer,
    # naming the error's type, so the page never waits for one that never comes.
    monkeypatch.setattr("micrograd.explorer._Graph.answer", fail)
    answer = refused(explorer, kind="set", expr="x * y")
    name = type(error).__name__
    assert answer["type"] == name and answer["field"] is None
    assert answer["message"] == (f"{name}: {one_line(error)}" if str(error) else name)
    monkeypatch.undo()
    assert ok(explorer, kind="set", values={})["hash"] == before["hash"]


def test_an_answer_that_is_not_json_is_refused_and_changes_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    explorer = Explorer()
    before = ok(explorer, kind="open", hash=NEURON_HASH)
    real = micrograd.explorer._Graph.answer

    def with_nan(graph: Any) -> dict[str, Any]:
        return {**real(graph), "value": math.nan}

    monkeypatch.setattr("micrograd.explorer._Graph.answer", with_nan)
    answer = refused(explorer, kind="set", expr="x1 * w1")
    assert answer["type"] == "ValueError" and "JSON" in answer["message"]
    monkeypatch.undo()
    assert ok(explorer, kind="set", values={})["hash"] == before["hash"]


INJECTIONS = [
    "__import__('os').system('touch /tmp/pwned')",
    "exec('import micrograd; micrograd.PWNED = 1')",
    "eval('1+1')",
    "().__class__.__bases__[0].__subclasses__()",
    "x1.__class__",
    "open('/etc/passwd')",
    "lambda: 0",
    "[x for x in ()]",
    "<img src=x onerror=window.pwned=1>",
    "x1; import os",
    "globals()",
    "tanh(x1, **{})",
]


@pytest.mark.parametrize("expr", INJECTIONS)
def test_injection_attempts_are_refused_and_nothing_runs(expr: str) -> None:
    explorer = Explorer()
    before = ok(explorer, kind="open", hash=NEURON_HASH)
    error = refused(explorer, kind="set", expr=expr)
    assert error["type"] == "ExpressionError"
    assert not hasattr(micrograd, "PWNED")
    # The graph stays the one before, and so does the answer of the next request.
    assert ok(explorer, kind="set", values={})["hash"] == before["hash"]
    error = refused(Explorer(), kind="open", hash="expr=" + expr.replace("&", "%26"))
    assert error["type"] == "ExpressionError"


# -- the training page --------------------------------------------------------------


def test_training_steps_are_fit_s_steps() -> None:
    explorer = Explorer()
    setup = ok(explorer, kind="train_setup", dataset="moons", hidden="8", lr="0.2")
    assert setup["step"] == 0 and setup["history"] == {"loss": [], "accuracy": []}
    for _ in range(3):
        answer = ok(explorer, kind="train_step", steps=2, boundary=False)
    assert "boundary" not in answer
    X, y = datasets.make_moons(n=100, seed=1337, labels="sign")
    model = MLP(2, [8, 1], rng=random.Random(1337))
    history = fit(model, X, y, SGD(model.parameters(), lr=0.2), loss="hinge", steps=6)
    assert answer["history"] == {"loss": history.loss, "accuracy": history.accuracy}


def test_a_diverging_request_changes_nothing_and_says_what_to_do() -> None:
    # With this learning rate the network after three steps overflows.
    settings = {"kind": "train_setup", "dataset": "moons", "loss": "mse", "lr": 1e6}
    explorer, twin = Explorer(), Explorer()
    for model in (explorer, twin):
        ok(model, **settings)
        for _ in range(2):
            ok(model, kind="train_step", steps=1)
    for steps in (50, 1):  # failing in a step, and in measuring the result of the last
        error = refused(explorer, kind="train_step", steps=steps)
        assert error["type"] == "RequestError" and error["field"] == "lr"
        assert error["message"].startswith("training diverged after step 3: dot: the result "
                                           "inf from inputs (")
        assert error["message"].endswith(". The learning rate 1e+06 is probably too large: "
                                         "lower it, or press Reset to start again")
    # The network, its optimizer and its history are those of the last answer.
    neuron = {"kind": "neuron", "layer": 0, "index": 0, "sample": 3}
    assert ok(explorer, **neuron) == ok(twin, **neuron)
    assert "network after 2 steps" in ok(explorer, **neuron)["note"]


def test_training_in_several_requests_is_one_run_of_fit() -> None:
    explorer = Explorer()
    ok(explorer, kind="train_setup", dataset="xor", hidden="4", optimizer="adam", lr=0.05)
    for steps in (1, 3, 2):
        answer = ok(explorer, kind="train_step", steps=steps, boundary=False)
    X, y = datasets.xor(n=100, seed=1337, labels="sign")
    model = MLP(2, [4, 1], rng=random.Random(1337))
    history = fit(model, X, y, Adam(model.parameters(), lr=0.05), steps=6)
    assert answer["history"] == {"loss": history.loss, "accuracy": history.accuracy}


def test_train_step_is_one_step_of_fit() -> None:
    X, y = datasets.xor(n=20, seed=3, labels="sign")
    model = MLP(2, [4, 1], rng=random.Random(3))
    twin = copy.deepcopy(model)
    history = fit(model, X, y, SGD(model.parameters(), lr=0.1, momentum=0.9), l2=0.01, steps=2)
    optimizer = SGD(twin.parameters(), lr=0.1, momentum=0.9)
    steps = [train_step(twin, X, y, optimizer, l2=0.01) for _ in range(2)]
    assert steps == list(zip(history.loss, history.accuracy, strict=True))
    assert twin.state_dict() == model.state_dict()


def test_the_boundary_grid_and_the_network_picture() -> None:
    answer = ok(Explorer(), kind="train_setup", loss="cross_entropy", hidden="4,3")
    boundary = answer["boundary"]
    assert len(boundary["classes"]) == len(boundary["ys"]) == 30
    assert {c for row in boundary["classes"] for c in row} <= {0, 1}
    assert all(0.0 <= p <= 1.0 for row in boundary["confidence"] for p in row)
    assert len(boundary["points"]) == len(boundary["labels"]) == 100
    network = answer["network"]
    assert [layer["size"] for layer in network["layers"]] == [2, 4, 3, 2]
    assert [len(layer) for layer in network["weights"]] == [4, 3, 2]


def test_a_hidden_neuron_opens_as_a_graph_of_its_own() -> None:
    explorer = Explorer()
    ok(explorer, kind="train_setup", hidden="5,4", activation="tanh")
    ok(explorer, kind="train_step", steps=3)
    answer = ok(explorer, kind="neuron", layer=1, index=2, sample=7)
    assert answer["expr"] == "tanh(b + w1*h1 + w2*h2 + w3*h3 + w4*h4 + w5*h5)"
    graph = ok(Explorer(), kind="open", hash=answer["hash"])
    # The network's own neuron, on the same sample, gives the same number.
    model = explorer._training.model  # type: ignore[union-attr]
    X = explorer._training.X  # type: ignore[union-attr]
    hidden = model.layers[1].outputs(model.layers[0].outputs(X[7]))
    assert graph["output"]["value"] == format_number(hidden[2].data) == answer["output"]
    assert refused(explorer, kind="neuron", layer=2, index=0, sample=0)["field"] == "layer"


def relu_neuron_graph(explorer: Explorer, **where: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A hidden neuron's answer, and its graph opened as the graph page opens it."""
    answer = ok(explorer, kind="neuron", layer=0, **where)
    return answer, ok(Explorer(), kind="open", hash=answer["hash"])


def test_a_relu_neuron_opens_on_a_sample_where_it_fires_and_says_so() -> None:
    explorer = Explorer()
    ok(explorer, kind="train_setup", hidden="16")
    ok(explorer, kind="train_step", steps=20)
    training = explorer._training  # type: ignore[union-attr]
    for index, neuron in enumerate(training.model.layers[0].neurons):
        fires = [s for s, x in enumerate(training.X) if neuron(x).data > 0.0]
        answer, graph = relu_neuron_graph(explorer, index=index)
        assert answer["sample"] == fires[0]
        assert float(graph["output"]["value"]) > 0.0
        assert any(float(v["grad_text"]) != 0.0 for v in graph["variables"])
        assert graph["note"] == answer["note"]
        assert f"neuron {index + 1} (relu)" in answer["note"]
        assert f"on sample {fires[0]}:" in answer["note"]
        if fires[0] > 0:
            assert "the first sample where its ReLU fires" in answer["note"]
    assert any(answer["sample"] > 0 for answer in
               (ok(explorer, kind="neuron", layer=0, index=i) for i in range(16)))


def test_a_neuron_keeps_the_learner_s_sample_and_says_when_it_does_not_fire() -> None:
    explorer = Explorer()
    ok(explorer, kind="train_setup", hidden="4")
    training = explorer._training  # type: ignore[union-attr]
    neuron = training.model.layers[0].neurons[1]
    silent = next(s for s, x in enumerate(training.X) if neuron(x).data <= 0.0)
    answer, graph = relu_neuron_graph(explorer, index=1, sample=silent)
    assert answer["sample"] == silent and graph["output"]["value"] == "0"
    assert {float(v["grad_text"]) for v in graph["variables"]} == {0.0}
    assert "does not fire here" in answer["note"] and "Leave the sample empty" in answer["note"]
    # The page's empty box means no choice.
    assert ok(explorer, kind="neuron", layer=0, index=1, sample="")["sample"] != silent


def test_a_dead_relu_is_called_dead() -> None:
    explorer = Explorer()
    ok(explorer, kind="train_setup", hidden="4")
    explorer._training.model.layers[0].neurons[2].b.data = -100.0  # type: ignore[union-attr]
    answer, graph = relu_neuron_graph(explorer, index=2)
    assert answer["sample"] == 0 and graph["output"]["value"] == "0"
    assert "fires on none of the 100 samples: a dead neuron" in answer["note"]


def test_a_tanh_neuron_opens_on_sample_0_with_its_note() -> None:
    explorer = Explorer()
    ok(explorer, kind="train_setup", hidden="4", activation="tanh")
    answer = ok(explorer, kind="neuron", layer=0, index=0)
    assert answer["sample"] == 0
    assert answer["note"].startswith("Hidden layer 1, neuron 1 (tanh) of the training page's "
                                     "network after 0 steps, on sample 0: the point (")


def test_three_classes_train_with_cross_entropy_unless_told_otherwise() -> None:
    explorer = Explorer()
    for dataset in ("blobs", "spiral"):
        setup = ok(explorer, kind="train_setup", dataset=dataset, classes=3, hidden="8", lr=0.1)
        assert setup["loss_name"] == "cross_entropy" and setup["classes"] == 3
        assert [layer["size"] for layer in setup["network"]["layers"]] == [2, 8, 3]
        assert set(setup["boundary"]["labels"]) == {0, 1, 2}
        answer = ok(explorer, kind="train_step", steps=3)
        X, y = getattr(datasets, "make_blobs" if dataset == "blobs" else "spiral")(
            n=100, seed=1337, **({"centers": 3} if dataset == "blobs" else {"classes": 3}))
        model = MLP(2, [8, 3], rng=random.Random(1337))
        history = fit(model, X, y, SGD(model.parameters(), lr=0.1), loss="cross_entropy",
                      steps=3)
        assert answer["history"]["loss"] == history.loss
    # Blobs are easy: every class is predicted somewhere, and all points end up right.
    ok(explorer, kind="train_setup", dataset="blobs", classes=3, hidden="4", optimizer="adam",
       lr=0.1)
    answer = ok(explorer, kind="train_step", steps=15)
    assert answer["accuracy"] == 1.0
    assert {c for row in answer["boundary"]["classes"] for c in row} == {0, 1, 2}


def test_two_classes_train_with_hinge_unless_told_otherwise() -> None:
    explorer = Explorer()
    assert ok(explorer, kind="train_setup")["loss_name"] == "hinge"
    assert ok(explorer, kind="train_setup", loss="")["loss_name"] == "hinge"
    answer = ok(explorer, kind="train_setup", dataset="spiral", loss="bce")
    assert answer["loss_name"] == "bce" and answer["network"]["layers"][-1]["size"] == 1


def test_the_loss_curve_s_axes_are_round_and_hold_every_point() -> None:
    explorer = Explorer()
    start = ok(explorer, kind="train_setup", dataset="xor", loss="mse", hidden="8")
    assert start["axes"]["step"]["ticks"][0] == {"value": 0, "text": "0"}
    for _ in range(4):
        answer = ok(explorer, kind="train_step", steps=7, boundary=False)
        for name, values in (("loss", answer["history"]["loss"]),
                             ("step", range(1, answer["step"] + 1))):
            axis = answer["axes"][name]
            ticks = [tick["value"] for tick in axis["ticks"]]
            assert ticks[0] == 0 and ticks[-1] == axis["max"] >= max(values)
            assert 2 <= len(ticks) <= 6
            gaps = {round(b - a, 12) for a, b in zip(ticks[:-1], ticks[1:], strict=True)}
            assert len(gaps) == 1  # evenly spaced, at a round step
            (gap,) = gaps
            assert re.fullmatch(r"[125]0*|0\.0*[125]", format_number(gap))
            assert [tick["text"] for tick in axis["ticks"]] == [format_number(t) for t in ticks]
    assert all(isinstance(t["value"], int) or t["value"].is_integer()
               for t in answer["axes"]["step"]["ticks"])


def test_bad_training_settings_name_their_field() -> None:
    explorer = Explorer()
    assert refused(explorer, kind="train_step")["message"].startswith("no network yet")
    for setting, value in [("dataset", "iris"), ("hidden", "16,x"), ("hidden", "100"),
                           ("lr", "-1"), ("loss", "l1"), ("activation", "gelu"),
                           ("classes", 5), ("classes", 1)]:
        assert refused(explorer, kind="train_setup", **{setting: value})["field"] == setting
    assert refused(explorer, kind="train_setup", dataset="moons", classes=3) == {
        "type": "RequestError", "field": "classes",
        "message": "classes: the moons dataset has two classes, got 3"}
    assert refused(explorer, kind="train_setup", dataset="blobs", classes=3, loss="hinge") == {
        "type": "RequestError", "field": "loss",
        "message": "loss: hinge separates two classes; 3 classes need cross_entropy"}

"""`micrograd.explore`: the notebook widget's kernel side, without a browser.

The view sends the widget {view, id, request} and draws what comes back; here
the tests send what a view sends and check the answers against Values built
afresh, and check what a saved notebook keeps of the widget (its picture).
"""

from __future__ import annotations

import base64
import json
import math
import random
import re
import sys
from typing import Any

import pytest
from conftest import require_dot, require_module
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd import MLP, Value, explore
from micrograd.explorer import ValueGraph
from micrograd.formulas import format_number

require_module("anywidget")
from micrograd import widget as widget_module  # noqa: E402 (after the check above)
from micrograd.widget import ExplorerWidget  # noqa: E402

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
finite = st.floats(-4.0, 4.0, allow_nan=False)


def lecture_neuron(x1: float = 2.0, w1: float = -3.0, b: float = 6.8813735870195432) -> Value:
    """The lecture's neuron, its leaves and inner nodes labelled as there."""
    x1v, w1v = Value(x1, label="x1"), Value(w1, label="w1")
    x2, w2 = Value(0.0, label="x2"), Value(1.0, label="w2")
    n = x1v * w1v + x2 * w2 + Value(b, label="b")
    n.label = "n"
    return n.tanh()


def ask(widget: ExplorerWidget, request: dict[str, Any], view: str = "view-1") -> dict[str, Any]:
    """What a view gets back for a request: the model's answer, with its SVG."""
    message = widget.handle(view, json.dumps(request))
    answer: dict[str, Any] = json.loads(message["reply"])
    if "svg" in message:
        answer["svg"] = message["svg"]
    return answer


def leaves_of(widget: ExplorerWidget, view: str = "view-1") -> dict[str, Value]:
    """The copy's leaves behind a view's sliders, by slider name."""
    return dict(widget._explorers[view]._graph.leaves)  # type: ignore[union-attr]


@settings(max_examples=30, deadline=None)
@given(x1=finite, w1=finite, b=finite)
def test_a_slider_moved_gives_what_values_built_afresh_give(x1: float, w1: float, b: float) -> None:
    o = lecture_neuron()
    widget = explore(o)
    ask(widget, {"kind": "open", "rankdir": "TB"})
    answer = ask(widget, {"kind": "set", "values": {"x1": x1, "w1": str(w1), "b": b}})
    assert answer["ok"], answer
    fresh = lecture_neuron(x1, w1, b)
    fresh.backward()
    assert answer["output"]["value"] == format_number(fresh.data)
    by_name = {v.label: v for v in _leaves(fresh)}
    shown = {v["name"]: v for v in answer["variables"]}
    assert set(shown) == {"x1", "w1", "x2", "w2", "b"}
    for name, leaf in leaves_of(widget).items():
        # Exactly: the copy is built by the same ops on the same numbers.
        assert (leaf.data, leaf.grad) == (by_name[name].data, by_name[name].grad)
        assert shown[name]["grad_text"] == format_number(by_name[name].grad)


def _leaves(root: Value) -> list[Value]:
    from micrograd.engine import topological_order

    return [v for v in topological_order(root) if not v._prev]


@pytest.mark.parametrize("backward_first", [False, True])
def test_the_learners_values_never_change(backward_first: bool) -> None:
    from micrograd.engine import topological_order

    o = lecture_neuron()
    if backward_first:
        o.backward()
    nodes = topological_order(o)

    def seen() -> list[tuple[float, float, str, tuple[Value, ...], tuple[float, ...]]]:
        return [(v.data, v.grad, v.label, v._prev, v.local_grads) for v in nodes]

    before = seen()
    widget = explore(o)
    ask(widget, {"kind": "open"})
    ask(widget, {"kind": "set", "values": {"x1": -1.5}})
    ask(widget, {"kind": "step", "index": 3})
    ask(widget, {"kind": "node", "id": "v0"})
    widget._repr_mimebundle_()
    assert seen() == before


def test_the_graph_has_the_learners_labels_and_ops() -> None:
    widget = explore(lecture_neuron())
    answer = ask(widget, {"kind": "open", "rankdir": "TB"})
    assert answer["expr"] is None and answer["hash"] is None
    assert answer["output"]["name"] == "o"  # the lecture's name for an unlabelled output
    assert answer["output"]["formula"] == "tanh(n)"
    dot = answer["dot"]
    assert '"{ n | data 0.8814 |' in dot and '[label="tanh"]' in dot and "rankdir=TB" in dot
    assert answer["count"] == answer["step"]["count"] > 0


def test_a_graph_comes_with_its_layout_in_svg_and_a_step_without() -> None:
    require_dot()
    widget = explore(lecture_neuron())
    opened = ask(widget, {"kind": "open"})
    assert opened["svg"]["text"].lstrip().startswith("<?xml")
    assert "<svg" in opened["svg"]["text"] and "x1" in opened["svg"]["text"]
    assert "svg" not in ask(widget, {"kind": "step", "index": 1})


def test_without_dot_the_view_is_told_why(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(dot: str) -> str:
        raise widget_module.RenderError("Graphviz's `dot` program is not installed: ...")

    monkeypatch.setattr(widget_module, "dot_to_svg", missing)
    widget_module._svg.cache_clear()  # a layout made before, with dot, is remembered
    opened = ask(explore(lecture_neuron()), {"kind": "open"})
    assert opened["ok"] and opened["svg"] == {"error": "Graphviz's `dot` program is not "
                                                        "installed: ..."}


def test_a_message_from_a_view_is_answered_to_that_view(monkeypatch: pytest.MonkeyPatch) -> None:
    widget = explore(lecture_neuron())
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(widget, "send", sent.append)
    request = json.dumps({"kind": "open"})
    widget._on_message(widget, {"view": "a", "id": 7, "request": request}, [])
    widget._on_message(widget, {"something": "else"}, [])  # not a view's request: no answer
    assert len(sent) == 1
    assert (sent[0]["view"], sent[0]["id"]) == ("a", 7)
    assert json.loads(sent[0]["reply"])["ok"]


def test_a_view_that_goes_lets_its_explorer_go(monkeypatch: pytest.MonkeyPatch) -> None:
    widget = explore(lecture_neuron())
    monkeypatch.setattr(widget, "send", lambda message: None)
    for view in ("a", "b"):
        widget._on_message(widget, {"view": view, "id": 0, "request": '{"kind": "open"}'}, [])
    widget._on_message(widget, {"view": "a", "close": True}, [])
    assert list(widget._explorers) == ["b"]


def test_each_view_has_its_own_sliders() -> None:
    widget = explore(lecture_neuron())
    for view in ("a", "b"):
        ask(widget, {"kind": "open"}, view)
    ask(widget, {"kind": "set", "values": {"x1": 1.0}}, "a")
    assert leaves_of(widget, "a")["x1"].data == 1.0
    assert leaves_of(widget, "b")["x1"].data == 2.0


def test_bad_requests_are_answered_in_place_and_change_nothing() -> None:
    widget = explore(lecture_neuron())
    ask(widget, {"kind": "open"})
    for request, field in [
        ({"kind": "set", "expr": "x1 * 2"}, "expr"),
        ({"kind": "set", "values": {"nope": 1}}, "expr"),
        ({"kind": "set", "values": {"x1": "inf"}}, "x1"),
        ({"kind": "set", "values": {"x1": "two"}}, "x1"),
    ]:
        answer = ask(widget, request)
        assert not answer["ok"] and answer["error"]["field"] == field, answer
    assert leaves_of(widget)["x1"].data == 2.0


def test_a_math_error_is_answered_as_the_engine_raises_it() -> None:
    x = Value(2.0, label="x")
    widget = explore(x.log())
    ask(widget, {"kind": "open"})
    answer = ask(widget, {"kind": "set", "values": {"x": -1}})
    assert answer["error"]["message"] == "log: its input must be > 0, got -1.0"
    assert leaves_of(widget)["x"].data == 2.0


def test_unlabelled_leaves_have_no_slider_and_the_note_says_how_to_get_one() -> None:
    answer = ask(explore(Value(2.0) * Value(3.0)), {"kind": "open"})
    assert answer["variables"] == []
    assert "label" in answer["fixed"] and "Value(2.0, label='x')" in answer["fixed"]


def test_a_leaf_under_an_op_built_by_hand_has_no_slider_and_the_note_says_why() -> None:
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    by_hand = Value(a.data * 10.0, (a,), "times ten", _local=(10.0,))
    o = by_hand + b
    answer = ask(explore(o), {"kind": "open"})
    assert [v["name"] for v in answer["variables"]] == ["b"]
    assert answer["fixed"].startswith("No slider for a: it sits below an op built by hand")
    two = Value(a.data + b.data, (a, b), "by hand", _local=(1.0, 1.0))
    assert ValueGraph(two * 2).fixed.startswith("No slider for a, b: they sit below")


def test_the_output_is_named_apart_from_every_label_in_the_graph() -> None:
    x = Value(0.5, label="x")
    inner = x * 2
    inner.label = "o"
    answer = ask(explore(inner.tanh()), {"kind": "open"})
    assert answer["output"]["name"] == "out" and answer["output"]["formula"] == "tanh(o)"


def test_a_graph_too_large_to_follow_a_slider_is_refused_at_once() -> None:
    from micrograd.explorer import MAX_EXPLORED

    x = Value(1.0, label="x")
    chain = x
    for _ in range(MAX_EXPLORED):
        chain = chain * 1.0
    with pytest.raises(ValueError, match=rf"has {2 * MAX_EXPLORED + 1} nodes, more than"):
        explore(chain)


def test_a_value_without_a_graph_is_refused_at_once() -> None:
    from micrograd import no_grad

    x = Value(0.5, label="x")
    with no_grad():
        made = x.tanh()
    with pytest.raises(RuntimeError, match="made under no_grad"):
        explore(made)


def test_a_model_input_that_does_not_reach_the_output_is_named() -> None:
    with pytest.raises(ValueError, match="'x2' cannot have a slider"):
        explore(lambda xs: xs[0] * 2.0, [1.0, 2.0])


def test_labels_that_repeat_get_unique_slider_names() -> None:
    o = Value(1.0, label="x") * Value(2.0, label="x")
    assert list(ValueGraph(o).sliders) == ["x", "x#2"]


def test_a_network_on_one_sample_moves_with_its_inputs() -> None:
    model = MLP(3, [4, 1], rng=random.Random(0))
    widget = explore(model, [0.5, -1.0, 2.0])
    opened = ask(widget, {"kind": "open"})
    assert [v["name"] for v in opened["variables"]] == ["x1", "x2", "x3"]
    assert "w1_1_1" in opened["dot"] and "b2_1" in opened["dot"]
    answer = ask(widget, {"kind": "set", "values": {"x2": 0.25}})
    fresh = model([0.5, 0.25, 2.0])
    assert answer["output"]["value"] == format_number(fresh.data)  # type: ignore[union-attr]
    for p in model.parameters():  # the learner's parameters kept their labels and grads
        assert (p.label, p.grad) == ("", 0.0)


def test_a_network_with_several_outputs_asks_for_one() -> None:
    with pytest.raises(ValueError, match="gives 2 outputs"):
        explore(MLP(2, [2], rng=random.Random(0)), [1.0, 2.0])
    with pytest.raises(TypeError, match="expected a Value, got float"):
        explore(2.0)  # type: ignore[arg-type]


def test_a_saved_notebook_keeps_a_picture_of_the_graph() -> None:
    require_dot()
    widget = explore(lecture_neuron())
    data, _ = widget._repr_mimebundle_()
    assert data[WIDGET_VIEW]["model_id"] == widget.model_id
    assert "<svg" in data["image/svg+xml"] and "tanh" in data["image/svg+xml"]
    assert "sliders: x1, w1, x2, w2, b" in data["text/plain"]


def test_the_view_is_the_sites_own_modules_each_after_what_it_imports() -> None:
    names = [name for name, _ in widget_module._modules("widget.mjs")]
    assert names[-1] == "widget.mjs" and "graph-explorer.mjs" in names
    seen: set[str] = set()
    for name, text in widget_module._modules("widget.mjs"):
        assert set(widget_module._IMPORT.findall(text)) <= seen, name
        assert "vendor/" not in text  # the kernel lays the graph out: no Graphviz in wasm
        seen.add(name)
    for name in names:
        assert f'["{name}", ' in ExplorerWidget._esm


def test_without_anywidget_explore_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "anywidget", None)
    monkeypatch.delitem(sys.modules, "micrograd.widget")
    with pytest.raises(ImportError, match=r"pip install 'micrograd\[jupyter\]'"):
        explore(lecture_neuron())


def test_slider_ranges_hold_the_value() -> None:
    answer = ask(explore(Value(123.0, label="big").tanh()), {"kind": "open"})
    (big,) = answer["variables"]
    assert big["min"] <= 123.0 <= big["max"] and math.isclose(big["max"], 160.0)


def test_a_saved_notebook_shows_the_picture_where_no_kernel_runs(tmp_path: Any) -> None:
    """As a code-hosting site or nbviewer shows a notebook: nbconvert's HTML,
    from a notebook run and saved as notebooks/build.py saves one (no widget
    state), holds the graph's picture in place of the live widget."""
    require_dot()
    nbformat = require_module("nbformat")
    require_module("nbclient")
    require_module("nbconvert")
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(
        "from micrograd import Value, explore\n"
        "x = Value(0.5, label='x')\n"
        "explore((x * x).tanh())")]
    NotebookClient(notebook, kernel_name="python3", timeout=120,
                   store_widget_state=False).execute()
    html, _ = HTMLExporter().from_notebook_node(notebook)
    body = html[html.index("<body"):]
    # The cell's one output is the picture, as an image of the graph's SVG.
    outputs = re.findall(r'class="[^"]*jp-OutputArea-output[^"]*" data-mime-type="([^"]+)"', body)
    assert outputs == ["image/svg+xml"]
    encoded = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', body)
    assert encoded is not None
    svg = base64.b64decode(encoded[1]).decode("utf-8")
    assert "<svg" in svg and "tanh" in svg and "grad 1.0000" in svg

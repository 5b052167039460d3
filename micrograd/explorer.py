"""The explorer's model: the state of one learner's page, answering its view.

An `Explorer` holds an expression with its variables' values (the graph page),
or a learner's own Value (`ValueGraph`, for a notebook's `micrograd.explore`),
and a network with its data (the training page), and answers requests given
as JSON text through one entry point, `handle(request) -> answer`. It knows
nothing of browsers: the same object can serve the static site (in Pyodide)
and a notebook widget (in the kernel). The view draws what it answers and
computes no numbers of its own.

Requests, each an object with a "kind":

    open        {"hash": "expr=tanh(x*w)&x=2&w=1"} or {"hash": "lesson=neuron"}; a
                hash may carry a note=... to show beside the graph; without a
                hash, the Explorer's ValueGraph (its answer's expr and hash null)
    set         {"expr": "...", "values": {"x": "2.5"}}, either or both (a
                ValueGraph's: values only, by slider name)
    step        {"index": k}: the graph after k steps of backward (0 to count)
    node        {"id": "v3"}: a node's op, local derivatives and explain
    lessons     the built-in lessons
    train_setup {"dataset", "classes", "hidden", "activation", "loss", "optimizer",
                "lr", "seed"}; no loss: hinge for two classes, else cross_entropy
    train_step  {"steps": k, "boundary": true}: train k steps, then report
    neuron      {"layer": i, "index": j, "sample": s}: one hidden neuron's
                graph for one sample (without one: a sample where it passes
                gradient on), as a graph-page hash with a note saying which

An answer is {"ok": true, ...} or {"ok": false, "error": {"type", "message",
"field"}}, the message on one line as the command line prints it and
"field" naming the input at fault ("expr", a variable, a setting) or null.
A request that fails, whatever the reason (bad input, the math error it
causes, training that diverges, a bug), is answered this way and changes
nothing: the state stays as it was. Expressions go through
`expression.evaluate`'s whitelist; nothing is run.
"""

from __future__ import annotations

import copy
import json
import math
import random
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import quote, unquote

from micrograd.datasets import DATASETS, dataset_classes, make_dataset, to_sign
from micrograd.engine import Value, no_grad, topological_order
from micrograd.expression import evaluate, is_variable_name
from micrograd.formulas import (
    format_number,
    forward_formula,
    local_formula,
    partial,
    partial_symbol,
)
from micrograd.messages import one_line
from micrograd.nn import ACTIVATIONS, MLP, Neuron
from micrograd.optim import Optimizer
from micrograd.replay import movable_leaves, replay
from micrograd.trace import BackwardTrace, explain, trace_backward
from micrograd.train import (
    LOSS_LABELS,
    LOSSES,
    OPTIMIZERS,
    default_loss,
    make_optimizer,
    outputs_for,
    train_step,
)
from micrograd.train import evaluate as evaluate_model
from micrograd.viz import grad_field, grid_axis, to_dot

__all__ = [
    "DEFAULT_VALUE",
    "MAX_EXPLORED",
    "LESSONS",
    "Explorer",
    "Lesson",
    "Link",
    "RequestError",
    "TrainingSettings",
    "ValueGraph",
    "parse_hash",
]

Answer = dict[str, Any]


class RequestError(ValueError):
    """A request the explorer cannot answer: bad JSON, an unknown kind, a bad
    value. `field` names the input at fault, for the view to show it there."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# -- lessons --------------------------------------------------------------------


@dataclass(frozen=True)
class Lesson:
    """A graph worth looking at, addressable as `#lesson=<name>`."""

    name: str
    title: str
    expr: str
    values: Mapping[str, float]
    text: str  # what to look at


LESSONS: tuple[Lesson, ...] = (
    Lesson(
        "neuron",
        "A neuron",
        "tanh(x1*w1 + x2*w2 + b)",
        {"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.0, "b": 6.8813735870195432},
        "The lecture's neuron: o = tanh(x1·w1 + x2·w2 + b) = 0.7071. Step through "
        "backward: tanh passes on 1 − o² = 0.5, each + passes its gradient unchanged, "
        "each · gives one input the other input's value times the gradient, so "
        "w2.grad = x2 · 0.5 = 0 because x2 = 0.",
    ),
    Lesson(
        "reused",
        "A node used twice",
        "(a*b) * (a+b)",
        {"a": -2.0, "b": 3.0},
        "a and b each feed two nodes, so each gets a gradient along two paths and "
        "backward adds them: ∂o/∂a = b·(a + b) + (a·b)·1 = 3 − 6 = −3. Click a to see "
        "both paths; step through backward to watch a.grad arrive in two parts.",
    ),
    Lesson(
        "activations",
        "Sigmoid vs tanh",
        "sigmoid(z) + tanh(z)",
        {"z": 0.5},
        "Both squash z, and both local derivatives come from the output: "
        "σ' = σ(1 − σ), at most 0.25, and tanh' = 1 − tanh², at most 1 (on the edges "
        "into each op). Drag z towards ±4: both vanish, the saturation that slows "
        "training.",
    ),
    Lesson(
        "softmax",
        "Softmax and its Jacobian",
        "exp(x1) / (exp(x1) + exp(x2) + exp(x3))",
        {"x1": 2.0, "x2": 1.0, "x3": 0.1},
        "The first output of softmax, σ1 = e^x1 / Σ e^xj. Its gradient is the first "
        "row of the Jacobian diag(σ) − σσᵀ: ∂σ1/∂x1 = σ1(1 − σ1) (two paths, x1 is "
        "in the numerator and the sum) and ∂σ1/∂xk = −σ1·σk for k ≠ 1.",
    ),
    Lesson(
        "two-layer",
        "A two-layer network's dJ/db1",
        "(sigmoid(W2*sigmoid(W1*x + b1) + b2) - y)**2",
        {"x": 0.5, "W1": 0.8, "b1": 0.1, "W2": -1.2, "b2": 0.3, "y": 1.0},
        "The notes' network, one unit per layer: z1 = W1·x + b1, a1 = σ(z1), "
        "z2 = W2·a1 + b2, ŷ = σ(z2), J = (ŷ − y)². Click b1: the chain rule gives "
        "dJ/db1 = dJ/dz2 · W2 · σ'(z1), the product of the local derivatives along "
        "its one path.",
    ),
)
_LESSONS = {lesson.name: lesson for lesson in LESSONS}


# -- the graph page -------------------------------------------------------------

# A variable the learner has just typed starts at this value.
DEFAULT_VALUE = 1.0

# The most nodes a Value explored in a notebook may have, so that a slider
# still moves it: `dot` lays out one sample of the demo network (400 nodes) in
# a quarter of a second, of a 2-24-24-1 network (800) in 1.7 s, and a loss over
# 20 samples (1,700) in more than its time limit.
MAX_EXPLORED = 1000

# The graph's directions: left to right, or top to bottom for a narrow screen.
_RANKDIRS = ("LR", "TB")

# Characters a URL fragment keeps as they are, so a hash stays readable.
_HASH_SAFE = "()*+-/._,!~'"
# The keys of a hash that are not variables; no variable may take their names.
_HASH_KEYS = ("lesson", "expr", "note")
# A note longer than this is cut: it is a line or two beside the graph.
_MAX_NOTE = 600


class _Graph:
    """A graph after forward and backward, its sliders' leaves, and its node ids.

    Made from an expression (`_expression_graph`: the site's graphs, which a
    link can open again) or from a learner's own Values (`ValueGraph`: a
    notebook's `explore`, whose `source` it keeps, to move its sliders).
    """

    def __init__(
        self,
        root: Value,
        leaves: Mapping[str, Value],
        rankdir: str = "LR",
        *,
        expr: str | None = None,
        lesson: Lesson | None = None,
        note: str | None = None,
        source: ValueGraph | None = None,
        fixed: str | None = None,
    ) -> None:
        if rankdir not in _RANKDIRS:
            raise RequestError(f"rankdir must be one of {', '.join(_RANKDIRS)}, got {rankdir!r}")
        self.expr = expr
        self.rankdir = rankdir
        self.lesson = lesson if lesson is not None and lesson.expr == expr else None
        self.note = note
        self.source = source
        self.fixed = fixed  # why some leaves have no slider, if any
        self.root = root
        self.leaves = leaves
        self.trace: BackwardTrace = trace_backward(root)
        self.names = self.trace.names
        # The ids `viz.to_dot` gives: v<i>, i the place in topological order.
        self.order = topological_order(root)
        self.ids = {node: f"v{i}" for i, node in enumerate(self.order)}
        self.by_id = {node_id: node for node, node_id in self.ids.items()}
        self.known = list(self.trace.known_grads())
        self.captions = self.trace.captions()

    def values(self) -> dict[str, float]:
        return {name: leaf.data for name, leaf in self.leaves.items()}

    def hash(self) -> str | None:
        """The URL fragment that opens this graph again (an expression's only)."""
        if self.expr is None:
            return None
        parts = [f"lesson={self.lesson.name}"] if self.lesson else []
        parts.append("expr=" + quote(self.expr, safe=_HASH_SAFE))
        parts += [f"{name}={_number_text(v)}" for name, v in self.values().items()]
        if self.note:
            parts.append("note=" + quote(self.note, safe=_HASH_SAFE))
        return "&".join(parts)

    def target(self, node: Value) -> str:
        """The DOT id edges from a node's children go into: its op node, if it has one."""
        return f"{self.ids[node]}_op" if node._op else self.ids[node]

    def edges_into(self, node: Value, children: Callable[[Value], bool]) -> list[list[str]]:
        """The edges from the node's chosen children to its op, and on to the node."""
        edges = [[self.ids[c], self.target(node)] for c in node._prev if children(c)]
        if node._op and edges:
            edges.append([self.target(node), self.ids[node]])
        return edges

    def answer(self) -> Answer:
        root = self.root
        output = {"name": self.names[root], "value": format_number(root.data), "formula": None}
        if root._prev:
            output["formula"] = forward_formula(root, self.names)
        lesson = None
        if self.lesson is not None:
            lesson = {"name": self.lesson.name, "title": self.lesson.title,
                      "text": self.lesson.text}
        variables = []
        for name, leaf in self.leaves.items():
            low, high, step = _slider(leaf.data)
            variables.append({
                "name": name, "id": self.ids[leaf], "value": leaf.data,
                "value_text": format_number(leaf.data), "value_exact": _number_text(leaf.data),
                "grad_text": format_number(leaf.grad),
                "min": low, "max": high, "step": step,
            })
        return {
            "expr": self.expr, "hash": self.hash(), "lesson": lesson, "note": self.note,
            "fixed": self.fixed, "output": output, "variables": variables,
            # Ranks closer than Graphviz's default: a tall graph then fits at a larger size.
            "dot": to_dot(root, rankdir=self.rankdir, show_local_grads=True, ranksep=0.3),
            "count": len(self.trace), "step": self.step(len(self.trace)),
        }

    def step(self, index: object) -> Answer:
        """The graph after `index` steps of backward: every node's grad field
        ('grad ?' until known), the step's node and edges, its caption."""
        count = len(self.trace)
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index <= count:
            raise RequestError(f"step: index must be a whole number from 0 to {count}, "
                               f"got {index!r}", "step")
        if index == 0:
            known: Mapping[Value, float] = {}
            current: list[str] = []
            edges: list[list[str]] = []
            root = self.names[self.root]
            caption = (f"forward pass done: {root} = {format_number(self.root.data)}\n"
                       f"backward starts at {root}, seeded with {partial(root, root)} = 1")
        else:
            step = self.trace[index - 1]
            known = self.known[index - 1]
            current = [self.ids[step.node]]
            if step.node._op:
                current.append(self.target(step.node))
            edges = self.edges_into(step.node, lambda child: True)
            caption = self.captions[index - 1]
        grads = {self.ids[node]: grad_field(known.get(node)) for node in self.order}
        return {"index": index, "count": count, "caption": caption, "grads": grads,
                "current": current, "edges": edges}

    def node(self, node_id: object) -> Answer:
        """A node's op, its local derivatives (formula and number) and the
        chain rule for ∂root/∂node, with the paths it sums over."""
        node = self.by_id.get(str(node_id).removesuffix("_op"))
        if node is None:
            raise RequestError(f"node: no node {node_id!r} in this graph", "node")
        names = self.names
        locals_ = [
            {"child": names[child], "child_id": self.ids[child],
             "symbol": partial_symbol(node, i, names),
             "formula": local_formula(node, i, names),
             "value": format_number(node.local_grads[i])}
            for i, child in enumerate(node._prev)
        ]
        explanation = explain(self.root, node)
        # Every node on a path from the root down to this one, and the edges between them.
        on_the_way = explanation.on_the_way
        edges = [e for n in on_the_way for e in self.edges_into(n, on_the_way.__contains__)]
        nodes = [self.ids[n] for n in self.order if n in on_the_way]
        nodes += [self.target(n) for n in self.order if n in on_the_way and n._op]
        return {
            "id": self.ids[node], "name": names[node], "op": node._op or "leaf",
            "value": format_number(node.data), "grad": format_number(node.grad),
            "formula": forward_formula(node, names) if node._prev else None,
            "locals": locals_, "explain": str(explanation),
            "paths": {"nodes": nodes, "edges": edges},
        }


def _expression_graph(
    expr: str,
    values: Mapping[str, float],
    lesson: Lesson | None,
    rankdir: str = "LR",
    note: str | None = None,
) -> _Graph:
    """An expression's graph, its variables at `values` (new ones at DEFAULT_VALUE)."""
    root, leaves = evaluate(expr, values, default=DEFAULT_VALUE)
    for name in leaves:
        if name in _HASH_KEYS:
            raise RequestError(f"{name!r} names a part of the page's link, so it cannot be "
                               "a variable: call it something else", "expr")
    if root._prev:
        root.label = _output_name(leaves)
    return _Graph(root, leaves, rankdir, expr=expr, lesson=lesson, note=note)


class ValueGraph:
    """A learner's own Value, to explore in a notebook (`micrograd.explore`).

    Its graph is shown as a copy, replayed (see `replay`) with the sliders'
    leaves at the values the learner picks, so the learner's own Values
    never change. The sliders are the given leaves, or else every leaf with
    a label that can move (not below an op built by hand, whose output
    cannot be recomputed); each is named by its label, made unique (x, x#2).
    `labels` names nodes in the copy (a network's weights, say) without
    changing the learner's.
    """

    def __init__(
        self,
        root: Value,
        sliders: Sequence[Value] | None = None,
        labels: Mapping[Value, str] | None = None,
        note: str | None = None,
    ) -> None:
        if not isinstance(root, Value):
            raise TypeError(f"explore: expected a Value, got {type(root).__name__}: {root!r}")
        order = topological_order(root)
        if len(order) > MAX_EXPLORED:
            raise ValueError(
                f"explore: this graph has {len(order)} nodes, more than the {MAX_EXPLORED} the "
                "explorer lays out while a slider moves: explore a part of it, such as one "
                "sample of a network (explore(model, x)); draw_dot draws any graph")
        self.root = root
        self.labels = dict(labels or {})
        self.note = note
        movable = movable_leaves(root)
        can_move = set(movable)
        if sliders is None:
            sliders = [leaf for leaf in movable if self._label(leaf)]
        for leaf in set(sliders) - can_move:
            raise ValueError(f"explore: {self._label(leaf) or leaf!r} cannot have a slider: it "
                             "is not a leaf of the graph, or sits below an op built by hand")
        self.sliders: dict[str, Value] = {}
        for leaf in sliders:
            name = self._label(leaf) or "x"
            unique, k = name, 2
            while unique in self.sliders:
                unique, k = f"{name}#{k}", k + 1
            self.sliders[unique] = leaf
        if root._prev and not self._label(root):
            self.labels[root] = _output_name({self._label(node) for node in order})
        fixed = [node for node in order if not node._prev and node not in can_move]
        self.fixed = self._fixed_note(movable, fixed)
        self.graph({})  # a graph that cannot be shown says so now, not in the view

    def _label(self, node: Value) -> str:
        return self.labels.get(node, node.label)

    def _fixed_note(self, movable: list[Value], fixed_leaves: list[Value]) -> str | None:
        """Why a leaf has no slider, if a learner would look for one."""
        fixed = sorted({self._label(leaf) for leaf in fixed_leaves if self._label(leaf)})
        if fixed:
            they = "they sit" if len(fixed) > 1 else "it sits"
            return (f"No slider for {', '.join(fixed)}: {they} below an op built by hand (with "
                    "_local= or a _backward function), whose output cannot be recomputed for "
                    "new inputs.")
        if not self.sliders and movable:
            return ("No leaf has a label, so none has a slider: label the ones to move, as in "
                    "Value(2.0, label='x').")
        return None

    def graph(self, values: Mapping[str, float], rankdir: str = "LR") -> _Graph:
        """The copy with the sliders at `values` (the others as they are)."""
        data = {leaf: values[name] for name, leaf in self.sliders.items() if name in values}
        copy = replay(self.root, data, self.labels)
        leaves = {name: copy[leaf] for name, leaf in self.sliders.items()}
        return _Graph(copy[self.root], leaves, rankdir, note=self.note, source=self,
                      fixed=self.fixed)


def _output_name(taken: Collection[str]) -> str:
    """The lecture calls the output o; a variable called o keeps its name."""
    for name in ("o", "out", "output"):
        if name not in taken:
            return name
    return "result"


def _slider(value: float) -> tuple[float, float, float]:
    """A slider's range and step: ±5, doubled until it holds the value."""
    reach = 5.0
    while abs(value) > reach:
        reach *= 2.0
    return -reach, reach, reach / 500.0


def _number_text(value: float) -> str:
    """A number as short as it can be written and read back exactly."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _number(text: object, field: str) -> float:
    """A finite number from a number or its text, as a box or a URL gives it."""
    if isinstance(text, bool) or not isinstance(text, (int, float, str)):
        raise RequestError(f"{field}: expected a number, got {text!r}", field)
    try:
        value = float(text)
    except ValueError:
        raise RequestError(f"{field}: {text!r} is not a number", field) from None
    if not math.isfinite(value):
        raise RequestError(f"{field}: the value must be a finite number, got {text!r}", field)
    return value


def _variable_name(name: object) -> str:
    if not is_variable_name(name):
        raise RequestError(f"{name!r} is not a variable name", "expr")
    return name


class Link(NamedTuple):
    """What a page's URL fragment asks for."""

    lesson: Lesson | None
    expr: str
    values: dict[str, float]
    note: str | None  # shown beside the graph while the expression stays


def parse_hash(text: str) -> Link:
    """A page's URL fragment: `lesson=NAME` gives a lesson's expression and
    values, `expr=` and `name=value` set or override them, `note=` adds a
    note. An empty fragment opens the first lesson."""
    text = text.removeprefix("#").strip()
    lesson: Lesson | None = None
    expr: str | None = None
    note: str | None = None
    values: dict[str, float] = {}
    for part in text.split("&") if text else ["lesson=" + LESSONS[0].name]:
        if not part:
            continue
        key, sep, raw = part.partition("=")
        key, value = unquote(key).strip(), unquote(raw)
        if not sep:
            raise RequestError(f"the link's {part!r} should read name=value", "expr")
        if key == "lesson":
            lesson = _LESSONS.get(value)
            if lesson is None:
                known = ", ".join(_LESSONS)
                raise RequestError(f"no lesson {value!r}; the lessons: {known}", "lesson")
            values = {**lesson.values, **values}
        elif key == "expr":
            expr = value
        elif key == "note":
            note = " ".join(value.split())[:_MAX_NOTE] or None
        else:
            values[_variable_name(key)] = _number(value, key)
    if expr is None:
        if lesson is None:
            raise RequestError("the link gives no expression (expr=...)", "expr")
        expr = lesson.expr
    return Link(lesson, expr, values, note)


# -- the training page ----------------------------------------------------------

_MAX_CLASSES = 4  # the page has a colour and a marker for each
# The page trains in the browser: networks stay small enough to redraw quickly.
_MAX_WIDTH, _MAX_LAYERS, _MAX_POINTS = 64, 4, 500
_GRID = 30  # the decision boundary's grid, points per side


@dataclass(frozen=True)
class TrainingSettings:
    """What the learner picks on the training page. With no loss chosen,
    the loss follows the classes: hinge for two, cross_entropy for more
    (as `micrograd train` chooses)."""

    dataset: str = "moons"
    classes: int = 2
    n: int = 100
    hidden: tuple[int, ...] = (16, 16)
    activation: str = "relu"
    loss: str | None = None
    optimizer: str = "sgd"
    lr: float = 0.3
    seed: int = 1337

    @property
    def loss_used(self) -> str:
        return self.loss if self.loss is not None else default_loss(self.classes)

    @classmethod
    def from_request(cls, message: Mapping[str, Any]) -> TrainingSettings:
        """The settings a train_setup request gives, each checked, the rest
        defaults; a loss of "" or null is no choice."""
        default = cls()
        dataset = _choice(message.get("dataset", default.dataset), tuple(DATASETS), "dataset")
        classes = _whole(message.get("classes", default.classes), "classes", 2, _MAX_CLASSES)
        try:
            dataset_classes(dataset, classes)
        except ValueError as error:
            raise RequestError(f"classes: {error}", "classes") from None
        activation = _choice(message.get("activation", default.activation), ACTIVATIONS,
                             "activation")
        loss = message.get("loss")
        if loss not in (None, ""):
            loss = _choice(loss, LOSSES, "loss")
            try:
                outputs_for(loss, classes)
            except ValueError as error:
                raise RequestError(f"loss: {error}", "loss") from None
        optimizer = _choice(message.get("optimizer", default.optimizer), OPTIMIZERS,
                            "optimizer")
        lr = _number(message.get("lr", default.lr), "lr")
        if lr <= 0.0:
            raise RequestError(f"lr: the learning rate must be above 0, got {lr}", "lr")
        n = _whole(message.get("n", default.n), "n", 4, _MAX_POINTS)
        seed = _whole(message.get("seed", default.seed), "seed", 0, 2**31)
        hidden = message.get("hidden", ",".join(map(str, default.hidden)))
        return cls(dataset, classes, n, _sizes(hidden), activation, loss or None, optimizer,
                   lr, seed)


def _choice(value: object, choices: tuple[str, ...], field: str) -> str:
    if value not in choices:
        raise RequestError(f"{field}: {value!r} is not one of {', '.join(choices)}", field)
    return str(value)


def _whole(value: object, field: str, low: int, high: int) -> int:
    number = _number(value, field)
    if not number.is_integer() or not low <= number <= high:
        raise RequestError(f"{field}: expected a whole number from {low} to {high}, "
                           f"got {value!r}", field)
    return int(number)


def _sizes(text: object) -> tuple[int, ...]:
    """Hidden layer sizes from '16,16' ('' for none)."""
    if not isinstance(text, str):
        raise RequestError(f"hidden: expected sizes such as 16,16, got {text!r}", "hidden")
    parts = [part.strip() for part in text.split(",")] if text.strip() else []
    if len(parts) > _MAX_LAYERS:
        raise RequestError(f"hidden: at most {_MAX_LAYERS} hidden layers, got {len(parts)}",
                           "hidden")
    return tuple(_whole(part, "hidden", 1, _MAX_WIDTH) for part in parts)


def _axis(high: float, whole: bool = False) -> Answer:
    """A chart axis from 0 to a round number at or past `high`, with ticks at
    round numbers (1, 2 or 5 times a power of ten; whole ones if `whole`)."""
    high = high if high > 0.0 else 1.0
    rough = high / 5  # at most five intervals
    power = 10.0 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= rough)
    if whole:
        step = max(1.0, round(step))
    count = math.ceil(high / step - 1e-9)
    ticks = [{"value": k * step, "text": format_number(k * step)} for k in range(count + 1)]
    return {"max": count * step, "ticks": ticks}


class _Training:
    """A network, its data and optimizer, and the history of its training."""

    def __init__(self, settings: TrainingSettings) -> None:
        self.settings = settings
        self.loss_name = settings.loss_used
        X, classes = make_dataset(settings.dataset, settings.n, classes=settings.classes,
                                  seed=settings.seed)
        self.X = X
        self.classes = classes
        self.y = to_sign(classes) if LOSS_LABELS[self.loss_name] == "sign" else classes
        outputs = outputs_for(self.loss_name, settings.classes)
        self.model = MLP(2, [*settings.hidden, outputs], settings.activation,
                         rng=random.Random(settings.seed))
        self.optimizer: Optimizer = make_optimizer(settings.optimizer, self.model.parameters(),
                                                   settings.lr)
        self.loss: list[float] = []
        self.accuracy: list[float] = []

    def copy(self) -> _Training:
        """A copy to train on: its own network, optimizer and history."""
        twin = copy.copy(self)
        # Copied together, so that the twin's optimizer moves the twin's parameters.
        twin.model, twin.optimizer = copy.deepcopy((self.model, self.optimizer))
        twin.loss, twin.accuracy = list(self.loss), list(self.accuracy)
        return twin

    def train(self, steps: int) -> None:
        """`steps` steps of the package's own training step, on every point."""
        for _ in range(steps):
            loss, accuracy = train_step(self.model, self.X, self.y, self.optimizer,
                                        loss=self.loss_name)
            self.loss.append(loss)
            self.accuracy.append(accuracy)

    def predict(self, point: list[float]) -> tuple[int, float]:
        """The class the model gives a point, and how sure it is, from 0 to 1:
        tanh of the score's size, or of the lead of the largest logit over
        the next (the first class wins a tie, as in training's accuracy)."""
        out = self.model(point)
        if isinstance(out, Value):
            return (1 if out.data > 0.0 else 0), math.tanh(abs(out.data))
        scores = [v.data for v in out]
        best = max(range(len(scores)), key=scores.__getitem__)
        runner_up = max(s for c, s in enumerate(scores) if c != best)
        return best, math.tanh(scores[best] - runner_up)

    def answer(self, boundary: bool) -> Answer:
        loss, accuracy = evaluate_model(self.model, self.X, self.y, self.loss_name)
        answer: Answer = {
            "step": len(self.loss), "loss": format_number(loss), "loss_name": self.loss_name,
            "classes": self.settings.classes, "accuracy": accuracy,
            "accuracy_text": f"{accuracy:.0%}",
            "history": {"loss": self.loss, "accuracy": self.accuracy},
            "axes": {"step": _axis(len(self.loss), whole=True),
                     "loss": _axis(max(self.loss, default=0.0))},
        }
        if boundary:
            answer["boundary"] = self.boundary()
            answer["network"] = self.network()
        return answer

    def boundary(self) -> Answer:
        """The plane as a grid of predicted classes and confidences, with the points."""
        xs = grid_axis([p[0] for p in self.X], _GRID)
        ys = grid_axis([p[1] for p in self.X], _GRID)
        rows = []
        with no_grad():
            for gy in ys:
                rows.append([self.predict([gx, gy]) for gx in xs])
        return {
            "xs": xs, "ys": ys,
            "classes": [[c for c, _ in row] for row in rows],
            "confidence": [[round(p, 2) for _, p in row] for row in rows],
            "points": self.X, "labels": self.classes,
        }

    def network(self) -> Answer:
        """Each layer's size and each weight's sign and size, for drawing."""
        layers = [{"size": 2, "activation": "input"}]
        weights = []
        for layer in self.model.layers:
            layers.append({"size": len(layer.neurons), "activation": layer.neurons[0].activation})
            weights.append([
                [{"positive": w.data > 0.0, "strength": round(min(1.0, abs(w.data)), 2)}
                 for w in neuron.w]
                for neuron in layer.neurons
            ])
        return {"layers": layers, "weights": weights}

    def inputs(self, layer: int, sample: int) -> list[float]:
        """What the neurons of `layer` receive for one sample: the point itself,
        or the outputs of the layer below."""
        inputs: list[float] = list(self.X[sample])
        with no_grad():
            for below in self.model.layers[:layer]:
                inputs = [v.data for v in below.outputs(inputs)]
        return inputs

    def neuron(self, layer: int, index: int, sample: int | None) -> Answer:
        """A hidden neuron's graph for one sample: the expression
        act(b + w1·h1 + …) with its weights and inputs as variables, and a
        note saying which neuron and sample it is. Without a sample, a ReLU
        opens on the first sample where it fires (its input is above 0): on
        any other, it outputs 0 and every gradient through it is 0."""
        hidden = len(self.model.layers) - 1
        if not 0 <= layer < hidden:
            raise RequestError(f"neuron: layer must be a hidden layer, 0 to {hidden - 1}, "
                               f"got {layer}", "layer")
        neurons = self.model.layers[layer].neurons
        if not 0 <= index < len(neurons):
            raise RequestError(f"neuron: index must be 0 to {len(neurons) - 1}, got {index}",
                               "index")
        if sample is not None and not 0 <= sample < len(self.X):
            raise RequestError(f"sample: expected 0 to {len(self.X) - 1}, got {sample}",
                               "sample")
        neuron = neurons[index]
        relu = neuron.activation == "relu"
        chosen = sample
        if sample is None:
            firing = (s for s in range(len(self.X))
                      if not relu or self._fires(neuron, self.inputs(layer, s)))
            sample = next(firing, 0)
        inputs = self.inputs(layer, sample)
        x = "x" if layer == 0 else "h"
        terms = " + ".join(f"w{i}*{x}{i}" for i in range(1, len(inputs) + 1))
        expr = f"b + {terms}"
        if neuron.activation != "linear":
            expr = f"{neuron.activation}({expr})"
        values = {"b": neuron.b.data}
        for i, (w, v) in enumerate(zip(neuron.w, inputs, strict=True), start=1):
            values[f"w{i}"] = w.data
            values[f"{x}{i}"] = v
        note = self._neuron_note(layer, index, sample, chosen is not None,
                                 relu and self._fires(neuron, inputs))
        graph = _expression_graph(expr, values, None, note=note)
        return {"hash": graph.hash(), "expr": expr, "sample": sample, "note": note,
                "output": format_number(graph.root.data)}

    @staticmethod
    def _fires(neuron: Neuron, inputs: list[float]) -> bool:
        """Whether a ReLU neuron's input b + Σ wᵢ·xᵢ is above 0 for these inputs."""
        with no_grad():
            return neuron(inputs).data > 0.0

    def _neuron_note(self, layer: int, index: int, sample: int, chosen: bool,
                     fires: bool) -> str:
        neuron = self.model.layers[layer].neurons[index]
        x1, x2 = (format_number(c) for c in self.X[sample])
        note = (f"Hidden layer {layer + 1}, neuron {index + 1} ({neuron.activation}) of the "
                f"training page's network after {len(self.loss)} steps, on sample {sample}: "
                f"the point ({x1}, {x2}), class {self.classes[sample]}.")
        if neuron.activation != "relu":
            return note
        if fires and (chosen or sample == 0):
            return note + " Its ReLU fires here (its input is above 0): gradient flows back."
        if fires:
            return note + (" It is the first sample where its ReLU fires (its input is above "
                           "0): gradient flows back. On the samples before, it outputs 0 and "
                           "every gradient through it is 0.")
        if chosen:
            return note + (" Its ReLU does not fire here (its input is 0 or less), so it "
                           "outputs 0 and every gradient through it is 0. Leave the sample "
                           "empty to open it where it fires.")
        return note + (f" Its ReLU fires on none of the {len(self.X)} samples: a dead neuron. "
                       "It outputs 0 and passes no gradient back, so training never changes "
                       "its weights.")


# -- the entry point ------------------------------------------------------------


class Explorer:
    """One page's state; `handle` answers its requests (see the module's doc).

    A handler never changes the state in place: it makes a new graph or
    training and stores it, so that `handle` can put the old one back if
    the request fails, even after the handler has returned.
    """

    def __init__(self, graph: ValueGraph | None = None) -> None:
        self._source = graph  # what "open" without a hash opens
        self._graph: _Graph | None = None
        self._training: _Training | None = None

    def handle(self, request: str) -> str:
        """Answer one request (JSON text) with JSON text. A request that fails,
        for any reason, is answered as a one-line error and the state stays
        as it was."""
        state = self._graph, self._training
        try:
            answer = self._answer(request)
            # Inside the try: a NaN or inf in an answer is an error, not invalid JSON.
            return json.dumps({"ok": True, **answer}, allow_nan=False)
        except Exception as error:
            # Any error at all: the view waits for an answer to every request.
            self._graph, self._training = state
            return _error(error)

    def _answer(self, request: str) -> Answer:
        try:
            message = json.loads(request)
        except ValueError as error:
            raise RequestError(f"the request is not JSON: {error}") from None
        if not isinstance(message, dict):
            raise RequestError(f"a request must be a JSON object, got {request[:40]!r}")
        kind = message.get("kind")
        handler = self._handlers().get(kind) if isinstance(kind, str) else None
        if handler is None:
            known = ", ".join(self._handlers())
            raise RequestError(f"unknown request kind {kind!r}; the kinds: {known}")
        return handler(message)

    def _handlers(self) -> dict[str, Callable[[dict[str, Any]], Answer]]:
        return {
            "open": self._open, "set": self._set, "step": self._step, "node": self._node,
            "lessons": self._lessons, "train_setup": self._train_setup,
            "train_step": self._train_step, "neuron": self._neuron,
        }

    def _open(self, message: dict[str, Any]) -> Answer:
        rankdir = message.get("rankdir", "LR")
        if "hash" not in message and self._source is not None:
            self._graph = self._source.graph({}, rankdir)
            return self._graph.answer()
        hash_text = message.get("hash", "")
        if not isinstance(hash_text, str):
            raise RequestError(f"open: hash must be text, got {hash_text!r}")
        link = parse_hash(hash_text)
        self._graph = _expression_graph(link.expr, link.values, link.lesson, rankdir, link.note)
        return self._graph.answer()

    def _set(self, message: dict[str, Any]) -> Answer:
        graph = self._need_graph()
        new = message.get("values", {})
        if not isinstance(new, dict):
            raise RequestError(f"set: values must be an object, got {new!r}")
        rankdir = message.get("rankdir", graph.rankdir)
        values = graph.values()
        if graph.source is not None:
            if "expr" in message:
                raise RequestError("set: this graph is of a Value in Python: change it there, "
                                   "and explore it again", "expr")
            for name in new:
                if name not in values:
                    raise RequestError(f"set: no slider {name!r}; the sliders: "
                                       f"{', '.join(values) or 'none'}", "expr")
            values.update({name: _number(v, name) for name, v in new.items()})
            self._graph = graph.source.graph(values, rankdir)
            return self._graph.answer()
        expr = message.get("expr", graph.expr)
        if not isinstance(expr, str):
            raise RequestError(f"set: expr must be text, got {expr!r}", "expr")
        values.update({_variable_name(k): _number(v, k) for k, v in new.items()})
        note = graph.note if expr == graph.expr else None
        self._graph = _expression_graph(expr, values, graph.lesson, rankdir, note)
        return self._graph.answer()

    def _step(self, message: dict[str, Any]) -> Answer:
        return self._need_graph().step(message.get("index"))

    def _node(self, message: dict[str, Any]) -> Answer:
        return self._need_graph().node(message.get("id"))

    def _lessons(self, message: dict[str, Any]) -> Answer:
        return {"lessons": [
            {"name": lesson.name, "title": lesson.title, "hash": f"lesson={lesson.name}"}
            for lesson in LESSONS
        ]}

    def _need_graph(self) -> _Graph:
        if self._graph is None:
            raise RequestError("no graph yet: open one first")
        return self._graph

    def _train_setup(self, message: dict[str, Any]) -> Answer:
        self._training = _Training(TrainingSettings.from_request(message))
        return self._training.answer(boundary=True)

    def _train_step(self, message: dict[str, Any]) -> Answer:
        steps = _whole(message.get("steps", 1), "steps", 1, 1000)
        training = self._need_training().copy()
        try:
            training.train(steps)
            answer = training.answer(boundary=bool(message.get("boundary", True)))
        except ArithmeticError as error:
            # A number that overflows, in a step or in measuring its result.
            raise RequestError(
                f"training diverged after step {len(training.loss)}: {one_line(error)}. The "
                f"learning rate {training.settings.lr:g} is probably too large: lower it, or "
                "press Reset to start again", "lr") from error
        self._training = training
        return answer

    def _neuron(self, message: dict[str, Any]) -> Answer:
        training = self._need_training()
        layer, index = (_whole(message.get(key), key, 0, 10**6) for key in ("layer", "index"))
        sample = message.get("sample")
        chosen = None if sample in (None, "") else _whole(sample, "sample", 0, 10**6)
        return training.neuron(layer, index, chosen)

    def _need_training(self) -> _Training:
        if self._training is None:
            raise RequestError("no network yet: set one up first (train_setup)")
        return self._training


def _error(error: Exception) -> str:
    """The answer to a failed request. Bad input (a ValueError: RequestError,
    ExpressionError) and the engine's math errors (ArithmeticError) read as
    the command line prints them; any other error, which should not happen,
    names its type as well, for the learner to report it."""
    field = error.field if isinstance(error, RequestError) else None
    name = type(error).__name__
    message = one_line(error)
    if not isinstance(error, (ValueError, ArithmeticError)):
        message = f"{name}: {message}" if message else name
    return json.dumps({"ok": False, "error": {"type": name, "message": message,
                                              "field": field}})

"""`explore`: the explorer's graph page for a Value of one's own, in a notebook.

    o = (x * w + b).tanh()
    explore(o)               # the graph of o: sliders for its labelled leaves
    explore(model, [2, 3])   # one sample through an MLP: sliders for its inputs

Moving a slider recomputes forward and backward in the kernel, on a copy of
the learner's graph (`explorer.ValueGraph`); the learner's Values never
change. The widget needs the optional extra `micrograd[jupyter]` (anywidget)
and Graphviz's `dot` program, which lays the graph out in the kernel.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from micrograd.engine import Value
from micrograd.explorer import ValueGraph
from micrograd.formulas import format_number
from micrograd.nn import MLP, Layer, Neuron

__all__ = ["explore"]

_INSTALL = "explore() needs anywidget: pip install 'micrograd[jupyter]'"


def explore(target: Value | Callable[[list[Value]], Any], x: Sequence[float] | None = None) -> Any:
    """A live explorer of a Value's graph, or of `target(x)` for a model and one sample.

    For a model (an MLP, a Layer, a Neuron: anything that takes a list of
    Values), the sample's numbers become the leaves x1, x2, … with sliders,
    and the parameters are named as drawn in the graph (w<layer>_<neuron>_<k>,
    b<layer>_<neuron>), in the copy only. A model must give one output.
    """
    graph = ValueGraph(target) if x is None else _model_graph(target, x)  # type: ignore[arg-type]
    try:
        from micrograd.widget import ExplorerWidget
    except ImportError as missing:
        raise ImportError(_INSTALL) from missing
    return ExplorerWidget(graph)


def _model_graph(model: Any, x: Sequence[float]) -> ValueGraph:
    if isinstance(model, Value) or not callable(model):
        raise TypeError(f"explore(model, x): model must be a model to call on x, got "
                        f"{type(model).__name__}")
    inputs = [Value(v, label=f"x{i}") for i, v in enumerate(x, start=1)]
    out = model(inputs)
    if isinstance(out, list):
        if len(out) != 1:
            raise ValueError(f"explore(model, x): the model gives {len(out)} outputs; explore "
                             "one, e.g. a loss of them: explore(loss)")
        out = out[0]
    if not isinstance(out, Value):
        raise TypeError(f"explore(model, x): the model gave {type(out).__name__}, not a Value")
    sample = ", ".join(format_number(v.data) for v in inputs)
    note = (f"The model's output for the sample x = ({sample}). Move the inputs' sliders: "
            "the weights and biases stay as they are.")
    return ValueGraph(out, sliders=inputs, labels=_parameter_labels(model), note=note)


def _parameter_labels(model: Any) -> dict[Value, str]:
    """Names for a network's parameters that say where each sits: w2_1_3 is
    weight 3 of neuron 1 in layer 2; a parameter with a label keeps it."""
    if isinstance(model, MLP):
        layers = [layer.neurons for layer in model.layers]
    elif isinstance(model, Layer):
        layers = [model.neurons]
    elif isinstance(model, Neuron):
        layers = [[model]]
    else:
        return {}  # a model of the learner's own: its labels, as given
    labels: dict[Value, str] = {}
    for li, neurons in enumerate(layers, start=1):
        for ni, neuron in enumerate(neurons, start=1):
            for k, w in enumerate(neuron.w, start=1):
                labels[w] = w.label or f"w{li}_{ni}_{k}"
            labels[neuron.b] = neuron.b.label or f"b{li}_{ni}"
    return labels

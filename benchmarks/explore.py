"""How long `micrograd.explore` takes, in the kernel, to answer a moved slider.

For each graph, the median over several slider values of: the whole answer
(the widget's `handle`, as a view's message asks it), and the model's part
alone (replaying the learner's graph at the new value, backward, the trace,
the DOT text); the rest is Graphviz's `dot` laying the graph out. The view's
own part (drawing the SVG) is timed in the browser by benchmarks/site.py.

Run: .venv/bin/python benchmarks/explore.py   (needs anywidget and `dot`)
"""

from __future__ import annotations

import json
import random
import statistics
import time
from collections.abc import Callable
from functools import partial

from micrograd import MLP, Value, explore
from micrograd.explorer import Explorer

MOVES = 11  # slider values per graph


def neuron() -> Value:
    """The lecture's neuron, its leaves labelled."""
    x1, w1 = Value(2.0, label="x1"), Value(-3.0, label="w1")
    x2, w2 = Value(0.0, label="x2"), Value(1.0, label="w2")
    return (x1 * w1 + x2 * w2 + Value(6.8813735870195432, label="b")).tanh()


def median_ms(ask: Callable[[str], object], slider: str) -> float:
    """The median time `ask` takes to answer the slider moved, over MOVES values."""
    times = []
    for k in range(MOVES):
        request = json.dumps({"kind": "set", "values": {slider: -1.0 + 0.2 * k}})
        start = time.perf_counter()
        ask(request)
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main() -> None:
    graphs = {
        "the lecture's neuron": explore(neuron()),
        "MLP 2-4-4-1, one sample": explore(MLP(2, [4, 4, 1], rng=random.Random(0)), [0.5, -1]),
        "MLP 2-16-16-1, one sample": explore(MLP(2, [16, 16, 1], rng=random.Random(0)),
                                             [0.5, -1]),
    }
    print(f"{'graph':28} {'nodes':>6} {'answer ms':>10} {'model ms':>9} {'layout ms':>10}")
    for name, widget in graphs.items():
        slider = next(iter(widget.graph.sliders))
        model = Explorer(widget.graph)
        # Top to bottom, as the view asks: the layout timed is the one it draws.
        request = json.dumps({"kind": "open", "rankdir": "TB"})
        opened = json.loads(model.handle(request))
        widget.handle("view", request)
        whole = median_ms(partial(widget.handle, "view"), slider)
        alone = median_ms(model.handle, slider)
        nodes = opened["dot"].count("shape=record")
        print(f"{name:28} {nodes:>6} {whole:>10.0f} {alone:>9.0f} {whole - alone:>10.0f}")


if __name__ == "__main__":
    main()

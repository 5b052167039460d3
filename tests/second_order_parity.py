"""The largest disagreement with PyTorch of derivatives of order 1 to 3, as figures.

    python tests/second_order_parity.py [--examples N]

The tests (test_grad_parity.py) assert a bound on each entry; this prints
the largest error seen, over N hypothesis examples of every op in the op
table (relative to the entry, where the error is beyond the absolute floor
the tests allow tanh and sigmoid) and of random graphs of every op
(relative to the larger of 1 and the largest entry, as the test measures).
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402
from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from op_table import OPS, Op  # noqa: E402
from test_grad_parity import (  # noqa: E402
    SMALLEST_NORMAL,
    Step,
    atol_for,
    graph_scale,
    micrograd_derivatives,
    random_graphs,
    replay,
    torch_derivatives,
    torch_masks,
    with_numbers,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200, help="examples per op and of graphs")
    args = parser.parse_args()
    quiet = settings(
        max_examples=args.examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    worst: dict[str, float] = defaultdict(float)

    @quiet
    @given(data=st.data())
    def per_op(op: Op, data: st.DataObject) -> None:
        values = data.draw(st.tuples(*op.domain))
        assume(not torch_masks(op, values))
        micrograd, torch_function = with_numbers(op, values)
        point = [float(values[i]) for i in op.values]
        ours = micrograd_derivatives(micrograd, point, order=3)
        theirs = torch_derivatives(torch, torch_function(torch), point, order=3)
        floor = max(atol_for(op), SMALLEST_NORMAL)
        for k, (mine, expected) in enumerate(zip(ours, theirs, strict=True), start=1):
            for a, b in zip(mine, expected, strict=True):
                # Within the floor, an error says nothing of the relative one.
                error = 0.0 if abs(a - b) <= floor else abs(a - b) / abs(b)
                worst[f"each op, order {k}"] = max(worst[f"each op, order {k}"], error)

    for op in OPS:
        per_op(op)

    @quiet
    @given(graph=random_graphs())
    def graphs(graph: tuple[list[float], list[Step]]) -> None:
        point, steps = graph
        ours = micrograd_derivatives(lambda *xs: replay(steps, xs), point, order=2)
        theirs = torch_derivatives(torch, lambda *xs: replay(steps, xs, torch), point, order=2)
        for k, (mine, expected) in enumerate(zip(ours, theirs, strict=True), start=1):
            scale = graph_scale(expected)
            for a, b in zip(mine, expected, strict=True):
                key = f"random graphs, order {k}"
                worst[key] = max(worst[key], abs(a - b) / scale)

    graphs()
    print(f"largest relative error against PyTorch {torch.__version__}, float64, "
          f"{args.examples} examples each")
    for key, error in worst.items():
        print(f"  {key:<24} {error:.2e}")


if __name__ == "__main__":
    main()

"""The chain rule written the textbook way, for tests to compare backward with.

`chain_rule_reference` reads the graph only through `topological_order`,
`_prev` and `local_grads` and keeps its gradients in a dict of its own, so
it shares no code with `Value.backward` (which walks the graph with its own
marks and stores gradients on the nodes). Both add the contributions in the
same order, so where they agree they agree exactly.
"""

from __future__ import annotations

from micrograd.engine import Value, topological_order


def chain_rule_reference(root: Value) -> dict[Value, float]:
    """∂root/∂node for every node `root` depends on, root included."""
    grads = dict.fromkeys(topological_order(root), 0.0)
    grads[root] = 1.0
    for node in reversed(list(grads)):
        for child, local in zip(node._prev, node.local_grads, strict=True):
            grads[child] += local * grads[node]
    return grads

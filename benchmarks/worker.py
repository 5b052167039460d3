"""One measurement of one engine on one workload, in a fresh process.

Run by `run.py`, never by hand (though it can be, for debugging):

    python benchmarks/worker.py --engine micrograd --path . --workload optree --size 100000

Prints one line of JSON: the measured numbers, or {"error": "..."} when the
engine cannot run the workload (the classic package on a deep chain).
A fresh process per measurement keeps one engine's garbage, caches and
imports from skewing another's numbers.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import sys
import time
import tracemalloc
from pathlib import Path
from types import ModuleType
from typing import Any

import workloads

# The classic demo trains for 100 steps; its learning rate decays over them.
DEMO_SCHEDULE_STEPS = 100


def import_micrograd(root: Path, module: str) -> ModuleType:
    """`micrograd.<module>` from the folder `root`, and from nowhere else."""
    sys.path.insert(0, str(root))
    loaded = importlib.import_module(f"micrograd.{module}")
    where = Path(loaded.__file__ or "").resolve()
    if not where.is_relative_to(root.resolve()):
        raise RuntimeError(f"worker: micrograd.{module} came from {where}, not from {root}")
    return loaded


def op_tree(engine: str, root: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Forward and backward time of the op tree, with the results to cross-check."""
    program = workloads.op_tree_program(args.size, args.leaves, args.seed)
    leaves: list[Any]
    if engine == "torch":
        import torch

        torch.set_num_threads(1)
        leaves = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in program.leaves]
    else:
        Value = import_micrograd(root, "engine").Value
        leaves = [Value(v) for v in program.leaves]
    gc.collect()
    start = time.perf_counter()
    out = workloads.build_op_tree(leaves, program)
    built = time.perf_counter()
    out.backward()
    done = time.perf_counter()
    if engine == "torch":
        result, grads = out.item(), [leaf.grad.item() for leaf in leaves]
    else:
        result, grads = out.data, [leaf.grad for leaf in leaves]
    return {
        "n_ops": program.n_ops,
        "depth": program.depth,
        "forward_s": built - start,
        "backward_s": done - built,
        "root": float(result),
        "leaf_grads": [float(g) for g in grads],
    }


def memory(engine: str, root: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Bytes allocated by building the op tree (leaves excluded), per op node."""
    if engine == "torch":
        raise ValueError("worker: tracemalloc cannot see PyTorch's C++ allocations")
    program = workloads.op_tree_program(args.size, args.leaves, args.seed)
    Value = import_micrograd(root, "engine").Value
    leaves = [Value(v) for v in program.leaves]
    gc.collect()
    tracemalloc.start()
    out = workloads.build_op_tree(leaves, program)
    # Drop the garbage of the build loop, so only the graph is left to count.
    gc.collect()
    graph_bytes, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del out
    return {"n_ops": program.n_ops, "bytes": graph_bytes}


def chain(engine: str, root: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Forward and backward time of a chain `args.size` adds deep."""
    Value = import_micrograd(root, "engine").Value
    x, w = Value(0.5), Value(1.5)
    gc.collect()
    start = time.perf_counter()
    out = workloads.build_chain(x, w, args.size)
    built = time.perf_counter()
    out.backward()
    done = time.perf_counter()
    if w.grad != args.size:
        raise RuntimeError(f"chain: w.grad is {w.grad}, expected {args.size}")
    return {"depth": args.size, "forward_s": built - start, "backward_s": done - built}


def demo(engine: str, root: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Seconds per training step of the classic demo, and the losses."""
    Value = import_micrograd(root, "engine").Value
    MLP = import_micrograd(root, "nn").MLP
    points, labels = workloads.make_moons(args.size, noise=0.1, seed=args.seed)
    model = MLP(2, [16, 16, 1])
    workloads.init_parameters(model, args.seed)
    losses: list[float] = []
    step_s: list[float] = []
    gc.collect()
    for step in range(args.warmup + args.steps):
        start = time.perf_counter()
        loss = workloads.demo_training_step(Value, model, points, labels, step, DEMO_SCHEDULE_STEPS)
        losses.append(loss)
        if step >= args.warmup:
            step_s.append(time.perf_counter() - start)
    return {"n_params": len(model.parameters()), "step_s": step_s, "losses": losses}


WORKLOADS = {"optree": op_tree, "memory": memory, "chain": chain, "demo": demo}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("classic", "micrograd", "torch"), required=True)
    parser.add_argument("--path", type=Path, default=Path("."), help="folder to import from")
    parser.add_argument("--workload", choices=sorted(WORKLOADS), required=True)
    parser.add_argument("--size", type=int, required=True, help="ops, depth or points")
    parser.add_argument("--leaves", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--steps", type=int, default=3)
    args = parser.parse_args()
    try:
        result = WORKLOADS[args.workload](args.engine, args.path, args)
    except RecursionError as error:
        result = {"error": f"RecursionError: {error}"}
    print(json.dumps(result))


if __name__ == "__main__":
    main()

"""The Markdown report of a benchmark run: medians, ratios, targets, checks."""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

# (workload, engine name) -> one result dict per round, as worker.py printed it.
Measurements = dict[tuple[str, str], list[dict[str, Any]]]

# Results of two engines that differ by more than this are reported as a failure.
AGREEMENT = 1e-9


@dataclass(frozen=True)
class Engine:
    """A column of the table: what to import (kind) and from where."""

    name: str
    kind: str  # "classic", "micrograd" or "torch"
    path: Path | None


@dataclass(frozen=True)
class Sizes:
    rounds: int
    tree_ops: int
    tree_leaves: int
    chain_depth: int
    demo_points: int
    demo_warmup: int
    demo_steps: int

    def with_rounds(self, rounds: int) -> Sizes:
        return replace(self, rounds=rounds)


@dataclass(frozen=True)
class Target:
    """A goal from the issue, judged on (median, ratio vs classic, ratio vs PyTorch)."""

    goal: str
    met: Callable[[float, float | None, float | None], bool]


@dataclass(frozen=True)
class Row:
    """One line of the table: a number taken from each run of one workload."""

    label: str
    workload: str
    values: Callable[[dict[str, Any]], list[float]]
    ratio_word: str  # "faster" or "less": smaller numbers are better
    target: Target | None = None


def per_node(*keys: str) -> Callable[[dict[str, Any]], list[float]]:
    """The sum of the timings `keys` of a run, in µs per op node."""
    return lambda run: [sum(run[key] for key in keys) / run["n_ops"] * 1e6]


def at_least(factor: float, ratio: float | None) -> bool:
    return ratio is not None and ratio >= factor


def rows(sizes: Sizes) -> list[Row]:
    return [
        Row("op tree, forward (µs/node)", "optree", per_node("forward_s"), "faster"),
        Row("op tree, backward (µs/node)", "optree", per_node("backward_s"), "faster"),
        Row(
            "op tree, forward + backward (µs/node)",
            "optree",
            per_node("forward_s", "backward_s"),
            "faster",
            Target(
                "≥ 5x vs classic, ≥ 10x vs PyTorch",
                lambda _, classic, torch: at_least(5, classic) and at_least(10, torch),
            ),
        ),
        Row(
            "op tree, memory (bytes/node)",
            "memory",
            lambda run: [run["bytes"] / run["n_ops"]],
            "less",
            Target(
                "≤ 130 and ≥ 5x less than classic",
                lambda value, classic, _: value <= 130 and at_least(5, classic),
            ),
        ),
        Row(
            f"chain {sizes.chain_depth:,} deep, forward + backward (s)",
            "chain",
            lambda run: [run["forward_s"] + run["backward_s"]],
            "faster",
            Target("works", lambda *_: True),
        ),
        Row(
            "demo training step (s)",
            "demo",
            lambda run: list(run["step_s"]),
            "faster",
            Target("≥ 35x vs classic", lambda _, classic, __: at_least(35, classic)),
        ),
    ]


def median_of(row: Row, runs: list[dict[str, Any]]) -> float | None:
    values = [v for run in runs if "error" not in run for v in row.values(run)]
    return statistics.median(values) if values else None


def number(v: float) -> str:
    return f"{v:,.0f}" if v >= 100 else f"{v:.3g}"


def cell(row: Row, engine: Engine, runs: Measurements, kinds: dict[str, tuple[str, ...]]) -> str:
    if engine.kind not in kinds[row.workload]:
        return "—"
    results = runs.get((row.workload, engine.name), [])
    if results and "error" in results[0]:
        return f"fails: {results[0]['error'].split(':')[0]}"
    value = median_of(row, results)
    return "—" if value is None else number(value)


def ratio(row: Row, mine: Engine, other: Engine | None, runs: Measurements) -> float | None:
    """How many times better `mine` is than `other` on this row, or None."""
    if other is None:
        return None
    ours = median_of(row, runs.get((row.workload, mine.name), []))
    theirs = median_of(row, runs.get((row.workload, other.name), []))
    if ours is None or theirs is None or ours == 0:
        return None
    return theirs / ours


def target(row: Row, mine: Engine, engines: dict[str, Engine | None], runs: Measurements) -> str:
    """The issue's target for this row and whether `mine` meets it ('' if none)."""
    if row.target is None:
        return ""
    value = median_of(row, runs.get((row.workload, mine.name), []))
    met = value is not None and row.target.met(
        value, ratio(row, mine, engines["classic"], runs), ratio(row, mine, engines["torch"], runs)
    )
    return f"{row.target.goal}: {'met' if met else 'NOT met'}"


def max_relative_difference(a: list[float], b: list[float]) -> float:
    """max |a − b| / max |b|: a normwise relative difference of two vectors."""
    scale = max((abs(x) for x in b), default=0.0) or 1.0
    return max((abs(x - y) for x, y in zip(a, b, strict=True)), default=0.0) / scale


def checks(engines: list[Engine], runs: Measurements) -> list[tuple[str, bool]]:
    """Do the engines compute the same numbers? One line per comparison, and
    whether it passed."""
    reference = next(e for e in engines if e.kind == "micrograd")
    lines = []
    ours = [r for r in runs.get(("optree", reference.name), []) if "error" not in r]
    for engine in engines:
        theirs = [r for r in runs.get(("optree", engine.name), []) if "error" not in r]
        if engine is reference or not ours or not theirs:
            continue
        root = abs(theirs[0]["root"] - ours[0]["root"]) / abs(ours[0]["root"])
        grads = max_relative_difference(theirs[0]["leaf_grads"], ours[0]["leaf_grads"])
        ok = max(root, grads) <= AGREEMENT
        lines.append(
            (
                f"op tree, {engine.name} vs {reference.name}: root value and all "
                f"{len(ours[0]['leaf_grads']):,} leaf gradients "
                f"{'agree' if ok else 'DISAGREE'} (relative difference {root:.1e} and "
                f"{grads:.1e}, normwise).",
                ok,
            )
        )
    ours = [r for r in runs.get(("demo", reference.name), []) if "error" not in r]
    for engine in engines:
        theirs = [r for r in runs.get(("demo", engine.name), []) if "error" not in r]
        if engine is reference or not ours or not theirs:
            continue
        a, b = theirs[0]["losses"], ours[0]["losses"]
        worst = max(abs(x - y) / abs(y) for x, y in zip(a, b, strict=True))
        ok = worst <= AGREEMENT
        lines.append(
            (
                f"demo, {engine.name} vs {reference.name}: "
                f"{'the same' if ok else 'DIFFERENT'} loss at each of the {len(a)} steps "
                f"(first {a[0]!r} vs {b[0]!r}; largest relative difference {worst:.1e}).",
                ok,
            )
        )
    for (workload, name), results in runs.items():
        for error in sorted({r["error"] for r in results if "error" in r}):
            expected = workload == "chain" and error.startswith("RecursionError")
            lines.append((f"{workload}, {name}: {error}", expected))
    return lines


def markdown_report(
    runs: Measurements,
    engines: list[Engine],
    sizes: Sizes,
    *,
    kinds: dict[str, tuple[str, ...]],
    command: str,
    machine: str,
    seconds: float,
    with_targets: bool = True,
) -> str:
    """The whole report: how it was run, the table, then the checks. The
    issue's targets are for the full sizes: `with_targets=False` leaves them out."""
    ours = [e for e in engines if e.kind == "micrograd"]
    by_kind: dict[str, Engine | None] = {
        kind: next((e for e in engines if e.kind == kind), None) for kind in ("classic", "torch")
    }
    baselines = [
        (e, short)
        for e, short in ((by_kind["classic"], "classic"), (by_kind["torch"], "PyTorch"))
        if e is not None
    ]
    header = ["benchmark", *(e.name for e in engines)]
    header += [f"{mine.name} vs {short}" for mine in ours for _, short in baselines]
    if with_targets:
        header.append("target")

    table = [
        "| " + " | ".join(header) + " |",
        "|"
        + "|".join(["---", *["--:"] * (len(header) - 1 - with_targets)] + ["---"] * with_targets)
        + "|",
    ]
    for row in rows(sizes):
        line = [row.label, *(cell(row, e, runs, kinds) for e in engines)]
        for mine in ours:
            for other, _ in baselines:
                factor = ratio(row, mine, other, runs)
                line.append("" if factor is None else f"{factor:.1f}x {row.ratio_word}")
        if with_targets:
            goals = [target(row, mine, by_kind, runs) for mine in ours]
            if len(ours) > 1 and any(goals):
                goals = [f"{mine.name}: {goal}" for mine, goal in zip(ours, goals, strict=True)]
            line.append("; ".join(g for g in goals if g))
        table.append("| " + " | ".join(line) + " |")

    optree = next((r for r in runs.get(("optree", ours[0].name), []) if "error" not in r), None)
    depth = f", {optree['depth']} deep" if optree else ""
    today = datetime.date.today().isoformat()
    notes = [
        f"- op tree: {sizes.tree_ops:,} ops (add, mul, pow, relu) over "
        f"{sizes.tree_leaves:,} leaves{depth}, seeded, the same graph on every engine; "
        "time per op node. Memory: bytes allocated by building it (tracemalloc, leaves "
        "excluded) per op node; PyTorch's C++ allocations are invisible to tracemalloc.",
        f"- chain: x + w + w + … ({sizes.chain_depth:,} adds), then backward; w.grad is "
        "checked. The classic package sorts the graph recursively, so it raises "
        "RecursionError past Python's recursion limit (1,000); it is tried once, not timed.",
        f"- demo: the classic demo's training step (MLP 2-16-16-1 on {sizes.demo_points} "
        "two-moons points, hinge loss + 1e-4 L2, SGD), one code path written with the "
        f"classic API only; {sizes.demo_warmup} warm-up step(s), then {sizes.demo_steps} "
        "timed step(s) per process.",
        "- PyTorch runs the op tree only (torch.set_num_threads(1)); the other "
        "workloads use the classic micrograd API.",
    ]
    if by_kind["torch"] is None:
        notes.append("- PyTorch is not installed: its column is missing.")
    return "\n".join(
        [
            "# Benchmarks",
            "",
            f"`{command}` on {today}: {machine}. {sizes.rounds} round(s), every "
            "measurement in its own process, engines alternating; medians. "
            f"Whole run: {seconds:.0f} s.",
            "",
            *table,
            "",
            *notes,
            "",
            "Checks:",
            "",
            *(f"- {line}" for line, _ in checks(engines, runs)),
            "",
        ]
    )

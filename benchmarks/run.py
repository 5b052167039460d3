"""Benchmark micrograd side by side with the classic package and PyTorch.

    python benchmarks/run.py            # full run, writes benchmarks/RESULTS.md
    python benchmarks/run.py --quick    # smoke run: 1 round, smaller sizes

Every measurement runs in its own process (`worker.py`); the engines take
turns, in a rotating order, for several rounds, and the table shows medians.
The classic package (micrograd 0.1.0 from PyPI) is installed into
benchmarks/.classic on first use and imported from there only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from report import Engine, Measurements, Sizes, checks, markdown_report

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
# The runner itself only needs the package's file writer, from this repository.
sys.path.insert(1, str(REPO))
from micrograd.files import write_atomically  # noqa: E402

CLASSIC_DIR = BENCH_DIR / ".classic"
CLASSIC_VERSION = "0.1.0"
CLASSIC_REQUIREMENT = f"micrograd=={CLASSIC_VERSION}"
WORKER_TIMEOUT_S = 900

FULL = Sizes(
    rounds=5,
    tree_ops=100_000,
    tree_leaves=1_000,
    chain_depth=1_000_000,
    demo_points=100,
    demo_warmup=2,
    demo_steps=5,
)
QUICK = Sizes(
    rounds=1,
    tree_ops=10_000,
    tree_leaves=100,
    chain_depth=100_000,
    demo_points=100,
    demo_warmup=0,
    demo_steps=1,
)

# Which engines run which workload. PyTorch runs the op tree only: the other
# workloads are written against the classic micrograd API.
WORKLOAD_KINDS = {
    "optree": ("classic", "micrograd", "torch"),
    "memory": ("classic", "micrograd"),
    "chain": ("classic", "micrograd"),
    "demo": ("classic", "micrograd"),
}


@dataclass(frozen=True)
class Job:
    workload: str
    engine: Engine


def ensure_classic() -> None:
    """Install the classic package into benchmarks/.classic unless it is there."""
    marker = CLASSIC_DIR / f"micrograd-{CLASSIC_VERSION}.dist-info"
    if marker.is_dir() and (CLASSIC_DIR / "micrograd" / "engine.py").is_file():
        return
    print(f"installing {CLASSIC_REQUIREMENT} into {CLASSIC_DIR} ...", file=sys.stderr)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--upgrade",
            "--target",
            str(CLASSIC_DIR),
            CLASSIC_REQUIREMENT,
        ],
    )
    if done.returncode != 0:
        raise SystemExit(
            f"run.py: could not install {CLASSIC_REQUIREMENT} into {CLASSIC_DIR} "
            f"(pip exited with {done.returncode})"
        )


def torch_version() -> str | None:
    """PyTorch's version, read without importing it (slow), or None."""
    from importlib import metadata

    try:
        return metadata.version("torch")
    except metadata.PackageNotFoundError:
        return None


def worker_command(job: Job, sizes: Sizes, seed: int) -> list[str]:
    size = {
        "optree": sizes.tree_ops,
        "memory": sizes.tree_ops,
        "chain": sizes.chain_depth,
        "demo": sizes.demo_points,
    }[job.workload]
    command = [
        sys.executable,
        str(BENCH_DIR / "worker.py"),
        "--engine",
        job.engine.kind,
        "--workload",
        job.workload,
        "--size",
        str(size),
        "--leaves",
        str(sizes.tree_leaves),
        "--seed",
        str(seed),
        "--warmup",
        str(sizes.demo_warmup),
        "--steps",
        str(sizes.demo_steps),
    ]
    if job.engine.path is not None:
        command += ["--path", str(job.engine.path)]
    return command


def run_job(job: Job, sizes: Sizes, seed: int) -> dict[str, Any]:
    """One measurement in a fresh process; its JSON, or {"error": ...}."""
    env = dict(os.environ, PYTHONHASHSEED="0", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    try:
        done = subprocess.run(
            worker_command(job, sizes, seed),
            capture_output=True,
            text=True,
            env=env,
            timeout=WORKER_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {WORKER_TIMEOUT_S} s"}
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"worker failed: {last}"}
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def measure(engines: list[Engine], sizes: Sizes, seed: int) -> Measurements:
    """Every (workload, engine) pair, `sizes.rounds` times, engines alternating.

    The engine order rotates each round, so none always runs first (cold
    caches) or right after the slowest. An engine that fails a workload (the
    classic package on the deep chain) is not run on it again.
    """
    runs: Measurements = {}
    for round_index in range(sizes.rounds):
        for workload, kinds in WORKLOAD_KINDS.items():
            eligible = [e for e in engines if e.kind in kinds]
            shift = round_index % len(eligible)
            for engine in eligible[shift:] + eligible[:shift]:
                results = runs.setdefault((workload, engine.name), [])
                if results and "error" in results[0]:
                    continue
                started = time.perf_counter()
                result = run_job(Job(workload, engine), sizes, seed)
                note = result.get("error", "ok")
                print(
                    f"round {round_index + 1}/{sizes.rounds}  {workload:<7} {engine.name:<28}"
                    f" {time.perf_counter() - started:6.1f} s  {note}",
                    file=sys.stderr,
                )
                results.append(result)
    return runs


def parse_engine(spec: str) -> Engine:
    """NAME=DIR: another copy of micrograd to measure, e.g. a patched engine."""
    name, sep, folder = spec.partition("=")
    path = Path(folder).resolve()
    if not sep or not name or not (path / "micrograd" / "engine.py").exists():
        raise argparse.ArgumentTypeError(
            f"--extra expects NAME=DIR with DIR/micrograd/engine.py, got {spec!r}"
        )
    return Engine(name, "micrograd", path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="1 round, smaller sizes; prints only, unless --output is given",
    )
    parser.add_argument("--rounds", type=int, help="override the number of rounds")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--extra",
        type=parse_engine,
        action="append",
        default=[],
        metavar="NAME=DIR",
        help="also measure micrograd imported from DIR",
    )
    parser.add_argument(
        "--output", type=Path, help="where to write the table (default: benchmarks/RESULTS.md)"
    )
    args = parser.parse_args()

    sizes = QUICK if args.quick else FULL
    if args.rounds is not None:
        if args.rounds < 1:
            parser.error(f"--rounds must be at least 1, got {args.rounds}")
        sizes = sizes.with_rounds(args.rounds)
    output = args.output or (None if args.quick else BENCH_DIR / "RESULTS.md")

    engines = [
        Engine(f"classic micrograd {CLASSIC_VERSION}", "classic", CLASSIC_DIR),
        Engine("micrograd (this repo)", "micrograd", REPO),
        *args.extra,
    ]
    names = [e.name for e in engines]
    if len(set(names)) != len(names):
        parser.error(f"--extra: every engine needs its own name, got {names}")
    ensure_classic()
    torch = torch_version()
    if torch is not None:
        engines.append(Engine(f"PyTorch {torch} 0-d float64", "torch", None))

    started = time.perf_counter()
    runs = measure(engines, sizes, args.seed)
    command = shlex.join(["python", "benchmarks/run.py", *sys.argv[1:]])
    machine = (
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs"
    )
    text = markdown_report(
        runs,
        engines,
        sizes,
        kinds=WORKLOAD_KINDS,
        command=command,
        machine=machine,
        seconds=time.perf_counter() - started,
        with_targets=not args.quick,
    )
    print(text)
    if output is not None:
        write_atomically(output, text)
        print(f"written to {output}", file=sys.stderr)
    failed = [line for line, ok in checks(engines, runs) if not ok]
    if failed:
        raise SystemExit("run.py: " + "; ".join(failed))


if __name__ == "__main__":
    main()

"""Plant known bugs in a copy of micrograd, one at a time, and see which the tests catch.

A test suite is only as good as the bugs it can see. Each entry of
`MUTATIONS` below is one small, plausible bug: a local derivative off, a
`+=` become `=`, a floor's tie point on the wrong side, a parser that reads
x − y as y − x. For each, this script copies the repository to a temporary
folder (the working tree is never touched), plants the bug there, runs the
tests that should catch it against the copy, and reports which test did, or
that none did. A bug the relevant tests miss is then run against the whole
suite, notebooks included, before it is called a survivor.

Run it with the project's virtual environment, from anywhere:

    .venv/bin/python tests/mutations.py               # every mutation (about 10 minutes)
    .venv/bin/python tests/mutations.py -j 2          # two at a time, on two free cores
    .venv/bin/python tests/mutations.py --list        # the documented list, nothing run
    .venv/bin/python tests/mutations.py tanh-local hinge-no-relu   # some of them
    .venv/bin/python tests/mutations.py --without torch   # as on a laptop without PyTorch
    .venv/bin/python tests/mutations.py --quick       # survivors not rerun on the whole suite

Each mutation finds its site by a regular expression that must match exactly
once inside a named function or class (found with `ast`), so edits elsewhere
in the file do not move it; when the code at the site has changed, the
mutation is reported as "not applied" with the reason, and the entry needs
updating. Runs are reproducible: Hypothesis is derandomized and keeps no
example database. The exit status is 0 when every mutation was applied and
caught, 1 otherwise.
"""

from __future__ import annotations

import argparse
import ast
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# What the copy holds: the package and everything its tests read.
COPIED = ["micrograd", "tests", "notebooks", "README.md", "pyproject.toml", ".ci", ".gitignore"]

# The tests that should catch a bug in each part of the package.
ENGINE = (
    "tests/test_engine.py",
    "tests/test_engine_errors.py",
    "tests/test_engine_parity.py",
    "tests/test_engine_properties.py",
    "tests/test_functional.py",
    "tests/test_gradcheck.py",
    "tests/test_lecture.py",
    "tests/test_grad.py",
)
LOSSES = ("tests/test_losses.py",)
OPTIM = ("tests/test_optim.py",)
TRACE = ("tests/test_trace.py", "tests/test_explain.py", "tests/test_explain_agreement.py")
EXPRESSION = ("tests/test_expression.py", "tests/test_cli_graph.py")
README = ("tests/test_readme.py",)


@dataclass(frozen=True)
class Mutation:
    """One planted bug: in `file`, inside the def or class `scope` (dotted,
    None for the whole file), the one match of `pattern` becomes `replacement`."""

    name: str
    file: str
    scope: str | None
    pattern: str
    replacement: str
    bug: str
    tests: tuple[str, ...]


def engine(name: str, scope: str | None, pattern: str, replacement: str, bug: str) -> Mutation:
    return Mutation(name, "micrograd/engine.py", scope, pattern, replacement, bug, ENGINE)


def losses(name: str, scope: str, pattern: str, replacement: str, bug: str) -> Mutation:
    return Mutation(name, "micrograd/losses.py", scope, pattern, replacement, bug, LOSSES)


def optim(name: str, scope: str, pattern: str, replacement: str, bug: str) -> Mutation:
    return Mutation(name, "micrograd/optim.py", scope, pattern, replacement, bug, OPTIM)


def trace(name: str, scope: str, pattern: str, replacement: str, bug: str) -> Mutation:
    return Mutation(name, "micrograd/trace.py", scope, pattern, replacement, bug, TRACE)


def expression(name: str, scope: str | None, pattern: str, replacement: str, bug: str) -> Mutation:
    return Mutation(name, "micrograd/expression.py", scope, pattern, replacement, bug, EXPRESSION)


MUTATIONS = [
    # -- the engine: local derivatives, backward, the graph ---------------------------------
    engine("add-local", "Value.__add__", r'"\+", self, 1\.0, b, 1\.0\)',
           '"+", self, 1.0, b, 0.0)', "a + b passes no gradient to b"),
    engine("mul-swapped", "Value.__mul__", r'"\*", self, b\.data, b, self\.data\)',
           '"*", self, self.data, b, b.data)', "a · b gives each operand its own value as ∂"),
    engine("pow-rule", "Value.__pow__", r"n \* x \*\* \(n - 1\)", "n * x ** n",
           "the power rule without the − 1: ∂xⁿ/∂x = n·xⁿ"),
    engine("exp-local", "Value.exp", r'_node\(out, "exp", self, out\)',
           '_node(out, "exp", self, x)', "∂eˣ/∂x = x"),
    engine("log-local", "Value.log", r"local = 1\.0 / x\b", "local = -1.0 / x",
           "∂ln x/∂x = −1/x"),
    engine("tanh-value", "Value.tanh", r"math\.tanh\(self\.data\)", "math.tanh(0.5 * self.data)",
           "tanh(x) computed as 2σ(x) − 1, which is tanh(x/2)"),
    engine("tanh-local", "Value.tanh", r"1\.0 - t \* t", "1.0 - t", "∂tanh/∂x = 1 − tanh"),
    engine("sigmoid-negative", "Value.sigmoid", r"s = e / \(1\.0 \+ e\)", "s = 1.0 / (1.0 + e)",
           "σ(x) for x < 0 is σ(−x)"),
    engine("relu-kink", "Value.relu", r"if x > 0\.0:", "if x >= 0.0:",
           "ReLU passes gradient 1 at x = 0 (PyTorch: 0)"),
    engine("leaky-slope", "Value.leaky_relu", r'"leaky_relu", self, slope, None',
           '"leaky_relu", self, 1.0, None', "leaky ReLU passes gradient 1 on its negative side"),
    engine("sub-constant", "Value.__sub__", r'self \+ \(-_as_float\(other, "-"\)\)',
           'self + _as_float(other, "-")', "x − c adds c"),
    engine("dot-local", "dot", r"local \+= \(xv, wv\)", "local += (wv, xv)",
           "dot gives each weight its own value as ∂"),
    engine("sum-start", "sum_values", r"tuple\(values\) if start is None else \(start, \*values\)",
           "tuple(values)", "sum_values drops its start term"),
    engine("backward-overwrites", "_chain_rule", r"b\.grad \+= node\._db \* g",
           "b.grad = node._db * g",
           "backward overwrites a second operand's gradient: a node used twice counts once"),
    engine("backward-walk", "_backward_order", r"elif not reached\.issuperset\(a\):",
           "elif reached.isdisjoint(a):",
           "backward's walk skips an n-ary node's children once one of them was reached"),
    engine("topological-order", "topological_order", r"\*reversed\(node\._prev\)",
           "*node._prev", "topological_order visits children last first"),
    engine("overflow-silent", "_node", r"elif data - data:", "elif False:",
           "a result that overflows to inf goes on silently"),
    engine("no-grad-records", "no_grad", r"_recording = False", "_recording = True",
           "no_grad() records the graph anyway"),
    # -- the lecture's way: _backward() and closure ops -------------------------------------
    engine("closure-not-called", "_chain_rule", r"_call_closure\(node\)", "pass",
           "backward skips an op whose _backward is a closure"),
    engine("closure-probe-seed", "_probe_closure", r"node\.grad = 1\.0", "node.grad = 2.0",
           "a closure node's local derivatives are read off a gradient of 2, not 1"),
    engine("failed-backward-keeps", "Value.backward", r"node\.grad = g\n", "pass\n",
           "a backward that fails leaves the leaves' gradients at inf"),
    # -- gradients of gradients -------------------------------------------------------------
    engine("tanh-rule", None, r"lambda out, x: \(1 - out \* out,\)",
           "lambda out, x: (1 + out * out,)", "the graph of ∂tanh/∂x is 1 + tanh²"),
    engine("grad-chain", "_backpropagate", r"terms\[child\]\.append\(upstream \* local\)",
           "terms[child].append(upstream + local)", "grad adds local derivatives on a path"),
    Mutation("softmax-shift", "micrograd/functional.py", "_shifted", r"m = max\(", "m = min(",
             "softmax and cross entropy shift by the smallest input: exp overflows",
             ("tests/test_functional.py", *LOSSES)),
    # -- losses ---------------------------------------------------------------------------
    losses("mse-sum", "mse", r"return _mean\(", "return sum_values(",
           "mse sums the squared errors instead of averaging them"),
    losses("bce-weights-swapped", "binary_cross_entropy",
           r"_weighted_pair\(t, p, 1\.0 - p, _floored_log\)",
           "_weighted_pair(t, 1.0 - p, p, _floored_log)",
           "binary cross entropy weighs log(1 − p) by t"),
    losses("bce-floor-tie", "_floored_log", r"math\.log\(q\.data\) >= LOG_FLOOR",
           "math.log(q.data) > LOG_FLOOR",
           "at log p = −100 exactly the floor takes over (gradient 0, not −1/p)"),
    losses("softplus-unstable", "_softplus", r"return u \+ \(\(-u\)\.exp\(\) \+ 1\.0\)\.log\(\)",
           "return (u.exp() + 1.0).log()",
           "softplus exponentiates a large positive argument (overflow past 709)"),
    losses("softplus-sign", "_softplus", r"return u \+ \(\(-u\)\.exp\(\) \+ 1\.0\)\.log\(\)",
           "return u - ((-u).exp() + 1.0).log()", "softplus(u) for u > 0 subtracts log(1 + e⁻ᵘ)"),
    losses("cross-entropy-class", "_log_likelihood", r"return shifted\[k\] - ",
           "return shifted[0] - ", "cross entropy scores class 0 whatever the target"),
    losses("hinge-no-relu", "hinge", r"\(s \* -y \+ 1\)\.relu\(\)", "(s * -y + 1)",
           "hinge forgets the max(0, ·): a margin past 1 still lowers the loss"),
    losses("hinge-sign", "hinge", r"\(s \* -y \+ 1\)\.relu\(\)", "(s * y + 1).relu()",
           "hinge rewards the wrong side"),
    # -- optimizers -------------------------------------------------------------------------
    optim("sgd-momentum", "SGD.step", r"self\.momentum \* buf \+ g",
          "self.momentum * (buf + g)", "momentum also scales the new gradient"),
    optim("sgd-weight-decay", "SGD.step", r"g \+ self\.weight_decay \* p\.data",
          "g - self.weight_decay * p.data", "SGD's weight decay pushes weights away from 0"),
    optim("adam-bias-correction", "Adam.step", r"correction2 = 1\.0 - beta2 ?\*\* ?t",
          "correction2 = 1.0", "Adam does not correct v for its zero start"),
    optim("adam-eps", "Adam.step", r"\(math\.sqrt\(v / correction2\) \+ self\.eps\)",
          "math.sqrt(v / correction2 + self.eps)", "Adam adds eps inside the square root"),
    optim("adam-step-count", "Adam.step", r"self\.t, self\._m, self\._v = t, ms, vs",
          "self._m, self._v = ms, vs", "Adam's step count never advances"),
    # -- the trace and explain ----------------------------------------------------------------
    trace("explain-agrees", "Explanation._agrees", r"return math\.isclose\([^)]*\)",
          "return True", "explain says (the same) even when backward disagrees"),
    trace("trace-contribution", "trace_backward", r"contribution=local \* upstream",
          "contribution=local", "a step's contribution leaves out the upstream gradient"),
    trace("trace-upstream", "trace_backward", r"upstream = node\.grad - before\.get\(node, 0\.0\)",
          "upstream = node.grad", "a leaf's step counts the gradient it held before the pass"),
    trace("known-grads", "BackwardTrace.known_grads",
          r"start = known\.get\(edge\.child, self\._before\.get\(edge\.child, 0\.0\)\)",
          "start = self._before.get(edge.child, 0.0)",
          "the frames forget earlier contributions to a child"),
    trace("explain-path-count", "explain", r"sum\(paths_to\[c\] for c in node\._prev\)",
          "sum(paths_to[c] for c in set(node._prev))",
          "explain counts one path where a node uses a child twice"),
    trace("explain-product", "Explanation._product", r"product \*= self\._locals\[edge\]",
          "product *= abs(self._locals[edge])", "a path's product drops the signs"),
    # -- the expression parser ------------------------------------------------------------------
    expression("expression-sub", None, r"ast\.Sub: lambda a, b: a - b",
               "ast.Sub: lambda a, b: b - a", "x − y is read as y − x"),
    expression("expression-pow", None, r"ast\.Pow: lambda a, b: a ?\*\* ?b",
               "ast.Pow: lambda a, b: a * b", "x ** n is read as x · n"),
    expression("expression-unary-minus", "_Builder._apply",
               r"return -operand if isinstance\(node\.op, ast\.USub\) else operand",
               "return operand", "−x is read as x"),
    expression("expression-leaf-per-use", "_Builder._variable", r"return self\.leaves\[name\]",
               "pass", "each use of a variable is a new leaf: x·x gives ∂/∂x = x, not 2x"),
    expression("expression-dunder", "_Builder._variable", r'name\.startswith\("__"\)',
               'name.startswith("___")', "names starting with __ are no longer refused as such"),
    expression("expression-fold-int", "_fold", r"and result\.is_integer\(\)", "and False",
               "x ** (3-1) becomes the node '**2.0', not '**2'"),
    # -- the README's hand-written backward -------------------------------------------------------
    Mutation("readme-backward", "README.md", None, r"child\.grad \+= local \* node\.grad",
             "child.grad = local * node.grad",
             "the README's backward loop overwrites gradients instead of adding", README),
]

# Loaded into every pytest run of the copy (-p): reproducible Hypothesis runs
# with no example database, and optional modules hidden on request.
PLUGIN = '''\
import os
import sys

from hypothesis import settings

settings.register_profile("mutations", database=None, derandomize=True)
settings.load_profile("mutations")
for name in filter(None, os.environ.get("MUTATIONS_HIDE", "").split(",")):
    sys.modules[name] = None  # `import name` now raises ImportError
'''


class NotApplied(Exception):
    """The site of a mutation is not where its entry says: the entry needs updating."""


def scope_span(source: str, scope: str | None) -> tuple[int, int]:
    """Where the def or class named `scope` ("Class.method") lies in `source`."""
    if scope is None:
        return 0, len(source)
    body: list[ast.stmt] = ast.parse(source).body
    node: ast.stmt | None = None
    for part in scope.split("."):
        kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        node = next((n for n in body if isinstance(n, kinds) and n.name == part), None)
        if node is None:
            raise NotApplied(f"no {scope} in the file")
        body = node.body
    assert node is not None and node.end_lineno is not None
    lines = source.splitlines(keepends=True)
    return sum(map(len, lines[: node.lineno - 1])), sum(map(len, lines[: node.end_lineno]))


def mutated(source: str, mutation: Mutation) -> str:
    """`source` with the bug planted; NotApplied unless the pattern matches once."""
    start, end = scope_span(source, mutation.scope)
    matches = list(re.finditer(mutation.pattern, source[start:end]))
    where = f"in {mutation.scope}" if mutation.scope else "in the file"
    if len(matches) != 1:
        raise NotApplied(f"the pattern matches {len(matches)} times {where}")
    if matches[0].group() == mutation.replacement:
        raise NotApplied("the replacement is the code as it stands")
    a, b = start + matches[0].start(), start + matches[0].end()
    text = source[:a] + mutation.replacement + source[b:]
    if mutation.file.endswith(".py"):
        try:
            compile(text, mutation.file, "exec")
        except SyntaxError as error:
            raise NotApplied(f"the mutated file does not compile: {error.msg}") from None
    return text


@dataclass(frozen=True)
class Outcome:
    result: str  # "caught", "survived", "not applied" or "error"
    detail: str  # the catching test, the reason, or the tail of pytest's output


def run_pytest(copy: Path, env: dict[str, str], args: list[str], timeout: float) -> Outcome:
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-rfE", "-p", "no:cacheprovider",
               "-p", "mutations_plugin", *args]
    try:
        done = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return Outcome("caught", f"(timed out after {timeout:.0f} s)")
    if done.returncode == 0:
        return Outcome("survived", "")
    # "FAILED tests/test_x.py::test_y[a b] - AssertionError: …", one per failure;
    # a module that no longer imports gives ERROR lines and exit status 2.
    failed = re.findall(r"^(?:FAILED|ERROR) (.+?)(?: - .*)?$", done.stdout, re.M)
    if done.returncode in (1, 2) and failed:
        return Outcome("caught", failed[0])
    tail = " | ".join((done.stdout + done.stderr).strip().splitlines()[-3:])
    return Outcome("error", f"pytest exit {done.returncode}: {tail}")


def check(mutation: Mutation, copy: Path, env: dict[str, str], whole_suite: bool,
          timeout: float) -> Outcome:
    """Plant `mutation` in the copy, run its tests (then, if it survives and
    `whole_suite`, every test), and put the file back."""
    path = copy / mutation.file
    original = path.read_text(encoding="utf-8")
    try:
        path.write_text(mutated(original, mutation), encoding="utf-8")
    except NotApplied as reason:
        return Outcome("not applied", str(reason))
    try:
        outcome = run_pytest(copy, env, ["-o", "addopts=", *mutation.tests], timeout)
        if outcome.result == "survived" and whole_suite:
            outcome = run_pytest(copy, env, [], timeout)
            if outcome.result == "caught":
                outcome = Outcome("caught", f"{outcome.detail} (outside its tests)")
            elif outcome.result == "survived":
                outcome = Outcome("survived", "(the whole suite, notebooks included)")
        return outcome
    finally:
        path.write_text(original, encoding="utf-8")


def make_copy(where: Path) -> Path:
    copy = where
    copy.mkdir()
    ignore = shutil.ignore_patterns(
        "__pycache__", ".hypothesis", ".pytest_cache", ".ipynb_checkpoints"
    )
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=ignore)
        else:
            shutil.copy2(source, copy / name)
    (copy / "mutations_plugin.py").write_text(PLUGIN, encoding="utf-8")
    return copy


def environment(copy: Path, hidden: list[str]) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(copy), *filter(None, [env.get("PYTHONPATH")])])
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # no stale bytecode of a mutated file
    env["MUTATIONS_HIDE"] = ",".join(hidden)
    if hidden:
        env.pop("CI", None)  # in CI a missing module fails the run instead of skipping
    return env


def imports_the_copy(copy: Path, env: dict[str, str]) -> bool:
    found = subprocess.run([sys.executable, "-c", "import micrograd; print(micrograd.__file__)"],
                           cwd=copy, env=env, capture_output=True, text=True, check=False)
    return Path(found.stdout.strip()).resolve().is_relative_to(copy.resolve())


def table(rows: list[list[str]]) -> str:
    """A Markdown table, padded so that it reads as well in a terminal."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
             for row in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def run_all(chosen: list[Mutation], hidden: list[str], jobs: int, whole_suite: bool,
            timeout: float) -> list[Outcome]:
    """Check every mutation, `jobs` at a time, each job in a copy of its own."""
    with tempfile.TemporaryDirectory(prefix="micrograd-mutations-") as where:
        copies = [make_copy(Path(where) / f"copy{k}") for k in range(jobs)]
        free: queue.Queue[tuple[Path, dict[str, str]]] = queue.Queue()
        for copy in copies:
            free.put((copy, environment(copy, hidden)))
        env = environment(copies[0], hidden)
        if not imports_the_copy(copies[0], env):
            sys.exit("error: the tests would not import the copy of micrograd")
        tests = sorted({t for m in chosen for t in m.tests})
        baseline = run_pytest(copies[0], env, ["-o", "addopts=", *tests], timeout)
        if baseline.result != "survived":  # nothing planted yet: every test must pass
            sys.exit(f"error: the tests fail without any mutation: {baseline.detail}")

        def run(mutation: Mutation) -> Outcome:
            copy, env = free.get()
            try:
                outcome = check(mutation, copy, env, whole_suite, timeout)
            finally:
                free.put((copy, env))
            print(f"{mutation.name}: {outcome.result}", file=sys.stderr, flush=True)
            return outcome

        with ThreadPoolExecutor(max_workers=jobs) as pool:
            return list(pool.map(run, chosen))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="mutations to run (default: all)")
    parser.add_argument("--list", action="store_true", help="print the mutations and exit")
    parser.add_argument("--quick", action="store_true",
                        help="do not rerun a survivor against the whole suite")
    parser.add_argument("--without", action="append", default=[], metavar="MODULE",
                        help="run as if MODULE were not installed (e.g. torch)")
    parser.add_argument("--jobs", "-j", type=int, default=1,
                        help="mutations run at once, each in its own copy (default 1)")
    parser.add_argument("--timeout", type=float, default=900.0,
                        help="seconds for one pytest run (default 900)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - {m.name for m in MUTATIONS})
    if unknown:
        parser.error(f"no mutation named {', '.join(unknown)} (see --list)")
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    chosen = [m for m in MUTATIONS if not args.names or m.name in args.names]
    if args.list:
        print(table([["mutation", "file", "where", "the planted bug"]]
                    + [[m.name, m.file, m.scope or "", m.bug] for m in chosen]))
        return 0

    started = time.monotonic()
    outcomes = run_all(chosen, args.without, args.jobs, not args.quick, args.timeout)
    print(table([["mutation", "file", "result", "caught by / why"]]
                + [[m.name, m.file, o.result, o.detail]
                   for m, o in zip(chosen, outcomes, strict=True)]))
    counts = Counter(o.result for o in outcomes)
    without = f", without {', '.join(args.without)}" if args.without else ""
    print(f"\n{counts['caught']} caught, {counts['survived']} survived, "
          f"{counts['not applied']} not applied, {counts['error']} errors, of {len(outcomes)} "
          f"({time.monotonic() - started:.0f} s{without})")
    return 0 if counts["caught"] == len(outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())

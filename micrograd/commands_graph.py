"""The `micrograd graph` and `micrograd explain` subcommands.

`add_graph_commands(subparsers)` registers both on an argparse parser; each
stores its handler as `func`, a function `(args) -> int` returning the exit
status: 0 on success, 2 on bad input (a one-line message on stderr, no
traceback), 1 when Graphviz is missing, fails or runs past its time limit,
or a file cannot be written.
`print_error` and `check_output_option` serve every `micrograd` command.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from micrograd.engine import Value, topological_order
from micrograd.expression import evaluate, is_variable_name, normalize_name
from micrograd.files import check_output, check_output_folder, make_output_folder, write_atomically
from micrograd.messages import SHOWN, one_line, shorten, shown
from micrograd.trace import explain, trace_backward
from micrograd.viz import RENDER_TIMEOUT, RenderError, Stepper, draw_dot, svg_for_html, to_dot

__all__ = [
    "add_graph_commands",
    "check_output_option",
    "print_error",
    "run_explain",
    "run_graph",
]

# What -o can write, by file extension: DOT text needs no Graphviz.
_TEXT_FORMATS = (".dot", ".gv")
_RENDERED_FORMATS = (".svg", ".png", ".pdf")

# --frames draws the whole graph once per step of the backward pass: at most
# this many frames, all drawn within FRAMES_TIME_LIMIT seconds, and each
# within viz.RENDER_TIMEOUT, as any graph.
MAX_FRAMES = 100
FRAMES_TIME_LIMIT = 60.0

# Any parser class: the subcommands take the class of the main parser.
Parser = TypeVar("Parser", bound=argparse.ArgumentParser)

_EXPR_HELP = (
    'the expression, e.g. "tanh(x1*w1 + x2*w2 + b)" or "-x*y": numbers, variables, '
    "+ - * / **, exp, log, tanh, sigmoid, relu, leaky_relu (quote it)"
)


def add_graph_commands(subparsers: argparse._SubParsersAction[Parser]) -> None:
    """Register `graph` and `explain` on the parser's subparsers."""
    graph = subparsers.add_parser(
        "graph",
        help="draw the computation graph of an expression",
        description="Draw the computation graph of an expression: as DOT text on stdout, "
        "or into a file with -o; after backward with --backward; one SVG frame per "
        "backward step with --frames.",
    )
    graph.add_argument("expr", metavar="EXPR", help=_EXPR_HELP)
    _add_set_option(graph)
    graph.add_argument(
        "--backward", action="store_true", help="run backward first, so gradients show"
    )
    graph.add_argument(
        "-o", "--output", metavar="FILE",
        help="write the graph to FILE: .svg, .png, .pdf (need Graphviz) or .dot, .gv (text); "
        "its folder must exist",
    )
    graph.add_argument(
        "--frames", metavar="DIR",
        help="run backward and write one SVG per step, and index.html to step through them, "
        f"into DIR, made if missing (its parent folder must exist); at most {MAX_FRAMES} "
        "steps",
    )
    graph.add_argument(
        "--local-grads", action="store_true", help="label each edge with its local derivative"
    )
    graph.set_defaults(
        func=run_graph,
        example='micrograd graph "tanh(x*w + b)" --set x=2 w=-3 b=6.88 --backward -o neuron.svg',
    )

    explain_parser = subparsers.add_parser(
        "explain",
        help="write out the chain rule for one variable",
        description="Print d(EXPR)/d(variable) as the sum over paths of products of "
        "local derivatives, with their formulas and numbers.",
    )
    explain_parser.add_argument("expr", metavar="EXPR", help=_EXPR_HELP)
    _add_set_option(explain_parser)
    explain_parser.add_argument(
        "--wrt", required=True, metavar="NAME", help="the variable to differentiate by"
    )
    explain_parser.set_defaults(
        func=run_explain, example='micrograd explain "x*y + x" --set x=2 y=3 --wrt x'
    )


def _add_set_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set", nargs="+", action="extend", default=[], metavar="NAME=VALUE",
        help="the values of the variables, e.g. --set x=2 w=-3",
    )


def run_graph(args: argparse.Namespace) -> int:
    """The `graph` handler: returns the exit status."""
    return _run(_graph, args)


def run_explain(args: argparse.Namespace) -> int:
    """The `explain` handler: returns the exit status."""
    return _run(_explain, args)


def _run(body: Callable[[argparse.Namespace], None], args: argparse.Namespace) -> int:
    """Run a command; report an error as one line on stderr and an exit status."""
    try:
        body(args)
    except (RenderError, OSError) as error:
        # Graphviz missing, failing or too slow; a file that cannot be written.
        print_error(error)
        return 1
    # Bad input: ExpressionError (a ValueError), bad --set values, and the
    # engine's math errors (log of a negative number, division by zero, ...).
    except (ValueError, ArithmeticError) as error:
        print_error(error)
        return 2
    return 0


def print_error(error: Exception | str) -> None:
    """`micrograd: error: message` on stderr, the message flattened to one
    line; every `micrograd` command reports errors this way."""
    # Values in messages are cut short where they are quoted; this bounds the rest.
    print(f"micrograd: error: {shorten(one_line(error), 25 * SHOWN)}", file=sys.stderr)



def check_output_option(option: str, path: str, *, inside: Sequence[str] = ()) -> None:
    """ValueError, naming `option` and `path` as given, if the file `path`
    cannot be written, or, when `inside` names the files a command writes
    into the folder `path`, if that folder or one of them cannot be (the
    rules are those of `files`)."""
    try:
        if not inside:
            check_output(path)
            return
        check_output_folder(path)
        if os.path.isdir(path):
            for name in inside:
                check_output(os.path.join(path, name))
    except OSError as error:
        raise ValueError(f"{option} {error}") from None


def _graph(args: argparse.Namespace) -> None:
    output = Path(args.output) if args.output else None
    if output is not None:
        if output.suffix.lower() not in _TEXT_FORMATS + _RENDERED_FORMATS:
            raise ValueError(
                f"-o {shorten(args.output)}: unknown format "
                f"{shown(output.suffix) if output.suffix else '(no extension)'}; "
                f"use one of {', '.join(_RENDERED_FORMATS + _TEXT_FORMATS)}"
            )
        check_output_option("-o", args.output)
    if args.frames:
        check_output_option("--frames", args.frames, inside=["index.html"])
    root, _leaves = _evaluate(args)
    if args.frames:
        _write_frames(root, Path(args.frames), args.local_grads)
    elif args.backward:
        root.backward()
    if output is not None:
        _write_graph(root, output, args.local_grads)
        print(f"wrote {output}")
    elif not args.frames:
        print(to_dot(root, show_local_grads=args.local_grads), end="")


def _write_graph(root: Value, output: Path, local_grads: bool) -> None:
    suffix = output.suffix.lower()
    if suffix in _TEXT_FORMATS:
        data = to_dot(root, show_local_grads=local_grads).encode("utf-8")
    else:
        fmt = suffix.lstrip(".")
        data = draw_dot(root, format=fmt, show_local_grads=local_grads).pipe(format=fmt)
    write_atomically(output, data)


def _write_frames(root: Value, folder: Path, local_grads: bool) -> None:
    """Run backward; draw every step's frame, then write step_<k>.svg for
    each and index.html (nothing is written unless all are drawn)."""
    steps = len(topological_order(root))
    if steps > MAX_FRAMES:
        raise ValueError(
            f"--frames: the backward pass of this expression has {steps} steps; at most "
            f"{MAX_FRAMES} frames are drawn, each the whole graph: use a smaller expression, "
            f"or draw one picture with --backward -o FILE.svg"
        )
    trace = trace_backward(root)
    frames = trace.frames(show_local_grads=local_grads)
    deadline = time.monotonic() + FRAMES_TIME_LIMIT
    svgs: list[str] = []
    for frame in frames:
        left = deadline - time.monotonic()
        if left <= 0:
            raise _frames_too_slow(len(svgs), len(frames))
        try:
            svgs.append(frame.pipe(format="svg", encoding="utf-8",
                                   timeout=min(left, RENDER_TIMEOUT)))
        except RenderError:
            # Stopped by what was left of the frames' time, not by a graph's own limit.
            if left < RENDER_TIMEOUT and time.monotonic() >= deadline:
                raise _frames_too_slow(len(svgs), len(frames)) from None
            raise
    make_output_folder(folder)
    width = len(str(len(svgs)))
    for k, svg in enumerate(svgs, start=1):
        write_atomically(folder / f"step_{k:0{width}d}.svg", svg.encode("utf-8"))
    page = Stepper([svg_for_html(svg) for svg in svgs], trace.captions()).page()
    write_atomically(folder / "index.html", page.encode("utf-8"))
    print(f"wrote {len(svgs)} frames and index.html to {folder}")


def _frames_too_slow(drawn: int, count: int) -> RenderError:
    return RenderError(
        f"--frames: drawing {drawn} of the {count} frames took more than "
        f"{FRAMES_TIME_LIMIT:g} s: use a smaller expression"
    )


def _explain(args: argparse.Namespace) -> None:
    root, leaves = _evaluate(args)
    wrt = leaves.get(normalize_name(args.wrt))
    if wrt is None:
        used = ", ".join(leaves) or "none"
        raise ValueError(
            f"--wrt {shorten(args.wrt)}: {shown(args.wrt)} is not a variable of {shown(args.expr)} "
            f"(its variables: {used})"
        )
    print(explain(root, wrt))


def _evaluate(args: argparse.Namespace) -> tuple[Value, dict[str, Value]]:
    """The expression's graph and its leaves; a --set name that it does not
    use is an error, as it is most likely a typo."""
    variables = _variables(args.set)
    root, leaves = evaluate(args.expr, variables)
    for name in variables:
        if normalize_name(name) not in leaves:
            used = ", ".join(leaves) or "none"
            raise ValueError(
                f"--set {shorten(name)}: the expression {shown(args.expr)} does not use "
                f"{shorten(name)} "
                f"(its variables: {used})"
            )
    return root, leaves


def _variables(items: list[str]) -> dict[str, float]:
    """--set NAME=VALUE ... as a dict, each name once, each value a finite number."""
    variables: dict[str, float] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not is_variable_name(name):
            raise ValueError(f"--set {shown(item)}: expected NAME=VALUE, e.g. x=2")
        if name in variables:
            raise ValueError(f"--set {shown(item)}: {shorten(name)} is set twice")
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"--set {shown(item)}: {shown(text)} is not a number") from None
        if not math.isfinite(value):
            raise ValueError(f"--set {shown(item)}: the value must be finite")
        variables[name] = value
    return variables

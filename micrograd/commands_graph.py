"""The `micrograd graph` and `micrograd explain` subcommands.

`add_graph_commands(subparsers)` registers both on an argparse parser; each
stores its handler as `func`, a function `(args) -> int` returning the exit
status: 0 on success, 2 on bad input (a one-line message on stderr, no
traceback), 1 when Graphviz is missing or a file cannot be written.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from micrograd.engine import Value
from micrograd.expression import evaluate
from micrograd.files import write_atomically
from micrograd.trace import explain, trace_backward
from micrograd.viz import GraphvizMissing, Stepper, draw_dot, svg_for_html, to_dot

__all__ = ["add_graph_commands", "one_line", "print_error", "run_explain", "run_graph"]

# What -o can write, by file extension: DOT text needs no Graphviz.
_TEXT_FORMATS = (".dot", ".gv")
_RENDERED_FORMATS = (".svg", ".png", ".pdf")

# Any parser class: the subcommands take the class of the main parser.
Parser = TypeVar("Parser", bound=argparse.ArgumentParser)

_EXPR_HELP = (
    'the expression, e.g. "tanh(x1*w1 + x2*w2 + b)": numbers, variables, + - * / **, '
    "exp, log, tanh, sigmoid, relu, leaky_relu (quote it; one starting with - needs a "
    "space first, as in \" -x\")"
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
        help="write the graph to FILE: .svg, .png, .pdf (need Graphviz) or .dot, .gv (text)",
    )
    graph.add_argument(
        "--frames", metavar="DIR",
        help="run backward and write one SVG per step, and index.html to step through them",
    )
    graph.add_argument(
        "--local-grads", action="store_true", help="label each edge with its local derivative"
    )
    graph.set_defaults(func=run_graph)

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
    explain_parser.set_defaults(func=run_explain)


def _add_set_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set", nargs="+", action="extend", default=[], metavar="NAME=VALUE",
        help="the values of the variables, e.g. --set x=2 w=-3",
    )


def run_graph(args: argparse.Namespace) -> int:
    """The `graph` handler: returns the exit status."""
    return _run("graph", _graph, args)


def run_explain(args: argparse.Namespace) -> int:
    """The `explain` handler: returns the exit status."""
    return _run("explain", _explain, args)


def _run(command: str, body: Callable[[argparse.Namespace], None], args: argparse.Namespace) -> int:
    """Run a command; report an error as one line on stderr and an exit status."""
    try:
        body(args)
    except (GraphvizMissing, OSError) as error:
        print_error(error, f"micrograd {command}")
        return 1
    # Bad input: ExpressionError (a ValueError), bad --set values, and the
    # engine's math errors (log of a negative number, division by zero, ...).
    except (ValueError, ArithmeticError) as error:
        print_error(error, f"micrograd {command}")
        return 2
    return 0


def print_error(error: Exception, prog: str = "micrograd") -> None:
    """`prog: error: message` on stderr, the message flattened to one line;
    every `micrograd` command reports errors this way."""
    print(f"{prog}: error: {one_line(error)}", file=sys.stderr)


def one_line(error: Exception) -> str:
    """The error's message on one line, whatever it held (the explorer shows it too)."""
    return " ".join(str(error).split())


def _graph(args: argparse.Namespace) -> None:
    root, _leaves = evaluate(args.expr, _variables(args.set))
    output = Path(args.output) if args.output else None
    if output is not None and output.suffix.lower() not in _TEXT_FORMATS + _RENDERED_FORMATS:
        raise ValueError(
            f"-o {args.output}: unknown format {output.suffix or '(no extension)'!r}; "
            f"use one of {', '.join(_RENDERED_FORMATS + _TEXT_FORMATS)}"
        )
    if output is not None and not output.parent.is_dir():
        raise ValueError(f"-o {args.output}: the folder {output.parent} does not exist")
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
    """Run backward; write step_<k>.svg for each step and index.html."""
    trace = trace_backward(root)
    frames = trace.frames(show_local_grads=local_grads)
    folder.mkdir(parents=True, exist_ok=True)
    width = len(str(len(frames)))
    svgs = []
    for k, frame in enumerate(frames, start=1):
        svg: str = frame.pipe(format="svg", encoding="utf-8")
        write_atomically(folder / f"step_{k:0{width}d}.svg", svg.encode("utf-8"))
        svgs.append(svg_for_html(svg))
    page = Stepper(svgs, trace.captions()).page()
    write_atomically(folder / "index.html", page.encode("utf-8"))
    print(f"wrote {len(frames)} frames and index.html to {folder}")


def _explain(args: argparse.Namespace) -> None:
    variables = _variables(args.set)
    root, leaves = evaluate(args.expr, variables)
    wrt = leaves.get(args.wrt)
    if wrt is None:
        used = ", ".join(leaves) or "none"
        raise ValueError(
            f"--wrt {args.wrt}: {args.wrt!r} is not a variable of {args.expr!r} "
            f"(its variables: {used})"
        )
    print(explain(root, wrt))


def _variables(items: list[str]) -> dict[str, float]:
    """--set NAME=VALUE ... as a dict, each name once, each value a finite number."""
    variables: dict[str, float] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier() or name.startswith("__"):
            raise ValueError(f"--set {item!r}: expected NAME=VALUE, e.g. x=2")
        if name in variables:
            raise ValueError(f"--set {item!r}: {name} is set twice")
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"--set {item!r}: {text!r} is not a number") from None
        if not math.isfinite(value):
            raise ValueError(f"--set {item!r}: the value must be finite")
        variables[name] = value
    return variables

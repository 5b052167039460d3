"""The `micrograd` command: `demo`, `train`, `eval`, `graph` and `explain`.

Each subcommand is added to the parser in `build_parser` and sets as `func`
the function that runs it and returns the exit status, and as `example` one
command line that shows it (a bare `micrograd` lists them). A bad argument or
a bad checkpoint ends with exit status 2 and one line on stderr; a run that
fails (say, training that overflows, or memory that runs out) with status 1
and one line; Ctrl-C with status 130 and SIGTERM with 143, once any file
being written is cleaned up; never a traceback. Every error line starts with
"micrograd: error: ".

Every output (`--save`, `--out`, `-o`, `--frames`) is checked before any work
starts, with the rules of `files`: a file's folder must exist; an output
folder is made if missing, but not its parent.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from importlib import metadata
from typing import Any, NoReturn

from micrograd import checkpoint, datasets
from micrograd.commands_graph import add_graph_commands, check_output_option, print_error
from micrograd.commands_site import add_site_command
from micrograd.engine import Value, no_grad
from micrograd.files import make_output_folder, write_atomically
from micrograd.nn import ACTIVATIONS, MLP
from micrograd.optim import SGD, Optimizer
from micrograd.train import (
    DEFAULT_LR,
    LOSS_LABELS,
    LOSSES,
    OPTIMIZERS,
    History,
    default_loss,
    evaluate,
    fit,
    make_optimizer,
    outputs_for,
)

__all__ = ["Terminated", "UsageError", "build_parser", "main", "overview"]

# What each loss is, for the line that reports it (s: the score, y: the label).
_LOSS_MEANINGS = {
    "hinge": "the mean over the points of max(0, 1 − y·s), labels y = ±1",
    "mse": "the mean over the points of (s − y)², labels y = ±1",
    "bce": "the mean over the points of the binary cross-entropy of sigmoid(s)",
    "cross_entropy": "the mean over the points of −log softmax(scores)[y]",
}

# The most a pure-Python scalar engine trains in reasonable time. A step
# costs about 1 µs and 50 bytes per parameter per point of the batch (every
# weight meets every input once in the forward pass, and once back), so
# 10 million of those take seconds and half a gigabyte.
MAX_WORK = 10_000_000  # parameters × points per step
MAX_PARAMETERS = 1_000_000  # a checkpoint of ~50 MB, within checkpoint.MAX_BYTES
MAX_POINTS = 1_000_000

# What `--out DIR` holds (and `_write_outputs` writes).
_OUTPUT_FILES = ("history.csv", "model.json", "decision_boundary.png", "neuron_graph.svg")

OnStep = Callable[[int, float, float], None]


class UsageError(Exception):
    """A bad argument: reported in one line, exit status 2."""


class Terminated(BaseException):
    """SIGTERM, raised like KeyboardInterrupt so that files being written are
    cleaned up (a BaseException, which `except Exception` lets through)."""


class _Parser(argparse.ArgumentParser):
    """argparse that raises UsageError rather than printing usage and exiting,
    and reads an argument such as -x*y as an expression, not an option."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)

    def _parse_optional(self, arg_string: str) -> Any:
        # A single-dash argument is an option only when it is exactly one of
        # this parser's (-o, -h); anything else is an expression that starts
        # with a minus. argparse alone would read -x*y as an unknown option,
        # -out*w as -o with the value ut*w, and -h*x as -h with a value.
        single_dash = arg_string.startswith("-") and not arg_string.startswith("--")
        if single_dash and arg_string not in self._option_string_actions:
            return None
        return super()._parse_optional(arg_string)


def build_parser() -> argparse.ArgumentParser:
    """The parser with every subcommand; a new one registers on `commands`."""
    parser = _Parser(
        prog="micrograd",
        description="A scalar autograd engine for learning and teaching backpropagation.",
        epilog="`micrograd COMMAND --help` describes a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"micrograd {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_demo(commands)
    _add_train(commands)
    _add_eval(commands)
    add_graph_commands(commands)
    add_site_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line `argv` (default: sys.argv[1:]); the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    if not argv:
        print(overview(parser), end="")
        return 0
    try:
        with _sigterm_raises():
            args = parser.parse_args(argv)
            status: int = args.func(args)
            return status
    except SystemExit as done:  # --help, --version
        return done.code if isinstance(done.code, int) else 0
    except KeyboardInterrupt:
        print("micrograd: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print("micrograd: terminated", file=sys.stderr)
        return 143
    except MemoryError:
        print_error("out of memory; try a smaller model, fewer points or a smaller expression")
        return 1
    except (UsageError, ValueError) as error:
        # A bad argument; a value the library refused (a bad noise, lr, ...); a CheckpointError.
        print_error(error)
        return 2
    except (ArithmeticError, OSError) as error:
        # Overflow or an anomaly while training; a file that cannot be written.
        print_error(error)
        return 1


def overview(parser: argparse.ArgumentParser) -> str:
    """What a bare `micrograd` prints: the commands, each with an example."""
    commands = next(
        a for a in parser._actions if isinstance(a, argparse._SubParsersAction)
    )
    lines = [
        parser.description or "",
        "",
        "usage: micrograd COMMAND [options]   (micrograd COMMAND --help: its options;",
        "                                      micrograd --version: the version)",
        "",
        "commands:",
    ]
    helps = {choice.dest: choice.help for choice in commands._choices_actions}
    for name, command in commands.choices.items():
        lines.append(f"  {name:9} {helps.get(name, '')}")
        example = command.get_default("example")
        if example:
            lines.append(f"            e.g. {example}")
    return "\n".join(lines) + "\n"


def _version() -> str:
    try:
        return metadata.version("micrograd")
    except metadata.PackageNotFoundError:  # run from a source tree, not installed
        return "(not installed)"


@contextmanager
def _sigterm_raises() -> Iterator[None]:
    """Make SIGTERM raise Terminated while the command runs (in the main thread,
    the only one that may set signal handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminated(signum: int, frame: object) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# -- demo --------------------------------------------------------------------


def _add_demo(commands: argparse._SubParsersAction[_Parser]) -> None:
    demo = commands.add_parser(
        "demo",
        help="train the classic two-moons MLP and plot its decision boundary",
        description="The classic micrograd demo: 100 two-moons points (labels ±1), an MLP "
        "2-16-16-1 with ReLU, hinge loss plus 1e-4·Σp² L2, SGD with the learning rate "
        "going from 1.0 down to 0.1.",
    )
    demo.add_argument("--out", metavar="DIR", default="micrograd-demo",
                      help="output folder, made if missing; its parent folder must exist "
                      "(default: %(default)s)")
    demo.add_argument("--seed", type=int, default=1337, help="random seed (default: %(default)s)")
    demo.add_argument("--steps", type=_positive, default=100, help="steps (default: %(default)s)")
    demo.set_defaults(func=_run_demo, example="micrograd demo --out demo")


def _run_demo(args: argparse.Namespace) -> int:
    check_output_option("--out", args.out, inside=_OUTPUT_FILES)
    X, y = datasets.make_moons(n=100, noise=0.1, seed=args.seed, labels="sign")
    model = MLP(2, [16, 16, 1], rng=random.Random(args.seed))
    steps = args.steps
    history, accuracy = _train(
        model, X, y, SGD(model.parameters(), lr=1.0), "hinge", steps,
        l2=1e-4, schedule=lambda k: 1.0 - 0.9 * k / steps,
    )
    _write_outputs(args.out, model, X, y, history, accuracy)
    return 0


# -- train -------------------------------------------------------------------


def _add_train(commands: argparse._SubParsersAction[_Parser]) -> None:
    train = commands.add_parser(
        "train",
        help="train an MLP on a toy dataset",
        description="Train an MLP on a toy dataset and optionally save it. A model of at "
        f"most {MAX_PARAMETERS:,} parameters, and {MAX_WORK:,} parameters × points per "
        "step, trains: past that a pure-Python engine takes too long.",
    )
    _add_dataset_options(train, seed=0)
    train.add_argument("--hidden", type=_sizes, default=[16, 16],
                       help="hidden layer sizes, comma-separated (default: 16,16)")
    train.add_argument("--activation", choices=ACTIVATIONS, default="relu",
                       help="hidden activation (default: %(default)s)")
    train.add_argument("--loss", choices=LOSSES, default=None,
                       help="loss (default: hinge for two classes, cross_entropy for more); "
                       "cross_entropy gives one output per class, the others one output")
    train.add_argument("--optimizer", choices=OPTIMIZERS, default="sgd",
                       help="optimizer (default: %(default)s)")
    lrs = ", ".join(f"{lr:g} for {name}" for name, lr in DEFAULT_LR.items())
    train.add_argument("--lr", type=float, default=None, help=f"learning rate (default: {lrs})")
    train.add_argument("--momentum", type=float, default=0.0, help="SGD momentum (default: 0)")
    train.add_argument("--weight-decay", type=float, default=0.0,
                       help="L2 weight decay (default: 0)")
    train.add_argument("--steps", type=_positive, default=100, help="steps (default: %(default)s)")
    train.add_argument("--batch-size", type=_positive, default=None,
                       help="points per step, drawn at random (default: all)")
    train.add_argument("--out", metavar="DIR", default=None,
                       help="folder for the loss history, plot and model, made if missing; "
                       "its parent folder must exist (default: none)")
    train.add_argument("--save", metavar="PATH", default=None,
                       help="save the model here (its folder must exist)")
    train.set_defaults(
        func=_run_train,
        example="micrograd train --dataset spiral --classes 3 --steps 200 --save model.json",
    )


def _run_train(args: argparse.Namespace) -> int:
    if args.save is not None:
        check_output_option("--save", args.save)
    if args.out is not None:
        check_output_option("--out", args.out, inside=_OUTPUT_FILES)
    classes = _classes(args)
    loss = args.loss or default_loss(classes)
    sizes = [2, *args.hidden, _outputs(loss, classes)]
    batch = args.batch_size or args.n
    if args.batch_size is not None and args.batch_size > args.n:
        raise UsageError(f"--batch-size {args.batch_size} is more than the {args.n} points")
    _check_size(sizes, points=args.n, per_step=batch)
    X, y = _dataset(args, loss, classes)
    model = MLP(2, sizes[1:], args.activation, rng=random.Random(args.seed))
    optimizer = make_optimizer(args.optimizer, model.parameters(), args.lr, args.momentum,
                               args.weight_decay)
    history, accuracy = _train(
        model, X, y, optimizer, loss, args.steps, batch_size=args.batch_size, seed=args.seed
    )
    if args.out is not None:
        _write_outputs(args.out, model, X, y, history, accuracy)
    if args.save is not None:
        checkpoint.save(model, args.save)
        print(f"saved the model to {args.save}")
    return 0


# -- eval --------------------------------------------------------------------


def _add_eval(commands: argparse._SubParsersAction[_Parser]) -> None:
    evaluate_ = commands.add_parser(
        "eval",
        help="measure a saved model on a toy dataset",
        description="Load a checkpoint and report its loss and accuracy on a toy dataset "
        "(by default fresh points: seed 1, where train uses 0).",
    )
    evaluate_.add_argument("--model", metavar="PATH", required=True,
                           help="a saved checkpoint (a regular file of at most "
                           f"{checkpoint.MAX_BYTES // 2**20} MiB)")
    _add_dataset_options(evaluate_, seed=1)
    evaluate_.add_argument("--loss", choices=LOSSES, default=None,
                           help="loss (default: hinge for one output, else cross_entropy)")
    evaluate_.set_defaults(
        func=_run_eval, example="micrograd eval --model model.json --dataset spiral --classes 3"
    )


def _run_eval(args: argparse.Namespace) -> int:
    try:
        model = checkpoint.load(args.model)
    except OSError as error:
        raise UsageError(f"cannot read {args.model}: {error.strerror}") from None
    if model.nin != 2:
        raise UsageError(f"{args.model}: the model reads {model.nin} inputs, the datasets 2")
    outputs = model.nouts[-1]
    classes = _classes(args)
    loss = args.loss or default_loss(classes, outputs)
    expected = _outputs(loss, classes)
    if outputs != expected:
        raise UsageError(
            f"{args.model}: the model has {outputs} outputs; --loss {loss} on "
            f"{classes} classes needs {expected}"
        )
    _check_size([model.nin, *model.nouts], points=args.n, per_step=args.n)
    X, y = _dataset(args, loss, classes)
    value, accuracy = evaluate(model, X, y, loss)
    print(f"{args.dataset} (n={len(X)}, seed={args.seed}): "
          f"accuracy {accuracy:.1%}, {loss} loss {value:.6g}")
    return 0


# -- shared pieces -----------------------------------------------------------


def _add_dataset_options(parser: argparse.ArgumentParser, seed: int) -> None:
    parser.add_argument("--dataset", choices=tuple(datasets.DATASETS), default="moons",
                        help="dataset (default: %(default)s)")
    parser.add_argument("--n", type=_positive, default=100,
                        help=f"points, at most {MAX_POINTS:,} (default: %(default)s)")
    parser.add_argument("--noise", type=float, default=None,
                        help="noise standard deviation (default: the dataset's own)")
    parser.add_argument("--classes", type=_positive, default=None,
                        help="classes, for blobs (default 3) and spiral (default 2)")
    parser.add_argument("--seed", type=int, default=seed, help="random seed (default: %(default)s)")


def _classes(args: argparse.Namespace) -> int:
    """The number of classes the dataset options ask for."""
    try:
        return datasets.dataset_classes(args.dataset, args.classes)
    except ValueError as error:
        raise UsageError(f"--classes: {error}") from None


def _dataset(
    args: argparse.Namespace, loss: str, classes: int
) -> tuple[datasets.Points, datasets.Labels]:
    """The points the dataset options ask for, of `classes` classes, labelled
    as `loss` expects."""
    return datasets.make_dataset(args.dataset, args.n, classes=classes, noise=args.noise,
                                 seed=args.seed, labels=LOSS_LABELS[loss])


def _outputs(loss: str, classes: int) -> int:
    """How many outputs a model trained with `loss` on `classes` classes has."""
    try:
        return outputs_for(loss, classes)
    except ValueError as error:
        raise UsageError(f"--loss {error}") from None


def _check_size(sizes: list[int], points: int, per_step: int) -> None:
    """UsageError, before any of it is built, for a model or a data set too
    large for a pure-Python scalar engine (see MAX_WORK)."""
    if points > MAX_POINTS:
        raise UsageError(
            f"--n {points}: at most {MAX_POINTS:,} points, as in pure Python each is a list "
            f"of floats and every step goes through them one by one"
        )
    parameters = checkpoint.parameter_count(sizes)
    shape = "-".join(map(str, sizes))
    if parameters > MAX_PARAMETERS:
        raise UsageError(
            f"an MLP {shape} has {parameters:,} parameters; at most {MAX_PARAMETERS:,} train "
            f"in reasonable time in pure Python: use smaller --hidden layers or fewer --classes"
        )
    if parameters * per_step > MAX_WORK:
        raise UsageError(
            f"{parameters:,} parameters × {per_step:,} points per step is "
            f"{parameters * per_step:,}; at most {MAX_WORK:,} (each costs ~1 µs and ~50 bytes "
            f"per step in pure Python): use fewer points (--n, --batch-size) or a smaller model"
        )


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a number ≥ 1, got {number}")
    return number


def _sizes(text: str) -> list[int]:
    """'16,16' as [16, 16]."""
    if not text.strip():
        raise argparse.ArgumentTypeError(
            "expected layer sizes, e.g. 16,16 (at least one hidden layer)"
        )
    return [_positive(part) for part in text.split(",")]


@contextmanager
def _progress(steps: int) -> Iterator[OnStep]:
    """An `on_step` callback showing loss and accuracy: a tqdm bar, or without
    tqdm a plain line every tenth of the run (both on stderr)."""
    try:
        from tqdm import tqdm
    except ImportError:
        every = max(1, steps // 10)

        def print_line(k: int, loss: float, accuracy: float) -> None:
            if (k + 1) % every == 0 or k + 1 == steps:
                print(f"step {k + 1}/{steps}: loss {loss:.4f}, accuracy {accuracy:.1%}",
                      file=sys.stderr)

        yield print_line
        return
    bar = tqdm(total=steps, desc="training", unit="step")

    def update_bar(k: int, loss: float, accuracy: float) -> None:
        bar.set_postfix({"loss": f"{loss:.4f}", "accuracy": f"{accuracy:.1%}"}, refresh=False)
        bar.update(1)

    try:
        yield update_bar
    finally:
        bar.close()


def _train(
    model: MLP, X: datasets.Points, y: datasets.Labels, optimizer: Optimizer, loss: str,
    steps: int, l2: float = 0.0, **options: Any,
) -> tuple[History, float]:
    """`fit` with a progress bar, then one line with the trained model's loss
    and accuracy on the training points, saying what that loss is; the
    history and that accuracy."""
    start = time.perf_counter()
    with _progress(steps) as on_step:
        history = fit(model, X, y, optimizer, loss=loss, steps=steps, l2=l2, on_step=on_step,
                      **options)
    seconds = time.perf_counter() - start
    value, accuracy = evaluate(model, X, y, loss)
    while_training = "measured before each step's update"
    if l2:
        while_training += f" and with the {l2:g}·Σp² L2 penalty"
    print(f"trained {steps} steps in {seconds:.1f} s")
    print(f"the trained model on its {len(X)} training points: accuracy {accuracy:.1%}, "
          f"{loss} loss {value:.6g} ({_LOSS_MEANINGS[loss]}; the loss shown while training "
          f"was {while_training})")
    return history, accuracy


def _write_outputs(
    folder: str, model: MLP, X: datasets.Points, y: datasets.Labels, history: History,
    accuracy: float,
) -> None:
    """history.csv, model.json and, for a one-output model, decision_boundary.png
    and neuron_graph.svg; each written atomically."""
    make_output_folder(folder)
    written = [os.path.join(folder, "history.csv"), os.path.join(folder, "model.json")]
    text = io.StringIO()
    table = csv.writer(text)
    table.writerow(["step", "loss", "accuracy"])
    steps = zip(history.loss, history.accuracy, strict=True)
    for k, (step_loss, step_accuracy) in enumerate(steps, start=1):
        table.writerow([k, step_loss, step_accuracy])
    write_atomically(written[0], text.getvalue())
    checkpoint.save(model, written[1])
    if model.nouts[-1] != 1:
        print("micrograd: no decision-boundary plot for a model with several outputs",
              file=sys.stderr)
        print("wrote " + ", ".join(written))
        return
    picture = os.path.join(folder, "decision_boundary.png")
    if _plot(model, X, y, picture, f"decision boundary (accuracy {accuracy:.1%})"):
        written.append(picture)
    graph = os.path.join(folder, "neuron_graph.svg")
    if _draw_first_neuron(model, X, graph):
        written.append(graph)
    print("wrote " + ", ".join(written))


def _plot(model: MLP, X: datasets.Points, y: datasets.Labels, path: str, title: str) -> bool:
    """Save the decision boundary as a PNG with matplotlib's Agg canvas,
    leaving pyplot's global backend alone; False without matplotlib."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        print("micrograd: no plot: matplotlib is missing; install it with: "
              "pip install matplotlib", file=sys.stderr)
        return False
    from micrograd.viz import plot_decision_boundary

    figure = Figure(figsize=(5, 5))
    FigureCanvasAgg(figure)
    ax = plot_decision_boundary(model, X, y, ax=figure.subplots())
    ax.set_title(title)
    png = io.BytesIO()
    figure.savefig(png, format="png", dpi=120, bbox_inches="tight")  # keep the axis labels
    write_atomically(path, png.getvalue())
    return True


def _draw_first_neuron(model: MLP, X: datasets.Points, path: str) -> bool:
    """Save the computation graph of the first hidden neuron, after backward,
    as SVG: what one neuron computes and passes back. It is drawn on the first
    point that makes it fire, so the gradients shown are not all zero.
    False, with a one-line hint, if Graphviz is missing or fails."""
    from micrograd.viz import RenderError, draw_dot

    neuron = model.layers[0].neurons[0]
    with no_grad():
        point = next((p for p in X if neuron(p).data > 0.0), X[0])
    for i, w in enumerate(neuron.w, start=1):
        w.label = f"w{i}"
    neuron.b.label = "b"
    out = neuron([Value(x, label=f"x{i}") for i, x in enumerate(point, start=1)])
    out.label = "out"
    out.backward()
    try:
        svg = draw_dot(out, show_local_grads=True).pipe(format="svg")
    except RenderError as failed:  # Graphviz missing, failing or too slow
        print(f"micrograd: no graph picture: {failed}", file=sys.stderr)
        return False
    write_atomically(path, svg)
    return True

"""The `micrograd` command: `demo`, `train`, `eval`, `graph` and `explain`.

Each subcommand is added to the parser in `build_parser` and sets as `func`
the function that runs it and returns the exit status. A bad argument or a
bad checkpoint ends with exit status 2 and one line on stderr; a run that
fails (say, training that overflows) with status 1 and one line; never a
traceback.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

from micrograd import checkpoint, datasets
from micrograd.commands_graph import add_graph_commands, print_error
from micrograd.commands_site import add_site_command
from micrograd.engine import Value, no_grad
from micrograd.files import write_atomically
from micrograd.nn import ACTIVATIONS, MLP
from micrograd.optim import SGD, Adam, Optimizer
from micrograd.train import LOSS_LABELS, LOSSES, History, evaluate, fit

__all__ = ["UsageError", "build_parser", "main"]

# Each dataset, and the keyword that sets its number of classes (None: two).
_DATASETS: dict[str, tuple[Callable[..., tuple[datasets.Points, datasets.Labels]], str | None]] = {
    "moons": (datasets.make_moons, None),
    "circles": (datasets.make_circles, None),
    "blobs": (datasets.make_blobs, "centers"),
    "xor": (datasets.xor, None),
    "spiral": (datasets.spiral, "classes"),
}
_DEFAULT_LR = {"sgd": 0.1, "adam": 0.01}

OnStep = Callable[[int, float, float], None]


class UsageError(Exception):
    """A bad argument: reported in one line, exit status 2."""

    def __init__(self, message: str, prog: str = "micrograd") -> None:
        super().__init__(message)
        self.prog = prog


class _Parser(argparse.ArgumentParser):
    """argparse that raises UsageError rather than printing usage and exiting."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message, self.prog)


def build_parser() -> argparse.ArgumentParser:
    """The parser with every subcommand; a new one registers on `commands`."""
    parser = _Parser(
        prog="micrograd",
        description="A scalar autograd engine for learning and teaching backpropagation.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_demo(commands)
    _add_train(commands)
    _add_eval(commands)
    add_graph_commands(commands)
    add_site_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line `argv` (default: sys.argv[1:]); the exit status."""
    try:
        args = build_parser().parse_args(argv)
        status: int = args.func(args)
        return status
    except SystemExit as done:  # --help
        return done.code if isinstance(done.code, int) else 0
    except UsageError as error:
        print_error(error, error.prog)
        return 2
    except ValueError as error:
        # A value the library refused (a bad noise, lr, ...), or a CheckpointError.
        print_error(error)
        return 2
    except (ArithmeticError, OSError) as error:
        # Overflow or an anomaly while training; a file that cannot be written.
        print_error(error)
        return 1


# -- demo --------------------------------------------------------------------


def _add_demo(commands: argparse._SubParsersAction[_Parser]) -> None:
    demo = commands.add_parser(
        "demo",
        help="train the classic two-moons MLP and plot its decision boundary",
        description="The classic micrograd demo: 100 two-moons points (labels ±1), an MLP "
        "2-16-16-1 with ReLU, hinge loss plus 1e-4·Σp² L2, SGD with the learning rate "
        "going from 1.0 down to 0.1.",
    )
    demo.add_argument("--out", default="micrograd-demo",
                      help="output folder (default: %(default)s)")
    demo.add_argument("--seed", type=int, default=1337, help="random seed (default: %(default)s)")
    demo.add_argument("--steps", type=_positive, default=100, help="steps (default: %(default)s)")
    demo.set_defaults(func=_run_demo)


def _run_demo(args: argparse.Namespace) -> int:
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
        description="Train an MLP on a toy dataset and optionally save it.",
    )
    _add_dataset_options(train, seed=0)
    train.add_argument("--hidden", type=_sizes, default=[16, 16],
                       help="hidden layer sizes, comma-separated (default: 16,16)")
    train.add_argument("--activation", choices=ACTIVATIONS, default="relu",
                       help="hidden activation (default: %(default)s)")
    train.add_argument("--loss", choices=LOSSES, default="hinge",
                       help="loss (default: %(default)s); cross_entropy gives one output "
                       "per class, the others one output")
    train.add_argument("--optimizer", choices=tuple(_DEFAULT_LR), default="sgd",
                       help="optimizer (default: %(default)s)")
    train.add_argument("--lr", type=float, default=None,
                       help="learning rate (default: 0.1 for sgd, 0.01 for adam)")
    train.add_argument("--momentum", type=float, default=0.0, help="SGD momentum (default: 0)")
    train.add_argument("--weight-decay", type=float, default=0.0,
                       help="L2 weight decay (default: 0)")
    train.add_argument("--steps", type=_positive, default=100, help="steps (default: %(default)s)")
    train.add_argument("--batch-size", type=_positive, default=None,
                       help="points per step, drawn at random (default: all)")
    train.add_argument("--out", default=None,
                       help="folder for the loss history, plot and model (default: none)")
    train.add_argument("--save", metavar="PATH", default=None, help="save the model here")
    train.set_defaults(func=_run_train)


def _run_train(args: argparse.Namespace) -> int:
    _check_destinations(args)
    X, y, classes = _dataset(args, args.loss)
    outputs = _outputs(args.loss, classes)
    model = MLP(2, [*args.hidden, outputs], args.activation, rng=random.Random(args.seed))
    optimizer = _optimizer(args, model)
    if args.batch_size is not None and args.batch_size > len(X):
        raise UsageError(f"--batch-size {args.batch_size} is more than the {len(X)} points")
    history, accuracy = _train(
        model, X, y, optimizer, args.loss, args.steps, batch_size=args.batch_size, seed=args.seed
    )
    if args.out is not None:
        _write_outputs(args.out, model, X, y, history, accuracy)
    if args.save is not None:
        checkpoint.save(model, args.save)
        print(f"saved the model to {args.save}")
    return 0


def _check_destinations(args: argparse.Namespace) -> None:
    """Refuse a --save or --out that cannot be written before training, not after."""
    if args.save is not None:
        folder = os.path.dirname(os.path.abspath(args.save))
        if not os.path.isdir(folder):
            raise UsageError(f"--save {args.save}: the folder {folder} does not exist")
    if args.out is not None:
        try:
            os.makedirs(args.out, exist_ok=True)
        except OSError as error:
            raise UsageError(f"--out {args.out}: cannot make the folder: {error}") from None


def _optimizer(args: argparse.Namespace, model: MLP) -> Optimizer:
    lr = args.lr if args.lr is not None else _DEFAULT_LR[args.optimizer]
    if args.optimizer == "adam":
        if args.momentum != 0.0:
            raise UsageError("--momentum is for sgd; adam keeps its own running averages")
        return Adam(model.parameters(), lr=lr, weight_decay=args.weight_decay)
    return SGD(model.parameters(), lr=lr, momentum=args.momentum, weight_decay=args.weight_decay)


# -- eval --------------------------------------------------------------------


def _add_eval(commands: argparse._SubParsersAction[_Parser]) -> None:
    evaluate_ = commands.add_parser(
        "eval",
        help="measure a saved model on a toy dataset",
        description="Load a checkpoint and report its loss and accuracy on a toy dataset "
        "(by default fresh points: seed 1, where train uses 0).",
    )
    evaluate_.add_argument("--model", metavar="PATH", required=True, help="a saved checkpoint")
    _add_dataset_options(evaluate_, seed=1)
    evaluate_.add_argument("--loss", choices=LOSSES, default=None,
                           help="loss (default: hinge for one output, else cross_entropy)")
    evaluate_.set_defaults(func=_run_eval)


def _run_eval(args: argparse.Namespace) -> int:
    try:
        model = checkpoint.load(args.model)
    except OSError as error:
        raise UsageError(f"cannot read {args.model}: {error.strerror}") from None
    if model.nin != 2:
        raise UsageError(f"{args.model}: the model reads {model.nin} inputs, the datasets 2")
    outputs = model.nouts[-1]
    loss = args.loss or ("hinge" if outputs == 1 else "cross_entropy")
    X, y, classes = _dataset(args, loss)
    expected = _outputs(loss, classes)
    if outputs != expected:
        raise UsageError(
            f"{args.model}: the model has {outputs} outputs; --loss {loss} on "
            f"{classes} classes needs {expected}"
        )
    value, accuracy = evaluate(model, X, y, loss)
    print(f"{args.dataset} (n={len(X)}, seed={args.seed}): "
          f"accuracy {accuracy:.1%}, {loss} loss {value:.6g}")
    return 0


# -- shared pieces -----------------------------------------------------------


def _add_dataset_options(parser: argparse.ArgumentParser, seed: int) -> None:
    parser.add_argument("--dataset", choices=tuple(_DATASETS), default="moons",
                        help="dataset (default: %(default)s)")
    parser.add_argument("--n", type=_positive, default=100, help="points (default: %(default)s)")
    parser.add_argument("--noise", type=float, default=None,
                        help="noise standard deviation (default: the dataset's own)")
    parser.add_argument("--classes", type=_positive, default=None,
                        help="classes, for blobs (default 3) and spiral (default 2)")
    parser.add_argument("--seed", type=int, default=seed, help="random seed (default: %(default)s)")


def _dataset(
    args: argparse.Namespace, loss: str
) -> tuple[datasets.Points, datasets.Labels, int]:
    """The points the dataset options ask for, labelled as `loss` expects,
    and their number of classes."""
    make, classes_keyword = _DATASETS[args.dataset]
    options: dict[str, object] = {"n": args.n, "seed": args.seed}
    if args.noise is not None:
        options["noise"] = args.noise
    if args.classes is not None:
        if classes_keyword is None and args.classes != 2:
            raise UsageError(f"--classes: the {args.dataset} dataset has two classes")
        if classes_keyword is not None:
            options[classes_keyword] = args.classes
    X, y = make(**options)
    classes = len(set(y))
    if loss == "cross_entropy" and classes < 2:
        raise UsageError(f"--loss cross_entropy needs at least 2 classes, got {classes}")
    if loss != "cross_entropy" and classes != 2:
        raise UsageError(f"--loss {loss} needs two classes; use cross_entropy for {classes}")
    if LOSS_LABELS[loss] == "sign":
        y = datasets.to_sign(y)
    return X, y, classes


def _outputs(loss: str, classes: int) -> int:
    """How many outputs a model trained with `loss` has: one per class for
    cross_entropy, else a single score."""
    return classes if loss == "cross_entropy" else 1


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a number ≥ 1, got {number}")
    return number


def _sizes(text: str) -> list[int]:
    """'16,16' as [16, 16]; '' (no hidden layer) as []."""
    return [_positive(part) for part in text.split(",")] if text.strip() else []


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
    steps: int, **options: Any,
) -> tuple[History, float]:
    """`fit` with a progress bar; print the last step's numbers and the trained
    model's; the history and the trained model's accuracy."""
    start = time.perf_counter()
    with _progress(steps) as on_step:
        history = fit(model, X, y, optimizer, loss=loss, steps=steps, on_step=on_step, **options)
    seconds = time.perf_counter() - start
    print(f"{steps} steps in {seconds:.1f} s; last step: loss {history.loss[-1]:.6g}, "
          f"accuracy {history.accuracy[-1]:.1%}")
    value, accuracy = evaluate(model, X, y, loss)
    print(f"final accuracy {accuracy:.1%} ({loss} loss {value:.6g})")
    return history, accuracy


def _write_outputs(
    folder: str, model: MLP, X: datasets.Points, y: datasets.Labels, history: History,
    accuracy: float,
) -> None:
    """history.csv, model.json and, for a one-output model, decision_boundary.png
    and neuron_graph.svg; each written atomically."""
    os.makedirs(folder, exist_ok=True)
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
    False, with a one-line hint, without Graphviz."""
    from micrograd.viz import GraphvizMissing, draw_dot

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
    except GraphvizMissing as missing:
        print(f"micrograd: no graph picture: {missing}", file=sys.stderr)
        return False
    write_atomically(path, svg)
    return True

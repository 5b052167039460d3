"""The `micrograd` command, end to end in a temporary folder, run in-process."""

from __future__ import annotations

import csv
import json
import os
import re
import shlex
import subprocess
import sys
import textwrap
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from conftest import require_dot, require_module

from micrograd import checkpoint, cli, datasets
from micrograd.cli import build_parser, main
from micrograd.nn import MLP
from micrograd.train import LOSSES, OPTIMIZERS


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_demo_trains_plots_and_says_where_the_files_went(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_dot()
    require_module("graphviz")
    require_module("matplotlib")
    out_dir = tmp_path / "demo"
    status, out, err = run(capsys, "demo", "--steps", "3", "--out", str(out_dir))
    assert status == 0
    assert "the trained model on its 100 training points: accuracy" in out
    for name in ("history.csv", "model.json", "decision_boundary.png", "neuron_graph.svg"):
        assert str(out_dir / name) in out
    assert (out_dir / "decision_boundary.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # The first hidden neuron, drawn after backward, with its labelled inputs.
    svg = (out_dir / "neuron_graph.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "</svg>" in svg
    for label in (">w1<", ">x1<", ">b<", ">out<", "ReLU"):
        assert label in svg
    rows = list(csv.reader((out_dir / "history.csv").open()))
    assert rows[0] == ["step", "loss", "accuracy"] and len(rows) == 4
    assert repr(checkpoint.load(out_dir / "model.json")).startswith("MLP of [Layer of [ReLU")
    assert "accuracy" in err and "loss" in err  # the progress bar


def test_demo_without_tqdm_prints_plain_progress_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)  # makes `import tqdm` fail
    status, _out, err = run(capsys, "demo", "--steps", "2", "--out", str(tmp_path))
    assert status == 0
    lines = err.splitlines()
    assert lines and all(line.startswith("step ") for line in lines)
    assert lines[-1].startswith("step 2/2: loss")


def test_demo_without_matplotlib_skips_the_plot_with_a_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg"):
        monkeypatch.setitem(sys.modules, name, None)
    status, out, err = run(capsys, "demo", "--steps", "1", "--out", str(tmp_path))
    assert status == 0
    assert "pip install matplotlib" in err
    assert "decision_boundary.png" not in out
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "history.csv", "model.json", "neuron_graph.svg"
    ]


def test_demo_without_the_dot_program_skips_the_graph_with_a_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "")  # Graphviz's `dot` cannot be found
    status, out, err = run(capsys, "demo", "--steps", "1", "--out", str(tmp_path))
    assert status == 0
    assert "no graph picture" in err and "install graphviz" in err
    assert "neuron_graph.svg" not in out
    assert not (tmp_path / "neuron_graph.svg").exists()


def test_train_save_eval_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = tmp_path / "model.json"
    status, out, _err = run(capsys, "train", "--steps", "4", "--hidden", "6", "--lr", "0.2",
                            "--momentum", "0.9", "--seed", "3", "--save", str(saved))
    assert status == 0
    assert f"saved the model to {saved}" in out
    # e.g. "accuracy 85.0%, hinge loss 0.3"
    trained = out.split("training points: ")[1].split(" (")[0]

    status, out, _err = run(capsys, "eval", "--model", str(saved), "--seed", "3")
    assert status == 0
    # The same data (same seed) gives the same numbers as the end of training.
    assert out == f"moons (n=100, seed=3): {trained}\n"


def test_train_multiclass_with_adam_minibatches_and_an_output_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(
        capsys, "train", "--dataset", "spiral", "--classes", "3", "--loss", "cross_entropy",
        "--optimizer", "adam", "--batch-size", "16", "--steps", "3", "--activation", "tanh",
        "--out", str(tmp_path),
    )
    assert status == 0
    assert "cross_entropy loss" in out
    assert "no decision-boundary plot" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.csv", "model.json"]
    document = json.loads((tmp_path / "model.json").read_text())
    assert document["model"]["nouts"] == [16, 16, 3]
    assert document["model"]["activation"] == "tanh"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["fly"], "invalid choice: 'fly'"),
        (["demo", "--steps", "0"], "expected a number ≥ 1"),
        (["demo", "--bogus"], "unrecognized arguments: --bogus"),
        (["train", "--lr", "fast"], "invalid float value: 'fast'"),
        (["train", "--lr", "-1"], "SGD: lr must be finite, at least 0"),
        (["train", "--hidden", "4,x"], "expected a whole number, got 'x'"),
        (["train", "--noise", "-1"], "noise must be a finite number"),
        (["train", "--dataset", "blobs", "--loss", "hinge"],
         "--loss hinge separates two classes; 3 classes need cross_entropy"),
        (["train", "--dataset", "xor", "--classes", "3"],
         "--classes: the xor dataset has two classes, got 3"),
        (["train", "--dataset", "blobs", "--classes", "1", "--loss", "cross_entropy"],
         "cross_entropy needs at least 2 classes"),
        (["train", "--optimizer", "adam", "--momentum", "0.9"],
         "momentum is for sgd; adam keeps its own running averages (got momentum 0.9)"),
        (["train", "--batch-size", "500"], "--batch-size 500 is more than the 100 points"),
        (["eval"], "the following arguments are required: --model"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert out == ""
    assert len(err.splitlines()) == 1 and err.startswith("micrograd")
    assert message in err


def bad_checkpoints(tmp_path: Path) -> dict[str, Path]:
    """A truncated file, a missing one, and one for a 3-input model."""
    good = tmp_path / "good.json"
    main(["train", "--steps", "1", "--hidden", "3", "--save", str(good)])
    truncated = tmp_path / "truncated.json"
    truncated.write_bytes(good.read_bytes()[:100])
    three_inputs = tmp_path / "three.json"
    checkpoint.save(MLP(3, [2, 1]), three_inputs)
    return {"truncated": truncated, "missing": tmp_path / "missing.json",
            "three inputs": three_inputs}


@pytest.mark.parametrize(
    ("case", "message"),
    [("truncated", "truncated or corrupted"), ("missing", "No such file"),
     ("three inputs", "the model reads 3 inputs")],
)
def test_a_bad_checkpoint_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str, message: str
) -> None:
    path = bad_checkpoints(tmp_path)[case]
    capsys.readouterr()
    status, out, err = run(capsys, "eval", "--model", str(path))
    assert status == 2
    assert out == ""
    assert len(err.splitlines()) == 1 and message in err


def test_eval_refuses_a_loss_that_does_not_fit_the_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = tmp_path / "model.json"
    main(["train", "--steps", "1", "--hidden", "3", "--save", str(saved)])
    capsys.readouterr()
    status, _out, err = run(capsys, "eval", "--model", str(saved), "--loss", "cross_entropy")
    assert status == 2 and "the model has 1 outputs" in err


def test_training_that_overflows_exits_1_without_a_traceback(
    capsys: pytest.CaptureFixture[str]
) -> None:
    status, _out, err = run(capsys, "train", "--lr", "1e200", "--steps", "5")
    assert status == 1
    assert "Traceback" not in err
    assert err.splitlines()[-1].startswith("micrograd: error:")


def test_an_output_folder_that_is_a_file_exits_2_before_training(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    status, out, err = run(capsys, "demo", "--steps", "1", "--out", str(blocker))
    assert (status, out) == (2, "")
    assert err == f"micrograd: error: --out {blocker}: is a file, not a folder\n"


@pytest.mark.parametrize(
    ("option", "where", "message"),
    [("--save", "missing/m.json", "does not exist"), ("--out", "a-file/run", "not a folder")],
)
def test_a_destination_that_cannot_be_written_exits_2_before_training(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, where: str, message: str
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    status, out, err = run(capsys, "train", "--steps", "1", option, str(tmp_path / where))
    assert status == 2
    assert out == ""  # nothing trained
    assert len(err.splitlines()) == 1 and message in err and where.split("/")[0] in err


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _err = run(capsys, "train", "--help")
    assert status == 0 and "--batch-size" in out


def test_the_parser_holds_the_training_subcommands() -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command")
    assert {"demo", "eval", "train"} <= set(commands.choices)  # type: ignore[arg-type]


def test_the_choices_are_the_library_s_own() -> None:
    commands = next(a for a in build_parser()._actions if a.dest == "command")
    train = commands.choices["train"]  # type: ignore[index]
    choices = {a.dest: a.choices for a in train._actions if a.choices is not None}
    assert choices["dataset"] == tuple(datasets.DATASETS)
    assert choices["optimizer"] == OPTIMIZERS and choices["loss"] == LOSSES
    assert "default: 0.1 for sgd, 0.01 for adam" in train.format_help()


def test_python_dash_m_micrograd_reports_a_missing_checkpoint(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "micrograd", "eval", "--model", str(tmp_path / "none.json")],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and "No such file" in done.stderr


def test_graph_and_explain_are_subcommands_of_micrograd(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _err = run(capsys, "explain", "x*y + x", "--set", "x=2", "y=3", "--wrt", "x")
    assert status == 0
    assert out.rstrip().endswith("backward gives x.grad = 4 (the same)")
    status, out, _err = run(capsys, "graph", "tanh(x)", "--set", "x=0.5", "--backward")
    assert status == 0
    assert out.startswith("digraph") and "tanh" in out
    status, _out, err = run(capsys, "graph", "x.__class__", "--set", "x=1")
    assert status == 2 and len(err.strip().splitlines()) == 1


# -- for someone who has never seen the command ---------------------------------------------


def test_a_bare_micrograd_lists_the_commands_with_an_example_each(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = run(capsys)
    assert (status, err) == (0, "")
    assert "usage: micrograd COMMAND" in out
    for command in ("demo", "train", "eval", "graph", "explain"):
        assert f"\n  {command} " in out
        assert f"e.g. micrograd {command}" in out
    # Every example runs as it is written (here only parsed: they train or write files).
    for line in out.splitlines():
        if "e.g. micrograd " in line:
            build_parser().parse_args(shlex.split(line.split("e.g. micrograd ")[1]))


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _err = run(capsys, "--version")
    assert (status, out) == (0, f"micrograd {metadata.version('micrograd')}\n")


@pytest.mark.parametrize(
    ("argv", "loss"),
    [(["--dataset", "blobs"], "cross_entropy"), (["--dataset", "spiral", "--classes", "3"],
     "cross_entropy"), (["--dataset", "spiral"], "hinge"), ([], "hinge")],
)
def test_train_picks_the_loss_from_the_number_of_classes(
    capsys: pytest.CaptureFixture[str], argv: list[str], loss: str
) -> None:
    status, out, _err = run(capsys, "train", "--steps", "1", "--hidden", "3", *argv)
    assert status == 0
    assert f", {loss} loss " in out


@pytest.mark.parametrize("command", [["demo"], ["train", "--hidden", "3"]])
def test_one_loss_is_printed_named_and_explained(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    status, out, _err = run(capsys, *command, "--steps", "2", "--out", str(tmp_path / "run"))
    assert status == 0
    assert len(re.findall(r"loss \d", out)) == 1
    line = next(line for line in out.splitlines() if "loss" in line)
    assert "the trained model on its 100 training points: accuracy " in line
    assert ", hinge loss " in line and "the mean over the points of max(0, 1 − y·s)" in line
    assert "the loss shown while training was measured before each step's update" in line
    assert ("L2 penalty" in line) == (command == ["demo"])


def test_hidden_must_name_at_least_one_layer(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "train", "--hidden", "")
    assert (status, out) == (2, "")
    assert err == ("micrograd: error: argument --hidden: expected layer sizes, e.g. 16,16 "
                   "(at least one hidden layer)\n")


ERRORS_OF_EVERY_KIND = [
    ["fly"],
    ["train", "--hidden", "x"],
    ["train", "--lr", "-1"],
    ["eval", "--model", "/nonexistent/m.json"],
    ["graph", "x +"],
    ["explain", "x", "--set", "x=1", "--wrt", "y"],
    ["graph", "x", "--set", "x=1", "-o", "/nonexistent/g.svg"],
]


@pytest.mark.parametrize("argv", ERRORS_OF_EVERY_KIND)
def test_every_error_line_starts_the_same_way(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    status, _out, err = run(capsys, *argv)
    assert status == 2
    assert len(err.splitlines()) == 1 and err.startswith("micrograd: error: ")


# -- outputs are checked before any work ----------------------------------------------------


def test_saving_over_a_folder_is_refused_before_training(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "somedir"
    folder.mkdir()
    status, out, err = run(capsys, "train", "--steps", "1", "--save", str(folder))
    assert (status, out) == (2, "")  # nothing trained
    assert err == f"micrograd: error: --save {folder}: is a folder, not a regular file; " \
                  "it is left as it is\n"
    assert os.listdir(tmp_path) == ["somedir"] and os.listdir(folder) == []


def test_saving_into_a_folder_that_takes_no_files_is_refused_before_training(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # /proc takes no new files, even for root.
    status, out, err = run(capsys, "train", "--steps", "1", "--save", "/proc/m.json")
    assert (status, out) == (2, "")
    assert err.startswith("micrograd: error: --save /proc/m.json: cannot write in the folder")
    assert ".tmp" not in err


def test_a_special_file_in_the_out_folder_is_refused_before_training(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "model.json").mkdir()
    status, out, err = run(capsys, "train", "--steps", "1", "--out", str(tmp_path))
    assert (status, out) == (2, "")
    assert f"--out {tmp_path / 'model.json'}: is a folder, not a regular file" in err


# Each output option with a path inside a missing folder, and the folder the
# error names: a file's folder (--save, -o), an output folder's parent (--out,
# --frames). "{}" stands for the missing folder.
MISSING_PARENT = {
    "--save": (["train", "--steps", "1", "--save", "{}/m.json"], "{}"),
    "--out": (["train", "--steps", "1", "--out", "{}/run"], "{}"),
    "-o": (["graph", "x", "--set", "x=1", "-o", "{}/g.dot"], "{}"),
    "--frames": (["graph", "x", "--set", "x=1", "--frames", "{}/frames"], "{}"),
}


@pytest.mark.parametrize("option", list(MISSING_PARENT))
def test_every_output_refuses_a_missing_folder_the_same_way(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str
) -> None:
    missing = tmp_path / "missing" / "deeper"
    argv, named = MISSING_PARENT[option]
    status, out, err = run(capsys, *[arg.replace("{}", str(missing)) for arg in argv])
    assert (status, out) == (2, "")
    assert err.startswith(f"micrograd: error: {option} {missing}/")
    assert f"the folder {named.replace('{}', str(missing))} does not exist" in err
    assert os.listdir(tmp_path) == []  # no folder made


@pytest.mark.parametrize("option", ["--out", "--frames"])
def test_an_output_folder_is_made_when_its_parent_exists(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str
) -> None:
    require_dot()
    require_module("graphviz")
    argv = {"--out": ["train", "--steps", "1", "--hidden", "2"],
            "--frames": ["graph", "x*y", "--set", "x=1", "y=2"]}[option]
    status, _out, _err = run(capsys, *argv, option, str(tmp_path / "new"))
    assert status == 0 and (tmp_path / "new").is_dir()


# -- one line, never a traceback ------------------------------------------------------------


def interrupt_training(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    """Make the second training step raise `error`, as Ctrl-C or a full memory would."""
    real_fit = cli.fit

    def fit(*args: Any, **kwargs: Any) -> Any:
        on_step = kwargs["on_step"]

        def step(k: int, loss: float, accuracy: float) -> None:
            on_step(k, loss, accuracy)
            if k == 1:
                raise error

        return real_fit(*args, **{**kwargs, "on_step": step})

    monkeypatch.setattr(cli, "fit", fit)


@pytest.mark.parametrize("command", [["demo"], ["train", "--hidden", "3"]])
def test_ctrl_c_prints_interrupted_and_exits_130_leaving_no_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    command: list[str],
) -> None:
    interrupt_training(monkeypatch, KeyboardInterrupt())
    status, out, err = run(capsys, *command, "--steps", "5", "--out", str(tmp_path / "run"))
    assert status == 130
    assert err.splitlines()[-1] == "micrograd: interrupted" and "Traceback" not in err
    assert out == "" and not (tmp_path / "run").exists()


def test_running_out_of_memory_exits_1_with_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    interrupt_training(monkeypatch, MemoryError())
    status, _out, err = run(capsys, "train", "--steps", "5")
    assert status == 1
    assert err.splitlines()[-1].startswith("micrograd: error: out of memory")


def test_sigterm_while_saving_leaves_no_temporary_file(tmp_path: Path) -> None:
    # The command line turns SIGTERM into an exception, so the temporary file
    # is removed; Python's default would end the process on the spot.
    script = textwrap.dedent(
        f"""
        import os, signal
        real_fsync = os.fsync
        def fsync_then_terminated(fd):
            real_fsync(fd)
            os.kill(os.getpid(), signal.SIGTERM)
        os.fsync = fsync_then_terminated
        from micrograd.cli import main
        raise SystemExit(main(["train", "--steps", "1", "--hidden", "2",
                               "--save", {str(tmp_path / "m.json")!r}]))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 143, done.stderr
    assert done.stderr.splitlines()[-1] == "micrograd: terminated"
    assert os.listdir(tmp_path) == []


# -- sizes a pure-Python engine can train ------------------------------------------------------

TOO_LARGE = {
    "hidden": (["train", "--hidden", "1000000000"], "has 4,000,000,001 parameters; at most"),
    "two wide layers": (["train", "--hidden", "3000,3000"], "has 9,015,001 parameters"),
    "points": (["train", "--n", "1000000000"], "--n 1000000000: at most 1,000,000 points"),
    "classes": (["train", "--dataset", "blobs", "--classes", "100000000"],
                "2-16-16-100000000 has 1,700,000,320 parameters"),
    "work per step": (["train", "--hidden", "1000", "--n", "100000"],
                      "4,001 parameters × 100,000 points per step is 400,100,000; "
                      "at most 10,000,000"),
    "eval": (["eval", "--model", "{model}", "--n", "900000"], "× 900,000 points per step"),
}


@pytest.mark.parametrize("case", list(TOO_LARGE))
def test_a_model_or_data_too_large_is_refused_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    saved = tmp_path / "model.json"
    checkpoint.save(MLP(2, [16, 16, 1]), saved)
    argv, message = TOO_LARGE[case]
    status, out, err = run(capsys, *[arg.replace("{model}", str(saved)) for arg in argv])
    assert (status, out) == (2, "")
    assert len(err.splitlines()) == 1 and message in err
    assert "pure Python" in err


def test_the_largest_model_allowed_is_within_the_checkpoint_limit() -> None:
    assert cli.MAX_PARAMETERS * 55 < checkpoint.MAX_BYTES  # ~50 bytes a parameter in JSON


# -- expressions on the command line ---------------------------------------------------------


@pytest.mark.parametrize("expr", ["-x*y", "-x", "-(x + y)", "-2*x", "-x**2"])
def test_an_expression_may_start_with_a_minus(
    capsys: pytest.CaptureFixture[str], expr: str
) -> None:
    values = ["x=2", "y=3"] if "y" in expr else ["x=2"]
    status, out, err = run(capsys, "explain", expr, "--set", *values, "--wrt", "x")
    assert (status, err) == (0, "")
    assert "backward gives x.grad = " in out
    # The same as after --, argparse's own way to give an argument that starts with -.
    assert run(capsys, "explain", "--wrt", "x", "--set", *values, "--", expr) == (0, out, "")


@pytest.mark.parametrize(
    ("expr", "values"),
    [("-out*w", ["out=1", "w=2"]), ("-h*x", ["h=3", "x=2"]), ("-hx", ["hx=2"]),
     ("-x", ["x=2"]), ("-(x + y)", ["y=1", "x=2"])],
)
def test_an_expression_that_starts_like_an_option_is_an_expression(
    capsys: pytest.CaptureFixture[str], expr: str, values: list[str]
) -> None:
    # -out*w is not -o with the value ut*w, nor -h*x the help: only -o and -h are options.
    name = values[-1].partition("=")[0]
    status, out, err = run(capsys, "explain", expr, "--set", *values, "--wrt", name)
    assert (status, err) == (0, "")
    assert f"backward gives {name}.grad = " in out
    status, out, err = run(capsys, "graph", expr, "--set", *values)
    assert (status, err) == (0, "") and out.startswith("digraph {")


def test_the_dash_options_still_work(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, out, _err = run(capsys, "graph", "-o", str(tmp_path / "g.dot"), "-x", "--set", "x=1")
    assert status == 0 and out == f"wrote {tmp_path / 'g.dot'}\n"
    assert (tmp_path / "g.dot").read_text().startswith("digraph {")
    for argv in (["-h"], ["graph", "-h"], ["graph", "-x", "-h"]):
        status, out, _err = run(capsys, *argv)
        assert status == 0 and out.startswith("usage: micrograd")


def test_an_unknown_dash_option_is_still_reported(capsys: pytest.CaptureFixture[str]) -> None:
    status, _out, err = run(capsys, "train", "-x")
    assert status == 2 and err == "micrograd: error: unrecognized arguments: -x\n"


def test_a_set_name_the_expression_does_not_use_is_an_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = run(capsys, "graph", "x*w", "--set", "x=1", "w=2", "wx=3")
    assert (status, out) == (2, "")
    assert err == ("micrograd: error: --set wx: the expression 'x*w' does not use wx "
                   "(its variables: x, w)\n")


def test_set_names_are_normalised_as_python_normalises_the_expression(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _err = run(capsys, "explain", "ﬁ*2", "--set", "ﬁ=1.5", "--wrt", "ﬁ")
    assert status == 0 and "backward gives fi.grad = 2 (the same)" in out


def run_command(*argv: str | bytes) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "micrograd", *argv], capture_output=True,
                          text=True, timeout=60)


def test_a_syntax_warning_is_not_printed() -> None:
    done = run_command("graph", "1and x", "--set", "x=1")
    assert done.returncode == 2
    assert done.stderr == "micrograd: error: and/or not allowed: '1and x'\n"


def test_a_byte_that_is_not_utf8_is_named() -> None:
    done = run_command("graph", b"x\xff", "--set", "x=1")
    assert done.returncode == 2
    assert done.stderr == ("micrograd: error: the expression is not text: the byte 0xff at "
                           "column 2 is not UTF-8\n")

"""The `micrograd` command, end to end in a temporary folder, run in-process."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import require_dot, require_module

from micrograd import checkpoint
from micrograd.cli import build_parser, main
from micrograd.nn import MLP


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
    assert "final accuracy" in out
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
    trained = out.split("final accuracy ")[1].splitlines()[0]  # e.g. "85.0% (hinge loss 0.3)"

    status, out, _err = run(capsys, "eval", "--model", str(saved), "--seed", "3")
    assert status == 0
    # The same data (same seed) gives the same numbers as the end of training.
    accuracy, loss = trained.split(" (hinge loss ")
    assert f"accuracy {accuracy}, hinge loss {loss.rstrip(')')}" in out


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
        ([], "the following arguments are required: COMMAND"),
        (["fly"], "invalid choice: 'fly'"),
        (["demo", "--steps", "0"], "expected a number ≥ 1"),
        (["demo", "--bogus"], "unrecognized arguments: --bogus"),
        (["train", "--lr", "fast"], "invalid float value: 'fast'"),
        (["train", "--lr", "-1"], "SGD: lr must be finite, at least 0"),
        (["train", "--hidden", "4,x"], "expected a whole number, got 'x'"),
        (["train", "--noise", "-1"], "noise must be a finite number"),
        (["train", "--dataset", "blobs"], "--loss hinge needs two classes"),
        (["train", "--dataset", "xor", "--classes", "3"], "the xor dataset has two classes"),
        (["train", "--dataset", "blobs", "--classes", "1", "--loss", "cross_entropy"],
         "cross_entropy needs at least 2 classes"),
        (["train", "--optimizer", "adam", "--momentum", "0.9"], "--momentum is for sgd"),
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


def test_an_output_folder_that_cannot_be_made_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    status, _out, err = run(capsys, "demo", "--steps", "1", "--out", str(blocker))
    assert status == 1
    assert err.splitlines()[-1].startswith("micrograd: error:") and "a-file" in err


@pytest.mark.parametrize(
    ("option", "where", "message"),
    [("--save", "missing/m.json", "does not exist"), ("--out", "a-file/run", "cannot make")],
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

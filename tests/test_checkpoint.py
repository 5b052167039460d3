"""checkpoint: round trip, atomic writes, and every kind of bad file."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from micrograd import checkpoint
from micrograd.checkpoint import CheckpointError, load, load_into, save
from micrograd.nn import MLP


def model(seed: int = 1, nouts: tuple[int, ...] = (4, 1), activation: str = "tanh") -> MLP:
    return MLP(2, list(nouts), activation, rng=random.Random(seed))


def test_round_trip_gives_an_equal_model(tmp_path: Path) -> None:
    original = model()
    path = tmp_path / "model.json"
    save(original, path)
    state = random.getstate()
    loaded = load(path)
    assert random.getstate() == state
    assert repr(loaded) == repr(original)
    assert (loaded.nin, loaded.nouts, loaded.activation) == (2, [4, 1], "tanh")
    assert loaded.state_dict() == original.state_dict()  # float repr round-trips exactly
    x = [0.3, -0.7]
    assert loaded(x).data == original(x).data  # type: ignore[union-attr]


def test_load_into_an_existing_model(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    save(model(seed=1), path)
    target = model(seed=2)
    load_into(target, path)
    assert target.state_dict() == model(seed=1).state_dict()


def test_the_lecture_network_round_trips_and_is_told_apart(tmp_path: Path) -> None:
    lecture = MLP(3, [4, 4, 1], activation="tanh", output_activation="tanh",
                  bias_init="uniform", rng=random.Random(1))
    path = tmp_path / "lecture.json"
    save(lecture, path)
    assert json.loads(path.read_text())["model"] == {
        "type": "MLP", "nin": 3, "nouts": [4, 4, 1], "activation": "tanh",
        "output_activation": "tanh", "bias_init": "uniform",
    }
    loaded = load(path)
    assert (loaded.output_activation, loaded.bias_init) == ("tanh", "uniform")
    x = [0.5, -1.0, 2.0]
    assert loaded(x).data == lecture(x).data  # type: ignore[union-attr]
    classic_shape = MLP(3, [4, 4, 1], activation="tanh", rng=random.Random(1))
    with pytest.raises(CheckpointError, match=r"holds an MLP 3-4-4-1 \(tanh, output_activation "
                                              r"tanh, bias_init uniform\), but the model is an "
                                              r"MLP 3-4-4-1 \(tanh\)"):
        load_into(classic_shape, path)
    document = json.loads(path.read_text())
    document["model"]["output_activation"] = "softmax"
    path.write_text(json.dumps(document))
    with pytest.raises(CheckpointError, match='"output_activation" must be one of'):
        load(path)


def test_the_file_is_versioned_json(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    save(model(), path)
    document = json.loads(path.read_text())
    assert document["format"] == "micrograd-checkpoint"
    assert document["version"] == checkpoint.VERSION == 1
    assert document["model"] == {"type": "MLP", "nin": 2, "nouts": [4, 1], "activation": "tanh"}
    assert list(document["parameters"]) == [name for name, _ in model().named_parameters()]


def test_a_saved_file_gets_the_usual_permissions(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        save(model(), tmp_path / "model.json")
    finally:
        os.umask(umask)
    assert (tmp_path / "model.json").stat().st_mode & 0o777 == 0o644


def test_a_failing_write_leaves_the_old_file_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "model.json"
    save(model(seed=1), path)
    before = path.read_bytes()

    def crash(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        save(model(seed=2), path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.json"]  # no temporary file left behind


def test_save_replaces_rather_than_rewrites_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "model.json"
    save(model(seed=1), path)
    replaced: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy(source: str, target: str) -> None:
        # At the moment of the swap the new text is complete in the temporary file.
        assert json.loads(Path(source).read_text())["format"] == "micrograd-checkpoint"
        replaced.append((os.path.dirname(source), os.fspath(target)))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", spy)
    save(model(seed=2), path)
    assert replaced == [(str(tmp_path), str(path))]
    assert load(path).state_dict() == model(seed=2).state_dict()


def test_a_truncated_file_raises_and_leaves_the_model_untouched(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    save(model(seed=1), path)
    text = path.read_bytes()
    path.write_bytes(text[: len(text) // 2])
    target = model(seed=2)
    before = target.state_dict()
    with pytest.raises(CheckpointError, match="truncated or corrupted"):
        load_into(target, path)
    with pytest.raises(CheckpointError):
        load(path)
    assert target.state_dict() == before


def first_parameter(document: dict[str, Any]) -> str:
    return next(iter(document["parameters"]))


EDITS: dict[str, tuple[Callable[[dict[str, Any]], object], str]] = {
    "another format": (lambda d: d.update(format="something-else"), "not a micrograd checkpoint"),
    "a newer version": (lambda d: d.update(version=2), "version 2 is not supported"),
    "a bool version": (lambda d: d.update(version=True), "version True is not supported"),
    "no model": (lambda d: d.pop("model"), '"model" must describe an MLP'),
    "a string size": (lambda d: d["model"].update(nin="2"), '"nin" must be an int'),
    "a zero size": (lambda d: d["model"].update(nouts=[4, 0]), '"nouts" must be a list'),
    "an unknown activation": (lambda d: d["model"].update(activation="swish"), '"activation"'),
    "an extra model field": (lambda d: d["model"].update(bias=False), "unexpected fields"),
    "parameters not an object": (lambda d: d.update(parameters=[1.0]), '"parameters" must be'),
    "a string parameter": (
        lambda d: d["parameters"].update({first_parameter(d): "0.5"}), "expects a real number"
    ),
    "a null parameter": (
        lambda d: d["parameters"].update({first_parameter(d): None}), "expects a real number"
    ),
    "a missing parameter": (
        lambda d: d["parameters"].pop(first_parameter(d)),
        "has 17 parameters, but the file holds 16",
    ),
    "a renamed parameter": (
        lambda d: d["parameters"].update({"bogus": d["parameters"].pop(first_parameter(d))}),
        "missing parameters",
    ),
    "a parameter too large for a float": (
        lambda d: d["parameters"].update({first_parameter(d): 10**400}), "too large for a float"
    ),
    "a huge architecture": (
        lambda d: d["model"].update(nouts=[10**9, 1]), "has 4000000001 parameters"
    ),
}


@pytest.mark.parametrize("case", list(EDITS))
def test_a_bad_file_raises_and_leaves_the_model_untouched(tmp_path: Path, case: str) -> None:
    change, message = EDITS[case]
    path = tmp_path / "model.json"
    save(model(seed=1), path)
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))
    target = model(seed=2)
    before = target.state_dict()
    with pytest.raises(CheckpointError, match=message):
        load(path)
    with pytest.raises(CheckpointError):
        load_into(target, path)
    assert target.state_dict() == before


@pytest.mark.parametrize(
    "text", [b"", b"[]", b"\xff\xfe not utf-8", b'{"format": "micrograd-checkpoint", "x": NaN}']
)
def test_unreadable_files_raise_checkpoint_error(tmp_path: Path, text: bytes) -> None:
    path = tmp_path / "model.json"
    path.write_bytes(text)
    with pytest.raises(CheckpointError, match=str(path)):
        load(path)


def test_a_nan_parameter_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    save(model(), path)
    text = path.read_text()
    name = next(iter(json.loads(text)["parameters"]))
    document = json.loads(text)
    document["parameters"][name] = float("nan")
    path.write_text(json.dumps(document))  # Python writes NaN, which is not JSON
    with pytest.raises(CheckpointError, match="not a finite number"):
        load(path)


def test_another_architecture_is_refused_by_load_into(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    save(model(nouts=(4, 1)), path)
    target = model(nouts=(3, 1))
    before = target.state_dict()
    with pytest.raises(CheckpointError, match=r"holds an MLP 2-4-1 \(tanh\), but the model is "
                                              r"an MLP 2-3-1 \(tanh\)"):
        load_into(target, path)
    assert target.state_dict() == before
    with pytest.raises(CheckpointError, match="relu"):
        load_into(model(activation="relu"), path)


def test_checkpoint_error_is_a_value_error() -> None:
    assert issubclass(CheckpointError, ValueError)


def test_a_missing_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "nothing.json")


def test_only_an_mlp_can_be_saved(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="expected an MLP"):
        save(model().layers[0], tmp_path / "layer.json")  # type: ignore[arg-type]


def test_a_deeply_nested_file_raises_checkpoint_error(tmp_path: Path) -> None:
    # json.loads raises RecursionError on this; it must not escape as a traceback.
    path = tmp_path / "model.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(CheckpointError, match=str(path)):
        load(path)


# -- bounded input: regular files only, a size limit, short messages ---------------------

READ_IN_A_CHILD = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30))
from micrograd.checkpoint import CheckpointError, load
try:
    load(sys.argv[1])
except CheckpointError as error:
    print(error)
"""


@pytest.mark.parametrize("kind", ["fifo", "device", "folder"])
def test_only_regular_files_are_read(tmp_path: Path, kind: str) -> None:
    # In a child process with a time and memory limit: reading a FIFO waits
    # for a writer forever, and /dev/zero never ends.
    path = {"fifo": tmp_path / "pipe", "device": Path("/dev/zero"), "folder": tmp_path}[kind]
    if kind == "fifo":
        os.mkfifo(path)
    done = subprocess.run([sys.executable, "-c", READ_IN_A_CHILD, str(path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{path}: not a regular file; a checkpoint is a JSON file\n"


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as file:  # sparse: takes no room on disk
        file.truncate(checkpoint.MAX_BYTES + 1)

    def not_opened(*args: object) -> None:
        raise AssertionError("a file over the limit is not even opened")

    monkeypatch.setattr(os, "open", not_opened)
    with pytest.raises(CheckpointError, match=r"larger than 67108864 bytes.*max_bytes="):
        load(path)


def test_the_size_limit_can_be_raised_from_python(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    save(model(), path)
    size = path.stat().st_size
    with pytest.raises(CheckpointError, match=f"larger than {size - 1} bytes"):
        load(path, max_bytes=size - 1)
    target = model(seed=2)
    with pytest.raises(CheckpointError, match="larger than"):
        load_into(target, path, max_bytes=size - 1)
    assert target.state_dict() == model(seed=2).state_dict()
    assert load(path, max_bytes=size).state_dict() == model().state_dict()
    load_into(target, path, max_bytes=size)
    assert target.state_dict() == model().state_dict()


LONG = "x" * 1_000_000
LONG_EDITS: dict[str, Callable[[dict[str, Any]], object]] = {
    "a long parameter name": lambda d: d["parameters"].update(
        {LONG: d["parameters"].pop(first_parameter(d))}
    ),
    "a long version": lambda d: d.update(version=LONG),
    "a long activation": lambda d: d["model"].update(activation=LONG),
    "a long list of sizes": lambda d: d["model"].update(nouts=[1] * 100_000 + [0]),
    "a long field name": lambda d: d["model"].update({LONG: 1}),
    "a long parameters list": lambda d: d.update(parameters=[LONG] * 100),
    "deep layers": lambda d: d["model"].update(nouts=[1] * 100_000),
}


@pytest.mark.parametrize("case", list(LONG_EDITS))
def test_values_from_the_file_are_quoted_short(tmp_path: Path, case: str) -> None:
    path = tmp_path / "model.json"
    save(model(), path)
    document = json.loads(path.read_text())
    LONG_EDITS[case](document)
    path.write_text(json.dumps(document))
    with pytest.raises(CheckpointError) as caught:
        load(path)
    message = str(caught.value)
    assert len(message) < len(str(path)) + 500, message[:1000]
    assert "…" in message or "..." in message

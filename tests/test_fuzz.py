"""Fuzzing: properties that hold for any input, however large or strange.

- `graph` and `explain`, on random text and on random allowed expressions with
  random values, end with exit status 0 or 2, one line on error, never a
  traceback, in bounded time;
- `checkpoint.load`, on random bytes and random mutations of a valid file,
  returns a model or raises CheckpointError with a short message, and
  `load_into` leaves the model untouched when it raises;
- saving to a random destination (missing folder, file, folder, FIFO, link,
  unwritable folder) writes a valid file or refuses in one line, and never
  changes what was there.

Each runs a bounded number of examples, so the file takes seconds.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import re
import stat
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from micrograd import checkpoint
from micrograd.checkpoint import CheckpointError
from micrograd.cli import main
from micrograd.files import OutputError
from micrograd.nn import MLP

# Generous: only a hang or a runaway (say, quadratic in a long input) trips it.
BOUNDED = settings(deadline=timedelta(seconds=10), max_examples=150,
                   suppress_health_check=[HealthCheck.too_slow])


def run(*argv: str) -> tuple[int, str, str]:
    """`micrograd argv` in this process: (status, stdout, stderr). A traceback
    would be an exception raised here, failing the test."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv))
    return status, out.getvalue(), err.getvalue()


def assert_clean_ending(status: int, out: str, err: str) -> None:
    assert status in (0, 2), (status, err)
    if status == 2:
        assert out == ""
        assert err.count("\n") == 1 and err.startswith("micrograd: error: "), err
        assert len(err) < 1000
    else:
        assert err == ""


# -- graph and explain ------------------------------------------------------------------------

VARIABLES = ["x", "y", "w1", "ﬁ"]
SETS = ["--set", "x=0.5", "y=-2", "w1=3", "ﬁ=1e-3"]

# Text from the pieces expressions are made of, and some that they are not.
PIECES = [*"xyw1ﬁ0.5e+-*/(), ", "**", "exp", "log", "tanh", "relu", "sigmoid", "leaky_relu",
          "\x00", "\udcff", "'", "'a'", "x.y", "[", "=", "ｘ", "lambda", "import", "__", "\n",
          "#", "1e400", "9" * 400, "x+" * 4000]
EXPRESSION_TEXT = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


@BOUNDED
@given(st.one_of(EXPRESSION_TEXT, st.text(max_size=80)))
def test_graph_and_explain_end_cleanly_on_any_text(text: str) -> None:
    # The expression goes after --, so even a text that starts with -- is the expression.
    for argv in (["graph", *SETS, "--"], ["explain", "--wrt", "x", *SETS, "--"]):
        assert_clean_ending(*run(*argv, text))


FUNCTIONS = ["exp", "log", "tanh", "sigmoid", "relu", "leaky_relu"]
NUMBERS = st.sampled_from(["0", "1", "2", "0.5", "1e-300", "1e300", "709", "710", "-1"])


def trees() -> st.SearchStrategy[str]:
    """Random allowed expressions: every construct, nested."""

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        binary = st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "**"]), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        )
        call = st.tuples(st.sampled_from(FUNCTIONS), inner).map(lambda t: f"{t[0]}({t[1]})")
        slope = st.tuples(inner, NUMBERS).map(lambda t: f"leaky_relu({t[0]}, {t[1]})")
        unary = st.tuples(st.sampled_from(["-", "+"]), inner).map("".join)
        return binary | call | slope | unary

    return st.recursive(st.sampled_from(VARIABLES[:3]) | NUMBERS, extend, max_leaves=20)


VALUES = st.sampled_from([0.0, 1.0, -1.0, 0.5, -2.0, 1e-300, 1e300, 700.0, -700.0])


@BOUNDED
@given(trees(), VALUES, VALUES, VALUES, st.booleans())
def test_graph_and_explain_end_cleanly_on_allowed_expressions(
    text: str, x: float, y: float, w1: float, backward: bool
) -> None:
    used = [name for name in VARIABLES[:3] if re.search(rf"\b{name}\b", text)]
    values = [f"{name}={value!r}" for name, value in zip(VARIABLES, (x, y, w1), strict=False)
              if name in used]
    sets = ["--set", *values] if values else []
    graph = ["graph", *sets, *(["--backward"] if backward else []), "--", text]
    assert_clean_ending(*run(*graph))
    if used:
        assert_clean_ending(*run("explain", "--wrt", used[0], *sets, "--", text))


# -- checkpoints ----------------------------------------------------------------------------


def small_model(seed: int = 0) -> MLP:
    return MLP(2, [3, 1], rng=random.Random(seed))


@contextlib.contextmanager
def folder() -> Iterator[Path]:
    """A fresh folder per example (pytest's tmp_path is one per test)."""
    with tempfile.TemporaryDirectory(dir="/tmp") as name:
        yield Path(name)


def assert_load_is_clean(path: Path) -> None:
    """load gives a model or a short CheckpointError; load_into changes
    nothing when it raises."""
    target = small_model(seed=1)
    before = target.state_dict()
    try:
        checkpoint.load(path)
    except CheckpointError as error:
        assert str(error).startswith(f"{path}: ") and len(str(error)) < len(str(path)) + 500
        assert "\n" not in str(error)
    try:
        checkpoint.load_into(target, path)
    except CheckpointError:
        assert target.state_dict() == before


@BOUNDED
@given(st.binary(max_size=2000))
def test_load_of_random_bytes_is_clean(data: bytes) -> None:
    with folder() as where:
        path = where / "model.json"
        path.write_bytes(data)
        assert_load_is_clean(path)


VALID = (json.dumps({"format": checkpoint.FORMAT, "version": checkpoint.VERSION,
                     "model": {"type": "MLP", "nin": 2, "nouts": [3, 1], "activation": "relu"},
                     "parameters": small_model().state_dict()}, indent=1) + "\n").encode()

MUTATION = st.tuples(
    st.sampled_from(["flip", "insert", "delete", "truncate", "repeat"]),
    st.integers(0, len(VALID) - 1),
    st.binary(min_size=1, max_size=20),
)


def mutate(data: bytes, mutations: list[tuple[str, int, bytes]]) -> bytes:
    for kind, at, piece in mutations:
        at %= max(len(data), 1)
        if kind == "flip":
            data = data[:at] + piece[:1] + data[at + 1 :]
        elif kind == "insert":
            data = data[:at] + piece + data[at:]
        elif kind == "delete":
            data = data[:at] + data[at + len(piece) :]
        elif kind == "truncate":
            data = data[:at]
        else:  # a piece of the file many times over: long names, deep nesting
            data = data[:at] + data[at : at + len(piece)] * 5000 + data[at:]
    return data


@BOUNDED
@given(st.lists(MUTATION, min_size=1, max_size=4))
def test_load_of_a_mutated_checkpoint_is_clean(mutations: list[tuple[str, int, bytes]]) -> None:
    with folder() as where:
        path = where / "model.json"
        path.write_bytes(mutate(VALID, mutations))
        assert_load_is_clean(path)


# -- saving to any destination ------------------------------------------------------------------

TARGETS = ["missing", "file", "folder", "fifo", "link to file", "link to folder",
           "dangling link"]
PARENTS = ["folder", "missing", "a file", "read-only", "/proc"]


def make(where: Path, parent: str, target: str) -> Path:
    """The path to save to: `target` inside a `parent` folder of the kind named."""
    if parent == "/proc":
        return Path("/proc") / "model.json"
    base = where / "parent"
    if parent == "missing":
        return base / "model.json"
    if parent == "a file":
        base.write_text("a file")
        return base / "model.json"
    base.mkdir()
    path = base / "model.json"
    if target == "file":
        path.write_text("old")
    elif target == "folder":
        path.mkdir()
        (path / "inside").write_text("kept")
    elif target == "fifo":
        os.mkfifo(path)
    elif target == "link to file":
        (where / "real.json").write_text("old")
        path.symlink_to(where / "real.json")
    elif target == "link to folder":
        (where / "real").mkdir()
        path.symlink_to(where / "real")
    elif target == "dangling link":
        path.symlink_to(where / "nowhere.json")
    if parent == "read-only":
        base.chmod(0o555)
    return path


def snapshot(where: Path) -> dict[str, tuple[int, bytes]]:
    """Every entry under `where`: its type and, for a file, its bytes."""
    entries: dict[str, tuple[int, bytes]] = {}
    for root, folders, files in os.walk(where):
        for name in folders + files:
            path = Path(root) / name
            mode = path.lstat().st_mode
            regular = stat.S_ISREG(mode)
            entries[str(path)] = (stat.S_IFMT(mode), path.read_bytes() if regular else b"")
    return entries


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(PARENTS), st.sampled_from(TARGETS))
def test_saving_writes_a_valid_file_or_refuses_and_changes_nothing(
    parent: str, target: str
) -> None:
    with folder() as where:
        path = make(where, parent, target)
        before = snapshot(where)
        try:
            checkpoint.save(small_model(), path)
        except OutputError as error:
            assert str(error).startswith(f"{path}: ") and "\n" not in str(error)
            assert ".tmp" not in str(error)
            assert snapshot(where) == before
        else:
            assert checkpoint.load(path).state_dict() == small_model().state_dict()
            changed = {name for name in set(before) | set(snapshot(where))
                       if before.get(name) != snapshot(where).get(name)}
            written = {str(path), os.path.realpath(path)}
            assert changed <= written
        finally:
            (where / "parent").chmod(0o755) if (where / "parent").is_dir() else None

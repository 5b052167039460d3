"""Save an MLP to a JSON file and load it back.

The file holds a format name and version, the architecture (nin, nouts,
activation) and every parameter by name, as in `MLP.state_dict()`:

    {"format": "micrograd-checkpoint", "version": 1,
     "model": {"type": "MLP", "nin": 2, "nouts": [16, 16, 1], "activation": "relu"},
     "parameters": {"layers.0.neurons.0.w.0": 0.2755, ...}}

"model" also holds "output_activation" and "bias_init" when they are not the
classic "linear" and "zeros", so a classic model's file reads as before.

JSON writes each float's shortest repr, which reads back to the same bits.
Saving is atomic: the text goes to a temporary file in the same folder, is
flushed to disk, and only then renamed over the target, so a crash leaves
either the old file or the new one, never half of one (see `files` for what
a symbolic link or a destination that is not a regular file means).

Loading reads regular files only, of at most `MAX_BYTES` (64 MiB, about 1.3
million parameters: more than a pure-Python engine trains in reasonable
time); `load(path, max_bytes=...)` reads larger ones. It checks everything
before it touches a model; any problem is a `CheckpointError` whose message
quotes at most 80 characters of any value read from the file.
"""

from __future__ import annotations

import json
import os
import random
import stat
from itertools import pairwise
from typing import Any

from micrograd.files import write_atomically
from micrograd.messages import SHOWN, shorten, shown
from micrograd.nn import ACTIVATIONS, BIAS_INITS, MLP

__all__ = [
    "FORMAT",
    "MAX_BYTES",
    "VERSION",
    "CheckpointError",
    "load",
    "load_into",
    "parameter_count",
    "save",
]

FORMAT = "micrograd-checkpoint"
VERSION = 1
# The MLP options a file may hold, each with its allowed values and the
# value a file without it means.
_OPTIONS = {"output_activation": (ACTIVATIONS, "linear"), "bias_init": (BIAS_INITS, "zeros")}

# The largest file `load` reads unless told otherwise: 64 MiB, about 1.3
# million parameters at ~50 bytes each, when one training step of a model of
# a million parameters already takes seconds in pure Python.
MAX_BYTES = 64 * 2**20


class CheckpointError(ValueError):
    """A checkpoint file that cannot be read into the model asked for."""


def save(model: MLP, path: str | os.PathLike[str]) -> None:
    """Write `model`'s architecture and parameters to `path`, atomically."""
    if not isinstance(model, MLP):
        raise TypeError(f"checkpoint.save: expected an MLP, got {type(model).__name__}")
    document = {
        "format": FORMAT,
        "version": VERSION,
        "model": _architecture(model),
        "parameters": model.state_dict(),
    }
    text = json.dumps(document, indent=1, allow_nan=False) + "\n"
    write_atomically(path, text)


def load(path: str | os.PathLike[str], *, max_bytes: int = MAX_BYTES) -> MLP:
    """A new MLP with the architecture and parameters saved in `path`, a
    regular file of at most `max_bytes` bytes."""
    architecture, parameters = _read(path, max_bytes)
    # A private generator draws the throwaway initial weights, so loading
    # leaves the global `random` state alone.
    model = MLP(
        architecture["nin"],
        architecture["nouts"],
        architecture["activation"],
        rng=random.Random(0),
        **{name: architecture.get(name, default) for name, (_, default) in _OPTIONS.items()},
    )
    _load_parameters(model, parameters, path)
    return model


def load_into(
    model: MLP, path: str | os.PathLike[str], *, max_bytes: int = MAX_BYTES
) -> None:
    """Set `model`'s parameters from `path` (a regular file of at most
    `max_bytes` bytes), which must hold the same architecture; on any error
    the model is left unchanged."""
    if not isinstance(model, MLP):
        raise TypeError(f"checkpoint.load_into: expected an MLP, got {type(model).__name__}")
    architecture, parameters = _read(path, max_bytes)
    if architecture != _architecture(model):
        raise CheckpointError(
            f"{os.fspath(path)}: the checkpoint holds {_describe(architecture)}, "
            f"but the model is {_describe(_architecture(model))}"
        )
    _load_parameters(model, parameters, path)


def parameter_count(sizes: list[int]) -> int:
    """The number of parameters of an MLP of layer sizes [nin, *nouts]: a
    weight per input and a bias, for each neuron of each layer."""
    return sum((nin + 1) * nout for nin, nout in pairwise(sizes))


# -- helpers -----------------------------------------------------------------


def _architecture(model: MLP) -> dict[str, Any]:
    options = {name: getattr(model, name) for name in _OPTIONS}
    return {
        "type": "MLP",
        "nin": model.nin,
        "nouts": list(model.nouts),
        "activation": model.activation,
        **{name: value for name, value in options.items() if value != _OPTIONS[name][1]},
    }


def _describe(architecture: dict[str, Any]) -> str:
    sizes = [architecture["nin"], *architecture["nouts"]]
    details = [architecture["activation"]]
    details += [f"{name} {architecture[name]}" for name in _OPTIONS if name in architecture]
    return f"an MLP {shorten('-'.join(map(str, sizes)))} ({', '.join(details)})"


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a finite number")


def _read(
    path: str | os.PathLike[str], max_bytes: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The checked architecture and the parameter mapping stored in `path`."""
    where = os.fspath(path)
    raw = _read_bytes(where, max_bytes)
    try:
        document = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        # RecursionError: JSON nested deeper than the decoder's recursion limit.
        raise CheckpointError(
            f"{where}: not a readable checkpoint (truncated or corrupted?): {shorten(str(error))}"
        ) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise CheckpointError(f"{where}: not a micrograd checkpoint (no \"format\": {FORMAT!r})")
    version = document.get("version")
    if version != VERSION or isinstance(version, bool):
        raise CheckpointError(
            f"{where}: checkpoint format version {shown(version)} is not supported "
            f"(this micrograd reads version {VERSION})"
        )
    architecture = _check_architecture(document.get("model"), where)
    parameters = document.get("parameters")
    if not isinstance(parameters, dict):
        raise CheckpointError(
            f"{where}: \"parameters\" must be an object, got {shown(parameters)}"
        )
    # Checked before any model is built, so a corrupted size cannot make a huge one.
    expected = parameter_count([architecture["nin"], *architecture["nouts"]])
    if len(parameters) != expected:
        raise CheckpointError(
            f"{where}: {_describe(architecture)} has {expected} parameters, "
            f"but the file holds {len(parameters)}"
        )
    return architecture, parameters


def _read_bytes(where: str, max_bytes: int) -> bytes:
    """The bytes of the regular file `where`; CheckpointError for anything
    else (a FIFO would hang, /dev/zero never ends) or a file over `max_bytes`,
    refused before it is read."""
    status = os.stat(where)  # a missing file: FileNotFoundError, an OSError
    if not stat.S_ISREG(status.st_mode):
        raise CheckpointError(f"{where}: not a regular file; a checkpoint is a JSON file")
    too_large = CheckpointError(
        f"{where}: larger than {max_bytes} bytes, the most a checkpoint is read with; "
        f"to read it, raise the limit: checkpoint.load(path, max_bytes=...)"
    )
    if status.st_size > max_bytes:
        raise too_large
    # O_NONBLOCK: should a FIFO take the file's place after the check, opening
    # it returns at once rather than waiting for a writer.
    fd = os.open(where, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as file:
        raw = file.read(max_bytes + 1)  # the file may have grown since
    if len(raw) > max_bytes:
        raise too_large
    return raw


def _check_architecture(architecture: object, where: str) -> dict[str, Any]:
    """`architecture`, checked to describe an MLP this package can build."""
    if not isinstance(architecture, dict) or architecture.get("type") != "MLP":
        raise CheckpointError(
            f"{where}: \"model\" must describe an MLP, got {shown(architecture)}"
        )
    nin = architecture.get("nin")
    nouts = architecture.get("nouts")
    activation = architecture.get("activation")
    if not _is_size(nin):
        raise CheckpointError(f"{where}: \"nin\" must be an int ≥ 1, got {shown(nin)}")
    if not isinstance(nouts, list) or not nouts or not all(_is_size(size) for size in nouts):
        raise CheckpointError(f"{where}: \"nouts\" must be a list of ints ≥ 1, got {shown(nouts)}")
    if activation not in ACTIVATIONS:
        raise CheckpointError(
            f"{where}: \"activation\" must be one of {ACTIVATIONS}, got {shown(activation)}"
        )
    for name, (allowed, _) in _OPTIONS.items():
        if name in architecture and architecture[name] not in allowed:
            raise CheckpointError(
                f"{where}: \"{name}\" must be one of {allowed}, got {shown(architecture[name])}"
            )
    if not set(architecture) <= {"type", "nin", "nouts", "activation", *_OPTIONS}:
        raise CheckpointError(
            f"{where}: unexpected fields in \"model\": {shown(sorted(architecture))}"
        )
    return architecture


def _is_size(x: object) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and x >= 1


def _load_parameters(model: MLP, parameters: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """model.load_state_dict(parameters), its errors as CheckpointError."""
    try:
        model.load_state_dict(parameters)
    except (TypeError, ValueError, OverflowError) as error:
        # Its message may quote parameter names read from the file: kept short.
        raise CheckpointError(f"{os.fspath(path)}: {shorten(str(error), 4 * SHOWN)}") from None

"""What a learner sees of the package itself: each module's public names, and
what help(Value) prints."""

from __future__ import annotations

import importlib
import pkgutil
import pydoc
from types import ModuleType

import pytest

import micrograd
from micrograd import Value


def public_modules() -> list[str]:
    return sorted(
        f"micrograd.{info.name}"
        for info in pkgutil.iter_modules(micrograd.__path__)
        if not info.name.startswith("_")
    )


def defined_here(module: ModuleType) -> list[str]:
    """The public functions and classes a module defines (not those it imports)."""
    return [
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and callable(value)
        and getattr(value, "__module__", None) == module.__name__
    ]


def test_the_package_has_the_modules_the_readme_lists() -> None:
    assert "micrograd.engine" in public_modules() and "micrograd.viz" in public_modules()


@pytest.mark.parametrize("name", public_modules())
def test_every_public_module_says_what_it_exports(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert isinstance(exported, list), f"{name} has no __all__"
    assert len(set(exported)) == len(exported), f"{name}.__all__ repeats a name"
    missing = [n for n in exported if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names what it does not have: {missing}"
    forgotten = [n for n in defined_here(module) if n not in exported]
    assert not forgotten, f"{name} defines public {forgotten} but leaves them out of __all__"


def test_the_package_exports_what_its_modules_export() -> None:
    for name in micrograd.__all__:
        assert hasattr(micrograd, name), name


def help_text(thing: object) -> str:
    return pydoc.render_doc(thing, renderer=pydoc.plaintext)


def test_help_value_documents_what_a_value_holds() -> None:
    text = help_text(Value)
    data_descriptors = text[text.index("Data descriptors defined here:") :]
    for attribute in ("data", "grad", "label"):
        # Each attribute listed with a line that says what it holds.
        lines = data_descriptors.splitlines()
        at = next(i for i, line in enumerate(lines) if line.strip(" |") == attribute)
        assert lines[at + 1].strip(" |"), f"help(Value) gives {attribute} no description"
    # _prev and _op are the classic way to walk a graph: the class says what they are.
    assert "`_prev`: the Values this one was computed from" in text
    assert "`_op`: the operation that made it" in text
    assert "`local_grads`" in text and "_backward()" in text


def test_help_value_shows_no_private_noise() -> None:
    text = help_text(Value)
    for noise in (
        "__annotations__",  # class-level type declarations
        "Initialize self.  See help(type(self))",  # __init__ without a docstring
        "Return repr(self).",  # __repr__ without one
    ):
        assert noise not in text, noise
    # Of the slots, only the public ones are listed. (Once a Value has been
    # copied or pickled, Python caches the slot names on the class, and pydoc
    # lists that cache as __slotnames__: Python's doing, not ours.)
    section = text[text.index("Data descriptors defined here:") :].splitlines()[1:]
    listed = [line.strip(" |") for line in section if line.startswith(" |  ") and
              not line.startswith(" |   ") and line.strip(" |")]
    assert listed[:3] == ["data", "grad", "label"]
    assert all(name.startswith("-----") or name.startswith(("Data and", "__slotnames__"))
               for name in listed[3:]), listed

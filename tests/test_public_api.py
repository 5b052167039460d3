"""What a learner sees of the package itself: what help(Value) prints."""

from __future__ import annotations

import pydoc

from micrograd import Value


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
        "_da",  # the inline edge slots
        "_db",
    ):
        assert noise not in text, noise

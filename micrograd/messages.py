"""Error messages: every value echoed in one is cut to a readable length.

A message may quote what the user gave (an expression, a parameter name read
from a file, a path); `shorten` keeps its start and its end, so a 1 GB name
in a corrupted checkpoint makes a short message, not a gigabyte of output.
"""

from __future__ import annotations

import reprlib

__all__ = ["SHOWN", "one_line", "shorten", "shown"]

# How many characters of an echoed value a message shows.
SHOWN = 80

# reprlib abbreviates long strings and containers without building their
# whole repr first (a list of a million numbers shows its first few).
_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxlong = _REPR.maxother = SHOWN
_REPR.maxlevel = 3


def shorten(text: str, most: int = SHOWN) -> str:
    """`text` if it has at most `most` characters, else its start and end
    joined by "…", `most` characters in all."""
    if len(text) <= most:
        return text
    head = (most - 1) // 2
    tail = most - 1 - head
    return f"{text[:head]}…{text[-tail:]}"


def one_line(error: Exception | str) -> str:
    """The error's message on one line, whatever it held: how the command
    line prints it and the explorer shows it."""
    return " ".join(str(error).split())


def shown(value: object) -> str:
    """repr(value) as a message quotes it: at most SHOWN characters."""
    return shorten(_REPR.repr(value))

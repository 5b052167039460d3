"""The two kinds of notebook cell, written as indented triple-quoted strings."""

from __future__ import annotations

from textwrap import dedent

import nbformat


def md(text: str) -> nbformat.NotebookNode:
    """A markdown cell: words for the learner, before the code they explain."""
    return nbformat.v4.new_markdown_cell(dedent(text).strip())


def code(text: str) -> nbformat.NotebookNode:
    """A code cell; its asserts are the checks that running the notebook makes."""
    return nbformat.v4.new_code_cell(dedent(text).strip())

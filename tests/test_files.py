"""Atomic writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from micrograd.files import write_atomically


def test_a_missing_folder_names_the_file_asked_for_not_the_temporary_one(
    tmp_path: Path,
) -> None:
    path = tmp_path / "missing" / "m.json"
    with pytest.raises(FileNotFoundError) as caught:
        write_atomically(path, "{}")
    assert caught.value.filename == str(path)
    assert ".tmp" not in str(caught.value)

"""Write the course notebooks from the cells in `notebooks/cells/`, run them, save them.

Each notebook is a Python module in `cells/` whose `CELLS` list alternates
markdown and code, built with `md()` and `code()` from `cells/_cell.py`. This
script turns each into an `.ipynb`, executes it top to bottom in a fresh
`python3` kernel (so the committed file shows its outputs and every assert in
it has passed), and prints how long each run took.

    python notebooks/build.py              # every notebook
    python notebooks/build.py 01 03        # the notebooks whose names start so
    python notebooks/build.py --no-execute # write the cells only, no outputs

Cell ids are fixed (`cell-01`, ...), per-cell timings are not recorded, and
the few parts of an output that vary from run to run are made steady (see
`steady`), so rebuilding an unchanged notebook rewrites the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import pkgutil
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
# Generous: each notebook is meant to run in well under a minute.
CELL_TIMEOUT_SECONDS = 300


def notebook_modules() -> list[str]:
    """The names of the cell modules, e.g. '01_value_and_the_chain_rule', in order."""
    return sorted(
        info.name
        for info in pkgutil.iter_modules([str(HERE / "cells")])
        if not info.name.startswith("_")
    )


def build(name: str) -> nbformat.NotebookNode:
    """The notebook `name` from its cell module, without outputs."""
    module = importlib.import_module(f"cells.{name}")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = module.CELLS
    for number, cell in enumerate(notebook.cells, start=1):
        cell.id = f"cell-{number:02d}"
    notebook.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    }
    nbformat.validate(notebook)
    return notebook


def execute(notebook: nbformat.NotebookNode, name: str) -> float:
    """Run every cell in a fresh kernel, in this folder; the seconds it took."""
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=CELL_TIMEOUT_SECONDS,
        record_timing=False,
        # A widget's state is not saved (an explorer's would carry its whole
        # view): a viewer with no kernel shows the picture each one leaves.
        store_widget_state=False,
        resources={"metadata": {"path": str(HERE)}},
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = coalesce_streams(cell.outputs)
            for output in cell.outputs:
                steady(output, seed=f"{name}:{cell.id}")
    return seconds


# What changes from run to run in an output that is otherwise the same: an
# object's address in its plain-text repr, the random id that keeps each
# backward stepper's buttons bound to its own frames, and a widget's model id.
_ADDRESS = re.compile(r" at 0x[0-9a-f]+>")
_STEPPER_ID = re.compile(r"micrograd-stepper-[0-9a-f]+")
_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def steady(output: nbformat.NotebookNode, seed: str) -> None:
    """Make the parts of an output that vary between runs depend on `seed` only.

    Addresses are dropped from plain-text reprs; each stepper id and widget
    model id becomes a hash of `seed` (the notebook and cell) and its place,
    still unique on a page.
    """
    data = output.get("data", {})
    widget = data.get(_WIDGET_VIEW)
    if widget is not None:
        widget["model_id"] = hashlib.sha1(f"{seed}:widget".encode()).hexdigest()[:32]
    if "text/plain" in data:
        data["text/plain"] = _ADDRESS.sub(">", data["text/plain"])
    if "text/html" in data:
        html = data["text/html"]
        for place, old_id in enumerate(dict.fromkeys(_STEPPER_ID.findall(html))):
            digest = hashlib.sha1(f"{seed}:{place}".encode()).hexdigest()[:32]
            html = html.replace(old_id, f"micrograd-stepper-{digest}")
        data["text/html"] = html


def coalesce_streams(outputs: list[nbformat.NotebookNode]) -> list[nbformat.NotebookNode]:
    """Adjacent prints to the same stream as one output.

    The kernel flushes a cell's printing in chunks whose boundaries depend on
    timing; joined, the saved notebook is the same from one run to the next.
    """
    merged: list[nbformat.NotebookNode] = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and output.output_type == previous.output_type == "stream"
            and output.name == previous.name
        ):
            previous.text += output.text
        else:
            merged.append(output)
    return merged


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebook name prefixes (default: all)")
    parser.add_argument("--no-execute", action="store_true", help="write cells without outputs")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(HERE))
    sys.dont_write_bytecode = True  # no __pycache__ left beside the cells
    names = [
        name
        for name in notebook_modules()
        if not args.names or any(name.startswith(prefix) for prefix in args.names)
    ]
    if not names:
        parser.error(f"no notebook matches {args.names}; there are {notebook_modules()}")
    for name in names:
        notebook = build(name)
        if args.no_execute:
            print(f"{name}.ipynb: written without outputs")
        else:
            seconds = execute(notebook, name)
            print(f"{name}.ipynb: executed in {seconds:.1f} s")
        path = HERE / f"{name}.ipynb"
        nbformat.write(notebook, str(path))
    return 0


if __name__ == "__main__":
    sys.exit(main())

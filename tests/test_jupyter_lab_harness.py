"""The JupyterLab harness (tests/jupyter_lab.py) on a stand-in widget: a
notebook with an ipywidgets slider whose observer, in the kernel, writes ten
times its value into a label. Moving the slider by keyboard in a real Lab
must change the label: a round trip page -> kernel -> page. The page must
ask nothing of any host but the local server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import CHROMIUM_ARGS, require_browser, require_module
from jupyter_lab import jupyter_lab, open_notebook

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
NOTEBOOK = "slider.ipynb"
SLIDER = """\
import ipywidgets as widgets

slider = widgets.IntSlider(value=3, min=0, max=10, description="x")
label = widgets.Label(f"ten x = {slider.value * 10}")
slider.observe(lambda change: setattr(label, "value", f"ten x = {change['new'] * 10}"),
               names="value")
widgets.VBox([slider, label])
"""


def write_notebook(folder: Path) -> None:
    nbformat = require_module("nbformat")
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python",
    }
    notebook.cells = [nbformat.v4.new_code_cell(SLIDER)]
    nbformat.write(notebook, folder / NOTEBOOK)


def test_slider_round_trip_through_the_kernel(tmp_path: Path) -> None:
    chromium = require_browser()
    require_module("jupyterlab")
    require_module("ipywidgets")
    from playwright.sync_api import expect, sync_playwright

    write_notebook(tmp_path)
    with jupyter_lab(tmp_path) as lab, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        origin = lab.split("/lab?", 1)[0]
        elsewhere: list[str] = []

        def watch(request: Any) -> None:
            if not request.url.startswith((origin, "ws://127.0.0.1", "data:", "blob:")):
                elsewhere.append(request.url)

        page.on("request", watch)

        open_notebook(page, lab, NOTEBOOK)
        label = page.locator(".jp-OutputArea .widget-vbox > .widget-label")
        expect(label).to_have_text("ten x = 30")
        handle = page.locator(".jp-OutputArea .widget-slider .noUi-handle")
        handle.focus()
        handle.press("ArrowRight")
        expect(label).to_have_text("ten x = 40")
        expect(page.locator(".jp-OutputArea .widget-readout")).to_have_text("4")

        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "jupyter-lab-slider.png"))
        browser.close()
    assert elsewhere == []

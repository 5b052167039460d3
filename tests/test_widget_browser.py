"""`micrograd.explore` in a real JupyterLab and in Notebook 7: a notebook
served on 127.0.0.1, opened and run in Debian's Chromium by Playwright, as a
learner would run it; then a slider moved, and the gradients it gives checked
against Values built afresh. Every test runs in both apps: they hear keys in
a different order (Notebook 7 before the explorer, Lab after it), and the
explorer must keep its arrow keys in both. Screenshots go to tests/artifacts/
for a person to look at: notebook-*.png from Lab, notebook7-*.png from
Notebook 7.

The explorer's view itself (every button, key and error) is tested on the
site (test_site_browser.py): it is the same JavaScript. Here: that it runs in
a notebook, talks to the kernel, and lays the graph out there."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import nbformat
import pytest
from conftest import CHROMIUM_ARGS, require_browser, require_dot, require_module
from jupyter_app import jupyter_server, open_notebook

from micrograd import Value
from micrograd.formulas import format_number

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
NEURON = """\
from micrograd import Value, explore

x1, w1 = Value(2.0, label="x1"), Value(-3.0, label="w1")
x2, w2 = Value(0.0, label="x2"), Value(1.0, label="w2")
b = Value(6.8813735870195432, label="b")
n = x1 * w1 + x2 * w2 + b
n.label = "n"
o = n.tanh()
explore(o)"""
SHOWN = 30_000  # ms: the explorer's first answer, once its cell has run
# The apps the explorer is tested in, and the first word of their screenshots' names.
APPS = {"lab": "notebook", "notebook": "notebook7"}
# Notebook 7.6's own keyboard-shortcuts plugin throws this as the page loads, in any notebook,
# with or without the explorer (a race in its settings, jupyter/notebook#7862). It is let
# through only from that app's own bundle; anything else uncaught still fails the tests.
ITS_OWN = {"notebook": ("Cannot read properties of undefined (reading 'schema')",
                        "/static/notebook/notebook_core.")}


def its_own(app: str, error: Any) -> bool:
    """Whether an error thrown in the page is `app`'s own known one (thrown in its bundle)."""
    if app not in ITS_OWN:
        return False
    message, bundle = ITS_OWN[app]
    frames = (error.stack or "").split("\n    at ")
    return bool(error.message == message and len(frames) > 1 and bundle in frames[1])


@dataclass(frozen=True)
class Opened:
    """A Chromium page showing the notebook, opened and run in `app`."""

    page: Any
    app: str

    def screenshot(self, what: str) -> None:
        """Save the page as tests/artifacts/<app's word>-explore-<what>.png."""
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{APPS[self.app]}-explore-{what}.png"))


def neuron(x2: float) -> dict[str, Value]:
    """The notebook's neuron after backward, with x2 moved: its leaves by label."""
    leaves = {"x1": Value(2.0), "w1": Value(-3.0), "x2": Value(x2), "w2": Value(1.0),
              "b": Value(6.8813735870195432)}
    v = leaves
    (v["x1"] * v["w1"] + v["x2"] * v["w2"] + v["b"]).tanh().backward()
    return leaves


@pytest.fixture(scope="module", params=list(APPS), ids=["lab", "notebook7"])
def opened(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Opened]:
    """JupyterLab, then Notebook 7, with the notebook open and run, in a Chromium page."""
    require_module("anywidget")
    require_dot()
    chromium = require_browser()
    from playwright.sync_api import sync_playwright

    app = request.param
    root = tmp_path_factory.mktemp(app) / "notebooks"
    root.mkdir()
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(NEURON)]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    nbformat.write(notebook, root / "explore.ipynb")
    with jupyter_server(root, app) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        problems: list[str] = []
        page.on("pageerror", lambda error: its_own(app, error)
                or problems.append(f"uncaught: {error}"))
        # Nothing is fetched from any host but the notebook's server: the view
        # is in the widget's own messages (its modules from blob: URLs).
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
        local = (origin, "ws://127.0.0.1", "data:", "blob:")
        page.on("request", lambda request: request.url.startswith(local)
                or problems.append(f"fetched {request.url}"))
        open_notebook(page, url, "explore.ipynb")
        page.wait_for_selector(".jp-OutputArea [data-ready=true] .graph-explorer svg",
                               timeout=SHOWN)
        yield Opened(page, app)
        browser.close()
        assert not problems, problems


def table(page: Any) -> dict[str, tuple[str, str]]:
    """The explorer's table of variables: name -> (value, gradient), as shown."""
    rows = page.locator(".graph-explorer table.values tbody tr")
    cells = [rows.nth(i).locator("td, th").all_inner_texts() for i in range(rows.count())]
    return {name: (value, grad) for name, value, grad in cells}


def test_the_notebook_shows_the_graph_of_the_learners_value(opened: Opened) -> None:
    page = opened.page
    explorer = page.locator(".graph-explorer")
    assert explorer.count() == 1
    svg = explorer.locator(".graph svg")
    labels = svg.locator("g.node text").all_text_contents()
    assert {"x1", "w1", "x2", "w2", "b", "n", "o", "tanh"} <= set(labels)
    fresh = neuron(0.0)
    assert table(page) == {name: (format_number(v.data), format_number(v.grad))
                           for name, v in fresh.items()}
    assert explorer.locator(".output").inner_text() == "o = tanh(n) = 0.707107"
    # The expression box belongs to the site: a notebook's graph is a Value of the kernel's.
    assert explorer.locator(".expression").is_hidden()
    opened.screenshot("opened")


def test_a_moved_slider_gives_the_new_gradients(opened: Opened) -> None:
    page = opened.page
    explorer = page.locator(".graph-explorer")
    host = page.locator(".jp-OutputArea [data-ready=true]")
    drawn = int(host.get_attribute("data-drawn"))
    slider = explorer.locator(".variable[data-name=x2] input[type=range]")
    step = float(slider.get_attribute("step"))
    slider.focus()
    # Faster than the kernel answers: every key counts all the same (an answer
    # to an earlier key does not put the slider back).
    presses = 25
    for _ in range(presses):
        page.keyboard.press("ArrowRight")
    moved = round(presses * step, 10)
    assert float(slider.input_value()) == moved
    fresh = neuron(moved)
    expected = {name: (format_number(v.data), format_number(v.grad)) for name, v in fresh.items()}
    # Every key sent a request; the last answer shows the slider's last value.
    page.wait_for_function(
        "([el, x2, grad]) => { const rows = [...el.querySelectorAll('table.values tbody tr')];"
        "  const cells = (name) => rows.find((row) => row.dataset.name === name)?.children;"
        "  return cells('x2')?.[1].textContent === x2 && cells('w2')?.[2].textContent === grad; }",
        arg=[explorer.element_handle(), expected["x2"][0], expected["w2"][1]],
    )
    assert int(host.get_attribute("data-drawn")) > drawn
    assert float(slider.input_value()) == moved
    assert table(page) == expected
    assert expected["w2"][1] != "0"  # w2's gradient is x2 · tanh'(n): no longer 0
    # The grad field drawn in w2's node says the same.
    w2 = explorer.locator(".graph svg g.node").filter(has_text="w2").first
    assert f"grad {fresh['w2'].grad:.4f}" in w2.locator("text").all_text_contents()
    opened.screenshot("slider-moved")


def test_backward_steps_and_a_clicked_node_come_from_the_kernel(opened: Opened) -> None:
    page = opened.page
    explorer = page.locator(".graph-explorer")
    explorer.get_by_role("button", name="back to the forward pass").click()
    caption = explorer.locator(".caption")
    page.wait_for_function("(el) => el.textContent.startsWith('forward pass done')",
                           arg=caption.element_handle())
    explorer.get_by_role("button", name="next ▶").click()
    page.wait_for_function("(el) => el.textContent.startsWith('step 1/')",
                           arg=caption.element_handle())
    lines = [line for line in caption.inner_text().splitlines() if line]
    assert lines[0] == "step 1/10: o (op tanh)"
    assert lines[2].startswith("∂tanh(n)/∂n = 1 − tanh²(n)")
    explorer.locator(".graph svg g.node").filter(has_text="w1").first.click()
    info = explorer.locator(".node-info")
    info.wait_for(state="visible")
    assert info.locator("h3").inner_text().startswith("w1: a leaf")
    assert "∂o/∂w1" in info.locator("pre").inner_text()
    opened.screenshot("node")


def test_the_explorers_keys_stay_in_the_explorer(opened: Opened) -> None:
    """Keys the notebook takes as shortcuts (Enter edits a cell, a and b add
    one above and below) do what they do in the explorer, and nothing else."""
    page = opened.page
    explorer = page.locator(".graph-explorer")
    cells = page.locator(".jp-Notebook .jp-Cell")
    count = cells.count()
    node = explorer.locator(".graph svg g.node[tabindex='0']")
    node.focus()
    page.keyboard.press("Enter")
    info = explorer.locator(".node-info")
    info.wait_for(state="visible")
    name = node.locator("text").first.text_content()
    assert info.locator("h3").inner_text().startswith(f"{name}: ")
    page.keyboard.press("Escape")
    info.wait_for(state="hidden")
    explorer.locator(".variable[data-name=b] input[type=range]").focus()
    for key in ("a", "b"):
        page.keyboard.press(key)
    assert cells.count() == count
    assert page.locator(".jp-Notebook.jp-mod-editMode").count() == 0

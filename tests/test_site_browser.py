"""The explorer in a real browser: Playwright drives Debian's Chromium over the
built site, served on 127.0.0.1, as a learner would (typing, dragging,
pressing keys), and checks what the page shows against the package's own
numbers. Screenshots go to tests/artifacts/ for a person to look at."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import require_browser, require_node_modules

from micrograd.expression import evaluate
from micrograd.formulas import format_number
from micrograd.trace import explain, trace_backward

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
NEURON = "tanh(x1*w1 + x2*w2 + b)"
NEURON_VALUES = {"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.0, "b": 6.8813735870195432}
ISSUE_LINK = "index.html#expr=tanh(x1*w1+x2*w2+b)&x1=2&x2=0&w1=-3&w2=1&b=6.8813735870195432"
# Chromium as a test browser: no sandbox as root, and no calls home.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-default-apps"]
READY = 60_000  # ms: Pyodide's first load, on a busy machine


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    node_modules = require_node_modules()
    folder = tmp_path_factory.mktemp("site") / "explorer"
    server = subprocess.Popen(
        [sys.executable, "-m", "micrograd", "site", str(folder), "--serve",
         "--node-modules", str(node_modules)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert server.stdout is not None
        server.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+/", server.stdout.readline())
        assert match
        yield match[0]
    finally:
        server.terminate()
        server.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    chromium = require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Watched:
    """A page, and everything it did that a test must not allow: a request to
    another host, an error on the console, an uncaught exception."""

    def __init__(self, browser: Any, site_url: str, width: int) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.site_url = site_url
        self.context.on("request", self._request)
        self.context.on("page", self._watch)
        self._watch(self.page)

    def _watch(self, page: Any) -> None:
        page.on("console", lambda m: m.type == "error" and self.problems.append(m.text))
        page.on("pageerror", lambda e: self.problems.append(f"uncaught: {e}"))

    def _request(self, request: Any) -> None:
        if not request.url.startswith((self.site_url, "data:", "blob:")):
            self.problems.append(f"request outside 127.0.0.1: {request.url}")

    def open(self, path: str) -> Any:
        self.page.goto(self.site_url + path)
        self.page.wait_for_selector("body[data-ready=true]", timeout=READY)
        return self.page

    def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def watched(browser: Any, site_url: str) -> Iterator[Watched]:
    page = Watched(browser, site_url, 1280)
    yield page
    page.context.close()
    assert page.problems == []


def table(page: Any) -> dict[str, tuple[float, float]]:
    """The variables table as the learner reads it: name → (value, gradient)."""
    rows = page.locator("#values tr").all_inner_texts()
    cells = [row.split("\t") for row in rows]
    return {name.strip(): (float(value), float(grad)) for name, value, grad in cells}


def graph_texts(page: Any) -> list[str]:
    return [t.strip() for t in page.locator("#graph svg text").all_text_contents()]


def neuron_expected(values: dict[str, float]) -> tuple[str, dict[str, tuple[float, float]]]:
    """What the package itself computes: the output's text and each variable's numbers."""
    root, leaves = evaluate(NEURON, values)
    root.backward()
    rounded = {name: (float(format_number(leaf.data)), float(format_number(leaf.grad)))
               for name, leaf in leaves.items()}
    return format_number(root.data), rounded


# -- the graph page -----------------------------------------------------------------


@pytest.mark.parametrize("link", ["index.html#lesson=neuron", ISSUE_LINK])
def test_the_neuron_by_url_shows_its_value_and_gradients(watched: Watched, link: str) -> None:
    page = watched.open(link)
    assert page.inner_text("#output").endswith("= 0.707107")
    assert "data 0.7071" in graph_texts(page)
    grads = {name: grad for name, (_, grad) in table(page).items()}
    assert grads == {"x1": -1.5, "w1": 1.0, "x2": 0.5, "w2": 0.0, "b": 0.5}
    if "lesson" in link:
        watched.screenshot("graph-neuron-desktop")


def test_the_neuron_at_a_phone_s_width(browser: Any, site_url: str) -> None:
    phone = Watched(browser, site_url, 375)
    page = phone.open("index.html#lesson=neuron")
    assert page.inner_text("#output").endswith("= 0.707107")
    # Nothing wider than the screen but the graph, which scrolls in its box.
    width = page.evaluate("document.documentElement.scrollWidth")
    phone.screenshot("graph-neuron-phone")
    phone.context.close()
    assert width <= 375 and phone.problems == []


def test_dragging_w1_s_slider_recomputes_everything(watched: Watched) -> None:
    page = watched.open("index.html#lesson=neuron")
    slider = page.locator('.variable[data-name="w1"] input[type=range]')
    box = slider.bounding_box()
    start_x = box["x"] + box["width"] * 0.2  # w1 = −3 on −5…5
    page.mouse.move(start_x, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(start_x + 40, box["y"] + box["height"] / 2, steps=8)
    page.mouse.up()
    number = page.locator('.variable[data-name="w1"] input[type=number]')
    page.wait_for_function("document.querySelector('#values tr[data-name=w1] td:nth-child(2)')"
                           ".textContent !== '-3'")
    w1 = float(number.input_value())
    assert w1 > -3.0
    output, expected = neuron_expected({**NEURON_VALUES, "w1": w1})
    page.wait_for_function(f"document.getElementById('output').textContent.endsWith("
                           f"'= {output}')")
    assert table(page) == expected
    assert f"w1={number.input_value()}&" in page.url  # the link holds the new value


def test_typing_a_number_recomputes_too(watched: Watched) -> None:
    page = watched.open("index.html#lesson=neuron")
    box = page.locator('.variable[data-name="x2"] input[type=number]')
    box.fill("1.5")
    box.press("Enter")
    output, expected = neuron_expected({**NEURON_VALUES, "x2": 1.5})
    page.wait_for_function(f"document.getElementById('output').textContent.endsWith("
                           f"'= {output}')")
    assert table(page) == expected


def test_stepping_forward_and_back_shows_each_caption(watched: Watched) -> None:
    page = watched.open("index.html#lesson=neuron")
    root, _ = evaluate(NEURON, NEURON_VALUES)
    root.label = "o"
    captions = trace_backward(root).captions()
    page.click("#step-first")
    page.wait_for_function("document.getElementById('caption').textContent"
                           ".startsWith('forward pass done')")
    assert all(t == "grad ?" for t in graph_texts(page) if t.startswith("grad"))
    shapes = ("[...document.querySelectorAll('#graph svg polygon')]"
              ".map(p => p.getAttribute('points'))")
    layout = page.evaluate(shapes)
    page.locator("#graph").click(position={"x": 5, "y": 5})  # the page, not a box, has focus
    for k, caption in enumerate(captions, start=1):
        page.keyboard.press("ArrowRight")
        page.wait_for_function(f"document.getElementById('step-count').textContent"
                               f" === 'backward step {k} of {len(captions)}'")
        assert page.inner_text("#caption") == caption
        if k == 3:
            watched.screenshot("graph-neuron-step-3")
    for k in range(len(captions) - 1, 0, -1):
        page.click("#step-prev")
        page.wait_for_function(f"document.getElementById('caption').textContent"
                               f".startsWith('step {k}/')")
        assert page.inner_text("#caption") == captions[k - 1]
    # The root's step: o and its op are marked, and the layout stood still.
    assert sorted(page.locator("#graph g.node.current title").all_text_contents()) == [
        "v9", "v9_op"]
    assert page.evaluate(shapes) == layout


def test_a_clicked_leaf_shows_explain_and_its_paths(watched: Watched) -> None:
    page = watched.open("index.html#lesson=reused")
    page.locator("#graph g.node", has=page.locator("title", has_text=re.compile("^v0$"))).click()
    page.wait_for_selector("#node-info:not([hidden])")
    root, leaves = evaluate("(a*b) * (a+b)", {"a": -2.0, "b": 3.0})
    root.label = "o"
    assert page.inner_text("#node-explain") == str(explain(root, leaves["a"]))
    assert page.inner_text("#node-title") == "a: a leaf, data -2, grad -3"
    assert page.locator("#graph g.edge.on-path").count() == 7
    watched.screenshot("graph-reused-leaf-a-paths")
    # By keyboard alone: Tab to the node a+b's op and press Enter.
    page.locator("#graph g.node", has=page.locator("title", has_text=re.compile("^v3_op$"))).focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('node-title').textContent.startsWith('a + b')")
    assert page.locator("#node-locals li").all_inner_texts() == [
        "∂(a + b)/∂a = 1", "∂(a + b)/∂b = 1"]


@pytest.mark.parametrize("attempt", [
    "<img src=x onerror=window.pwned=1>",
    "__import__('os').system('touch /tmp/pwned')",
    "x1; window.pwned = 1",
])
def test_an_injection_in_the_box_is_refused_and_runs_nothing(
    watched: Watched, attempt: str
) -> None:
    page = watched.open("index.html#lesson=neuron")
    before = table(page)
    box = page.locator("#expr")
    box.fill("")
    box.type(attempt)
    box.press("Enter")
    error = page.locator("#expr-error")
    error.wait_for(state="visible")
    assert error.inner_text()  # a message, next to the box
    assert box.get_attribute("aria-invalid") == "true"
    assert page.evaluate("window.pwned") is None
    assert page.locator("#graph img").count() == 0
    assert table(page) == before and "lesson=neuron" in page.url
    if attempt.startswith("<"):
        watched.screenshot("graph-injection-refused")


def test_typing_an_expression_draws_its_graph(watched: Watched) -> None:
    page = watched.open("index.html#lesson=neuron")
    box = page.locator("#expr")
    box.fill("")
    box.type("x1*y + y")
    page.wait_for_function("document.getElementById('output').textContent.startsWith('o = ')"
                           " && location.hash.includes('y%20+%20y')")
    assert table(page) == {"x1": (2.0, 1.0), "y": (1.0, 3.0)}


# -- the training page --------------------------------------------------------------


def test_the_training_page_reaches_100_percent_on_two_moons(browser: Any, site_url: str) -> None:
    for width in (1280, 375):
        watched = Watched(browser, site_url, width)
        page = watched.open("train.html")
        assert page.input_value("select[name=dataset]") == "moons"
        page.click("#train")
        page.wait_for_function("document.getElementById('progress').textContent"
                               ".endsWith('accuracy 100%')", timeout=180_000)
        page.click("#train")  # pause
        assert page.inner_text("#train") == "Train"
        watched.screenshot(f"train-moons-{'desktop' if width > 400 else 'phone'}")
        if width > 400:
            # A hidden neuron opens its own graph, for the chosen sample.
            with watched.context.expect_page() as opened:
                page.locator("#network .neuron").nth(3).click()
            neuron = opened.value
            neuron.wait_for_selector("body[data-ready=true]", timeout=READY)
            assert neuron.input_value("#expr").startswith("relu(b + w1*x1 + w2*x2)")
            watched.page = neuron
            watched.screenshot("graph-hidden-neuron")
        watched.context.close()
        assert watched.problems == []

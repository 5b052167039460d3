"""The explorer in a real browser: Playwright drives Debian's Chromium over the
built site, served on 127.0.0.1, as a learner would (typing, dragging,
pressing keys), and checks what the page shows against the package's own
numbers. Screenshots go to tests/artifacts/ for a person to look at.

Loading Python into a page takes seconds, so each page is loaded once per
module: the graph page's tests open their links in it as a changed URL
fragment does (the page's own way to follow a link), and the training
page's tests take turns on theirs."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import CHROMIUM_ARGS, require_browser, require_node_modules

from micrograd.explorer import LESSONS
from micrograd.expression import evaluate
from micrograd.formulas import format_number
from micrograd.trace import explain, trace_backward

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
NEURON = "tanh(x1*w1 + x2*w2 + b)"
NEURON_VALUES = {"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.0, "b": 6.8813735870195432}
ISSUE_LINK = "index.html#expr=tanh(x1*w1+x2*w2+b)&x1=2&x2=0&w1=-3&w2=1&b=6.8813735870195432"
READY = 60_000  # ms: Pyodide's first load, on a busy machine
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 800}
# The smallest text, in CSS pixels, that a learner reads without zooming.
READABLE = 12.0


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
    """A page, every URL it (or its worker) requested, and everything it did
    that a test must not allow: a request to another host, an error on the
    console, an uncaught exception."""

    def __init__(self, browser: Any, site_url: str, width: int = 1280) -> None:
        self.context = browser.new_context(viewport={**DESKTOP, "width": width})
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.requests: list[str] = []
        self.site_url = site_url
        self.context.on("request", self._request)
        self.context.on("page", self._watch)
        self._watch(self.page)

    def _watch(self, page: Any) -> None:
        page.on("console", lambda m: m.type == "error" and self.problems.append(m.text))
        page.on("pageerror", lambda e: self.problems.append(f"uncaught: {e}"))

    def _request(self, request: Any) -> None:
        self.requests.append(request.url)
        if not request.url.startswith((self.site_url, "data:", "blob:")):
            self.problems.append(f"request outside 127.0.0.1: {request.url}")

    def open(self, path: str) -> Any:
        """Open a page of the site and wait until it is ready: Python loaded
        (the worker fetching Pyodide and the wheel from this site, and nothing
        from any other host) without an error."""
        self.page.goto(self.site_url + path)
        self.page.wait_for_selector("body[data-ready=true]", timeout=READY)
        assert self.problems == []
        ours = [url.removeprefix(self.site_url) for url in self.requests
                if url.startswith(self.site_url)]
        assert "vendor/pyodide/pyodide.asm.wasm" in ours
        assert any(re.fullmatch(r"micrograd-[^/]+\.whl", path) for path in ours), ours
        return self.page

    def go(self, link: str) -> Any:
        """Follow a link of the graph page already open: a new URL fragment,
        which the page opens in place. Returns once the graph is drawn."""
        page = self.page
        fragment = link.split("#", 1)[1]
        assert page.evaluate("location.hash") != "#" + fragment, "the page shows it already"
        drawn = page.evaluate("Number(document.body.dataset.drawn)")
        page.evaluate("fragment => { location.hash = fragment; }", fragment)
        page.wait_for_function(f"Number(document.body.dataset.drawn) > {drawn}")
        return page

    def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


class GraphPage(Watched):
    """The graph page, first opened on the issue's link, and what it showed then."""

    def __init__(self, browser: Any, site_url: str) -> None:
        super().__init__(browser, site_url)
        page = self.open(ISSUE_LINK)
        self.first_output = page.inner_text("#output")
        self.first_table = table(page)


@pytest.fixture(scope="module")
def graph_page(browser: Any, site_url: str) -> Iterator[GraphPage]:
    page = GraphPage(browser, site_url)
    yield page
    page.context.close()


@pytest.fixture
def graph(graph_page: GraphPage) -> Iterator[GraphPage]:
    """The graph page at a desktop's width, nothing focused; it must do
    nothing wrong during the test."""
    graph_page.page.set_viewport_size(DESKTOP)
    graph_page.page.evaluate("document.activeElement?.blur()")
    graph_page.problems.clear()
    yield graph_page
    assert graph_page.problems == []


def table(page: Any) -> dict[str, tuple[float, float]]:
    """The variables table as the learner reads it: name → (value, gradient)."""
    rows = page.locator("#values tr").all_inner_texts()
    cells = [row.split("\t") for row in rows]
    return {name.strip(): (float(value), float(grad)) for name, value, grad in cells}


def graph_texts(page: Any) -> list[str]:
    return [t.strip() for t in page.locator("#graph svg text").all_text_contents()]


def smallest_graph_text(page: Any) -> float:
    """The size in CSS pixels of the graph's smallest text, as drawn on the screen."""
    return float(page.evaluate("""() => {
        const svg = document.querySelector('#graph svg');
        const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        const sizes = [...svg.querySelectorAll('text')]
            .map((t) => parseFloat(t.getAttribute('font-size')) * scale);
        return Math.min(...sizes);
    }"""))


def spoken_nodes_match_the_screen(page: Any) -> bool:
    """Whether every node's accessible name says what the node shows."""
    return bool(page.evaluate("""() => [...document.querySelectorAll('#graph g.node')].every(
        (g) => g.getAttribute('aria-label') === 'node ' + [...g.querySelectorAll('text')]
            .map((t) => t.textContent).join(', '))"""))


def focused_node(page: Any) -> str | None:
    """The DOT id of the graph node that has the keyboard's focus."""
    return page.evaluate(
        "document.activeElement.closest('#graph g.node')?.querySelector('title').textContent")


def tab_stops(page: Any, box: str) -> int:
    return int(page.locator(f"{box} [tabindex='0']").count())


def caption_lines(page: Any) -> list[str]:
    return [line.strip() for line in page.locator("#caption p").all_inner_texts()]


# The model's worker failing: every request is answered as its failure, as
# the worker answers one it cannot run (Pyodide out of memory, say).
BREAK_WORKER = """() => {
    window.workingPost = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function (message) {
        setTimeout(() => this.onmessage({ data: { id: message.id, error: "out of memory" } }));
    };
}"""
MEND_WORKER = "() => { Worker.prototype.postMessage = window.workingPost; }"


# What a screen reader hears from now on: each live region's text as it changes.
LISTEN = """() => {
    if (window.heard === undefined) {
        const live = '[aria-live], [role=alert], [role=status]';
        for (const region of document.querySelectorAll(live)) {
            new MutationObserver(() => {
                const text = region.textContent.trim();
                if (text && !region.hidden) window.heard.push(text);
            }).observe(region, { childList: true, subtree: true, characterData: true,
                                 attributes: true });
        }
    }
    window.heard = [];
}"""


def heard(page: Any) -> list[str]:
    return list(page.evaluate("window.heard"))


def neuron_expected(values: dict[str, float]) -> tuple[str, dict[str, tuple[float, float]]]:
    """What the package itself computes: the output's text and each variable's numbers."""
    root, leaves = evaluate(NEURON, values)
    root.backward()
    rounded = {name: (float(format_number(leaf.data)), float(format_number(leaf.grad)))
               for name, leaf in leaves.items()}
    return format_number(root.data), rounded


# -- the graph page -----------------------------------------------------------------

NEURON_GRADS = {"x1": -1.5, "w1": 1.0, "x2": 0.5, "w2": 0.0, "b": 0.5}


def test_the_issue_s_link_opens_the_neuron_with_its_numbers(graph: GraphPage) -> None:
    assert graph.first_output.endswith("= 0.707107")
    assert {name: grad for name, (_, grad) in graph.first_table.items()} == NEURON_GRADS


def test_the_neuron_lesson_by_url_shows_its_value_and_gradients(graph: GraphPage) -> None:
    page = graph.go("index.html#lesson=neuron")
    assert page.inner_text("#output").endswith("= 0.707107")
    assert "data 0.7071" in graph_texts(page)
    assert {name: grad for name, (_, grad) in table(page).items()} == NEURON_GRADS
    graph.screenshot("graph-neuron-desktop")
    # A number box shows the value as the table does, and every digit while edited.
    box = page.locator('.variable[data-name="b"] input[type=number]')
    assert box.input_value() == "6.88137"
    box.focus()
    assert float(box.input_value()) == NEURON_VALUES["b"]


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_every_lesson_s_graph_is_read_without_zooming(graph: GraphPage, size: dict[str, int]
                                                       ) -> None:
    page = graph.go("index.html#lesson=neuron")
    page.set_viewport_size(size)
    # The graph drawn for a wide window fits a narrow one once the window changes.
    page.wait_for_function("() => { const box = document.getElementById('graph'); "
                           "return box.querySelector('svg').getBoundingClientRect().width "
                           "<= box.clientWidth; }", timeout=5_000)
    for lesson in LESSONS:
        graph.go(f"index.html#lesson={lesson.name}")
        assert smallest_graph_text(page) >= READABLE, lesson.name
        # Nothing wider than the screen but the graph, which scrolls in its box.
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
        if lesson.name == "neuron" and size is DESKTOP:
            # The whole neuron at once, in a column beside the expression.
            box = page.locator("#graph")
            assert box.evaluate("b => b.scrollHeight <= b.clientHeight + 1 && "
                                "b.scrollWidth <= b.clientWidth + 1")
            assert box.bounding_box()["x"] >= page.locator("#expr").bounding_box()["x"] + 300
            assert box.bounding_box()["height"] <= size["height"]
    graph.go("index.html#lesson=neuron")
    if size is PHONE:
        graph.screenshot("graph-neuron-phone")


def test_dragging_w1_s_slider_recomputes_everything(graph: GraphPage) -> None:
    page = graph.go("index.html#lesson=neuron")
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


def test_a_slider_let_go_off_it_or_cancelled_follows_the_model_again(graph: GraphPage) -> None:
    page = graph.go("index.html#lesson=neuron")
    row = page.locator('.variable[data-name="w1"]')
    slider, number = row.locator("input[type=range]"), row.locator("input[type=number]")

    def set_by_the_box(value: str) -> None:
        number.fill(value)
        number.press("Enter")
        page.wait_for_function(f"document.querySelector('.variable[data-name=w1] "
                               f"input[type=range]').value === '{value}'", timeout=5_000)

    # Dragged, then let go over the page's header.
    box = slider.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2, 5, steps=4)
    page.mouse.up()
    set_by_the_box("2")
    # A touch the browser takes over for scrolling: pointerdown, then pointercancel.
    slider.dispatch_event("pointerdown")
    slider.dispatch_event("pointercancel")
    set_by_the_box("-1")


def test_typing_a_number_recomputes_too(graph: GraphPage) -> None:
    page = graph.go("index.html#lesson=neuron")
    box = page.locator('.variable[data-name="x2"] input[type=number]')
    box.fill("1.5")
    box.press("Enter")
    output, expected = neuron_expected({**NEURON_VALUES, "x2": 1.5})
    page.wait_for_function(f"document.getElementById('output').textContent.endsWith("
                           f"'= {output}')")
    assert table(page) == expected


def test_stepping_forward_and_back_shows_each_chain_rule_step(graph: GraphPage) -> None:
    page = graph.go("index.html#lesson=neuron")
    root, _ = evaluate(NEURON, NEURON_VALUES)
    root.label = "o"
    trace = trace_backward(root)
    captions = trace.captions()
    page.click("#step-first")
    page.wait_for_function("document.getElementById('caption').textContent"
                           ".startsWith('forward pass done')")
    assert caption_lines(page) == ["forward pass done: o = 0.707107",
                                   "backward starts at o, seeded with ∂o/∂o = 1"]
    assert all(t == "grad ?" for t in graph_texts(page) if t.startswith("grad"))
    assert spoken_nodes_match_the_screen(page)  # "grad ?" to a screen reader too
    shapes = ("[...document.querySelectorAll('#graph svg polygon')]"
              ".map(p => p.getAttribute('points'))")
    layout = page.evaluate(shapes)
    page.focus("#step-next")  # the stepper takes the keys
    page.evaluate(LISTEN)
    for k, caption in enumerate(captions, start=1):
        page.keyboard.press("ArrowRight")
        page.wait_for_function(f"document.getElementById('step-count').textContent"
                               f" === 'backward step {k} of {len(captions)}'")
        # A screen reader hears the caption too, a line at a time.
        page.wait_for_function(f"window.heard.length === {k}")
        assert heard(page)[-1] == caption.replace("\n", ". ")
        # The caption's lines, each local derivative with what it adds below it.
        assert caption_lines(page) == [part for line in caption.split("\n")
                                       for part in line.split("; ")]
        assert page.locator("#caption p.adds").count() == len(trace[k - 1].edges)
        if k == 1:
            # Which local derivative times which upstream gradient gives which contribution.
            assert caption_lines(page) == [
                "step 1/10: o (op tanh)",
                "∂o/∂o = 1",
                "∂tanh(x1 * w1 + x2 * w2 + b)/∂(x1 * w1 + x2 * w2 + b) = "
                "1 − tanh²(x1 * w1 + x2 * w2 + b) = 0.5",
                "(x1 * w1 + x2 * w2 + b).grad += 0.5 × 1 = 0.5",
            ]
        if k == 3:
            assert spoken_nodes_match_the_screen(page)
            graph.screenshot("graph-neuron-step-3")
    for k in range(len(captions) - 1, 0, -1):
        page.click("#step-prev")
        page.wait_for_function(f"document.getElementById('caption').textContent"
                               f".startsWith('step {k}/')")
        assert "\n".join(caption_lines(page)) == captions[k - 1].replace("; ", "\n")
    # The root's step: o and its op are marked, and the layout stood still.
    assert sorted(page.locator("#graph g.node.current title").all_text_contents()) == [
        "v9", "v9_op"]
    assert page.evaluate(shapes) == layout


def test_a_clicked_leaf_shows_explain_and_its_paths(graph: GraphPage) -> None:
    page = graph.go("index.html#lesson=reused")
    page.locator("#graph g.node", has=page.locator("title", has_text=re.compile("^v0$"))).click()
    page.wait_for_selector("#node-info:not([hidden])")
    root, leaves = evaluate("(a*b) * (a+b)", {"a": -2.0, "b": 3.0})
    root.label = "o"
    assert page.inner_text("#node-explain") == str(explain(root, leaves["a"]))
    assert page.inner_text("#node-title") == "a: a leaf, data -2, grad -3"
    assert page.locator("#graph g.edge.on-path").count() == 7
    assert page.locator("#node-info").is_visible() and page.locator("#graph").is_visible()
    graph.screenshot("graph-reused-leaf-a-paths")
    # By keyboard alone: one Tab from the expression box reaches the graph, on
    # the node last clicked; the arrow keys go to a+b's op, and Enter opens it.
    page.focus("#expr")
    page.keyboard.press("Tab")
    assert focused_node(page) == "v0" and tab_stops(page, "#graph") == 1
    step_count = page.inner_text("#step-count")
    nodes = page.locator("#graph g.node").count()
    page.keyboard.press("Home")
    for _ in range(nodes):
        if focused_node(page) == "v3_op":
            break
        page.keyboard.press("ArrowDown")
    assert focused_node(page) == "v3_op" and tab_stops(page, "#graph") == 1
    page.evaluate(LISTEN)
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('node-title').textContent.startsWith('a + b')")
    assert page.inner_text("#node-formula") == "a + b = a + b"
    assert page.locator("#node-locals li").all_inner_texts() == [
        "∂(a + b)/∂a = 1", "∂(a + b)/∂b = 1"]
    page.wait_for_function("window.heard.length > 0")
    assert heard(page) == [". ".join([page.inner_text("#node-title"), "a + b = a + b",
                                      "∂(a + b)/∂a = 1", "∂(a + b)/∂b = 1"])]
    assert page.inner_text("#step-count") == step_count  # the keys moved focus, not the step
    # One more Tab leaves the graph for the stepper, and Shift+Tab comes back.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "step-first"
    page.keyboard.press("Shift+Tab")
    assert focused_node(page) == "v3_op"
    page.keyboard.press("Escape")
    assert page.locator("#node-info").is_hidden()


def test_the_arrow_keys_step_on_the_stepper_and_scroll_the_page_elsewhere(graph: GraphPage
                                                                        ) -> None:
    page = graph.go("index.html#lesson=neuron")
    page.set_viewport_size(PHONE)  # a page, and a graph in its box, taller than the window
    count = int(page.inner_text("#step-count").split()[-1])
    # Nothing focused: the keys scroll what was clicked last (the graph's box,
    # then the page), and do not step.
    page.locator("#graph").click(position={"x": 3, "y": 3})
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("End")
    page.wait_for_function("document.getElementById('graph').scrollTop > 0", timeout=5_000)
    page.click("h1")
    page.keyboard.press("End")
    page.wait_for_function("window.scrollY > 0", timeout=5_000)
    # On the stepper they step: one back from the end (so the left arrow
    # before did not step), then to either end.
    page.focus("#step-prev")
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(f"document.getElementById('step-count').textContent"
                           f" === 'backward step {count - 1} of {count}'")
    page.keyboard.press("Home")
    page.wait_for_function(f"document.getElementById('step-count').textContent"
                           f" === 'forward done, backward: 0 of {count} steps'")
    # The button pressed is now disabled: the slider has the focus, and the keys.
    assert page.evaluate("document.activeElement.id") == "step"
    page.keyboard.press("End")
    page.wait_for_function(f"document.getElementById('step-count').textContent"
                           f" === 'backward step {count} of {count}'")


def test_an_injection_in_the_box_is_refused_and_runs_nothing(graph: GraphPage) -> None:
    page = graph.go("index.html#lesson=neuron")
    before = table(page)
    box = page.locator("#expr")
    error = page.locator("#expr-error")
    for attempt in ["<img src=x onerror=window.pwned=1>",
                    "__import__('os').system('touch /tmp/pwned')",
                    "x1; window.pwned = 1"]:
        box.fill("")
        box.type(attempt)
        box.press("Enter")
        page.wait_for_function(f"document.getElementById('expr-error').textContent"
                               f".includes({attempt[:5]!r})")
        assert error.is_visible() and box.get_attribute("aria-invalid") == "true"
        assert page.evaluate("window.pwned") is None
        assert page.locator("#graph img").count() == 0
        assert table(page) == before and "lesson=neuron" in page.url
        if attempt.startswith("<"):
            graph.screenshot("graph-injection-refused")


def test_after_an_error_the_last_good_graph_is_shown_faded_and_said_so(graph: GraphPage) -> None:
    page = graph.go("index.html#lesson=neuron")
    box = page.locator("#expr")
    box.fill("log(x1 - 5)")
    box.press("Enter")
    page.locator("#expr-error").wait_for(state="visible")
    assert page.inner_text("#expr-error") == "log: its input must be > 0, got -3.0"
    output = page.locator("#output")
    assert page.evaluate("getComputedStyle(document.getElementById('output'), '::before')"
                         ".content") == '"last that worked: "'
    assert output.inner_text().endswith("= 0.707107")
    for faded in ("#output", "#graph", "#values"):
        assert "stale" in page.locator(faded).get_attribute("class"), faded
    box.fill("log(x1 + 5)")
    box.press("Enter")
    page.wait_for_function("document.getElementById('output').textContent.startsWith("
                           "'o = ln(x1 + 5) = 1.94591')")
    assert page.locator("#expr-error").is_hidden()
    assert "stale" not in output.get_attribute("class")


def test_a_note_in_the_link_shows_beside_the_graph_until_the_expression_changes(
    graph: GraphPage,
) -> None:
    page = graph.go("index.html#expr=x*y&x=2&y=3&note=A%20teacher%27s%20word%20on%20x")
    assert page.locator("#note").is_visible()
    assert page.inner_text("#note") == "A teacher's word on x"
    assert page.locator("#lesson-text").is_hidden()
    box = page.locator("#expr")
    box.fill("x*y + 1")
    page.wait_for_function("document.getElementById('output').textContent.startsWith("
                           "'o = (x * y) + 1 = 7')")
    assert page.locator("#note").is_hidden()


def test_a_screen_reader_hears_an_expression_once_the_typing_stops(graph: GraphPage) -> None:
    page = graph.go("index.html#lesson=neuron")
    box = page.locator("#expr")
    box.fill("")
    page.evaluate(LISTEN)
    # Slower than the graph follows (so half-typed input shows its errors),
    # faster than a pause: nothing is said until Enter, then the output once.
    box.type("x1*y + y", delay=300)
    assert heard(page) == []
    box.press("Enter")
    page.wait_for_function("window.heard.length > 0", timeout=5_000)
    assert heard(page) == [page.inner_text("#output")]
    assert heard(page)[0].startswith("o = (x1 * y) + y = ")
    # Half an expression, then a pause: its error is said, once.
    box.type(" *", delay=300)
    page.wait_for_function("window.heard.length > 1", timeout=5_000)
    page.wait_for_timeout(1_200)  # longer than a pause: nothing more comes
    assert heard(page)[1:] == ["Error: " + page.inner_text("#expr-error")]
    assert page.get_attribute("#expr-error", "role") is None


def test_typing_an_expression_draws_its_graph(graph: GraphPage) -> None:
    page = graph.go("index.html#lesson=neuron")
    box = page.locator("#expr")
    box.fill("")
    box.type("x1*y + y")
    page.wait_for_function("document.getElementById('output').textContent.startsWith('o = ')"
                           " && location.hash.includes('y%20+%20y')")
    assert table(page) == {"x1": (2.0, 1.0), "y": (1.0, 3.0)}


def test_a_failed_request_is_shown_in_place_and_the_page_goes_on(graph: GraphPage) -> None:
    page = graph.go("index.html#lesson=neuron")
    box = page.locator("#expr")
    page.evaluate(BREAK_WORKER)
    try:
        box.fill("x1 + 1")
        box.press("Enter")
        page.wait_for_function("document.getElementById('expr-error').textContent"
                               ".includes('out of memory')", timeout=5_000)
        assert box.get_attribute("aria-invalid") == "true"
    finally:
        page.evaluate(MEND_WORKER)
    box.fill("x1 + 2")
    box.press("Enter")
    page.wait_for_function("document.getElementById('output').textContent"
                           ".startsWith('o = x1 + 2 = 4')", timeout=5_000)
    assert page.locator("#expr-error").is_hidden()


# -- the training page --------------------------------------------------------------


@pytest.fixture(scope="module")
def training_page(browser: Any, site_url: str) -> Iterator[Watched]:
    page = Watched(browser, site_url)
    page.open("train.html")
    yield page
    page.context.close()


@pytest.fixture
def training(training_page: Watched) -> Iterator[Watched]:
    training_page.page.set_viewport_size(DESKTOP)
    training_page.problems.clear()
    yield training_page
    assert training_page.problems == []


def train_until(page: Any, accuracy: str) -> None:
    page.click("#train")
    page.wait_for_function(f"document.getElementById('progress').textContent"
                           f".endsWith('accuracy {accuracy}')", timeout=180_000)
    page.click("#train")  # pause
    assert page.inner_text("#train") == "Train"


def loss_axes(page: Any) -> tuple[list[float], list[float]]:
    """The loss curve's tick labels as the learner reads them: loss up, steps along."""
    loss = [float(t) for t in page.locator("#loss .loss-tick").all_text_contents()]
    steps = [float(t) for t in page.locator("#loss .step-tick").all_text_contents()]
    return loss, steps


def test_the_training_page_reaches_100_percent_on_two_moons(training: Watched) -> None:
    page = training.page
    assert page.input_value("select[name=dataset]") == "moons"
    page.evaluate(LISTEN)
    started = time.monotonic()
    train_until(page, "100%")
    # A screen reader hears the progress every few seconds, and where it stopped.
    page.wait_for_function("window.heard.at(-1) === "
                           "document.getElementById('progress').textContent", timeout=5_000)
    assert len(heard(page)) <= 2 + (time.monotonic() - started) / 5
    progress = re.fullmatch(r"step (\d+) · hinge loss (\S+) · accuracy 100%",
                            page.inner_text("#progress"))
    assert progress, page.inner_text("#progress")
    # The loss curve's axes: from 0 past the last step and the largest loss.
    loss, steps = loss_axes(page)
    assert loss[0] == steps[0] == 0 and steps[-1] >= int(progress[1])
    assert len(loss) >= 3 and loss[-1] >= float(progress[2])
    assert page.locator("#boundary-legend").inner_text().startswith("● class 0 ■ class 1 ·")
    # A weight's sign is told by more than colour: a negative one is dashed.
    dashes = page.evaluate("""() => Object.fromEntries(['positive', 'negative'].map((sign) => [
        sign,
        getComputedStyle(document.querySelector(`#network line.${sign}`)).strokeDasharray,
    ]))""")
    assert dashes["positive"] == "none" and dashes["negative"] != "none"
    training.screenshot("train-moons-desktop")
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    training.screenshot("train-moons-phone")


def test_a_hidden_neuron_opens_where_it_fires_or_on_the_learner_s_sample(
    training: Watched,
) -> None:
    page = training.page
    if page.locator("#progress").inner_text().startswith("step 0 "):
        train_until(page, "100%")
    with training.context.expect_page() as opened:
        page.locator("#network .neuron").nth(3).click()
    neuron = opened.value
    neuron.wait_for_selector("body[data-ready=true]", timeout=READY)
    assert neuron.input_value("#expr").startswith("relu(b + w1*x1 + w2*x2)")
    note = neuron.inner_text("#note")
    assert note.startswith("Hidden layer 1, neuron 4 (relu) of the training page's network")
    assert "fires" in note and "does not fire" not in note
    assert float(neuron.inner_text("#output").rsplit("= ", 1)[1]) > 0.0
    assert any(grad != 0.0 for _, grad in table(neuron).values())
    sample = re.search(r"on sample (\d+):", note)
    assert sample and page.inner_text("#neuron-note") == f"Opened in a new tab: {note}"
    assert f"◯ sample {sample[1]}" in page.inner_text("#boundary-legend")
    opened_page = training.page
    training.page = neuron
    training.screenshot("graph-hidden-neuron")
    training.page = opened_page
    neuron.close()
    # The learner's own sample is kept. By keyboard: the network is one Tab
    # stop after the sample's box, the arrow keys go from neuron to neuron.
    page.fill("#sample", "7")
    page.locator("#sample").press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.press("Home")
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    assert tab_stops(page, "#network") == 1
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == (
        "open the graph of hidden layer 1, neuron 4 (relu)")
    with training.context.expect_page() as opened:
        page.keyboard.press("Enter")
    opened.value.close()
    page.wait_for_function("document.getElementById('neuron-note').textContent"
                           ".includes('on sample 7:')")
    assert "◯ sample 7" in page.inner_text("#boundary-legend")
    page.fill("#sample", "")
    page.locator("#sample").press("Enter")


def test_three_classes_train_with_cross_entropy_in_three_colours(training: Watched) -> None:
    page = training.page
    page.select_option("select[name=dataset]", label="blobs, 3 classes")
    page.wait_for_function("document.getElementById('progress').textContent"
                           ".startsWith('step 0 · cross_entropy loss')")
    assert page.input_value("select[name=loss]") == ""  # automatic
    assert page.locator("#boundary-legend").inner_text().startswith(
        "● class 0 ■ class 1 ▲ class 2 ·")
    layers = page.locator("#network text").all_text_contents()
    assert layers == ["input", "relu", "relu", "output"]
    assert page.locator("#network g.fixed").count() == 2 + 3  # inputs and one output per class
    train_until(page, "100%")
    training.screenshot("train-blobs-3-classes")
    # A loss for two classes is refused, next to the loss.
    page.select_option("select[name=loss]", "hinge")
    error = page.locator("#settings-error")
    error.wait_for(state="visible")
    assert error.inner_text() == "loss: hinge separates two classes; 3 classes need cross_entropy"
    assert page.get_attribute("select[name=loss]", "aria-invalid") is not None
    page.select_option("select[name=loss]", "")
    error.wait_for(state="hidden")


def test_a_failed_training_step_pauses_and_says_why(training: Watched) -> None:
    page = training.page
    error = page.locator("#settings-error")
    page.evaluate(BREAK_WORKER)
    try:
        page.click("#train")
        error.wait_for(state="visible", timeout=5_000)
        assert "out of memory" in error.inner_text()
        assert page.inner_text("#train") == "Train"
        assert page.get_attribute("#train", "aria-pressed") == "false"
    finally:
        page.evaluate(MEND_WORKER)
    steps = int(page.inner_text("#progress").split()[1])
    page.click("#step-once")
    page.wait_for_function(f"document.getElementById('progress').textContent"
                           f".startsWith('step {steps + 1} ')", timeout=5_000)
    assert error.is_hidden()

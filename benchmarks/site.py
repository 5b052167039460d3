"""How fast the explorer is in a browser, against the same work in CPython.

Builds the site, serves it on 127.0.0.1 and drives Debian's Chromium with
Playwright (as the browser tests do) to time:

- first load: from opening the graph page to an interactive graph;
- a slider change to the redrawn graph, for the neuron and for an expression
  of about 100 nodes (the median of several changes);
- training steps per second on the demo network (MLP 2-16-16-1, hinge loss,
  100 moons), in the page's worker and in CPython here, with the same code.

Run: .venv/bin/python benchmarks/site.py   (targets: first load < 10 s,
neuron redraw < 200 ms, browser training within 4x of CPython)
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from micrograd.explorer import TrainingSettings, _Training

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
# About 100 nodes: 12 neurons' worth of tanh(w*x + b) summed.
BIG = " + ".join(f"tanh(w{i}*x + b{i})*v{i}" for i in range(12))
TRAIN_STEPS = 30


def redraw_ms(page: object, name: str, values: list[str]) -> float:
    """The median time from setting a variable's slider to the graph drawn again."""
    times = []
    for value in values:
        seconds = page.evaluate(  # type: ignore[attr-defined]
            """([name, value]) => new Promise((resolve) => {
                const before = Number(document.body.dataset.drawn);
                const slider = document.querySelector(
                    `.variable[data-name="${name}"] input[type=range]`);
                const start = performance.now();
                const watch = () => Number(document.body.dataset.drawn) > before
                    ? resolve(performance.now() - start) : requestAnimationFrame(watch);
                slider.value = value;
                slider.dispatchEvent(new Event("input"));
                watch();
            })""",
            [name, value],
        )
        times.append(seconds)
    return statistics.median(times)


def browser_steps_per_second(page: object) -> float:
    return float(page.evaluate(  # type: ignore[attr-defined]
        """async (steps) => {
            const { pyodideTransport } = await import("./js/transport.mjs");
            const model = pyodideTransport();
            await model.ready;
            await model.request({ kind: "train_setup" });
            await model.request({ kind: "train_step", steps: 2, boundary: false });
            const start = performance.now();
            await model.request({ kind: "train_step", steps, boundary: false });
            return steps / ((performance.now() - start) / 1000);
        }""",
        TRAIN_STEPS,
    ))


def cpython_steps_per_second() -> float:
    training = _Training(TrainingSettings())
    training.train(2)
    start = time.perf_counter()
    training.train(TRAIN_STEPS)
    return TRAIN_STEPS / (time.perf_counter() - start)


def main() -> int:
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp()) / "site"
    server = subprocess.Popen([sys.executable, "-m", "micrograd", "site", str(folder), "--serve"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        server.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+/", server.stdout.readline())
        assert match, "the server did not start"
        url = match[0]
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            start = time.perf_counter()
            page.goto(url + "index.html#lesson=neuron")
            page.wait_for_selector("body[data-ready=true]", timeout=120_000)
            first_load = time.perf_counter() - start
            neuron = redraw_ms(page, "w1", ["-2.5", "-2", "-1.5", "-1", "-0.5", "0", "0.5"])
            # A new fragment on the same page: the page opens it in place.
            drawn = page.evaluate("Number(document.body.dataset.drawn)")
            page.evaluate("hash => { location.hash = hash; }",
                          "expr=" + BIG.replace(" ", "%20") + "&x=0.5")
            page.wait_for_function(f"Number(document.body.dataset.drawn) > {drawn}")
            # Value nodes (records), not counting the ops' own small nodes.
            nodes = page.locator("#graph g.node title", has_not_text="_op").count()
            big = redraw_ms(page, "x", ["0.1", "0.2", "0.3", "0.4", "0.6", "0.7", "0.8"])
            in_browser = browser_steps_per_second(page)
            browser.close()
    finally:
        server.terminate()
        server.wait()
    in_cpython = cpython_steps_per_second()
    print(f"first load to an interactive graph: {first_load:.1f} s (target < 10 s)")
    print(f"slider change to redrawn graph, neuron: {neuron:.0f} ms (target < 200 ms)")
    print(f"slider change to redrawn graph, {nodes} value nodes: {big:.0f} ms")
    print(f"training steps per second, MLP 2-16-16-1 on 100 moons: browser {in_browser:.1f}, "
          f"CPython {in_cpython:.1f}: {in_cpython / in_browser:.2f}x slower (target within 4x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

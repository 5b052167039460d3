"""The explorer's graph page as a notebook widget: `micrograd.explore` shows one.

The view is the site's own JavaScript (site/js: graph-explorer.mjs and what
it imports) run by anywidget in the notebook; the model is the site's own
`Explorer`, here in the kernel, holding the learner's Value (`ValueGraph`).
Each view of the widget sends its requests as widget messages, `{view, id,
request}`, and is answered `{view, id, reply, svg}`: the Explorer's JSON
answer and, for a graph, its layout by Graphviz's `dot` in the kernel, as
`draw_dot` renders (`{"text": svg}`, or `{"error": message}`). A view that
goes says `{view, close}`, and its explorer goes too.

Saved in a notebook, the widget also leaves a static picture of its graph
(image/svg+xml) for pages that show outputs with no kernel behind them.

anywidget loads a widget's JavaScript as one module from a blob: URL, where
the view's relative imports (`./controls.mjs`) lead nowhere; so `_esm` is a
small loader holding the view's modules, which gives each a blob: URL of its
own, its imports pointed at the others', and runs widget.mjs.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib.resources import files
from typing import Any

import anywidget

from micrograd.explorer import Explorer, ValueGraph
from micrograd.viz import RenderError, dot_to_svg

__all__ = ["ExplorerWidget"]

_SITE = files("micrograd") / "site"
_IMPORT = re.compile(r'from "\./([\w-]+\.mjs)"')
# The graph as the view opens it, top to bottom: RANKDIR in graph-explorer.mjs,
# which the saved picture must match; keep the two the same.
_RANKDIR = "TB"


def _modules(entry: str) -> list[tuple[str, str]]:
    """`entry` and the modules it imports, each after what it imports: (name, text)."""
    ordered: dict[str, str] = {}
    pending = [(entry, False)]
    while pending:  # a depth-first walk, a module placed once its imports are
        name, imports_done = pending.pop()
        if name in ordered:
            continue
        text = (_SITE / "js" / name).read_text(encoding="utf-8")
        if imports_done:
            ordered[name] = text
            continue
        pending.append((name, True))
        pending += [(dep, False) for dep in _IMPORT.findall(text) if dep not in ordered]
    return list(ordered.items())


_LOADER = """\
// micrograd's graph explorer: its modules, each loaded from a blob: URL of its
// own, with its imports of the others pointed at theirs (see micrograd/widget.py).
const modules = %s;
const urls = {};
for (const [name, text] of modules) {
  const linked = text.replace(/from "\\.\\/([\\w-]+\\.mjs)"/g, (_, dep) => `from "${urls[dep]}"`);
  urls[name] = URL.createObjectURL(new Blob([linked], { type: "text/javascript" }));
}
const widget = await import(urls["widget.mjs"]);
// Imported once and for all: the URLs are needed no more.
for (const url of Object.values(urls)) URL.revokeObjectURL(url);
export default widget.default;
"""


def _esm() -> str:
    return _LOADER % json.dumps(_modules("widget.mjs"), ensure_ascii=False)


class ExplorerWidget(anywidget.AnyWidget):  # type: ignore[misc]
    """The graph explorer of one Value, live in a notebook cell."""

    _esm = _esm()
    _css = (_SITE / "graph.css").read_text(encoding="utf-8")

    def __init__(self, graph: ValueGraph) -> None:
        super().__init__()
        self.graph = graph
        self._explorers: dict[str, Explorer] = {}  # one per view, by its name
        self.on_msg(self._on_message)

    def handle(self, view: str, request: str) -> dict[str, Any]:
        """Answer one view's request: its explorer's JSON answer, and for a
        graph its layout in SVG."""
        explorer = self._explorers.setdefault(view, Explorer(self.graph))
        reply = explorer.handle(request)
        message: dict[str, Any] = {"view": view, "reply": reply}
        answer = json.loads(reply)
        if answer["ok"] and "dot" in answer:
            message["svg"] = _layout(answer["dot"])
        return message

    def _on_message(self, widget: Any, content: Any, buffers: Any) -> None:
        if not isinstance(content, dict):
            return
        view = str(content.get("view"))
        if content.get("close"):  # the view is gone: so is its explorer
            self._explorers.pop(view, None)
        elif isinstance(content.get("request"), str):
            self.send({**self.handle(view, content["request"]), "id": content.get("id")})

    def static_svg(self) -> str | None:
        """The graph as the widget opens it, laid out as SVG (None without `dot`)."""
        return _layout(self.graph.graph({}, _RANKDIR).answer()["dot"]).get("text")

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The live widget, and the graph's picture where no kernel runs."""
        shown = super()._repr_mimebundle_(**kwargs)
        if shown is None:
            return None
        data, metadata = shown if isinstance(shown, tuple) else (shown, {})
        svg = self.static_svg()
        if svg is not None:
            data["image/svg+xml"] = svg
        data["text/plain"] = self._describe()
        return data, metadata

    def _describe(self) -> str:
        root = self.graph.root
        sliders = ", ".join(self.graph.sliders) or "none"
        return (f"micrograd explorer of Value(data={root.data}) (sliders: {sliders}); run the "
                "notebook to move them")


def _layout(dot: str) -> dict[str, str]:
    """DOT laid out by `dot` as {"text": svg}, or {"error": why not}."""
    try:
        return {"text": _svg(dot)}
    except RenderError as error:
        return {"error": str(error)}


@lru_cache(maxsize=16)
def _svg(dot: str) -> str:
    """The same graph is laid out once (the saved picture and the view's first
    answer, a slider moved back): a layout takes milliseconds to seconds, a
    look-up nothing. A layout that fails is tried again next time."""
    return dot_to_svg(dot)

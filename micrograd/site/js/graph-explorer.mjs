// The graph explorer: a graph drawn by the real engine, its variables on
// sliders, backward step by step, and any node opened for its derivatives.
// Every number it shows is the model's answer; it only passes the learner's
// actions on. It has two homes, with one view: the explorer site, whose
// model runs in Pyodide and whose Graphviz runs in WebAssembly, and a
// notebook cell (`micrograd.explore`), whose model and Graphviz run in the
// kernel. A home gives it:
//
//   model    {request(message) -> Promise<answer>} (see transport.mjs)
//   layout   (answer) -> Promise<SVGElement>: the answer's graph laid out
//   prefix   what every id starts with, to keep ids unique on the page
//   expressions  whether the learner types the expression (the site) or
//            only moves the variables of a graph the model holds (a notebook)
//   onShow   (answer) called once a graph answer is shown (the site puts its
//            link in the address bar)
//   host     its home's element: Escape there closes an opened node, and its
//            data-drawn counts the graphs drawn (for tests)
import { announcer } from "./announcer.mjs";
import { Controls } from "./controls.mjs";
import { graphMarkup } from "./graph-markup.mjs";
import { drawGraph } from "./graph-view.mjs";
import { Stepper } from "./stepper.mjs";

// Top to bottom, at every width: drawn so, the graph fits a phone's width and
// the tall column a wide box gives it (see graph.css). A notebook's saved
// picture is drawn the same way (_RANKDIR in micrograd/widget.py).
const RANKDIR = "TB";
const REFIT_MS = 150; // the graph is fitted again this long after a resize

export class GraphExplorer {
  constructor({ model, layout, prefix = "", expressions = true, onShow = () => {}, host }) {
    const { page, part } = graphMarkup(prefix, { expressions });
    this.page = page;
    this.model = model;
    this.layout = layout;
    this.onShow = onShow;
    this.host = host ?? page;
    this.container = part("graph");
    this.say = announcer(part("announcer"));
    this.listening = new AbortController(); // to the window and home, until it goes
    const { signal } = this.listening;
    this.controls = new Controls(part, (update) => this.change(update), () => this.settled(),
      signal);
    this.stepper = new Stepper(part, (index) => this.moveStep(index));
    this.info = {
      box: part("node-info"),
      title: part("node-title"),
      formula: part("node-formula"),
      locals: part("node-locals"),
      explain: part("node-explain"),
    };
    part("node-close").addEventListener("click", () => this.pick(null));
    // Escape closes an opened node wherever the focus is in the explorer's home
    // (the site's whole page, a notebook's cell).
    this.host.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.pick(null);
    }, { signal });
    window.addEventListener("resize", () => {
      clearTimeout(this.resizing);
      this.resizing = setTimeout(() => this.view?.refit(), REFIT_MS);
    }, { signal });
    this.view = null; // the drawn graph
    this.picked = null; // the id of the clicked node
    this.shownExpr = undefined;
    // The learner's changes, sent one request at a time: while one is out,
    // the next ones merge, so a dragged slider never queues up stale work.
    // Once the learner settles, the outcome is said, when the last change
    // is answered.
    this.pending = null;
    this.busy = false;
    this.sayOutcome = false;
  }

  // The explorer is taken off the page: it stops listening to the window and home.
  remove() {
    this.listening.abort();
    clearTimeout(this.resizing);
    this.page.remove();
  }

  // Open a graph: the first of `requests` ("open" requests without their
  // rankdir) that the model answers. A failed first one is shown as an
  // error, next to the last good graph or the fallback that follows it.
  async open(...requests) {
    let first = null;
    for (const request of requests) {
      const answer = await this.model.request({ ...request, kind: "open", rankdir: RANKDIR });
      if (answer.ok) {
        await this.show(answer, true);
        break;
      }
      first ??= answer.error;
      if (this.view) break; // the last good graph stays
    }
    if (first) this.failed(first);
    this.say(this.controls.outcome());
  }

  settled() {
    if (this.busy) this.sayOutcome = true;
    else this.say(this.controls.outcome());
  }

  change(update) {
    this.pending = {
      expr: update.expr ?? this.pending?.expr,
      values: { ...this.pending?.values, ...update.values },
    };
    if (!this.busy) this.flush();
  }

  async flush() {
    this.busy = true;
    try {
      while (this.pending) {
        const update = this.pending;
        this.pending = null;
        const message = { kind: "set", values: update.values };
        if (update.expr !== undefined) message.expr = update.expr;
        const answer = await this.model.request(message);
        if (answer.ok) await this.show(answer, false);
        else this.failed(answer.error);
      }
    } finally {
      this.busy = false; // whatever happened, the next change is sent
    }
    if (this.sayOutcome) {
      this.sayOutcome = false;
      this.say(this.controls.outcome());
    }
  }

  // An error goes next to the input it concerns; what is shown is faded, as
  // the last good input gave it.
  failed(error) {
    this.controls.showError(error);
    this.container.classList.add("stale");
  }

  // A new expression starts at the end of backward with nothing picked; a new
  // value keeps the step and the picked node, so the learner sees them change.
  async show(answer, opened) {
    let svg;
    try {
      svg = await this.layout(answer);
    } catch (problem) {
      const message = `the graph could not be drawn: ${problem.message ?? problem}`;
      this.failed({ type: "LayoutError", message, field: null });
      return;
    }
    const fresh = opened || answer.expr !== this.shownExpr;
    this.shownExpr = answer.expr;
    this.controls.clearErrors();
    this.container.classList.remove("stale");
    this.onShow(answer);
    this.controls.show(answer, this.pending?.values);
    this.view = drawGraph(this.container, svg, (id) => this.pick(id, true));
    if (fresh || this.stepper.index >= answer.count) this.applyStep(answer.step);
    else await this.showStep(this.stepper.index);
    await this.pick(fresh ? null : this.picked);
    this.host.dataset.drawn = String(Number(this.host.dataset.drawn || 0) + 1);
  }

  async showStep(index) {
    const step = await this.model.request({ kind: "step", index });
    if (step.ok) this.applyStep(step);
    else this.failed(step.error);
    return step;
  }

  // A step the learner moved to is shown and its caption said, a line at a time.
  async moveStep(index) {
    const step = await this.showStep(index);
    if (step.ok) this.say(step.caption.replaceAll("\n", ". "));
  }

  applyStep(step) {
    this.stepper.show(step);
    this.view.setGrads(step.grads);
    this.view.mark("current", step.current, step.edges);
    if (step.current.length) this.view.scrollTo(step.current[0]);
  }

  // A click on a node: its op, local derivatives and explain, its paths marked;
  // `aloud`, the learner's own pick, is said up to its local derivatives.
  async pick(id, aloud = false) {
    const { info, view } = this;
    this.picked = id;
    if (!id) {
      info.box.hidden = true;
      view?.mark("on-path", [], []);
      view?.mark("picked", [], []);
      return;
    }
    const node = await this.model.request({ kind: "node", id });
    if (!node.ok) {
      this.failed(node.error);
      return this.pick(null);
    }
    info.title.textContent = `${node.name}: ${node.op === "leaf" ? "a leaf" : `op ${node.op}`}, ` +
      `data ${node.value}, grad ${node.grad}`;
    info.formula.textContent = node.formula ? `${node.name} = ${node.formula}` : "";
    info.formula.hidden = !node.formula;
    info.locals.hidden = !node.locals.length;
    info.locals.replaceChildren(...node.locals.map((local) => {
      const item = document.createElement("li");
      const formula = local.formula && local.formula !== local.value ? ` = ${local.formula}` : "";
      item.textContent = `${local.symbol}${formula} = ${local.value}`;
      return item;
    }));
    info.explain.textContent = node.explain;
    const opening = info.box.hidden;
    info.box.hidden = false;
    if (opening) info.box.scrollIntoView({ block: "nearest" });
    view.mark("on-path", node.paths.nodes, node.paths.edges);
    view.mark("picked", [node.id], []);
    if (aloud) {
      const items = [...info.locals.children].map((item) => item.textContent);
      this.say([info.title.textContent, info.formula.textContent, ...items]
        .filter(Boolean).join(". "));
    }
  }
}

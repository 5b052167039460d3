// The graph page: an expression's graph drawn by the real engine, its
// variables on sliders, and backward step by step. Every number on the page
// is the model's answer; this file only passes the learner's actions on.
import { pyodideTransport, started } from "./transport.mjs";
import { drawGraph } from "./graph-view.mjs";
import { Stepper } from "./stepper.mjs";
import { Controls } from "./controls.mjs";
import { announcer } from "./announcer.mjs";

const status = document.getElementById("status");
const container = document.getElementById("graph");
const say = announcer(document.getElementById("announcer"));
const model = pyodideTransport();
const controls = new Controls(change, settled);
const stepper = new Stepper(moveStep);
const info = {
  box: document.getElementById("node-info"),
  title: document.getElementById("node-title"),
  formula: document.getElementById("node-formula"),
  locals: document.getElementById("node-locals"),
  explain: document.getElementById("node-explain"),
};
document.getElementById("node-close").addEventListener("click", () => pick(null));
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") pick(null);
});
let resizing;
window.addEventListener("resize", () => {
  clearTimeout(resizing);
  resizing = setTimeout(() => view?.refit(), 150);
});

let view = null; // the drawn graph
let picked = null; // the id of the clicked node
// Top to bottom, at every width: drawn so, the graph fits a phone's width and
// the tall column a wide screen gives it (see explorer.css).
const rankdir = "TB";

async function start() {
  if (!(await started(model, status))) return;
  const lessons = await model.request({ kind: "lessons" });
  if (lessons.ok) controls.setLessons(lessons.lessons);
  await open(location.hash);
  window.addEventListener("hashchange", () => open(location.hash));
  document.body.dataset.ready = "true";
}

async function open(hash) {
  const answer = await model.request({ kind: "open", hash, rankdir });
  if (answer.ok) await show(answer, true);
  else {
    failed(answer.error);
    if (!view) await model.request({ kind: "open", hash: "", rankdir }).then((a) => a.ok && show(a, true));
  }
  say(controls.outcome());
}

// The learner's changes, sent one request at a time: while one is out, the
// next ones merge, so a dragged slider never queues up stale work. Once the
// learner settles, the outcome is said, when the last change is answered.
let pending = null;
let busy = false;
let sayOutcome = false;

function settled() {
  if (busy) sayOutcome = true;
  else say(controls.outcome());
}

function change(update) {
  pending = {
    expr: update.expr ?? pending?.expr,
    values: { ...pending?.values, ...update.values },
  };
  if (!busy) flush();
}

async function flush() {
  busy = true;
  try {
    while (pending) {
      const update = pending;
      pending = null;
      const message = { kind: "set", values: update.values };
      if (update.expr !== undefined) message.expr = update.expr;
      const answer = await model.request(message);
      if (answer.ok) await show(answer, false);
      else failed(answer.error);
    }
  } finally {
    busy = false; // whatever happened, the next change is sent
  }
  if (sayOutcome) {
    sayOutcome = false;
    say(controls.outcome());
  }
}

// An error goes next to the input it concerns; what is shown is faded, as
// the last good input gave it.
function failed(error) {
  controls.showError(error);
  container.classList.add("stale");
}

let shownExpr = null;

// A new expression starts at the end of backward with nothing picked; a new
// value keeps the step and the picked node, so the learner sees them change.
async function show(answer, opened) {
  const fresh = opened || answer.expr !== shownExpr;
  shownExpr = answer.expr;
  controls.clearErrors();
  container.classList.remove("stale");
  history.replaceState(null, "", `#${answer.hash}`);
  controls.show(answer);
  view = await drawGraph(container, answer.dot, (id) => pick(id, true));
  if (fresh || stepper.index >= answer.count) applyStep(answer.step);
  else await showStep(stepper.index);
  await pick(fresh ? null : picked);
  document.body.dataset.drawn = String(Number(document.body.dataset.drawn || 0) + 1);
}

async function showStep(index) {
  const step = await model.request({ kind: "step", index });
  if (step.ok) applyStep(step);
  else failed(step.error);
  return step;
}

// A step the learner moved to is shown and its caption said, a line at a time.
async function moveStep(index) {
  const step = await showStep(index);
  if (step.ok) say(step.caption.replaceAll("\n", ". "));
}

function applyStep(step) {
  stepper.show(step);
  view.setGrads(step.grads);
  view.mark("current", step.current, step.edges);
  if (step.current.length) view.scrollTo(step.current[0]);
}

// A click on a node: its op, local derivatives and explain, its paths marked;
// `aloud`, the learner's own pick, is said up to its local derivatives.
async function pick(id, aloud = false) {
  picked = id;
  if (!id) {
    info.box.hidden = true;
    view?.mark("on-path", [], []);
    view?.mark("picked", [], []);
    return;
  }
  const node = await model.request({ kind: "node", id });
  if (!node.ok) {
    failed(node.error);
    return pick(null);
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
    say([info.title.textContent, info.formula.textContent, ...items].filter(Boolean).join(". "));
  }
}

start();

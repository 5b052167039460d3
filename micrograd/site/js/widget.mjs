// The graph explorer in a notebook cell (`micrograd.explore`): an anywidget
// view whose model is the kernel. Requests go to the kernel as the widget's
// messages, {view, id, request}; the kernel answers {view, id, reply, svg},
// the reply the model's JSON and, for a graph, the SVG that Graphviz's `dot`
// laid it out as in the kernel. Each view of the widget (a cell shown twice)
// has its own explorer in the kernel, named by `view`.
import { GraphExplorer } from "./graph-explorer.mjs";

// No answer in this long: the kernel is busy with another cell, or stopped.
const ANSWER_MS = 60_000;

function kernelTransport(model, view) {
  const waiting = new Map();
  let nextId = 0;
  const listen = (message) => {
    if (message?.view !== view) return;
    const resolve = waiting.get(message.id);
    waiting.delete(message.id);
    if (!resolve) return;
    const answer = JSON.parse(message.reply);
    if (message.svg !== undefined) answer.svg = message.svg;
    resolve(answer);
  };
  model.on("msg:custom", listen);

  // Never rejected, as the site's transport: a request the kernel does not
  // answer is answered as bad input is, and shown in place.
  function request(message) {
    return new Promise((resolve) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        resolve(failure(`the kernel gave no answer in ${ANSWER_MS / 1000} s: is it busy ` +
          "running another cell, or stopped? Run the cell again once it is free"));
      }, ANSWER_MS);
      waiting.set(id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      model.send({ view, id, request: JSON.stringify(message) });
    });
  }

  return { request, close: () => model.off("msg:custom", listen) };
}

function failure(message) {
  return { ok: false, error: { type: "KernelError", message, field: null } };
}

// The kernel's SVG text as an element; its error (no `dot`, say) as the drawing's.
function layout(answer) {
  if (answer.svg?.error) throw new Error(answer.svg.error);
  const drawing = new DOMParser().parseFromString(answer.svg.text, "image/svg+xml");
  const svg = drawing.documentElement;
  if (svg.nodeName !== "svg") throw new Error("the kernel's drawing is not SVG");
  return Promise.resolve(document.importNode(svg, true));
}

function render({ model, el }) {
  // Unique on the page and in the kernel, for ids and for messages.
  const view = Math.random().toString(36).slice(2, 10);
  const transport = kernelTransport(model, view);
  const explorer = new GraphExplorer({
    model: transport,
    layout,
    prefix: `mg-${view}-`,
    expressions: false,
    host: el,
  });
  // The explorer's keys are its own (Enter opens a node, Escape closes it, the
  // arrows move a slider or step): the notebook, which would take them as its
  // shortcuts (Enter edits a cell) or its cursor, does not see them.
  el.addEventListener("keydown", (event) => event.stopPropagation());
  el.replaceChildren(explorer.page);
  explorer.open({}).then(() => { el.dataset.ready = "true"; });
  return () => {
    transport.close();
    explorer.remove();
  };
}

export default { render };

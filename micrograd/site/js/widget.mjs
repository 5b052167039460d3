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

// The explorer's keys are its own (the arrows move a slider or step, Enter
// opens a node, Escape closes it), but a notebook takes many as its shortcuts
// when the focus is not in a text box: Enter edits a cell, the arrows and
// letters move through or change cells. JupyterLab hears keys after the
// explorer, Notebook 7 before it; so the explorer hears them first (on the
// window, as they go down), and a key it takes is marked handled, which every
// notebook's shortcuts leave alone. A handled key loses what the browser would
// do with it, so that is done here: a slider's step, a button's press.
const STEPS = { ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1 };

function keepKeys(el) {
  const keys = (event) => {
    const target = event.target;
    if (!el.contains(target) || target.matches(":read-write")) return; // a text box: typing
    if (event.key === "Tab" || event.ctrlKey || event.metaKey || event.altKey) return;
    event.preventDefault();
    if (target.type === "range") moveSlider(target, event.key);
    else if (target.tagName === "BUTTON" && (event.key === "Enter" || event.key === " ")) {
      target.click();
    }
  };
  window.addEventListener("keydown", keys, true);
  return keys;
}

// What a browser does with a key on a slider: a step, a tenth, or an end.
function moveSlider(slider, key) {
  const before = slider.value;
  const tenth = Math.max(1, Math.round((slider.max - slider.min) / slider.step / 10));
  if (key in STEPS) slider.stepUp(STEPS[key]);
  else if (key === "PageUp") slider.stepUp(tenth);
  else if (key === "PageDown") slider.stepDown(tenth);
  else if (key === "Home") slider.value = slider.min;
  else if (key === "End") slider.value = slider.max;
  if (slider.value === before) return;
  slider.dispatchEvent(new Event("input", { bubbles: true }));
  slider.dispatchEvent(new Event("change", { bubbles: true }));
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
  const keys = keepKeys(el);
  el.replaceChildren(explorer.page);
  explorer.open({}).then(() => { el.dataset.ready = "true"; });
  return () => {
    window.removeEventListener("keydown", keys, true);
    transport.close();
    explorer.remove();
  };
}

export default { render };

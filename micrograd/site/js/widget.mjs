// The graph explorer in a notebook cell (`micrograd.explore`): an anywidget
// view whose model is the kernel. Requests go to the kernel as the widget's
// messages, {view, id, request}; the kernel answers {view, id, reply, svg},
// the reply the model's JSON and, for a graph, the SVG that Graphviz's `dot`
// laid it out as in the kernel. Each view of the widget (a cell shown twice)
// has its own explorer in the kernel, named by `view`, which {view, close}
// lets go once the view is gone.
import { GraphExplorer } from "./graph-explorer.mjs";

// An answer slower than this is still waited for, and the cell says why: the
// kernel runs one thing at a time, and may be busy with other cells (a
// notebook run top to bottom), or stopped.
const SLOW_MS = 5_000;

function kernelTransport(model, view, onWaiting) {
  const waiting = new Map();
  let nextId = 0;
  let slow = null;
  const listen = (message) => {
    if (message?.view !== view) return;
    const resolve = waiting.get(message.id);
    if (!resolve) return;
    waiting.delete(message.id);
    if (!waiting.size) {
      clearTimeout(slow);
      slow = null;
      onWaiting(false);
    }
    const answer = JSON.parse(message.reply);
    if (message.svg !== undefined) answer.svg = message.svg;
    resolve(answer);
  };
  model.on("msg:custom", listen);

  // Answered by the kernel's explorer, which answers every request: a bad
  // one as an error, shown in place.
  function request(message) {
    return new Promise((resolve) => {
      const id = nextId++;
      waiting.set(id, resolve);
      slow ??= setTimeout(() => onWaiting(true), SLOW_MS);
      model.send({ view, id, request: JSON.stringify(message) });
    });
  }

  function close() {
    model.off("msg:custom", listen);
    clearTimeout(slow);
    model.send({ view, close: true });
  }

  return { request, close };
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
// when the focus is not in a text box: Enter edits a cell, the arrows move
// through cells, a letter adds, cuts or changes one. JupyterLab hears keys
// after the explorer, Notebook 7 before it; so the explorer hears them first
// (on the window, as they go down), and marks those it keeps as handled,
// which every notebook's shortcuts leave alone. A handled key loses what the
// browser would do with it, so that is done here: a slider's step, a
// button's press. Keys with Ctrl, Alt or Cmd, Tab, Shift+Enter (run the
// cell) and the function keys go on to the notebook and the browser.
const OWN_KEYS = new Set(["ArrowRight", "ArrowLeft", "ArrowUp", "ArrowDown", "Home", "End",
  "PageUp", "PageDown", "Enter", "Escape"]);
const STEPS = { ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1 };

function keepKeys(el) {
  const keys = (event) => {
    const { target, key } = event;
    if (!el.contains(target) || target.matches(":read-write")) return; // a text box: typing
    if (event.ctrlKey || event.metaKey || event.altKey || (event.shiftKey && key === "Enter")) return;
    if (!OWN_KEYS.has(key) && key.length !== 1) return; // Tab, F5, …; a letter or space is kept
    event.preventDefault();
    if (target.type === "range") moveSlider(target, key);
    else if (target.tagName === "BUTTON" && (key === "Enter" || key === " ")) target.click();
  };
  window.addEventListener("keydown", keys, true);
  return () => window.removeEventListener("keydown", keys, true);
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
  const notice = document.createElement("p");
  notice.className = "help";
  notice.setAttribute("role", "status");
  notice.hidden = true;
  notice.textContent = "Waiting for the kernel: it answers once it is done with the cells "
    + "before (or, if it has stopped, run this cell again)…";
  const transport = kernelTransport(model, view, (slow) => { notice.hidden = !slow; });
  const explorer = new GraphExplorer({
    model: transport,
    layout,
    prefix: `mg-${view}-`,
    expressions: false,
    host: el,
  });
  explorer.page.prepend(notice);
  const letKeysGo = keepKeys(el);
  el.replaceChildren(explorer.page);
  explorer.open({}).then(() => { el.dataset.ready = "true"; });
  return () => {
    letKeysGo();
    transport.close();
    explorer.remove();
  };
}

export default { render };

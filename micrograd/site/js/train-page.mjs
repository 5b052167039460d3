// The training page: the learner picks a dataset and a network, trains it
// step by step with micrograd's own training step (in the model, in a
// worker, so the page stays responsive) and watches the decision boundary
// and the loss move. A hidden neuron opens its graph on the graph page.
import { pyodideTransport, started } from "./transport.mjs";
import { drawBoundary, drawHistory, drawLegend } from "./plots.mjs";
import { drawNetwork } from "./network-view.mjs";
import { announcer } from "./announcer.mjs";

const status = document.getElementById("status");
const form = document.getElementById("settings");
const error = document.getElementById("settings-error");
const progress = document.getElementById("progress");
const trainButton = document.getElementById("train");
const sampleBox = document.getElementById("sample");
const boundaryCanvas = document.getElementById("boundary");
const lossChart = document.getElementById("loss");
const legend = document.getElementById("boundary-legend");
const neuronNote = document.getElementById("neuron-note");
const say = announcer(document.getElementById("announcer"));
const model = pyodideTransport();

const STEPS_PER_REQUEST = 5;
const REDRAW_EVERY_MS = 300; // the boundary costs a grid of forward passes
const SAY_EVERY_MS = 5000; // while training, the progress is said this often
let running = false; // training, until paused
let looping = false; // the training loop is going (see run)
let lastDrawn = 0;
let lastSaid = 0;
let last = null; // the last answer with a boundary
let opened = null; // the sample the last hidden neuron opened on

// The form's settings; a dataset offered with more classes says how many.
function settings() {
  const data = Object.fromEntries(new FormData(form));
  const classes = form.elements.dataset.selectedOptions[0].dataset.classes;
  if (classes) data.classes = classes;
  return { kind: "train_setup", ...data };
}

// The sample ringed in the plot: the learner's, else the one last opened.
function ringed() {
  return sampleBox.value === "" ? opened : Number(sampleBox.value);
}

function drawPlane() {
  drawBoundary(boundaryCanvas, last.boundary, ringed());
  drawLegend(legend, last.classes, ringed());
}

async function setup() {
  pause();
  opened = null;
  neuronNote.hidden = true;
  const answer = await model.request(settings());
  if (!answer.ok) return showError(answer.error);
  showError(null);
  show(answer);
}

function showError(problem) {
  error.hidden = !problem;
  error.textContent = problem ? problem.message : "";
  for (const field of form.elements) {
    if (field.name) field.toggleAttribute("aria-invalid", Boolean(problem && problem.field === field.name));
  }
}

function show(answer) {
  progress.textContent = `step ${answer.step} · ${answer.loss_name} loss ${answer.loss} · ` +
    `accuracy ${answer.accuracy_text}`;
  if (!looping || performance.now() - lastSaid > SAY_EVERY_MS) sayProgress();
  if (answer.boundary) {
    last = answer;
    drawPlane();
    drawNetwork(document.getElementById("network"), answer.network, openNeuron);
    lastDrawn = performance.now();
  }
  drawHistory(lossChart, answer.history, answer.axes);
  sampleBox.max = String((last?.boundary.points.length ?? 1) - 1);
}

async function step() {
  const boundary = performance.now() - lastDrawn > REDRAW_EVERY_MS;
  const steps = running ? STEPS_PER_REQUEST : 1;
  const answer = await model.request({ kind: "train_step", steps, boundary: boundary || !running });
  if (!answer.ok) {
    pause();
    return showError(answer.error);
  }
  // An error about a setting stays until the setting is fixed; any other
  // (the worker failing) is over once a step works again.
  if (!form.querySelector("[aria-invalid]")) showError(null);
  show(answer);
}

function sayProgress() {
  say(progress.textContent);
  lastSaid = performance.now();
}

// Train until paused, one request at a time. Pausing and training again
// before the request out is answered continues this loop, never starts a
// second one.
async function run() {
  if (looping) return;
  looping = true;
  try {
    while (running) {
      await step();
      await new Promise(requestAnimationFrame);
    }
  } finally {
    looping = false;
    pause(); // whatever stopped the loop, the button says Train again
    sayProgress(); // where training stopped: the last step's answer is in
  }
}

function pause() {
  running = false;
  trainButton.textContent = "Train";
  trainButton.setAttribute("aria-pressed", "false");
}

trainButton.addEventListener("click", () => {
  if (running) return pause();
  running = true;
  trainButton.textContent = "Pause";
  trainButton.setAttribute("aria-pressed", "true");
  run();
});
document.getElementById("step-once").addEventListener("click", () => { if (!running) step(); });
document.getElementById("reset").addEventListener("click", setup);
form.addEventListener("change", setup);
form.addEventListener("submit", (event) => event.preventDefault());
sampleBox.addEventListener("change", () => last && drawPlane());

// A hidden neuron's graph, in a new tab; the note saying which neuron and
// sample it is shows here too.
async function openNeuron(layer, index) {
  const answer = await model.request({ kind: "neuron", layer, index, sample: sampleBox.value });
  if (!answer.ok) return showError(answer.error);
  showError(null);
  opened = answer.sample;
  neuronNote.textContent = `Opened in a new tab: ${answer.note}`;
  neuronNote.hidden = false;
  drawPlane();
  window.open(`index.html#${answer.hash}`, "_blank");
}

async function start() {
  if (!(await started(model, status))) return;
  await setup();
  document.body.dataset.ready = "true";
}

start();

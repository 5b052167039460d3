// The explorer site's graph page: the graph explorer (graph-explorer.mjs)
// with the model in Pyodide and Graphviz in WebAssembly, opened by the URL's
// fragment (a link to a lesson or to an expression with its values), which
// it keeps up to date, and a menu of the lessons.
import { instance } from "../vendor/viz/viz.js";
import { GraphExplorer } from "./graph-explorer.mjs";
import { pyodideTransport, started } from "./transport.mjs";

const status = document.getElementById("status");
const lessons = document.getElementById("lessons");
const graphviz = instance();
const model = pyodideTransport();
const explorer = new GraphExplorer({
  model,
  layout: async (answer) => (await graphviz).renderSVGElement(answer.dot),
  onShow: (answer) => {
    history.replaceState(null, "", `#${answer.hash}`);
    lessons.value = answer.lesson ? answer.lesson.name : "";
  },
  host: document.body,
});
document.getElementById("app").replaceChildren(explorer.page);
lessons.addEventListener("change", () => {
  if (lessons.value) location.hash = `lesson=${lessons.value}`;
});

async function start() {
  if (!(await started(model, status))) return;
  const answer = await model.request({ kind: "lessons" });
  if (answer.ok) {
    for (const lesson of answer.lessons) lessons.append(new Option(lesson.title, lesson.name));
  }
  // A link that cannot be opened shows its error beside the default graph.
  await explorer.open({ hash: location.hash }, { hash: "" });
  window.addEventListener("hashchange", () => explorer.open({ hash: location.hash }));
  document.body.dataset.ready = "true";
}

start();

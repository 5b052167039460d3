// Drawing the graph: the model's DOT text laid out by Graphviz (compiled to
// WebAssembly, from @viz-js/viz) as SVG, and a handle to mark its nodes and
// edges and to fill in their grad fields. Node ids are the DOT ids the model
// gives (v0, v0_op, ...); Graphviz keeps each as the <title> of its group.
import { instance } from "../vendor/viz/viz.js";

const graphviz = instance();

export async function drawGraph(container, dot, onPick) {
  const viz = await graphviz;
  const svg = viz.renderSVGElement(dot);
  const nodes = new Map();
  const edges = [];
  for (const group of svg.querySelectorAll("g.node")) {
    nodes.set(group.querySelector("title").textContent, group);
  }
  for (const group of svg.querySelectorAll("g.edge")) {
    const [tail, head] = group.querySelector("title").textContent.split("->");
    edges.push({ tail, head, group });
  }
  for (const [id, group] of nodes) makePickable(id, group, onPick);
  fitWidth(svg, container);
  container.replaceChildren(svg);
  return new GraphView(nodes, edges);
}

function makePickable(id, group, onPick) {
  const texts = [...group.querySelectorAll("text")].map((t) => t.textContent);
  group.setAttribute("tabindex", "0");
  group.setAttribute("role", "button");
  group.setAttribute("aria-label", `node ${texts.join(", ")}`);
  group.addEventListener("click", () => onPick(id));
  group.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      onPick(id);
    }
  });
}

// Shrink a wide graph to the container's width, but never below half: past
// that the text is too small to read, and the container scrolls instead.
function fitWidth(svg, container) {
  const width = svg.width.baseVal.value;
  const height = svg.height.baseVal.value;
  const room = container.clientWidth - 4;
  const scale = Math.max(0.5, Math.min(1, room / width));
  svg.setAttribute("width", `${width * scale}px`);
  svg.setAttribute("height", `${height * scale}px`);
}

class GraphView {
  constructor(nodes, edges) {
    this.nodes = nodes;
    this.edges = edges;
  }

  // Each value node's grad field, as the model wrote it ("grad ?" while unknown).
  setGrads(grads) {
    for (const [id, text] of Object.entries(grads)) {
      const group = this.nodes.get(id);
      if (!group) continue;
      const fields = group.querySelectorAll("text");
      const field = fields[fields.length - 1];
      field.textContent = text;
      field.classList.toggle("unknown", text.endsWith("?"));
    }
  }

  // Put `className` on exactly these nodes and edges ([tail, head] pairs).
  mark(className, nodeIds, edgePairs) {
    const nodes = new Set(nodeIds);
    const edges = new Set(edgePairs.map(([tail, head]) => `${tail}->${head}`));
    for (const [id, group] of this.nodes) group.classList.toggle(className, nodes.has(id));
    for (const edge of this.edges) {
      edge.group.classList.toggle(className, edges.has(`${edge.tail}->${edge.head}`));
    }
  }

  scrollTo(id) {
    const group = this.nodes.get(id);
    if (group) group.scrollIntoView({ block: "nearest", inline: "nearest" });
  }
}

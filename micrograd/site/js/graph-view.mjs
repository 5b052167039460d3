// Drawing the graph: the model's DOT text laid out by Graphviz (compiled to
// WebAssembly, from @viz-js/viz) as SVG, and a handle to mark its nodes and
// edges and to fill in their grad fields. Node ids are the DOT ids the model
// gives (v0, v0_op, ...); Graphviz keeps each as the <title> of its group.
import { instance } from "../vendor/viz/viz.js";

const graphviz = instance();

export async function drawGraph(container, dot, onPick) {
  const viz = await graphviz;
  // Ranks closer than Graphviz's default: a tall graph then fits at a larger size.
  const svg = viz.renderSVGElement(dot, { graphAttributes: { ranksep: 0.3 } });
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
  fit(svg, container);
  container.replaceChildren(svg);
  return new GraphView(container, nodes, edges);
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

// Graphviz writes 14 pt text; at these scales it is read as 12 to 16 px.
const SMALLEST = 0.65;
const LARGEST = 0.85;

// Scale the graph to fit its box, the box's width and, where it has one, its
// height; but never so small that the text is hard to read: past that the
// box scrolls instead.
function fit(svg, container) {
  svg.dataset.width ??= svg.width.baseVal.value;
  svg.dataset.height ??= svg.height.baseVal.value;
  const width = Number(svg.dataset.width);
  const height = Number(svg.dataset.height);
  const tallest = parseFloat(getComputedStyle(container).maxHeight) || Infinity;
  const room = Math.min((container.clientWidth - 4) / width, (tallest - 4) / height);
  const scale = Math.max(SMALLEST, Math.min(LARGEST, room));
  svg.setAttribute("width", `${width * scale}px`);
  svg.setAttribute("height", `${height * scale}px`);
}

class GraphView {
  constructor(container, nodes, edges) {
    this.container = container;
    this.nodes = nodes;
    this.edges = edges;
  }

  // Fit the graph to its box again, after the window changed size.
  refit() {
    const svg = this.container.querySelector("svg");
    if (svg) fit(svg, this.container);
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

  // Scroll the graph's box, and only it, until the node is in view.
  scrollTo(id) {
    const group = this.nodes.get(id);
    if (!group) return;
    const box = this.container.getBoundingClientRect();
    const node = group.getBoundingClientRect();
    const margin = 16;
    if (node.top < box.top + margin) this.container.scrollTop -= box.top + margin - node.top;
    else if (node.bottom > box.bottom - margin) {
      this.container.scrollTop += node.bottom - box.bottom + margin;
    }
    if (node.left < box.left + margin) this.container.scrollLeft -= box.left + margin - node.left;
    else if (node.right > box.right - margin) {
      this.container.scrollLeft += node.right - box.right + margin;
    }
  }
}

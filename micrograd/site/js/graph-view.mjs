// Drawing the graph: the model's DOT text as Graphviz laid it out in SVG (in
// the browser, or in a notebook's kernel), made a thing to work with: its
// nodes buttons, a handle to mark nodes and edges and to fill in their grad
// fields. Node ids are the DOT ids the model gives (v0, v0_op, ...); Graphviz
// keeps each as the <title> of its group.
import { makeButton, oneTabStop } from "./keyboard.mjs";

export function drawGraph(container, svg, onPick) {
  const nodes = new Map();
  const edges = [];
  for (const group of svg.querySelectorAll("g.node")) {
    const id = group.querySelector("title").textContent;
    nodes.set(id, group);
    makeButton(group, nodeLabel(group), () => onPick(id));
  }
  for (const group of svg.querySelectorAll("g.edge")) {
    const [tail, head] = group.querySelector("title").textContent.split("->");
    edges.push({ tail, head, group });
  }
  // The graph's tab stop stays on the node it was on before the redraw.
  const before = container.querySelector('g.node[tabindex="0"] title')?.textContent;
  fit(svg, container);
  container.replaceChildren(svg);
  const order = readingOrder([...nodes.values()]);
  oneTabStop(svg, order, nodes.get(before));
  return new GraphView(container, nodes, edges);
}

// What a screen reader says for a node: its fields as drawn, e.g. "node x1,
// data 2.0000, grad -1.5000", or "node tanh" for an op.
function nodeLabel(group) {
  const texts = [...group.querySelectorAll("text")].map((t) => t.textContent);
  return `node ${texts.join(", ")}`;
}

// The nodes as a reader goes through the drawing: rank by rank, top to
// bottom, and left to right in each rank (a rank's nodes share a centre line).
function readingOrder(groups) {
  const centres = new Map(groups.map((group) => {
    const box = group.getBBox();
    return [group, { x: box.x + box.width / 2, y: Math.round(box.y + box.height / 2) }];
  }));
  return groups.sort((a, b) => centres.get(a).y - centres.get(b).y
    || centres.get(a).x - centres.get(b).x);
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

  // Each value node's grad field, as the model wrote it ("grad ?" while
  // unknown), on the screen and in what a screen reader says.
  setGrads(grads) {
    for (const [id, text] of Object.entries(grads)) {
      const group = this.nodes.get(id);
      if (!group) continue;
      const fields = group.querySelectorAll("text");
      const field = fields[fields.length - 1];
      field.textContent = text;
      field.classList.toggle("unknown", text.endsWith("?"));
      group.setAttribute("aria-label", nodeLabel(group));
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

// The training page's network: circles in columns, one column per layer,
// joined by its weights (width: size; see explorer.css for the sign). Each
// hidden neuron is a link that calls `onNeuron(layer, index)` to open its
// graph; together they are one tab stop, the arrow keys going from one to
// the next.
import { element } from "./svg.mjs";
import { makeButton, oneTabStop } from "./keyboard.mjs";

const COLUMN_GAP = 110;
const ROW_GAP = 20;

export function drawNetwork(container, network, onNeuron) {
  const tallest = Math.max(...network.layers.map((layer) => layer.size));
  const width = COLUMN_GAP * (network.layers.length - 1) + 60;
  const height = ROW_GAP * tallest + 30;
  const svg = element("svg", { viewBox: `0 0 ${width} ${height}`, width, role: "group",
    "aria-label": "the network, one column per layer" });
  const place = (layer, index) => {
    const size = network.layers[layer].size;
    return [30 + layer * COLUMN_GAP, 20 + (tallest - size) * ROW_GAP / 2 + index * ROW_GAP];
  };
  network.weights.forEach((layerWeights, l) => {
    layerWeights.forEach((neuronWeights, j) => {
      neuronWeights.forEach((weight, i) => {
        const [x1, y1] = place(l, i);
        const [x2, y2] = place(l + 1, j);
        svg.append(element("line", { x1, y1, x2, y2,
          class: weight.positive ? "positive" : "negative",
          "stroke-width": 0.3 + 2.7 * weight.strength, "stroke-opacity": 0.7 }));
      });
    });
  });
  const last = network.layers.length - 1;
  const neurons = [];
  network.layers.forEach((layer, l) => {
    const hidden = l > 0 && l < last;
    for (let i = 0; i < layer.size; i++) {
      const [cx, cy] = place(l, i);
      const group = element("g", { class: hidden ? "neuron" : "fixed" });
      group.append(element("circle", { cx, cy, r: 7 }));
      if (hidden) {
        const name = `hidden layer ${l}, neuron ${i + 1} (${layer.activation})`;
        group.append(element("title", {}, name));
        makeButton(group, `open the graph of ${name}`, () => onNeuron(l - 1, i), "link");
        neurons.push(group);
      }
      svg.append(group);
    }
    const name = l === 0 ? "input" : l === last ? "output" : layer.activation;
    svg.append(element("text", { x: place(l, 0)[0], y: height - 4, "text-anchor": "middle" }, name));
  });
  // Redrawn as it trains, the network keeps its tab stop, and the keyboard's focus.
  const before = [...container.querySelectorAll(".neuron")];
  const current = before.findIndex((neuron) => neuron.getAttribute("tabindex") === "0");
  const focused = before.includes(document.activeElement);
  oneTabStop(svg, neurons, neurons[current]);
  container.replaceChildren(svg);
  if (focused) neurons[current]?.focus();
}

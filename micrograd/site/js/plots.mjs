// The training page's pictures, drawn from the model's answers: the decision
// boundary (a grid of predicted classes, shaded by how sure the network is,
// with the data points), the loss and accuracy curves, and the network.

const CLASS_COLOURS = [[230, 159, 0], [0, 114, 178]]; // Okabe–Ito orange and blue
const SVG = "http://www.w3.org/2000/svg";

export function drawBoundary(canvas, boundary, sample) {
  const context = canvas.getContext("2d");
  const { xs, ys, classes, confidence } = boundary;
  const width = canvas.width;
  const height = canvas.height;
  const toX = (x) => ((x - xs[0]) / (xs[xs.length - 1] - xs[0])) * width;
  const toY = (y) => height - ((y - ys[0]) / (ys[ys.length - 1] - ys[0])) * height;
  // One pixel per grid point, blended onto white, then scaled up smoothly:
  // a soft boundary with no seams between cells.
  const grid = new ImageData(xs.length, ys.length);
  for (let row = 0; row < ys.length; row++) {
    for (let column = 0; column < xs.length; column++) {
      const alpha = 0.12 + 0.38 * confidence[row][column];
      const colour = CLASS_COLOURS[classes[row][column]];
      const at = 4 * ((ys.length - 1 - row) * xs.length + column);
      for (let channel = 0; channel < 3; channel++) {
        grid.data[at + channel] = 255 * (1 - alpha) + colour[channel] * alpha;
      }
      grid.data[at + 3] = 255;
    }
  }
  const small = new OffscreenCanvas(xs.length, ys.length);
  small.getContext("2d").putImageData(grid, 0, 0);
  context.imageSmoothingEnabled = true;
  context.clearRect(0, 0, width, height);
  context.drawImage(small, 0, 0, width, height);
  boundary.points.forEach(([x, y], i) => {
    const label = boundary.labels[i];
    context.fillStyle = `rgb(${CLASS_COLOURS[label].join(", ")})`;
    context.strokeStyle = "#1d1d1f";
    context.lineWidth = 1;
    context.beginPath();
    // Class 0 a circle, class 1 a square: told apart without colour too.
    if (label === 0) context.arc(toX(x), toY(y), 4.5, 0, 2 * Math.PI);
    else context.rect(toX(x) - 4, toY(y) - 4, 8, 8);
    context.fill();
    context.stroke();
    if (i === sample) {
      context.lineWidth = 2.5;
      context.beginPath();
      context.arc(toX(x), toY(y), 10, 0, 2 * Math.PI);
      context.stroke();
    }
  });
}

export function drawHistory(canvas, history) {
  const context = canvas.getContext("2d");
  const { width, height } = canvas;
  const margin = 6;
  context.clearRect(0, 0, width, height);
  context.strokeStyle = "#c8c8c8";
  context.strokeRect(0.5, 0.5, width - 1, height - 1);
  const steps = history.loss.length;
  if (steps < 2) return;
  const top = Math.max(...history.loss);
  const toX = (k) => margin + (k / (steps - 1)) * (width - 2 * margin);
  const toY = (v, max) => height - margin - (v / max) * (height - 2 * margin);
  const line = (values, max, colour, dash) => {
    context.strokeStyle = colour;
    context.lineWidth = 2;
    context.setLineDash(dash);
    context.beginPath();
    values.forEach((v, k) => (k ? context.lineTo(toX(k), toY(v, max)) : context.moveTo(toX(k), toY(v, max))));
    context.stroke();
    context.setLineDash([]);
  };
  line(history.loss, top || 1, "#d55e00", []);
  line(history.accuracy, 1, "#0072b2", [6, 4]);
}

// The network as circles in columns, one per layer; each hidden neuron a
// button that calls `onNeuron(layer, index)`.
export function drawNetwork(container, network, onNeuron) {
  const columnGap = 110;
  const rowGap = 20;
  const tallest = Math.max(...network.layers.map((layer) => layer.size));
  const width = columnGap * (network.layers.length - 1) + 60;
  const height = rowGap * tallest + 30;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("width", String(width));
  svg.setAttribute("role", "group");
  svg.setAttribute("aria-label", "the network, one column per layer");
  const place = (layer, index) => {
    const size = network.layers[layer].size;
    return [30 + layer * columnGap, 20 + (tallest - size) * rowGap / 2 + index * rowGap];
  };
  network.weights.forEach((layerWeights, l) => {
    layerWeights.forEach((neuronWeights, j) => {
      neuronWeights.forEach((weight, i) => {
        const [x1, y1] = place(l, i);
        const [x2, y2] = place(l + 1, j);
        const line = document.createElementNS(SVG, "line");
        Object.entries({ x1, y1, x2, y2 }).forEach(([k, v]) => line.setAttribute(k, v));
        line.setAttribute("class", weight.positive ? "positive" : "negative");
        line.setAttribute("stroke-width", String(0.3 + 2.7 * weight.strength));
        line.setAttribute("stroke-opacity", "0.7");
        svg.append(line);
      });
    });
  });
  const last = network.layers.length - 1;
  network.layers.forEach((layer, l) => {
    for (let i = 0; i < layer.size; i++) {
      const [x, y] = place(l, i);
      const group = document.createElementNS(SVG, "g");
      const circle = document.createElementNS(SVG, "circle");
      Object.entries({ cx: x, cy: y, r: 7 }).forEach(([k, v]) => circle.setAttribute(k, v));
      group.append(circle);
      const hidden = l > 0 && l < last;
      group.setAttribute("class", hidden ? "neuron" : "fixed");
      if (hidden) {
        const name = `hidden layer ${l}, neuron ${i + 1} (${layer.activation})`;
        group.setAttribute("tabindex", "0");
        group.setAttribute("role", "link");
        group.setAttribute("aria-label", `open the graph of ${name}`);
        const title = document.createElementNS(SVG, "title");
        title.textContent = name;
        group.append(title);
        group.addEventListener("click", () => onNeuron(l - 1, i));
        group.addEventListener("keydown", (event) => {
          if (event.key === "Enter" || event.key === " ") {
            event.preventDefault();
            onNeuron(l - 1, i);
          }
        });
      }
      svg.append(group);
    }
    const label = document.createElementNS(SVG, "text");
    const [x] = place(l, 0);
    label.setAttribute("x", String(x));
    label.setAttribute("y", String(height - 4));
    label.setAttribute("text-anchor", "middle");
    label.textContent = l === 0 ? "input" : l === last ? "output" : layer.activation;
    svg.append(label);
  });
  container.replaceChildren(svg);
}

// The training page's plots, drawn from the model's answers: the decision
// boundary (a grid of predicted classes, shaded by how sure the network is,
// with the data points) and the loss and accuracy curves on their axes.
import { element } from "./svg.mjs";

// One colour and one marker per class, as micrograd.viz's plots have them:
// Okabe–Ito colours, which stay apart for colour-blind readers, and shapes
// that tell the classes apart without colour too.
const CLASS_COLOURS = [[0, 114, 178], [230, 159, 0], [0, 158, 115], [213, 94, 0]];
const MARKERS = ["●", "■", "▲", "◆"];
const INK = "#1d1d1f";

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
    context.strokeStyle = INK;
    context.lineWidth = 1;
    marker(context, label, toX(x), toY(y));
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

// A class's marker as a path: a circle, a square, a triangle, a diamond.
function marker(context, label, x, y) {
  context.beginPath();
  if (label === 0) context.arc(x, y, 4.5, 0, 2 * Math.PI);
  else if (label === 1) context.rect(x - 4, y - 4, 8, 8);
  else if (label === 2) {
    context.moveTo(x, y - 5.5);
    context.lineTo(x + 5, y + 3.5);
    context.lineTo(x - 5, y + 3.5);
    context.closePath();
  } else {
    context.moveTo(x, y - 5.5);
    context.lineTo(x + 5, y);
    context.lineTo(x, y + 5.5);
    context.lineTo(x - 5, y);
    context.closePath();
  }
}

// The boundary's legend: each class's marker, the ringed sample, the shading.
export function drawLegend(figcaption, classes, sample) {
  const items = [];
  for (let label = 0; label < classes; label++) {
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.color = `rgb(${CLASS_COLOURS[label].join(", ")})`;
    swatch.textContent = MARKERS[label];
    swatch.setAttribute("aria-hidden", "true");
    items.push(swatch, ` class ${label} `);
  }
  if (sample !== null) items.push("◯ sample ", String(sample), " ");
  items.push("· shade: how sure the network is");
  figcaption.replaceChildren(...items);
}

// The loss (left scale) and accuracy (right scale, 0 to 100 %) of each step,
// as SVG on the axes the model gives (each a max and round ticks), so the
// numbers stay text a reader and a screen reader can read.
export function drawHistory(svg, history, axes) {
  const [width, height] = [360, 220];
  const [left, right, top, bottom] = [44, 42, 10, 36];
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const toX = (step) => left + (step / axes.step.max) * plotWidth;
  const toY = (value, max) => top + plotHeight - (value / max) * plotHeight;
  const parts = [];
  for (const tick of axes.loss.ticks) {
    const y = toY(tick.value, axes.loss.max);
    parts.push(element("line", { x1: left, x2: left + plotWidth, y1: y, y2: y, class: "grid" }),
      element("text", { x: left - 5, y, class: "tick loss-tick", "text-anchor": "end",
        "dominant-baseline": "middle" }, tick.text));
  }
  for (const tick of axes.step.ticks) {
    const x = toX(tick.value);
    parts.push(element("line", { x1: x, x2: x, y1: top, y2: top + plotHeight, class: "grid" }),
      element("text", { x, y: top + plotHeight + 14, class: "tick step-tick",
        "text-anchor": "middle" }, tick.text));
  }
  for (const [share, text] of [[0, "0 %"], [0.5, "50 %"], [1, "100 %"]]) {
    parts.push(element("text", { x: left + plotWidth + 5, y: toY(share, 1), class: "tick",
      "dominant-baseline": "middle" }, text));
  }
  parts.push(
    element("text", { x: left + plotWidth / 2, y: height - 4, class: "axis-name",
      "text-anchor": "middle" }, "step"),
    element("text", { x: 12, y: top + plotHeight / 2, class: "axis-name", "text-anchor": "middle",
      transform: `rotate(-90 12 ${top + plotHeight / 2})` }, "loss"),
    element("rect", { x: left, y: top, width: plotWidth, height: plotHeight, class: "frame" }),
  );
  // The loss of step k (measured before its update) at x = k.
  const curve = (values, max, className) => element("polyline", { class: className,
    points: values.map((v, k) => `${toX(k + 1)},${toY(v, max)}`).join(" ") });
  parts.push(curve(history.loss, axes.loss.max, "loss-line"),
    curve(history.accuracy, 1, "accuracy-line"));
  svg.replaceChildren(...parts);
}

// The backward stepper: previous / next / a slider / the arrow keys move
// through the steps of backward; `onMove(index)` asks the model for that
// step, and `show(step)` puts its answer on the page (count and caption).
// The keys act while the stepper has focus, so everywhere else they scroll
// the page and the graph's box, and move through the graph's nodes, as usual.

export class Stepper {
  // `part(name)` finds a part of the page (see graph-markup.mjs).
  constructor(part, onMove) {
    this.onMove = onMove;
    this.index = 0;
    this.count = 0;
    this.slider = part("step");
    this.label = part("step-count");
    this.caption = part("caption");
    this.buttons = {
      first: part("step-first"),
      prev: part("step-prev"),
      next: part("step-next"),
      last: part("step-last"),
    };
    this.buttons.first.addEventListener("click", () => this.move(0));
    this.buttons.prev.addEventListener("click", () => this.move(this.index - 1));
    this.buttons.next.addEventListener("click", () => this.move(this.index + 1));
    this.buttons.last.addEventListener("click", () => this.move(this.count));
    this.slider.addEventListener("input", () => this.move(Number(this.slider.value)));
    this.slider.closest(".stepper").addEventListener("keydown", (event) => this.key(event));
  }

  // On the stepper's buttons, ← and → step, Home and End go to either end;
  // the slider does so itself.
  key(event) {
    if (event.target === this.slider || event.altKey || event.ctrlKey || event.metaKey) return;
    const moves = { ArrowLeft: -1, ArrowRight: 1 };
    if (event.key in moves) {
      event.preventDefault();
      this.move(this.index + moves[event.key]);
    } else if (event.key === "Home" || event.key === "End") {
      event.preventDefault();
      this.move(event.key === "Home" ? 0 : this.count);
    }
  }

  move(index) {
    if (index < 0 || index > this.count || index === this.index) return;
    this.index = index;
    this.onMove(index);
  }

  show(step) {
    this.index = step.index;
    this.count = step.count;
    this.slider.max = String(step.count);
    this.slider.value = String(step.index);
    this.slider.setAttribute("aria-valuetext", this.describe(step));
    this.label.textContent = this.describe(step);
    this.caption.replaceChildren(...captionLines(step.caption));
    const focused = document.activeElement;
    this.buttons.first.disabled = this.buttons.prev.disabled = step.index === 0;
    this.buttons.next.disabled = this.buttons.last.disabled = step.index === step.count;
    // A button disabled under the keyboard hands its focus to the slider, so
    // the keys go on stepping.
    if (Object.values(this.buttons).includes(focused) && focused.disabled) this.slider.focus();
  }

  describe(step) {
    if (step.index === 0) return `forward done, backward: 0 of ${step.count} steps`;
    return `backward step ${step.index} of ${step.count}`;
  }
}

// The model's caption, a line at a time: the step's node (in bold), its
// gradient, then for each child the local derivative and, on a line of its
// own below it, what it adds to the child's grad ("…; child.grad += …").
function captionLines(caption) {
  const lines = [];
  caption.split("\n").forEach((line, k) => {
    const [derivative, adds] = line.split("; ");
    lines.push(paragraph(derivative, k === 0 ? "title" : ""));
    if (adds !== undefined) lines.push(paragraph(adds, "adds"));
  });
  return lines;
}

function paragraph(text, className) {
  const p = document.createElement("p");
  p.textContent = text;
  if (className) p.className = className;
  return p;
}

// The graph page's inputs: the expression box, one slider and one number box
// per variable, the table of values and gradients, and the errors shown next
// to the box they concern. Each change is handed to
// `onChange({expr})` or `onChange({values: {name: text}})` as typed: the
// model checks and parses it. `onSettle()` says the learner is done for now
// (Enter, a pause in typing, a slider let go): the page then says the outcome.

const EVALUATE_MS = 250; // the graph follows the typing this long after a key
const SETTLE_MS = 1000; // a pause this long in typing ends it

export class Controls {
  // `part(name)` finds a part of the page (see graph-markup.mjs); `signal`
  // ends the listening to the window, when the page goes.
  constructor(part, onChange, onSettle, signal) {
    this.onChange = onChange;
    this.onSettle = onSettle;
    this.part = part;
    this.expr = part("expr");
    this.exprError = part("expr-error");
    this.rows = part("variables");
    this.noVariables = part("no-variables");
    this.table = part("values");
    this.output = part("output");
    this.lessonText = part("lesson-text");
    this.note = part("note");
    // The slider being dragged, which the model's answers do not move. The
    // drag ends wherever the pointer is let go, or when the browser takes a
    // touch over (to scroll, say).
    this.dragging = null;
    for (const end of ["pointerup", "pointercancel"]) {
      window.addEventListener(end, () => { this.dragging = null; }, { signal });
    }
    this.typing = false;
    this.evaluating = null; // the timer of an expression typed but not yet sent
    this.pausing = null;
    this.expr.addEventListener("input", () => {
      this.typing = true;
      clearTimeout(this.evaluating);
      clearTimeout(this.pausing);
      this.evaluating = setTimeout(() => this.sendExpr(), EVALUATE_MS);
      this.pausing = setTimeout(() => this.settleExpr(), SETTLE_MS);
    });
    this.expr.addEventListener("keydown", (event) => {
      if (event.key === "Enter") this.settleExpr();
    });
    this.expr.addEventListener("blur", () => { if (this.typing) this.settleExpr(); });
  }

  sendExpr() {
    if (this.evaluating === null) return;
    clearTimeout(this.evaluating);
    this.evaluating = null;
    this.onChange({ expr: this.expr.value });
  }

  settleExpr() {
    clearTimeout(this.pausing);
    this.typing = false;
    this.sendExpr();
    this.onSettle();
  }

  // Put a graph answer's expression, lesson, output and variables on the page.
  // `changing` holds the values the learner has changed since the request
  // this answers: their sliders and boxes stay as the learner left them
  // (put back, a key held on a slider would lose steps).
  show(answer, changing = {}) {
    if (document.activeElement !== this.expr) this.expr.value = answer.expr ?? "";
    this.lessonText.hidden = !answer.lesson;
    if (answer.lesson) {
      const title = document.createElement("strong");
      title.textContent = answer.lesson.title;
      this.lessonText.replaceChildren(title, answer.lesson.text);
    }
    this.note.hidden = !answer.note;
    this.note.textContent = answer.note || "";
    const out = answer.output;
    this.output.textContent = out.formula
      ? `${out.name} = ${out.formula} = ${out.value}`
      : `${out.name} = ${out.value}`;
    this.showVariables(answer.variables, changing);
    this.showTable(answer.variables);
    // Why a graph has no slider, or fewer than it has leaves, when the model says.
    this.noVariables.hidden = !answer.fixed;
    this.noVariables.textContent = answer.fixed || "";
  }

  showVariables(variables, changing) {
    const names = variables.map((v) => v.name).join(" ");
    if (this.rows.dataset.names !== names) {
      this.rows.replaceChildren(...variables.map((v, k) => this.row(v, k)));
      this.rows.dataset.names = names;
    }
    for (const v of variables) {
      const row = this.rows.querySelector(`[data-name="${CSS.escape(v.name)}"]`);
      const [slider, box] = row.querySelectorAll("input");
      Object.assign(slider, { min: v.min, max: v.max, step: v.step });
      const moving = this.dragging === slider || v.name in changing;
      if (!moving) slider.value = v.value_exact;
      // The box shows the value as the table does, and all its digits while edited.
      box.dataset.exact = v.value_exact;
      if (document.activeElement !== box && !moving) box.value = v.value_text;
      slider.setAttribute("aria-valuetext", v.value_text);
    }
  }

  // A variable's row; its parts' ids go by its place (`k`), as a label of the
  // learner's own may hold any character.
  row(variable, k) {
    const row = document.createElement("div");
    row.className = "variable";
    row.dataset.name = variable.name;
    const label = document.createElement("label");
    label.textContent = variable.name;
    const boxId = this.part.id(`value-${k}`);
    label.htmlFor = boxId;
    const slider = document.createElement("input");
    slider.type = "range";
    slider.setAttribute("aria-label", `${variable.name} slider`);
    const box = document.createElement("input");
    box.type = "number";
    box.step = "any";
    box.id = boxId;
    const error = document.createElement("p");
    error.className = "error";
    error.hidden = true;
    error.id = this.part.id(`error-${k}`);
    box.setAttribute("aria-describedby", error.id);
    slider.addEventListener("pointerdown", () => { this.dragging = slider; });
    slider.addEventListener("input", () => {
      box.value = slider.value;
      this.onChange({ values: { [variable.name]: slider.value } });
    });
    slider.addEventListener("change", () => this.onSettle());
    box.addEventListener("focus", () => { box.value = box.dataset.exact; });
    box.addEventListener("change", () => {
      this.onChange({ values: { [variable.name]: box.value } });
      this.onSettle();
    });
    row.append(label, slider, box, error);
    return row;
  }

  showTable(variables) {
    this.table.closest("table").hidden = !variables.length; // no variables, no table
    this.table.replaceChildren(...variables.map((v) => {
      const tr = document.createElement("tr");
      tr.dataset.name = v.name;
      for (const text of [v.name, v.value_text, v.grad_text]) {
        const td = document.createElement("td");
        td.textContent = text;
        tr.append(td);
      }
      return tr;
    }));
  }

  // An error goes next to the variable it names, else next to the expression.
  showError(error) {
    this.clearErrors();
    const row = error.field && this.rows.querySelector(`[data-name="${CSS.escape(error.field)}"]`);
    const place = row ? row.querySelector(".error") : this.exprError;
    place.textContent = error.message;
    place.hidden = false;
    if (!row) this.expr.setAttribute("aria-invalid", "true");
    // What is shown is what the last good input gave: faded, and said so.
    this.output.classList.add("stale");
    this.table.classList.add("stale");
  }

  // Every place an error is shown: beside the expression and each variable.
  errorPlaces() {
    return [this.exprError, ...this.rows.querySelectorAll(".error")];
  }

  // What the learner's last change gave, in words: the error, else the output.
  outcome() {
    const error = this.errorPlaces().find((place) => !place.hidden);
    return error ? `Error: ${error.textContent}` : this.output.textContent;
  }

  clearErrors() {
    for (const place of this.errorPlaces()) {
      place.hidden = true;
      place.textContent = "";
    }
    this.expr.removeAttribute("aria-invalid");
    this.output.classList.remove("stale");
    this.table.classList.remove("stale");
  }
}

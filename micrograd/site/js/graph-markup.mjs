// The graph page's parts, for both of its homes: the explorer site (one per
// page) and a notebook cell (as many as the notebook shows). Every id starts
// with `prefix`, so that ids stay unique in a notebook: the site's prefix is
// "", its ids are the bare names ("expr", "step-next", ...).
//
// `expressions` says whether the learner types the expression (the site), or
// the graph is one the kernel holds (a notebook's `explore(o)`), which only
// its variables' sliders change.

export function graphMarkup(prefix, { expressions }) {
  const id = (name) => `${prefix}${name}`;
  // The explorer's box (its width picks the layout, see graph.css) around the page.
  const page = document.createElement("div");
  page.className = "mg graph-explorer";
  // Static text of our own (no learner's input is put in here): safe as HTML.
  page.innerHTML = `<div class="graph-page">
  <p id="${id("announcer")}" class="visually-hidden" aria-live="polite"></p>
  <section class="inputs" aria-labelledby="${id("inputs-title")}">
    <h2 id="${id("inputs-title")}" class="visually-hidden">Expression and variables</h2>
    <p id="${id("lesson-text")}" class="lesson-text" hidden></p>
    <p id="${id("note")}" class="lesson-text note" hidden></p>
    <div class="expression" ${expressions ? "" : "hidden"}>
      <label for="${id("expr")}" class="field-label">Expression</label>
      <input id="${id("expr")}" class="expr" type="text" spellcheck="false" autocomplete="off"
             aria-describedby="${id("expr-help")} ${id("expr-error")}">
      <p id="${id("expr-help")}" class="help">Numbers, variables, + − * / **, exp, log, tanh,
        sigmoid, relu, leaky_relu. A new variable starts at 1.</p>
    </div>
    <p id="${id("expr-error")}" class="error" hidden></p>
    <p id="${id("output")}" class="output"></p>
  </section>
  <section class="graph-area" aria-labelledby="${id("graph-title")}">
    <h2 id="${id("graph-title")}" class="visually-hidden">The computation graph</h2>
    <div id="${id("graph")}" class="graph" role="group"
         aria-label="computation graph: each node shows name, data and grad; the arrow keys go from node to node, Enter or a click opens one for its derivatives"></div>
  </section>
  <section class="steps" aria-labelledby="${id("steps-title")}">
    <h2 id="${id("steps-title")}" class="visually-hidden">Backward, step by step</h2>
    <div class="stepper" role="group" aria-label="backward step by step">
      <button type="button" id="${id("step-first")}" aria-label="back to the forward pass">◀◀</button>
      <button type="button" id="${id("step-prev")}">◀ previous</button>
      <button type="button" id="${id("step-next")}">next ▶</button>
      <button type="button" id="${id("step-last")}" aria-label="to the end of backward">▶▶</button>
      <input type="range" id="${id("step")}" min="0" max="0" value="0" aria-label="backward step">
      <span id="${id("step-count")}" class="step-count"></span>
    </div>
    <div id="${id("caption")}" class="caption"></div>
    <p class="help">Keys: on a step button, ← and → step through backward, Home and End
      go to either end (the slider takes the same keys). The graph is one Tab stop:
      there the arrow keys go from node to node, and Enter opens one, as a click does,
      for its local derivatives and the chain rule.</p>
  </section>
  <section id="${id("node-info")}" class="node-info" aria-labelledby="${id("node-title")}" hidden>
    <h3 id="${id("node-title")}"></h3>
    <p id="${id("node-formula")}" class="node-formula"></p>
    <ul id="${id("node-locals")}"></ul>
    <pre id="${id("node-explain")}"></pre>
    <button type="button" id="${id("node-close")}">close</button>
  </section>
  <section class="vars" aria-label="variables, values and gradients">
    <fieldset class="variables">
      <legend>Variables</legend>
      <div id="${id("variables")}"></div>
      <p id="${id("no-variables")}" class="help" hidden></p>
    </fieldset>
    <table class="values" aria-label="every variable with its value and gradient">
      <thead><tr><th scope="col">variable</th><th scope="col">value</th>
        <th scope="col">gradient</th></tr></thead>
      <tbody id="${id("values")}"></tbody>
    </table>
  </section></div>`;
  // A part of the page by its name: part("expr") is the expression box.
  const part = (name) => page.querySelector(`#${CSS.escape(id(name))}`);
  part.id = id; // the id for a part made later (a variable's box)
  return { page, part };
}

// Drawn things a learner works by keyboard as by mouse: an SVG group made a
// button (a click, Enter or Space presses it), and a set of such buttons made
// one tab stop (a roving tabindex), so that a graph of 100 nodes costs one
// Tab, not 100, on the way to the controls after it.

// Make `group` a button named `label` for screen readers; `role` "link"
// where pressing it opens a page.
export function makeButton(group, label, onPress, role = "button") {
  group.setAttribute("role", role);
  group.setAttribute("aria-label", label);
  group.setAttribute("tabindex", "0");
  group.addEventListener("click", onPress);
  group.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      onPress();
    }
  });
}

// One tab stop for `buttons`, inside `container`: Tab reaches `first` (the
// first button unless given), later the one last focused; the arrow keys go
// to the next (→ ↓) or the previous (← ↑) button in the order given, Home
// and End to the first and the last.
export function oneTabStop(container, buttons, first = buttons[0]) {
  let current = first;
  for (const button of buttons) {
    button.setAttribute("tabindex", button === current ? "0" : "-1");
    button.addEventListener("focus", () => {
      current.setAttribute("tabindex", "-1");
      button.setAttribute("tabindex", "0");
      current = button;
    });
  }
  const moves = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
  container.addEventListener("keydown", (event) => {
    const at = buttons.indexOf(event.target);
    if (at < 0 || event.altKey || event.ctrlKey || event.metaKey) return;
    let to;
    if (event.key in moves) to = Math.min(Math.max(at + moves[event.key], 0), buttons.length - 1);
    else if (event.key === "Home") to = 0;
    else if (event.key === "End") to = buttons.length - 1;
    else return;
    event.preventDefault();
    buttons[to].focus();
  });
}

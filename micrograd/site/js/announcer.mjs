// What a screen reader hears: the page's one live region, told in words what
// the learner's last action gave, once it is over (typing paused, a drag let
// go, training paused). The text on the page (the output, the caption, the
// progress) changes at every keystroke or frame and is not live itself, so
// nothing talks over the learner while they type or train.

export function announcer(region) {
  return (text) => {
    // The same words again are news too, but only a changed text is read:
    // they come back with a no-break space added.
    region.textContent = text === region.textContent ? `${text}\u00a0` : text;
  };
}

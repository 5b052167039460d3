// SVG drawn by hand (the training page's plots and network): one element at
// a time, its attributes and its text given at once.

const SVG = "http://www.w3.org/2000/svg";

export function element(name, attributes = {}, text = undefined) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

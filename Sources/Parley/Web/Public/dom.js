// Builds DOM nodes. Text is always set as text (a text node or textContent): nothing here ever
// parses a string as HTML, so what a user or the model wrote cannot become markup.

/** h("button", {class: "x", onclick: f, "aria-label": "Close"}, "text", child, ...) */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

export function append(parent, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    parent.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return parent;
}

export const byId = (id) => document.getElementById(id);

export function show(element, visible) {
  element.hidden = !visible;
}

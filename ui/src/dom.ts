// Small DOM builders. Text always goes in through textContent, never innerHTML, so names
// and notes typed by people can never become markup.

type Attrs = Record<string, string | boolean | number | undefined | null>;
type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    el.setAttribute(name, value === true ? "" : String(value));
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  }
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing element #${id}`);
  return el as T;
}

let pendingStatus = "";

/** Announces a confirmation to screen readers and shows it on screen. */
export function announce(message: string): void {
  const status = byId("status");
  byId("alert").textContent = "";
  // Clearing first makes a repeated message be read again.
  status.textContent = "";
  pendingStatus = message;
  window.setTimeout(() => {
    status.textContent = pendingStatus;
  }, 30);
}

/** Shows a problem that is not tied to one field. */
export function alertError(message: string): void {
  byId("status").textContent = "";
  byId("alert").textContent = message;
}

export function clearMessages(): void {
  byId("status").textContent = "";
  byId("alert").textContent = "";
}

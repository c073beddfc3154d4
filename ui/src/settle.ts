// A warning panel for conflicting facts a person must settle: two letters drafted for one
// application on two laptops, organisations sharing one identifier. The sentences come
// from trellis-store; this only shows them.
import { h } from "./dom";

// Conflict sentences already shown this session. A panel is an alert (read out at once)
// only the first time its sentence appears; re-reading a screen that still shows the same
// conflict does not interrupt the person again.
const seenConflicts = new Set<string>();

/** The warning panel for things to settle, or null when there is nothing to settle. */
export function settlePanel(id: string, title: string, items: { key: string; text: string; link?: string }[]): HTMLElement | null {
  if (!items.length) return null;
  const fresh = items.some((i) => !seenConflicts.has(i.key));
  for (const i of items) seenConflicts.add(i.key);
  return h(
    "section",
    { id, class: "to-settle", "data-testid": id, role: fresh ? "alert" : undefined, "aria-labelledby": `${id}-title` },
    h("h2", { id: `${id}-title` }, title),
    h("ul", {}, ...items.map((i) => h("li", { "data-testid": "conflict-sentence" }, i.link ? h("a", { href: i.link }, i.text) : i.text))),
  );
}


// A keyboard-usable multi-select over the DEI code list: real checkboxes, grouped by the
// taxonomy's top-level headings into collapsible sections so a keyboard user can step
// past groups they do not need instead of tabbing through all 70-odd codes.
import type { DeiCode } from "../api";
import { h } from "../dom";

export interface DeiPicker {
  fieldset: HTMLFieldSetElement;
  selected: () => string[];
  first: () => HTMLElement | null;
}

interface Group {
  key: string;
  title: string;
  codes: DeiCode[];
}

function groups(codes: DeiCode[]): Group[] {
  const out: Group[] = [];
  for (const c of codes) {
    const key = c.code.slice(0, 5);
    let g = out.find((x) => x.key === key);
    if (!g) {
      g = { key, title: "", codes: [] };
      out.push(g);
    }
    if (c.code.endsWith("0000") && !g.title) g.title = c.title;
    g.codes.push(c);
  }
  for (const g of out) {
    if (!g.title) g.title = g.codes.map((c) => c.title).join(", ");
  }
  return out;
}

/** Depth in the taxonomy, used only to indent: DEIxx0000, DEIxxyy00, then the rest. */
function depth(code: string): number {
  if (code.endsWith("0000")) return 1;
  if (code.endsWith("00")) return 2;
  return 3;
}

export function deiPicker(
  idBase: string,
  legend: string,
  hint: string,
  codes: DeiCode[],
  initial: string[],
): DeiPicker {
  const chosen = new Set(initial);
  const hintId = `${idBase}-hint`;
  const fieldset = h(
    "fieldset",
    { id: idBase, class: "dei-picker", "data-testid": idBase },
    h("legend", {}, legend),
    h("p", { id: hintId, class: "hint" }, hint),
  );
  const boxes: HTMLInputElement[] = [];
  for (const g of groups(codes)) {
    const count = h("span", { class: "count" });
    const summary = h("summary", {}, g.title, " ", count);
    const details = h("details", { "data-group": g.key }, summary);
    const list = h("ul", { class: "checks" });
    const update = (): void => {
      const n = g.codes.filter((c) => chosen.has(c.code)).length;
      count.textContent = n ? `(${n} chosen)` : "";
    };
    for (const c of g.codes) {
      const id = `${idBase}-${c.code}`;
      // A description is read out with its checkbox (a title tooltip would reach mouse
      // users only) but kept off screen, so the list stays scannable.
      const descId = c.description ? `${id}-desc` : null;
      const box = h("input", {
        type: "checkbox",
        id,
        value: c.code,
        checked: chosen.has(c.code),
        "aria-describedby": descId,
      });
      box.addEventListener("change", () => {
        if (box.checked) chosen.add(c.code);
        else chosen.delete(c.code);
        update();
      });
      boxes.push(box);
      list.append(
        h(
          "li",
          { class: `depth-${depth(c.code)}` },
          box,
          h("label", { for: id }, c.title),
          descId ? h("span", { id: descId, class: "visually-hidden" }, c.description) : null,
        ),
      );
    }
    if (g.codes.some((c) => chosen.has(c.code))) details.open = true;
    update();
    details.append(list);
    fieldset.append(details);
  }
  return {
    fieldset,
    selected: () => codes.map((c) => c.code).filter((c) => chosen.has(c)),
    first: () => fieldset.querySelector("summary"),
  };
}

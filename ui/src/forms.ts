// Inline validation display shared by every form: each field's message sits next to its
// own input, is linked by aria-describedby, and the input is marked aria-invalid.
import type { FieldError } from "./api";
import { h } from "./dom";

export interface FieldSlot {
  field: string;
  /** The element that receives focus for this field (an input, or a fieldset's first box). */
  focusTarget: () => HTMLElement | null;
  /** The element carrying aria-invalid / aria-describedby. */
  described: HTMLElement;
  error: HTMLElement;
  hintId?: string;
}

export function errorElement(id: string): HTMLParagraphElement {
  return h("p", { id, class: "field-error", "data-testid": id, hidden: true });
}

function setError(slot: FieldSlot, message: string | undefined): void {
  const ids = [slot.hintId, message ? slot.error.id : undefined].filter(Boolean).join(" ");
  if (ids) slot.described.setAttribute("aria-describedby", ids);
  else slot.described.removeAttribute("aria-describedby");
  if (message) {
    slot.error.textContent = message;
    slot.error.hidden = false;
    slot.described.setAttribute("aria-invalid", "true");
  } else {
    slot.error.textContent = "";
    slot.error.hidden = true;
    slot.described.removeAttribute("aria-invalid");
  }
}

/**
 * Shows the given errors. When `only` is set, fields outside it keep their current state,
 * so leaving one box does not flag boxes the person has not reached yet.
 */
export function showErrors(slots: FieldSlot[], errors: FieldError[], only?: Set<string>): void {
  for (const slot of slots) {
    if (only && !only.has(slot.field)) continue;
    const messages = errors.filter((e) => e.field === slot.field).map((e) => e.message);
    setError(slot, messages.length ? messages.join("; ") : undefined);
  }
}

/** A list of every problem at the top of the form, each linking to its field. */
export function renderSummary(
  summary: HTMLElement,
  slots: FieldSlot[],
  errors: FieldError[],
  labels: Record<string, string>,
): void {
  summary.replaceChildren();
  if (errors.length === 0) {
    summary.hidden = true;
    return;
  }
  const list = h("ul");
  for (const e of errors) {
    const slot = slots.find((s) => s.field === e.field);
    const label = labels[e.field] ?? e.field;
    const item = h("li");
    if (slot) {
      const link = h("a", { href: "#" }, `${label}: ${e.message}`);
      link.addEventListener("click", (ev) => {
        ev.preventDefault();
        slot.focusTarget()?.focus();
      });
      item.append(link);
    } else {
      item.append(`${label}: ${e.message}`);
    }
    list.append(item);
  }
  summary.append(
    h("h2", {}, errors.length === 1 ? "There is a problem" : `There are ${errors.length} problems`),
    h("p", {}, "Nothing has been saved. Your typing is kept; correct the fields below."),
    list,
  );
  summary.hidden = false;
}

export function focusFirstInvalid(slots: FieldSlot[], errors: FieldError[]): void {
  const first = slots.find((s) => errors.some((e) => e.field === s.field));
  first?.focusTarget()?.focus();
}

/**
 * A command's refusal shown beside the fields it names, focusing the first; false when
 * it named none of them (the caller then says what went wrong some other way).
 */
export function refuseBeside(slots: FieldSlot[], errors: FieldError[]): boolean {
  showErrors(slots, errors);
  if (!slots.some((s) => errors.some((e) => e.field === s.field))) return false;
  focusFirstInvalid(slots, errors);
  return true;
}

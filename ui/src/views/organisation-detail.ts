import { asCommandError, type ContactInput, type OrganisationDetail } from "../api";
import { alertError, announce, h } from "../dom";
import { errorElement, focusFirstInvalid, renderSummary, showErrors, type FieldSlot } from "../forms";
import { deiTitle, incomeLabel, kindLabel, smallText, type Session } from "../state";
import { facilitatorLaptop } from "../sync";
import * as commands from "../bindings";

const CONTACT_LABELS: Record<string, string> = {
  organisation_id: "Organisation",
  date: "Date",
  kind: "Kind",
  by: "By",
  notes: "Notes",
  follow_up: "Follow-up date",
};

function row(term: string, value: Node | string, testid?: string): Node[] {
  return [h("dt", {}, term), h("dd", { "data-testid": testid ?? null }, value)];
}

/** Said where a facilitator's laptop has no answer: staff may hold one it was not sent. */
export const WITHHELD_TEXT = "None on this laptop: facilitators' laptops are not sent the equality answers others record";

function codeList(s: Session, codes: string[], withheld: boolean): Node | string {
  if (codes.length === 0 && withheld) return h("span", { class: "withheld", "data-testid": "equality-withheld" }, WITHHELD_TEXT);
  if (codes.length === 0) return "None recorded";
  return h("ul", { class: "plain" }, ...codes.map((c) => h("li", {}, deiTitle(s, c))));
}

function contactsTable(s: Session, d: OrganisationDetail): HTMLElement {
  if (d.contacts.length === 0) {
    return h("p", { id: "contacts-empty", "data-testid": "contacts-empty" }, "No contacts logged yet.");
  }
  const body = h("tbody");
  for (const c of d.contacts) {
    body.append(
      h(
        "tr",
        { "data-testid": "contact-row", "data-contact-id": c.id },
        h("th", { scope: "row", class: "date" }, c.date),
        h("td", {}, kindLabel(s, c.kind)),
        h("td", {}, c.by),
        h("td", { class: "notes" }, c.notes || "—"),
        h("td", { class: "date" }, c.follow_up ?? "None"),
      ),
    );
  }
  return h(
    "table",
    { id: "contacts", "data-testid": "contacts" },
    h("caption", {}, "Contacts, newest first"),
    h(
      "thead",
      {},
      h("tr", {}, ...["Date", "Kind", "By", "Notes", "Follow-up"].map((t) => h("th", { scope: "col" }, t))),
    ),
    body,
  );
}

export async function organisationDetail(main: HTMLElement, s: Session, id: string, focusContacts = false): Promise<void> {
  let d: OrganisationDetail;
  try {
    d = await commands.getOrganisation(id);
  } catch (e) {
    const ce = asCommandError(e);
    main.replaceChildren(
      h("h1", { tabindex: "-1" }, "Organisation not found"),
      h("p", {}, ce.message),
      h("p", {}, h("a", { href: "#/organisations" }, "Back to organisations")),
    );
    return;
  }

  const withheld = await facilitatorLaptop();
  const follow = d.overdue_follow_up
    ? h("span", { class: "overdue", "data-testid": "detail-overdue" }, `Overdue since ${d.overdue_follow_up}`)
    : d.next_follow_up ?? "None planned";

  const info = h(
    "dl",
    { class: "facts", id: "org-facts" },
    ...row("Identifier", h("span", { class: "mono" }, d.org_ref), "detail-org-ref"),
    ...row("Address", d.address || "Not recorded"),
    ...row("Postcode", d.postcode || "Not recorded"),
    ...row("Income band", incomeLabel(s, d.income_band)),
    ...row("Small organisation", smallText(d.small), "detail-small"),
    ...row("Led by", codeList(s, d.led_by, withheld), "detail-led-by"),
    ...row("Communities served", codeList(s, d.communities_served, withheld), "detail-communities-served"),
  );
  const relationship = h(
    "dl",
    { class: "facts", id: "org-relationship" },
    ...row("Last contact", d.last_contact ?? "Never", "detail-last-contact"),
    ...row("Follow-up", follow),
    ...(d.overdue_follow_up && d.next_follow_up ? row("Next follow-up", d.next_follow_up) : []),
  );

  // The contact form.
  const date = h("input", { type: "text", id: "contact-date", value: s.status.today, inputmode: "numeric", autocomplete: "off", "aria-describedby": "contact-date-hint", class: "short" });
  const kind = h("select", { id: "contact-kind" });
  for (const k of s.lists.contact_kinds) kind.append(h("option", { value: k.code }, k.label));
  const by = h("input", { type: "text", id: "contact-by", autocomplete: "name", "aria-describedby": "contact-by-hint" });
  const notes = h("textarea", { id: "contact-notes", rows: "3" });
  const followUp = h("input", { type: "text", id: "contact-follow-up", inputmode: "numeric", autocomplete: "off", "aria-describedby": "contact-follow-up-hint", class: "short" });
  const errs: Record<string, HTMLElement> = {};
  for (const f of Object.keys(CONTACT_LABELS)) errs[f] = errorElement(`contact-${f.replace(/_/g, "-")}-error`);
  const err = (f: string): HTMLElement => errs[f] as HTMLElement;
  const slots: FieldSlot[] = [
    { field: "date", focusTarget: () => date, described: date, error: err("date"), hintId: "contact-date-hint" },
    { field: "kind", focusTarget: () => kind, described: kind, error: err("kind") },
    { field: "by", focusTarget: () => by, described: by, error: err("by"), hintId: "contact-by-hint" },
    { field: "notes", focusTarget: () => notes, described: notes, error: err("notes") },
    { field: "follow_up", focusTarget: () => followUp, described: followUp, error: err("follow_up"), hintId: "contact-follow-up-hint" },
  ];
  const summary = h("div", { id: "contact-error-summary", class: "error-summary", tabindex: "-1", hidden: true });
  const save = h("button", { type: "submit", id: "save-contact", class: "primary" }, "Log contact");
  const form = h(
    "form",
    { id: "contact-form", novalidate: true, "aria-labelledby": "contact-form-title" },
    h("h2", { id: "contact-form-title" }, "Log a contact"),
    summary,
    h("div", { class: "field" }, h("label", { for: "contact-date" }, "Date"), h("p", { id: "contact-date-hint", class: "hint" }, "YYYY-MM-DD, for example 2026-03-14."), err("date"), date),
    h("div", { class: "field" }, h("label", { for: "contact-kind" }, "Kind"), err("kind"), kind),
    h("div", { class: "field" }, h("label", { for: "contact-by" }, "By"), h("p", { id: "contact-by-hint", class: "hint" }, "Who made the contact from the commissioning side."), err("by"), by),
    h("div", { class: "field" }, h("label", { for: "contact-notes" }, "Notes (optional)"), err("notes"), notes),
    h("div", { class: "field" }, h("label", { for: "contact-follow-up" }, "Follow-up date (optional)"), h("p", { id: "contact-follow-up-hint", class: "hint" }, "YYYY-MM-DD; leave empty if no follow-up is needed."), err("follow_up"), followUp),
    h("div", { class: "actions" }, save),
  );

  const read = (): ContactInput => ({
    organisation_id: id,
    date: date.value,
    kind: kind.value,
    by: by.value,
    notes: notes.value,
    follow_up: followUp.value,
  });

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    save.disabled = true;
    try {
      await commands.logContact(read());
      announce(`Contact logged for ${d.name}.`);
      await organisationDetail(main, s, id, true);
    } catch (e) {
      const ce = asCommandError(e);
      if (ce.kind === "invalid" && ce.fields.length) {
        showErrors(slots, ce.fields);
        renderSummary(summary, slots, ce.fields, CONTACT_LABELS);
        alertError("The contact was not logged; correct the fields marked.");
        focusFirstInvalid(slots, ce.fields);
      } else {
        alertError(`The contact was not logged: ${ce.message}`);
      }
    } finally {
      save.disabled = false;
    }
  });

  main.replaceChildren(
    h(
      "article",
      { "aria-labelledby": "org-title", "data-testid": "org-detail", "data-org-id": d.id },
      h("p", { class: "crumbs" }, h("a", { href: "#/organisations" }, "Organisations")),
      h("div", { class: "title-row" },
        h("h1", { id: "org-title", tabindex: "-1" }, d.name),
        h("a", { href: `#/organisations/${d.id}/edit`, id: "edit-org", class: "button" }, "Edit details"),
      ),
      h("section", { "aria-labelledby": "facts-title" }, h("h2", { id: "facts-title" }, "Details"), info),
      h("section", { "aria-labelledby": "rel-title" }, h("h2", { id: "rel-title" }, "Relationship"), relationship),
      h("section", { "aria-labelledby": "contacts-title", id: "contacts-section", tabindex: "-1" }, h("h2", { id: "contacts-title" }, "Contacts"), contactsTable(s, d)),
      form,
    ),
  );
  if (focusContacts) document.getElementById("contacts-section")?.focus();
}

import { asCommandError, type FieldError, type OrganisationInput } from "../api";
import { alertError, announce, h } from "../dom";
import { errorElement, focusFirstInvalid, renderSummary, showErrors, type FieldSlot } from "../forms";
import type { Session } from "../state";
import { facilitatorLaptop } from "../sync";
import { deiPicker } from "./dei-picker";
import * as commands from "../bindings";

const LABELS: Record<string, string> = {
  name: "Name",
  org_ref: "Organisation identifier",
  address: "Address",
  postcode: "Postcode",
  income_band: "Income band",
  led_by: "Led by",
  communities_served: "Communities served",
};

function textField(
  id: string,
  label: string,
  hint: string | null,
  control: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement,
  error: HTMLElement,
  extra?: Node,
): HTMLElement {
  control.id = id;
  if (hint) control.setAttribute("aria-describedby", `${id}-hint`);
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    hint ? h("p", { id: `${id}-hint`, class: "hint" }, hint) : null,
    error,
    control,
    extra ?? null,
  );
}

/** Add (no id) or edit (id) an organisation. Nothing is saved unless every field passes. */
export async function organisationForm(main: HTMLElement, s: Session, id: string | null): Promise<void> {
  let initial: OrganisationInput = {
    name: "",
    org_ref: "",
    address: "",
    postcode: "",
    income_band: "unknown",
    led_by: [],
    communities_served: [],
  };
  if (id) {
    try {
      const d = await commands.getOrganisation(id);
      initial = {
        name: d.name,
        org_ref: d.org_ref,
        address: d.address,
        postcode: d.postcode,
        income_band: d.income_band,
        led_by: d.led_by,
        communities_served: d.communities_served,
      };
    } catch (e) {
      alertError(`Could not open the organisation: ${asCommandError(e).message}`);
      return;
    }
  }

  const name = h("input", { type: "text", autocomplete: "off", value: initial.name, maxlength: "200" });
  const orgRef = h("input", { type: "text", autocomplete: "off", spellcheck: "false", value: initial.org_ref, class: "mono" });
  const suggest = h("button", { type: "button", id: "suggest-ref" }, "No registration? Make an identifier");
  const address = h("textarea", { rows: "3" });
  address.value = initial.address;
  const postcode = h("input", { type: "text", autocomplete: "off", value: initial.postcode, class: "short" });
  const income = h("select", {});
  for (const b of s.lists.income_bands) {
    income.append(h("option", { value: b.code, selected: b.code === initial.income_band }, b.label));
  }
  const ledBy = deiPicker(
    "org-led-by",
    "Led by",
    "Tick the communities the organisation's leadership comes from (360Giving DEI codes). Open a group to see its codes.",
    s.lists.dei_codes,
    initial.led_by,
  );
  const served = deiPicker(
    "org-communities-served",
    "Communities served",
    "Tick the communities the organisation works with.",
    s.lists.dei_codes,
    initial.communities_served,
  );

  // Editing on a facilitator's laptop: empty boxes may hide answers staff hold, and
  // ticking any replaces those answers for everyone, so the form says so before them.
  const withheldNote =
    id && (await facilitatorLaptop())
      ? h(
          "p",
          { id: "org-equality-withheld", class: "note", "data-testid": "org-equality-withheld" },
          "This laptop is enrolled as a facilitator, so it is not sent the equality answers others recorded: staff may hold answers not shown here. Leave these boxes as they are unless you mean to replace those answers for everyone.",
        )
      : null;

  const errors: Record<string, HTMLElement> = {};
  for (const f of Object.keys(LABELS)) errors[f] = errorElement(`org-${f.replace(/_/g, "-")}-error`);
  const err = (f: string): HTMLElement => errors[f] as HTMLElement;

  const slots: FieldSlot[] = [
    { field: "name", focusTarget: () => name, described: name, error: err("name") },
    { field: "org_ref", focusTarget: () => orgRef, described: orgRef, error: err("org_ref"), hintId: "org-ref-hint" },
    { field: "address", focusTarget: () => address, described: address, error: err("address") },
    { field: "postcode", focusTarget: () => postcode, described: postcode, error: err("postcode") },
    { field: "income_band", focusTarget: () => income, described: income, error: err("income_band"), hintId: "org-income-band-hint" },
    { field: "led_by", focusTarget: ledBy.first, described: ledBy.fieldset, error: err("led_by"), hintId: "org-led-by-hint" },
    {
      field: "communities_served",
      focusTarget: served.first,
      described: served.fieldset,
      error: err("communities_served"),
      hintId: "org-communities-served-hint",
    },
  ];

  const summary = h("div", { id: "org-error-summary", class: "error-summary", tabindex: "-1", hidden: true, "data-testid": "org-error-summary" });
  const save = h("button", { type: "submit", id: "save-org", class: "primary" }, id ? "Save changes" : "Save organisation");
  const form = h(
    "form",
    { id: "org-form", novalidate: true, "aria-labelledby": "org-form-title" },
    summary,
    textField("org-name", "Name", null, name, err("name")),
    textField(
      "org-ref",
      "Organisation identifier",
      "In org-id.guide form: GB-CHC-1234567 for a charity, GB-COH-01234567 for a company (keep leading zeros).",
      orgRef,
      err("org_ref"),
      suggest,
    ),
    textField("org-address", "Address (optional)", null, address, err("address")),
    textField("org-postcode", "Postcode (optional)", null, postcode, err("postcode")),
    textField("org-income-band", "Income band", "Yearly income; it decides whether the organisation counts as small.", income, err("income_band")),
    withheldNote,
    h("div", { class: "field" }, err("led_by"), ledBy.fieldset),
    h("div", { class: "field" }, err("communities_served"), served.fieldset),
    h("div", { class: "actions" }, save, h("a", { href: id ? `#/organisations/${id}` : "#/organisations", class: "button", id: "cancel-org" }, "Cancel")),
  );

  main.replaceChildren(
    h(
      "section",
      { class: "form-page" },
      h("h1", { id: "org-form-title", tabindex: "-1" }, id ? `Edit ${initial.name}` : "Add an organisation"),
      form,
    ),
  );

  const read = (): OrganisationInput => ({
    name: name.value,
    org_ref: orgRef.value,
    address: address.value,
    postcode: postcode.value,
    income_band: income.value,
    led_by: ledBy.selected(),
    communities_served: served.selected(),
  });

  // Only fields the person has left are checked on blur, so a half-filled form does not
  // shout about boxes further down.
  const touched = new Set<string>();
  const validateTouched = async (): Promise<void> => {
    try {
      const found = await commands.validateOrganisation(read());
      showErrors(slots, found, touched);
    } catch (e) {
      alertError(`Could not check the form: ${asCommandError(e).message}`);
    }
  };
  const onLeave = (field: string, el: HTMLElement): void => {
    el.addEventListener("blur", () => {
      touched.add(field);
      void validateTouched();
    });
  };
  onLeave("name", name);
  onLeave("org_ref", orgRef);
  onLeave("address", address);
  onLeave("postcode", postcode);
  onLeave("income_band", income);

  suggest.addEventListener("click", async () => {
    if (!name.value.trim()) {
      touched.add("name");
      showErrors(slots, [{ field: "name", message: "enter the name first; the identifier is made from it" }], new Set(["name"]));
      name.focus();
      return;
    }
    try {
      orgRef.value = await commands.suggestOrgRef(name.value);
      touched.add("org_ref");
      await validateTouched();
      announce(`Identifier filled in: ${orgRef.value}`);
      orgRef.focus();
    } catch (e) {
      alertError(`Could not make an identifier: ${asCommandError(e).message}`);
    }
  });

  const fail = (found: FieldError[]): void => {
    for (const slot of slots) touched.add(slot.field);
    showErrors(slots, found);
    renderSummary(summary, slots, found, LABELS);
    alertError(found.length === 1 ? "There is a problem with 1 field; nothing was saved." : `There are problems with ${found.length} fields; nothing was saved.`);
    focusFirstInvalid(slots, found);
  };

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    save.disabled = true;
    try {
      const input = read();
      const found = await commands.validateOrganisation(input);
      if (found.length) {
        fail(found);
        return;
      }
      let savedId = id;
      let changed = true;
      if (id) changed = await commands.updateOrganisation(id, input);
      else savedId = await commands.addOrganisation(input);
      s.status.empty = false;
      announce(changed ? `Saved ${input.name.trim()}.` : "No changes to save.");
      location.hash = `#/organisations/${savedId}`;
    } catch (e) {
      const ce = asCommandError(e);
      if (ce.kind === "invalid" && ce.fields.length) fail(ce.fields);
      else alertError(`Nothing was saved: ${ce.message}`);
    } finally {
      save.disabled = false;
    }
  });
}

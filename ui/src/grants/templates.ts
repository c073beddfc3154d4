// The letter template editor: each section of the funded, not-funded or waitlisted
// template, with placeholders like {organisation} and {reasons}, and a live warning for
// sentences over 25 words. Unknown placeholders are refused by the shell (trellis-core's
// check_template), naming the placeholder and the section.
import { asCommandError } from "../api";
import { alertError, announce, h } from "../dom";
import { type LetterTemplate } from "./api";
import { paragraphEditor } from "./letters";
import * as commands from "../bindings";

const KINDS: Record<string, string> = { funded: "Funded", not_funded: "Not funded", waitlisted: "Waitlisted" };

export async function templateScreen(main: HTMLElement, kind: string): Promise<void> {
  const template: LetterTemplate = await commands.getLetterTemplate(kind);
  const field = (id: string, label: string, value: string): [HTMLElement, HTMLInputElement] => {
    const input = h("input", { id, type: "text" });
    input.value = value;
    return [h("div", { class: "field" }, h("label", { for: id }, label), input), input];
  };
  const noop = (): void => undefined;
  const subject = field("template-subject", "Subject line", template.subject);
  const salutation = field("template-salutation", "Greeting", template.salutation);
  const paragraphs = template.paragraphs.map((p, i) => paragraphEditor(`template-paragraph-${i}`, `Paragraph ${i + 1}`, p, noop));
  const support = paragraphEditor("template-support", "Offer of support ({support_offer})", template.support_offer, noop);
  const signOff = paragraphEditor("template-sign-off", "Sign-off (one line each)", template.sign_off.join("\n"), noop);
  const footer = field("template-footer", "Footer", template.footer);
  const save = h("button", { type: "submit", id: "save-template", class: "primary" }, "Save template");
  const form = h(
    "form",
    { id: "template-form", novalidate: true },
    h(
      "p",
      { class: "hint" },
      "Placeholders: {organisation}, {contact}, {round}, {programme}, {amount}, {conditions}, {reasons}, {criteria} (a paragraph of its own: the per-criterion table), {strengths}, {improvements}, {support_offer}, {sign_off}. Aim for sentences of 25 words or fewer.",
    ),
    subject[0],
    salutation[0],
    ...paragraphs.map(([el]) => el),
    support[0],
    signOff[0],
    footer[0],
    h("div", { class: "actions" }, save),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const next: LetterTemplate = {
      subject: subject[1].value,
      salutation: salutation[1].value,
      paragraphs: paragraphs.map(([, box]) => box.value),
      support_offer: support[1].value,
      sign_off: signOff[1].value.split("\n"),
      footer: footer[1].value,
    };
    try {
      await commands.setLetterTemplate(kind, next);
      announce(`${KINDS[kind] ?? kind} template saved. New drafts use it.`);
    } catch (e) {
      const err = asCommandError(e);
      alertError(err.fields.length ? err.fields.map((f) => `${f.field}: ${f.message}`).join(" ") : err.message);
    }
  });
  main.replaceChildren(
    h("p", { class: "crumbs" }, h("a", { href: "#/letters" }, "Feedback letters")),
    h("h1", { tabindex: "-1" }, `${KINDS[kind] ?? kind} letter template`),
    form,
  );
}

// Feedback letters for a round: each letter's state (draft, approved, printed, sent), and
// an editor for one letter's paragraphs with a live warning for sentences over 25 words
// (the rule lives in trellis-core; the shell's long_sentences command applies it).
// "Export approved letters as PDF" writes every approved letter and one combined print
// file into a new folder (the shell's export_letters) and shows where, as text.
// Letters drafted on two laptops offline carry the store's sentences saying what to settle
// (`conflicts`); they are shown in a warning panel, and "Withdraw this letter" (the shell's
// withdraw_letter) sets one aside. The store refuses to approve or print an unsettled or
// withdrawn letter; the screen only reflects that.
import { asCommandError } from "../api";
import { alertError, announce, h } from "../dom";
import { errorElement, refuseBeside, type FieldSlot } from "../forms";
import { settlePanel } from "../settle";
import { facilitatorLaptop, GRANTS_NOT_SENT } from "../sync";
import { facilitatorName, setFacilitatorName } from "../voting/api";
import { currentRound, type LetterContent, type LetterView } from "./api";
import * as commands from "../bindings";

const STATUS: Record<string, string> = { draft: "Draft", approved: "Approved", printed: "Printed", sent: "Sent" };

export async function lettersScreen(main: HTMLElement): Promise<void> {
  const round = await currentRound();
  const heading = h("h1", { tabindex: "-1" }, "Feedback letters");
  if (!round) {
    const empty = (await facilitatorLaptop())
      ? h("p", { class: "empty", "data-testid": "grants-not-sent" }, GRANTS_NOT_SENT)
      : h("p", { class: "empty" }, "No funding round yet.");
    main.replaceChildren(heading, empty);
    return;
  }
  const letters = await commands.listLetters(round.id);
  const rows = letters.map((l) =>
    h(
      "tr",
      { "data-testid": "letter-row", "data-letter": l.id, class: l.withdrawn !== null ? "withdrawn" : undefined },
      h("th", { scope: "row" }, h("a", { href: `#/letters/${l.id}` }, l.organisation_name)),
      h("td", {}, (l.outcome ?? "").replace("_", " ")),
      h(
        "td",
        { "data-testid": "letter-status" },
        l.withdrawn !== null ? `Withdrawn (${l.withdrawn})` : (STATUS[l.status] ?? l.status),
        l.conflicts.length ? h("strong", { class: "overdue" }, " · To settle") : null,
      ),
      h("td", {}, String(l.versions[l.versions.length - 1]?.version ?? "")),
      h("td", {}, l.large_print ? "Large print" : ""),
    ),
  );
  const exportButton = h("button", { type: "button", id: "export-letters", class: "primary" }, "Export approved letters as PDF");
  const exported = h("p", { id: "export-result", "data-testid": "export-result", hidden: true });
  exportButton.addEventListener("click", async () => {
    exportButton.disabled = true;
    exportButton.textContent = "Exporting…";
    try {
      const done = await commands.exportLetters(round.id);
      const letterWord = done.count === 1 ? "letter" : "letters";
      const waiting = done.waiting.length ? `Not approved yet, so not exported: ${done.waiting.join(", ")}.` : "";
      exported.replaceChildren(
        `${done.count} ${letterWord} and the combined print file all-letters.pdf saved in: `,
        h("code", { "data-testid": "export-folder" }, done.folder),
        waiting ? ` ${waiting}` : "",
      );
      exported.hidden = false;
      announce(`${done.count} ${letterWord} saved to ${done.folder}${waiting ? `. ${waiting}` : ""}`);
    } catch (e) {
      exported.hidden = true;
      alertError(`Could not export the letters: ${asCommandError(e).message}. Nothing was saved.`);
    } finally {
      exportButton.disabled = false;
      exportButton.textContent = "Export approved letters as PDF";
    }
  });
  main.replaceChildren(
    heading,
    h("p", {}, `Round: ${round.title}. Every applicant gets a letter, funded or not.`),
    h("p", {}, "Edit the letter templates: ", h("a", { href: "#/templates/funded", id: "edit-template-funded" }, "funded"), ", ", h("a", { href: "#/templates/not_funded", id: "edit-template-not-funded" }, "not funded"), ", ", h("a", { href: "#/templates/waitlisted", id: "edit-template-waitlisted" }, "waitlisted"), "."),
    settlePanel(
      "letters-to-settle",
      "Letters to settle before approving or printing",
      letters.flatMap((l) => l.conflicts.map((c) => ({ key: `${l.id} ${c}`, text: `${l.organisation_name}: ${c}`, link: `#/letters/${l.id}` }))),
    ) ?? "",
    ...(letters.length ? [h("div", { class: "actions" }, exportButton)] : []),
    exported,
    h("p", { "data-testid": "print-hint", class: "hint" }, "Each approved letter becomes one PDF, plus all-letters.pdf to print in one go. From the command line: ", h("code", {}, `trellis letters render "${round.title}" --out DIR`), " (add --combined FILE.pdf for one print file)."),
    letters.length
      ? h(
          "table",
          { id: "letters" },
          h("thead", {}, h("tr", {}, ...["Organisation", "Decision", "State", "Version", ""].map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", {}, ...rows),
        )
      : h("p", { class: "empty" }, `No letters yet. Draft them with: trellis letter draft "${round.title}"`),
  );
}

export function paragraphEditor(id: string, label: string, text: string, onInput: () => void): [HTMLElement, HTMLTextAreaElement] {
  const warning = h("p", { id: `${id}-warning`, class: "field-error", "data-testid": "long-sentence", hidden: true });
  const box = h("textarea", { id, rows: 4, "aria-describedby": `${id}-warning` });
  box.value = text;
  let timer: number | undefined;
  const check = async (): Promise<void> => {
    const long = await commands.longSentences(box.value).catch(() => []);
    warning.textContent = long.map((s) => `This sentence has ${s.words} words (aim for 25 or fewer): “${s.sentence.trim()}”`).join(" ");
    warning.hidden = long.length === 0;
  };
  box.addEventListener("input", () => {
    onInput();
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void check(), 300);
  });
  void check();
  return [h("div", { class: "field" }, h("label", { for: id }, label), warning, box), box];
}

export async function letterScreen(main: HTMLElement, letterId: string): Promise<void> {
  const letter: LetterView = await commands.getLetter(letterId);
  const latest = letter.versions[letter.versions.length - 1];
  if (!latest) throw new Error("this letter has no text yet");
  const content: LetterContent = structuredClone(latest.content);
  let dirty = false;
  const touched = (): void => {
    dirty = true;
    approve.disabled = true;
    approveHint.textContent = "Save your changes before approving.";
  };
  const paragraphs = content.paragraphs.map((p, i) => paragraphEditor(`letter-paragraph-${i}`, `Paragraph ${i + 1}`, p, touched));
  const criteria = content.criteria.map((c, i) => paragraphEditor(`letter-criterion-${i}`, `${c.criterion} (${c.score_words}): panel's comments`, c.comments, touched));
  const closing = content.closing_paragraphs.map((p, i) => paragraphEditor(`letter-closing-${i}`, `Closing paragraph ${i + 1}`, p, touched));
  const save = h("button", { type: "submit", id: "save-letter", class: "primary" }, "Save as a new version");
  const approve = h("button", { type: "button", id: "approve-letter" }, "Approve this version");
  const approveHint = h("p", { class: "hint", id: "approve-hint" }, latest.approved_on ? `Version ${latest.version} was approved on ${latest.approved_on}. Editing makes a new version.` : "");
  // The store refuses these; disabling the button says so before anyone tries.
  if (letter.withdrawn !== null) {
    approve.disabled = true;
    save.disabled = true;
    approveHint.textContent = "This letter was withdrawn: it is kept but can no longer be edited, approved or printed.";
  } else if (letter.conflicts.length) {
    approve.disabled = true;
    approveHint.textContent = "Settle what is listed above before approving this letter.";
  }
  if (latest.clashed) approveHint.append(` Version ${latest.version} was saved with different texts on different laptops, so it is never printed; save a new version to settle it.`);
  const form = h(
    "form",
    { id: "letter-form", novalidate: true },
    h("h2", {}, content.heading),
    h("p", {}, content.salutation),
    ...paragraphs.map(([el]) => el),
    criteria.length ? h("h3", {}, "Feedback on each criterion") : null,
    ...criteria.map(([el]) => el),
    ...closing.map(([el]) => el),
    h("div", { class: "actions" }, save, approve),
    approveHint,
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    content.paragraphs = paragraphs.map(([, box]) => box.value);
    content.criteria = content.criteria.map((c, i) => ({ ...c, comments: criteria[i]?.[1].value ?? c.comments }));
    content.closing_paragraphs = closing.map(([, box]) => box.value);
    try {
      const version = await commands.editLetter(letter.id, content);
      await letterScreen(main, letter.id);
      announce(`Saved as version ${version}.`);
    } catch (e) {
      const err = asCommandError(e);
      alertError(err.fields.length ? err.fields.map((f) => `${f.field}: ${f.message}`).join(" ") : err.message);
    }
  });
  approve.addEventListener("click", async () => {
    if (dirty) return;
    try {
      const version = await commands.approveLetter(letter.id);
      await letterScreen(main, letter.id);
      announce(`Version ${version} approved.`);
    } catch (e) {
      alertError(asCommandError(e).message);
    }
  });
  const withdrawn = letter.withdrawn !== null
    ? h("p", { class: "to-settle", id: "letter-withdrawn", "data-testid": "letter-withdrawn" }, h("strong", {}, "Withdrawn. "), `Reason: ${letter.withdrawn}. The letter is kept but will not be printed or sent.`)
    : "";
  const clashedVersions = letter.versions.filter((v) => v.clashed).map((v) => v.version);
  main.replaceChildren(
    h("p", { class: "crumbs" }, h("a", { href: "#/letters" }, "Feedback letters")),
    h("h1", { tabindex: "-1" }, `Letter to ${letter.organisation_name}`),
    h(
      "p",
      { "data-testid": "letter-state" },
      `State: ${letter.withdrawn !== null ? "Withdrawn" : (STATUS[letter.status] ?? letter.status)}. Version ${latest.version}${latest.clashed ? " (saved with different texts on different laptops)" : ""}.`,
    ),
    withdrawn,
    settlePanel("letter-to-settle", "To settle before this letter is approved or printed", letter.conflicts.map((c) => ({ key: `${letter.id} ${c}`, text: c }))) ?? "",
    clashedVersions.length
      ? h("p", { "data-testid": "clashed-versions", class: "hint" }, `Saved with different texts on different laptops, so never printed: version ${clashedVersions.join(", ")}.`)
      : "",
    letter.withdrawn === null ? withdrawForm(main, letter) : "",
    form,
    h("p", {}, "To save approved letters as PDFs, use “Export approved letters as PDF” on the ", h("a", { href: "#/letters" }, "Feedback letters"), " screen, or the command line: ", h("code", {}, `trellis letter render ${letter.id} --out FILE.pdf`), "."),
  );
}

/**
 * "Withdraw this letter": a reason and who is withdrawing it (both required by the
 * store, which names the field it refuses). A plain form, so Enter in either box or on
 * the button submits.
 */
function withdrawForm(main: HTMLElement, letter: LetterView): HTMLElement {
  const reasonError = errorElement("withdraw-reason-error");
  const byError = errorElement("withdraw-by-error");
  const reason = h("input", { type: "text", id: "withdraw-reason", autocomplete: "off", "aria-describedby": "withdraw-reason-hint" });
  const by = h("input", { type: "text", id: "withdraw-by", autocomplete: "name" });
  by.value = facilitatorName();
  const slots: FieldSlot[] = [
    { field: "reason", focusTarget: () => reason, described: reason, error: reasonError, hintId: "withdraw-reason-hint" },
    { field: "by", focusTarget: () => by, described: by, error: byError },
  ];
  const button = h("button", { type: "submit", id: "withdraw-letter" }, "Withdraw this letter");
  const form = h(
    "form",
    { id: "withdraw-form", novalidate: true, "aria-labelledby": "withdraw-title" },
    h("h2", { id: "withdraw-title" }, "Withdraw this letter"),
    h("p", { class: "hint", id: "withdraw-reason-hint" }, letter.conflicts.length
      ? "When two letters were drafted for one application, keep one and withdraw the other. A withdrawn letter is kept, but never printed or sent."
      : "A withdrawn letter is kept, but never printed or sent."),
    h("div", { class: "field" }, h("label", { for: reason.id }, "Why (required)"), reasonError, reason),
    h("div", { class: "field narrow" }, h("label", { for: by.id }, "Your name (required)"), byError, by),
    h("div", { class: "actions" }, button),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    button.disabled = true;
    try {
      await commands.withdrawLetter(letter.id, reason.value, by.value);
      setFacilitatorName(by.value);
      await letterScreen(main, letter.id);
      announce(`The letter to ${letter.organisation_name} was withdrawn. It is kept but will not be printed.`);
      document.getElementById("letter-withdrawn")?.setAttribute("tabindex", "-1");
      document.getElementById("letter-withdrawn")?.focus();
    } catch (e) {
      button.disabled = false;
      const err = asCommandError(e);
      if (!refuseBeside(slots, err.fields)) alertError(`Could not withdraw the letter: ${err.message}`);
    }
  });
  return form;
}

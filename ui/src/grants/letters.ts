// Feedback letters for a round: each letter's state (draft, approved, printed, sent), and
// an editor for one letter's paragraphs with a live warning for sentences over 25 words
// (the rule lives in trellis-core; the shell's long_sentences command applies it).
// "Export approved letters as PDF" writes every approved letter and one combined print
// file into a new folder (the shell's export_letters) and shows where, as text.
import { asCommandError } from "../api";
import { alertError, announce, h } from "../dom";
import { currentRound, grantsApi, type LetterContent, type LetterView } from "./api";

const STATUS: Record<string, string> = { draft: "Draft", approved: "Approved", printed: "Printed", sent: "Sent" };

export async function lettersScreen(main: HTMLElement): Promise<void> {
  const round = await currentRound();
  const heading = h("h1", { tabindex: "-1" }, "Feedback letters");
  if (!round) {
    main.replaceChildren(heading, h("p", { class: "empty" }, "No funding round yet."));
    return;
  }
  const letters = await grantsApi.listLetters(round.id);
  const rows = letters.map((l) =>
    h(
      "tr",
      { "data-testid": "letter-row" },
      h("th", { scope: "row" }, h("a", { href: `#/letters/${l.id}` }, l.organisation_name)),
      h("td", {}, (l.outcome ?? "").replace("_", " ")),
      h("td", { "data-testid": "letter-status" }, STATUS[l.status] ?? l.status),
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
      const done = await grantsApi.exportLetters(round.id);
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
    const long = await grantsApi.longSentences(box.value).catch(() => []);
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
  const letter: LetterView = await grantsApi.getLetter(letterId);
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
      const version = await grantsApi.editLetter(letter.id, content);
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
      const version = await grantsApi.approveLetter(letter.id);
      await letterScreen(main, letter.id);
      announce(`Version ${version} approved.`);
    } catch (e) {
      alertError(asCommandError(e).message);
    }
  });
  main.replaceChildren(
    h("p", { class: "crumbs" }, h("a", { href: "#/letters" }, "Feedback letters")),
    h("h1", { tabindex: "-1" }, `Letter to ${letter.organisation_name}`),
    h("p", { "data-testid": "letter-state" }, `State: ${STATUS[letter.status] ?? letter.status}. Version ${latest.version}.`),
    form,
    h("p", {}, "To save approved letters as PDFs, use “Export approved letters as PDF” on the ", h("a", { href: "#/letters" }, "Feedback letters"), " screen, or the command line: ", h("code", {}, `trellis letter render ${letter.id} --out FILE.pdf`), "."),
  );
}

// Ballots: the list, and the form for a new one (question, options typed and/or chosen
// from issues, method with its numbers, who may vote, meeting).
import { asCommandError } from "../api";
import { alertError, announce, h } from "../dom";
import { methodName, statusWord, type Eligibility, type Method } from "../voting/api";
import * as commands from "../bindings";

export async function ballots(main: HTMLElement): Promise<void> {
  const rows = await commands.listBallots();
  const body = h("tbody");
  for (const b of rows) {
    body.append(
      h(
        "tr",
        { "data-testid": "ballot-row" },
        h("th", { scope: "row" }, h("a", { href: `#/ballots/${b.id}`, "data-testid": "ballot-link" }, b.question)),
        h("td", {}, methodName(b.method)),
        h("td", {}, statusWord(b.status), b.revealed ? ", results shown" : ""),
        h("td", {}, String(b.votes)),
        h("td", {}, String(b.voided)),
        h("td", {}, String(b.unresolved_conflicts)),
      ),
    );
  }
  if (!rows.length) body.append(h("tr", {}, h("td", { colspan: "6", "data-testid": "ballots-empty" }, "No ballots yet.")));
  main.replaceChildren(
    h(
      "section",
      { "aria-labelledby": "ballots-title" },
      h(
        "div",
        { class: "title-row" },
        h("h1", { id: "ballots-title", tabindex: "-1" }, "Ballots"),
        h("a", { href: "#/ballots/new", id: "new-ballot", class: "button primary" }, "New ballot"),
      ),
      h(
        "table",
        { id: "ballot-table" },
        h("caption", {}, "All ballots"),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ...["Question", "Method", "Status", "Counted votes", "Voided", "Conflicts"].map((c) => h("th", { scope: "col" }, c)),
          ),
        ),
        body,
      ),
    ),
  );
}

function field(id: string, label: string, control: HTMLElement, hint?: string): HTMLElement {
  if (hint) control.setAttribute("aria-describedby", `${id}-hint`);
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    hint ? h("p", { id: `${id}-hint`, class: "hint" }, hint) : null,
    control,
  );
}

export async function newBallot(main: HTMLElement): Promise<void> {
  const [issues, meetings] = await Promise.all([commands.listIssues(false), commands.listMeetings()]);
  const question = h("input", { type: "text", id: "ballot-question" });
  const labels = h("textarea", { id: "ballot-labels", rows: "5" });
  const method = h(
    "select",
    { id: "ballot-method" },
    h("option", { value: "ranked-irv" }, "Ranked choice (instant runoff)"),
    h("option", { value: "plurality" }, "Plurality (one choice)"),
    h("option", { value: "approval" }, "Approval (any number)"),
    h("option", { value: "dots" }, "Dot voting"),
    h("option", { value: "borda" }, "Borda count (ranked)"),
    h("option", { value: "score" }, "Score voting"),
  );
  const perVoter = h("input", { type: "number", id: "ballot-dots", min: "1", value: "5" });
  const perOption = h("input", { type: "number", id: "ballot-dots-max", min: "1", value: "3" });
  const maxScore = h("input", { type: "number", id: "ballot-max-score", min: "1", value: "5" });
  const eligibility = h(
    "select",
    { id: "ballot-eligibility" },
    h("option", { value: "per-organisation" }, "One vote per organisation"),
    h("option", { value: "per-attendee" }, "One vote per attendee of the meeting"),
    h("option", { value: "anonymous-token" }, "Anonymous tokens handed out in the room"),
  );
  const meeting = h(
    "select",
    { id: "ballot-meeting" },
    h("option", { value: "" }, "No meeting"),
    ...meetings.map((m) => h("option", { value: m.id }, `${m.date} ${m.title}`)),
  );
  const issueBoxes = issues.map((i) =>
    h(
      "li",
      {},
      h("input", { type: "checkbox", id: `ballot-issue-${i.id}`, value: i.id, class: "ballot-issue" }),
      h("label", { for: `ballot-issue-${i.id}` }, i.title),
    ),
  );
  const dotsFields = h("div", { id: "dots-fields", hidden: true },
    field("ballot-dots", "Dots per voter", perVoter),
    field("ballot-dots-max", "Most dots on one option", perOption));
  const scoreFields = h("div", { id: "score-fields", hidden: true }, field("ballot-max-score", "Highest score", maxScore));
  method.addEventListener("change", () => {
    dotsFields.hidden = method.value !== "dots";
    scoreFields.hidden = method.value !== "score";
  });
  const errors = h("ul", { id: "ballot-errors", class: "field-error-list", role: "alert" });
  const form = h(
    "form",
    { id: "ballot-form", novalidate: true },
    field("ballot-question", "Question", question, "What the room is asked, e.g. “Which topic should the round address?”"),
    field("ballot-labels", "Options (one per line)", labels, "Typed options come first, then any issues ticked below."),
    h(
      "fieldset",
      {},
      h("legend", {}, "Issues as options"),
      issues.length ? h("ul", { class: "checks" }, ...issueBoxes) : h("p", {}, "No issues raised yet."),
    ),
    field("ballot-method", "Method", method),
    dotsFields,
    scoreFields,
    field("ballot-eligibility", "Who may vote", eligibility),
    field("ballot-meeting", "Meeting", meeting, "Needed for one vote per attendee."),
    errors,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", id: "save-ballot" }, "Create ballot")),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const m: Method =
      method.value === "dots"
        ? { method: "dots", per_voter: Number(perVoter.value), max_per_option: Number(perOption.value) }
        : method.value === "score"
          ? { method: "score", max: Number(maxScore.value) }
          : ({ method: method.value } as Method);
    try {
      const id = await commands.createBallot({
        question: question.value,
        labels: labels.value.split("\n"),
        issue_ids: [...form.querySelectorAll<HTMLInputElement>(".ballot-issue:checked")].map((c) => c.value),
        method: m,
        eligibility: eligibility.value as Eligibility,
        meeting_id: meeting.value,
      });
      announce("Ballot created. Open it to start recording votes.");
      location.hash = `#/ballots/${id}`;
    } catch (e) {
      const err = asCommandError(e);
      errors.replaceChildren(...(err.fields.length ? err.fields.map((f) => h("li", {}, `${f.field}: ${f.message}`)) : [h("li", {}, err.message)]));
      alertError("The ballot was not created; see the problems above the button.");
    }
  });
  main.replaceChildren(
    h(
      "section",
      { "aria-labelledby": "new-ballot-title" },
      h("h1", { id: "new-ballot-title", tabindex: "-1" }, "New ballot"),
      form,
    ),
  );
}

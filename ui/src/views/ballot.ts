// One ballot: its facts, the facilitator's controls (open, close, reveal, projector,
// tokens, paper-ballot import) and, while it is open, the live-capture form.
import { asCommandError } from "../api";
import { alertError, announce, h } from "../dom";
import { facilitatorName, methodName, statusWord, type BallotView } from "../voting/api";
import { liveCapture } from "./live-capture";
import * as commands from "../bindings";

const WHO: Record<string, string> = {
  "per-organisation": "One vote per organisation",
  "per-attendee": "One vote per attendee",
  "anonymous-token": "Anonymous tokens",
};

export async function ballotScreen(main: HTMLElement, id: string): Promise<void> {
  const ballot = await commands.getBallot(id);
  const redraw = (): void => void ballotScreen(main, id).then(() => main.querySelector<HTMLElement>("h1")?.focus());

  const act = async (what: () => Promise<unknown>, done: string): Promise<void> => {
    try {
      await what();
      announce(done);
      redraw();
    } catch (e) {
      alertError(asCommandError(e).message);
    }
  };

  const controls = h("div", { class: "actions" });
  if (ballot.status !== "open") {
    const open = h("button", { type: "button", id: "ballot-open", class: "primary" }, ballot.status === "closed" ? "Reopen voting" : "Open voting");
    open.addEventListener("click", () => void act(() => commands.setBallotStatus(id, "open"), "Voting is open."));
    controls.append(open);
  } else {
    const close = h("button", { type: "button", id: "ballot-close" }, "Close voting");
    close.addEventListener("click", () => void act(() => commands.setBallotStatus(id, "closed"), "Voting is closed."));
    controls.append(close);
  }
  const reveal = h("button", { type: "button", id: "ballot-reveal" }, ballot.revealed ? "Hide results on the projector" : "Reveal results on the projector");
  reveal.addEventListener("click", () =>
    void act(() => commands.revealBallot(id, !ballot.revealed), ballot.revealed ? "Results hidden." : "Results shown on the projector."),
  );
  const projector = h("button", { type: "button", id: "open-projector" }, "Open projector window");
  projector.addEventListener("click", () => void act(() => commands.openProjector(id), "Projector window opened."));
  controls.append(reveal, projector, h("a", { href: `#/ballots/${id}/results`, id: "ballot-results-link", class: "button" }, "Results and audit"));

  main.replaceChildren(
    h(
      "section",
      { "aria-labelledby": "ballot-title", "data-testid": "ballot-screen" },
      h("p", { class: "crumbs" }, h("a", { href: "#/ballots" }, "Ballots")),
      h("h1", { id: "ballot-title", tabindex: "-1" }, ballot.question),
      h(
        "dl",
        { class: "facts", id: "ballot-facts" },
        h("dt", {}, "Status"),
        h("dd", { "data-testid": "ballot-status" }, statusWord(ballot.status)),
        h("dt", {}, "Results"),
        h("dd", { "data-testid": "ballot-revealed" }, ballot.revealed ? "Shown on the projector" : "Hidden"),
        h("dt", {}, "Method"),
        h("dd", {}, methodName(ballot.method)),
        h("dt", {}, "Who may vote"),
        h("dd", {}, WHO[ballot.eligibility] ?? ballot.eligibility),
      ),
      controls,
      ballot.status === "open"
        ? liveCapture(ballot)
        : h("p", { "data-testid": "capture-closed" }, "Open voting to record votes."),
      ballot.eligibility === "anonymous-token" ? tokensSection(ballot) : null,
      importSection(ballot),
    ),
  );
}

function tokensSection(ballot: BallotView): HTMLElement {
  const count = h("input", { type: "number", id: "token-count", min: "1", max: "10000", value: "20" });
  const out = h("ol", { id: "token-list", class: "mono" });
  const button = h("button", { type: "button", id: "issue-tokens" }, "Issue tokens");
  button.addEventListener("click", async () => {
    try {
      const tokens = await commands.issueTokens(ballot.id, Number(count.value));
      out.replaceChildren(...tokens.map((t) => h("li", {}, t)));
      announce(`${tokens.length} tokens issued; write each on a slip.`);
    } catch (e) {
      alertError(asCommandError(e).message);
    }
  });
  return h(
    "section",
    { "aria-labelledby": "tokens-title" },
    h("h2", { id: "tokens-title" }, "Anonymous tokens"),
    h("p", {}, `${ballot.tokens_issued} issued so far.`),
    h("div", { class: "field narrow" }, h("label", { for: "token-count" }, "How many"), count),
    button,
    out,
  );
}

function importSection(ballot: BallotView): HTMLElement {
  const file = h("input", { type: "file", id: "import-file", accept: ".csv,text/csv" });
  const problems = h("ul", { id: "import-problems", role: "alert" });
  const button = h("button", { type: "button", id: "import-votes" }, "Import paper ballots");
  button.addEventListener("click", () => {
    const chosen = file.files?.[0];
    if (!chosen) {
      alertError("Choose a CSV file first.");
      file.focus();
      return;
    }
    const reader = new FileReader();
    reader.onload = async () => {
      try {
        const n = await commands.importVotes(ballot.id, String(reader.result ?? ""), facilitatorName());
        problems.replaceChildren();
        announce(`${n} paper ballots imported.`);
      } catch (e) {
        const err = asCommandError(e);
        problems.replaceChildren(
          h("li", {}, "Nothing was imported."),
          ...(err.fields.length ? err.fields.map((f) => h("li", {}, `${f.field}: ${f.message}`)) : [h("li", {}, err.message)]),
        );
      }
    };
    reader.onerror = () => alertError("That file could not be read.");
    reader.readAsText(chosen);
  });
  return h(
    "section",
    { "aria-labelledby": "import-title" },
    h("h2", { id: "import-title" }, "Import paper ballots (CSV)"),
    h(
      "p",
      { class: "hint", id: "import-hint" },
      "Ranked: voter,choice_1,choice_2,…  Approval: voter,choices (separated by ;).  Dots: voter,option,dots.  Score: voter,option,score. If any row is wrong, nothing is imported and each bad row is listed by line.",
    ),
    h("div", { class: "field" }, h("label", { for: "import-file" }, "CSV file"), file),
    button,
    problems,
  );
}

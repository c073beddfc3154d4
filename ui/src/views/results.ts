// A ballot's results: the tally (IRV round by round with transfers and exhausted ballots),
// turnout, voids, unresolved conflicts with a Resolve action, the audit list, and exports
// shown as text to copy (saving files would need a dialog plugin, which Trellis does not
// grant).
import { asCommandError } from "../api";
import { alertError, announce, h } from "../dom";
import { errorElement, refuseBeside, type FieldSlot } from "../forms";
import { facilitatorName, setFacilitatorName, type AuditRow, type BallotExports, type BallotResult, type ConflictView } from "../voting/api";
import { renderTally, tallyFacts } from "../voting/tally";
import * as commands from "../bindings";

export async function resultsScreen(main: HTMLElement, id: string): Promise<void> {
  const [result, rows] = await Promise.all([commands.ballotResult(id), commands.ballotVotes(id)]);
  const exportArea = h("div", { id: "export-area" });
  const exportButton = (label: string, pick: (e: BallotExports) => string | null, key: string): HTMLElement => {
    const b = h("button", { type: "button", id: `export-${key}` }, label);
    b.addEventListener("click", async () => {
      try {
        const text = pick(await commands.ballotExports(id));
        if (text === null) {
          alertError("That export is only for ranked (instant runoff) ballots.");
          return;
        }
        const area = h("textarea", { id: "export-text", class: "export", readonly: true, "aria-label": `${label} (select all and copy)` });
        area.value = text;
        exportArea.replaceChildren(h("p", { class: "hint" }, "Select all (Ctrl+A) and copy (Ctrl+C), then paste into a file."), area);
        area.focus();
        area.select();
      } catch (e) {
        alertError(asCommandError(e).message);
      }
    });
    return b;
  };
  main.replaceChildren(
    h(
      "section",
      { "aria-labelledby": "results-title", "data-testid": "results-screen" },
      h("p", { class: "crumbs" }, h("a", { href: `#/ballots/${id}` }, "Back to the ballot")),
      h("h1", { id: "results-title", tabindex: "-1" }, `Results: ${result.question}`),
      tallyFacts(result),
      renderTally(result),
      conflicts(result, id, rows),
      h("h2", {}, "Export"),
      h(
        "div",
        { class: "actions" },
        exportButton("Tally CSV", (e) => e.tally_csv, "tally-csv"),
        exportButton("Tally JSON", (e) => e.tally_json, "tally-json"),
        exportButton("Audit CSV", (e) => e.audit_csv, "audit-csv"),
        exportButton("RCTab summary", (e) => e.rctab_json, "rctab"),
      ),
      exportArea,
      auditTable(rows),
    ),
  );
}

function conflicts(result: BallotResult, ballotId: string, rows: AuditRow[]): HTMLElement {
  const section = h("section", { "aria-labelledby": "conflicts-title" }, h("h2", { id: "conflicts-title" }, "Unresolved conflicts"));
  if (!result.unresolved.length) {
    section.append(h("p", { "data-testid": "no-conflicts" }, "None: every voter has at most one counted vote."));
    return section;
  }
  result.unresolved.forEach((c, i) => section.append(conflict(c, i, ballotId, rows)));
  return section;
}

/**
 * One voter's votes from different laptops (or a double entry): the person settling it
 * says why and who they are (both required and kept on the audit list), then keeps one.
 * Their name is asked for here too, since a laptop that only received the votes by sync
 * may never have captured any.
 */
function conflict(c: ConflictView, index: number, ballotId: string, rows: AuditRow[]): HTMLElement {
  const base = `resolve-${index}`;
  const reasonError = errorElement(`${base}-reason-error`);
  const byError = errorElement(`${base}-by-error`);
  const reason = h("input", { type: "text", id: `${base}-reason`, autocomplete: "off" });
  const by = h("input", { type: "text", id: `${base}-by`, autocomplete: "name" });
  by.value = facilitatorName();
  const slots: FieldSlot[] = [
    { field: "reason", focusTarget: () => reason, described: reason, error: reasonError },
    { field: "by", focusTarget: () => by, described: by, error: byError },
  ];
  const box = h(
    "div",
    { class: "conflict", "data-testid": "conflict", "data-voter": c.voter_label },
    h("h3", {}, `${c.voter_label}: ${c.votes.length} votes, none counted until one is kept`),
    h("div", { class: "field narrow" }, h("label", { for: reason.id }, "Reason for the one kept (required)"), reasonError, reason),
    h("div", { class: "field narrow" }, h("label", { for: by.id }, "Your name (required)"), byError, by),
  );
  for (const voteId of c.votes) {
    const row = rows.find((r) => r.id === voteId);
    const keep = h(
      "button",
      { type: "button", "data-testid": "keep-vote", "data-vote-id": voteId },
      `Keep: ${row?.vote_text ?? voteId} (${row?.recorded_at ?? ""}, by ${row?.recorded_by ?? "?"})`,
    );
    keep.addEventListener("click", async () => {
      try {
        await commands.resolveConflict(ballotId, c.voter_key, voteId, reason.value.trim(), by.value.trim());
        setFacilitatorName(by.value);
        await resultsScreen(document.getElementById("main")!, ballotId);
        announce(`Conflict for ${c.voter_label} resolved: one vote kept and counted.`);
        document.getElementById("conflicts-title")?.setAttribute("tabindex", "-1");
        document.getElementById("conflicts-title")?.focus();
      } catch (e) {
        const err = asCommandError(e);
        if (!refuseBeside(slots, err.fields)) alertError(`Could not resolve the conflict: ${err.message}`);
      }
    });
    box.append(h("p", {}, keep));
  }
  return box;
}

function auditTable(rows: AuditRow[]): HTMLElement {
  return h(
    "table",
    { id: "audit-table" },
    h("caption", {}, `Audit list: every vote recorded (${rows.length})`),
    h(
      "thead",
      {},
      h("tr", {}, ...["Recorded (UTC)", "Voter", "Vote", "Channel", "Recorded by", "Laptop", "State"].map((c) => h("th", { scope: "col" }, c))),
    ),
    h(
      "tbody",
      {},
      ...rows.map((r) =>
        h(
          "tr",
          { "data-testid": "audit-row", "data-state": r.state },
          h("td", { class: "date" }, r.recorded_at),
          h("th", { scope: "row" }, r.voter_label),
          h("td", {}, r.vote_text),
          h("td", {}, r.channel),
          h("td", {}, r.recorded_by),
          h("td", { class: "mono" }, r.device_id.slice(0, 8)),
          h("td", {}, r.state, r.void ? `: ${r.void.reason} (by ${r.void.by})` : ""),
        ),
      ),
    ),
  );
}

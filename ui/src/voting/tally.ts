// A ballot's tally as bars and numbers, shared by the results screen and the projector.
// Every number is written as text; the bars only repeat it for people who can see them.
import { h } from "../dom";
import type { BallotResult, OptionCount } from "./api";

function labelOf(result: BallotResult, id: string): string {
  return result.options.find((o) => o.id === id)?.label ?? id;
}

function bars(result: BallotResult, rows: { option: string; value: number; text: string }[], testid: string): HTMLElement {
  const max = Math.max(1, ...rows.map((r) => r.value));
  const list = h("ol", { class: "tally-bars", "data-testid": testid });
  for (const r of rows) {
    const bar = h("span", { class: "tally-bar", "aria-hidden": "true" });
    // CSSOM, not a style attribute, so the strict CSP (style-src 'self') allows it.
    bar.style.width = `${(100 * r.value) / max}%`;
    list.append(
      h(
        "li",
        { "data-testid": "tally-row", "data-option": r.option },
        h("span", { class: "tally-label" }, labelOf(result, r.option)),
        h("span", { class: "tally-track" }, bar),
        h("span", { class: "tally-number", "data-testid": "tally-number" }, r.text),
      ),
    );
  }
  return list;
}

function counts(result: BallotResult, rows: OptionCount[], testid: string): HTMLElement {
  return bars(
    result,
    rows.map((c) => ({ option: c.option, value: c.count, text: String(c.count) })),
    testid,
  );
}

/** The tally for any method; IRV round by round with eliminations and transfers. */
export function renderTally(result: BallotResult): HTMLElement {
  const t = result.tally;
  const out = h("div", { class: "tally", "data-testid": "tally" });
  switch (t.method) {
    case "plurality":
    case "approval":
    case "dots":
    case "borda": {
      out.append(counts(result, t.counts, "tally-counts"));
      if (t.leaders.length && t.turnout > 0) {
        out.append(
          h("p", { class: "tally-leader" }, `Leading: ${t.leaders.map((l) => labelOf(result, l)).join(", ")}`),
        );
      }
      break;
    }
    case "score": {
      out.append(
        bars(
          result,
          t.scores.map((s) => ({
            option: s.option,
            value: s.total,
            text: `${s.total}${s.mean === null ? "" : ` (mean ${s.mean.toFixed(1)})`}`,
          })),
          "tally-counts",
        ),
      );
      break;
    }
    case "ranked-irv": {
      if (t.rounds.length === 0) out.append(h("p", {}, "No ballots counted yet."));
      for (const round of t.rounds) {
        const section = h(
          "section",
          { class: "irv-round", "data-testid": "irv-round", "aria-labelledby": `round-${round.round}` },
          h("h3", { id: `round-${round.round}` }, `Round ${round.round}`),
          counts(result, round.tallies, "tally-counts"),
          h(
            "p",
            { class: "irv-facts" },
            `${round.continuing_ballots} continuing ballots; ${round.majority} needed to win; ${round.exhausted} exhausted.`,
          ),
        );
        if (round.elected) {
          section.append(h("p", { class: "irv-elected" }, `Elected: ${labelOf(result, round.elected)}`));
        }
        if (round.eliminated) {
          const e = round.eliminated;
          const moved = e.transfers
            .filter((x) => x.count > 0)
            .map((x) => `${x.count} to ${labelOf(result, x.option)}`);
          if (e.to_exhausted > 0) moved.push(`${e.to_exhausted} exhausted`);
          section.append(
            h(
              "p",
              { class: "irv-eliminated" },
              `Eliminated: ${labelOf(result, e.option)} (${e.votes} votes)${moved.length ? `; transfers: ${moved.join(", ")}` : ""}.`,
            ),
          );
        }
        out.append(section);
      }
      if (t.winner) out.append(h("p", { class: "tally-leader" }, `Winner: ${labelOf(result, t.winner)}`));
      break;
    }
  }
  return out;
}

/** Turnout, voids and unresolved conflicts in words. */
export function tallyFacts(result: BallotResult): HTMLElement {
  return h(
    "p",
    { class: "tally-facts", "data-testid": "tally-facts" },
    h("span", { "data-testid": "turnout" }, `${result.turnout}`),
    result.turnout === 1 ? " vote counted" : " votes counted",
    `; ${result.voided} voided`,
    result.unresolved.length ? `; ${result.unresolved.length} unresolved conflicts (not counted until resolved)` : "",
    ".",
  );
}

// The shell's meeting, issue and voting commands (src-tauri/src/voting.rs) and the shapes
// they exchange. Field names match the Rust types' serde names.
import type { BallotStatus, Method } from "../bindings";
export type { Attendee, AuditRow, BallotExports, BallotInput, BallotOption, BallotResult, BallotStatus, BallotSummary, BallotView, CastVote, ConflictView, CountTally, Eligibility, Elimination, IrvResult, IrvRound, IssueInput, IssueSource, IssueSummary, KeyedVote, MeetingInput, MeetingSummary, Method, OptionCount, OptionScore, ScoreTally, Tally, VoterChoice } from "../bindings";

export function methodName(m: Method): string {
  switch (m.method) {
    case "plurality":
      return "Plurality (one choice)";
    case "approval":
      return "Approval (any number)";
    case "dots":
      return `Dot voting (${m.per_voter} dots, at most ${m.max_per_option} on one option)`;
    case "ranked-irv":
      return "Ranked choice (instant runoff)";
    case "borda":
      return "Borda count (ranked)";
    case "score":
      return `Score voting (0 to ${m.max})`;
  }
}

export function statusWord(s: BallotStatus): string {
  return s === "open" ? "Open" : s === "closed" ? "Closed" : "Draft";
}

/** The facilitator's name, asked once and kept on this computer, recorded with each vote. */
const FACILITATOR_KEY = "trellis.facilitator";
export function facilitatorName(): string {
  try {
    return localStorage.getItem(FACILITATOR_KEY) ?? "";
  } catch {
    return "";
  }
}
export function setFacilitatorName(name: string): void {
  try {
    localStorage.setItem(FACILITATOR_KEY, name.trim());
  } catch {
    // Storage refused (private mode): the name is kept for this screen only.
  }
}

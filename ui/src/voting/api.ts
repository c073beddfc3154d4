// The shell's meeting, issue and voting commands (src-tauri/src/voting.rs) and the shapes
// they exchange. Field names match the Rust types' serde names.
import { invoke } from "@tauri-apps/api/core";

export type BallotStatus = "draft" | "open" | "closed";
export type Eligibility = "per-organisation" | "per-attendee" | "anonymous-token";

export type Method =
  | { method: "plurality" }
  | { method: "approval" }
  | { method: "dots"; per_voter: number; max_per_option: number }
  | { method: "ranked-irv" }
  | { method: "borda" }
  | { method: "score"; max: number };

export interface MeetingSummary {
  id: string;
  kind: string;
  title: string;
  date: string;
  time: string | null;
  venue: string;
  facilitators: string[];
  attendance: number;
}

export interface MeetingInput {
  kind: string;
  title: string;
  date: string;
  time: string;
  venue: string;
  facilitators: string[];
}

export interface Attendee {
  id: string;
  meeting_id: string;
  organisation_id: string | null;
  organisation_name: string | null;
  name: string;
  walk_in: boolean;
}

export interface IssueSource {
  issue_id: string;
  meeting_id: string | null;
  meeting_title: string | null;
}

export interface IssueSummary {
  id: string;
  title: string;
  description: string;
  communities: string[];
  quotes: string[];
  merged_into: string | null;
  sources: IssueSource[];
  evidence: { id: string; kind: string; text: string; url: string }[];
}

export interface IssueInput {
  title: string;
  description: string;
  meeting_id: string;
  communities: string[];
  quotes: string[];
}

export interface BallotSummary {
  id: string;
  question: string;
  method: Method;
  status: BallotStatus;
  revealed: boolean;
  votes: number;
  voided: number;
  unresolved_conflicts: number;
}

export interface BallotOption {
  id: string;
  label: string;
  issue_id?: string;
}

export interface BallotView {
  id: string;
  question: string;
  options: BallotOption[];
  method: Method;
  eligibility: Eligibility;
  meeting_id?: string;
  opens_at?: string;
  closes_at?: string;
  status: BallotStatus;
  revealed: boolean;
  tokens_issued: number;
  seed: number;
}

export interface BallotInput {
  question: string;
  labels: string[];
  issue_ids: string[];
  method: Method;
  eligibility: Eligibility;
  meeting_id: string;
}

export interface VoterChoice {
  reference: string;
  label: string;
  detail: string;
}

export interface KeyedVote {
  ballot_id: string;
  voter: string;
  choices: string[];
  amounts: [string, number][];
  paper: boolean;
  recorded_by: string;
}

export interface CastVote {
  vote_id: string;
  voter_label: string;
  vote_text: string;
}

export interface OptionCount {
  option: string;
  count: number;
}

export interface CountTally {
  turnout: number;
  counts: OptionCount[];
  leaders: string[];
}

export interface OptionScore {
  option: string;
  total: number;
  mean: number | null;
  scored_by: number;
}

export interface ScoreTally {
  turnout: number;
  max_score: number;
  scores: OptionScore[];
  leaders: string[];
}

export interface Elimination {
  option: string;
  votes: number;
  tie_break: unknown;
  transfers: OptionCount[];
  to_exhausted: number;
}

export interface IrvRound {
  round: number;
  tallies: OptionCount[];
  continuing_ballots: number;
  exhausted: number;
  majority: number;
  elected: string | null;
  eliminated: Elimination | null;
}

export interface IrvResult {
  rule_set: string;
  outcome: unknown;
  seed: number;
  turnout: number;
  blank_ballots: number;
  rounds: IrvRound[];
  winner: string | null;
  rules: string[];
  lot_drawn: boolean;
}

export type Tally =
  | ({ method: "plurality" | "approval" | "dots" | "borda" } & CountTally)
  | ({ method: "score" } & ScoreTally)
  | ({ method: "ranked-irv" } & IrvResult);

export interface ConflictView {
  voter_key: string;
  voter_label: string;
  votes: string[];
}

export interface BallotResult {
  ballot_id: string;
  question: string;
  status: BallotStatus;
  revealed: boolean;
  options: BallotOption[];
  tally: Tally;
  turnout: number;
  voided: number;
  unresolved: ConflictView[];
  seed: number;
}

export interface AuditRow {
  id: string;
  voter_label: string;
  voter: { kind: string; reference: string };
  vote: unknown;
  channel: "live" | "paper" | "import";
  recorded_by: string;
  device_id: string;
  recorded_at: string;
  state: "counted" | "voided" | "conflict" | "superseded";
  void: { reason: string; by: string; at: string } | null;
  vote_text: string;
}

export interface BallotExports {
  tally_csv: string;
  tally_json: string;
  audit_csv: string;
  rctab_json: string | null;
}

export const votingApi = {
  listMeetings: () => invoke<MeetingSummary[]>("list_meetings"),
  addMeeting: (input: MeetingInput) => invoke<string>("add_meeting", { input }),
  listAttendance: (meetingId: string) => invoke<Attendee[]>("list_attendance", { meetingId }),
  attend: (meetingId: string, organisationId: string, name: string, walkIn: boolean) =>
    invoke<string>("attend", { meetingId, organisationId, name, walkIn }),
  listIssues: (includeMerged: boolean) => invoke<IssueSummary[]>("list_issues", { includeMerged }),
  raiseIssue: (input: IssueInput) => invoke<string>("raise_issue", { input }),
  mergeIssues: (from: string, into: string) => invoke<void>("merge_issues", { from, into }),
  listBallots: () => invoke<BallotSummary[]>("list_ballots"),
  getBallot: (id: string) => invoke<BallotView>("get_ballot", { id }),
  createBallot: (input: BallotInput) => invoke<string>("create_ballot", { input }),
  setBallotStatus: (id: string, status: "open" | "closed") => invoke<void>("set_ballot_status", { id, status }),
  revealBallot: (id: string, revealed: boolean) => invoke<void>("reveal_ballot", { id, revealed }),
  issueTokens: (id: string, count: number) => invoke<string[]>("issue_tokens", { id, count }),
  voterSuggestions: (ballotId: string, query: string) =>
    invoke<VoterChoice[]>("voter_suggestions", { ballotId, query }),
  castVote: (input: KeyedVote) => invoke<CastVote>("cast_vote", { input }),
  voidVote: (ballotId: string, voteId: string, reason: string, by: string) =>
    invoke<void>("void_vote", { ballotId, voteId, reason, by }),
  resolveConflict: (ballotId: string, voterKey: string, keep: string, reason: string, by: string) =>
    invoke<void>("resolve_conflict", { ballotId, voterKey, keep, reason, by }),
  importVotes: (ballotId: string, text: string, recordedBy: string) =>
    invoke<number>("import_votes", { ballotId, text, recordedBy }),
  ballotResult: (id: string) => invoke<BallotResult>("ballot_result", { id }),
  ballotVotes: (id: string) => invoke<AuditRow[]>("ballot_votes", { id }),
  ballotExports: (id: string) => invoke<BallotExports>("ballot_exports", { id }),
  openProjector: (ballotId: string) => invoke<void>("open_projector", { ballotId }),
};

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

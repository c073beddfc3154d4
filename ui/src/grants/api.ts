// The shell's round, scoring, moderation, decision and letter commands
// (src-tauri/src/grants.rs) and the shapes they exchange. Field names match the Rust
// types' serde names.
import { invoke } from "@tauri-apps/api/core";

/// A letter template (trellis_core::letter::template::Template): text with placeholders.
export interface LetterTemplate {
  subject: string;
  salutation: string;
  paragraphs: string[];
  support_offer: string;
  sign_off: string[];
  footer: string;
}

export type PanelRole = "assessor" | "chair" | "staff";

export interface Criterion {
  id: string;
  title: string;
  weight: number;
  scale_min: number;
  scale_max: number;
  descriptors: string[];
  guidance: string;
}

export interface RoundView {
  id: string;
  title: string;
  topic: string;
  ballot_id: string | null;
  budget_gbp: number;
  min_grant_gbp: number;
  max_grant_gbp: number;
  core_funding_allowed: boolean;
  small_org_priority: boolean;
  small_org_threshold_gbp: number;
  opens_on: string;
  closes_on: string;
  questions: string[];
  rubric: { criteria: Criterion[] };
}

export interface PanelMember {
  id: string;
  name: string;
  role: PanelRole;
}

export interface Score {
  criterion_id: string;
  value: number;
  justification: string;
}

export interface WeightedTotal {
  on_scale: number;
  scale_min: number;
  scale_max: number;
  percent_of_max: number;
}

export type Outcome =
  | { kind: "funded"; amount_gbp: number; conditions: string }
  | { kind: "not_funded" }
  | { kind: "waitlisted" };

export interface Decision {
  application_id: string;
  outcome: Outcome;
  reasons: string;
}

export interface Attachment {
  sha256: string;
  file_name: string;
  media_type: string;
  size_bytes: number;
}

export interface ApplicationSummary {
  id: string;
  round_id: string;
  organisation_id: string;
  organisation_name: string;
  small_org: boolean | null;
  led_by: string[];
  formats: string[];
  answers: string[];
  summary: string;
  amount_gbp: number;
  core_funding: boolean;
  received_on: string;
  attachments: Attachment[];
  support: { application_id: string; date: string; kind: string; by: string }[];
  assessors: PanelMember[];
  declarations: { assessor_id: string; assessor_name: string; conflicted: boolean; note: string }[];
  agreed: { application_id: string; scores: Score[]; note: string } | null;
  agreed_total: WeightedTotal | null;
  decision: Decision | null;
  conflicts: FactConflict[];
}

/** Decisions, agreed scores or one assessor's scores recorded on two laptops without
 * either seeing the other; the sentence comes from trellis-store. */
export interface FactConflict {
  kind: "decision" | "agreed_scores" | "scores";
  application_id: string;
  organisation_name: string;
  assessor_id: string | null;
  assessor_name: string | null;
  rivals: { id: string; standing: boolean; summary: string }[];
  message: string;
}

export interface SheetView {
  application_id: string;
  assessor_id: string;
  assessor_name: string;
  submitted: boolean;
  scores: Score[];
  total: WeightedTotal | null;
  revisions: string[];
}

export interface CriterionRow {
  criterion_id: string;
  title: string;
  weight: number;
  values: (number | null)[];
  mean: number | null;
  spread: number | null;
  std_dev: number | null;
  disagreement: boolean;
}

export type Flag =
  | { flag: "disagreement"; criterion_id: string; spread: number; threshold: number }
  | { flag: "outlier"; assessor_id: string; weighted_total: number; others_mean: number; threshold: number };

export interface ApplicationModeration {
  application_id: string;
  assessors: { assessor_id: string; weighted_total: number | null }[];
  criteria: CriterionRow[];
  mean_total: number | null;
  flags: Flag[];
}

export interface ModerationReport {
  applications: ApplicationModeration[];
  flagged: number;
  alpha: { status: "defined"; value: number; pairable_values: number } | { status: "undefined"; reason: string };
  reading: string;
  reading_text: string;
}

export interface AllocationLine {
  rank: number;
  application_id: string;
  agreed_score: number;
  amount_gbp: number;
  priority: boolean;
  outcome: { outcome: "funded" } | { outcome: "does_not_fit"; remaining_gbp: number } | { outcome: "not_reached" };
  remaining_after_gbp: number;
}

export interface AllocationView {
  budget_gbp: number;
  small_core_priority: boolean;
  lines: AllocationLine[];
  funded_total_gbp: number;
  remaining_gbp: number;
  first_not_funded: string | null;
  not_yet_agreed: string[];
  conflicts: FactConflict[];
}

export interface DecisionInput {
  application_id: string;
  outcome: string;
  amount_gbp: string;
  conditions: string;
  reasons: string;
}

export interface RoundNumbers {
  applications: number;
  decided: number;
  funded: number;
  not_funded: number;
  waitlisted: number;
  success_rate: number | null;
  asked_total_gbp: number;
  awarded_total_gbp: number;
  awarded_to_small_orgs_gbp: number;
  share_to_small_orgs: number | null;
  awarded_to_orgs_led_by_communities_served_gbp: number;
  share_to_orgs_led_by_communities_served: number | null;
}

export interface CriterionFeedback {
  criterion: string;
  score_words: string;
  comments: string;
}

export interface LetterContent {
  recipient: string[];
  salutation: string;
  heading: string;
  paragraphs: string[];
  criteria: CriterionFeedback[];
  closing_paragraphs: string[];
  sign_off: string[];
  footer: string;
}

export type LetterStatus = "draft" | "approved" | "printed" | "sent";

export interface LetterView {
  id: string;
  application_id: string;
  organisation_id: string;
  organisation_name: string;
  outcome: string | null;
  status: LetterStatus;
  large_print: boolean;
  /** `clashed`: this version number was saved with other texts on other laptops; never printed. */
  versions: { version: number; content: LetterContent; approved_on: string | null; clashed: boolean }[];
  states: { version: number; state: string; date: string; how: string | null }[];
  /** Sentences saying what a person must settle first (two letters, a clashed version). */
  conflicts: string[];
  /** Why the letter was withdrawn (kept, never printed), or null. */
  withdrawn: string | null;
}

/** What `export_letters` wrote: a new folder with one PDF per approved letter and all-letters.pdf. */
export interface LettersExport {
  folder: string;
  count: number;
  files: string[];
  waiting: string[];
}

export interface LongSentence {
  sentence: string;
  words: number;
}

export const grantsApi = {
  listRounds: () => invoke<RoundView[]>("list_rounds"),
  getRound: (roundId: string) => invoke<RoundView>("get_round", { roundId }),
  listPanelMembers: () => invoke<PanelMember[]>("list_panel_members"),
  listApplications: (roundId: string) => invoke<ApplicationSummary[]>("list_applications", { roundId }),
  getApplication: (applicationId: string) => invoke<ApplicationSummary>("get_application", { applicationId }),
  myAssignments: (personId: string) => invoke<ApplicationSummary[]>("my_assignments", { personId }),
  declareConflict: (applicationId: string, personId: string, conflicted: boolean, note: string) =>
    invoke<void>("declare_conflict", { applicationId, personId, conflicted, note }),
  saveScoreDraft: (applicationId: string, personId: string, scores: Score[]) =>
    invoke<void>("save_score_draft", { applicationId, personId, scores }),
  submitScores: (applicationId: string, personId: string, scores: Score[]) =>
    invoke<void>("submit_scores", { applicationId, personId, scores }),
  reviseScores: (applicationId: string, personId: string, scores: Score[], reason: string) =>
    invoke<void>("revise_scores", { applicationId, personId, scores, reason }),
  scoreSheets: (applicationId: string, personId: string) =>
    invoke<SheetView[]>("score_sheets", { applicationId, personId }),
  moderationReport: (roundId: string) => invoke<ModerationReport>("moderation_report", { roundId }),
  roundAllocation: (roundId: string) => invoke<AllocationView>("round_allocation", { roundId }),
  recordDecision: (input: DecisionInput) => invoke<string>("record_decision", { input }),
  roundNumbers: (roundId: string) => invoke<RoundNumbers>("round_numbers", { roundId }),
  listLetters: (roundId: string) => invoke<LetterView[]>("list_letters", { roundId }),
  getLetter: (letterId: string) => invoke<LetterView>("get_letter", { letterId }),
  editLetter: (letterId: string, content: LetterContent) => invoke<number>("edit_letter", { letterId, content }),
  approveLetter: (letterId: string) => invoke<number>("approve_letter", { letterId }),
  withdrawLetter: (letterId: string, reason: string, by: string) =>
    invoke<string>("withdraw_letter", { letterId, reason, by }),
  longSentences: (text: string) => invoke<LongSentence[]>("long_sentences", { text }),
  getLetterTemplate: (kind: string) => invoke<LetterTemplate>("get_letter_template", { kind }),
  setLetterTemplate: (kind: string, template: LetterTemplate) => invoke<void>("set_letter_template", { kind, template }),
  exportLetters: (roundId: string) => invoke<LettersExport>("export_letters", { roundId }),
};

export function pounds(n: number): string {
  return `£${n.toLocaleString("en-GB")}`;
}

/** The round screens default to the newest round. */
export async function currentRound(): Promise<RoundView | null> {
  const rounds = await grantsApi.listRounds();
  return rounds[rounds.length - 1] ?? null;
}

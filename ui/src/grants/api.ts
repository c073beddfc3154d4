// The shell's round, scoring, moderation, decision and letter commands
// (src-tauri/src/grants.rs) and the shapes they exchange. Field names match the Rust
// types' serde names.
import type { AttachmentRef, PanelMemberView, RoundView, Template } from "../bindings";
import * as commands from "../bindings";
export type { AllocationLine, AllocationView, ApplicationModeration, ApplicationSummary, Criterion, CriterionFeedback, CriterionRow, Decision, DecisionInput, FactConflict, Flag, LetterContent, LetterStatus, LetterView, LettersExport, LongSentence, ModerationReport, Outcome, PanelRole, RoundNumbers, RoundView, Score, SheetView, WeightedTotal } from "../bindings";
export type Attachment = AttachmentRef;
export type LetterTemplate = Template;
export type PanelMember = PanelMemberView;

export function pounds(n: number): string {
  return `£${n.toLocaleString("en-GB")}`;
}

/** The round screens default to the newest round. */
export async function currentRound(): Promise<RoundView | null> {
  const rounds = await commands.listRounds();
  return rounds[rounds.length - 1] ?? null;
}

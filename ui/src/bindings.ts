// Generated from the Rust types by src-tauri/src/ipc.rs and src/command_list.rs: do not
// edit. `TRELLIS_UPDATE_BINDINGS=1 cargo test -p trellis-app bindings` rewrites it;
// without the variable that test fails while this file is stale.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";

export type AgreedScores = { application_id: string, scores: Array<Score>, note: string, };

export type AgreementReading = "strong" | "tentative" | "weak" | "cannot_be_measured";

export type AllocationLine = { 
/**
 * 1 for the first in the list.
 */
rank: number, application_id: string, agreed_score: number, amount_gbp: number, 
/**
 * Moved ahead as a small organisation's core-funding bid.
 */
priority: boolean, outcome: LineOutcome, 
/**
 * Budget left after this line.
 */
remaining_after_gbp: number, };

export type AllocationView = { 
/**
 * Applications with no agreed scores yet, left out of the suggestion.
 */
not_yet_agreed: Array<string>, 
/**
 * Decisions or agreed scores recorded twice on different laptops: only the standing
 * one is counted here, and these name what a person must settle.
 */
conflicts: Array<FactConflict>, budget_gbp: number, small_core_priority: boolean, lines: Array<AllocationLine>, funded_total_gbp: number, remaining_gbp: number, 
/**
 * The first bid in rank order that is not funded: "the next application does not fit".
 */
first_not_funded: string | null, };

export type Alpha = { "status": "defined", value: number, 
/**
 * Values in units coded by two or more observers (`n` in Krippendorff 2011).
 */
pairable_values: number, } | { "status": "undefined", reason: Undefined, };

export type AppStatus = { 
/**
 * No organisations yet: the UI offers the demo data.
 */
empty: boolean, today: string, programme_name: string, };

export type ApplicationModeration = { application_id: string, assessors: Array<AssessorColumn>, criteria: Array<CriterionRow>, 
/**
 * The mean of the assessors' weighted totals.
 */
mean_total: number | null, flags: Array<Flag>, };

export type ApplicationSummary = { id: string, organisation_name: string, small_org: boolean | null, led_by: Array<string>, attachments: Array<AttachmentRef>, support: Array<SupportFields>, assessors: Array<PanelMemberView>, declarations: Array<DeclarationView>, agreed: AgreedScores | null, agreed_total: WeightedTotal | null, decision: Decision | null, 
/**
 * Decisions, agreed scores or an assessor's scores recorded for this application on
 * two laptops without either seeing the other, for a person to settle.
 */
conflicts: Array<FactConflict>, round_id: string, organisation_id: string, 
/**
 * At least one, sorted, no repeats.
 */
formats: Array<Format>, answers: Array<string>, summary: string, amount_gbp: number, core_funding: boolean, received_on: string, };

export type Area = "organisations" | "contacts" | "meetings" | "attendance" | "issues" | "ballots" | "votes" | "rounds" | "applications" | "panel" | "scores" | "moderation" | "decisions" | "letters" | "settings" | "attachments";

export type AssessorColumn = { assessor_id: string, weighted_total: number | null, };

export type AttachmentRef = { 
/**
 * 64 lower-case hex digits.
 */
sha256: string, file_name: string, 
/**
 * For example "audio/mpeg", "video/mp4", "application/pdf".
 */
media_type: string, size_bytes: number, };

export type Attendee = { id: string, meeting_id: string, organisation_id: string | null, organisation_name: string | null, name: string, walk_in: boolean, };

export type AuditRow = { vote_text: string, id: string, voter: Voter, voter_label: string, vote: Vote, channel: Channel, recorded_by: string, device_id: string, recorded_at: string, state: VoteState, void: VoidInfo | null, };

export type BallotExports = { tally_csv: string, 
/**
 * Pretty-printed, with the counting summary and the seed.
 */
tally_json: string, audit_csv: string, 
/**
 * RCTab-style round-by-round summary; ranked (IRV) ballots only.
 */
rctab_json: string | null, };

export type BallotInput = { question: string, 
/**
 * Typed option labels, in order; blank ones are dropped.
 */
labels: Array<string>, 
/**
 * Issues offered as options, after the typed labels (ids).
 */
issue_ids: Array<string>, method: Method, eligibility: Eligibility, 
/**
 * The meeting whose attendees vote (id or title); empty for none.
 */
meeting_id: string, opens_at?: string, closes_at?: string, 
/**
 * The seed for any lot the count draws; a fresh one when none is given. It is
 * stored with the ballot and published with the result.
 */
seed?: number, };

export type BallotOption = { id: OptionId, label: string, 
/**
 * The issue this option stands for, on a topic ballot.
 */
issue_id?: string | null, };

export type BallotResult = { ballot_id: string, question: string, status: BallotStatus, revealed: boolean, options: Array<BallotOption>, tally: Tally, turnout: number, voided: number, unresolved: Array<ConflictView>, seed: number, };

export type BallotStatus = "draft" | "open" | "closed";

export type BallotSummary = { id: string, question: string, method: Method, status: BallotStatus, revealed: boolean, votes: number, voided: number, unresolved_conflicts: number, };

export type BallotView = { id: string, status: BallotStatus, revealed: boolean, tokens_issued: number, question: string, options: Array<BallotOption>, method: Method, eligibility: Eligibility, meeting_id?: string | null, 
/**
 * Local times as the facilitator typed them; informational, shown with the results.
 */
opens_at?: string | null, closes_at?: string | null, 
/**
 * Seed for any lot an IRV count has to draw, fixed when the ballot is made and
 * published with the result so anyone can repeat the count.
 */
seed: number, };

export type CastVote = { vote_id: string, voter_label: string, vote_text: string, };

export type ChangeSource = "here" | "sync";

export type ChangedEvent = { source: ChangeSource, 
/**
 * Every area a committed change wrote records in (`trellis_core::area::areas_of`).
 */
areas: Array<Area>, 
/**
 * Ballots whose state or votes changed: created, opened or closed, revealed, tokens
 * issued, a vote cast, voided or resolved, here or on another laptop.
 */
ballots: Array<string>, };

export type Channel = "live" | "paper" | "import";

export type Choice = { code: string, label: string, };

export type CommandError = { kind: ErrorKind, message: string, fields: Array<FieldError>, };

export type ConflictView = { voter_key: string, voter_label: string, votes: Array<string>, };

export type Contact = { id: string, organisation_id: string, date: string, kind: ContactKind, by: string, notes: string, follow_up: string | null, };

export type ContactInput = { organisation_id: string, date: string, kind: string, by: string, notes: string, follow_up: string, };

export type ContactKind = "visit" | "call" | "meeting" | "email" | "event";

export type CountTally = { 
/**
 * Votes counted.
 */
turnout: number, 
/**
 * Every option on the ballot, in ballot order (plurality: votes; approval: voters who
 * approved it; dots: dots; Borda: points).
 */
counts: Array<OptionCount>, 
/**
 * The option(s) with the highest count, in ballot order; more than one is a tie; empty
 * when no option has anything.
 */
leaders: Array<OptionId>, };

export type Criterion = { 
/**
 * A short stable name, lower-case letters, digits and hyphens ("need", "plan").
 */
id: string, title: string, 
/**
 * Relative weight, 1 to 1,000; normalised by the sum of all weights.
 */
weight: number, scale_min: number, scale_max: number, 
/**
 * One descriptor per level, lowest first: `scale_max - scale_min + 1` of them.
 */
descriptors: Array<string>, guidance: string, };

export type CriterionFeedback = { criterion: string, 
/**
 * The agreed score's descriptor, in words.
 */
score_words: string, 
/**
 * What the panel said.
 */
comments: string, };

export type CriterionRow = { criterion_id: string, title: string, weight: number, 
/**
 * One per assessor, in the order of [`ApplicationModeration::assessors`]; `None` where
 * a submitted sheet somehow lacks the criterion.
 */
values: Array<number | null>, mean: number | null, spread: number | null, std_dev: number | null, disagreement: boolean, };

export type Decision = { application_id: string, outcome: Outcome, 
/**
 * Why, in plain English: this is what the applicant's letter builds on.
 */
reasons: string, };

export type DecisionInput = { application_id: string, 
/**
 * "funded", "not funded" or "waitlisted".
 */
outcome: string, 
/**
 * Only for a funded application.
 */
amount_gbp: string, conditions: string, reasons: string, };

export type DeclarationView = { assessor_id: string, assessor_name: string, conflicted: boolean, note: string, };

export type DeiCode = { code: string, title: string, description: string, };

export type Delivery = "post" | "email" | "hand";

export type DotsOn = { option: OptionId, dots: number, };

export type Eligibility = "per-organisation" | "per-attendee" | "anonymous-token";

export type Elimination = { option: OptionId, 
/**
 * Its votes in this round (the fewest).
 */
votes: number, 
/**
 * Present when several options shared the fewest votes.
 */
tie_break: TieBreak | null, 
/**
 * Ballots passed on, per receiving option in ballot order (only options that received
 * some). They are counted in the next round.
 */
transfers: Array<OptionCount>, 
/**
 * Ballots that had no continuing choice left and became exhausted.
 */
to_exhausted: number, };

export type ErrorKind = "invalid" | "not_found" | "store" | "sync";

export type Evidence = { id: string, kind: EvidenceKind, text: string, url: string, attachment: AttachmentRef | null, };

export type EvidenceKind = "text" | "link" | "quote" | "file";

export type FactConflict = { kind: FactKind, application_id: string, organisation_name: string, 
/**
 * For scores: whose.
 */
assessor_id: string | null, assessor_name: string | null, 
/**
 * The rival records, oldest by clock first.
 */
rivals: Array<RivalView>, 
/**
 * What happened and what to do, in plain English.
 */
message: string, };

export type FactKind = "decision" | "agreed_scores" | "scores";

export type FieldError = { field: string, message: string, };

export type Flag = { "flag": "disagreement", criterion_id: string, spread: number, threshold: number, } | { "flag": "outlier", assessor_id: string, weighted_total: number, others_mean: number, threshold: number, };

export type Format = "written" | "audio" | "video" | "conversation";

export type IncomeBand = "unknown" | "under-10k" | "10k-25k" | "25k-50k" | "50k-100k" | "100k-250k" | "250k-500k" | "500k-1m" | "over-1m";

export type IrvOutcome = { "kind": "elected", winner: OptionId, round: number, } | { "kind": "no-ballots" } | { "kind": "no-continuing-ballots" };

export type IrvResult = { 
/**
 * [`RULE_SET`].
 */
rule_set: string, 
/**
 * [`RULES`], so a published result carries its own rules.
 */
rules: Array<string>, 
/**
 * Ballots counted (voided votes are not passed in).
 */
turnout: number, 
/**
 * Ballots that ranked nothing (exhausted from round 1; included in `turnout`).
 */
blank_ballots: number, rounds: Array<IrvRound>, winner: OptionId | null, outcome: IrvOutcome, 
/**
 * The seed any lot was (or would have been) drawn from.
 */
seed: number, 
/**
 * Whether any tie was settled by lot.
 */
lot_drawn: boolean, };

export type IrvRound = { 
/**
 * 1 for the first round.
 */
round: number, 
/**
 * Votes for each continuing option, in ballot order (eliminated options are left out).
 */
tallies: Array<OptionCount>, 
/**
 * Ballots counting for some continuing option (the sum of `tallies`).
 */
continuing_ballots: number, 
/**
 * Ballots exhausted so far, blank ballots included: `continuing_ballots + exhausted ==
 * turnout` in every round.
 */
exhausted: number, 
/**
 * Votes needed to win this round: `floor(continuing_ballots / 2) + 1`.
 */
majority: number, 
/**
 * The winner, in the last round when there is one.
 */
elected: OptionId | null, 
/**
 * The option eliminated at the end of this round, and where its ballots went.
 */
eliminated: Elimination | null, };

export type IssueInput = { title: string, description: string, meeting_id: string, communities: Array<string>, quotes: Array<string>, };

export type IssueSource = { issue_id: string, meeting_id: string | null, meeting_title: string | null, };

export type IssueSummary = { id: string, title: string, description: string, communities: Array<string>, quotes: Array<string>, merged_into: string | null, 
/**
 * Where it was raised: its own meeting and those of every issue merged into it.
 */
sources: Array<IssueSource>, evidence: Array<Evidence>, };

export type KeyedVote = { 
/**
 * The ballot's id (or, typed, its question).
 */
ballot_id: string, 
/**
 * An organisation or attendee id from the suggestions, a name, or a token.
 */
voter: string, choices: Array<string>, amounts: Array<[string, number]>, paper: boolean, recorded_by: string, };

export type LetterContent = { recipient: Array<string>, salutation: string, heading: string, paragraphs: Array<string>, criteria: Array<CriterionFeedback>, closing_paragraphs: Array<string>, sign_off: Array<string>, footer: string, };

export type LetterState = "printed" | "sent";

export type LetterStateView = { version: number, state: LetterState, date: string, how: Delivery | null, };

export type LetterStatus = "draft" | "approved" | "printed" | "sent";

export type LetterVersionView = { version: number, content: LetterContent, 
/**
 * The letter's date once this version is approved.
 */
approved_on: string | null, 
/**
 * This version number was also saved with other texts on other laptops: it is never
 * the one printed, approved or not (a later version settles it).
 */
clashed: boolean, };

export type LetterView = { id: string, application_id: string, organisation_id: string, organisation_name: string, outcome: OutcomeKind | null, status: LetterStatus, large_print: boolean, 
/**
 * Oldest first; the last is the current text.
 */
versions: Array<LetterVersionView>, states: Array<LetterStateView>, 
/**
 * What a person must settle before this letter is approved, printed or sent: two
 * letters for one application, or one version saved with two texts, on two laptops
 * offline. Empty when there is nothing to settle.
 */
conflicts: Array<string>, 
/**
 * Why the letter was withdrawn, if it was (kept, never printed).
 */
withdrawn: string | null, };

export type LettersExport = { 
/**
 * The new folder, `<base>/<round title> <date>`.
 */
folder: string, 
/**
 * How many letters (one PDF each), not counting the combined file.
 */
count: number, 
/**
 * File names in the folder: one per letter, then `all-letters.pdf`.
 */
files: Array<string>, 
/**
 * Organisations whose letter is not approved yet, so not exported.
 */
waiting: Array<string>, };

export type LineOutcome = { "outcome": "funded" } | { "outcome": "does_not_fit", remaining_gbp: number, } | { "outcome": "not_reached" };

export type LongSentence = { sentence: string, words: number, };

export type MeetingInput = { kind: string, title: string, date: string, time: string, venue: string, facilitators: Array<string>, };

export type MeetingKind = "forum" | "special-interest-group" | "assembly" | "blue-sky-workshop" | "topic-workshop";

export type MeetingSummary = { id: string, kind: MeetingKind, title: string, date: string, time: string | null, venue: string, facilitators: Array<string>, attendance: number, };

export type Method = { "method": "plurality" } | { "method": "approval" } | { "method": "dots", per_voter: number, max_per_option: number, } | { "method": "ranked-irv" } | { "method": "borda" } | { "method": "score", max: number, };

export type ModerationReport = { 
/**
 * One per application with at least one submitted sheet, in order of application id.
 */
applications: Array<ApplicationModeration>, flagged: number, 
/**
 * Krippendorff's alpha, interval metric, over (application, criterion) units.
 */
alpha: Alpha, reading: AgreementReading, reading_text: string, };

export type OptionCount = { option: OptionId, count: number, };

export type OptionId = string;

export type OptionScore = { option: OptionId, 
/**
 * Sum of all scores given to the option (unscored counts as 0).
 */
total: number, 
/**
 * `total / turnout`: the mean over every vote, unscored counting as 0. `None` when no
 * votes were counted.
 */
mean: number | null, 
/**
 * How many votes gave this option an explicit score (including an explicit 0).
 */
scored_by: number, };

export type OrganisationDetail = { address: string, communities_served: Array<string>, contacts: Array<Contact>, id: string, name: string, org_ref: string, postcode: string, income_band: IncomeBand, 
/**
 * Derived from the income band and the programme's threshold; `None` when the band
 * does not settle it.
 */
small: boolean | null, led_by: Array<string>, last_contact: string | null, overdue_follow_up: string | null, next_follow_up: string | null, };

export type OrganisationInput = { name: string, org_ref: string, address: string, postcode: string, income_band: string, led_by: Array<string>, communities_served: Array<string>, };

export type OrganisationSummary = { id: string, name: string, org_ref: string, postcode: string, income_band: IncomeBand, 
/**
 * Derived from the income band and the programme's threshold; `None` when the band
 * does not settle it.
 */
small: boolean | null, led_by: Array<string>, last_contact: string | null, overdue_follow_up: string | null, next_follow_up: string | null, };

export type Outcome = { "kind": "funded", amount_gbp: number, 
/**
 * Conditions of the grant, if any (blank for none).
 */
conditions: string, } | { "kind": "not_funded" } | { "kind": "waitlisted" };

export type OutcomeKind = "funded" | "not_funded" | "waitlisted";

export type PanelMemberView = { id: string, name: string, role: PanelRole, };

export type PanelRole = "assessor" | "chair" | "staff";

export type ReferenceLists = { income_bands: Array<Choice>, contact_kinds: Array<Choice>, dei_codes: Array<DeiCode>, };

export type RivalView = { id: string, 
/**
 * The one counted for now (the latest by clock).
 */
standing: boolean, 
/**
 * The decision's outcome or the agreed note; blank for an assessor's scores, which
 * this view never shows (the blind-scoring rule belongs to `score_sheets`).
 */
summary: string, };

export type RoundNumbers = { applications: number, decided: number, funded: number, not_funded: number, waitlisted: number, 
/**
 * Funded applications out of all applications.
 */
success_rate: number | null, asked_total_gbp: number, awarded_total_gbp: number, awarded_to_small_orgs_gbp: number, 
/**
 * Counts only organisations known to be small.
 */
share_to_small_orgs: number | null, awarded_to_orgs_led_by_communities_served_gbp: number, 
/**
 * Organisations whose "led by" codes include any of the communities the round is for.
 */
share_to_orgs_led_by_communities_served: number | null, };

export type RoundView = { id: string, title: string, topic: string, ballot_id: string | null, budget_gbp: number, min_grant_gbp: number, max_grant_gbp: number, core_funding_allowed: boolean, 
/**
 * Whether the suggested allocation moves small organisations' core-funding bids first.
 */
small_org_priority: boolean, small_org_threshold_gbp: number, opens_on: string, closes_on: string, questions: Array<string>, rubric: Rubric, };

export type Rubric = { criteria: Array<Criterion>, };

export type Score = { criterion_id: string, value: number, justification: string, };

export type ScoreFor = { option: OptionId, score: number, };

export type ScoreTally = { turnout: number, 
/**
 * The highest score a voter could give.
 */
max_score: number, 
/**
 * Every option on the ballot, in ballot order.
 */
scores: Array<OptionScore>, 
/**
 * The option(s) with the highest total, in ballot order; empty when every total is 0.
 */
leaders: Array<OptionId>, };

export type SharedIdentifier = { org_ref: string, organisation_ids: Array<string>, message: string, };

export type SheetView = { application_id: string, assessor_id: string, assessor_name: string, submitted: boolean, scores: Array<Score>, total: WeightedTotal | null, 
/**
 * Revisions after the first submission, each with its reason.
 */
revisions: Array<string>, };

export type SupportFields = { application_id: string, date: string, 
/**
 * Free text, for example "bid-writing workshop", "one-to-one", "reading a draft".
 */
kind: string, by: string, };

export type SyncView = { 
/**
 * `not enrolled`, `syncing`, `synced`, `offline`, `refused` (the server said no:
 * revoked device, wrong schema) or `failed` (this laptop could not read or write its
 * own files).
 */
state: "not enrolled" | "syncing" | "synced" | "offline" | "refused" | "failed", 
/**
 * When the last sync finished, local time: `14:05` today, else `26 Nov 14:05`.
 */
last_sync: string | null, 
/**
 * This laptop's changes the server has not acknowledged yet.
 */
waiting: number, 
/**
 * Why offline, refused or failed.
 */
reason: string | null, 
/**
 * Changes received from other laptops by the last sync.
 */
received: number, server: string | null, user: string | null, role: string | null, 
/**
 * A sentence saying where the device token is kept.
 */
token_kept: string | null, 
/**
 * This laptop's clock against the server's, when it is wrong by more than allowed.
 */
clock: string | null, 
/**
 * What sync could not take at face value and a person should know: this laptop's
 * changes the server refused, received changes that wait, a restored database.
 */
notices: Array<string>, };

export type Tally = { "method": "plurality" } & CountTally | { "method": "approval" } & CountTally | { "method": "dots" } & CountTally | { "method": "ranked-irv" } & IrvResult | { "method": "borda" } & CountTally | { "method": "score" } & ScoreTally;

export type Template = { subject: string, salutation: string, paragraphs: Array<string>, 
/**
 * What `{support_offer}` becomes.
 */
support_offer: string, sign_off: Array<string>, footer: string, };

export type TieBreak = { 
/**
 * Every option with the fewest votes this round, in ballot order.
 */
tied: Array<OptionId>, decided_by: TieDecision, };

export type TieDecision = { "by": "earlier-round", round: number, } | { "by": "lot", among: Array<OptionId>, lot: number, picked: number, };

export type Undefined = "no_pairable_values" | "no_variation";

export type VoidInfo = { reason: string, by: string, at: string, };

export type Vote = { "kind": "choice", option: OptionId, } | { "kind": "approval", options: Array<OptionId>, } | { "kind": "dots", dots: Array<DotsOn>, } | { "kind": "ranking", ranking: Array<OptionId | null>, } | { "kind": "scores", scores: Array<ScoreFor>, };

export type VoteState = "counted" | "voided" | "conflict" | "superseded";

export type Voter = { kind: VoterKind, reference: string, };

export type VoterChoice = { reference: string, label: string, detail: string, };

export type VoterKind = "organisation" | "attendee" | "token";

export type WeightedTotal = { 
/**
 * `sum(weight * score) / sum(weight)`: for a 1-to-5 rubric, between 1 and 5.
 */
on_scale: number, scale_min: number, scale_max: number, 
/**
 * `on_scale / scale_max * 100`: 4 out of 5 is 80%.
 */
percent_of_max: number, };

/** src-tauri/src/commands.rs `app_status` */
export function appStatus(): Promise<AppStatus> {
  return invoke<AppStatus>("app_status");
}

/** src-tauri/src/commands.rs `reference_lists` */
export function referenceLists(): Promise<ReferenceLists> {
  return invoke<ReferenceLists>("reference_lists");
}

/** src-tauri/src/commands.rs `load_demo` */
export function loadDemo(): Promise<void> {
  return invoke<void>("load_demo");
}

/** src-tauri/src/commands.rs `list_organisations` */
export function listOrganisations(query: string): Promise<Array<OrganisationSummary>> {
  return invoke<Array<OrganisationSummary>>("list_organisations", { query });
}

/** src-tauri/src/commands.rs `shared_identifiers` */
export function sharedIdentifiers(): Promise<Array<SharedIdentifier>> {
  return invoke<Array<SharedIdentifier>>("shared_identifiers");
}

/** src-tauri/src/commands.rs `get_organisation` */
export function getOrganisation(id: string): Promise<OrganisationDetail> {
  return invoke<OrganisationDetail>("get_organisation", { id });
}

/** src-tauri/src/commands.rs `validate_organisation` */
export function validateOrganisation(input: OrganisationInput): Promise<Array<FieldError>> {
  return invoke<Array<FieldError>>("validate_organisation", { input });
}

/** src-tauri/src/commands.rs `add_organisation` */
export function addOrganisation(input: OrganisationInput): Promise<string> {
  return invoke<string>("add_organisation", { input });
}

/** src-tauri/src/commands.rs `update_organisation` */
export function updateOrganisation(id: string, input: OrganisationInput): Promise<boolean> {
  return invoke<boolean>("update_organisation", { id, input });
}

/** src-tauri/src/commands.rs `suggest_org_ref` */
export function suggestOrgRef(name: string): Promise<string> {
  return invoke<string>("suggest_org_ref", { name });
}

/** src-tauri/src/commands.rs `log_contact` */
export function logContact(input: ContactInput): Promise<string> {
  return invoke<string>("log_contact", { input });
}

/** src-tauri/src/commands.rs `not_contacted` */
export function notContacted(days: number): Promise<Array<OrganisationSummary>> {
  return invoke<Array<OrganisationSummary>>("not_contacted", { days });
}

/** src-tauri/src/commands.rs `first_paint` */
export function firstPaint(): Promise<void> {
  return invoke<void>("first_paint");
}

/** src-tauri/src/voting.rs `list_meetings` */
export function listMeetings(): Promise<Array<MeetingSummary>> {
  return invoke<Array<MeetingSummary>>("list_meetings");
}

/** src-tauri/src/voting.rs `add_meeting` */
export function addMeeting(input: MeetingInput): Promise<string> {
  return invoke<string>("add_meeting", { input });
}

/** src-tauri/src/voting.rs `list_attendance` */
export function listAttendance(meetingId: string): Promise<Array<Attendee>> {
  return invoke<Array<Attendee>>("list_attendance", { meetingId });
}

/** src-tauri/src/voting.rs `attend` */
export function attend(meetingId: string, organisationId: string, name: string, walkIn: boolean): Promise<string> {
  return invoke<string>("attend", { meetingId, organisationId, name, walkIn });
}

/** src-tauri/src/voting.rs `list_issues` */
export function listIssues(includeMerged: boolean): Promise<Array<IssueSummary>> {
  return invoke<Array<IssueSummary>>("list_issues", { includeMerged });
}

/** src-tauri/src/voting.rs `raise_issue` */
export function raiseIssue(input: IssueInput): Promise<string> {
  return invoke<string>("raise_issue", { input });
}

/** src-tauri/src/voting.rs `merge_issues` */
export function mergeIssues(from: string, into: string): Promise<void> {
  return invoke<void>("merge_issues", { from, into });
}

/** src-tauri/src/voting.rs `list_ballots` */
export function listBallots(): Promise<Array<BallotSummary>> {
  return invoke<Array<BallotSummary>>("list_ballots");
}

/** src-tauri/src/voting.rs `get_ballot` */
export function getBallot(id: string): Promise<BallotView> {
  return invoke<BallotView>("get_ballot", { id });
}

/** src-tauri/src/voting.rs `create_ballot` */
export function createBallot(input: BallotInput): Promise<string> {
  return invoke<string>("create_ballot", { input });
}

/** src-tauri/src/voting.rs `set_ballot_status` */
export function setBallotStatus(id: string, status: BallotStatus): Promise<void> {
  return invoke<void>("set_ballot_status", { id, status });
}

/** src-tauri/src/voting.rs `reveal_ballot` */
export function revealBallot(id: string, revealed: boolean): Promise<void> {
  return invoke<void>("reveal_ballot", { id, revealed });
}

/** src-tauri/src/voting.rs `issue_tokens` */
export function issueTokens(id: string, count: number): Promise<Array<string>> {
  return invoke<Array<string>>("issue_tokens", { id, count });
}

/** src-tauri/src/voting.rs `voter_suggestions` */
export function voterSuggestions(ballotId: string, query: string): Promise<Array<VoterChoice>> {
  return invoke<Array<VoterChoice>>("voter_suggestions", { ballotId, query });
}

/** src-tauri/src/voting.rs `cast_vote` */
export function castVote(input: KeyedVote): Promise<CastVote> {
  return invoke<CastVote>("cast_vote", { input });
}

/** src-tauri/src/voting.rs `void_vote` */
export function voidVote(voteId: string, reason: string, by: string): Promise<void> {
  return invoke<void>("void_vote", { voteId, reason, by });
}

/** src-tauri/src/voting.rs `resolve_conflict` */
export function resolveConflict(ballotId: string, voterKey: string, keep: string, reason: string, by: string): Promise<void> {
  return invoke<void>("resolve_conflict", { ballotId, voterKey, keep, reason, by });
}

/** src-tauri/src/voting.rs `import_votes` */
export function importVotes(ballotId: string, text: string, recordedBy: string): Promise<number> {
  return invoke<number>("import_votes", { ballotId, text, recordedBy });
}

/** src-tauri/src/voting.rs `ballot_result` */
export function ballotResult(id: string): Promise<BallotResult> {
  return invoke<BallotResult>("ballot_result", { id });
}

/** src-tauri/src/voting.rs `ballot_votes` */
export function ballotVotes(id: string): Promise<Array<AuditRow>> {
  return invoke<Array<AuditRow>>("ballot_votes", { id });
}

/** src-tauri/src/voting.rs `ballot_exports` */
export function ballotExports(id: string): Promise<BallotExports> {
  return invoke<BallotExports>("ballot_exports", { id });
}

/** src-tauri/src/voting.rs `open_projector` */
export function openProjector(ballotId: string): Promise<void> {
  return invoke<void>("open_projector", { ballotId });
}

/** src-tauri/src/grants.rs `list_rounds` */
export function listRounds(): Promise<Array<RoundView>> {
  return invoke<Array<RoundView>>("list_rounds");
}

/** src-tauri/src/grants.rs `get_round` */
export function getRound(roundId: string): Promise<RoundView> {
  return invoke<RoundView>("get_round", { roundId });
}

/** src-tauri/src/grants.rs `list_panel_members` */
export function listPanelMembers(): Promise<Array<PanelMemberView>> {
  return invoke<Array<PanelMemberView>>("list_panel_members");
}

/** src-tauri/src/grants.rs `list_applications` */
export function listApplications(roundId: string): Promise<Array<ApplicationSummary>> {
  return invoke<Array<ApplicationSummary>>("list_applications", { roundId });
}

/** src-tauri/src/grants.rs `get_application` */
export function getApplication(applicationId: string): Promise<ApplicationSummary> {
  return invoke<ApplicationSummary>("get_application", { applicationId });
}

/** src-tauri/src/grants.rs `my_assignments` */
export function myAssignments(personId: string): Promise<Array<ApplicationSummary>> {
  return invoke<Array<ApplicationSummary>>("my_assignments", { personId });
}

/** src-tauri/src/grants.rs `declare_conflict` */
export function declareConflict(applicationId: string, personId: string, conflicted: boolean, note: string): Promise<void> {
  return invoke<void>("declare_conflict", { applicationId, personId, conflicted, note });
}

/** src-tauri/src/grants.rs `save_score_draft` */
export function saveScoreDraft(applicationId: string, personId: string, scores: Array<Score>): Promise<void> {
  return invoke<void>("save_score_draft", { applicationId, personId, scores });
}

/** src-tauri/src/grants.rs `submit_scores` */
export function submitScores(applicationId: string, personId: string, scores: Array<Score>): Promise<void> {
  return invoke<void>("submit_scores", { applicationId, personId, scores });
}

/** src-tauri/src/grants.rs `revise_scores` */
export function reviseScores(applicationId: string, personId: string, scores: Array<Score>, reason: string): Promise<void> {
  return invoke<void>("revise_scores", { applicationId, personId, scores, reason });
}

/** src-tauri/src/grants.rs `score_sheets` */
export function scoreSheets(applicationId: string, personId: string): Promise<Array<SheetView>> {
  return invoke<Array<SheetView>>("score_sheets", { applicationId, personId });
}

/** src-tauri/src/grants.rs `moderation_report` */
export function moderationReport(roundId: string): Promise<ModerationReport> {
  return invoke<ModerationReport>("moderation_report", { roundId });
}

/** src-tauri/src/grants.rs `round_allocation` */
export function roundAllocation(roundId: string): Promise<AllocationView> {
  return invoke<AllocationView>("round_allocation", { roundId });
}

/** src-tauri/src/grants.rs `record_decision` */
export function recordDecision(input: DecisionInput): Promise<string> {
  return invoke<string>("record_decision", { input });
}

/** src-tauri/src/grants.rs `round_numbers` */
export function roundNumbers(roundId: string): Promise<RoundNumbers> {
  return invoke<RoundNumbers>("round_numbers", { roundId });
}

/** src-tauri/src/grants.rs `list_letters` */
export function listLetters(roundId: string): Promise<Array<LetterView>> {
  return invoke<Array<LetterView>>("list_letters", { roundId });
}

/** src-tauri/src/grants.rs `get_letter` */
export function getLetter(letterId: string): Promise<LetterView> {
  return invoke<LetterView>("get_letter", { letterId });
}

/** src-tauri/src/grants.rs `edit_letter` */
export function editLetter(letterId: string, content: LetterContent): Promise<number> {
  return invoke<number>("edit_letter", { letterId, content });
}

/** src-tauri/src/grants.rs `approve_letter` */
export function approveLetter(letterId: string): Promise<number> {
  return invoke<number>("approve_letter", { letterId });
}

/** src-tauri/src/grants.rs `withdraw_letter` */
export function withdrawLetter(letterId: string, reason: string, by: string): Promise<string> {
  return invoke<string>("withdraw_letter", { letterId, reason, by });
}

/** src-tauri/src/grants.rs `long_sentences` */
export function longSentences(text: string): Promise<Array<LongSentence>> {
  return invoke<Array<LongSentence>>("long_sentences", { text });
}

/** src-tauri/src/grants.rs `get_letter_template` */
export function getLetterTemplate(kind: string): Promise<Template> {
  return invoke<Template>("get_letter_template", { kind });
}

/** src-tauri/src/grants.rs `set_letter_template` */
export function setLetterTemplate(kind: string, template: Template): Promise<void> {
  return invoke<void>("set_letter_template", { kind, template });
}

/** src-tauri/src/grants.rs `export_letters` */
export function exportLetters(roundId: string): Promise<LettersExport> {
  return invoke<LettersExport>("export_letters", { roundId });
}

/** src-tauri/src/attachments.rs `attachment_location` */
export function attachmentLocation(sha256: string): Promise<string> {
  return invoke<string>("attachment_location", { sha256 });
}

/** src-tauri/src/attachments.rs `attachment_media_base` */
export function attachmentMediaBase(): Promise<string | null> {
  return invoke<string | null>("attachment_media_base");
}

/** src-tauri/src/sync.rs `sync_status` */
export function syncStatus(): Promise<SyncView> {
  return invoke<SyncView>("sync_status");
}

/** src-tauri/src/sync.rs `sync_now` */
export function syncNow(): Promise<void> {
  return invoke<void>("sync_now");
}

/** src-tauri/src/sync.rs `enrol_device` */
export function enrolDevice(server: string, code: string): Promise<SyncView> {
  return invoke<SyncView>("enrol_device", { server, code });
}

export const SYNC_STATE = "sync-state";
export function onSyncState(handler: (payload: SyncView) => void): Promise<UnlistenFn> {
  return listen<SyncView>("sync-state", (event) => handler(event.payload));
}

export const CHANGED = "changed";
export function onChanged(handler: (payload: ChangedEvent) => void): Promise<UnlistenFn> {
  return listen<ChangedEvent>("changed", (event) => handler(event.payload));
}

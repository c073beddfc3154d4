//! Commands for meetings, issues, ballots and live voting. Like commands.rs, each one
//! parses what the UI sent, calls trellis-store or trellis-core and maps the error; the
//! rules (eligibility, one live vote per voter, what a key press means, counting) live in
//! the crates.
//!
//! None of them tells the projector anything: the store says what each write touched and
//! the shell forwards it to every window (src/events.rs). Nothing polls.

use serde::{Deserialize, Serialize};
use tauri::{Manager, WebviewUrl, WebviewWindowBuilder};
use trellis_core::ballot::entry::build_vote;
use trellis_core::ballot::export::{self, AuditEntry, AuditStatus, CountSummary, SummaryMeta};
use trellis_core::ballot::record::{
    BallotFields, BallotOption, BallotStatus, Channel, Eligibility, VoteFields, VoterKind,
};
use trellis_core::ballot::{Method, OptionId, Tally};
use trellis_core::issue::IssueInput;
use trellis_core::meeting::MeetingInput;
use trellis_core::Invalid;
use trellis_store::{
    Attendee, BallotResult, BallotSummary, BallotView, IssueSummary, MeetingSummary, VoteRecord,
    VoteState,
};
use uuid::Uuid;

use crate::error::{CommandError, ErrorKind};
use crate::ipc::Cx;

/// The projector window's label (and its capability's `windows` entry).
pub const PROJECTOR: &str = "projector";

fn id_of(what: &str, raw: &str) -> Result<Uuid, CommandError> {
    Uuid::parse_str(raw.trim()).map_err(|_| CommandError {
        kind: ErrorKind::NotFound,
        message: format!("that is not a {what} Trellis knows"),
        fields: Vec::new(),
    })
}

fn optional_id(what: &str, raw: &str) -> Result<Option<Uuid>, CommandError> {
    if raw.trim().is_empty() {
        Ok(None)
    } else {
        id_of(what, raw).map(Some)
    }
}

pub fn list_meetings(cx: &Cx) -> Result<Vec<MeetingSummary>, CommandError> {
    Ok(cx.store()?.meetings()?)
}

pub fn add_meeting(cx: &Cx, input: MeetingInput) -> Result<Uuid, CommandError> {
    Ok(cx.store()?.add_meeting(&input)?)
}

pub fn list_attendance(cx: &Cx, meeting_id: String) -> Result<Vec<Attendee>, CommandError> {
    let meeting = id_of("meeting", &meeting_id)?;
    Ok(cx.store()?.attendance(meeting)?)
}

/// Records an organisation or a person (or both) as present; walk-ins are marked.
pub fn attend(
    cx: &Cx,
    meeting_id: String,
    organisation_id: String,
    name: String,
    walk_in: bool,
) -> Result<Uuid, CommandError> {
    let meeting = id_of("meeting", &meeting_id)?;
    let org = optional_id("organisation", &organisation_id)?;
    Ok(cx.store()?.attend(meeting, org, &name, walk_in)?)
}

pub fn list_issues(cx: &Cx, include_merged: bool) -> Result<Vec<IssueSummary>, CommandError> {
    Ok(cx.store()?.issues(include_merged)?)
}

pub fn raise_issue(cx: &Cx, input: IssueInput) -> Result<Uuid, CommandError> {
    Ok(cx.store()?.raise_issue(&input)?)
}

pub fn merge_issues(cx: &Cx, from: String, into: String) -> Result<(), CommandError> {
    let (from, into) = (id_of("issue", &from)?, id_of("issue", &into)?);
    Ok(cx.store()?.merge_issues(from, into)?)
}

pub fn list_ballots(cx: &Cx) -> Result<Vec<BallotSummary>, CommandError> {
    Ok(cx.store()?.ballots()?)
}

pub fn get_ballot(cx: &Cx, id: String) -> Result<BallotView, CommandError> {
    let id = id_of("ballot", &id)?;
    Ok(cx.store()?.ballot(id)?)
}

/// The new-ballot form. `method` and `eligibility` use the core types' own serde forms
/// (`{"method": "dots", "per_voter": 5, "max_per_option": 2}`, `"per-organisation"`).
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
pub struct BallotInput {
    pub question: String,
    /// Typed option labels, in order; blank lines are ignored.
    pub labels: Vec<String>,
    /// Issues offered as options, after the typed labels.
    pub issue_ids: Vec<String>,
    pub method: Method,
    pub eligibility: Eligibility,
    /// Empty for none.
    pub meeting_id: String,
}

pub fn create_ballot(cx: &Cx, input: BallotInput) -> Result<Uuid, CommandError> {
    let mut store = cx.store()?;
    let mut options: Vec<BallotOption> = input
        .labels
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .enumerate()
        .map(|(i, label)| BallotOption {
            id: OptionId::new(format!("option-{}", i + 1)),
            label: label.to_string(),
            issue_id: None,
        })
        .collect();
    if !input.issue_ids.is_empty() {
        let issues = store.issues(true)?;
        for raw in &input.issue_ids {
            let id = id_of("issue", raw)?;
            let issue = issues
                .iter()
                .find(|i| i.id == id)
                .ok_or_else(|| Invalid::one("options", "one of the chosen issues no longer exists"))
                .map_err(trellis_store::StoreError::from)?;
            options.push(BallotOption {
                id: OptionId::new(id.to_string()),
                label: issue.title.clone(),
                issue_id: Some(id),
            });
        }
    }
    let fields = BallotFields {
        question: input.question.trim().to_string(),
        options,
        method: input.method,
        eligibility: input.eligibility,
        meeting_id: optional_id("meeting", &input.meeting_id)?,
        opens_at: None,
        closes_at: None,
        // A fresh seed, stored with the ballot and published with the result (as the CLI).
        seed: u64::from_le_bytes(Uuid::new_v4().as_bytes()[..8].try_into().unwrap_or([7; 8])),
    };
    Ok(store.create_ballot(fields)?)
}

/// `status`: "open" or "closed".
pub fn set_ballot_status(cx: &Cx, id: String, status: BallotStatus) -> Result<(), CommandError> {
    let id = id_of("ballot", &id)?;
    cx.store()?.set_ballot_status(id, status)?;
    Ok(())
}

pub fn reveal_ballot(cx: &Cx, id: String, revealed: bool) -> Result<(), CommandError> {
    let id = id_of("ballot", &id)?;
    cx.store()?.reveal_ballot(id, revealed)?;
    Ok(())
}

pub fn issue_tokens(cx: &Cx, id: String, count: usize) -> Result<Vec<String>, CommandError> {
    let id = id_of("ballot", &id)?;
    Ok(cx.store()?.issue_tokens(id, count)?)
}

/// One line of the voter type-ahead. `reference` is what `cast_vote` takes as `voter`.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct VoterChoice {
    pub reference: String,
    pub label: String,
    pub detail: String,
}

const SUGGESTIONS: usize = 8;

/// Who may vote on this ballot and matches what was typed: organisations (the store's
/// own search: name, identifier, postcode) or the meeting's attendees (name or
/// organisation, ignoring case). Token ballots have no list: the token is typed.
pub fn voter_suggestions(
    cx: &Cx,
    ballot_id: String,
    query: String,
) -> Result<Vec<VoterChoice>, CommandError> {
    let id = id_of("ballot", &ballot_id)?;
    let store = cx.store()?;
    let view = store.ballot(id)?;
    let query = query.trim();
    Ok(match view.fields.eligibility.voter_kind() {
        VoterKind::Organisation => store
            .organisations(query, crate::commands::today())?
            .into_iter()
            .take(SUGGESTIONS)
            .map(|o| VoterChoice {
                reference: o.id.to_string(),
                label: o.name,
                detail: o.org_ref,
            })
            .collect(),
        VoterKind::Attendee => {
            let Some(meeting) = view.fields.meeting_id else {
                return Ok(Vec::new());
            };
            let lower = query.to_lowercase();
            store
                .attendance(meeting)?
                .into_iter()
                .filter(|a| a.label().to_lowercase().contains(&lower))
                .take(SUGGESTIONS)
                .map(|a| VoterChoice {
                    reference: a.id.to_string(),
                    label: a.label(),
                    detail: if a.walk_in {
                        "walk-in".into()
                    } else {
                        String::new()
                    },
                })
                .collect()
        }
        VoterKind::Token => Vec::new(),
    })
}

/// A vote as keyed on the live-capture screen: the option numbers pressed, in order, and
/// (for score ballots, and dots if wanted) option number and amount pairs.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
pub struct KeyedVote {
    pub ballot_id: String,
    /// An organisation or attendee id from `voter_suggestions`, a name, or a token.
    pub voter: String,
    pub choices: Vec<String>,
    pub amounts: Vec<(String, u32)>,
    pub paper: bool,
    pub recorded_by: String,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct CastVote {
    pub vote_id: Uuid,
    pub voter_label: String,
    /// The vote in words, options by label (`1. Housing; 2. Parks`).
    pub vote_text: String,
}

pub fn cast_vote(cx: &Cx, input: KeyedVote) -> Result<CastVote, CommandError> {
    let ballot_id = id_of("ballot", &input.ballot_id)?;
    let mut store = cx.store()?;
    let view = store.ballot(ballot_id)?;
    let voter = store.resolve_voter(ballot_id, &input.voter)?;
    let vote = build_vote(&view.fields, &input.choices, &input.amounts)
        .map_err(trellis_store::StoreError::from)?;
    let vote_text = export::vote_text(&view.fields, &vote);
    let vote_id = store.cast_vote(VoteFields {
        ballot_id,
        voter,
        vote,
        channel: if input.paper {
            Channel::Paper
        } else {
            Channel::Live
        },
        recorded_by: input.recorded_by.trim().to_string(),
    })?;
    let voter_label = store
        .ballot_votes(ballot_id)?
        .into_iter()
        .find(|r| r.id == vote_id)
        .map(|r| r.voter_label)
        .unwrap_or_default();
    drop(store);
    Ok(CastVote {
        vote_id,
        voter_label,
        vote_text,
    })
}

pub fn void_vote(cx: &Cx, vote_id: String, reason: String, by: String) -> Result<(), CommandError> {
    let vote_id = id_of("vote", &vote_id)?;
    cx.store()?.void_vote(vote_id, &reason, &by)?;
    Ok(())
}

/// A facilitator names the vote that stands when two laptops each recorded one.
pub fn resolve_conflict(
    cx: &Cx,
    ballot_id: String,
    voter_key: String,
    keep: String,
    reason: String,
    by: String,
) -> Result<(), CommandError> {
    let ballot_id = id_of("ballot", &ballot_id)?;
    let keep = id_of("vote", &keep)?;
    cx.store()?
        .resolve_conflict(ballot_id, &voter_key, keep, &reason, &by)?;
    Ok(())
}

/// Paper ballots from CSV text (the UI reads the chosen file); all or nothing.
pub fn import_votes(
    cx: &Cx,
    ballot_id: String,
    text: String,
    recorded_by: String,
) -> Result<usize, CommandError> {
    let ballot_id = id_of("ballot", &ballot_id)?;
    let n = cx.store()?.import_votes(ballot_id, &text, &recorded_by)?;
    Ok(n)
}

/// The tally, turnout, voids and unresolved conflicts. The projector's only read.
pub fn ballot_result(cx: &Cx, id: String) -> Result<BallotResult, CommandError> {
    let id = id_of("ballot", &id)?;
    Ok(cx.store()?.ballot_result(id)?)
}

/// One row of the audit list, with the vote in words.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct AuditRow {
    #[serde(flatten)]
    pub record: VoteRecord,
    pub vote_text: String,
}

pub fn ballot_votes(cx: &Cx, id: String) -> Result<Vec<AuditRow>, CommandError> {
    let id = id_of("ballot", &id)?;
    let store = cx.store()?;
    let view = store.ballot(id)?;
    Ok(store
        .ballot_votes(id)?
        .into_iter()
        .map(|record| AuditRow {
            vote_text: export::vote_text(&view.fields, &record.vote),
            record,
        })
        .collect())
}

/// The publishable files as text, for the UI to show for copying.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct BallotExports {
    pub tally_csv: String,
    pub tally_json: String,
    pub audit_csv: String,
    /// RCTab-style round-by-round summary; ranked (IRV) ballots only.
    pub rctab_json: Option<String>,
}

fn json_text(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

pub fn ballot_exports(cx: &Cx, id: String) -> Result<BallotExports, CommandError> {
    let id = id_of("ballot", &id)?;
    let store = cx.store()?;
    let view = store.ballot(id)?;
    let result = store.ballot_result(id)?;
    let entries: Vec<AuditEntry> = store
        .ballot_votes(id)?
        .into_iter()
        .map(|r| AuditEntry {
            vote_id: r.id,
            voter_label: r.voter_label,
            recorded_at: r.recorded_at,
            device_id: r.device_id,
            recorded_by: r.recorded_by,
            channel: r.channel,
            status: match r.state {
                VoteState::Counted => AuditStatus::Counted,
                VoteState::Voided => AuditStatus::Voided,
                VoteState::Conflict => AuditStatus::Conflict,
                VoteState::Superseded => AuditStatus::Superseded,
            },
            void_reason: r.void.as_ref().map(|v| v.reason.clone()),
            voided_by: r.void.as_ref().map(|v| v.by.clone()),
            vote: r.vote,
        })
        .collect();
    let summary = CountSummary {
        voided: result.voided,
        unresolved_conflicts: result.unresolved.len(),
    };
    let rctab_json = match &result.tally {
        Tally::RankedIrv(irv) => {
            let meta = SummaryMeta {
                contest: view.fields.question.clone(),
                date: view
                    .fields
                    .closes_at
                    .map(|c| c.date().to_string())
                    .unwrap_or_default(),
                jurisdiction: store.settings()?.programme_name,
                office: view.fields.question.clone(),
            };
            Some(json_text(&export::rctab_summary(&view.fields, irv, &meta)))
        }
        _ => None,
    };
    Ok(BallotExports {
        tally_csv: export::tally_csv(&view.fields, &result.tally),
        tally_json: json_text(&export::tally_json(
            &view.fields,
            &result.tally,
            &summary,
            view.fields.seed,
        )),
        audit_csv: export::audit_csv(&view.fields, &entries),
        rctab_json,
    })
}

/// Opens (or brings forward) the projector window on a ballot. Like every command it
/// runs off the main thread, as building a window from a command must on some platforms.
pub fn open_projector(cx: &Cx, ballot_id: String) -> Result<(), CommandError> {
    let app = cx.app();
    let id = id_of("ballot", &ballot_id)?;
    let page = format!("projector.html?ballot={id}");
    let failed =
        |e: tauri::Error| CommandError::store(format!("could not open the projector: {e}"));
    if let Some(window) = app.get_webview_window(PROJECTOR) {
        let url = window
            .url()
            .map_err(failed)?
            .join(&page)
            .map_err(|e| CommandError::store(format!("could not open the projector: {e}")))?;
        window.navigate(url).map_err(failed)?;
        let _ = window.show();
        let _ = window.set_focus();
        return Ok(());
    }
    WebviewWindowBuilder::new(app, PROJECTOR, WebviewUrl::App(page.into()))
        .title("Trellis projector")
        .inner_size(1024.0, 700.0)
        .build()
        .map_err(failed)?;
    Ok(())
}

/// The projector belongs to the main window: when the main window goes, so does the
/// projector, so Trellis never runs on with only a projector showing.
pub fn on_window_event(window: &tauri::Window, event: &tauri::WindowEvent) {
    if window.label() == "main" && matches!(event, tauri::WindowEvent::Destroyed) {
        if let Some(projector) = window.app_handle().get_webview_window(PROJECTOR) {
            let _ = projector.close();
        }
    }
}

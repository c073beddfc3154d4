//! Commands for meetings, issues, ballots and live voting. Like commands.rs, each one
//! parses what the UI sent, calls trellis-store or trellis-core and maps the error; the
//! rules (eligibility, one live vote per voter, what a key press means, counting) live in
//! the crates.
//!
//! None of them tells the projector anything: the store says what each write touched and
//! the shell forwards it to every window (src/events.rs). Nothing polls.

use tauri::{Manager, WebviewUrl, WebviewWindowBuilder};
use trellis_app_core::ballots::{self, AuditRow, BallotExports, BallotInput};
use trellis_app_core::voters::{self, VoterChoice};
use trellis_app_core::votes::{self, CastVote, KeyedVote};
use trellis_core::ballot::record::BallotStatus;
use trellis_core::issue::IssueInput;
use trellis_core::meeting::MeetingInput;
use trellis_store::{
    Attendee, BallotResult, BallotSummary, BallotView, IssueSummary, MeetingSummary,
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

pub fn create_ballot(cx: &Cx, input: BallotInput) -> Result<Uuid, CommandError> {
    Ok(ballots::compose(&mut *cx.store()?, input)?)
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

pub fn voter_suggestions(
    cx: &Cx,
    ballot_id: String,
    query: String,
) -> Result<Vec<VoterChoice>, CommandError> {
    let id = id_of("ballot", &ballot_id)?;
    Ok(voters::suggestions(
        &*cx.store()?,
        id,
        &query,
        crate::commands::today(),
    )?)
}

pub fn cast_vote(cx: &Cx, input: KeyedVote) -> Result<CastVote, CommandError> {
    Ok(votes::cast(&mut *cx.store()?, input)?)
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

pub fn ballot_votes(cx: &Cx, id: String) -> Result<Vec<AuditRow>, CommandError> {
    let id = id_of("ballot", &id)?;
    Ok(ballots::audit_rows(&*cx.store()?, id)?)
}

/// The publishable files as text, for the UI to show for copying.
pub fn ballot_exports(cx: &Cx, id: String) -> Result<BallotExports, CommandError> {
    let id = id_of("ballot", &id)?;
    Ok(ballots::exports(&*cx.store()?, id)?)
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

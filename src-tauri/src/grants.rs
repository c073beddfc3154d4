//! Commands for funding rounds, scoring, moderation, decisions and feedback letters. Like
//! commands.rs, each parses what the UI sent, calls one trellis-store (or trellis-core)
//! function and maps the error. Scores are read only through `Store::score_sheets`, which
//! applies the one blind-scoring rule; nothing here decides who may see what.

use serde::Serialize;
use tauri::State;
use trellis_core::grants::decision::{DecisionInput, RoundNumbers};
use trellis_core::grants::moderation::ModerationReport;
use trellis_core::grants::scoring::Score;
use trellis_core::letter::LetterContent;
use trellis_store::{
    AllocationView, ApplicationSummary, LetterView, PanelMemberView, RoundView, SheetView,
};
use uuid::Uuid;

use crate::commands::{today, AppState};
use crate::error::{CommandError, ErrorKind};

fn id_of(what: &str, raw: &str) -> Result<Uuid, CommandError> {
    Uuid::parse_str(raw.trim()).map_err(|_| CommandError {
        kind: ErrorKind::NotFound,
        message: format!("that is not a {what} Trellis knows"),
        fields: Vec::new(),
    })
}

#[tauri::command]
pub async fn list_rounds(state: State<'_, AppState>) -> Result<Vec<RoundView>, CommandError> {
    Ok(state.store()?.rounds()?)
}

#[tauri::command]
pub async fn get_round(
    state: State<'_, AppState>,
    round_id: String,
) -> Result<RoundView, CommandError> {
    let round = id_of("round", &round_id)?;
    Ok(state.store()?.round(round)?)
}

#[tauri::command]
pub async fn list_panel_members(
    state: State<'_, AppState>,
) -> Result<Vec<PanelMemberView>, CommandError> {
    Ok(state.store()?.panel_members()?)
}

#[tauri::command]
pub async fn list_applications(
    state: State<'_, AppState>,
    round_id: String,
) -> Result<Vec<ApplicationSummary>, CommandError> {
    let round = id_of("round", &round_id)?;
    Ok(state.store()?.applications(round)?)
}

#[tauri::command]
pub async fn get_application(
    state: State<'_, AppState>,
    application_id: String,
) -> Result<ApplicationSummary, CommandError> {
    let app = id_of("application", &application_id)?;
    Ok(state.store()?.application(app)?)
}

/// The applications a panel member is assigned to score.
#[tauri::command]
pub async fn my_assignments(
    state: State<'_, AppState>,
    person_id: String,
) -> Result<Vec<ApplicationSummary>, CommandError> {
    let person = id_of("panel member", &person_id)?;
    let store = state.store()?;
    let viewer = store.viewer(person)?;
    Ok(viewer
        .assigned_to
        .iter()
        .map(|app| store.application(*app))
        .collect::<Result<_, _>>()?)
}

#[tauri::command]
pub async fn declare_conflict(
    state: State<'_, AppState>,
    application_id: String,
    person_id: String,
    conflicted: bool,
    note: String,
) -> Result<(), CommandError> {
    let app = id_of("application", &application_id)?;
    let person = id_of("panel member", &person_id)?;
    Ok(state.store()?.declare(app, person, conflicted, &note)?)
}

#[tauri::command]
pub async fn save_score_draft(
    state: State<'_, AppState>,
    application_id: String,
    person_id: String,
    scores: Vec<Score>,
) -> Result<(), CommandError> {
    let app = id_of("application", &application_id)?;
    let person = id_of("panel member", &person_id)?;
    Ok(state.store()?.save_draft(app, person, scores)?)
}

#[tauri::command]
pub async fn submit_scores(
    state: State<'_, AppState>,
    application_id: String,
    person_id: String,
    scores: Vec<Score>,
) -> Result<(), CommandError> {
    let app = id_of("application", &application_id)?;
    let person = id_of("panel member", &person_id)?;
    Ok(state.store()?.submit_scores(app, person, scores)?)
}

#[tauri::command]
pub async fn revise_scores(
    state: State<'_, AppState>,
    application_id: String,
    person_id: String,
    scores: Vec<Score>,
    reason: String,
) -> Result<(), CommandError> {
    let app = id_of("application", &application_id)?;
    let person = id_of("panel member", &person_id)?;
    Ok(state.store()?.revise_scores(app, person, scores, &reason)?)
}

/// The score sheets `person_id` may see for one application (the blind-scoring read path).
#[tauri::command]
pub async fn score_sheets(
    state: State<'_, AppState>,
    application_id: String,
    person_id: String,
) -> Result<Vec<SheetView>, CommandError> {
    let app = id_of("application", &application_id)?;
    let person = id_of("panel member", &person_id)?;
    Ok(state.store()?.score_sheets(app, person)?)
}

#[tauri::command]
pub async fn moderation_report(
    state: State<'_, AppState>,
    round_id: String,
) -> Result<ModerationReport, CommandError> {
    let round = id_of("round", &round_id)?;
    Ok(state.store()?.moderation(round)?)
}

#[tauri::command]
pub async fn round_allocation(
    state: State<'_, AppState>,
    round_id: String,
) -> Result<AllocationView, CommandError> {
    let round = id_of("round", &round_id)?;
    Ok(state.store()?.allocation(round)?)
}

#[tauri::command]
pub async fn record_decision(
    state: State<'_, AppState>,
    input: DecisionInput,
) -> Result<Uuid, CommandError> {
    Ok(state.store()?.record_decision(&input)?)
}

#[tauri::command]
pub async fn round_numbers(
    state: State<'_, AppState>,
    round_id: String,
) -> Result<RoundNumbers, CommandError> {
    let round = id_of("round", &round_id)?;
    Ok(state.store()?.round_numbers(round)?)
}

#[tauri::command]
pub async fn list_letters(
    state: State<'_, AppState>,
    round_id: String,
) -> Result<Vec<LetterView>, CommandError> {
    let round = id_of("round", &round_id)?;
    Ok(state.store()?.round_letters(round)?)
}

#[tauri::command]
pub async fn get_letter(
    state: State<'_, AppState>,
    letter_id: String,
) -> Result<LetterView, CommandError> {
    let letter = id_of("letter", &letter_id)?;
    Ok(state.store()?.letter(letter)?)
}

/// Saves the edited text as a new version; returns its number.
#[tauri::command]
pub async fn edit_letter(
    state: State<'_, AppState>,
    letter_id: String,
    content: LetterContent,
) -> Result<u32, CommandError> {
    let letter = id_of("letter", &letter_id)?;
    Ok(state.store()?.edit_letter(letter, &content)?)
}

/// Approves the latest version, dated today; returns its number.
#[tauri::command]
pub async fn approve_letter(
    state: State<'_, AppState>,
    letter_id: String,
) -> Result<u32, CommandError> {
    let letter = id_of("letter", &letter_id)?;
    Ok(state.store()?.approve_letter(letter, today())?)
}

#[derive(Debug, Serialize)]
pub struct LongSentence {
    pub sentence: String,
    pub words: usize,
}

/// Sentences over 25 words in a piece of letter text (the editor's live warning).
#[tauri::command]
pub async fn long_sentences(text: String) -> Result<Vec<LongSentence>, CommandError> {
    Ok(trellis_core::letter::long_sentences(&text)
        .into_iter()
        .map(|(sentence, words)| LongSentence { sentence, words })
        .collect())
}

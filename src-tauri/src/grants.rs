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
use trellis_core::letter::{OutcomeKind, Template};
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

/// The round's letters, then its withdrawn ones (each with `withdrawn` set), so the
/// screen can list a withdrawn letter marked rather than have it vanish.
#[tauri::command]
pub async fn list_letters(
    state: State<'_, AppState>,
    round_id: String,
) -> Result<Vec<LetterView>, CommandError> {
    let round = id_of("round", &round_id)?;
    Ok(state.store()?.round_letters_and_withdrawn(round)?)
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

/// Sets a letter aside (kept, never printed), saying why and who: how a person settles
/// two letters drafted for one application on two laptops. The store refuses an empty
/// reason or name (naming the field) and a letter already withdrawn; returns the fact's id.
#[tauri::command]
pub async fn withdraw_letter(
    state: State<'_, AppState>,
    letter_id: String,
    reason: String,
    by: String,
) -> Result<String, CommandError> {
    let letter = id_of("letter", &letter_id)?;
    Ok(state
        .store()?
        .withdraw_letter(letter, &reason, &by)?
        .to_string())
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

/// The letter template for an outcome (funded, not_funded, waitlisted): the saved one,
/// else the default.
#[tauri::command]
pub async fn get_letter_template(
    state: State<'_, AppState>,
    kind: String,
) -> Result<Template, CommandError> {
    let kind = OutcomeKind::parse(&kind).map_err(trellis_store::StoreError::from)?;
    Ok(state.store()?.letter_template(kind)?)
}

/// Saves a template; an unknown placeholder is refused, naming it and its section.
#[tauri::command]
pub async fn set_letter_template(
    state: State<'_, AppState>,
    kind: String,
    template: Template,
) -> Result<(), CommandError> {
    let kind = OutcomeKind::parse(&kind).map_err(trellis_store::StoreError::from)?;
    Ok(state.store()?.set_letter_template(kind, &template)?)
}

/// Where exported letters go: `$TRELLIS_EXPORT_DIR` when set (tests use it), else
/// `<documents>/Trellis letters`, else `Trellis letters` beside the database.
fn letters_base(db: &std::path::Path) -> std::path::PathBuf {
    match std::env::var_os("TRELLIS_EXPORT_DIR") {
        Some(dir) if !dir.is_empty() => std::path::PathBuf::from(dir),
        _ => dirs::document_dir()
            .or_else(|| db.parent().map(std::path::Path::to_path_buf))
            .unwrap_or_default()
            .join("Trellis letters"),
    }
}

#[derive(Debug, Serialize)]
pub struct LettersExport {
    /// The new folder, `<base>/<round title> <date>`.
    pub folder: String,
    /// How many letters (one PDF each), not counting the combined file.
    pub count: usize,
    /// File names in the folder: one per letter, then `all-letters.pdf`.
    pub files: Vec<String>,
    /// Organisations whose letter is not approved yet, so not exported.
    pub waiting: Vec<String>,
}

/// Renders every approved letter of the round (large print where the organisation asked)
/// and one combined print file into a new folder, all or nothing; see `letters_base`.
#[tauri::command]
pub async fn export_letters(
    state: State<'_, AppState>,
    round_id: String,
) -> Result<LettersExport, CommandError> {
    let round = id_of("round", &round_id)?;
    let store = state.store()?;
    let base = letters_base(store.path());
    let done = trellis_print::export_round(&store, round, &base, today()).map_err(print_error)?;
    Ok(LettersExport {
        folder: done.folder.display().to_string(),
        count: done.letters,
        files: done.files,
        waiting: done.waiting,
    })
}

fn print_error(e: trellis_print::PrintError) -> CommandError {
    use trellis_print::PrintError;
    match e {
        PrintError::Store(e) => e.into(),
        e @ (PrintError::AssetsNotFound { .. } | PrintError::NoneApproved) => CommandError {
            kind: ErrorKind::NotFound,
            message: e.to_string(),
            fields: Vec::new(),
        },
        e => CommandError::store(e.to_string()),
    }
}

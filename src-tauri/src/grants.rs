//! Commands for funding rounds, scoring, moderation, decisions and feedback letters. Like
//! commands.rs, each parses what the UI sent, calls one trellis-store (or trellis-core)
//! function and maps the error. Scores are read only through `Store::score_sheets`, which
//! applies the one blind-scoring rule; nothing here decides who may see what.

use serde::Serialize;
use trellis_core::grants::decision::{DecisionInput, RoundNumbers};
use trellis_core::grants::moderation::ModerationReport;
use trellis_core::grants::scoring::Score;
use trellis_core::letter::LetterContent;
use trellis_core::letter::{OutcomeKind, Template};
use trellis_store::{
    AllocationView, ApplicationSummary, LetterView, PanelMemberView, RoundView, SheetView,
};
use uuid::Uuid;

use crate::commands::today;
use crate::error::{CommandError, ErrorKind};
use crate::ipc::Cx;

fn id_of(what: &str, raw: &str) -> Result<Uuid, CommandError> {
    Uuid::parse_str(raw.trim()).map_err(|_| CommandError {
        kind: ErrorKind::NotFound,
        message: format!("that is not a {what} Trellis knows"),
        fields: Vec::new(),
    })
}

pub fn list_rounds(cx: &Cx) -> Result<Vec<RoundView>, CommandError> {
    Ok(cx.store()?.rounds()?)
}

pub fn get_round(cx: &Cx, round_id: String) -> Result<RoundView, CommandError> {
    let round = id_of("round", &round_id)?;
    Ok(cx.store()?.round(round)?)
}

pub fn list_panel_members(cx: &Cx) -> Result<Vec<PanelMemberView>, CommandError> {
    Ok(cx.store()?.panel_members()?)
}

pub fn list_applications(
    cx: &Cx,
    round_id: String,
) -> Result<Vec<ApplicationSummary>, CommandError> {
    let round = id_of("round", &round_id)?;
    Ok(cx.store()?.applications(round)?)
}

pub fn get_application(
    cx: &Cx,
    application_id: String,
) -> Result<ApplicationSummary, CommandError> {
    let app = id_of("application", &application_id)?;
    Ok(cx.store()?.application(app)?)
}

/// The applications a panel member is assigned to score.
pub fn my_assignments(cx: &Cx, person_id: String) -> Result<Vec<ApplicationSummary>, CommandError> {
    let person = id_of("panel member", &person_id)?;
    Ok(trellis_app_core::scoring::assignments(
        &*cx.store()?,
        person,
    )?)
}

pub fn declare_conflict(
    cx: &Cx,
    application_id: String,
    person_id: String,
    conflicted: bool,
    note: String,
) -> Result<(), CommandError> {
    let app = id_of("application", &application_id)?;
    let person = id_of("panel member", &person_id)?;
    Ok(cx.store()?.declare(app, person, conflicted, &note)?)
}

pub fn save_score_draft(
    cx: &Cx,
    application_id: String,
    person_id: String,
    scores: Vec<Score>,
) -> Result<(), CommandError> {
    let app = id_of("application", &application_id)?;
    let person = id_of("panel member", &person_id)?;
    Ok(cx.store()?.save_draft(app, person, scores)?)
}

pub fn submit_scores(
    cx: &Cx,
    application_id: String,
    person_id: String,
    scores: Vec<Score>,
) -> Result<(), CommandError> {
    let app = id_of("application", &application_id)?;
    let person = id_of("panel member", &person_id)?;
    Ok(cx.store()?.submit_scores(app, person, scores)?)
}

pub fn revise_scores(
    cx: &Cx,
    application_id: String,
    person_id: String,
    scores: Vec<Score>,
    reason: String,
) -> Result<(), CommandError> {
    let app = id_of("application", &application_id)?;
    let person = id_of("panel member", &person_id)?;
    Ok(cx.store()?.revise_scores(app, person, scores, &reason)?)
}

/// The score sheets `person_id` may see for one application (the blind-scoring read path).
pub fn score_sheets(
    cx: &Cx,
    application_id: String,
    person_id: String,
) -> Result<Vec<SheetView>, CommandError> {
    let app = id_of("application", &application_id)?;
    let person = id_of("panel member", &person_id)?;
    Ok(cx.store()?.score_sheets(app, person)?)
}

pub fn moderation_report(cx: &Cx, round_id: String) -> Result<ModerationReport, CommandError> {
    let round = id_of("round", &round_id)?;
    Ok(cx.store()?.moderation(round)?)
}

pub fn round_allocation(cx: &Cx, round_id: String) -> Result<AllocationView, CommandError> {
    let round = id_of("round", &round_id)?;
    Ok(cx.store()?.allocation(round)?)
}

pub fn record_decision(cx: &Cx, input: DecisionInput) -> Result<Uuid, CommandError> {
    Ok(cx.store()?.record_decision(&input)?)
}

pub fn round_numbers(cx: &Cx, round_id: String) -> Result<RoundNumbers, CommandError> {
    let round = id_of("round", &round_id)?;
    Ok(cx.store()?.round_numbers(round)?)
}

/// The round's letters, then its withdrawn ones (each with `withdrawn` set), so the
/// screen can list a withdrawn letter marked rather than have it vanish.
pub fn list_letters(cx: &Cx, round_id: String) -> Result<Vec<LetterView>, CommandError> {
    let round = id_of("round", &round_id)?;
    Ok(cx.store()?.round_letters_and_withdrawn(round)?)
}

pub fn get_letter(cx: &Cx, letter_id: String) -> Result<LetterView, CommandError> {
    let letter = id_of("letter", &letter_id)?;
    Ok(cx.store()?.letter(letter)?)
}

/// Saves the edited text as a new version; returns its number.
pub fn edit_letter(
    cx: &Cx,
    letter_id: String,
    content: LetterContent,
) -> Result<u32, CommandError> {
    let letter = id_of("letter", &letter_id)?;
    Ok(cx.store()?.edit_letter(letter, &content)?)
}

/// Approves the latest version, dated today; returns its number.
pub fn approve_letter(cx: &Cx, letter_id: String) -> Result<u32, CommandError> {
    let letter = id_of("letter", &letter_id)?;
    Ok(cx.store()?.approve_letter(letter, today())?)
}

/// Sets a letter aside (kept, never printed), saying why and who: how a person settles
/// two letters drafted for one application on two laptops. The store refuses an empty
/// reason or name (naming the field) and a letter already withdrawn; returns the fact's id.
pub fn withdraw_letter(
    cx: &Cx,
    letter_id: String,
    reason: String,
    by: String,
) -> Result<String, CommandError> {
    let letter = id_of("letter", &letter_id)?;
    Ok(cx
        .store()?
        .withdraw_letter(letter, &reason, &by)?
        .to_string())
}

#[derive(Debug, Serialize, ts_rs::TS)]
pub struct LongSentence {
    pub sentence: String,
    pub words: usize,
}

/// Sentences over 25 words in a piece of letter text (the editor's live warning).
pub fn long_sentences(_: &Cx, text: String) -> Result<Vec<LongSentence>, CommandError> {
    Ok(trellis_core::letter::long_sentences(&text)
        .into_iter()
        .map(|(sentence, words)| LongSentence { sentence, words })
        .collect())
}

/// The letter template for an outcome (funded, not_funded, waitlisted): the saved one,
/// else the default.
pub fn get_letter_template(cx: &Cx, kind: String) -> Result<Template, CommandError> {
    let kind = OutcomeKind::parse(&kind).map_err(trellis_store::StoreError::from)?;
    Ok(cx.store()?.letter_template(kind)?)
}

/// Saves a template; an unknown placeholder is refused, naming it and its section.
pub fn set_letter_template(cx: &Cx, kind: String, template: Template) -> Result<(), CommandError> {
    let kind = OutcomeKind::parse(&kind).map_err(trellis_store::StoreError::from)?;
    Ok(cx.store()?.set_letter_template(kind, &template)?)
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

#[derive(Debug, Serialize, ts_rs::TS)]
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
pub fn export_letters(cx: &Cx, round_id: String) -> Result<LettersExport, CommandError> {
    let round = id_of("round", &round_id)?;
    let store = cx.store()?;
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

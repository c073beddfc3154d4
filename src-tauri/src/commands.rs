//! Tauri commands: each parses what the UI sent, calls one `Store` (or pure core)
//! function and maps the error. Rules live in trellis-core and trellis-store, never here,
//! so the CLI and the app behave the same.

use std::ops::{Deref, DerefMut};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use chrono::NaiveDate;
use serde::Serialize;
use tauri::{AppHandle, State};
use trellis_core::contact::{ContactInput, ContactKind};
use trellis_core::dei::DeiCode;
use trellis_core::income::IncomeBand;
use trellis_core::organisation::OrganisationInput;
use trellis_core::FieldError;
use trellis_store::{OrganisationDetail, OrganisationSummary, Store, StoreError};
use uuid::Uuid;

use crate::error::{CommandError, ErrorKind};
use crate::sync::SyncHandle;

pub struct AppState {
    /// `Err` holds why the database could not be opened; the UI shows it instead of data.
    db: Result<Mutex<Store>, String>,
    started: Instant,
    exit_after_first_paint: bool,
    sync: SyncHandle,
}

impl AppState {
    pub fn new(
        db: Result<Store, String>,
        started: Instant,
        exit_after_first_paint: bool,
        sync: SyncHandle,
    ) -> Self {
        AppState {
            db: db.map(Mutex::new),
            started,
            exit_after_first_paint,
            sync,
        }
    }

    /// The UI's connection. Every command gets it here, so releasing it is the one place
    /// that tells background sync a change may have been made (no command has to
    /// remember to).
    pub(crate) fn store(&self) -> Result<StoreGuard<'_>, CommandError> {
        match &self.db {
            Ok(db) => db
                .lock()
                .map(|store| StoreGuard {
                    store,
                    sync: &self.sync,
                })
                .map_err(|_| {
                    CommandError::store(
                        "an earlier action failed part-way; restart Trellis to carry on",
                    )
                }),
            Err(why) => Err(CommandError::store(why.clone())),
        }
    }

    pub(crate) fn sync(&self) -> &SyncHandle {
        &self.sync
    }
}

/// The locked store; on release it tells the sync worker, which checks whether this
/// device's change log grew (a write) and, if so, syncs shortly after.
pub(crate) struct StoreGuard<'a> {
    store: MutexGuard<'a, Store>,
    sync: &'a SyncHandle,
}

impl Deref for StoreGuard<'_> {
    type Target = Store;
    fn deref(&self) -> &Store {
        &self.store
    }
}

impl DerefMut for StoreGuard<'_> {
    fn deref_mut(&mut self) -> &mut Store {
        &mut self.store
    }
}

impl Drop for StoreGuard<'_> {
    fn drop(&mut self) {
        // Every store method commits before it returns, so the write (if any) is visible
        // to the worker's own connection by now.
        self.sync.local_change();
    }
}

/// "Today" on this computer: contacts and follow-ups are dated in local time.
pub(crate) fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

fn organisation_id(raw: &str) -> Result<Uuid, CommandError> {
    Uuid::parse_str(raw.trim()).map_err(|_| CommandError {
        kind: ErrorKind::NotFound,
        message: "that is not an organisation Trellis knows".into(),
        fields: Vec::new(),
    })
}

#[derive(Debug, Serialize)]
pub struct AppStatus {
    /// No organisations yet: the UI offers the demo data.
    pub empty: bool,
    pub today: NaiveDate,
    pub programme_name: String,
}

#[tauri::command]
pub async fn app_status(state: State<'_, AppState>) -> Result<AppStatus, CommandError> {
    let store = state.store()?;
    Ok(AppStatus {
        empty: store.is_empty()?,
        today: today(),
        programme_name: store.settings()?.programme_name,
    })
}

#[derive(Debug, Serialize)]
pub struct Choice {
    pub code: &'static str,
    pub label: String,
}

#[derive(Debug, Serialize)]
pub struct ReferenceLists {
    pub income_bands: Vec<Choice>,
    pub contact_kinds: Vec<Choice>,
    pub dei_codes: &'static [DeiCode],
}

#[tauri::command]
pub fn reference_lists() -> ReferenceLists {
    ReferenceLists {
        income_bands: IncomeBand::ALL
            .iter()
            .map(|b| Choice {
                code: b.code(),
                label: b.label().to_string(),
            })
            .collect(),
        contact_kinds: ContactKind::ALL
            .iter()
            .map(|k| Choice {
                code: k.code(),
                label: sentence_case(k.code()),
            })
            .collect(),
        dei_codes: trellis_core::dei::codes(),
    }
}

fn sentence_case(code: &str) -> String {
    let mut chars = code.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[tauri::command]
pub async fn load_demo(state: State<'_, AppState>) -> Result<(), CommandError> {
    state.store()?.load_demo(today())?;
    Ok(())
}

#[tauri::command]
pub async fn list_organisations(
    state: State<'_, AppState>,
    query: String,
) -> Result<Vec<OrganisationSummary>, CommandError> {
    Ok(state.store()?.organisations(&query, today())?)
}

/// Organisations recorded with one identifier (two laptops added one group offline):
/// the identifier, the organisations' ids and the store's sentence saying what to do.
#[derive(Debug, Serialize)]
pub struct SharedIdentifier {
    pub org_ref: String,
    pub organisation_ids: Vec<Uuid>,
    pub message: String,
}

/// Every identifier held by more than one organisation, for the directory's warning.
#[tauri::command]
pub async fn shared_identifiers(
    state: State<'_, AppState>,
) -> Result<Vec<SharedIdentifier>, CommandError> {
    Ok(state
        .store()?
        .shared_identifiers()?
        .into_iter()
        .map(|(org_ref, organisation_ids, message)| SharedIdentifier {
            org_ref,
            organisation_ids,
            message,
        })
        .collect())
}

#[tauri::command]
pub async fn get_organisation(
    state: State<'_, AppState>,
    id: String,
) -> Result<OrganisationDetail, CommandError> {
    let id = organisation_id(&id)?;
    Ok(state.store()?.organisation(id, today())?)
}

/// Checks a form without saving it; an empty list means every field is fine.
#[tauri::command]
pub fn validate_organisation(input: OrganisationInput) -> Vec<FieldError> {
    match trellis_core::organisation::validate(&input) {
        Ok(_) => Vec::new(),
        Err(invalid) => invalid.errors,
    }
}

#[tauri::command]
pub async fn add_organisation(
    state: State<'_, AppState>,
    input: OrganisationInput,
) -> Result<Uuid, CommandError> {
    Ok(state.store()?.add_organisation(&input)?)
}

/// Returns whether anything changed, so the UI can say "no changes" instead of "saved".
#[tauri::command]
pub async fn update_organisation(
    state: State<'_, AppState>,
    id: String,
    input: OrganisationInput,
) -> Result<bool, CommandError> {
    let id = organisation_id(&id)?;
    Ok(state.store()?.update_organisation(id, &input)?)
}

#[tauri::command]
pub fn suggest_org_ref(name: String) -> String {
    trellis_core::org_ref::suggest_unregistered(&name)
}

#[tauri::command]
pub async fn log_contact(
    state: State<'_, AppState>,
    input: ContactInput,
) -> Result<Uuid, CommandError> {
    Ok(state.store()?.log_contact(&input, today())?)
}

#[tauri::command]
pub async fn not_contacted(
    state: State<'_, AppState>,
    days: u32,
) -> Result<Vec<OrganisationSummary>, CommandError> {
    Ok(state.store()?.not_contacted(days, today())?)
}

/// Called by the UI once its first screen is painted. Under
/// TRELLIS_EXIT_AFTER_FIRST_PAINT=1 it reports the time since launch and exits, which is
/// what the cold-start benchmark measures; the exit code is 1 if the database could not be
/// opened, so a script can tell the error screen from a working start.
#[tauri::command]
pub fn first_paint(app: AppHandle, state: State<'_, AppState>) {
    if state.exit_after_first_paint {
        println!("first-paint-ms={}", state.started.elapsed().as_millis());
        app.exit(if state.db.is_ok() { 0 } else { 1 });
    }
}

/// Store errors on the way in (before the window opens) become one sentence for a person.
pub fn describe_open_error(error: &StoreError) -> String {
    format!("Trellis could not open its database: {error}")
}

//! Tauri commands: each parses what the UI sent, calls one `Store` (or pure core)
//! function and maps the error. Rules live in trellis-core and trellis-store, never here,
//! so the CLI and the app behave the same.

use std::ops::{Deref, DerefMut};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use chrono::NaiveDate;
use serde::Serialize;
use tauri::AppHandle;
use trellis_core::contact::{ContactInput, ContactKind};
use trellis_core::dei::DeiCode;
use trellis_core::income::IncomeBand;
use trellis_core::organisation::OrganisationInput;
use trellis_core::FieldError;
use trellis_store::{OrganisationDetail, OrganisationSummary, Store, StoreError};
use uuid::Uuid;

use crate::error::{CommandError, ErrorKind};
use crate::ipc::Cx;
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
        self.store_telling(None)
    }

    /// [`AppState::store`] that, on release, forwards what its writes touched to `app`'s
    /// windows (a read-only caller without the app passes `None`; anything it wrote is
    /// told by the next command's release).
    pub(crate) fn store_telling<'a>(
        &'a self,
        app: Option<&'a AppHandle>,
    ) -> Result<StoreGuard<'a>, CommandError> {
        match &self.db {
            Ok(db) => db
                .lock()
                .map(|store| StoreGuard {
                    store,
                    sync: &self.sync,
                    app,
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
    app: Option<&'a AppHandle>,
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
        if let Some(app) = self.app {
            let changed = self.store.take_changed();
            crate::events::forward(app, crate::events::ChangeSource::Here, changed);
        }
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

#[derive(Debug, Serialize, ts_rs::TS)]
pub struct AppStatus {
    /// No organisations yet: the UI offers the demo data.
    pub empty: bool,
    pub today: NaiveDate,
    pub programme_name: String,
}

pub fn app_status(cx: &Cx) -> Result<AppStatus, CommandError> {
    let store = cx.store()?;
    Ok(AppStatus {
        empty: store.is_empty()?,
        today: today(),
        programme_name: store.settings()?.programme_name,
    })
}

#[derive(Debug, Serialize, ts_rs::TS)]
pub struct Choice {
    pub code: &'static str,
    pub label: String,
}

#[derive(Debug, Serialize, ts_rs::TS)]
pub struct ReferenceLists {
    pub income_bands: Vec<Choice>,
    pub contact_kinds: Vec<Choice>,
    pub dei_codes: &'static [DeiCode],
}

pub fn reference_lists(_: &Cx) -> Result<ReferenceLists, CommandError> {
    Ok(ReferenceLists {
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
    })
}

fn sentence_case(code: &str) -> String {
    let mut chars = code.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub fn load_demo(cx: &Cx) -> Result<(), CommandError> {
    cx.store()?.load_demo(today())?;
    Ok(())
}

pub fn list_organisations(
    cx: &Cx,
    query: String,
) -> Result<Vec<OrganisationSummary>, CommandError> {
    Ok(cx.store()?.organisations(&query, today())?)
}

/// Organisations recorded with one identifier (two laptops added one group offline):
/// the identifier, the organisations' ids and the store's sentence saying what to do.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct SharedIdentifier {
    pub org_ref: String,
    pub organisation_ids: Vec<Uuid>,
    pub message: String,
}

/// Every identifier held by more than one organisation, for the directory's warning.
pub fn shared_identifiers(cx: &Cx) -> Result<Vec<SharedIdentifier>, CommandError> {
    Ok(cx
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

pub fn get_organisation(cx: &Cx, id: String) -> Result<OrganisationDetail, CommandError> {
    let id = organisation_id(&id)?;
    Ok(cx.store()?.organisation(id, today())?)
}

/// Checks a form without saving it; an empty list means every field is fine.
pub fn validate_organisation(
    _: &Cx,
    input: OrganisationInput,
) -> Result<Vec<FieldError>, CommandError> {
    Ok(match trellis_core::organisation::validate(&input) {
        Ok(_) => Vec::new(),
        Err(invalid) => invalid.errors,
    })
}

pub fn add_organisation(cx: &Cx, input: OrganisationInput) -> Result<Uuid, CommandError> {
    Ok(cx.store()?.add_organisation(&input)?)
}

/// Returns whether anything changed, so the UI can say "no changes" instead of "saved".
pub fn update_organisation(
    cx: &Cx,
    id: String,
    input: OrganisationInput,
) -> Result<bool, CommandError> {
    let id = organisation_id(&id)?;
    Ok(cx.store()?.update_organisation(id, &input)?)
}

pub fn suggest_org_ref(_: &Cx, name: String) -> Result<String, CommandError> {
    Ok(trellis_core::org_ref::suggest_unregistered(&name))
}

pub fn log_contact(cx: &Cx, input: ContactInput) -> Result<Uuid, CommandError> {
    Ok(cx.store()?.log_contact(&input, today())?)
}

pub fn not_contacted(cx: &Cx, days: u32) -> Result<Vec<OrganisationSummary>, CommandError> {
    Ok(cx.store()?.not_contacted(days, today())?)
}

/// Called by the UI once its first screen is painted. Under
/// TRELLIS_EXIT_AFTER_FIRST_PAINT=1 it reports the time since launch and exits, which is
/// what the cold-start benchmark measures; the exit code is 1 if the database could not be
/// opened, so a script can tell the error screen from a working start.
pub fn first_paint(cx: &Cx) -> Result<(), CommandError> {
    let state = cx.state();
    if state.exit_after_first_paint {
        println!("first-paint-ms={}", state.started.elapsed().as_millis());
        cx.app().exit(if state.db.is_ok() { 0 } else { 1 });
    }
    Ok(())
}

/// Store errors on the way in (before the window opens) become one sentence for a person.
pub fn describe_open_error(error: &StoreError) -> String {
    format!("Trellis could not open its database: {error}")
}

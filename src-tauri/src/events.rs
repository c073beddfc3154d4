//! What the store says a committed write touched, forwarded to every window as the
//! [`CHANGED`] event: the UI's own writes (when the store is released after a command) and
//! each sync's pulled pages (from the worker's connection). The projector re-reads its
//! ballot, and a listing screen re-reads itself when other laptops' records arrive, with
//! no command having to remember to say so.

use serde::Serialize;
use tauri::{AppHandle, Emitter};
use trellis_store::Changed;

pub use crate::ipc::CHANGED;

/// Where the changes came from: the person at this laptop, or other laptops by sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ChangeSource {
    Here,
    Sync,
}

/// The [`CHANGED`] event's payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ChangedEvent {
    pub source: ChangeSource,
    #[serde(flatten)]
    pub changed: Changed,
}

/// Tells every window, if anything changed. A window that is closing is not an error.
pub fn forward(app: &AppHandle, source: ChangeSource, changed: Changed) {
    if changed.is_empty() {
        return;
    }
    let _ = app.emit(CHANGED, ChangedEvent { source, changed });
}

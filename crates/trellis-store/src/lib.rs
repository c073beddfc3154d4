//! Trellis's local database: one SQLite file per user profile.
//!
//! Architecture invariant: every change goes through [`Store::apply`], which checks the
//! operation, updates the tables and appends one change-log row in a single transaction.
//! Reads never touch the change log. Nothing here knows about Tauri.

mod apply;
mod attachments;
mod backup;
mod cached;
mod changed;
mod decode;
mod demo;
mod demo_letters;
mod demo_round;
mod doctor;
mod error;
mod export;
mod grants;
mod letters;
mod limit;
pub mod migrations;
mod open;
mod organisations;
mod paths;
mod recovery;
mod resolve;
mod settings;
mod sync;
mod voting;
mod write_common;
mod write_contacts;
mod write_grants;
mod write_letters;
mod write_meetings;
mod write_organisations;
mod write_settings;
mod write_votes;

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use uuid::Uuid;

pub use apply::{Applied, BatchError};
pub use attachments::{media_type, StoredFile};
pub use changed::Changed;
pub use demo::DemoSummary;
pub use doctor::DoctorReport;
pub use error::StoreError;
pub use export::canonical_json;
pub use grants::{
    AllocationView, ApplicationSummary, DeclarationView, FactConflict, FactKind, PanelMemberView,
    RivalView, RoundView, SheetView,
};
pub use letters::{DraftReport, LetterStateView, LetterStatus, LetterVersionView, LetterView};
pub use limit::SyncLimit;
pub use organisations::{Contact, OrganisationDetail, OrganisationSummary};
pub use paths::default_db_path;
pub use recovery::{DeviceChange, SetAside};
pub use sync::{Admission, ChangeRow, Quarantined, RemoteApplied, SyncState, MAX_CLOCK_DRIFT_MS};
pub use trellis_core::area::Area;
pub use voting::{
    Attendee, BallotResult, BallotSummary, BallotView, ConflictView, Evidence, IssueSource,
    IssueSummary, MeetingSummary, VoidInfo, VoteRecord, VoteState,
};

pub struct Store {
    conn: Connection,
    path: PathBuf,
    device_id: Uuid,
    /// What this laptop's sync role may not make: set by whoever opens the store, from
    /// the laptop's enrolment.
    limit: Option<SyncLimit>,
    /// What committed changes touched since the app last asked ([`Store::take_changed`]).
    changed: Changed,
}

impl Store {
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// This database's device id: the series its own changes are numbered in.
    pub fn device_id(&self) -> Uuid {
        self.device_id
    }

    pub fn schema_version(&self) -> Result<u32, StoreError> {
        Ok(migrations::user_version(&self.conn)?)
    }
}

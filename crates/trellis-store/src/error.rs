use std::path::PathBuf;

use trellis_core::op::OpDecodeError;
use trellis_core::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("no {what} with id {id}")]
    NotFound { what: &'static str, id: String },
    #[error("{path} is not a readable SQLite database (it may be damaged); it has been left untouched. Restore it from a backup, or run `trellis doctor --db {path}` for details")]
    Corrupt { path: PathBuf },
    #[error("{path} is a SQLite database but not a Trellis one (it has other tables); it has been left untouched")]
    NotTrellis { path: PathBuf },
    #[error("{path} was written by a newer Trellis (schema version {found}; this build knows up to {supported}); it has been left untouched. Update Trellis to open it")]
    SchemaTooNew {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("{path} is locked by another program that is writing to it; try again in a moment")]
    Locked { path: PathBuf },
    #[error("cannot open {path}: {reason}")]
    Open { path: PathBuf, reason: String },
    #[error("migration to schema version {version} failed: {source}")]
    Migration {
        version: u32,
        source: rusqlite::Error,
    },
    #[error("{path} already exists; choose a new file name so nothing is overwritten")]
    WouldOverwrite { path: PathBuf },
    #[error("{}", not_for_role(role, kind))]
    NotForRole { role: String, kind: String },
    #[error("this laptop is enrolled for sync as panel member {name}, so scores and conflict declarations are made here only as {name}; the sync server would refuse this {kind} and hold back every later change, so nothing was saved. Record it on the laptop of the panel member it is for, or on a staff laptop")]
    NotAsYou { name: String, kind: String },
    #[error("cannot find this computer's data folder; pass --db PATH or set TRELLIS_DB")]
    NoDataDir,
    #[error("{what} in the database is damaged: {reason}")]
    Damaged { what: String, reason: String },
    #[error(transparent)]
    Decode(#[from] OpDecodeError),
    /// A value could not be turned into the JSON its column holds: a bug in Trellis, so
    /// the write stops instead of storing something else in its place.
    #[error("could not encode a value for the database (this is a bug in Trellis): {0}")]
    Encode(serde_json::Error),
    #[error("file error at {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

impl StoreError {
    pub(crate) fn damaged(what: impl Into<String>, reason: impl ToString) -> StoreError {
        StoreError::Damaged {
            what: what.into(),
            reason: reason.to_string(),
        }
    }
}

/// Why a laptop limited to `role` refuses a change of `kind`, in words for that role.
fn not_for_role(role: &str, kind: &str) -> String {
    let made_where = match role {
        "panel" => format!("a panel member's laptop makes only scores, drafts and conflict declarations (this was {kind}); staff record everything else"),
        _ => format!("grants records (funding rounds, applications, scores, decisions, letters: here {kind}) are made on staff laptops"),
    };
    format!("this laptop is enrolled for sync as a {role}, and {made_where}. The sync server would refuse it, so nothing was saved")
}

//! Opening a database file safely: a file that is damaged, belongs to another program or
//! was written by a newer Trellis is refused before anything is written to it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags};
use uuid::Uuid;

use crate::migrations::{self, LATEST};
use crate::{Changed, Store, StoreError};

const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

pub(crate) fn classify(path: &Path, err: rusqlite::Error) -> StoreError {
    let path = path.to_path_buf();
    match err.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) | Some(ErrorCode::DatabaseCorrupt) => {
            StoreError::Corrupt { path }
        }
        Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => {
            StoreError::Locked { path }
        }
        Some(ErrorCode::CannotOpen)
        | Some(ErrorCode::PermissionDenied)
        | Some(ErrorCode::ReadOnly) => StoreError::Open {
            path,
            reason: err.to_string(),
        },
        _ => StoreError::Sqlite(err),
    }
}

impl Store {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_at_version(path, LATEST)
    }

    /// Opens and migrates only up to `target`: how tests build databases of every earlier
    /// schema version.
    #[doc(hidden)]
    pub fn open_at_version(path: &Path, target: u32) -> Result<Store, StoreError> {
        let mut conn = connect(path, true)?;
        let found = check_version(&conn, path)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| classify(path, e))?;
        // FULL: a vote or contact reported saved must survive a power cut, not just a crash.
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(|e| classify(path, e))?;
        if found < target {
            migrations::migrate_to(&mut conn, target).map_err(|e| match e {
                StoreError::Sqlite(inner) => classify(path, inner),
                other => other,
            })?;
        }
        let device_id = ensure_device(&conn).map_err(|e| match e {
            StoreError::Sqlite(inner) => classify(path, inner),
            other => other,
        })?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            device_id,
            limit: None,
            changed: Changed::default(),
        })
    }

    /// Opens a database that another log can always rebuild (the sync server's replica of
    /// its change log): commits need not wait for the disk, since a commit lost to a
    /// power cut is applied again from that log.
    pub fn open_replica(path: &Path) -> Result<Store, StoreError> {
        let store = Store::open(path)?;
        store
            .conn
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(|e| classify(path, e))?;
        Ok(store)
    }

    /// Opens an existing database read-only, without migrating or writing anything:
    /// for `doctor` and other inspections of a file that may be damaged.
    pub fn inspect(path: &Path) -> Result<Store, StoreError> {
        if !path.exists() {
            return Err(StoreError::Open {
                path: path.to_path_buf(),
                reason: "no such file".into(),
            });
        }
        let conn = connect(path, false)?;
        check_version(&conn, path)?;
        // Read-only, for `doctor` and `export`, which must still open a file whose device
        // row is damaged in order to report on the rest of it. This open never writes, so
        // the nil id stands for "unknown" and is never stamped on a change.
        let device_id = conn
            .query_row("SELECT device_id FROM device", [], |r| {
                r.get::<_, String>(0)
            })
            .ok()
            .and_then(|s| Uuid::parse_str(&s).ok())
            .unwrap_or_else(Uuid::nil);
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            device_id,
            limit: None,
            changed: Changed::default(),
        })
    }
}

fn connect(path: &Path, writable: bool) -> Result<Connection, StoreError> {
    let flags = if writable {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE
    } else {
        OpenFlags::SQLITE_OPEN_READ_ONLY
    } | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| classify(path, e))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| classify(path, e))?;
    conn.set_prepared_statement_cache_capacity(crate::cached::CAPACITY);
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(|e| classify(path, e))?;
    // Each received change is applied in a savepoint; its sub-journal in memory rather
    // than a temporary file: a first pull of 100,000 changes 5.1 s with the file, 3.5 s
    // without (trellis-bench sync-first-pull).
    conn.pragma_update(None, "temp_store", "MEMORY")
        .map_err(|e| classify(path, e))?;
    Ok(conn)
}

/// Reads the schema version before anything writes to the file (switching to WAL writes
/// the header), refusing files from a newer build or another program.
fn check_version(conn: &Connection, path: &Path) -> Result<u32, StoreError> {
    let found = migrations::user_version(conn).map_err(|e| classify(path, e))?;
    if found > LATEST {
        return Err(StoreError::SchemaTooNew {
            path: PathBuf::from(path),
            found,
            supported: LATEST,
        });
    }
    if found == 0 {
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| classify(path, e))?;
        if tables > 0 {
            return Err(StoreError::NotTrellis {
                path: PathBuf::from(path),
            });
        }
    }
    Ok(found)
}

fn ensure_device(conn: &Connection) -> Result<Uuid, StoreError> {
    if migrations::user_version(conn)? == 0 {
        return Ok(Uuid::nil());
    }
    let existing: Option<String> = conn
        .query_row("SELECT device_id FROM device", [], |r| r.get(0))
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            other => Err(other),
        })?;
    if let Some(id) = existing {
        return Uuid::parse_str(&id).map_err(|e| StoreError::damaged("device id", e));
    }
    let id = Uuid::now_v7();
    conn.execute(
        "INSERT OR IGNORE INTO device (singleton, device_id, hlc) VALUES (1, ?1, ?2)",
        (
            id.to_string(),
            trellis_core::hlc::Hlc::default().to_string(),
        ),
    )?;
    // Another process may have won the race to create the row; its id is the one to use.
    let id: String = conn.query_row("SELECT device_id FROM device", [], |r| r.get(0))?;
    Uuid::parse_str(&id).map_err(|e| StoreError::damaged("device id", e))
}

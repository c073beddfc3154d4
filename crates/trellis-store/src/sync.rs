//! The store's side of sync: which of this laptop's changes still need sending, and
//! applying changes received from other devices through the same table writes as local
//! ones, one transaction per page. Transport (HTTP, the server) lives elsewhere.
//!
//! A received change keeps its identity (device id, device sequence) and clock, so every
//! replica's change log holds the same rows and exports converge byte for byte.

use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde::Serialize;
use trellis_core::hlc::Hlc;
use trellis_core::op::Operation;

use crate::apply::{wall_clock_ms, write_tables};
use crate::cached::Cached;
use crate::decode::{decode, uuid_of};
use crate::migrations::LATEST;
use crate::write_common::Stamp;
use crate::{Changed, Store, StoreError};

/// How far ahead of this laptop's clock another device's clock may be before its changes
/// are refused (its clock is wrong, and trusting it would drag every clock forward).
pub const MAX_CLOCK_DRIFT_MS: u64 = 5 * 60 * 1000;

// The server and the wire format share it without depending on this crate.
pub use trellis_core::change::ChangeRow;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct RemoteApplied {
    pub applied: usize,
    /// Already here (sent twice, or this device's own changes coming back).
    pub duplicates: usize,
    /// Set aside in the quarantine by this page, less any that applied on retry.
    pub set_aside: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SyncState {
    pub pushed_seq: i64,
    pub pull_cursor: i64,
    /// This device's changes not yet acknowledged by the server.
    pub waiting: i64,
    /// The number of this device's latest change.
    pub last_seq: i64,
}

impl Store {
    /// This device's own changes after `after_seq`, oldest first, at most `limit`.
    pub fn local_changes_after(
        &self,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<ChangeRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, device_id, device_seq, hlc, schema_version, kind, payload FROM change_log
             WHERE device_id = ?1 AND device_seq > ?2 ORDER BY device_seq LIMIT ?3",
        )?;
        let rows = stmt.query_map(
            params![self.device_id.to_string(), after_seq, limit as i64],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, u32>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                ))
            },
        )?;
        rows.map(|r| {
            let (id, device, seq, hlc, version, kind, payload) = r?;
            Ok(ChangeRow {
                id: uuid_of("change id", &id)?,
                device_id: uuid_of("change device", &device)?,
                device_seq: seq,
                hlc: hlc
                    .parse()
                    .map_err(|e| StoreError::damaged("change clock", e))?,
                schema_version: version,
                kind,
                payload: decode("change payload", &payload)?,
            })
        })
        .collect()
    }

    pub fn sync_state(&self) -> Result<SyncState, StoreError> {
        let (pushed_seq, pull_cursor): (i64, i64) =
            self.conn
                .row("SELECT pushed_seq, pull_cursor FROM sync_state", [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
        let last: i64 = self.conn.row(
            "SELECT COALESCE(MAX(device_seq), 0) FROM change_log WHERE device_id = ?1",
            [self.device_id.to_string()],
            |r| r.get(0),
        )?;
        Ok(SyncState {
            pushed_seq,
            pull_cursor,
            waiting: (last - pushed_seq).max(0),
            last_seq: last,
        })
    }

    /// Records that the server has acknowledged this device's changes up to `seq`.
    pub fn acknowledge_push(&mut self, seq: i64) -> Result<(), StoreError> {
        self.conn.exec(
            "UPDATE sync_state SET pushed_seq = max(pushed_seq, ?1)",
            [seq],
        )?;
        Ok(())
    }

    /// Forgets what a server acknowledged and sent, for enrolling with a different server:
    /// every local change is offered again (a server stores each once) and everything is
    /// pulled from the start (changes already here count as duplicates).
    pub fn reset_sync_positions(&self) -> Result<(), StoreError> {
        self.conn
            .exec("UPDATE sync_state SET pushed_seq = 0, pull_cursor = 0", [])?;
        Ok(())
    }

    /// Applies a page of changes from other devices in one transaction, and moves the pull
    /// cursor to `cursor` in the same transaction, so a crash mid-pull leaves the previous
    /// consistent state and the page is simply fetched again. A change that cannot be
    /// applied here (a record it needs has not arrived, a newer Trellis made it, it is
    /// damaged or its clock is far ahead) never stops the page: it is set aside in the
    /// quarantine with the reason and tried again after every later page
    /// ([`Store::quarantined`]). Gaps in other devices' series are expected: the server
    /// refuses some changes for good, and withholds some from scoped roles.
    pub fn apply_remote(
        &mut self,
        rows: &[ChangeRow],
        cursor: i64,
    ) -> Result<RemoteApplied, StoreError> {
        self.apply_pulled(rows.iter().map(|r| (r, None)), cursor, None)
    }

    /// [`Store::apply_remote`] for a page as pulled: each change with the user the server
    /// says sent it (shown when it is set aside), and the server's clock, so a laptop whose
    /// own clock is behind does not take the server's recent changes for ones from the
    /// future.
    pub fn apply_pulled<'a>(
        &mut self,
        rows: impl IntoIterator<Item = (&'a ChangeRow, Option<&'a str>)>,
        cursor: i64,
        server_now_ms: Option<u64>,
    ) -> Result<RemoteApplied, StoreError> {
        let own = self.device_id.to_string();
        let path = self.path.clone();
        let now = wall_clock_ms().max(server_now_ms.unwrap_or(0));
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| crate::open::classify(&path, e))?;
        let mut clock = device_clock(&tx)?;
        let mut result = RemoteApplied::default();
        let mut changed = Changed::default();
        // Nearly always empty: then no change needs looking up in it.
        let any_held: bool = tx.row("SELECT EXISTS(SELECT 1 FROM quarantine)", [], |r| r.get(0))?;
        for (row, sent_by) in rows {
            let held: Option<String> = if any_held {
                tx.row(
                    "SELECT row_json FROM quarantine WHERE device_id = ?1 AND device_seq = ?2",
                    params![row.device_id.to_string(), row.device_seq],
                    |r| r.get(0),
                )
                .optional()?
            } else {
                None
            };
            // The same change again waits where it is; a different one under its number
            // (a damaged copy mended) takes its place.
            let again = held.as_deref().is_some_and(|held| {
                serde_json::from_str::<ChangeRow>(held).ok().as_ref() == Some(row)
            });
            if again {
                result.duplicates += 1;
                continue;
            }
            match apply_one(&tx, row, &own, now, &mut changed)? {
                Outcome::Applied => {
                    clock = clock.max(row.hlc);
                    result.applied += 1;
                    if held.is_some() {
                        unquarantine(&tx, row)?;
                    }
                }
                Outcome::Duplicate => result.duplicates += 1,
                Outcome::Refused(reason) => {
                    quarantine(&tx, row, sent_by, &reason)?;
                    result.set_aside += 1;
                }
            }
        }
        let (retried, latest) = retry_quarantine(&tx, &own, now, &mut changed)?;
        result.applied += retried;
        result.set_aside = result.set_aside.saturating_sub(retried);
        if let Some(latest) = latest {
            clock = clock.max(latest);
        }
        if result.applied > 0 {
            clock = clock.tick(now);
        }
        tx.exec("UPDATE device SET hlc = ?1", [clock.to_string()])?;
        tx.exec(
            "UPDATE sync_state SET pull_cursor = max(pull_cursor, ?1)",
            [cursor],
        )?;
        tx.commit().map_err(|e| crate::open::classify(&path, e))?;
        self.committed(changed);
        Ok(result)
    }

    /// The server's check of a push: applies `rows` in order, as every laptop will, in one
    /// transaction, stopping at the first that cannot be applied (not set aside: refused,
    /// with why). `keep` then stores what was admitted elsewhere (the server's log) and
    /// returns the cursor to record; only if it succeeds is this transaction committed,
    /// so this replica never holds a change its caller did not keep.
    pub fn admit_remote<T, E: From<StoreError>>(
        &mut self,
        rows: &[ChangeRow],
        now_ms: u64,
        keep: impl FnOnce(&Admission) -> Result<(T, i64), E>,
    ) -> Result<T, E> {
        let own = self.device_id.to_string();
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| crate::open::classify(&path, e))?;
        let mut admission = Admission::default();
        let mut changed = Changed::default();
        for (i, row) in rows.iter().enumerate() {
            match apply_one(&tx, row, &own, now_ms, &mut changed)? {
                Outcome::Applied => admission.admitted += 1,
                Outcome::Duplicate => admission.duplicates += 1,
                Outcome::Refused(reason) => {
                    admission.refused = Some((i, reason));
                    break;
                }
            }
        }
        let (value, cursor) = keep(&admission)?;
        tx.exec(
            "UPDATE sync_state SET pull_cursor = max(pull_cursor, ?1)",
            [cursor],
        )
        .map_err(StoreError::from)?;
        tx.commit().map_err(|e| crate::open::classify(&path, e))?;
        self.committed(changed);
        Ok(value)
    }

    /// Changes received but set aside, oldest first: who sent them and why they wait.
    pub fn quarantined(&self) -> Result<Vec<Quarantined>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT device_id, device_seq, change_id, kind, sent_by, reason, first_seen
             FROM quarantine ORDER BY first_seen, device_id, device_seq",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Quarantined {
                device_id: r.get(0)?,
                device_seq: r.get(1)?,
                change_id: r.get(2)?,
                kind: r.get(3)?,
                sent_by: r.get(4)?,
                reason: r.get(5)?,
                first_seen: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// What the server's check of a push found: how many changes it admitted, and the first
/// it refused (its index in the push) with why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Admission {
    pub admitted: usize,
    pub duplicates: usize,
    pub refused: Option<(usize, String)>,
}

/// A received change waiting in the quarantine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Quarantined {
    pub device_id: String,
    pub device_seq: i64,
    pub change_id: String,
    pub kind: String,
    pub sent_by: Option<String>,
    pub reason: String,
    pub first_seen: String,
}

enum Outcome {
    Applied,
    Duplicate,
    /// Cannot be applied here: why, in words.
    Refused(String),
}

fn device_clock(tx: &rusqlite::Transaction) -> Result<Hlc, StoreError> {
    let last: String = tx.row("SELECT hlc FROM device", [], |r| r.get(0))?;
    last.parse()
        .map_err(|e| StoreError::damaged("device clock", e))
}

/// Applies one received change through the same table writes as a local one, in a
/// savepoint so that a refusal leaves nothing of it. Only storage failures are errors;
/// a change this laptop cannot apply is `Refused` with the reason. What an applied change
/// touched is added to `changed` once its savepoint is released (the caller keeps it only
/// if the page commits).
fn apply_one(
    tx: &rusqlite::Transaction,
    row: &ChangeRow,
    own: &str,
    now_ms: u64,
    changed: &mut Changed,
) -> Result<Outcome, StoreError> {
    let device = row.device_id.to_string();
    if device == own {
        return Ok(Outcome::Duplicate);
    }
    let seen: Option<i64> = tx
        .row(
            "SELECT 1 FROM change_log WHERE device_id = ?1 AND device_seq = ?2",
            params![device, row.device_seq],
            |r| r.get(0),
        )
        .optional()?;
    if seen.is_some() {
        return Ok(Outcome::Duplicate);
    }
    if row.schema_version > LATEST {
        return Ok(Outcome::Refused(format!(
            "it was made by a newer Trellis (schema {}; this one knows {LATEST}): update Trellis on this laptop",
            row.schema_version
        )));
    }
    if row.device_seq < 1 {
        return Ok(Outcome::Refused(
            "its change number is not 1 or more".into(),
        ));
    }
    let op = match Operation::decode(&row.kind, row.payload.clone()) {
        Ok(op) => op,
        Err(e) => return Ok(Outcome::Refused(format!("it cannot be read: {e}"))),
    };
    if let Err(e) = op.check() {
        return Ok(Outcome::Refused(format!("it is not valid: {e}")));
    }
    if let Err(e) = trellis_core::hlc::check_ahead(row.hlc, now_ms, MAX_CLOCK_DRIFT_MS) {
        return Ok(Outcome::Refused(e.to_string()));
    }
    // Cached like the rest: a savepoint per received change is on every pull's path.
    tx.exec("SAVEPOINT received", [])?;
    let stamp = Stamp {
        hlc: row.hlc.to_string(),
        device_id: &device,
        local: false,
    };
    let mut this = Changed::default();
    let written = write_tables(tx, &op, &stamp, &mut this).and_then(|()| {
        tx.exec(
            "INSERT INTO change_log (id, device_id, device_seq, hlc, schema_version, kind, payload)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                row.id.to_string(),
                device,
                row.device_seq,
                stamp.hlc,
                row.schema_version,
                row.kind,
                row.payload.to_string()
            ],
        )
        .map(drop)
        .map_err(StoreError::from)
    });
    match written {
        Ok(()) => {
            tx.exec("RELEASE received", [])?;
            changed.merge(this);
            Ok(Outcome::Applied)
        }
        Err(e) => {
            tx.exec("ROLLBACK TO received", [])?;
            tx.exec("RELEASE received", [])?;
            match refusal(e) {
                Ok(reason) => Ok(Outcome::Refused(format!("it cannot be applied: {reason}"))),
                Err(storage) => Err(storage),
            }
        }
    }
}

/// Whether a failed write says something about the change (a record it needs is missing,
/// a constraint it breaks: a refusal, in words) or about this laptop's storage (a real
/// error: the disk, a lock, a damaged file), which must stop the page and be retried.
fn refusal(e: StoreError) -> Result<String, StoreError> {
    match e {
        StoreError::Invalid(_) | StoreError::NotFound { .. } | StoreError::Decode(_) => {
            Ok(e.to_string())
        }
        StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, ref message))
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            let what = message.as_deref().unwrap_or("a rule of the database");
            // The change log's unique id, checked by the insert rather than a lookup
            // before it, since every received change would pay for the lookup.
            Ok(if what.contains("change_log.id") {
                "its change id is already another change's".to_string()
            } else if what.contains("FOREIGN KEY") {
                "it refers to a record that is not here".to_string()
            } else {
                format!("it breaks {what}")
            })
        }
        StoreError::Sqlite(
            rusqlite::Error::ToSqlConversionFailure(_)
            | rusqlite::Error::FromSqlConversionFailure(..)
            | rusqlite::Error::IntegralValueOutOfRange(..)
            | rusqlite::Error::InvalidColumnType(..),
        ) => Ok(format!("a value in it does not fit ({e})")),
        other => Err(other),
    }
}

fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn quarantine(
    tx: &rusqlite::Transaction,
    row: &ChangeRow,
    sent_by: Option<&str>,
    reason: &str,
) -> Result<(), StoreError> {
    let json = serde_json::to_string(row).map_err(|e| StoreError::damaged("received change", e))?;
    tx.exec(
        "INSERT INTO quarantine (device_id, device_seq, change_id, kind, sent_by, row_json, reason, first_seen)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (device_id, device_seq) DO UPDATE SET
             change_id = excluded.change_id, kind = excluded.kind, row_json = excluded.row_json,
             reason = excluded.reason",
        params![
            row.device_id.to_string(),
            row.device_seq,
            row.id.to_string(),
            row.kind,
            sent_by,
            json,
            reason,
            now_text()
        ],
    )?;
    Ok(())
}

fn unquarantine(tx: &rusqlite::Transaction, row: &ChangeRow) -> Result<(), StoreError> {
    tx.exec(
        "DELETE FROM quarantine WHERE device_id = ?1 AND device_seq = ?2",
        params![row.device_id.to_string(), row.device_seq],
    )?;
    Ok(())
}

/// Tries every quarantined change again, passes until one applies nothing more (a change
/// may need another that was itself waiting). Returns how many applied and the latest
/// clock among them.
fn retry_quarantine(
    tx: &rusqlite::Transaction,
    own: &str,
    now_ms: u64,
    changed: &mut Changed,
) -> Result<(usize, Option<Hlc>), StoreError> {
    let mut applied = 0;
    let mut latest: Option<Hlc> = None;
    loop {
        let waiting: Vec<(String, i64, String)> = {
            let mut stmt = tx.prepare_cached(
                "SELECT device_id, device_seq, row_json FROM quarantine
                 ORDER BY first_seen, device_id, device_seq",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        let mut progress = false;
        for (device, seq, json) in waiting {
            let outcome = match serde_json::from_str::<ChangeRow>(&json) {
                Ok(row) => {
                    let outcome = apply_one(tx, &row, own, now_ms, changed)?;
                    if matches!(outcome, Outcome::Applied) {
                        latest = latest.max(Some(row.hlc));
                    }
                    outcome
                }
                Err(e) => Outcome::Refused(format!("it cannot be read: {e}")),
            };
            match outcome {
                Outcome::Applied | Outcome::Duplicate => {
                    if matches!(outcome, Outcome::Applied) {
                        applied += 1;
                        progress = true;
                    }
                    tx.exec(
                        "DELETE FROM quarantine WHERE device_id = ?1 AND device_seq = ?2",
                        params![device, seq],
                    )?;
                }
                Outcome::Refused(reason) => {
                    tx.exec(
                        "UPDATE quarantine SET reason = ?3 WHERE device_id = ?1 AND device_seq = ?2",
                        params![device, seq, reason],
                    )?;
                }
            }
        }
        if !progress {
            return Ok((applied, latest));
        }
    }
}

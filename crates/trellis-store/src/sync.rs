//! The store's side of sync: which of this laptop's changes still need sending, and
//! applying changes received from other devices through the same table writes as local
//! ones, one transaction per page. Transport (HTTP, the server) lives elsewhere.
//!
//! A received change keeps its identity (device id, device sequence) and clock, so every
//! replica's change log holds the same rows and exports converge byte for byte.

use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use trellis_core::hlc::Hlc;
use trellis_core::op::Operation;
use trellis_core::Invalid;
use uuid::Uuid;

use crate::apply::{wall_clock_ms, write_tables, Stamp};
use crate::cached::Cached;
use crate::migrations::LATEST;
use crate::{Store, StoreError};

/// How far ahead of this laptop's clock another device's clock may be before its changes
/// are refused (its clock is wrong, and trusting it would drag every clock forward).
pub const MAX_CLOCK_DRIFT_MS: u64 = 5 * 60 * 1000;

/// One change-log row as it travels between devices and the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeRow {
    pub id: Uuid,
    pub device_id: Uuid,
    pub device_seq: i64,
    pub hlc: Hlc,
    pub schema_version: u32,
    pub kind: String,
    pub payload: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct RemoteApplied {
    pub applied: usize,
    /// Already here (sent twice, or this device's own changes coming back).
    pub duplicates: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SyncState {
    pub pushed_seq: i64,
    pub pull_cursor: i64,
    /// This device's changes not yet acknowledged by the server.
    pub waiting: i64,
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
                id: Uuid::parse_str(&id).map_err(|e| StoreError::damaged("change id", e))?,
                device_id: Uuid::parse_str(&device)
                    .map_err(|e| StoreError::damaged("change device", e))?,
                device_seq: seq,
                hlc: hlc
                    .parse()
                    .map_err(|e| StoreError::damaged("change clock", e))?,
                schema_version: version,
                kind,
                payload: serde_json::from_str(&payload)
                    .map_err(|e| StoreError::damaged("change payload", e))?,
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
    /// consistent state and the page is simply fetched again. A malformed change refuses
    /// the whole page, naming it; nothing is applied. A gap in another device's series is
    /// refused (a full replica receives every change, in order).
    pub fn apply_remote(
        &mut self,
        rows: &[ChangeRow],
        cursor: i64,
    ) -> Result<RemoteApplied, StoreError> {
        self.apply_page(rows, cursor, false)
    }

    /// [`Store::apply_remote`] for a role-scoped replica (a facilitator's or panel member's
    /// laptop), from which the server withholds some changes: gaps in other devices'
    /// series are allowed, and a withheld score may arrive after later changes once it is
    /// released. Each row is still applied at most once. Such a replica's change log has
    /// gaps by design; `doctor` checks only the laptop's own series.
    pub fn apply_remote_scoped(
        &mut self,
        rows: &[ChangeRow],
        cursor: i64,
    ) -> Result<RemoteApplied, StoreError> {
        self.apply_page(rows, cursor, true)
    }

    fn apply_page(
        &mut self,
        rows: &[ChangeRow],
        cursor: i64,
        allow_gaps: bool,
    ) -> Result<RemoteApplied, StoreError> {
        let own = self.device_id.to_string();
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| crate::open::classify(&path, e))?;
        let last: String = tx.row("SELECT hlc FROM device", [], |r| r.get(0))?;
        let mut clock: Hlc = last
            .parse()
            .map_err(|e| StoreError::damaged("device clock", e))?;
        let mut result = RemoteApplied::default();
        for row in rows {
            let name = format!("change {}#{}", row.device_id, row.device_seq);
            let device = row.device_id.to_string();
            let seen: Option<i64> = tx
                .row(
                    "SELECT 1 FROM change_log WHERE device_id = ?1 AND device_seq = ?2",
                    params![device, row.device_seq],
                    |r| r.get(0),
                )
                .optional()?;
            if seen.is_some() || device == own {
                result.duplicates += 1;
                continue;
            }
            if row.schema_version > LATEST {
                return Err(Invalid::one(
                    "sync",
                    format!("{name} was made by a newer Trellis (schema {}; this one knows {LATEST}); update Trellis to sync", row.schema_version),
                )
                .into());
            }
            if row.device_seq < 1 {
                return Err(Invalid::one("sync", format!("{name} has no valid number")).into());
            }
            if !allow_gaps {
                let next: i64 = tx.row(
                    "SELECT COALESCE(MAX(device_seq), 0) + 1 FROM change_log WHERE device_id = ?1",
                    [&device],
                    |r| r.get(0),
                )?;
                if row.device_seq != next {
                    return Err(Invalid::one(
                        "sync",
                        format!("{name} arrived out of order (expected number {next} from that device); sync again"),
                    )
                    .into());
                }
            }
            let op = Operation::decode(&row.kind, row.payload.clone())?;
            op.check()
                .map_err(|e| Invalid::one("sync", format!("{name} is not valid: {e}")))?;
            clock = clock
                .observe(row.hlc, wall_clock_ms(), MAX_CLOCK_DRIFT_MS)
                .map_err(|e| Invalid::one("sync", format!("{name}: {e}")))?;
            let stamp = Stamp {
                hlc: row.hlc.to_string(),
                device_id: &device,
                local: false,
            };
            write_tables(&tx, &op, &stamp).map_err(|e| match e {
                StoreError::Invalid(i) => StoreError::from(Invalid::one(
                    "sync",
                    format!("{name} cannot be applied here: {i}"),
                )),
                other => other,
            })?;
            tx.exec(
                "INSERT INTO change_log (id, device_id, device_seq, hlc, schema_version, kind, payload)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![row.id.to_string(), device, row.device_seq, stamp.hlc, row.schema_version, row.kind, row.payload.to_string()],
            )?;
            result.applied += 1;
        }
        tx.exec("UPDATE device SET hlc = ?1", [clock.to_string()])?;
        tx.exec(
            "UPDATE sync_state SET pull_cursor = max(pull_cursor, ?1)",
            [cursor],
        )?;
        tx.commit().map_err(|e| crate::open::classify(&path, e))?;
        Ok(result)
    }
}

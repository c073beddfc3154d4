//! Putting this laptop's own unsent changes right when sync finds them wrong, without
//! losing any: a change the server refused for good is set aside; changes stamped by a
//! clock that was ahead are stamped again once it is correct; and a database that turns
//! out to be a restored backup or a copy carries on as a new device of the same user.
//!
//! Only changes no other device has received are ever rewritten (the server holds none of
//! them), so every replica still agrees on every change it holds. A change's stamp
//! (clock, device) is copied into the tables it wrote (last-writer-wins clocks, facts'
//! order), so a rewrite changes it there too, in the same transaction.

use rusqlite::{params, Transaction, TransactionBehavior};
use serde::Serialize;
use trellis_core::hlc::Hlc;
use uuid::Uuid;

use crate::cached::Cached;
use crate::{Store, StoreError};

/// One of this laptop's changes the server refused for good.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SetAside {
    pub device_seq: i64,
    pub kind: String,
    pub error: String,
    pub reason: String,
    pub at: String,
}

/// A time this database carried on as a new device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceChange {
    pub old_device: String,
    pub new_device: String,
    pub moved: i64,
    pub at: String,
    pub reason: String,
}

/// Tables that are sync's own bookkeeping, never a change's effects.
const BOOKKEEPING: [&str; 6] = [
    "change_log",
    "device",
    "sync_state",
    "quarantine",
    "set_aside",
    "device_history",
];

/// Where a change's stamp is copied: (table, clock column, device column if any).
fn stamp_columns(tx: &Transaction) -> Result<Vec<(String, String, Option<String>)>, StoreError> {
    let tables: Vec<String> = {
        let mut stmt =
            tx.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    let mut out = Vec::new();
    for table in tables {
        if BOOKKEEPING.contains(&table.as_str()) || table.starts_with("sqlite_") {
            continue;
        }
        let columns: Vec<String> = {
            let mut stmt = tx.prepare(&format!("PRAGMA table_info(\"{table}\")"))?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(1))?;
            rows.collect::<Result<_, _>>()?
        };
        let has = |c: &str| columns.iter().any(|x| x == c);
        for (clock, device) in [("hlc", "device_id"), ("approved_hlc", "approved_device")] {
            if has(clock) {
                out.push((
                    table.clone(),
                    clock.to_string(),
                    has(device).then(|| device.to_string()),
                ));
            }
        }
    }
    Ok(out)
}

/// Rewrites one change's stamp wherever it was copied.
fn rewrite_stamp(
    tx: &Transaction,
    columns: &[(String, String, Option<String>)],
    old: (&str, &str),
    new: (&str, &str),
) -> Result<(), StoreError> {
    for (table, clock, device) in columns {
        match device {
            Some(device) => tx.exec(
                &format!(
                    "UPDATE \"{table}\" SET {clock} = ?1, {device} = ?2 WHERE {clock} = ?3 AND {device} = ?4"
                ),
                params![new.0, new.1, old.0, old.1],
            )?,
            None => tx.exec(
                &format!("UPDATE \"{table}\" SET {clock} = ?1 WHERE {clock} = ?2"),
                params![new.0, old.0],
            )?,
        };
    }
    Ok(())
}

fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl Store {
    /// Records that the server refused this laptop's change `seq` for good. It stays here
    /// (this laptop's series stays whole) and is listed by [`Store::set_aside`].
    pub fn record_set_aside(&self, seq: i64, error: &str, reason: &str) -> Result<(), StoreError> {
        self.conn.exec(
            "INSERT INTO set_aside (device_id, device_seq, error, reason, at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (device_id, device_seq) DO UPDATE SET error = excluded.error, reason = excluded.reason",
            params![self.device_id.to_string(), seq, error, reason, now_text()],
        )?;
        Ok(())
    }

    /// This laptop's changes the server refused for good, oldest first.
    pub fn set_aside(&self) -> Result<Vec<SetAside>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT s.device_seq, COALESCE(c.kind, ''), s.error, s.reason, s.at FROM set_aside s
             LEFT JOIN change_log c ON c.device_id = s.device_id AND c.device_seq = s.device_seq
             ORDER BY s.at, s.device_seq",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(SetAside {
                device_seq: r.get(0)?,
                kind: r.get(1)?,
                error: r.get(2)?,
                reason: r.get(3)?,
                at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every time this database carried on as a new device, oldest first.
    pub fn device_history(&self) -> Result<Vec<DeviceChange>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT old_device, new_device, moved, at, reason FROM device_history ORDER BY at",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(DeviceChange {
                old_device: r.get(0)?,
                new_device: r.get(1)?,
                moved: r.get(2)?,
                at: r.get(3)?,
                reason: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// After this laptop's clock was ahead and has been put right: stamps every unsent
    /// change again, in order, from the later of `now_ms` (the server's clock) and every
    /// stamp already shared, and brings the device's clock back with them. Their order
    /// among themselves, and against everything they were already later than, is kept.
    /// Returns how many were stamped again.
    pub fn restamp_unsent(&mut self, now_ms: u64) -> Result<usize, StoreError> {
        let own = self.device_id.to_string();
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| crate::open::classify(&path, e))?;
        let pushed: i64 = tx.row("SELECT pushed_seq FROM sync_state", [], |r| r.get(0))?;
        let shared: Option<String> = tx.row(
            "SELECT MAX(hlc) FROM change_log WHERE NOT (device_id = ?1 AND device_seq > ?2)",
            params![own, pushed],
            |r| r.get(0),
        )?;
        let mut clock = match shared {
            Some(text) => text
                .parse::<Hlc>()
                .map_err(|e| StoreError::damaged("change clock", e))?,
            None => Hlc::default(),
        };
        let now = now_ms;
        let unsent: Vec<(i64, String)> = {
            let mut stmt = tx.prepare(
                "SELECT device_seq, hlc FROM change_log WHERE device_id = ?1 AND device_seq > ?2 ORDER BY device_seq",
            )?;
            let rows = stmt.query_map(params![own, pushed], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        let columns = stamp_columns(&tx)?;
        for (seq, old) in &unsent {
            clock = clock.tick(now);
            let new = clock.to_string();
            rewrite_stamp(&tx, &columns, (old, &own), (&new, &own))?;
            tx.exec(
                "UPDATE change_log SET hlc = ?1 WHERE device_id = ?2 AND device_seq = ?3",
                params![new, own, seq],
            )?;
        }
        if unsent.is_empty() {
            clock = clock.max(Hlc {
                millis: now,
                counter: 0,
            });
        }
        tx.exec("UPDATE device SET hlc = ?1", [clock.to_string()])?;
        tx.commit().map_err(|e| crate::open::classify(&path, e))?;
        Ok(unsent.len())
    }

    /// This database is a restored backup or a copy: the server holds changes under this
    /// device's numbers that are not this laptop's. It carries on as `new_device`: its own
    /// changes from `from_seq` on (none of which the server holds) move to the new device,
    /// numbered from 1, to be sent again; the old device's changes it lacks then arrive
    /// like any other device's, so the pull starts again from the beginning. Nothing is
    /// lost and nothing is counted twice. Returns how many changes moved.
    pub fn continue_as_new_device(
        &mut self,
        new_device: Uuid,
        from_seq: i64,
        reason: &str,
    ) -> Result<usize, StoreError> {
        let old = self.device_id.to_string();
        let new = new_device.to_string();
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| crate::open::classify(&path, e))?;
        let moving: Vec<(i64, String)> = {
            let mut stmt = tx.prepare(
                "SELECT device_seq, hlc FROM change_log WHERE device_id = ?1 AND device_seq >= ?2 ORDER BY device_seq",
            )?;
            let rows = stmt.query_map(params![old, from_seq], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        let columns = stamp_columns(&tx)?;
        for (n, (seq, hlc)) in moving.iter().enumerate() {
            rewrite_stamp(&tx, &columns, (hlc, &old), (hlc, &new))?;
            tx.exec(
                "UPDATE change_log SET device_id = ?1, device_seq = ?2 WHERE device_id = ?3 AND device_seq = ?4",
                params![new, n as i64 + 1, old, seq],
            )?;
        }
        // A moved change is sent again as the new device's; if it is refused again, it is
        // set aside again.
        tx.exec(
            "DELETE FROM set_aside WHERE device_id = ?1 AND device_seq >= ?2",
            params![old, from_seq],
        )?;
        tx.exec("UPDATE device SET device_id = ?1", [&new])?;
        tx.exec("UPDATE sync_state SET pushed_seq = 0, pull_cursor = 0", [])?;
        tx.exec(
            "INSERT INTO device_history (old_device, new_device, moved, at, reason) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![old, new, moving.len() as i64, now_text(), reason],
        )?;
        tx.commit().map_err(|e| crate::open::classify(&path, e))?;
        self.device_id = new_device;
        Ok(moving.len())
    }
}

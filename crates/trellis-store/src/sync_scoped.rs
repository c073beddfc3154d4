//! Applying a page pulled by a role-scoped device (a facilitator or panel member), to which
//! the server withholds some changes. Other devices' series then arrive with gaps, and a
//! withheld score may arrive later than the device's next changes (released once the panel
//! member has submitted their own). Everything else is [`Store::apply_remote`]'s rule: one
//! transaction per page with the cursor, idempotent, corrupt rows and clock drift refused.
//!
//! A scoped replica's change log therefore has gaps by design; `doctor`'s gapless check
//! is meant for full replicas.

use rusqlite::{params, OptionalExtension, TransactionBehavior};
use trellis_core::hlc::Hlc;
use trellis_core::op::Operation;
use trellis_core::Invalid;

use crate::apply::{wall_clock_ms, write_tables, Stamp};
use crate::migrations::LATEST;
use crate::sync::{ChangeRow, RemoteApplied, MAX_CLOCK_DRIFT_MS};
use crate::{Store, StoreError};

impl Store {
    /// [`Store::apply_remote`] for a role-scoped replica: gaps in other devices' series are
    /// allowed (the server withheld those changes from this role); each row is still
    /// applied at most once.
    pub fn apply_remote_scoped(
        &mut self,
        rows: &[ChangeRow],
        cursor: i64,
    ) -> Result<RemoteApplied, StoreError> {
        let own = self.device_id.to_string();
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| crate::open::classify(&path, e))?;
        let last: String = tx.query_row("SELECT hlc FROM device", [], |r| r.get(0))?;
        let mut clock: Hlc = last
            .parse()
            .map_err(|e| StoreError::damaged("device clock", e))?;
        let mut result = RemoteApplied::default();
        for row in rows {
            let name = format!("change {}#{}", row.device_id, row.device_seq);
            let device = row.device_id.to_string();
            let seen: Option<i64> = tx
                .query_row(
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
            tx.execute(
                "INSERT INTO change_log (id, device_id, device_seq, hlc, schema_version, kind, payload)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![row.id.to_string(), device, row.device_seq, stamp.hlc, row.schema_version, row.kind, row.payload.to_string()],
            )?;
            result.applied += 1;
        }
        tx.execute("UPDATE device SET hlc = ?1", [clock.to_string()])?;
        tx.execute(
            "UPDATE sync_state SET pull_cursor = max(pull_cursor, ?1)",
            [cursor],
        )?;
        tx.commit().map_err(|e| crate::open::classify(&path, e))?;
        Ok(result)
    }
}

//! Table writes for the programme settings (called only from `apply`): each key is a
//! field of its own, last writer wins.

use rusqlite::{params, Transaction};
use serde_json::Value;
use trellis_core::op::Operation;
use trellis_core::Invalid;

use crate::cached::Cached;
use crate::write_common::{write_if_latest, Stamp};
use crate::StoreError;

pub(crate) fn write(tx: &Transaction, op: &Operation, stamp: &Stamp) -> Result<(), StoreError> {
    match op {
        Operation::SettingSet { key, value } => set(tx, key, value, stamp),
        _ => Err(Invalid::one("kind", format!("{} is not a setting change", op.kind())).into()),
    }
}

fn set(tx: &Transaction, key: &str, value: &Value, stamp: &Stamp) -> Result<(), StoreError> {
    write_if_latest(tx, "setting", key, "value", stamp, || {
        tx.exec(
            "INSERT INTO setting (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value.to_string()],
        )?;
        Ok(())
    })
}

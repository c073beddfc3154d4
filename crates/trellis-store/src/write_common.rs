//! What every domain's table writes share: the stamp a change is written with, the
//! last-writer-wins field clocks, inserting facts that must be new, checking that the
//! records a change names exist, and encoding values for their columns.

use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;
use trellis_core::Invalid;
use uuid::Uuid;

use crate::cached::Cached;
use crate::StoreError;

/// The clock reading that decides last-writer-wins: (hlc, device id).
pub(crate) struct Stamp<'a> {
    pub(crate) hlc: String,
    pub(crate) device_id: &'a str,
    /// True for a change made on this laptop. A change received from another device was
    /// checked there; here only what keeps the data whole is checked, so that facts
    /// recorded offline on two laptops (two votes by one voter, say) are both kept.
    pub(crate) local: bool,
}

/// A value as the JSON its column holds. Every value written is one of our own types, so
/// a failure is a bug: it stops the write rather than storing "null" in its place.
pub(crate) fn json(value: &(impl Serialize + ?Sized)) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(StoreError::Encode)
}

/// An enum's serde name without the JSON quotes: the short codes status-like columns hold
/// (read back by `decode::from_code`).
pub(crate) fn code(value: &(impl Serialize + ?Sized)) -> Result<String, StoreError> {
    Ok(json(value)?.trim_matches('"').to_string())
}

/// Inserts a row that must be new; a repeated id is refused by name.
pub(crate) fn insert_new(
    tx: &Transaction,
    what: &str,
    id: Uuid,
    sql: &str,
    values: impl rusqlite::Params,
) -> Result<(), StoreError> {
    if tx.exec(sql, values)? == 0 {
        return Err(Invalid::one("id", format!("a {what} with id {id} already exists")).into());
    }
    Ok(())
}

pub(crate) fn exists(tx: &Transaction, table: &str, id: Uuid) -> Result<bool, StoreError> {
    // `table` is always a literal from this crate, never input.
    Ok(tx
        .row(
            &format!("SELECT 1 FROM {table} WHERE id = ?1"),
            [id.to_string()],
            |r| r.get::<_, i64>(0),
        )
        .optional()?
        .is_some())
}

/// Refuses a change naming a record (`what`, in `table`) that is not here, by its field.
pub(crate) fn require(
    tx: &Transaction,
    table: &str,
    what: &str,
    field: &str,
    id: Uuid,
) -> Result<(), StoreError> {
    if exists(tx, table, id)? {
        Ok(())
    } else {
        Err(Invalid::one(field, format!("no {what} with id {id}")).into())
    }
}

pub(crate) fn require_organisation(
    tx: &Transaction,
    id: Uuid,
    field: &str,
) -> Result<(), StoreError> {
    require(tx, "organisation", "organisation", field, id)
}

/// Last writer wins per field, ordered by (hlc, device id): the same answer whatever
/// order two devices' changes arrive in.
pub(crate) fn wins(
    tx: &Transaction,
    entity: &str,
    id: &str,
    field: &str,
    stamp: &Stamp,
) -> Result<bool, StoreError> {
    let current: Option<(String, String)> = tx
        .row(
            "SELECT hlc, device_id FROM field_clock WHERE entity = ?1 AND entity_id = ?2 AND field = ?3",
            params![entity, id, field],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(match current {
        None => true,
        Some((hlc, device)) => {
            (stamp.hlc.as_str(), stamp.device_id) > (hlc.as_str(), device.as_str())
        }
    })
}

pub(crate) fn set_clock(
    tx: &Transaction,
    entity: &str,
    id: &str,
    field: &str,
    stamp: &Stamp,
) -> Result<(), StoreError> {
    tx.exec(
        "INSERT INTO field_clock (entity, entity_id, field, hlc, device_id) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc, device_id = excluded.device_id",
        params![entity, id, field, stamp.hlc, stamp.device_id],
    )?;
    Ok(())
}

/// Writes one last-writer-wins field if this change is the latest to touch it: `write`
/// runs only then, and the field's clock moves with it.
pub(crate) fn write_if_latest(
    tx: &Transaction,
    entity: &str,
    id: &str,
    field: &str,
    stamp: &Stamp,
    write: impl FnOnce() -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    if wins(tx, entity, id, field, stamp)? {
        write()?;
        set_clock(tx, entity, id, field, stamp)?;
    }
    Ok(())
}

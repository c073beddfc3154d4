//! Table writes for the relationship log (called only from `apply`): a contact is a fact,
//! inserted once for an organisation that is here.

use rusqlite::{params, Transaction};
use trellis_core::contact::ContactFields;
use trellis_core::op::Operation;
use trellis_core::Invalid;
use uuid::Uuid;

use crate::write_common::{insert_new, require_organisation};
use crate::StoreError;

pub(crate) fn write(tx: &Transaction, op: &Operation) -> Result<(), StoreError> {
    match op {
        Operation::ContactLog { id, fields } => log(tx, *id, fields),
        _ => Err(Invalid::one("kind", format!("{} is not a contact change", op.kind())).into()),
    }
}

fn log(tx: &Transaction, id: Uuid, fields: &ContactFields) -> Result<(), StoreError> {
    require_organisation(tx, fields.organisation_id, "organisation_id")?;
    insert_new(
        tx,
        "contact",
        id,
        "INSERT OR IGNORE INTO contact (id, organisation_id, date, kind, by_whom, notes, follow_up)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            id.to_string(),
            fields.organisation_id.to_string(),
            fields.date.to_string(),
            fields.kind.code(),
            fields.by,
            fields.notes,
            fields.follow_up.map(|d| d.to_string()),
        ],
    )
}

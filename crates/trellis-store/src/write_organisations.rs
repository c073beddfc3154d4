//! Table writes for the organisation directory (called only from `apply`): a new
//! organisation, and edits merged per field, last writer wins. The one check a laptop
//! makes before recording is that the identifier is not another organisation's.

use rusqlite::{params, OptionalExtension, Transaction};
use trellis_core::op::Operation;
use trellis_core::organisation::{OrganisationFields, OrganisationPatch};
use trellis_core::Invalid;
use uuid::Uuid;

use crate::cached::Cached;
use crate::write_common::{json, set_clock, write_if_latest, Stamp};
use crate::StoreError;

pub(crate) fn write(tx: &Transaction, op: &Operation, stamp: &Stamp) -> Result<(), StoreError> {
    match op {
        Operation::OrganisationCreate { id, fields } => create(tx, *id, fields, stamp),
        Operation::OrganisationUpdate { id, changes } => update(tx, *id, changes, stamp),
        _ => Err(Invalid::one(
            "kind",
            format!("{} is not an organisation change", op.kind()),
        )
        .into()),
    }
}

/// Identifiers must be unique in the directory so that imports, votes and grants can
/// name an organisation without ambiguity.
fn require_unique_ref(tx: &Transaction, id: Uuid, org_ref: &str) -> Result<(), StoreError> {
    let other: Option<String> = tx
        .row(
            "SELECT name FROM organisation WHERE org_ref = ?1 AND id <> ?2",
            params![org_ref, id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    match other {
        Some(name) => Err(Invalid::one(
            "org_ref",
            format!(
                "{org_ref} is already used by {name}; each organisation needs its own identifier"
            ),
        )
        .into()),
        None => Ok(()),
    }
}

const ORG_FIELDS: [&str; 7] = [
    "name",
    "org_ref",
    "address",
    "postcode",
    "income_band",
    "led_by",
    "communities_served",
];

fn create(
    tx: &Transaction,
    id: Uuid,
    f: &OrganisationFields,
    stamp: &Stamp,
) -> Result<(), StoreError> {
    if stamp.local {
        require_unique_ref(tx, id, &f.org_ref)?;
    }
    let inserted = tx.exec(
        "INSERT OR IGNORE INTO organisation (id, name, org_ref, address, postcode, income_band, led_by, communities_served)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            id.to_string(),
            f.name,
            f.org_ref,
            f.address,
            f.postcode,
            f.income_band.code(),
            json(&f.led_by)?,
            json(&f.communities_served)?
        ],
    )?;
    if inserted == 0 {
        return Err(
            Invalid::one("id", format!("an organisation with id {id} already exists")).into(),
        );
    }
    for field in ORG_FIELDS {
        set_clock(tx, "organisation", &id.to_string(), field, stamp)?;
    }
    Ok(())
}

fn update(
    tx: &Transaction,
    id: Uuid,
    patch: &OrganisationPatch,
    stamp: &Stamp,
) -> Result<(), StoreError> {
    let current = crate::organisations::fields(tx, id)?.ok_or_else(|| StoreError::NotFound {
        what: "organisation",
        id: id.to_string(),
    })?;
    let next = current.patched(patch);
    next.check()?;
    if patch.org_ref.is_some() && stamp.local {
        require_unique_ref(tx, id, &next.org_ref)?;
    }
    let entity_id = id.to_string();
    let columns: [(&str, Option<String>); 7] = [
        ("name", patch.name.clone()),
        ("org_ref", patch.org_ref.clone()),
        ("address", patch.address.clone()),
        ("postcode", patch.postcode.clone()),
        (
            "income_band",
            patch.income_band.map(|b| b.code().to_string()),
        ),
        ("led_by", patch.led_by.as_ref().map(json).transpose()?),
        (
            "communities_served",
            patch.communities_served.as_ref().map(json).transpose()?,
        ),
    ];
    for (column, value) in columns {
        let Some(value) = value else { continue };
        write_if_latest(tx, "organisation", &entity_id, column, stamp, || {
            // `column` comes from the fixed list above, never from input.
            tx.exec(
                &format!("UPDATE organisation SET {column} = ?1 WHERE id = ?2"),
                params![value, entity_id],
            )?;
            Ok(())
        })?;
    }
    Ok(())
}

//! The one write path. An operation is checked, written to the tables and appended to the
//! change log in one IMMEDIATE transaction, so a crash at any point leaves either all of
//! it or none of it, and two writers on one file queue up instead of interleaving.

use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};
use serde::Serialize;
use trellis_core::changes::Changed;
use trellis_core::hlc::Hlc;
use trellis_core::op::Operation;
use trellis_core::organisation::{OrganisationFields, OrganisationPatch};
use trellis_core::{FieldError, Invalid};
use uuid::Uuid;

use crate::cached::Cached;
use crate::migrations::LATEST;
use crate::{Store, StoreError};

/// Where a change sits: its identity (device, sequence) and its clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Applied {
    pub change_id: Uuid,
    pub device_id: Uuid,
    pub device_seq: i64,
    pub hlc: Hlc,
}

/// The clock reading that decides last-writer-wins: (hlc, device id).
pub(crate) struct Stamp<'a> {
    pub(crate) hlc: String,
    pub(crate) device_id: &'a str,
    /// True for a change made on this laptop. A change received from another device was
    /// checked there; here only what keeps the data whole is checked, so that facts
    /// recorded offline on two laptops (two votes by one voter, say) are both kept.
    pub(crate) local: bool,
}

pub(crate) fn wall_clock_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// A batch failed: which operation (0-based) and why. Nothing in the batch was written.
#[derive(Debug)]
pub struct BatchError {
    pub index: usize,
    pub error: StoreError,
}

impl Store {
    /// Applies one local operation: the only way anything in the database changes.
    pub fn apply(&mut self, op: &Operation) -> Result<Applied, StoreError> {
        self.apply_all(std::slice::from_ref(op))
            .map_err(|e| e.error)
            .map(|mut applied| applied.remove(0))
    }

    /// Applies several operations all or nothing, in one transaction: an import either
    /// lands whole or leaves the database as it was. Each still gets its own change-log
    /// row, in order.
    pub fn apply_all(&mut self, ops: &[Operation]) -> Result<Vec<Applied>, BatchError> {
        let at = |index: usize| move |error: StoreError| BatchError { index, error };
        for (i, op) in ops.iter().enumerate() {
            op.check().map_err(|e| at(i)(e.into()))?;
        }
        self.check_limit(ops).map_err(|(i, e)| at(i)(e))?;
        let device_id = self.device_id.to_string();
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| at(0)(crate::open::classify(&path, e)))?;
        let last: String = tx
            .row("SELECT hlc FROM device", [], |r| r.get(0))
            .map_err(|e| at(0)(e.into()))?;
        let mut hlc: Hlc = last
            .parse()
            .map_err(|e| at(0)(StoreError::damaged("device clock", e)))?;
        let mut device_seq: i64 = tx
            .row(
                "SELECT COALESCE(MAX(device_seq), 0) FROM change_log WHERE device_id = ?1",
                [&device_id],
                |r| r.get(0),
            )
            .map_err(|e| at(0)(e.into()))?;
        let mut applied = Vec::with_capacity(ops.len());
        let mut changed = Changed::default();
        for (i, op) in ops.iter().enumerate() {
            hlc = hlc.tick(wall_clock_ms());
            device_seq += 1;
            let stamp = Stamp {
                hlc: hlc.to_string(),
                device_id: &device_id,
                local: true,
            };
            write_tables(&tx, op, &stamp).map_err(at(i))?;
            changed.note(op, ballot_of(&tx, op).map_err(at(i))?);
            let change_id = Uuid::now_v7();
            tx.exec(
                "INSERT INTO change_log (id, device_id, device_seq, hlc, schema_version, kind, payload)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    change_id.to_string(),
                    device_id,
                    device_seq,
                    stamp.hlc,
                    LATEST,
                    op.kind(),
                    op.payload().to_string()
                ],
            )
            .map_err(|e| at(i)(e.into()))?;
            applied.push(Applied {
                change_id,
                device_id: self.device_id,
                device_seq,
                hlc,
            });
        }
        let last_index = ops.len().saturating_sub(1);
        tx.exec("UPDATE device SET hlc = ?1", [hlc.to_string()])
            .map_err(|e| at(last_index)(e.into()))?;
        tx.commit()
            .map_err(|e| at(last_index)(crate::open::classify(&path, e)))?;
        // Only now: a write that rolled back changed nothing anyone should re-read.
        self.changed.merge(changed);
        Ok(applied)
    }
}

/// The ballot `op` changes; a void names only its vote, so its ballot is read here.
pub(crate) fn ballot_of(
    tx: &rusqlite::Transaction,
    op: &Operation,
) -> Result<Option<Uuid>, StoreError> {
    if let Operation::VoteVoid { vote_id, .. } = op {
        let ballot: Option<String> = tx
            .row(
                "SELECT ballot_id FROM vote WHERE id = ?1",
                [vote_id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        return ballot
            .map(|b| Uuid::parse_str(&b).map_err(|e| StoreError::damaged("a vote's ballot", e)))
            .transpose();
    }
    Ok(op.ballot())
}

pub(crate) fn json(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

pub(crate) fn write_tables(
    tx: &Transaction,
    op: &Operation,
    stamp: &Stamp,
) -> Result<(), StoreError> {
    match op {
        Operation::OrganisationCreate { id, fields } => create_organisation(tx, *id, fields, stamp),
        Operation::OrganisationUpdate { id, changes } => {
            update_organisation(tx, *id, changes, stamp)
        }
        Operation::ContactLog { id, fields } => {
            require_organisation(tx, fields.organisation_id, "organisation_id")?;
            let inserted = tx.exec(
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
            )?;
            if inserted == 0 {
                return Err(Invalid::one(
                    "id",
                    format!("a contact with id {id} is already logged"),
                )
                .into());
            }
            Ok(())
        }
        Operation::SettingSet { key, value } => {
            if wins(tx, "setting", key, "value", stamp)? {
                tx.exec(
                    "INSERT INTO setting (key, value) VALUES (?1, ?2)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    params![key, value.to_string()],
                )?;
                set_clock(tx, "setting", key, "value", stamp)?;
            }
            Ok(())
        }
        Operation::MeetingCreate { .. }
        | Operation::MeetingAttend { .. }
        | Operation::MeetingNote { .. }
        | Operation::IssueRaise { .. }
        | Operation::IssueEvidence { .. }
        | Operation::IssueMerge { .. } => crate::write_meetings::write(tx, op, stamp),
        Operation::BallotCreate { .. }
        | Operation::BallotStatusSet { .. }
        | Operation::BallotReveal { .. }
        | Operation::BallotTokens { .. }
        | Operation::VoteCast { .. }
        | Operation::VoteVoid { .. }
        | Operation::VoteResolve { .. } => crate::write_votes::write(tx, op, stamp),
        Operation::RoundCreate { .. }
        | Operation::RoundExtension { .. }
        | Operation::PanelMember { .. }
        | Operation::ApplicationCreate { .. }
        | Operation::ApplicationAttach { .. }
        | Operation::ApplicationSupport { .. }
        | Operation::PanelAssign { .. }
        | Operation::ConflictDeclare { .. }
        | Operation::ScoreDraft { .. }
        | Operation::ScoreSubmit { .. }
        | Operation::ScoreRevise { .. }
        | Operation::ModerationAgree { .. }
        | Operation::DecisionRecord { .. } => crate::write_grants::write(tx, op, stamp),
        Operation::LetterTemplate { .. }
        | Operation::LetterDraft { .. }
        | Operation::LetterEdit { .. }
        | Operation::LetterApprove { .. }
        | Operation::LetterStateSet { .. }
        | Operation::OrganisationPreference { .. }
        | Operation::LetterWithdraw { .. } => crate::write_letters::write(tx, op, stamp),
    }
}

pub(crate) fn require_organisation(
    tx: &Transaction,
    id: Uuid,
    field: &str,
) -> Result<(), StoreError> {
    let found: Option<i64> = tx
        .row(
            "SELECT 1 FROM organisation WHERE id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    match found {
        Some(_) => Ok(()),
        None => Err(Invalid::one(field, format!("no organisation with id {id}")).into()),
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
        Some(name) => Err(Invalid {
            errors: vec![FieldError::new(
                "org_ref",
                format!("{org_ref} is already used by {name}; each organisation needs its own identifier"),
            )],
        }
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

fn create_organisation(
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
            json(&f.led_by),
            json(&f.communities_served)
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

fn update_organisation(
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
        ("led_by", patch.led_by.as_ref().map(json)),
        (
            "communities_served",
            patch.communities_served.as_ref().map(json),
        ),
    ];
    for (column, value) in columns {
        let Some(value) = value else { continue };
        if wins(tx, "organisation", &entity_id, column, stamp)? {
            // `column` comes from the fixed list above, never from input.
            tx.exec(
                &format!("UPDATE organisation SET {column} = ?1 WHERE id = ?2"),
                params![value, entity_id],
            )?;
            set_clock(tx, "organisation", &entity_id, column, stamp)?;
        }
    }
    Ok(())
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

//! The one write path. An operation is checked, written to the tables and appended to the
//! change log in one IMMEDIATE transaction, so a crash at any point leaves either all of
//! it or none of it, and two writers on one file queue up instead of interleaving.

use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{params, Transaction, TransactionBehavior};
use serde::Serialize;
use trellis_core::hlc::Hlc;
use trellis_core::op::Operation;
use uuid::Uuid;

use crate::cached::Cached;
use crate::migrations::LATEST;
use crate::write_common::Stamp;
use crate::Changed;
use crate::{Store, StoreError};

/// Where a change sits: its identity (device, sequence) and its clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Applied {
    pub change_id: Uuid,
    pub device_id: Uuid,
    pub device_seq: i64,
    pub hlc: Hlc,
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
            write_tables(&tx, op, &stamp, &mut changed).map_err(at(i))?;
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
        self.committed(changed);
        Ok(applied)
    }
}

/// Writes one operation's tables: each domain's module checks and writes its own records.
/// Local and received changes both come through here, told apart by `stamp.local`.
/// What it wrote is added to `changed`, which the caller keeps only if the transaction
/// (or savepoint) it wrote in commits.
pub(crate) fn write_tables(
    tx: &Transaction,
    op: &Operation,
    stamp: &Stamp,
    changed: &mut Changed,
) -> Result<(), StoreError> {
    let mut ballot = None;
    match op {
        Operation::OrganisationCreate { .. } | Operation::OrganisationUpdate { .. } => {
            crate::write_organisations::write(tx, op, stamp)?
        }
        Operation::ContactLog { .. } => crate::write_contacts::write(tx, op)?,
        Operation::SettingSet { .. } => crate::write_settings::write(tx, op, stamp)?,
        Operation::MeetingCreate { .. }
        | Operation::MeetingAttend { .. }
        | Operation::MeetingNote { .. }
        | Operation::IssueRaise { .. }
        | Operation::IssueEvidence { .. }
        | Operation::IssueMerge { .. } => crate::write_meetings::write(tx, op, stamp)?,
        Operation::BallotCreate { .. }
        | Operation::BallotStatusSet { .. }
        | Operation::BallotReveal { .. }
        | Operation::BallotTokens { .. }
        | Operation::VoteCast { .. }
        | Operation::VoteVoid { .. }
        | Operation::VoteResolve { .. } => {
            ballot = Some(crate::write_votes::write(tx, op, stamp)?);
        }
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
        | Operation::DecisionRecord { .. } => crate::write_grants::write(tx, op, stamp)?,
        Operation::LetterTemplate { .. }
        | Operation::LetterDraft { .. }
        | Operation::LetterEdit { .. }
        | Operation::LetterApprove { .. }
        | Operation::LetterStateSet { .. }
        | Operation::OrganisationPreference { .. }
        | Operation::LetterWithdraw { .. } => crate::write_letters::write(tx, op, stamp)?,
    }
    changed.record(op, ballot);
    Ok(())
}

//! Table writes for meetings, attendance, notes and issues (called only from `apply`).

use rusqlite::{params, OptionalExtension, Transaction};
use trellis_core::issue::{EvidenceFields, IssueFields};
use trellis_core::meeting::{AttendanceFields, MeetingFields, NoteFields};
use trellis_core::op::Operation;
use trellis_core::Invalid;
use uuid::Uuid;

use crate::cached::Cached;
use crate::write_common::{
    code, insert_new, json, require, require_organisation, write_if_latest, Stamp,
};
use crate::StoreError;

pub(crate) fn write(tx: &Transaction, op: &Operation, stamp: &Stamp) -> Result<(), StoreError> {
    match op {
        Operation::MeetingCreate { id, fields } => create_meeting(tx, *id, fields),
        Operation::MeetingAttend { id, fields } => attend(tx, *id, fields),
        Operation::MeetingNote { id, fields } => note(tx, *id, fields),
        Operation::IssueRaise { id, fields } => raise_issue(tx, *id, fields),
        Operation::IssueEvidence { id, fields } => add_evidence(tx, *id, fields),
        Operation::IssueMerge { from, into } => merge_issues(tx, *from, *into, stamp),
        _ => Err(Invalid::one(
            "kind",
            format!("{} is not a meeting or issue change", op.kind()),
        )
        .into()),
    }
}

fn create_meeting(tx: &Transaction, id: Uuid, fields: &MeetingFields) -> Result<(), StoreError> {
    insert_new(
        tx,
        "meeting",
        id,
        "INSERT OR IGNORE INTO meeting (id, kind, title, date, venue, time, facilitators)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            id.to_string(),
            fields.kind.code(),
            fields.title,
            fields.date.to_string(),
            fields.venue,
            fields.time.map(|t| t.format("%H:%M").to_string()),
            json(&fields.facilitators)?
        ],
    )
}

fn attend(tx: &Transaction, id: Uuid, fields: &AttendanceFields) -> Result<(), StoreError> {
    require(tx, "meeting", "meeting", "meeting_id", fields.meeting_id)?;
    if let Some(org) = fields.organisation_id {
        require_organisation(tx, org, "organisation_id")?;
    }
    insert_new(
        tx,
        "attendance record",
        id,
        "INSERT OR IGNORE INTO attendance (id, meeting_id, organisation_id, name, walk_in)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            id.to_string(),
            fields.meeting_id.to_string(),
            fields.organisation_id.map(|o| o.to_string()),
            fields.name,
            fields.walk_in
        ],
    )
}

fn note(tx: &Transaction, id: Uuid, fields: &NoteFields) -> Result<(), StoreError> {
    require(tx, "meeting", "meeting", "meeting_id", fields.meeting_id)?;
    for issue in &fields.issue_ids {
        require(tx, "issue", "issue", "issue_ids", *issue)?;
    }
    insert_new(
        tx,
        "note",
        id,
        "INSERT OR IGNORE INTO meeting_note (id, meeting_id, text, issue_ids) VALUES (?1, ?2, ?3, ?4)",
        params![id.to_string(), fields.meeting_id.to_string(), fields.text, json(&fields.issue_ids)?],
    )
}

fn raise_issue(tx: &Transaction, id: Uuid, fields: &IssueFields) -> Result<(), StoreError> {
    if let Some(meeting) = fields.meeting_id {
        require(tx, "meeting", "meeting", "meeting_id", meeting)?;
    }
    insert_new(
        tx,
        "issue",
        id,
        "INSERT OR IGNORE INTO issue (id, title, description, meeting_id, communities, quotes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            id.to_string(),
            fields.title,
            fields.description,
            fields.meeting_id.map(|m| m.to_string()),
            json(&fields.communities)?,
            json(&fields.quotes)?
        ],
    )
}

fn add_evidence(tx: &Transaction, id: Uuid, fields: &EvidenceFields) -> Result<(), StoreError> {
    require(tx, "issue", "issue", "issue_id", fields.issue_id)?;
    insert_new(
        tx,
        "piece of evidence",
        id,
        "INSERT OR IGNORE INTO issue_evidence (id, issue_id, kind, text, url, attachment) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            id.to_string(),
            fields.issue_id.to_string(),
            code(&fields.kind)?,
            fields.text,
            fields.url,
            fields.attachment.as_ref().map(json).transpose()?
        ],
    )
}

fn merge_issues(tx: &Transaction, from: Uuid, into: Uuid, stamp: &Stamp) -> Result<(), StoreError> {
    require(tx, "issue", "issue", "from", from)?;
    require(tx, "issue", "issue", "into", into)?;
    let merged = |id: Uuid| -> Result<Option<String>, StoreError> {
        Ok(tx
            .row(
                "SELECT merged_into FROM issue WHERE id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    };
    if stamp.local && merged(from)?.is_some() {
        return Err(Invalid::one("from", "this issue has already been merged into another").into());
    }
    if stamp.local && merged(into)?.is_some() {
        return Err(Invalid::one(
            "into",
            "that issue was itself merged; merge into the issue it became",
        )
        .into());
    }
    // Two laptops may merge one issue differently: the later merge wins.
    write_if_latest(tx, "issue", &from.to_string(), "merged_into", stamp, || {
        tx.exec(
            "UPDATE issue SET merged_into = ?1 WHERE id = ?2",
            params![into.to_string(), from.to_string()],
        )?;
        Ok(())
    })
}

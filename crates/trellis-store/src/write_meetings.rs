//! Table writes for meetings, attendance, notes and issues (called only from `apply`).

use rusqlite::{params, OptionalExtension, Transaction};
use trellis_core::op::Operation;
use trellis_core::Invalid;
use uuid::Uuid;

use crate::apply::{json, require_organisation, set_clock, wins, Stamp};
use crate::cached::Cached;
use crate::StoreError;

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

fn require(
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

pub(crate) fn write(tx: &Transaction, op: &Operation, stamp: &Stamp) -> Result<(), StoreError> {
    match op {
        Operation::MeetingCreate { id, fields } => insert_new(
            tx,
            "meeting",
            *id,
            "INSERT OR IGNORE INTO meeting (id, kind, title, date, venue, time, facilitators)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                id.to_string(),
                fields.kind.code(),
                fields.title,
                fields.date.to_string(),
                fields.venue,
                fields.time.map(|t| t.format("%H:%M").to_string()),
                json(&fields.facilitators)
            ],
        ),
        Operation::MeetingAttend { id, fields } => {
            require(tx, "meeting", "meeting", "meeting_id", fields.meeting_id)?;
            if let Some(org) = fields.organisation_id {
                require_organisation(tx, org, "organisation_id")?;
            }
            insert_new(
                tx,
                "attendance record",
                *id,
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
        Operation::MeetingNote { id, fields } => {
            require(tx, "meeting", "meeting", "meeting_id", fields.meeting_id)?;
            for issue in &fields.issue_ids {
                require(tx, "issue", "issue", "issue_ids", *issue)?;
            }
            insert_new(
                tx,
                "note",
                *id,
                "INSERT OR IGNORE INTO meeting_note (id, meeting_id, text, issue_ids) VALUES (?1, ?2, ?3, ?4)",
                params![id.to_string(), fields.meeting_id.to_string(), fields.text, json(&fields.issue_ids)],
            )
        }
        Operation::IssueRaise { id, fields } => {
            if let Some(meeting) = fields.meeting_id {
                require(tx, "meeting", "meeting", "meeting_id", meeting)?;
            }
            insert_new(
                tx,
                "issue",
                *id,
                "INSERT OR IGNORE INTO issue (id, title, description, meeting_id, communities, quotes)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    id.to_string(),
                    fields.title,
                    fields.description,
                    fields.meeting_id.map(|m| m.to_string()),
                    json(&fields.communities),
                    json(&fields.quotes)
                ],
            )
        }
        Operation::IssueEvidence { id, fields } => {
            require(tx, "issue", "issue", "issue_id", fields.issue_id)?;
            insert_new(
                tx,
                "piece of evidence",
                *id,
                "INSERT OR IGNORE INTO issue_evidence (id, issue_id, kind, text, url, attachment) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    id.to_string(),
                    fields.issue_id.to_string(),
                    json(&fields.kind).trim_matches('"'),
                    fields.text,
                    fields.url,
                    fields.attachment.as_ref().map(json)
                ],
            )
        }
        Operation::IssueMerge { from, into } => {
            require(tx, "issue", "issue", "from", *from)?;
            require(tx, "issue", "issue", "into", *into)?;
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
            if stamp.local && merged(*from)?.is_some() {
                return Err(Invalid::one(
                    "from",
                    "this issue has already been merged into another",
                )
                .into());
            }
            if stamp.local && merged(*into)?.is_some() {
                return Err(Invalid::one(
                    "into",
                    "that issue was itself merged; merge into the issue it became",
                )
                .into());
            }
            // Two laptops may merge one issue differently: the later merge wins.
            if wins(tx, "issue", &from.to_string(), "merged_into", stamp)? {
                tx.exec(
                    "UPDATE issue SET merged_into = ?1 WHERE id = ?2",
                    params![into.to_string(), from.to_string()],
                )?;
                set_clock(tx, "issue", &from.to_string(), "merged_into", stamp)?;
            }
            Ok(())
        }
        _ => Err(Invalid::one(
            "kind",
            format!("{} is not a meeting or issue change", op.kind()),
        )
        .into()),
    }
}

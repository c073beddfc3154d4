//! Table writes for letters and organisations' letter preferences (called only from
//! `apply`). The checks a laptop makes before recording: a letter is drafted only for an
//! application with a decision, once; an edit is the next version; only the latest
//! version is approved, once; only an approved letter is printed or sent. Received
//! changes skip the drafting and approval rules (checked on the laptop that made them)
//! but not what keeps the data whole (one letter per application, versions numbered in
//! order, printed or sent only once approved).

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use trellis_core::op::Operation;
use trellis_core::Invalid;
use uuid::Uuid;

use crate::apply::{json, require_organisation, set_clock, wins, Stamp};
use crate::write_grants::current_decisions;
use crate::write_meetings::insert_new;
use crate::StoreError;

/// (organisation name, application id) for messages.
pub(crate) fn application_name(
    c: &Connection,
    application: Uuid,
) -> Result<Option<String>, StoreError> {
    Ok(c.query_row(
        "SELECT o.name FROM application a JOIN organisation o ON o.id = a.organisation_id WHERE a.id = ?1",
        [application.to_string()],
        |r| r.get(0),
    )
    .optional()?)
}

/// The latest version of a letter and whether it is approved.
pub(crate) fn latest_version(
    c: &Connection,
    letter: Uuid,
) -> Result<Option<(u32, bool)>, StoreError> {
    Ok(c.query_row(
        "SELECT version, approved_on IS NOT NULL FROM letter_version WHERE letter_id = ?1 ORDER BY version DESC LIMIT 1",
        [letter.to_string()],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?)
}

fn require_letter(c: &Connection, letter: Uuid) -> Result<(u32, bool), StoreError> {
    latest_version(c, letter)?
        .ok_or_else(|| Invalid::one("letter_id", format!("no letter with id {letter}")).into())
}

pub(crate) fn write(tx: &Transaction, op: &Operation, stamp: &Stamp) -> Result<(), StoreError> {
    match op {
        Operation::LetterTemplate { kind, template } => {
            if wins(tx, "letter_template", kind.code(), "template", stamp)? {
                tx.execute(
                    "INSERT INTO letter_template (kind, template) VALUES (?1, ?2)
                     ON CONFLICT (kind) DO UPDATE SET template = excluded.template",
                    params![kind.code(), json(template)],
                )?;
                set_clock(tx, "letter_template", kind.code(), "template", stamp)?;
            }
            Ok(())
        }
        Operation::LetterDraft {
            id,
            application_id,
            content,
        } => {
            let Some(name) = application_name(tx, *application_id)? else {
                return Err(Invalid::one(
                    "application_id",
                    format!("no application with id {application_id}"),
                )
                .into());
            };
            let decided = current_decisions(tx, None)?
                .iter()
                .any(|d| d.application_id == *application_id);
            // A laptop's own rule; a received draft was checked where it was made.
            if stamp.local && !decided {
                return Err(Invalid::one(
                    "application_id",
                    format!("{name}'s application ({application_id}) has no decision yet; record the decision before drafting its letter"),
                )
                .into());
            }
            let existing: Option<String> = tx
                .query_row(
                    "SELECT id FROM letter WHERE application_id = ?1",
                    [application_id.to_string()],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(existing) = existing {
                return Err(Invalid::one(
                    "application_id",
                    format!("{name} already has a letter ({existing}); edit that one instead"),
                )
                .into());
            }
            insert_new(
                tx,
                "letter",
                *id,
                "INSERT OR IGNORE INTO letter (id, application_id) VALUES (?1, ?2)",
                params![id.to_string(), application_id.to_string()],
            )?;
            tx.execute(
                "INSERT INTO letter_version (letter_id, version, content, approved_on, hlc, device_id) VALUES (?1, 1, ?2, NULL, ?3, ?4)",
                params![id.to_string(), json(content), stamp.hlc, stamp.device_id],
            )?;
            Ok(())
        }
        Operation::LetterEdit {
            letter_id,
            version,
            content,
        } => {
            let (latest, _) = require_letter(tx, *letter_id)?;
            if *version != latest + 1 {
                return Err(Invalid::one(
                    "version",
                    format!(
                        "the letter is at version {latest}; an edit makes version {}",
                        latest + 1
                    ),
                )
                .into());
            }
            tx.execute(
                "INSERT INTO letter_version (letter_id, version, content, approved_on, hlc, device_id) VALUES (?1, ?2, ?3, NULL, ?4, ?5)",
                params![letter_id.to_string(), version, json(content), stamp.hlc, stamp.device_id],
            )?;
            Ok(())
        }
        Operation::LetterApprove {
            letter_id,
            version,
            date,
        } => {
            let (latest, approved) = require_letter(tx, *letter_id)?;
            let approved = approved && *version == latest;
            if stamp.local && *version != latest {
                return Err(Invalid::one(
                    "version",
                    format!("only the latest version ({latest}) can be approved"),
                )
                .into());
            }
            if stamp.local && approved {
                return Err(Invalid::one(
                    "version",
                    format!("version {latest} is already approved"),
                )
                .into());
            }
            tx.execute(
                // An approved version keeps its first approval date, whatever arrives later.
                "UPDATE letter_version SET approved_on = ?1 WHERE letter_id = ?2 AND version = ?3 AND approved_on IS NULL",
                params![date.to_string(), letter_id.to_string(), version],
            )?;
            Ok(())
        }
        Operation::LetterStateSet {
            id,
            letter_id,
            version,
            state,
            date,
            how,
        } => {
            require_letter(tx, *letter_id)?;
            let approved: Option<i64> = tx
                .query_row(
                    "SELECT 1 FROM letter_version WHERE letter_id = ?1 AND version = ?2 AND approved_on IS NOT NULL",
                    params![letter_id.to_string(), version],
                    |r| r.get(0),
                )
                .optional()?;
            if approved.is_none() {
                return Err(Invalid::one(
                    "version",
                    format!("version {version} of this letter is not approved; approve a letter before it is printed or sent"),
                )
                .into());
            }
            insert_new(
                tx,
                "letter state",
                *id,
                "INSERT OR IGNORE INTO letter_state (id, letter_id, version, state, date, how, hlc, device_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![id.to_string(), letter_id.to_string(), version, state.code(), date.to_string(), how.map(|h| h.code()), stamp.hlc, stamp.device_id],
            )
        }
        Operation::OrganisationPreference {
            organisation_id,
            large_print,
        } => {
            require_organisation(tx, *organisation_id, "organisation_id")?;
            let key = organisation_id.to_string();
            if wins(tx, "organisation_preference", &key, "large_print", stamp)? {
                tx.execute(
                    "INSERT INTO organisation_preference (organisation_id, large_print) VALUES (?1, ?2)
                     ON CONFLICT (organisation_id) DO UPDATE SET large_print = excluded.large_print",
                    params![key, large_print],
                )?;
                set_clock(tx, "organisation_preference", &key, "large_print", stamp)?;
            }
            Ok(())
        }
        _ => Err(Invalid::one("kind", format!("{} is not a letters change", op.kind())).into()),
    }
}

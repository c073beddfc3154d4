//! Table writes for letters and organisations' letter preferences (called only from
//! `apply`). The checks a laptop makes before recording: a letter is drafted only for an
//! application with a decision and no other letter; an edit is the next version; only the
//! latest version is approved, once, and not while the letter is in conflict; only an
//! approved letter is printed or sent. Received changes skip those rules (they were
//! checked on the laptop that made them) and keep only what keeps the data whole (the
//! letter and application exist), so that letters made on two laptops offline are all
//! kept and shown for a person to resolve (see `migrations/0008_*.sql`):
//!
//! - two letters for one application: both kept; a person withdraws one;
//! - two texts for one version number: the earliest by clock (hlc, device) holds the
//!   number, the others go to `letter_version_clash`; a new version resolves it;
//! - two approvals of one version: the earliest by clock gives the date.
//!
//! Each outcome is the same whatever order the changes arrive in.

use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use trellis_core::letter::{Delivery, LetterContent, LetterState, OutcomeKind, Template};
use trellis_core::op::Operation;
use trellis_core::Invalid;
use uuid::Uuid;

use crate::cached::Cached;
use crate::grants::current_decisions;
use crate::letters::{
    application_name, clashes, latest_version, letter_conflicts, live_letters, withdrawal,
};
use crate::write_common::{insert_new, json, require_organisation, write_if_latest, Stamp};
use crate::StoreError;

pub(crate) fn write(tx: &Transaction, op: &Operation, stamp: &Stamp) -> Result<(), StoreError> {
    match op {
        Operation::LetterTemplate { kind, template } => set_template(tx, *kind, template, stamp),
        Operation::LetterDraft {
            id,
            application_id,
            content,
        } => draft(tx, *id, *application_id, content, stamp),
        Operation::LetterEdit {
            letter_id,
            version,
            content,
        } => edit(tx, *letter_id, *version, content, stamp),
        Operation::LetterApprove {
            letter_id,
            version,
            date,
        } => approve(tx, *letter_id, *version, *date, stamp),
        Operation::LetterStateSet {
            id,
            letter_id,
            version,
            state,
            date,
            how,
        } => set_state(
            tx,
            *id,
            Printing {
                letter_id: *letter_id,
                version: *version,
                state: *state,
                date: *date,
                how: *how,
            },
            stamp,
        ),
        Operation::OrganisationPreference {
            organisation_id,
            large_print,
        } => set_large_print(tx, *organisation_id, *large_print, stamp),
        Operation::LetterWithdraw {
            id,
            letter_id,
            reason,
            by,
        } => withdraw(tx, *id, *letter_id, reason, by, stamp),
        _ => Err(Invalid::one("kind", format!("{} is not a letters change", op.kind())).into()),
    }
}

/// A `letter.state` fact's own fields: which version was printed or sent, when and how.
struct Printing {
    letter_id: Uuid,
    version: u32,
    state: LetterState,
    date: NaiveDate,
    how: Option<Delivery>,
}

fn require_letter(c: &Connection, letter: Uuid) -> Result<(u32, bool), StoreError> {
    latest_version(c, letter)?
        .ok_or_else(|| Invalid::one("letter_id", format!("no letter with id {letter}")).into())
}

fn refuse_if_in_conflict(c: &Connection, letter: Uuid) -> Result<(), StoreError> {
    match letter_conflicts(c, letter)?.into_iter().next() {
        Some(why) => Err(Invalid::one("letter_id", format!("{why} first")).into()),
        None => Ok(()),
    }
}

fn refuse_if_withdrawn(c: &Connection, letter: Uuid) -> Result<(), StoreError> {
    match withdrawal(c, letter)? {
        Some(why) => {
            Err(Invalid::one("letter_id", format!("this letter was withdrawn ({why})")).into())
        }
        None => Ok(()),
    }
}

fn set_template(
    tx: &Transaction,
    kind: OutcomeKind,
    template: &Template,
    stamp: &Stamp,
) -> Result<(), StoreError> {
    write_if_latest(
        tx,
        "letter_template",
        kind.code(),
        "template",
        stamp,
        || {
            tx.exec(
                "INSERT INTO letter_template (kind, template) VALUES (?1, ?2)
             ON CONFLICT (kind) DO UPDATE SET template = excluded.template",
                params![kind.code(), json(template)?],
            )?;
            Ok(())
        },
    )
}

fn draft(
    tx: &Transaction,
    id: Uuid,
    application_id: Uuid,
    content: &LetterContent,
    stamp: &Stamp,
) -> Result<(), StoreError> {
    let Some(name) = application_name(tx, application_id)? else {
        return Err(Invalid::one(
            "application_id",
            format!("no application with id {application_id}"),
        )
        .into());
    };
    // A laptop's own rules; a received draft was checked where it was made.
    if stamp.local {
        let decided = current_decisions(tx, None)?
            .iter()
            .any(|d| d.application_id == application_id);
        if !decided {
            return Err(Invalid::one(
                "application_id",
                format!("{name}'s application ({application_id}) has no decision yet; record the decision before drafting its letter"),
            )
            .into());
        }
        // Another laptop may have drafted one offline: then both are kept (see above).
        if let Some(existing) = live_letters(tx, application_id)?.first() {
            return Err(Invalid::one(
                "application_id",
                format!("{name} already has a letter ({existing}); edit that one instead"),
            )
            .into());
        }
    }
    insert_new(
        tx,
        "letter",
        id,
        "INSERT OR IGNORE INTO letter (id, application_id) VALUES (?1, ?2)",
        params![id.to_string(), application_id.to_string()],
    )?;
    tx.exec(
        "INSERT INTO letter_version (letter_id, version, content, approved_on, hlc, device_id) VALUES (?1, 1, ?2, NULL, ?3, ?4)",
        params![id.to_string(), json(content)?, stamp.hlc, stamp.device_id],
    )?;
    Ok(())
}

fn edit(
    tx: &Transaction,
    letter_id: Uuid,
    version: u32,
    content: &LetterContent,
    stamp: &Stamp,
) -> Result<(), StoreError> {
    let (latest, _) = require_letter(tx, letter_id)?;
    if stamp.local {
        refuse_if_withdrawn(tx, letter_id)?;
        if version != latest + 1 {
            return Err(Invalid::one(
                "version",
                format!(
                    "the letter is at version {latest}; an edit makes version {}",
                    latest + 1
                ),
            )
            .into());
        }
    }
    let holder: Option<(String, String)> = tx
        .row(
            "SELECT hlc, device_id FROM letter_version WHERE letter_id = ?1 AND version = ?2",
            params![letter_id.to_string(), version],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let id = letter_id.to_string();
    let content = json(content)?;
    match holder {
        None => {
            tx.exec(
                "INSERT INTO letter_version (letter_id, version, content, approved_on, hlc, device_id) VALUES (?1, ?2, ?3, NULL, ?4, ?5)",
                params![id, version, content, stamp.hlc, stamp.device_id],
            )?;
        }
        // Another laptop saved this number too: the earliest text by clock holds it, the
        // others are kept beside it.
        Some((hlc, device))
            if (stamp.hlc.as_str(), stamp.device_id) < (hlc.as_str(), device.as_str()) =>
        {
            tx.exec(
                "INSERT OR IGNORE INTO letter_version_clash (letter_id, version, content, hlc, device_id)
                 SELECT letter_id, version, content, hlc, device_id FROM letter_version WHERE letter_id = ?1 AND version = ?2",
                params![id, version],
            )?;
            tx.exec(
                "UPDATE letter_version SET content = ?3, hlc = ?4, device_id = ?5 WHERE letter_id = ?1 AND version = ?2",
                params![id, version, content, stamp.hlc, stamp.device_id],
            )?;
        }
        Some(_) => {
            tx.exec(
                "INSERT OR IGNORE INTO letter_version_clash (letter_id, version, content, hlc, device_id) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, version, content, stamp.hlc, stamp.device_id],
            )?;
        }
    }
    Ok(())
}

fn approve(
    tx: &Transaction,
    letter_id: Uuid,
    version: u32,
    date: NaiveDate,
    stamp: &Stamp,
) -> Result<(), StoreError> {
    let (latest, approved) = require_letter(tx, letter_id)?;
    if stamp.local {
        if version != latest {
            return Err(Invalid::one(
                "version",
                format!("only the latest version ({latest}) can be approved"),
            )
            .into());
        }
        if approved {
            return Err(
                Invalid::one("version", format!("version {latest} is already approved")).into(),
            );
        }
        refuse_if_withdrawn(tx, letter_id)?;
        refuse_if_in_conflict(tx, letter_id)?;
    }
    let exists: Option<i64> = tx
        .row(
            "SELECT 1 FROM letter_version WHERE letter_id = ?1 AND version = ?2",
            params![letter_id.to_string(), version],
            |r| r.get(0),
        )
        .optional()?;
    if exists.is_none() {
        // Refused rather than lost: the version comes first in any sync.
        return Err(Invalid::one(
            "version",
            format!("this letter has no version {version} to approve"),
        )
        .into());
    }
    tx.exec(
        // Two laptops may approve one version with different dates: the earliest approval
        // by clock stands, whatever order they arrive in.
        "UPDATE letter_version SET approved_on = ?1, approved_hlc = ?4, approved_device = ?5
         WHERE letter_id = ?2 AND version = ?3
         AND (approved_hlc IS NULL OR (approved_hlc, approved_device) > (?4, ?5))",
        params![
            date.to_string(),
            letter_id.to_string(),
            version,
            stamp.hlc,
            stamp.device_id
        ],
    )?;
    Ok(())
}

fn set_state(tx: &Transaction, id: Uuid, p: Printing, stamp: &Stamp) -> Result<(), StoreError> {
    let Printing {
        letter_id,
        version,
        state,
        date,
        how,
    } = p;
    require_letter(tx, letter_id)?;
    if stamp.local {
        refuse_if_withdrawn(tx, letter_id)?;
        refuse_if_in_conflict(tx, letter_id)?;
        if clashes(tx, letter_id, version)? > 0 {
            return Err(Invalid::one(
                "version",
                format!("version {version} was saved with different texts on different laptops; print or send a later version"),
            )
            .into());
        }
        let approved: Option<i64> = tx
            .row(
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
    }
    insert_new(
        tx,
        "letter state",
        id,
        "INSERT OR IGNORE INTO letter_state (id, letter_id, version, state, date, how, hlc, device_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![id.to_string(), letter_id.to_string(), version, state.code(), date.to_string(), how.map(|h| h.code()), stamp.hlc, stamp.device_id],
    )
}

fn set_large_print(
    tx: &Transaction,
    organisation_id: Uuid,
    large_print: bool,
    stamp: &Stamp,
) -> Result<(), StoreError> {
    require_organisation(tx, organisation_id, "organisation_id")?;
    let key = organisation_id.to_string();
    write_if_latest(
        tx,
        "organisation_preference",
        &key,
        "large_print",
        stamp,
        || {
            tx.exec(
                "INSERT INTO organisation_preference (organisation_id, large_print) VALUES (?1, ?2)
             ON CONFLICT (organisation_id) DO UPDATE SET large_print = excluded.large_print",
                params![key, large_print],
            )?;
            Ok(())
        },
    )
}

fn withdraw(
    tx: &Transaction,
    id: Uuid,
    letter_id: Uuid,
    reason: &str,
    by: &str,
    stamp: &Stamp,
) -> Result<(), StoreError> {
    require_letter(tx, letter_id)?;
    if stamp.local {
        refuse_if_withdrawn(tx, letter_id)?;
    }
    insert_new(
        tx,
        "withdrawal",
        id,
        "INSERT OR IGNORE INTO letter_withdrawal (id, letter_id, reason, by_whom, hlc, device_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id.to_string(), letter_id.to_string(), reason, by, stamp.hlc, stamp.device_id],
    )
}

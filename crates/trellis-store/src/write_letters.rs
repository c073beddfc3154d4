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

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use trellis_core::op::Operation;
use trellis_core::Invalid;
use uuid::Uuid;

use crate::apply::{json, require_organisation, set_clock, wins, Stamp};
use crate::cached::Cached;
use crate::write_grants::current_decisions;
use crate::write_meetings::insert_new;
use crate::StoreError;

/// (organisation name, application id) for messages.
pub(crate) fn application_name(
    c: &Connection,
    application: Uuid,
) -> Result<Option<String>, StoreError> {
    Ok(c.row(
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
    Ok(c.row(
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

/// Why a letter was withdrawn, if it was (the earliest withdrawal by clock).
pub(crate) fn withdrawal(c: &Connection, letter: Uuid) -> Result<Option<String>, StoreError> {
    Ok(c.row(
        "SELECT reason FROM letter_withdrawal WHERE letter_id = ?1 ORDER BY hlc, device_id, id LIMIT 1",
        [letter.to_string()],
        |r| r.get(0),
    )
    .optional()?)
}

/// The application's letters that have not been withdrawn, by id.
pub(crate) fn live_letters(c: &Connection, application: Uuid) -> Result<Vec<Uuid>, StoreError> {
    let ids: Vec<String> = c
        .prepare_cached(
            "SELECT l.id FROM letter l WHERE l.application_id = ?1
             AND NOT EXISTS (SELECT 1 FROM letter_withdrawal w WHERE w.letter_id = l.id)
             ORDER BY l.id",
        )?
        .query_map([application.to_string()], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    ids.iter()
        .map(|i| Uuid::parse_str(i).map_err(|e| StoreError::damaged("letter id", e)))
        .collect()
}

/// How many other texts were saved as this version number on other laptops.
pub(crate) fn clashes(c: &Connection, letter: Uuid, version: u32) -> Result<usize, StoreError> {
    Ok(c.row(
        "SELECT count(*) FROM letter_version_clash WHERE letter_id = ?1 AND version = ?2",
        params![letter.to_string(), version],
        |r| r.get::<_, i64>(0),
    )? as usize)
}

fn application_of(c: &Connection, letter: Uuid) -> Result<Option<Uuid>, StoreError> {
    let raw: Option<String> = c
        .row(
            "SELECT application_id FROM letter WHERE id = ?1",
            [letter.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    raw.map(|r| Uuid::parse_str(&r).map_err(|e| StoreError::damaged("letter application", e)))
        .transpose()
}

/// The reasons a person must settle before this letter is approved, printed or sent; the
/// same sentences the app and `trellis letters` show.
pub(crate) fn letter_conflicts(c: &Connection, letter: Uuid) -> Result<Vec<String>, StoreError> {
    let mut out = Vec::new();
    if withdrawal(c, letter)?.is_some() {
        return Ok(out);
    }
    if let Some(app) = application_of(c, letter)? {
        let others: Vec<String> = live_letters(c, app)?
            .into_iter()
            .filter(|l| *l != letter)
            .map(|l| l.to_string())
            .collect();
        if !others.is_empty() {
            let name = application_name(c, app)?.unwrap_or_else(|| app.to_string());
            out.push(format!(
                "{} letters were drafted for {name}'s application on different laptops (this one and {}): keep one and withdraw the other",
                others.len() + 1,
                others.join(", ")
            ));
        }
    }
    if let Some((latest, _)) = latest_version(c, letter)? {
        let n = clashes(c, letter, latest)?;
        if n > 0 {
            out.push(format!(
                "version {latest} was saved with {} different texts on different laptops: check the text, correct it if needed and save it as a new version",
                n + 1
            ));
        }
    }
    Ok(out)
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

pub(crate) fn write(tx: &Transaction, op: &Operation, stamp: &Stamp) -> Result<(), StoreError> {
    match op {
        Operation::LetterTemplate { kind, template } => {
            if wins(tx, "letter_template", kind.code(), "template", stamp)? {
                tx.exec(
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
            // Another laptop may have drafted one offline: then both are kept (see above).
            if let (true, Some(existing)) =
                (stamp.local, live_letters(tx, *application_id)?.first())
            {
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
            tx.exec(
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
            if stamp.local {
                refuse_if_withdrawn(tx, *letter_id)?;
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
            }
            let holder: Option<(String, String)> = tx
                .row(
                    "SELECT hlc, device_id FROM letter_version WHERE letter_id = ?1 AND version = ?2",
                    params![letter_id.to_string(), version],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let id = letter_id.to_string();
            match holder {
                None => {
                    tx.exec(
                        "INSERT INTO letter_version (letter_id, version, content, approved_on, hlc, device_id) VALUES (?1, ?2, ?3, NULL, ?4, ?5)",
                        params![id, version, json(content), stamp.hlc, stamp.device_id],
                    )?;
                }
                // Another laptop saved this number too: the earliest text by clock holds
                // it, the others are kept beside it.
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
                        params![id, version, json(content), stamp.hlc, stamp.device_id],
                    )?;
                }
                Some(_) => {
                    tx.exec(
                        "INSERT OR IGNORE INTO letter_version_clash (letter_id, version, content, hlc, device_id) VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![id, version, json(content), stamp.hlc, stamp.device_id],
                    )?;
                }
            }
            Ok(())
        }
        Operation::LetterApprove {
            letter_id,
            version,
            date,
        } => {
            let (latest, approved) = require_letter(tx, *letter_id)?;
            if stamp.local {
                if *version != latest {
                    return Err(Invalid::one(
                        "version",
                        format!("only the latest version ({latest}) can be approved"),
                    )
                    .into());
                }
                if approved {
                    return Err(Invalid::one(
                        "version",
                        format!("version {latest} is already approved"),
                    )
                    .into());
                }
                refuse_if_withdrawn(tx, *letter_id)?;
                refuse_if_in_conflict(tx, *letter_id)?;
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
                // Two laptops may approve one version with different dates: the earliest
                // approval by clock stands, whatever order they arrive in.
                "UPDATE letter_version SET approved_on = ?1, approved_hlc = ?4, approved_device = ?5
                 WHERE letter_id = ?2 AND version = ?3
                 AND (approved_hlc IS NULL OR (approved_hlc, approved_device) > (?4, ?5))",
                params![date.to_string(), letter_id.to_string(), version, stamp.hlc, stamp.device_id],
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
            if stamp.local {
                refuse_if_withdrawn(tx, *letter_id)?;
                refuse_if_in_conflict(tx, *letter_id)?;
                if clashes(tx, *letter_id, *version)? > 0 {
                    return Err(Invalid::one(
                        "version",
                        format!("version {version} was saved with different texts on different laptops; print or send a later version"),
                    )
                    .into());
                }
            }
            let approved: Option<i64> = tx
                .row(
                    "SELECT 1 FROM letter_version WHERE letter_id = ?1 AND version = ?2 AND approved_on IS NOT NULL",
                    params![letter_id.to_string(), version],
                    |r| r.get(0),
                )
                .optional()?;
            if stamp.local && approved.is_none() {
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
                tx.exec(
                    "INSERT INTO organisation_preference (organisation_id, large_print) VALUES (?1, ?2)
                     ON CONFLICT (organisation_id) DO UPDATE SET large_print = excluded.large_print",
                    params![key, large_print],
                )?;
                set_clock(tx, "organisation_preference", &key, "large_print", stamp)?;
            }
            Ok(())
        }
        Operation::LetterWithdraw {
            id,
            letter_id,
            reason,
            by,
        } => {
            require_letter(tx, *letter_id)?;
            if stamp.local {
                refuse_if_withdrawn(tx, *letter_id)?;
            }
            insert_new(
                tx,
                "withdrawal",
                *id,
                "INSERT OR IGNORE INTO letter_withdrawal (id, letter_id, reason, by_whom, hlc, device_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id.to_string(), letter_id.to_string(), reason, by, stamp.hlc, stamp.device_id],
            )
        }
        _ => Err(Invalid::one("kind", format!("{} is not a letters change", op.kind())).into()),
    }
}

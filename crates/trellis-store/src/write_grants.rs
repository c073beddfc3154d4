//! Table writes for funding rounds, applications, the panel, scores and decisions (called
//! only from `apply`). Here live the checks a laptop makes before recording: a conflict
//! declared blocks scoring, scoring needs a declaration first, submitted scores change
//! only by a revision with a reason, and decisions stay within the budget.

use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use trellis_core::grants::application::{ApplicationFields, AttachmentRef, SupportFields};
use trellis_core::grants::decision::{check_within_budget, Decision};
use trellis_core::grants::moderation::{moderate_application, AgreedScores, ModerationSettings};
use trellis_core::grants::round::RoundFields;
use trellis_core::grants::scoring::{check_scores, may_score, PanelRole, Score};
use trellis_core::op::Operation;
use trellis_core::Invalid;
use uuid::Uuid;

use crate::cached::Cached;
use crate::decode::uuid_of;
use crate::grants::{
    application_basics, current_decisions, declaration, extension, latest_submission, round_fields,
    submitted_sheets,
};
use crate::write_common::{
    code, insert_new, json, require, require_organisation, write_if_latest, Stamp,
};
use crate::StoreError;

pub(crate) fn write(tx: &Transaction, op: &Operation, stamp: &Stamp) -> Result<(), StoreError> {
    match op {
        Operation::RoundCreate { id, fields } => create_round(tx, *id, fields),
        Operation::RoundExtension {
            round_id,
            organisation_id,
            until,
        } => extend(tx, *round_id, *organisation_id, *until, stamp),
        Operation::PanelMember { id, name, role } => add_panel_member(tx, *id, name, role),
        Operation::ApplicationCreate { id, fields } => create_application(tx, *id, fields, stamp),
        Operation::ApplicationAttach {
            id,
            application_id,
            attachment,
        } => attach(tx, *id, *application_id, attachment),
        Operation::ApplicationSupport { id, fields } => support(tx, *id, fields),
        Operation::PanelAssign {
            application_id,
            assessor_id,
        } => assign(tx, *application_id, *assessor_id),
        Operation::ConflictDeclare {
            id,
            application_id,
            assessor_id,
            conflicted,
            note,
        } => declare(
            tx,
            *id,
            Sheet::of(*application_id, *assessor_id),
            *conflicted,
            note,
            stamp,
        ),
        Operation::ScoreDraft {
            application_id,
            assessor_id,
            scores,
        } => draft_scores(tx, Sheet::of(*application_id, *assessor_id), scores, stamp),
        Operation::ScoreSubmit {
            id,
            application_id,
            assessor_id,
            scores,
        } => submit_scores(
            tx,
            *id,
            Sheet::of(*application_id, *assessor_id),
            scores,
            None,
            stamp,
        ),
        Operation::ScoreRevise {
            id,
            application_id,
            assessor_id,
            scores,
            reason,
            replaces,
        } => submit_scores(
            tx,
            *id,
            Sheet::of(*application_id, *assessor_id),
            scores,
            Some((reason, replaces.as_deref())),
            stamp,
        ),
        Operation::ModerationAgree {
            id,
            agreed,
            replaces,
        } => agree(tx, *id, agreed, replaces.as_deref(), stamp),
        Operation::DecisionRecord {
            id,
            decision,
            replaces,
        } => decide(tx, *id, decision, replaces.as_deref(), stamp),
        _ => Err(Invalid::one("kind", format!("{} is not a grants change", op.kind())).into()),
    }
}

/// One assessor's scoring of one application: what the scoring changes are about.
#[derive(Clone, Copy)]
struct Sheet {
    application: Uuid,
    assessor: Uuid,
}

impl Sheet {
    fn of(application: Uuid, assessor: Uuid) -> Sheet {
        Sheet {
            application,
            assessor,
        }
    }
}

fn require_assessor(tx: &Transaction, assessor: Uuid) -> Result<(), StoreError> {
    require(tx, "panel_member", "panel member", "assessor_id", assessor)
}

fn require_application(tx: &Transaction, id: Uuid) -> Result<(RoundFields, u64, Uuid), StoreError> {
    application_basics(tx, id)?.ok_or_else(|| {
        Invalid::one("application_id", format!("no application with id {id}")).into()
    })
}

pub(crate) fn is_assigned(
    c: &Connection,
    application: Uuid,
    assessor: Uuid,
) -> Result<bool, StoreError> {
    Ok(c.row(
        "SELECT 1 FROM assignment WHERE application_id = ?1 AND assessor_id = ?2",
        params![application.to_string(), assessor.to_string()],
        |r| r.get::<_, i64>(0),
    )
    .optional()?
    .is_some())
}

/// The gate before any score is written: assigned, declared, not conflicted.
fn may_score_now(tx: &Transaction, application: Uuid, assessor: Uuid) -> Result<(), StoreError> {
    require_assessor(tx, assessor)?;
    let declared = declaration(tx, application, assessor)?;
    may_score(
        is_assigned(tx, application, assessor)?,
        declared == Some(true),
    )?;
    if declared.is_none() {
        return Err(Invalid::one(
            "conflict",
            "declare any conflict of interest with this organisation (or that there is none) before scoring",
        )
        .into());
    }
    Ok(())
}

fn create_round(tx: &Transaction, id: Uuid, fields: &RoundFields) -> Result<(), StoreError> {
    if let Some(b) = fields.ballot_id {
        require(tx, "ballot", "ballot", "ballot_id", b)?;
    }
    insert_new(
        tx,
        "round",
        id,
        "INSERT OR IGNORE INTO round (id, fields) VALUES (?1, ?2)",
        params![id.to_string(), json(fields)?],
    )
}

fn extend(
    tx: &Transaction,
    round_id: Uuid,
    organisation_id: Uuid,
    until: NaiveDate,
    stamp: &Stamp,
) -> Result<(), StoreError> {
    if round_fields(tx, round_id)?.is_none() {
        return Err(Invalid::one("round_id", format!("no round with id {round_id}")).into());
    }
    require_organisation(tx, organisation_id, "organisation_id")?;
    let key = format!("{round_id}:{organisation_id}");
    write_if_latest(tx, "round_extension", &key, "until", stamp, || {
        tx.exec(
            "INSERT INTO round_extension (round_id, organisation_id, until) VALUES (?1, ?2, ?3)
             ON CONFLICT (round_id, organisation_id) DO UPDATE SET until = excluded.until",
            params![
                round_id.to_string(),
                organisation_id.to_string(),
                until.to_string()
            ],
        )?;
        Ok(())
    })
}

fn add_panel_member(
    tx: &Transaction,
    id: Uuid,
    name: &str,
    role: &PanelRole,
) -> Result<(), StoreError> {
    insert_new(
        tx,
        "panel member",
        id,
        "INSERT OR IGNORE INTO panel_member (id, name, role) VALUES (?1, ?2, ?3)",
        params![id.to_string(), name, code(role)?],
    )
}

fn create_application(
    tx: &Transaction,
    id: Uuid,
    fields: &ApplicationFields,
    stamp: &Stamp,
) -> Result<(), StoreError> {
    let round = round_fields(tx, fields.round_id)?
        .ok_or_else(|| Invalid::one("round_id", format!("no round with id {}", fields.round_id)))?;
    require_organisation(tx, fields.organisation_id, "organisation_id")?;
    if stamp.local {
        fields.check(
            &round,
            extension(tx, fields.round_id, fields.organisation_id)?,
        )?;
    }
    insert_new(
        tx,
        "application",
        id,
        "INSERT OR IGNORE INTO application (id, round_id, organisation_id, fields) VALUES (?1, ?2, ?3, ?4)",
        params![id.to_string(), fields.round_id.to_string(), fields.organisation_id.to_string(), json(fields)?],
    )
}

fn attach(
    tx: &Transaction,
    id: Uuid,
    application_id: Uuid,
    attachment: &AttachmentRef,
) -> Result<(), StoreError> {
    require_application(tx, application_id)?;
    insert_new(
        tx,
        "attachment",
        id,
        "INSERT OR IGNORE INTO application_attachment (id, application_id, sha256, file_name, media_type, size_bytes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            id.to_string(),
            application_id.to_string(),
            attachment.sha256,
            attachment.file_name,
            attachment.media_type,
            attachment.size_bytes as i64
        ],
    )
}

fn support(tx: &Transaction, id: Uuid, fields: &SupportFields) -> Result<(), StoreError> {
    require_application(tx, fields.application_id)?;
    insert_new(
        tx,
        "support record",
        id,
        "INSERT OR IGNORE INTO application_support (id, application_id, date, kind, by_whom) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id.to_string(), fields.application_id.to_string(), fields.date.to_string(), fields.kind, fields.by],
    )
}

fn assign(tx: &Transaction, application_id: Uuid, assessor_id: Uuid) -> Result<(), StoreError> {
    require_application(tx, application_id)?;
    require_assessor(tx, assessor_id)?;
    tx.exec(
        "INSERT OR IGNORE INTO assignment (application_id, assessor_id) VALUES (?1, ?2)",
        params![application_id.to_string(), assessor_id.to_string()],
    )?;
    Ok(())
}

fn declare(
    tx: &Transaction,
    id: Uuid,
    sheet: Sheet,
    conflicted: bool,
    note: &str,
    stamp: &Stamp,
) -> Result<(), StoreError> {
    require_application(tx, sheet.application)?;
    require_assessor(tx, sheet.assessor)?;
    insert_new(
        tx,
        "declaration",
        id,
        "INSERT OR IGNORE INTO conflict_declaration (id, application_id, assessor_id, conflicted, note, hlc)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id.to_string(), sheet.application.to_string(), sheet.assessor.to_string(), conflicted, note, stamp.hlc],
    )
}

/// The gate before any score of a sheet is written: the application is here and, for a
/// change made on this laptop, the assessor may score it. Returns the application's round,
/// whose rubric the scores must fit.
fn open_sheet(tx: &Transaction, sheet: Sheet, stamp: &Stamp) -> Result<RoundFields, StoreError> {
    let (round, _, _) = require_application(tx, sheet.application)?;
    if stamp.local {
        may_score_now(tx, sheet.application, sheet.assessor)?;
    }
    Ok(round)
}

fn draft_scores(
    tx: &Transaction,
    sheet: Sheet,
    scores: &[Score],
    stamp: &Stamp,
) -> Result<(), StoreError> {
    let round = open_sheet(tx, sheet, stamp)?;
    if stamp.local && latest_submission(tx, sheet.application, sheet.assessor)?.is_some() {
        return Err(Invalid::one(
            "scores",
            "these scores are submitted; change them with a revision and a reason",
        )
        .into());
    }
    check_scores(&round.rubric, scores, false)?;
    let key = format!("{}:{}", sheet.application, sheet.assessor);
    write_if_latest(tx, "score_draft", &key, "scores", stamp, || {
        tx.exec(
            "INSERT INTO score_draft (application_id, assessor_id, scores) VALUES (?1, ?2, ?3)
             ON CONFLICT (application_id, assessor_id) DO UPDATE SET scores = excluded.scores",
            params![
                sheet.application.to_string(),
                sheet.assessor.to_string(),
                json(&scores)?
            ],
        )?;
        Ok(())
    })
}

/// A submission (`revision` None) or a revision (its reason, and the submissions it
/// replaces): both are facts in `score_submission`, all kept.
fn submit_scores(
    tx: &Transaction,
    id: Uuid,
    sheet: Sheet,
    scores: &[Score],
    revision: Option<(&String, Option<&[Uuid]>)>,
    stamp: &Stamp,
) -> Result<(), StoreError> {
    let round = open_sheet(tx, sheet, stamp)?;
    if stamp.local {
        let previous = latest_submission(tx, sheet.application, sheet.assessor)?;
        match (revision.is_some(), previous.is_some()) {
            (true, false) => {
                return Err(
                    Invalid::one("scores", "nothing submitted yet to revise; submit first").into(),
                )
            }
            (false, true) => {
                return Err(Invalid::one(
                    "scores",
                    "already submitted; change scores with a revision and a reason",
                )
                .into())
            }
            _ => {}
        }
    }
    check_scores(&round.rubric, scores, true)?;
    let reason = revision.map(|(reason, _)| reason);
    let replaces = revision
        .and_then(|(_, replaces)| replaces)
        .map(json)
        .transpose()?;
    insert_new(
        tx,
        "score submission",
        id,
        "INSERT OR IGNORE INTO score_submission (id, application_id, assessor_id, scores, reason, hlc, device_id, replaces)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![id.to_string(), sheet.application.to_string(), sheet.assessor.to_string(), json(&scores)?, reason, stamp.hlc, stamp.device_id, replaces],
    )
}

fn agree(
    tx: &Transaction,
    id: Uuid,
    agreed: &AgreedScores,
    replaces: Option<&[Uuid]>,
    stamp: &Stamp,
) -> Result<(), StoreError> {
    let (round, _, _) = require_application(tx, agreed.application_id)?;
    let sheets = submitted_sheets(tx, agreed.application_id)?;
    let flagged = moderate_application(
        &round.rubric,
        agreed.application_id,
        &sheets,
        &ModerationSettings::default(),
    )
    .flagged();
    if stamp.local {
        agreed.check(&round.rubric, flagged)?;
    }
    insert_new(
        tx,
        "agreement",
        id,
        "INSERT OR IGNORE INTO agreed_scores (id, application_id, agreed, hlc, device_id, replaces) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id.to_string(), agreed.application_id.to_string(), json(agreed)?, stamp.hlc, stamp.device_id, replaces.map(json).transpose()?],
    )
}

fn decide(
    tx: &Transaction,
    id: Uuid,
    decision: &Decision,
    replaces: Option<&[Uuid]>,
    stamp: &Stamp,
) -> Result<(), StoreError> {
    let (round, asked, _) = require_application(tx, decision.application_id)?;
    decision.check(asked, round.max_grant_gbp)?;
    if stamp.local {
        let round_id: String = tx.row(
            "SELECT round_id FROM application WHERE id = ?1",
            [decision.application_id.to_string()],
            |r| r.get(0),
        )?;
        let round_id = uuid_of("round id", &round_id)?;
        let mut current: Vec<Decision> = current_decisions(tx, Some(round_id))?
            .into_iter()
            .filter(|d| d.application_id != decision.application_id)
            .collect();
        current.push(decision.clone());
        check_within_budget(&current, round.budget_gbp)?;
    }
    insert_new(
        tx,
        "decision",
        id,
        "INSERT OR IGNORE INTO decision (id, application_id, decision, hlc, device_id, replaces) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id.to_string(), decision.application_id.to_string(), json(decision)?, stamp.hlc, stamp.device_id, replaces.map(json).transpose()?],
    )
}

//! Table writes for funding rounds, applications, the panel, scores and decisions (called
//! only from `apply`). Here live the checks a laptop makes before recording: a conflict
//! declared blocks scoring, scoring needs a declaration first, submitted scores change
//! only by a revision with a reason, and decisions stay within the budget.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use trellis_core::grants::decision::{check_within_budget, Decision};
use trellis_core::grants::moderation::{moderate_application, ModerationSettings};
use trellis_core::grants::rivals::FactRecord;
use trellis_core::grants::round::RoundFields;
use trellis_core::grants::scoring::{check_scores, may_score, Score, ScoreSheet};
use trellis_core::op::Operation;
use trellis_core::Invalid;
use uuid::Uuid;

use crate::apply::{json, require_organisation, set_clock, wins, Stamp};
use crate::cached::Cached;
use crate::write_meetings::{exists, insert_new};
use crate::StoreError;

fn decode<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> Result<T, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::damaged(what, e))
}

pub(crate) fn round_fields(c: &Connection, id: Uuid) -> Result<Option<RoundFields>, StoreError> {
    let raw: Option<String> = c
        .row(
            "SELECT fields FROM round WHERE id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    raw.map(|r| decode(&format!("round {id}"), &r)).transpose()
}

/// (round, amount asked, organisation) of an application.
pub(crate) fn application_basics(
    c: &Connection,
    id: Uuid,
) -> Result<Option<(RoundFields, u64, Uuid)>, StoreError> {
    let raw: Option<(String, String, String)> = c
        .row(
            "SELECT round_id, organisation_id, fields FROM application WHERE id = ?1",
            [id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((round_id, org, fields)) = raw else {
        return Ok(None);
    };
    let fields: trellis_core::grants::application::ApplicationFields =
        decode("application", &fields)?;
    let round_id =
        Uuid::parse_str(&round_id).map_err(|e| StoreError::damaged("application round", e))?;
    let org =
        Uuid::parse_str(&org).map_err(|e| StoreError::damaged("application organisation", e))?;
    let round = round_fields(c, round_id)?
        .ok_or_else(|| StoreError::damaged("application", "its round is missing"))?;
    Ok(Some((round, fields.amount_gbp, org)))
}

fn require_application(tx: &Transaction, id: Uuid) -> Result<(RoundFields, u64, Uuid), StoreError> {
    application_basics(tx, id)?.ok_or_else(|| {
        Invalid::one("application_id", format!("no application with id {id}")).into()
    })
}

pub(crate) fn extension(
    c: &Connection,
    round: Uuid,
    org: Uuid,
) -> Result<Option<chrono::NaiveDate>, StoreError> {
    let raw: Option<String> = c
        .row(
            "SELECT until FROM round_extension WHERE round_id = ?1 AND organisation_id = ?2",
            params![round.to_string(), org.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    raw.map(|d| {
        d.parse()
            .map_err(|e| StoreError::damaged("extension date", e))
    })
    .transpose()
}

/// The latest declaration, if any: `Some(true)` conflicted, `Some(false)` no conflict.
pub(crate) fn declaration(
    c: &Connection,
    application: Uuid,
    assessor: Uuid,
) -> Result<Option<bool>, StoreError> {
    Ok(c.row(
        "SELECT conflicted FROM conflict_declaration WHERE application_id = ?1 AND assessor_id = ?2
         ORDER BY hlc DESC, id DESC LIMIT 1",
        params![application.to_string(), assessor.to_string()],
        |r| r.get(0),
    )
    .optional()?)
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

pub(crate) fn latest_submission(
    c: &Connection,
    application: Uuid,
    assessor: Uuid,
) -> Result<Option<Vec<Score>>, StoreError> {
    let raw: Option<String> = c
        .row(
            "SELECT scores FROM score_submission WHERE application_id = ?1 AND assessor_id = ?2
             ORDER BY hlc DESC, device_id DESC LIMIT 1",
            params![application.to_string(), assessor.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    raw.map(|s| decode("scores", &s)).transpose()
}

/// Every assessor's current submitted sheet for an application, leaving out anyone who
/// has declared a conflict on it.
pub(crate) fn submitted_sheets(
    c: &Connection,
    application: Uuid,
) -> Result<Vec<ScoreSheet>, StoreError> {
    let assessors: Vec<String> = c
        .prepare_cached("SELECT DISTINCT assessor_id FROM score_submission WHERE application_id = ?1 ORDER BY assessor_id")?
        .query_map([application.to_string()], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut sheets = Vec::new();
    for a in assessors {
        let assessor = Uuid::parse_str(&a).map_err(|e| StoreError::damaged("assessor id", e))?;
        if declaration(c, application, assessor)? == Some(true) {
            continue;
        }
        if let Some(scores) = latest_submission(c, application, assessor)? {
            sheets.push(ScoreSheet {
                application_id: application,
                assessor_id: assessor,
                submitted: true,
                scores,
            });
        }
    }
    Ok(sheets)
}

/// The gate before any score is written: assigned, declared, not conflicted.
fn may_score_now(tx: &Transaction, application: Uuid, assessor: Uuid) -> Result<(), StoreError> {
    if !exists(tx, "panel_member", assessor)? {
        return Err(
            Invalid::one("assessor_id", format!("no panel member with id {assessor}")).into(),
        );
    }
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

fn decode_replaces(raw: Option<String>) -> Result<Option<Vec<Uuid>>, StoreError> {
    raw.map(|r| decode("replaces", &r)).transpose()
}

/// Which table holds an application's rival-able facts (`decision` or `agreed_scores`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FactTable {
    Decision,
    Agreed,
}

impl FactTable {
    fn name(self) -> &'static str {
        match self {
            FactTable::Decision => "decision",
            FactTable::Agreed => "agreed_scores",
        }
    }
}

/// Every decision (or agreement) recorded for an application, for `grants::rivals`.
pub(crate) fn fact_records(
    c: &Connection,
    table: FactTable,
    application: Uuid,
) -> Result<Vec<FactRecord>, StoreError> {
    let sql = format!(
        "SELECT id, hlc, device_id, replaces FROM {} WHERE application_id = ?1 ORDER BY hlc, device_id",
        table.name()
    );
    let rows: Vec<(String, String, String, Option<String>)> = c
        .prepare_cached(&sql)?
        .query_map([application.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(id, hlc, device_id, replaces)| {
            Ok(FactRecord {
                id: Uuid::parse_str(&id).map_err(|e| StoreError::damaged("record id", e))?,
                hlc,
                device_id,
                replaces: decode_replaces(replaces)?,
            })
        })
        .collect()
}

/// One assessor's submissions and revisions for an application, for `grants::rivals`.
/// A submission replaces nothing (it is by meaning the first), so two of them are rivals.
pub(crate) fn submission_records(
    c: &Connection,
    application: Uuid,
    assessor: Uuid,
) -> Result<Vec<FactRecord>, StoreError> {
    let rows: Vec<(String, String, String, bool, Option<String>)> = c
        .prepare_cached(
            "SELECT id, hlc, device_id, reason IS NULL, replaces FROM score_submission
             WHERE application_id = ?1 AND assessor_id = ?2 ORDER BY hlc, device_id",
        )?
        .query_map(
            params![application.to_string(), assessor.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(id, hlc, device_id, first, replaces)| {
            Ok(FactRecord {
                id: Uuid::parse_str(&id).map_err(|e| StoreError::damaged("submission id", e))?,
                hlc,
                device_id,
                replaces: if first {
                    Some(Vec::new())
                } else {
                    decode_replaces(replaces)?
                },
            })
        })
        .collect()
}

pub(crate) fn current_decisions(
    c: &Connection,
    round: Option<Uuid>,
) -> Result<Vec<Decision>, StoreError> {
    let mut stmt = c.prepare_cached(
        "SELECT d.decision FROM decision d JOIN application a ON a.id = d.application_id
         WHERE (?1 IS NULL OR a.round_id = ?1)
         AND d.id = (SELECT x.id FROM decision x WHERE x.application_id = d.application_id ORDER BY x.hlc DESC, x.device_id DESC LIMIT 1)
         ORDER BY d.application_id",
    )?;
    let rows = stmt.query_map([round.map(|r| r.to_string())], |r| r.get::<_, String>(0))?;
    rows.map(|r| decode("decision", &r?)).collect()
}

pub(crate) fn write(tx: &Transaction, op: &Operation, stamp: &Stamp) -> Result<(), StoreError> {
    match op {
        Operation::RoundCreate { id, fields } => {
            if let Some(b) = fields.ballot_id {
                if !exists(tx, "ballot", b)? {
                    return Err(Invalid::one("ballot_id", format!("no ballot with id {b}")).into());
                }
            }
            insert_new(
                tx,
                "round",
                *id,
                "INSERT OR IGNORE INTO round (id, fields) VALUES (?1, ?2)",
                params![id.to_string(), json(fields)],
            )
        }
        Operation::RoundExtension {
            round_id,
            organisation_id,
            until,
        } => {
            if round_fields(tx, *round_id)?.is_none() {
                return Err(
                    Invalid::one("round_id", format!("no round with id {round_id}")).into(),
                );
            }
            require_organisation(tx, *organisation_id, "organisation_id")?;
            let key = format!("{round_id}:{organisation_id}");
            if wins(tx, "round_extension", &key, "until", stamp)? {
                tx.exec(
                    "INSERT INTO round_extension (round_id, organisation_id, until) VALUES (?1, ?2, ?3)
                     ON CONFLICT (round_id, organisation_id) DO UPDATE SET until = excluded.until",
                    params![round_id.to_string(), organisation_id.to_string(), until.to_string()],
                )?;
                set_clock(tx, "round_extension", &key, "until", stamp)?;
            }
            Ok(())
        }
        Operation::PanelMember { id, name, role } => insert_new(
            tx,
            "panel member",
            *id,
            "INSERT OR IGNORE INTO panel_member (id, name, role) VALUES (?1, ?2, ?3)",
            params![id.to_string(), name, json(role).trim_matches('"')],
        ),
        Operation::ApplicationCreate { id, fields } => {
            let round = round_fields(tx, fields.round_id)?.ok_or_else(|| {
                Invalid::one("round_id", format!("no round with id {}", fields.round_id))
            })?;
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
                *id,
                "INSERT OR IGNORE INTO application (id, round_id, organisation_id, fields) VALUES (?1, ?2, ?3, ?4)",
                params![id.to_string(), fields.round_id.to_string(), fields.organisation_id.to_string(), json(fields)],
            )
        }
        Operation::ApplicationAttach {
            id,
            application_id,
            attachment,
        } => {
            require_application(tx, *application_id)?;
            insert_new(
                tx,
                "attachment",
                *id,
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
        Operation::ApplicationSupport { id, fields } => {
            require_application(tx, fields.application_id)?;
            insert_new(
                tx,
                "support record",
                *id,
                "INSERT OR IGNORE INTO application_support (id, application_id, date, kind, by_whom) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id.to_string(), fields.application_id.to_string(), fields.date.to_string(), fields.kind, fields.by],
            )
        }
        Operation::PanelAssign {
            application_id,
            assessor_id,
        } => {
            require_application(tx, *application_id)?;
            if !exists(tx, "panel_member", *assessor_id)? {
                return Err(Invalid::one(
                    "assessor_id",
                    format!("no panel member with id {assessor_id}"),
                )
                .into());
            }
            tx.exec(
                "INSERT OR IGNORE INTO assignment (application_id, assessor_id) VALUES (?1, ?2)",
                params![application_id.to_string(), assessor_id.to_string()],
            )?;
            Ok(())
        }
        Operation::ConflictDeclare {
            id,
            application_id,
            assessor_id,
            conflicted,
            note,
        } => {
            require_application(tx, *application_id)?;
            if !exists(tx, "panel_member", *assessor_id)? {
                return Err(Invalid::one(
                    "assessor_id",
                    format!("no panel member with id {assessor_id}"),
                )
                .into());
            }
            insert_new(
                tx,
                "declaration",
                *id,
                "INSERT OR IGNORE INTO conflict_declaration (id, application_id, assessor_id, conflicted, note, hlc)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id.to_string(), application_id.to_string(), assessor_id.to_string(), conflicted, note, stamp.hlc],
            )
        }
        Operation::ScoreDraft {
            application_id,
            assessor_id,
            scores,
        } => {
            let (round, _, _) = require_application(tx, *application_id)?;
            if stamp.local {
                may_score_now(tx, *application_id, *assessor_id)?;
            }
            if stamp.local && latest_submission(tx, *application_id, *assessor_id)?.is_some() {
                return Err(Invalid::one(
                    "scores",
                    "these scores are submitted; change them with a revision and a reason",
                )
                .into());
            }
            check_scores(&round.rubric, scores, false)?;
            let key = format!("{application_id}:{assessor_id}");
            if wins(tx, "score_draft", &key, "scores", stamp)? {
                tx.exec(
                    "INSERT INTO score_draft (application_id, assessor_id, scores) VALUES (?1, ?2, ?3)
                     ON CONFLICT (application_id, assessor_id) DO UPDATE SET scores = excluded.scores",
                    params![application_id.to_string(), assessor_id.to_string(), json(scores)],
                )?;
                set_clock(tx, "score_draft", &key, "scores", stamp)?;
            }
            Ok(())
        }
        Operation::ScoreSubmit {
            id,
            application_id,
            assessor_id,
            scores,
        }
        | Operation::ScoreRevise {
            id,
            application_id,
            assessor_id,
            scores,
            ..
        } => {
            let (round, _, _) = require_application(tx, *application_id)?;
            if stamp.local {
                may_score_now(tx, *application_id, *assessor_id)?;
            }
            let previous = latest_submission(tx, *application_id, *assessor_id)?;
            let reason = match op {
                Operation::ScoreRevise { reason, .. } => {
                    if stamp.local && previous.is_none() {
                        return Err(Invalid::one(
                            "scores",
                            "nothing submitted yet to revise; submit first",
                        )
                        .into());
                    }
                    Some(reason.clone())
                }
                _ => {
                    if stamp.local && previous.is_some() {
                        return Err(Invalid::one(
                            "scores",
                            "already submitted; change scores with a revision and a reason",
                        )
                        .into());
                    }
                    None
                }
            };
            check_scores(&round.rubric, scores, true)?;
            let replaces = match op {
                Operation::ScoreRevise { replaces, .. } => replaces.as_ref().map(json),
                _ => None,
            };
            insert_new(
                tx,
                "score submission",
                *id,
                "INSERT OR IGNORE INTO score_submission (id, application_id, assessor_id, scores, reason, hlc, device_id, replaces)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![id.to_string(), application_id.to_string(), assessor_id.to_string(), json(scores), reason, stamp.hlc, stamp.device_id, replaces],
            )
        }
        Operation::ModerationAgree {
            id,
            agreed,
            replaces,
        } => {
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
                *id,
                "INSERT OR IGNORE INTO agreed_scores (id, application_id, agreed, hlc, device_id, replaces) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id.to_string(), agreed.application_id.to_string(), json(agreed), stamp.hlc, stamp.device_id, replaces.as_ref().map(json)],
            )
        }
        Operation::DecisionRecord {
            id,
            decision,
            replaces,
        } => {
            let (round, asked, _) = require_application(tx, decision.application_id)?;
            decision.check(asked, round.max_grant_gbp)?;
            let round_id: String = tx.row(
                "SELECT round_id FROM application WHERE id = ?1",
                [decision.application_id.to_string()],
                |r| r.get(0),
            )?;
            let round_uuid =
                Uuid::parse_str(&round_id).map_err(|e| StoreError::damaged("round id", e))?;
            let mut current: Vec<Decision> = current_decisions(tx, Some(round_uuid))?
                .into_iter()
                .filter(|d| d.application_id != decision.application_id)
                .collect();
            current.push(decision.clone());
            if stamp.local {
                check_within_budget(&current, round.budget_gbp)?;
            }
            insert_new(
                tx,
                "decision",
                *id,
                "INSERT OR IGNORE INTO decision (id, application_id, decision, hlc, device_id, replaces) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id.to_string(), decision.application_id.to_string(), json(decision), stamp.hlc, stamp.device_id, replaces.as_ref().map(json)],
            )
        }
        _ => Err(Invalid::one("kind", format!("{} is not a grants change", op.kind())).into()),
    }
}

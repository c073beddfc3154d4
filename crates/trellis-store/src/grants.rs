//! Funding rounds, applications, the panel, scoring, moderation and decisions: form-level
//! writes (each builds an operation for `apply`) and the reads the screens and CLI show.
//! Every read of scores goes through `score_sheets`, which applies the one blind-scoring
//! rule (`trellis_core::grants::scoring::visible_scores`).

use std::path::Path;

use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use trellis_core::grants::allocation::{suggest_allocation, Allocation, Candidate};
use trellis_core::grants::application::{
    self, ApplicationFields, ApplicationInput, AttachmentRef, SupportFields, SupportInput,
};
use trellis_core::grants::decision::{
    self, round_numbers, ApplicationFacts, Decision, DecisionInput, RoundNumbers,
};
use trellis_core::grants::moderation::{
    moderation_report, AgreedScores, ModerationReport, ModerationSettings,
};
use trellis_core::grants::round::{self, RoundFields, RoundInput};
use trellis_core::grants::scoring::{
    visible_scores, weighted_total, PanelRole, Score, ScoreSheet, Viewer, WeightedTotal,
};
use trellis_core::op::Operation;
use trellis_core::organisation::{self, OrganisationInput};
use trellis_core::{income, Invalid};
use uuid::Uuid;

use crate::cached::Cached;
use crate::decode::{decode, from_code, parse_uuid, uuid_of};
use crate::resolve::one_match;
use crate::{Store, StoreError};
use trellis_core::grants::rivals::{self, FactRecord};

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct RoundView {
    pub id: Uuid,
    #[serde(flatten)]
    pub fields: RoundFields,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct PanelMemberView {
    pub id: Uuid,
    pub name: String,
    pub role: PanelRole,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ApplicationSummary {
    pub id: Uuid,
    // Also in `fields`, which the JSON carries flattened: written once, not twice.
    #[serde(skip)]
    pub round_id: Uuid,
    #[serde(skip)]
    pub organisation_id: Uuid,
    pub organisation_name: String,
    pub small_org: Option<bool>,
    pub led_by: Vec<String>,
    #[serde(flatten)]
    pub fields: ApplicationFields,
    pub attachments: Vec<AttachmentRef>,
    pub support: Vec<SupportFields>,
    pub assessors: Vec<PanelMemberView>,
    pub declarations: Vec<DeclarationView>,
    pub agreed: Option<AgreedScores>,
    pub agreed_total: Option<WeightedTotal>,
    pub decision: Option<Decision>,
    /// Decisions, agreed scores or an assessor's scores recorded for this application on
    /// two laptops without either seeing the other, for a person to settle.
    pub conflicts: Vec<FactConflict>,
}

/// What was recorded twice for one application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum FactKind {
    Decision,
    AgreedScores,
    Scores,
}

/// Records for one application (and, for scores, one assessor) made on different laptops
/// without either seeing the other (`trellis_core::grants::rivals`). All are kept; the
/// latest by clock stands (and is the only one counted) until a person records again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct FactConflict {
    pub kind: FactKind,
    pub application_id: Uuid,
    pub organisation_name: String,
    /// For scores: whose.
    pub assessor_id: Option<Uuid>,
    pub assessor_name: Option<String>,
    /// The rival records, oldest by clock first.
    pub rivals: Vec<RivalView>,
    /// What happened and what to do, in plain English.
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct RivalView {
    pub id: Uuid,
    /// The one counted for now (the latest by clock).
    pub standing: bool,
    /// The decision's outcome or the agreed note; blank for an assessor's scores, which
    /// this view never shows (the blind-scoring rule belongs to `score_sheets`).
    pub summary: String,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct DeclarationView {
    pub assessor_id: Uuid,
    pub assessor_name: String,
    pub conflicted: bool,
    pub note: String,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct SheetView {
    pub application_id: Uuid,
    pub assessor_id: Uuid,
    pub assessor_name: String,
    pub submitted: bool,
    pub scores: Vec<Score>,
    pub total: Option<WeightedTotal>,
    /// Revisions after the first submission, each with its reason.
    pub revisions: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct AllocationView {
    #[serde(flatten)]
    pub allocation: Allocation,
    /// Applications with no agreed scores yet, left out of the suggestion.
    pub not_yet_agreed: Vec<Uuid>,
    /// Decisions or agreed scores recorded twice on different laptops: only the standing
    /// one is counted here, and these name what a person must settle.
    pub conflicts: Vec<FactConflict>,
}

/// The record counted for now: the latest by clock, as `current_decisions` and the
/// agreed-scores and submission reads choose it.
fn standing(records: &[FactRecord]) -> Option<Uuid> {
    records
        .iter()
        .max_by(|a, b| (&a.hlc, &a.device_id).cmp(&(&b.hlc, &b.device_id)))
        .map(|r| r.id)
}

fn decision_summary(d: &Decision) -> String {
    use trellis_core::grants::decision::Outcome;
    let outcome = match &d.outcome {
        Outcome::Funded { amount_gbp, .. } => format!("funded £{amount_gbp}"),
        Outcome::NotFunded => "not funded".to_string(),
        Outcome::Waitlisted => "waitlisted".to_string(),
    };
    if d.reasons.trim().is_empty() {
        outcome
    } else {
        format!("{outcome}: {}", d.reasons.trim())
    }
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
    let round_id = uuid_of("application round", &round_id)?;
    let org = uuid_of("application organisation", &org)?;
    let round = round_fields(c, round_id)?
        .ok_or_else(|| StoreError::damaged("application", "its round is missing"))?;
    Ok(Some((round, fields.amount_gbp, org)))
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
        let assessor = uuid_of("assessor id", &a)?;
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
                id: uuid_of("record id", &id)?,
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
                id: uuid_of("submission id", &id)?,
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

impl Store {
    pub fn create_round(&mut self, input: &RoundInput) -> Result<Uuid, StoreError> {
        let fields = round::validate(input)?;
        let id = Uuid::now_v7();
        self.apply(&Operation::RoundCreate { id, fields })?;
        Ok(id)
    }

    pub fn rounds(&self) -> Result<Vec<RoundView>, StoreError> {
        let rows: Vec<(String, String)> = self
            .conn
            .prepare("SELECT id, fields FROM round ORDER BY id")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        rows.iter()
            .map(|(id, f)| {
                Ok(RoundView {
                    id: parse_uuid(id)?,
                    fields: decode("round", f)?,
                })
            })
            .collect()
    }

    pub fn round(&self, id: Uuid) -> Result<RoundView, StoreError> {
        let fields = round_fields(&self.conn, id)?.ok_or_else(|| StoreError::NotFound {
            what: "round",
            id: id.to_string(),
        })?;
        Ok(RoundView { id, fields })
    }

    /// Finds a round by id or exact title.
    pub fn resolve_round(&self, reference: &str) -> Result<Uuid, StoreError> {
        let reference = reference.trim();
        let found: Vec<Uuid> = self
            .rounds()?
            .into_iter()
            .filter(|r| r.id.to_string() == reference || r.fields.title == reference)
            .map(|r| r.id)
            .collect();
        one_match("round", "round", "rounds", reference, &found)
    }

    pub fn set_extension(
        &mut self,
        round_id: Uuid,
        organisation_id: Uuid,
        until: NaiveDate,
    ) -> Result<(), StoreError> {
        self.apply(&Operation::RoundExtension {
            round_id,
            organisation_id,
            until,
        })?;
        Ok(())
    }

    pub fn add_panel_member(&mut self, name: &str, role: PanelRole) -> Result<Uuid, StoreError> {
        let id = Uuid::now_v7();
        self.apply(&Operation::PanelMember {
            id,
            name: name.trim().to_string(),
            role,
        })?;
        Ok(id)
    }

    pub fn panel_members(&self) -> Result<Vec<PanelMemberView>, StoreError> {
        let rows: Vec<(String, String, String)> = self
            .conn
            .prepare("SELECT id, name, role FROM panel_member ORDER BY name, id")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        rows.iter()
            .map(|(id, name, role)| {
                Ok(PanelMemberView {
                    id: parse_uuid(id)?,
                    name: name.clone(),
                    role: from_code("role", role)?,
                })
            })
            .collect()
    }

    /// Finds a panel member by id or exact name (any case).
    pub fn resolve_member(&self, reference: &str) -> Result<Uuid, StoreError> {
        let r = reference.trim().to_lowercase();
        let found: Vec<Uuid> = self
            .panel_members()?
            .into_iter()
            .filter(|m| m.id.to_string() == r || m.name.to_lowercase() == r)
            .map(|m| m.id)
            .collect();
        one_match(
            "panel member",
            "assessor",
            "panel members",
            reference,
            &found,
        )
    }

    pub fn add_application(&mut self, input: &ApplicationInput) -> Result<Uuid, StoreError> {
        let round_id = Uuid::parse_str(input.round_id.trim())
            .map_err(|_| Invalid::one("round_id", "choose the funding round"))?;
        let org = Uuid::parse_str(input.organisation_id.trim())
            .map_err(|_| Invalid::one("organisation_id", "choose the organisation"))?;
        let round = self.round(round_id)?.fields;
        let fields = application::validate(input, &round, extension(&self.conn, round_id, org)?)?;
        let id = Uuid::now_v7();
        self.apply(&Operation::ApplicationCreate { id, fields })?;
        Ok(id)
    }

    /// Adds a group that is not in the directory yet and its application together, in one
    /// transaction, so a refused application never leaves a new organisation behind.
    /// Returns (organisation id, application id).
    pub fn add_application_for_new_organisation(
        &mut self,
        organisation: &OrganisationInput,
        input: &ApplicationInput,
    ) -> Result<(Uuid, Uuid), StoreError> {
        let round_id = Uuid::parse_str(input.round_id.trim())
            .map_err(|_| Invalid::one("round_id", "choose the funding round"))?;
        let round = self.round(round_id)?.fields;
        let org_id = Uuid::now_v7();
        let org = organisation::validate(organisation);
        let app = application::validate(
            &ApplicationInput {
                organisation_id: org_id.to_string(),
                ..input.clone()
            },
            &round,
            // A group new to the directory cannot have been given an extension yet.
            None,
        );
        let (org, app) = match (org, app) {
            (Ok(org), Ok(app)) => (org, app),
            (org, app) => {
                // Every problem with both forms at once, so one correction is enough.
                let errors = [org.err(), app.err()]
                    .into_iter()
                    .flatten()
                    .flat_map(|e| e.errors)
                    .collect();
                return Err(Invalid { errors }.into());
            }
        };
        let id = Uuid::now_v7();
        self.apply_all(&[
            Operation::OrganisationCreate {
                id: org_id,
                fields: org,
            },
            Operation::ApplicationCreate { id, fields: app },
        ])
        .map_err(|e| e.error)?;
        Ok((org_id, id))
    }

    /// Stores a file (once per content) and attaches it to an application.
    pub fn attach_file(
        &mut self,
        application_id: Uuid,
        file: &Path,
    ) -> Result<AttachmentRef, StoreError> {
        let stored = self.store_file(file)?;
        let attachment = AttachmentRef {
            sha256: stored.sha256,
            file_name: stored.file_name,
            media_type: stored.media_type,
            size_bytes: stored.size_bytes,
        };
        self.apply(&Operation::ApplicationAttach {
            id: Uuid::now_v7(),
            application_id,
            attachment: attachment.clone(),
        })?;
        Ok(attachment)
    }

    pub fn log_support(
        &mut self,
        input: &SupportInput,
        today: NaiveDate,
    ) -> Result<Uuid, StoreError> {
        let fields = application::validate_support(input, today)?;
        let id = Uuid::now_v7();
        self.apply(&Operation::ApplicationSupport { id, fields })?;
        Ok(id)
    }

    pub fn assign(&mut self, application_id: Uuid, assessor_id: Uuid) -> Result<(), StoreError> {
        self.apply(&Operation::PanelAssign {
            application_id,
            assessor_id,
        })?;
        Ok(())
    }

    pub fn declare(
        &mut self,
        application_id: Uuid,
        assessor_id: Uuid,
        conflicted: bool,
        note: &str,
    ) -> Result<(), StoreError> {
        self.apply(&Operation::ConflictDeclare {
            id: Uuid::now_v7(),
            application_id,
            assessor_id,
            conflicted,
            note: note.trim().to_string(),
        })?;
        Ok(())
    }

    /// Saves a draft (called as the assessor types; the latest replaces the one before).
    pub fn save_draft(
        &mut self,
        application_id: Uuid,
        assessor_id: Uuid,
        scores: Vec<Score>,
    ) -> Result<(), StoreError> {
        self.apply(&Operation::ScoreDraft {
            application_id,
            assessor_id,
            scores,
        })?;
        Ok(())
    }

    pub fn submit_scores(
        &mut self,
        application_id: Uuid,
        assessor_id: Uuid,
        scores: Vec<Score>,
    ) -> Result<(), StoreError> {
        self.apply(&Operation::ScoreSubmit {
            id: Uuid::now_v7(),
            application_id,
            assessor_id,
            scores,
        })?;
        Ok(())
    }

    pub fn revise_scores(
        &mut self,
        application_id: Uuid,
        assessor_id: Uuid,
        scores: Vec<Score>,
        reason: &str,
    ) -> Result<(), StoreError> {
        self.record_revision(application_id, assessor_id, scores, reason)?;
        Ok(())
    }

    /// `revise_scores`, giving the revision's id (tests follow each fact by id).
    pub fn record_revision(
        &mut self,
        application_id: Uuid,
        assessor_id: Uuid,
        scores: Vec<Score>,
        reason: &str,
    ) -> Result<Uuid, StoreError> {
        // The revision replaces every submission this laptop shows as current, so a
        // revision made after seeing two laptops' submissions settles them.
        let replaces = rivals::current(&submission_records(
            &self.conn,
            application_id,
            assessor_id,
        )?);
        let id = Uuid::now_v7();
        self.apply(&Operation::ScoreRevise {
            id,
            application_id,
            assessor_id,
            scores,
            reason: reason.trim().to_string(),
            replaces: Some(replaces),
        })?;
        Ok(id)
    }

    /// Who a panel member is to the blind-scoring rule.
    pub fn viewer(&self, person: Uuid) -> Result<Viewer, StoreError> {
        let role = self
            .panel_members()?
            .into_iter()
            .find(|m| m.id == person)
            .map(|m| m.role)
            .ok_or_else(|| StoreError::NotFound {
                what: "panel member",
                id: person.to_string(),
            })?;
        let ids = |sql: &str| -> Result<Vec<Uuid>, StoreError> {
            let rows: Vec<String> = self
                .conn
                .prepare(sql)?
                .query_map([person.to_string()], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            rows.iter().map(|s| parse_uuid(s)).collect()
        };
        let assigned_to = ids(
            "SELECT application_id FROM assignment WHERE assessor_id = ?1 ORDER BY application_id",
        )?;
        let declared =
            ids("SELECT DISTINCT application_id FROM conflict_declaration WHERE assessor_id = ?1")?;
        let mut conflicted_on = Vec::new();
        for app in declared {
            if declaration(&self.conn, app, person)? == Some(true) {
                conflicted_on.push(app);
            }
        }
        Ok(Viewer {
            person_id: person,
            role,
            assigned_to,
            conflicted_on,
        })
    }

    /// The score sheets for one application that `viewer` may see: THE read path for
    /// scores. An assessor sees only their own until they submit; a conflicted person sees
    /// none; other people's drafts are never shown.
    pub fn score_sheets(
        &self,
        application_id: Uuid,
        viewer: Uuid,
    ) -> Result<Vec<SheetView>, StoreError> {
        let (round, _, _) = application_basics(&self.conn, application_id)?.ok_or_else(|| {
            StoreError::NotFound {
                what: "application",
                id: application_id.to_string(),
            }
        })?;
        let viewer = self.viewer(viewer)?;
        let mut sheets: Vec<ScoreSheet> = Vec::new();
        let members = self.panel_members()?;
        for m in &members {
            if let Some(scores) = latest_submission(&self.conn, application_id, m.id)? {
                sheets.push(ScoreSheet {
                    application_id,
                    assessor_id: m.id,
                    submitted: true,
                    scores,
                });
            } else if let Some(raw) = self
                .conn
                .query_row(
                    "SELECT scores FROM score_draft WHERE application_id = ?1 AND assessor_id = ?2",
                    params![application_id.to_string(), m.id.to_string()],
                    |r| r.get::<_, String>(0),
                )
                .optional()?
            {
                sheets.push(ScoreSheet {
                    application_id,
                    assessor_id: m.id,
                    submitted: false,
                    scores: decode("draft", &raw)?,
                });
            }
        }
        visible_scores(&viewer, &sheets)
            .into_iter()
            .map(|s| {
                let revisions: Vec<String> = self
                    .conn
                    .prepare("SELECT reason FROM score_submission WHERE application_id = ?1 AND assessor_id = ?2 AND reason IS NOT NULL ORDER BY hlc")?
                    .query_map(params![application_id.to_string(), s.assessor_id.to_string()], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                Ok(SheetView {
                    application_id,
                    assessor_id: s.assessor_id,
                    assessor_name: members.iter().find(|m| m.id == s.assessor_id).map(|m| m.name.clone()).unwrap_or_default(),
                    submitted: s.submitted,
                    total: weighted_total(&round.rubric, &s.scores),
                    scores: s.scores.clone(),
                    revisions,
                })
            })
            .collect()
    }

    pub fn applications(&self, round_id: Uuid) -> Result<Vec<ApplicationSummary>, StoreError> {
        let ids: Vec<String> = self
            .conn
            .prepare("SELECT id FROM application WHERE round_id = ?1 ORDER BY id")?
            .query_map([round_id.to_string()], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        ids.iter()
            .map(|id| self.application(parse_uuid(id)?))
            .collect()
    }

    pub fn application(&self, id: Uuid) -> Result<ApplicationSummary, StoreError> {
        let c = &self.conn;
        let (round_id, org, fields): (String, String, String) = c
            .query_row(
                "SELECT round_id, organisation_id, fields FROM application WHERE id = ?1",
                [id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                what: "application",
                id: id.to_string(),
            })?;
        let round = self.round(parse_uuid(&round_id)?)?.fields;
        let organisation_id = parse_uuid(&org)?;
        let (organisation_name, band, led_by): (String, String, String) = c.query_row(
            "SELECT name, income_band, led_by FROM organisation WHERE id = ?1",
            [&org],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let band =
            income::IncomeBand::parse(&band).map_err(|e| StoreError::damaged("income band", e))?;
        let attachments = c
            .prepare("SELECT sha256, file_name, media_type, size_bytes FROM application_attachment WHERE application_id = ?1 ORDER BY id")?
            .query_map([id.to_string()], |r| {
                Ok(AttachmentRef { sha256: r.get(0)?, file_name: r.get(1)?, media_type: r.get(2)?, size_bytes: r.get::<_, i64>(3)? as u64 })
            })?
            .collect::<Result<_, _>>()?;
        let support = c
            .prepare("SELECT date, kind, by_whom FROM application_support WHERE application_id = ?1 ORDER BY date, id")?
            .query_map([id.to_string()], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?
            .map(|row| {
                let (date, kind, by) = row?;
                Ok(SupportFields { application_id: id, date: date.parse().map_err(|e| StoreError::damaged("support date", e))?, kind, by })
            })
            .collect::<Result<_, StoreError>>()?;
        let members = self.panel_members()?;
        let assigned: Vec<String> = c
            .prepare("SELECT assessor_id FROM assignment WHERE application_id = ?1")?
            .query_map([id.to_string()], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let assessors = members
            .iter()
            .filter(|m| assigned.contains(&m.id.to_string()))
            .cloned()
            .collect();
        let mut declarations = Vec::new();
        for m in &members {
            if let Some(conflicted) = declaration(c, id, m.id)? {
                let note: String = c.query_row(
                    "SELECT note FROM conflict_declaration WHERE application_id = ?1 AND assessor_id = ?2 ORDER BY hlc DESC, id DESC LIMIT 1",
                    params![id.to_string(), m.id.to_string()],
                    |r| r.get(0),
                )?;
                declarations.push(DeclarationView {
                    assessor_id: m.id,
                    assessor_name: m.name.clone(),
                    conflicted,
                    note,
                });
            }
        }
        let agreed: Option<AgreedScores> = c
            .query_row("SELECT agreed FROM agreed_scores WHERE application_id = ?1 ORDER BY hlc DESC, device_id DESC LIMIT 1", [id.to_string()], |r| r.get::<_, String>(0))
            .optional()?
            .map(|a| decode("agreed scores", &a))
            .transpose()?;
        let decision = current_decisions(c, None)?
            .into_iter()
            .find(|d| d.application_id == id);
        let threshold = round.small_org_threshold_gbp;
        let conflicts = self.application_conflicts(id, &organisation_name, &members)?;
        Ok(ApplicationSummary {
            id,
            round_id: parse_uuid(&round_id)?,
            organisation_id,
            organisation_name,
            small_org: income::is_small(band, threshold),
            led_by: decode("led_by", &led_by)?,
            fields: decode("application", &fields)?,
            attachments,
            support,
            assessors,
            declarations,
            agreed_total: agreed
                .as_ref()
                .and_then(|a: &AgreedScores| weighted_total(&round.rubric, &a.scores)),
            agreed,
            decision,
            conflicts,
        })
    }

    /// Every conflict in the round (decisions, agreed scores, assessors' scores), by
    /// application: what the moderation and allocation screens show above their tables.
    pub fn fact_conflicts(&self, round_id: Uuid) -> Result<Vec<FactConflict>, StoreError> {
        Ok(self
            .applications(round_id)?
            .into_iter()
            .flat_map(|a| a.conflicts)
            .collect())
    }

    fn application_conflicts(
        &self,
        id: Uuid,
        organisation_name: &str,
        members: &[PanelMemberView],
    ) -> Result<Vec<FactConflict>, StoreError> {
        let c = &self.conn;
        let mut out = Vec::new();
        for (table, kind) in [
            (FactTable::Decision, FactKind::Decision),
            (FactTable::Agreed, FactKind::AgreedScores),
        ] {
            let records = fact_records(c, table, id)?;
            let rival_ids = rivals::rivals(&records);
            if rival_ids.is_empty() {
                continue;
            }
            let sql = match table {
                FactTable::Decision => "SELECT decision FROM decision WHERE id = ?1",
                FactTable::Agreed => "SELECT agreed FROM agreed_scores WHERE id = ?1",
            };
            let mut views = Vec::new();
            for r in &rival_ids {
                let raw: String = c.query_row(sql, [r.to_string()], |row| row.get(0))?;
                let summary = match table {
                    FactTable::Decision => decision_summary(&decode("decision", &raw)?),
                    FactTable::Agreed => {
                        let a: AgreedScores = decode("agreed scores", &raw)?;
                        a.note
                    }
                };
                views.push(RivalView {
                    id: *r,
                    standing: Some(*r) == standing(&records),
                    summary,
                });
            }
            let n = views.len();
            let message = match kind {
                FactKind::Decision => format!(
                    "{n} decisions were recorded for {organisation_name}'s application on different laptops: record the one that stands"
                ),
                _ => format!(
                    "{n} sets of agreed scores were recorded for {organisation_name}'s application on different laptops: agree the scores that stand"
                ),
            };
            out.push(FactConflict {
                kind,
                application_id: id,
                organisation_name: organisation_name.to_string(),
                assessor_id: None,
                assessor_name: None,
                rivals: views,
                message,
            });
        }
        let assessors: Vec<String> = c
            .prepare("SELECT DISTINCT assessor_id FROM score_submission WHERE application_id = ?1 ORDER BY assessor_id")?
            .query_map([id.to_string()], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for a in assessors {
            let assessor = parse_uuid(&a)?;
            let records = submission_records(c, id, assessor)?;
            let rival_ids = rivals::rivals(&records);
            if rival_ids.is_empty() {
                continue;
            }
            let name = members
                .iter()
                .find(|m| m.id == assessor)
                .map(|m| m.name.clone())
                .unwrap_or_else(|| "An assessor".to_string());
            let stands = standing(&records);
            out.push(FactConflict {
                kind: FactKind::Scores,
                application_id: id,
                organisation_name: organisation_name.to_string(),
                assessor_id: Some(assessor),
                assessor_name: Some(name.clone()),
                message: format!(
                    "{name} submitted scores for {organisation_name}'s application on {} laptops: {name} revises them to say which stand",
                    rival_ids.len()
                ),
                rivals: rival_ids
                    .into_iter()
                    .map(|r| RivalView {
                        id: r,
                        standing: Some(r) == stands,
                        summary: String::new(),
                    })
                    .collect(),
            });
        }
        Ok(out)
    }

    /// The round's moderation report: every submitted sheet (conflicted assessors left
    /// out), side by side, with flags and the round's inter-rater agreement. For the panel
    /// meeting, after scoring.
    pub fn moderation(&self, round_id: Uuid) -> Result<ModerationReport, StoreError> {
        let round = self.round(round_id)?.fields;
        let mut sheets = Vec::new();
        for a in self.applications(round_id)? {
            sheets.extend(submitted_sheets(&self.conn, a.id)?);
        }
        Ok(moderation_report(
            &round.rubric,
            &sheets,
            &ModerationSettings::default(),
        ))
    }

    pub fn agree_scores(
        &mut self,
        application_id: Uuid,
        scores: Vec<Score>,
        note: &str,
    ) -> Result<(), StoreError> {
        let replaces = rivals::current(&fact_records(
            &self.conn,
            FactTable::Agreed,
            application_id,
        )?);
        self.apply(&Operation::ModerationAgree {
            id: Uuid::now_v7(),
            agreed: AgreedScores {
                application_id,
                scores,
                note: note.trim().to_string(),
            },
            replaces: Some(replaces),
        })?;
        Ok(())
    }

    /// The suggested allocation: agreed scores in rank order within the budget.
    pub fn allocation(&self, round_id: Uuid) -> Result<AllocationView, StoreError> {
        let round = self.round(round_id)?.fields;
        let mut candidates = Vec::new();
        let mut not_yet_agreed = Vec::new();
        let mut conflicts = Vec::new();
        for a in self.applications(round_id)? {
            conflicts.extend(a.conflicts.iter().cloned());
            match a.agreed_total {
                Some(t) => candidates.push(Candidate {
                    application_id: a.id,
                    agreed_score: t.on_scale,
                    amount_gbp: a.fields.amount_gbp,
                    small_org: a.small_org == Some(true),
                    core_funding: a.fields.core_funding,
                }),
                None => not_yet_agreed.push(a.id),
            }
        }
        Ok(AllocationView {
            allocation: suggest_allocation(&candidates, round.budget_gbp, round.small_org_priority),
            not_yet_agreed,
            conflicts,
        })
    }

    pub fn record_decision(&mut self, input: &DecisionInput) -> Result<Uuid, StoreError> {
        let app = Uuid::parse_str(input.application_id.trim())
            .map_err(|_| Invalid::one("application_id", "choose the application"))?;
        let (round, asked, _) =
            application_basics(&self.conn, app)?.ok_or_else(|| StoreError::NotFound {
                what: "application",
                id: app.to_string(),
            })?;
        let decision = decision::validate(input, asked, &round)?;
        // What this laptop shows as current for the application (one decision, or the
        // rivals it names): recording now settles them.
        let replaces = rivals::current(&fact_records(&self.conn, FactTable::Decision, app)?);
        let id = Uuid::now_v7();
        self.apply(&Operation::DecisionRecord {
            id,
            decision,
            replaces: Some(replaces),
        })?;
        Ok(id)
    }

    /// The round's published numbers. "Led by the communities the round is for" uses
    /// the communities of the issue that won the round's topic ballot, when there was one.
    pub fn round_numbers(&self, round_id: Uuid) -> Result<RoundNumbers, StoreError> {
        let round = self.round(round_id)?.fields;
        let apps = self.applications(round_id)?;
        let facts: Vec<ApplicationFacts> = apps
            .iter()
            .map(|a| ApplicationFacts {
                application_id: a.id,
                amount_asked_gbp: a.fields.amount_gbp,
                small_org: a.small_org,
                led_by: a.led_by.clone(),
            })
            .collect();
        let decisions: Vec<Decision> = apps.iter().filter_map(|a| a.decision.clone()).collect();
        Ok(round_numbers(
            &facts,
            &decisions,
            &self.round_communities(&round)?,
        ))
    }

    fn round_communities(&self, round: &RoundFields) -> Result<Vec<String>, StoreError> {
        let Some(ballot) = round.ballot_id else {
            return Ok(Vec::new());
        };
        let result = self.ballot_result(ballot)?;
        let winner = match &result.tally {
            trellis_core::ballot::Tally::RankedIrv(irv) => irv.winner.clone(),
            _ => None,
        };
        let issue = winner.and_then(|w| {
            result
                .options
                .iter()
                .find(|o| o.id == w)
                .and_then(|o| o.issue_id)
        });
        Ok(match issue {
            Some(id) => self
                .issues(true)?
                .into_iter()
                .find(|i| i.id == id)
                .map(|i| i.communities)
                .unwrap_or_default(),
            None => Vec::new(),
        })
    }
}

impl Store {
    /// Imports applications from CSV into a round, all or nothing, every bad row named by
    /// its line (see `trellis_core::grants::import` for the columns).
    pub fn import_applications(&mut self, round_id: Uuid, text: &str) -> Result<usize, StoreError> {
        use trellis_core::FieldError;
        let round = self.round(round_id)?.fields;
        let line = |n: usize| {
            if n == 0 {
                "file".to_string()
            } else {
                format!("line {n}")
            }
        };
        let rows = trellis_core::grants::import::parse_applications(text).map_err(|e| Invalid {
            errors: e
                .rows
                .iter()
                .map(|r| FieldError::new(&line(r.line), r.message.clone()))
                .collect(),
        })?;
        let mut errors = Vec::new();
        let mut ops = Vec::new();
        for row in &rows {
            let org = match self.resolve_organisation(&row.organisation) {
                Ok(org) => org,
                Err(_) => {
                    errors.push(FieldError::new(
                        &line(row.line),
                        format!(
                            "no organisation {:?} in the directory; add it first",
                            row.organisation
                        ),
                    ));
                    continue;
                }
            };
            let input = ApplicationInput {
                round_id: round_id.to_string(),
                organisation_id: org.to_string(),
                formats: row.formats.clone(),
                answers: row.answers.clone(),
                summary: row.summary.clone(),
                amount_gbp: row.amount_gbp.clone(),
                core_funding: row.core_funding,
                received_on: row.received_on.clone(),
            };
            match application::validate(&input, &round, extension(&self.conn, round_id, org)?) {
                Ok(fields) => ops.push((
                    row.line,
                    Operation::ApplicationCreate {
                        id: Uuid::now_v7(),
                        fields,
                    },
                )),
                Err(e) => errors.extend(e.errors.into_iter().map(|f| {
                    FieldError::new(&line(row.line), format!("{}: {}", f.field, f.message))
                })),
            }
        }
        Invalid::check(errors)?;
        let only_ops: Vec<Operation> = ops.iter().map(|(_, op)| op.clone()).collect();
        self.apply_all(&only_ops).map_err(|e| {
            let n = ops.get(e.index).map(|(l, _)| *l).unwrap_or(0);
            StoreError::from(Invalid::one(&line(n), e.error.to_string()))
        })?;
        Ok(ops.len())
    }
}

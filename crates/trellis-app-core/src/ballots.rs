//! Composing a ballot from the new-ballot form (or `trellis ballot create`) and the files
//! a ballot publishes.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use trellis_core::ballot::export::{
    self, AuditEntry, AuditStatus, CountSummary, PabulibMeta, SummaryMeta,
};
use trellis_core::ballot::record::{BallotFields, BallotOption, Eligibility};
use trellis_core::ballot::{Method, OptionId, Tally};
use trellis_core::Invalid;
use trellis_store::{Store, StoreError, VoteRecord, VoteState};
use uuid::Uuid;

/// A new ballot. `method` and `eligibility` use the core types' own serde forms
/// (`{"method": "dots", "per_voter": 5, "max_per_option": 2}`, `"per-organisation"`).
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
pub struct BallotInput {
    pub question: String,
    /// Typed option labels, in order; blank ones are dropped.
    pub labels: Vec<String>,
    /// Issues offered as options, after the typed labels (ids).
    pub issue_ids: Vec<String>,
    pub method: Method,
    pub eligibility: Eligibility,
    /// The meeting whose attendees vote (id or title); empty for none.
    pub meeting_id: String,
    #[serde(default)]
    #[ts(optional)]
    pub opens_at: Option<NaiveDateTime>,
    #[serde(default)]
    #[ts(optional)]
    pub closes_at: Option<NaiveDateTime>,
    /// The seed for any lot the count draws; a fresh one when none is given. It is
    /// stored with the ballot and published with the result.
    #[serde(default)]
    #[ts(optional, type = "number")]
    pub seed: Option<u64>,
}

/// Creates the ballot the form describes; returns its id.
pub fn compose(store: &mut Store, input: BallotInput) -> Result<Uuid, StoreError> {
    let mut options: Vec<BallotOption> = input
        .labels
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .enumerate()
        .map(|(i, label)| BallotOption {
            id: OptionId::new(format!("option-{}", i + 1)),
            label: label.to_string(),
            issue_id: None,
        })
        .collect();
    if !input.issue_ids.is_empty() {
        let issues = store.issues(true)?;
        for raw in &input.issue_ids {
            let issue = Uuid::parse_str(raw.trim())
                .ok()
                .and_then(|id| issues.iter().find(|i| i.id == id))
                .ok_or_else(|| {
                    Invalid::one("options", "one of the chosen issues no longer exists")
                })?;
            options.push(BallotOption {
                id: OptionId::new(issue.id.to_string()),
                label: issue.title.clone(),
                issue_id: Some(issue.id),
            });
        }
    }
    let meeting = input.meeting_id.trim();
    let fields = BallotFields {
        question: input.question.trim().to_string(),
        options,
        method: input.method,
        eligibility: input.eligibility,
        meeting_id: if meeting.is_empty() {
            None
        } else {
            Some(store.resolve_meeting(meeting)?)
        },
        opens_at: input.opens_at,
        closes_at: input.closes_at,
        seed: input.seed.unwrap_or_else(fresh_seed),
    };
    store.create_ballot(fields)
}

fn fresh_seed() -> u64 {
    let bytes = Uuid::new_v4().into_bytes();
    let mut seed = [0u8; 8];
    seed.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(seed)
}

/// One row of the audit list, with the vote in words.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct AuditRow {
    #[serde(flatten)]
    pub record: VoteRecord,
    pub vote_text: String,
}

/// Every vote on the ballot, oldest first, with its state and its text.
pub fn audit_rows(store: &Store, ballot: Uuid) -> Result<Vec<AuditRow>, StoreError> {
    let view = store.ballot(ballot)?;
    Ok(store
        .ballot_votes(ballot)?
        .into_iter()
        .map(|record| AuditRow {
            vote_text: export::vote_text(&view.fields, &record.vote),
            record,
        })
        .collect())
}

/// The audit file's entries for `records`.
pub fn audit_entries(records: &[VoteRecord]) -> Vec<AuditEntry> {
    records
        .iter()
        .map(|r| AuditEntry {
            vote_id: r.id,
            voter_label: r.voter_label.clone(),
            recorded_at: r.recorded_at.clone(),
            device_id: r.device_id,
            recorded_by: r.recorded_by.clone(),
            channel: r.channel,
            status: match r.state {
                VoteState::Counted => AuditStatus::Counted,
                VoteState::Voided => AuditStatus::Voided,
                VoteState::Conflict => AuditStatus::Conflict,
                VoteState::Superseded => AuditStatus::Superseded,
            },
            void_reason: r.void.as_ref().map(|v| v.reason.clone()),
            voided_by: r.void.as_ref().map(|v| v.by.clone()),
            vote: r.vote.clone(),
        })
        .collect()
}

/// The files a ballot publishes, as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct BallotExports {
    pub tally_csv: String,
    /// Pretty-printed, with the counting summary and the seed.
    pub tally_json: String,
    pub audit_csv: String,
    /// RCTab-style round-by-round summary; ranked (IRV) ballots only.
    pub rctab_json: Option<String>,
}

fn pretty(value: &serde_json::Value) -> Result<String, StoreError> {
    serde_json::to_string_pretty(value).map_err(StoreError::Encode)
}

pub fn exports(store: &Store, ballot: Uuid) -> Result<BallotExports, StoreError> {
    let view = store.ballot(ballot)?;
    let result = store.ballot_result(ballot)?;
    let entries = audit_entries(&store.ballot_votes(ballot)?);
    let summary = CountSummary {
        voided: result.voided,
        unresolved_conflicts: result.unresolved.len(),
    };
    let rctab_json = match &result.tally {
        Tally::RankedIrv(irv) => {
            let meta = SummaryMeta {
                contest: view.fields.question.clone(),
                date: view
                    .fields
                    .closes_at
                    .map(|c| c.date().to_string())
                    .unwrap_or_default(),
                jurisdiction: store.settings()?.programme_name,
                office: view.fields.question.clone(),
            };
            Some(pretty(&export::rctab_summary(&view.fields, irv, &meta))?)
        }
        _ => None,
    };
    Ok(BallotExports {
        tally_csv: export::tally_csv(&view.fields, &result.tally),
        tally_json: pretty(&export::tally_json(
            &view.fields,
            &result.tally,
            &summary,
            view.fields.seed,
        ))?,
        audit_csv: export::audit_csv(&view.fields, &entries),
        rctab_json,
    })
}

/// The counted votes as a Pabulib file (participatory-budgeting tools read it).
pub fn pabulib(store: &Store, ballot: Uuid) -> Result<String, StoreError> {
    let view = store.ballot(ballot)?;
    let counted: Vec<_> = store
        .ballot_votes(ballot)?
        .into_iter()
        .filter(|v| v.state == VoteState::Counted)
        .map(|v| v.vote)
        .collect();
    let meta = PabulibMeta {
        description: view.fields.question.clone(),
        country: "United Kingdom".into(),
        unit: store.settings()?.programme_name,
        instance: String::new(),
        budget: 0,
        rule: String::new(),
        date_begin: String::new(),
        date_end: String::new(),
        costs: Default::default(),
    };
    export::pabulib(&view.fields, &counted, &meta)
        .map_err(|e| Invalid::one("format", e.to_string()).into())
}

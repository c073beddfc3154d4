//! Operations: the only way data changes. Each is a kind plus a JSON payload; the store
//! applies one in a transaction and appends it to the change log, and a later sync ships
//! the same (kind, payload) pairs to other devices. Kind names and payload keys are
//! therefore a wire format: add new kinds, never change an existing one.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::ballot::record::{BallotFields, BallotStatus, VoteFields};
use chrono::NaiveDate;

use crate::contact::ContactFields;
use crate::grants::application::{ApplicationFields, AttachmentRef, SupportFields};
use crate::grants::decision::Decision;
use crate::grants::moderation::AgreedScores;
use crate::grants::round::RoundFields;
use crate::grants::scoring::{check_revision_reason, PanelRole, Score};
use crate::invalid::{FieldError, Invalid};
use crate::issue::{EvidenceFields, IssueFields};
use crate::letter::{check_template, Delivery, LetterContent, LetterState, OutcomeKind, Template};
use crate::meeting::{AttendanceFields, MeetingFields, NoteFields};
use crate::organisation::{OrganisationFields, OrganisationPatch};
use crate::settings;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload")]
pub enum Operation {
    #[serde(rename = "organisation.create")]
    OrganisationCreate {
        id: Uuid,
        fields: OrganisationFields,
    },
    #[serde(rename = "organisation.update")]
    OrganisationUpdate {
        id: Uuid,
        changes: OrganisationPatch,
    },
    #[serde(rename = "contact.log")]
    ContactLog { id: Uuid, fields: ContactFields },
    #[serde(rename = "setting.set")]
    SettingSet { key: String, value: Value },
    #[serde(rename = "meeting.create")]
    MeetingCreate { id: Uuid, fields: MeetingFields },
    #[serde(rename = "issue.raise")]
    IssueRaise { id: Uuid, fields: IssueFields },
    #[serde(rename = "meeting.attend")]
    MeetingAttend { id: Uuid, fields: AttendanceFields },
    #[serde(rename = "meeting.note")]
    MeetingNote { id: Uuid, fields: NoteFields },
    #[serde(rename = "issue.evidence")]
    IssueEvidence { id: Uuid, fields: EvidenceFields },
    /// `from` is folded into `into`; both meetings stay listed as sources.
    #[serde(rename = "issue.merge")]
    IssueMerge { from: Uuid, into: Uuid },
    #[serde(rename = "ballot.create")]
    BallotCreate { id: Uuid, fields: BallotFields },
    #[serde(rename = "ballot.status")]
    BallotStatusSet {
        ballot_id: Uuid,
        status: BallotStatus,
    },
    /// Whether the projector shows results yet.
    #[serde(rename = "ballot.reveal")]
    BallotReveal { ballot_id: Uuid, revealed: bool },
    #[serde(rename = "ballot.tokens")]
    BallotTokens {
        ballot_id: Uuid,
        tokens: Vec<String>,
    },
    #[serde(rename = "vote.cast")]
    VoteCast { id: Uuid, fields: VoteFields },
    #[serde(rename = "vote.void")]
    VoteVoid {
        id: Uuid,
        vote_id: Uuid,
        reason: String,
        by: String,
    },
    #[serde(rename = "vote.resolve")]
    VoteResolve {
        id: Uuid,
        ballot_id: Uuid,
        voter_key: String,
        keep: Uuid,
        reason: String,
        by: String,
    },
    #[serde(rename = "round.create")]
    RoundCreate { id: Uuid, fields: RoundFields },
    /// An agreed extension for one applicant; the latest one for the pair stands.
    #[serde(rename = "round.extension")]
    RoundExtension {
        round_id: Uuid,
        organisation_id: Uuid,
        until: NaiveDate,
    },
    #[serde(rename = "panel.member")]
    PanelMember {
        id: Uuid,
        name: String,
        role: PanelRole,
    },
    #[serde(rename = "application.create")]
    ApplicationCreate { id: Uuid, fields: ApplicationFields },
    #[serde(rename = "application.attach")]
    ApplicationAttach {
        id: Uuid,
        application_id: Uuid,
        attachment: AttachmentRef,
    },
    #[serde(rename = "application.support")]
    ApplicationSupport { id: Uuid, fields: SupportFields },
    #[serde(rename = "panel.assign")]
    PanelAssign {
        application_id: Uuid,
        assessor_id: Uuid,
    },
    /// Made before scoring: a conflict (with the relationship) or a declaration of none.
    #[serde(rename = "conflict.declare")]
    ConflictDeclare {
        id: Uuid,
        application_id: Uuid,
        assessor_id: Uuid,
        conflicted: bool,
        note: String,
    },
    /// The assessor's working draft; the latest replaces the one before.
    #[serde(rename = "score.draft")]
    ScoreDraft {
        application_id: Uuid,
        assessor_id: Uuid,
        scores: Vec<Score>,
    },
    #[serde(rename = "score.submit")]
    ScoreSubmit {
        id: Uuid,
        application_id: Uuid,
        assessor_id: Uuid,
        scores: Vec<Score>,
    },
    /// A change to submitted scores, with the reason; every revision is kept.
    #[serde(rename = "score.revise")]
    ScoreRevise {
        id: Uuid,
        application_id: Uuid,
        assessor_id: Uuid,
        scores: Vec<Score>,
        reason: String,
        /// The assessor's submissions this laptop showed as current when revising (see
        /// `grants::rivals`); absent in changes made before it existed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        replaces: Option<Vec<Uuid>>,
    },
    /// Agreed scores for an application; `replaces` as for decisions.
    #[serde(rename = "moderation.agree")]
    ModerationAgree {
        id: Uuid,
        agreed: AgreedScores,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        replaces: Option<Vec<Uuid>>,
    },
    /// A decision for an application. `replaces` names the application's decisions this
    /// laptop showed as current when it was recorded, so two laptops recording offline
    /// are named as rivals until one is recorded having seen both (`grants::rivals`);
    /// absent in changes made before it existed.
    #[serde(rename = "decision.record")]
    DecisionRecord {
        id: Uuid,
        decision: Decision,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        replaces: Option<Vec<Uuid>>,
    },
    /// A letter template for one outcome; the latest one for the outcome stands.
    #[serde(rename = "letter.template")]
    LetterTemplate {
        kind: OutcomeKind,
        template: Template,
    },
    /// A letter's first version, drafted for an application with a decision.
    #[serde(rename = "letter.draft")]
    LetterDraft {
        id: Uuid,
        application_id: Uuid,
        content: LetterContent,
    },
    /// A new version of a letter (every version is kept; an approved one never changes).
    #[serde(rename = "letter.edit")]
    LetterEdit {
        letter_id: Uuid,
        version: u32,
        content: LetterContent,
    },
    /// Approves a version; `date` is the letter's date.
    #[serde(rename = "letter.approve")]
    LetterApprove {
        letter_id: Uuid,
        version: u32,
        date: NaiveDate,
    },
    /// A fact about an approved letter: printed, or sent (and how).
    #[serde(rename = "letter.state")]
    LetterStateSet {
        id: Uuid,
        letter_id: Uuid,
        version: u32,
        state: LetterState,
        date: NaiveDate,
        how: Option<Delivery>,
    },
    /// An organisation's preferences for letters; last writer wins.
    #[serde(rename = "organisation.preference")]
    OrganisationPreference {
        organisation_id: Uuid,
        large_print: bool,
    },
    /// A letter set aside (who, why): how a person resolves two letters drafted for one
    /// application on two laptops. The letter and its versions are kept.
    #[serde(rename = "letter.withdraw")]
    LetterWithdraw {
        id: Uuid,
        letter_id: Uuid,
        reason: String,
        by: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum OpDecodeError {
    #[error("unknown operation kind {0:?}")]
    UnknownKind(String),
    #[error("payload of {kind} does not match its format: {reason}")]
    BadPayload { kind: String, reason: String },
}

pub const KINDS: [&str; 37] = [
    "organisation.create",
    "organisation.update",
    "contact.log",
    "setting.set",
    "meeting.create",
    "issue.raise",
    "meeting.attend",
    "meeting.note",
    "issue.evidence",
    "issue.merge",
    "ballot.create",
    "ballot.status",
    "ballot.reveal",
    "ballot.tokens",
    "vote.cast",
    "vote.void",
    "vote.resolve",
    "round.create",
    "round.extension",
    "panel.member",
    "application.create",
    "application.attach",
    "application.support",
    "panel.assign",
    "conflict.declare",
    "score.draft",
    "score.submit",
    "score.revise",
    "moderation.agree",
    "decision.record",
    "letter.template",
    "letter.draft",
    "letter.edit",
    "letter.approve",
    "letter.state",
    "organisation.preference",
    "letter.withdraw",
];

impl Operation {
    pub fn kind(&self) -> &'static str {
        match self {
            Operation::OrganisationCreate { .. } => KINDS[0],
            Operation::OrganisationUpdate { .. } => KINDS[1],
            Operation::ContactLog { .. } => KINDS[2],
            Operation::SettingSet { .. } => KINDS[3],
            Operation::MeetingCreate { .. } => KINDS[4],
            Operation::IssueRaise { .. } => KINDS[5],
            Operation::MeetingAttend { .. } => KINDS[6],
            Operation::MeetingNote { .. } => KINDS[7],
            Operation::IssueEvidence { .. } => KINDS[8],
            Operation::IssueMerge { .. } => KINDS[9],
            Operation::BallotCreate { .. } => KINDS[10],
            Operation::BallotStatusSet { .. } => KINDS[11],
            Operation::BallotReveal { .. } => KINDS[12],
            Operation::BallotTokens { .. } => KINDS[13],
            Operation::VoteCast { .. } => KINDS[14],
            Operation::VoteVoid { .. } => KINDS[15],
            Operation::VoteResolve { .. } => KINDS[16],
            Operation::RoundCreate { .. } => KINDS[17],
            Operation::RoundExtension { .. } => KINDS[18],
            Operation::PanelMember { .. } => KINDS[19],
            Operation::ApplicationCreate { .. } => KINDS[20],
            Operation::ApplicationAttach { .. } => KINDS[21],
            Operation::ApplicationSupport { .. } => KINDS[22],
            Operation::PanelAssign { .. } => KINDS[23],
            Operation::ConflictDeclare { .. } => KINDS[24],
            Operation::ScoreDraft { .. } => KINDS[25],
            Operation::ScoreSubmit { .. } => KINDS[26],
            Operation::ScoreRevise { .. } => KINDS[27],
            Operation::ModerationAgree { .. } => KINDS[28],
            Operation::DecisionRecord { .. } => KINDS[29],
            Operation::LetterTemplate { .. } => KINDS[30],
            Operation::LetterDraft { .. } => KINDS[31],
            Operation::LetterEdit { .. } => KINDS[32],
            Operation::LetterApprove { .. } => KINDS[33],
            Operation::LetterStateSet { .. } => KINDS[34],
            Operation::OrganisationPreference { .. } => KINDS[35],
            Operation::LetterWithdraw { .. } => KINDS[36],
        }
    }

    pub fn payload(&self) -> Value {
        match serde_json::to_value(self) {
            Ok(Value::Object(mut map)) => map.remove("payload").unwrap_or(Value::Null),
            _ => Value::Null,
        }
    }

    pub fn decode(kind: &str, payload: Value) -> Result<Operation, OpDecodeError> {
        if !KINDS.contains(&kind) {
            return Err(OpDecodeError::UnknownKind(kind.to_string()));
        }
        serde_json::from_value(serde_json::json!({ "kind": kind, "payload": payload })).map_err(
            |e| OpDecodeError::BadPayload {
                kind: kind.to_string(),
                reason: e.to_string(),
            },
        )
    }

    /// Checks everything about the operation that needs no stored state.
    pub fn check(&self) -> Result<(), Invalid> {
        match self {
            Operation::OrganisationCreate { fields, .. } => fields.check(),
            Operation::OrganisationUpdate { changes, .. } => {
                if changes.is_empty() {
                    Err(Invalid::one(
                        "changes",
                        "an update must change at least one field",
                    ))
                } else {
                    Ok(())
                }
            }
            Operation::ContactLog { fields, .. } => fields.check(),
            Operation::SettingSet { key, value } => {
                let normal = settings::validate(key, value)?;
                if normal == *value {
                    Ok(())
                } else {
                    Err(Invalid::one(key, "value is not in normal form"))
                }
            }
            Operation::MeetingCreate { fields, .. } => fields.check(),
            Operation::IssueRaise { fields, .. } => fields.check(),
            Operation::MeetingAttend { fields, .. } => fields.check(),
            Operation::MeetingNote { fields, .. } => fields.check(),
            Operation::IssueEvidence { fields, .. } => fields.check(),
            Operation::IssueMerge { from, into } => {
                if from == into {
                    Err(Invalid::one(
                        "into",
                        "an issue cannot be merged into itself",
                    ))
                } else {
                    Ok(())
                }
            }
            Operation::BallotCreate { fields, .. } => fields.check(),
            Operation::BallotStatusSet { .. } | Operation::BallotReveal { .. } => Ok(()),
            Operation::BallotTokens { tokens, .. } => {
                if tokens.is_empty() || tokens.iter().any(|t| !valid_token(t)) {
                    Err(Invalid::one(
                        "tokens",
                        "tokens are 4 to 32 upper-case letters and digits",
                    ))
                } else {
                    Ok(())
                }
            }
            Operation::VoteCast { fields, .. } => {
                let mut errors = Vec::new();
                if fields.voter.reference.trim().is_empty() {
                    errors.push(FieldError::new("voter", "choose who is voting"));
                }
                if fields.recorded_by.trim() != fields.recorded_by
                    || fields.recorded_by.chars().count() > 200
                {
                    errors.push(FieldError::new(
                        "recorded_by",
                        "at most 200 trimmed characters",
                    ));
                }
                Invalid::check(errors)
            }
            Operation::VoteVoid { reason, by, .. }
            | Operation::VoteResolve { reason, by, .. }
            | Operation::LetterWithdraw { reason, by, .. } => {
                let mut errors = Vec::new();
                if reason.trim().is_empty()
                    || reason.trim() != reason
                    || reason.chars().count() > 1000
                {
                    errors.push(FieldError::new("reason", "say why (1 to 1,000 characters)"));
                }
                if by.trim().is_empty() || by.trim() != by || by.chars().count() > 200 {
                    errors.push(FieldError::new("by", "say who is making this correction"));
                }
                Invalid::check(errors)
            }
            Operation::RoundCreate { fields, .. } => fields.check(),
            Operation::PanelMember { name, .. } => {
                if name.trim().is_empty() || name.trim() != name || name.chars().count() > 200 {
                    Err(Invalid::one(
                        "name",
                        "give the panel member's name (1 to 200 characters)",
                    ))
                } else {
                    Ok(())
                }
            }
            Operation::ApplicationAttach { attachment, .. } => attachment.check(),
            Operation::ApplicationSupport { fields, .. } => fields.check(),
            Operation::ConflictDeclare {
                conflicted, note, ..
            } => {
                if *conflicted && note.trim().is_empty() {
                    Err(Invalid::one(
                        "note",
                        "say what the relationship with the organisation is",
                    ))
                } else if note.trim() != note || note.chars().count() > 1000 {
                    Err(Invalid::one("note", "at most 1,000 trimmed characters"))
                } else {
                    Ok(())
                }
            }
            Operation::ScoreRevise { reason, .. } => check_revision_reason(reason),
            Operation::LetterTemplate { template, .. } => check_template(template),
            Operation::LetterDraft { content, .. } => content.check(),
            Operation::LetterEdit {
                content, version, ..
            } => {
                if *version < 2 {
                    Err(Invalid::one("version", "an edit makes version 2 or later"))
                } else {
                    content.check()
                }
            }
            Operation::LetterApprove { version, .. } => {
                if *version == 0 {
                    Err(Invalid::one("version", "versions are numbered from 1"))
                } else {
                    Ok(())
                }
            }
            Operation::LetterStateSet { state, how, .. } => match (state, how) {
                (LetterState::Sent, None) => Err(Invalid::one(
                    "how",
                    "say how the letter was sent: post, email or hand",
                )),
                (LetterState::Printed, Some(_)) => Err(Invalid::one(
                    "how",
                    "only a sent letter says how it was sent",
                )),
                _ => Ok(()),
            },
            Operation::OrganisationPreference { .. } => Ok(()),
            // These need the round's rubric or the application's amount: the store checks
            // them against what it holds.
            Operation::RoundExtension { .. }
            | Operation::ApplicationCreate { .. }
            | Operation::PanelAssign { .. }
            | Operation::ScoreDraft { .. }
            | Operation::ScoreSubmit { .. }
            | Operation::ModerationAgree { .. }
            | Operation::DecisionRecord { .. } => Ok(()),
        }
    }
}

/// Anonymous voting tokens: short codes printed on slips, easy to read aloud and type.
/// Kinds that belong to the grants round: never made by or sent to a facilitator. The
/// server refuses them from a facilitator's laptop and the laptop itself refuses to make
/// them, since one refused change would hold back every later one in its push.
pub fn is_grants_kind(kind: &str) -> bool {
    const PREFIXES: [&str; 8] = [
        "application.",
        "score.",
        "moderation.",
        "decision.",
        "conflict.",
        "panel.",
        "round.",
        "letter.",
    ];
    PREFIXES.iter().any(|p| kind.starts_with(p))
}

/// The panel member a score or conflict declaration is made as.
pub fn assessor_of(op: &Operation) -> Option<Uuid> {
    match op {
        Operation::ScoreDraft { assessor_id, .. }
        | Operation::ScoreSubmit { assessor_id, .. }
        | Operation::ScoreRevise { assessor_id, .. }
        | Operation::ConflictDeclare { assessor_id, .. } => Some(*assessor_id),
        _ => None,
    }
}

/// May a panel member, scoring as the panel member ids `mine`, make `op`? Scores and
/// conflict declarations only as themselves, so no one can submit (and so unblind) a score
/// in another assessor's name; anything else a panel member's role allows.
pub fn panel_may_make(op: &Operation, mine: &[Uuid]) -> bool {
    assessor_of(op).is_none_or(|assessor| mine.contains(&assessor))
}

pub fn valid_token(t: &str) -> bool {
    (4..=32).contains(&t.len())
        && t.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contact::ContactKind;
    use chrono::NaiveDate;

    #[test]
    fn grants_kinds_are_the_rounds_and_everything_in_them() {
        let grants: Vec<&str> = KINDS
            .iter()
            .copied()
            .filter(|k| is_grants_kind(k))
            .collect();
        for kind in [
            "round.create",
            "application.create",
            "score.submit",
            "decision.record",
            "letter.withdraw",
            "panel.member",
            "conflict.declare",
            "moderation.agree",
        ] {
            assert!(
                grants.contains(&kind),
                "{kind} is not a grants kind (or no longer a kind)"
            );
        }
        for kind in [
            "organisation.create",
            "vote.cast",
            "vote.resolve",
            "ballot.create",
            "meeting.create",
            "setting.set",
            "contact.log",
        ] {
            assert!(KINDS.contains(&kind), "{kind} is no longer a kind");
            assert!(!is_grants_kind(kind), "{kind} is a grants kind");
        }
    }

    #[test]
    fn kind_and_payload_round_trip() {
        let op = Operation::ContactLog {
            id: Uuid::now_v7(),
            fields: ContactFields {
                organisation_id: Uuid::now_v7(),
                date: NaiveDate::from_ymd_opt(2026, 1, 2).unwrap(),
                kind: ContactKind::Call,
                by: "Sam".into(),
                notes: String::new(),
                follow_up: None,
            },
        };
        assert_eq!(op.kind(), "contact.log");
        let back = Operation::decode(op.kind(), op.payload()).unwrap();
        assert_eq!(back, op);
    }

    #[test]
    fn a_decision_from_before_replaces_reads_and_writes_unchanged() {
        // Changes made before `replaces` existed are in change logs and on the server:
        // they must decode, and a change without it must encode exactly as before.
        let app = Uuid::from_u128(7);
        let old = serde_json::json!({
            "id": Uuid::from_u128(1),
            "decision": {"application_id": app, "outcome": {"kind": "not_funded"}, "reasons": "r"},
        });
        let op = Operation::decode("decision.record", old.clone()).unwrap();
        assert!(matches!(
            op,
            Operation::DecisionRecord { replaces: None, .. }
        ));
        assert_eq!(op.payload(), old);
        let agreed = serde_json::json!({
            "id": Uuid::from_u128(2),
            "agreed": {"application_id": app, "scores": [], "note": ""},
        });
        let op = Operation::decode("moderation.agree", agreed.clone()).unwrap();
        assert!(matches!(
            op,
            Operation::ModerationAgree { replaces: None, .. }
        ));
        assert_eq!(op.payload(), agreed);
        let with = Operation::ModerationAgree {
            id: Uuid::from_u128(2),
            agreed: AgreedScores {
                application_id: app,
                scores: vec![],
                note: String::new(),
            },
            replaces: Some(vec![Uuid::from_u128(3)]),
        };
        assert_eq!(
            Operation::decode(with.kind(), with.payload()).unwrap(),
            with
        );
    }

    #[test]
    fn decode_names_what_is_wrong() {
        let err = Operation::decode("vote.cast", Value::Null).unwrap_err();
        assert!(err.to_string().contains("vote.cast"));
        let err = Operation::decode("setting.set", serde_json::json!({"key": 1})).unwrap_err();
        assert!(err.to_string().contains("setting.set"), "{err}");
    }

    #[test]
    fn check_refuses_empty_updates_and_bad_settings() {
        let op = Operation::OrganisationUpdate {
            id: Uuid::now_v7(),
            changes: OrganisationPatch::default(),
        };
        assert!(op.check().is_err());
        let op = Operation::SettingSet {
            key: settings::SMALL_ORG_THRESHOLD_GBP.into(),
            value: serde_json::json!(-5),
        };
        assert!(op.check().is_err());
    }
}

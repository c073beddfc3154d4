//! Operations: the only way data changes. Each is a kind plus a JSON payload; the store
//! applies one in a transaction and appends it to the change log, and a later sync ships
//! the same (kind, payload) pairs to other devices. Kind names and payload keys are
//! therefore a wire format: add new kinds, never change an existing one.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::contact::ContactFields;
use crate::invalid::Invalid;
use crate::issue::IssueFields;
use crate::meeting::MeetingFields;
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
}

#[derive(Debug, thiserror::Error)]
pub enum OpDecodeError {
    #[error("unknown operation kind {0:?}")]
    UnknownKind(String),
    #[error("payload of {kind} does not match its format: {reason}")]
    BadPayload { kind: String, reason: String },
}

pub const KINDS: [&str; 6] = [
    "organisation.create",
    "organisation.update",
    "contact.log",
    "setting.set",
    "meeting.create",
    "issue.raise",
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
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contact::ContactKind;
    use chrono::NaiveDate;

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

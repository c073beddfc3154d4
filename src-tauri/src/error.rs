//! The one error shape the UI receives from every command, so each form can put each
//! field's message beside its own input and show anything else once, at the top.

use serde::Serialize;
use trellis_core::FieldError;
use trellis_store::StoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The input was wrong; `fields` says where. Nothing was changed.
    Invalid,
    /// The record asked for does not exist (perhaps removed by another device).
    NotFound,
    /// The database could not be read or written.
    Store,
    /// The sync server could not be reached or refused; `fields` names the field to
    /// check when there is one (the server's address, the enrolment code).
    Sync,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct CommandError {
    pub kind: ErrorKind,
    pub message: String,
    pub fields: Vec<FieldError>,
}

impl CommandError {
    pub fn store(message: impl Into<String>) -> Self {
        CommandError {
            kind: ErrorKind::Store,
            message: message.into(),
            fields: Vec::new(),
        }
    }
}

impl From<StoreError> for CommandError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Invalid(invalid) => CommandError {
                kind: ErrorKind::Invalid,
                message: invalid.to_string(),
                fields: invalid.errors,
            },
            not_found @ StoreError::NotFound { .. } => CommandError {
                kind: ErrorKind::NotFound,
                message: not_found.to_string(),
                fields: Vec::new(),
            },
            other => CommandError::store(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trellis_core::Invalid;

    #[test]
    fn invalid_store_errors_keep_their_fields() {
        let e = CommandError::from(StoreError::Invalid(Invalid::one(
            "org_ref",
            "keep the zeros",
        )));
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["kind"], "invalid");
        assert_eq!(json["fields"][0]["field"], "org_ref");
        assert_eq!(json["fields"][0]["message"], "keep the zeros");
    }

    #[test]
    fn not_found_is_its_own_kind() {
        let e = CommandError::from(StoreError::NotFound {
            what: "organisation",
            id: "x".into(),
        });
        assert_eq!(serde_json::to_value(&e).unwrap()["kind"], "not_found");
    }
}

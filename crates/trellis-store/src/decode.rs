//! Turning stored text back into values, for every read and write path. A value that does
//! not decode means the file was damaged or written by something else, so it is reported
//! as [`StoreError::Damaged`] naming what it was, never skipped or replaced by a default:
//! a screen that silently left a vote or a date out would be worse than one that refuses.

use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::StoreError;

/// A stored id; the message names the text, as there is nothing better to name.
pub(crate) fn parse_uuid(s: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(s).map_err(|e| StoreError::damaged(format!("id {s}"), e))
}

/// A stored id, the message naming what it is the id of.
pub(crate) fn uuid_of(what: &str, s: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(s).map_err(|e| StoreError::damaged(what, e))
}

/// A stored JSON column.
pub(crate) fn decode<T: DeserializeOwned>(what: &str, s: &str) -> Result<T, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::damaged(what, e))
}

/// A stored code (an enum's serde name without its JSON quotes, as the writes store it).
pub(crate) fn from_code<T: DeserializeOwned>(what: &str, s: &str) -> Result<T, StoreError> {
    decode(what, &format!("\"{s}\""))
}

/// A stored calendar date (`YYYY-MM-DD`).
pub(crate) fn parse_date(s: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| StoreError::damaged(format!("date {s}"), e))
}

//! The unit of sync: one change-log row as it travels between laptops and the server.
//! It lives here, not in the laptop's store, so the server and the wire format depend on
//! the change's shape only, never on how a laptop keeps it.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::hlc::Hlc;

/// One change-log row as it travels between devices and the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeRow {
    pub id: Uuid,
    pub device_id: Uuid,
    pub device_seq: i64,
    pub hlc: Hlc,
    /// The laptop schema (migration number) the change was made under: the format of its
    /// payload, which a store older than it cannot apply.
    pub schema_version: u32,
    pub kind: String,
    pub payload: Value,
}

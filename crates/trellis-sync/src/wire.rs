//! The `/v1` wire format, shared by the server and the laptop's client. JSON bodies;
//! every error is a 4xx with an [`ErrorBody`].

use serde::{Deserialize, Serialize};
use uuid::Uuid;

// The unit of sync lives in trellis-core, so the server needs no laptop store to speak it.
pub use trellis_core::change::ChangeRow;

/// The API version in every path.
pub const API: &str = "/v1";

/// The sync protocol's own version: what a push or pull means on the wire, not how a
/// laptop keeps its data. The laptop sends it with every push (`protocol_version`) and
/// pull (`?protocol=`); the server refuses any other with 409 `protocol_mismatch`. Bump
/// it only when a server and a laptop of different numbers would misread each other
/// (a field removed or its meaning changed, a new rule for which changes are sent); a
/// laptop migration alone does not bump it (each change carries its own
/// `schema_version`), nor does a new optional field both sides may ignore.
pub const PROTOCOL_VERSION: u32 = 1;

/// `POST /v1/enrol`: a one-time code from `trellis-server enrol` for this laptop's device id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolRequest {
    pub code: String,
    pub device_id: Uuid,
    /// The kinds of change the laptop holds but has not sent: the server refuses (without
    /// using the code) a role that could never send them, instead of a push stuck forever.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unsent_kinds: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolResponse {
    /// The device token: sent as `Authorization: Bearer <token>`; the server keeps only its
    /// SHA-256.
    pub token: String,
    pub user: String,
    pub role: String,
}

/// `POST /v1/push`: this device's changes after the last acknowledged one, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushRequest {
    /// [`PROTOCOL_VERSION`] as the laptop knows it. Absent (0) from a Trellis older than
    /// protocol numbers, which sent its schema instead: refused, with what to update.
    #[serde(default)]
    pub protocol_version: u32,
    pub changes: Vec<ChangeRow>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    /// The highest device sequence the server now holds for this device.
    pub acknowledged_seq: i64,
    /// The server's clock (Unix milliseconds), so a laptop can tell its own is wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_time_ms: Option<u64>,
}

/// One change as pulled, with its place in the server's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PulledChange {
    pub server_seq: i64,
    pub change: ChangeRow,
    /// The user the sending laptop syncs as: shown if this laptop must set the change
    /// aside.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_by: Option<String>,
}

/// `GET /v1/pull?after=N&limit=M`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullResponse {
    pub changes: Vec<PulledChange>,
    /// The cursor to ask from next; equal to `after` when there is nothing more.
    pub next: i64,
    /// True when the server withholds some changes from this device's role, so other
    /// devices' series arrive with gaps (and withheld scores may arrive later, released).
    pub scoped: bool,
    /// The server's clock (Unix milliseconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_time_ms: Option<u64>,
    /// The highest change number the server holds from the pulling device: a laptop
    /// whose own series stops below it is a restored backup or a copy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_highest_seq: Option<i64>,
}

/// `POST /v1/continue`, with the old device's token: a restored or copied database
/// carries on as `device_id`, a new device of the same user. Answered like an enrolment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContinueRequest {
    pub device_id: Uuid,
}

/// A pushed change the server refused: which one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedRef {
    pub device_seq: i64,
    pub change_id: Uuid,
    pub kind: String,
}

/// Every refusal: a short machine-readable `error` and a sentence for a person.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: String,
    pub reason: String,
    /// On a gap (409 `gap`): the device sequence the server expects next. On a copied
    /// database (409 `device_copied`): the first change number that differs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<i64>,
    /// On a refused change: the highest change number now held for this device (the
    /// changes before the refused one were stored; a change set aside counts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged_seq: Option<i64>,
    /// On a refused change: which one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<RefusedRef>,
    /// On a refused change: true when it is refused for good (the laptop sets it aside
    /// and carries on); false when the laptop can put it right and send it again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub set_aside: bool,
    /// On a clock refusal: the server's clock (Unix milliseconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_time_ms: Option<u64>,
}

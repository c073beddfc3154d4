//! Trellis's sync server: an axum API over a [`ServerStore`].
//!
//! - `POST /v1/enrol {code, device_id}` → `{token, user, role}` (no token needed).
//! - `POST /v1/push {protocol_version, changes}` → `{acknowledged_seq}`.
//! - `GET /v1/pull?protocol=P&after=N&limit=M` → `{changes: [{server_seq, change}], next, scoped}`.
//!
//! Bodies may be gzip-compressed (`Content-Encoding: gzip`) and answers are compressed for
//! clients that accept it. Every refusal is a specific 4xx with a JSON `{error, reason}`. What each role may push
//! and receive is in [`roles`].

pub mod admit;
pub mod guard;
pub mod roles;
pub mod store;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use tower_http::compression::CompressionLayer;
use tower_http::decompression::RequestDecompressionLayer;
use trellis_sync::wire::ChangeRow;
use trellis_sync::wire::{
    ContinueRequest, EnrolRequest, EnrolResponse, ErrorBody, PullResponse, PulledChange,
    PushRequest, PushResponse, RefusedRef,
};
use uuid::Uuid;

pub use roles::Role;
pub use store::{
    Device, PushOutcome, RefusedChange, ServerStore, ServerStoreError, SqliteServerStore, User,
};

/// The newest change format (a change's `schema_version`) this server accepts: the
/// newest its replica can apply. Not the protocol's version ([`PROTOCOL_VERSION`]).
pub const SCHEMA_VERSION: u32 = trellis_store::migrations::LATEST;

pub use trellis_sync::wire::PROTOCOL_VERSION;

#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest request body accepted (413 beyond).
    pub max_body_bytes: usize,
    /// Requests per device per [`Limits::rate_window`] (429 beyond).
    pub requests_per_window: u32,
    pub rate_window: Duration,
    /// Most changes in one pull page.
    pub max_pull: usize,
    /// Requests per address per [`Limits::rate_window`] without a valid device token
    /// (enrolment, a missing or unknown token; 429 beyond).
    pub anonymous_requests_per_window: u32,
    /// Wrong enrolment codes from one address before enrolment from it is refused for
    /// [`Limits::enrol_lockout`].
    pub enrol_wrong_codes: u32,
    /// Wrong enrolment codes from all addresses together within one
    /// [`Limits::enrol_lockout`] before enrolment is paused for everyone for as long.
    pub enrol_wrong_codes_everywhere: u32,
    pub enrol_lockout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 2 * 1024 * 1024,
            requests_per_window: 600,
            rate_window: Duration::from_secs(60),
            max_pull: 1000,
            // A room of laptops enrolling at once behind one address fits easily.
            anonymous_requests_per_window: 120,
            enrol_wrong_codes: 5,
            // Codes are 31^8 (about 850 billion): at this pace guessing one takes ages.
            enrol_wrong_codes_everywhere: 100,
            // As long as a code lives: a locked-out guesser outlasts the code it guessed at.
            enrol_lockout: Duration::from_secs(15 * 60),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    store: Arc<dyn ServerStore>,
    limits: Limits,
    rates: Arc<Mutex<HashMap<Uuid, (Instant, u32)>>>,
    guard: Arc<guard::Guard>,
}

impl AppState {
    pub fn new(store: Arc<dyn ServerStore>, limits: Limits) -> Self {
        AppState {
            store,
            limits,
            rates: Arc::default(),
            guard: Arc::default(),
        }
    }
}

pub fn router(state: AppState) -> Router {
    let limit = state.limits.max_body_bytes;
    Router::new()
        .route("/v1/enrol", post(enrol))
        .route("/v1/push", post(push))
        .route("/v1/pull", get(pull))
        .route("/v1/continue", post(continue_device))
        .fallback(|| async {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "no such endpoint: this server speaks /v1/enrol, /v1/push and /v1/pull",
            )
        })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::limit_anonymous,
        ))
        .layer(DefaultBodyLimit::max(limit))
        // Outermost, so the body limit above counts decompressed bytes (a small gzip bomb
        // is still refused with 413) and every answer, errors too, may be compressed.
        .layer(RequestDecompressionLayer::new().gzip(true))
        // Outside decompression, whose 415 for an unknown encoding has an empty body.
        .layer(axum::middleware::from_fn(guard::error_bodies))
        .layer(CompressionLayer::new().gzip(true))
        .with_state(state)
}

/// Serves until the listener fails; the caller picks the address (port 0 in tests).
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
}

/// A refusal: status, a short code and a sentence.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    /// Boxed: a refusal carries which change and what the server holds, and is passed
    /// back through every handler's `Result`.
    pub body: Box<ErrorBody>,
    /// Seconds to wait before asking again (sent as `Retry-After` with a 429).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, error: &str, reason: impl Into<String>) -> Self {
        ApiError {
            status,
            body: Box::new(ErrorBody {
                error: error.into(),
                reason: reason.into(),
                ..ErrorBody::default()
            }),
            retry_after: None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = (self.status, Json(*self.body)).into_response();
        if let Some(secs) = self.retry_after {
            res.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        res
    }
}

impl From<ServerStoreError> for ApiError {
    fn from(e: ServerStoreError) -> Self {
        match e {
            ServerStoreError::BadCode => ApiError::new(StatusCode::FORBIDDEN, "bad_code", e.to_string()),
            ServerStoreError::DeviceRevoked(_) => {
                ApiError::new(StatusCode::FORBIDDEN, "revoked", e.to_string())
            }
            ServerStoreError::DeviceOfAnotherUser { .. } => {
                ApiError::new(StatusCode::CONFLICT, "another_users_device", e.to_string())
            }
            ServerStoreError::Copied { first, .. } => {
                let mut err = ApiError::new(StatusCode::CONFLICT, "device_copied", e.to_string());
                err.body.expected = Some(first);
                err
            }
            ServerStoreError::Gap { expected, .. } => {
                let mut err = ApiError::new(StatusCode::CONFLICT, "gap", e.to_string());
                err.body.expected = Some(expected);
                err
            }
            other => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "server_store",
                format!("the server could not use its database ({other}); nothing was stored, try again"),
            ),
        }
    }
}

fn body_bytes(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "request body is larger than this server accepts: send fewer changes per push",
            )
        } else {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "unreadable_body",
                format!("could not read the request body: {e}"),
            )
        }
    })
}

fn json_body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("request body is not the expected JSON: {e}"),
        )
    })
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "server_busy",
            format!("the server failed this request ({e}); try again"),
        )
    })?
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

async fn enrol(
    State(state): State<AppState>,
    connect: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<EnrolResponse>, ApiError> {
    let peer = connect.map(|c| c.0 .0.ip());
    // Before the code is looked at, so a locked-out guesser learns nothing, right or wrong.
    state.guard.enrol_allowed(&state.limits, peer)?;
    let req: EnrolRequest = json_body(&body_bytes(body)?)?;
    let store = state.store.clone();
    let enrolled = blocking(move || {
        if !req.unsent_kinds.is_empty() {
            let role = store
                .code_role(&req.code, now_ms())?
                .ok_or(ServerStoreError::BadCode)?;
            let forbidden = roles::forbidden_kinds(role, &req.unsent_kinds);
            if !forbidden.is_empty() {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "holds_forbidden_changes",
                    format!(
                        "this laptop holds unsent changes a {role} may not send ({}), so its sync could never finish; the code was not used: enrol a fresh database for this role (trellis --db NEW init), or ask an administrator for a code with another role",
                        forbidden.join(", ")
                    ),
                ));
            }
        }
        Ok(store.enrol(&req.code, req.device_id, now_ms())?)
    })
    .await;
    match &enrolled {
        Ok(_) => state.guard.right_code(peer),
        Err(e) if e.body.error == "bad_code" => state.guard.wrong_code(&state.limits, peer),
        Err(_) => {}
    }
    let (token, device) = enrolled?;
    Ok(Json(EnrolResponse {
        token,
        user: device.user,
        role: device.role.to_string(),
    }))
}

/// The device behind the bearer token, refused if missing, unknown, revoked or too busy.
async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Device, ApiError> {
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "no_token",
                "no device token: enrol this laptop first (trellis enrol --server URL --code CODE)",
            )
        })?
        .to_owned();
    let store = state.store.clone();
    let device = blocking(move || Ok(store.device_for_token(&token)?))
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unknown_token",
                "this device token is not known to the server: enrol this laptop again",
            )
        })?;
    if device.revoked {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "revoked",
            format!("device {} was revoked by an administrator: it may no longer sync; ask for a new enrolment code if this is wrong", device.id),
        ));
    }
    let mut rates = state.rates.lock().unwrap_or_else(|p| p.into_inner());
    let now = Instant::now();
    let entry = rates.entry(device.id).or_insert((now, 0));
    if now.duration_since(entry.0) >= state.limits.rate_window {
        *entry = (now, 0);
    }
    entry.1 += 1;
    if entry.1 > state.limits.requests_per_window {
        let wait = state
            .limits
            .rate_window
            .saturating_sub(now.duration_since(entry.0));
        return Err(ApiError {
            retry_after: Some(wait.as_secs().max(1)),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!(
                    "more than {} requests from this device in {} s: wait and sync again",
                    state.limits.requests_per_window,
                    state.limits.rate_window.as_secs()
                ),
            )
        });
    }
    Ok(device)
}

/// Refuses a laptop that speaks another sync protocol, naming both numbers and which side
/// to update. `got` is 0 from a Trellis older than protocol numbers.
pub fn check_protocol(got: u32) -> Result<(), ApiError> {
    if got == PROTOCOL_VERSION {
        return Ok(());
    }
    let laptop = if got == 0 {
        "this laptop's Trellis is older than sync protocol numbers".to_string()
    } else {
        format!("this laptop's Trellis speaks sync protocol {got}")
    };
    let update = if got > PROTOCOL_VERSION {
        "update the sync server"
    } else {
        "update Trellis on this laptop"
    };
    Err(ApiError::new(
        StatusCode::CONFLICT,
        "protocol_mismatch",
        format!("{laptop}; the server speaks {PROTOCOL_VERSION}: {update}, then sync again. Nothing was sent or lost"),
    ))
}

/// Reads a push body for `device`: the request's JSON, the protocol version, and that every
/// row is the device's own, numbered from 1. Each change's own checks come later, one by
/// one ([`admit`]), so that one bad change is refused alone. Pure: nothing is stored.
pub fn decode_push(bytes: &[u8], device: Uuid) -> Result<Vec<ChangeRow>, ApiError> {
    let req: PushRequest = json_body(bytes)?;
    check_protocol(req.protocol_version)?;
    for row in &req.changes {
        let name = format!("change {} ({})", row.device_seq, row.kind);
        if row.device_id != device {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "not_your_change",
                format!("{name} belongs to another device: a device may push only its own changes"),
            ));
        }
        if row.device_seq < 1 {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_change",
                format!("{name}: change numbers start at 1"),
            ));
        }
        // The change's own format, apart from the protocol: a laptop a migration ahead
        // speaks the same protocol, but the replica could not apply what it made.
        if row.schema_version > SCHEMA_VERSION {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "schema_mismatch",
                format!(
                    "{name} was made by a newer Trellis (schema {}) than this server can apply (schema {SCHEMA_VERSION}): update the server; nothing was stored",
                    row.schema_version
                ),
            ));
        }
    }
    Ok(req.changes)
}

fn now_ms_u64() -> u64 {
    u64::try_from(now_ms()).unwrap_or(0)
}

async fn push(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<PushResponse>, ApiError> {
    let device = authenticate(&state, &headers).await?;
    let bytes = body_bytes(body)?;
    let store = state.store.clone();
    let now = now_ms_u64();
    let outcome = blocking(move || {
        let rows = decode_push(&bytes, device.id)?;
        Ok(store.push(&device, &rows, now)?)
    })
    .await?;
    match outcome.refused {
        None => Ok(Json(PushResponse {
            acknowledged_seq: outcome.acknowledged_seq,
            server_time_ms: Some(now),
        })),
        Some((row, refusal)) => {
            let mut err = ApiError::new(refusal.status, refusal.error, refusal.reason(&row));
            err.body.acknowledged_seq = Some(outcome.acknowledged_seq);
            err.body.change = Some(RefusedRef {
                device_seq: row.device_seq,
                change_id: row.id,
                kind: row.kind.clone(),
            });
            err.body.set_aside = refusal.set_aside;
            err.body.server_time_ms = Some(now);
            Err(err)
        }
    }
}

/// A restored or copied database carries on as a new device of the same user: the old
/// device's token proves who, and the answer is a new token, as from an enrolment.
async fn continue_device(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<EnrolResponse>, ApiError> {
    let device = authenticate(&state, &headers).await?;
    let req: ContinueRequest = json_body(&body_bytes(body)?)?;
    let store = state.store.clone();
    let old = device.id;
    let (token, new) = blocking(move || Ok(store.continue_device(&device, req.device_id)?)).await?;
    // For staff reading the server's log: device ids only, never names or tokens.
    eprintln!(
        "device {old} continued as new device {}: its database was restored from a backup or copied",
        new.id
    );
    Ok(Json(EnrolResponse {
        token,
        user: new.user,
        role: new.role.to_string(),
    }))
}

#[derive(Deserialize)]
struct PullQuery {
    /// [`PROTOCOL_VERSION`] as the laptop knows it; absent from a Trellis older than
    /// protocol numbers.
    protocol: Option<u32>,
    after: Option<i64>,
    limit: Option<usize>,
}

async fn pull(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<PullQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<PullResponse>, ApiError> {
    let device = authenticate(&state, &headers).await?;
    let Query(q) = query.map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_query",
            format!("pull takes ?after=N&limit=M: {e}"),
        )
    })?;
    check_protocol(q.protocol.unwrap_or(0))?;
    let after = q.after.unwrap_or(0);
    if after < 0 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_query",
            "after must be 0 or more",
        ));
    }
    let limit = q
        .limit
        .unwrap_or(state.limits.max_pull)
        .clamp(1, state.limits.max_pull);
    let store = state.store.clone();
    let scoped = device.role.scoped();
    let (changes, next, highest) = blocking(move || {
        let (rows, next) = store.pull(&device, after, limit)?;
        let highest = store.device_highest_seq(device.id)?;
        let users: HashMap<Uuid, String> = store
            .devices()?
            .into_iter()
            .map(|d| (d.id, d.user))
            .collect();
        let changes = rows
            .into_iter()
            .filter_map(|(server_seq, row)| {
                let sent_by = users.get(&row.device_id).cloned();
                let change =
                    if device.role.receive(&row.kind) == roles::Receive::WithoutEqualityData {
                        let own = sent_by.as_deref() == Some(device.user.as_str());
                        roles::withhold_equality_data(row, own)?
                    } else {
                        row
                    };
                Some(PulledChange {
                    server_seq,
                    change,
                    // Who made each change is for the staff who put things right; a
                    // scoped role is told the laptop, not the person.
                    sent_by: sent_by.filter(|_| !device.role.scoped()),
                })
            })
            .collect();
        Ok((changes, next, highest))
    })
    .await?;
    Ok(Json(PullResponse {
        changes,
        next,
        scoped,
        server_time_ms: Some(now_ms_u64()),
        device_highest_seq: Some(highest),
    }))
}

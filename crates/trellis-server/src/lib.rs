//! Trellis's sync server: an axum API over a [`ServerStore`].
//!
//! - `POST /v1/enrol {code, device_id}` → `{token, user, role}` (no token needed).
//! - `POST /v1/push {schema_version, changes}` → `{acknowledged_seq}`.
//! - `GET /v1/pull?after=N&limit=M` → `{changes: [{server_seq, change}], next, scoped}`.
//!
//! Bodies may be gzip-compressed (`Content-Encoding: gzip`) and answers are compressed for
//! clients that accept it. Every refusal is a specific 4xx with a JSON `{error, reason}`. What each role may push
//! and receive is in [`roles`].

pub mod guard;
pub mod roles;
pub mod store;

use std::collections::{HashMap, HashSet};
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
use trellis_core::op::Operation;
use trellis_store::ChangeRow;
use trellis_sync::wire::{
    EnrolRequest, EnrolResponse, ErrorBody, PullResponse, PulledChange, PushRequest, PushResponse,
};
use uuid::Uuid;

pub use roles::Role;
pub use store::{Device, ServerStore, ServerStoreError, SqliteServerStore, User};

/// The schema version this server accepts: the store's latest migration.
pub const SCHEMA_VERSION: u32 = trellis_store::migrations::LATEST;

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
    pub body: ErrorBody,
    /// Seconds to wait before asking again (sent as `Retry-After` with a 429).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, error: &str, reason: impl Into<String>) -> Self {
        ApiError {
            status,
            body: ErrorBody {
                error: error.into(),
                reason: reason.into(),
                expected: None,
            },
            retry_after: None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = (self.status, Json(self.body)).into_response();
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

/// Decodes and checks a push body for `device` (of `role`): the request's JSON, the schema
/// version, that every row is the device's own, decodes and is valid, and that the role
/// may make it. Returns each row with its decoded operation. Pure: nothing is stored here.
pub fn decode_push(
    bytes: &[u8],
    device: Uuid,
    role: Role,
) -> Result<Vec<(ChangeRow, Operation)>, ApiError> {
    let req: PushRequest = json_body(bytes)?;
    if req.schema_version != SCHEMA_VERSION {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "schema_mismatch",
            format!(
                "client and server schema differ: update (client {}, server {SCHEMA_VERSION})",
                req.schema_version
            ),
        ));
    }
    let mut decoded = Vec::with_capacity(req.changes.len());
    for row in req.changes {
        let name = format!("change {}#{} ({})", row.device_id, row.device_seq, row.kind);
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
        if row.schema_version > SCHEMA_VERSION {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "schema_mismatch",
                format!("{name}: client and server schema differ: update"),
            ));
        }
        let op = Operation::decode(&row.kind, row.payload.clone()).map_err(|e| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_change",
                format!("{name}: {e}"),
            )
        })?;
        op.check().map_err(|e| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_change",
                format!("{name} is not valid: {e}"),
            )
        })?;
        if !role.may_make(&row.kind) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "role_forbids",
                format!("{name}: a {role} may not make {} changes", row.kind),
            ));
        }
        decoded.push((row, op));
    }
    Ok(decoded)
}

/// A panel member's scores and conflict declarations must be their own: made as a panel
/// member named as the user, on the server already or created in this same push.
fn check_panel_push(
    store: &dyn ServerStore,
    device: &Device,
    decoded: &[(ChangeRow, Operation)],
) -> Result<(), ApiError> {
    let mut mine = store.panel_members_of(&device.user)?;
    for (row, op) in decoded {
        if let Operation::PanelMember { id, name, .. } = op {
            if name == &device.user {
                mine.push(*id);
            }
        }
        if !roles::panel_may_make(op, &mine) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "not_your_score",
                format!(
                    "change {}#{} ({}): a panel member scores and declares conflicts only as themselves, and {} is not a panel member named {}",
                    row.device_id,
                    row.device_seq,
                    row.kind,
                    roles::assessor_of(op).map(|a| a.to_string()).unwrap_or_default(),
                    device.user
                ),
            ));
        }
    }
    Ok(())
}

async fn push(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<PushResponse>, ApiError> {
    let device = authenticate(&state, &headers).await?;
    let bytes = body_bytes(body)?;
    let store = state.store.clone();
    let acknowledged_seq = blocking(move || {
        let decoded = decode_push(&bytes, device.id, device.role)?;
        if device.role == Role::Panel {
            check_panel_push(store.as_ref(), &device, &decoded)?;
        }
        let rows: Vec<ChangeRow> = decoded.into_iter().map(|(row, _)| row).collect();
        Ok(store.push(device.id, &rows)?)
    })
    .await?;
    Ok(Json(PushResponse { acknowledged_seq }))
}

#[derive(Deserialize)]
struct PullQuery {
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
    let (rows, next) = blocking(move || {
        let (rows, next) = store.pull(&device, after, limit)?;
        if device.role != Role::Facilitator {
            return Ok((rows, next));
        }
        let own_user: HashSet<Uuid> = store
            .devices()?
            .into_iter()
            .filter(|d| d.user == device.user)
            .map(|d| d.id)
            .collect();
        let rows = rows
            .into_iter()
            .filter_map(|(seq, row)| {
                let own = own_user.contains(&row.device_id);
                roles::withhold_equality_data(row, own).map(|row| (seq, row))
            })
            .collect();
        Ok((rows, next))
    })
    .await?;
    Ok(Json(PullResponse {
        changes: rows
            .into_iter()
            .map(|(server_seq, change)| PulledChange { server_seq, change })
            .collect(),
        next,
        scoped,
    }))
}

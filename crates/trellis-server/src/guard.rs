//! What stands between the network and the handlers: a lock-out for wrong enrolment
//! codes, a rate limit for requests without a valid device token, and an `{error, reason}`
//! body on every refusal, including the ones axum and tower-http answer themselves.
//!
//! Counts are kept in memory: a restart forgets them, which costs a guesser no more than
//! the restart costs the server. Clients are told apart by IP address (not port, which
//! changes per connection); a request without one (the router called in process, as the
//! convergence test does) falls into one shared bucket.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use trellis_sync::wire::ErrorBody;

use crate::{ApiError, AppState, Limits};

/// The client's address, if the server was started with connection info.
pub type Peer = Option<IpAddr>;

pub fn peer_of(extensions: &axum::http::Extensions) -> Peer {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
}

/// Wrong guesses in one window, and until when guessing is refused.
#[derive(Debug, Clone, Copy)]
struct Strikes {
    since: Instant,
    count: u32,
    locked_until: Option<Instant>,
}

impl Strikes {
    fn new(now: Instant) -> Self {
        Strikes {
            since: now,
            count: 0,
            locked_until: None,
        }
    }

    fn wait(&self, now: Instant) -> Option<Duration> {
        self.locked_until
            .filter(|until| *until > now)
            .map(|until| until - now)
    }

    /// Counts one more strike; true when this one starts a lock-out.
    fn strike(&mut self, now: Instant, limit: u32, window: Duration) -> bool {
        if self.wait(now).is_some() {
            return false;
        }
        if now.duration_since(self.since) >= window {
            *self = Strikes::new(now);
        }
        self.count += 1;
        if self.count < limit {
            return false;
        }
        *self = Strikes {
            locked_until: Some(now + window),
            ..Strikes::new(now)
        };
        true
    }
}

#[derive(Default)]
struct Counts {
    wrong_codes: HashMap<Peer, Strikes>,
    /// Wrong codes from every address together, so guessing from many addresses is slowed
    /// too.
    wrong_codes_everywhere: Option<Strikes>,
    /// Requests without a valid token: (window start, count).
    anonymous: HashMap<Peer, (Instant, u32)>,
    /// Sizes at which the maps are next swept of finished windows: sweeping on every
    /// request would cost each one a pass over every address seen.
    sweep_wrong_codes_at: usize,
    sweep_anonymous_at: usize,
}

/// Drops finished entries once `map` has doubled since the last sweep, so neither map can
/// grow without end and a sweep costs each request a constant amount on average.
fn sweep<V>(map: &mut HashMap<Peer, V>, at: &mut usize, keep: impl FnMut(&Peer, &mut V) -> bool) {
    if map.len() >= *at {
        map.retain(keep);
        *at = (map.len() * 2).max(1024);
    }
}

#[derive(Default)]
pub struct Guard {
    counts: Mutex<Counts>,
}

impl Guard {
    fn counts(&self) -> std::sync::MutexGuard<'_, Counts> {
        // A panic elsewhere while holding the lock leaves counts that are still counts.
        self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Refuses an enrolment from `peer` while it, or every address, is locked out.
    pub fn enrol_allowed(&self, limits: &Limits, peer: Peer) -> Result<(), ApiError> {
        let now = Instant::now();
        let counts = self.counts();
        if let Some(wait) = counts.wrong_codes_everywhere.and_then(|s| s.wait(now)) {
            return Err(locked_out(
                wait,
                format!(
                    "too many wrong enrolment codes were tried on this server, so enrolment is paused for everyone: wait {} and try again; if your code has expired meanwhile, ask an administrator for a new one",
                    in_words(wait)
                ),
            ));
        }
        if let Some(wait) = counts.wrong_codes.get(&peer).and_then(|s| s.wait(now)) {
            return Err(locked_out(
                wait,
                format!(
                    "{} wrong enrolment codes were tried from this address, so enrolment from it is paused: wait {} and try again, or ask an administrator for a new code",
                    limits.enrol_wrong_codes,
                    in_words(wait)
                ),
            ));
        }
        Ok(())
    }

    /// Counts a wrong (unknown, used or expired) code from `peer`.
    pub fn wrong_code(&self, limits: &Limits, peer: Peer) {
        let now = Instant::now();
        let window = limits.enrol_lockout;
        let mut counts = self.counts();
        let locked_here = counts
            .wrong_codes
            .entry(peer)
            .or_insert_with(|| Strikes::new(now))
            .strike(now, limits.enrol_wrong_codes, window);
        let locked_everywhere = counts
            .wrong_codes_everywhere
            .get_or_insert_with(|| Strikes::new(now))
            .strike(now, limits.enrol_wrong_codes_everywhere, window);
        let Counts {
            wrong_codes,
            sweep_wrong_codes_at,
            ..
        } = &mut *counts;
        sweep(wrong_codes, sweep_wrong_codes_at, |_, s| {
            s.wait(now).is_some() || now.duration_since(s.since) < window
        });
        drop(counts);
        // One line per lock-out for staff; the codes tried are never written down.
        if locked_here {
            eprintln!(
                "trellis-server: enrolment from {} is locked for {} after {} wrong codes",
                peer.map_or_else(|| "an unknown address".to_string(), |ip| ip.to_string()),
                in_words(window),
                limits.enrol_wrong_codes
            );
        }
        if locked_everywhere {
            eprintln!(
                "trellis-server: enrolment is paused for everyone for {} after {} wrong codes from all addresses",
                in_words(window),
                limits.enrol_wrong_codes_everywhere
            );
        }
    }

    /// A right code clears the address's wrong guesses: a person who mistyped a few times
    /// and then got in starts afresh. The count for every address is kept.
    pub fn right_code(&self, peer: Peer) {
        let mut counts = self.counts();
        if counts
            .wrong_codes
            .get(&peer)
            .is_some_and(|s| s.locked_until.is_none())
        {
            counts.wrong_codes.remove(&peer);
        }
    }

    /// Counts one request without a valid token from `peer`; refused beyond the limit.
    fn anonymous(&self, limits: &Limits, peer: Peer) -> Result<(), ApiError> {
        let now = Instant::now();
        let window = limits.rate_window;
        let mut counts = self.counts();
        let Counts {
            anonymous,
            sweep_anonymous_at,
            ..
        } = &mut *counts;
        sweep(anonymous, sweep_anonymous_at, |_, (since, _)| {
            now.duration_since(*since) < window
        });
        let entry = anonymous.entry(peer).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        if entry.1 <= limits.anonymous_requests_per_window {
            return Ok(());
        }
        let wait = window.saturating_sub(now.duration_since(entry.0));
        Err(ApiError {
            retry_after: Some(wait.as_secs().max(1)),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!(
                    "more than {} requests without a valid device token came from this address in {}: wait {} and try again; a laptop that is not enrolled needs a new code from an administrator",
                    limits.anonymous_requests_per_window,
                    in_words(window),
                    in_words(wait)
                ),
            )
        })
    }
}

fn locked_out(wait: Duration, reason: String) -> ApiError {
    ApiError {
        retry_after: Some(wait.as_secs().max(1)),
        ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, "enrolment_locked", reason)
    }
}

/// "15 minutes", "1 minute", "40 seconds": rounded up, so a client never asks too soon.
fn in_words(d: Duration) -> String {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    let (n, unit) = if secs >= 120 {
        (secs.div_ceil(60), "minute")
    } else {
        (secs.max(1), "second")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

fn has_token(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| !t.trim().is_empty())
}

/// Rate-limits requests without a valid device token per address: enrolment, and any
/// request with no token or one the server does not know. A device with a valid token is
/// limited per device instead (in `authenticate`), so one guesser behind a shared address
/// does not stop the laptops there from syncing.
pub async fn limit_anonymous(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let peer = peer_of(req.extensions());
    let token = has_token(req.headers()) && req.uri().path() != "/v1/enrol";
    if !token {
        if let Err(e) = state.guard.anonymous(&state.limits, peer) {
            return e.into_response();
        }
        return next.run(req).await;
    }
    let res = next.run(req).await;
    if res.status() == StatusCode::UNAUTHORIZED {
        // Whether a token is known is only clear once the handler has looked it up.
        if let Err(e) = state.guard.anonymous(&state.limits, peer) {
            return e.into_response();
        }
    }
    res
}

/// Gives every refusal an `{error, reason}` JSON body. The handlers' own refusals already
/// have one; this covers those axum and tower-http answer before a handler runs (a method
/// a route does not take, a Content-Encoding the server cannot read), which come with an
/// empty or plain-text body a client could only show as a status number.
pub async fn error_bodies(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let encoding = req
        .headers()
        .get(header::CONTENT_ENCODING)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let res = next.run(req).await;
    let status = res.status();
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    // Axum's rejections say what was wrong in a line of text; keep it as the detail.
    let detail = axum::body::to_bytes(body, 16 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let (error, reason) = describe(status, &method, &path, encoding.as_deref(), &detail);
    let body = ErrorBody {
        error: error.into(),
        reason,
        ..ErrorBody::default()
    };
    let bytes = match serde_json::to_vec(&body) {
        Ok(bytes) => bytes,
        Err(_) => return (parts.status, parts.headers).into_response(),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_ENCODING);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(bytes))
}

/// A code and a plain sentence for a refusal that came without one.
fn describe(
    status: StatusCode,
    method: &Method,
    path: &str,
    encoding: Option<&str>,
    detail: &str,
) -> (&'static str, String) {
    let because = if detail.is_empty() {
        String::new()
    } else {
        format!(" ({detail})")
    };
    match status {
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            format!("{path} does not take {method}: /v1/enrol and /v1/push take POST, /v1/pull takes GET"),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => match encoding {
            Some(enc) if !enc.trim().eq_ignore_ascii_case("gzip") => (
                "unsupported_encoding",
                format!("this server cannot read a body sent with Content-Encoding {enc}: send it plain or gzip-compressed"),
            ),
            _ => (
                "unsupported_media_type",
                format!("this server reads JSON bodies (Content-Type: application/json){because}"),
            ),
        },
        StatusCode::PAYLOAD_TOO_LARGE => (
            "too_large",
            "request body is larger than this server accepts: send fewer changes per push".into(),
        ),
        StatusCode::NOT_FOUND => (
            "not_found",
            "no such endpoint: this server speaks /v1/enrol, /v1/push and /v1/pull".into(),
        ),
        StatusCode::TOO_MANY_REQUESTS => (
            "rate_limited",
            "too many requests: wait and try again".into(),
        ),
        s if s.is_server_error() => (
            "server_error",
            format!("the server failed this request{because}: try again, and if it keeps failing tell an administrator"),
        ),
        s => (
            "bad_request",
            format!(
                "the server could not accept this request: {}{because}",
                s.canonical_reason().unwrap_or("refused").to_lowercase()
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_are_said_in_words_and_rounded_up() {
        assert_eq!(in_words(Duration::from_secs(15 * 60)), "15 minutes");
        assert_eq!(in_words(Duration::from_millis(899_001)), "15 minutes");
        assert_eq!(in_words(Duration::from_secs(61)), "61 seconds");
        assert_eq!(in_words(Duration::from_millis(200)), "1 second");
    }

    #[test]
    fn strikes_lock_at_the_limit_and_lift_after_the_window() {
        let t0 = Instant::now();
        let window = Duration::from_secs(60);
        let mut s = Strikes::new(t0);
        assert!(!s.strike(t0, 3, window));
        assert!(!s.strike(t0, 3, window));
        assert!(s.strike(t0, 3, window), "the third starts the lock-out");
        assert!(s.wait(t0 + Duration::from_secs(59)).is_some());
        assert!(!s.strike(t0, 3, window), "no second lock-out while locked");
        assert!(s.wait(t0 + window).is_none());
        // Old strikes expire with their window.
        let t1 = t0 + 2 * window;
        assert!(!s.strike(t1, 3, window));
        assert!(!s.strike(t1 + window, 3, window));
        assert!(!s.strike(t1 + window, 3, window));
    }
}

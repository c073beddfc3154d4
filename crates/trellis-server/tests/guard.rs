//! Over real HTTP on loopback: every refusal carries `{error, reason}` (axum's and
//! tower-http's own too), wrong enrolment codes lock an address out and then everyone,
//! and requests without a valid token are rate-limited per address.
//!
//! Linux routes all of 127.0.0.0/8 to loopback, so a client bound to 127.0.0.2 is
//! another address to the server.

mod common;

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use common::TestServer;
use serde_json::{json, Value};
use trellis_server::{Limits, Role};
use uuid::Uuid;

fn from(last: u8) -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, last)))
        .build()
        .unwrap()
}

struct Answer {
    status: u16,
    error: String,
    reason: String,
    retry_after: Option<u64>,
}

fn send(req: reqwest::blocking::RequestBuilder) -> Answer {
    let res = req.send().unwrap();
    let status = res.status().as_u16();
    let retry_after = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let text = res.text().unwrap();
    let body: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{status} with a body that is not JSON ({e}): {text:?}"));
    if status >= 400 {
        assert!(
            content_type.starts_with("application/json"),
            "{status}: {content_type}"
        );
    }
    Answer {
        status,
        error: body["error"].as_str().unwrap_or("").to_owned(),
        reason: body["reason"].as_str().unwrap_or("").to_owned(),
        retry_after,
    }
}

fn enrol(client: &reqwest::blocking::Client, server: &TestServer, code: &str) -> Answer {
    send(
        client
            .post(format!("{}/v1/enrol", server.url))
            .json(&json!({"code": code, "device_id": Uuid::now_v7()})),
    )
}

#[test]
fn every_refusal_has_an_error_and_a_reason() {
    let server = TestServer::start_with(Limits {
        max_body_bytes: 1024,
        ..Limits::default()
    });
    let dir = tempfile::TempDir::new().unwrap();
    let laptop = server.laptop(dir.path(), "a", "amina", Role::Staff);
    let token = trellis_sync::client::Credentials::load(laptop.path())
        .unwrap()
        .unwrap()
        .token;
    let c = from(1);
    let url = |path: &str| format!("{}{path}", server.url);
    let cases: Vec<(&str, reqwest::blocking::RequestBuilder, u16, &str)> = vec![
        (
            "GET enrol",
            c.get(url("/v1/enrol")),
            405,
            "method_not_allowed",
        ),
        (
            "PUT enrol",
            c.put(url("/v1/enrol")),
            405,
            "method_not_allowed",
        ),
        (
            "GET push",
            c.get(url("/v1/push")).bearer_auth(&token),
            405,
            "method_not_allowed",
        ),
        (
            "POST pull",
            c.post(url("/v1/pull")).bearer_auth(&token),
            405,
            "method_not_allowed",
        ),
        (
            "DELETE pull",
            c.delete(url("/v1/pull")).bearer_auth(&token),
            405,
            "method_not_allowed",
        ),
        (
            "an unknown encoding",
            c.post(url("/v1/push"))
                .bearer_auth(&token)
                .header("Content-Encoding", "br")
                .body("{}"),
            415,
            "unsupported_encoding",
        ),
        (
            "an unknown encoding at enrolment",
            c.post(url("/v1/enrol"))
                .header("Content-Encoding", "zstd")
                .body("{}"),
            415,
            "unsupported_encoding",
        ),
        (
            "a query that is not numbers",
            c.get(url("/v1/pull?after=soon")).bearer_auth(&token),
            400,
            "bad_query",
        ),
        (
            "an enrolment too large",
            c.post(url("/v1/enrol")).body(vec![b' '; 4096]),
            413,
            "too_large",
        ),
        (
            "corrupt gzip at enrolment",
            c.post(url("/v1/enrol"))
                .header("Content-Encoding", "gzip")
                .body("not gzip"),
            400,
            "unreadable_body",
        ),
        ("no such path", c.get(url("/")), 404, "not_found"),
    ];
    for (what, req, status, error) in cases {
        let a = send(req);
        assert_eq!(
            (a.status, a.error.as_str()),
            (status, error),
            "{what}: {}",
            a.reason
        );
        assert!(a.reason.len() > 20, "{what} says why: {:?}", a.reason);
    }
    let a = send(c.get(url("/v1/enrol")));
    assert!(a.reason.contains("POST"), "{}", a.reason);
    let a = send(
        c.post(url("/v1/push"))
            .bearer_auth(&token)
            .header("Content-Encoding", "br")
            .body("{}"),
    );
    assert!(
        a.reason.contains("br") && a.reason.contains("gzip"),
        "{}",
        a.reason
    );
    assert_eq!(server.changes_stored(), 0);
}

#[test]
fn wrong_codes_lock_out_the_address_not_everyone() {
    let server = TestServer::start_with(Limits {
        enrol_wrong_codes: 3,
        enrol_lockout: Duration::from_secs(2),
        ..Limits::default()
    });
    let code = server.code("amina", Role::Staff);
    let guesser = from(2);
    for _ in 0..3 {
        let a = enrol(&guesser, &server, "AAAA-AAAA");
        assert_eq!((a.status, a.error.as_str()), (403, "bad_code"));
    }
    // Locked out: even the right code is refused, and it is not used.
    let a = enrol(&guesser, &server, &code);
    assert_eq!(
        (a.status, a.error.as_str()),
        (429, "enrolment_locked"),
        "{}",
        a.reason
    );
    assert!(matches!(a.retry_after, Some(1..=2)), "{:?}", a.retry_after);
    assert!(
        a.reason.contains("wait 2 seconds") && a.reason.contains("ask an administrator"),
        "{}",
        a.reason
    );
    // Another address is not locked out.
    let other = server.code("ben", Role::Staff);
    assert_eq!(enrol(&from(3), &server, &other).status, 200);
    // Once the lock-out has passed, the code the guesser was refused still works.
    std::thread::sleep(Duration::from_millis(2_100));
    let a = enrol(&guesser, &server, &code);
    assert_eq!(a.status, 200, "{}", a.reason);
}

#[test]
fn wrong_codes_from_many_addresses_pause_enrolment_for_everyone() {
    let server = TestServer::start_with(Limits {
        enrol_wrong_codes: 100,
        enrol_wrong_codes_everywhere: 4,
        ..Limits::default()
    });
    let code = server.code("amina", Role::Staff);
    for last in 10..14 {
        assert_eq!(enrol(&from(last), &server, "AAAA-AAAA").error, "bad_code");
    }
    let a = enrol(&from(20), &server, &code);
    assert_eq!(
        (a.status, a.error.as_str()),
        (429, "enrolment_locked"),
        "{}",
        a.reason
    );
    assert!(a.reason.contains("paused for everyone"), "{}", a.reason);
    assert!(
        matches!(a.retry_after, Some(800..=900)),
        "{:?}",
        a.retry_after
    );
}

#[test]
fn requests_without_a_valid_token_are_rate_limited_per_address() {
    let server = TestServer::start_with(Limits {
        anonymous_requests_per_window: 3,
        rate_window: Duration::from_secs(30),
        ..Limits::default()
    });
    let dir = tempfile::TempDir::new().unwrap();
    let laptop = server.laptop(dir.path(), "a", "amina", Role::Staff);
    let token = trellis_sync::client::Credentials::load(laptop.path())
        .unwrap()
        .unwrap()
        .token;
    let c = from(4);
    let pull = |token: Option<&str>| {
        let req = c.get(format!(
            "{}/v1/pull?protocol={}&after=0",
            server.url,
            trellis_server::PROTOCOL_VERSION
        ));
        send(match token {
            Some(t) => req.bearer_auth(t),
            None => req,
        })
    };
    assert_eq!(pull(None).error, "no_token");
    assert_eq!(pull(Some("nonsense")).error, "unknown_token");
    assert_eq!(enrol(&c, &server, "AAAA-AAAA").error, "bad_code");
    for a in [
        pull(None),
        pull(Some("nonsense")),
        enrol(&c, &server, "AAAA-AAAA"),
    ] {
        assert_eq!(
            (a.status, a.error.as_str()),
            (429, "rate_limited"),
            "{}",
            a.reason
        );
        assert!(matches!(a.retry_after, Some(1..=30)), "{:?}", a.retry_after);
        assert!(a.reason.contains("wait"), "{}", a.reason);
    }
    // A laptop with a valid token at the same address still syncs.
    assert_eq!(pull(Some(&token)).status, 200);
    // And another address is not held back.
    let a = send(from(5).get(format!(
        "{}/v1/pull?protocol={}&after=0",
        server.url,
        trellis_server::PROTOCOL_VERSION
    )));
    assert_eq!(a.error, "no_token");
}

/// The router called in process has no client address: every such request shares one
/// bucket, and it still answers.
#[test]
fn without_a_client_address_all_requests_share_one_bucket() {
    use tower::ServiceExt;
    let store = std::sync::Arc::new(trellis_server::SqliteServerStore::in_memory().unwrap());
    let state = trellis_server::AppState::new(
        store.clone(),
        Limits {
            enrol_wrong_codes: 2,
            ..Limits::default()
        },
    );
    let app = trellis_server::router(state);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let statuses: Vec<u16> = rt.block_on(async {
        let mut out = Vec::new();
        for _ in 0..3 {
            let req = axum::http::Request::post("/v1/enrol")
                .header("content-type", "application/json")
                .body(axum::body::Body::from(
                    json!({"code": "AAAA-AAAA", "device_id": Uuid::now_v7()}).to_string(),
                ))
                .unwrap();
            out.push(app.clone().oneshot(req).await.unwrap().status().as_u16());
        }
        out
    });
    assert_eq!(statuses, [403, 403, 429]);
}

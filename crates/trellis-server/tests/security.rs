//! Every endpoint refuses what it must with a specific 4xx and a JSON reason, and stores
//! nothing.

mod common;

use common::TestServer;
use proptest::prelude::*;
use serde_json::{json, Value};
use tempfile::TempDir;
use trellis_core::organisation::OrganisationInput;
use trellis_server::{decode_push, Limits, Role, ServerStore, PROTOCOL_VERSION, SCHEMA_VERSION};
use trellis_store::Store;
use trellis_sync::client::Credentials;
use uuid::Uuid;

fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::new()
}

/// (status, error code, reason)
fn send(req: reqwest::blocking::RequestBuilder) -> (u16, String, String) {
    let res = req.send().unwrap();
    let status = res.status().as_u16();
    let body: Value = res.json().unwrap_or(Value::Null);
    (
        status,
        body["error"].as_str().unwrap_or("").to_owned(),
        body["reason"].as_str().unwrap_or("").to_owned(),
    )
}

fn laptop_with_changes(server: &TestServer, dir: &TempDir, role: Role) -> (Store, String) {
    let mut store = server.laptop(dir.path(), "a", "amina", role);
    for i in 0..3 {
        store
            .add_organisation(&OrganisationInput {
                name: format!("Group {i}"),
                org_ref: format!("GB-CHC-{}", 3_000_000 + i),
                ..Default::default()
            })
            .unwrap();
    }
    let token = Credentials::load(store.path()).unwrap().unwrap().token;
    (store, token)
}

fn push_body(store: &Store) -> Value {
    json!({
        "protocol_version": PROTOCOL_VERSION,
        "changes": store.local_changes_after(0, 100).unwrap(),
    })
}

#[test]
fn no_token_or_an_unknown_one_is_refused_everywhere() {
    let server = TestServer::start();
    let dir = TempDir::new().unwrap();
    let (store, _) = laptop_with_changes(&server, &dir, Role::Staff);
    let body = push_body(&store);
    let push = || http().post(format!("{}/v1/push", server.url)).json(&body);
    let pull = || {
        http().get(format!(
            "{}/v1/pull?protocol={PROTOCOL_VERSION}&after=0",
            server.url
        ))
    };
    let (s, e, r) = send(push());
    assert_eq!((s, e.as_str()), (401, "no_token"), "{r}");
    assert!(r.contains("enrol"));
    assert_eq!(send(pull()).0, 401);
    assert_eq!(send(push().bearer_auth("nonsense")).1, "unknown_token");
    assert_eq!(send(pull().bearer_auth("nonsense")).0, 401);
    let (s, e, _) = send(http().get(format!("{}/v2/pull", server.url)));
    assert_eq!((s, e.as_str()), (404, "not_found"));
    assert_eq!(server.changes_stored(), 0);
}

#[test]
fn enrolment_codes_are_one_time() {
    let server = TestServer::start();
    let code = server.code("amina", Role::Staff);
    let enrol = |code: &str| {
        http()
            .post(format!("{}/v1/enrol", server.url))
            .json(&json!({"code": code, "device_id": Uuid::now_v7()}))
    };
    let res: Value = enrol(&code).send().unwrap().json().unwrap();
    assert_eq!(res["user"], "amina");
    assert_eq!(res["token"].as_str().unwrap().len(), 64);
    let (s, e, _) = send(enrol(&code));
    assert_eq!((s, e.as_str()), (403, "bad_code"), "a used code is refused");
    assert_eq!(send(enrol("NOPE-NOPE")).0, 403);
    let (s, e, _) = send(
        http()
            .post(format!("{}/v1/enrol", server.url))
            .body("{\"code\":"),
    );
    assert_eq!((s, e.as_str()), (400, "malformed_json"));
    // An expired code: issued 16 minutes ago.
    server.store.add_user("ben", Role::Staff).unwrap();
    let old = server
        .store
        .create_code(
            "ben",
            chrono::Utc::now().timestamp_millis() - 16 * 60 * 1000,
        )
        .unwrap();
    assert_eq!(send(enrol(&old)).1, "bad_code");
}

#[test]
fn a_revoked_device_is_refused_at_once_and_told_why() {
    let server = TestServer::start();
    let dir = TempDir::new().unwrap();
    let (mut store, token) = laptop_with_changes(&server, &dir, Role::Staff);
    trellis_sync::client::sync(&mut store).unwrap();
    server.store.revoke(store.device_id()).unwrap();
    let (s, e, r) = send(
        http()
            .get(format!(
                "{}/v1/pull?protocol={PROTOCOL_VERSION}&after=0",
                server.url
            ))
            .bearer_auth(&token),
    );
    assert_eq!((s, e.as_str()), (403, "revoked"));
    assert!(r.contains("revoked by an administrator"), "{r}");
    store
        .add_organisation(&OrganisationInput {
            name: "After revocation".into(),
            org_ref: "GB-CHC-3999999".into(),
            ..Default::default()
        })
        .unwrap();
    let err = trellis_sync::client::sync(&mut store)
        .unwrap_err()
        .to_string();
    assert!(err.contains("revoked"), "{err}");
    assert_eq!(server.changes_stored(), 3, "nothing after revocation");
    assert_eq!(
        store.sync_state().unwrap().waiting,
        1,
        "and nothing lost here"
    );
}

#[test]
fn bad_pushes_get_specific_refusals_and_store_nothing() {
    let server = TestServer::start_with(Limits {
        max_body_bytes: 64 * 1024,
        ..Limits::default()
    });
    let dir = TempDir::new().unwrap();
    let (store, token) = laptop_with_changes(&server, &dir, Role::Staff);
    let push = |body: Vec<u8>| {
        http()
            .post(format!("{}/v1/push", server.url))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
    };
    let good = push_body(&store);
    let text = serde_json::to_vec(&good).unwrap();

    let mut other = good.clone();
    other["changes"][1]["device_id"] = json!(Uuid::now_v7());
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        ("malformed", b"{not json".to_vec(), 400, "malformed_json"),
        (
            "truncated",
            text[..text.len() / 2].to_vec(),
            400,
            "malformed_json",
        ),
        ("empty", Vec::new(), 400, "malformed_json"),
        ("oversized", vec![b' '; 100 * 1024], 413, "too_large"),
        (
            "another device's rows",
            serde_json::to_vec(&other).unwrap(),
            403,
            "not_your_change",
        ),
        (
            "another protocol",
            serde_json::to_vec(
                &json!({"protocol_version": PROTOCOL_VERSION + 1, "changes": good["changes"]}),
            )
            .unwrap(),
            409,
            "protocol_mismatch",
        ),
        (
            "no protocol (a Trellis from before protocol numbers)",
            serde_json::to_vec(
                &json!({"schema_version": SCHEMA_VERSION, "changes": good["changes"]}),
            )
            .unwrap(),
            409,
            "protocol_mismatch",
        ),
        (
            "a change made under a newer schema",
            {
                let mut bad = good.clone();
                bad["changes"][2]["schema_version"] = json!(SCHEMA_VERSION + 1);
                serde_json::to_vec(&bad).unwrap()
            },
            409,
            "schema_mismatch",
        ),
        (
            "a gap",
            {
                let mut bad = good.clone();
                bad["changes"].as_array_mut().unwrap().remove(0);
                serde_json::to_vec(&bad).unwrap()
            },
            409,
            "gap",
        ),
    ];
    for (what, body, status, error) in cases {
        let (s, e, r) = send(push(body));
        assert_eq!((s, e.as_str()), (status, error), "{what}: {r}");
        assert!(!r.is_empty(), "{what} says why");
        assert_eq!(server.changes_stored(), 0, "{what} stored nothing");
    }
    // Both numbers, and which side to update.
    let mut newer = good.clone();
    newer["protocol_version"] = json!(PROTOCOL_VERSION + 1);
    let (_, _, r) = send(push(serde_json::to_vec(&newer).unwrap()));
    assert_eq!(
        r,
        format!(
            "this laptop's Trellis speaks sync protocol {}; the server speaks {PROTOCOL_VERSION}: update the sync server, then sync again. Nothing was sent or lost",
            PROTOCOL_VERSION + 1
        )
    );
    let mut older = good.clone();
    older["protocol_version"] = json!(0);
    let (_, _, r) = send(push(serde_json::to_vec(&older).unwrap()));
    assert!(r.contains("update Trellis on this laptop"), "{r}");
    // The change's own format is another matter: the server could not apply it.
    let mut ahead = good.clone();
    ahead["changes"][0]["schema_version"] = json!(SCHEMA_VERSION + 1);
    let (_, _, r) = send(push(serde_json::to_vec(&ahead).unwrap()));
    assert!(
        r.contains(&format!(
            "(schema {}) than this server can apply (schema {SCHEMA_VERSION}): update the server",
            SCHEMA_VERSION + 1
        )),
        "{r}"
    );
    let mut gap = good.clone();
    gap["changes"].as_array_mut().unwrap().remove(0);
    let res: Value = push(serde_json::to_vec(&gap).unwrap())
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        res["expected"], 1,
        "the device is told where to re-send from"
    );
    // The good push, twice: stored once.
    for _ in 0..2 {
        let res: Value = push(text.clone()).send().unwrap().json().unwrap();
        assert_eq!(res["acknowledged_seq"], 3);
    }
    assert_eq!(server.changes_stored(), 3);
}

/// A pull in another sync protocol, or none, is refused before anything is read, naming
/// both numbers; the protocol's number is not the laptop's migration number.
#[test]
fn a_pull_in_another_protocol_is_refused_naming_both() {
    let server = TestServer::start();
    let dir = TempDir::new().unwrap();
    let (_store, token) = laptop_with_changes(&server, &dir, Role::Staff);
    let pull = |query: &str| {
        send(
            http()
                .get(format!("{}/v1/pull?{query}after=0", server.url))
                .bearer_auth(&token),
        )
    };
    let newer = PROTOCOL_VERSION + 1;
    let (s, e, r) = pull(&format!("protocol={newer}&"));
    assert_eq!((s, e.as_str()), (409, "protocol_mismatch"), "{r}");
    assert_eq!(
        r,
        format!("this laptop's Trellis speaks sync protocol {newer}; the server speaks {PROTOCOL_VERSION}: update the sync server, then sync again. Nothing was sent or lost")
    );
    let (s, e, r) = pull("");
    assert_eq!((s, e.as_str()), (409, "protocol_mismatch"), "{r}");
    assert_eq!(
        r,
        format!("this laptop's Trellis is older than sync protocol numbers; the server speaks {PROTOCOL_VERSION}: update Trellis on this laptop, then sync again. Nothing was sent or lost")
    );
    let (s, e, r) = pull(&format!("protocol={SCHEMA_VERSION}&"));
    assert_ne!(SCHEMA_VERSION, PROTOCOL_VERSION, "two numbers, not one");
    assert_eq!((s, e.as_str()), (409, "protocol_mismatch"), "{r}");
    assert_eq!(pull(&format!("protocol={PROTOCOL_VERSION}&")).0, 200);
}

/// A change that is well-formed but wrong is refused alone: the changes before it are
/// stored, it is named with the rule, and its number is used up so the device goes on.
#[test]
fn a_bad_change_is_refused_alone_and_the_device_goes_on() {
    let cases: Vec<(&str, usize, serde_json::Value, &str, &str)> = vec![
        (
            "invalid payload",
            2,
            json!({"id": "not-a-uuid"}),
            "payload",
            "invalid_change",
        ),
        (
            "unknown kind",
            0,
            json!("bank.transfer"),
            "kind",
            "invalid_change",
        ),
    ];
    for (what, index, value, field, error) in cases {
        let server = TestServer::start();
        let dir = TempDir::new().unwrap();
        let (store, token) = laptop_with_changes(&server, &dir, Role::Staff);
        let push = |body: &Value| {
            http()
                .post(format!("{}/v1/push", server.url))
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body(serde_json::to_vec(body).unwrap())
                .send()
                .unwrap()
        };
        let mut bad = push_body(&store);
        bad["changes"][index][field] = value;
        let res = push(&bad);
        assert_eq!(res.status().as_u16(), 422, "{what}");
        let body: Value = res.json().unwrap();
        assert_eq!(body["error"], error, "{what}");
        let seq = index as i64 + 1;
        assert_eq!(
            body["change"]["device_seq"], seq,
            "{what}: names the change"
        );
        assert_eq!(
            body["acknowledged_seq"], seq,
            "{what}: its number is used up"
        );
        assert_eq!(body["set_aside"], true, "{what}");
        let reason = body["reason"].as_str().unwrap();
        assert!(
            reason.starts_with(&format!("change {seq} (")) && reason.contains("sets it aside"),
            "{what}: {reason}"
        );
        assert_eq!(
            server.changes_stored(),
            index,
            "{what}: the changes before it are kept"
        );
        // The rest follow it.
        let good = push_body(&store);
        let rest: Vec<Value> = good["changes"].as_array().unwrap()[index + 1..].to_vec();
        let res = push(&json!({"protocol_version": PROTOCOL_VERSION, "changes": rest}));
        assert_eq!(res.status().as_u16(), 200, "{what}");
        assert_eq!(server.changes_stored(), 2, "{what}: all but the bad one");
        assert_eq!(server.store.refused().unwrap().len(), 1, "{what}");
    }
}

#[test]
fn a_facilitator_may_not_push_grants_changes() {
    let server = TestServer::start();
    let dir = TempDir::new().unwrap();
    let mut store = server.laptop(dir.path(), "f", "femi", Role::Facilitator);
    store
        .load_demo(chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap())
        .unwrap();
    // Each grants record is refused alone and set aside on the laptop; the rest arrive.
    let report = trellis_sync::client::sync(&mut store).unwrap();
    let aside = store.set_aside().unwrap();
    assert!(report.set_aside > 0 && aside.len() == report.set_aside);
    assert!(aside
        .iter()
        .all(|c| c.error == "role_forbids" && c.reason.contains("a facilitator may not make")));
    let stored = server.changes_stored();
    assert!(stored > 0, "the organisations, meetings and votes arrived");
    assert!(
        server
            .store
            .pull(&admin(), 0, 1_000_000)
            .unwrap()
            .0
            .iter()
            .all(|(_, c)| !trellis_server::roles::is_grants_kind(&c.kind)),
        "{stored} stored, none of them grants kinds"
    );
}

fn admin() -> trellis_server::Device {
    trellis_server::Device {
        id: Uuid::nil(),
        user: "admin".into(),
        role: Role::Admin,
        revoked: false,
        enrolled_at: String::new(),
    }
}

#[test]
fn a_device_over_its_rate_is_told_to_wait() {
    let server = TestServer::start_with(Limits {
        requests_per_window: 3,
        ..Limits::default()
    });
    let dir = TempDir::new().unwrap();
    let (_store, token) = laptop_with_changes(&server, &dir, Role::Staff);
    let pull = || {
        http()
            .get(format!(
                "{}/v1/pull?protocol={PROTOCOL_VERSION}&after=0",
                server.url
            ))
            .bearer_auth(&token)
    };
    for _ in 0..3 {
        assert_eq!(send(pull()).0, 200);
    }
    let res = pull().send().unwrap();
    assert_eq!(res.status().as_u16(), 429);
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let body: Value = res.json().unwrap();
    assert_eq!(body["error"], "rate_limited");
    let (s, e, _) = send(
        http()
            .get(format!(
                "{}/v1/pull?protocol={PROTOCOL_VERSION}&after=-4",
                server.url
            ))
            .bearer_auth(Uuid::nil().to_string()),
    );
    assert_eq!((s, e.as_str()), (401, "unknown_token"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// The push decoder never panics on arbitrary bytes, and refuses them.
    #[test]
    fn the_push_decoder_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode_push(&bytes, Uuid::nil());
    }

    /// Well-formed envelopes around arbitrary kinds and payloads are refused, never stored.
    #[test]
    fn arbitrary_changes_are_refused(kind in "[a-z.]{0,20}", payload in "[ -~]{0,64}", seq in any::<i64>()) {
        let device = Uuid::nil();
        let body = json!({
            "protocol_version": PROTOCOL_VERSION,
            "changes": [{
                "id": Uuid::nil(), "device_id": device, "device_seq": seq,
                "hlc": trellis_core::hlc::Hlc { millis: 0, counter: 0 }.to_string(), "schema_version": SCHEMA_VERSION,
                "kind": kind, "payload": payload,
            }],
        });
        let bytes = serde_json::to_vec(&body).unwrap();
        // Refused as a request, or each change refused on its own checks.
        if let Ok(rows) = decode_push(&bytes, device) {
            for row in rows {
                prop_assert!(trellis_server::admit::check_change(&row, Role::Staff, "amina", &[], 0).is_err());
            }
        }
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

#[test]
fn bodies_travel_compressed_both_ways() {
    let server = TestServer::start();
    let dir = TempDir::new().unwrap();
    let (store, token) = laptop_with_changes(&server, &dir, Role::Staff);
    let json = serde_json::to_vec(&push_body(&store)).unwrap();
    let packed = gzip(&json);
    assert!(packed.len() < json.len());
    let res = http()
        .post(format!("{}/v1/push", server.url))
        .bearer_auth(&token)
        .header("Content-Type", "application/json")
        .header("Content-Encoding", "gzip")
        .body(packed)
        .send()
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(server.changes_stored(), 3);
    // Another device pulls them, asking for gzip: the answer comes compressed.
    let other = server.laptop(dir.path(), "b", "ben", Role::Staff);
    let token_b = Credentials::load(other.path()).unwrap().unwrap().token;
    // Without reqwest's own decompression, to see the bytes as they travel.
    let raw = reqwest::blocking::Client::builder()
        .no_gzip()
        .build()
        .unwrap();
    let res = raw
        .get(format!(
            "{}/v1/pull?protocol={PROTOCOL_VERSION}&after=0",
            server.url
        ))
        .bearer_auth(&token_b)
        .header("Accept-Encoding", "gzip")
        .send()
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(
        res.headers()
            .get("content-encoding")
            .and_then(|v| v.to_str().ok()),
        Some("gzip")
    );
    let mut plain = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(&res.bytes().unwrap()[..]),
        &mut plain,
    )
    .unwrap();
    let page: Value = serde_json::from_str(&plain).unwrap();
    assert_eq!(page["changes"].as_array().unwrap().len(), 3);
}

#[test]
fn bad_compressed_bodies_are_refused_and_store_nothing() {
    let limits = Limits {
        max_body_bytes: 64 * 1024,
        ..Limits::default()
    };
    let server = TestServer::start_with(limits);
    let dir = TempDir::new().unwrap();
    let (store, token) = laptop_with_changes(&server, &dir, Role::Staff);
    let push = |encoding: &str, body: Vec<u8>| {
        http()
            .post(format!("{}/v1/push", server.url))
            .bearer_auth(&token)
            .header("Content-Type", "application/json")
            .header("Content-Encoding", encoding)
            .body(body)
    };
    // A small body that inflates past the limit: refused as too large, not inflated whole.
    let mut bomb = serde_json::to_vec(&push_body(&store)).unwrap();
    bomb.truncate(bomb.len() - 2);
    bomb.extend(std::iter::repeat_n(b' ', 10 * 1024 * 1024));
    bomb.extend(b"]}");
    let packed = gzip(&bomb);
    assert!(packed.len() < 64 * 1024, "{}", packed.len());
    let (s, e, _) = send(push("gzip", packed));
    assert_eq!((s, e.as_str()), (413, "too_large"));
    // Not gzip at all, or cut short.
    let (s, e, r) = send(push("gzip", b"this is not gzip".to_vec()));
    assert_eq!((s, e.as_str()), (400, "unreadable_body"), "{r}");
    let whole = gzip(&serde_json::to_vec(&push_body(&store)).unwrap());
    let (s, _, _) = send(push("gzip", whole[..whole.len() / 2].to_vec()));
    assert_eq!(s, 400);
    // An encoding the server does not speak.
    let (s, _, _) = send(push("br", whole.clone()));
    assert_eq!(s, 415);
    assert_eq!(server.changes_stored(), 0);
    // The same body, whole, is accepted.
    assert_eq!(send(push("gzip", whole)).0, 200);
    assert_eq!(server.changes_stored(), 3);
}

#[test]
fn a_sync_over_the_rate_waits_as_told_and_finishes() {
    let server = TestServer::start_with(Limits {
        requests_per_window: 2,
        rate_window: std::time::Duration::from_secs(3),
        ..Limits::default()
    });
    let dir = TempDir::new().unwrap();
    let mut store = server.laptop(dir.path(), "a", "amina", Role::Staff);
    let ops: Vec<_> = (0..1_600)
        .map(|i| trellis_core::op::Operation::OrganisationCreate {
            id: Uuid::now_v7(),
            fields: trellis_core::organisation::validate(&OrganisationInput {
                name: format!("Group {i}"),
                org_ref: format!("GB-CHC-{}", 4_000_000 + i),
                ..Default::default()
            })
            .unwrap(),
        })
        .collect();
    store.apply_all(&ops).unwrap();
    // Four pushes of 500 and a pull: more requests than the server allows in 3 s.
    let report = trellis_sync::client::sync(&mut store).unwrap();
    assert_eq!(report.pushed, 1_600);
    assert_eq!(server.changes_stored(), 1_600);
}

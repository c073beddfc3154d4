//! Convergence with the real server: staff, facilitator and panel laptops make random
//! changes of every kind offline and sync through the real router (in this process, real
//! HTTP requests, JSON bodies and enrolled device tokens) in random schedules: pushes in
//! pages, sent twice or out of order, acknowledgements lost (a crash between push and
//! acknowledgement), pull pages lost, applied twice or out of order, laptops and the
//! server restarted, and partitions (a laptop that does not sync for a while). After a
//! final full sync:
//!
//! - every staff laptop's export is byte-identical;
//! - a fresh laptop enrolled as each scoped user (facilitator, panel member) and pulling
//!   from nothing has the same export as the long-lived laptop (incremental history gives
//!   the same replica as one pull), the facilitator's holds no grants records and a panel
//!   member's holds no other assessor's score for an application they have not submitted
//!   on, nor anyone else's draft;
//! - the votes and scores on every staff laptop are exactly those recorded anywhere;
//! - staff laptops' screens (ballot results and audit lists, issues, applications, score
//!   sheets as each panel member sees them, moderation, allocation, letters) agree.
//!
//! Beside them, one hostile (or broken) laptop of a random role pushes, with its own
//! token, well-formed but wrong changes made from what it pulled: dangling references,
//! reused record and change ids, clocks far ahead and behind, other roles' kinds, one
//! kind's payload under another. Every honest sync must keep working, the server must
//! answer each with 200 or a 4xx `{error, reason}`, and at the end no laptop may hold a
//! change it could not apply (the quarantine is empty) or a change of its own refused.
//!
//! `TRELLIS_CONVERGENCE_CASES` sets the number of schedules (CI default below);
//! `TRELLIS_CONVERGENCE_STATS` prints how many changes of each kind were made and
//! `TRELLIS_CONVERGENCE_TIMES` how long each phase of each schedule took.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::NaiveDate;
use proptest::prelude::*;
use serde_json::Value;
use tempfile::TempDir;
use tower::ServiceExt;
use trellis_core::ballot::record::{
    BallotFields, BallotOption, BallotStatus, Channel, Eligibility, VoteFields, Voter, VoterKind,
};
use trellis_core::ballot::{Method, OptionId, Vote};
use trellis_core::contact::ContactInput;
use trellis_core::grants::application::{ApplicationInput, AttachmentRef, SupportInput};
use trellis_core::grants::decision::DecisionInput;
use trellis_core::grants::round::RoundInput;
use trellis_core::grants::rubric::default_rubric;
use trellis_core::grants::scoring::{PanelRole, Score};
use trellis_core::issue::{EvidenceKind, IssueInput};
use trellis_core::letter::{default_template, Delivery, LetterState, OutcomeKind};
use trellis_core::meeting::MeetingInput;
use trellis_core::op::Operation;
use trellis_core::organisation::OrganisationInput;
use trellis_server::roles::is_grants_kind;
use trellis_server::{AppState, Limits, Role, ServerStore, SqliteServerStore};
use trellis_store::{ChangeRow, Store};
use trellis_sync::wire::{EnrolResponse, ErrorBody, PullResponse, PushResponse};
use uuid::Uuid;

/// Schedules per run when `TRELLIS_CONVERGENCE_CASES` is not set.
const DEFAULT_CASES: u32 = 2000;

/// The panel users: each user's name is a panel member's name, so blind scoring applies.
const ASSESSORS: [&str; 2] = ["Amara Okafor", "Tom Reilly"];
/// A panel member without a laptop of their own; staff key in their scores.
const CHAIR: &str = "Kwame Mensah";

/// A tiny deterministic generator, so a failing case replays from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
    fn pick<T: Clone>(&mut self, items: &[T]) -> Option<T> {
        if items.is_empty() {
            None
        } else {
            Some(items[self.below(items.len())].clone())
        }
    }
}

/// The real server's router, called in this process.
struct Net {
    rt: tokio::runtime::Runtime,
    app: axum::Router,
    server: Arc<SqliteServerStore>,
}

impl Net {
    /// A server keeping its database at `path`.
    fn new(path: &std::path::Path) -> Net {
        let server = Arc::new(SqliteServerStore::open(path).unwrap());
        let app = trellis_server::router(AppState::new(server.clone(), Limits::default()));
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        Net { rt, app, server }
    }

    /// The server process stops and starts again on the same database.
    fn restart(&mut self, path: &std::path::Path) {
        let server = Arc::new(SqliteServerStore::open(path).unwrap());
        self.app = trellis_server::router(AppState::new(server.clone(), Limits::default()));
        self.server = server;
    }

    fn call(&self, req: Request<Body>) -> (StatusCode, Vec<u8>) {
        let app = self.app.clone();
        self.rt.block_on(async move {
            let res = app.oneshot(req).await.unwrap();
            let status = res.status();
            let body = axum::body::to_bytes(res.into_body(), usize::MAX)
                .await
                .unwrap();
            (status, body.to_vec())
        })
    }

    fn post(&self, path: &str, token: Option<&str>, body: Vec<u8>) -> (StatusCode, Vec<u8>) {
        let mut req = Request::post(path).header("content-type", "application/json");
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        self.call(req.body(Body::from(body)).unwrap())
    }

    /// A one-time code made through the server's store, exchanged at /v1/enrol.
    fn enrol(&self, store: &Store, user: &str, role: Role) -> String {
        let _ = self.server.add_user(user, role);
        let code = self
            .server
            .create_code(user, chrono::Utc::now().timestamp_millis())
            .unwrap();
        let body = serde_json::json!({"code": code, "device_id": store.device_id()});
        let (status, bytes) = self.post("/v1/enrol", None, body.to_string().into_bytes());
        assert_eq!(
            status,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&bytes)
        );
        let got: EnrolResponse = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(got.role, role.as_str());
        got.token
    }

    fn push(&self, token: &str, rows: &[ChangeRow]) -> Result<i64, (StatusCode, Box<ErrorBody>)> {
        let body = serde_json::json!({
            "protocol_version": trellis_server::PROTOCOL_VERSION,
            "changes": rows,
        });
        let (status, bytes) = self.post("/v1/push", Some(token), body.to_string().into_bytes());
        if status == StatusCode::OK {
            let ack: PushResponse = serde_json::from_slice(&bytes).unwrap();
            Ok(ack.acknowledged_seq)
        } else {
            Err((status, Box::new(serde_json::from_slice(&bytes).unwrap())))
        }
    }

    fn pull(&self, token: &str, after: i64, limit: usize) -> PullResponse {
        let req = Request::get(format!(
            "/v1/pull?protocol={}&after={after}&limit={limit}",
            trellis_server::PROTOCOL_VERSION
        ))
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
        let (status, bytes) = self.call(req);
        assert_eq!(
            status,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&bytes)
        );
        serde_json::from_slice(&bytes).unwrap()
    }
}

struct Laptop {
    name: String,
    store: Store,
    token: String,
    user: String,
    role: Role,
    /// Partition: this laptop does not sync before this step.
    offline_until: usize,
}

/// A migrated database with no device yet: each laptop starts as a copy of it and makes
/// its own device id on opening (migrating a new file for every laptop of thousands of
/// schedules would be most of the test's time).
fn blank_database() -> &'static std::path::Path {
    static BLANK: std::sync::OnceLock<(TempDir, std::path::PathBuf)> = std::sync::OnceLock::new();
    let (_, path) = BLANK.get_or_init(|| {
        let dir = scratch_dir();
        let path = dir.path().join("blank.sqlite3");
        drop(Store::open(&path).unwrap());
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute("DELETE FROM device", []).unwrap();
        conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
        drop(conn);
        (dir, path)
    });
    path
}

/// A temporary folder on tmpfs when there is one: still real SQLite files, but fsync
/// costs nothing.
fn scratch_dir() -> TempDir {
    if std::path::Path::new("/dev/shm").is_dir() {
        if let Ok(dir) = tempfile::Builder::new()
            .prefix("trellis-convergence")
            .tempdir_in("/dev/shm")
        {
            return dir;
        }
    }
    TempDir::new().unwrap()
}

impl Laptop {
    fn new(net: &Net, dir: &TempDir, name: &str, user: &str, role: Role) -> Laptop {
        let path = dir.path().join(format!("{name}.sqlite3"));
        std::fs::copy(blank_database(), &path).unwrap();
        let store = Store::open(&path).unwrap();
        let token = net.enrol(&store, user, role);
        Laptop {
            name: name.into(),
            store,
            token,
            user: user.into(),
            role,
            offline_until: 0,
        }
    }
}

/// A laptop that is broken or hostile: with its own token it pushes changes that are
/// well-formed but wrong, made from what it pulled from the server (it cannot see another
/// laptop's unsent work): references to records that do not exist, record ids and change
/// ids already used, clocks far ahead and far behind, kinds its role may not make, and
/// payloads of one kind under another. Some are honest enough to be accepted.
struct Hostile {
    lap: Laptop,
    next: i64,
    cursor: i64,
    seen: Vec<ChangeRow>,
    accepted: usize,
    refused: usize,
}

impl Hostile {
    fn new(net: &Net, dir: &TempDir, role: Role) -> Hostile {
        Hostile {
            lap: Laptop::new(net, dir, "hostile", "Mallory", role),
            next: 1,
            cursor: 0,
            seen: Vec::new(),
            accepted: 0,
            refused: 0,
        }
    }

    fn device(&self) -> Uuid {
        self.lap.store.device_id()
    }

    /// Pulls what is new, to copy from.
    fn look(&mut self, net: &Net) {
        loop {
            let page = net.pull(&self.lap.token, self.cursor, 200);
            if page.changes.is_empty() && page.next <= self.cursor {
                return;
            }
            self.cursor = page.next.max(self.cursor);
            self.seen.extend(page.changes.into_iter().map(|c| c.change));
            if page.next <= self.cursor && self.seen.len() > 5_000 {
                return;
            }
        }
    }

    /// One wrong (or sometimes harmless) change, pushed.
    fn strike(&mut self, net: &Net, rng: &mut Rng) {
        self.look(net);
        let Some(mut row) = rng.pick(&self.seen) else {
            return;
        };
        let fresh_id = |row: &mut ChangeRow| {
            if row.payload.get("id").is_some() {
                row.payload["id"] = serde_json::json!(Uuid::now_v7());
            }
        };
        row.id = Uuid::now_v7();
        let now = chrono::Utc::now().timestamp_millis() as u64;
        row.hlc = trellis_core::hlc::Hlc {
            millis: now,
            counter: 0,
        };
        match rng.below(8) {
            // A reference to a record that does not exist.
            0 => {
                fresh_id(&mut row);
                let mut uuids = Vec::new();
                collect_uuid_paths(&row.payload, &mut Vec::new(), &mut uuids);
                uuids.retain(|p| p.as_slice() != ["id"]);
                if let Some(path) = rng.pick(&uuids) {
                    set_path(&mut row.payload, &path, serde_json::json!(Uuid::now_v7()));
                }
            }
            // A record id already used (the change replayed as this device's own).
            1 => {}
            // A change id already used.
            2 => {
                fresh_id(&mut row);
                if let Some(other) = rng.pick(&self.seen) {
                    row.id = other.id;
                }
            }
            // Clocks far ahead: an hour, or 260 years.
            3 => {
                fresh_id(&mut row);
                let ahead = if rng.chance(2) {
                    3_600_000
                } else {
                    260 * 365 * 24 * 3_600_000
                };
                row.hlc.millis = now + ahead;
            }
            // Clocks far behind.
            4 => {
                fresh_id(&mut row);
                row.hlc.millis = if rng.chance(2) {
                    1
                } else {
                    now - 365 * 24 * 3_600_000
                };
            }
            // Another kind's payload under this kind.
            5 => {
                if let Some(kind) = rng.pick(&trellis_core::op::KINDS) {
                    row.kind = kind.to_string();
                }
            }
            // A kind its role may not make (when it has seen one), else a new record.
            6 => {
                fresh_id(&mut row);
                let forbidden: Vec<ChangeRow> = self
                    .seen
                    .iter()
                    .filter(|r| !self.lap.role.may_push(&r.kind))
                    .cloned()
                    .collect();
                if let Some(other) = rng.pick(&forbidden) {
                    row = ChangeRow {
                        id: Uuid::now_v7(),
                        hlc: row.hlc,
                        ..other
                    };
                    fresh_id(&mut row);
                }
            }
            // A new record like one it saw: often accepted, and then on every laptop.
            _ => fresh_id(&mut row),
        }
        row.device_id = self.device();
        row.device_seq = self.next;
        match net.push(&self.lap.token, std::slice::from_ref(&row)) {
            Ok(ack) => {
                assert_eq!(ack, self.next, "the hostile change was stored");
                self.next += 1;
                self.accepted += 1;
            }
            Err((status, body)) => {
                assert!(
                    status.is_client_error(),
                    "a hostile change made the server fail: {status} {}",
                    body.reason
                );
                assert!(!body.error.is_empty() && !body.reason.is_empty());
                if body.set_aside {
                    assert_eq!(body.acknowledged_seq, Some(self.next), "{}", body.reason);
                    self.next += 1;
                }
                self.refused += 1;
            }
        }
    }
}

/// Every place in `value` that holds a UUID string, as a path of keys and indexes.
fn collect_uuid_paths(value: &Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match value {
        Value::String(s) if Uuid::parse_str(s).is_ok() => out.push(path.clone()),
        Value::Object(map) => {
            for (k, v) in map {
                path.push(k.clone());
                collect_uuid_paths(v, path, out);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                path.push(i.to_string());
                collect_uuid_paths(v, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

fn set_path(value: &mut Value, path: &[String], new: Value) {
    let mut at = value;
    for key in path {
        at = match at {
            Value::Object(map) => match map.get_mut(key) {
                Some(v) => v,
                None => return,
            },
            Value::Array(items) => match key.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                Some(v) => v,
                None => return,
            },
            _ => return,
        };
    }
    *at = new;
}

/// Applies one pulled page the way `trellis_sync::client::pull_all` does.
fn apply_page(
    store: &mut Store,
    page: &PullResponse,
    cursor: i64,
) -> Result<(), trellis_store::StoreError> {
    let rows: Vec<ChangeRow> = page.changes.iter().map(|c| c.change.clone()).collect();
    // Scoped or not, every replica applies a page the same way.
    store.apply_remote(&rows, page.next.max(cursor))?;
    Ok(())
}

/// One sync with faults (or, when `full`, a clean one that leaves nothing behind).
fn sync(lap: &mut Laptop, net: &Net, rng: &mut Rng, full: bool) {
    // Push.
    loop {
        let state = lap.store.sync_state().unwrap();
        if state.waiting == 0 {
            break;
        }
        let page = if full { 50 } else { 1 + rng.below(6) };
        let rows = lap
            .store
            .local_changes_after(state.pushed_seq, page)
            .unwrap();
        if !full && rows.len() > 1 && rng.chance(6) {
            // The later half of a push arriving first is refused with the number expected,
            // unless the server already holds the first half (its acknowledgement was lost).
            match net.push(&lap.token, &rows[1..]) {
                Err((status, body)) => {
                    assert_eq!(status, StatusCode::CONFLICT, "{}", body.reason);
                    assert_eq!(body.expected, Some(rows[0].device_seq), "{}", body.reason);
                }
                Ok(ack) => assert!(ack >= rows[0].device_seq),
            }
        }
        let ack = net
            .push(&lap.token, &rows)
            .unwrap_or_else(|(s, b)| panic!("{}: push refused: {s} {}", lap.name, b.reason));
        assert!(ack >= rows.last().unwrap().device_seq);
        if rng.chance(4) {
            let again = net.push(&lap.token, &rows).unwrap();
            assert_eq!(again, ack, "pushing twice is harmless");
        }
        if !full && rng.chance(5) {
            // A crash between push and acknowledgement; sometimes the laptop restarts.
            if rng.chance(2) {
                let path = lap.store.path().to_path_buf();
                lap.store = Store::open(&path).unwrap();
            }
            break;
        }
        lap.store.acknowledge_push(ack).unwrap();
        if !full && rng.chance(3) {
            break;
        }
    }
    // Pull.
    loop {
        let cursor = lap.store.sync_state().unwrap().pull_cursor;
        // Small pages while syncing now and then, larger ones to finish.
        let limit = |rng: &mut Rng| {
            if full {
                20 + rng.below(200)
            } else {
                1 + rng.below(8)
            }
        };
        let page = net.pull(&lap.token, cursor, limit(rng));
        if page.changes.is_empty() && page.next <= cursor {
            break;
        }
        let fault = if full { 9 } else { rng.below(10) };
        match fault {
            0 => break, // the answer was lost
            1 => {
                // The next page arrives first: a full replica refuses it (a gap), a scoped
                // one may take it; either way the earlier page and then the later one apply.
                let later = net.pull(&lap.token, page.next, limit(rng));
                let _ = apply_page(&mut lap.store, &later, cursor);
                apply_page(&mut lap.store, &page, cursor)
                    .unwrap_or_else(|e| panic!("{}: page refused: {e}", lap.name));
                let cursor = lap.store.sync_state().unwrap().pull_cursor;
                apply_page(&mut lap.store, &later, cursor)
                    .unwrap_or_else(|e| panic!("{}: later page refused: {e}", lap.name));
            }
            2 => {
                apply_page(&mut lap.store, &page, cursor)
                    .unwrap_or_else(|e| panic!("{}: page refused: {e}", lap.name));
                apply_page(&mut lap.store, &page, cursor)
                    .unwrap_or_else(|e| panic!("{}: page applied twice: {e}", lap.name));
            }
            _ => apply_page(&mut lap.store, &page, cursor)
                .unwrap_or_else(|e| panic!("{}: page refused: {e}", lap.name)),
        }
        if !full && rng.chance(4) {
            break;
        }
    }
}

/// What was recorded anywhere: every vote and every submitted or revised score.
#[derive(Default)]
struct Recorded {
    votes: BTreeSet<Uuid>,
    scores: BTreeSet<Uuid>,
}

fn rows<'a>(ex: &'a Value, table: &str) -> &'a [Value] {
    ex[table].as_array().map(Vec::as_slice).unwrap_or(&[])
}

fn uuid(v: &Value) -> Uuid {
    Uuid::parse_str(v.as_str().unwrap()).unwrap()
}

fn ids(ex: &Value, table: &str) -> Vec<Uuid> {
    rows(ex, table).iter().map(|r| uuid(&r["id"])).collect()
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
}

fn scores(rng: &mut Rng, all: bool) -> Vec<Score> {
    let mut out = Vec::new();
    for c in default_rubric().criteria {
        if !all && rng.chance(2) {
            continue;
        }
        let value = c.scale_min + rng.below((c.scale_max - c.scale_min + 1) as usize) as u8;
        out.push(Score {
            criterion_id: c.id.clone(),
            value,
            justification: format!("Scored {value} from what the group said."),
        });
    }
    out
}

/// The panel member ids named `name` on this laptop.
fn members_named(ex: &Value, name: &str) -> Vec<Uuid> {
    rows(ex, "panel_members")
        .iter()
        .filter(|m| m["name"] == name)
        .map(|m| uuid(&m["id"]))
        .collect()
}

/// Scoring as `member`: declare, draft, submit or revise, whichever fits.
fn score_op(s: &mut Store, rng: &mut Rng, member: Uuid, rec: &mut Recorded) {
    let ex = s.export().unwrap();
    let assigned: Vec<Uuid> = rows(&ex, "assignments")
        .iter()
        .filter(|a| uuid(&a["assessor_id"]) == member)
        .map(|a| uuid(&a["application_id"]))
        .collect();
    let Some(app) = rng.pick(&assigned) else {
        return;
    };
    let declared = rows(&ex, "conflict_declarations")
        .iter()
        .any(|d| uuid(&d["application_id"]) == app && uuid(&d["assessor_id"]) == member);
    let submitted = rows(&ex, "score_submissions")
        .iter()
        .any(|d| uuid(&d["application_id"]) == app && uuid(&d["assessor_id"]) == member);
    if !declared || rng.chance(12) {
        let conflicted = rng.chance(6);
        let _ = s.apply(&Operation::ConflictDeclare {
            id: Uuid::now_v7(),
            application_id: app,
            assessor_id: member,
            conflicted,
            note: if conflicted {
                "I volunteer there".into()
            } else {
                String::new()
            },
        });
        return;
    }
    let id = Uuid::now_v7();
    let op = match (submitted, rng.below(3)) {
        (false, 0) => Operation::ScoreDraft {
            application_id: app,
            assessor_id: member,
            scores: scores(rng, false),
        },
        (false, _) => Operation::ScoreSubmit {
            id,
            application_id: app,
            assessor_id: member,
            scores: scores(rng, true),
        },
        // A revision as a laptop from before `replaces` sends it (the latest by clock
        // stands), now and then.
        (true, 0) => Operation::ScoreRevise {
            id,
            application_id: app,
            assessor_id: member,
            scores: scores(rng, true),
            reason: "Read the budget again".into(),
            replaces: None,
        },
        // Through the store's write path, which names the submissions it shows as current.
        (true, _) => {
            if let Ok(id) =
                s.record_revision(app, member, scores(rng, true), "Read the budget again")
            {
                rec.scores.insert(id);
            }
            return;
        }
    };
    let fact = !matches!(op, Operation::ScoreDraft { .. });
    if s.apply(&op).is_ok() && fact {
        rec.scores.insert(id);
    }
}

/// Led-by or communities-served codes from the DEI taxonomy, often none.
fn equality_codes(rng: &mut Rng) -> Vec<String> {
    match rng.below(3) {
        0 => vec!["DEI010120".into()],
        1 => vec!["DEI010100".into(), "DEI010120".into()],
        _ => vec![],
    }
}

/// Meetings, issues, ballots, votes, contacts and organisations: what every role makes.
fn community_op(s: &mut Store, rng: &mut Rng, who: &str, rec: &mut Recorded) {
    let ex = s.export().unwrap();
    let orgs = ids(&ex, "organisations");
    let meetings = ids(&ex, "meetings");
    let issues = ids(&ex, "issues");
    let ballots = ids(&ex, "ballots");
    let by = format!("{who} laptop");
    match rng.below(19) {
        0 | 1 if orgs.len() < 6 || rng.chance(4) => {
            // A small pool of identifiers: two laptops add the same group offline.
            let n = rng.below(5);
            let _ = s.add_organisation(&OrganisationInput {
                name: format!("Group {n} ({who})"),
                org_ref: format!("360G-trellis-group-{n}"),
                income_band: ["under-10k", "10k-25k", "50k-100k"][rng.below(3)].into(),
                led_by: equality_codes(rng),
                communities_served: equality_codes(rng),
                ..Default::default()
            });
        }
        2 => {
            let Some(o) = rng.pick(&orgs) else { return };
            let org = rows(&ex, "organisations")
                .iter()
                .find(|r| uuid(&r["id"]) == o)
                .unwrap()
                .clone();
            let _ = s.update_organisation(
                o,
                &OrganisationInput {
                    name: format!("Renamed by {who}"),
                    org_ref: if rng.chance(4) {
                        format!("360G-trellis-group-{}", rng.below(5))
                    } else {
                        org["org_ref"].as_str().unwrap().into()
                    },
                    postcode: ["EB1 4QT", "EB2 7QT", ""][rng.below(3)].into(),
                    income_band: ["under-10k", "50k-100k"][rng.below(2)].into(),
                    // Equality data, which facilitators' laptops do not receive.
                    led_by: equality_codes(rng),
                    communities_served: equality_codes(rng),
                    ..Default::default()
                },
            );
        }
        3 => {
            let Some(o) = rng.pick(&orgs) else { return };
            let _ = s.log_contact(
                &ContactInput {
                    organisation_id: o.to_string(),
                    date: "2026-11-20".into(),
                    kind: ["visit", "call"][rng.below(2)].into(),
                    by: by.clone(),
                    notes: String::new(),
                    follow_up: if rng.chance(2) {
                        "2026-12-01".into()
                    } else {
                        String::new()
                    },
                },
                today(),
            );
        }
        4 if meetings.len() < 3 => {
            let _ = s.add_meeting(&MeetingInput {
                kind: ["forum", "assembly"][rng.below(2)].into(),
                title: format!("Forum {}", rng.below(100)),
                date: "2026-11-10".into(),
                venue: "Community hall".into(),
                ..Default::default()
            });
        }
        5 => {
            let Some(m) = rng.pick(&meetings) else { return };
            let org = if rng.chance(2) { rng.pick(&orgs) } else { None };
            let _ = s.attend(m, org, &format!("Person {}", rng.below(20)), rng.chance(2));
        }
        6 => {
            let Some(m) = rng.pick(&meetings) else { return };
            let linked = rng.pick(&issues).into_iter().collect();
            let _ = s.add_note(m, "Waiting times came up again.", linked);
        }
        7 if issues.len() < 4 => {
            let _ = s.raise_issue(&IssueInput {
                title: format!("Issue {}", rng.below(100)),
                description: "Raised at the forum.".into(),
                meeting_id: rng
                    .pick(&meetings)
                    .map(|m| m.to_string())
                    .unwrap_or_default(),
                communities: vec![],
                quotes: vec!["\"Nobody explained the letter.\"".into()],
            });
        }
        8 => {
            let Some(i) = rng.pick(&issues) else { return };
            let _ = s.add_evidence(i, EvidenceKind::Quote, "\"I waited six weeks.\"", "");
        }
        9 if issues.len() > 1 => {
            let from = rng.pick(&issues).unwrap();
            let into = rng.pick(&issues).unwrap();
            let _ = s.merge_issues(from, into);
        }
        10 if ballots.len() < 3 => {
            let meeting = rng.pick(&meetings);
            let eligibility = match rng.below(3) {
                0 => Eligibility::AnonymousToken,
                1 if meeting.is_some() => Eligibility::PerAttendee,
                _ => Eligibility::PerOrganisation,
            };
            let tokens = eligibility == Eligibility::AnonymousToken;
            let Ok(id) = s.create_ballot(BallotFields {
                question: format!("Topic {}", rng.below(1000)),
                options: (1..=3)
                    .map(|i| BallotOption {
                        id: OptionId::new(format!("o{i}")),
                        label: format!("Option {i}"),
                        issue_id: if i == 1 { rng.pick(&issues) } else { None },
                    })
                    .collect(),
                method: Method::RankedIrv,
                eligibility,
                meeting_id: meeting,
                opens_at: None,
                closes_at: None,
                seed: rng.next(),
            }) else {
                return;
            };
            if tokens {
                let _ = s.issue_tokens(id, 3);
            }
            let _ = s.set_ballot_status(id, BallotStatus::Open);
        }
        11 => {
            let Some(b) = rng.pick(&ballots) else { return };
            match rng.below(3) {
                0 => {
                    let _ = s.set_ballot_status(
                        b,
                        [BallotStatus::Open, BallotStatus::Closed][rng.below(2)],
                    );
                }
                1 => {
                    let _ = s.reveal_ballot(b, rng.chance(2));
                }
                _ => {
                    let _ = s.issue_tokens(b, 1);
                }
            }
        }
        12 | 13 | 16 | 17 => {
            let Some(b) = rng.pick(&ballots) else { return };
            let view = s.ballot(b).unwrap();
            let voter = match view.fields.eligibility {
                Eligibility::AnonymousToken => {
                    let tokens: Vec<String> = rows(&ex, "ballot_tokens")
                        .iter()
                        .filter(|t| uuid(&t["ballot_id"]) == b)
                        .map(|t| t["token"].as_str().unwrap().to_string())
                        .collect();
                    let Some(t) = rng.pick(&tokens) else { return };
                    Voter {
                        kind: VoterKind::Token,
                        reference: t,
                    }
                }
                Eligibility::PerAttendee => {
                    let present: Vec<String> = rows(&ex, "attendance")
                        .iter()
                        .filter(|a| Some(uuid(&a["meeting_id"])) == view.fields.meeting_id)
                        .map(|a| a["id"].as_str().unwrap().to_string())
                        .collect();
                    let Some(a) = rng.pick(&present) else { return };
                    Voter {
                        kind: VoterKind::Attendee,
                        reference: a,
                    }
                }
                _ => {
                    // A few organisations vote, so two laptops often record one twice.
                    let Some(o) = rng.pick(&orgs[..orgs.len().min(3)]) else {
                        return;
                    };
                    Voter {
                        kind: VoterKind::Organisation,
                        reference: o.to_string(),
                    }
                }
            };
            let ranking = (0..1 + rng.below(3))
                .map(|_| Some(OptionId::new(format!("o{}", 1 + rng.below(3)))))
                .collect();
            if let Ok(id) = s.cast_vote(VoteFields {
                ballot_id: b,
                voter,
                vote: Vote::Ranking { ranking },
                channel: [Channel::Live, Channel::Paper][rng.below(2)],
                recorded_by: by.clone(),
            }) {
                rec.votes.insert(id);
            }
        }
        14 => {
            let Some(b) = rng.pick(&ballots) else { return };
            let live: Vec<Uuid> = s
                .ballot_votes(b)
                .unwrap()
                .into_iter()
                .filter(|v| v.void.is_none())
                .map(|v| v.id)
                .collect();
            let Some(v) = rng.pick(&live) else { return };
            let _ = s.void_vote(v, "keyed by mistake", &by);
        }
        15 | 18 => {
            // A person resolves a vote conflict that two laptops made.
            let Some(b) = rng.pick(&ballots) else { return };
            let result = s.ballot_result(b).unwrap();
            let Some(c) = rng.pick(&result.unresolved) else {
                return;
            };
            let keep = rng.pick(&c.votes).unwrap();
            let _ = s.resolve_conflict(b, &c.voter_key, keep, "the later vote stands", &by);
        }
        _ => {
            if let Some(o) = rng.pick(&orgs) {
                let _ = s.set_large_print(o, rng.chance(2));
            } else {
                let _ = s.set_setting(
                    trellis_core::settings::SMALL_ORG_THRESHOLD_GBP,
                    &serde_json::json!(1000 * (10 + rng.below(40))),
                );
            }
        }
    }
}

/// Rounds, applications, the panel, moderation, decisions and letters: staff's work.
fn grants_op(s: &mut Store, rng: &mut Rng, who: &str, rec: &mut Recorded) {
    let ex = s.export().unwrap();
    let orgs = ids(&ex, "organisations");
    let rounds = ids(&ex, "rounds");
    let apps = ids(&ex, "applications");
    let members = ids(&ex, "panel_members");
    let letters = ids(&ex, "letters");
    match rng.below(20) {
        0 | 15 if rounds.is_empty() || (rounds.len() < 2 && rng.chance(4)) => {
            let _ = s.create_round(&RoundInput {
                title: format!("Round {}", rng.below(100)),
                topic: "Interpreting at the GP".into(),
                ballot_id: if rng.chance(3) {
                    rng.pick(&ids(&ex, "ballots"))
                        .map(|b| b.to_string())
                        .unwrap_or_default()
                } else {
                    String::new()
                },
                budget_gbp: "20000".into(),
                min_grant_gbp: "1000".into(),
                max_grant_gbp: "10000".into(),
                opens_on: "2026-06-01".into(),
                closes_on: "2026-07-31".into(),
                questions: vec!["What will you do?".into()],
                ..Default::default()
            });
        }
        1 => {
            let (Some(r), Some(o)) = (rng.pick(&rounds), rng.pick(&orgs)) else {
                return;
            };
            let day = 1 + rng.below(28) as u32;
            let _ = s.set_extension(r, o, NaiveDate::from_ymd_opt(2026, 8, day).unwrap());
        }
        2 => {
            let mut names = vec![CHAIR];
            names.extend(ASSESSORS);
            let name = rng.pick(&names).unwrap();
            // Usually once per laptop; now and then two laptops add the same person.
            if members_named(&ex, name).is_empty() || rng.chance(8) {
                let role = if name == CHAIR {
                    PanelRole::Chair
                } else {
                    PanelRole::Assessor
                };
                let _ = s.add_panel_member(name, role);
            }
        }
        3 if apps.len() < 5 => {
            let (Some(r), Some(o)) = (rng.pick(&rounds), rng.pick(&orgs)) else {
                return;
            };
            let _ = s.add_application(&ApplicationInput {
                round_id: r.to_string(),
                organisation_id: o.to_string(),
                formats: vec!["video".into()],
                answers: vec![],
                summary: "Community interpreters at two surgeries.".into(),
                amount_gbp: (1000 * (1 + rng.below(10))).to_string(),
                core_funding: rng.chance(2),
                received_on: "2026-07-20".into(),
            });
        }
        5 => {
            let Some(a) = rng.pick(&apps) else { return };
            if rng.chance(2) {
                let _ = s.apply(&Operation::ApplicationAttach {
                    id: Uuid::now_v7(),
                    application_id: a,
                    attachment: AttachmentRef {
                        sha256: format!("{:064x}", rng.next()),
                        file_name: "application.mp4".into(),
                        media_type: "video/mp4".into(),
                        size_bytes: rng.next() % 1_000_000,
                    },
                });
            } else {
                let _ = s.log_support(
                    &SupportInput {
                        application_id: a.to_string(),
                        date: "2026-07-01".into(),
                        kind: "reading a draft".into(),
                        by: who.into(),
                    },
                    today(),
                );
            }
        }
        6 => {
            let (Some(a), Some(m)) = (rng.pick(&apps), rng.pick(&members)) else {
                return;
            };
            let _ = s.assign(a, m);
        }
        7 => {
            // Staff key in the chair's scores (the chair has no laptop).
            let Some(chair) = rng.pick(&members_named(&ex, CHAIR)) else {
                return;
            };
            score_op(s, rng, chair, rec);
        }
        8 => {
            let Some(a) = rng.pick(&apps) else { return };
            let _ = s.agree_scores(a, scores(rng, true), "Agreed after discussion.");
        }
        4 | 9 => {
            let Some(a) = rng.pick(&apps) else { return };
            let outcome = ["funded", "not funded", "waitlisted"][rng.below(3)];
            let amount = rows(&ex, "applications")
                .iter()
                .find(|r| uuid(&r["id"]) == a)
                .map(|r| r["fields"]["amount_gbp"].as_u64().unwrap_or(1000))
                .unwrap_or(1000);
            let _ = s.record_decision(&DecisionInput {
                application_id: a.to_string(),
                outcome: outcome.into(),
                amount_gbp: if outcome == "funded" {
                    amount.to_string()
                } else {
                    String::new()
                },
                conditions: String::new(),
                reasons: "Strong on lived experience.".into(),
            });
        }
        10 => {
            let kind = [
                OutcomeKind::Funded,
                OutcomeKind::NotFunded,
                OutcomeKind::Waitlisted,
            ][rng.below(3)];
            let mut template = default_template(kind);
            template.footer = format!("Footer {} from {who}", rng.below(100));
            let _ = s.set_letter_template(kind, &template);
        }
        11 | 16 => {
            let decided: Vec<Uuid> = rows(&ex, "decisions")
                .iter()
                .map(|d| uuid(&d["application_id"]))
                .collect();
            let Some(a) = rng.pick(&decided) else { return };
            let _ = s.draft_letter(a);
        }
        12 | 17 => {
            let Some(l) = rng.pick(&letters) else { return };
            let view = s.letter(l).unwrap();
            let mut content = view.latest().content.clone();
            content.heading = format!("Your application (edited on {who})");
            content.paragraphs.push(format!("Note {}.", rng.below(100)));
            let _ = s.edit_letter(l, &content);
        }
        13 | 18 => {
            let Some(l) = rng.pick(&letters) else { return };
            let day = 1 + rng.below(28) as u32;
            let _ = s.approve_letter(l, NaiveDate::from_ymd_opt(2026, 9, day).unwrap());
        }
        19 => {
            // A person settles two letters drafted for one application on two laptops.
            let Some(l) = rng.pick(&letters) else { return };
            let view = s.letter(l).unwrap();
            if !view.conflicts.is_empty() || rng.chance(10) {
                let _ = s.withdraw_letter(l, "the other laptop's letter is the one to send", who);
            }
        }
        _ => {
            let Some(l) = rng.pick(&letters) else { return };
            let (state, how) = if rng.chance(2) {
                (LetterState::Printed, None)
            } else {
                (
                    LetterState::Sent,
                    Some([Delivery::Post, Delivery::Email][rng.below(2)]),
                )
            };
            let _ = s.mark_letter(l, state, NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(), how);
        }
    }
}

/// An open topic ballot, and a round with applications, the panel and its assignments.
fn setup_round(s: &mut Store, rng: &mut Rng) {
    let ballot = s
        .create_ballot(BallotFields {
            question: "Which topic should the round address?".into(),
            options: (1..=3)
                .map(|i| BallotOption {
                    id: OptionId::new(format!("o{i}")),
                    label: format!("Topic {i}"),
                    issue_id: None,
                })
                .collect(),
            method: Method::RankedIrv,
            eligibility: Eligibility::PerOrganisation,
            meeting_id: None,
            opens_at: None,
            closes_at: None,
            seed: rng.next(),
        })
        .unwrap();
    s.set_ballot_status(ballot, BallotStatus::Open).unwrap();
    let round = s
        .create_round(&RoundInput {
            title: "Interpreting at the GP".into(),
            topic: "Interpreting at the GP".into(),
            budget_gbp: "20000".into(),
            min_grant_gbp: "1000".into(),
            max_grant_gbp: "10000".into(),
            opens_on: "2026-06-01".into(),
            closes_on: "2026-07-31".into(),
            questions: vec!["What will you do?".into()],
            ..Default::default()
        })
        .unwrap();
    let mut members = vec![s.add_panel_member(CHAIR, PanelRole::Chair).unwrap()];
    for name in ASSESSORS {
        members.push(s.add_panel_member(name, PanelRole::Assessor).unwrap());
    }
    for i in 0..2 + rng.below(2) {
        let org = s
            .add_organisation(&OrganisationInput {
                name: format!("Applicant {i}"),
                org_ref: format!("360G-trellis-applicant-{i}"),
                income_band: "under-10k".into(),
                ..Default::default()
            })
            .unwrap();
        let app = s
            .add_application(&ApplicationInput {
                round_id: round.to_string(),
                organisation_id: org.to_string(),
                formats: vec!["written".into()],
                answers: vec!["Interpreters at two surgeries.".into()],
                summary: "Community interpreters.".into(),
                amount_gbp: (2000 * (1 + i)).to_string(),
                core_funding: true,
                received_on: "2026-07-20".into(),
            })
            .unwrap();
        for m in &members {
            s.assign(app, *m).unwrap();
        }
        if rng.chance(2) {
            s.record_decision(&DecisionInput {
                application_id: app.to_string(),
                outcome: "not funded".into(),
                reasons: "Outside the round's topic.".into(),
                ..Default::default()
            })
            .unwrap();
        }
    }
}

fn random_op(lap: &mut Laptop, rng: &mut Rng, rec: &mut Recorded) {
    let who = lap.name.clone();
    match lap.role {
        Role::Staff | Role::Admin => {
            let ex = lap.store.export().unwrap();
            let members = ids(&ex, "panel_members");
            if rng.chance(15) && !members.is_empty() {
                // Staff typing in an assessor's paper sheet: with the assessor's own
                // laptop, one assessor's scores come from two laptops.
                if let Some(member) = rng.pick(&members) {
                    score_op(&mut lap.store, rng, member, rec);
                }
            } else if !rng.chance(3) {
                grants_op(&mut lap.store, rng, &who, rec);
            } else {
                community_op(&mut lap.store, rng, &who, rec);
            }
        }
        Role::Facilitator => community_op(&mut lap.store, rng, &who, rec),
        // A panel member's laptop makes only their own scores, drafts and declarations.
        Role::Panel => {
            let ex = lap.store.export().unwrap();
            if let Some(me) = rng.pick(&members_named(&ex, &lap.user)) {
                score_op(&mut lap.store, rng, me, rec);
            }
        }
    }
}

/// The tables a facilitator's laptop must never hold.
const GRANTS_TABLES: [&str; 16] = [
    "rounds",
    "round_extensions",
    "panel_members",
    "applications",
    "application_attachments",
    "application_support",
    "assignments",
    "conflict_declarations",
    "score_drafts",
    "score_submissions",
    "agreed_scores",
    "decisions",
    "letter_templates",
    "letters",
    "letter_versions",
    "letter_states",
];

fn check_panel_replica(seed: u64, lap: &Laptop) {
    let ex = lap.store.export().unwrap();
    let mine = members_named(&ex, &lap.user);
    let mine_on = |table: &str, app: Uuid| {
        rows(&ex, table)
            .iter()
            .any(|r| uuid(&r["application_id"]) == app && mine.contains(&uuid(&r["assessor_id"])))
    };
    for s in rows(&ex, "score_submissions") {
        let app = uuid(&s["application_id"]);
        if mine.contains(&uuid(&s["assessor_id"])) {
            continue;
        }
        assert!(
            mine_on("score_submissions", app),
            "seed {seed}: {} holds another assessor's score for application {app} without having submitted",
            lap.name
        );
    }
    for d in rows(&ex, "score_drafts") {
        assert!(
            mine.contains(&uuid(&d["assessor_id"])),
            "seed {seed}: {} holds someone else's draft",
            lap.name
        );
    }
}

/// The screens' reads, as JSON: ballots' results and audit lists, issues, identifiers
/// two organisations share, and each round's applications, score sheets as each panel
/// member sees them, moderation, allocation and letters.
fn views(s: &Store) -> String {
    fn j<T: serde::Serialize>(v: &T) -> Value {
        serde_json::to_value(v).unwrap()
    }
    let mut out = serde_json::Map::new();
    for b in s.ballots().unwrap() {
        out.insert(
            format!("ballot {}", b.id),
            j(&s.ballot_result(b.id).unwrap()),
        );
        out.insert(format!("votes {}", b.id), j(&s.ballot_votes(b.id).unwrap()));
    }
    out.insert("issues".into(), j(&s.issues(false).unwrap()));
    out.insert(
        "shared identifiers".into(),
        j(&s.shared_identifiers().unwrap()),
    );
    let members = s.panel_members().unwrap();
    for r in s.rounds().unwrap() {
        let apps = s.applications(r.id).unwrap();
        for a in &apps {
            for m in &members {
                let sheets = s.score_sheets(a.id, m.id).unwrap();
                out.insert(format!("sheets {} for {}", a.id, m.id), j(&sheets));
            }
        }
        out.insert(format!("applications {}", r.id), j(&apps));
        out.insert(
            format!("moderation {}", r.id),
            j(&s.moderation(r.id).unwrap()),
        );
        out.insert(
            format!("allocation {}", r.id),
            j(&s.allocation(r.id).unwrap()),
        );
        out.insert(
            format!("letters {}", r.id),
            j(&s.round_letters(r.id).unwrap()),
        );
        // Also inside applications and allocation; named here so a difference says so.
        out.insert(
            format!("facts to settle {}", r.id),
            j(&s.fact_conflicts(r.id).unwrap()),
        );
    }
    serde_json::to_string_pretty(&Value::Object(out)).unwrap()
}

/// The first differing line of two exports, with the lines before it for context.
fn difference(a: &str, b: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let at = (0..a.len().max(b.len()))
        .find(|i| a.get(*i) != b.get(*i))
        .unwrap_or(0);
    let from = at.saturating_sub(12);
    let show = |l: &[&str]| l[from.min(l.len())..(at + 12).min(l.len())].join("\n");
    format!(
        "line {}:\n--- one\n{}\n--- other\n{}",
        at + 1,
        show(&a),
        show(&b)
    )
}

/// One schedule; returns every kind of change made in it, counted.
fn run(seed: u64, steps: usize) -> BTreeMap<String, usize> {
    let dir = scratch_dir();
    let t0 = std::time::Instant::now();
    let server_db = dir.path().join("server.sqlite3");
    let mut net = Net::new(&server_db);
    let mut rng = Rng(seed);
    let mut laptops = vec![
        Laptop::new(&net, &dir, "staff-a", "Sam (staff)", Role::Staff),
        Laptop::new(&net, &dir, "staff-b", "Jo (staff)", Role::Staff),
        Laptop::new(
            &net,
            &dir,
            "facilitator",
            "Femi (facilitator)",
            Role::Facilitator,
        ),
        Laptop::new(&net, &dir, "panel-a", ASSESSORS[0], Role::Panel),
        Laptop::new(&net, &dir, "panel-b", ASSESSORS[1], Role::Panel),
    ];
    // The hostile laptop's role: what it may push differs, and so what it is refused.
    let hostile_role = [Role::Staff, Role::Facilitator, Role::Panel][rng.below(3)];
    let mut hostile = Hostile::new(&net, &dir, hostile_role);
    if !rng.chance(4) {
        // Usually the round is set up and on every laptop before the offline work starts.
        setup_round(&mut laptops[0].store, &mut rng);
        for lap in laptops.iter_mut() {
            sync(lap, &net, &mut rng, true);
        }
        sync(&mut laptops[0], &net, &mut rng, true);
    }
    for lap in laptops.iter_mut() {
        lap.offline_until = rng.below(steps);
    }
    let t1 = t0.elapsed();
    let mut rec = Recorded::default();
    for step in 0..steps {
        if rng.chance(40) {
            net.restart(&server_db);
        }
        if rng.chance(5) {
            hostile.strike(&net, &mut rng);
            continue;
        }
        let d = rng.below(laptops.len());
        let lap = &mut laptops[d];
        if rng.chance(3) && step >= lap.offline_until {
            sync(lap, &net, &mut rng, false);
        } else {
            random_op(lap, &mut rng, &mut rec);
        }
    }
    let t2 = t0.elapsed();
    for _ in 0..2 {
        for lap in laptops.iter_mut() {
            sync(lap, &net, &mut rng, true);
        }
    }
    let t3 = t0.elapsed();
    // (a) Staff replicas are identical.
    let staff: Vec<String> = laptops
        .iter()
        .filter(|l| l.role == Role::Staff)
        .map(|l| l.store.export_json().unwrap())
        .collect();
    for e in &staff[1..] {
        assert!(
            e == &staff[0],
            "seed {seed}: staff laptops' exports differ:\n{}",
            difference(&staff[0], e)
        );
    }
    // What people are shown is computed from the tables; it must not depend on the order
    // rows arrived in either (the latest decision, the vote that stands, letters' state).
    let shown: Vec<String> = laptops
        .iter()
        .filter(|l| l.role == Role::Staff)
        .map(|l| views(&l.store))
        .collect();
    for v in &shown[1..] {
        assert!(
            v == &shown[0],
            "seed {seed}: staff laptops show different things:\n{}",
            difference(&shown[0], v)
        );
    }
    // (b) A scoped laptop's history gives what one pull from nothing gives.
    for lap in laptops.iter().filter(|l| l.role.scoped()) {
        let mut fresh = Laptop::new(
            &net,
            &dir,
            &format!("{}-fresh", lap.name),
            &lap.user,
            lap.role,
        );
        sync(&mut fresh, &net, &mut rng, true);
        let long = lap.store.export_json().unwrap();
        let new = fresh.store.export_json().unwrap();
        assert!(
            long == new,
            "seed {seed}: {}'s export differs from a fresh laptop's for the same user:\n{}",
            lap.name,
            difference(&long, &new)
        );
        match lap.role {
            Role::Facilitator => {
                let ex = lap.store.export().unwrap();
                for t in GRANTS_TABLES {
                    assert!(
                        rows(&ex, t).is_empty(),
                        "seed {seed}: facilitator holds {t}"
                    );
                }
                for kind in lap.store.local_changes_after(0, 100_000).unwrap() {
                    assert!(!is_grants_kind(&kind.kind));
                }
            }
            _ => check_panel_replica(seed, lap),
        }
    }
    // (c) Every vote and score recorded anywhere is on every staff laptop, once (beside
    // those the server accepted from the hostile laptop).
    let hostile_device = hostile.device().to_string();
    let honest = |ex: &Value, table: &str| -> Vec<Uuid> {
        rows(ex, table)
            .iter()
            .filter(|r| r["device_id"].as_str() != Some(hostile_device.as_str()))
            .map(|r| uuid(&r["id"]))
            .collect()
    };
    for lap in laptops.iter().filter(|l| l.role == Role::Staff) {
        let ex = lap.store.export().unwrap();
        let votes: BTreeSet<Uuid> = honest(&ex, "votes").into_iter().collect();
        assert_eq!(votes, rec.votes, "seed {seed}: votes lost or invented");
        assert_eq!(honest(&ex, "votes").len(), votes.len());
        let scores: BTreeSet<Uuid> = honest(&ex, "score_submissions").into_iter().collect();
        assert_eq!(scores, rec.scores, "seed {seed}: scores lost or invented");
    }
    // (d) Everything the server accepted applies on every laptop allowed to receive it,
    // and no honest laptop's change was refused.
    for lap in &laptops {
        let waiting = lap.store.quarantined().unwrap();
        assert!(
            waiting.is_empty(),
            "seed {seed}: {} could not apply what the server accepted: {waiting:#?}",
            lap.name
        );
        let aside = lap.store.set_aside().unwrap();
        assert!(
            aside.is_empty(),
            "seed {seed}: the server refused {}'s honest change: {aside:#?}",
            lap.name
        );
    }
    for lap in &laptops {
        let report = lap.store.doctor().unwrap();
        assert!(
            report.healthy(),
            "seed {seed}: {}: {:?}",
            lap.name,
            report.faults
        );
    }
    if std::env::var_os("TRELLIS_CONVERGENCE_TIMES").is_some() {
        eprintln!(
            "setup {t1:?} steps {t2:?} final {t3:?} checks {:?}",
            t0.elapsed()
        );
    }
    let mut kinds = BTreeMap::new();
    kinds.insert("hostile: accepted".to_string(), hostile.accepted);
    kinds.insert("hostile: refused".to_string(), hostile.refused);
    // Facts two laptops recorded for one thing, left to settle at the end (counted so
    // TRELLIS_CONVERGENCE_STATS shows the schedules make them).
    let staff_a = &laptops[0].store;
    for r in staff_a.rounds().unwrap() {
        for c in staff_a.fact_conflicts(r.id).unwrap() {
            *kinds.entry(format!("to settle: {:?}", c.kind)).or_insert(0) += 1;
        }
    }
    for lap in &laptops {
        for row in lap.store.local_changes_after(0, 100_000).unwrap() {
            *kinds.entry(row.kind).or_insert(0) += 1;
        }
    }
    kinds
}

fn cases() -> u32 {
    std::env::var("TRELLIS_CONVERGENCE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

/// Runs `cases` random schedules, replaying saved failures first.
fn schedules(cases: u32) {
    let config = ProptestConfig {
        cases,
        source_file: Some(file!()),
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions"),
        )),
        ..ProptestConfig::default()
    };
    let seen = std::cell::RefCell::new(BTreeMap::<String, usize>::new());
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let result = runner.run(&(any::<u64>(), 30usize..90), |(seed, steps)| {
        for (kind, n) in run(seed, steps) {
            *seen.borrow_mut().entry(kind).or_insert(0) += n;
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let seen = seen.into_inner();
    if std::env::var_os("TRELLIS_CONVERGENCE_STATS").is_some() {
        eprintln!("{seen:#?}");
    }
    if cases >= 500 {
        // The schedules must keep making every kind of change, or the test proves less
        // than it says. (The rarest, a vote conflict resolved, comes about 2.5 times in
        // 100 schedules, so 500 leave no room for chance.)
        for kind in trellis_core::op::KINDS {
            assert!(seen.contains_key(kind), "no schedule made a {kind} change");
        }
        // Two staff laptops deciding or agreeing offline, or staff typing in a sheet the
        // assessor also submitted, leave rivals to settle at the end of 2 to 5 schedules
        // in 100 for each kind, so 500 make about a dozen.
        for kind in [
            "to settle: Decision",
            "to settle: AgreedScores",
            "to settle: Scores",
        ] {
            assert!(seen.contains_key(kind), "no schedule ended with {kind}");
        }
        // The hostile laptop must be both refused and, sometimes, believed.
        for outcome in ["hostile: accepted", "hostile: refused"] {
            assert!(
                seen.get(outcome).is_some_and(|n| *n > 0),
                "no {outcome} change"
            );
        }
    }
}

// Two halves, so the test harness runs them on two cores.
#[test]
fn laptops_converge_through_the_real_server() {
    schedules(cases().div_ceil(2));
}

#[test]
fn laptops_converge_through_the_real_server_again() {
    schedules(cases() / 2);
}

/// The blind-scoring filter judges a panel member's conflict in the server's order: a
/// score sent before the member declared a conflict stays theirs, one recorded after it
/// is withheld, and a new laptop for the same member receives exactly the same.
#[test]
fn a_conflict_declared_after_submitting_hides_later_scores_only() {
    let dir = scratch_dir();
    let net = Net::new(&dir.path().join("server.sqlite3"));
    let mut rng = Rng(7);
    let mut staff = Laptop::new(&net, &dir, "staff", "Sam (staff)", Role::Staff);
    setup_round(&mut staff.store, &mut rng);
    sync(&mut staff, &net, &mut rng, true);
    let mut amara = Laptop::new(&net, &dir, "amara", ASSESSORS[0], Role::Panel);
    sync(&mut amara, &net, &mut rng, true);
    let ex = staff.store.export().unwrap();
    let app = ids(&ex, "applications")[0];
    let member = |name: &str| members_named(&ex, name)[0];
    let submit = |s: &mut Store, who: Uuid, rng: &mut Rng| {
        s.declare(app, who, false, "").unwrap();
        let id = Uuid::now_v7();
        s.apply(&Operation::ScoreSubmit {
            id,
            application_id: app,
            assessor_id: who,
            scores: scores(rng, true),
        })
        .unwrap();
        id
    };
    submit(&mut amara.store, member(ASSESSORS[0]), &mut rng);
    sync(&mut amara, &net, &mut rng, true);
    // Staff key in the chair's scores; Amara, having submitted, receives them.
    let chairs = submit(&mut staff.store, member(CHAIR), &mut rng);
    sync(&mut staff, &net, &mut rng, true);
    sync(&mut amara, &net, &mut rng, true);
    // Amara then declares a conflict; Tom's scores come after it.
    amara
        .store
        .declare(
            app,
            member(ASSESSORS[0]),
            true,
            "My sister volunteers there",
        )
        .unwrap();
    sync(&mut amara, &net, &mut rng, true);
    let toms = submit(&mut staff.store, member(ASSESSORS[1]), &mut rng);
    sync(&mut staff, &net, &mut rng, true);
    sync(&mut amara, &net, &mut rng, true);

    let held: BTreeSet<Uuid> = ids(&amara.store.export().unwrap(), "score_submissions")
        .into_iter()
        .collect();
    assert!(held.contains(&chairs), "sent before the conflict: kept");
    assert!(
        !held.contains(&toms),
        "recorded after the conflict: withheld"
    );
    let mut fresh = Laptop::new(&net, &dir, "amara-new", ASSESSORS[0], Role::Panel);
    sync(&mut fresh, &net, &mut rng, true);
    assert_eq!(
        fresh.store.export_json().unwrap(),
        amara.store.export_json().unwrap(),
        "a new laptop for Amara holds what her laptop holds"
    );
}

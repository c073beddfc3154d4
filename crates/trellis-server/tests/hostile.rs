//! One laptop, malicious or broken, must never stop the programme. Against the real
//! `trellis-server` binary and real `trellis` databases: changes that are well-formed but
//! wrong, pushed with a device's own token, are each refused by name with the rule (the
//! device's later changes still go through), and every other laptop, and a new laptop's
//! first pull, keeps working. Also a panel member trying to change what she may see, a
//! laptop restored from its own backup, and a laptop whose clock is 3 hours ahead.
//! Needs `cargo build --workspace` first (for the `trellis` binary).

use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};
use tempfile::TempDir;
use trellis_store::{ChangeRow, Store};
use uuid::Uuid;

mod common;
use common::real::{laptop, run, Server};
use common::trellis_cli;

fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap()
}

/// A device's token and id, as its laptop saved them beside its database.
fn credentials(db: &Path) -> (String, Uuid) {
    let path = trellis_sync::client::credentials_path(db);
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    (
        saved["token"].as_str().unwrap().to_owned(),
        saved["device_id"].as_str().unwrap().parse().unwrap(),
    )
}

fn rows_of(db: &Path) -> Vec<ChangeRow> {
    Store::open(db)
        .unwrap()
        .local_changes_after(0, 100_000)
        .unwrap()
}

fn row_of(rows: &[ChangeRow], kind: &str) -> ChangeRow {
    rows.iter()
        .find(|r| r.kind == kind)
        .unwrap_or_else(|| panic!("no {kind} to copy"))
        .clone()
}

/// A device pushing raw changes with its own token, numbering them as it goes.
struct Hostile {
    url: String,
    token: String,
    device: Uuid,
    next: i64,
}

impl Hostile {
    fn new(server: &Server, db: &Path) -> Hostile {
        let (token, device) = credentials(db);
        Hostile {
            url: server.url.clone(),
            token,
            device,
            next: 1,
        }
    }

    /// Pushes `row` as this device's next change: (status, body).
    fn push(&mut self, mut row: ChangeRow) -> (u16, Value) {
        row.device_id = self.device;
        row.device_seq = self.next;
        let body = json!({
            "protocol_version": trellis_server::PROTOCOL_VERSION,
            "changes": [row],
        });
        let res = http()
            .post(format!("{}/v1/push", self.url))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .unwrap();
        let status = res.status().as_u16();
        let body: Value = res.json().unwrap();
        if status == 200 || body["set_aside"] == true {
            self.next += 1;
        }
        (status, body)
    }

    /// Pushes `row` and expects it refused for good with `error`, the change named.
    fn refused(&mut self, what: &str, row: ChangeRow, status: u16, error: &str) {
        let seq = self.next;
        let kind = row.kind.clone();
        let (got, body) = self.push(row);
        assert_eq!(
            (got, body["error"].as_str()),
            (status, Some(error)),
            "{what}: {body}"
        );
        assert_eq!(body["set_aside"], true, "{what}: {body}");
        assert_eq!(body["change"]["device_seq"], seq, "{what}: {body}");
        let reason = body["reason"].as_str().unwrap();
        assert!(
            reason.starts_with(&format!(
                "change {seq} ({kind}) from this laptop was refused:"
            )),
            "{what}: {reason}"
        );
        assert!(reason.contains("sets it aside"), "{what}: {reason}");
    }
}

/// A copy of `row` that makes a new record: a fresh record id and change id.
fn fresh(mut row: ChangeRow) -> ChangeRow {
    row.id = Uuid::now_v7();
    row.payload["id"] = json!(Uuid::now_v7());
    row
}

/// A new laptop database, enrolled as `user`.
fn enrolled(
    server: &Server,
    cli: &Path,
    dir: &Path,
    name: &str,
    user: &str,
) -> impl Fn() -> Command {
    let l = laptop(cli, dir, name);
    run(l().arg("init"));
    enrol(server, &l, user);
    l
}

fn enrol(server: &Server, l: &impl Fn() -> Command, user: &str) {
    let code = run(server.admin().args(["enrol", "--user", user]));
    run(l().args(["enrol", "--server", &server.url, "--code", code.trim()]));
}

fn org(l: &impl Fn() -> Command, name: &str, reference: &str) {
    run(l().args(["org", "add", "--name", name, "--ref", reference]));
}

fn doctor_is_clean(l: &impl Fn() -> Command) -> String {
    let out = run(l().arg("doctor"));
    assert!(out.contains("no faults found"), "{out}");
    out
}

#[test]
fn poisoned_pushes_are_refused_one_by_one_and_nobody_stops() {
    let dir = TempDir::new().unwrap();
    let server = Server::start(
        dir.path(),
        &[
            ("sam", "staff"),
            ("jo", "staff"),
            ("mallory", "staff"),
            ("femi", "facilitator"),
        ],
    );
    let cli = trellis_cli();
    let sam = enrolled(&server, &cli, dir.path(), "sam", "sam");
    org(&sam, "Riverside Elders", "GB-CHC-1000001");
    run(sam().args(["panel", "add", "Kwame Mensah", "--role", "chair"]));
    run(sam().arg("sync"));
    let sam_rows = rows_of(&dir.path().join("sam.sqlite3"));
    let sams_org = row_of(&sam_rows, "organisation.create");
    let sams_member = row_of(&sam_rows, "panel.member");

    // Real changes made on a laptop that never syncs: what the hostile devices copy.
    let forge = laptop(&cli, dir.path(), "forge");
    run(forge().arg("init"));
    org(&forge, "Hidden Group", "GB-CHC-1000099");
    run(forge().args([
        "contact",
        "add",
        "Hidden Group",
        "--kind",
        "visit",
        "--by",
        "Femi",
    ]));
    run(forge().args([
        "ballot",
        "create",
        "--question",
        "Which first?",
        "--option",
        "Diabetes",
        "--option",
        "Maternity",
        "--method",
        "plurality",
    ]));
    let forged = rows_of(&dir.path().join("forge.sqlite3"));
    let ballot = row_of(&forged, "ballot.create").payload["id"].clone();
    run(forge().args(["ballot", "open", ballot.as_str().unwrap()]));
    run(forge().args([
        "vote",
        "cast",
        ballot.as_str().unwrap(),
        "--voter",
        "Hidden Group",
        "--choice",
        "1",
    ]));
    let forged = rows_of(&dir.path().join("forge.sqlite3"));

    // A facilitator's device: references to records the server does not hold.
    let _femi = enrolled(&server, &cli, dir.path(), "femi", "femi");
    let mut femi = Hostile::new(&server, &dir.path().join("femi.sqlite3"));
    femi.refused(
        "a contact with an organisation that does not exist",
        row_of(&forged, "contact.log"),
        422,
        "cannot_apply",
    );
    femi.refused(
        "a vote on a ballot that does not exist",
        row_of(&forged, "vote.cast"),
        422,
        "cannot_apply",
    );
    femi.refused(
        "a grants record from a facilitator",
        sams_member.clone(),
        403,
        "role_forbids",
    );

    // A staff device: record ids and change ids already used.
    let _mallory = enrolled(&server, &cli, dir.path(), "mallory", "mallory");
    let mut mallory = Hostile::new(&server, &dir.path().join("mallory.sqlite3"));
    let mut reused = fresh(row_of(&forged, "organisation.create"));
    reused.payload["id"] = sams_org.payload["id"].clone();
    mallory.refused("an organisation reusing an id", reused, 422, "cannot_apply");
    let mut member = sams_member.clone();
    member.id = Uuid::now_v7();
    member.payload["name"] = json!("Mallory");
    mallory.refused("a panel member reusing an id", member, 422, "cannot_apply");
    let mut same_change = fresh(row_of(&forged, "organisation.create"));
    same_change.id = sams_org.id;
    mallory.refused(
        "a change reusing another change's id",
        same_change,
        422,
        "cannot_apply",
    );

    // Clocks ahead: not set aside (the laptop can put its clock right), and not stored.
    for (what, ahead_ms, words) in [
        ("an hour ahead", 3_600_000u64, "1 hour"),
        ("260 years ahead", 260 * 365 * 24 * 3_600_000, "260 years"),
    ] {
        let mut future = fresh(row_of(&forged, "organisation.create"));
        future.hlc.millis = chrono::Utc::now().timestamp_millis() as u64 + ahead_ms;
        let (status, body) = mallory.push(future);
        assert_eq!(
            (status, body["error"].as_str()),
            (409, Some("clock_ahead")),
            "{what}"
        );
        assert_eq!(body["set_aside"], Value::Null, "{what}: {body}");
        let reason = body["reason"].as_str().unwrap();
        assert!(
            reason.contains(&format!(
                "this laptop's clock is {words} ahead of the server's"
            )),
            "{what}: {reason}"
        );
    }
    // After all that, the device's own good change goes through.
    let mut good = fresh(row_of(&forged, "organisation.create"));
    good.payload["fields"]["name"] = json!("Mallory's honest group");
    let (status, body) = mallory.push(good);
    assert_eq!(status, 200, "{body}");

    // An administrator sees each refusal: which laptop and user, what and why.
    let refused = run(server.admin().args(["device", "refused"]));
    assert_eq!(refused.lines().count(), 6, "{refused}");
    assert!(
        refused.contains("(femi) change 1 (contact.log): cannot_apply")
            && refused.contains("(mallory) change 3 (organisation.create): cannot_apply"),
        "{refused}"
    );

    // Everyone else carries on: Sam syncs, and a new laptop's first pull gets everything.
    org(&sam, "Northside Youth", "GB-CHC-1000002");
    let out = run(sam().arg("sync"));
    assert!(out.contains("synced"), "{out}");
    let jo = enrolled(&server, &cli, dir.path(), "jo", "jo");
    run(jo().arg("sync"));
    let export = run(jo().arg("export"));
    assert_eq!(
        export,
        run(sam().arg("export")),
        "a new laptop holds what Sam holds"
    );
    assert!(export.contains("Mallory's honest group") && !export.contains("Hidden Group"));
    doctor_is_clean(&sam);
    doctor_is_clean(&jo);
    let status: Value =
        serde_json::from_str(&run(jo().args(["sync", "status", "--json"]))).unwrap();
    assert_eq!(status["quarantined"], json!([]), "{status}");
}

#[test]
fn a_panel_member_cannot_change_what_she_may_see() {
    let dir = TempDir::new().unwrap();
    let server = Server::start(dir.path(), &[("sam", "staff"), ("Zara Ahmed", "panel")]);
    let cli = trellis_cli();
    let sam = enrolled(&server, &cli, dir.path(), "sam", "sam");
    run(sam().args(["panel", "add", "Zara Ahmed", "--role", "assessor"]));
    run(sam().args(["panel", "add", "Yusuf Khan", "--role", "assessor"]));
    run(sam().arg("sync"));
    let members: Vec<ChangeRow> = rows_of(&dir.path().join("sam.sqlite3"))
        .into_iter()
        .filter(|r| r.kind == "panel.member")
        .collect();
    let (zara, yusuf) = (members[0].clone(), members[1].clone());

    // The demo holds every grants kind, decisions among them.
    let forge = laptop(&cli, dir.path(), "forge");
    run(forge().arg("demo"));
    let forged = rows_of(&dir.path().join("forge.sqlite3"));

    let zara_laptop = enrolled(&server, &cli, dir.path(), "zara", "Zara Ahmed");
    let mut her = Hostile::new(&server, &dir.path().join("zara.sqlite3"));
    let mut chair = zara.clone();
    chair.id = Uuid::now_v7();
    chair.payload["role"] = json!("chair");
    her.refused("making herself chair", chair, 403, "role_forbids");
    let mut as_him = yusuf.clone();
    as_him.id = Uuid::now_v7();
    as_him.payload["name"] = json!("Zara Ahmed");
    her.refused("taking Yusuf's place", as_him, 403, "role_forbids");
    her.refused(
        "recording a decision",
        row_of(&forged, "decision.record"),
        403,
        "role_forbids",
    );
    her.refused(
        "a draft in Yusuf's name",
        {
            let mut draft = row_of(&forged, "score.draft");
            draft.payload["assessor_id"] = yusuf.payload["id"].clone();
            draft
        },
        403,
        "not_your_score",
    );
    // The panel is as staff made it, on every laptop.
    run(sam().arg("sync"));
    let panel = run(sam().args(["panel", "list", "--json"]));
    let panel: Value = serde_json::from_str(&panel).unwrap();
    let described: Vec<(String, String)> = panel
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap().to_owned(),
                m["role"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        described,
        [
            ("Yusuf Khan".to_owned(), "assessor".to_owned()),
            ("Zara Ahmed".to_owned(), "assessor".to_owned())
        ]
    );
    // Her own laptop refuses the same before anything is sent.
    let out = zara_laptop()
        .args(["panel", "add", "Zara Ahmed", "--role", "chair"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("a panel member's laptop makes only scores"),
        "{err}"
    );
}

#[test]
fn a_laptop_restored_from_its_backup_loses_nothing_and_counts_nothing_twice() {
    let dir = TempDir::new().unwrap();
    let server = Server::start(dir.path(), &[("sam", "staff"), ("jo", "staff")]);
    let cli = trellis_cli();
    let sam = enrolled(&server, &cli, dir.path(), "sam", "sam");
    org(&sam, "One", "GB-CHC-1000001");
    org(&sam, "Two", "GB-CHC-1000002");
    run(sam().arg("sync"));
    let db = dir.path().join("sam.sqlite3");
    let backup = dir.path().join("backup.sqlite3");
    run(sam().arg("backup").arg(&backup));
    org(&sam, "Three", "GB-CHC-1000003");
    org(&sam, "Four", "GB-CHC-1000004");
    run(sam().arg("sync"));

    // The laptop is restored from the backup: Three and Four are only on the server.
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    std::fs::copy(&backup, &db).unwrap();
    org(&sam, "Five", "GB-CHC-1000005");
    let settings = trellis_sync::client::credentials_path(&db);
    let before = std::fs::read_to_string(&settings).unwrap();
    let out = run(sam().arg("sync"));
    assert!(
        out.contains("restored from a backup") && out.contains("new device"),
        "{out}"
    );
    // Had the laptop stopped before keeping the new device's token, its next sync asks
    // for it again with the old one, and carries on.
    std::fs::write(&settings, before).unwrap();
    org(&sam, "Six", "GB-CHC-1000006");
    let out = run(sam().arg("sync"));
    assert!(out.contains("sent 1 changes"), "{out}");
    let jo = enrolled(&server, &cli, dir.path(), "jo", "jo");
    run(jo().arg("sync"));
    run(sam().arg("sync"));
    let export = run(sam().arg("export"));
    assert_eq!(export, run(jo().arg("export")));
    for name in ["One", "Two", "Three", "Four", "Five", "Six"] {
        assert_eq!(
            export.matches(&format!("\"name\": \"{name}\"")).count(),
            1,
            "{name} once: {export}"
        );
    }
    let doctor = doctor_is_clean(&sam);
    assert!(doctor.contains("NOTE: restored"), "{doctor}");
    let status: Value =
        serde_json::from_str(&run(sam().args(["sync", "status", "--json"]))).unwrap();
    assert_eq!(status["waiting"], 0, "{status}");
    assert_eq!(status["restored"].as_array().unwrap().len(), 1, "{status}");
}

/// The real `trellis` under libfaketime, its clock `offset` away from everyone's.
fn skewed(cli: &Path, dir: &Path, name: &str, offset: &str) -> impl Fn() -> Command {
    let (cli, db, offset) = (
        cli.to_path_buf(),
        dir.join(format!("{name}.sqlite3")),
        offset.to_owned(),
    );
    move || {
        let mut c = Command::new("faketime");
        c.arg("-f")
            .arg(&offset)
            .arg(&cli)
            .arg("--db")
            .arg(&db)
            .env_remove("TRELLIS_DB")
            .env("TRELLIS_TOKEN_STORE", "file");
        c
    }
}

#[test]
fn a_laptop_three_hours_ahead_is_told_and_recovers_once_corrected() {
    let dir = TempDir::new().unwrap();
    let server = Server::start(dir.path(), &[("sam", "staff"), ("jo", "staff")]);
    let cli = trellis_cli();
    let sam = enrolled(&server, &cli, dir.path(), "sam", "sam");
    let jo = laptop(&cli, dir.path(), "jo");
    let jo_ahead = skewed(&cli, dir.path(), "jo", "+3h");
    run(jo().arg("init"));
    enrol(&server, &jo, "jo");

    org(&jo_ahead, "Ahead Group", "GB-CHC-1000001");
    let out = jo_ahead().arg("sync").output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("this laptop's clock is 3 hours ahead of the server's: correct the date and time, then sync again"),
        "{err}"
    );
    let status: Value =
        serde_json::from_str(&run(jo_ahead().args(["sync", "status", "--json"]))).unwrap();
    assert!(
        status["clock"]
            .as_str()
            .unwrap_or("")
            .contains("3 hours ahead"),
        "{status}"
    );
    assert_eq!(status["waiting"], 1, "nothing lost: {status}");
    // Nobody else is blocked, or told to check their clock.
    org(&sam, "Sam's Group", "GB-CHC-1000002");
    let out = run(sam().arg("sync"));
    assert!(!out.contains("clock"), "{out}");

    // Jo's clock is put right: the waiting change is stamped again and goes.
    let out = run(jo().arg("sync"));
    assert!(out.contains("stamped again"), "{out}");
    run(sam().arg("sync"));
    assert_eq!(run(sam().arg("export")), run(jo().arg("export")));
    assert!(run(sam().arg("export")).contains("Ahead Group"));
    let status: Value =
        serde_json::from_str(&run(jo().args(["sync", "status", "--json"]))).unwrap();
    assert_eq!(
        (status["waiting"].clone(), status["clock"].clone()),
        (json!(0), Value::Null)
    );
    // New changes on Jo's laptop are stamped by the corrected clock.
    org(&jo, "Later Group", "GB-CHC-1000003");
    let rows = rows_of(&dir.path().join("jo.sqlite3"));
    let now = chrono::Utc::now().timestamp_millis() as u64;
    assert!(rows.iter().all(|r| r.hlc.millis < now + 60_000), "{rows:?}");
    run(jo().arg("sync"));
}

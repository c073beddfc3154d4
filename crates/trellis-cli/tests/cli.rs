//! The real `trellis` binary against real temporary database files.

use std::path::Path;
use std::process::{Command, Output};

use run::*;
use tempfile::TempDir;

/// Small helpers kept in a module so the tests read as scripts.
mod run {
    use super::*;

    pub fn trellis(db: &Path, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_trellis"))
            .arg("--db")
            .arg(db)
            .args(args)
            .env("TRELLIS_TODAY", "2026-11-26")
            .env_remove("TRELLIS_DB")
            .output()
            .expect("run trellis")
    }

    pub fn ok(db: &Path, args: &[&str]) -> String {
        let out = trellis(db, args);
        assert!(
            out.status.success(),
            "trellis {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 output")
    }

    pub fn fails(db: &Path, args: &[&str]) -> (i32, String) {
        let out = trellis(db, args);
        assert!(!out.status.success(), "trellis {args:?} should fail");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

const ORG_A: &str = "0190a6f0-0000-7000-8000-00000000000a";
const ORG_B: &str = "0190a6f0-0000-7000-8000-00000000000b";
const CONTACT_A: &str = "0190a6f0-0000-7000-8000-0000000000ca";
const CONTACT_B: &str = "0190a6f0-0000-7000-8000-0000000000cb";

fn add_a(db: &Path) {
    ok(
        db,
        &[
            "org",
            "add",
            "--id",
            ORG_A,
            "--name",
            "Çiğdem Kadın Dayanışma",
            "--ref",
            "GB-CHC-1290099",
            "--postcode",
            "eb1 4qt",
            "--income-band",
            "10k-25k",
            "--led-by",
            "DEI019999",
            "--serves",
            "DEI019999",
        ],
    );
}

fn add_b(db: &Path) {
    ok(
        db,
        &[
            "org",
            "add",
            "--id",
            ORG_B,
            "--name",
            "Łączy Nas",
            "--ref",
            "gb-coh-00934512",
            "--income-band",
            "under-10k",
        ],
    );
}

fn contacts(db: &Path, order: &[usize]) {
    for i in order {
        let (id, org, date) = [
            (CONTACT_A, ORG_A, "2026-10-01"),
            (CONTACT_B, ORG_B, "2026-11-02"),
        ][*i];
        ok(
            db,
            &[
                "contact",
                "add",
                org,
                "--id",
                id,
                "--date",
                date,
                "--kind",
                "visit",
                "--by",
                "Amara Okafor",
                "--notes",
                "Talked about screening.",
            ],
        );
    }
}

#[test]
fn export_is_identical_for_the_same_operations_in_different_orders() {
    let dir = TempDir::new().unwrap();
    let (one, two) = (
        dir.path().join("one.sqlite3"),
        dir.path().join("two.sqlite3"),
    );
    add_a(&one);
    add_b(&one);
    contacts(&one, &[0, 1]);
    ok(
        &one,
        &["org", "edit", ORG_A, "--address", "Mill Lane Centre"],
    );

    add_b(&two);
    contacts(&two, &[]);
    add_a(&two);
    ok(
        &two,
        &[
            "org",
            "edit",
            "GB-CHC-1290099",
            "--address",
            "Mill Lane Centre",
        ],
    );
    contacts(&two, &[1, 0]);

    let (a, b) = (ok(&one, &["export"]), ok(&two, &["export"]));
    assert_eq!(a, b, "same data must export to the same bytes");
    let v: serde_json::Value = serde_json::from_str(&a).unwrap();
    assert_eq!(v["organisations"].as_array().unwrap().len(), 2);
    assert_eq!(v["organisations"][0]["org_ref"], "GB-CHC-1290099");
    assert_eq!(
        v["organisations"][1]["org_ref"], "GB-COH-00934512",
        "leading zeros kept"
    );
    assert_eq!(v["organisations"][0]["address"], "Mill Lane Centre");

    // A real difference in data is a difference in bytes.
    ok(
        &two,
        &[
            "contact",
            "add",
            ORG_B,
            "--date",
            "2026-11-03",
            "--kind",
            "call",
            "--by",
            "Tom",
        ],
    );
    assert_ne!(ok(&two, &["export"]), a);
}

#[test]
fn org_and_contact_commands_round_trip_with_json() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("t.sqlite3");
    add_a(&db);
    contacts(&db, &[0]);
    ok(
        &db,
        &[
            "contact",
            "add",
            "GB-CHC-1290099",
            "--date",
            "2026-10-05",
            "--kind",
            "call",
            "--by",
            "Tom",
            "--follow-up",
            "2026-10-20",
        ],
    );
    let list: serde_json::Value =
        serde_json::from_str(&ok(&db, &["org", "list", "--json"])).unwrap();
    assert_eq!(list[0]["name"], "Çiğdem Kadın Dayanışma");
    assert_eq!(list[0]["small"], true);
    assert_eq!(list[0]["last_contact"], "2026-10-05");
    assert_eq!(list[0]["overdue_follow_up"], "2026-10-20");
    let show: serde_json::Value =
        serde_json::from_str(&ok(&db, &["org", "show", ORG_A, "--json"])).unwrap();
    assert_eq!(show["postcode"], "EB1 4QT");
    assert_eq!(show["contacts"].as_array().unwrap().len(), 2);
    let contacts: serde_json::Value =
        serde_json::from_str(&ok(&db, &["contact", "list", "--json"])).unwrap();
    assert_eq!(contacts[0]["kind"], "call", "newest first");
    let stale: serde_json::Value = serde_json::from_str(&ok(
        &db,
        &["org", "list", "--not-contacted", "30", "--json"],
    ))
    .unwrap();
    assert_eq!(stale.as_array().unwrap().len(), 1);
    let text = ok(&db, &["org", "list", "--search", "çiğ"]);
    assert!(text.contains("FOLLOW-UP OVERDUE"), "{text}");
    let unregistered = ok(
        &db,
        &["org", "add", "--name", "Hope Kitchen", "--unregistered"],
    );
    let show = ok(&db, &["org", "show", unregistered.trim()]);
    assert!(show.contains("360G-trellis-hope-kitchen"), "{show}");
}

#[test]
fn bad_input_names_the_field_and_changes_nothing() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("t.sqlite3");
    add_a(&db);
    let before = ok(&db, &["export"]);
    let (code, err) = fails(
        &db,
        &[
            "org",
            "add",
            "--name",
            "X",
            "--ref",
            "GB-COH-1234567",
            "--serves",
            "DEI999",
        ],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("org_ref") && err.contains("GB-COH-01234567"),
        "{err}"
    );
    assert!(
        err.contains("communities_served") && err.contains("DEI999"),
        "{err}"
    );
    let (_, err) = fails(
        &db,
        &[
            "contact",
            "add",
            ORG_A,
            "--date",
            "26/11/2026",
            "--kind",
            "letter",
            "--by",
            "",
        ],
    );
    assert!(
        err.contains("date") && err.contains("kind") && err.contains("by:"),
        "{err}"
    );
    let (_, err) = fails(
        &db,
        &[
            "contact",
            "add",
            "Nobody Here",
            "--kind",
            "call",
            "--by",
            "Tom",
        ],
    );
    assert!(err.contains("Nobody Here"), "{err}");
    let (_, err) = fails(
        &db,
        &["org", "add", "--name", "Twin", "--ref", "GB-CHC-1290099"],
    );
    assert!(err.contains("already used"), "{err}");
    assert_eq!(ok(&db, &["export"]), before);
    assert!(ok(&db, &["doctor"]).contains("no faults"));
}

#[test]
fn corrupt_and_newer_databases_get_clear_messages_and_are_not_touched() {
    let dir = TempDir::new().unwrap();
    let corrupt = dir.path().join("corrupt.sqlite3");
    let bytes = b"this is not a database, it is a shopping list\n".repeat(200);
    std::fs::write(&corrupt, &bytes).unwrap();
    for args in [
        &["org", "list"][..],
        &["doctor"],
        &["export"],
        &["org", "add", "--name", "X", "--ref", "GB-CHC-1234567"],
    ] {
        let (_, err) = fails(&corrupt, args);
        assert!(
            err.contains("not a readable SQLite database") && err.contains("untouched"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("panicked"));
    }
    assert_eq!(std::fs::read(&corrupt).unwrap(), bytes);

    let newer = dir.path().join("newer.sqlite3");
    ok(&newer, &["init"]);
    {
        let c = rusqlite::Connection::open(&newer).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
    }
    let before = std::fs::read(&newer).unwrap();
    let (_, err) = fails(&newer, &["org", "list"]);
    assert!(err.contains("newer Trellis") && err.contains("99"), "{err}");
    assert_eq!(std::fs::read(&newer).unwrap(), before);
}

#[test]
fn doctor_exits_non_zero_on_a_fault() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("t.sqlite3");
    add_a(&db);
    add_b(&db);
    assert!(ok(&db, &["doctor"]).contains("no faults"));
    let report: serde_json::Value = serde_json::from_str(&ok(&db, &["doctor", "--json"])).unwrap();
    assert_eq!(report["counts"]["organisation"], 2);
    assert_eq!(report["schema_version"], report["supported_schema_version"]);
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute(
            "UPDATE change_log SET device_seq = 7 WHERE device_seq = 2",
            [],
        )
        .unwrap();
    let out = trellis(&db, &["doctor"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("FAULT"));
}

#[test]
fn backup_while_another_process_writes() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("live.sqlite3");
    ok(&db, &["demo"]);
    // Another writer (standing in for the app) keeps adding contacts during the backup.
    let writer = {
        let db = db.clone();
        std::thread::spawn(move || {
            for i in 0..30 {
                ok(
                    &db,
                    &[
                        "contact",
                        "add",
                        "GB-CHC-1290011",
                        "--kind",
                        "call",
                        "--by",
                        &format!("Caller {i}"),
                    ],
                );
            }
        })
    };
    let mut copies = Vec::new();
    for i in 0..3 {
        let dest = dir.path().join(format!("backup-{i}.sqlite3"));
        ok(&db, &["backup", dest.to_str().unwrap()]);
        copies.push(dest);
    }
    writer.join().unwrap();
    for copy in &copies {
        let out = ok(copy, &["doctor"]);
        assert!(out.contains("no faults"), "{out}");
    }
    let (_, err) = fails(&db, &["backup", copies[0].to_str().unwrap()]);
    assert!(err.contains("already exists"), "{err}");
}

#[test]
fn trellis_db_environment_variable_picks_the_database() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("env.sqlite3");
    let out = Command::new(env!("CARGO_BIN_EXE_trellis"))
        .args(["init"])
        .env("TRELLIS_DB", &db)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(db.exists());
}

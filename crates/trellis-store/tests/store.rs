//! The store against real SQLite files in a temporary folder.

use std::path::Path;

use chrono::NaiveDate;
use rusqlite::Connection;
use serde_json::json;
use tempfile::TempDir;
use trellis_core::contact::ContactInput;
use trellis_core::op::Operation;
use trellis_core::organisation::OrganisationInput;
use trellis_store::migrations::{LATEST, MIGRATIONS};
use trellis_store::{Store, StoreError};
use uuid::Uuid;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
}

fn org(name: &str, org_ref: &str) -> OrganisationInput {
    OrganisationInput {
        name: name.into(),
        org_ref: org_ref.into(),
        address: "1 High Street, Eastbrook".into(),
        postcode: "eb1 4qt".into(),
        income_band: "10k-25k".into(),
        led_by: vec!["DEI010120".into()],
        communities_served: vec!["DEI010120".into(), "DEI010110".into()],
    }
}

fn contact(org: Uuid, date: &str, follow_up: &str) -> ContactInput {
    ContactInput {
        organisation_id: org.to_string(),
        date: date.into(),
        kind: "visit".into(),
        by: "Amara Okafor".into(),
        notes: "Visited the lunch club.".into(),
        follow_up: follow_up.into(),
    }
}

fn change_rows(path: &Path) -> Vec<(String, i64, String, String, String)> {
    let c = Connection::open(path).unwrap();
    let mut s = c
        .prepare(
            "SELECT device_id, device_seq, hlc, kind, payload FROM change_log ORDER BY device_seq",
        )
        .unwrap();
    s.query_map([], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

#[test]
fn a_new_file_is_created_at_the_latest_version() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("nested/folder/trellis.sqlite3");
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), LATEST);
    assert!(store.is_empty().unwrap());
    assert!(store.doctor().unwrap().healthy());
    let c = Connection::open(&path).unwrap();
    let mode: String = c
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn migrates_from_every_earlier_version_keeping_data() {
    for start in 1..LATEST {
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("old.sqlite3");
        let id = {
            let mut old = Store::open_at_version(&path, start).unwrap();
            assert_eq!(old.schema_version().unwrap(), start);
            // Organisations exist from version 1 on, meetings from version 2.
            let id = old
                .add_organisation(&org("Windrush Elders", "GB-CHC-1290024"))
                .unwrap();
            if start >= 2 {
                Connection::open(&path)
                    .unwrap()
                    .execute(
                        "INSERT INTO meeting (id, kind, title, date, venue) VALUES (?1, 'forum', 'Old forum', '2026-03-01', 'Hall')",
                        [Uuid::now_v7().to_string()],
                    )
                    .unwrap();
            }
            id
        };
        let mut store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), LATEST, "from {start}");
        let detail = store.organisation(id, today()).unwrap();
        assert_eq!(detail.summary.name, "Windrush Elders");
        store
            .log_contact(&contact(id, "2026-11-01", ""), today())
            .unwrap();
        if start >= 2 {
            let meetings = store.meetings().unwrap();
            assert_eq!(meetings[0].title, "Old forum");
            assert_eq!(
                (meetings[0].time, meetings[0].facilitators.len()),
                (None, 0)
            );
        }
        let report = store.doctor().unwrap();
        assert!(report.healthy(), "from {start}: {:?}", report.faults);
        assert_eq!(report.counts["change_log"], 2);
    }
    assert_eq!(
        MIGRATIONS.len() as u32,
        LATEST,
        "versions are numbered 1..=LATEST"
    );
}

#[test]
fn a_newer_schema_is_refused_and_left_untouched() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("future.sqlite3");
    {
        let c = Connection::open(&path).unwrap();
        c.execute_batch(
            "CREATE TABLE organisation (id TEXT); INSERT INTO organisation VALUES ('x');",
        )
        .unwrap();
        c.pragma_update(None, "user_version", LATEST + 1).unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let err = Store::open(&path)
        .err()
        .expect("newer schema must be refused");
    assert!(matches!(err, StoreError::SchemaTooNew { found, .. } if found == LATEST + 1));
    assert!(err.to_string().contains("newer Trellis"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert!(!dir.path().join("future.sqlite3-wal").exists());
}

#[test]
fn a_corrupt_file_is_refused_and_left_untouched() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("corrupt.sqlite3");
    let garbage: Vec<u8> = (0..8192u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(&path, &garbage).unwrap();
    let err = Store::open(&path)
        .err()
        .expect("corrupt file must be refused");
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    assert!(err.to_string().contains("left untouched"));
    assert_eq!(std::fs::read(&path).unwrap(), garbage);
    assert!(matches!(
        Store::inspect(&path).err(),
        Some(StoreError::Corrupt { .. })
    ));
}

#[test]
fn another_programs_database_is_refused() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("other.sqlite3");
    Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE recipes (name TEXT);")
        .unwrap();
    let before = std::fs::read(&path).unwrap();
    assert!(matches!(
        Store::open(&path).err(),
        Some(StoreError::NotTrellis { .. })
    ));
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn a_locked_database_gives_a_clear_error_and_loses_nothing() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("locked.sqlite3");
    let mut store = Store::open(&path).unwrap();
    let blocker = Connection::open(&path).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE;").unwrap();
    let err = store
        .add_organisation(&org("Hope Kitchen", "GB-CHC-1090095"))
        .unwrap_err();
    assert!(matches!(err, StoreError::Locked { .. }), "{err:?}");
    assert!(err.to_string().contains("locked"));
    blocker.execute_batch("ROLLBACK;").unwrap();
    store
        .add_organisation(&org("Hope Kitchen", "GB-CHC-1090095"))
        .unwrap();
    assert_eq!(store.organisations("", today()).unwrap().len(), 1);
}

#[test]
fn every_write_appends_one_gapless_change_with_a_rising_clock() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("t.sqlite3");
    let mut store = Store::open(&path).unwrap();
    let id = store
        .add_organisation(&org("Hope Kitchen", "GB-CHC-1090095"))
        .unwrap();
    store
        .log_contact(&contact(id, "2026-11-20", "2026-12-01"), today())
        .unwrap();
    let changed = store
        .update_organisation(
            id,
            &OrganisationInput {
                name: "Hope Kitchen CIC".into(),
                ..org("", "GB-CHC-1090095")
            },
        )
        .unwrap();
    assert!(changed);
    let unchanged = store
        .update_organisation(
            id,
            &OrganisationInput {
                name: "Hope Kitchen CIC".into(),
                ..org("", "GB-CHC-1090095")
            },
        )
        .unwrap();
    assert!(!unchanged, "saving an unchanged form writes nothing");
    let rows = change_rows(&path);
    assert_eq!(rows.iter().map(|r| r.1).collect::<Vec<_>>(), [1, 2, 3]);
    assert!(rows.iter().all(|r| r.0 == store.device_id().to_string()));
    assert!(rows.windows(2).all(|w| w[0].2 < w[1].2), "hlc must rise");
    assert_eq!(
        rows.iter().map(|r| r.3.as_str()).collect::<Vec<_>>(),
        ["organisation.create", "contact.log", "organisation.update"]
    );
    let update: serde_json::Value = serde_json::from_str(&rows[2].4).unwrap();
    assert_eq!(
        update["changes"],
        json!({"name": "Hope Kitchen CIC"}),
        "only changed fields"
    );
    for (_, _, _, kind, payload) in &rows {
        Operation::decode(kind, serde_json::from_str(payload).unwrap()).unwrap();
    }
    assert_eq!(
        store.organisation(id, today()).unwrap().summary.name,
        "Hope Kitchen CIC"
    );
}

#[test]
fn bad_input_names_the_field_and_changes_nothing() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("t.sqlite3");
    let mut store = Store::open(&path).unwrap();
    let err = store
        .add_organisation(&org("Hope Kitchen", "GB-COH-1234567"))
        .unwrap_err();
    match err {
        StoreError::Invalid(inv) => {
            assert_eq!(inv.errors[0].field, "org_ref");
            assert!(inv.errors[0].message.contains("GB-COH-01234567"));
        }
        other => panic!("{other:?}"),
    }
    let id = store
        .add_organisation(&org("Hope Kitchen", "GB-CHC-1090095"))
        .unwrap();
    let dup = store
        .add_organisation(&org("Other", "gb-chc-1090095"))
        .unwrap_err();
    assert!(
        dup.to_string().contains("already used by Hope Kitchen"),
        "{dup}"
    );
    let future = store
        .log_contact(&contact(id, "2027-01-01", ""), today())
        .unwrap_err();
    assert!(future.to_string().contains("future"));
    let nobody = store
        .log_contact(&contact(Uuid::now_v7(), "2026-11-01", ""), today())
        .unwrap_err();
    assert!(nobody.to_string().contains("organisation_id"));
    assert_eq!(change_rows(&path).len(), 1, "only the one good write");
    assert!(store.doctor().unwrap().healthy());
}

#[test]
fn relationship_status_and_not_contacted_view() {
    let dir = TempDir::new().unwrap();
    let mut store = Store::open(&dir.path().join("t.sqlite3")).unwrap();
    let a = store
        .add_organisation(&org("Alpha Group", "GB-CHC-1000001"))
        .unwrap();
    let b = store
        .add_organisation(&org("Beta Group", "GB-CHC-1000002"))
        .unwrap();
    let c = store
        .add_organisation(&org("Çiğdem Circle", "360G-trellis-cigdem"))
        .unwrap();
    store
        .log_contact(&contact(a, "2026-10-01", "2026-10-15"), today())
        .unwrap();
    store
        .log_contact(&contact(b, "2026-11-20", "2026-12-10"), today())
        .unwrap();
    let alpha = store.organisation(a, today()).unwrap();
    assert_eq!(
        alpha.summary.overdue_follow_up,
        NaiveDate::from_ymd_opt(2026, 10, 15)
    );
    assert_eq!(alpha.contacts.len(), 1);
    let beta = store.organisation(b, today()).unwrap();
    assert_eq!(
        beta.summary.next_follow_up,
        NaiveDate::from_ymd_opt(2026, 12, 10)
    );
    assert_eq!(beta.summary.small, Some(true));
    let stale: Vec<_> = store
        .not_contacted(30, today())
        .unwrap()
        .into_iter()
        .map(|o| o.id)
        .collect();
    assert_eq!(stale, [c, a], "never contacted first, then oldest");
    let found: Vec<_> = store
        .organisations("çiğ", today())
        .unwrap()
        .into_iter()
        .map(|o| o.name)
        .collect();
    assert_eq!(found, ["Çiğdem Circle"]);
    assert_eq!(store.organisations("eb14qt", today()).unwrap().len(), 3);
    assert_eq!(store.resolve_organisation("gb-chc-1000002").unwrap(), b);
    assert!(matches!(
        store.resolve_organisation("nobody"),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn the_small_flag_follows_the_programme_threshold() {
    let dir = TempDir::new().unwrap();
    let mut store = Store::open(&dir.path().join("t.sqlite3")).unwrap();
    let id = store
        .add_organisation(&OrganisationInput {
            income_band: "50k-100k".into(),
            ..org("Mid", "GB-CHC-1000003")
        })
        .unwrap();
    assert_eq!(
        store.organisation(id, today()).unwrap().summary.small,
        Some(true)
    );
    store
        .set_setting("small_org_threshold_gbp", &json!(50000))
        .unwrap();
    assert_eq!(
        store.organisation(id, today()).unwrap().summary.small,
        Some(false)
    );
    assert!(store
        .set_setting("small_org_threshold_gbp", &json!("many"))
        .is_err());
}

#[test]
fn export_is_the_same_bytes_for_the_same_data_in_any_order() {
    let dir = TempDir::new().unwrap();
    let ids = [Uuid::now_v7(), Uuid::now_v7()];
    let contact_ids = [Uuid::now_v7(), Uuid::now_v7()];
    let build = |name: &str, order: [usize; 2]| {
        let mut s = Store::open(&dir.path().join(name)).unwrap();
        let orgs = [
            org("Alpha", "GB-CHC-1000001"),
            org("Beta", "GB-COH-00012345"),
        ];
        for i in order {
            s.add_organisation_with_id(ids[i], &orgs[i]).unwrap();
        }
        for i in order {
            let date = format!("2026-11-0{}", i + 1);
            s.log_contact_with_id(contact_ids[i], &contact(ids[i], &date, ""), today())
                .unwrap();
        }
        s.set_setting("programme_name", &json!("Eastbrook"))
            .unwrap();
        s.export_json().unwrap()
    };
    let a = build("a.sqlite3", [0, 1]);
    let b = build("b.sqlite3", [1, 0]);
    assert_eq!(a, b);
    assert!(a.contains("\"GB-COH-00012345\""), "leading zeros kept");
    let c = build("c.sqlite3", [0, 1]);
    assert_eq!(a, c);
}

#[test]
fn doctor_finds_a_gap_in_the_change_log() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("t.sqlite3");
    let mut store = Store::open(&path).unwrap();
    store
        .add_organisation(&org("Alpha", "GB-CHC-1000001"))
        .unwrap();
    store
        .add_organisation(&org("Beta", "GB-CHC-1000002"))
        .unwrap();
    Connection::open(&path)
        .unwrap()
        .execute("DELETE FROM change_log WHERE device_seq = 1", [])
        .unwrap();
    let report = Store::inspect(&path).unwrap().doctor().unwrap();
    assert!(!report.healthy());
    assert!(report.faults[0].contains("gaps"), "{:?}", report.faults);
}

#[test]
fn backup_copies_a_live_database_and_never_overwrites() {
    let dir = TempDir::new().unwrap();
    let mut store = Store::open(&dir.path().join("live.sqlite3")).unwrap();
    store.load_demo(today()).unwrap();
    let dest = dir.path().join("copy.sqlite3");
    store.backup_to(&dest).unwrap();
    let copy = Store::inspect(&dest).unwrap();
    assert!(copy.doctor().unwrap().healthy());
    assert_eq!(copy.export_json().unwrap(), store.export_json().unwrap());
    let err = store.backup_to(&dest).unwrap_err();
    assert!(matches!(err, StoreError::WouldOverwrite { .. }));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn demo_data_loads_once_through_the_write_path() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("demo.sqlite3");
    let mut store = Store::open(&path).unwrap();
    let summary = store.load_demo(today()).unwrap();
    assert_eq!(summary.organisations, 20);
    let orgs = store.organisations("", today()).unwrap();
    assert_eq!(orgs.len(), 20);
    assert!(orgs.iter().any(|o| o.overdue_follow_up.is_some()));
    assert!(orgs
        .iter()
        .any(|o| o.name.contains('ẹ') || o.name.contains('ł')));
    let report = store.doctor().unwrap();
    assert!(report.healthy(), "{:?}", report.faults);
    assert_eq!(report.counts["meeting"], 2);
    assert!(report.counts["issue"] >= 2);
    // Every demo record went through the write path: one change-log row per record.
    let c = Connection::open(&path).unwrap();
    for (kind, table) in [
        ("organisation.create", "organisation"),
        ("contact.log", "contact"),
        ("meeting.attend", "attendance"),
        ("vote.cast", "vote"),
        ("vote.void", "vote_void"),
        ("application.create", "application"),
        ("score.submit", "score_submission"),
        ("conflict.declare", "conflict_declaration"),
        ("decision.record", "decision"),
    ] {
        let logged: i64 = c
            .query_row(
                "SELECT count(*) FROM change_log WHERE kind = ?1",
                [kind],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(logged, report.counts[table], "{kind} vs {table}");
    }
    assert_eq!(summary.applications, 12);
    assert_eq!(
        report.counts["decision"], 12,
        "every demo application is decided"
    );
    let ballots = store.ballots().unwrap();
    assert_eq!(ballots.len(), 1);
    assert_eq!((ballots[0].votes, ballots[0].voided), (summary.votes, 1));
    let result = store.ballot_result(ballots[0].id).unwrap();
    assert!(
        matches!(result.tally, trellis_core::ballot::Tally::RankedIrv(ref irv) if irv.winner.is_some())
    );
    assert_eq!(
        store.settings().unwrap().programme_name,
        "Eastbrook Anti-Racist Commissioning Programme 2026"
    );
    assert!(
        store.load_demo(today()).is_err(),
        "never mixed into real data"
    );
}

#[test]
fn one_identifier_added_on_two_laptops_is_kept_twice_and_named_to_settle() {
    let dir = TempDir::new().unwrap();
    let mut a = Store::open(&dir.path().join("a.sqlite3")).unwrap();
    let mut b = Store::open(&dir.path().join("b.sqlite3")).unwrap();
    let first = a
        .add_organisation(&org("Hope Kitchen", "GB-CHC-1090095"))
        .unwrap();
    let second = b
        .add_organisation(&org("Hope Kitchen CIO", "GB-CHC-1090095"))
        .unwrap();
    a.apply_remote(&b.local_changes_after(0, 10).unwrap(), 0)
        .unwrap();
    b.apply_remote(&a.local_changes_after(0, 10).unwrap(), 0)
        .unwrap();
    for s in [&a, &b] {
        assert_eq!(s.organisations("", today()).unwrap().len(), 2, "both kept");
        let shared = s.shared_identifiers().unwrap();
        assert_eq!(shared.len(), 1);
        let (org_ref, ids, said) = &shared[0];
        assert_eq!(org_ref, "GB-CHC-1090095");
        assert_eq!(ids, &{
            let mut v = vec![first, second];
            v.sort();
            v
        });
        assert!(
            said.contains("2 organisations share the identifier GB-CHC-1090095")
                && said.contains("Hope Kitchen CIO"),
            "{said}"
        );
    }
    // A person corrects one identifier; nothing is left to settle.
    a.update_organisation(second, &org("Hope Kitchen CIO", "GB-CHC-1090096"))
        .unwrap();
    assert!(a.shared_identifiers().unwrap().is_empty());
}

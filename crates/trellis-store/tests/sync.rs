//! The store's side of sync on real files: a page of received changes is applied whole
//! or not at all, in order, once, and never with a clock far in the future. Convergence
//! of many laptops through the real server, with every kind of change and faulty
//! schedules, is `crates/trellis-server/tests/convergence.rs`.

use tempfile::TempDir;
use trellis_core::organisation::OrganisationInput;
use trellis_store::Store;
use uuid::Uuid;

mod common;

#[test]
fn a_corrupt_page_is_refused_whole_and_changes_nothing() {
    let dir = TempDir::new().unwrap();
    let mut a = Store::open(&dir.path().join("a.sqlite3")).unwrap();
    let mut b = Store::open(&dir.path().join("b.sqlite3")).unwrap();
    a.add_organisation(&OrganisationInput {
        name: "One".into(),
        org_ref: "GB-CHC-1000001".into(),
        ..Default::default()
    })
    .unwrap();
    a.add_organisation(&OrganisationInput {
        name: "Two".into(),
        org_ref: "GB-CHC-1000002".into(),
        ..Default::default()
    })
    .unwrap();
    let mut rows = a.local_changes_after(0, 10).unwrap();
    let before = b.export_json().unwrap();
    rows[1].payload = serde_json::json!({"id": "not-a-uuid"});
    let err = b.apply_remote(&rows, 2).unwrap_err().to_string();
    assert!(err.contains("organisation.create"), "{err}");
    assert_eq!(
        b.export_json().unwrap(),
        before,
        "nothing from the page was applied"
    );
    assert_eq!(b.sync_state().unwrap().pull_cursor, 0);
    let mut gap = a.local_changes_after(0, 10).unwrap();
    gap.remove(0);
    assert!(b
        .apply_remote(&gap, 2)
        .unwrap_err()
        .to_string()
        .contains("out of order"));
    let good = a.local_changes_after(0, 10).unwrap();
    assert_eq!(b.apply_remote(&good, 2).unwrap().applied, 2);
    assert_eq!(
        b.apply_remote(&good, 2).unwrap().duplicates,
        2,
        "applying twice changes nothing"
    );
    let mut future = a.local_changes_after(0, 10).unwrap();
    future[0].device_id = Uuid::now_v7();
    future[0].device_seq = 1;
    future[0].hlc = trellis_core::hlc::Hlc {
        millis: u64::MAX / 4,
        counter: 0,
    };
    let err = b.apply_remote(&future[..1], 3).unwrap_err().to_string();
    assert!(
        err.contains("ahead"),
        "a clock hours off is told, not trusted: {err}"
    );
}

/// A facilitator's laptop: grants records are refused before anything is written (the
/// server would refuse them and hold back every later change); everything else, and
/// grants records received from elsewhere, still goes through.
#[test]
fn a_laptop_limited_to_a_facilitator_refuses_grants_records_and_nothing_else() {
    use trellis_store::{StoreError, SyncLimit};

    let dir = TempDir::new().unwrap();
    let mut staff = Store::open(&dir.path().join("staff.sqlite3")).unwrap();
    let round = common::gp_round();
    staff.create_round(&round).unwrap();

    let mut laptop = Store::open(&dir.path().join("facilitator.sqlite3")).unwrap();
    laptop.limit_to(Some(SyncLimit::Facilitator));
    let before = laptop.local_changes_after(0, 100).unwrap().len();
    match laptop.create_round(&round) {
        Err(StoreError::NotForRole { role, kind }) => {
            assert_eq!(
                (role.as_str(), kind.as_str()),
                ("facilitator", "round.create")
            );
        }
        other => panic!("a facilitator's laptop made a round: {other:?}"),
    }
    let message = laptop.create_round(&round).unwrap_err().to_string();
    assert!(
        message.contains("enrolled for sync as a facilitator")
            && message.contains("nothing was saved"),
        "{message}"
    );
    assert!(laptop.rounds().unwrap().is_empty());
    assert_eq!(laptop.local_changes_after(0, 100).unwrap().len(), before);
    // The demo holds a round, so it is refused whole.
    assert!(laptop
        .load_demo(chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap())
        .is_err());
    assert!(laptop.is_empty().unwrap(), "part of the demo was written");

    // Everything a facilitator does still works, and received records still arrive.
    laptop
        .add_organisation(&OrganisationInput {
            name: "Hope Kitchen".into(),
            org_ref: "GB-CHC-1100001".into(),
            ..Default::default()
        })
        .unwrap();
    let rows = staff.local_changes_after(0, 100).unwrap();
    laptop.apply_remote(&rows, 0).unwrap();
    assert_eq!(laptop.rounds().unwrap().len(), 1);

    // Lifted (enrolled as staff): rounds may be made again.
    laptop.limit_to(None);
    laptop.create_round(&round).unwrap();
}

/// A panel member's laptop scores and declares conflicts only as that panel member (the
/// server refuses anything else, and every later change would wait behind it).
#[test]
fn a_laptop_limited_to_a_panel_member_scores_only_as_them() {
    use trellis_core::grants::scoring::PanelRole;
    use trellis_store::{StoreError, SyncLimit};

    let dir = TempDir::new().unwrap();
    let mut staff = Store::open(&dir.path().join("staff.sqlite3")).unwrap();
    staff
        .load_demo(chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap())
        .unwrap();
    let round = staff.rounds().unwrap().pop().unwrap().id;
    let app = staff.applications(round).unwrap()[0].id;
    let me = staff
        .add_panel_member("Dr Ife Adeyemi", PanelRole::Assessor)
        .unwrap();
    let other = staff
        .add_panel_member("Tom Price", PanelRole::Assessor)
        .unwrap();

    let mut laptop = Store::open(&dir.path().join("panel.sqlite3")).unwrap();
    laptop
        .apply_remote(&staff.local_changes_after(0, 1_000_000).unwrap(), 0)
        .unwrap();
    laptop.limit_to(Some(SyncLimit::Panel {
        name: "Dr Ife Adeyemi".into(),
    }));
    let before = laptop.local_changes_after(0, 100).unwrap().len();
    match laptop.declare(app, other, false, "") {
        Err(StoreError::NotAsYou { name, kind }) => {
            assert_eq!(
                (name.as_str(), kind.as_str()),
                ("Dr Ife Adeyemi", "conflict.declare")
            );
        }
        other => panic!("a panel laptop declared for another member: {other:?}"),
    }
    assert!(laptop.save_draft(app, other, Vec::new()).is_err());
    assert_eq!(laptop.local_changes_after(0, 100).unwrap().len(), before);
    laptop.declare(app, me, false, "").unwrap();
    // The demo (everyone's scores) is refused whole on a fresh panel laptop.
    let mut fresh = Store::open(&dir.path().join("fresh-panel.sqlite3")).unwrap();
    fresh.limit_to(Some(SyncLimit::Panel {
        name: "Dr Ife Adeyemi".into(),
    }));
    assert!(matches!(
        fresh.load_demo(chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()),
        Err(StoreError::NotAsYou { .. })
    ));
    assert!(fresh.is_empty().unwrap() && fresh.local_changes_after(0, 10).unwrap().is_empty());
    // Nothing outside the panel's own work: the server's role table refuses it.
    match laptop.add_organisation(&OrganisationInput {
        name: "Hope Kitchen".into(),
        org_ref: "GB-CHC-1100001".into(),
        ..Default::default()
    }) {
        Err(StoreError::NotForRole { role, kind }) => {
            assert_eq!(
                (role.as_str(), kind.as_str()),
                ("panel", "organisation.create")
            )
        }
        other => panic!("a panel laptop made an organisation: {other:?}"),
    }
    assert!(matches!(
        laptop.add_panel_member("Dr Ife Adeyemi", PanelRole::Chair),
        Err(StoreError::NotForRole { .. })
    ));
}

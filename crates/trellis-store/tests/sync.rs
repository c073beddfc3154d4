//! The store's side of sync on real files: a page of received changes is applied in one
//! transaction, each change once; what cannot be applied waits in the quarantine rather
//! than stopping the page, and a clock far in the future is never trusted. Convergence
//! of many laptops through the real server, with every kind of change and faulty
//! schedules, is `crates/trellis-server/tests/convergence.rs`.

use tempfile::TempDir;
use trellis_core::organisation::OrganisationInput;
use trellis_store::Store;
use uuid::Uuid;

mod common;

/// A laptop never halts on what it receives: a change it cannot apply (damaged, a record
/// it needs not here yet, a clock far ahead) waits in the quarantine with the reason and
/// who sent it, the rest of the page applies, and the waiting change applies once what it
/// needs arrives. Two laptops that received the same changes in different orders agree.
#[test]
fn a_change_that_cannot_be_applied_waits_and_the_rest_go_on() {
    use trellis_core::contact::ContactInput;
    let dir = TempDir::new().unwrap();
    let mut a = Store::open(&dir.path().join("a.sqlite3")).unwrap();
    let mut b = Store::open(&dir.path().join("b.sqlite3")).unwrap();
    let mut c = Store::open(&dir.path().join("c.sqlite3")).unwrap();
    let one = a
        .add_organisation(&OrganisationInput {
            name: "One".into(),
            org_ref: "GB-CHC-1000001".into(),
            ..Default::default()
        })
        .unwrap();
    let two = a
        .add_organisation(&OrganisationInput {
            name: "Two".into(),
            org_ref: "GB-CHC-1000002".into(),
            ..Default::default()
        })
        .unwrap();
    a.log_contact(
        &ContactInput {
            organisation_id: two.to_string(),
            date: "2026-11-20".into(),
            kind: "visit".into(),
            by: "Sam".into(),
            ..Default::default()
        },
        chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
    )
    .unwrap();
    let _ = one;
    let rows = a.local_changes_after(0, 10).unwrap();
    assert_eq!(rows.len(), 3);

    // Damaged: set aside with the reason; the others apply and the cursor moves.
    let mut damaged = rows.clone();
    damaged[1].payload = serde_json::json!({"id": "not-a-uuid"});
    let got = b
        .apply_pulled(damaged.iter().map(|r| (r, Some("Sam (staff)"))), 3, None)
        .unwrap();
    assert_eq!(
        (got.applied, got.set_aside),
        (1, 2),
        "the contact waits for Two"
    );
    assert_eq!(b.sync_state().unwrap().pull_cursor, 3);
    let waiting = b.quarantined().unwrap();
    assert_eq!(waiting.len(), 2);
    assert_eq!(waiting[0].kind, "organisation.create");
    assert_eq!(waiting[0].sent_by.as_deref(), Some("Sam (staff)"));
    assert_eq!(waiting[0].device_id, a.device_id().to_string());
    assert!(
        waiting[0].reason.contains("cannot be read"),
        "{}",
        waiting[0].reason
    );
    assert!(
        waiting[1].reason.contains("organisation"),
        "{}",
        waiting[1].reason
    );
    // The same change, whole, arrives again (re-sent by a mended server): both apply.
    let healed = b.apply_remote(&rows[1..2], 3).unwrap();
    assert_eq!(healed.applied, 2, "Two, then the contact waiting for it");
    assert!(b.quarantined().unwrap().is_empty());

    // In the other order on a third laptop: the contact first, then the organisations.
    let later_first: Vec<_> = vec![rows[2].clone(), rows[0].clone(), rows[1].clone()];
    for row in &later_first {
        c.apply_remote(std::slice::from_ref(row), 1).unwrap();
    }
    assert!(c.quarantined().unwrap().is_empty());
    assert_eq!(b.export_json().unwrap(), c.export_json().unwrap());
    assert_eq!(b.export_json().unwrap(), a.export_json().unwrap());
    assert_eq!(
        b.apply_remote(&rows, 3).unwrap().duplicates,
        3,
        "applying twice changes nothing"
    );

    // A clock far ahead waits, and does not drag this laptop's clock forward.
    let mut future = rows[0].clone();
    future.id = Uuid::now_v7();
    future.device_id = Uuid::now_v7();
    future.device_seq = 1;
    let years_260 = 260 * 365 * 24 * 3_600_000;
    future.hlc = trellis_core::hlc::Hlc {
        millis: rows[0].hlc.millis + years_260,
        counter: 0,
    };
    let before = b.export_json().unwrap();
    assert_eq!(b.apply_remote(&[future], 4).unwrap().set_aside, 1);
    let reason = &b.quarantined().unwrap()[0].reason;
    assert!(
        reason.contains("ahead") && reason.contains("the laptop that made it"),
        "{reason}"
    );
    assert_eq!(b.export_json().unwrap(), before);
    let mine = b
        .add_organisation(&OrganisationInput {
            name: "Three".into(),
            org_ref: "GB-CHC-1000003".into(),
            ..Default::default()
        })
        .map(|_| b.local_changes_after(0, 10).unwrap())
        .unwrap();
    assert!(
        mine[0].hlc.millis < rows[0].hlc.millis + years_260 / 2,
        "this laptop's clock stayed true"
    );

    // A change id already used by another change is refused, not a crash.
    let mut reused = rows[0].clone();
    reused.device_id = Uuid::now_v7();
    reused.payload["id"] = serde_json::json!(Uuid::now_v7());
    let got = c.apply_remote(&[reused], 5).unwrap();
    assert_eq!(got.set_aside, 1);
    assert!(c.quarantined().unwrap()[0]
        .reason
        .contains("already another change"));
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

//! The store's side of sync on real files: a page of received changes is applied whole
//! or not at all, in order, once, and never with a clock far in the future. Convergence
//! of many laptops through the real server, with every kind of change and faulty
//! schedules, is `crates/trellis-server/tests/convergence.rs`.

use tempfile::TempDir;
use trellis_core::organisation::OrganisationInput;
use trellis_store::Store;
use uuid::Uuid;

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

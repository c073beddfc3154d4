//! Laptops syncing through the real server over loopback.

mod common;

use common::TestServer;
use tempfile::TempDir;
use trellis_core::organisation::OrganisationInput;
use trellis_server::{Role, ServerStore};
use trellis_store::Store;
use trellis_sync::client::{credentials_path, sync};

fn org(name: &str, n: u32) -> OrganisationInput {
    OrganisationInput {
        name: name.into(),
        org_ref: format!("GB-CHC-{n}"),
        income_band: "10k-25k".into(),
        ..Default::default()
    }
}

#[test]
fn two_laptops_converge_through_the_server() {
    let server = TestServer::start();
    let dir = TempDir::new().unwrap();
    let mut a = server.laptop(dir.path(), "a", "amina", Role::Staff);
    let mut b = server.laptop(dir.path(), "b", "ben", Role::Staff);
    for i in 0..5 {
        a.add_organisation(&org(&format!("A group {i}"), 1_000_000 + i))
            .unwrap();
        b.add_organisation(&org(&format!("B group {i}"), 2_000_000 + i))
            .unwrap();
    }
    assert_eq!(a.sync_state().unwrap().waiting, 5);
    sync(&mut a).unwrap();
    sync(&mut b).unwrap();
    sync(&mut a).unwrap();
    assert_eq!(a.sync_state().unwrap().waiting, 0);
    assert_eq!(a.export_json().unwrap(), b.export_json().unwrap());
    assert_eq!(server.changes_stored(), 10);
    // Syncing again changes nothing and stores nothing twice.
    let again = sync(&mut b).unwrap();
    assert_eq!((again.pushed, again.pulled), (0, 0));
    assert_eq!(server.changes_stored(), 10);
    assert!(a.doctor().unwrap().healthy());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(credentials_path(a.path()))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the token file is the user's alone");
    }
}

#[test]
fn a_laptop_moved_to_a_new_server_sends_and_receives_everything_there() {
    let (old, new) = (TestServer::start(), TestServer::start());
    let dir = TempDir::new().unwrap();
    let mut a = old.laptop(dir.path(), "a", "amina", Role::Staff);
    let mut b = old.laptop(dir.path(), "b", "ben", Role::Staff);
    for i in 0..3 {
        a.add_organisation(&org(&format!("A group {i}"), 1_000_000 + i))
            .unwrap();
        b.add_organisation(&org(&format!("B group {i}"), 2_000_000 + i))
            .unwrap();
    }
    sync(&mut b).unwrap();
    sync(&mut a).unwrap();
    assert_eq!(a.sync_state().unwrap().pull_cursor, 6);
    // The new server already holds another laptop's work.
    let mut c = new.laptop(dir.path(), "c", "chen", Role::Staff);
    for i in 0..4 {
        c.add_organisation(&org(&format!("C group {i}"), 3_000_000 + i))
            .unwrap();
    }
    sync(&mut c).unwrap();
    // Amina's laptop moves: its own changes, and the ones it received from Ben, are all
    // already here; the new server must get hers and she must get all of Chen's.
    trellis_sync::client::enrol(&a, &new.url, &new.code("amina", Role::Staff)).unwrap();
    sync(&mut a).unwrap();
    assert_eq!(
        new.changes_stored(),
        4 + 3,
        "Chen's four and Amina's own three"
    );
    let names: Vec<String> = a
        .organisations("", chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap())
        .unwrap()
        .into_iter()
        .map(|o| o.name)
        .collect();
    assert_eq!(names.iter().filter(|n| n.starts_with("C group")).count(), 4);
    assert_eq!(names.len(), 10);
    // Enrolling there again as the same user keeps the positions: nothing is re-sent.
    trellis_sync::client::enrol(&a, &new.url, &new.code("amina", Role::Staff)).unwrap();
    let state = a.sync_state().unwrap();
    assert_eq!((state.waiting, state.pull_cursor), (0, 7));
}

#[test]
fn a_laptop_enrolled_again_keeps_its_user_and_gets_a_new_token() {
    let server = TestServer::start();
    let dir = TempDir::new().unwrap();
    let mut laptop = server.laptop(dir.path(), "shared", "femi", Role::Facilitator);
    laptop
        .add_organisation(&org("Riverside Elders", 1_000_001))
        .unwrap();
    sync(&mut laptop).unwrap();
    let old_token = trellis_sync::client::Credentials::load(laptop.path())
        .unwrap()
        .unwrap()
        .token;
    // Handed to another person: refused, and the code is still good for a new database.
    let code = server.code("sian", Role::Staff);
    let err = trellis_sync::client::enrol(&laptop, &server.url, &code)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("409 another_users_device") && err.contains("new database"),
        "{err}"
    );
    let fresh = Store::open(&dir.path().join("fresh.sqlite3")).unwrap();
    trellis_sync::client::enrol(&fresh, &server.url, &code).unwrap();
    // The same user again (a lost token): a new token, the old one refused, nothing resent.
    trellis_sync::client::enrol(
        &laptop,
        &server.url,
        &server.code("femi", Role::Facilitator),
    )
    .unwrap();
    assert_eq!(sync(&mut laptop).unwrap().pushed, 0);
    let res = reqwest::blocking::Client::new()
        .get(format!(
            "{}/v1/pull?protocol={}&after=0",
            server.url,
            trellis_server::PROTOCOL_VERSION
        ))
        .bearer_auth(old_token)
        .send()
        .unwrap();
    assert_eq!(res.status().as_u16(), 401);
    // A revoked laptop may not enrol itself back in.
    server.store.revoke(laptop.device_id()).unwrap();
    let err = trellis_sync::client::enrol(
        &laptop,
        &server.url,
        &server.code("femi", Role::Facilitator),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("403 revoked") && err.contains("new database"),
        "{err}"
    );
}

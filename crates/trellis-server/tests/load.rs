//! Load: 50 laptops syncing at once over loopback, nothing lost.

mod common;

use std::time::Instant;

use common::TestServer;
use tempfile::TempDir;
use trellis_core::organisation::OrganisationInput;
use trellis_server::Role;
use trellis_sync::client::{push_all, sync, Credentials};

const DEVICES: usize = 50;
const CHANGES: usize = 20;

#[test]
fn fifty_laptops_sync_at_once_and_nothing_is_lost() {
    let server = TestServer::start();
    let dir = TempDir::new().unwrap();
    let mut laptops = Vec::new();
    for d in 0..DEVICES {
        let mut store = server.laptop(
            dir.path(),
            &format!("d{d}"),
            &format!("user{d}"),
            Role::Staff,
        );
        for i in 0..CHANGES {
            store
                .add_organisation(&OrganisationInput {
                    name: format!("Group {d}-{i}"),
                    org_ref: format!("GB-CHC-{}", 5_000_000 + d * 1000 + i),
                    ..Default::default()
                })
                .unwrap();
        }
        laptops.push(store);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .max_blocking_threads(DEVICES)
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    let laptops = rt.block_on(async {
        let tasks: Vec<_> = laptops
            .into_iter()
            .map(|mut store| {
                tokio::task::spawn_blocking(move || {
                    let creds = Credentials::load(store.path()).unwrap().unwrap();
                    push_all(&mut store, &creds.server, &creds.token).unwrap();
                    store
                })
            })
            .collect();
        let mut done = Vec::new();
        for t in tasks {
            done.push(t.await.unwrap());
        }
        done
    });
    let elapsed = started.elapsed();
    assert_eq!(server.changes_stored(), DEVICES * CHANGES, "nothing lost");
    eprintln!(
        "{DEVICES} laptops pushed {} changes at once in {:.2} s: {:.0} changes accepted/s",
        DEVICES * CHANGES,
        elapsed.as_secs_f64(),
        (DEVICES * CHANGES) as f64 / elapsed.as_secs_f64()
    );
    // Then all sync at once: every laptop ends with every organisation.
    let laptops = rt.block_on(async {
        let tasks: Vec<_> = laptops
            .into_iter()
            .map(|mut store| {
                tokio::task::spawn_blocking(move || {
                    sync(&mut store).unwrap();
                    store
                })
            })
            .collect();
        let mut done = Vec::new();
        for t in tasks {
            done.push(t.await.unwrap());
        }
        done
    });
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    let first = laptops[0].export_json().unwrap();
    for store in &laptops {
        assert_eq!(store.sync_state().unwrap().waiting, 0);
        assert_eq!(
            store.organisations("", today).unwrap().len(),
            DEVICES * CHANGES
        );
        assert_eq!(store.export_json().unwrap(), first);
    }
}

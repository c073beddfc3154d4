//! A laptop killed (SIGKILL) again and again in the middle of `trellis sync`, while it pulls
//! pages from a real server over loopback and pushes its own changes: each time, the file
//! is healthy, the pull cursor covers exactly the changes applied (a page lands whole or
//! not at all), and nothing made on the laptop is lost. A last sync then converges.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use tempfile::TempDir;
use trellis_core::op::Operation;
use trellis_core::organisation::{self, OrganisationInput};
use trellis_server::Role;
use trellis_store::Store;
use trellis_sync::client::sync;
use uuid::Uuid;

mod common;
use common::{trellis_cli, TestServer};

const REMOTE_CHANGES: usize = 6_000;

fn cli(db: &Path) -> Command {
    let mut c = Command::new(trellis_cli());
    c.arg("--db")
        .arg(db)
        .env_remove("TRELLIS_DB")
        .env("TRELLIS_TOKEN_STORE", "file");
    c
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Changes from `device` held by the laptop at `db`, and its pull cursor.
fn held_from(db: &Path, device: Uuid) -> (i64, i64) {
    let store = Store::open(db).unwrap();
    let report = store.doctor().unwrap();
    assert!(report.healthy(), "{report:?}");
    let cursor = store.sync_state().unwrap().pull_cursor;
    let conn = rusqlite::Connection::open(db).unwrap();
    let held: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM change_log WHERE device_id = ?1",
            [device.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    (held, cursor)
}

#[test]
fn kill_9_mid_sync_leaves_a_consistent_laptop_that_then_converges() {
    let server = TestServer::start();
    let dir = TempDir::new().unwrap();
    // Another laptop's work: many changes in one batch, pushed once.
    let mut source = server.laptop(dir.path(), "source", "sam", Role::Staff);
    let ops: Vec<Operation> = (0..REMOTE_CHANGES)
        .map(|i| Operation::OrganisationCreate {
            id: Uuid::now_v7(),
            fields: organisation::validate(&OrganisationInput {
                name: format!("Group {i}"),
                org_ref: format!("GB-CHC-{}", 2_000_000 + i),
                ..Default::default()
            })
            .unwrap(),
        })
        .collect();
    source.apply_all(&ops).unwrap();
    sync(&mut source).unwrap();
    let source_id = source.device_id();

    let db = dir.path().join("laptop.sqlite3");
    run(cli(&db).arg("init"));
    let code = server.code("amina", Role::Staff);
    run(cli(&db).args(["enrol", "--server", &server.url, "--code", &code]));

    let mut killed = 0;
    let mut made_here = 0;
    for round in 0..60u64 {
        // A change made on this laptop between syncs: it must never be lost.
        run(cli(&db).args([
            "org",
            "add",
            "--name",
            &format!("Local group {round}"),
            "--ref",
            &format!("GB-CHC-{}", 3_000_000 + round),
        ]));
        made_here += 1;
        let mut child = cli(&db)
            .arg("sync")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // A repeatable spread of kill times across starting, pushing and pulling.
        std::thread::sleep(Duration::from_millis(5 + (round * 37) % 400));
        let _ = child.kill();
        let status = child.wait().unwrap();
        if status.code().is_none() {
            killed += 1;
        }
        let (held, cursor) = held_from(&db, source_id);
        // One device's changes in order: server sequence n is that device's change n,
        // so a cursor at c means exactly the first c changes (up to REMOTE_CHANGES) are
        // here, no more and no fewer, whatever moment the kill came.
        let expected = cursor.min(REMOTE_CHANGES as i64);
        assert_eq!(
            held, expected,
            "round {round}: cursor {cursor} but {held} changes held"
        );
        let store = Store::open(&db).unwrap();
        let own = store.local_changes_after(0, 100_000).unwrap().len();
        assert_eq!(own, made_here, "round {round}: a local change was lost");
        eprintln!("round {round}: killed {killed}, holding {held} of {REMOTE_CHANGES}");
        if killed >= 8 && held as usize == REMOTE_CHANGES {
            break;
        }
    }
    assert!(killed >= 3, "only {killed} syncs were killed mid-way");

    // One clean sync each way and both laptops hold the same data.
    run(cli(&db).arg("sync"));
    sync(&mut source).unwrap();
    let laptop = Store::open(&db).unwrap();
    assert_eq!(laptop.sync_state().unwrap().waiting, 0);
    assert_eq!(laptop.export_json().unwrap(), source.export_json().unwrap());
}

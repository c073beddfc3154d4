//! End to end over loopback: the real `trellis-server` binary and two real `trellis` CLI
//! databases. Needs `cargo build --workspace` first (for the `trellis` binary).

use tempfile::TempDir;

mod common;
use common::real::{laptop, run, Server};
use common::trellis_cli;

#[test]
fn real_server_and_two_real_cli_databases_converge() {
    let dir = TempDir::new().unwrap();
    let server = Server::start(dir.path(), &[("amina", "staff"), ("ben", "staff")]);
    let (url, admin) = (server.url.clone(), || server.admin());
    let cli = trellis_cli();
    let a = laptop(&cli, dir.path(), "a");
    let b = laptop(&cli, dir.path(), "b");
    let offline = run(a().arg("init"));
    assert!(offline.contains("device"));
    let status = run(a().args(["sync", "status", "--json"]));
    assert!(status.contains("not enrolled"), "{status}");
    for (l, user) in [(&a, "amina"), (&b, "ben")] {
        let code = run(admin().args(["enrol", "--user", user]));
        let out = run(l().args(["enrol", "--server", &url, "--code", code.trim()]));
        assert!(out.contains("readable only by you"), "{out}");
    }
    // Each records changes offline, then both sync.
    run(a().args([
        "org",
        "add",
        "--name",
        "Riverside Elders",
        "--ref",
        "GB-CHC-1000001",
    ]));
    run(b().args([
        "org",
        "add",
        "--name",
        "Northside Youth",
        "--ref",
        "GB-CHC-1000002",
    ]));
    let status = run(b().args(["sync", "status", "--json"]));
    let status: serde_json::Value = serde_json::from_str(&status).unwrap();
    assert_eq!(status["waiting"], 1);
    assert_eq!(status["state"], "waiting");
    run(a().arg("sync"));
    run(b().arg("sync"));
    run(a().arg("sync"));
    let status: serde_json::Value =
        serde_json::from_str(&run(a().args(["sync", "status", "--json"]))).unwrap();
    assert_eq!(status["state"], "synced", "{status}");
    assert_eq!(status["waiting"], 0);
    assert!(status["last_sync"].is_string());
    let export_a = run(a().arg("export"));
    let export_b = run(b().arg("export"));
    assert!(export_a.contains("Northside Youth") && export_a.contains("Riverside Elders"));
    assert_eq!(export_a, export_b, "both laptops hold the same data");
    let devices = run(admin().args(["device", "list"]));
    assert_eq!(devices.lines().count(), 2, "{devices}");

    // The admin's view of users: each with one laptop, until one is revoked.
    let users = run(admin().args(["user", "list"]));
    let lines: Vec<Vec<&str>> = users
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        lines,
        [
            vec!["amina", "staff", "1", "laptop"],
            vec!["ben", "staff", "1", "laptop"]
        ],
        "{users}"
    );
    let bens = devices
        .lines()
        .find(|l| l.split_whitespace().nth(1) == Some("ben"))
        .and_then(|l| l.split_whitespace().next())
        .expect("ben's laptop is listed");
    run(admin().args(["device", "revoke", bens]));
    let users = run(admin().args(["user", "list"]));
    assert!(
        users
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["ben", "staff", "0", "laptops"]),
        "{users}"
    );
}

#[test]
fn a_cli_with_no_server_says_offline_and_keeps_its_changes() {
    let dir = TempDir::new().unwrap();
    let cli = trellis_cli();
    let t = laptop(&cli, dir.path(), "a");
    run(t().arg("init"));
    let out = t()
        .args([
            "enrol",
            "--server",
            "http://127.0.0.1:9",
            "--code",
            "ABCD-EFGH",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot reach the sync server"), "{err}");
    // Enrolled with a server that is down: sync says offline, the change stays waiting.
    std::fs::write(
        dir.path().join("a.sqlite3.sync.json"),
        r#"{"server": "http://127.0.0.1:9", "token": "t", "user": "amina", "role": "staff"}"#,
    )
    .unwrap();
    run(t().args([
        "org",
        "add",
        "--name",
        "Riverside Elders",
        "--ref",
        "GB-CHC-1000001",
    ]));
    let out = t().arg("sync").output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("offline") && err.contains("1 changes waiting"),
        "{err}"
    );
    let status: serde_json::Value =
        serde_json::from_str(&run(t().args(["sync", "status", "--json"]))).unwrap();
    assert_eq!(status["state"], "offline");
    assert_eq!(status["waiting"], 1);
}

/// A facilitator's laptop refuses grants records at once (here the demo, with its
/// funding round), so nothing the server would refuse ever waits in its push: its
/// organisation still syncs, and nothing is left waiting.
#[test]
fn a_facilitators_laptop_refuses_grants_records_and_keeps_syncing() {
    let dir = TempDir::new().unwrap();
    let server = Server::start(dir.path(), &[("fola", "facilitator")]);
    let cli = trellis_cli();
    let fola = laptop(&cli, dir.path(), "fola");
    run(fola().arg("init"));
    let code = run(server.admin().args(["enrol", "--user", "fola"]));
    run(fola().args(["enrol", "--server", &server.url, "--code", code.trim()]));

    let out = fola().arg("demo").output().unwrap();
    assert!(
        !out.status.success(),
        "the demo loaded on a facilitator's laptop"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("enrolled for sync as a facilitator") && err.contains("nothing was saved"),
        "{err}"
    );
    run(fola().args([
        "org",
        "add",
        "--name",
        "Riverside Elders",
        "--ref",
        "GB-CHC-1000001",
    ]));
    run(fola().arg("sync"));
    let status: serde_json::Value =
        serde_json::from_str(&run(fola().args(["sync", "status", "--json"]))).unwrap();
    assert_eq!(status["state"], "synced", "{status}");
    assert_eq!(status["waiting"], 0, "{status}");
}

//! End to end over loopback: the real `trellis-server` binary and two real `trellis` CLI
//! databases. Needs `cargo build --workspace` first (for the `trellis` binary).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use tempfile::TempDir;

mod common;
use common::trellis_cli;

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn real_server_and_two_real_cli_databases_converge() {
    let dir = TempDir::new().unwrap();
    let server_db = dir.path().join("server.sqlite3");
    let admin = || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_trellis-server"));
        c.arg("--db").arg(&server_db);
        c
    };
    run(admin().args(["user", "add", "amina", "--role", "staff"]));
    run(admin().args(["user", "add", "ben", "--role", "staff"]));
    let mut child = admin()
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _server = Server(child);
    let url = line
        .trim()
        .rsplit(' ')
        .next()
        .expect("the server prints its address")
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");

    let cli = trellis_cli();
    let cli = &cli;
    let laptop = |name: &str| {
        let db = dir.path().join(format!("{name}.sqlite3"));
        move || {
            let mut c = Command::new(cli);
            c.arg("--db")
                .arg(&db)
                .env_remove("TRELLIS_DB")
                // The token in the file, even on a desktop with a keyring (tested apart).
                .env("TRELLIS_TOKEN_STORE", "file");
            c
        }
    };
    let a = laptop("a");
    let b = laptop("b");
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
}

#[test]
fn a_cli_with_no_server_says_offline_and_keeps_its_changes() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("a.sqlite3");
    let cli = trellis_cli();
    let t = || {
        let mut c = Command::new(&cli);
        c.arg("--db")
            .arg(&db)
            .env_remove("TRELLIS_DB")
            // The token in the file, even on a desktop with a keyring (tested apart).
            .env("TRELLIS_TOKEN_STORE", "file");
        c
    };
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

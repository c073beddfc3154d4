//! The device token goes to the OS credential store when the system has one: here a real
//! Secret Service (gnome-keyring on a private D-Bus session, a keyring in a temporary
//! HOME), driven through the real `trellis` CLI against a real server over loopback.
//! Without a credential store the token falls back to the 0600 settings file and says why.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;
use trellis_server::Role;

mod common;
use common::{trellis_cli, TestServer};

const KEYRING_PASSWORD: &str = "trellis-test";

fn need(tool: &str) {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "{tool} is missing: run scripts/setup.sh (it installs dbus and gnome-keyring)"
    );
}

/// Runs `trellis ARGS` on `db` inside a fresh D-Bus session whose gnome-keyring is
/// unlocked from `home`'s saved keyring, so one session's secrets are there in the next.
fn in_keyring_session(home: &Path, db: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new("dbus-run-session");
    c.arg("--")
        .arg("sh")
        .arg("-c")
        .arg(format!(
            "printf %s {KEYRING_PASSWORD} | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; exec \"$@\""
        ))
        .arg("sh")
        .arg(trellis_cli())
        .arg("--db")
        .arg(db)
        .args(args)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("share"))
        .env("XDG_RUNTIME_DIR", home)
        .env_remove("TRELLIS_DB")
        .env_remove("TRELLIS_TOKEN_STORE")
        .env_remove("DISPLAY");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

/// The same command with no D-Bus session at all: no credential store to ask.
fn without_keyring(home: &Path, db: &Path, args: &[&str]) -> Output {
    Command::new(trellis_cli())
        .arg("--db")
        .arg(db)
        .args(args)
        .env("HOME", home)
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("DISPLAY")
        .env_remove("TRELLIS_DB")
        .env_remove("TRELLIS_TOKEN_STORE")
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The command's standard output, once it has succeeded.
fn ok(out: Output) -> String {
    assert!(out.status.success(), "failed: {}", text(&out));
    String::from_utf8(out.stdout).unwrap()
}

fn settings(db: &Path) -> serde_json::Value {
    let path = trellis_sync::client::credentials_path(db);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A server, and where a laptop's database and its user's home (with the keyring) go.
fn keyring_laptop() -> (TestServer, TempDir, PathBuf, PathBuf) {
    need("dbus-run-session");
    need("gnome-keyring-daemon");
    let dir = TempDir::new().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let db = dir.path().join("laptop.sqlite3");
    (TestServer::start(), dir, home, db)
}

#[test]
fn the_token_lives_in_the_secret_service_not_the_settings_file() {
    let (server, _dir, home, db) = keyring_laptop();
    let code = server.code("amina", Role::Staff);

    let out = ok(in_keyring_session(
        &home,
        &db,
        &["enrol", "--server", &server.url, "--code", &code],
        &[],
    ));
    assert!(
        out.contains("kept in this system's credential store"),
        "{out}"
    );
    let saved = settings(&db);
    assert_eq!(saved["token_store"], "os_credential_store", "{saved}");
    assert!(
        saved.get("token").is_none(),
        "no token in the file: {saved}"
    );

    // A later session (the keyring saved to disk and unlocked again) finds the token.
    ok(in_keyring_session(
        &home,
        &db,
        &[
            "org",
            "add",
            "--name",
            "Riverside Elders",
            "--ref",
            "GB-CHC-1000001",
        ],
        &[],
    ));
    let out = ok(in_keyring_session(&home, &db, &["sync"], &[]));
    assert!(out.contains("sent 1 changes"), "{out}");
    assert_eq!(server.changes_stored(), 1);
    let status = ok(in_keyring_session(
        &home,
        &db,
        &["sync", "status", "--json"],
        &[],
    ));
    let status: serde_json::Value = serde_json::from_str(&status).unwrap();
    assert!(
        status["token_kept"]
            .as_str()
            .unwrap()
            .contains("credential store"),
        "{status}"
    );

    // With the credential store gone, sync stops with a clear, specific message and the
    // change log is untouched.
    let out = without_keyring(&home, &db, &["sync"]);
    assert!(!out.status.success());
    let said = text(&out);
    assert!(
        said.contains("credential store") && said.contains("enrol this laptop again"),
        "{said}"
    );
}

#[test]
fn without_a_credential_store_the_token_goes_to_a_private_file_and_says_why() {
    let server = TestServer::start();
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("laptop.sqlite3");
    let code = server.code("ben", Role::Facilitator);
    let out = ok(without_keyring(
        dir.path(),
        &db,
        &["enrol", "--server", &server.url, "--code", &code],
    ));
    assert!(
        out.contains("readable only by you") && out.contains("no usable credential store"),
        "{out}"
    );
    let saved = settings(&db);
    assert_eq!(saved["token_store"], "file");
    assert!(saved["token"].as_str().is_some_and(|t| t.len() == 64));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(trellis_sync::client::credentials_path(&db))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    ok(without_keyring(dir.path(), &db, &["sync"]));
}

#[test]
fn asking_for_the_file_keeps_the_token_out_of_an_available_keyring() {
    let (server, _dir, home, db) = keyring_laptop();
    let code = server.code("chen", Role::Staff);
    let out = ok(in_keyring_session(
        &home,
        &db,
        &["enrol", "--server", &server.url, "--code", &code],
        &[("TRELLIS_TOKEN_STORE", "file")],
    ));
    assert!(out.contains("TRELLIS_TOKEN_STORE=file"), "{out}");
    assert_eq!(settings(&db)["token_store"], "file");
}

//! A reader that stops early (`trellis org list | head`) ends any command quietly: no
//! panic, no message, the usual status for a closed pipe.

use std::io::Read;
use std::process::Stdio;

use tempfile::TempDir;

mod common;

const CLI: common::Cli = common::Cli {
    today: "2026-07-20",
    env: &[],
};

#[test]
fn a_reader_that_stops_early_ends_the_command_quietly() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("p.sqlite3");
    let mut store = trellis_store::Store::open(&db).unwrap();
    // Far more than a pipe holds (64 KiB on Linux), so the CLI is still writing when the
    // reader goes.
    let ops: Vec<_> = (0..2_000)
        .map(|i| trellis_core::op::Operation::OrganisationCreate {
            id: uuid::Uuid::now_v7(),
            fields: trellis_core::organisation::validate(
                &trellis_core::organisation::OrganisationInput {
                    name: format!("Community Group Number {i}"),
                    org_ref: format!("GB-CHC-{}", 5_000_000 + i),
                    ..Default::default()
                },
            )
            .unwrap(),
        })
        .collect();
    store.apply_all(&ops).unwrap();
    drop(store);
    for args in [&["org", "list"][..], &["export"]] {
        let mut child = CLI
            .command(&db, args, &[])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 16];
        stdout.read_exact(&mut first).unwrap();
        drop(stdout);
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_ne!(out.status.code(), Some(101), "{args:?} panicked: {stderr}");
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            assert!(
                out.status.success() || out.status.signal() == Some(libc_sigpipe()),
                "{args:?}: {:?} {stderr}",
                out.status
            );
        }
    }
}

/// SIGPIPE is 13 on every Unix Trellis runs on.
#[cfg(unix)]
fn libc_sigpipe() -> i32 {
    13
}

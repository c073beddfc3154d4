//! Crash safety: the CLI is killed with SIGKILL again and again while it writes. Every
//! change it reported as committed must survive, and the file must stay healthy.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

fn spawn_add(db: &Path, n: usize) -> Child {
    Command::new(env!("CARGO_BIN_EXE_trellis"))
        .arg("--db")
        .arg(db)
        .args([
            "org",
            "add",
            "--name",
            &format!("Group {n}"),
            "--ref",
            &format!("GB-CHC-{:07}", 1_000_000 + n),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn trellis")
}

/// A cheap deterministic spread of kill delays (0 to ~24 ms) so runs are repeatable.
fn delay(n: usize) -> Duration {
    Duration::from_micros(((n * 7919) % 24_000) as u64)
}

#[test]
fn kill_9_mid_write_loses_nothing_reported_and_corrupts_nothing() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("crash.sqlite3");
    let init = Command::new(env!("CARGO_BIN_EXE_trellis"))
        .arg("--db")
        .arg(&db)
        .arg("init")
        .output()
        .unwrap();
    assert!(init.status.success());

    let mut committed = Vec::new();
    let mut killed = 0;
    let started = Instant::now();
    // Runs until enough writers were both killed and finished, so a fast or a loaded
    // machine still exercises both; bounded so it always ends.
    for round in 0..400 {
        if round >= 60 && killed >= 10 && committed.len() >= 10 {
            break;
        }
        // Two writers at once, so kills also land while one waits for the other's lock.
        let mut children = vec![
            (2 * round, spawn_add(&db, 2 * round)),
            (2 * round + 1, spawn_add(&db, 2 * round + 1)),
        ];
        std::thread::sleep(delay(round));
        if round % 3 != 2 {
            for (_, child) in children.iter_mut() {
                let _ = child.kill(); // SIGKILL on Unix
            }
        }
        for (n, child) in children {
            let out = child.wait_with_output().unwrap();
            if out.status.success() {
                let id = String::from_utf8(out.stdout).unwrap().trim().to_string();
                assert!(!id.is_empty());
                committed.push((n, id));
            } else if out.status.code().is_none() {
                killed += 1;
            } else {
                panic!(
                    "writer {n} failed on its own: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
    }
    assert!(
        killed >= 10,
        "the test must actually kill writers (killed {killed})"
    );
    assert!(
        committed.len() >= 10,
        "and some must finish (finished {})",
        committed.len()
    );

    let doctor = Command::new(env!("CARGO_BIN_EXE_trellis"))
        .arg("--db")
        .arg(&db)
        .arg("doctor")
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&doctor.stdout);
    assert!(doctor.status.success(), "doctor after crashes: {report}");
    let export = Command::new(env!("CARGO_BIN_EXE_trellis"))
        .arg("--db")
        .arg(&db)
        .arg("export")
        .output()
        .unwrap();
    let export: serde_json::Value = serde_json::from_slice(&export.stdout).unwrap();
    let stored: Vec<&str> = export["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    for (n, id) in &committed {
        assert!(
            stored.contains(&id.as_str()),
            "writer {n} reported {id} committed but it is gone"
        );
    }
    eprintln!(
        "crash test: {} reported committed, {killed} killed, {} stored, {:?}",
        committed.len(),
        stored.len(),
        started.elapsed()
    );
}

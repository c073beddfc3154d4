//! Launching the app without WebDriver: what a person or a script sees when there is no
//! display, when the database is damaged, and the first-paint probe the cold-start
//! benchmark relies on.

use std::time::Duration;

use anyhow::{ensure, Result};
use trellis_e2e::{run_app, Display};

const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn without_a_display_it_points_to_the_command_line_and_exits_2() -> Result<()> {
    let home = tempfile::tempdir()?;
    let run = run_app(None, home.path(), &[], LIMIT)?;
    ensure!(
        run.code == Some(2),
        "exit code {:?}, stderr {}",
        run.code,
        run.stderr
    );
    ensure!(
        run.stderr.contains("needs a graphical display") && run.stderr.contains("trellis --help"),
        "stderr: {}",
        run.stderr
    );
    Ok(())
}

#[test]
fn first_paint_is_reported_then_the_app_exits() -> Result<()> {
    let display = Display::start()?;
    let home = tempfile::tempdir()?;
    let db = home.path().join("trellis.sqlite3");
    let run = run_app(
        Some(&display),
        home.path(),
        &[
            ("TRELLIS_DB", db.as_os_str()),
            ("TRELLIS_EXIT_AFTER_FIRST_PAINT", "1".as_ref()),
        ],
        LIMIT,
    )?;
    ensure!(
        run.code == Some(0),
        "exit code {:?}, stdout {}, stderr {}",
        run.code,
        run.stdout,
        run.stderr
    );
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("first-paint-ms="));
    let ms = line
        .and_then(|l| l["first-paint-ms=".len()..].parse::<u64>().ok())
        .ok_or_else(|| anyhow::anyhow!("no first-paint-ms=<n> line in {:?}", run.stdout))?;
    ensure!(ms > 0 && ms < 60_000, "implausible first paint: {ms} ms");
    ensure!(db.is_file(), "the app should have created its database");
    Ok(())
}

#[test]
fn a_damaged_database_is_reported_and_left_untouched() -> Result<()> {
    let display = Display::start()?;
    let home = tempfile::tempdir()?;
    let db = home.path().join("trellis.sqlite3");
    let garbage = b"this is not a SQLite database, but someone's only copy of one".repeat(100);
    std::fs::write(&db, &garbage)?;
    let run = run_app(
        Some(&display),
        home.path(),
        &[
            ("TRELLIS_DB", db.as_os_str()),
            ("TRELLIS_EXIT_AFTER_FIRST_PAINT", "1".as_ref()),
        ],
        LIMIT,
    )?;
    ensure!(
        run.code == Some(1),
        "exit code {:?}, stderr {}",
        run.code,
        run.stderr
    );
    ensure!(
        run.stderr.contains("could not open its database"),
        "stderr: {}",
        run.stderr
    );
    ensure!(
        !run.stderr.contains("panicked"),
        "the app panicked: {}",
        run.stderr
    );
    ensure!(
        std::fs::read(&db)? == garbage,
        "the damaged file was changed"
    );
    Ok(())
}

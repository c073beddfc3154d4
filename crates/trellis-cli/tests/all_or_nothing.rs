//! A command that makes several changes makes all of them or none: a refused one leaves
//! the database exactly as it was.

use std::path::Path;

use tempfile::TempDir;

mod common;

const CLI: common::Cli = common::Cli {
    today: "2026-07-20",
    env: &[],
};

fn round(db: &Path) -> String {
    CLI.ok(
        db,
        &[
            "round",
            "create",
            "--title",
            "Small grants 2026",
            "--topic",
            "Lunch clubs",
            "--budget",
            "20000",
            "--min-grant",
            "500",
            "--max-grant",
            "5000",
            "--opens",
            "2026-07-01",
            "--closes",
            "2026-08-31",
            "--question",
            "What will you do?",
        ],
    )
}

#[test]
fn a_refused_application_for_a_new_group_adds_no_group() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("g.sqlite3");
    let round = round(&db);
    let before = CLI.ok(&db, &["export"]);
    // More than the round's largest grant: the application is refused, so the group must
    // not be added either.
    let err = CLI.fails(
        &db,
        &[
            "application",
            "add",
            &round,
            "New Group",
            "--new",
            "--amount",
            "9000",
            "--format",
            "conversation",
            "--summary",
            "A lunch club.",
        ],
    );
    assert!(err.contains("nothing was changed"), "{err}");
    assert_eq!(
        CLI.ok(&db, &["export"]),
        before,
        "the database is as it was"
    );
    assert!(!CLI.ok(&db, &["org", "list"]).contains("New Group"));
    // Put right, the same command adds both.
    let id = CLI.ok(
        &db,
        &[
            "application",
            "add",
            &round,
            "New Group",
            "--new",
            "--amount",
            "2000",
            "--format",
            "conversation",
            "--summary",
            "A lunch club.",
        ],
    );
    assert!(CLI
        .ok(&db, &["application", "show", &id])
        .contains("New Group"));
    assert!(CLI.ok(&db, &["doctor"]).contains("no faults"));
}

#[test]
fn a_refused_letterhead_changes_none_of_its_settings() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("l.sqlite3");
    CLI.ok(&db, &["init"]);
    let before = CLI.ok(&db, &["export"]);
    let mut args = vec![
        "letter",
        "letterhead",
        "--programme",
        "Leeds Community Fund",
        "--sign-off",
        "Amara Okafor",
    ];
    // Seven address lines: one more than a letterhead holds.
    for _ in 0..7 {
        args.extend(["--line", "1 Market Street"]);
    }
    let err = CLI.fails(&db, &args);
    assert!(err.contains("nothing was changed"), "{err}");
    assert_eq!(
        CLI.ok(&db, &["export"]),
        before,
        "the database is as it was"
    );
}

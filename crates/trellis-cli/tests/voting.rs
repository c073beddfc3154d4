//! Live voting from the command line, against real database files: ballots, votes,
//! voids, paper-ballot import, tallies and exports, and kill -9 during a vote storm.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tempfile::TempDir;

mod common;

const CLI: common::Cli = common::Cli {
    today: "2026-11-26",
    env: &[("TRELLIS_USER", "Amara")],
};

fn setup(db: &Path, orgs: usize) {
    for i in 0..orgs {
        CLI.ok(
            db,
            &[
                "org",
                "add",
                "--name",
                &format!("Group {i}"),
                "--ref",
                &format!("GB-CHC-{}", 1_200_000 + i),
            ],
        );
    }
}

#[test]
fn a_ranked_ballot_from_creation_to_published_results() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("v.sqlite3");
    setup(&db, 5);
    let meeting = CLI.ok(
        &db,
        &[
            "meeting",
            "add",
            "--kind",
            "assembly",
            "--title",
            "Spring assembly",
            "--date",
            "2026-05-01",
            "--time",
            "18:00",
        ],
    );
    CLI.ok(
        &db,
        &[
            "meeting",
            "attend",
            "Spring assembly",
            "--org",
            "Group 0",
            "--person",
            "Ade",
        ],
    );
    CLI.ok(
        &db,
        &[
            "meeting",
            "attend",
            &meeting,
            "--person",
            "Walk-in Wanjiru",
            "--walk-in",
        ],
    );
    let attendance = CLI.ok(&db, &["meeting", "attendance", &meeting]);
    assert!(
        attendance.contains("Ade (Group 0)") && attendance.contains("(walk-in)"),
        "{attendance}"
    );
    let issue = CLI.ok(
        &db,
        &[
            "issue",
            "add",
            "--title",
            "Interpreters at the GP",
            "--meeting",
            &meeting,
            "--community",
            "DEI010110",
            "--quote",
            "My son translates.",
        ],
    );
    let ballot = CLI.ok(
        &db,
        &[
            "ballot",
            "create",
            "--question",
            "Which topic?",
            "--issue-option",
            &issue,
            "--option",
            "Maternal health",
            "--option",
            "Mental health",
            "--method",
            "irv",
            "--seed",
            "99",
        ],
    );
    assert!(CLI
        .fails(
            &db,
            &["vote", "cast", &ballot, "--voter", "Group 0", "--choice", "1"]
        )
        .contains("not open"));
    CLI.ok(&db, &["ballot", "open", &ballot]);
    // Options are named by number, label or id; "-" skips a rank.
    let first = CLI.ok(
        &db,
        &[
            "vote", "cast", &ballot, "--voter", "Group 0", "--choice", "1", "--choice", "2",
        ],
    );
    CLI.ok(
        &db,
        &[
            "vote",
            "cast",
            &ballot,
            "--voter",
            "GB-CHC-1200001",
            "--choice",
            "Mental health",
            "--choice",
            "-",
            "--choice",
            "1",
        ],
    );
    CLI.ok(
        &db,
        &[
            "vote", "cast", &ballot, "--voter", "Group 2", "--choice", "2",
        ],
    );
    let again = CLI.fails(
        &db,
        &[
            "vote", "cast", &ballot, "--voter", "Group 0", "--choice", "3",
        ],
    );
    assert!(again.contains("already voted"), "{again}");
    assert!(CLI
        .fails(
            &db,
            &["vote", "cast", &ballot, "--voter", "Group 3", "--choice", "7"]
        )
        .contains("1 to 3"));
    CLI.ok(
        &db,
        &[
            "vote",
            "void",
            &first,
            "--reason",
            "keyed for the wrong group",
        ],
    );
    CLI.ok(
        &db,
        &[
            "vote", "cast", &ballot, "--voter", "Group 0", "--choice", "3", "--choice", "2",
        ],
    );

    let csv = dir.path().join("paper.csv");
    std::fs::write(
        &csv,
        "voter,choice_1,choice_2\nGroup 3,2,3\nGroup 4,Nonsense,\n",
    )
    .unwrap();
    let err = CLI.fails(&db, &["vote", "import", &ballot, csv.to_str().unwrap()]);
    assert!(err.contains("line 3") && err.contains("Nonsense"), "{err}");
    std::fs::write(
        &csv,
        "voter,choice_1,choice_2\nGroup 3,2,3\nGroup 4,Interpreters at the GP,\n",
    )
    .unwrap();
    assert_eq!(
        CLI.ok(&db, &["vote", "import", &ballot, csv.to_str().unwrap()]),
        "imported 2 votes"
    );
    CLI.ok(&db, &["ballot", "close", &ballot]);

    let tally: serde_json::Value =
        serde_json::from_str(&CLI.ok(&db, &["ballot", "tally", &ballot, "--json"])).unwrap();
    assert_eq!(tally["turnout"], 5);
    assert_eq!(tally["voided"], 1);
    assert_eq!(tally["seed"], 99);
    assert_eq!(tally["tally"]["method"], "ranked-irv");
    let text = CLI.ok(&db, &["ballot", "tally", &ballot]);
    assert!(
        text.contains("round 1") && text.contains("winner: Mental health"),
        "{text}"
    );

    let audit = CLI.ok(&db, &["ballot", "audit", &ballot, "--csv"]);
    assert_eq!(
        audit.lines().count(),
        1 + 6,
        "header plus every vote, voided included:\n{audit}"
    );
    assert!(audit.contains("keyed for the wrong group"));
    let rctab: serde_json::Value =
        serde_json::from_str(&CLI.ok(&db, &["ballot", "export", &ballot, "--format", "rctab"]))
            .unwrap();
    assert!(rctab["results"].as_array().is_some_and(|r| !r.is_empty()));
    let pb = CLI.ok(&db, &["ballot", "export", &ballot, "--format", "pabulib"]);
    assert!(
        pb.starts_with("META") && pb.contains("vote_type;ordinal"),
        "{pb}"
    );
    assert!(CLI
        .ok(&db, &["ballot", "export", &ballot, "--format", "csv"])
        .contains("Maternal health"));
    assert!(CLI.ok(&db, &["doctor"]).contains("no faults"));
}

#[test]
fn dots_approval_score_and_tokens() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("v.sqlite3");
    let dots = CLI.ok(
        &db,
        &[
            "ballot",
            "create",
            "--question",
            "Where next?",
            "--option",
            "A",
            "--option",
            "B",
            "--option",
            "C",
            "--method",
            "dots",
            "--dots",
            "3",
            "--max-per-option",
            "2",
            "--voters",
            "token",
        ],
    );
    CLI.ok(&db, &["ballot", "open", &dots]);
    let tokens = CLI.ok(&db, &["ballot", "tokens", &dots, "--count", "3"]);
    let tokens: Vec<&str> = tokens.lines().collect();
    assert_eq!(tokens.len(), 3);
    CLI.ok(
        &db,
        &[
            "vote", "cast", &dots, "--voter", tokens[0], "--choice", "A", "--choice", "A",
            "--choice", "C",
        ],
    );
    CLI.ok(
        &db,
        &[
            "vote",
            "cast",
            &dots,
            "--voter",
            &tokens[1].to_lowercase(),
            "--amount",
            "B=2",
        ],
    );
    assert!(CLI
        .fails(
            &db,
            &["vote", "cast", &dots, "--voter", tokens[2], "--amount", "B=3"]
        )
        .contains("at most 2"));
    assert!(CLI
        .fails(
            &db,
            &[
                "vote",
                "cast",
                &dots,
                "--voter",
                "NOTATOKEN",
                "--choice",
                "A"
            ]
        )
        .contains("token issued"));
    let t: serde_json::Value =
        serde_json::from_str(&CLI.ok(&db, &["ballot", "tally", &dots, "--json"])).unwrap();
    let counts: Vec<u64> = t["tally"]["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_u64().unwrap())
        .collect();
    assert_eq!(counts, [2, 2, 1]);

    setup(&db, 2);
    let score = CLI.ok(
        &db,
        &[
            "ballot",
            "create",
            "--question",
            "Rate",
            "--option",
            "A",
            "--option",
            "B",
            "--method",
            "score",
            "--max-score",
            "5",
        ],
    );
    CLI.ok(&db, &["ballot", "open", &score]);
    CLI.ok(
        &db,
        &[
            "vote", "cast", &score, "--voter", "Group 0", "--amount", "A=5", "--amount", "B=2",
        ],
    );
    assert!(CLI
        .fails(
            &db,
            &["vote", "cast", &score, "--voter", "Group 1", "--amount", "A=6"]
        )
        .contains('5'));
    let approval = CLI.ok(
        &db,
        &[
            "ballot",
            "create",
            "--question",
            "Approve",
            "--option",
            "A",
            "--option",
            "B",
            "--method",
            "approval",
        ],
    );
    CLI.ok(&db, &["ballot", "open", &approval]);
    CLI.ok(
        &db,
        &[
            "vote", "cast", &approval, "--voter", "Group 0", "--choice", "1", "--choice", "2",
        ],
    );
    CLI.ok(&db, &["vote", "cast", &approval, "--voter", "Group 1"]);
    let t: serde_json::Value =
        serde_json::from_str(&CLI.ok(&db, &["ballot", "tally", &approval, "--json"])).unwrap();
    assert_eq!(t["turnout"], 2);
}

fn spawn_vote(db: &Path, ballot: &str, voter: usize) -> Child {
    Command::new(env!("CARGO_BIN_EXE_trellis"))
        .arg("--db")
        .arg(db)
        .args([
            "vote",
            "cast",
            ballot,
            "--voter",
            &format!("GB-CHC-{}", 1_200_000 + voter),
            "--choice",
            &format!("{}", 1 + voter % 3),
        ])
        .env("TRELLIS_USER", "Amara")
        .env_remove("TRELLIS_DB")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn trellis")
}

#[test]
fn kill_9_during_a_vote_storm_keeps_every_acknowledged_vote() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("storm.sqlite3");
    setup(&db, 200);
    let ballot = CLI.ok(
        &db,
        &[
            "ballot",
            "create",
            "--question",
            "Storm",
            "--option",
            "A",
            "--option",
            "B",
            "--option",
            "C",
            "--method",
            "plurality",
        ],
    );
    CLI.ok(&db, &["ballot", "open", &ballot]);
    let (mut acknowledged, mut killed) = (Vec::new(), 0);
    for round in 0..100 {
        if round >= 30 && killed >= 10 && acknowledged.len() >= 10 {
            break;
        }
        let mut pair = vec![
            (2 * round, spawn_vote(&db, &ballot, 2 * round)),
            (2 * round + 1, spawn_vote(&db, &ballot, 2 * round + 1)),
        ];
        std::thread::sleep(Duration::from_micros(((round * 7919) % 20_000) as u64));
        if round % 3 != 2 {
            for (_, child) in pair.iter_mut() {
                let _ = child.kill();
            }
        }
        for (n, child) in pair {
            let out = child.wait_with_output().unwrap();
            if out.status.success() {
                acknowledged.push((n, String::from_utf8(out.stdout).unwrap().trim().to_string()));
            } else if out.status.code().is_none() {
                killed += 1;
            } else {
                panic!(
                    "voter {n} refused: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
    }
    assert!(
        killed > 5 && acknowledged.len() > 5,
        "killed {killed}, acknowledged {}",
        acknowledged.len()
    );
    assert!(CLI.ok(&db, &["doctor"]).contains("no faults"));
    let audit = CLI.ok(&db, &["ballot", "audit", &ballot, "--csv"]);
    for (n, id) in &acknowledged {
        assert!(
            audit.contains(id.as_str()),
            "voter {n}'s acknowledged vote {id} is missing"
        );
    }
    let tally: serde_json::Value =
        serde_json::from_str(&CLI.ok(&db, &["ballot", "tally", &ballot, "--json"])).unwrap();
    assert_eq!(
        tally["turnout"].as_u64().unwrap() as usize,
        audit.lines().count() - 1,
        "every stored vote counted once"
    );
}

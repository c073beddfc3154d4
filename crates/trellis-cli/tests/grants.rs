//! A funding round from the command line: round, rubric, applications (one imported),
//! conflicts, blind scoring, moderation, allocation, decisions and the round's numbers.

use tempfile::TempDir;

mod common;

const CLI: common::Cli = common::Cli {
    today: "2026-07-20",
    env: &[],
};

#[test]
fn a_round_from_applications_to_decisions() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("g.sqlite3");
    for (name, r, band) in [
        ("Hope Kitchen", "GB-CHC-1400001", "under-10k"),
        ("Big Charity", "GB-CHC-1400002", "250k-500k"),
        ("Łączy Nas", "GB-COH-00934512", "10k-25k"),
    ] {
        CLI.ok(
            &db,
            &[
                "org",
                "add",
                "--name",
                name,
                "--ref",
                r,
                "--income-band",
                band,
            ],
        );
    }
    let rubric = dir.path().join("rubric.json");
    std::fs::write(&rubric, CLI.ok(&db, &["rubric", "export"])).unwrap();
    assert!(CLI
        .ok(&db, &["rubric", "import", rubric.to_str().unwrap()])
        .contains("relationships"));
    std::fs::write(
        dir.path().join("bad.json"),
        "{\"criteria\": [{\"id\": \"x\"}]}",
    )
    .unwrap();
    assert!(CLI
        .fails(
            &db,
            &[
                "rubric",
                "import",
                dir.path().join("bad.json").to_str().unwrap()
            ]
        )
        .contains("criteria"));
    let round = CLI.ok(
        &db,
        &[
            "round",
            "create",
            "--title",
            "Interpreting 2027",
            "--topic",
            "Interpreters at the GP",
            "--budget",
            "15000",
            "--min-grant",
            "1000",
            "--max-grant",
            "10000",
            "--opens",
            "2026-06-01",
            "--closes",
            "2026-07-31",
            "--question",
            "What will you do?",
            "--rubric",
            rubric.to_str().unwrap(),
        ],
    );
    let hope = CLI.ok(
        &db,
        &[
            "application",
            "add",
            &round,
            "Hope Kitchen",
            "--amount",
            "8000",
            "--core",
            "--format",
            "video",
            "--summary",
            "Peer interpreters.",
        ],
    );
    let csv = dir.path().join("apps.csv");
    std::fs::write(&csv, "organisation,amount,core,formats,summary,received_on\nBig Charity,10000,no,written,Interpreting hub,2026-07-01\nNobody,5,no,written,x,2026-07-01\n").unwrap();
    let err = CLI.fails(
        &db,
        &["application", "import", &round, csv.to_str().unwrap()],
    );
    assert!(err.contains("line 3") && err.contains("Nobody"), "{err}");
    std::fs::write(&csv, "organisation,amount,core,formats,summary,received_on\nBig Charity,10000,no,written,Interpreting hub,2026-07-01,A hub at two surgeries.\nGB-COH-00934512,6000,yes,conversation,Phone line,2026-07-02\n").unwrap();
    assert_eq!(
        CLI.ok(
            &db,
            &["application", "import", &round, csv.to_str().unwrap()]
        ),
        "imported 2 applications"
    );
    let apps: serde_json::Value =
        serde_json::from_str(&CLI.ok(&db, &["application", "list", &round, "--json"])).unwrap();
    let ids: Vec<String> = apps
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 3);
    let video = dir.path().join("pitch.mp4");
    std::fs::write(&video, b"not really a video").unwrap();
    CLI.ok(
        &db,
        &["application", "attach", &hope, video.to_str().unwrap()],
    );
    CLI.ok(
        &db,
        &[
            "application",
            "support",
            &hope,
            "--kind",
            "bid-writing workshop",
            "--by",
            "Amara (CVS)",
        ],
    );

    for who in ["Amara", "Tom", "Priya"] {
        CLI.ok(&db, &["panel", "add", who]);
        for app in &ids {
            CLI.ok(&db, &["assign", app, who]);
        }
    }
    CLI.ok(
        &db,
        &[
            "conflict",
            "declare",
            &hope,
            "--as",
            "Priya",
            "--relationship",
            "My sister volunteers there",
        ],
    );
    let err = CLI.fails(
        &db,
        &[
            "score",
            "set",
            &hope,
            "--as",
            "Priya",
            "--criterion",
            "need",
            "--value",
            "3",
            "--why",
            "x",
        ],
    );
    assert!(err.contains("conflict"), "{err}");
    let criteria = ["relationships", "need", "plan", "reach"];
    let score_all = |app: &str, who: &str, values: [u8; 4]| {
        CLI.ok(&db, &["conflict", "declare", app, "--as", who, "--none"]);
        for (c, v) in criteria.iter().zip(values) {
            CLI.ok(
                &db,
                &[
                    "score",
                    "set",
                    app,
                    "--as",
                    who,
                    "--criterion",
                    c,
                    "--value",
                    &v.to_string(),
                    "--why",
                    "From the evidence.",
                ],
            );
        }
    };
    score_all(&hope, "Amara", [4, 4, 4, 4]);
    assert!(
        CLI.ok(&db, &["score", "show", &hope, "--as", "Tom"])
            .contains("no scores you may see"),
        "blind before submitting"
    );
    score_all(&hope, "Tom", [2, 5, 4, 4]);
    CLI.ok(&db, &["score", "submit", &hope, "--as", "Amara"]);
    let tom_view = CLI.ok(&db, &["score", "show", &hope, "--as", "Tom"]);
    assert!(
        !tom_view.contains("Amara"),
        "Tom has not submitted: {tom_view}"
    );
    CLI.ok(&db, &["score", "submit", &hope, "--as", "Tom"]);
    assert!(CLI
        .ok(&db, &["score", "show", &hope, "--as", "Tom"])
        .contains("Amara"));
    assert!(
        CLI.ok(&db, &["score", "show", &hope, "--as", "Priya"])
            .contains("no scores"),
        "conflicted sees nothing"
    );
    assert!(CLI
        .fails(
            &db,
            &[
                "score",
                "revise",
                &hope,
                "--as",
                "Tom",
                "--criterion",
                "relationships",
                "--value",
                "3",
                "--reason",
                ""
            ]
        )
        .contains("reason"));
    CLI.ok(
        &db,
        &[
            "score",
            "revise",
            &hope,
            "--as",
            "Tom",
            "--criterion",
            "relationships",
            "--value",
            "3",
            "--reason",
            "Watched the video again",
        ],
    );
    for app in &ids[1..] {
        score_all(app, "Amara", [3, 3, 3, 3]);
        score_all(app, "Tom", [3, 4, 3, 3]);
        CLI.ok(&db, &["score", "submit", app, "--as", "Amara"]);
        CLI.ok(&db, &["score", "submit", app, "--as", "Tom"]);
    }
    let report = CLI.ok(&db, &["moderation", "report", &round]);
    assert!(report.contains("alpha"), "{report}");
    let agreed = |app: &str, v: u8, note: &str| {
        let args: Vec<String> = criteria
            .iter()
            .map(|c| format!("{c}={v}:Clear evidence."))
            .collect();
        let mut all = vec!["moderation", "agree", app];
        for a in &args {
            all.push("--score");
            all.push(a);
        }
        all.push("--note");
        all.push(note);
        CLI.ok(&db, &all);
    };
    agreed(&hope, 4, "Agreed after discussing the video.");
    agreed(&ids[1], 3, "");
    agreed(&ids[2], 3, "");
    let allocation = CLI.ok(&db, &["decision", "allocate", &round]);
    assert!(
        allocation.contains("Hope Kitchen") && allocation.contains("DOES NOT FIT"),
        "{allocation}"
    );
    CLI.ok(
        &db,
        &[
            "decision",
            "record",
            &hope,
            "--outcome",
            "funded",
            "--amount",
            "8000",
            "--reasons",
            "Strong links with the families it serves.",
        ],
    );
    CLI.ok(
        &db,
        &[
            "decision",
            "record",
            &ids[2],
            "--outcome",
            "funded",
            "--amount",
            "6000",
            "--reasons",
            "A simple plan that reaches people.",
        ],
    );
    let err = CLI.fails(
        &db,
        &[
            "decision",
            "record",
            &ids[1],
            "--outcome",
            "funded",
            "--amount",
            "10000",
            "--reasons",
            "x",
        ],
    );
    assert!(err.contains("budget"), "{err}");
    CLI.ok(
        &db,
        &[
            "decision",
            "record",
            &ids[1],
            "--outcome",
            "not-funded",
            "--reasons",
            "Not enough budget left this round.",
        ],
    );
    let numbers: serde_json::Value =
        serde_json::from_str(&CLI.ok(&db, &["round", "numbers", &round, "--json"])).unwrap();
    assert_eq!(numbers["funded"], 2);
    assert_eq!(numbers["awarded_total_gbp"], 14000);
    // A group not yet in the directory applies: it is added on the spot.
    let walk_in = CLI.ok(
        &db,
        &[
            "application",
            "add",
            &round,
            "Sisters of the Market",
            "--new",
            "--amount",
            "2000",
            "--format",
            "conversation",
            "--summary",
            "Written up after a visit.",
        ],
    );
    assert!(CLI
        .ok(&db, &["application", "show", &walk_in])
        .contains("Sisters of the Market"));
    assert!(CLI
        .ok(&db, &["org", "show", "Sisters of the Market"])
        .contains("360G-trellis-sisters-of-the-market"));
    assert!(CLI.ok(&db, &["doctor"]).contains("no faults"));
}

#[test]
fn two_decisions_recorded_on_two_laptops_are_listed_to_settle_and_settled_by_recording_again() {
    use trellis_store::Store;
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("a.sqlite3");
    CLI.ok(
        &db,
        &[
            "org",
            "add",
            "--name",
            "Hope Kitchen",
            "--ref",
            "GB-CHC-1400001",
            "--income-band",
            "under-10k",
        ],
    );
    let round = CLI.ok(
        &db,
        &[
            "round",
            "create",
            "--title",
            "Interpreting at the GP 2027",
            "--topic",
            "No interpreters at GP appointments",
            "--budget",
            "20000",
            "--min-grant",
            "1000",
            "--max-grant",
            "10000",
            "--opens",
            "2026-06-01",
            "--closes",
            "2026-07-31",
            "--question",
            "What will you do?",
        ],
    );
    let hope = CLI.ok(
        &db,
        &[
            "application",
            "add",
            &round,
            "Hope Kitchen",
            "--amount",
            "8000",
            "--core",
            "--format",
            "video",
            "--summary",
            "Interpreters at two surgeries",
        ],
    );
    // Laptop B received everything laptop A holds, then both went offline.
    let mut b = Store::open(&dir.path().join("b.sqlite3")).unwrap();
    let shared = Store::open(&db)
        .unwrap()
        .local_changes_after(0, 1_000_000)
        .unwrap();
    b.apply_remote(&shared, 0).unwrap();
    let record = |outcome: &str, amount: &str, reasons: &str| {
        let mut args = vec!["decision", "record", &hope, "--outcome", outcome];
        if !amount.is_empty() {
            args.extend(["--amount", amount]);
        }
        args.extend(["--reasons", reasons]);
        CLI.ok(&db, &args)
    };
    record("funded", "8000", "Strong links with families.");
    b.record_decision(&trellis_core::grants::decision::DecisionInput {
        application_id: hope.clone(),
        outcome: "not funded".into(),
        reasons: "Outside the brief.".into(),
        ..Default::default()
    })
    .unwrap();
    // Back online: laptop A receives B's decision; both are kept and named.
    Store::open(&db)
        .unwrap()
        .apply_remote(&b.local_changes_after(0, 1_000_000).unwrap(), 0)
        .unwrap();
    let expected = "to settle: 2 decisions were recorded for Hope Kitchen's application on different laptops: record the one that stands";
    for args in [
        vec!["application", "list", &round],
        vec!["application", "show", &hope],
        vec!["decision", "allocate", &round],
    ] {
        let out = CLI.ok(&db, &args);
        assert!(out.contains(expected), "{args:?}: {out}");
        assert!(
            out.contains("not funded: Outside the brief.  (stands for now)")
                && out.contains("funded £8000: Strong links with families."),
            "{args:?}: {out}"
        );
    }
    record("funded", "8000", "The panel met again.");
    let out = CLI.ok(&db, &["application", "show", &hope]);
    assert!(
        !out.contains("to settle") && out.contains("The panel met again."),
        "{out}"
    );
}

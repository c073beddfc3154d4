//! Feedback letters from the command line: a round with decisions, letters drafted from
//! them, edited, approved and rendered; each PDF read back with poppler's tools.

use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

mod common;

const CLI: common::Cli = common::Cli {
    today: "2026-08-03",
    env: &[],
};

fn tool(name: &str, args: &[&str]) -> String {
    let out = Command::new(name)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run {name}: {e}"));
    assert!(
        out.status.success(),
        "{name} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn text_of(pdf: &Path) -> String {
    tool("pdftotext", &[pdf.to_str().unwrap(), "-"])
}

fn pages(pdf: &Path) -> usize {
    let info = tool("pdfinfo", &[pdf.to_str().unwrap()]);
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .map(|n| n.trim().parse().unwrap())
        .unwrap()
}

/// Positions of each needle in the text, in order; fails if one is missing or out of order.
fn in_order(text: &str, needles: &[&str]) {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut from = 0;
    for n in needles {
        let n: String = n.split_whitespace().collect::<Vec<_>>().join(" ");
        match flat[from..].find(&n) {
            Some(i) => from += i + n.len(),
            None => {
                panic!("{n:?} missing or out of order in:\n{flat}")
            }
        }
    }
}

const CRITERIA: [&str; 4] = ["relationships", "need", "plan", "reach"];
const TITLES: [&str; 4] = [
    "Trusting relationships with the communities served",
    "A need the community has identified",
    "A clear, simple plan for the money, with realistic outcomes",
    "A small organisation reaching the communities this round is for",
];

struct Round {
    _dir: TempDir,
    dir: PathBuf,
    db: PathBuf,
    round: String,
    /// (organisation, application id)
    apps: Vec<(String, String)>,
}

/// Four applications: funded, not funded, waitlisted, and one with no decision.
fn round_with_decisions() -> Round {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().to_path_buf();
    let db = dir.join("l.sqlite3");
    let orgs = [
        (
            "Hope Kitchen",
            "GB-CHC-1400001",
            "4 Market Street, Leeds",
            "LS1 6DT",
        ),
        (
            "Łączy Nas",
            "GB-COH-00934512",
            "Ul. Żółta 3, Bradford",
            "BD1 1AA",
        ),
        (
            "Ẹgbẹ́ Ìrànlọ́wọ́ Yorùbá",
            "GB-CHC-1400003",
            "9 Ọ̀ṣun Road, Leeds",
            "LS7 2AB",
        ),
        (
            "Late Group",
            "GB-CHC-1400004",
            "1 Late Lane, Leeds",
            "LS2 2AA",
        ),
    ];
    for (name, r, address, postcode) in orgs {
        CLI.ok(
            &db,
            &[
                "org",
                "add",
                "--name",
                name,
                "--ref",
                r,
                "--address",
                address,
                "--postcode",
                postcode,
                "--income-band",
                "under-10k",
            ],
        );
    }
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
        ],
    );
    let mut apps = Vec::new();
    for (name, ..) in orgs {
        let id = CLI.ok(
            &db,
            &[
                "application",
                "add",
                &round,
                name,
                "--amount",
                "8000",
                "--format",
                "written",
                "--summary",
                "Peer interpreters.",
                "--answer",
                "We will train peer interpreters.",
                "--received",
                "2026-07-10",
            ],
        );
        apps.push((name.to_string(), id));
    }
    let long = "The panel liked the peer interpreters and the links with the mosque and the market traders. ".repeat(12);
    let agree = |app: &str, v: u8, extra: &str| {
        let args: Vec<String> = CRITERIA
            .iter()
            .map(|c| format!("{c}={v}:Feedback on {c} for this bid.{extra}"))
            .collect();
        let mut all = vec!["moderation", "agree", app];
        for a in &args {
            all.push("--score");
            all.push(a);
        }
        CLI.ok(&db, &all);
    };
    agree(&apps[0].1, 4, "");
    agree(
        &apps[1].1,
        2,
        &format!(" {}", long.trim())
            .chars()
            .take(440)
            .collect::<String>(),
    );
    agree(&apps[2].1, 3, "");
    CLI.ok(
        &db,
        &[
            "decision",
            "record",
            &apps[0].1,
            "--outcome",
            "funded",
            "--amount",
            "8000",
            "--conditions",
            "Send us a short report in a year.",
            "--reasons",
            "Strong links with the families it serves.",
        ],
    );
    CLI.ok(
        &db,
        &[
            "decision",
            "record",
            &apps[1].1,
            "--outcome",
            "not-funded",
            "--reasons",
            "The plan did not say who would do the work.",
        ],
    );
    CLI.ok(
        &db,
        &[
            "decision",
            "record",
            &apps[2].1,
            "--outcome",
            "waitlisted",
            "--reasons",
            "A good bid, but the budget ran out.",
        ],
    );
    CLI.ok(
        &db,
        &[
            "letter",
            "letterhead",
            "--programme",
            "Leeds Anti-Racist Commissioning",
            "--line",
            "Voluntary Action Leeds",
            "--line",
            "Stringer House, LS2 7EY",
            "--sign-off",
            "Amara Okafor, Grants Officer",
        ],
    );
    Round {
        _dir: tmp,
        dir,
        db,
        round,
        apps,
    }
}

fn letter_ids(db: &Path, round: &str) -> Vec<(String, String, String)> {
    let list: serde_json::Value =
        serde_json::from_str(&CLI.ok(db, &["letters", "list", round, "--json"])).unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["id"].as_str().unwrap().to_string(),
                l["organisation_name"].as_str().unwrap().to_string(),
                l["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn letters_from_decisions_to_printed_pdfs() {
    let r = round_with_decisions();
    let db = &r.db;
    let drafted = CLI.ok(db, &["letter", "draft", &r.round]);
    assert!(drafted.contains("3 drafted"), "{drafted}");
    assert!(
        drafted.contains("no decision yet, no letter: Late Group"),
        "{drafted}"
    );
    assert!(CLI
        .ok(db, &["letter", "draft", &r.round])
        .contains("0 drafted, 3 already"));
    let letters = letter_ids(db, &r.round);
    assert_eq!(letters.len(), 3);
    assert!(letters.iter().all(|(.., s)| s == "draft"));
    let err = CLI.fails(
        db,
        &[
            "letters",
            "render",
            &r.round,
            "--out",
            r.dir.join("none").to_str().unwrap(),
        ],
    );
    assert!(err.contains("no approved letters"), "{err}");

    // Edit before approval, approve, then edit after approval: version 3, 2 kept.
    let (hope, ..) = letters
        .iter()
        .find(|(_, n, _)| n == "Hope Kitchen")
        .unwrap()
        .clone();
    CLI.ok(db, &["letter", "edit", &hope, "--paragraph", "1=Thank you for applying to Interpreting 2027. We will give Hope Kitchen a grant of £8,000."]);
    for (id, ..) in &letters {
        assert!(CLI
            .ok(db, &["letter", "approve", id])
            .contains("dated 2026-08-03"));
    }
    let err = CLI.fails(db, &["letter", "approve", &hope]);
    assert!(err.contains("already approved"), "{err}");
    let content = r.dir.join("hope.json");
    std::fs::write(
        &content,
        CLI.ok(db, &["letter", "show", &hope, "--content"]),
    )
    .unwrap();
    let mut c: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&content).unwrap()).unwrap();
    c["heading"] = "We will fund your application to Interpreting 2027 (corrected)".into();
    std::fs::write(&content, c.to_string()).unwrap();
    assert!(CLI
        .ok(
            db,
            &["letter", "edit", &hope, "--file", content.to_str().unwrap()]
        )
        .contains("version 3"));
    let view: serde_json::Value =
        serde_json::from_str(&CLI.ok(db, &["letter", "show", &hope, "--json"])).unwrap();
    let versions = view["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 3);
    assert_eq!(versions[1]["approved_on"], "2026-08-03");
    assert!(versions[2]["approved_on"].is_null());
    assert_eq!(view["status"], "draft");
    assert!(!versions[1]["content"]["heading"]
        .as_str()
        .unwrap()
        .contains("corrected"));

    // Render each approved letter (Hope Kitchen's approved version 2 is what prints).
    let out = r.dir.join("one");
    std::fs::create_dir(&out).unwrap();
    for (id, name, _) in &letters {
        let pdf = out.join(format!("{id}.pdf"));
        CLI.ok(
            db,
            &["letter", "render", id, "--out", pdf.to_str().unwrap()],
        );
        let text = text_of(&pdf);
        let decision = match name.as_str() {
            "Hope Kitchen" => "We will fund your application",
            "Łączy Nas" => "Your application to Interpreting 2027",
            _ => "is on our waiting list",
        };
        let mut needles = vec!["Leeds Anti-Racist Commissioning", name.as_str(), decision];
        for (c, t) in CRITERIA.iter().zip(TITLES) {
            needles.push(t);
            needles.push(Box::leak(
                format!("Feedback on {c} for this bid.").into_boxed_str(),
            ));
        }
        needles.push("Amara Okafor, Grants Officer");
        in_order(&text, &needles);
        assert!(!text.contains("corrected"));
        assert!(
            text.contains("3 August 2026") || text.contains("2026"),
            "{text}"
        );
        if name == "Łączy Nas" {
            assert!(text.contains("help with writing bids"), "{text}");
            assert!(pages(&pdf) >= 2, "long feedback flows onto a second page");
        }
        let info = tool("pdfinfo", &[pdf.to_str().unwrap()]);
        assert!(
            info.contains("595.") && info.contains("841.") && info.contains("(A4)"),
            "{info}"
        );
        let fonts = tool("pdffonts", &[pdf.to_str().unwrap()]);
        let rows: Vec<&str> = fonts.lines().skip(2).collect();
        assert!(!rows.is_empty());
        for row in rows {
            let cols: Vec<&str> = row.split_whitespace().collect();
            // name type encoding emb sub uni object ID: "emb" is the 4th from the end of
            // the fixed columns; check via the "yes yes" pair printed for emb and sub.
            assert!(
                cols.windows(2).any(|w| w == ["yes", "yes"]),
                "font not embedded: {row}"
            );
        }
        // Same letter, same bytes.
        let again = out.join(format!("{id}-again.pdf"));
        CLI.ok(
            db,
            &["letter", "render", id, "--out", again.to_str().unwrap()],
        );
        assert_eq!(
            std::fs::read(&pdf).unwrap(),
            std::fs::read(&again).unwrap(),
            "{name}"
        );
    }

    // The batch: one file per letter and the combined file with every page.
    let batch = r.dir.join("batch");
    let combined = r.dir.join("all.pdf");
    let said = CLI.ok(
        db,
        &[
            "letters",
            "render",
            &r.round,
            "--out",
            batch.to_str().unwrap(),
            "--combined",
            combined.to_str().unwrap(),
        ],
    );
    assert!(said.contains("wrote 3 letters"), "{said}");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&batch)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 3);
    let total: usize = files.iter().map(|f| pages(f)).sum();
    assert_eq!(pages(&combined), total);
    let all = text_of(&combined);
    for (_, name, _) in &letters {
        assert!(all.contains(name.as_str()), "{name}");
    }
    let leftovers: Vec<_> = std::fs::read_dir(&r.dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().contains("partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // Rendering again into the same folder gives the same bytes.
    let first: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    CLI.ok(
        db,
        &[
            "letters",
            "render",
            &r.round,
            "--out",
            batch.to_str().unwrap(),
        ],
    );
    let second: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    assert_eq!(first, second);

    // Printed, then sent; approving Hope Kitchen's version 3 makes it the approved one.
    let (laczy, ..) = letters
        .iter()
        .find(|(_, n, _)| n == "Łączy Nas")
        .unwrap()
        .clone();
    CLI.ok(db, &["letter", "mark-printed", &laczy]);
    assert!(CLI
        .fails(db, &["letter", "mark-sent", &laczy, "--how", "pigeon"])
        .contains("post, email or hand"));
    CLI.ok(
        db,
        &[
            "letter",
            "mark-sent",
            &laczy,
            "--how",
            "post",
            "--date",
            "2026-08-04",
        ],
    );
    // An edit after approval does not unapprove what was approved: version 2 is sent.
    assert!(CLI
        .ok(db, &["letter", "mark-sent", &hope, "--how", "email"])
        .contains("version 2 marked sent"));
    CLI.ok(db, &["letter", "approve", &hope]);
    let states: Vec<(String, String)> = letter_ids(db, &r.round)
        .into_iter()
        .map(|(_, n, s)| (n, s))
        .collect();
    assert!(
        states.contains(&("Łączy Nas".into(), "sent".into())),
        "{states:?}"
    );
    assert!(
        states.contains(&("Hope Kitchen".into(), "approved".into())),
        "{states:?}"
    );
    assert!(CLI
        .ok(db, &["letter", "show", &laczy])
        .contains("sent 2026-08-04 (version 1) by post"));
    assert!(CLI.ok(db, &["doctor"]).contains("no faults"));
    let export = CLI.ok(db, &["export"]);
    assert!(export.contains("\"letter_versions\"") && export.contains("\"letter_states\""));
}

#[test]
fn drafting_without_a_decision_names_the_organisation() {
    let r = round_with_decisions();
    let late = &r.apps[3].1;
    let err = CLI.fails(&r.db, &["letter", "draft", &r.round, "--application", late]);
    assert!(
        err.contains("Late Group") && err.contains("no decision"),
        "{err}"
    );
}

#[test]
fn a_template_with_an_unknown_placeholder_is_refused() {
    let r = round_with_decisions();
    let db = &r.db;
    let mut t: serde_json::Value =
        serde_json::from_str(&CLI.ok(db, &["letter", "template", "show", "not-funded"])).unwrap();
    t["paragraphs"][0] = "Dear {organisaton}, thank you.".into();
    let file = r.dir.join("t.json");
    std::fs::write(&file, t.to_string()).unwrap();
    let err = CLI.fails(
        db,
        &[
            "letter",
            "template",
            "set",
            "not-funded",
            "--file",
            file.to_str().unwrap(),
        ],
    );
    assert!(
        err.contains("{organisaton}") && err.contains("paragraphs[0]"),
        "{err}"
    );
    t["paragraphs"][0] = "We are sorry: {organisation} was not funded this time.".into();
    std::fs::write(&file, t.to_string()).unwrap();
    CLI.ok(
        db,
        &[
            "letter",
            "template",
            "set",
            "not-funded",
            "--file",
            file.to_str().unwrap(),
        ],
    );
    CLI.ok(db, &["letter", "draft", &r.round]);
    let laczy = letter_ids(db, &r.round)
        .into_iter()
        .find(|(_, n, _)| n == "Łączy Nas")
        .unwrap()
        .0;
    assert!(CLI
        .ok(db, &["letter", "show", &laczy])
        .contains("We are sorry: Łączy Nas was not funded"));
}

#[test]
fn a_missing_font_folder_is_named_and_nothing_is_written() {
    let r = round_with_decisions();
    let db = &r.db;
    CLI.ok(db, &["letter", "draft", &r.round]);
    for (id, ..) in letter_ids(db, &r.round) {
        CLI.ok(db, &["letter", "approve", &id]);
    }
    let empty_assets = r.dir.join("no-assets");
    std::fs::create_dir(&empty_assets).unwrap();
    let out = r.dir.join("batch");
    std::fs::create_dir(&out).unwrap();
    let combined = r.dir.join("all.pdf");
    let run = CLI.run_with(
        db,
        &[
            "letters",
            "render",
            &r.round,
            "--out",
            out.to_str().unwrap(),
            "--combined",
            combined.to_str().unwrap(),
        ],
        &[("TRELLIS_ASSETS", empty_assets.to_str().unwrap())],
    );
    assert!(!run.status.success());
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains(empty_assets.join("fonts").to_str().unwrap()),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0);
    assert!(!combined.exists());
    let leftovers = std::fs::read_dir(&r.dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains("partial")
        })
        .count();
    assert_eq!(leftovers, 0);
}

/// The height of the first word `word` in `pdftotext -bbox` output, in points.
fn word_height(pdf: &Path, word: &str) -> f64 {
    let html = tool("pdftotext", &["-bbox", pdf.to_str().unwrap(), "-"]);
    let line = html
        .lines()
        .find(|l| l.contains(&format!(">{word}</word>")))
        .unwrap_or_else(|| panic!("{word} not in {html}"));
    let attr = |name: &str| -> f64 {
        let start = line.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        line[start..].split('"').next().unwrap().parse().unwrap()
    };
    attr("yMax") - attr("yMin")
}

#[test]
fn large_print_preference_makes_16_point_letters() {
    let r = round_with_decisions();
    let db = &r.db;
    CLI.ok(db, &["letter", "draft", &r.round]);
    let letters = letter_ids(db, &r.round);
    for (id, ..) in &letters {
        CLI.ok(db, &["letter", "approve", id]);
    }
    let (hope, ..) = letters
        .iter()
        .find(|(_, n, _)| n == "Hope Kitchen")
        .unwrap()
        .clone();
    let standard = r.dir.join("standard.pdf");
    CLI.ok(
        db,
        &[
            "letter",
            "render",
            &hope,
            "--out",
            standard.to_str().unwrap(),
        ],
    );
    CLI.ok(db, &["org", "prefer", "Hope Kitchen", "--large-print"]);
    let batch = r.dir.join("batch");
    CLI.ok(
        db,
        &[
            "letters",
            "render",
            &r.round,
            "--out",
            batch.to_str().unwrap(),
        ],
    );
    let large = std::fs::read_dir(&batch)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("hope-kitchen"))
        .unwrap();
    let (small_h, large_h) = (
        word_height(&standard, "Thank"),
        word_height(&large, "Thank"),
    );
    assert!(
        large_h >= 16.0 && large_h > small_h * 1.3,
        "standard {small_h}, large {large_h}"
    );
    assert!(pages(&large) >= pages(&standard));
    let other = std::fs::read_dir(&batch)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("czy-nas"))
        .unwrap();
    assert!(
        word_height(&other, "Thank") < 16.0,
        "only Hope Kitchen asked for large print"
    );
    CLI.ok(db, &["org", "prefer", "Hope Kitchen", "--standard-print"]);
    assert!(CLI
        .ok(db, &["letter", "show", &hope])
        .contains("print     standard"));
}

#[test]
fn the_demo_database_prints_a_full_batch() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("demo.sqlite3");
    CLI.ok(&db, &["demo"]);
    let rounds: serde_json::Value =
        serde_json::from_str(&CLI.ok(&db, &["round", "list", "--json"])).unwrap();
    let round = rounds[0]["id"].as_str().unwrap().to_string();
    let apps: serde_json::Value =
        serde_json::from_str(&CLI.ok(&db, &["application", "list", &round, "--json"])).unwrap();
    let decided = apps
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| !a["decision"].is_null())
        .count();
    assert!(decided > 0);
    let letters = letter_ids(&db, &round);
    assert_eq!(
        letters.len(),
        decided,
        "every decided application has a letter"
    );
    assert!(letters.iter().all(|(.., s)| s == "approved"), "{letters:?}");
    let out = dir.path().join("batch");
    let combined = dir.path().join("all.pdf");
    CLI.ok(
        &db,
        &[
            "letters",
            "render",
            &round,
            "--out",
            out.to_str().unwrap(),
            "--combined",
            combined.to_str().unwrap(),
        ],
    );
    let files: Vec<PathBuf> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), decided);
    assert_eq!(
        pages(&combined),
        files.iter().map(|f| pages(f)).sum::<usize>()
    );
    assert!(CLI.ok(&db, &["doctor"]).contains("no faults"));
}

#[test]
fn two_letters_drafted_on_two_laptops_are_listed_to_settle_and_one_is_withdrawn() {
    use trellis_store::Store;
    let r = round_with_decisions();
    let (org, app) = r.apps[0].clone();
    // Laptop B received everything laptop A holds, then both went offline.
    let b_path = r.dir.join("b.sqlite3");
    let mut b = Store::open(&b_path).unwrap();
    let a_changes = Store::open(&r.db)
        .unwrap()
        .local_changes_after(0, 1_000_000)
        .unwrap();
    b.apply_remote(&a_changes, 0).unwrap();
    let drafted = CLI.ok(&r.db, &["letter", "draft", &r.round, "--application", &app]);
    let from_a = drafted.trim_start_matches("drafted ").to_string();
    let from_b = b
        .draft_letter(uuid::Uuid::parse_str(&app).unwrap())
        .unwrap()
        .to_string();
    // Back online: laptop A receives B's letter; both are kept.
    Store::open(&r.db)
        .unwrap()
        .apply_remote(&b.local_changes_after(0, 1_000).unwrap(), 0)
        .unwrap();
    let list = CLI.ok(&r.db, &["letters", "list", &r.round]);
    assert!(
        list.contains(&format!(
            "to settle: 2 letters were drafted for {org}'s application on different laptops"
        )),
        "{list}"
    );
    let err = CLI.fails(&r.db, &["letter", "approve", &from_a]);
    assert!(err.contains("keep one and withdraw the other"), "{err}");
    CLI.ok(
        &r.db,
        &[
            "letter",
            "withdraw",
            &from_b,
            "--reason",
            "drafted twice",
            "--by",
            "Sam",
        ],
    );
    assert!(CLI
        .ok(&r.db, &["letter", "show", &from_b])
        .contains("withdrawn (drafted twice)"));
    let list = CLI.ok(&r.db, &["letters", "list", &r.round]);
    assert!(
        !list.contains("to settle") && !list.contains(&from_b),
        "{list}"
    );
    CLI.ok(&r.db, &["letter", "approve", &from_a]);
}

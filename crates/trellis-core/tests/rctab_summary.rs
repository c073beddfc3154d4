//! The RCTab-style summary (`trellis_core::ballot::export::rctab_summary`) against RCTab's own
//! reports: for the conformance cases that `rctab_conformance.rs` compares round by round
//! (RCTab's rules cannot change their count; see that file), the summary made from Trellis's
//! count must give RCTab's `tally`, `tallyResults` (eliminated, elected, transfers) and
//! threshold in every round, and RCTab's ballot totals.
//!
//! The cases' `expected.json` hold RCTab's figures as numbers (converted from RCTab's strings;
//! see `tests/conformance/rctab/README.md`); the summary writes counts as strings, as RCTab
//! does. Both are normalised to numbers before comparing.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;
use trellis_core::ballot::export::{rctab_summary, SummaryMeta};
use trellis_core::ballot::record::{BallotFields, BallotOption, Eligibility};
use trellis_core::ballot::{Method, OptionId, Tally, Vote};

const UWI: &str = "Undeclared Write-ins";

/// The cases `rctab_conformance.rs` compares with RCTab round by round.
const CASES: &[&str] = &[
    "test_set_0_skipped_first_choice",
    "test_set_1_exhaust_at_overvote",
    "test_set_4_skipped_choice_next",
    "test_set_7_duplicate_skip_to_next",
    "2024_alaska_dominion",
];

fn case_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/conformance/rctab")
        .join(name)
}

fn read_json(path: PathBuf) -> Value {
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// RFC 4180 rows (quoted cells with commas and doubled quotes; LF or CRLF).
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let (mut row, mut cell, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, _) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, _) => cell.push(c),
        }
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push(cell);
        rows.push(row);
    }
    rows
}

/// The ballot (candidates as options, id and label both the candidate's name) and the
/// rankings, converted as `rctab_conformance.rs` converts them: blanks and repeats passed
/// through, a ranking ending before an overvote (`A|B`).
fn load(name: &str) -> (BallotFields, Vec<Vote>, Value) {
    let dir = case_dir(name);
    let text = std::fs::read_to_string(dir.join("ballots.csv")).expect("ballots.csv");
    let rows = csv_rows(&text);
    let rankings: Vec<Vec<Option<OptionId>>> = rows[1..]
        .iter()
        .map(|row| {
            let mut r = Vec::new();
            for cell in &row[1..] {
                if cell.contains('|') {
                    break;
                }
                r.push((!cell.is_empty()).then(|| OptionId::new(cell.as_str())));
            }
            r
        })
        .collect();
    let rules = read_json(dir.join("rules.json"));
    let mut names: Vec<String> = rules["candidates"]
        .as_array()
        .expect("candidates")
        .iter()
        .filter(|c| c["excluded"] != Value::Bool(true))
        .map(|c| c["name"].as_str().expect("name").to_string())
        .collect();
    if rankings
        .iter()
        .flatten()
        .any(|o| o.as_ref().is_some_and(|o| o.as_str() == UWI))
    {
        names.push(UWI.to_string());
    }
    let ballot = BallotFields {
        question: name.to_string(),
        options: names
            .iter()
            .map(|n| BallotOption {
                id: OptionId::new(n.as_str()),
                label: n.clone(),
                issue_id: None,
            })
            .collect(),
        method: Method::RankedIrv,
        eligibility: Eligibility::AnonymousToken,
        meeting_id: None,
        opens_at: None,
        closes_at: None,
        seed: 0,
    };
    let votes = rankings
        .into_iter()
        .map(|ranking| Vote::Ranking { ranking })
        .collect();
    (ballot, votes, read_json(dir.join("expected.json")))
}

/// A count written as a number or a string.
fn n(v: &Value) -> u64 {
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or_else(|| panic!("not a count: {v}"))
}

fn counts(v: &Value) -> BTreeMap<String, u64> {
    v.as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), n(v))).collect())
        .unwrap_or_default()
}

/// (eliminated, elected, transfers by eliminated candidate) from a summary round.
type Outcome = (
    Vec<String>,
    Vec<String>,
    BTreeMap<String, BTreeMap<String, u64>>,
);

fn ours(round: &Value) -> Outcome {
    let (mut out, mut won, mut transfers) = (Vec::new(), Vec::new(), BTreeMap::new());
    for r in round["tallyResults"].as_array().expect("tallyResults") {
        if let Some(e) = r["eliminated"].as_str() {
            out.push(e.to_string());
            transfers.insert(e.to_string(), counts(&r["transfers"]));
        }
        if let Some(w) = r["elected"].as_str() {
            won.push(w.to_string());
            assert_eq!(r["transfers"], serde_json::json!({}));
        }
    }
    (out, won, transfers)
}

fn theirs(round: &Value) -> Outcome {
    let names = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let transfers = round["transfers"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(from, to)| {
                    let to = counts(to).into_iter().filter(|(_, v)| *v > 0).collect();
                    (from.clone(), to)
                })
                .collect()
        })
        .unwrap_or_default();
    (
        names(&round["eliminated"]),
        names(&round["elected"]),
        transfers,
    )
}

#[test]
fn summary_rounds_match_rctab_reports() {
    for name in CASES {
        let (ballot, votes, expected) = load(name);
        let Ok(Tally::RankedIrv(result)) = ballot.counting_rules().tally(&votes, ballot.seed)
        else {
            panic!("{name}: not counted");
        };
        let meta = SummaryMeta {
            contest: expected["contest"]["contest"]
                .as_str()
                .unwrap_or(name)
                .to_string(),
            date: expected["contest"]["date"].as_str().unwrap_or("").into(),
            jurisdiction: expected["contest"]["jurisdiction"]
                .as_str()
                .unwrap_or("")
                .into(),
            office: expected["contest"]["office"].as_str().unwrap_or("").into(),
        };
        let summary = rctab_summary(&ballot, &result, &meta);
        assert_eq!(summary["config"]["contest"], expected["contest"]["contest"]);

        let got = summary["results"].as_array().expect("results");
        let want = expected["rounds"].as_array().expect("rounds");
        assert_eq!(got.len(), want.len(), "{name}: rounds");
        let on_ballot = ballot.options.iter().any(|o| o.label == UWI);
        for (g, w) in got.iter().zip(want) {
            let round = n(&g["round"]);
            assert_eq!(round, n(&w["round"]), "{name}");
            // RCTab lists the write-in pool at 0 when no ballot names it; it is no option here.
            let mut their_tally = counts(&w["tally"]);
            if !on_ballot && their_tally.get(UWI) == Some(&0) {
                their_tally.remove(UWI);
            }
            assert_eq!(
                counts(&g["tally"]),
                their_tally,
                "{name} round {round}: tally"
            );
            assert_eq!(ours(g), theirs(w), "{name} round {round}: tallyResults");
            assert_eq!(
                n(&g["threshold"]),
                n(&w["threshold"]),
                "{name} round {round}: threshold"
            );
            // Inactive ballots plus undervotes: every ballot not continuing.
            let inactive: u64 = counts(&g["inactiveBallots"]).values().sum();
            assert_eq!(
                inactive + n(&summary["summary"]["undervotes"]),
                n(&w["exhausted_total"]) + n(&expected["undervotes"]),
                "{name} round {round}: ballots not continuing"
            );
        }
        assert_eq!(
            n(&summary["summary"]["totalNumBallots"]),
            n(&expected["total_ballots"]),
            "{name}"
        );
        assert_eq!(
            n(&summary["config"]["threshold"]),
            n(&expected["final_threshold"]),
            "{name}"
        );
        let winner = want
            .last()
            .and_then(|r| r["elected"].as_array())
            .and_then(|a| a.first())
            .and_then(Value::as_str);
        assert_eq!(winner, expected["winner"].as_str(), "{name}");
        assert_eq!(summary["summary"]["numWinners"], 1, "{name}");
        eprintln!("{name}: {} rounds match RCTab's report", got.len());
    }
}

#[test]
fn summary_is_deterministic() {
    let (ballot, votes, _) = load("test_set_0_skipped_first_choice");
    let count = || match ballot.counting_rules().tally(&votes, 7) {
        Ok(Tally::RankedIrv(r)) => r,
        other => panic!("{other:?}"),
    };
    let meta = SummaryMeta::default();
    let a = serde_json::to_string(&rctab_summary(&ballot, &count(), &meta)).expect("json");
    let b = serde_json::to_string(&rctab_summary(&ballot, &count(), &meta)).expect("json");
    assert_eq!(a, b);
}

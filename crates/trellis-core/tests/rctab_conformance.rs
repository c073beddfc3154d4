//! Conformance of Trellis's IRV count (`trellis_core::ballot::irv`) with RCTab, the
//! ranked-choice tabulator used in US elections, on the single-winner test sets in
//! `tests/conformance/rctab/` (converted from RCTab's own test suite; MPL 2.0 test data, see
//! `NOTICE.md` and `README.md` there).
//!
//! A case is compared round by round only when every RCTab rule in force either matches
//! Trellis's rules or cannot change that case's count. Which RCTab rules could change a count
//! is worked out from the case's own files by [`rule_differences`], so a skip can never hide a
//! case that should pass, and the lists below must agree with that analysis:
//!
//! - The threshold is the same everywhere: RCTab's single-winner threshold is
//!   `floor(continuing / 2) + 1` recomputed every round (no Hare quota, no fixed first-round
//!   threshold, no minimum vote threshold), which is Trellis's "more than half of the
//!   continuing ballots". It is compared in every round.
//! - Blank ranks: Trellis always skips them. RCTab exhausts a ballot whose next mark follows
//!   more than `maxSkippedRanksAllowed` consecutive blanks (counting from the start of the
//!   ballot), when the count reaches that mark.
//! - Repeated options: Trellis skips a repeat. RCTab does too unless
//!   `exhaustOnDuplicateCandidate` is set, which exhausts the ballot at the repeat.
//! - Overvotes (two options marked at one rank): a Trellis ballot cannot hold one, since a rank
//!   names one option or is blank. Under RCTab's `exhaustImmediately` the ballot becomes
//!   inactive when the count reaches the overvoted rank, whatever has been eliminated, which
//!   is exactly what a ballot that *ends* at that rank does; so the harness ends the ranking
//!   before an overvote and the case still compares (a ballot whose very first mark is an
//!   overvote therefore reaches Trellis as a blank ballot). `alwaysSkipToNextRank` has no
//!   Trellis equivalent.
//! - Elimination: Trellis eliminates one option per round. RCTab's `batchElimination` can
//!   remove several in one round.
//! - Write-ins: RCTab eliminates `Undeclared Write-ins` first whenever it has votes and never
//!   elects anyone while it has votes; to Trellis it is an ordinary option.
//! - Ties for last: Trellis looks back at earlier rounds, then draws a lot from a recorded
//!   seed; RCTab uses its `tiebreakMode` (`random` with `java.util.Random`, candidate order,
//!   or asking the operator). No case has a tie for last in RCTab's count, so this never
//!   decides a comparison; [`rule_differences`] checks that too.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde_json::Value;
use trellis_core::ballot::irv::{self, IrvResult};
use trellis_core::ballot::OptionId;

const UWI: &str = "Undeclared Write-ins";

/// Cases compared with RCTab round by round, and why they apply.
const COMPARED: &[(&str, &str)] = &[
    (
        "test_set_0_skipped_first_choice",
        "blank first rank skipped, repeated candidate skipped; its one overvote is under \
         exhaustImmediately (ranking ends there); maxSkippedRanksAllowed=4 cannot trigger \
         with 4 ranks",
    ),
    (
        "test_set_1_exhaust_at_overvote",
        "overvotes under exhaustImmediately (ranking ends there; ballot 1's rank-1 overvote \
         makes it a blank ballot); maxSkippedRanksAllowed=4 cannot trigger with 4 ranks",
    ),
    (
        "test_set_4_skipped_choice_next",
        "blank ranks skipped as Trellis does; overvoteRule differs but no ballot has an \
         overvote",
    ),
    (
        "test_set_7_duplicate_skip_to_next",
        "repeated candidate skipped as Trellis does; no overvotes",
    ),
    (
        "2024_alaska_dominion",
        "real ballots; one round (Begich has a majority), so maxSkippedRanksAllowed=1 only \
         matters before a first mark and no ballot has two blanks there; the write-in pool has \
         0 votes; its one overvote is never reached",
    ),
];

/// Cases not compared: the RCTab rule that changes their count (the text must appear in what
/// [`rule_differences`] finds for the case).
const SKIPPED: &[(&str, &str)] = &[
    (
        "test_set_2_overvote_skip_to_next",
        // Also maxSkippedRanksAllowed=0.
        "overvoteRule=alwaysSkipToNextRank",
    ),
    (
        "test_set_3_skipped_choice_exhaust",
        "maxSkippedRanksAllowed=0",
    ),
    (
        "test_set_5_two_skipped_choice_exhaust",
        "maxSkippedRanksAllowed=1",
    ),
    (
        "test_set_6_duplicate_exhaust",
        "exhaustOnDuplicateCandidate=true",
    ),
    ("generic_csv_test", "write-ins"),
    ("clear_ballot_kansas_primary", "batchElimination"),
    ("dominion_alaska", "write-ins"),
];

#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Blank,
    One(String),
    /// Two or more options marked at one rank.
    Over(Vec<String>),
}

struct Case {
    name: String,
    /// Ballot order: RCTab's candidate list, then the write-in pool if a ballot names it.
    options: Vec<OptionId>,
    /// (voter id, cells by rank)
    ballots: Vec<(String, Vec<Cell>)>,
    expected: Value,
    rules: Value,
}

fn case_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/conformance/rctab")
        .join(name)
}

fn read(path: PathBuf) -> String {
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn read_json(path: PathBuf) -> Value {
    serde_json::from_str(&read(path.clone()))
        .unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

/// RFC 4180 CSV: fields may be quoted (with `""` for a quote) and contain commas.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                _ => field.push(c),
            }
        } else {
            match c {
                '"' => quoted = true,
                ',' => row.push(std::mem::take(&mut field)),
                '\r' => {}
                '\n' => {
                    row.push(std::mem::take(&mut field));
                    rows.push(std::mem::take(&mut row));
                }
                _ => field.push(c),
            }
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

fn load(name: &str) -> Case {
    let dir = case_dir(name);
    let rows = parse_csv(&read(dir.join("ballots.csv")));
    let (header, body) = rows.split_first().expect("ballots.csv has a header");
    assert_eq!(header[0], "voter", "{name}: header {header:?}");
    assert!(
        header[1..]
            .iter()
            .enumerate()
            .all(|(i, h)| *h == format!("choice_{}", i + 1)),
        "{name}: header {header:?}"
    );
    let ballots: Vec<(String, Vec<Cell>)> = body
        .iter()
        .map(|row| {
            assert_eq!(row.len(), header.len(), "{name}: row {row:?}");
            let cells = row[1..]
                .iter()
                .map(|c| {
                    if c.is_empty() {
                        Cell::Blank
                    } else if c.contains('|') {
                        Cell::Over(c.split('|').map(str::to_string).collect())
                    } else {
                        Cell::One(c.clone())
                    }
                })
                .collect();
            (row[0].clone(), cells)
        })
        .collect();
    let rules = read_json(dir.join("rules.json"));
    let mut options: Vec<OptionId> = rules["candidates"]
        .as_array()
        .expect("candidates")
        .iter()
        .filter(|c| c["excluded"] != Value::Bool(true))
        .map(|c| OptionId::new(c["name"].as_str().expect("candidate name")))
        .collect();
    let on_a_ballot = ballots.iter().any(|(_, cells)| {
        cells.iter().any(|c| match c {
            Cell::One(n) => n == UWI,
            Cell::Over(ns) => ns.iter().any(|n| n == UWI),
            Cell::Blank => false,
        })
    });
    if on_a_ballot {
        options.push(OptionId::new(UWI));
    }
    Case {
        name: name.to_string(),
        options,
        ballots,
        expected: read_json(dir.join("expected.json")),
        rules,
    }
}

/// A Trellis ranking: blank ranks and repeats are passed through (the count skips them); the
/// ranking ends before an overvote (see the module documentation).
fn ranking(cells: &[Cell]) -> Vec<Option<OptionId>> {
    let mut out = Vec::new();
    for c in cells {
        match c {
            Cell::Blank => out.push(None),
            Cell::One(n) => out.push(Some(OptionId::new(n.as_str()))),
            Cell::Over(_) => break,
        }
    }
    out
}

fn count(case: &Case, seed: u64) -> IrvResult {
    let rankings: Vec<Vec<Option<OptionId>>> =
        case.ballots.iter().map(|(_, c)| ranking(c)).collect();
    irv::count(&case.options, rankings.iter().map(|r| r.as_slice()), seed)
        .unwrap_or_else(|e| panic!("{}: {e}", case.name))
}

fn rule<'a>(case: &'a Case, key: &str) -> &'a Value {
    &case.rules["rctab_rules"][key]
}

fn rule_str(case: &Case, key: &str) -> String {
    match rule(case, key) {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        v => v.to_string(),
    }
}

fn as_u64(v: &Value) -> u64 {
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or_else(|| panic!("not a count: {v}"))
}

fn expected_rounds(case: &Case) -> &Vec<Value> {
    case.expected["rounds"].as_array().expect("rounds")
}

fn names(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|x| x.as_str().expect("name").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The RCTab rules in force for this case that Trellis does not have and that change (or may
/// change) its count. Empty means the case must match Trellis round by round.
///
/// Ballot-level rules are checked the way RCTab applies them: a ballot is walked through its
/// ranks in order, passing every mark whose option RCTab eliminated at some point, and
/// stopping at the first option that stays in to the end (nothing after it is ever reached).
fn rule_differences(case: &Case) -> Vec<String> {
    let mut found = BTreeSet::new();

    if rule_str(case, "winnerElectionMode") != "singleWinnerMajority"
        || rule_str(case, "numberOfWinners") != "1"
    {
        found.insert("not a single-winner majority contest".to_string());
    }
    for flag in [
        "nonIntegerWinningThreshold",
        "hareQuota",
        "doesFirstRoundDetermineThreshold",
        "continueUntilTwoCandidatesRemain",
    ] {
        if rule(case, flag) == &Value::Bool(true) {
            found.insert(format!("threshold/stopping rule {flag}=true"));
        }
    }
    if !matches!(rule_str(case, "minimumVoteThreshold").as_str(), "" | "0") {
        found.insert("minimumVoteThreshold is set".to_string());
    }
    if !rule_str(case, "stopTabulationEarlyAfterRound").is_empty() {
        found.insert("stopTabulationEarlyAfterRound is set".to_string());
    }

    let rounds = expected_rounds(case);
    let eliminated: BTreeSet<String> = rounds
        .iter()
        .flat_map(|r| names(&r["eliminated"]))
        .collect();
    let max_skips: usize = rule_str(case, "maxSkippedRanksAllowed")
        .parse()
        .unwrap_or(usize::MAX);
    let max_ranks: usize = rule_str(case, "maxRankingsAllowed")
        .parse()
        .unwrap_or(usize::MAX);
    let overvote_rule = rule_str(case, "overvoteRule");
    let dup_exhausts = rule(case, "exhaustOnDuplicateCandidate") == &Value::Bool(true);

    let mut by_rule: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (voter, cells) in &case.ballots {
        if cells.len() > max_ranks {
            if let Some(last) = cells.iter().rposition(|c| *c != Cell::Blank) {
                if last >= max_ranks {
                    by_rule
                        .entry(format!("maxRankingsAllowed={max_ranks}"))
                        .or_default()
                        .push(voter.clone());
                }
            }
        }
        let mut previous_mark = 0usize; // ranks count from 1; the ballot's start is rank 0
        let mut seen = BTreeSet::new();
        for (i, cell) in cells.iter().enumerate() {
            let rank = i + 1;
            if *cell == Cell::Blank {
                continue;
            }
            let blanks = rank - previous_mark - 1;
            previous_mark = rank;
            if blanks > max_skips {
                by_rule
                    .entry(format!(
                        "maxSkippedRanksAllowed={max_skips}: RCTab exhausts a ballot whose next \
                         mark follows more than {max_skips} blank rank(s); Trellis skips blanks"
                    ))
                    .or_default()
                    .push(voter.clone());
                break;
            }
            match cell {
                Cell::Blank => {}
                Cell::Over(_) => {
                    if overvote_rule != "exhaustImmediately" {
                        by_rule
                            .entry(format!(
                                "overvoteRule={overvote_rule}: the count reaches an overvote, \
                                 which RCTab skips; a Trellis ballot cannot hold an overvote and \
                                 only exhaustImmediately maps onto a ranking that ends there"
                            ))
                            .or_default()
                            .push(voter.clone());
                        // alwaysSkipToNextRank passes over the overvoted rank, which still
                        // counts as a mark for the skipped-rank check.
                        continue;
                    }
                    // exhaustImmediately: the ballot is inactive from here on.
                    break;
                }
                Cell::One(name) => {
                    if !seen.insert(name.clone()) {
                        if dup_exhausts {
                            by_rule
                                .entry(
                                    "exhaustOnDuplicateCandidate=true: RCTab exhausts a ballot at \
                                     a repeated candidate; Trellis skips the repeat"
                                        .to_string(),
                                )
                                .or_default()
                                .push(voter.clone());
                            break;
                        }
                        continue;
                    }
                    if !eliminated.contains(name) {
                        break;
                    }
                }
            }
        }
    }
    for (what, voters) in by_rule {
        found.insert(format!(
            "{what} ({} ballot(s) reached, e.g. voter {})",
            voters.len(),
            voters[0]
        ));
    }

    for r in rounds {
        let n = as_u64(&r["round"]);
        let out = names(&r["eliminated"]);
        if out.len() > 1 {
            found.insert(format!(
                "batchElimination: round {n} eliminates {out:?} together; Trellis eliminates one \
                 option per round"
            ));
        }
        let tally: BTreeMap<String, u64> = r["tally"]
            .as_object()
            .expect("tally")
            .iter()
            .map(|(k, v)| (k.clone(), as_u64(v)))
            .collect();
        let uwi_votes = tally.get(UWI).copied().unwrap_or(0);
        let fewest = tally.values().copied().min().unwrap_or(0);
        let at_fewest: Vec<&String> = tally
            .iter()
            .filter(|(_, v)| **v == fewest)
            .map(|(k, _)| k)
            .collect();
        if uwi_votes > 0 && !(out == [UWI] && at_fewest == [UWI]) {
            found.insert(format!(
                "write-ins: '{UWI}' has {uwi_votes} votes in round {n}; RCTab eliminates it \
                 first whatever its tally and elects no one while it has votes; to Trellis it is \
                 an ordinary option"
            ));
        }
        if out.len() == 1 && at_fewest.len() > 1 {
            found.insert(format!(
                "tie for last in round {n} between {at_fewest:?}, settled by RCTab's \
                 tiebreakMode={}",
                rule_str(case, "tiebreakMode")
            ));
        }
    }
    found.into_iter().collect()
}

/// Compares a Trellis count with RCTab's expected report, round by round.
fn compare(case: &Case, got: &IrvResult) -> Vec<String> {
    let mut bad = Vec::new();
    let name = &case.name;
    let exp = &case.expected;
    let undervotes = as_u64(&exp["undervotes"]);
    let total = as_u64(&exp["total_ballots"]);
    if got.turnout != total {
        bad.push(format!("turnout {} vs total_ballots {total}", got.turnout));
    }
    // A ballot whose first mark is an overvote reaches Trellis with an empty ranking.
    let first_mark_overvote = case
        .ballots
        .iter()
        .filter(|(_, c)| matches!(c.iter().find(|x| **x != Cell::Blank), Some(Cell::Over(_))))
        .count() as u64;
    if got.blank_ballots != undervotes + first_mark_overvote {
        bad.push(format!(
            "blank ballots {} vs undervotes {undervotes} + {first_mark_overvote} overvoted at \
             the first mark",
            got.blank_ballots
        ));
    }
    let winner = exp["winner"].as_str();
    if got.winner.as_ref().map(|w| w.as_str()) != winner {
        bad.push(format!("winner {:?} vs {winner:?}", got.winner));
    }
    let rounds = expected_rounds(case);
    if got.rounds.len() != rounds.len() {
        bad.push(format!(
            "{} rounds vs RCTab's {}",
            got.rounds.len(),
            rounds.len()
        ));
    }
    let on_ballot: BTreeSet<&str> = case.options.iter().map(|o| o.as_str()).collect();
    for (ours, theirs) in got.rounds.iter().zip(rounds) {
        let n = ours.round;
        assert_eq!(
            u64::from(n),
            as_u64(&theirs["round"]),
            "{name}: round numbering"
        );
        let our_tally: BTreeMap<String, u64> = ours
            .tallies
            .iter()
            .map(|t| (t.option.0.clone(), t.count))
            .collect();
        // RCTab lists the write-in pool at 0 when a write-in label is configured even if no
        // ballot names it; such an entry is not an option here.
        let their_tally: BTreeMap<String, u64> = theirs["tally"]
            .as_object()
            .expect("tally")
            .iter()
            .map(|(k, v)| (k.clone(), as_u64(v)))
            .filter(|(k, v)| !(k == UWI && *v == 0 && !on_ballot.contains(UWI)))
            .collect();
        if our_tally != their_tally {
            bad.push(format!("round {n}: tally {our_tally:?} vs {their_tally:?}"));
        }
        let checks = [
            (
                "continuing ballots",
                ours.continuing_ballots,
                as_u64(&theirs["continuing_ballots"]),
            ),
            (
                "exhausted (RCTab: inactive + undervotes)",
                ours.exhausted,
                as_u64(&theirs["exhausted_total"]) + undervotes,
            ),
            (
                "majority (RCTab: threshold)",
                ours.majority,
                as_u64(&theirs["threshold"]),
            ),
        ];
        for (what, a, b) in checks {
            if a != b {
                bad.push(format!("round {n}: {what} {a} vs {b}"));
            }
        }
        let our_out: Vec<String> = ours.eliminated.iter().map(|e| e.option.0.clone()).collect();
        if our_out != names(&theirs["eliminated"]) {
            bad.push(format!(
                "round {n}: eliminated {our_out:?} vs {:?}",
                names(&theirs["eliminated"])
            ));
        }
        let our_in: Vec<String> = ours.elected.iter().map(|e| e.0.clone()).collect();
        if our_in != names(&theirs["elected"]) {
            bad.push(format!(
                "round {n}: elected {our_in:?} vs {:?}",
                names(&theirs["elected"])
            ));
        }
        let mut our_transfers: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        if let Some(e) = &ours.eliminated {
            let to = our_transfers.entry(e.option.0.clone()).or_default();
            for t in &e.transfers {
                to.insert(t.option.0.clone(), t.count);
            }
            if e.to_exhausted > 0 {
                to.insert("exhausted".to_string(), e.to_exhausted);
            }
        }
        let their_transfers: BTreeMap<String, BTreeMap<String, u64>> = theirs["transfers"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(from, to)| {
                        let to = to
                            .as_object()
                            .expect("transfer targets")
                            .iter()
                            .map(|(k, v)| (k.clone(), as_u64(v)))
                            .filter(|(_, v)| *v > 0)
                            .collect();
                        (from.clone(), to)
                    })
                    .collect()
            })
            .unwrap_or_default();
        if our_transfers != their_transfers {
            bad.push(format!(
                "round {n}: transfers {our_transfers:?} vs {their_transfers:?}"
            ));
        }
    }
    bad
}

fn index_cases() -> Vec<String> {
    let index = read_json(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/rctab/index.json"),
    );
    index["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| c["case"].as_str().expect("case name").to_string())
        .collect()
}

#[test]
fn csv_parser_handles_quotes_and_commas() {
    let rows = parse_csv("voter,choice_1,choice_2\r\n1,\"Begich, Nick\",\n2,\"a \"\"b\"\"\",c\n");
    assert_eq!(
        rows,
        vec![
            vec!["voter", "choice_1", "choice_2"],
            vec!["1", "Begich, Nick", ""],
            vec!["2", "a \"b\"", "c"],
        ]
    );
}

#[test]
fn every_case_is_either_compared_or_skipped_with_a_reason() {
    let listed: BTreeSet<&str> = COMPARED
        .iter()
        .chain(SKIPPED)
        .map(|(name, _)| *name)
        .collect();
    assert_eq!(listed.len(), COMPARED.len() + SKIPPED.len(), "listed twice");
    let cases = index_cases();
    let in_index: BTreeSet<&str> = cases.iter().map(String::as_str).collect();
    assert_eq!(listed, in_index);
}

#[test]
fn compared_cases_have_no_rctab_rule_that_changes_the_count() {
    for (name, why) in COMPARED {
        let case = load(name);
        let diffs = rule_differences(&case);
        assert!(
            diffs.is_empty(),
            "{name} is listed as compared ({why}) but RCTab rules differ: {diffs:#?}"
        );
    }
}

#[test]
fn skipped_cases_differ_for_the_stated_reason() {
    for (name, reason) in SKIPPED {
        let case = load(name);
        let diffs = rule_differences(&case);
        eprintln!("skipped {name}:");
        for d in &diffs {
            eprintln!("    {d}");
        }
        assert!(
            diffs.iter().any(|d| d.contains(reason)),
            "{name}: expected a difference mentioning {reason:?}, found {diffs:#?}"
        );
    }
}

#[test]
fn matches_rctab_round_by_round() {
    let mut failures = Vec::new();
    for (name, _) in COMPARED {
        let case = load(name);
        // Any seed: no case has a tie for last, which `rule_differences` checks.
        for seed in [0u64, 1, 0x5EED] {
            let got = count(&case, seed);
            assert!(!got.lot_drawn, "{name}: no lot should be needed");
            let bad = compare(&case, &got);
            if !bad.is_empty() {
                failures.push(format!("{name} (seed {seed}):\n    {}", bad.join("\n    ")));
            }
        }
        eprintln!(
            "{name}: {} rounds, winner {:?}: matches RCTab",
            expected_rounds(&case).len(),
            case.expected["winner"]
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn comparison_fails_when_a_rule_is_wrong() {
    // The harness itself must catch a wrong count: here, ballots from test set 7 with each
    // repeated candidate turned into an exhaustion (RCTab's other duplicate rule) no longer
    // match RCTab's report for set 7.
    let mut case = load("test_set_7_duplicate_skip_to_next");
    for (_, cells) in &mut case.ballots {
        let mut seen = BTreeSet::new();
        if let Some(at) = cells.iter().position(|c| match c {
            Cell::One(n) => !seen.insert(n.clone()),
            _ => false,
        }) {
            cells.truncate(at);
        }
    }
    assert!(!compare(&case, &count(&case, 0)).is_empty());
}

#[test]
fn skipped_cases_under_trellis_rules_agree_with_the_converters_simple_rule_recount() {
    // Not RCTab conformance: the converter (see README.md) recounted every case under "simple
    // rules" that match Trellis's (blanks and repeats skipped, an overvote exhausts, majority of
    // continuing ballots, one elimination per round, write-ins ordinary). Where it found a
    // winner, Trellis must find the same one in the same number of rounds.
    for (name, _) in SKIPPED {
        let case = load(name);
        let got = count(&case, 0);
        let replay = &case.rules["simple_rules_replay"];
        let rounds = as_u64(&replay["rounds_under_simple_rules"]);
        match replay["winner_under_simple_rules"].as_str() {
            Some(w) => {
                assert_eq!(got.winner.as_ref().map(|x| x.as_str()), Some(w), "{name}");
                assert_eq!(got.rounds.len() as u64, rounds, "{name}");
                assert!(!got.lot_drawn, "{name}");
            }
            None => {
                // dominion_alaska: the converter stopped at an unresolved tie for last.
                let tie = &replay["unresolved_tie_for_last_under_simple_rules"];
                let round = as_u64(&tie["round"]);
                assert_eq!(round, rounds, "{name}");
                let r = &got.rounds[round as usize - 1];
                let e = r
                    .eliminated
                    .as_ref()
                    .expect("an elimination in the tied round");
                let tb = e.tie_break.as_ref().expect("a tie break");
                let tied: Vec<String> = tb.tied.iter().map(|o| o.0.clone()).collect();
                let mut expected_tied = names(&tie["tied"]);
                expected_tied.sort();
                let mut sorted = tied.clone();
                sorted.sort();
                assert_eq!(sorted, expected_tied, "{name}");
                eprintln!(
                    "{name}: the round-{round} tie {tied:?} is settled by {:?}; {:?} goes; \
                     winner {:?} after {} rounds; lot drawn: {}",
                    tb.decided_by,
                    e.option,
                    got.winner,
                    got.rounds.len(),
                    got.lot_drawn
                );
                // Trellis settles it by the previous round (round 5: Steyer 187, write-ins
                // 193), so Steyer goes, and Tulsi Gabbard beats Pete Buttigieg 395 to 390 in
                // round 8. (RCTab, which removes the write-in pool first, elects Steyer.)
                // Checked by an independent recount written separately for this test.
                assert_eq!(
                    tb.decided_by,
                    trellis_core::ballot::irv::TieDecision::EarlierRound { round: 5 },
                    "{name}"
                );
                assert_eq!(e.option.as_str(), "Tom Steyer", "{name}");
                assert_eq!(
                    got.winner.as_ref().map(|w| w.as_str()),
                    Some("Tulsi Gabbard"),
                    "{name}"
                );
                assert_eq!(got.rounds.len(), 8, "{name}");
                let last = &got.rounds[7].tallies;
                assert_eq!(
                    last.iter()
                        .map(|t| (t.option.as_str(), t.count))
                        .collect::<Vec<_>>(),
                    vec![("Tulsi Gabbard", 395), ("Pete Buttigieg", 390)],
                    "{name}"
                );
                assert!(!got.lot_drawn, "{name}");
            }
        }
    }
}

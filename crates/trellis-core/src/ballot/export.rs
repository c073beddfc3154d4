//! Publishable results: the audit list and the tally as CSV, the tally as JSON, an
//! RCTab-style round-by-round summary for ranked ballots, and Pabulib (`.pb`) files.
//!
//! Every function here is deterministic: the same input gives the same bytes. Options are
//! named by their labels (the `.pb` file also carries the option ids).
//!
//! **CSV.** RFC 4180: lines end in CRLF; a cell holding a comma, a quote or a line break is
//! wrapped in quotes, with each quote doubled. A text cell that starts with `=`, `+`, `-`, `@`,
//! a tab or a carriage return gets a `'` in front, so a spreadsheet shows it as text instead
//! of running it as a formula ("CSV injection"). Numbers Trellis writes itself are not
//! changed.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::counts::effective_ranking;
use super::irv::{IrvOutcome, IrvResult};
use super::record::{BallotFields, Channel, Counted};
use super::{Method, OptionId, OptionIndex, Tally, Vote, VoteError};

/// Whether a recorded vote counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditStatus {
    /// In the count.
    Counted,
    /// Voided by a facilitator; never counts.
    Voided,
    /// One of two or more live votes by one voter, not yet resolved; not counted.
    Conflict,
    /// One of a conflict's votes that a facilitator did not keep when resolving it; never
    /// counts (the kept vote does).
    Superseded,
}

impl AuditStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditStatus::Counted => "counted",
            AuditStatus::Voided => "voided",
            AuditStatus::Conflict => "conflict",
            AuditStatus::Superseded => "superseded",
        }
    }
}

/// One recorded vote in the audit list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct AuditEntry {
    pub vote_id: Uuid,
    /// The voter as shown to people: an organisation's name, an attendee's name or a token.
    pub voter_label: String,
    /// When it was recorded, RFC 3339 in UTC.
    pub recorded_at: String,
    /// The laptop that recorded it.
    pub device_id: Uuid,
    pub recorded_by: String,
    pub channel: Channel,
    pub status: AuditStatus,
    pub void_reason: Option<String>,
    pub voided_by: Option<String>,
    pub vote: Vote,
}

/// Why an export could not be written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "problem", rename_all = "kebab-case")]
pub enum ExportError {
    #[error("vote {index} (counting from 0) does not fit the ballot: {error}")]
    BadVote { index: usize, error: VoteError },
    #[error(
        "option id {option:?} cannot be a Pabulib project id: it must not be empty or hold \
         spaces, commas, semicolons or quotes"
    )]
    UnusableProjectId { option: OptionId },
    #[error("a cost is given for option {option}, which is not on this ballot")]
    CostForUnknownOption { option: OptionId },
}

// ---------------------------------------------------------------------------------------
// CSV

/// A text cell: guarded against formulas, then quoted if needed.
fn text_cell(s: &str) -> String {
    let guarded = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    quoted(&guarded, ',')
}

/// Quotes a cell holding the separator, a quote or a line break (RFC 4180).
fn quoted(s: &str, separator: char) -> String {
    if s.contains([separator, '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn csv_line(out: &mut String, cells: &[String]) {
    out.push_str(&cells.join(","));
    out.push_str("\r\n");
}

/// An option's label, or its id if it is not on the ballot.
fn label<'a>(ballot: &'a BallotFields, option: &'a OptionId) -> &'a str {
    ballot
        .options
        .iter()
        .find(|o| &o.id == option)
        .map_or(option.as_str(), |o| o.label.as_str())
}

/// A vote in words, options by label: plurality `Housing`; approval `Housing; Parks`;
/// ranked `1. Housing; 2. (blank); 3. Parks`; dots and score `Housing: 2; Parks: 1`. Empty for
/// an empty approval or ranking.
pub fn vote_text(ballot: &BallotFields, vote: &Vote) -> String {
    match vote {
        Vote::Choice { option } => label(ballot, option).to_string(),
        Vote::Approval { options } => options
            .iter()
            .map(|o| label(ballot, o))
            .collect::<Vec<_>>()
            .join("; "),
        Vote::Ranking { ranking } => ranking
            .iter()
            .enumerate()
            .map(|(i, o)| match o {
                Some(o) => format!("{}. {}", i + 1, label(ballot, o)),
                None => format!("{}. (blank)", i + 1),
            })
            .collect::<Vec<_>>()
            .join("; "),
        Vote::Dots { dots } => dots
            .iter()
            .map(|d| format!("{}: {}", label(ballot, &d.option), d.dots))
            .collect::<Vec<_>>()
            .join("; "),
        Vote::Scores { scores } => scores
            .iter()
            .map(|s| format!("{}: {}", label(ballot, &s.option), s.score))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// The audit list: a header and one row per recorded vote (counted, voided, in conflict or
/// superseded by a facilitator's resolution),
/// oldest first (by `recorded_at`, then vote id). Columns: `vote_id, voter, recorded_at,
/// device_id, recorded_by, channel, status, void_reason, voided_by, vote`; the vote is
/// written with [`vote_text`].
pub fn audit_csv(ballot: &BallotFields, entries: &[AuditEntry]) -> String {
    let mut sorted: Vec<&AuditEntry> = entries.iter().collect();
    sorted.sort_by(|a, b| {
        a.recorded_at
            .cmp(&b.recorded_at)
            .then(a.vote_id.cmp(&b.vote_id))
    });
    let mut out = String::new();
    let header = [
        "vote_id",
        "voter",
        "recorded_at",
        "device_id",
        "recorded_by",
        "channel",
        "status",
        "void_reason",
        "voided_by",
        "vote",
    ];
    csv_line(&mut out, &header.map(String::from));
    for e in sorted {
        let channel = match e.channel {
            Channel::Live => "live",
            Channel::Paper => "paper",
            Channel::Import => "import",
        };
        csv_line(
            &mut out,
            &[
                e.vote_id.to_string(),
                text_cell(&e.voter_label),
                text_cell(&e.recorded_at),
                e.device_id.to_string(),
                text_cell(&e.recorded_by),
                channel.to_string(),
                e.status.as_str().to_string(),
                text_cell(e.void_reason.as_deref().unwrap_or("")),
                text_cell(e.voided_by.as_deref().unwrap_or("")),
                text_cell(&vote_text(ballot, &e.vote)),
            ],
        );
    }
    out
}

/// The tally as CSV, one row per option in ballot order.
///
/// - Plurality, approval, dots, Borda: `option, votes | approvals | dots | points, leading`.
/// - Score: `option, total, mean, scored_by, leading` (mean to 2 decimal places).
/// - IRV: `option`, then for each round `round N` (its votes; empty once eliminated) and
///   `round N transfer` (the change into the next round: minus the eliminated option's votes,
///   plus what each option received), then `result` (`elected in round N` or `eliminated in
///   round N`). After the options come rows for `exhausted` (with the ballots exhausted by
///   each transfer), `continuing ballots`, `votes needed to win` and `turnout`.
///
/// Every tally ends with a `turnout` row: the votes counted.
pub fn tally_csv(ballot: &BallotFields, tally: &Tally) -> String {
    let mut out = String::new();
    let yes = |leaders: &[OptionId], o: &OptionId| {
        if leaders.contains(o) {
            "yes".to_string()
        } else {
            String::new()
        }
    };
    match tally {
        Tally::Plurality(t) | Tally::Approval(t) | Tally::Dots(t) | Tally::Borda(t) => {
            let what = match tally {
                Tally::Approval(_) => "approvals",
                Tally::Dots(_) => "dots",
                Tally::Borda(_) => "points",
                _ => "votes",
            };
            csv_line(&mut out, &["option", what, "leading"].map(String::from));
            for c in &t.counts {
                csv_line(
                    &mut out,
                    &[
                        text_cell(label(ballot, &c.option)),
                        c.count.to_string(),
                        yes(&t.leaders, &c.option),
                    ],
                );
            }
            csv_line(
                &mut out,
                &["turnout".into(), t.turnout.to_string(), String::new()],
            );
        }
        Tally::Score(t) => {
            csv_line(
                &mut out,
                &["option", "total", "mean", "scored_by", "leading"].map(String::from),
            );
            for s in &t.scores {
                csv_line(
                    &mut out,
                    &[
                        text_cell(label(ballot, &s.option)),
                        s.total.to_string(),
                        s.mean.map(|m| format!("{m:.2}")).unwrap_or_default(),
                        s.scored_by.to_string(),
                        yes(&t.leaders, &s.option),
                    ],
                );
            }
            csv_line(
                &mut out,
                &[
                    "turnout".into(),
                    t.turnout.to_string(),
                    String::new(),
                    String::new(),
                    String::new(),
                ],
            );
        }
        Tally::RankedIrv(r) => irv_csv(ballot, r, &mut out),
    }
    out
}

fn irv_csv(ballot: &BallotFields, r: &IrvResult, out: &mut String) {
    let mut header = vec!["option".to_string()];
    for round in &r.rounds {
        header.push(format!("round {}", round.round));
        header.push(format!("round {} transfer", round.round));
    }
    header.push("result".into());
    csv_line(out, &header);
    let signed = |n: i128| {
        if n > 0 {
            format!("+{n}")
        } else {
            n.to_string()
        }
    };
    for o in &ballot.options {
        let mut row = vec![text_cell(&o.label)];
        let mut result = String::new();
        for round in &r.rounds {
            let votes = round.tallies.iter().find(|t| t.option == o.id);
            let Some(votes) = votes else {
                row.push(String::new());
                row.push(String::new());
                continue;
            };
            row.push(votes.count.to_string());
            let transfer = match &round.eliminated {
                Some(e) if e.option == o.id => {
                    result = format!("eliminated in round {}", round.round);
                    -i128::from(e.votes)
                }
                Some(e) => e
                    .transfers
                    .iter()
                    .find(|t| t.option == o.id)
                    .map_or(0, |t| i128::from(t.count)),
                None => 0,
            };
            row.push(if round.eliminated.is_some() {
                signed(transfer)
            } else {
                String::new()
            });
            if round.elected.as_ref() == Some(&o.id) {
                result = format!("elected in round {}", round.round);
            }
        }
        row.push(result);
        csv_line(out, &row);
    }
    let mut total_row = |name: &str, cell: &dyn Fn(&super::irv::IrvRound) -> (String, String)| {
        let mut row = vec![name.to_string()];
        for round in &r.rounds {
            let (a, b) = cell(round);
            row.push(a);
            row.push(b);
        }
        row.push(String::new());
        csv_line(out, &row);
    };
    total_row("exhausted", &|round| {
        (
            round.exhausted.to_string(),
            round
                .eliminated
                .as_ref()
                .map(|e| signed(i128::from(e.to_exhausted)))
                .unwrap_or_default(),
        )
    });
    total_row("continuing ballots", &|round| {
        (round.continuing_ballots.to_string(), String::new())
    });
    total_row("votes needed to win", &|round| {
        (round.majority.to_string(), String::new())
    });
    let turnout = r.turnout.to_string();
    total_row("turnout", &|_| (turnout.clone(), String::new()));
}

// ---------------------------------------------------------------------------------------
// JSON

/// What the tally JSON says beside the counts: votes left out of the count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CountSummary {
    /// Votes voided by a facilitator.
    pub voided: usize,
    /// Voters with two or more live votes that no facilitator has resolved yet (none of their
    /// votes is counted).
    pub unresolved_conflicts: usize,
}

impl From<&Counted> for CountSummary {
    fn from(c: &Counted) -> Self {
        CountSummary {
            voided: c.voided,
            unresolved_conflicts: c.unresolved.len(),
        }
    }
}

fn method_json(method: Method) -> Value {
    serde_json::to_value(method).unwrap_or(Value::Null)
}

/// The tally as JSON: `question`, `method` (with its parameters), `method_name`, `options`
/// (`id` and `label` in ballot order), `tally` (the full result as Trellis computes it, option
/// ids throughout), `turnout`, `voided`, `unresolved_conflicts` and `seed` (as text, since a
/// 64-bit seed does not fit a JavaScript number).
pub fn tally_json(
    ballot: &BallotFields,
    tally: &Tally,
    counted: &CountSummary,
    seed: u64,
) -> Value {
    let turnout = match tally {
        Tally::Plurality(t) | Tally::Approval(t) | Tally::Dots(t) | Tally::Borda(t) => t.turnout,
        Tally::Score(t) => t.turnout,
        Tally::RankedIrv(r) => r.turnout,
    };
    json!({
        "question": ballot.question,
        "method": method_json(ballot.method),
        "method_name": ballot.method.name(),
        "options": ballot
            .options
            .iter()
            .map(|o| json!({"id": o.id, "label": o.label}))
            .collect::<Vec<_>>(),
        "tally": serde_json::to_value(tally).unwrap_or(Value::Null),
        "turnout": turnout,
        "voided": counted.voided,
        "unresolved_conflicts": counted.unresolved_conflicts,
        "seed": seed.to_string(),
    })
}

/// The contest details an RCTab summary starts with.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SummaryMeta {
    /// The contest's name (usually the ballot's question).
    pub contest: String,
    /// The date of the vote, `YYYY-MM-DD`.
    pub date: String,
    /// Who held the vote (the programme).
    pub jurisdiction: String,
    /// What was decided (for example "Topic for the 2027 round").
    pub office: String,
}

/// An RCTab-style round-by-round summary (RCTab's summary JSON, `jsonFormatVersion` 1),
/// with option labels as candidate names:
///
/// - `config`: `contest`, `date`, `jurisdiction`, `office`, `threshold` (the last round's),
///   `generatedBy`.
/// - `results`: per round `round`, `tally` (votes per continuing candidate), `threshold`
///   (votes needed to win), `inactiveBallots`, and `tallyResults`: `[{eliminated, transfers}]`
///   or `[{elected, transfers: {}}]`, transfers keyed by candidate plus `exhausted`.
/// - `summary`: `finalThreshold`, `numCandidates`, `numWinners`, `totalNumBallots`,
///   `undervotes` (ballots that ranked nothing).
/// - `trellis`: what RCTab's format has no place for: the rule set and its rules, the seed,
///   whether a lot was drawn, each tie-break, and the outcome.
///
/// As in RCTab's files, vote counts are strings and round numbers are numbers. Trellis never
/// exhausts a ballot for an overvote, a skipped ranking or a repeated ranking, so those
/// `inactiveBallots` counts are always `"0"`; `exhaustedChoices` counts ballots with no
/// continuing choice left, not counting `undervotes`.
pub fn rctab_summary(ballot: &BallotFields, result: &IrvResult, meta: &SummaryMeta) -> Value {
    let name = |o: &OptionId| label(ballot, o).to_string();
    let mut results = Vec::new();
    let mut ties = Vec::new();
    for round in &result.rounds {
        let tally: Map<String, Value> = round
            .tallies
            .iter()
            .map(|t| (name(&t.option), Value::String(t.count.to_string())))
            .collect();
        let mut tally_results = Vec::new();
        if let Some(e) = &round.eliminated {
            let mut transfers: Map<String, Value> = e
                .transfers
                .iter()
                .map(|t| (name(&t.option), Value::String(t.count.to_string())))
                .collect();
            if e.to_exhausted > 0 {
                transfers.insert(
                    "exhausted".into(),
                    Value::String(e.to_exhausted.to_string()),
                );
            }
            tally_results.push(json!({"eliminated": name(&e.option), "transfers": transfers}));
            if let Some(tb) = &e.tie_break {
                ties.push(json!({
                    "round": round.round,
                    "tied": tb.tied.iter().map(name).collect::<Vec<_>>(),
                    "decidedBy": serde_json::to_value(&tb.decided_by).unwrap_or(Value::Null),
                    "eliminated": name(&e.option),
                }));
            }
        }
        if let Some(w) = &round.elected {
            tally_results.push(json!({"elected": name(w), "transfers": {}}));
        }
        let exhausted_choices = round.exhausted.saturating_sub(result.blank_ballots);
        results.push(json!({
            "round": round.round,
            "tally": tally,
            "tallyResults": tally_results,
            "threshold": round.majority.to_string(),
            "inactiveBallots": {
                "exhaustedChoices": exhausted_choices.to_string(),
                "overvotes": "0",
                "repeatedRankings": "0",
                "skippedRankings": "0",
            },
        }));
    }
    let final_threshold = result
        .rounds
        .last()
        .map(|r| r.majority.to_string())
        .unwrap_or_else(|| "0".into());
    let outcome = match &result.outcome {
        IrvOutcome::Elected { winner, round } => {
            json!({"kind": "elected", "winner": name(winner), "round": round})
        }
        IrvOutcome::NoBallots => json!({"kind": "no-ballots"}),
        IrvOutcome::NoContinuingBallots => json!({"kind": "no-continuing-ballots"}),
    };
    json!({
        "config": {
            "contest": meta.contest,
            "date": meta.date,
            "jurisdiction": meta.jurisdiction,
            "office": meta.office,
            "threshold": final_threshold,
            "generatedBy": format!("Trellis ({})", result.rule_set),
        },
        "jsonFormatVersion": "1",
        "results": results,
        "summary": {
            "finalThreshold": final_threshold,
            "numCandidates": ballot.options.len(),
            "numWinners": u32::from(result.winner.is_some()),
            "totalNumBallots": result.turnout.to_string(),
            "undervotes": result.blank_ballots,
        },
        "trellis": {
            "ruleSet": result.rule_set,
            "rules": result.rules,
            "seed": result.seed.to_string(),
            "lotDrawn": result.lot_drawn,
            "tieBreaks": ties,
            "outcome": outcome,
        },
    })
}

// ---------------------------------------------------------------------------------------
// Pabulib

/// What a Pabulib file says about the vote besides the ballot.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PabulibMeta {
    pub description: String,
    pub country: String,
    /// Who held the vote (Pabulib: the municipality, region or organisation).
    pub unit: String,
    /// Which round or year, e.g. `2027`.
    pub instance: String,
    /// The budget shared out; 0 when the vote was not about money.
    pub budget: u64,
    /// The rule that decided the result, as Pabulib names rules (e.g. `greedy`); if empty,
    /// Trellis's own method is written: `plurality`, `approval`, `dots`, `irv`, `borda` or
    /// `score`.
    pub rule: String,
    /// Pabulib writes dates as `DD.MM.YYYY`; left out when empty.
    pub date_begin: String,
    pub date_end: String,
    /// Each project's cost, by option id; an option not listed costs 0.
    pub costs: BTreeMap<OptionId, u64>,
}

/// One field of a `.pb` file: line breaks become spaces (the format is read line by line),
/// and a field with a semicolon or a quote is quoted.
fn pb_field(s: &str) -> String {
    let one_line: String = s
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    quoted(&one_line, ';')
}

/// A Pabulib (`.pb`) file, the format of the participatory budgeting library
/// (pabulib.org/format): sections `META` (`key;value`), `PROJECTS` and `VOTES`, each a title
/// line, a header line and `;`-separated rows, lines ending in LF.
///
/// - Projects are the ballot's options in ballot order: `project_id` is the option id (which
///   must not be empty or hold spaces, `,`, `;` or `"`), `name` its label, `cost` from
///   [`PabulibMeta::costs`] (0 when not given).
/// - `votes` are the counted votes (voided and unresolved ones left out), in the order given;
///   voters are numbered from 1 in that order (`voter_id`), so no voter is named. A vote that
///   names no project (an empty approval, a blank ranking, no dots or scores) is left out,
///   since a Pabulib vote lists at least one project; `num_votes` counts the votes written.
/// - Approval: `vote_type` `approval`, `vote` the approved ids in ballot order. Plurality is
///   written as approval with one project per vote (`max_length` 1).
/// - Ranked (IRV and Borda): `ordinal`, `vote` the ids in preference order with blank and
///   repeated rankings skipped, as the count skips them.
/// - Dots: `cumulative`, `vote` the ids with dots and `points` their dots, in the same order
///   (options with 0 dots left out); META `max_sum_points` (dots per voter) and `max_points`
///   (most dots on one option).
/// - Score: `scoring`, `vote` the scored ids and `points` their scores (explicit zeros kept);
///   META `min_points` 0 and `max_points`.
pub fn pabulib(
    ballot: &BallotFields,
    votes: &[Vote],
    meta: &PabulibMeta,
) -> Result<String, ExportError> {
    for o in &ballot.options {
        let id = o.id.as_str();
        if id.is_empty() || id.contains([',', ';', '"']) || id.chars().any(char::is_whitespace) {
            return Err(ExportError::UnusableProjectId {
                option: o.id.clone(),
            });
        }
    }
    if let Some(o) = meta
        .costs
        .keys()
        .find(|k| !ballot.options.iter().any(|o| &o.id == *k))
    {
        return Err(ExportError::CostForUnknownOption { option: o.clone() });
    }
    let rules = ballot.counting_rules();
    for (index, v) in votes.iter().enumerate() {
        rules
            .check_vote(v)
            .map_err(|error| ExportError::BadVote { index, error })?;
    }

    let ids: Vec<OptionId> = ballot.options.iter().map(|o| o.id.clone()).collect();
    let index = OptionIndex::new(&ids);
    let mut seen = vec![false; ids.len()];
    let mut one = Vec::new();
    // Each vote as (project ids, points).
    let mut rows: Vec<(Vec<&str>, Vec<u32>)> = Vec::new();
    for v in votes {
        let row: (Vec<&str>, Vec<u32>) = match v {
            Vote::Choice { option } => (vec![option.as_str()], vec![]),
            Vote::Approval { options } => {
                let mut chosen: Vec<usize> = options
                    .iter()
                    .filter_map(|o| index.position(o).ok())
                    .collect();
                chosen.sort_unstable();
                (chosen.iter().map(|&p| ids[p].as_str()).collect(), vec![])
            }
            Vote::Ranking { ranking } => {
                effective_ranking(&index, ranking, &mut seen, &mut one);
                (one.iter().map(|&p| ids[p].as_str()).collect(), vec![])
            }
            Vote::Dots { dots } => dots
                .iter()
                .filter(|d| d.dots > 0)
                .map(|d| (d.option.as_str(), d.dots))
                .unzip(),
            Vote::Scores { scores } => scores.iter().map(|s| (s.option.as_str(), s.score)).unzip(),
        };
        if !row.0.is_empty() {
            rows.push(row);
        }
    }

    let (vote_type, with_points) = match ballot.method {
        Method::Plurality | Method::Approval => ("approval", false),
        Method::RankedIrv | Method::Borda => ("ordinal", false),
        Method::Dots { .. } => ("cumulative", true),
        Method::Score { .. } => ("scoring", true),
    };
    let rule = if meta.rule.trim().is_empty() {
        match ballot.method {
            Method::Plurality => "plurality",
            Method::Approval => "approval",
            Method::Dots { .. } => "dots",
            Method::RankedIrv => "irv",
            Method::Borda => "borda",
            Method::Score { .. } => "score",
        }
        .to_string()
    } else {
        meta.rule.clone()
    };
    let mut meta_rows: Vec<(&str, String)> = vec![
        ("description", meta.description.clone()),
        ("country", meta.country.clone()),
        ("unit", meta.unit.clone()),
        ("instance", meta.instance.clone()),
        ("num_projects", ballot.options.len().to_string()),
        ("num_votes", rows.len().to_string()),
        ("budget", meta.budget.to_string()),
        ("vote_type", vote_type.to_string()),
        ("rule", rule),
    ];
    match ballot.method {
        Method::Plurality => {
            meta_rows.push(("min_length", "1".into()));
            meta_rows.push(("max_length", "1".into()));
        }
        Method::Dots {
            per_voter,
            max_per_option,
        } => {
            meta_rows.push(("max_sum_points", per_voter.to_string()));
            meta_rows.push(("max_points", max_per_option.to_string()));
        }
        Method::Score { max } => {
            meta_rows.push(("min_points", "0".into()));
            meta_rows.push(("max_points", max.to_string()));
        }
        _ => {}
    }
    if !meta.date_begin.trim().is_empty() {
        meta_rows.push(("date_begin", meta.date_begin.clone()));
    }
    if !meta.date_end.trim().is_empty() {
        meta_rows.push(("date_end", meta.date_end.clone()));
    }

    let mut out = String::new();
    out.push_str("META\nkey;value\n");
    for (k, v) in meta_rows {
        let _ = writeln!(out, "{k};{}", pb_field(&v));
    }
    out.push_str("PROJECTS\nproject_id;cost;name\n");
    for o in &ballot.options {
        let cost = meta.costs.get(&o.id).copied().unwrap_or(0);
        let _ = writeln!(out, "{};{cost};{}", o.id, pb_field(&o.label));
    }
    out.push_str(if with_points {
        "VOTES\nvoter_id;vote;points\n"
    } else {
        "VOTES\nvoter_id;vote\n"
    });
    for (i, (projects, points)) in rows.iter().enumerate() {
        let _ = write!(out, "{};{}", i + 1, projects.join(","));
        if with_points {
            let points: Vec<String> = points.iter().map(u32::to_string).collect();
            let _ = write!(out, ";{}", points.join(","));
        }
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::record::{BallotOption, Eligibility, RecordedVote, Resolution};
    use super::super::test_support::ranked;
    use super::super::{DotsOn, ScoreFor};
    use super::*;

    const TRICKY: &str = "Çiğdem, \"Ẹgbẹ́\"";

    fn ballot(method: Method, options: &[(&str, &str)]) -> BallotFields {
        BallotFields {
            question: "Which issue should the next round fund?".into(),
            options: options
                .iter()
                .map(|(id, label)| BallotOption {
                    id: OptionId::new(*id),
                    label: (*label).into(),
                    issue_id: None,
                })
                .collect(),
            method,
            eligibility: Eligibility::PerOrganisation,
            meeting_id: None,
            opens_at: None,
            closes_at: None,
            seed: 42,
        }
    }

    fn three(method: Method) -> BallotFields {
        ballot(
            method,
            &[("A", "Housing"), ("B", TRICKY), ("C", "=Parks; play")],
        )
    }

    fn tally(b: &BallotFields, votes: &[Vote]) -> Tally {
        b.counting_rules().tally(votes, b.seed).unwrap()
    }

    fn entry(n: u128, voter: &str, at: &str, status: AuditStatus, vote: Vote) -> AuditEntry {
        AuditEntry {
            vote_id: Uuid::from_u128(n),
            voter_label: voter.into(),
            recorded_at: at.into(),
            device_id: Uuid::from_u128(0xD),
            recorded_by: "Amara".into(),
            channel: Channel::Live,
            status,
            void_reason: None,
            voided_by: None,
            vote,
        }
    }

    #[test]
    fn audit_csv_quotes_guards_against_formulas_and_sorts_by_time() {
        let b = three(Method::RankedIrv);
        let mut voided = entry(
            2,
            "@Riverside Trust",
            "2026-11-26T19:05:00Z",
            AuditStatus::Voided,
            ranked("A"),
        );
        voided.void_reason = Some("-keyed for the wrong group".into());
        voided.voided_by = Some("Amara".into());
        voided.channel = Channel::Paper;
        let entries = vec![
            voided,
            entry(
                1,
                TRICKY,
                "2026-11-26T19:00:00Z",
                AuditStatus::Counted,
                ranked("B-C"),
            ),
            entry(
                3,
                "=HYPERLINK(\"http://x\")",
                "2026-11-26T19:07:00Z",
                AuditStatus::Conflict,
                ranked(""),
            ),
        ];
        let csv = audit_csv(&b, &entries);
        let expected = "vote_id,voter,recorded_at,device_id,recorded_by,channel,status,void_reason,voided_by,vote\r\n\
            00000000-0000-0000-0000-000000000001,\"Çiğdem, \"\"Ẹgbẹ́\"\"\",2026-11-26T19:00:00Z,00000000-0000-0000-0000-00000000000d,Amara,live,counted,,,\"1. Çiğdem, \"\"Ẹgbẹ́\"\"; 2. (blank); 3. =Parks; play\"\r\n\
            00000000-0000-0000-0000-000000000002,'@Riverside Trust,2026-11-26T19:05:00Z,00000000-0000-0000-0000-00000000000d,Amara,paper,voided,'-keyed for the wrong group,Amara,1. Housing\r\n\
            00000000-0000-0000-0000-000000000003,\"'=HYPERLINK(\"\"http://x\"\")\",2026-11-26T19:07:00Z,00000000-0000-0000-0000-00000000000d,Amara,live,conflict,,,\r\n";
        assert_eq!(csv, expected);
        let mut reversed = entries.clone();
        reversed.reverse();
        assert_eq!(audit_csv(&b, &reversed), csv, "same entries, same bytes");
    }

    #[test]
    fn audit_entry_serialises_with_snake_case_fields() {
        let e = entry(
            1,
            "Org",
            "2026-11-26T19:00:00Z",
            AuditStatus::Counted,
            Vote::Choice { option: "A".into() },
        );
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["status"], "counted");
        assert_eq!(
            serde_json::to_value(AuditStatus::Superseded).unwrap(),
            "superseded"
        );
        assert_eq!(v["voter_label"], "Org");
        assert_eq!(v["channel"], "live");
        let back: AuditEntry = serde_json::from_value(v).unwrap();
        assert_eq!(back, e);
    }

    #[test]
    fn vote_text_for_each_kind() {
        let b = three(Method::Plurality);
        assert_eq!(
            vote_text(&b, &Vote::Choice { option: "A".into() }),
            "Housing"
        );
        assert_eq!(
            vote_text(
                &b,
                &Vote::Approval {
                    options: vec!["A".into(), "C".into()]
                }
            ),
            "Housing; =Parks; play"
        );
        assert_eq!(
            vote_text(
                &b,
                &Vote::Dots {
                    dots: vec![DotsOn {
                        option: "B".into(),
                        dots: 2
                    }]
                }
            ),
            format!("{TRICKY}: 2")
        );
        assert_eq!(
            vote_text(
                &b,
                &Vote::Scores {
                    scores: vec![ScoreFor {
                        option: "A".into(),
                        score: 0
                    }]
                }
            ),
            "Housing: 0"
        );
    }

    #[test]
    fn tally_csv_counts() {
        let b = three(Method::Plurality);
        let c = |o: &str| Vote::Choice { option: o.into() };
        let t = tally(&b, &[c("B"), c("A"), c("B")]);
        assert_eq!(
            tally_csv(&b, &t),
            "option,votes,leading\r\n\
             Housing,1,\r\n\
             \"Çiğdem, \"\"Ẹgbẹ́\"\"\",2,yes\r\n\
             '=Parks; play,0,\r\n\
             turnout,3,\r\n"
        );
        let b = three(Method::Borda);
        let t = tally(&b, &[ranked("CAB")]);
        assert!(tally_csv(&b, &t).starts_with("option,points,leading\r\nHousing,1,\r\n"));
    }

    #[test]
    fn tally_csv_scores() {
        let b = three(Method::Score { max: 5 });
        let s = |v: &[(&str, u32)]| Vote::Scores {
            scores: v
                .iter()
                .map(|(o, n)| ScoreFor {
                    option: (*o).into(),
                    score: *n,
                })
                .collect(),
        };
        let t = tally(&b, &[s(&[("A", 5), ("B", 1)]), s(&[("A", 2)]), s(&[])]);
        assert_eq!(
            tally_csv(&b, &t),
            "option,total,mean,scored_by,leading\r\n\
             Housing,7,2.33,2,yes\r\n\
             \"Çiğdem, \"\"Ẹgbẹ́\"\"\",1,0.33,1,\r\n\
             '=Parks; play,0,0.00,0,\r\n\
             turnout,3,,,\r\n"
        );
    }

    /// A: 3, B: 2, C: 2 (one C ballot has no second choice), one blank ballot. No majority
    /// (8 ballots, 7 continuing, 4 needed). B and C tie for last with no earlier round, so a
    /// lot is drawn from seed 42; whichever goes, A then has a majority or the other wins.
    fn irv_election() -> (BallotFields, Vec<Vote>) {
        let b = ballot(
            Method::RankedIrv,
            &[("A", "Housing"), ("B", TRICKY), ("C", "Parks")],
        );
        let votes = ["A", "A", "AB", "BA", "BC", "CB", "C", ""]
            .iter()
            .map(|s| ranked(s))
            .collect();
        (b, votes)
    }

    #[test]
    fn tally_csv_irv_rounds_and_transfers() {
        // Simpler, no tie: A 3, B 2, C 1 -> C eliminated, its ballot goes to B; B 3 vs A 3
        // (6 continuing, 4 needed) -> tie for last settled by round 1 (B had 2, A 3): B out,
        // B's ballots: "BA" -> A, "BC" exhausted, "CB" exhausted. A 4 of 4 continuing.
        let b = ballot(
            Method::RankedIrv,
            &[("A", "Housing"), ("B", TRICKY), ("C", "Parks")],
        );
        let votes: Vec<Vote> = ["A", "A", "AB", "BA", "BC", "CB"]
            .iter()
            .map(|s| ranked(s))
            .collect();
        let t = tally(&b, &votes);
        assert_eq!(
            tally_csv(&b, &t),
            "option,round 1,round 1 transfer,round 2,round 2 transfer,round 3,round 3 transfer,result\r\n\
             Housing,3,0,3,+1,4,,elected in round 3\r\n\
             \"Çiğdem, \"\"Ẹgbẹ́\"\"\",2,+1,3,-3,,,eliminated in round 2\r\n\
             Parks,1,-1,,,,,eliminated in round 1\r\n\
             exhausted,0,0,0,+2,2,,\r\n\
             continuing ballots,6,,6,,4,,\r\n\
             votes needed to win,4,,4,,3,,\r\n\
             turnout,6,,6,,6,,\r\n"
        );
    }

    #[test]
    fn tally_json_carries_counts_conflicts_voids_and_seed() {
        let (b, votes) = irv_election();
        let t = tally(&b, &votes);
        let recorded: Vec<RecordedVote> = (0..4u128)
            .map(|n| RecordedVote {
                id: Uuid::from_u128(n),
                voter_key: if n < 2 {
                    "token:x".into()
                } else {
                    format!("token:{n}")
                },
                vote: ranked("A"),
                voided: n == 3,
            })
            .collect();
        let counted = super::super::record::counted_votes(&recorded, &[] as &[Resolution]);
        let j = tally_json(&b, &t, &CountSummary::from(&counted), u64::MAX);
        assert_eq!(j["method"], json!({"method": "ranked-irv"}));
        assert_eq!(j["method_name"], "ranked choice (instant runoff)");
        assert_eq!(j["question"], b.question);
        assert_eq!(j["options"][1], json!({"id": "B", "label": TRICKY}));
        assert_eq!(j["turnout"], 8);
        assert_eq!(j["voided"], 1);
        assert_eq!(j["unresolved_conflicts"], 1);
        assert_eq!(j["seed"], "18446744073709551615");
        assert_eq!(j["tally"]["method"], "ranked-irv");
        assert_eq!(j["tally"]["turnout"], 8);
        assert_eq!(
            serde_json::to_string(&j).unwrap(),
            serde_json::to_string(&tally_json(&b, &t, &CountSummary::from(&counted), u64::MAX))
                .unwrap()
        );
    }

    #[test]
    fn rctab_summary_shape() {
        let (b, votes) = irv_election();
        let Tally::RankedIrv(r) = tally(&b, &votes) else {
            panic!("not IRV")
        };
        let meta = SummaryMeta {
            contest: b.question.clone(),
            date: "2026-11-26".into(),
            jurisdiction: "Eastbrook".into(),
            office: "Topic".into(),
        };
        let s = rctab_summary(&b, &r, &meta);
        assert_eq!(s["config"]["contest"], b.question);
        assert_eq!(s["summary"]["numCandidates"], 3);
        assert_eq!(s["summary"]["totalNumBallots"], "8");
        assert_eq!(s["summary"]["undervotes"], 1);
        assert_eq!(s["summary"]["numWinners"], 1);
        let r1 = &s["results"][0];
        assert_eq!(r1["round"], 1);
        assert_eq!(
            r1["tally"],
            json!({"Housing": "3", TRICKY: "2", "Parks": "2"})
        );
        assert_eq!(r1["threshold"], "4");
        assert_eq!(r1["inactiveBallots"]["exhaustedChoices"], "0");
        // B and C tie with no earlier round: a lot, recorded in the trellis section.
        let out = r1["tallyResults"][0]["eliminated"].as_str().unwrap();
        assert!(out == TRICKY || out == "Parks", "{out}");
        assert_eq!(s["trellis"]["lotDrawn"], true);
        assert_eq!(s["trellis"]["tieBreaks"][0]["round"], 1);
        assert_eq!(s["trellis"]["seed"], "42");
        let last = s["results"].as_array().unwrap().last().unwrap();
        assert!(last["tallyResults"][0]["elected"].is_string());
        assert_eq!(last["tallyResults"][0]["transfers"], json!({}));
    }

    fn pb_meta() -> PabulibMeta {
        PabulibMeta {
            description: "Topic vote; forum".into(),
            country: "United Kingdom".into(),
            unit: "Eastbrook".into(),
            instance: "2027".into(),
            budget: 0,
            rule: String::new(),
            date_begin: "26.11.2026".into(),
            date_end: String::new(),
            costs: BTreeMap::new(),
        }
    }

    #[test]
    fn pabulib_approval_and_plurality() {
        let b = three(Method::Approval);
        let a = |o: &[&str]| Vote::Approval {
            options: o.iter().map(|s| OptionId::new(*s)).collect(),
        };
        let mut meta = pb_meta();
        meta.costs.insert("B".into(), 1500);
        let pb = pabulib(&b, &[a(&["C", "A"]), a(&[]), a(&["B"])], &meta).unwrap();
        assert_eq!(
            pb,
            "META\nkey;value\n\
             description;\"Topic vote; forum\"\n\
             country;United Kingdom\n\
             unit;Eastbrook\n\
             instance;2027\n\
             num_projects;3\n\
             num_votes;2\n\
             budget;0\n\
             vote_type;approval\n\
             rule;approval\n\
             date_begin;26.11.2026\n\
             PROJECTS\nproject_id;cost;name\n\
             A;0;Housing\n\
             B;1500;\"Çiğdem, \"\"Ẹgbẹ́\"\"\"\n\
             C;0;\"=Parks; play\"\n\
             VOTES\nvoter_id;vote\n\
             1;A,C\n\
             2;B\n"
        );
        let b = three(Method::Plurality);
        let pb = pabulib(&b, &[Vote::Choice { option: "C".into() }], &pb_meta()).unwrap();
        assert!(pb.contains("vote_type;approval\nrule;plurality\nmin_length;1\nmax_length;1\n"));
        assert!(pb.ends_with("VOTES\nvoter_id;vote\n1;C\n"));
    }

    #[test]
    fn pabulib_ordinal_skips_blanks_and_repeats() {
        let b = three(Method::RankedIrv);
        let pb = pabulib(&b, &[ranked("C-CA"), ranked("--"), ranked("B")], &pb_meta()).unwrap();
        assert!(pb.contains("vote_type;ordinal\nrule;irv\n"), "{pb}");
        assert!(pb.contains("num_votes;2\n"));
        assert!(pb.ends_with("VOTES\nvoter_id;vote\n1;C,A\n2;B\n"), "{pb}");
    }

    #[test]
    fn pabulib_cumulative_and_scoring_have_points() {
        let b = three(Method::Dots {
            per_voter: 5,
            max_per_option: 3,
        });
        let d = Vote::Dots {
            dots: vec![
                DotsOn {
                    option: "C".into(),
                    dots: 3,
                },
                DotsOn {
                    option: "B".into(),
                    dots: 0,
                },
                DotsOn {
                    option: "A".into(),
                    dots: 2,
                },
            ],
        };
        let pb = pabulib(&b, &[d], &pb_meta()).unwrap();
        assert!(pb.contains("vote_type;cumulative\nrule;dots\nmax_sum_points;5\nmax_points;3\n"));
        assert!(
            pb.ends_with("VOTES\nvoter_id;vote;points\n1;C,A;3,2\n"),
            "{pb}"
        );

        let b = three(Method::Score { max: 4 });
        let s = Vote::Scores {
            scores: vec![
                ScoreFor {
                    option: "B".into(),
                    score: 0,
                },
                ScoreFor {
                    option: "A".into(),
                    score: 4,
                },
            ],
        };
        let mut meta = pb_meta();
        meta.rule = "greedy".into();
        let pb = pabulib(&b, &[s], &meta).unwrap();
        assert!(pb.contains("vote_type;scoring\nrule;greedy\nmin_points;0\nmax_points;4\n"));
        assert!(
            pb.ends_with("VOTES\nvoter_id;vote;points\n1;B,A;0,4\n"),
            "{pb}"
        );
    }

    #[test]
    fn pabulib_refuses_what_it_cannot_write() {
        let b = ballot(Method::Approval, &[("a b", "Housing"), ("c", "Parks")]);
        assert_eq!(
            pabulib(&b, &[], &pb_meta()),
            Err(ExportError::UnusableProjectId {
                option: "a b".into()
            })
        );
        let b = three(Method::Approval);
        let err = pabulib(&b, &[Vote::Choice { option: "A".into() }], &pb_meta()).unwrap_err();
        assert!(
            matches!(err, ExportError::BadVote { index: 0, .. }),
            "{err}"
        );
        let mut meta = pb_meta();
        meta.costs.insert("Z".into(), 1);
        assert_eq!(
            pabulib(&b, &[], &meta),
            Err(ExportError::CostForUnknownOption { option: "Z".into() })
        );
    }
}

//! The single-round counts: plurality, approval, dots, Borda and score.
//!
//! Each takes votes already checked against the ballot (see `Ballot::tally`) and returns
//! per-option counts in ballot order, the turnout (votes counted) and the leading options.
//! A tie for the lead is shown as a tie, never broken: the room decides what to do with it.
//!
//! **Borda rule.** With `n` options on the ballot, each vote gives `n - 1` points to its
//! first choice, `n - 2` to its second, and so on down to 0 for an `n`-th choice; options
//! the voter did not rank get 0. Blank ranks and repeated options are skipped first, as in
//! IRV, so `[A, blank, A, B]` ranks A first and B second. Ranking fewer options never gives
//! any option more points than ranking them all would.

use serde::{Deserialize, Serialize};

use super::{OptionId, OptionIndex, Vote};

/// One option's count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct OptionCount {
    pub option: OptionId,
    pub count: u64,
}

/// Plurality, approval, dots or Borda: one number per option.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct CountTally {
    /// Votes counted.
    pub turnout: u64,
    /// Every option on the ballot, in ballot order (plurality: votes; approval: voters who
    /// approved it; dots: dots; Borda: points).
    pub counts: Vec<OptionCount>,
    /// The option(s) with the highest count, in ballot order; more than one is a tie; empty
    /// when no option has anything.
    pub leaders: Vec<OptionId>,
}

/// One option's scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct OptionScore {
    pub option: OptionId,
    /// Sum of all scores given to the option (unscored counts as 0).
    pub total: u64,
    /// `total / turnout`: the mean over every vote, unscored counting as 0. `None` when no
    /// votes were counted.
    pub mean: Option<f64>,
    /// How many votes gave this option an explicit score (including an explicit 0).
    pub scored_by: u64,
}

/// Score voting: totals and means per option.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ScoreTally {
    pub turnout: u64,
    /// The highest score a voter could give.
    pub max_score: u32,
    /// Every option on the ballot, in ballot order.
    pub scores: Vec<OptionScore>,
    /// The option(s) with the highest total, in ballot order; empty when every total is 0.
    pub leaders: Vec<OptionId>,
}

fn finish(index: &OptionIndex<'_>, turnout: u64, counts: Vec<u64>) -> CountTally {
    let leaders = leaders(index.options(), &counts);
    CountTally {
        turnout,
        counts: index
            .options()
            .iter()
            .zip(counts)
            .map(|(option, count)| OptionCount {
                option: option.clone(),
                count,
            })
            .collect(),
        leaders,
    }
}

fn leaders(options: &[OptionId], counts: &[u64]) -> Vec<OptionId> {
    let top = counts.iter().copied().max().unwrap_or(0);
    if top == 0 {
        return Vec::new();
    }
    options
        .iter()
        .zip(counts)
        .filter(|(_, c)| **c == top)
        .map(|(o, _)| o.clone())
        .collect()
}

pub(crate) fn plurality(index: &OptionIndex<'_>, votes: &[Vote]) -> CountTally {
    let mut counts = vec![0u64; index.len()];
    for v in votes {
        if let Vote::Choice { option } = v {
            if let Ok(p) = index.position(option) {
                counts[p] += 1;
            }
        }
    }
    finish(index, votes.len() as u64, counts)
}

pub(crate) fn approval(index: &OptionIndex<'_>, votes: &[Vote]) -> CountTally {
    let mut counts = vec![0u64; index.len()];
    for v in votes {
        if let Vote::Approval { options } = v {
            // Checked votes approve each option at most once; guard anyway.
            let mut seen = vec![false; index.len()];
            for o in options {
                if let Ok(p) = index.position(o) {
                    if !seen[p] {
                        seen[p] = true;
                        counts[p] += 1;
                    }
                }
            }
        }
    }
    finish(index, votes.len() as u64, counts)
}

pub(crate) fn dots(index: &OptionIndex<'_>, votes: &[Vote]) -> CountTally {
    let mut counts = vec![0u64; index.len()];
    for v in votes {
        if let Vote::Dots { dots } = v {
            for d in dots {
                if let Ok(p) = index.position(&d.option) {
                    counts[p] += u64::from(d.dots);
                }
            }
        }
    }
    finish(index, votes.len() as u64, counts)
}

/// A ranking's real choices: blanks and repeats skipped, unknown options ignored (checked
/// votes have none). Positions on the ballot, first choice first.
pub(crate) fn effective_ranking(
    index: &OptionIndex<'_>,
    ranking: &[Option<OptionId>],
    seen: &mut [bool],
    out: &mut Vec<usize>,
) {
    seen.iter_mut().for_each(|s| *s = false);
    out.clear();
    for o in ranking.iter().flatten() {
        if let Ok(p) = index.position(o) {
            if !seen[p] {
                seen[p] = true;
                out.push(p);
            }
        }
    }
}

pub(crate) fn borda(index: &OptionIndex<'_>, votes: &[Vote]) -> CountTally {
    let n = index.len() as u64;
    let mut counts = vec![0u64; index.len()];
    let mut seen = vec![false; index.len()];
    let mut choices = Vec::with_capacity(index.len());
    for v in votes {
        if let Vote::Ranking { ranking } = v {
            effective_ranking(index, ranking, &mut seen, &mut choices);
            for (k, p) in choices.iter().enumerate() {
                // k < n because each option appears once.
                counts[*p] += n - 1 - k as u64;
            }
        }
    }
    finish(index, votes.len() as u64, counts)
}

pub(crate) fn score(index: &OptionIndex<'_>, votes: &[Vote], max_score: u32) -> ScoreTally {
    let mut totals = vec![0u64; index.len()];
    let mut scored_by = vec![0u64; index.len()];
    for v in votes {
        if let Vote::Scores { scores } = v {
            for s in scores {
                if let Ok(p) = index.position(&s.option) {
                    totals[p] += u64::from(s.score);
                    scored_by[p] += 1;
                }
            }
        }
    }
    let turnout = votes.len() as u64;
    let leaders = leaders(index.options(), &totals);
    ScoreTally {
        turnout,
        max_score,
        scores: index
            .options()
            .iter()
            .enumerate()
            .map(|(i, option)| OptionScore {
                option: option.clone(),
                total: totals[i],
                mean: (turnout > 0).then(|| totals[i] as f64 / turnout as f64),
                scored_by: scored_by[i],
            })
            .collect(),
        leaders,
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::{Ballot, DotsOn, Method, ScoreFor, Tally};
    use super::*;

    fn abc(method: Method) -> Ballot {
        Ballot {
            method,
            options: ids(&["A", "B", "C"]),
        }
    }

    fn counts(t: &CountTally) -> Vec<(String, u64)> {
        t.counts
            .iter()
            .map(|c| (c.option.0.clone(), c.count))
            .collect()
    }

    fn pairs(v: &[(&str, u64)]) -> Vec<(String, u64)> {
        v.iter().map(|(o, c)| (o.to_string(), *c)).collect()
    }

    #[test]
    fn plurality_counts_each_choice_in_ballot_order() {
        let votes = vec![
            choice("C"),
            choice("A"),
            choice("C"),
            choice("B"),
            choice("C"),
        ];
        let Tally::Plurality(t) = abc(Method::Plurality).tally(&votes, 0).unwrap() else {
            panic!("wrong method")
        };
        assert_eq!(t.turnout, 5);
        assert_eq!(counts(&t), pairs(&[("A", 1), ("B", 1), ("C", 3)]));
        assert_eq!(t.leaders, ids(&["C"]));
    }

    #[test]
    fn plurality_shows_a_tie_and_no_leader_without_votes() {
        let votes = vec![choice("B"), choice("A")];
        let Tally::Plurality(t) = abc(Method::Plurality).tally(&votes, 0).unwrap() else {
            panic!("wrong method")
        };
        assert_eq!(t.leaders, ids(&["A", "B"]));
        let Tally::Plurality(t) = abc(Method::Plurality).tally(&[], 0).unwrap() else {
            panic!("wrong method")
        };
        assert_eq!(t.turnout, 0);
        assert_eq!(counts(&t), pairs(&[("A", 0), ("B", 0), ("C", 0)]));
        assert!(t.leaders.is_empty());
    }

    #[test]
    fn approval_counts_voters_not_ticks() {
        let a = |o: &[&str]| Vote::Approval { options: ids(o) };
        let votes = vec![a(&["A", "B"]), a(&["B"]), a(&[]), a(&["C", "B", "A"])];
        let Tally::Approval(t) = abc(Method::Approval).tally(&votes, 0).unwrap() else {
            panic!("wrong method")
        };
        assert_eq!(
            t.turnout, 4,
            "an empty approval still counts as a vote cast"
        );
        assert_eq!(counts(&t), pairs(&[("A", 2), ("B", 3), ("C", 1)]));
        assert_eq!(t.leaders, ids(&["B"]));
    }

    #[test]
    fn dots_are_summed() {
        let d = |v: &[(&str, u32)]| Vote::Dots {
            dots: v
                .iter()
                .map(|(o, n)| DotsOn {
                    option: (*o).into(),
                    dots: *n,
                })
                .collect(),
        };
        let votes = vec![
            d(&[("A", 2), ("C", 1)]),
            d(&[("B", 2), ("C", 1)]),
            d(&[("C", 2)]),
        ];
        let b = abc(Method::Dots {
            per_voter: 3,
            max_per_option: 2,
        });
        let Tally::Dots(t) = b.tally(&votes, 0).unwrap() else {
            panic!("wrong method")
        };
        assert_eq!(t.turnout, 3);
        assert_eq!(counts(&t), pairs(&[("A", 2), ("B", 2), ("C", 4)]));
        assert_eq!(t.leaders, ids(&["C"]));
    }

    #[test]
    fn borda_hand_worked() {
        // Four options, so 3 points for a first choice, 2, 1, 0.
        // v1: A B C D   -> A3 B2 C1 D0
        // v2: B - B D   -> B3 D2 (blank and repeat skipped; A, C unranked get 0)
        // v3: C A       -> C3 A2
        // v4: (blank)   -> nothing, but counted in turnout
        // Totals: A5 B5 C4 D2.
        let b = Ballot {
            method: Method::Borda,
            options: ids(&["A", "B", "C", "D"]),
        };
        let votes = vec![ranked("ABCD"), ranked("B-BD"), ranked("CA"), ranked("--")];
        let Tally::Borda(t) = b.tally(&votes, 0).unwrap() else {
            panic!("wrong method")
        };
        assert_eq!(t.turnout, 4);
        assert_eq!(counts(&t), pairs(&[("A", 5), ("B", 5), ("C", 4), ("D", 2)]));
        assert_eq!(t.leaders, ids(&["A", "B"]));
    }

    #[test]
    fn borda_last_choice_gets_zero_and_truncation_never_adds_points() {
        let b = Ballot {
            method: Method::Borda,
            options: ids(&["A", "B", "C"]),
        };
        let Tally::Borda(full) = b.tally(&[ranked("CBA")], 0).unwrap() else {
            panic!("wrong method")
        };
        assert_eq!(counts(&full), pairs(&[("A", 0), ("B", 1), ("C", 2)]));
        let Tally::Borda(short) = b.tally(&[ranked("C")], 0).unwrap() else {
            panic!("wrong method")
        };
        assert_eq!(counts(&short), pairs(&[("A", 0), ("B", 0), ("C", 2)]));
    }

    #[test]
    fn score_totals_and_means() {
        let s = |v: &[(&str, u32)]| Vote::Scores {
            scores: v
                .iter()
                .map(|(o, n)| ScoreFor {
                    option: (*o).into(),
                    score: *n,
                })
                .collect(),
        };
        // A: 5 + 3 + 0(unscored) + 0 = 8, mean 2.0; B: 4 + 0 + 5 + 5 = 14, mean 3.5;
        // C: explicit 0 once, otherwise unscored: total 0.
        let votes = vec![
            s(&[("A", 5), ("B", 4)]),
            s(&[("A", 3), ("B", 0), ("C", 0)]),
            s(&[("B", 5)]),
            s(&[("B", 5), ("A", 0)]),
        ];
        let Tally::Score(t) = abc(Method::Score { max: 5 }).tally(&votes, 0).unwrap() else {
            panic!("wrong method")
        };
        assert_eq!(t.turnout, 4);
        assert_eq!(t.max_score, 5);
        let got: Vec<(String, u64, Option<f64>, u64)> = t
            .scores
            .iter()
            .map(|s| (s.option.0.clone(), s.total, s.mean, s.scored_by))
            .collect();
        assert_eq!(
            got,
            vec![
                ("A".to_string(), 8, Some(2.0), 3),
                ("B".to_string(), 14, Some(3.5), 4),
                ("C".to_string(), 0, Some(0.0), 1),
            ]
        );
        assert_eq!(t.leaders, ids(&["B"]));
        let Tally::Score(empty) = abc(Method::Score { max: 5 }).tally(&[], 0).unwrap() else {
            panic!("wrong method")
        };
        assert_eq!(empty.scores[0].mean, None);
        assert!(empty.leaders.is_empty());
    }

    #[test]
    fn counts_do_not_depend_on_vote_order() {
        let a = |o: &[&str]| Vote::Approval { options: ids(o) };
        let mut votes = vec![a(&["A", "B"]), a(&["C"]), a(&["B", "C"]), a(&["B"])];
        let b = abc(Method::Approval);
        let first = b.tally(&votes, 0).unwrap();
        votes.reverse();
        assert_eq!(b.tally(&votes, 0).unwrap(), first);
    }
}

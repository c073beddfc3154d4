//! Ranked choice counted by instant runoff (IRV), single winner.
//!
//! The rules (rule set `trellis-irv-1`, also carried in every [`IrvResult`] as [`RULES`]):
//!
//! 1. Each ballot counts for its highest-ranked option that is still in the count (a
//!    *continuing* option).
//! 2. Blank rankings are skipped, and an option ranked more than once counts only at its first
//!    (highest) rank: the ballot simply moves on to its next ranking.
//! 3. A ballot with no continuing option left is *exhausted* and counts for no one from then
//!    on. A ballot with no rankings at all is exhausted from the first round; it still counts
//!    in turnout.
//! 4. In each round, an option with a majority of continuing ballots (more than half of the
//!    ballots not exhausted in that round) wins. In votes that is `floor(continuing / 2) + 1`.
//! 5. Otherwise the one option with fewest votes is eliminated and each of its ballots passes
//!    to that ballot's next continuing choice, or is exhausted.
//! 6. A tie for fewest votes is broken by earlier rounds: going back one round at a time from
//!    the round before, keep only the tied options that had fewest votes in that round; as
//!    soon as one is left, it is eliminated. (So the option with fewer votes in the most
//!    recent earlier round where the tied options differ goes out.)
//! 7. If earlier rounds do not settle it (or it is the first round), a lot is drawn among the
//!    options still tied, listed in ballot order, using the SplitMix64 generator started from
//!    the seed recorded with the result (see [`super::lot`]). Lots in one count use the same
//!    generator in the order they are drawn, so the same ballots and seed always give the same
//!    result, and anyone can repeat the draw.
//! 8. With no ballots, or no ballot ranking anything, there is no winner.
//!
//! Options with no votes are eliminated one per round like any other (ties among them are
//! settled by rules 6 and 7; this cannot change the winner, but it is shown).
//!
//! The count is independent of the order ballots arrive in: only the counts decide, and lots
//! are drawn in round order from the seed.

use serde::{Deserialize, Serialize};

use super::counts::{effective_ranking, OptionCount};
use super::lot::SplitMix64;
use super::{OptionId, OptionIndex, TallyError};

/// The name of these rules, stored with each result.
pub const RULE_SET: &str = "trellis-irv-1";

/// The rules in plain English, stored with each result.
pub const RULES: [&str; 8] = [
    "Each ballot counts for its highest-ranked option that is still in the count (a continuing option).",
    "Blank rankings are skipped, and an option ranked more than once counts only at its first rank; the ballot moves on to its next ranking.",
    "A ballot with no continuing option left is exhausted and counts for no one from then on; a ballot with no rankings at all is exhausted from the first round but still counts in turnout.",
    "In each round, an option with a majority of continuing ballots (more than half of the ballots not exhausted in that round) wins.",
    "Otherwise the one option with fewest votes is eliminated, and each of its ballots passes to that ballot's next continuing choice or is exhausted.",
    "A tie for fewest votes is broken by earlier rounds: going back one round at a time, keep only the tied options that had fewest votes in that round; as soon as one is left, it is eliminated.",
    "If earlier rounds do not settle the tie, a lot is drawn among the options still tied, in ballot order, with the SplitMix64 generator started from the seed recorded with this result, so anyone can repeat the draw.",
    "With no ballots, or no ballot ranking anything, there is no winner.",
];

/// The whole count, round by round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct IrvResult {
    /// [`RULE_SET`].
    pub rule_set: String,
    /// [`RULES`], so a published result carries its own rules.
    pub rules: Vec<String>,
    /// Ballots counted (voided votes are not passed in).
    pub turnout: u64,
    /// Ballots that ranked nothing (exhausted from round 1; included in `turnout`).
    pub blank_ballots: u64,
    pub rounds: Vec<IrvRound>,
    pub winner: Option<OptionId>,
    pub outcome: IrvOutcome,
    /// The seed any lot was (or would have been) drawn from.
    pub seed: u64,
    /// Whether any tie was settled by lot.
    pub lot_drawn: bool,
}

/// How the count ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum IrvOutcome {
    /// An option had a majority of continuing ballots in `round`.
    Elected { winner: OptionId, round: u32 },
    /// No ballots were cast.
    NoBallots,
    /// Ballots were cast but none ranked any option, so there was nothing to count.
    NoContinuingBallots,
}

/// One round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct IrvRound {
    /// 1 for the first round.
    pub round: u32,
    /// Votes for each continuing option, in ballot order (eliminated options are left out).
    pub tallies: Vec<OptionCount>,
    /// Ballots counting for some continuing option (the sum of `tallies`).
    pub continuing_ballots: u64,
    /// Ballots exhausted so far, blank ballots included: `continuing_ballots + exhausted ==
    /// turnout` in every round.
    pub exhausted: u64,
    /// Votes needed to win this round: `floor(continuing_ballots / 2) + 1`.
    pub majority: u64,
    /// The winner, in the last round when there is one.
    pub elected: Option<OptionId>,
    /// The option eliminated at the end of this round, and where its ballots went.
    pub eliminated: Option<Elimination>,
}

/// An elimination and the transfer of the eliminated option's ballots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Elimination {
    pub option: OptionId,
    /// Its votes in this round (the fewest).
    pub votes: u64,
    /// Present when several options shared the fewest votes.
    pub tie_break: Option<TieBreak>,
    /// Ballots passed on, per receiving option in ballot order (only options that received
    /// some). They are counted in the next round.
    pub transfers: Vec<OptionCount>,
    /// Ballots that had no continuing choice left and became exhausted.
    pub to_exhausted: u64,
}

/// How a tie for fewest votes was settled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct TieBreak {
    /// Every option with the fewest votes this round, in ballot order.
    pub tied: Vec<OptionId>,
    pub decided_by: TieDecision,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "by", rename_all = "kebab-case")]
pub enum TieDecision {
    /// Going back through earlier rounds left only the eliminated option in `round`.
    EarlierRound { round: u32 },
    /// A lot: `among` in ballot order, the `lot`-th lot of this count (from 1), which picked
    /// position `picked` (from 0) of `among`.
    Lot {
        among: Vec<OptionId>,
        lot: u32,
        picked: usize,
    },
}

/// Counts rankings (first choice first, `None` for a blank rank) over `options` in ballot
/// order. `seed` is used only if a lot is needed; keep it with the result. A ranking naming an
/// option not on the ballot is reported with its position, and nothing is counted.
pub fn count<'a>(
    options: &[OptionId],
    rankings: impl IntoIterator<Item = &'a [Option<OptionId>]>,
    seed: u64,
) -> Result<IrvResult, TallyError> {
    let index = OptionIndex::new(options);
    count_indexed(&index, rankings, seed)
}

pub(crate) fn count_indexed<'a>(
    index: &OptionIndex<'_>,
    rankings: impl IntoIterator<Item = &'a [Option<OptionId>]>,
    seed: u64,
) -> Result<IrvResult, TallyError> {
    let n = index.len();
    let options = index.options();

    // Each ballot's real choices (blanks and repeats skipped), stored flat.
    let mut choices: Vec<usize> = Vec::new();
    let mut starts: Vec<usize> = Vec::new();
    let mut seen = vec![false; n];
    let mut one = Vec::with_capacity(n);
    for (i, ranking) in rankings.into_iter().enumerate() {
        for o in ranking.iter().flatten() {
            index
                .position(o)
                .map_err(|error| TallyError { index: i, error })?;
        }
        effective_ranking(index, ranking, &mut seen, &mut one);
        starts.push(choices.len());
        choices.extend_from_slice(&one);
    }
    let turnout = starts.len();
    starts.push(choices.len());

    // Ballots grouped by the option they currently count for; `next[b]` is the position in
    // `choices` of ballot b's current choice.
    let mut piles: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut next: Vec<usize> = starts[..turnout].to_vec();
    let mut blank_ballots = 0u64;
    for b in 0..turnout {
        if starts[b] == starts[b + 1] {
            blank_ballots += 1;
        } else {
            piles[choices[starts[b]]].push(b);
        }
    }

    let mut continuing = vec![true; n];
    let mut history: Vec<Vec<u64>> = Vec::new();
    let mut rounds = Vec::new();
    let mut rng = SplitMix64::new(seed);
    let mut lots = 0u32;
    let mut outcome = IrvOutcome::NoBallots;

    // At most one round per option: each round without a winner eliminates one option, and a
    // lone continuing option holds every continuing ballot, so the loop always ends by `break`.
    for round_no in 1..=(n.max(1) as u32) {
        let counts: Vec<u64> = piles.iter().map(|p| p.len() as u64).collect();
        let continuing_ballots: u64 = (0..n).filter(|&o| continuing[o]).map(|o| counts[o]).sum();
        let mut round = IrvRound {
            round: round_no,
            tallies: (0..n)
                .filter(|&o| continuing[o])
                .map(|o| OptionCount {
                    option: options[o].clone(),
                    count: counts[o],
                })
                .collect(),
            continuing_ballots,
            exhausted: turnout as u64 - continuing_ballots,
            majority: continuing_ballots / 2 + 1,
            elected: None,
            eliminated: None,
        };

        if continuing_ballots == 0 {
            outcome = if turnout == 0 {
                IrvOutcome::NoBallots
            } else {
                IrvOutcome::NoContinuingBallots
            };
            rounds.push(round);
            break;
        }
        if let Some(w) = (0..n).find(|&o| continuing[o] && counts[o] * 2 > continuing_ballots) {
            round.elected = Some(options[w].clone());
            outcome = IrvOutcome::Elected {
                winner: options[w].clone(),
                round: round_no,
            };
            rounds.push(round);
            break;
        }

        // No majority: at least two continuing options remain (one alone would hold every
        // continuing ballot), so there is someone to eliminate.
        let fewest = (0..n)
            .filter(|&o| continuing[o])
            .map(|o| counts[o])
            .min()
            .unwrap_or(0);
        let tied: Vec<usize> = (0..n)
            .filter(|&o| continuing[o] && counts[o] == fewest)
            .collect();
        let (loser, tie_break) = if tied.len() == 1 {
            (tied[0], None)
        } else {
            let (loser, decided_by) = break_tie(&tied, &history, &mut rng, &mut lots, options);
            (
                loser,
                Some(TieBreak {
                    tied: tied.iter().map(|&o| options[o].clone()).collect(),
                    decided_by,
                }),
            )
        };

        continuing[loser] = false;
        let mut received = vec![0u64; n];
        let mut to_exhausted = 0u64;
        for b in std::mem::take(&mut piles[loser]) {
            let end = starts[b + 1];
            let mut at = next[b] + 1;
            while at < end && !continuing[choices[at]] {
                at += 1;
            }
            next[b] = at;
            if at < end {
                received[choices[at]] += 1;
                piles[choices[at]].push(b);
            } else {
                to_exhausted += 1;
            }
        }
        round.eliminated = Some(Elimination {
            option: options[loser].clone(),
            votes: fewest,
            tie_break,
            transfers: (0..n)
                .filter(|&o| received[o] > 0)
                .map(|o| OptionCount {
                    option: options[o].clone(),
                    count: received[o],
                })
                .collect(),
            to_exhausted,
        });
        rounds.push(round);
        history.push(counts);
    }

    let winner = match &outcome {
        IrvOutcome::Elected { winner, .. } => Some(winner.clone()),
        _ => None,
    };
    Ok(IrvResult {
        rule_set: RULE_SET.to_string(),
        rules: RULES.iter().map(|r| r.to_string()).collect(),
        turnout: turnout as u64,
        blank_ballots,
        rounds,
        winner,
        outcome,
        seed,
        lot_drawn: lots > 0,
    })
}

/// Rules 6 and 7: `tied` (ballot order, at least two) share the fewest votes this round;
/// `history` holds every earlier round's counts by option position.
fn break_tie(
    tied: &[usize],
    history: &[Vec<u64>],
    rng: &mut SplitMix64,
    lots: &mut u32,
    options: &[OptionId],
) -> (usize, TieDecision) {
    let mut still: Vec<usize> = tied.to_vec();
    for (r, counts) in history.iter().enumerate().rev() {
        let fewest = still.iter().map(|&o| counts[o]).min().unwrap_or(0);
        still.retain(|&o| counts[o] == fewest);
        if still.len() == 1 {
            return (
                still[0],
                TieDecision::EarlierRound {
                    round: r as u32 + 1,
                },
            );
        }
    }
    *lots += 1;
    let picked = rng.pick(still.len());
    (
        still[picked],
        TieDecision::Lot {
            among: still.iter().map(|&o| options[o].clone()).collect(),
            lot: *lots,
            picked,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::{Ballot, Method, Tally, Vote};
    use super::*;

    /// Counts compact rankings ("AB-C": A, B, blank, C) over single-letter options.
    fn irv(options: &str, ballots: &[&str], seed: u64) -> IrvResult {
        let options: Vec<OptionId> = options.chars().map(|c| OptionId(c.to_string())).collect();
        let votes: Vec<Vote> = ballots.iter().map(|b| ranked(b)).collect();
        let b = Ballot {
            method: Method::RankedIrv,
            options,
        };
        match b.tally(&votes, seed) {
            Ok(Tally::RankedIrv(r)) => r,
            other => panic!("unexpected {other:?}"),
        }
    }

    /// `n` copies of a ballot.
    fn many(list: &[(usize, &'static str)]) -> Vec<&'static str> {
        list.iter()
            .flat_map(|(n, b)| std::iter::repeat_n(*b, *n))
            .collect()
    }

    /// Round tallies as "A3 B2" strings, one per round.
    fn tallies(r: &IrvResult) -> Vec<String> {
        r.rounds
            .iter()
            .map(|round| {
                round
                    .tallies
                    .iter()
                    .map(|c| format!("{}{}", c.option, c.count))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    fn eliminated(r: &IrvResult) -> Vec<String> {
        r.rounds
            .iter()
            .filter_map(|round| round.eliminated.as_ref().map(|e| e.option.0.clone()))
            .collect()
    }

    fn winner(r: &IrvResult) -> Option<&str> {
        r.winner.as_ref().map(|w| w.as_str())
    }

    #[test]
    fn first_round_majority_wins_at_once() {
        let r = irv("ABC", &many(&[(3, "A"), (1, "BA"), (1, "C")]), 0);
        assert_eq!(tallies(&r), vec!["A3 B1 C1"]);
        assert_eq!(winner(&r), Some("A"));
        assert_eq!(r.rounds[0].majority, 3);
        assert_eq!(r.rounds[0].elected, Some("A".into()));
        assert_eq!(
            r.outcome,
            IrvOutcome::Elected {
                winner: "A".into(),
                round: 1
            }
        );
        assert!(!r.lot_drawn);
    }

    #[test]
    fn exactly_half_is_not_a_majority() {
        // 3: A    2: B    1: C A      (6 ballots)
        // R1: A3 B2 C1. A has 3 of 6: half, not more than half, so no winner yet. C out -> A.
        // R2: A4 B2: A wins.
        let r = irv("ABC", &many(&[(3, "A"), (2, "B"), (1, "CA")]), 0);
        assert_eq!(tallies(&r), vec!["A3 B2 C1", "A4 B2"]);
        assert_eq!(r.rounds[0].majority, 4);
        assert_eq!(r.rounds[0].elected, None);
        assert_eq!(eliminated(&r), vec!["C"]);
        assert_eq!(winner(&r), Some("A"));
        assert_eq!(
            r.outcome,
            IrvOutcome::Elected {
                winner: "A".into(),
                round: 2
            }
        );
    }

    #[test]
    fn hand_worked_transfers() {
        // 4: A    2: B C    2: C B    1: D C      (9 ballots, majority 5)
        // R1: A4 B2 C2 D1. D out; its ballot goes to C.
        // R2: A4 B2 C3. B out; both B ballots go to C.
        // R3: A4 C5: C has 5 of 9 and wins.
        let r = irv(
            "ABCD",
            &many(&[(4, "A"), (2, "BC"), (2, "CB"), (1, "DC")]),
            0,
        );
        assert_eq!(tallies(&r), vec!["A4 B2 C2 D1", "A4 B2 C3", "A4 C5"]);
        assert_eq!(eliminated(&r), vec!["D", "B"]);
        assert_eq!(winner(&r), Some("C"));
        let e = r.rounds[1].eliminated.as_ref().unwrap();
        assert_eq!(e.votes, 2);
        assert_eq!(
            e.transfers,
            vec![OptionCount {
                option: "C".into(),
                count: 2
            }]
        );
        assert_eq!(e.to_exhausted, 0);
        assert!(r.rounds.iter().all(|x| x.exhausted == 0));
    }

    #[test]
    fn exhausted_ballots_leave_the_majority_base() {
        // 5: A    3: B    2: C    4: D B      (14 ballots)
        // R1: A5 B3 C2 D4 (14 continuing, majority 8). C out: its 2 ballots have no further
        //     choice and are exhausted.
        // R2: A5 B3 D4 (12 continuing, 2 exhausted, majority 7). B out: its 3 ballots are
        //     exhausted.
        // R3: A5 D4 (9 continuing, 5 exhausted, majority 5). A has 5 of 9 and wins, although
        //     5 is not a majority of all 14 ballots.
        let r = irv("ABCD", &many(&[(5, "A"), (3, "B"), (2, "C"), (4, "DB")]), 0);
        assert_eq!(tallies(&r), vec!["A5 B3 C2 D4", "A5 B3 D4", "A5 D4"]);
        let ex: Vec<(u64, u64, u64)> = r
            .rounds
            .iter()
            .map(|x| (x.continuing_ballots, x.exhausted, x.majority))
            .collect();
        assert_eq!(ex, vec![(14, 0, 8), (12, 2, 7), (9, 5, 5)]);
        assert_eq!(r.rounds[0].eliminated.as_ref().unwrap().to_exhausted, 2);
        assert!(r.rounds[0]
            .eliminated
            .as_ref()
            .unwrap()
            .transfers
            .is_empty());
        assert_eq!(r.rounds[1].eliminated.as_ref().unwrap().to_exhausted, 3);
        assert_eq!(winner(&r), Some("A"));
        assert_eq!(r.turnout, 14);
    }

    #[test]
    fn blanks_are_skipped() {
        // "-B" and "--B" have blank first ranks: they count for B from round 1.
        // "A--C": once A is out, the blanks are skipped and the ballot reaches C.
        // R1: A1 B2 C2 (5 ballots, majority 3). A out -> C.
        // R2: B2 C3: C wins. Nothing is ever exhausted.
        let r = irv("ABC", &["-B", "--B", "A--C", "C", "C"], 0);
        assert_eq!(tallies(&r), vec!["A1 B2 C2", "B2 C3"]);
        assert_eq!(
            r.rounds[0].eliminated.as_ref().unwrap().transfers,
            vec![OptionCount {
                option: "C".into(),
                count: 1
            }]
        );
        assert_eq!(winner(&r), Some("C"));
        assert_eq!(r.blank_ballots, 0);
        assert!(r.rounds.iter().all(|x| x.exhausted == 0));
    }

    #[test]
    fn repeated_ranking_counts_only_at_its_first_rank() {
        // "AAB" is A then B (the second A is skipped); "BB" is just B.
        //   2: A A B    1: B B    2: C    1: C A A      (6 ballots)
        // R1: A2 B1 C3 (majority 4). B out: "BB" has nothing else and is exhausted.
        // R2: A2 C3 (5 continuing, majority 3): C wins.
        let r = irv("ABC", &["AAB", "AAB", "BB", "C", "C", "CAA"], 0);
        assert_eq!(tallies(&r), vec!["A2 B1 C3", "A2 C3"]);
        assert_eq!(r.rounds[0].eliminated.as_ref().unwrap().to_exhausted, 1);
        assert_eq!(r.rounds[1].exhausted, 1);
        assert_eq!(winner(&r), Some("C"));

        // A repeat never hides a later real choice:
        //   1: B B A    2: A    3: C      (6 ballots)
        // R1: A2 B1 C3 (majority 4). B out: "BBA" skips the second B and goes to A.
        // R2: A3 C3: no majority. Tie for fewest; round 1 had A2 C3, so A is out.
        // R3: C3 with A's 3 ballots exhausted: C wins.
        let r = irv("ABC", &["BBA", "A", "A", "C", "C", "C"], 0);
        assert_eq!(tallies(&r), vec!["A2 B1 C3", "A3 C3", "C3"]);
        assert_eq!(
            r.rounds[0].eliminated.as_ref().unwrap().transfers,
            vec![OptionCount {
                option: "A".into(),
                count: 1
            }]
        );
        assert_eq!(r.rounds[2].exhausted, 3);
        assert_eq!(winner(&r), Some("C"));
    }

    #[test]
    fn tie_for_last_is_broken_by_the_previous_rounds() {
        //   5: A    3: B    3: C    2: D B    1: E C      (14 ballots, majority 8 at first)
        // R1: A5 B3 C3 D2 E1. E out -> C.
        // R2: A5 B3 C4 D2. D out -> B.
        // R3: A5 B5 C4. C out: its 4 ballots have nothing else and are exhausted.
        // R4: A5 B5 (10 continuing): tie for fewest. Round 3 had A5 B5 (still tied);
        //     round 2 had A5 B3, so B is out. Looking only one round back would need a lot.
        // R5: A5 (B's ballots exhausted): A wins.
        let ballots = many(&[(5, "A"), (3, "B"), (3, "C"), (2, "DB"), (1, "EC")]);
        let r = irv("ABCDE", &ballots, 0);
        assert_eq!(
            tallies(&r),
            vec!["A5 B3 C3 D2 E1", "A5 B3 C4 D2", "A5 B5 C4", "A5 B5", "A5"]
        );
        assert_eq!(eliminated(&r), vec!["E", "D", "C", "B"]);
        let e = r.rounds[3].eliminated.as_ref().unwrap();
        assert_eq!(
            e.tie_break,
            Some(TieBreak {
                tied: ids(&["A", "B"]),
                decided_by: TieDecision::EarlierRound { round: 2 },
            })
        );
        assert_eq!(winner(&r), Some("A"));
        assert!(!r.lot_drawn, "earlier rounds settled it; no lot");
        for seed in 0..20 {
            assert_eq!(winner(&irv("ABCDE", &ballots, seed)), Some("A"));
        }
    }

    #[test]
    fn a_three_way_tie_narrows_round_by_round() {
        //   9: A    3: F Z    1: F X    5: Z    6: X    7: Y    1: G X    1: G Y    3: G
        //   (36 ballots; A never has a majority)
        // R1: A9 F4 G5 X6 Y7 Z5. F out (alone): 3 -> Z, 1 -> X.
        // R2: A9 G5 X7 Y7 Z8. G out (alone): 1 -> X, 1 -> Y, 3 exhausted.
        // R3: A9 X8 Y8 Z8: X, Y and Z tie for fewest.
        //     Round 2: X7 Y7 Z8 -> Z had more, so only X and Y stay in the tie.
        //     Round 1: X6 Y7 -> X is out.
        // Comparing all three in round 1 (where Z had fewest, 5) would wrongly pick Z.
        let ballots = many(&[
            (9, "A"),
            (3, "FZ"),
            (1, "FX"),
            (5, "Z"),
            (6, "X"),
            (7, "Y"),
            (1, "GX"),
            (1, "GY"),
            (3, "G"),
        ]);
        let r = irv("AFGXYZ", &ballots, 0);
        assert_eq!(
            tallies(&r)[..3],
            ["A9 F4 G5 X6 Y7 Z5", "A9 G5 X7 Y7 Z8", "A9 X8 Y8 Z8"]
        );
        assert_eq!(r.rounds[2].exhausted, 3);
        let e = r.rounds[2].eliminated.as_ref().unwrap();
        assert_eq!(e.option.as_str(), "X");
        assert_eq!(
            e.tie_break,
            Some(TieBreak {
                tied: ids(&["X", "Y", "Z"]),
                decided_by: TieDecision::EarlierRound { round: 1 },
            })
        );
        assert!(!r.lot_drawn);
    }

    #[test]
    fn lot_is_repeatable_from_the_seed_and_a_different_seed_can_differ() {
        //   3: A    2: B A    2: C      (7 ballots, majority 4)
        // R1: A3 B2 C2: B and C tie for fewest in the first round, so a lot decides.
        // Either way A wins in round 2 (B out: A5 C2; C out: A3 B2 with C's ballots
        // exhausted), but which option goes must follow the seed.
        let ballots = many(&[(3, "A"), (2, "BA"), (2, "C")]);
        let loser = |seed: u64| {
            let r = irv("ABC", &ballots, seed);
            assert!(r.lot_drawn);
            assert_eq!(r.seed, seed);
            assert_eq!(winner(&r), Some("A"));
            let e = r.rounds[0].eliminated.clone().unwrap();
            let tb = e.tie_break.unwrap();
            assert_eq!(tb.tied, ids(&["B", "C"]));
            match tb.decided_by {
                TieDecision::Lot { among, lot, picked } => {
                    assert_eq!(among, ids(&["B", "C"]));
                    assert_eq!(lot, 1);
                    assert_eq!(among[picked], e.option);
                }
                other => panic!("expected a lot, got {other:?}"),
            }
            e.option.0
        };
        // Same seed, same loser.
        for seed in [0u64, 1, 2, 12345, u64::MAX] {
            assert_eq!(loser(seed), loser(seed));
        }
        // The lot is the first SplitMix64 output mod 2, as documented in `lot`.
        let first = |seed: u64| SplitMix64::new(seed).next_u64() % 2;
        for seed in 0..16u64 {
            let expected = if first(seed) == 0 { "B" } else { "C" };
            assert_eq!(loser(seed), expected, "seed {seed}");
        }
        // Seed 0's first output is 0xE220A8397B1DCDAF (odd): position 1, so C goes.
        assert_eq!(loser(0), "C");
        assert_eq!(tallies(&irv("ABC", &ballots, 0)), vec!["A3 B2 C2", "A3 B2"]);
        // Different seeds do pick differently.
        let picks: std::collections::BTreeSet<String> = (0..16).map(loser).collect();
        assert_eq!(picks.len(), 2, "16 seeds should give both outcomes");
    }

    #[test]
    fn a_lot_only_draws_among_those_earlier_rounds_left_tied() {
        //   9: A    3: F Z    5: Z    6: X    6: Y    2: G X    2: G Y    1: G
        //   (34 ballots; A never has a majority)
        // R1: A9 F3 G5 X6 Y6 Z5. F out (alone): 3 -> Z.
        // R2: A9 G5 X6 Y6 Z8. G out (alone): 2 -> X, 2 -> Y, 1 exhausted.
        // R3: A9 X8 Y8 Z8: three-way tie. Round 2 (X6 Y6 Z8) leaves X and Y; round 1
        //     (X6 Y6) does not split them, so the lot is drawn between X and Y only.
        let ballots = many(&[
            (9, "A"),
            (3, "FZ"),
            (5, "Z"),
            (6, "X"),
            (6, "Y"),
            (2, "GX"),
            (2, "GY"),
            (1, "G"),
        ]);
        let mut losers = std::collections::BTreeSet::new();
        for seed in 0..16 {
            let r = irv("AFGXYZ", &ballots, seed);
            assert_eq!(tallies(&r)[2], "A9 X8 Y8 Z8");
            let e = r.rounds[2].eliminated.as_ref().unwrap();
            let tb = e.tie_break.clone().unwrap();
            assert_eq!(tb.tied, ids(&["X", "Y", "Z"]));
            match tb.decided_by {
                TieDecision::Lot { among, lot, picked } => {
                    assert_eq!(among, ids(&["X", "Y"]));
                    assert_eq!(lot, 1, "the first lot of this count");
                    assert_eq!(among[picked], e.option);
                }
                other => panic!("expected a lot, got {other:?}"),
            }
            assert!(r.lot_drawn);
            losers.insert(e.option.0.clone());
        }
        assert_eq!(losers.len(), 2, "Z is never drawn; X and Y both can be");
    }

    #[test]
    fn two_way_final_tie() {
        // Settled by an earlier round:
        //   3: A    2: B    1: C B      (6 ballots)
        // R1: A3 B2 C1 (majority 4). C out -> B.
        // R2: A3 B3: no majority; tie. Round 1 had A3 B2, so B is out.
        // R3: A3, B's 3 ballots exhausted: A wins.
        let r = irv("ABC", &many(&[(3, "A"), (2, "B"), (1, "CB")]), 0);
        assert_eq!(tallies(&r), vec!["A3 B2 C1", "A3 B3", "A3"]);
        assert_eq!(
            r.rounds[1]
                .eliminated
                .as_ref()
                .unwrap()
                .tie_break
                .as_ref()
                .unwrap()
                .decided_by,
            TieDecision::EarlierRound { round: 1 }
        );
        assert_eq!(r.rounds[2].exhausted, 3);
        assert_eq!(winner(&r), Some("A"));
        assert!(!r.lot_drawn);

        // Two options tied from the start: only a lot can settle it. The loser's ballots
        // are exhausted and the other option wins with 2 of 2 continuing ballots.
        let ballots = many(&[(2, "A"), (2, "B")]);
        let mut winners = std::collections::BTreeSet::new();
        for seed in 0..16 {
            let r = irv("AB", &ballots, seed);
            assert!(r.lot_drawn);
            assert_eq!(r.rounds.len(), 2);
            assert_eq!(r.rounds[1].continuing_ballots, 2);
            assert_eq!(r.rounds[1].exhausted, 2);
            let w = winner(&r).unwrap().to_string();
            assert_eq!(winner(&irv("AB", &ballots, seed)), Some(w.as_str()));
            winners.insert(w);
        }
        assert_eq!(winners.len(), 2, "different seeds can elect differently");
    }

    #[test]
    fn zero_ballots_gives_no_winner() {
        let r = irv("ABC", &[], 7);
        assert_eq!(r.winner, None);
        assert_eq!(r.outcome, IrvOutcome::NoBallots);
        assert_eq!(r.turnout, 0);
        assert_eq!(r.rounds.len(), 1);
        assert_eq!(tallies(&r), vec!["A0 B0 C0"]);
        assert_eq!(r.rounds[0].eliminated, None);
        assert_eq!(r.seed, 7);
        assert!(!r.lot_drawn);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["outcome"]["kind"], "no-ballots");
        assert_eq!(json["winner"], serde_json::Value::Null);
    }

    #[test]
    fn all_ballots_blank_gives_no_winner() {
        let r = irv("AB", &["", "--", "-"], 0);
        assert_eq!(r.winner, None);
        assert_eq!(r.outcome, IrvOutcome::NoContinuingBallots);
        assert_eq!(r.turnout, 3);
        assert_eq!(r.blank_ballots, 3);
        assert_eq!(r.rounds.len(), 1);
        assert_eq!(r.rounds[0].continuing_ballots, 0);
        assert_eq!(r.rounds[0].exhausted, 3);
    }

    #[test]
    fn blank_ballots_count_in_turnout_not_in_the_majority() {
        // 2: A    1: B    2: blank. A has 2 of 3 continuing ballots and wins in round 1.
        let r = irv("AB", &["A", "A", "B", "", "--"], 0);
        assert_eq!(winner(&r), Some("A"));
        assert_eq!(r.turnout, 5);
        assert_eq!(r.blank_ballots, 2);
        assert_eq!(r.rounds[0].continuing_ballots, 3);
        assert_eq!(r.rounds[0].exhausted, 2);
        assert_eq!(r.rounds[0].majority, 2);
    }

    #[test]
    fn single_option() {
        let r = irv("A", &["A", "-", "AA"], 0);
        assert_eq!(tallies(&r), vec!["A2"]);
        assert_eq!(winner(&r), Some("A"));
        let r = irv("A", &["-"], 0);
        assert_eq!(r.winner, None);
        assert_eq!(r.outcome, IrvOutcome::NoContinuingBallots);
    }

    #[test]
    fn zero_vote_options_go_one_per_round() {
        //   2: A    2: B    1: C A      (5 ballots, majority 3); nobody ranks D.
        // R1: A2 B2 C1 D0. D out (alone on 0).
        // R2: A2 B2 C1. C out -> A.
        // R3: A3 B2: A wins.
        let r = irv("ABCD", &["A", "A", "B", "B", "CA"], 0);
        assert_eq!(tallies(&r), vec!["A2 B2 C1 D0", "A2 B2 C1", "A3 B2"]);
        assert_eq!(eliminated(&r), vec!["D", "C"]);
        let d = r.rounds[0].eliminated.as_ref().unwrap();
        assert_eq!((d.votes, d.to_exhausted), (0, 0));
        assert!(d.transfers.is_empty());
        assert_eq!(winner(&r), Some("A"));
        assert!(!r.lot_drawn);
    }

    #[test]
    fn every_round_balances() {
        let r = irv(
            "ABCDE",
            &many(&[
                (5, "A"),
                (3, "B-C"),
                (3, "CC"),
                (2, "DB"),
                (1, "EC"),
                (2, ""),
            ]),
            3,
        );
        for round in &r.rounds {
            assert_eq!(round.continuing_ballots + round.exhausted, r.turnout);
            let sum: u64 = round.tallies.iter().map(|t| t.count).sum();
            assert_eq!(sum, round.continuing_ballots);
            if let Some(e) = &round.eliminated {
                let moved: u64 = e.transfers.iter().map(|t| t.count).sum();
                assert_eq!(moved + e.to_exhausted, e.votes);
            }
        }
    }

    #[test]
    fn order_of_ballots_does_not_matter() {
        let mut ballots = many(&[(3, "A"), (2, "BA"), (2, "C"), (1, "DC"), (1, "-B")]);
        let first = irv("ABCD", &ballots, 11);
        ballots.reverse();
        assert_eq!(irv("ABCD", &ballots, 11), first);
        ballots.rotate_left(4);
        assert_eq!(irv("ABCD", &ballots, 11), first);
    }

    #[test]
    fn unknown_option_is_refused_with_its_position() {
        let options = ids(&["A", "B"]);
        let rankings: Vec<Vec<Option<OptionId>>> =
            vec![vec![Some("A".into())], vec![None, Some("Z".into())]];
        let err = count(&options, rankings.iter().map(|r| r.as_slice()), 0).unwrap_err();
        assert_eq!(err.index, 1);
        assert_eq!(
            err.error,
            super::super::VoteError::UnknownOption { option: "Z".into() }
        );
    }

    #[test]
    fn result_carries_its_rules() {
        let r = irv("AB", &["A"], 0);
        assert_eq!(r.rule_set, RULE_SET);
        assert_eq!(r.rules.len(), RULES.len());
        assert!(r.rules.iter().any(|x| x.contains("SplitMix64")));
    }
}

//! Ballots and the pure rules that count them.
//!
//! A **ballot** is a question put to a room: a list of options in a fixed order and a
//! counting method. A **vote** is one voter's answer. This module checks that a vote fits its
//! ballot and counts a list of votes. It does no IO and reads no clock: the caller passes in
//! the votes that count (voided votes already left out) and, for ranked ballots, the seed
//! that any lot is drawn from, and stores that seed with the result.
//!
//! The methods, in plain words:
//!
//! - **Plurality**: each voter picks one option; the option picked most often leads.
//! - **Approval**: each voter ticks any number of options (none is allowed); each option's
//!   count is the number of voters who ticked it.
//! - **Dots**: each voter places up to `per_voter` dots, at most `max_per_option` on any one
//!   option (using fewer is allowed); each option's count is its number of dots.
//! - **Borda** (see [`counts`]): with `n` options on the ballot, a voter's first choice
//!   gets `n - 1` points, the second `n - 2`, and so on; options the voter did not rank get 0.
//!   Blank and repeated rankings are skipped as in IRV, so the next real choice moves up.
//! - **Score**: each voter gives each option a whole score from 0 to `max`; an option the
//!   voter left unscored counts as 0. Each option gets a total and a mean over all voters.
//! - **Ranked, instant runoff (IRV)** ([`irv`]): rounds of counting first continuing choices,
//!   eliminating the option with fewest votes until one has a majority of continuing ballots.
//!
//! Every result lists options in ballot order, whatever order the votes arrived in, and
//! reports turnout: the number of votes counted.

pub mod counts;
pub mod entry;
pub mod export;
pub mod import;
pub mod irv;
pub mod lot;
#[cfg(test)]
mod properties;
pub mod record;

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};

pub use counts::{CountTally, OptionCount, OptionScore, ScoreTally};
pub use irv::{IrvOutcome, IrvResult, IrvRound};

/// An option's identity on a ballot (for a topic ballot, usually an issue's id as text).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(transparent)]
pub struct OptionId(pub String);

impl OptionId {
    pub fn new(id: impl Into<String>) -> Self {
        OptionId(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OptionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for OptionId {
    fn from(s: &str) -> Self {
        OptionId(s.to_string())
    }
}

/// How a ballot is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "method", rename_all = "kebab-case")]
pub enum Method {
    Plurality,
    Approval,
    Dots { per_voter: u32, max_per_option: u32 },
    RankedIrv,
    Borda,
    Score { max: u32 },
}

impl Method {
    /// The method's name as a facilitator would say it.
    pub fn name(&self) -> &'static str {
        match self {
            Method::Plurality => "plurality",
            Method::Approval => "approval",
            Method::Dots { .. } => "dot voting",
            Method::RankedIrv => "ranked choice (instant runoff)",
            Method::Borda => "Borda count",
            Method::Score { .. } => "score voting",
        }
    }

    /// The kind of vote this method takes.
    pub fn vote_kind(&self) -> VoteKind {
        match self {
            Method::Plurality => VoteKind::Choice,
            Method::Approval => VoteKind::Approval,
            Method::Dots { .. } => VoteKind::Dots,
            Method::RankedIrv | Method::Borda => VoteKind::Ranking,
            Method::Score { .. } => VoteKind::Scores,
        }
    }
}

/// Dots placed on one option.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct DotsOn {
    pub option: OptionId,
    pub dots: u32,
}

/// A score given to one option.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ScoreFor {
    pub option: OptionId,
    pub score: u32,
}

/// One voter's answer. Which kind a ballot takes follows from its [`Method`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Vote {
    /// Plurality: exactly one option.
    Choice { option: OptionId },
    /// Approval: the options approved, each at most once; none is allowed.
    Approval { options: Vec<OptionId> },
    /// Dots: dots per option, each option listed at most once.
    Dots { dots: Vec<DotsOn> },
    /// Ranked (IRV and Borda): first choice first. `None` is a blank rank; an option may
    /// appear more than once (only its first appearance counts). All blank is allowed.
    Ranking { ranking: Vec<Option<OptionId>> },
    /// Score: scores per option, each option listed at most once; unlisted options score 0.
    Scores { scores: Vec<ScoreFor> },
}

impl Vote {
    pub fn kind(&self) -> VoteKind {
        match self {
            Vote::Choice { .. } => VoteKind::Choice,
            Vote::Approval { .. } => VoteKind::Approval,
            Vote::Dots { .. } => VoteKind::Dots,
            Vote::Ranking { .. } => VoteKind::Ranking,
            Vote::Scores { .. } => VoteKind::Scores,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VoteKind {
    Choice,
    Approval,
    Dots,
    Ranking,
    Scores,
}

impl fmt::Display for VoteKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            VoteKind::Choice => "single choice",
            VoteKind::Approval => "approval",
            VoteKind::Dots => "dots",
            VoteKind::Ranking => "ranking",
            VoteKind::Scores => "scores",
        })
    }
}

/// What is wrong with a ballot's definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "problem", rename_all = "kebab-case")]
pub enum BallotError {
    #[error("a ballot needs at least one option")]
    NoOptions,
    #[error("an option needs an id")]
    EmptyOptionId,
    #[error("option {option} is on the ballot twice")]
    RepeatedOption { option: OptionId },
    #[error("dot voting needs at least 1 dot per voter")]
    NoDotsPerVoter,
    #[error("dot voting needs to allow at least 1 dot per option")]
    NoDotsPerOption,
    #[error("score voting needs a highest score of at least 1")]
    NoScoreRange,
}

/// What is wrong with a vote, naming the option concerned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "problem", rename_all = "kebab-case")]
pub enum VoteError {
    #[error("this ballot is counted by {method} and takes a {expected} vote, not a {got} vote")]
    WrongKind {
        method: String,
        expected: VoteKind,
        got: VoteKind,
    },
    #[error("option {option} is not on this ballot")]
    UnknownOption { option: OptionId },
    #[error("option {option} is listed more than once")]
    RepeatedOption { option: OptionId },
    #[error("{dots} dots on option {option} but at most {max_per_option} per option")]
    TooManyDotsOnOption {
        option: OptionId,
        dots: u32,
        max_per_option: u32,
    },
    #[error("{total} dots in all but each voter has {per_voter}")]
    TooManyDots { total: u64, per_voter: u32 },
    #[error("score {score} for option {option} but the highest score is {max}")]
    ScoreTooHigh {
        option: OptionId,
        score: u32,
        max: u32,
    },
}

/// A vote in the list given to a tally did not fit the ballot. Nothing was counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("vote {index} (counting from 0): {error}")]
pub struct TallyError {
    /// Position of the bad vote in the list passed in.
    pub index: usize,
    pub error: VoteError,
}

/// A ballot's counting rules: the options in display order and the method.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ballot {
    pub method: Method,
    pub options: Vec<OptionId>,
}

/// Any result, tagged by method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "method", rename_all = "kebab-case")]
pub enum Tally {
    Plurality(CountTally),
    Approval(CountTally),
    Dots(CountTally),
    RankedIrv(IrvResult),
    Borda(CountTally),
    Score(ScoreTally),
}

impl Ballot {
    /// Checks the definition: at least one option, ids non-empty and unique, and sensible
    /// method parameters.
    pub fn check(&self) -> Result<(), BallotError> {
        if self.options.is_empty() {
            return Err(BallotError::NoOptions);
        }
        let mut seen = HashSet::new();
        for o in &self.options {
            if o.0.trim().is_empty() {
                return Err(BallotError::EmptyOptionId);
            }
            if !seen.insert(o) {
                return Err(BallotError::RepeatedOption { option: o.clone() });
            }
        }
        match self.method {
            Method::Dots { per_voter: 0, .. } => Err(BallotError::NoDotsPerVoter),
            Method::Dots {
                max_per_option: 0, ..
            } => Err(BallotError::NoDotsPerOption),
            Method::Score { max: 0 } => Err(BallotError::NoScoreRange),
            _ => Ok(()),
        }
    }

    /// Checks one vote against this ballot, naming the first thing wrong.
    pub fn check_vote(&self, vote: &Vote) -> Result<(), VoteError> {
        OptionIndex::new(&self.options).check_vote(self.method, vote)
    }

    /// Counts valid votes (voided votes already left out by the caller). `seed` is used only
    /// by IRV, to draw a lot when a tie for last place cannot be settled by earlier rounds;
    /// record it with the result. Any vote that does not fit the ballot is reported with its
    /// position and nothing is counted.
    pub fn tally(&self, votes: &[Vote], seed: u64) -> Result<Tally, TallyError> {
        let index = OptionIndex::new(&self.options);
        for (i, v) in votes.iter().enumerate() {
            index
                .check_vote(self.method, v)
                .map_err(|error| TallyError { index: i, error })?;
        }
        Ok(match self.method {
            Method::Plurality => Tally::Plurality(counts::plurality(&index, votes)),
            Method::Approval => Tally::Approval(counts::approval(&index, votes)),
            Method::Dots { .. } => Tally::Dots(counts::dots(&index, votes)),
            Method::Borda => Tally::Borda(counts::borda(&index, votes)),
            Method::Score { max } => Tally::Score(counts::score(&index, votes, max)),
            Method::RankedIrv => {
                let rankings = votes.iter().filter_map(|v| match v {
                    Vote::Ranking { ranking } => Some(ranking.as_slice()),
                    _ => None,
                });
                Tally::RankedIrv(irv::count_indexed(&index, rankings, seed)?)
            }
        })
    }
}

/// Option id -> position on the ballot.
pub(crate) struct OptionIndex<'a> {
    options: &'a [OptionId],
    by_id: HashMap<&'a str, usize>,
}

impl<'a> OptionIndex<'a> {
    pub(crate) fn new(options: &'a [OptionId]) -> Self {
        let mut by_id = HashMap::with_capacity(options.len());
        for (i, o) in options.iter().enumerate() {
            // A repeated id (refused by `Ballot::check`) keeps its first position.
            by_id.entry(o.as_str()).or_insert(i);
        }
        OptionIndex { options, by_id }
    }

    pub(crate) fn len(&self) -> usize {
        self.options.len()
    }

    pub(crate) fn options(&self) -> &'a [OptionId] {
        self.options
    }

    pub(crate) fn position(&self, option: &OptionId) -> Result<usize, VoteError> {
        self.by_id
            .get(option.as_str())
            .copied()
            .ok_or_else(|| VoteError::UnknownOption {
                option: option.clone(),
            })
    }

    fn check_vote(&self, method: Method, vote: &Vote) -> Result<(), VoteError> {
        let expected = method.vote_kind();
        if vote.kind() != expected {
            return Err(VoteError::WrongKind {
                method: method.name().to_string(),
                expected,
                got: vote.kind(),
            });
        }
        match vote {
            Vote::Choice { option } => self.position(option).map(|_| ()),
            Vote::Approval { options } => {
                self.check_each_once(options.iter())?;
                Ok(())
            }
            Vote::Ranking { ranking } => {
                // Blanks and repeats are allowed; the count skips them.
                for option in ranking.iter().flatten() {
                    self.position(option)?;
                }
                Ok(())
            }
            Vote::Dots { dots } => {
                self.check_each_once(dots.iter().map(|d| &d.option))?;
                if let Method::Dots {
                    per_voter,
                    max_per_option,
                } = method
                {
                    let mut total: u64 = 0;
                    for d in dots {
                        if d.dots > max_per_option {
                            return Err(VoteError::TooManyDotsOnOption {
                                option: d.option.clone(),
                                dots: d.dots,
                                max_per_option,
                            });
                        }
                        total += u64::from(d.dots);
                    }
                    if total > u64::from(per_voter) {
                        return Err(VoteError::TooManyDots { total, per_voter });
                    }
                }
                Ok(())
            }
            Vote::Scores { scores } => {
                self.check_each_once(scores.iter().map(|s| &s.option))?;
                if let Method::Score { max } = method {
                    if let Some(s) = scores.iter().find(|s| s.score > max) {
                        return Err(VoteError::ScoreTooHigh {
                            option: s.option.clone(),
                            score: s.score,
                            max,
                        });
                    }
                }
                Ok(())
            }
        }
    }

    /// Every option known and none listed twice.
    fn check_each_once<'b>(
        &self,
        options: impl Iterator<Item = &'b OptionId>,
    ) -> Result<(), VoteError> {
        let mut seen = vec![false; self.len()];
        for option in options {
            let p = self.position(option)?;
            if seen[p] {
                return Err(VoteError::RepeatedOption {
                    option: option.clone(),
                });
            }
            seen[p] = true;
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    pub fn ids(names: &[&str]) -> Vec<OptionId> {
        names.iter().map(|n| OptionId::from(*n)).collect()
    }

    /// A ranking from a compact string: "AB-C" ranks A, B, a blank, then C.
    pub fn ranked(s: &str) -> Vote {
        Vote::Ranking {
            ranking: s
                .chars()
                .map(|c| {
                    if c == '-' {
                        None
                    } else {
                        Some(OptionId(c.to_string()))
                    }
                })
                .collect(),
        }
    }

    pub fn choice(s: &str) -> Vote {
        Vote::Choice {
            option: OptionId::from(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;

    fn ballot(method: Method) -> Ballot {
        Ballot {
            method,
            options: ids(&["A", "B", "C"]),
        }
    }

    #[test]
    fn ballot_definition_is_checked() {
        assert_eq!(ballot(Method::Plurality).check(), Ok(()));
        let empty = Ballot {
            method: Method::Plurality,
            options: vec![],
        };
        assert_eq!(empty.check(), Err(BallotError::NoOptions));
        let twice = Ballot {
            method: Method::Approval,
            options: ids(&["A", "B", "A"]),
        };
        assert_eq!(
            twice.check(),
            Err(BallotError::RepeatedOption { option: "A".into() })
        );
        let blank = Ballot {
            method: Method::Approval,
            options: ids(&["A", " "]),
        };
        assert_eq!(blank.check(), Err(BallotError::EmptyOptionId));
        assert_eq!(
            ballot(Method::Dots {
                per_voter: 0,
                max_per_option: 1
            })
            .check(),
            Err(BallotError::NoDotsPerVoter)
        );
        assert_eq!(
            ballot(Method::Dots {
                per_voter: 3,
                max_per_option: 0
            })
            .check(),
            Err(BallotError::NoDotsPerOption)
        );
        assert_eq!(
            ballot(Method::Score { max: 0 }).check(),
            Err(BallotError::NoScoreRange)
        );
    }

    #[test]
    fn wrong_kind_of_vote_is_refused() {
        let err = ballot(Method::Plurality)
            .check_vote(&ranked("AB"))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "this ballot is counted by plurality and takes a single choice vote, not a ranking vote"
        );
        assert!(ballot(Method::Borda).check_vote(&ranked("AB")).is_ok());
        assert!(ballot(Method::RankedIrv).check_vote(&choice("A")).is_err());
    }

    #[test]
    fn unknown_options_are_named() {
        let err = ballot(Method::Plurality)
            .check_vote(&choice("X"))
            .unwrap_err();
        assert_eq!(err.to_string(), "option X is not on this ballot");
        let err = ballot(Method::RankedIrv)
            .check_vote(&ranked("A-X"))
            .unwrap_err();
        assert_eq!(err, VoteError::UnknownOption { option: "X".into() });
    }

    #[test]
    fn rankings_may_have_blanks_and_repeats() {
        let b = ballot(Method::RankedIrv);
        assert!(b.check_vote(&ranked("A-AB")).is_ok());
        assert!(b.check_vote(&ranked("---")).is_ok());
        assert!(b.check_vote(&ranked("")).is_ok());
    }

    #[test]
    fn approval_refuses_a_repeat() {
        let b = ballot(Method::Approval);
        let ok = Vote::Approval {
            options: ids(&["A", "C"]),
        };
        assert!(b.check_vote(&ok).is_ok());
        assert!(b.check_vote(&Vote::Approval { options: vec![] }).is_ok());
        let twice = Vote::Approval {
            options: ids(&["A", "C", "A"]),
        };
        assert_eq!(
            b.check_vote(&twice).unwrap_err().to_string(),
            "option A is listed more than once"
        );
    }

    fn dots(pairs: &[(&str, u32)]) -> Vote {
        Vote::Dots {
            dots: pairs
                .iter()
                .map(|(o, d)| DotsOn {
                    option: (*o).into(),
                    dots: *d,
                })
                .collect(),
        }
    }

    #[test]
    fn dot_limits_are_named() {
        let b = ballot(Method::Dots {
            per_voter: 5,
            max_per_option: 2,
        });
        assert!(b.check_vote(&dots(&[("A", 2), ("B", 2), ("C", 1)])).is_ok());
        assert!(b.check_vote(&dots(&[("A", 1)])).is_ok());
        assert_eq!(
            b.check_vote(&dots(&[("A", 1), ("B", 3)]))
                .unwrap_err()
                .to_string(),
            "3 dots on option B but at most 2 per option"
        );
        let b = ballot(Method::Dots {
            per_voter: 4,
            max_per_option: 2,
        });
        assert_eq!(
            b.check_vote(&dots(&[("A", 2), ("B", 2), ("C", 1)]))
                .unwrap_err()
                .to_string(),
            "5 dots in all but each voter has 4"
        );
        assert_eq!(
            b.check_vote(&dots(&[("A", 1), ("A", 1)])).unwrap_err(),
            VoteError::RepeatedOption { option: "A".into() }
        );
        assert_eq!(
            b.check_vote(&dots(&[("Z", 1)])).unwrap_err(),
            VoteError::UnknownOption { option: "Z".into() }
        );
        // Totals are added without overflow.
        let b = ballot(Method::Dots {
            per_voter: u32::MAX,
            max_per_option: u32::MAX,
        });
        assert_eq!(
            b.check_vote(&dots(&[("A", u32::MAX), ("B", u32::MAX)]))
                .unwrap_err(),
            VoteError::TooManyDots {
                total: 2 * u64::from(u32::MAX),
                per_voter: u32::MAX
            }
        );
    }

    #[test]
    fn score_range_is_named() {
        let b = ballot(Method::Score { max: 5 });
        let v = |s: u32| Vote::Scores {
            scores: vec![ScoreFor {
                option: "B".into(),
                score: s,
            }],
        };
        assert!(b.check_vote(&v(5)).is_ok());
        assert!(b.check_vote(&v(0)).is_ok());
        assert_eq!(
            b.check_vote(&v(6)).unwrap_err().to_string(),
            "score 6 for option B but the highest score is 5"
        );
    }

    #[test]
    fn tally_reports_the_position_of_a_bad_vote_and_counts_nothing() {
        let b = ballot(Method::Plurality);
        let err = b
            .tally(&[choice("A"), choice("B"), choice("Q")], 0)
            .unwrap_err();
        assert_eq!(err.index, 2);
        assert_eq!(
            err.to_string(),
            "vote 2 (counting from 0): option Q is not on this ballot"
        );
    }

    #[test]
    fn results_serialise_with_the_method_tag() {
        let b = ballot(Method::Plurality);
        let t = b.tally(&[choice("B")], 0).unwrap();
        let json = serde_json::to_value(&t).unwrap();
        assert_eq!(json["method"], "plurality");
        assert_eq!(json["turnout"], 1);
        assert_eq!(json["counts"][1]["option"], "B");
        assert_eq!(json["counts"][1]["count"], 1);
        let back: Tally = serde_json::from_value(json).unwrap();
        assert_eq!(back, t);
        let m = serde_json::to_value(Method::Dots {
            per_voter: 5,
            max_per_option: 2,
        })
        .unwrap();
        assert_eq!(
            m,
            serde_json::json!({"method": "dots", "per_voter": 5, "max_per_option": 2})
        );
        let v = serde_json::to_value(ranked("A-B")).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"kind": "ranking", "ranking": ["A", null, "B"]})
        );
    }
}

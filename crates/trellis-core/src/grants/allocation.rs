//! The suggested allocation: fund in rank order within the budget. It is a suggestion for
//! the panel, which records each decision itself.
//!
//! **Ranking.** By agreed weighted score, highest first. Ties are broken by the smaller
//! amount asked (so a tie costs the budget less), then by application id (an arbitrary
//! but fixed order, so the same inputs always give the same list, whatever order they
//! arrive in). A score that is not a number ranks last.
//!
//! **Priority for small organisations' core funding** (when the round says so): every bid
//! that is both from a small organisation and for core funding is moved ahead of all
//! other bids, keeping the ranking above within each group. Small organisations' project
//! bids, and core bids from larger organisations, keep their place in the second group.
//!
//! **Funding.** Walk down the list keeping the budget left. A bid is **funded** when its
//! full amount fits in what is left. A bid that does not fit is marked **does not fit**,
//! with the budget left at that point, and the walk **continues**: a later, smaller bid that
//! fits is still funded (skip and continue, so money is not left unspent because one large
//! bid did not fit). Once the budget is exactly used up, the remaining bids are **not
//! reached**. The first bid in rank order that is not funded is named, so the panel sees
//! where "the next application does not fit".

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub application_id: Uuid,
    /// The agreed weighted total, on the rubric's scale.
    pub agreed_score: f64,
    pub amount_gbp: u64,
    pub small_org: bool,
    pub core_funding: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum LineOutcome {
    Funded,
    /// The bid was more than the budget left, `remaining_gbp`, when its turn came.
    DoesNotFit {
        remaining_gbp: u64,
    },
    /// The budget was used up before this bid's turn.
    NotReached,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct AllocationLine {
    /// 1 for the first in the list.
    pub rank: usize,
    pub application_id: Uuid,
    pub agreed_score: f64,
    pub amount_gbp: u64,
    /// Moved ahead as a small organisation's core-funding bid.
    pub priority: bool,
    pub outcome: LineOutcome,
    /// Budget left after this line.
    pub remaining_after_gbp: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Allocation {
    pub budget_gbp: u64,
    pub small_core_priority: bool,
    pub lines: Vec<AllocationLine>,
    pub funded_total_gbp: u64,
    pub remaining_gbp: u64,
    /// The first bid in rank order that is not funded: "the next application does not fit".
    pub first_not_funded: Option<Uuid>,
}

fn score_key(s: f64) -> f64 {
    if s.is_nan() {
        f64::NEG_INFINITY
    } else {
        s
    }
}

/// The ranking described in the module documentation, as a comparison.
fn rank_order(a: &Candidate, b: &Candidate, small_core_priority: bool) -> Ordering {
    let priority = |c: &Candidate| small_core_priority && c.small_org && c.core_funding;
    priority(b)
        .cmp(&priority(a))
        .then_with(|| score_key(b.agreed_score).total_cmp(&score_key(a.agreed_score)))
        .then_with(|| a.amount_gbp.cmp(&b.amount_gbp))
        .then_with(|| a.application_id.cmp(&b.application_id))
        .then_with(|| (a.small_org, a.core_funding).cmp(&(b.small_org, b.core_funding)))
}

pub fn suggest_allocation(
    candidates: &[Candidate],
    budget_gbp: u64,
    small_core_priority: bool,
) -> Allocation {
    let mut ranked: Vec<&Candidate> = candidates.iter().collect();
    ranked.sort_by(|a, b| rank_order(a, b, small_core_priority));
    let mut remaining = budget_gbp;
    let mut first_not_funded = None;
    let lines = ranked
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let outcome = if remaining == 0 {
                LineOutcome::NotReached
            } else if c.amount_gbp <= remaining {
                remaining -= c.amount_gbp;
                LineOutcome::Funded
            } else {
                LineOutcome::DoesNotFit {
                    remaining_gbp: remaining,
                }
            };
            if outcome != LineOutcome::Funded && first_not_funded.is_none() {
                first_not_funded = Some(c.application_id);
            }
            AllocationLine {
                rank: i + 1,
                application_id: c.application_id,
                agreed_score: c.agreed_score,
                amount_gbp: c.amount_gbp,
                priority: small_core_priority && c.small_org && c.core_funding,
                outcome,
                remaining_after_gbp: remaining,
            }
        })
        .collect();
    Allocation {
        budget_gbp,
        small_core_priority,
        lines,
        funded_total_gbp: budget_gbp - remaining,
        remaining_gbp: remaining,
        first_not_funded,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(id: u128, score: f64, amount: u64) -> Candidate {
        Candidate {
            application_id: Uuid::from_u128(id),
            agreed_score: score,
            amount_gbp: amount,
            small_org: false,
            core_funding: false,
        }
    }

    fn outcomes(a: &Allocation) -> Vec<(u128, LineOutcome)> {
        a.lines
            .iter()
            .map(|l| (l.application_id.as_u128(), l.outcome))
            .collect()
    }

    use LineOutcome::*;

    #[test]
    fn funds_in_rank_order_and_skips_what_does_not_fit() {
        let a = suggest_allocation(
            &[
                c(1, 3.0, 4_000),
                c(2, 4.5, 6_000),
                c(3, 4.0, 5_000),
                c(4, 2.0, 3_000),
            ],
            10_000,
            false,
        );
        // 2 is funded (4,000 left); 3 asks 5,000 and does not fit; the walk goes on and
        // funds 1 with the last 4,000; 4 is not reached.
        assert_eq!(
            outcomes(&a),
            [
                (2, Funded),
                (
                    3,
                    DoesNotFit {
                        remaining_gbp: 4_000
                    }
                ),
                (1, Funded),
                (4, NotReached),
            ]
        );
        assert_eq!(a.first_not_funded, Some(Uuid::from_u128(3)));
        assert_eq!((a.funded_total_gbp, a.remaining_gbp), (10_000, 0));
        let ranks: Vec<_> = a.lines.iter().map(|l| l.rank).collect();
        assert_eq!(ranks, [1, 2, 3, 4]);
        let left: Vec<_> = a.lines.iter().map(|l| l.remaining_after_gbp).collect();
        assert_eq!(left, [4_000, 4_000, 0, 0]);
    }

    #[test]
    fn exact_fit_uses_the_whole_budget_and_the_rest_are_not_reached() {
        let a = suggest_allocation(
            &[c(1, 5.0, 7_000), c(2, 4.0, 3_000), c(3, 3.0, 1_000)],
            10_000,
            false,
        );
        assert_eq!(outcomes(&a), [(1, Funded), (2, Funded), (3, NotReached)]);
        assert_eq!((a.funded_total_gbp, a.remaining_gbp), (10_000, 0));
        assert_eq!(a.first_not_funded, Some(Uuid::from_u128(3)));
        // Everything fits exactly: nothing is unfunded.
        let a = suggest_allocation(&[c(1, 5.0, 7_000), c(2, 4.0, 3_000)], 10_000, false);
        assert_eq!(a.first_not_funded, None);
        assert_eq!(a.remaining_gbp, 0);
    }

    #[test]
    fn ties_go_to_the_smaller_amount_then_the_application_id() {
        let a = suggest_allocation(
            &[
                c(9, 4.0, 5_000),
                c(7, 4.0, 2_000),
                c(8, 4.0, 2_000),
                c(1, 3.0, 100),
            ],
            4_500,
            false,
        );
        assert_eq!(
            outcomes(&a),
            [
                (7, Funded),
                (8, Funded),
                (9, DoesNotFit { remaining_gbp: 500 }),
                (1, Funded)
            ]
        );
    }

    #[test]
    fn a_budget_smaller_than_any_bid_funds_nothing() {
        let a = suggest_allocation(&[c(1, 4.0, 5_000), c(2, 3.0, 2_000)], 1_999, false);
        assert_eq!(
            outcomes(&a),
            [
                (
                    1,
                    DoesNotFit {
                        remaining_gbp: 1_999
                    }
                ),
                (
                    2,
                    DoesNotFit {
                        remaining_gbp: 1_999
                    }
                )
            ]
        );
        assert_eq!(a.funded_total_gbp, 0);
        assert_eq!(a.first_not_funded, Some(Uuid::from_u128(1)));
        let a = suggest_allocation(&[c(1, 4.0, 5_000)], 0, false);
        assert_eq!(outcomes(&a), [(1, NotReached)]);
    }

    #[test]
    fn small_organisations_core_bids_go_first_when_the_round_says_so() {
        let small_core = Candidate {
            small_org: true,
            core_funding: true,
            ..c(3, 2.5, 4_000)
        };
        let small_project = Candidate {
            small_org: true,
            ..c(4, 2.0, 1_000)
        };
        let large_core = Candidate {
            core_funding: true,
            ..c(5, 2.4, 1_000)
        };
        let bids = [
            c(1, 4.5, 5_000),
            c(2, 4.0, 4_000),
            small_core,
            small_project,
            large_core,
        ];
        let without = suggest_allocation(&bids, 9_000, false);
        assert_eq!(
            outcomes(&without),
            [
                (1, Funded),
                (2, Funded),
                (3, NotReached),
                (5, NotReached),
                (4, NotReached)
            ]
        );
        let with = suggest_allocation(&bids, 9_000, true);
        assert_eq!(
            outcomes(&with),
            [
                (3, Funded),
                (1, Funded),
                (2, NotReached),
                (5, NotReached),
                (4, NotReached)
            ]
        );
        let priority: Vec<_> = with.lines.iter().map(|l| l.priority).collect();
        assert_eq!(priority, [true, false, false, false, false]);
        // Within the priority group the usual ranking holds.
        let other_small_core = Candidate {
            small_org: true,
            core_funding: true,
            ..c(6, 3.5, 1_000)
        };
        let a = suggest_allocation(
            &[small_core, other_small_core, c(1, 5.0, 1_000)],
            100_000,
            true,
        );
        let order: Vec<_> = a.lines.iter().map(|l| l.application_id.as_u128()).collect();
        assert_eq!(order, [6, 3, 1]);
    }

    #[test]
    fn an_empty_list_allocates_nothing() {
        let a = suggest_allocation(&[], 10_000, true);
        assert!(a.lines.is_empty());
        assert_eq!((a.funded_total_gbp, a.remaining_gbp), (0, 10_000));
        assert_eq!(a.first_not_funded, None);
    }

    #[test]
    fn a_score_that_is_not_a_number_ranks_last() {
        let a = suggest_allocation(&[c(1, f64::NAN, 10), c(2, 1.0, 10)], 100, false);
        let order: Vec<_> = a.lines.iter().map(|l| l.application_id.as_u128()).collect();
        assert_eq!(order, [2, 1]);
    }

    /// A small deterministic generator, so the property tests need no extra crate.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self, below: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 33) % below
        }
    }

    #[test]
    fn never_exceeds_the_budget_and_ignores_input_order() {
        let mut rng = Lcg(42);
        for _ in 0..500 {
            let n = rng.next(12) as usize;
            let bids: Vec<Candidate> = (0..n)
                .map(|i| Candidate {
                    application_id: Uuid::from_u128(rng.next(8) as u128 * 1_000 + i as u128),
                    agreed_score: rng.next(9) as f64 / 2.0 + 1.0,
                    amount_gbp: 500 * (1 + rng.next(20)),
                    small_org: rng.next(2) == 0,
                    core_funding: rng.next(2) == 0,
                })
                .collect();
            let budget = 1_000 * rng.next(40);
            let priority = rng.next(2) == 0;
            let a = suggest_allocation(&bids, budget, priority);
            let funded: u64 = a
                .lines
                .iter()
                .filter(|l| l.outcome == Funded)
                .map(|l| l.amount_gbp)
                .sum();
            assert!(funded <= budget);
            assert_eq!(funded, a.funded_total_gbp);
            assert_eq!(a.funded_total_gbp + a.remaining_gbp, budget);
            assert_eq!(a.lines.len(), bids.len());
            for l in &a.lines {
                if let DoesNotFit { remaining_gbp } = l.outcome {
                    assert!(l.amount_gbp > remaining_gbp && remaining_gbp > 0);
                }
            }
            // Greedy is complete: nothing left unfunded would still fit at the end.
            assert!(a
                .lines
                .iter()
                .filter(|l| l.outcome != Funded)
                .all(|l| l.amount_gbp > a.remaining_gbp));
            // Any permutation of the input gives the same allocation.
            let mut shuffled = bids.clone();
            for i in (1..shuffled.len()).rev() {
                let j = rng.next(i as u64 + 1) as usize;
                shuffled.swap(i, j);
            }
            assert_eq!(suggest_allocation(&shuffled, budget, priority), a);
            let mut reversed = bids.clone();
            reversed.reverse();
            assert_eq!(suggest_allocation(&reversed, budget, priority), a);
        }
    }
}

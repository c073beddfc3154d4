//! Property checks over many generated elections (generated with the module's own seeded
//! SplitMix64, so every run checks the same elections and a failure names its case).

use super::irv::IrvResult;
use super::lot::SplitMix64;
use super::{Ballot, DotsOn, Method, OptionId, ScoreFor, Tally, Vote};

const ELECTIONS: u64 = 400;

struct Gen(SplitMix64);

impl Gen {
    fn new(seed: u64) -> Self {
        Gen(SplitMix64::new(seed))
    }
    fn below(&mut self, n: usize) -> usize {
        self.0.pick(n)
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

fn options(n: usize) -> Vec<OptionId> {
    (0..n)
        .map(|i| OptionId(char::from(b'A' + i as u8).to_string()))
        .collect()
}

/// A ranking with blanks and repeats now and then, sometimes truncated or empty.
fn ranking(g: &mut Gen, options: &[OptionId]) -> Vec<Option<OptionId>> {
    let len = g.below(options.len() + 3);
    (0..len)
        .map(|_| {
            if g.chance(10) {
                None
            } else {
                Some(options[g.below(options.len())].clone())
            }
        })
        .collect()
}

fn vote(g: &mut Gen, method: Method, options: &[OptionId]) -> Vote {
    match method {
        Method::Plurality => Vote::Choice {
            option: options[g.below(options.len())].clone(),
        },
        Method::Approval => Vote::Approval {
            options: options.iter().filter(|_| g.chance(40)).cloned().collect(),
        },
        Method::Dots {
            per_voter,
            max_per_option,
        } => {
            let mut left = per_voter;
            let mut dots = Vec::new();
            for o in options {
                let d = (g.below(max_per_option as usize + 1) as u32).min(left);
                left -= d;
                if d > 0 || g.chance(10) {
                    dots.push(DotsOn {
                        option: o.clone(),
                        dots: d,
                    });
                }
            }
            Vote::Dots { dots }
        }
        Method::RankedIrv | Method::Borda => Vote::Ranking {
            ranking: ranking(g, options),
        },
        Method::Score { max } => {
            let mut scores = Vec::new();
            for o in options {
                if g.chance(70) {
                    scores.push(ScoreFor {
                        option: o.clone(),
                        score: g.below(max as usize + 1) as u32,
                    });
                }
            }
            Vote::Scores { scores }
        }
    }
}

const METHODS: [Method; 6] = [
    Method::Plurality,
    Method::Approval,
    Method::Dots {
        per_voter: 5,
        max_per_option: 2,
    },
    Method::RankedIrv,
    Method::Borda,
    Method::Score { max: 5 },
];

/// (ballot, votes) for election `k` of a method.
fn election(k: u64, method: Method) -> (Ballot, Vec<Vote>) {
    let mut g = Gen::new(k.wrapping_mul(0x1000_0001) ^ 0x00BA_1107);
    let opts = options(1 + g.below(6));
    let n_votes = g.below(40);
    let votes = (0..n_votes).map(|_| vote(&mut g, method, &opts)).collect();
    (
        Ballot {
            method,
            options: opts,
        },
        votes,
    )
}

fn irv_of(t: Tally) -> IrvResult {
    match t {
        Tally::RankedIrv(r) => r,
        other => panic!("expected IRV, got {other:?}"),
    }
}

fn leaders(t: &Tally) -> Vec<OptionId> {
    match t {
        Tally::Plurality(c) | Tally::Approval(c) | Tally::Dots(c) | Tally::Borda(c) => {
            c.leaders.clone()
        }
        Tally::Score(s) => s.leaders.clone(),
        Tally::RankedIrv(r) => r.winner.iter().cloned().collect(),
    }
}

/// A ballot's real choices (blanks and repeats skipped), as positions.
fn effective(ranking: &[Option<OptionId>], options: &[OptionId]) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    for o in ranking.iter().flatten() {
        if let Some(p) = options.iter().position(|x| x == o) {
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn generated_votes_are_valid() {
    for method in METHODS {
        for k in 0..50 {
            let (b, votes) = election(k, method);
            for v in &votes {
                assert_eq!(b.check_vote(v), Ok(()), "{method:?} election {k}: {v:?}");
            }
        }
    }
}

#[test]
fn results_do_not_depend_on_the_order_votes_arrive_in() {
    for method in METHODS {
        for k in 0..ELECTIONS {
            let (b, mut votes) = election(k, method);
            let first = b.tally(&votes, k).unwrap();
            let mut g = Gen::new(k);
            // Fisher-Yates shuffle.
            for i in (1..votes.len()).rev() {
                let j = g.below(i + 1);
                votes.swap(i, j);
            }
            assert_eq!(
                b.tally(&votes, k).unwrap(),
                first,
                "{method:?} election {k}"
            );
        }
    }
}

#[test]
fn irv_elects_a_first_round_majority() {
    for k in 0..ELECTIONS {
        let (b, votes) = election(k, Method::RankedIrv);
        let r = irv_of(b.tally(&votes, k).unwrap());
        let mut firsts = vec![0u64; b.options.len()];
        let mut continuing = 0u64;
        for v in &votes {
            if let Vote::Ranking { ranking } = v {
                if let Some(&p) = effective(ranking, &b.options).first() {
                    firsts[p] += 1;
                    continuing += 1;
                }
            }
        }
        if let Some(p) = firsts.iter().position(|&f| f * 2 > continuing) {
            assert_eq!(r.winner.as_ref(), Some(&b.options[p]), "election {k}");
            assert_eq!(r.rounds.len(), 1, "election {k}");
        }
    }
}

#[test]
fn a_condorcet_loser_never_wins_irv() {
    let mut seen_a_loser = 0;
    for k in 0..ELECTIONS * 3 {
        let (b, votes) = election(k, Method::RankedIrv);
        let n = b.options.len();
        if n < 2 {
            continue;
        }
        // prefers[x][y]: ballots ranking x above y (a ranked option is above an unranked one).
        let mut prefers = vec![vec![0u64; n]; n];
        for v in &votes {
            if let Vote::Ranking { ranking } = v {
                let e = effective(ranking, &b.options);
                for (i, &x) in e.iter().enumerate() {
                    for (y, count) in prefers[x].iter_mut().enumerate() {
                        if y != x && !e[..i].contains(&y) {
                            *count += 1;
                        }
                    }
                }
            }
        }
        let loser = (0..n).find(|&x| (0..n).all(|y| y == x || prefers[y][x] > prefers[x][y]));
        if let Some(l) = loser {
            seen_a_loser += 1;
            let r = irv_of(b.tally(&votes, k).unwrap());
            assert_ne!(r.winner.as_ref(), Some(&b.options[l]), "election {k}");
        }
    }
    assert!(
        seen_a_loser > 50,
        "too few elections with a Condorcet loser"
    );
}

#[test]
fn one_more_vote_for_a_leader_never_makes_them_lose() {
    for method in [
        Method::Plurality,
        Method::Approval,
        Method::Borda,
        Method::Score { max: 5 },
    ] {
        for k in 0..ELECTIONS {
            let (b, mut votes) = election(k, method);
            let before = leaders(&b.tally(&votes, 0).unwrap());
            let mut g = Gen::new(k ^ 0xF00D);
            for x in before {
                let p = b.options.iter().position(|o| *o == x).unwrap();
                // A vote that supports x as much as the method allows, others at random.
                let extra = match vote(&mut g, method, &b.options) {
                    Vote::Choice { .. } => Vote::Choice { option: x.clone() },
                    Vote::Approval { mut options } => {
                        if !options.contains(&x) {
                            options.push(x.clone());
                        }
                        Vote::Approval { options }
                    }
                    Vote::Ranking { ranking } => {
                        let mut r = vec![Some(x.clone())];
                        r.extend(ranking);
                        Vote::Ranking { ranking: r }
                    }
                    Vote::Scores { scores } => {
                        let mut s: Vec<ScoreFor> =
                            scores.into_iter().filter(|s| s.option != x).collect();
                        s.push(ScoreFor {
                            option: x.clone(),
                            score: 5,
                        });
                        Vote::Scores { scores: s }
                    }
                    Vote::Dots { .. } => unreachable!("dots are not in this list"),
                };
                votes.push(extra);
                let after = leaders(&b.tally(&votes, 0).unwrap());
                assert!(
                    after.contains(&b.options[p]),
                    "{method:?} election {k}: {x} lost the lead after one more vote for it"
                );
                votes.pop();
            }
        }
    }
}

#[test]
fn irv_rounds_balance_and_continuing_tallies_never_fall() {
    for k in 0..ELECTIONS {
        let (b, votes) = election(k, Method::RankedIrv);
        let r = irv_of(b.tally(&votes, k).unwrap());
        assert!(r.rounds.len() <= b.options.len().max(1), "election {k}");
        assert_eq!(r.turnout, votes.len() as u64);
        let mut previous: Option<&super::irv::IrvRound> = None;
        for round in &r.rounds {
            assert_eq!(round.continuing_ballots + round.exhausted, r.turnout);
            let sum: u64 = round.tallies.iter().map(|t| t.count).sum();
            assert_eq!(sum, round.continuing_ballots);
            if let Some(e) = &round.eliminated {
                let moved: u64 = e.transfers.iter().map(|t| t.count).sum();
                assert_eq!(moved + e.to_exhausted, e.votes, "election {k}");
            }
            if let Some(p) = previous {
                for t in &round.tallies {
                    let before = p.tallies.iter().find(|x| x.option == t.option);
                    assert!(before.is_some_and(|x| x.count <= t.count), "election {k}");
                }
            }
            previous = Some(round);
        }
        let elected = r.rounds.iter().filter(|x| x.elected.is_some()).count();
        assert_eq!(elected, usize::from(r.winner.is_some()), "election {k}");
    }
}

//! Turning what a facilitator keys in (option numbers, labels or ids, in order) into a
//! vote for the ballot's method. The live-capture screen and the CLI both use this, so a
//! key press means the same thing everywhere.

use super::record::BallotFields;
use super::{DotsOn, Method, OptionId, ScoreFor, Vote};
use crate::invalid::Invalid;

/// `choices`: options in the order keyed (blank or "-" is a skipped rank on ranked
/// ballots; on dot ballots each mention is one dot). `amounts`: (option, number) pairs
/// for dots and scores.
pub fn build_vote(
    ballot: &BallotFields,
    choices: &[String],
    amounts: &[(String, u32)],
) -> Result<Vote, Invalid> {
    let find = |raw: &str| -> Result<OptionId, Invalid> {
        ballot.find_option(raw).map(|o| o.id.clone()).ok_or_else(|| {
            Invalid::one(
                "vote",
                format!("{raw:?} is not an option on this ballot; use its number (1 to {}) or its name", ballot.options.len()),
            )
        })
    };
    let vote = match ballot.method {
        Method::Plurality => match choices {
            [one] => Vote::Choice { option: find(one)? },
            _ => return Err(Invalid::one("vote", "choose exactly one option")),
        },
        Method::Approval => Vote::Approval {
            options: choices.iter().map(|c| find(c)).collect::<Result<_, _>>()?,
        },
        Method::RankedIrv | Method::Borda => Vote::Ranking {
            ranking: choices
                .iter()
                .map(|c| {
                    let c = c.trim();
                    if c.is_empty() || c == "-" {
                        Ok(None)
                    } else {
                        find(c).map(Some)
                    }
                })
                .collect::<Result<_, _>>()?,
        },
        Method::Dots { .. } => {
            let mut dots: Vec<DotsOn> = Vec::new();
            let mut add =
                |option: OptionId, n: u32| match dots.iter_mut().find(|d| d.option == option) {
                    Some(d) => d.dots = d.dots.saturating_add(n),
                    None => dots.push(DotsOn { option, dots: n }),
                };
            for c in choices {
                add(find(c)?, 1);
            }
            for (o, n) in amounts {
                add(find(o)?, *n);
            }
            dots.retain(|d| d.dots > 0);
            Vote::Dots { dots }
        }
        Method::Score { .. } => {
            if !choices.is_empty() {
                return Err(Invalid::one(
                    "vote",
                    "give each option a score, as option=score",
                ));
            }
            let mut scores: Vec<ScoreFor> = Vec::new();
            for (o, n) in amounts {
                let option = find(o)?;
                if scores.iter().any(|s| s.option == option) {
                    return Err(Invalid::one("vote", format!("{o:?} is scored twice")));
                }
                scores.push(ScoreFor { option, score: *n });
            }
            Vote::Scores { scores }
        }
    };
    ballot
        .counting_rules()
        .check_vote(&vote)
        .map_err(|e| Invalid::one("vote", e.to_string()))?;
    Ok(vote)
}

/// Parses "option=number" as typed on the command line.
pub fn parse_amount(raw: &str) -> Result<(String, u32), Invalid> {
    let (o, n) = raw.rsplit_once('=').ok_or_else(|| {
        Invalid::one(
            "vote",
            format!("{raw:?}: write option=number, for example 2=3"),
        )
    })?;
    let n = n
        .trim()
        .parse()
        .map_err(|_| Invalid::one("vote", format!("{raw:?}: {n:?} is not a whole number")))?;
    Ok((o.trim().to_string(), n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ballot::record::{BallotOption, Eligibility};

    fn ballot(method: Method) -> BallotFields {
        BallotFields {
            question: "Topic?".into(),
            options: ["Sickle cell", "Maternal health", "Mental health"]
                .iter()
                .enumerate()
                .map(|(i, l)| BallotOption {
                    id: OptionId::new(format!("o{}", i + 1)),
                    label: l.to_string(),
                    issue_id: None,
                })
                .collect(),
            method,
            eligibility: Eligibility::PerOrganisation,
            meeting_id: None,
            opens_at: None,
            closes_at: None,
            seed: 1,
        }
    }

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn number_keys_mean_options_for_every_method() {
        assert_eq!(
            build_vote(&ballot(Method::Plurality), &s(&["2"]), &[]).unwrap(),
            Vote::Choice {
                option: OptionId::new("o2")
            }
        );
        assert_eq!(
            build_vote(
                &ballot(Method::RankedIrv),
                &s(&["3", "-", "mental health", "1"]),
                &[]
            )
            .unwrap(),
            Vote::Ranking {
                ranking: vec![
                    Some(OptionId::new("o3")),
                    None,
                    Some(OptionId::new("o3")),
                    Some(OptionId::new("o1"))
                ]
            }
        );
        let dots = build_vote(
            &ballot(Method::Dots {
                per_voter: 3,
                max_per_option: 2,
            }),
            &s(&["1", "1", "3"]),
            &[],
        )
        .unwrap();
        assert_eq!(
            dots,
            Vote::Dots {
                dots: vec![
                    DotsOn {
                        option: OptionId::new("o1"),
                        dots: 2
                    },
                    DotsOn {
                        option: OptionId::new("o3"),
                        dots: 1
                    }
                ]
            }
        );
        let scores = build_vote(
            &ballot(Method::Score { max: 5 }),
            &[],
            &[("1".into(), 5), ("o2".into(), 0)],
        )
        .unwrap();
        assert!(matches!(scores, Vote::Scores { ref scores } if scores.len() == 2));
    }

    #[test]
    fn says_what_is_wrong() {
        let e = build_vote(&ballot(Method::Plurality), &s(&["1", "2"]), &[]).unwrap_err();
        assert!(e.errors[0].message.contains("exactly one"));
        let e = build_vote(&ballot(Method::Plurality), &s(&["4"]), &[]).unwrap_err();
        assert!(e.errors[0].message.contains("1 to 3"));
        let e = build_vote(
            &ballot(Method::Dots {
                per_voter: 3,
                max_per_option: 2,
            }),
            &s(&["1", "1", "1"]),
            &[],
        )
        .unwrap_err();
        assert!(e.errors[0].message.contains("at most 2"), "{e}");
        let e = build_vote(&ballot(Method::Score { max: 5 }), &[], &[("1".into(), 9)]).unwrap_err();
        assert!(e.errors[0].message.contains('5'), "{e}");
        assert!(parse_amount("2=x").is_err());
        assert_eq!(
            parse_amount("Mental health=3").unwrap(),
            ("Mental health".into(), 3)
        );
    }
}

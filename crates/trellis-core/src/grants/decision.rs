//! Decisions, with reasons in plain English, and the round's published numbers.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::round::RoundFields;
use super::{normal_text, parse_pounds, text};
use crate::invalid::{FieldError, Invalid};

pub const REASONS_MAX: usize = 2_000;
pub const CONDITIONS_MAX: usize = 2_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    Funded {
        amount_gbp: u64,
        /// Conditions of the grant, if any (blank for none).
        conditions: String,
    },
    NotFunded,
    Waitlisted,
}

impl Outcome {
    pub fn code(&self) -> &'static str {
        match self {
            Outcome::Funded { .. } => "funded",
            Outcome::NotFunded => "not_funded",
            Outcome::Waitlisted => "waitlisted",
        }
    }

    pub fn awarded_gbp(&self) -> u64 {
        match self {
            Outcome::Funded { amount_gbp, .. } => *amount_gbp,
            _ => 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Decision {
    pub application_id: Uuid,
    pub outcome: Outcome,
    /// Why, in plain English: this is what the applicant's letter builds on.
    pub reasons: String,
}

/// The decision form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct DecisionInput {
    pub application_id: String,
    /// "funded", "not funded" or "waitlisted".
    pub outcome: String,
    /// Only for a funded application.
    pub amount_gbp: String,
    pub conditions: String,
    pub reasons: String,
}

/// Checks a decision as typed. `amount_asked_gbp` is what the application asked for.
pub fn validate(
    input: &DecisionInput,
    amount_asked_gbp: u64,
    round: &RoundFields,
) -> Result<Decision, Invalid> {
    let mut errors = Vec::new();
    let application_id = Uuid::parse_str(input.application_id.trim())
        .map_err(|_| {
            errors.push(FieldError::new(
                "application_id",
                "choose the application this decision is for",
            ))
        })
        .ok();
    let code = input
        .outcome
        .trim()
        .to_ascii_lowercase()
        .replace([' ', '-'], "_");
    let conditions = text(
        "conditions",
        &input.conditions,
        CONDITIONS_MAX,
        None,
        &mut errors,
    );
    let outcome = match code.as_str() {
        "funded" => parse_pounds("amount_gbp", &input.amount_gbp, &mut errors).map(|amount_gbp| {
            Outcome::Funded {
                amount_gbp,
                conditions,
            }
        }),
        "not_funded" => Some(Outcome::NotFunded),
        "waitlisted" => Some(Outcome::Waitlisted),
        _ => {
            errors.push(FieldError::new(
                "outcome",
                "choose funded, not funded or waitlisted",
            ));
            None
        }
    };
    if !matches!(outcome, Some(Outcome::Funded { .. }) | None)
        && !input.amount_gbp.trim().is_empty()
    {
        errors.push(FieldError::new(
            "amount_gbp",
            "an amount is only given when the application is funded",
        ));
    }
    let reasons = text(
        "reasons",
        &input.reasons,
        REASONS_MAX,
        Some("give the reasons in plain English; the applicant's letter is built on them"),
        &mut errors,
    );
    let (Some(application_id), Some(outcome)) = (application_id, outcome) else {
        return Err(Invalid { errors });
    };
    let decision = Decision {
        application_id,
        outcome,
        reasons,
    };
    for e in decision.amount_errors(amount_asked_gbp, round.max_grant_gbp) {
        if !errors.iter().any(|x| x.field == e.field) {
            errors.push(e);
        }
    }
    Invalid::check(errors)?;
    Ok(decision)
}

impl Decision {
    fn amount_errors(&self, amount_asked_gbp: u64, max_grant_gbp: u64) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if let Outcome::Funded { amount_gbp, .. } = self.outcome {
            if amount_gbp == 0 {
                errors.push(FieldError::new(
                    "amount_gbp",
                    "a funded application gets more than £0; otherwise record it as not funded",
                ));
            } else if amount_gbp > amount_asked_gbp {
                errors.push(FieldError::new(
                    "amount_gbp",
                    format!("the application asked for £{amount_asked_gbp}; award that or less"),
                ));
            } else if amount_gbp > max_grant_gbp {
                errors.push(FieldError::new(
                    "amount_gbp",
                    format!("the largest grant in this round is £{max_grant_gbp}"),
                ));
            }
        }
        errors
    }

    /// Re-checks a decision that arrived already normalised.
    pub fn check(&self, amount_asked_gbp: u64, max_grant_gbp: u64) -> Result<(), Invalid> {
        let mut errors = self.amount_errors(amount_asked_gbp, max_grant_gbp);
        if let Outcome::Funded { conditions, .. } = &self.outcome {
            if !normal_text(conditions, 0, CONDITIONS_MAX) {
                errors.push(FieldError::new(
                    "conditions",
                    "must be trimmed and at most 2,000 characters",
                ));
            }
        }
        if !normal_text(&self.reasons, 1, REASONS_MAX) {
            errors.push(FieldError::new(
                "reasons",
                "must be 1 to 2,000 trimmed characters",
            ));
        }
        Invalid::check(errors)
    }
}

/// The current decisions must not award more than the budget.
pub fn check_within_budget(decisions: &[Decision], budget_gbp: u64) -> Result<(), Invalid> {
    let awarded: u64 = decisions.iter().map(|d| d.outcome.awarded_gbp()).sum();
    if awarded > budget_gbp {
        return Err(Invalid::one(
            "amount_gbp",
            format!(
                "these decisions award £{awarded}, which is £{} more than the budget of £{budget_gbp}",
                awarded - budget_gbp
            ),
        ));
    }
    Ok(())
}

/// What the round's numbers need to know about each application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationFacts {
    pub application_id: Uuid,
    pub amount_asked_gbp: u64,
    /// Whether the organisation is small (`None`: its income is not known well enough).
    pub small_org: Option<bool>,
    /// The organisation's "led by" DEI codes.
    pub led_by: Vec<String>,
}

/// The round's published numbers. Shares are fractions from 0 to 1 of the amount awarded;
/// `None` when nothing was awarded (or there were no applications, for the success rate).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct RoundNumbers {
    pub applications: usize,
    pub decided: usize,
    pub funded: usize,
    pub not_funded: usize,
    pub waitlisted: usize,
    /// Funded applications out of all applications.
    pub success_rate: Option<f64>,
    pub asked_total_gbp: u64,
    pub awarded_total_gbp: u64,
    pub awarded_to_small_orgs_gbp: u64,
    /// Counts only organisations known to be small.
    pub share_to_small_orgs: Option<f64>,
    pub awarded_to_orgs_led_by_communities_served_gbp: u64,
    /// Organisations whose "led by" codes include any of the communities the round is for.
    pub share_to_orgs_led_by_communities_served: Option<f64>,
}

/// The numbers for a round. `decisions` are the current ones; if an application has more
/// than one, the last in the list counts. Decisions for applications not in
/// `applications` are left out. `communities` are the DEI codes of the communities the
/// round is for (compared without regard to case).
pub fn round_numbers(
    applications: &[ApplicationFacts],
    decisions: &[Decision],
    communities: &[String],
) -> RoundNumbers {
    let latest: HashMap<Uuid, &Decision> =
        decisions.iter().map(|d| (d.application_id, d)).collect();
    let wanted: Vec<String> = communities
        .iter()
        .map(|c| c.trim().to_ascii_uppercase())
        .collect();
    let mut n = RoundNumbers {
        applications: applications.len(),
        decided: 0,
        funded: 0,
        not_funded: 0,
        waitlisted: 0,
        success_rate: None,
        asked_total_gbp: 0,
        awarded_total_gbp: 0,
        awarded_to_small_orgs_gbp: 0,
        share_to_small_orgs: None,
        awarded_to_orgs_led_by_communities_served_gbp: 0,
        share_to_orgs_led_by_communities_served: None,
    };
    for a in applications {
        n.asked_total_gbp += a.amount_asked_gbp;
        let Some(d) = latest.get(&a.application_id) else {
            continue;
        };
        n.decided += 1;
        match &d.outcome {
            Outcome::Funded { amount_gbp, .. } => {
                n.funded += 1;
                n.awarded_total_gbp += amount_gbp;
                if a.small_org == Some(true) {
                    n.awarded_to_small_orgs_gbp += amount_gbp;
                }
                if a.led_by
                    .iter()
                    .any(|code| wanted.contains(&code.trim().to_ascii_uppercase()))
                {
                    n.awarded_to_orgs_led_by_communities_served_gbp += amount_gbp;
                }
            }
            Outcome::NotFunded => n.not_funded += 1,
            Outcome::Waitlisted => n.waitlisted += 1,
        }
    }
    if n.applications > 0 {
        n.success_rate = Some(n.funded as f64 / n.applications as f64);
    }
    if n.awarded_total_gbp > 0 {
        let total = n.awarded_total_gbp as f64;
        n.share_to_small_orgs = Some(n.awarded_to_small_orgs_gbp as f64 / total);
        n.share_to_orgs_led_by_communities_served =
            Some(n.awarded_to_orgs_led_by_communities_served_gbp as f64 / total);
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grants::round::{self, RoundInput};

    fn round() -> RoundFields {
        round::validate(&RoundInput {
            title: "Round".into(),
            topic: "Topic".into(),
            budget_gbp: "50000".into(),
            min_grant_gbp: "1000".into(),
            max_grant_gbp: "10000".into(),
            opens_on: "2027-01-10".into(),
            closes_on: "2027-02-28".into(),
            ..Default::default()
        })
        .unwrap()
    }

    fn input(outcome: &str, amount: &str) -> DecisionInput {
        DecisionInput {
            application_id: Uuid::from_u128(1).to_string(),
            outcome: outcome.into(),
            amount_gbp: amount.into(),
            conditions: " Report back in six months. ".into(),
            reasons: " A clear plan, led by the community it serves. ".into(),
        }
    }

    #[test]
    fn records_each_outcome() {
        let d = validate(&input("Funded", "£8,000"), 8_000, &round()).unwrap();
        assert_eq!(
            d.outcome,
            Outcome::Funded {
                amount_gbp: 8_000,
                conditions: "Report back in six months.".into()
            }
        );
        assert_eq!(d.reasons, "A clear plan, led by the community it serves.");
        d.check(8_000, 10_000).unwrap();
        let d = validate(&input("not funded", ""), 8_000, &round()).unwrap();
        assert_eq!(d.outcome, Outcome::NotFunded);
        let d = validate(&input("waitlisted", ""), 8_000, &round()).unwrap();
        assert_eq!(d.outcome, Outcome::Waitlisted);
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(json["outcome"]["kind"], "waitlisted");
    }

    #[test]
    fn funded_amounts_are_positive_within_the_ask_and_the_largest_grant() {
        let r = round();
        for (amount, asked, want) in [
            ("0", 8_000, "more than £0"),
            ("8001", 8_000, "asked for £8000"),
            ("12000", 15_000, "largest grant in this round is £10000"),
        ] {
            let err = validate(&input("funded", amount), asked, &r).unwrap_err();
            assert_eq!(err.errors[0].field, "amount_gbp");
            assert!(
                err.errors[0].message.contains(want),
                "{}",
                err.errors[0].message
            );
        }
        // Less than asked is allowed; so is exactly the ask.
        validate(&input("funded", "5000"), 8_000, &r).unwrap();
        validate(&input("funded", "8000"), 8_000, &r).unwrap();
        // An amount on a refusal is a mistake.
        let err = validate(&input("not funded", "5000"), 8_000, &r).unwrap_err();
        assert_eq!(err.errors[0].field, "amount_gbp");
    }

    #[test]
    fn reasons_are_required_and_short() {
        let r = round();
        let mut i = input("not funded", "");
        i.reasons = "  ".into();
        assert_eq!(validate(&i, 1, &r).unwrap_err().errors[0].field, "reasons");
        i.reasons = "x".repeat(2_001);
        assert_eq!(validate(&i, 1, &r).unwrap_err().errors[0].field, "reasons");
        i.reasons = "x".repeat(2_000);
        validate(&i, 1, &r).unwrap();
        let err = validate(
            &DecisionInput {
                application_id: "".into(),
                outcome: "maybe".into(),
                ..input("", "")
            },
            1,
            &r,
        )
        .unwrap_err();
        let fields: Vec<_> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["application_id", "outcome"]);
        let bad = Decision {
            application_id: Uuid::from_u128(1),
            outcome: Outcome::NotFunded,
            reasons: " padded".into(),
        };
        assert!(bad.check(1, 1).is_err());
    }

    fn decision(id: u128, outcome: Outcome) -> Decision {
        Decision {
            application_id: Uuid::from_u128(id),
            outcome,
            reasons: "Reasons".into(),
        }
    }

    fn funded(amount_gbp: u64) -> Outcome {
        Outcome::Funded {
            amount_gbp,
            conditions: String::new(),
        }
    }

    #[test]
    fn decisions_stay_within_the_budget() {
        let ds = [decision(1, funded(6_000)), decision(2, funded(4_000))];
        check_within_budget(&ds, 10_000).unwrap();
        let err = check_within_budget(&ds, 9_999).unwrap_err();
        assert!(err.errors[0].message.contains("£1 more"));
    }

    #[test]
    fn round_numbers_by_hand() {
        let facts = |id: u128, asked: u64, small: Option<bool>, led_by: &[&str]| ApplicationFacts {
            application_id: Uuid::from_u128(id),
            amount_asked_gbp: asked,
            small_org: small,
            led_by: led_by.iter().map(|s| s.to_string()).collect(),
        };
        let apps = [
            facts(1, 8_000, Some(true), &["DEI010120"]),
            facts(2, 10_000, Some(false), &["DEI010110"]),
            facts(3, 5_000, None, &["dei010130"]),
            facts(4, 6_000, Some(true), &[]),
            facts(5, 2_000, Some(true), &["DEI010120"]),
        ];
        let decisions = [
            decision(1, Outcome::Waitlisted),
            decision(1, funded(6_000)), // the later decision counts
            decision(2, funded(10_000)),
            decision(3, funded(4_000)),
            decision(4, Outcome::NotFunded),
            decision(9, funded(99_000)), // not an application of this round
        ];
        let communities = ["DEI010120".to_string(), "DEI010130".to_string()];
        let n = round_numbers(&apps, &decisions, &communities);
        assert_eq!(n.applications, 5);
        assert_eq!(n.decided, 4);
        assert_eq!((n.funded, n.not_funded, n.waitlisted), (3, 1, 0));
        assert_eq!(n.success_rate, Some(0.6));
        assert_eq!(n.asked_total_gbp, 31_000);
        assert_eq!(n.awarded_total_gbp, 20_000);
        // Small: only application 1 (6,000); 3's size is unknown, 5 was not decided.
        assert_eq!(n.awarded_to_small_orgs_gbp, 6_000);
        assert_eq!(n.share_to_small_orgs, Some(0.3));
        // Led by the communities served: 1 (6,000) and 3 (4,000, code in lower case).
        assert_eq!(n.awarded_to_orgs_led_by_communities_served_gbp, 10_000);
        assert_eq!(n.share_to_orgs_led_by_communities_served, Some(0.5));
    }

    #[test]
    fn round_numbers_with_nothing_awarded_have_no_shares() {
        let n = round_numbers(&[], &[], &[]);
        assert_eq!(n.applications, 0);
        assert_eq!(n.success_rate, None);
        assert_eq!(n.share_to_small_orgs, None);
        let apps = [ApplicationFacts {
            application_id: Uuid::from_u128(1),
            amount_asked_gbp: 100,
            small_org: Some(true),
            led_by: vec![],
        }];
        let n = round_numbers(&apps, &[decision(1, Outcome::NotFunded)], &[]);
        assert_eq!(n.success_rate, Some(0.0));
        assert_eq!(n.share_to_orgs_led_by_communities_served, None);
    }
}

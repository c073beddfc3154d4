//! A funding round: the topic, the money, the dates, the short application form and the
//! rubric. Amounts are whole pounds.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::rubric::{default_rubric, Rubric};
use super::{parse_date, parse_pounds, text};
use crate::invalid::{FieldError, Invalid};

pub const TITLE_MAX: usize = 200;
pub const TOPIC_MAX: usize = 500;
pub const QUESTION_MAX: usize = 500;
/// Principle 3: a short form. More than this many questions is refused.
pub const QUESTIONS_MAX: usize = 5;

/// The round form as typed. Ticks are booleans; everything else is text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RoundInput {
    pub title: String,
    pub topic: String,
    /// The ballot that chose the topic, if there was one (blank for none).
    pub ballot_id: String,
    pub budget_gbp: String,
    pub min_grant_gbp: String,
    pub max_grant_gbp: String,
    pub core_funding_allowed: bool,
    pub small_org_priority: bool,
    pub small_org_threshold_gbp: String,
    pub opens_on: String,
    pub closes_on: String,
    pub questions: Vec<String>,
    pub rubric: Rubric,
}

impl Default for RoundInput {
    fn default() -> Self {
        RoundInput {
            title: String::new(),
            topic: String::new(),
            ballot_id: String::new(),
            budget_gbp: String::new(),
            min_grant_gbp: String::new(),
            max_grant_gbp: String::new(),
            core_funding_allowed: true,
            small_org_priority: true,
            small_org_threshold_gbp: crate::income::DEFAULT_SMALL_ORG_THRESHOLD_GBP.to_string(),
            opens_on: String::new(),
            closes_on: String::new(),
            questions: Vec::new(),
            rubric: default_rubric(),
        }
    }
}

/// A checked round. Field names are payload keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct RoundFields {
    pub title: String,
    pub topic: String,
    pub ballot_id: Option<Uuid>,
    pub budget_gbp: u64,
    pub min_grant_gbp: u64,
    pub max_grant_gbp: u64,
    pub core_funding_allowed: bool,
    /// Whether the suggested allocation moves small organisations' core-funding bids first.
    pub small_org_priority: bool,
    pub small_org_threshold_gbp: u64,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub questions: Vec<String>,
    pub rubric: Rubric,
}

/// Checks a round form and reports every problem at once.
pub fn validate(input: &RoundInput) -> Result<RoundFields, Invalid> {
    let mut errors = Vec::new();
    let title = text(
        "title",
        &input.title,
        TITLE_MAX,
        Some("give the round a title"),
        &mut errors,
    );
    let topic = text(
        "topic",
        &input.topic,
        TOPIC_MAX,
        Some("say which topic the round funds"),
        &mut errors,
    );
    let ballot_id = match input.ballot_id.trim() {
        "" => None,
        raw => match Uuid::parse_str(raw) {
            Ok(id) => Some(id),
            Err(_) => {
                errors.push(FieldError::new(
                    "ballot_id",
                    "choose the ballot that chose the topic, or leave it blank",
                ));
                None
            }
        },
    };
    let budget = parse_pounds("budget_gbp", &input.budget_gbp, &mut errors);
    let min = parse_pounds("min_grant_gbp", &input.min_grant_gbp, &mut errors);
    let max = parse_pounds("max_grant_gbp", &input.max_grant_gbp, &mut errors);
    let threshold = parse_pounds(
        "small_org_threshold_gbp",
        &input.small_org_threshold_gbp,
        &mut errors,
    );
    let opens_on = parse_date("opens_on", &input.opens_on, &mut errors);
    let closes_on = parse_date("closes_on", &input.closes_on, &mut errors);
    let questions: Vec<String> = input
        .questions
        .iter()
        .map(|q| q.trim().to_string())
        .filter(|q| !q.is_empty())
        .collect();
    let rubric = match input.rubric.normalised() {
        Ok(r) => Some(r),
        Err(e) => {
            errors.extend(e.errors.into_iter().map(|fe| FieldError {
                field: format!("rubric.{}", fe.field),
                message: fe.message,
            }));
            None
        }
    };
    let (Some(budget), Some(min), Some(max), Some(threshold), Some(opens_on), Some(closes_on)) =
        (budget, min, max, threshold, opens_on, closes_on)
    else {
        return Err(Invalid { errors });
    };
    let fields = RoundFields {
        title,
        topic,
        ballot_id,
        budget_gbp: budget,
        min_grant_gbp: min,
        max_grant_gbp: max,
        core_funding_allowed: input.core_funding_allowed,
        small_org_priority: input.small_org_priority,
        small_org_threshold_gbp: threshold,
        opens_on,
        closes_on,
        questions,
        rubric: rubric.unwrap_or_else(|| Rubric { criteria: vec![] }),
    };
    errors.extend(fields.rule_errors());
    Invalid::check(errors)?;
    Ok(fields)
}

impl RoundFields {
    /// The rules between fields (and on the list of questions), each against one field.
    fn rule_errors(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.budget_gbp == 0 {
            errors.push(FieldError::new(
                "budget_gbp",
                "the budget must be more than £0",
            ));
        }
        if self.max_grant_gbp == 0 {
            errors.push(FieldError::new(
                "max_grant_gbp",
                "the largest grant must be more than £0",
            ));
        }
        if self.min_grant_gbp > self.max_grant_gbp {
            errors.push(FieldError::new(
                "min_grant_gbp",
                format!(
                    "the smallest grant (£{}) must not be more than the largest (£{})",
                    self.min_grant_gbp, self.max_grant_gbp
                ),
            ));
        }
        if self.max_grant_gbp > self.budget_gbp {
            errors.push(FieldError::new(
                "max_grant_gbp",
                format!(
                    "the largest grant (£{}) must not be more than the budget (£{})",
                    self.max_grant_gbp, self.budget_gbp
                ),
            ));
        }
        if self.small_org_threshold_gbp == 0 {
            errors.push(FieldError::new(
                "small_org_threshold_gbp",
                "the small-organisation income threshold must be more than £0",
            ));
        }
        if self.closes_on <= self.opens_on {
            errors.push(FieldError::new(
                "closes_on",
                format!(
                    "the closing date must be after the opening date ({})",
                    self.opens_on
                ),
            ));
        }
        if self.questions.len() > QUESTIONS_MAX {
            errors.push(FieldError::new(
                "questions",
                format!(
                    "keep the form short: at most {QUESTIONS_MAX} questions (found {})",
                    self.questions.len()
                ),
            ));
        }
        for (i, q) in self.questions.iter().enumerate() {
            if q.chars().count() > QUESTION_MAX {
                errors.push(FieldError::new(
                    &format!("questions[{i}]"),
                    format!("a question is at most {QUESTION_MAX} characters"),
                ));
            }
        }
        errors
    }

    /// Re-checks a round that arrived already normalised (an import or another device).
    pub fn check(&self) -> Result<(), Invalid> {
        let mut errors = self.rule_errors();
        if !super::normal_text(&self.title, 1, TITLE_MAX) {
            errors.push(FieldError::new(
                "title",
                "must be 1 to 200 trimmed characters",
            ));
        }
        if !super::normal_text(&self.topic, 1, TOPIC_MAX) {
            errors.push(FieldError::new(
                "topic",
                "must be 1 to 500 trimmed characters",
            ));
        }
        if self
            .questions
            .iter()
            .any(|q| !super::normal_text(q, 1, QUESTION_MAX))
        {
            errors.push(FieldError::new(
                "questions",
                "each question must be trimmed and not blank",
            ));
        }
        if let Err(e) = self.rubric.check() {
            errors.extend(e.errors.into_iter().map(|fe| FieldError {
                field: format!("rubric.{}", fe.field),
                message: fe.message,
            }));
        }
        Invalid::check(errors)
    }

    /// The last day an application is accepted, given any extension for this applicant.
    pub fn last_day(&self, extension_until: Option<NaiveDate>) -> NaiveDate {
        extension_until.map_or(self.closes_on, |e| e.max(self.closes_on))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> RoundInput {
        RoundInput {
            title: " Mental health support 2027 ".into(),
            topic: "Culturally appropriate mental health support".into(),
            ballot_id: Uuid::now_v7().to_string(),
            budget_gbp: "£60,000".into(),
            min_grant_gbp: "1000".into(),
            max_grant_gbp: "10 000".into(),
            opens_on: "2027-01-10".into(),
            closes_on: "2027-02-28".into(),
            questions: vec![
                "What does your group do?".into(),
                " ".into(),
                "What would the money pay for?".into(),
            ],
            ..RoundInput::default()
        }
    }

    #[test]
    fn accepts_a_round_and_normalises_it() {
        let r = validate(&input()).unwrap();
        assert_eq!(r.title, "Mental health support 2027");
        assert_eq!(r.budget_gbp, 60_000);
        assert_eq!(r.max_grant_gbp, 10_000);
        assert_eq!(r.questions.len(), 2, "blank questions are dropped");
        assert!(r.core_funding_allowed && r.small_org_priority);
        assert_eq!(r.rubric, default_rubric());
        r.check().unwrap();
        let d = NaiveDate::from_ymd_opt(2027, 3, 7);
        assert_eq!(r.last_day(d), d.unwrap());
        assert_eq!(r.last_day(None), r.closes_on);
        // An "extension" to before the closing date does not shorten it.
        assert_eq!(
            r.last_day(NaiveDate::from_ymd_opt(2027, 1, 20)),
            r.closes_on
        );
    }

    #[test]
    fn reports_unparsable_fields_each_by_name() {
        let bad = RoundInput {
            title: "".into(),
            ballot_id: "ballot 3".into(),
            budget_gbp: "sixty thousand".into(),
            min_grant_gbp: "1000.50".into(),
            opens_on: "10/01/2027".into(),
            ..input()
        };
        let err = validate(&bad).unwrap_err();
        let fields: Vec<_> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "title",
                "ballot_id",
                "budget_gbp",
                "min_grant_gbp",
                "opens_on"
            ]
        );
    }

    #[test]
    fn money_and_dates_must_fit_together() {
        let bad = RoundInput {
            min_grant_gbp: "20000".into(),
            max_grant_gbp: "70000".into(),
            closes_on: "2027-01-10".into(),
            ..input()
        };
        let err = validate(&bad).unwrap_err();
        let fields: Vec<_> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["max_grant_gbp", "closes_on"]);
        let bad = RoundInput {
            min_grant_gbp: "20000".into(),
            budget_gbp: "0".into(),
            ..input()
        };
        let err = validate(&bad).unwrap_err();
        let fields: Vec<_> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["budget_gbp", "min_grant_gbp", "max_grant_gbp"]);
        // min == max == budget is allowed: one grant of the whole budget.
        validate(&RoundInput {
            budget_gbp: "5000".into(),
            min_grant_gbp: "5000".into(),
            max_grant_gbp: "5000".into(),
            ..input()
        })
        .unwrap();
    }

    #[test]
    fn keeps_the_form_short() {
        let six = RoundInput {
            questions: (1..=6).map(|i| format!("Question {i}?")).collect(),
            ..input()
        };
        let err = validate(&six).unwrap_err();
        assert_eq!(err.errors[0].field, "questions");
        assert!(err.errors[0]
            .message
            .starts_with("keep the form short: at most 5 questions"));
        let five = RoundInput {
            questions: (1..=5).map(|i| format!("Question {i}?")).collect(),
            ..input()
        };
        validate(&five).unwrap();
    }

    #[test]
    fn rubric_errors_are_prefixed_and_check_catches_bad_records() {
        let mut bad = input();
        bad.rubric.criteria[2].weight = 0;
        let err = validate(&bad).unwrap_err();
        assert_eq!(err.errors[0].field, "rubric.criteria[2].weight");
        let mut r = validate(&input()).unwrap();
        r.title = " untrimmed".into();
        r.max_grant_gbp = 100_000;
        let fields: Vec<_> = r
            .check()
            .unwrap_err()
            .errors
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["max_grant_gbp", "title"]);
    }
}

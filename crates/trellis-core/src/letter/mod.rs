//! Feedback letters: templates per outcome, and a letter's text drafted from the decision,
//! the rubric and the panel's agreed scores and comments (principle 3: every applicant,
//! funded or not, gets useful feedback and an offer of support to apply again).
//!
//! Staff edit a draft and approve it; `trellis-letters` lays the approved text out on A4.
//! Nothing here does IO: the letter's date and the programme's settings are parameters.

mod template;

use serde::{Deserialize, Serialize};

use crate::grants::decision::{Decision, Outcome};
use crate::grants::moderation::AgreedScores;
use crate::grants::rubric::Rubric;
use crate::invalid::{FieldError, Invalid};

pub use template::{
    check_template, default_template, long_sentences, placeholders, template_warnings, OutcomeKind,
    Template, CRITERIA_MARK, PLACEHOLDERS,
};

impl OutcomeKind {
    pub fn of(outcome: &Outcome) -> OutcomeKind {
        match outcome {
            Outcome::Funded { .. } => OutcomeKind::Funded,
            Outcome::NotFunded => OutcomeKind::NotFunded,
            Outcome::Waitlisted => OutcomeKind::Waitlisted,
        }
    }
}

/// One row of the letter's per-criterion table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct CriterionFeedback {
    pub criterion: String,
    /// The agreed score's descriptor, in words.
    pub score_words: String,
    /// What the panel said.
    pub comments: String,
}

/// A letter's text: what staff edit and approve. `letter show --json` prints it and
/// `letter edit --file` reads it back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct LetterContent {
    pub recipient: Vec<String>,
    pub salutation: String,
    pub heading: String,
    pub paragraphs: Vec<String>,
    pub criteria: Vec<CriterionFeedback>,
    pub closing_paragraphs: Vec<String>,
    pub sign_off: Vec<String>,
    pub footer: String,
}

pub const TEXT_MAX: usize = 4_000;
pub const LINES_MAX: usize = 60;

impl LetterContent {
    /// A letter must have a recipient, a greeting and a heading; texts stay within limits.
    pub fn check(&self) -> Result<(), Invalid> {
        let mut errors = Vec::new();
        if self.recipient.iter().all(|l| l.trim().is_empty()) {
            errors.push(FieldError::new(
                "recipient",
                "give the recipient's name and address",
            ));
        }
        if self.salutation.trim().is_empty() {
            errors.push(FieldError::new(
                "salutation",
                "start the letter with a greeting",
            ));
        }
        if self.heading.trim().is_empty() {
            errors.push(FieldError::new("heading", "give the letter a heading"));
        }
        let lists = [
            ("recipient", &self.recipient),
            ("paragraphs", &self.paragraphs),
            ("closing_paragraphs", &self.closing_paragraphs),
            ("sign_off", &self.sign_off),
        ];
        for (name, list) in lists {
            if list.len() > LINES_MAX {
                errors.push(FieldError::new(
                    name,
                    format!("at most {LINES_MAX} entries"),
                ));
            }
            for (i, t) in list.iter().enumerate() {
                if t.chars().count() > TEXT_MAX {
                    errors.push(FieldError::new(
                        &format!("{name}[{i}]"),
                        format!("at most {TEXT_MAX} characters"),
                    ));
                }
            }
        }
        for (i, c) in self.criteria.iter().enumerate() {
            if [&c.criterion, &c.score_words, &c.comments]
                .iter()
                .any(|t| t.chars().count() > TEXT_MAX)
            {
                errors.push(FieldError::new(
                    &format!("criteria[{i}]"),
                    format!("at most {TEXT_MAX} characters each"),
                ));
            }
        }
        Invalid::check(errors)
    }

    /// Every long sentence in the letter, for the editor's warning.
    pub fn long_sentences(&self) -> Vec<(String, usize)> {
        self.paragraphs
            .iter()
            .chain(&self.closing_paragraphs)
            .chain(self.criteria.iter().map(|c| &c.comments))
            .flat_map(|p| long_sentences(p))
            .collect()
    }
}

/// Everything a letter is drafted from.
#[derive(Debug, Clone, PartialEq)]
pub struct LetterFacts {
    pub organisation: String,
    pub address: Vec<String>,
    /// Who to greet; "colleagues at <organisation>" when no one is named.
    pub contact: Option<String>,
    pub round: String,
    pub programme: String,
    pub decision: Decision,
    pub rubric: Rubric,
    pub agreed: Option<AgreedScores>,
    pub sign_off: String,
}

/// "£12,500".
pub fn pounds(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("£{out}")
}

/// "A, B and C".
fn listing(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Drafts a letter: the template filled in from the facts, the per-criterion table built
/// from the rubric (in its order) and the agreed scores (each score's descriptor in words
/// and the panel's comment). The template must be for the decision's outcome.
pub fn draft_letter(template: &Template, facts: &LetterFacts) -> Result<LetterContent, Invalid> {
    check_template(template)?;
    let mut criteria = Vec::new();
    let mut scored: Vec<(u8, u8, String)> = Vec::new();
    if let Some(agreed) = &facts.agreed {
        for c in &facts.rubric.criteria {
            if let Some(s) = agreed.scores.iter().find(|s| s.criterion_id == c.id) {
                let words = c
                    .descriptor(s.value)
                    .unwrap_or("Not on the scale")
                    .to_string();
                criteria.push(CriterionFeedback {
                    criterion: c.title.clone(),
                    score_words: words,
                    comments: s.justification.trim().to_string(),
                });
                scored.push((s.value, c.scale_max, lower_first(&c.title)));
            }
        }
    }
    let top = scored.iter().map(|(v, ..)| *v).max();
    let bottom = scored.iter().map(|(v, ..)| *v).min();
    let strengths: Vec<String> = scored
        .iter()
        .filter(|(v, ..)| Some(*v) == top)
        .map(|(.., t)| t.clone())
        .collect();
    let improvements: Vec<String> = if top == bottom
        && top
            .zip(scored.first().map(|s| s.1))
            .is_some_and(|(t, max)| t == max)
    {
        Vec::new()
    } else {
        scored
            .iter()
            .filter(|(v, ..)| Some(*v) == bottom)
            .map(|(.., t)| t.clone())
            .collect()
    };
    let (amount, conditions) = match &facts.decision.outcome {
        Outcome::Funded {
            amount_gbp,
            conditions,
        } => {
            let c = conditions.trim();
            (
                pounds(*amount_gbp),
                if c.is_empty() {
                    String::new()
                } else {
                    format!("The grant comes with these conditions: {c}")
                },
            )
        }
        _ => (String::new(), String::new()),
    };
    let contact = facts
        .contact
        .clone()
        .filter(|c| !c.trim().is_empty())
        .unwrap_or_else(|| format!("colleagues at {}", facts.organisation));
    let values: Vec<(&str, String)> = vec![
        ("organisation", facts.organisation.clone()),
        ("contact", contact),
        ("round", facts.round.clone()),
        ("programme", facts.programme.clone()),
        ("amount", amount),
        ("conditions", conditions),
        ("reasons", facts.decision.reasons.trim().to_string()),
        ("strengths", listing(&strengths)),
        (
            "improvements",
            if improvements.is_empty() {
                "keeping up this standard".to_string()
            } else {
                listing(&improvements)
            },
        ),
        ("sign_off", facts.sign_off.clone()),
    ];
    let support = fill(&template.support_offer, &values, "");
    let fill_all = |t: &str| fill(t, &values, &support);
    let mut paragraphs = Vec::new();
    let mut closing = Vec::new();
    let mut after_table = false;
    for p in &template.paragraphs {
        if p.trim() == CRITERIA_MARK {
            after_table = true;
            continue;
        }
        // A paragraph about strengths makes no sense without scores.
        if scored.is_empty() && (p.contains("{strengths}") || p.contains("{improvements}")) {
            continue;
        }
        let text = fill_all(p);
        if text.trim().is_empty() {
            continue;
        }
        if after_table {
            closing.push(text);
        } else {
            paragraphs.push(text);
        }
    }
    let mut recipient = vec![facts.organisation.clone()];
    recipient.extend(
        facts
            .address
            .iter()
            .filter(|l| !l.trim().is_empty())
            .cloned(),
    );
    let content = LetterContent {
        recipient,
        salutation: fill_all(&template.salutation),
        heading: fill_all(&template.subject),
        paragraphs,
        criteria,
        closing_paragraphs: closing,
        sign_off: template.sign_off.iter().map(|l| fill_all(l)).collect(),
        footer: fill_all(&template.footer),
    };
    content.check()?;
    Ok(content)
}

/// Replaces each known `{name}` in one pass, so a value that happens to contain braces
/// is never expanded again.
fn fill(text: &str, values: &[(&str, String)], support: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let name = &after[..close];
        let value = if name == "support_offer" {
            Some(support.to_string())
        } else {
            values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
        };
        match value {
            Some(v) => out.push_str(&v),
            None => {
                out.push('{');
                out.push_str(name);
                out.push('}');
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out.trim().to_string()
}

#[cfg(test)]
mod tests;

/// What happened to an approved letter after approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum LetterState {
    Printed,
    Sent,
}

/// How a letter was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    Post,
    Email,
    Hand,
}

impl Delivery {
    pub fn code(&self) -> &'static str {
        match self {
            Delivery::Post => "post",
            Delivery::Email => "email",
            Delivery::Hand => "hand",
        }
    }

    pub fn parse(raw: &str) -> Result<Delivery, Invalid> {
        match raw.trim().to_lowercase().as_str() {
            "post" => Ok(Delivery::Post),
            "email" | "e-mail" => Ok(Delivery::Email),
            "hand" | "by hand" => Ok(Delivery::Hand),
            other => Err(Invalid::one(
                "how",
                format!("{other:?}: say how it was sent: post, email or hand"),
            )),
        }
    }
}

impl LetterState {
    pub fn code(&self) -> &'static str {
        match self {
            LetterState::Printed => "printed",
            LetterState::Sent => "sent",
        }
    }
}

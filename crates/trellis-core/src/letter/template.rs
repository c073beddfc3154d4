//! Letter templates: one per outcome, made of named sections holding `{placeholder}`s.

use serde::{Deserialize, Serialize};

use crate::invalid::{FieldError, Invalid};

/// Which letter a template is for: the decision's outcome.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    Funded,
    NotFunded,
    Waitlisted,
}

impl OutcomeKind {
    pub const ALL: [OutcomeKind; 3] = [
        OutcomeKind::Funded,
        OutcomeKind::NotFunded,
        OutcomeKind::Waitlisted,
    ];

    pub fn code(&self) -> &'static str {
        match self {
            OutcomeKind::Funded => "funded",
            OutcomeKind::NotFunded => "not_funded",
            OutcomeKind::Waitlisted => "waitlisted",
        }
    }

    /// "funded", "not-funded", "not funded", "not_funded", "waitlisted".
    pub fn parse(raw: &str) -> Result<OutcomeKind, Invalid> {
        match raw.trim().to_lowercase().replace(['-', ' '], "_").as_str() {
            "funded" => Ok(OutcomeKind::Funded),
            "not_funded" => Ok(OutcomeKind::NotFunded),
            "waitlisted" => Ok(OutcomeKind::Waitlisted),
            other => Err(Invalid::one(
                "kind",
                format!("{other:?} is not a letter kind; use funded, not-funded or waitlisted"),
            )),
        }
    }
}

/// Every placeholder a template may use.
pub const PLACEHOLDERS: [&str; 12] = [
    "organisation",
    "contact",
    "round",
    "programme",
    "amount",
    "conditions",
    "reasons",
    "criteria",
    "strengths",
    "improvements",
    "support_offer",
    "sign_off",
];

/// The paragraph that marks where the per-criterion table goes.
pub const CRITERIA_MARK: &str = "{criteria}";

pub const SECTION_MAX: usize = 4_000;
pub const PARAGRAPHS_MAX: usize = 40;

/// A letter template. `paragraphs` may contain one paragraph that is exactly
/// `{criteria}`: the per-criterion table goes there (paragraphs after it are printed
/// after the table). Paragraphs that come out empty are left out, so a paragraph
/// holding only `{conditions}` disappears when there are none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Template {
    pub subject: String,
    pub salutation: String,
    pub paragraphs: Vec<String>,
    /// What `{support_offer}` becomes.
    pub support_offer: String,
    pub sign_off: Vec<String>,
    pub footer: String,
}

/// Each section of a template by its name, as used in messages.
pub(crate) fn sections(t: &Template) -> Vec<(String, &str)> {
    let mut out = vec![
        ("subject".to_string(), t.subject.as_str()),
        ("salutation".to_string(), t.salutation.as_str()),
    ];
    for (i, p) in t.paragraphs.iter().enumerate() {
        out.push((format!("paragraphs[{i}]"), p.as_str()));
    }
    out.push(("support_offer".to_string(), t.support_offer.as_str()));
    for (i, p) in t.sign_off.iter().enumerate() {
        out.push((format!("sign_off[{i}]"), p.as_str()));
    }
    out.push(("footer".to_string(), t.footer.as_str()));
    out
}

/// The `{name}`s in a text, in order.
pub fn placeholders(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                out.push(&after[..close]);
                rest = &after[close + 1..];
            }
            None => break,
        }
    }
    out
}

/// Refuses a template naming an unknown placeholder (naming it and its section), a
/// `{criteria}` that is not a paragraph of its own or appears twice, and an empty
/// subject or salutation.
pub fn check_template(t: &Template) -> Result<(), Invalid> {
    let mut errors = Vec::new();
    let allowed = PLACEHOLDERS.join("}, {");
    for (section, text) in sections(t) {
        for name in placeholders(text) {
            if !PLACEHOLDERS.contains(&name) {
                errors.push(FieldError::new(
                    &section,
                    format!("{{{name}}} is not a placeholder; use one of {{{allowed}}}"),
                ));
            } else if name == "criteria"
                && (!section.starts_with("paragraphs[") || text.trim() != CRITERIA_MARK)
            {
                errors.push(FieldError::new(
                    &section,
                    "{criteria} marks where the table goes: put it in a paragraph on its own",
                ));
            } else if name == "support_offer" && section == "support_offer" {
                errors.push(FieldError::new(
                    &section,
                    "the support offer cannot contain itself",
                ));
            }
        }
        if text.chars().count() > SECTION_MAX {
            errors.push(FieldError::new(
                &section,
                format!("at most {SECTION_MAX} characters"),
            ));
        }
    }
    if t.paragraphs
        .iter()
        .filter(|p| p.trim() == CRITERIA_MARK)
        .count()
        > 1
    {
        errors.push(FieldError::new(
            "paragraphs",
            "{criteria} may appear only once",
        ));
    }
    if t.paragraphs.len() > PARAGRAPHS_MAX {
        errors.push(FieldError::new(
            "paragraphs",
            format!("at most {PARAGRAPHS_MAX} paragraphs"),
        ));
    }
    if t.subject.trim().is_empty() {
        errors.push(FieldError::new("subject", "give the letter a subject line"));
    }
    if t.salutation.trim().is_empty() {
        errors.push(FieldError::new(
            "salutation",
            "start the letter with a greeting, for example \"Dear {contact},\"",
        ));
    }
    Invalid::check(errors)
}

/// Sentences longer than 25 words, with their word counts: what the template editor
/// warns about (GOV.UK style keeps sentences to 25 words or fewer).
pub fn long_sentences(text: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        current.push(c);
        let ends =
            matches!(c, '.' | '!' | '?') && chars.get(i + 1).is_none_or(|n| n.is_whitespace());
        if ends || c == '\n' {
            push_if_long(&mut out, &current);
            current.clear();
        }
    }
    push_if_long(&mut out, &current);
    out
}

fn push_if_long(out: &mut Vec<(String, usize)>, sentence: &str) {
    let s = sentence.trim();
    let words = s.split_whitespace().count();
    if words > 25 {
        out.push((s.to_string(), words));
    }
}

/// Every long sentence in a template, with its section.
pub fn template_warnings(t: &Template) -> Vec<(String, String, usize)> {
    sections(t)
        .into_iter()
        .flat_map(|(section, text)| {
            long_sentences(text)
                .into_iter()
                .map(move |(s, n)| (section.clone(), s, n))
        })
        .collect()
}

/// The template shipped for each outcome: plain English, short sentences, active voice.
pub fn default_template(kind: OutcomeKind) -> Template {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let sign_off = s(&["Yours sincerely,", "", "{sign_off}", "{programme}"]);
    let footer = "{programme}: {round}".to_string();
    let table_intro = "The table below shows how the panel scored each part of your application. It says what was strong and what would make a future bid stronger.";
    match kind {
        OutcomeKind::Funded => Template {
            subject: "We will fund your application to {round}".into(),
            salutation: "Dear {contact},".into(),
            paragraphs: s(&[
                "Thank you for applying to {round}. We are pleased to tell you that we will give {organisation} a grant of {amount}.",
                "The panel gave these reasons: {reasons}",
                "{conditions}",
                table_intro,
                "{criteria}",
                "The panel thought your strongest areas were: {strengths}.",
                "Next time, you could make a bid even stronger by saying more about: {improvements}.",
                "{support_offer}",
            ]),
            support_offer: "We will contact you soon to agree how we pay the grant. Please call or email us if you have any questions.".into(),
            sign_off,
            footer,
        },
        OutcomeKind::NotFunded => Template {
            subject: "Your application to {round}".into(),
            salutation: "Dear {contact},".into(),
            paragraphs: s(&[
                "Thank you for applying to {round}. We are sorry to tell you that we cannot fund {organisation} this time.",
                "The panel gave these reasons: {reasons}",
                table_intro,
                "{criteria}",
                "The panel thought your strongest areas were: {strengths}.",
                "A future bid would be stronger if it said more about: {improvements}.",
                "{support_offer}",
            ]),
            support_offer: "We want to help you apply again. We offer free help with writing bids. Please call or email us to book a time with our team.".into(),
            sign_off,
            footer,
        },
        OutcomeKind::Waitlisted => Template {
            subject: "Your application to {round} is on our waiting list".into(),
            salutation: "Dear {contact},".into(),
            paragraphs: s(&[
                "Thank you for applying to {round}. The panel liked your application, but we do not have enough money to fund it now.",
                "We have put {organisation} on our waiting list. If more money becomes free, we will contact you.",
                "The panel gave these reasons: {reasons}",
                table_intro,
                "{criteria}",
                "The panel thought your strongest areas were: {strengths}.",
                "A future bid would be stronger if it said more about: {improvements}.",
                "{support_offer}",
            ]),
            support_offer: "We also offer free help with writing bids. Please call or email us if you would like it.".into(),
            sign_off,
            footer,
        },
    }
}

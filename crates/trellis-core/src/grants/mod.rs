//! Funding rounds, applications, scoring, moderation and decisions: the pure rules of
//! principle 3 (simple, flexible, transparent applications and decisions) and principle 4
//! (core funding for small organisations).
//!
//! How scores become decisions, in order:
//!
//! 1. A **round** ([`round`]) sets the budget, the grant limits and the **rubric**
//!    ([`rubric`]): a few criteria, each with a weight and a plain-English descriptor per
//!    level.
//! 2. **Applications** ([`application`]) arrive in any format and are checked against the
//!    round (amount, core funding, closing date or an extension).
//! 3. Each assessor **scores** ([`scoring`]) every criterion with a short justification. No
//!    one sees others' scores for an application until they have submitted their own
//!    ([`scoring::visible_scores`] is the one rule every read path uses).
//! 4. **Moderation** ([`moderation`]) sets the scores side by side, flags disagreement and
//!    outliers, and measures the round's agreement with Krippendorff's alpha ([`alpha`]).
//! 5. The panel agrees scores; a suggested **allocation** ([`allocation`]) funds in rank
//!    order within the budget; the panel records each **decision** ([`decision`]) with reasons,
//!    and the round's numbers are published.

pub mod allocation;
pub mod alpha;
pub mod application;
pub mod decision;
pub mod import;
pub mod moderation;
pub mod rivals;
pub mod round;
pub mod rubric;
pub mod scoring;

use chrono::NaiveDate;

use crate::invalid::FieldError;

/// Trims `raw` and checks its length; `required` refuses an empty value with `empty`.
pub(crate) fn text(
    field: &str,
    raw: &str,
    max: usize,
    empty: Option<&str>,
    errors: &mut Vec<FieldError>,
) -> String {
    let t = raw.trim().to_string();
    match empty {
        Some(message) if t.is_empty() => errors.push(FieldError::new(field, message)),
        _ if t.chars().count() > max => {
            errors.push(FieldError::new(field, format!("at most {max} characters")))
        }
        _ => {}
    }
    t
}

/// Whether a stored text is in normal form: trimmed, within `min..=max` characters.
pub(crate) fn normal_text(s: &str, min: usize, max: usize) -> bool {
    let n = s.chars().count();
    s.trim() == s && n >= min && n <= max
}

pub(crate) fn parse_date(
    field: &str,
    raw: &str,
    errors: &mut Vec<FieldError>,
) -> Option<NaiveDate> {
    let raw = raw.trim();
    if raw.is_empty() {
        errors.push(FieldError::new(field, "enter a date (YYYY-MM-DD)"));
        return None;
    }
    match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(FieldError::new(
                field,
                format!("{raw:?} is not a date; write it as YYYY-MM-DD, for example 2026-03-14"),
            ));
            None
        }
    }
}

/// Whole pounds as typed: "£12,500" and "12500" are both 12,500. Pence are refused.
pub(crate) fn parse_pounds(field: &str, raw: &str, errors: &mut Vec<FieldError>) -> Option<u64> {
    let cleaned: String = raw
        .trim()
        .trim_start_matches('£')
        .chars()
        .filter(|c| *c != ',' && *c != ' ')
        .collect();
    if cleaned.is_empty() {
        errors.push(FieldError::new(field, "enter an amount in whole pounds"));
        return None;
    }
    match cleaned.parse::<u64>() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.push(FieldError::new(
                field,
                format!(
                    "{:?} is not an amount; write whole pounds, for example 12500",
                    raw.trim()
                ),
            ));
            None
        }
    }
}

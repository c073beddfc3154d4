//! The relationship log (principle 1): contacts and visits between commissioners and
//! organisations. A contact is a fact: once logged it is never edited away.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::invalid::{FieldError, Invalid};

pub const NOTES_MAX: usize = 10_000;
pub const BY_MAX: usize = 200;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "lowercase")]
pub enum ContactKind {
    Visit,
    Call,
    Meeting,
    Email,
    Event,
}

impl ContactKind {
    pub const ALL: [ContactKind; 5] = [
        ContactKind::Visit,
        ContactKind::Call,
        ContactKind::Meeting,
        ContactKind::Email,
        ContactKind::Event,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ContactKind::Visit => "visit",
            ContactKind::Call => "call",
            ContactKind::Meeting => "meeting",
            ContactKind::Email => "email",
            ContactKind::Event => "event",
        }
    }

    pub fn parse(raw: &str) -> Result<ContactKind, String> {
        let raw = raw.trim().to_ascii_lowercase();
        ContactKind::ALL
            .into_iter()
            .find(|k| k.code() == raw)
            .ok_or_else(|| "kind must be one of: visit, call, meeting, email, event".to_string())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct ContactInput {
    pub organisation_id: String,
    pub date: String,
    pub kind: String,
    pub by: String,
    pub notes: String,
    pub follow_up: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactFields {
    pub organisation_id: Uuid,
    pub date: NaiveDate,
    pub kind: ContactKind,
    pub by: String,
    pub notes: String,
    pub follow_up: Option<NaiveDate>,
}

fn parse_date(field: &str, raw: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(FieldError::new(
                field,
                format!(
                    "{:?} is not a date; write it as YYYY-MM-DD, for example 2026-03-14",
                    raw.trim()
                ),
            ));
            None
        }
    }
}

/// Checks a contact as typed. `today` bounds the date: a contact is logged after it
/// happened, so a date in the future is a typing mistake.
pub fn validate(input: &ContactInput, today: NaiveDate) -> Result<ContactFields, Invalid> {
    let mut errors = Vec::new();
    let organisation_id = match Uuid::parse_str(input.organisation_id.trim()) {
        Ok(id) => Some(id),
        Err(_) => {
            errors.push(FieldError::new(
                "organisation_id",
                "choose the organisation this contact was with",
            ));
            None
        }
    };
    let date = if input.date.trim().is_empty() {
        errors.push(FieldError::new(
            "date",
            "enter the date of the contact (YYYY-MM-DD)",
        ));
        None
    } else {
        parse_date("date", &input.date, &mut errors)
    };
    if let Some(d) = date {
        if d > today {
            errors.push(FieldError::new(
                "date",
                format!("{d} is in the future; log a contact once it has happened"),
            ));
        }
    }
    let kind = ContactKind::parse(&input.kind)
        .map_err(|m| errors.push(FieldError::new("kind", m)))
        .ok();
    let by = input.by.trim().to_string();
    if by.is_empty() {
        errors.push(FieldError::new(
            "by",
            "say who made the contact from the commissioning side",
        ));
    } else if by.chars().count() > BY_MAX {
        errors.push(FieldError::new(
            "by",
            format!("at most {BY_MAX} characters"),
        ));
    }
    let notes = input.notes.trim().to_string();
    if notes.chars().count() > NOTES_MAX {
        errors.push(FieldError::new(
            "notes",
            format!("notes are at most {NOTES_MAX} characters"),
        ));
    }
    let follow_up = if input.follow_up.trim().is_empty() {
        None
    } else {
        parse_date("follow_up", &input.follow_up, &mut errors)
    };
    if let (Some(d), Some(f)) = (date, follow_up) {
        if f < d {
            errors.push(FieldError::new(
                "follow_up",
                "the follow-up date must be on or after the contact date",
            ));
        }
    }
    Invalid::check(errors)?;
    match (organisation_id, date, kind) {
        (Some(organisation_id), Some(date), Some(kind)) => Ok(ContactFields {
            organisation_id,
            date,
            kind,
            by,
            notes,
            follow_up,
        }),
        _ => Err(Invalid::one("contact", "incomplete contact")),
    }
}

impl ContactFields {
    /// Re-checks a contact that arrived already parsed (an import or another device).
    /// The future-date rule is not applied: the other device's "today" may differ.
    pub fn check(&self) -> Result<(), Invalid> {
        let mut errors = Vec::new();
        if self.by.trim() != self.by || self.by.is_empty() || self.by.chars().count() > BY_MAX {
            errors.push(FieldError::new("by", "must be 1 to 200 trimmed characters"));
        }
        if self.notes.trim() != self.notes || self.notes.chars().count() > NOTES_MAX {
            errors.push(FieldError::new(
                "notes",
                "must be trimmed and at most 10,000 characters",
            ));
        }
        if matches!(self.follow_up, Some(f) if f < self.date) {
            errors.push(FieldError::new("follow_up", "is before the contact date"));
        }
        Invalid::check(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
    }

    fn input() -> ContactInput {
        ContactInput {
            organisation_id: Uuid::now_v7().to_string(),
            date: "2026-11-20".into(),
            kind: "Visit".into(),
            by: " Amara Okafor ".into(),
            notes: "Toured the food bank.".into(),
            follow_up: "2026-12-04".into(),
        }
    }

    #[test]
    fn accepts_a_contact() {
        let c = validate(&input(), today()).unwrap();
        assert_eq!(c.kind, ContactKind::Visit);
        assert_eq!(c.by, "Amara Okafor");
        assert_eq!(c.follow_up, NaiveDate::from_ymd_opt(2026, 12, 4));
        c.check().unwrap();
    }

    #[test]
    fn names_each_bad_field() {
        let bad = ContactInput {
            organisation_id: "nope".into(),
            date: "20/11/2026".into(),
            kind: "letter".into(),
            by: "".into(),
            follow_up: "soon".into(),
            ..input()
        };
        let err = validate(&bad, today()).unwrap_err();
        let fields: Vec<_> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["organisation_id", "date", "kind", "by", "follow_up"]
        );
    }

    #[test]
    fn refuses_future_contacts_and_backwards_follow_ups() {
        let err = validate(
            &ContactInput {
                date: "2026-11-27".into(),
                ..input()
            },
            today(),
        )
        .unwrap_err();
        assert!(err.errors[0].message.contains("future"));
        let err = validate(
            &ContactInput {
                follow_up: "2026-11-19".into(),
                ..input()
            },
            today(),
        )
        .unwrap_err();
        assert_eq!(err.errors[0].field, "follow_up");
    }
}

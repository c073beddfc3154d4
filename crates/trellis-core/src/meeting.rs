//! Meetings and workshops where communities raise issues and vote (principle 2): who came,
//! including walk-ins added on the spot, and the ideas and notes captured in the room.

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::invalid::{FieldError, Invalid};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "kebab-case")]
pub enum MeetingKind {
    Forum,
    SpecialInterestGroup,
    Assembly,
    BlueSkyWorkshop,
    TopicWorkshop,
}

impl MeetingKind {
    pub const ALL: [MeetingKind; 5] = [
        MeetingKind::Forum,
        MeetingKind::SpecialInterestGroup,
        MeetingKind::Assembly,
        MeetingKind::BlueSkyWorkshop,
        MeetingKind::TopicWorkshop,
    ];

    pub fn code(self) -> &'static str {
        match self {
            MeetingKind::Forum => "forum",
            MeetingKind::SpecialInterestGroup => "special-interest-group",
            MeetingKind::Assembly => "assembly",
            MeetingKind::BlueSkyWorkshop => "blue-sky-workshop",
            MeetingKind::TopicWorkshop => "topic-workshop",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MeetingKind::Forum => "Forum",
            MeetingKind::SpecialInterestGroup => "Special-interest group",
            MeetingKind::Assembly => "Assembly",
            MeetingKind::BlueSkyWorkshop => "Blue-sky workshop",
            MeetingKind::TopicWorkshop => "Topic workshop",
        }
    }

    pub fn parse(raw: &str) -> Result<MeetingKind, String> {
        let raw = raw.trim().to_ascii_lowercase().replace([' ', '_'], "-");
        MeetingKind::ALL
            .into_iter()
            .find(|k| k.code() == raw)
            .ok_or_else(|| {
                format!(
                    "kind must be one of: {}",
                    MeetingKind::ALL.map(|k| k.code()).join(", ")
                )
            })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingFields {
    pub kind: MeetingKind,
    pub title: String,
    pub date: NaiveDate,
    pub venue: String,
    /// Start time, when known (added after version 1 of this payload; absent means none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<NaiveTime>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub facilitators: Vec<String>,
}

/// The meeting form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct MeetingInput {
    pub kind: String,
    pub title: String,
    pub date: String,
    pub time: String,
    pub venue: String,
    pub facilitators: Vec<String>,
}

fn trimmed_ok(s: &str, max: usize) -> bool {
    s.trim() == s && s.chars().count() <= max
}

pub fn validate(input: &MeetingInput) -> Result<MeetingFields, Invalid> {
    let mut errors = Vec::new();
    let kind = MeetingKind::parse(&input.kind)
        .map_err(|m| errors.push(FieldError::new("kind", m)))
        .ok();
    let title = input.title.trim().to_string();
    if title.is_empty() || title.chars().count() > 200 {
        errors.push(FieldError::new(
            "title",
            "give the meeting a title of 1 to 200 characters",
        ));
    }
    let date = NaiveDate::parse_from_str(input.date.trim(), "%Y-%m-%d")
        .map_err(|_| {
            errors.push(FieldError::new(
                "date",
                format!(
                    "{:?} is not a date; write it as YYYY-MM-DD",
                    input.date.trim()
                ),
            ))
        })
        .ok();
    let time = if input.time.trim().is_empty() {
        None
    } else {
        NaiveTime::parse_from_str(input.time.trim(), "%H:%M")
            .map_err(|_| {
                errors.push(FieldError::new(
                    "time",
                    format!(
                        "{:?} is not a time; write it as HH:MM, for example 18:30",
                        input.time.trim()
                    ),
                ))
            })
            .ok()
    };
    let venue = input.venue.trim().to_string();
    if venue.chars().count() > 300 {
        errors.push(FieldError::new(
            "venue",
            "a venue is at most 300 characters",
        ));
    }
    let facilitators: Vec<String> = input
        .facilitators
        .iter()
        .map(|f| f.trim().to_string())
        .filter(|f| !f.is_empty())
        .collect();
    if facilitators.iter().any(|f| f.chars().count() > 200) {
        errors.push(FieldError::new(
            "facilitators",
            "a name is at most 200 characters",
        ));
    }
    Invalid::check(errors)?;
    match (kind, date) {
        (Some(kind), Some(date)) => Ok(MeetingFields {
            kind,
            title,
            date,
            venue,
            time,
            facilitators,
        }),
        _ => Err(Invalid::one("meeting", "incomplete meeting")),
    }
}

impl MeetingFields {
    pub fn check(&self) -> Result<(), Invalid> {
        let mut errors = Vec::new();
        if self.title.trim().is_empty() || !trimmed_ok(&self.title, 200) {
            errors.push(FieldError::new(
                "title",
                "give the meeting a title (trimmed text)",
            ));
        }
        if !trimmed_ok(&self.venue, 300) {
            errors.push(FieldError::new("venue", "at most 300 trimmed characters"));
        }
        if self
            .facilitators
            .iter()
            .any(|f| f.is_empty() || !trimmed_ok(f, 200))
        {
            errors.push(FieldError::new(
                "facilitators",
                "names are 1 to 200 trimmed characters",
            ));
        }
        Invalid::check(errors)
    }
}

/// Someone recorded as present: an organisation (optionally with the person who came for
/// it) or an individual. Walk-ins are marked so the list shows who was not expected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttendanceFields {
    pub meeting_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation_id: Option<Uuid>,
    /// The person's name; may be empty when only the organisation is recorded.
    pub name: String,
    pub walk_in: bool,
}

impl AttendanceFields {
    pub fn check(&self) -> Result<(), Invalid> {
        if self.organisation_id.is_none() && self.name.trim().is_empty() {
            return Err(Invalid::one(
                "name",
                "give the person's name or choose their organisation",
            ));
        }
        if !trimmed_ok(&self.name, 200) {
            return Err(Invalid::one(
                "name",
                "a name is at most 200 trimmed characters",
            ));
        }
        Ok(())
    }
}

/// An idea or note captured during a session, optionally linked to the issues it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteFields {
    pub meeting_id: Uuid,
    pub text: String,
    #[serde(default)]
    pub issue_ids: Vec<Uuid>,
}

impl NoteFields {
    pub fn check(&self) -> Result<(), Invalid> {
        if self.text.trim().is_empty() || !trimmed_ok(&self.text, 10_000) {
            return Err(Invalid::one("text", "a note is 1 to 10,000 characters"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_a_meeting_form() {
        let m = validate(&MeetingInput {
            kind: "Topic workshop".into(),
            title: " How to apply ".into(),
            date: "2026-05-14".into(),
            time: "18:30".into(),
            venue: "Mill Lane Centre".into(),
            facilitators: vec!["Amara".into(), " ".into()],
        })
        .unwrap();
        assert_eq!(m.kind, MeetingKind::TopicWorkshop);
        assert_eq!(m.title, "How to apply");
        assert_eq!(m.facilitators, ["Amara"]);
        m.check().unwrap();
        let err = validate(&MeetingInput {
            kind: "party".into(),
            date: "14/05/2026".into(),
            time: "6pm".into(),
            ..Default::default()
        })
        .unwrap_err();
        let fields: Vec<_> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["kind", "title", "date", "time"]);
    }

    #[test]
    fn older_payloads_without_time_still_decode() {
        let m: MeetingFields = serde_json::from_str(
            r#"{"kind":"forum","title":"Forum","date":"2026-03-01","venue":"Hall"}"#,
        )
        .unwrap();
        assert_eq!(m.time, None);
        assert!(m.facilitators.is_empty());
    }

    #[test]
    fn attendance_needs_a_name_or_an_organisation() {
        let a = AttendanceFields {
            meeting_id: Uuid::nil(),
            organisation_id: None,
            name: "".into(),
            walk_in: true,
        };
        assert!(a.check().is_err());
        assert!(AttendanceFields {
            name: "Ade".into(),
            ..a
        }
        .check()
        .is_ok());
    }
}

//! Meetings where communities raise issues (principle 2). Only what the demo and the
//! directory need today; attendance, ideas and ballots grow on this.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::invalid::{FieldError, Invalid};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MeetingKind {
    Forum,
    SpecialInterestGroup,
    Assembly,
    BlueSkyWorkshop,
    TopicWorkshop,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingFields {
    pub kind: MeetingKind,
    pub title: String,
    pub date: NaiveDate,
    pub venue: String,
}

impl MeetingFields {
    pub fn check(&self) -> Result<(), Invalid> {
        let mut errors = Vec::new();
        if self.title.trim().is_empty() || self.title.trim() != self.title {
            errors.push(FieldError::new(
                "title",
                "give the meeting a title (trimmed text)",
            ));
        }
        if self.venue.trim() != self.venue || self.venue.chars().count() > 300 {
            errors.push(FieldError::new("venue", "at most 300 trimmed characters"));
        }
        Invalid::check(errors)
    }
}

//! Issues raised by communities at meetings, with the communities affected, evidence and
//! quotes in service users' own words: what a topic vote is built on (principle 2).
//! When two meetings raised the same thing, one issue is merged into the other and both
//! sources stay visible.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::dei;
use crate::grants::application::AttachmentRef;
use crate::invalid::{FieldError, Invalid};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueFields {
    pub title: String,
    pub description: String,
    pub meeting_id: Option<Uuid>,
    pub communities: Vec<String>,
    pub quotes: Vec<String>,
}

/// The issue form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct IssueInput {
    pub title: String,
    pub description: String,
    pub meeting_id: String,
    pub communities: Vec<String>,
    pub quotes: Vec<String>,
}

pub fn validate(input: &IssueInput) -> Result<IssueFields, Invalid> {
    let mut errors = Vec::new();
    let title = input.title.trim().to_string();
    if title.is_empty() || title.chars().count() > 200 {
        errors.push(FieldError::new(
            "title",
            "give the issue a title of 1 to 200 characters",
        ));
    }
    let description = input.description.trim().to_string();
    if description.chars().count() > 10_000 {
        errors.push(FieldError::new("description", "at most 10,000 characters"));
    }
    let meeting_id = if input.meeting_id.trim().is_empty() {
        None
    } else {
        Uuid::parse_str(input.meeting_id.trim())
            .map_err(|_| {
                errors.push(FieldError::new(
                    "meeting_id",
                    "choose the meeting where it was raised",
                ))
            })
            .ok()
    };
    let communities = dei::normalise_codes(&input.communities)
        .map_err(|m| errors.push(FieldError::new("communities", m)))
        .unwrap_or_default();
    let quotes: Vec<String> = input
        .quotes
        .iter()
        .map(|q| q.trim().to_string())
        .filter(|q| !q.is_empty())
        .collect();
    Invalid::check(errors)?;
    Ok(IssueFields {
        title,
        description,
        meeting_id,
        communities,
        quotes,
    })
}

impl IssueFields {
    pub fn check(&self) -> Result<(), Invalid> {
        let mut errors = Vec::new();
        if self.title.trim().is_empty() || self.title.trim() != self.title {
            errors.push(FieldError::new(
                "title",
                "give the issue a title (trimmed text)",
            ));
        }
        match dei::normalise_codes(&self.communities) {
            Ok(codes) if codes == self.communities => {}
            Ok(_) => errors.push(FieldError::new(
                "communities",
                "codes must be upper-case, sorted and unique",
            )),
            Err(m) => errors.push(FieldError::new("communities", m)),
        }
        if self.quotes.iter().any(|q| q.trim().is_empty()) {
            errors.push(FieldError::new("quotes", "a quote cannot be empty"));
        }
        Invalid::check(errors)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
pub enum EvidenceKind {
    /// A finding or figure, written down.
    Text,
    /// A link to a report or page.
    Link,
    /// A service user's words, as said.
    Quote,
    /// A file (a report, photos of flip charts, a recording), stored by content hash.
    File,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceFields {
    pub issue_id: Uuid,
    pub kind: EvidenceKind,
    pub text: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment: Option<AttachmentRef>,
}

impl EvidenceFields {
    pub fn check(&self) -> Result<(), Invalid> {
        let mut errors = Vec::new();
        if self.text.trim() != self.text || self.text.chars().count() > 10_000 {
            errors.push(FieldError::new("text", "at most 10,000 trimmed characters"));
        }
        match self.kind {
            EvidenceKind::Link => {
                if !(self.url.starts_with("https://") || self.url.starts_with("http://"))
                    || self.url.chars().any(char::is_whitespace)
                {
                    errors.push(FieldError::new(
                        "url",
                        "a link starts with https:// and has no spaces",
                    ));
                }
            }
            EvidenceKind::File => match &self.attachment {
                Some(a) => {
                    if let Err(e) = a.check() {
                        errors.extend(e.errors);
                    }
                }
                None => errors.push(FieldError::new("attachment", "choose the file to attach")),
            },
            EvidenceKind::Text | EvidenceKind::Quote => {
                if self.text.is_empty() {
                    errors.push(FieldError::new("text", "write the evidence or quote"));
                }
            }
        }
        Invalid::check(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_codes_and_quotes() {
        let mut f = IssueFields {
            title: "Interpreters missing at GP appointments".into(),
            description: String::new(),
            meeting_id: None,
            communities: vec!["DEI010110".into(), "DEI010120".into()],
            quotes: vec!["I had to bring my son to translate.".into()],
        };
        f.check().unwrap();
        f.communities = vec!["DEI010120".into(), "DEI010110".into()];
        assert!(f.check().is_err());
        f.communities = vec!["NOPE".into()];
        assert!(f.check().is_err());
    }

    #[test]
    fn validates_the_form() {
        let f = validate(&IssueInput {
            title: " Late diagnosis ".into(),
            communities: vec!["dei010120".into()],
            quotes: vec![" ".into(), "They did not believe my pain.".into()],
            ..Default::default()
        })
        .unwrap();
        assert_eq!(f.title, "Late diagnosis");
        assert_eq!(f.communities, ["DEI010120"]);
        assert_eq!(f.quotes.len(), 1);
        let err = validate(&IssueInput {
            meeting_id: "x".into(),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(err.errors.len(), 2);
    }

    #[test]
    fn links_must_be_web_addresses() {
        let e = EvidenceFields {
            issue_id: Uuid::nil(),
            kind: EvidenceKind::Link,
            text: "NHS Race and Health Observatory review".into(),
            url: "javascript:alert(1)".into(),
            attachment: None,
        };
        assert!(e.check().is_err());
        assert!(EvidenceFields {
            url: "https://example.org/review".into(),
            ..e
        }
        .check()
        .is_ok());
    }
}

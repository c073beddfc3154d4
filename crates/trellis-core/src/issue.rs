//! Issues raised by communities at meetings, with the communities affected and quotes in
//! service users' own words: the evidence a topic vote is built on (principle 2).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::dei;
use crate::invalid::{FieldError, Invalid};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueFields {
    pub title: String,
    pub description: String,
    pub meeting_id: Option<Uuid>,
    pub communities: Vec<String>,
    pub quotes: Vec<String>,
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
}

//! Ballots and votes as recorded facts: who may vote, who did, and how corrections and
//! conflicts are settled. Counting lives in the sibling modules; this module decides which
//! recorded votes go into a count.
//!
//! A mistaken vote is never deleted: it is voided by a new fact naming who and why. Two
//! votes by one voter on one ballot (possible when two offline laptops both record one) are
//! both kept, shown as a conflict, and left out of the count until a facilitator resolves
//! it by choosing the vote that stands.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Ballot, Method, OptionId, Vote};
use crate::invalid::{FieldError, Invalid};

/// Who may vote on a ballot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
pub enum Eligibility {
    /// One vote per organisation in the directory (the programme's topic vote).
    PerOrganisation,
    /// One vote per person or organisation recorded as attending the ballot's meeting.
    PerAttendee,
    /// One vote per anonymous token handed out in the room.
    AnonymousToken,
}

impl Eligibility {
    pub fn voter_kind(self) -> VoterKind {
        match self {
            Eligibility::PerOrganisation => VoterKind::Organisation,
            Eligibility::PerAttendee => VoterKind::Attendee,
            Eligibility::AnonymousToken => VoterKind::Token,
        }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "kebab-case")]
pub enum VoterKind {
    Organisation,
    Attendee,
    Token,
}

/// A voter: an organisation's id, an attendance record's id, or a token's code.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ts_rs::TS)]
pub struct Voter {
    pub kind: VoterKind,
    pub reference: String,
}

impl Voter {
    /// The key under which "one vote per voter" is enforced.
    pub fn key(&self) -> String {
        let kind = match self.kind {
            VoterKind::Organisation => "organisation",
            VoterKind::Attendee => "attendee",
            VoterKind::Token => "token",
        };
        format!("{kind}:{}", self.reference)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct BallotOption {
    pub id: OptionId,
    pub label: String,
    /// The issue this option stands for, on a topic ballot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct BallotFields {
    pub question: String,
    pub options: Vec<BallotOption>,
    pub method: Method,
    pub eligibility: Eligibility,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meeting_id: Option<Uuid>,
    /// Local times as the facilitator typed them; informational, shown with the results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opens_at: Option<NaiveDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closes_at: Option<NaiveDateTime>,
    /// Seed for any lot an IRV count has to draw, fixed when the ballot is made and
    /// published with the result so anyone can repeat the count.
    pub seed: u64,
}

pub const QUESTION_MAX: usize = 500;
pub const LABEL_MAX: usize = 200;

impl BallotFields {
    pub fn counting_rules(&self) -> Ballot {
        Ballot {
            method: self.method,
            options: self.options.iter().map(|o| o.id.clone()).collect(),
        }
    }

    pub fn check(&self) -> Result<(), Invalid> {
        let mut errors = Vec::new();
        let q = self.question.trim();
        if q.is_empty() || q != self.question || q.chars().count() > QUESTION_MAX {
            errors.push(FieldError::new(
                "question",
                format!("write the question the room is asked (1 to {QUESTION_MAX} characters)"),
            ));
        }
        if self.options.len() < 2 {
            errors.push(FieldError::new(
                "options",
                "a ballot needs at least two options",
            ));
        }
        for (i, o) in self.options.iter().enumerate() {
            let label = o.label.trim();
            if label.is_empty() || label != o.label || label.chars().count() > LABEL_MAX {
                errors.push(FieldError::new(
                    "options",
                    format!(
                        "option {} needs a label of 1 to {LABEL_MAX} characters",
                        i + 1
                    ),
                ));
            }
        }
        let mut labels: Vec<String> = self
            .options
            .iter()
            .map(|o| o.label.to_lowercase())
            .collect();
        labels.sort();
        if labels.windows(2).any(|w| w[0] == w[1]) {
            errors.push(FieldError::new(
                "options",
                "two options have the same label",
            ));
        }
        if let Err(e) = self.counting_rules().check() {
            errors.push(FieldError::new("method", e.to_string()));
        }
        if let (Some(o), Some(c)) = (self.opens_at, self.closes_at) {
            if c <= o {
                errors.push(FieldError::new(
                    "closes_at",
                    "the closing time must be after the opening time",
                ));
            }
        }
        if self.eligibility == Eligibility::PerAttendee && self.meeting_id.is_none() {
            errors.push(FieldError::new(
                "meeting_id",
                "one vote per attendee needs the meeting whose attendance list is used",
            ));
        }
        Invalid::check(errors)
    }

    /// Finds an option by its id, its label (any case) or its 1-based number: how people
    /// name options on paper and at the keyboard.
    pub fn find_option(&self, raw: &str) -> Option<&BallotOption> {
        let raw = raw.trim();
        if let Some(o) = self.options.iter().find(|o| o.id.as_str() == raw) {
            return Some(o);
        }
        let lower = raw.to_lowercase();
        if let Some(o) = self
            .options
            .iter()
            .find(|o| o.label.to_lowercase() == lower)
        {
            return Some(o);
        }
        raw.parse::<usize>()
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| self.options.get(i))
    }
}

/// How a vote reached Trellis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
pub enum Channel {
    /// Keyed in live in the room.
    Live,
    /// A paper ballot keyed in by hand.
    Paper,
    /// A row of an imported CSV file.
    Import,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteFields {
    pub ballot_id: Uuid,
    pub voter: Voter,
    pub vote: Vote,
    pub channel: Channel,
    /// Who keyed it in (a facilitator's name), for the audit list.
    pub recorded_by: String,
}

/// The ballot's life: votes are taken only while it is open (paper ballots may still be
/// keyed in after it closes, since they were cast before).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
pub enum BallotStatus {
    Draft,
    Open,
    Closed,
}

/// A recorded vote as the counting rule needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedVote {
    pub id: Uuid,
    pub voter_key: String,
    pub vote: Vote,
    pub voided: bool,
}

/// A facilitator's decision on a conflict: this vote stands for this voter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    pub voter_key: String,
    pub keep: Uuid,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    pub voter_key: String,
    /// The voter's votes that are not voided, oldest id first.
    pub votes: Vec<Uuid>,
}

/// Which votes count: voided votes never do; a voter with more than one live vote counts
/// only once a resolution names the vote that stands, and is reported as a conflict until
/// then. Never drops a vote silently and never counts a voter twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    pub votes: Vec<Vote>,
    pub counted_ids: Vec<Uuid>,
    pub voided: usize,
    pub unresolved: Vec<Conflict>,
}

pub fn counted_votes(recorded: &[RecordedVote], resolutions: &[Resolution]) -> Counted {
    let mut by_voter: BTreeMap<&str, Vec<&RecordedVote>> = BTreeMap::new();
    let mut voided = 0;
    for v in recorded {
        if v.voided {
            voided += 1;
        } else {
            by_voter.entry(v.voter_key.as_str()).or_default().push(v);
        }
    }
    // The latest resolution for a voter wins; resolutions arrive in clock order.
    let mut keep: BTreeMap<&str, Uuid> = BTreeMap::new();
    for r in resolutions {
        keep.insert(r.voter_key.as_str(), r.keep);
    }
    let mut counted: Vec<&RecordedVote> = Vec::new();
    let mut unresolved = Vec::new();
    for (voter, mut votes) in by_voter {
        votes.sort_by_key(|v| v.id);
        if votes.len() == 1 {
            counted.push(votes[0]);
            continue;
        }
        match keep
            .get(voter)
            .and_then(|k| votes.iter().find(|v| v.id == *k))
        {
            Some(kept) => counted.push(kept),
            None => unresolved.push(Conflict {
                voter_key: voter.to_string(),
                votes: votes.iter().map(|v| v.id).collect(),
            }),
        }
    }
    counted.sort_by_key(|v| v.id);
    Counted {
        votes: counted.iter().map(|v| v.vote.clone()).collect(),
        counted_ids: counted.iter().map(|v| v.id).collect(),
        voided,
        unresolved,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(n: u128, voter: &str, option: &str, voided: bool) -> RecordedVote {
        RecordedVote {
            id: Uuid::from_u128(n),
            voter_key: voter.into(),
            vote: Vote::Choice {
                option: OptionId::new(option),
            },
            voided,
        }
    }

    #[test]
    fn voided_votes_never_count() {
        let c = counted_votes(
            &[
                v(1, "organisation:a", "x", true),
                v(2, "organisation:b", "y", false),
            ],
            &[],
        );
        assert_eq!(c.counted_ids, [Uuid::from_u128(2)]);
        assert_eq!(c.voided, 1);
    }

    #[test]
    fn a_void_then_a_new_vote_is_not_a_conflict() {
        let c = counted_votes(
            &[
                v(1, "organisation:a", "x", true),
                v(2, "organisation:a", "y", false),
            ],
            &[],
        );
        assert_eq!(c.counted_ids, [Uuid::from_u128(2)]);
        assert!(c.unresolved.is_empty());
    }

    #[test]
    fn two_live_votes_by_one_voter_are_a_conflict_until_resolved() {
        let votes = [
            v(1, "organisation:a", "x", false),
            v(2, "organisation:a", "y", false),
            v(3, "organisation:b", "y", false),
        ];
        let c = counted_votes(&votes, &[]);
        assert_eq!(
            c.counted_ids,
            [Uuid::from_u128(3)],
            "neither conflicting vote counts"
        );
        assert_eq!(c.unresolved.len(), 1);
        assert_eq!(
            c.unresolved[0].votes,
            [Uuid::from_u128(1), Uuid::from_u128(2)]
        );
        let resolved = counted_votes(
            &votes,
            &[Resolution {
                voter_key: "organisation:a".into(),
                keep: Uuid::from_u128(2),
            }],
        );
        assert_eq!(
            resolved.counted_ids,
            [Uuid::from_u128(2), Uuid::from_u128(3)]
        );
        assert!(resolved.unresolved.is_empty());
    }

    #[test]
    fn a_resolution_naming_a_voided_vote_leaves_the_conflict_open() {
        let votes = [
            v(1, "token:k", "x", false),
            v(2, "token:k", "y", false),
            v(3, "token:k", "y", true),
        ];
        let c = counted_votes(
            &votes,
            &[Resolution {
                voter_key: "token:k".into(),
                keep: Uuid::from_u128(3),
            }],
        );
        assert!(c.counted_ids.is_empty());
        assert_eq!(c.unresolved.len(), 1);
    }

    #[test]
    fn the_count_does_not_depend_on_arrival_order() {
        let mut votes = vec![
            v(5, "organisation:c", "x", false),
            v(1, "organisation:a", "x", false),
            v(3, "organisation:b", "y", false),
        ];
        let a = counted_votes(&votes, &[]);
        votes.reverse();
        assert_eq!(counted_votes(&votes, &[]), a);
    }

    fn fields() -> BallotFields {
        BallotFields {
            question: "Which health inequality should the round address?".into(),
            options: vec![
                BallotOption {
                    id: OptionId::new("a"),
                    label: "Sickle cell care".into(),
                    issue_id: None,
                },
                BallotOption {
                    id: OptionId::new("b"),
                    label: "Maternal health".into(),
                    issue_id: None,
                },
            ],
            method: Method::RankedIrv,
            eligibility: Eligibility::PerOrganisation,
            meeting_id: None,
            opens_at: None,
            closes_at: None,
            seed: 7,
        }
    }

    #[test]
    fn ballot_fields_are_checked() {
        fields().check().unwrap();
        let mut f = fields();
        f.question = " ".into();
        f.options.truncate(1);
        f.eligibility = Eligibility::PerAttendee;
        let err = f.check().unwrap_err();
        let names: Vec<_> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(names, ["question", "options", "meeting_id"]);
        let mut f = fields();
        f.options[1].label = "SICKLE CELL CARE".into();
        assert!(f.check().is_err());
    }

    #[test]
    fn options_are_found_by_id_label_or_number() {
        let f = fields();
        assert_eq!(
            f.find_option("b").map(|o| o.label.as_str()),
            Some("Maternal health")
        );
        assert_eq!(
            f.find_option(" maternal HEALTH ").map(|o| o.id.as_str()),
            Some("b")
        );
        assert_eq!(f.find_option("1").map(|o| o.id.as_str()), Some("a"));
        assert!(f.find_option("3").is_none());
        assert!(f.find_option("0").is_none());
    }
}

//! What a committed write touched, so screens can show it without each command (or each
//! sync page) saying so by hand: the store notes every operation it commits, made here or
//! received, and the app tells the windows that show those records.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::op::Operation;

/// A kind of record a screen lists.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    Organisations,
    Contacts,
    Settings,
    Meetings,
    Issues,
    Ballots,
    Votes,
    Rounds,
    Panel,
    Applications,
    Scores,
    Moderation,
    Decisions,
    Letters,
}

impl Operation {
    /// The records this operation changes. Exhaustive, so a new kind must say.
    pub fn area(&self) -> Area {
        use Operation::*;
        match self {
            OrganisationCreate { .. } | OrganisationUpdate { .. } => Area::Organisations,
            OrganisationPreference { .. } => Area::Organisations,
            ContactLog { .. } => Area::Contacts,
            SettingSet { .. } => Area::Settings,
            MeetingCreate { .. } | MeetingAttend { .. } | MeetingNote { .. } => Area::Meetings,
            IssueRaise { .. } | IssueEvidence { .. } | IssueMerge { .. } => Area::Issues,
            BallotCreate { .. }
            | BallotStatusSet { .. }
            | BallotReveal { .. }
            | BallotTokens { .. } => Area::Ballots,
            VoteCast { .. } | VoteVoid { .. } | VoteResolve { .. } => Area::Votes,
            RoundCreate { .. } | RoundExtension { .. } => Area::Rounds,
            PanelMember { .. } | PanelAssign { .. } => Area::Panel,
            ApplicationCreate { .. } | ApplicationAttach { .. } | ApplicationSupport { .. } => {
                Area::Applications
            }
            ConflictDeclare { .. }
            | ScoreDraft { .. }
            | ScoreSubmit { .. }
            | ScoreRevise { .. } => Area::Scores,
            ModerationAgree { .. } => Area::Moderation,
            DecisionRecord { .. } => Area::Decisions,
            LetterTemplate { .. }
            | LetterDraft { .. }
            | LetterEdit { .. }
            | LetterApprove { .. }
            | LetterStateSet { .. }
            | LetterWithdraw { .. } => Area::Letters,
        }
    }

    /// The ballot whose state or count this changes, when the operation names it. A void
    /// names only its vote: the store, which knows the vote, finds the ballot.
    pub fn ballot(&self) -> Option<Uuid> {
        use Operation::*;
        match self {
            BallotCreate { id, .. } => Some(*id),
            BallotStatusSet { ballot_id, .. }
            | BallotReveal { ballot_id, .. }
            | BallotTokens { ballot_id, .. }
            | VoteResolve { ballot_id, .. } => Some(*ballot_id),
            VoteCast { fields, .. } => Some(fields.ballot_id),
            _ => None,
        }
    }
}

/// What committed writes touched since someone last asked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Changed {
    pub areas: BTreeSet<Area>,
    /// Ballots whose state or count changed (the projector re-reads only its own).
    pub ballots: BTreeSet<Uuid>,
}

impl Changed {
    pub fn is_empty(&self) -> bool {
        self.areas.is_empty() && self.ballots.is_empty()
    }

    /// Notes `op`; `ballot` is the ballot it changes, if the caller knows it (see
    /// [`Operation::ballot`]).
    pub fn note(&mut self, op: &Operation, ballot: Option<Uuid>) {
        self.areas.insert(op.area());
        if let Some(ballot) = ballot.or_else(|| op.ballot()) {
            self.ballots.insert(ballot);
        }
    }

    pub fn merge(&mut self, other: Changed) {
        self.areas.extend(other.areas);
        self.ballots.extend(other.ballots);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ballot::record::{Channel, VoteFields, Voter, VoterKind};
    use crate::ballot::{OptionId, Vote};

    fn op(kind: &str, payload: serde_json::Value) -> Operation {
        Operation::decode(kind, payload).expect("a valid operation")
    }

    #[test]
    fn a_vote_names_its_ballot_and_votes() {
        let ballot = Uuid::from_u128(7);
        let cast = Operation::VoteCast {
            id: Uuid::from_u128(1),
            fields: VoteFields {
                ballot_id: ballot,
                voter: Voter {
                    kind: VoterKind::Organisation,
                    reference: Uuid::from_u128(2).to_string(),
                },
                vote: Vote::Choice {
                    option: OptionId::new("option-1"),
                },
                channel: Channel::Live,
                recorded_by: "Fola".into(),
            },
        };
        let mut changed = Changed::default();
        assert!(changed.is_empty());
        changed.note(&cast, None);
        assert_eq!(changed.areas, BTreeSet::from([Area::Votes]));
        assert_eq!(changed.ballots, BTreeSet::from([ballot]));
    }

    #[test]
    fn a_void_takes_the_ballot_the_store_found() {
        let void = op(
            "vote.void",
            serde_json::json!({"id": Uuid::from_u128(3), "vote_id": Uuid::from_u128(1),
                               "reason": "keyed twice", "by": "Fola"}),
        );
        assert_eq!(void.ballot(), None);
        let mut changed = Changed::default();
        changed.note(&void, Some(Uuid::from_u128(7)));
        assert_eq!(changed.ballots, BTreeSet::from([Uuid::from_u128(7)]));
    }

    #[test]
    fn merging_keeps_both() {
        let mut a = Changed::default();
        a.areas.insert(Area::Letters);
        let mut b = Changed::default();
        b.areas.insert(Area::Votes);
        b.ballots.insert(Uuid::from_u128(9));
        a.merge(b);
        assert_eq!(a.areas, BTreeSet::from([Area::Letters, Area::Votes]));
        assert_eq!(a.ballots.len(), 1);
    }
}

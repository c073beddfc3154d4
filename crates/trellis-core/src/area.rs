//! What part of the programme a change touches, so that whatever shows that part (a
//! listing screen, the projector) knows to read it again, however the change arrived:
//! made here, in a batch, or received by sync.

use serde::{Deserialize, Serialize};

use crate::op::Operation;

/// A kind of record that changes write. One change may touch more than one.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    Organisations,
    Contacts,
    Meetings,
    Attendance,
    Issues,
    Ballots,
    Votes,
    Rounds,
    Applications,
    Panel,
    Scores,
    Moderation,
    Decisions,
    Letters,
    Settings,
    Attachments,
}

impl Area {
    /// Every area, in order.
    pub const ALL: [Area; 16] = [
        Area::Organisations,
        Area::Contacts,
        Area::Meetings,
        Area::Attendance,
        Area::Issues,
        Area::Ballots,
        Area::Votes,
        Area::Rounds,
        Area::Applications,
        Area::Panel,
        Area::Scores,
        Area::Moderation,
        Area::Decisions,
        Area::Letters,
        Area::Settings,
        Area::Attachments,
    ];
}

/// The areas a change of `kind` writes records in; none for a kind this build does not
/// know. Keyed by kind, like the roles table, so a change's areas are known from its
/// change-log row alone. A screen listing an area reads it again after a change names it.
pub fn areas_of(kind: &str) -> &'static [Area] {
    use Area::*;
    match kind {
        "organisation.create" | "organisation.update" => &[Organisations],
        // The directory shows each organisation's last contact and follow-ups.
        "contact.log" => &[Contacts, Organisations],
        "setting.set" => &[Settings],
        "meeting.create" | "meeting.note" => &[Meetings],
        "meeting.attend" => &[Attendance],
        "issue.raise" | "issue.evidence" | "issue.merge" => &[Issues],
        "ballot.create" | "ballot.status" | "ballot.reveal" | "ballot.tokens" => &[Ballots],
        "vote.cast" | "vote.void" | "vote.resolve" => &[Votes],
        "round.create" | "round.extension" => &[Rounds],
        "panel.member" | "panel.assign" => &[Panel],
        "application.create" | "application.support" => &[Applications],
        "application.attach" => &[Applications, Attachments],
        // A declaration gates scoring, so the scoring screen reads it too.
        "conflict.declare" => &[Panel, Scores],
        "score.draft" | "score.submit" | "score.revise" => &[Scores],
        "moderation.agree" => &[Moderation],
        "decision.record" => &[Decisions],
        "letter.template" | "letter.draft" | "letter.edit" | "letter.approve" | "letter.state"
        | "letter.withdraw" => &[Letters],
        // The large-print preference is the organisation's, and shown on its letters.
        "organisation.preference" => &[Organisations, Letters],
        _ => &[],
    }
}

impl Operation {
    /// The areas this change writes records in ([`areas_of`] its kind).
    pub fn areas(&self) -> &'static [Area] {
        areas_of(self.kind())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::op::KINDS;

    #[test]
    fn every_kind_maps_to_an_area() {
        for kind in KINDS {
            assert!(!areas_of(kind).is_empty(), "{kind} touches no area");
        }
    }

    #[test]
    fn every_area_is_touched_by_some_kind() {
        let touched: BTreeSet<Area> = KINDS.iter().flat_map(|k| areas_of(k)).copied().collect();
        assert_eq!(touched, Area::ALL.into_iter().collect());
    }

    #[test]
    fn votes_and_ballots_are_their_own_areas_and_unknown_kinds_touch_none() {
        assert_eq!(areas_of("vote.cast"), &[Area::Votes]);
        assert_eq!(areas_of("vote.void"), &[Area::Votes]);
        assert_eq!(areas_of("ballot.status"), &[Area::Ballots]);
        assert!(areas_of("organisation.delete").is_empty());
        let op = Operation::SettingSet {
            key: crate::settings::SMALL_ORG_THRESHOLD_GBP.into(),
            value: serde_json::json!(5000),
        };
        assert_eq!(op.areas(), &[Area::Settings]);
    }
}

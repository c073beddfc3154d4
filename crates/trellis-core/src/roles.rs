//! THE table of what each sync role may push and receive, for every change kind. The
//! server's push checks, its pull filter and a laptop's own limit (`SyncLimit` in
//! trellis-store) all read it here, so the three cannot disagree: a laptop never makes a
//! change its server would refuse, and a server never sends one the role may not see.
//!
//! - **admin**, **staff**: push and receive everything.
//! - **facilitator**: runs meetings, ballots and contacts; neither pushes nor receives
//!   the grants kinds ([`crate::op::is_grants_kind`]), and receives organisations without
//!   their equality-monitoring fields unless their own user wrote them.
//! - **panel**: pushes only their own scores, drafts and conflict declarations (never
//!   panel membership, decisions, agreed scores, rounds, letters or anything outside the
//!   panel's work); receives everything except other assessors' drafts, and other
//!   assessors' submitted scores only by the blind-scoring rule.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::op::{is_grants_kind, KINDS};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Staff,
    Facilitator,
    Panel,
}

pub const ROLES: [Role; 4] = [Role::Admin, Role::Staff, Role::Facilitator, Role::Panel];

/// Whether a role may push a change of some kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Push {
    Allowed,
    /// Only made as the panel member the user is (`crate::op::panel_may_make`).
    AsThemselves,
    Refused,
}

/// What a role receives of a kind of change made by others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receive {
    Everything,
    /// Organisations without their equality-monitoring fields, unless the receiver's own
    /// user wrote them.
    WithoutEqualityData,
    /// Only the receiver's own (as that panel member).
    OwnOnly,
    /// The receiver's own, and others' once the blind-scoring rule allows
    /// (`crate::grants::scoring::may_see_others_scores`).
    BlindScoring,
    Nothing,
}

/// The panel's own work: the only kinds a panel member pushes, each made as themselves.
const PANEL_KINDS: [&str; 4] = [
    "conflict.declare",
    "score.draft",
    "score.submit",
    "score.revise",
];

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Staff => "staff",
            Role::Facilitator => "facilitator",
            Role::Panel => "panel",
        }
    }

    /// May a device of this role push a change of `kind`? A kind this version does not
    /// know is refused to everyone.
    pub fn push(self, kind: &str) -> Push {
        if !KINDS.contains(&kind) {
            return Push::Refused;
        }
        match self {
            Role::Admin | Role::Staff => Push::Allowed,
            Role::Facilitator if is_grants_kind(kind) => Push::Refused,
            Role::Facilitator => Push::Allowed,
            Role::Panel if PANEL_KINDS.contains(&kind) => Push::AsThemselves,
            Role::Panel => Push::Refused,
        }
    }

    /// May this role push `kind` at all (perhaps only as themselves)?
    pub fn may_push(self, kind: &str) -> bool {
        self.push(kind) != Push::Refused
    }

    /// What a device of this role receives of others' changes of `kind`.
    pub fn receive(self, kind: &str) -> Receive {
        match self {
            Role::Admin | Role::Staff => Receive::Everything,
            Role::Facilitator if is_grants_kind(kind) => Receive::Nothing,
            Role::Facilitator if kind == "organisation.create" || kind == "organisation.update" => {
                Receive::WithoutEqualityData
            }
            Role::Facilitator => Receive::Everything,
            Role::Panel if kind == "score.draft" => Receive::OwnOnly,
            Role::Panel if kind == "score.submit" || kind == "score.revise" => {
                Receive::BlindScoring
            }
            Role::Panel => Receive::Everything,
        }
    }

    /// Does the server withhold anything from this role?
    pub fn scoped(self) -> bool {
        KINDS.iter().any(|k| self.receive(k) != Receive::Everything)
    }

    /// Does this role push only some kinds?
    pub fn limited(self) -> bool {
        KINDS.iter().any(|k| self.push(k) != Push::Allowed)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "admin" => Ok(Role::Admin),
            "staff" => Ok(Role::Staff),
            "facilitator" => Ok(Role::Facilitator),
            "panel" => Ok(Role::Panel),
            other => Err(format!(
                "unknown role {other:?}: choose admin, staff, facilitator or panel"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole table, written out by hand from the programme's rules rather than
    /// derived from the code: push for (admin, staff, facilitator, panel), then receive.
    /// A = allowed, S = only as themselves, - = refused; E = everything,
    /// Q = without equality data, O = own only, B = blind scoring, N = nothing.
    const TABLE: [(&str, &str, &str); 37] = [
        ("organisation.create", "AAA-", "EEQE"),
        ("organisation.update", "AAA-", "EEQE"),
        ("contact.log", "AAA-", "EEEE"),
        ("setting.set", "AAA-", "EEEE"),
        ("meeting.create", "AAA-", "EEEE"),
        ("issue.raise", "AAA-", "EEEE"),
        ("meeting.attend", "AAA-", "EEEE"),
        ("meeting.note", "AAA-", "EEEE"),
        ("issue.evidence", "AAA-", "EEEE"),
        ("issue.merge", "AAA-", "EEEE"),
        ("ballot.create", "AAA-", "EEEE"),
        ("ballot.status", "AAA-", "EEEE"),
        ("ballot.reveal", "AAA-", "EEEE"),
        ("ballot.tokens", "AAA-", "EEEE"),
        ("vote.cast", "AAA-", "EEEE"),
        ("vote.void", "AAA-", "EEEE"),
        ("vote.resolve", "AAA-", "EEEE"),
        ("round.create", "AA--", "EENE"),
        ("round.extension", "AA--", "EENE"),
        ("panel.member", "AA--", "EENE"),
        ("application.create", "AA--", "EENE"),
        ("application.attach", "AA--", "EENE"),
        ("application.support", "AA--", "EENE"),
        ("panel.assign", "AA--", "EENE"),
        ("conflict.declare", "AA-S", "EENE"),
        ("score.draft", "AA-S", "EENO"),
        ("score.submit", "AA-S", "EENB"),
        ("score.revise", "AA-S", "EENB"),
        ("moderation.agree", "AA--", "EENE"),
        ("decision.record", "AA--", "EENE"),
        ("letter.template", "AA--", "EENE"),
        ("letter.draft", "AA--", "EENE"),
        ("letter.edit", "AA--", "EENE"),
        ("letter.approve", "AA--", "EENE"),
        ("letter.state", "AA--", "EENE"),
        ("organisation.preference", "AAA-", "EEEE"),
        ("letter.withdraw", "AA--", "EENE"),
    ];

    #[test]
    fn every_kind_and_role_is_in_the_table_as_written() {
        let kinds: Vec<&str> = TABLE.iter().map(|(k, _, _)| *k).collect();
        assert_eq!(kinds, KINDS, "the table lists every kind, in order");
        for (kind, push, receive) in TABLE {
            for (i, role) in ROLES.into_iter().enumerate() {
                let want_push = match push.as_bytes()[i] {
                    b'A' => Push::Allowed,
                    b'S' => Push::AsThemselves,
                    _ => Push::Refused,
                };
                let want_receive = match receive.as_bytes()[i] {
                    b'E' => Receive::Everything,
                    b'Q' => Receive::WithoutEqualityData,
                    b'O' => Receive::OwnOnly,
                    b'B' => Receive::BlindScoring,
                    _ => Receive::Nothing,
                };
                assert_eq!(role.push(kind), want_push, "{role} pushing {kind}");
                assert_eq!(role.receive(kind), want_receive, "{role} receiving {kind}");
            }
        }
    }

    #[test]
    fn unknown_kinds_are_refused_to_everyone() {
        for role in ROLES {
            assert_eq!(role.push("organisation.delete"), Push::Refused);
        }
    }

    #[test]
    fn only_facilitators_and_panel_members_are_scoped_and_limited() {
        assert!(!Role::Admin.scoped() && !Role::Staff.scoped());
        assert!(Role::Facilitator.scoped() && Role::Panel.scoped());
        assert!(!Role::Admin.limited() && !Role::Staff.limited());
        assert!(Role::Facilitator.limited() && Role::Panel.limited());
        for role in ROLES {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
    }
}

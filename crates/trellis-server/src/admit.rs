//! The server accepts only what every laptop can apply. Each pushed change is checked on
//! its own here (it decodes, is valid, its role may make it, a panel member makes it as
//! themselves, its clock is not ahead of the server's), then applied to the server's
//! replica by the laptops' own write path (`trellis_store::Store::admit_remote`), which
//! refuses what a laptop would: a record it refers to that does not exist, a record id or
//! change id already used. A refused change is named, with the rule and what the laptop
//! should do; unless its only fault is the laptop's clock, it is set aside for good, so
//! the device's later changes are never stuck behind it.

use axum::http::StatusCode;
use trellis_core::change::ChangeRow;
use trellis_core::hlc::{human_duration, ClockError};
use trellis_core::op::{assessor_of, panel_may_make, Operation};
use trellis_core::roles::{Push, Role};
use uuid::Uuid;

/// How far ahead of the server's clock a pushed change may be stamped: the bound every
/// laptop checks what it receives against, so nothing the server accepts is refused by a
/// laptop for its clock.
pub const MAX_AHEAD_MS: u64 = trellis_store::MAX_CLOCK_DRIFT_MS;

/// Why one pushed change was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: StatusCode,
    /// Short and stable: `invalid_change`, `role_forbids`, `not_your_score`,
    /// `cannot_apply`, `clock_ahead`.
    pub error: &'static str,
    /// The rule it broke, in words.
    pub rule: String,
    /// True when the server keeps the refusal (the change number is used up and the
    /// laptop sets the change aside); false for a clock ahead, which the laptop can put
    /// right and send again.
    pub set_aside: bool,
}

impl Refusal {
    fn set_aside(status: StatusCode, error: &'static str, rule: String) -> Self {
        Refusal {
            status,
            error,
            rule,
            set_aside: true,
        }
    }

    pub fn cannot_apply(rule: String) -> Self {
        Refusal::set_aside(StatusCode::UNPROCESSABLE_ENTITY, "cannot_apply", rule)
    }

    /// The sentence for the laptop: which change, the rule, and what to do.
    pub fn reason(&self, row: &ChangeRow) -> String {
        let name = format!("change {} ({}) from this laptop", row.device_seq, row.kind);
        if self.set_aside {
            format!(
                "{name} was refused: {}. No other laptop will receive it. This laptop sets it aside (shown under Sync, and by trellis sync status) and sends the rest of its changes",
                self.rule
            )
        } else {
            format!(
                "{name} was not accepted: {}. Nothing was lost: it and later changes wait on this laptop",
                self.rule
            )
        }
    }
}

/// The checks one change needs nothing stored for, beyond the panel member ids `mine`
/// the pushing user scores as. `now_ms` is the server's clock.
pub fn check_change(
    row: &ChangeRow,
    role: Role,
    user: &str,
    mine: &[Uuid],
    now_ms: u64,
) -> Result<Operation, Refusal> {
    // The role first: a kind this role may never make is refused for that alone, however
    // its payload reads.
    if !trellis_core::op::KINDS.contains(&row.kind.as_str()) {
        return Err(Refusal::set_aside(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_change",
            format!("Trellis has no kind of change called {:?}", row.kind),
        ));
    }
    let push = role.push(&row.kind);
    if push == Push::Refused {
        return Err(Refusal::set_aside(
            StatusCode::FORBIDDEN,
            "role_forbids",
            format!("a {role} may not make {} changes", row.kind),
        ));
    }
    let op = Operation::decode(&row.kind, row.payload.clone()).map_err(|e| {
        Refusal::set_aside(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_change",
            format!("it cannot be read ({e})"),
        )
    })?;
    op.check().map_err(|e| {
        Refusal::set_aside(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_change",
            format!("it is not valid ({e})"),
        )
    })?;
    if push == Push::AsThemselves && !panel_may_make(&op, mine) {
        return Err(Refusal::set_aside(
            StatusCode::FORBIDDEN,
            "not_your_score",
            format!(
                "a panel member scores and declares conflicts only as themselves, and {} is not the panel member named {user}",
                assessor_of(&op).map(|a| a.to_string()).unwrap_or_default()
            ),
        ));
    }
    check_clock(row, now_ms)?;
    Ok(op)
}

/// A change stamped further ahead of the server's clock than [`MAX_AHEAD_MS`].
pub fn check_clock(row: &ChangeRow, now_ms: u64) -> Result<(), Refusal> {
    match trellis_core::hlc::check_ahead(row.hlc, now_ms, MAX_AHEAD_MS) {
        Ok(()) => Ok(()),
        Err(ClockError::Ahead { ahead_ms, .. }) => Err(Refusal {
            status: StatusCode::CONFLICT,
            error: "clock_ahead",
            rule: format!(
                "this laptop's clock is {} ahead of the server's: correct the date and time, then sync again",
                human_duration(ahead_ms)
            ),
            set_aside: false,
        }),
        Err(other) => Err(Refusal::set_aside(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_change",
            other.to_string(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trellis_core::hlc::Hlc;

    fn row(op: &Operation, millis: u64) -> ChangeRow {
        ChangeRow {
            id: Uuid::now_v7(),
            device_id: Uuid::now_v7(),
            device_seq: 7,
            hlc: Hlc { millis, counter: 0 },
            schema_version: 1,
            kind: op.kind().into(),
            payload: op.payload(),
        }
    }

    #[test]
    fn a_clock_ahead_is_not_set_aside_and_says_by_how_much() {
        let now = 1_764_115_200_000;
        let op = Operation::SettingSet {
            key: trellis_core::settings::PROGRAMME_NAME.into(),
            value: "Healthy Hearts".into(),
        };
        assert!(check_change(&row(&op, now + 60_000), Role::Staff, "amina", &[], now).is_ok());
        let late = row(&op, now + 3 * 3_600_000 + 5);
        let refusal = check_change(&late, Role::Staff, "amina", &[], now).unwrap_err();
        assert_eq!(refusal.error, "clock_ahead");
        assert!(!refusal.set_aside);
        assert_eq!(
            refusal.reason(&late),
            "change 7 (setting.set) from this laptop was not accepted: this laptop's clock is 3 hours ahead of the server's: correct the date and time, then sync again. Nothing was lost: it and later changes wait on this laptop"
        );
    }

    #[test]
    fn panel_members_push_only_their_own_work() {
        let now = 1_764_115_200_000;
        let me = Uuid::now_v7();
        let member = Operation::PanelMember {
            id: me,
            name: "Amara Okafor".into(),
            role: trellis_core::grants::scoring::PanelRole::Chair,
        };
        let refusal =
            check_change(&row(&member, now), Role::Panel, "Amara Okafor", &[me], now).unwrap_err();
        assert_eq!((refusal.error, refusal.set_aside), ("role_forbids", true));
        let draft = |assessor_id| Operation::ScoreDraft {
            application_id: Uuid::now_v7(),
            assessor_id,
            scores: Vec::new(),
        };
        assert!(check_change(&row(&draft(me), now), Role::Panel, "A", &[me], now).is_ok());
        let other = check_change(
            &row(&draft(Uuid::now_v7()), now),
            Role::Panel,
            "A",
            &[me],
            now,
        )
        .unwrap_err();
        assert_eq!(other.error, "not_your_score");
    }
}

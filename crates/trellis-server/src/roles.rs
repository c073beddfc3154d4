//! Who may push and who may receive which kinds of change: the table itself is
//! [`trellis_core::roles`] (every kind × every role, shared with the laptops' own limit);
//! here are the server's filters over it. A panel user's name is their panel member name
//! (the `name` of a staff member's `panel.member` change); they score and declare
//! conflicts only as themselves ([`panel_may_make`]). A facilitator receives organisations
//! without their equality-monitoring fields ([`withhold_equality_data`]).

use trellis_core::change::ChangeRow;

// The table lives in trellis-core: a laptop limits itself by the same one.
pub use trellis_core::roles::{Push, Receive, Role, ROLES};

// The rule lives in trellis-core: a facilitator's laptop refuses to make these too.
pub use trellis_core::op::is_grants_kind;

/// Does `role` receive any kind without its equality-monitoring fields?
pub fn withholds_equality_data(role: Role) -> bool {
    trellis_core::op::KINDS
        .iter()
        .any(|k| role.receive(k) == Receive::WithoutEqualityData)
}

/// Organisations' equality-monitoring fields: who leads them and whom they serve.
pub const EQUALITY_FIELDS: [&str; 2] = ["led_by", "communities_served"];

/// A change as a facilitator receives it: an organisation's equality-monitoring fields
/// are left out (a new organisation arrives with none; an update that changed only
/// them does not arrive at all, `None`), because running a vote needs an organisation's
/// name and identifier, never who leads it. Changes written by the facilitator's own
/// user arrive whole, so a second laptop of theirs holds what the first one typed.
pub fn withhold_equality_data(mut row: ChangeRow, own_user: bool) -> Option<ChangeRow> {
    if own_user {
        return Some(row);
    }
    match row.kind.as_str() {
        "organisation.create" => {
            if let Some(fields) = row
                .payload
                .get_mut("fields")
                .and_then(|f| f.as_object_mut())
            {
                for field in EQUALITY_FIELDS {
                    if fields.contains_key(field) {
                        fields.insert(field.into(), serde_json::Value::Array(Vec::new()));
                    }
                }
            }
            Some(row)
        }
        "organisation.update" => {
            let changes = row
                .payload
                .get_mut("changes")
                .and_then(|c| c.as_object_mut())?;
            for field in EQUALITY_FIELDS {
                changes.remove(field);
            }
            (!changes.is_empty()).then_some(row)
        }
        _ => Some(row),
    }
}

// A panel member's laptop refuses the same changes itself (trellis-core holds the rule).
pub use trellis_core::op::{assessor_of, panel_may_make};

/// The kinds among `kinds` that `role` may not make, sorted and once each: a laptop that
/// holds unsent changes of these kinds could never finish a push as that role.
pub fn forbidden_kinds(role: Role, kinds: &[String]) -> Vec<String> {
    let mut out: Vec<String> = kinds
        .iter()
        .filter(|k| !role.may_push(k))
        .cloned()
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use trellis_core::grants::scoring::Score;
    use trellis_core::op::Operation;
    use uuid::Uuid;

    #[test]
    fn panel_members_score_only_as_themselves() {
        let (me, other) = (Uuid::now_v7(), Uuid::now_v7());
        let draft = |assessor_id| Operation::ScoreDraft {
            application_id: Uuid::now_v7(),
            assessor_id,
            scores: Vec::<Score>::new(),
        };
        assert!(panel_may_make(&draft(me), &[me]));
        assert!(!panel_may_make(&draft(other), &[me]));
        assert!(!panel_may_make(&draft(me), &[]));
        let setting = Operation::SettingSet {
            key: "k".into(),
            value: "v".into(),
        };
        assert!(panel_may_make(&setting, &[]));
    }

    fn row(op: &Operation) -> ChangeRow {
        ChangeRow {
            id: Uuid::now_v7(),
            device_id: Uuid::now_v7(),
            device_seq: 1,
            hlc: trellis_core::hlc::Hlc::default(),
            schema_version: 1,
            kind: op.kind().into(),
            payload: op.payload(),
        }
    }

    #[test]
    fn facilitators_receive_organisations_without_equality_data() {
        use trellis_core::organisation::{validate, OrganisationInput, OrganisationPatch};
        let fields = validate(&OrganisationInput {
            name: "Riverside Elders".into(),
            org_ref: "GB-CHC-1000001".into(),
            led_by: vec!["DEI010100".into()],
            communities_served: vec!["DEI010100".into()],
            ..Default::default()
        })
        .unwrap();
        assert!(!fields.led_by.is_empty() && !fields.communities_served.is_empty());
        let create = row(&Operation::OrganisationCreate {
            id: Uuid::now_v7(),
            fields,
        });
        let sent = withhold_equality_data(create.clone(), false).unwrap();
        let Operation::OrganisationCreate { fields, .. } =
            Operation::decode(&sent.kind, sent.payload.clone()).unwrap()
        else {
            panic!("still a create")
        };
        assert!(fields.led_by.is_empty() && fields.communities_served.is_empty());
        assert_eq!(fields.name, "Riverside Elders");
        assert_eq!(withhold_equality_data(create.clone(), true), Some(create));

        let only_equality = row(&Operation::OrganisationUpdate {
            id: Uuid::now_v7(),
            changes: OrganisationPatch {
                led_by: Some(vec!["DEI010100".into()]),
                ..Default::default()
            },
        });
        assert_eq!(withhold_equality_data(only_equality, false), None);
        let mixed = row(&Operation::OrganisationUpdate {
            id: Uuid::now_v7(),
            changes: OrganisationPatch {
                name: Some("Riverside Elders Group".into()),
                communities_served: Some(vec!["DEI010100".into()]),
                ..Default::default()
            },
        });
        let sent = withhold_equality_data(mixed, false).unwrap();
        let op = Operation::decode(&sent.kind, sent.payload.clone()).unwrap();
        op.check().unwrap();
        let Operation::OrganisationUpdate { changes, .. } = op else {
            panic!("still an update")
        };
        assert_eq!(changes.name.as_deref(), Some("Riverside Elders Group"));
        assert_eq!(changes.communities_served, None);
    }

    #[test]
    fn forbidden_kinds_name_each_kind_once() {
        let kinds = [
            "score.submit",
            "vote.cast",
            "score.submit",
            "application.create",
        ]
        .map(String::from);
        assert_eq!(
            forbidden_kinds(Role::Facilitator, &kinds),
            ["application.create", "score.submit"]
        );
        assert!(forbidden_kinds(Role::Staff, &kinds).is_empty());
    }

    #[test]
    fn facilitators_make_no_grants_kinds() {
        for kind in trellis_core::op::KINDS {
            let grants = is_grants_kind(kind);
            assert_eq!(Role::Facilitator.may_push(kind), !grants, "{kind}");
            assert!(Role::Staff.may_push(kind));
        }
        assert!(is_grants_kind("score.submit"));
        assert!(!is_grants_kind("vote.cast"));
        assert!(!is_grants_kind("organisation.preference"));
    }
}

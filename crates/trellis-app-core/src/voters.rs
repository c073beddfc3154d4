//! The voter type-ahead on the live-capture screen.

use chrono::NaiveDate;
use serde::Serialize;
use trellis_core::ballot::record::VoterKind;
use trellis_store::{Store, StoreError};
use uuid::Uuid;

/// One suggestion. `reference` is what [`crate::votes::cast`] takes as `voter`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct VoterChoice {
    pub reference: String,
    pub label: String,
    pub detail: String,
}

/// As many as fit beside the box without scrolling.
pub const SUGGESTIONS: usize = 8;

/// Who may vote on this ballot and matches what was typed: organisations (the store's
/// own search: name, identifier, postcode) or the meeting's attendees (name or
/// organisation, ignoring case). Token ballots have no list: the token is typed.
pub fn suggestions(
    store: &Store,
    ballot: Uuid,
    query: &str,
    today: NaiveDate,
) -> Result<Vec<VoterChoice>, StoreError> {
    let view = store.ballot(ballot)?;
    let query = query.trim();
    Ok(match view.fields.eligibility.voter_kind() {
        VoterKind::Organisation => store
            .organisations(query, today)?
            .into_iter()
            .take(SUGGESTIONS)
            .map(|o| VoterChoice {
                reference: o.id.to_string(),
                label: o.name,
                detail: o.org_ref,
            })
            .collect(),
        VoterKind::Attendee => {
            let Some(meeting) = view.fields.meeting_id else {
                return Ok(Vec::new());
            };
            let lower = query.to_lowercase();
            store
                .attendance(meeting)?
                .into_iter()
                .filter(|a| a.label().to_lowercase().contains(&lower))
                .take(SUGGESTIONS)
                .map(|a| VoterChoice {
                    reference: a.id.to_string(),
                    label: a.label(),
                    detail: if a.walk_in {
                        "walk-in".into()
                    } else {
                        String::new()
                    },
                })
                .collect()
        }
        VoterKind::Token => Vec::new(),
    })
}

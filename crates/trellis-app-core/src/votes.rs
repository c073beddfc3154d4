//! Casting a vote as it is keyed: on the live-capture screen or with `trellis vote cast`.

use serde::{Deserialize, Serialize};
use trellis_core::ballot::entry::build_vote;
use trellis_core::ballot::export;
use trellis_core::ballot::record::{Channel, VoteFields};
use trellis_store::{Store, StoreError};
use uuid::Uuid;

/// A vote as keyed: the option numbers (or labels) pressed, in order, and for score
/// ballots (and dots, if wanted) option and amount pairs.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
pub struct KeyedVote {
    /// The ballot's id (or, typed, its question).
    pub ballot_id: String,
    /// An organisation or attendee id from the suggestions, a name, or a token.
    pub voter: String,
    pub choices: Vec<String>,
    pub amounts: Vec<(String, u32)>,
    pub paper: bool,
    pub recorded_by: String,
}

/// What was recorded, for the confirmation: the vote's id, who voted and the vote in
/// words, options by label (`1. Housing; 2. Parks`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct CastVote {
    pub vote_id: Uuid,
    pub voter_label: String,
    pub vote_text: String,
}

/// Records the vote, or refuses it beside the field that is wrong.
pub fn cast(store: &mut Store, input: KeyedVote) -> Result<CastVote, StoreError> {
    let ballot_id = store.resolve_ballot(input.ballot_id.trim())?;
    let view = store.ballot(ballot_id)?;
    let voter = store.resolve_voter(ballot_id, &input.voter)?;
    let vote = build_vote(&view.fields, &input.choices, &input.amounts)?;
    let vote_text = export::vote_text(&view.fields, &vote);
    // Whom it names, from the voter just found: no re-reading the ballot's votes.
    let voter_label = store.voter_label(&voter)?;
    let vote_id = store.cast_vote(VoteFields {
        ballot_id,
        voter,
        vote,
        channel: if input.paper {
            Channel::Paper
        } else {
            Channel::Live
        },
        recorded_by: input.recorded_by.trim().to_string(),
    })?;
    Ok(CastVote {
        vote_id,
        voter_label,
        vote_text,
    })
}

//! Table writes for ballots and votes (called only from `apply`). The checks here are the
//! ones a laptop makes before it records anything: the ballot is open, the vote fits the
//! ballot, the voter may vote and has not voted already.
//!
//! Every write here returns the ballot it touched, so the app can refresh that ballot's
//! screens whether the change was made here or arrived by sync.

use rusqlite::{params, OptionalExtension, Transaction};
use trellis_core::ballot::record::{BallotFields, BallotStatus, Channel, VoteFields, VoterKind};
use trellis_core::op::Operation;
use trellis_core::Invalid;
use uuid::Uuid;

use crate::cached::Cached;
use crate::voting::ballot_fields;
use crate::write_common::{code, exists, insert_new, json, set_clock, write_if_latest, Stamp};
use crate::StoreError;

/// Writes a ballot or vote change and returns the id of the ballot it touched.
pub(crate) fn write(tx: &Transaction, op: &Operation, stamp: &Stamp) -> Result<Uuid, StoreError> {
    match op {
        Operation::BallotCreate { id, fields } => create_ballot(tx, *id, fields, stamp),
        Operation::BallotStatusSet { ballot_id, status } => {
            set_status(tx, *ballot_id, *status, stamp)
        }
        Operation::BallotReveal {
            ballot_id,
            revealed,
        } => reveal(tx, *ballot_id, *revealed, stamp),
        Operation::BallotTokens { ballot_id, tokens } => issue_tokens(tx, *ballot_id, tokens),
        Operation::VoteCast { id, fields } => cast(tx, *id, fields, stamp),
        Operation::VoteVoid {
            id,
            vote_id,
            reason,
            by,
        } => void(tx, *id, *vote_id, reason, by, stamp),
        Operation::VoteResolve {
            id,
            ballot_id,
            voter_key,
            keep,
            reason,
            by,
        } => resolve(tx, *id, *ballot_id, voter_key, *keep, reason, by, stamp),
        _ => Err(Invalid::one(
            "kind",
            format!("{} is not a ballot or vote change", op.kind()),
        )
        .into()),
    }
}

fn require_ballot(tx: &Transaction, id: Uuid) -> Result<(BallotFields, BallotStatus), StoreError> {
    ballot_fields(tx, id)?
        .ok_or_else(|| Invalid::one("ballot_id", format!("no ballot with id {id}")).into())
}

/// The vote a voter has on a ballot that is not voided, if any.
fn live_vote(
    tx: &Transaction,
    ballot: Uuid,
    voter_key: &str,
) -> Result<Option<String>, StoreError> {
    Ok(tx
        .row(
            "SELECT v.id FROM vote v WHERE v.ballot_id = ?1 AND v.voter_key = ?2
             AND NOT EXISTS (SELECT 1 FROM vote_void x WHERE x.vote_id = v.id) ORDER BY v.id LIMIT 1",
            params![ballot.to_string(), voter_key],
            |r| r.get(0),
        )
        .optional()?)
}

fn create_ballot(
    tx: &Transaction,
    id: Uuid,
    fields: &BallotFields,
    stamp: &Stamp,
) -> Result<Uuid, StoreError> {
    if let Some(m) = fields.meeting_id {
        if !exists(tx, "meeting", m)? {
            return Err(Invalid::one("meeting_id", format!("no meeting with id {m}")).into());
        }
    }
    for o in &fields.options {
        if let Some(issue) = o.issue_id {
            if !exists(tx, "issue", issue)? {
                return Err(Invalid::one("options", format!("no issue with id {issue}")).into());
            }
        }
    }
    insert_new(
        tx,
        "ballot",
        id,
        "INSERT OR IGNORE INTO ballot (id, question, options, method, eligibility, meeting_id, opens_at, closes_at, seed, status, revealed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'draft', 0)",
        params![
            id.to_string(),
            fields.question,
            json(&fields.options)?,
            json(&fields.method)?,
            code(&fields.eligibility)?,
            fields.meeting_id.map(|m| m.to_string()),
            fields.opens_at.map(|t| t.to_string()),
            fields.closes_at.map(|t| t.to_string()),
            fields.seed.to_string()
        ],
    )?;
    set_clock(tx, "ballot", &id.to_string(), "status", stamp)?;
    set_clock(tx, "ballot", &id.to_string(), "revealed", stamp)?;
    Ok(id)
}

fn set_status(
    tx: &Transaction,
    ballot_id: Uuid,
    status: BallotStatus,
    stamp: &Stamp,
) -> Result<Uuid, StoreError> {
    let (_, current) = require_ballot(tx, ballot_id)?;
    if stamp.local && status == BallotStatus::Draft && current != BallotStatus::Draft {
        return Err(Invalid::one(
            "status",
            "a ballot that has been opened cannot go back to draft",
        )
        .into());
    }
    let id = ballot_id.to_string();
    write_if_latest(tx, "ballot", &id, "status", stamp, || {
        tx.exec(
            "UPDATE ballot SET status = ?1 WHERE id = ?2",
            params![code(&status)?, id],
        )?;
        Ok(())
    })?;
    Ok(ballot_id)
}

fn reveal(
    tx: &Transaction,
    ballot_id: Uuid,
    revealed: bool,
    stamp: &Stamp,
) -> Result<Uuid, StoreError> {
    require_ballot(tx, ballot_id)?;
    let id = ballot_id.to_string();
    write_if_latest(tx, "ballot", &id, "revealed", stamp, || {
        tx.exec(
            "UPDATE ballot SET revealed = ?1 WHERE id = ?2",
            params![revealed, id],
        )?;
        Ok(())
    })?;
    Ok(ballot_id)
}

fn issue_tokens(tx: &Transaction, ballot_id: Uuid, tokens: &[String]) -> Result<Uuid, StoreError> {
    let (fields, _) = require_ballot(tx, ballot_id)?;
    if fields.eligibility.voter_kind() != VoterKind::Token {
        return Err(Invalid::one(
            "tokens",
            "this ballot is not voted on with anonymous tokens",
        )
        .into());
    }
    for t in tokens {
        tx.exec(
            "INSERT OR IGNORE INTO ballot_token (ballot_id, token) VALUES (?1, ?2)",
            params![ballot_id.to_string(), t],
        )?;
    }
    Ok(ballot_id)
}

fn cast(
    tx: &Transaction,
    id: Uuid,
    fields: &VoteFields,
    stamp: &Stamp,
) -> Result<Uuid, StoreError> {
    let (ballot, status) = require_ballot(tx, fields.ballot_id)?;
    match (status, fields.channel) {
        _ if !stamp.local => {}
        (BallotStatus::Open, _) => {}
        (BallotStatus::Closed, Channel::Paper | Channel::Import) => {}
        (BallotStatus::Draft, _) => {
            return Err(Invalid::one(
                "ballot_id",
                "this ballot is not open yet; open it to take votes",
            )
            .into())
        }
        (BallotStatus::Closed, Channel::Live) => return Err(Invalid::one(
            "ballot_id",
            "this ballot is closed; only paper ballots cast before it closed can still be entered",
        )
        .into()),
    }
    ballot
        .counting_rules()
        .check_vote(&fields.vote)
        .map_err(|e| Invalid::one("vote", e.to_string()))?;
    if stamp.local {
        check_voter(
            tx,
            fields.ballot_id,
            &ballot,
            &fields.voter.kind,
            &fields.voter.reference,
        )?;
    }
    let key = fields.voter.key();
    if let (true, Some(existing)) = (stamp.local, live_vote(tx, fields.ballot_id, &key)?) {
        return Err(Invalid::one(
            "voter",
            format!("this voter has already voted on this ballot (vote {existing}); void that vote first to record a new one"),
        )
        .into());
    }
    insert_new(
        tx,
        "vote",
        id,
        "INSERT OR IGNORE INTO vote (id, ballot_id, voter_kind, voter_ref, voter_key, vote, channel, recorded_by, device_id, hlc)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            id.to_string(),
            fields.ballot_id.to_string(),
            code(&fields.voter.kind)?,
            fields.voter.reference,
            key,
            json(&fields.vote)?,
            code(&fields.channel)?,
            fields.recorded_by,
            stamp.device_id,
            stamp.hlc
        ],
    )?;
    Ok(fields.ballot_id)
}

/// Voids a vote; the ballot it was on is looked up here, as the change names only the vote.
fn void(
    tx: &Transaction,
    id: Uuid,
    vote_id: Uuid,
    reason: &str,
    by: &str,
    stamp: &Stamp,
) -> Result<Uuid, StoreError> {
    let ballot: Option<String> = tx
        .row(
            "SELECT ballot_id FROM vote WHERE id = ?1",
            [vote_id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    let Some(ballot) = ballot else {
        return Err(Invalid::one("vote_id", format!("no vote with id {vote_id}")).into());
    };
    let ballot = crate::decode::uuid_of("vote's ballot id", &ballot)?;
    let already: Option<String> = tx
        .row(
            "SELECT reason FROM vote_void WHERE vote_id = ?1",
            [vote_id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    if let (true, Some(r)) = (stamp.local, already) {
        return Err(Invalid::one("vote_id", format!("this vote is already voided ({r})")).into());
    }
    insert_new(
        tx,
        "void",
        id,
        "INSERT OR IGNORE INTO vote_void (id, vote_id, reason, by_whom, device_id, hlc) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id.to_string(), vote_id.to_string(), reason, by, stamp.device_id, stamp.hlc],
    )?;
    Ok(ballot)
}

// The arguments are the `vote.resolve` fact's own fields, passed as they are.
#[allow(clippy::too_many_arguments)]
fn resolve(
    tx: &Transaction,
    id: Uuid,
    ballot_id: Uuid,
    voter_key: &str,
    keep: Uuid,
    reason: &str,
    by: &str,
    stamp: &Stamp,
) -> Result<Uuid, StoreError> {
    require_ballot(tx, ballot_id)?;
    let kept: Option<(String, String)> = tx
        .row(
            "SELECT ballot_id, voter_key FROM vote WHERE id = ?1",
            [keep.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match kept {
        Some((b, k)) if b == ballot_id.to_string() && k == voter_key => {}
        _ => {
            return Err(
                Invalid::one("keep", "choose one of this voter's votes on this ballot").into(),
            )
        }
    }
    insert_new(
        tx,
        "resolution",
        id,
        "INSERT OR IGNORE INTO vote_resolution (id, ballot_id, voter_key, keep, reason, by_whom, device_id, hlc)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![id.to_string(), ballot_id.to_string(), voter_key, keep.to_string(), reason, by, stamp.device_id, stamp.hlc],
    )?;
    Ok(ballot_id)
}

fn check_voter(
    tx: &Transaction,
    ballot_id: Uuid,
    ballot: &BallotFields,
    kind: &VoterKind,
    reference: &str,
) -> Result<(), StoreError> {
    let wanted = ballot.eligibility.voter_kind();
    if *kind != wanted {
        let who = match wanted {
            VoterKind::Organisation => "organisations (one vote each)",
            VoterKind::Attendee => "people recorded as attending the meeting",
            VoterKind::Token => "anonymous tokens handed out in the room",
        };
        return Err(Invalid::one("voter", format!("on this ballot the voters are {who}")).into());
    }
    let known = match kind {
        // A reference that is not an id names no organisation; a failed lookup is an error.
        VoterKind::Organisation => match Uuid::parse_str(reference) {
            Ok(id) => exists(tx, "organisation", id)?,
            Err(_) => false,
        },
        VoterKind::Attendee => tx
            .row(
                "SELECT 1 FROM attendance WHERE id = ?1 AND meeting_id = ?2",
                params![reference, ballot.meeting_id.map(|m| m.to_string())],
                |r| r.get::<_, i64>(0),
            )
            .optional()?
            .is_some(),
        VoterKind::Token => tx
            .row(
                "SELECT 1 FROM ballot_token WHERE ballot_id = ?1 AND token = ?2",
                params![ballot_id.to_string(), reference],
                |r| r.get::<_, i64>(0),
            )
            .optional()?
            .is_some(),
    };
    if known {
        Ok(())
    } else {
        let what = match kind {
            VoterKind::Organisation => "an organisation in the directory",
            VoterKind::Attendee => "a person on this meeting's attendance list",
            VoterKind::Token => "a token issued for this ballot",
        };
        Err(Invalid::one("voter", format!("{reference:?} is not {what}")).into())
    }
}

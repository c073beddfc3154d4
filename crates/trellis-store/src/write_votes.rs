//! Table writes for ballots and votes (called only from `apply`). The checks here are the
//! ones a laptop makes before it records anything: the ballot is open, the vote fits the
//! ballot, the voter may vote and has not voted already.

use rusqlite::{params, OptionalExtension, Transaction};
use trellis_core::ballot::record::{BallotFields, BallotStatus, Channel, VoterKind};
use trellis_core::op::Operation;
use trellis_core::Invalid;
use uuid::Uuid;

use crate::apply::{json, set_clock, wins, Stamp};
use crate::cached::Cached;
use crate::write_meetings::{exists, insert_new};
use crate::StoreError;

/// question, options, method, eligibility, meeting, opens, closes, seed, status
type BallotRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    String,
);

pub(crate) fn ballot_fields(
    tx: &rusqlite::Connection,
    id: Uuid,
) -> Result<Option<(BallotFields, BallotStatus)>, StoreError> {
    let row: Option<BallotRow> = tx
        .row(
            "SELECT question, options, method, eligibility, meeting_id, opens_at, closes_at, seed, status
             FROM ballot WHERE id = ?1",
            [id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?)),
        )
        .optional()?;
    let Some((question, options, method, eligibility, meeting, opens, closes, seed, status)) = row
    else {
        return Ok(None);
    };
    let damaged = |what: &str, e: &dyn std::fmt::Display| {
        StoreError::damaged(format!("ballot {id} {what}"), e)
    };
    let quoted = |s: &str| format!("\"{s}\"");
    let fields = BallotFields {
        question,
        options: serde_json::from_str(&options).map_err(|e| damaged("options", &e))?,
        method: serde_json::from_str(&method).map_err(|e| damaged("method", &e))?,
        eligibility: serde_json::from_str(&quoted(&eligibility))
            .map_err(|e| damaged("eligibility", &e))?,
        meeting_id: meeting
            .map(|m| Uuid::parse_str(&m))
            .transpose()
            .map_err(|e| damaged("meeting", &e))?,
        opens_at: opens
            .map(|t| t.parse())
            .transpose()
            .map_err(|e| damaged("opening time", &e))?,
        closes_at: closes
            .map(|t| t.parse())
            .transpose()
            .map_err(|e| damaged("closing time", &e))?,
        seed: seed.parse().map_err(|e| damaged("seed", &e))?,
    };
    let status = serde_json::from_str(&quoted(&status)).map_err(|e| damaged("status", &e))?;
    Ok(Some((fields, status)))
}

fn code<T: serde::Serialize>(v: &T) -> String {
    json(v).trim_matches('"').to_string()
}

fn require_ballot(tx: &Transaction, id: Uuid) -> Result<(BallotFields, BallotStatus), StoreError> {
    ballot_fields(tx, id)?
        .ok_or_else(|| Invalid::one("ballot_id", format!("no ballot with id {id}")).into())
}

/// The vote a voter has on a ballot that is not voided, if any.
pub(crate) fn live_vote(
    tx: &rusqlite::Connection,
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

pub(crate) fn write(tx: &Transaction, op: &Operation, stamp: &Stamp) -> Result<(), StoreError> {
    match op {
        Operation::BallotCreate { id, fields } => {
            if let Some(m) = fields.meeting_id {
                if !exists(tx, "meeting", m)? {
                    return Err(
                        Invalid::one("meeting_id", format!("no meeting with id {m}")).into(),
                    );
                }
            }
            for o in &fields.options {
                if let Some(issue) = o.issue_id {
                    if !exists(tx, "issue", issue)? {
                        return Err(
                            Invalid::one("options", format!("no issue with id {issue}")).into()
                        );
                    }
                }
            }
            insert_new(
                tx,
                "ballot",
                *id,
                "INSERT OR IGNORE INTO ballot (id, question, options, method, eligibility, meeting_id, opens_at, closes_at, seed, status, revealed)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'draft', 0)",
                params![
                    id.to_string(),
                    fields.question,
                    json(&fields.options),
                    json(&fields.method),
                    code(&fields.eligibility),
                    fields.meeting_id.map(|m| m.to_string()),
                    fields.opens_at.map(|t| t.to_string()),
                    fields.closes_at.map(|t| t.to_string()),
                    fields.seed.to_string()
                ],
            )?;
            set_clock(tx, "ballot", &id.to_string(), "status", stamp)?;
            set_clock(tx, "ballot", &id.to_string(), "revealed", stamp)
        }
        Operation::BallotStatusSet { ballot_id, status } => {
            let (_, current) = require_ballot(tx, *ballot_id)?;
            if stamp.local && *status == BallotStatus::Draft && current != BallotStatus::Draft {
                return Err(Invalid::one(
                    "status",
                    "a ballot that has been opened cannot go back to draft",
                )
                .into());
            }
            if wins(tx, "ballot", &ballot_id.to_string(), "status", stamp)? {
                tx.exec(
                    "UPDATE ballot SET status = ?1 WHERE id = ?2",
                    params![code(status), ballot_id.to_string()],
                )?;
                set_clock(tx, "ballot", &ballot_id.to_string(), "status", stamp)?;
            }
            Ok(())
        }
        Operation::BallotReveal {
            ballot_id,
            revealed,
        } => {
            require_ballot(tx, *ballot_id)?;
            if wins(tx, "ballot", &ballot_id.to_string(), "revealed", stamp)? {
                tx.exec(
                    "UPDATE ballot SET revealed = ?1 WHERE id = ?2",
                    params![revealed, ballot_id.to_string()],
                )?;
                set_clock(tx, "ballot", &ballot_id.to_string(), "revealed", stamp)?;
            }
            Ok(())
        }
        Operation::BallotTokens { ballot_id, tokens } => {
            let (fields, _) = require_ballot(tx, *ballot_id)?;
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
            Ok(())
        }
        Operation::VoteCast { id, fields } => {
            let (ballot, status) = require_ballot(tx, fields.ballot_id)?;
            match (status, fields.channel) {
                _ if !stamp.local => {}
                (BallotStatus::Open, _) => {}
                (BallotStatus::Closed, Channel::Paper | Channel::Import) => {}
                (BallotStatus::Draft, _) => {
                    return Err(Invalid::one("ballot_id", "this ballot is not open yet; open it to take votes").into())
                }
                (BallotStatus::Closed, Channel::Live) => {
                    return Err(Invalid::one(
                        "ballot_id",
                        "this ballot is closed; only paper ballots cast before it closed can still be entered",
                    )
                    .into())
                }
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
                *id,
                "INSERT OR IGNORE INTO vote (id, ballot_id, voter_kind, voter_ref, voter_key, vote, channel, recorded_by, device_id, hlc)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    id.to_string(),
                    fields.ballot_id.to_string(),
                    code(&fields.voter.kind),
                    fields.voter.reference,
                    key,
                    json(&fields.vote),
                    code(&fields.channel),
                    fields.recorded_by,
                    stamp.device_id,
                    stamp.hlc
                ],
            )
        }
        Operation::VoteVoid {
            id,
            vote_id,
            reason,
            by,
        } => {
            if !exists(tx, "vote", *vote_id)? {
                return Err(Invalid::one("vote_id", format!("no vote with id {vote_id}")).into());
            }
            let already: Option<String> = tx
                .row(
                    "SELECT reason FROM vote_void WHERE vote_id = ?1",
                    [vote_id.to_string()],
                    |r| r.get(0),
                )
                .optional()?;
            if let (true, Some(r)) = (stamp.local, already) {
                return Err(
                    Invalid::one("vote_id", format!("this vote is already voided ({r})")).into(),
                );
            }
            insert_new(
                tx,
                "void",
                *id,
                "INSERT OR IGNORE INTO vote_void (id, vote_id, reason, by_whom, device_id, hlc) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id.to_string(), vote_id.to_string(), reason, by, stamp.device_id, stamp.hlc],
            )
        }
        Operation::VoteResolve {
            id,
            ballot_id,
            voter_key,
            keep,
            reason,
            by,
        } => {
            require_ballot(tx, *ballot_id)?;
            let kept: Option<(String, String)> = tx
                .row(
                    "SELECT ballot_id, voter_key FROM vote WHERE id = ?1",
                    [keep.to_string()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            match kept {
                Some((b, k)) if b == ballot_id.to_string() && k == *voter_key => {}
                _ => {
                    return Err(Invalid::one(
                        "keep",
                        "choose one of this voter's votes on this ballot",
                    )
                    .into())
                }
            }
            insert_new(
                tx,
                "resolution",
                *id,
                "INSERT OR IGNORE INTO vote_resolution (id, ballot_id, voter_key, keep, reason, by_whom, device_id, hlc)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![id.to_string(), ballot_id.to_string(), voter_key, keep.to_string(), reason, by, stamp.device_id, stamp.hlc],
            )
        }
        _ => Err(Invalid::one(
            "kind",
            format!("{} is not a ballot or vote change", op.kind()),
        )
        .into()),
    }
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
        VoterKind::Organisation => Uuid::parse_str(reference)
            .is_ok_and(|id| exists(tx, "organisation", id).unwrap_or(false)),
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

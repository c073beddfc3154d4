//! Meetings, issues, ballots and votes: form-level writes (each builds an operation for
//! `apply`) and the reads the live-capture screen, projector and CLI show.

use chrono::{DateTime, NaiveDate, NaiveTime};
use rusqlite::OptionalExtension;
use serde::Serialize;
use trellis_core::ballot::record::{
    counted_votes, BallotFields, BallotStatus, Channel, Conflict, RecordedVote, Resolution,
    VoteFields, Voter, VoterKind,
};
use trellis_core::ballot::{Method, Tally, Vote};
use trellis_core::hlc::Hlc;
use trellis_core::issue::{self, EvidenceFields, EvidenceKind, IssueInput};
use trellis_core::meeting::{self, AttendanceFields, MeetingInput, MeetingKind, NoteFields};
use trellis_core::op::Operation;
use trellis_core::Invalid;
use uuid::Uuid;

use crate::cached::Cached;
use crate::decode::{decode, from_code, parse_uuid, uuid_of};
use crate::resolve::resolve_by_sql;
use crate::{Store, StoreError};

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct MeetingSummary {
    pub id: Uuid,
    pub kind: MeetingKind,
    pub title: String,
    pub date: NaiveDate,
    pub time: Option<NaiveTime>,
    pub venue: String,
    pub facilitators: Vec<String>,
    pub attendance: usize,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Attendee {
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub organisation_id: Option<Uuid>,
    pub organisation_name: Option<String>,
    pub name: String,
    pub walk_in: bool,
}

impl Attendee {
    pub fn label(&self) -> String {
        match (&self.organisation_name, self.name.is_empty()) {
            (Some(org), true) => org.clone(),
            (Some(org), false) => format!("{} ({org})", self.name),
            (None, _) => self.name.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct IssueSource {
    pub issue_id: Uuid,
    pub meeting_id: Option<Uuid>,
    pub meeting_title: Option<String>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Evidence {
    pub id: Uuid,
    pub kind: EvidenceKind,
    pub text: String,
    pub url: String,
    pub attachment: Option<trellis_core::grants::application::AttachmentRef>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct IssueSummary {
    pub id: Uuid,
    pub title: String,
    pub description: String,
    pub communities: Vec<String>,
    pub quotes: Vec<String>,
    pub merged_into: Option<Uuid>,
    /// Where it was raised: its own meeting and those of every issue merged into it.
    pub sources: Vec<IssueSource>,
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct BallotSummary {
    pub id: Uuid,
    pub question: String,
    pub method: Method,
    pub status: BallotStatus,
    pub revealed: bool,
    pub votes: usize,
    pub voided: usize,
    pub unresolved_conflicts: usize,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct BallotView {
    pub id: Uuid,
    #[serde(flatten)]
    pub fields: BallotFields,
    pub status: BallotStatus,
    pub revealed: bool,
    pub tokens_issued: usize,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct VoidInfo {
    pub reason: String,
    pub by: String,
    pub at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
pub enum VoteState {
    Counted,
    Voided,
    Conflict,
    /// One of a conflict's votes that a facilitator did not keep.
    Superseded,
}

/// One row of a ballot's audit list.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct VoteRecord {
    pub id: Uuid,
    pub voter: Voter,
    pub voter_label: String,
    pub vote: Vote,
    pub channel: Channel,
    pub recorded_by: String,
    pub device_id: Uuid,
    pub recorded_at: String,
    pub state: VoteState,
    pub void: Option<VoidInfo>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ConflictView {
    pub voter_key: String,
    pub voter_label: String,
    pub votes: Vec<Uuid>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct BallotResult {
    pub ballot_id: Uuid,
    pub question: String,
    pub status: BallotStatus,
    pub revealed: bool,
    pub options: Vec<trellis_core::ballot::record::BallotOption>,
    pub tally: Tally,
    pub turnout: usize,
    pub voided: usize,
    pub unresolved: Vec<ConflictView>,
    pub seed: u64,
}

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

/// A ballot's stored fields and status, inside or outside a transaction (the vote writes
/// check against them).
pub(crate) fn ballot_fields(
    c: &rusqlite::Connection,
    id: Uuid,
) -> Result<Option<(BallotFields, BallotStatus)>, StoreError> {
    let row: Option<BallotRow> = c
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
    let what = |field: &str| format!("ballot {id} {field}");
    let damaged = |field: &str, e: &dyn std::fmt::Display| StoreError::damaged(what(field), e);
    let fields = BallotFields {
        question,
        options: decode(&what("options"), &options)?,
        method: decode(&what("method"), &method)?,
        eligibility: from_code(&what("eligibility"), &eligibility)?,
        meeting_id: meeting.map(|m| uuid_of(&what("meeting"), &m)).transpose()?,
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
    let status = from_code(&what("status"), &status)?;
    Ok(Some((fields, status)))
}

/// An HLC's wall-clock part as an RFC 3339 UTC time, for people reading the audit list.
/// A stored clock that does not read is damage, said as such rather than shown as no time.
fn clock_time(hlc: &str) -> Result<String, StoreError> {
    let clock: Hlc = hlc
        .parse()
        .map_err(|e| StoreError::damaged(format!("clock {hlc}"), e))?;
    DateTime::from_timestamp_millis(clock.millis as i64)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .ok_or_else(|| StoreError::damaged(format!("clock {hlc}"), "it is out of range"))
}

/// Anonymous tokens avoid letters and digits that are easy to confuse when read aloud or
/// copied from a slip (0/O, 1/I/L, 5/S, 2/Z, 8/B).
const TOKEN_ALPHABET: &[u8] = b"ACDEFGHJKMNPQRTUVWXY34679";

fn new_token() -> String {
    let bytes = Uuid::new_v4().into_bytes();
    bytes[..6]
        .iter()
        .map(|b| TOKEN_ALPHABET[*b as usize % TOKEN_ALPHABET.len()] as char)
        .collect()
}

impl Store {
    pub fn add_meeting(&mut self, input: &MeetingInput) -> Result<Uuid, StoreError> {
        let fields = meeting::validate(input)?;
        let id = Uuid::now_v7();
        self.apply(&Operation::MeetingCreate { id, fields })?;
        Ok(id)
    }

    pub fn meetings(&self) -> Result<Vec<MeetingSummary>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT m.id, m.kind, m.title, m.date, m.time, m.venue, m.facilitators,
                    (SELECT count(*) FROM attendance a WHERE a.meeting_id = m.id)
             FROM meeting m ORDER BY m.date DESC, m.id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, i64>(7)?,
            ))
        })?;
        rows.map(|r| {
            let (id, kind, title, date, time, venue, facilitators, n) = r?;
            Ok(MeetingSummary {
                id: parse_uuid(&id)?,
                kind: MeetingKind::parse(&kind)
                    .map_err(|e| StoreError::damaged("meeting kind", e))?,
                title,
                date: date
                    .parse()
                    .map_err(|e| StoreError::damaged("meeting date", e))?,
                time: time
                    .map(|t| NaiveTime::parse_from_str(&t, "%H:%M"))
                    .transpose()
                    .map_err(|e| StoreError::damaged("meeting time", e))?,
                venue,
                facilitators: decode("facilitators", &facilitators)?,
                attendance: n as usize,
            })
        })
        .collect()
    }

    /// Finds a meeting by id or exact title.
    pub fn resolve_meeting(&self, reference: &str) -> Result<Uuid, StoreError> {
        resolve_by_sql(
            &self.conn,
            "SELECT id FROM meeting WHERE id = ?1 OR title = ?1 ORDER BY id",
            "meeting",
            "meetings",
            reference,
        )
    }

    /// Records someone as present: an organisation, a person, or both. Walk-ins are marked.
    pub fn attend(
        &mut self,
        meeting_id: Uuid,
        organisation_id: Option<Uuid>,
        name: &str,
        walk_in: bool,
    ) -> Result<Uuid, StoreError> {
        let id = Uuid::now_v7();
        self.apply(&Operation::MeetingAttend {
            id,
            fields: AttendanceFields {
                meeting_id,
                organisation_id,
                name: name.trim().to_string(),
                walk_in,
            },
        })?;
        Ok(id)
    }

    pub fn attendance(&self, meeting_id: Uuid) -> Result<Vec<Attendee>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT a.id, a.meeting_id, a.organisation_id, o.name, a.name, a.walk_in
             FROM attendance a LEFT JOIN organisation o ON o.id = a.organisation_id
             WHERE a.meeting_id = ?1 ORDER BY a.id",
        )?;
        let rows = stmt.query_map([meeting_id.to_string()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, bool>(5)?,
            ))
        })?;
        rows.map(|r| {
            let (id, meeting, org, org_name, name, walk_in) = r?;
            Ok(Attendee {
                id: parse_uuid(&id)?,
                meeting_id: parse_uuid(&meeting)?,
                organisation_id: org.as_deref().map(parse_uuid).transpose()?,
                organisation_name: org_name,
                name,
                walk_in,
            })
        })
        .collect()
    }

    pub fn add_note(
        &mut self,
        meeting_id: Uuid,
        text: &str,
        issue_ids: Vec<Uuid>,
    ) -> Result<Uuid, StoreError> {
        let id = Uuid::now_v7();
        self.apply(&Operation::MeetingNote {
            id,
            fields: NoteFields {
                meeting_id,
                text: text.trim().to_string(),
                issue_ids,
            },
        })?;
        Ok(id)
    }

    pub fn raise_issue(&mut self, input: &IssueInput) -> Result<Uuid, StoreError> {
        let fields = issue::validate(input)?;
        let id = Uuid::now_v7();
        self.apply(&Operation::IssueRaise { id, fields })?;
        Ok(id)
    }

    pub fn add_evidence(
        &mut self,
        issue_id: Uuid,
        kind: EvidenceKind,
        text: &str,
        url: &str,
    ) -> Result<Uuid, StoreError> {
        let id = Uuid::now_v7();
        self.apply(&Operation::IssueEvidence {
            id,
            fields: EvidenceFields {
                issue_id,
                kind,
                text: text.trim().to_string(),
                url: url.trim().to_string(),
                attachment: None,
            },
        })?;
        Ok(id)
    }

    /// Stores a file (once per content) and adds it to an issue's evidence.
    pub fn add_evidence_file(
        &mut self,
        issue_id: Uuid,
        file: &std::path::Path,
        text: &str,
    ) -> Result<Uuid, StoreError> {
        let stored = self.store_file(file)?;
        let id = Uuid::now_v7();
        self.apply(&Operation::IssueEvidence {
            id,
            fields: EvidenceFields {
                issue_id,
                kind: EvidenceKind::File,
                text: text.trim().to_string(),
                url: String::new(),
                attachment: Some(trellis_core::grants::application::AttachmentRef {
                    sha256: stored.sha256,
                    file_name: stored.file_name,
                    media_type: stored.media_type,
                    size_bytes: stored.size_bytes,
                }),
            },
        })?;
        Ok(id)
    }

    pub fn merge_issues(&mut self, from: Uuid, into: Uuid) -> Result<(), StoreError> {
        self.apply(&Operation::IssueMerge { from, into })?;
        Ok(())
    }

    /// Issues, oldest first. Merged issues are folded into the one they became unless
    /// `include_merged` is set; their meetings are listed among that issue's sources.
    pub fn issues(&self, include_merged: bool) -> Result<Vec<IssueSummary>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT i.id, i.title, i.description, i.meeting_id, m.title, i.communities, i.quotes, i.merged_into
             FROM issue i LEFT JOIN meeting m ON m.id = i.meeting_id ORDER BY i.id",
        )?;
        type Row = (
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            String,
            String,
            Option<String>,
        );
        let rows: Vec<Row> = stmt
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ))
            })?
            .collect::<Result<_, _>>()?;
        let mut evidence_stmt = self.conn.prepare(
            "SELECT id, kind, text, url, attachment FROM issue_evidence WHERE issue_id = ?1 ORDER BY id",
        )?;
        let mut all = Vec::new();
        for (id, title, description, meeting_id, meeting_title, communities, quotes, merged_into) in
            &rows
        {
            let evidence = evidence_stmt
                .query_map([id], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, Option<String>>(4)?,
                    ))
                })?
                .map(|e| {
                    let (eid, kind, text, url, attachment) = e?;
                    Ok(Evidence {
                        id: parse_uuid(&eid)?,
                        kind: from_code("evidence kind", &kind)?,
                        text,
                        url,
                        attachment: attachment
                            .as_deref()
                            .map(|a| decode("evidence file", a))
                            .transpose()?,
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            all.push(IssueSummary {
                id: parse_uuid(id)?,
                title: title.clone(),
                description: description.clone(),
                communities: decode("communities", communities)?,
                quotes: decode("quotes", quotes)?,
                merged_into: merged_into.as_deref().map(parse_uuid).transpose()?,
                sources: vec![IssueSource {
                    issue_id: parse_uuid(id)?,
                    meeting_id: meeting_id.as_deref().map(parse_uuid).transpose()?,
                    meeting_title: meeting_title.clone(),
                }],
                evidence,
            });
        }
        // Two laptops may merge two issues into each other offline (X into Y, Y into X):
        // a cycle. Rather than hide every issue in it, the one with the lowest id stands
        // and the others fold into it, on every laptop alike.
        let mut heads = Vec::new();
        for start in all.iter().filter(|i| i.merged_into.is_some()) {
            let mut path = vec![start.id];
            let mut id = start.id;
            while let Some(next) = all.iter().find(|i| i.id == id).and_then(|i| i.merged_into) {
                if let Some(at) = path.iter().position(|p| *p == next) {
                    if let Some(head) = path[at..].iter().min() {
                        heads.push(*head);
                    }
                    break;
                }
                path.push(next);
                id = next;
            }
        }
        for issue in all.iter_mut().filter(|i| heads.contains(&i.id)) {
            issue.merged_into = None;
        }
        // Fold each merged issue's sources, quotes and evidence into the issue it became.
        let final_of = |mut id: Uuid| {
            for _ in 0..all.len() {
                match all.iter().find(|i| i.id == id).and_then(|i| i.merged_into) {
                    Some(next) => id = next,
                    None => break,
                }
            }
            id
        };
        let folds: Vec<(Uuid, Uuid)> = all
            .iter()
            .filter(|i| i.merged_into.is_some())
            .map(|i| (i.id, final_of(i.id)))
            .collect();
        for (from, into) in folds {
            let Some(source) = all.iter().find(|i| i.id == from).cloned() else {
                continue;
            };
            if let Some(target) = all.iter_mut().find(|i| i.id == into) {
                target.sources.extend(
                    source
                        .sources
                        .iter()
                        .filter(|s| s.issue_id == from)
                        .cloned(),
                );
                for q in source.quotes {
                    if !target.quotes.contains(&q) {
                        target.quotes.push(q);
                    }
                }
                for c in source.communities {
                    if !target.communities.contains(&c) {
                        target.communities.push(c);
                    }
                }
                target.communities.sort();
                target.evidence.extend(source.evidence);
            }
        }
        if !include_merged {
            all.retain(|i| i.merged_into.is_none());
        }
        Ok(all)
    }

    pub fn create_ballot(&mut self, fields: BallotFields) -> Result<Uuid, StoreError> {
        let id = Uuid::now_v7();
        self.apply(&Operation::BallotCreate { id, fields })?;
        Ok(id)
    }

    pub fn set_ballot_status(
        &mut self,
        ballot_id: Uuid,
        status: BallotStatus,
    ) -> Result<(), StoreError> {
        self.apply(&Operation::BallotStatusSet { ballot_id, status })?;
        Ok(())
    }

    pub fn reveal_ballot(&mut self, ballot_id: Uuid, revealed: bool) -> Result<(), StoreError> {
        self.apply(&Operation::BallotReveal {
            ballot_id,
            revealed,
        })?;
        Ok(())
    }

    /// Makes `count` new anonymous tokens for a ballot and records them as issued.
    pub fn issue_tokens(
        &mut self,
        ballot_id: Uuid,
        count: usize,
    ) -> Result<Vec<String>, StoreError> {
        if count == 0 || count > 10_000 {
            return Err(
                Invalid::one("count", "issue between 1 and 10,000 tokens at a time").into(),
            );
        }
        let existing: Vec<String> = self
            .conn
            .prepare("SELECT token FROM ballot_token WHERE ballot_id = ?1")?
            .query_map([ballot_id.to_string()], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut tokens: Vec<String> = Vec::with_capacity(count);
        while tokens.len() < count {
            let t = new_token();
            if !existing.contains(&t) && !tokens.contains(&t) {
                tokens.push(t);
            }
        }
        self.apply(&Operation::BallotTokens {
            ballot_id,
            tokens: tokens.clone(),
        })?;
        Ok(tokens)
    }

    pub fn cast_vote(&mut self, fields: VoteFields) -> Result<Uuid, StoreError> {
        self.cast_vote_with_id(Uuid::now_v7(), fields)
    }

    pub fn cast_vote_with_id(&mut self, id: Uuid, fields: VoteFields) -> Result<Uuid, StoreError> {
        self.apply(&Operation::VoteCast { id, fields })?;
        Ok(id)
    }

    pub fn void_vote(&mut self, vote_id: Uuid, reason: &str, by: &str) -> Result<Uuid, StoreError> {
        let id = Uuid::now_v7();
        self.apply(&Operation::VoteVoid {
            id,
            vote_id,
            reason: reason.trim().to_string(),
            by: by.trim().to_string(),
        })?;
        Ok(id)
    }

    pub fn resolve_conflict(
        &mut self,
        ballot_id: Uuid,
        voter_key: &str,
        keep: Uuid,
        reason: &str,
        by: &str,
    ) -> Result<Uuid, StoreError> {
        let id = Uuid::now_v7();
        self.apply(&Operation::VoteResolve {
            id,
            ballot_id,
            voter_key: voter_key.to_string(),
            keep,
            reason: reason.trim().to_string(),
            by: by.trim().to_string(),
        })?;
        Ok(id)
    }

    pub fn ballot(&self, id: Uuid) -> Result<BallotView, StoreError> {
        let (fields, status) =
            ballot_fields(&self.conn, id)?.ok_or_else(|| StoreError::NotFound {
                what: "ballot",
                id: id.to_string(),
            })?;
        let revealed: bool = self.conn.query_row(
            "SELECT revealed FROM ballot WHERE id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )?;
        let tokens_issued: i64 = self.conn.query_row(
            "SELECT count(*) FROM ballot_token WHERE ballot_id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )?;
        Ok(BallotView {
            id,
            fields,
            status,
            revealed,
            tokens_issued: tokens_issued as usize,
        })
    }

    /// Finds a ballot by id or exact question.
    pub fn resolve_ballot(&self, reference: &str) -> Result<Uuid, StoreError> {
        resolve_by_sql(
            &self.conn,
            "SELECT id FROM ballot WHERE id = ?1 OR question = ?1 ORDER BY id",
            "ballot",
            "ballots",
            reference,
        )
    }

    pub fn ballots(&self) -> Result<Vec<BallotSummary>, StoreError> {
        let ids: Vec<String> = self
            .conn
            .prepare("SELECT id FROM ballot ORDER BY id")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        ids.iter()
            .map(|id| {
                let id = parse_uuid(id)?;
                let view = self.ballot(id)?;
                let records = self.ballot_votes(id)?;
                Ok(BallotSummary {
                    id,
                    question: view.fields.question,
                    method: view.fields.method,
                    status: view.status,
                    revealed: view.revealed,
                    votes: records
                        .iter()
                        .filter(|r| r.state == VoteState::Counted)
                        .count(),
                    voided: records
                        .iter()
                        .filter(|r| r.state == VoteState::Voided)
                        .count(),
                    unresolved_conflicts: self.counted(id, &records)?.unresolved.len(),
                })
            })
            .collect()
    }

    /// How a voter is named in lists and confirmations: the organisation, or the
    /// attendee (with their organisation), else the reference as typed.
    pub fn voter_label(&self, voter: &Voter) -> Result<String, StoreError> {
        Ok(match voter.kind {
            VoterKind::Organisation => self
                .conn
                .query_row(
                    "SELECT name FROM organisation WHERE id = ?1",
                    [&voter.reference],
                    |r| r.get(0),
                )
                .optional()?
                .unwrap_or_else(|| voter.reference.clone()),
            VoterKind::Attendee => {
                let row: Option<(String, Option<String>)> = self
                    .conn
                    .query_row(
                        "SELECT a.name, o.name FROM attendance a LEFT JOIN organisation o ON o.id = a.organisation_id WHERE a.id = ?1",
                        [&voter.reference],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?;
                match row {
                    Some((name, Some(org))) if name.is_empty() => org,
                    Some((name, Some(org))) => format!("{name} ({org})"),
                    Some((name, None)) => name,
                    None => voter.reference.clone(),
                }
            }
            VoterKind::Token => format!("token {}", voter.reference),
        })
    }

    fn resolutions(&self, ballot_id: Uuid) -> Result<Vec<Resolution>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT voter_key, keep FROM vote_resolution WHERE ballot_id = ?1 ORDER BY hlc, device_id")?;
        let rows = stmt.query_map([ballot_id.to_string()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        rows.map(|r| {
            let (voter_key, keep) = r?;
            Ok(Resolution {
                voter_key,
                keep: parse_uuid(&keep)?,
            })
        })
        .collect()
    }

    fn counted(
        &self,
        ballot_id: Uuid,
        records: &[VoteRecord],
    ) -> Result<trellis_core::ballot::record::Counted, StoreError> {
        let recorded: Vec<RecordedVote> = records
            .iter()
            .map(|r| RecordedVote {
                id: r.id,
                voter_key: r.voter.key(),
                vote: r.vote.clone(),
                voided: r.void.is_some(),
            })
            .collect();
        Ok(counted_votes(&recorded, &self.resolutions(ballot_id)?))
    }

    /// The audit list: every vote recorded on a ballot, in the order it was recorded,
    /// with where, when and by whom, and whether it counts.
    pub fn ballot_votes(&self, ballot_id: Uuid) -> Result<Vec<VoteRecord>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT v.id, v.voter_kind, v.voter_ref, v.vote, v.channel, v.recorded_by, v.device_id, v.hlc,
                    x.reason, x.by_whom, x.hlc
             FROM vote v LEFT JOIN vote_void x ON x.id = (SELECT id FROM vote_void WHERE vote_id = v.id ORDER BY hlc, device_id LIMIT 1)
             WHERE v.ballot_id = ?1 ORDER BY v.hlc, v.device_id, v.id",
        )?;
        type Row = (
            String,
            String,
            String,
            String,
            String,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let rows: Vec<Row> = stmt
            .query_map([ballot_id.to_string()], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                    r.get(10)?,
                ))
            })?
            .collect::<Result<_, _>>()?;
        let mut records = Vec::with_capacity(rows.len());
        for (id, kind, reference, vote, channel, recorded_by, device, hlc, reason, by, void_hlc) in
            rows
        {
            let voter = Voter {
                kind: from_code("voter kind", &kind)?,
                reference,
            };
            let state = if reason.is_some() {
                VoteState::Voided
            } else {
                VoteState::Counted
            };
            // A void row always names who and when; one without them is damage.
            let void = match (reason, by, void_hlc) {
                (None, ..) => None,
                (Some(reason), Some(by), Some(at)) => Some(VoidInfo {
                    reason,
                    by,
                    at: clock_time(&at)?,
                }),
                (Some(_), ..) => {
                    return Err(StoreError::damaged(
                        format!("void of vote {id}"),
                        "it names no one or no time",
                    ))
                }
            };
            records.push(VoteRecord {
                id: parse_uuid(&id)?,
                voter_label: self.voter_label(&voter)?,
                voter,
                vote: decode("vote", &vote)?,
                channel: from_code("channel", &channel)?,
                recorded_by,
                device_id: parse_uuid(&device)?,
                recorded_at: clock_time(&hlc)?,
                state,
                void,
            });
        }
        let counted = self.counted(ballot_id, &records)?;
        let conflicted: Vec<Uuid> = counted
            .unresolved
            .iter()
            .flat_map(|c| c.votes.clone())
            .collect();
        for r in records.iter_mut() {
            if r.state == VoteState::Counted && !counted.counted_ids.contains(&r.id) {
                r.state = if conflicted.contains(&r.id) {
                    VoteState::Conflict
                } else {
                    VoteState::Superseded
                };
            }
        }
        Ok(records)
    }

    /// The live tally: only counted votes, with conflicts reported, never hidden.
    pub fn ballot_result(&self, ballot_id: Uuid) -> Result<BallotResult, StoreError> {
        let view = self.ballot(ballot_id)?;
        let records = self.ballot_votes(ballot_id)?;
        let counted = self.counted(ballot_id, &records)?;
        let tally = view
            .fields
            .counting_rules()
            .tally(&counted.votes, view.fields.seed)
            .map_err(|e| StoreError::damaged(format!("ballot {ballot_id} votes"), e))?;
        let unresolved = counted
            .unresolved
            .iter()
            .map(|c: &Conflict| {
                let label = records
                    .iter()
                    .find(|r| r.voter.key() == c.voter_key)
                    .map(|r| r.voter_label.clone())
                    .unwrap_or_else(|| c.voter_key.clone());
                ConflictView {
                    voter_key: c.voter_key.clone(),
                    voter_label: label,
                    votes: c.votes.clone(),
                }
            })
            .collect();
        Ok(BallotResult {
            ballot_id,
            question: view.fields.question.clone(),
            status: view.status,
            revealed: view.revealed,
            options: view.fields.options.clone(),
            tally,
            turnout: counted.votes.len(),
            voided: counted.voided,
            unresolved,
            seed: view.fields.seed,
        })
    }

    /// Turns what a facilitator typed (a name, identifier, token or id) into the ballot's
    /// kind of voter.
    pub fn resolve_voter(&self, ballot_id: Uuid, raw: &str) -> Result<Voter, StoreError> {
        let view = self.ballot(ballot_id)?;
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(Invalid::one("voter", "choose who is voting").into());
        }
        let kind = view.fields.eligibility.voter_kind();
        let reference = match kind {
            VoterKind::Organisation => self
                .resolve_organisation(raw)
                .map_err(|_| {
                    Invalid::one(
                        "voter",
                        format!("no organisation called or numbered {raw:?}"),
                    )
                })?
                .to_string(),
            VoterKind::Attendee => {
                let meeting = view.fields.meeting_id.ok_or_else(|| {
                    Invalid::one("voter", "this ballot has no meeting to take attendees from")
                })?;
                let lower = raw.to_lowercase();
                let matches: Vec<Attendee> = self
                    .attendance(meeting)?
                    .into_iter()
                    .filter(|a| {
                        a.id.to_string() == raw
                            || a.name.to_lowercase() == lower
                            || a.label().to_lowercase() == lower
                    })
                    .collect();
                match matches.as_slice() {
                    [one] => one.id.to_string(),
                    [] => {
                        return Err(Invalid::one(
                            "voter",
                            format!("{raw:?} is not on this meeting's attendance list"),
                        )
                        .into())
                    }
                    _ => {
                        return Err(Invalid::one(
                            "voter",
                            format!("{raw:?} matches {} attendees; use the id", matches.len()),
                        )
                        .into())
                    }
                }
            }
            VoterKind::Token => raw.to_ascii_uppercase(),
        };
        Ok(Voter { kind, reference })
    }
}

impl Store {
    /// Imports paper ballots from CSV, all or nothing: every bad row is reported by its
    /// line number and, if there is any, no vote is recorded.
    pub fn import_votes(
        &mut self,
        ballot_id: Uuid,
        text: &str,
        recorded_by: &str,
    ) -> Result<usize, StoreError> {
        use trellis_core::ballot::import;
        use trellis_core::FieldError;
        let view = self.ballot(ballot_id)?;
        let rows = import::parse(&view.fields, text).map_err(|e| Invalid {
            errors: e
                .rows
                .iter()
                .map(|r| {
                    FieldError::new(
                        &if r.line == 0 {
                            "file".to_string()
                        } else {
                            format!("line {}", r.line)
                        },
                        r.message.clone(),
                    )
                })
                .collect(),
        })?;
        let mut errors = Vec::new();
        let mut ops = Vec::with_capacity(rows.len());
        for row in &rows {
            match self.resolve_voter(ballot_id, &row.voter) {
                Ok(voter) => ops.push(Operation::VoteCast {
                    id: Uuid::now_v7(),
                    fields: VoteFields {
                        ballot_id,
                        voter,
                        vote: row.vote.clone(),
                        channel: Channel::Import,
                        recorded_by: recorded_by.trim().to_string(),
                    },
                }),
                Err(e) => errors.push(FieldError::new(&format!("line {}", row.line), describe(&e))),
            }
        }
        Invalid::check(errors)?;
        self.apply_all(&ops).map_err(|e| {
            let line = rows.get(e.index).map(|r| r.line).unwrap_or(0);
            StoreError::from(Invalid::one(&format!("line {line}"), describe(&e.error)))
        })?;
        Ok(ops.len())
    }
}

fn describe(e: &StoreError) -> String {
    match e {
        StoreError::Invalid(i) => i
            .errors
            .iter()
            .map(|f| f.message.clone())
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

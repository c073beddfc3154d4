//! `trellis issue|meeting|ballot|vote`: what facilitators and staff script around live
//! voting.

use anyhow::{bail, Context};
use trellis_app_core::ballots::{self, BallotInput};
use trellis_app_core::votes::{self, KeyedVote};
use trellis_core::ballot::entry::parse_amount;
use trellis_core::ballot::export;
use trellis_core::ballot::record::{BallotStatus, Eligibility};
use trellis_core::ballot::{Method, OptionId, Tally};
use trellis_core::issue::{EvidenceKind, IssueInput};
use trellis_core::meeting::MeetingInput;
use trellis_store::Store;
use uuid::Uuid;

use crate::args::{BallotCommand, IssueCommand, MeetingCommand, VoteCommand};

fn print_json(v: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

pub fn issue(store: &mut Store, cmd: IssueCommand) -> anyhow::Result<()> {
    match cmd {
        IssueCommand::Add {
            title,
            description,
            meeting,
            communities,
            quotes,
        } => {
            let meeting_id = meeting.map(|m| store.resolve_meeting(&m)).transpose()?;
            let id = store.raise_issue(&IssueInput {
                title,
                description,
                meeting_id: meeting_id.map(|m| m.to_string()).unwrap_or_default(),
                communities,
                quotes,
            })?;
            println!("{id}");
        }
        IssueCommand::List { all, json } => {
            let issues = store.issues(all)?;
            if json {
                return print_json(&issues);
            }
            for i in &issues {
                let sources: Vec<String> = i
                    .sources
                    .iter()
                    .filter_map(|s| s.meeting_title.clone())
                    .collect();
                let merged = i
                    .merged_into
                    .map(|m| format!("  (merged into {m})"))
                    .unwrap_or_default();
                println!("{}  {}  [{}]{merged}", i.id, i.title, sources.join("; "));
            }
            println!("{} issues", issues.len());
        }
        IssueCommand::Merge { from, into } => {
            store.merge_issues(from, into)?;
            println!("merged");
        }
        IssueCommand::Evidence {
            issue,
            kind,
            text,
            url,
            file,
        } => {
            let id = match file {
                Some(path) => store.add_evidence_file(issue, &path, &text)?,
                None => {
                    let kind: EvidenceKind =
                        serde_json::from_value(serde_json::Value::String(kind.to_lowercase()))
                            .context("evidence kind must be text, link, quote or file")?;
                    store.add_evidence(issue, kind, &text, &url)?
                }
            };
            println!("{id}");
        }
    }
    Ok(())
}

pub fn meeting(store: &mut Store, cmd: MeetingCommand) -> anyhow::Result<()> {
    match cmd {
        MeetingCommand::Add {
            kind,
            title,
            date,
            time,
            venue,
            facilitators,
        } => {
            let id = store.add_meeting(&MeetingInput {
                kind,
                title,
                date,
                time,
                venue,
                facilitators,
            })?;
            println!("{id}");
        }
        MeetingCommand::List { json } => {
            let meetings = store.meetings()?;
            if json {
                return print_json(&meetings);
            }
            for m in &meetings {
                println!(
                    "{}  {}  {:<22}  {}  ({} attending)",
                    m.id,
                    m.date,
                    m.kind.label(),
                    m.title,
                    m.attendance
                );
            }
        }
        MeetingCommand::Attend {
            meeting,
            org,
            person,
            walk_in,
        } => {
            let meeting = store.resolve_meeting(&meeting)?;
            let org = org.map(|o| store.resolve_organisation(&o)).transpose()?;
            println!("{}", store.attend(meeting, org, &person, walk_in)?);
        }
        MeetingCommand::Attendance { meeting, json } => {
            let meeting = store.resolve_meeting(&meeting)?;
            let list = store.attendance(meeting)?;
            if json {
                return print_json(&list);
            }
            for a in &list {
                println!(
                    "{}  {}{}",
                    a.id,
                    a.label(),
                    if a.walk_in { "  (walk-in)" } else { "" }
                );
            }
            println!("{} attending", list.len());
        }
        MeetingCommand::Note {
            meeting,
            text,
            issues,
        } => {
            let meeting = store.resolve_meeting(&meeting)?;
            println!("{}", store.add_note(meeting, &text, issues)?);
        }
    }
    Ok(())
}

fn method(name: &str, dots: u32, max_per_option: u32, max_score: u32) -> anyhow::Result<Method> {
    Ok(match name.to_ascii_lowercase().as_str() {
        "plurality" => Method::Plurality,
        "approval" => Method::Approval,
        "dots" => Method::Dots {
            per_voter: dots,
            max_per_option,
        },
        "irv" | "ranked" | "ranked-irv" => Method::RankedIrv,
        "borda" => Method::Borda,
        "score" => Method::Score { max: max_score },
        other => bail!("method {other:?}: choose plurality, approval, dots, irv, borda or score"),
    })
}

fn eligibility(name: &str) -> anyhow::Result<Eligibility> {
    Ok(match name.to_ascii_lowercase().as_str() {
        "organisation" | "organisations" => Eligibility::PerOrganisation,
        "attendee" | "attendees" => Eligibility::PerAttendee,
        "token" | "tokens" | "anonymous" => Eligibility::AnonymousToken,
        other => bail!("voters {other:?}: choose organisation, attendee or token"),
    })
}

fn status_word(s: BallotStatus) -> &'static str {
    match s {
        BallotStatus::Draft => "draft",
        BallotStatus::Open => "open",
        BallotStatus::Closed => "closed",
    }
}

pub fn ballot(store: &mut Store, cmd: BallotCommand) -> anyhow::Result<()> {
    match cmd {
        BallotCommand::Create {
            question,
            options,
            issue_options,
            method: m,
            dots,
            max_per_option,
            max_score,
            voters,
            meeting,
            opens,
            closes,
            seed,
        } => {
            let input = BallotInput {
                question,
                labels: options,
                issue_ids: issue_options.iter().map(Uuid::to_string).collect(),
                method: method(&m, dots, max_per_option, max_score)?,
                eligibility: eligibility(&voters)?,
                meeting_id: meeting.unwrap_or_default(),
                opens_at: opens,
                closes_at: closes,
                seed,
            };
            println!("{}", ballots::compose(store, input)?);
        }
        BallotCommand::List { json } => {
            let ballots = store.ballots()?;
            if json {
                return print_json(&ballots);
            }
            for b in &ballots {
                println!(
                    "{}  {:<6}  {:<10}  {} votes, {} voided, {} conflicts  {}",
                    b.id,
                    status_word(b.status),
                    b.method.name(),
                    b.votes,
                    b.voided,
                    b.unresolved_conflicts,
                    b.question
                );
            }
        }
        BallotCommand::Show { ballot, json } => {
            let id = store.resolve_ballot(&ballot)?;
            let view = store.ballot(id)?;
            if json {
                return print_json(&view);
            }
            println!("{}", view.fields.question);
            println!(
                "  status   {}{}",
                status_word(view.status),
                if view.revealed { ", results shown" } else { "" }
            );
            println!("  method   {}", view.fields.method.name());
            println!("  seed     {}", view.fields.seed);
            for (i, o) in view.fields.options.iter().enumerate() {
                println!("  {}. {}", i + 1, o.label);
            }
        }
        BallotCommand::Open { ballot } => {
            let id = store.resolve_ballot(&ballot)?;
            store.set_ballot_status(id, BallotStatus::Open)?;
            println!("open");
        }
        BallotCommand::Close { ballot } => {
            let id = store.resolve_ballot(&ballot)?;
            store.set_ballot_status(id, BallotStatus::Closed)?;
            println!("closed");
        }
        BallotCommand::Reveal { ballot, hide } => {
            let id = store.resolve_ballot(&ballot)?;
            store.reveal_ballot(id, !hide)?;
            println!(
                "{}",
                if hide {
                    "results hidden"
                } else {
                    "results shown"
                }
            );
        }
        BallotCommand::Tokens { ballot, count } => {
            let id = store.resolve_ballot(&ballot)?;
            for t in store.issue_tokens(id, count)? {
                println!("{t}");
            }
        }
        BallotCommand::Tally { ballot, json } => {
            let id = store.resolve_ballot(&ballot)?;
            let result = store.ballot_result(id)?;
            if json {
                return print_json(&result);
            }
            print_tally(store, id, &result)?;
        }
        BallotCommand::Audit { ballot, csv } => {
            let id = store.resolve_ballot(&ballot)?;
            let view = store.ballot(id)?;
            let entries = ballots::audit_entries(&store.ballot_votes(id)?);
            if csv {
                print!("{}", export::audit_csv(&view.fields, &entries));
            } else {
                for e in &entries {
                    println!(
                        "{}  {}  {:<9}  {:<28}  by {:<12}  {}{}",
                        e.recorded_at,
                        e.vote_id,
                        e.status.as_str(),
                        e.voter_label,
                        e.recorded_by,
                        export::vote_text(&view.fields, &e.vote),
                        e.void_reason
                            .as_ref()
                            .map(|r| format!("  (voided: {r})"))
                            .unwrap_or_default()
                    );
                }
                println!("{} votes recorded", entries.len());
            }
        }
        BallotCommand::Export { ballot, format } => {
            let id = store.resolve_ballot(&ballot)?;
            match format.as_str() {
                "json" => println!("{}", ballots::exports(store, id)?.tally_json),
                "csv" => print!("{}", ballots::exports(store, id)?.tally_csv),
                "rctab" => match ballots::exports(store, id)?.rctab_json {
                    Some(summary) => println!("{summary}"),
                    None => bail!(
                        "the RCTab summary is for ranked (IRV) ballots; use --format csv or json"
                    ),
                },
                "pabulib" | "pb" => print!("{}", ballots::pabulib(store, id)?),
                other => bail!("format {other:?}: choose json, csv, rctab or pabulib"),
            }
        }
        BallotCommand::Resolve {
            ballot,
            voter,
            keep,
            reason,
            by,
        } => {
            let id = store.resolve_ballot(&ballot)?;
            let voter = store.resolve_voter(id, &voter)?;
            store.resolve_conflict(id, &voter.key(), keep, &reason, &by)?;
            println!("resolved");
        }
    }
    Ok(())
}

fn print_tally(store: &Store, id: Uuid, r: &trellis_store::BallotResult) -> anyhow::Result<()> {
    let view = store.ballot(id)?;
    let label = |o: &OptionId| {
        view.fields
            .options
            .iter()
            .find(|x| &x.id == o)
            .map(|x| x.label.clone())
            .unwrap_or_else(|| o.as_str().to_string())
    };
    println!("{}  [{}]", r.question, status_word(r.status));
    match &r.tally {
        Tally::Plurality(t) | Tally::Approval(t) | Tally::Dots(t) | Tally::Borda(t) => {
            for c in &t.counts {
                println!("  {:<40} {}", label(&c.option), c.count);
            }
        }
        Tally::Score(t) => {
            for c in &t.scores {
                println!(
                    "  {:<40} total {}  mean {}",
                    label(&c.option),
                    c.total,
                    c.mean
                        .map(|m| format!("{m:.2}"))
                        .unwrap_or_else(|| "-".into())
                );
            }
        }
        Tally::RankedIrv(irv) => {
            for round in &irv.rounds {
                println!("  round {}", round.round);
                for c in &round.tallies {
                    println!("    {:<38} {}", label(&c.option), c.count);
                }
                println!("    {:<38} {}", "exhausted", round.exhausted);
                if let Some(e) = &round.eliminated {
                    println!("    eliminated: {}", label(&e.option));
                }
            }
            match &irv.winner {
                Some(w) => println!("  winner: {}", label(w)),
                None => println!("  no winner yet"),
            }
            println!("  seed {} (lot drawn: {})", irv.seed, irv.lot_drawn);
        }
    }
    println!(
        "  turnout {}, voided {}, unresolved conflicts {}",
        r.turnout,
        r.voided,
        r.unresolved.len()
    );
    for c in &r.unresolved {
        println!(
            "  CONFLICT: {} has {} votes; resolve with `trellis ballot resolve`",
            c.voter_label,
            c.votes.len()
        );
    }
    Ok(())
}

pub fn vote(store: &mut Store, cmd: VoteCommand) -> anyhow::Result<()> {
    match cmd {
        VoteCommand::Cast {
            ballot,
            voter,
            choices,
            amounts,
            paper,
            by,
        } => {
            let amounts = amounts
                .iter()
                .map(|a| parse_amount(a))
                .collect::<Result<Vec<_>, _>>()
                .map_err(trellis_store::StoreError::from)?;
            let cast = votes::cast(
                store,
                KeyedVote {
                    ballot_id: ballot,
                    voter,
                    choices,
                    amounts,
                    paper,
                    recorded_by: by,
                },
            )?;
            println!("{}", cast.vote_id);
        }
        VoteCommand::Void { vote, reason, by } => {
            store.void_vote(vote, &reason, &by)?;
            println!("voided");
        }
        VoteCommand::Import { ballot, file, by } => {
            let id = store.resolve_ballot(&ballot)?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let n = store.import_votes(id, &text, &by)?;
            println!("imported {n} votes");
        }
    }
    Ok(())
}

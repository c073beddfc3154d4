//! Demo data: a fictional programme in "Eastbrook" (assets/demo/programme.json), loaded
//! through the one write path like any other change. Dates are relative to `today` so the
//! relationship log always has recent, overdue and upcoming follow-ups to show.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use trellis_core::ballot::record::{
    BallotFields, BallotOption, BallotStatus, Channel, Eligibility, VoteFields, Voter, VoterKind,
};
use trellis_core::ballot::{Method, OptionId, Vote};
use trellis_core::contact::ContactInput;
use trellis_core::issue::IssueFields;
use trellis_core::meeting::{MeetingFields, MeetingKind};
use trellis_core::op::Operation;
use trellis_core::organisation::OrganisationInput;
use trellis_core::{dei, settings, Invalid};
use uuid::Uuid;

use crate::{Store, StoreError};

const PROGRAMME: &str = include_str!("../../../assets/demo/programme.json");

#[derive(Deserialize)]
struct Programme {
    programme_name: String,
    small_org_threshold_gbp: u64,
    organisations: Vec<OrganisationInput>,
    meetings: Vec<DemoMeeting>,
    issues: Vec<DemoIssue>,
    contacts: Vec<DemoContact>,
    topic_ballot: DemoBallot,
}

/// The topic vote at the assembly: one ranked vote per organisation, with one vote
/// voided and re-entered, as happens in a real room.
#[derive(Deserialize)]
struct DemoBallot {
    question: String,
    meeting: String,
    seed: u64,
    options: Vec<String>,
    attending: Vec<String>,
    votes: Vec<DemoVote>,
    void: DemoVoid,
}

#[derive(Deserialize)]
struct DemoVote {
    org_ref: String,
    ranking: Vec<usize>,
}

#[derive(Deserialize)]
struct DemoVoid {
    org_ref: String,
    reason: String,
}

#[derive(Deserialize)]
struct DemoMeeting {
    key: String,
    kind: MeetingKind,
    title: String,
    date_days_ago: u64,
    venue: String,
}

#[derive(Deserialize)]
struct DemoIssue {
    meeting: String,
    title: String,
    description: String,
    communities: Vec<String>,
    quotes: Vec<String>,
}

#[derive(Deserialize)]
struct DemoContact {
    org_ref: String,
    days_ago: u64,
    kind: String,
    by: String,
    notes: String,
    follow_up_in_days: Option<u64>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DemoSummary {
    pub organisations: usize,
    pub meetings: usize,
    pub issues: usize,
    pub contacts: usize,
    pub votes: usize,
    pub applications: usize,
}

fn days_before(today: NaiveDate, days: u64) -> NaiveDate {
    today.checked_sub_days(Days::new(days)).unwrap_or(today)
}

impl Store {
    /// Loads the demo programme into an empty database. Refuses a database that already
    /// has organisations, so demo records never mix with real ones.
    pub fn load_demo(&mut self, today: NaiveDate) -> Result<DemoSummary, StoreError> {
        if !self.is_empty()? {
            return Err(Invalid::one(
                "demo",
                "this database already has organisations; demo data only goes into an empty database",
            )
            .into());
        }
        self.check_limit_for_demo()?;
        let p: Programme = serde_json::from_str(PROGRAMME)
            .map_err(|e| StoreError::damaged("built-in demo data", e))?;
        self.set_setting(settings::PROGRAMME_NAME, &Value::from(p.programme_name))?;
        self.set_setting(
            settings::SMALL_ORG_THRESHOLD_GBP,
            &Value::from(p.small_org_threshold_gbp),
        )?;
        let mut ids = std::collections::HashMap::new();
        for org in &p.organisations {
            let id = self.add_organisation(org)?;
            ids.insert(org.org_ref.clone(), id);
        }
        let mut meetings = std::collections::HashMap::new();
        for m in &p.meetings {
            let id = Uuid::now_v7();
            self.apply(&Operation::MeetingCreate {
                id,
                fields: MeetingFields {
                    kind: m.kind,
                    title: m.title.clone(),
                    date: days_before(today, m.date_days_ago),
                    venue: m.venue.clone(),
                    time: chrono::NaiveTime::from_hms_opt(18, 0, 0),
                    facilitators: vec!["Amara Okafor (CVS)".into(), "Kwame Mensah (CVS)".into()],
                },
            })?;
            meetings.insert(m.key.clone(), id);
        }
        let mut issue_ids = std::collections::HashMap::new();
        for i in &p.issues {
            let communities =
                dei::normalise_codes(&i.communities).map_err(|m| Invalid::one("communities", m))?;
            let issue_id = Uuid::now_v7();
            issue_ids.insert(i.title.clone(), issue_id);
            self.apply(&Operation::IssueRaise {
                id: issue_id,
                fields: IssueFields {
                    title: i.title.clone(),
                    description: i.description.clone(),
                    meeting_id: meetings.get(&i.meeting).copied(),
                    communities,
                    quotes: i.quotes.clone(),
                },
            })?;
        }
        // Oldest first, so each device sequence reads like the programme's history.
        let mut contacts: Vec<&DemoContact> = p.contacts.iter().collect();
        contacts.sort_by_key(|c| std::cmp::Reverse(c.days_ago));
        for c in contacts {
            let organisation_id = ids.get(&c.org_ref).ok_or_else(|| {
                StoreError::damaged(
                    "built-in demo data",
                    format!("contact names unknown organisation {}", c.org_ref),
                )
            })?;
            let date = days_before(today, c.days_ago);
            let follow_up = c
                .follow_up_in_days
                .and_then(|d| date.checked_add_days(Days::new(d)))
                .map(|d| d.to_string())
                .unwrap_or_default();
            self.log_contact(
                &ContactInput {
                    organisation_id: organisation_id.to_string(),
                    date: date.to_string(),
                    kind: c.kind.clone(),
                    by: c.by.clone(),
                    notes: c.notes.clone(),
                    follow_up,
                },
                today,
            )?;
        }
        let (votes, ballot_id) =
            self.load_demo_ballot(&p.topic_ballot, &ids, &meetings, &issue_ids)?;
        let applications = self.load_demo_round(today, ballot_id)?;
        self.load_demo_letters(today)?;
        Ok(DemoSummary {
            votes,
            applications,
            organisations: p.organisations.len(),
            meetings: p.meetings.len(),
            issues: p.issues.len(),
            contacts: p.contacts.len(),
        })
    }
}

type Ids = std::collections::HashMap<String, Uuid>;

impl Store {
    fn load_demo_ballot(
        &mut self,
        b: &DemoBallot,
        orgs: &Ids,
        meetings: &Ids,
        issues: &Ids,
    ) -> Result<(usize, Uuid), StoreError> {
        let bad = |what: String| StoreError::damaged("built-in demo data", what);
        let meeting = *meetings
            .get(&b.meeting)
            .ok_or_else(|| bad(format!("unknown meeting {}", b.meeting)))?;
        for org_ref in &b.attending {
            let org = *orgs
                .get(org_ref)
                .ok_or_else(|| bad(format!("unknown organisation {org_ref}")))?;
            self.attend(meeting, Some(org), "", false)?;
        }
        let options = b
            .options
            .iter()
            .map(|title| {
                let id = *issues
                    .get(title)
                    .ok_or_else(|| bad(format!("unknown issue {title}")))?;
                Ok(BallotOption {
                    id: OptionId::new(id.to_string()),
                    label: title.clone(),
                    issue_id: Some(id),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let ballot_id = self.create_ballot(BallotFields {
            question: b.question.clone(),
            options: options.clone(),
            method: Method::RankedIrv,
            eligibility: Eligibility::PerOrganisation,
            meeting_id: Some(meeting),
            opens_at: None,
            closes_at: None,
            seed: b.seed,
        })?;
        self.set_ballot_status(ballot_id, BallotStatus::Open)?;
        let ranking = |numbers: &[usize]| -> Result<Vote, StoreError> {
            let ranking = numbers
                .iter()
                .map(|n| {
                    options
                        .get(n.wrapping_sub(1))
                        .map(|o| Some(o.id.clone()))
                        .ok_or_else(|| bad(format!("no option {n}")))
                })
                .collect::<Result<_, _>>()?;
            Ok(Vote::Ranking { ranking })
        };
        let mut cast = 0;
        for v in &b.votes {
            let org = *orgs
                .get(&v.org_ref)
                .ok_or_else(|| bad(format!("unknown organisation {}", v.org_ref)))?;
            let voter = Voter {
                kind: VoterKind::Organisation,
                reference: org.to_string(),
            };
            if v.org_ref == b.void.org_ref {
                let mistake = self.cast_vote(VoteFields {
                    ballot_id,
                    voter: voter.clone(),
                    vote: ranking(&[options.len()])?,
                    channel: Channel::Live,
                    recorded_by: "Kwame Mensah (CVS)".into(),
                })?;
                self.void_vote(mistake, &b.void.reason, "Amara Okafor (CVS)")?;
            }
            self.cast_vote(VoteFields {
                ballot_id,
                voter,
                vote: ranking(&v.ranking)?,
                channel: Channel::Live,
                recorded_by: "Kwame Mensah (CVS)".into(),
            })?;
            cast += 1;
        }
        self.set_ballot_status(ballot_id, BallotStatus::Closed)?;
        self.reveal_ballot(ballot_id, true)?;
        Ok((cast, ballot_id))
    }
}

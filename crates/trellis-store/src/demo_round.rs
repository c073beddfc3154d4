//! The demo's funding round, on the topic the assembly chose: a dozen applications in
//! mixed formats, three assessors (one stands aside on one application), one clear
//! disagreement for moderation, agreed scores and decisions within the budget. Built
//! through the same write path as everything else.

use chrono::{Days, NaiveDate};
use trellis_core::ballot::Tally;
use trellis_core::grants::allocation::LineOutcome;
use trellis_core::grants::application::ApplicationInput;
use trellis_core::grants::decision::DecisionInput;
use trellis_core::grants::round::RoundInput;
use trellis_core::grants::scoring::{PanelRole, Score};
use uuid::Uuid;

use crate::{Store, StoreError};

const FORMATS: [&[&str]; 6] = [
    &["written"],
    &["audio"],
    &["video"],
    &["conversation"],
    &["written", "audio"],
    &["conversation", "video"],
];
const AMOUNTS: [u64; 12] = [
    8_000, 6_500, 10_000, 4_000, 9_000, 5_500, 7_500, 3_000, 10_000, 6_000, 4_500, 8_500,
];
/// Each application's usual score per criterion; assessors vary around it.
const BASE: [u8; 12] = [5, 4, 3, 4, 4, 3, 5, 2, 3, 4, 3, 4];

fn days_before(today: NaiveDate, days: u64) -> NaiveDate {
    today.checked_sub_days(Days::new(days)).unwrap_or(today)
}

impl Store {
    pub(crate) fn load_demo_round(
        &mut self,
        today: NaiveDate,
        ballot_id: Uuid,
    ) -> Result<usize, StoreError> {
        let result = self.ballot_result(ballot_id)?;
        let topic = match &result.tally {
            Tally::RankedIrv(irv) => irv
                .winner
                .as_ref()
                .and_then(|w| result.options.iter().find(|o| &o.id == w))
                .map(|o| o.label.clone()),
            _ => None,
        }
        .unwrap_or_else(|| "Health inequalities raised by communities".into());
        let round_id = self.create_round(&RoundInput {
            title: "Eastbrook Health Equity Fund 2027".into(),
            topic: topic.clone(),
            ballot_id: ballot_id.to_string(),
            budget_gbp: "60000".into(),
            min_grant_gbp: "2000".into(),
            max_grant_gbp: "10000".into(),
            opens_on: days_before(today, 50).to_string(),
            closes_on: days_before(today, 10).to_string(),
            questions: vec![
                "What will you do, and who with?".into(),
                "How do you know the communities need it?".into(),
                "How will you know it has worked?".into(),
            ],
            ..Default::default()
        })?;
        let round = self.round(round_id)?.fields;
        let orgs: Vec<Uuid> = self
            .organisations("", today)?
            .iter()
            .map(|o| o.id)
            .take(12)
            .collect();
        let mut apps = Vec::new();
        for (i, org) in orgs.iter().enumerate() {
            let small = self.organisation(*org, today)?.summary.small == Some(true);
            let formats: Vec<String> = FORMATS[i % FORMATS.len()]
                .iter()
                .map(|f| f.to_string())
                .collect();
            let written = formats.iter().any(|f| f == "written");
            apps.push(self.add_application(&ApplicationInput {
                round_id: round_id.to_string(),
                organisation_id: org.to_string(),
                answers: if written {
                    vec![
                        "Run weekly sessions with trained community members.".into(),
                        "Families told us at the forum and in our own surveys.".into(),
                        "We will count who comes and ask them what changed.".into(),
                    ]
                } else {
                    Vec::new()
                },
                formats,
                summary: format!(
                    "Community-led work on {}: sessions, outreach and support.",
                    topic.to_lowercase()
                ),
                amount_gbp: AMOUNTS[i].to_string(),
                core_funding: small && i % 2 == 0,
                received_on: days_before(today, 15 + (i as u64 % 5)).to_string(),
            })?);
        }
        for (i, app) in apps.iter().enumerate().filter(|(i, _)| i % 3 == 0) {
            self.log_support(
                &trellis_core::grants::application::SupportInput {
                    application_id: app.to_string(),
                    date: days_before(today, 30 + i as u64).to_string(),
                    kind: "bid-writing workshop".into(),
                    by: "Amara Okafor (CVS)".into(),
                },
                today,
            )?;
        }
        let panel = [
            self.add_panel_member("Tom Reilly (ICB commissioner)", PanelRole::Assessor)?,
            self.add_panel_member("Priya Shah (council commissioner)", PanelRole::Assessor)?,
            self.add_panel_member(
                "Grace Adeyemi (community panel member)",
                PanelRole::Assessor,
            )?,
        ];
        self.add_panel_member("Kwame Mensah (CVS, chair)", PanelRole::Chair)?;
        let criteria: Vec<String> = round.rubric.criteria.iter().map(|c| c.id.clone()).collect();
        for (i, app) in apps.iter().enumerate() {
            for (k, assessor) in panel.iter().enumerate() {
                self.assign(*app, *assessor)?;
                // Priya stands aside on one application: she volunteers with that group.
                if i == 2 && k == 1 {
                    self.declare(
                        *app,
                        *assessor,
                        true,
                        "I volunteer with this group on Saturdays",
                    )?;
                    continue;
                }
                self.declare(*app, *assessor, false, "")?;
                let scores: Vec<Score> = criteria
                    .iter()
                    .enumerate()
                    .map(|(c, id)| {
                        let mut v = BASE[i] as i32 + ((i + k + c) % 3) as i32 - 1;
                        // One clear disagreement for the panel to talk about.
                        if i == 4 && k == 0 && c == 1 {
                            v = 1;
                        }
                        Score {
                            criterion_id: id.clone(),
                            value: v.clamp(1, 5) as u8,
                            justification:
                                "Scored against the descriptors, from what the group told us."
                                    .into(),
                        }
                    })
                    .collect();
                self.save_draft(*app, *assessor, scores.clone())?;
                self.submit_scores(*app, *assessor, scores)?;
            }
        }
        let report = self.moderation(round_id)?;
        for (i, app) in apps.iter().enumerate() {
            let flagged = report
                .applications
                .iter()
                .any(|a| a.application_id == *app && a.flagged());
            let scores = round
                .rubric
                .criteria
                .iter()
                .map(|c| Score {
                    criterion_id: c.id.clone(),
                    value: BASE[i],
                    justification: match BASE[i] {
                        5 => "Clear, strong evidence; the panel would point others to this.",
                        4 => "Good evidence. More detail on who takes part would make it stronger.",
                        3 => "Some evidence. Say more about how people shaped the plan.",
                        _ => "Little evidence yet. A conversation with us could help next time.",
                    }
                    .into(),
                })
                .collect();
            let note = if flagged {
                "Discussed the spread of scores and agreed the panel's view."
            } else {
                ""
            };
            self.agree_scores(*app, scores, note)?;
        }
        let allocation = self.allocation(round_id)?.allocation;
        for line in &allocation.lines {
            let (outcome, amount, reasons) = match line.outcome {
                LineOutcome::Funded => (
                    "funded",
                    line.amount_gbp.to_string(),
                    "The panel scored your plan highly. It reaches the families most affected and builds on trust you already have.",
                ),
                LineOutcome::DoesNotFit { .. } if Some(line.application_id) == allocation.first_not_funded => (
                    "waitlisted",
                    String::new(),
                    "Your plan scored well, but the budget ran out before your turn. If money comes back, we will offer it to you first.",
                ),
                _ => (
                    "not funded",
                    String::new(),
                    "Other applications scored higher this time. We would like to help you apply again.",
                ),
            };
            self.record_decision(&DecisionInput {
                application_id: line.application_id.to_string(),
                outcome: outcome.into(),
                amount_gbp: amount,
                conditions: if outcome == "funded" {
                    "Share a short update with us every three months.".into()
                } else {
                    String::new()
                },
                reasons: reasons.into(),
            })?;
        }
        Ok(apps.len())
    }
}

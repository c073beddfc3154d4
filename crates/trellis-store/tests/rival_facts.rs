//! Decisions, agreed scores and an assessor's scores recorded for one application on two
//! laptops offline: both are kept, the latest by clock is the only one counted, the
//! conflict is named the same on every laptop whatever order the changes arrive in, and a
//! record made after seeing both settles it.

use tempfile::TempDir;
use trellis_core::grants::application::ApplicationInput;
use trellis_core::grants::decision::DecisionInput;
use trellis_core::grants::round::RoundInput;
use trellis_core::grants::rubric::default_rubric;
use trellis_core::grants::scoring::{PanelRole, Score};
use trellis_core::organisation::OrganisationInput;
use trellis_store::{FactConflict, FactKind, Store};
use uuid::Uuid;

mod common;

fn scores(value: u8) -> Vec<Score> {
    default_rubric()
        .criteria
        .iter()
        .map(|c| Score {
            criterion_id: c.id.clone(),
            value,
            justification: format!("Seen on {}.", c.id),
        })
        .collect()
}

fn decision(app: Uuid, outcome: &str, amount: &str, reasons: &str) -> DecisionInput {
    DecisionInput {
        application_id: app.to_string(),
        outcome: outcome.into(),
        amount_gbp: amount.into(),
        conditions: String::new(),
        reasons: reasons.into(),
    }
}

/// One round (budget £10,000), one application for £8,000 by Hope Kitchen, one assessor
/// assigned with no conflict declared.
fn setup(dir: &TempDir) -> (Store, Uuid, Uuid, Uuid) {
    let mut store = Store::open(&dir.path().join("a.sqlite3")).unwrap();
    let round = store
        .create_round(&RoundInput {
            budget_gbp: "10000".into(),
            ..common::gp_round()
        })
        .unwrap();
    let org = store
        .add_organisation(&OrganisationInput {
            name: "Hope Kitchen".into(),
            org_ref: "GB-CHC-1500000".into(),
            income_band: "under-10k".into(),
            ..Default::default()
        })
        .unwrap();
    let app = store
        .add_application(&ApplicationInput {
            round_id: round.to_string(),
            organisation_id: org.to_string(),
            formats: vec!["video".into()],
            answers: vec![],
            summary: "Community interpreters.".into(),
            amount_gbp: "8000".into(),
            core_funding: true,
            received_on: "2026-07-20".into(),
        })
        .unwrap();
    let amara = store
        .add_panel_member("Amara Okafor", PanelRole::Assessor)
        .unwrap();
    store.assign(app, amara).unwrap();
    store.declare(app, amara, false, "").unwrap();
    (store, round, app, amara)
}

fn send(from: &Store, after: usize, to: &mut Store) {
    let rows = from.local_changes_after(after as i64, 100_000).unwrap();
    to.apply_remote(&rows, 0).unwrap();
}

/// Laptop b holds a's first `shared` changes; both then work offline.
fn two_laptops(dir: &TempDir) -> (Store, Store, usize, Uuid, Uuid, Uuid) {
    let (a, round, app, amara) = setup(dir);
    let mut b = Store::open(&dir.path().join("b.sqlite3")).unwrap();
    send(&a, 0, &mut b);
    let shared = a.local_changes_after(0, 100_000).unwrap().len();
    (a, b, shared, round, app, amara)
}

/// Both laptops' offline work meets: a's then b's on one fresh replica, b's then a's on
/// another, and each laptop receives the other's. Every replica must say the same.
fn meet(dir: &TempDir, name: &str, a: &mut Store, b: &mut Store, shared: usize) -> Vec<Store> {
    let mut a_first = Store::open(&dir.path().join(format!("{name}-a-first.sqlite3"))).unwrap();
    send(a, 0, &mut a_first);
    send(b, 0, &mut a_first);
    let mut b_first = Store::open(&dir.path().join(format!("{name}-b-first.sqlite3"))).unwrap();
    let a_rows = a.local_changes_after(0, 100_000).unwrap();
    b_first.apply_remote(&a_rows[..shared], 0).unwrap();
    send(b, 0, &mut b_first);
    send(a, shared, &mut b_first);
    send(b, 0, a);
    send(a, shared, b);
    vec![a_first, b_first]
}

fn conflicts_everywhere(replicas: &[&Store], round: Uuid) -> Vec<FactConflict> {
    let expected = replicas[0].fact_conflicts(round).unwrap();
    for r in replicas {
        assert_eq!(r.fact_conflicts(round).unwrap(), expected);
        assert_eq!(r.export_json().unwrap(), replicas[0].export_json().unwrap());
        assert_eq!(
            serde_json::to_string(&r.allocation(round).unwrap()).unwrap(),
            serde_json::to_string(&replicas[0].allocation(round).unwrap()).unwrap()
        );
    }
    expected
}

#[test]
fn two_decisions_recorded_offline_are_named_until_one_is_recorded_having_seen_both() {
    let dir = TempDir::new().unwrap();
    let (mut a, mut b, shared, round, app, _) = two_laptops(&dir);
    let from_a = a
        .record_decision(&decision(app, "funded", "8000", "Strong links."))
        .unwrap();
    // b was offline: it refuses nothing here, and its decision is a rival, not a revision.
    let from_b = b
        .record_decision(&decision(app, "not funded", "", "Outside the brief."))
        .unwrap();
    let others = meet(&dir, "decision", &mut a, &mut b, shared);
    let all: Vec<&Store> = [&a, &b].into_iter().chain(others.iter()).collect();
    let conflicts = conflicts_everywhere(&all, round);
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    let c = &conflicts[0];
    assert_eq!(c.kind, FactKind::Decision);
    assert_eq!(
        c.message,
        "2 decisions were recorded for Hope Kitchen's application on different laptops: record the one that stands"
    );
    let rivals: Vec<Uuid> = c.rivals.iter().map(|r| r.id).collect();
    assert_eq!(rivals.len(), 2);
    assert!(rivals.contains(&from_a) && rivals.contains(&from_b));
    // The later by clock stands, is the one shown and the only one counted.
    let standing = c.rivals.iter().find(|r| r.standing).unwrap();
    assert_eq!(standing.id, from_b);
    assert!(standing.summary.starts_with("not funded"), "{standing:?}");
    let summary = a.application(app).unwrap();
    assert_eq!(summary.conflicts, conflicts);
    assert_eq!(a.round_numbers(round).unwrap().decided, 1);
    assert_eq!(a.round_numbers(round).unwrap().awarded_total_gbp, 0);

    // Recording again on a, having seen both, settles it everywhere.
    let settled = a
        .record_decision(&decision(app, "funded", "8000", "Panel agreed again."))
        .unwrap();
    send(&a, shared + 1, &mut b);
    for r in [&a, &b] {
        assert!(r.fact_conflicts(round).unwrap().is_empty());
        let d = r.application(app).unwrap().decision.unwrap();
        assert_eq!(d.reasons, "Panel agreed again.");
        assert_eq!(r.round_numbers(round).unwrap().awarded_total_gbp, 8000);
    }
    assert_eq!(
        a.export().unwrap()["decisions"].as_array().unwrap().len(),
        3
    );
    let _ = settled;
}

#[test]
fn two_agreements_offline_are_named_and_only_the_standing_one_is_allocated() {
    let dir = TempDir::new().unwrap();
    let (mut a, mut b, shared, round, app, _) = two_laptops(&dir);
    a.agree_scores(app, scores(4), "Agreed on a.").unwrap();
    b.agree_scores(app, scores(2), "Agreed on b.").unwrap();
    let others = meet(&dir, "agreed", &mut a, &mut b, shared);
    let all: Vec<&Store> = [&a, &b].into_iter().chain(others.iter()).collect();
    let conflicts = conflicts_everywhere(&all, round);
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].kind, FactKind::AgreedScores);
    assert!(conflicts[0]
        .message
        .starts_with("2 sets of agreed scores were recorded for Hope Kitchen's application"));
    let allocation = a.allocation(round).unwrap();
    assert_eq!(allocation.conflicts, conflicts, "the allocation names it");
    assert_eq!(
        a.application(app).unwrap().agreed.unwrap().note,
        "Agreed on b.",
        "the later by clock stands"
    );
    b.agree_scores(app, scores(3), "Agreed again.").unwrap();
    send(&b, 0, &mut a);
    assert!(a.fact_conflicts(round).unwrap().is_empty());
    assert!(b.allocation(round).unwrap().conflicts.is_empty());
}

#[test]
fn one_assessor_submitting_on_two_laptops_is_counted_once_and_named_until_revised() {
    let dir = TempDir::new().unwrap();
    let (mut a, mut b, shared, round, app, amara) = two_laptops(&dir);
    a.submit_scores(app, amara, scores(4)).unwrap();
    b.submit_scores(app, amara, scores(2)).unwrap();
    let others = meet(&dir, "scores", &mut a, &mut b, shared);
    let all: Vec<&Store> = [&a, &b].into_iter().chain(others.iter()).collect();
    let conflicts = conflicts_everywhere(&all, round);
    assert_eq!(conflicts.len(), 1);
    let c = &conflicts[0];
    assert_eq!(c.kind, FactKind::Scores);
    assert_eq!(c.assessor_id, Some(amara));
    assert_eq!(
        c.message,
        "Amara Okafor submitted scores for Hope Kitchen's application on 2 laptops: Amara Okafor revises them to say which stand"
    );
    assert!(
        c.rivals.iter().all(|r| r.summary.is_empty()),
        "no scores shown"
    );
    // Moderation counts the assessor once.
    let report = a.moderation(round).unwrap();
    assert_eq!(report.applications[0].assessors.len(), 1);
    assert_eq!(a.score_sheets(app, amara).unwrap().len(), 1);
    a.revise_scores(app, amara, scores(3), "Submitted twice; these stand")
        .unwrap();
    send(&a, shared + 1, &mut b);
    for r in [&a, &b] {
        assert!(r.fact_conflicts(round).unwrap().is_empty());
    }
}

#[test]
fn a_revision_that_saw_only_one_submission_leaves_the_conflict() {
    let dir = TempDir::new().unwrap();
    let (mut a, mut b, shared, round, app, amara) = two_laptops(&dir);
    a.submit_scores(app, amara, scores(4)).unwrap();
    a.revise_scores(app, amara, scores(5), "Read again")
        .unwrap();
    b.submit_scores(app, amara, scores(2)).unwrap();
    let others = meet(&dir, "partial", &mut a, &mut b, shared);
    let all: Vec<&Store> = [&a, &b].into_iter().chain(others.iter()).collect();
    let conflicts = conflicts_everywhere(&all, round);
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(conflicts[0].rivals.len(), 2);
}

#[test]
fn decisions_from_before_replaces_keep_the_latest_by_clock_without_a_conflict() {
    // Laptops from before schema 9 send decisions without `replaces`: one laptop's second
    // decision was a change of mind, not a rival, and still reads as one.
    use trellis_core::grants::decision::{Decision, Outcome};
    use trellis_core::op::Operation;
    let dir = TempDir::new().unwrap();
    let (mut a, round, app, _) = setup(&dir);
    for reasons in ["First.", "Second."] {
        a.apply(&Operation::DecisionRecord {
            id: Uuid::now_v7(),
            decision: Decision {
                application_id: app,
                outcome: Outcome::NotFunded,
                reasons: reasons.into(),
            },
            replaces: None,
        })
        .unwrap();
    }
    assert!(a.fact_conflicts(round).unwrap().is_empty());
    assert_eq!(
        a.application(app).unwrap().decision.unwrap().reasons,
        "Second."
    );
    // A new laptop's decision that saw the old ones replaces them too.
    a.record_decision(&decision(app, "waitlisted", "", "Third."))
        .unwrap();
    assert!(a.fact_conflicts(round).unwrap().is_empty());
}

//! A funding round through the store on a real file: applications, conflicts, blind
//! scoring, revisions, moderation, allocation and decisions within the budget.

use tempfile::TempDir;
use trellis_core::grants::application::ApplicationInput;
use trellis_core::grants::decision::DecisionInput;
use trellis_core::grants::round::RoundInput;
use trellis_core::grants::rubric::default_rubric;
use trellis_core::grants::scoring::{PanelRole, Score};
use trellis_core::organisation::OrganisationInput;
use trellis_store::{Store, StoreError};
use uuid::Uuid;

mod common;

fn field_of(e: StoreError) -> String {
    match e {
        StoreError::Invalid(i) => format!("{}: {}", i.errors[0].field, i.errors[0].message),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

fn scores(values: &[u8]) -> Vec<Score> {
    default_rubric()
        .criteria
        .iter()
        .zip(values)
        .map(|(c, v)| Score {
            criterion_id: c.id.clone(),
            value: *v,
            justification: format!("Scored {v} from the evidence given."),
        })
        .collect()
}

struct Round {
    store: Store,
    round: Uuid,
    apps: Vec<Uuid>,
    amara: Uuid,
    tom: Uuid,
    priya: Uuid,
    chair: Uuid,
}

fn setup(dir: &TempDir) -> Round {
    let mut store = Store::open(&dir.path().join("t.sqlite3")).unwrap();
    let round = store
        .create_round(&RoundInput {
            questions: vec!["What will you do?".into(), "Who will benefit?".into()],
            ..common::gp_round()
        })
        .unwrap();
    let mut apps = Vec::new();
    for (i, (band, amount, core)) in [
        ("under-10k", "8000", true),
        ("250k-500k", "10000", false),
        ("10k-25k", "6000", true),
    ]
    .iter()
    .enumerate()
    {
        let org = store
            .add_organisation(&OrganisationInput {
                name: format!("Group {i}"),
                org_ref: format!("GB-CHC-{}", 1_300_000 + i),
                income_band: band.to_string(),
                ..Default::default()
            })
            .unwrap();
        apps.push(
            store
                .add_application(&ApplicationInput {
                    round_id: round.to_string(),
                    organisation_id: org.to_string(),
                    formats: vec![if i == 1 {
                        "written".into()
                    } else {
                        "video".into()
                    }],
                    answers: if i == 1 {
                        vec!["Drop-in interpreting sessions.".into()]
                    } else {
                        vec![]
                    },
                    summary: "Community interpreters at two GP surgeries.".into(),
                    amount_gbp: amount.to_string(),
                    core_funding: *core,
                    received_on: "2026-07-20".into(),
                })
                .unwrap(),
        );
    }
    let amara = store
        .add_panel_member("Amara Okafor", PanelRole::Assessor)
        .unwrap();
    let tom = store
        .add_panel_member("Tom Reilly", PanelRole::Assessor)
        .unwrap();
    let priya = store
        .add_panel_member("Priya Shah", PanelRole::Assessor)
        .unwrap();
    let chair = store
        .add_panel_member("Kwame Mensah", PanelRole::Chair)
        .unwrap();
    for app in &apps {
        for p in [amara, tom, priya] {
            store.assign(*app, p).unwrap();
        }
    }
    Round {
        store,
        round,
        apps,
        amara,
        tom,
        priya,
        chair,
    }
}

#[test]
fn applications_are_checked_against_the_round() {
    let dir = TempDir::new().unwrap();
    let Round {
        mut store, round, ..
    } = setup(&dir);
    let org = store.organisations("", chrono::NaiveDate::MAX).unwrap()[0].id;
    let input = |amount: &str, received: &str| ApplicationInput {
        round_id: round.to_string(),
        organisation_id: org.to_string(),
        formats: vec!["audio".into()],
        summary: "A recorded conversation.".into(),
        amount_gbp: amount.into(),
        received_on: received.into(),
        ..Default::default()
    };
    assert!(field_of(
        store
            .add_application(&input("50000", "2026-07-01"))
            .unwrap_err()
    )
    .starts_with("amount_gbp"));
    assert!(field_of(
        store
            .add_application(&input("5000", "2026-08-10"))
            .unwrap_err()
    )
    .starts_with("received_on"));
    store
        .set_extension(round, org, "2026-08-15".parse().unwrap())
        .unwrap();
    store
        .add_application(&input("5000", "2026-08-10"))
        .expect("accepted within the agreed extension");
}

#[test]
fn a_declared_conflict_blocks_scoring_and_hides_scores() {
    let dir = TempDir::new().unwrap();
    let Round {
        mut store,
        apps,
        amara,
        priya,
        ..
    } = setup(&dir);
    let app = apps[0];
    let err = field_of(store.save_draft(app, amara, scores(&[3])).unwrap_err());
    assert!(err.contains("declare any conflict"), "{err}");
    store
        .declare(app, priya, true, "I am a trustee of this group")
        .unwrap();
    for attempt in [
        store.save_draft(app, priya, scores(&[3])),
        store.submit_scores(app, priya, scores(&[3, 3, 3, 3])),
    ] {
        let err = field_of(attempt.unwrap_err());
        assert!(err.contains("conflict"), "{err}");
    }
    assert!(
        store.declare(app, amara, true, "").is_err(),
        "a conflict needs the relationship"
    );
    store.declare(app, amara, false, "").unwrap();
    store
        .submit_scores(app, amara, scores(&[4, 4, 4, 4]))
        .unwrap();
    assert!(
        store.score_sheets(app, priya).unwrap().is_empty(),
        "the conflicted member sees no scores"
    );
    let detail = store.application(app).unwrap();
    let stood_aside: Vec<_> = detail
        .declarations
        .iter()
        .filter(|d| d.conflicted)
        .map(|d| d.assessor_name.as_str())
        .collect();
    assert_eq!(
        stood_aside,
        ["Priya Shah"],
        "the panel sees who stood aside"
    );
}

#[test]
fn scoring_is_blind_until_you_submit_and_revisions_are_kept() {
    let dir = TempDir::new().unwrap();
    let Round {
        mut store,
        apps,
        amara,
        tom,
        chair,
        ..
    } = setup(&dir);
    let app = apps[1];
    store.declare(app, amara, false, "").unwrap();
    store.declare(app, tom, false, "").unwrap();
    store.save_draft(app, amara, scores(&[2])).unwrap();
    store.save_draft(app, amara, scores(&[2, 3])).unwrap();
    store
        .submit_scores(app, tom, scores(&[5, 5, 4, 5]))
        .unwrap();
    let seen = store.score_sheets(app, amara).unwrap();
    assert_eq!(
        seen.len(),
        1,
        "before submitting Amara sees only her own draft"
    );
    assert_eq!(
        (
            seen[0].assessor_name.as_str(),
            seen[0].submitted,
            seen[0].scores.len()
        ),
        ("Amara Okafor", false, 2)
    );
    let err = field_of(
        store
            .submit_scores(app, amara, scores(&[2, 3]))
            .unwrap_err(),
    );
    assert!(
        err.contains("value") || err.contains("score"),
        "incomplete sheets are refused: {err}"
    );
    store
        .submit_scores(app, amara, scores(&[2, 3, 2, 2]))
        .unwrap();
    assert_eq!(
        store.score_sheets(app, amara).unwrap().len(),
        2,
        "after submitting she sees Tom's"
    );
    assert_eq!(store.score_sheets(app, tom).unwrap().len(), 2);
    assert_eq!(
        store.score_sheets(app, chair).unwrap().len(),
        2,
        "the chair sees submitted sheets"
    );
    assert!(
        store.save_draft(app, amara, scores(&[1])).is_err(),
        "submitted scores change only by revision"
    );
    assert!(
        store
            .revise_scores(app, amara, scores(&[3, 3, 3, 3]), "")
            .is_err(),
        "a revision needs a reason"
    );
    store
        .revise_scores(
            app,
            amara,
            scores(&[3, 3, 3, 3]),
            "Re-read the video transcript",
        )
        .unwrap();
    let mine = store
        .score_sheets(app, amara)
        .unwrap()
        .into_iter()
        .find(|s| s.assessor_id == amara)
        .unwrap();
    assert_eq!(mine.scores[0].value, 3);
    assert_eq!(mine.revisions, ["Re-read the video transcript"]);
    let export: serde_json::Value = serde_json::from_str(&store.export_json().unwrap()).unwrap();
    assert_eq!(
        export["score_submissions"].as_array().unwrap().len(),
        3,
        "every revision is kept"
    );
}

#[test]
fn moderation_agreement_allocation_and_decisions_within_budget() {
    let dir = TempDir::new().unwrap();
    let Round {
        mut store,
        round,
        apps,
        amara,
        tom,
        priya,
        ..
    } = setup(&dir);
    let sheets = [[4, 4, 4, 4], [5, 5, 5, 5], [1, 4, 4, 4]];
    for app in &apps {
        for (p, values) in [amara, tom, priya].iter().zip(sheets.iter()) {
            store.declare(*app, *p, false, "").unwrap();
            store.submit_scores(*app, *p, scores(values)).unwrap();
        }
    }
    let report = store.moderation(round).unwrap();
    assert_eq!(report.applications.len(), 3);
    assert_eq!(
        report.flagged, 3,
        "a 4-point spread on one criterion is flagged everywhere"
    );
    let err = field_of(
        store
            .agree_scores(apps[0], scores(&[4, 4, 4, 4]), "")
            .unwrap_err(),
    );
    assert!(err.contains("note"), "{err}");
    store
        .agree_scores(
            apps[0],
            scores(&[4, 4, 4, 4]),
            "Priya had misread the first question.",
        )
        .unwrap();
    store
        .agree_scores(apps[1], scores(&[5, 5, 5, 5]), "Strong bid; agreed.")
        .unwrap();
    store
        .agree_scores(apps[2], scores(&[3, 3, 3, 3]), "Good but less developed.")
        .unwrap();

    // Small organisations' core-funding bids go first (the round says so by default):
    // apps[0] (8,000) and apps[2] (6,000), then apps[1] (10,000) does not fit in 6,000.
    let allocation = store.allocation(round).unwrap();
    let order: Vec<Uuid> = allocation
        .allocation
        .lines
        .iter()
        .map(|l| l.application_id)
        .collect();
    assert_eq!(order, [apps[0], apps[2], apps[1]]);
    assert_eq!(allocation.allocation.funded_total_gbp, 14_000);
    assert_eq!(allocation.allocation.first_not_funded, Some(apps[1]));

    let decide = |app: Uuid, outcome: &str, amount: &str| DecisionInput {
        application_id: app.to_string(),
        outcome: outcome.into(),
        amount_gbp: amount.into(),
        conditions: String::new(),
        reasons: "The panel agreed this plan reaches the families most affected.".into(),
    };
    store
        .record_decision(&decide(apps[0], "funded", "8000"))
        .unwrap();
    store
        .record_decision(&decide(apps[2], "funded", "6000"))
        .unwrap();
    let over = field_of(
        store
            .record_decision(&decide(apps[1], "funded", "10000"))
            .unwrap_err(),
    );
    assert!(over.contains("budget"), "{over}");
    store
        .record_decision(&decide(apps[1], "waitlisted", ""))
        .unwrap();
    let numbers = store.round_numbers(round).unwrap();
    assert_eq!(
        (numbers.applications, numbers.funded, numbers.waitlisted),
        (3, 2, 1)
    );
    assert_eq!(numbers.awarded_total_gbp, 14_000);
    assert_eq!(numbers.share_to_small_orgs, Some(1.0));
    assert!(store.doctor().unwrap().healthy());
}

/// The JSON the app receives names each of an application's keys once (its fields are
/// flattened in, and were once also written beside them).
#[test]
fn an_application_is_written_with_each_key_once() {
    let dir = TempDir::new().unwrap();
    let mut store = Store::open(&dir.path().join("t.sqlite3")).unwrap();
    store
        .load_demo(chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap())
        .unwrap();
    let round = store.rounds().unwrap().pop().unwrap().id;
    let app = &store.applications(round).unwrap()[0];
    let text = serde_json::to_string(app).unwrap();
    for key in ["\"round_id\":", "\"organisation_id\":"] {
        assert_eq!(text.matches(key).count(), 1, "{key} in {text}");
    }
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["round_id"], round.to_string());
}

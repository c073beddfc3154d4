//! Letters through the store on a real file: drafts only for decided applications,
//! every version kept, approval freezes a version, printed/sent only when approved,
//! templates and large print last-writer-wins.

use chrono::NaiveDate;
use tempfile::TempDir;
use trellis_core::grants::application::ApplicationInput;
use trellis_core::grants::decision::DecisionInput;
use trellis_core::grants::round::RoundInput;
use trellis_core::grants::rubric::default_rubric;
use trellis_core::grants::scoring::Score;
use trellis_core::letter::{default_template, Delivery, LetterState, OutcomeKind};
use trellis_core::op::Operation;
use trellis_core::organisation::OrganisationInput;
use trellis_store::{LetterStatus, Store, StoreError};
use uuid::Uuid;

fn message(e: StoreError) -> String {
    match e {
        StoreError::Invalid(i) => format!("{}: {}", i.errors[0].field, i.errors[0].message),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 8, d).unwrap()
}

/// Two applications: the first funded with agreed scores, the second undecided.
fn setup(dir: &TempDir) -> (Store, Uuid, Uuid, Uuid) {
    let mut store = Store::open(&dir.path().join("l.sqlite3")).unwrap();
    let round = store
        .create_round(&RoundInput {
            title: "Interpreting at the GP 2027".into(),
            topic: "No interpreters at GP appointments".into(),
            budget_gbp: "20000".into(),
            min_grant_gbp: "1000".into(),
            max_grant_gbp: "10000".into(),
            opens_on: "2026-06-01".into(),
            closes_on: "2026-07-31".into(),
            questions: vec!["What will you do?".into()],
            ..Default::default()
        })
        .unwrap();
    let mut apps = Vec::new();
    for (i, name) in ["Hope Kitchen", "Şifa Women's Group"].iter().enumerate() {
        let org = store
            .add_organisation(&OrganisationInput {
                name: name.to_string(),
                org_ref: format!("GB-CHC-{}", 1_500_000 + i),
                income_band: "under-10k".into(),
                address: "4 Market Street, Leeds".into(),
                postcode: "LS1 6DT".into(),
                ..Default::default()
            })
            .unwrap();
        apps.push(
            store
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
                .unwrap(),
        );
    }
    let scores = default_rubric()
        .criteria
        .iter()
        .map(|c| Score {
            criterion_id: c.id.clone(),
            value: 4,
            justification: format!("Good on {}.", c.id),
        })
        .collect();
    store.agree_scores(apps[0], scores, "").unwrap();
    store
        .record_decision(&DecisionInput {
            application_id: apps[0].to_string(),
            outcome: "funded".into(),
            amount_gbp: "8000".into(),
            conditions: String::new(),
            reasons: "Strong links with families.".into(),
        })
        .unwrap();
    (store, round, apps[0], apps[1])
}

#[test]
fn drafts_versions_approval_and_states() {
    let dir = TempDir::new().unwrap();
    let (mut store, round, funded, undecided) = setup(&dir);
    let err = message(store.draft_letter(undecided).unwrap_err());
    assert!(
        err.contains("Şifa Women's Group") && err.contains("no decision"),
        "{err}"
    );
    let report = store.draft_round_letters(round).unwrap();
    assert_eq!(report.drafted.len(), 1);
    assert_eq!(report.undecided, vec!["Şifa Women's Group".to_string()]);
    let letter = report.drafted[0].0;
    assert!(message(store.draft_letter(funded).unwrap_err()).contains("already has a letter"));

    let view = store.letter(letter).unwrap();
    assert_eq!(view.status, LetterStatus::Draft);
    let c = &view.latest().content;
    assert_eq!(
        c.recipient,
        ["Hope Kitchen", "4 Market Street", "Leeds", "LS1 6DT"]
    );
    assert_eq!(c.criteria.len(), 4);
    assert!(c.paragraphs.iter().any(|p| p.contains("£8,000")));

    // Not approved: cannot be printed.
    assert!(message(
        store
            .mark_letter(letter, LetterState::Printed, day(4), None)
            .unwrap_err()
    )
    .contains("not approved"));
    assert_eq!(store.approve_letter(letter, day(3)).unwrap(), 1);
    assert!(message(store.approve_letter(letter, day(3)).unwrap_err()).contains("already approved"));
    // An approved version is frozen: an edit makes version 2 and version 1 stays.
    let mut edited = store.letter(letter).unwrap().latest().content.clone();
    edited.heading = "A new heading".into();
    assert_eq!(store.edit_letter(letter, &edited).unwrap(), 2);
    let view = store.letter(letter).unwrap();
    assert_eq!(view.versions.len(), 2);
    assert_eq!(view.versions[0].approved_on, Some(day(3)));
    assert_ne!(view.versions[0].content.heading, "A new heading");
    assert_eq!(view.approved().unwrap().version, 1);
    assert_eq!(view.status, LetterStatus::Draft);
    // An edit must be the next version, whoever makes it.
    let stale = Operation::LetterEdit {
        letter_id: letter,
        version: 2,
        content: edited.clone(),
    };
    assert!(message(store.apply(&stale).unwrap_err()).contains("version 3"));
    let old = Operation::LetterApprove {
        letter_id: letter,
        version: 1,
        date: day(5),
    };
    assert!(message(store.apply(&old).unwrap_err()).contains("only the latest"));

    store.approve_letter(letter, day(5)).unwrap();
    store
        .mark_letter(letter, LetterState::Printed, day(6), None)
        .unwrap();
    assert_eq!(store.letter(letter).unwrap().status, LetterStatus::Printed);
    let sent_without_how = Operation::LetterStateSet {
        id: Uuid::now_v7(),
        letter_id: letter,
        version: 2,
        state: LetterState::Sent,
        date: day(6),
        how: None,
    };
    assert!(message(store.apply(&sent_without_how).unwrap_err()).contains("how"));
    store
        .mark_letter(letter, LetterState::Sent, day(7), Some(Delivery::Hand))
        .unwrap();
    let view = store.letter(letter).unwrap();
    assert_eq!(view.status, LetterStatus::Sent);
    assert_eq!(view.states.len(), 2);
    assert_eq!(store.round_letters(round).unwrap().len(), 1);
    assert!(store.doctor().unwrap().faults.is_empty());
}

#[test]
fn templates_and_large_print_are_last_writer_wins() {
    let dir = TempDir::new().unwrap();
    let (mut store, _, funded, _) = setup(&dir);
    assert_eq!(
        store.letter_template(OutcomeKind::Funded).unwrap(),
        default_template(OutcomeKind::Funded)
    );
    let mut t = default_template(OutcomeKind::Funded);
    t.subject = "Good news from {programme}".into();
    store.set_letter_template(OutcomeKind::Funded, &t).unwrap();
    assert_eq!(store.letter_template(OutcomeKind::Funded).unwrap(), t);
    t.subject = "Hello {nobody}".into();
    let err = message(
        store
            .set_letter_template(OutcomeKind::Funded, &t)
            .unwrap_err(),
    );
    assert!(
        err.starts_with("subject:") && err.contains("{nobody}"),
        "{err}"
    );
    let letter = store.draft_letter(funded).unwrap();
    assert!(store
        .letter(letter)
        .unwrap()
        .latest()
        .content
        .heading
        .starts_with("Good news from"));

    let org = store.application(funded).unwrap().organisation_id;
    assert!(!store.large_print(org).unwrap());
    store.set_large_print(org, true).unwrap();
    assert!(store.letter(letter).unwrap().large_print);
    store.set_large_print(org, false).unwrap();
    assert!(!store.large_print(org).unwrap());
}

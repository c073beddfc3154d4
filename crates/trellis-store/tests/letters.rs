//! Letters through the store on a real file: drafts only for decided applications,
//! every version kept, approval freezes a version, printed/sent only when approved,
//! templates and large print last-writer-wins.

use chrono::NaiveDate;
use tempfile::TempDir;
use trellis_core::grants::application::ApplicationInput;
use trellis_core::grants::decision::DecisionInput;
use trellis_core::grants::rubric::default_rubric;
use trellis_core::grants::scoring::Score;
use trellis_core::letter::{default_template, Delivery, LetterState, OutcomeKind};
use trellis_core::op::Operation;
use trellis_core::organisation::OrganisationInput;
use trellis_store::{LetterStatus, Store, StoreError};
use uuid::Uuid;

mod common;

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
    let round = store.create_round(&common::gp_round()).unwrap();
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

/// Sends the changes `from` made itself, after its `after`th, to `to`, as a sync would.
fn send(from: &Store, after: usize, to: &mut Store) {
    let rows = from.local_changes_after(after as i64, 100_000).unwrap();
    to.apply_remote(&rows, 0).unwrap();
}

/// Two laptops holding the same decided application: b received a's history (its first
/// `shared` changes) before both went offline.
fn two_laptops(dir: &TempDir) -> (Store, Store, usize, Uuid, Uuid) {
    let (a, round, funded, _) = setup(dir);
    let mut b = Store::open(&dir.path().join("b.sqlite3")).unwrap();
    send(&a, 0, &mut b);
    let shared = a.local_changes_after(0, 100_000).unwrap().len();
    (a, b, shared, round, funded)
}

/// Both laptops' offline work reaches two more replicas in different orders (a's first,
/// or b's first); all four replicas end up identical. Returns a and b synced.
fn sync_both_orders(dir: &TempDir, mut a: Store, mut b: Store, shared: usize) -> (Store, Store) {
    let mut first_a = Store::open(&dir.path().join("first-a.sqlite3")).unwrap();
    send(&a, 0, &mut first_a);
    send(&b, 0, &mut first_a);
    let mut first_b = Store::open(&dir.path().join("first-b.sqlite3")).unwrap();
    let a_rows = a.local_changes_after(0, 100_000).unwrap();
    first_b.apply_remote(&a_rows[..shared], 0).unwrap();
    send(&b, 0, &mut first_b);
    send(&a, shared, &mut first_b);
    send(&b, 0, &mut a);
    send(&a, shared, &mut b);
    let expected = first_a.export_json().unwrap();
    for (name, replica) in [("b first", &first_b), ("laptop a", &a), ("laptop b", &b)] {
        assert!(
            replica.export_json().unwrap() == expected,
            "{name}: the order changes arrive in makes no difference"
        );
        assert!(replica.doctor().unwrap().faults.is_empty());
    }
    (a, b)
}

#[test]
fn two_letters_drafted_offline_for_one_application_are_both_kept_until_one_is_withdrawn() {
    let dir = TempDir::new().unwrap();
    let (mut a, mut b, shared, round, funded) = two_laptops(&dir);
    let from_a = a.draft_letter(funded).unwrap();
    let from_b = b.draft_letter(funded).unwrap();
    let (mut a, b) = sync_both_orders(&dir, a, b, shared);

    for replica in [&a, &b] {
        let letters = replica.round_letters(round).unwrap();
        assert_eq!(letters.len(), 2, "both letters are kept");
        for view in &letters {
            assert_eq!(view.conflicts.len(), 1, "{:?}", view.conflicts);
            let c = &view.conflicts[0];
            assert!(
                c.contains("2 letters were drafted for Hope Kitchen's application")
                    && c.contains("withdraw"),
                "{c}"
            );
            assert!(view.approved().is_none());
        }
    }
    // Nothing unsettled is approved or drafted again.
    let err = message(a.approve_letter(from_a, day(3)).unwrap_err());
    assert!(err.contains("keep one and withdraw the other"), "{err}");
    assert!(message(a.draft_letter(funded).unwrap_err()).contains("already has a letter"));

    a.withdraw_letter(from_b, "drafted twice; Sam's is the one to send", "Sam")
        .unwrap();
    let view = a.letter(from_b).unwrap();
    assert_eq!(
        view.withdrawn.as_deref(),
        Some("drafted twice; Sam's is the one to send")
    );
    assert!(message(a.withdraw_letter(from_b, "again", "Sam").unwrap_err()).contains("withdrawn"));
    let letters = a.round_letters(round).unwrap();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].id, from_a);
    let withdrawn = a.withdrawn_round_letters(round).unwrap();
    assert_eq!(
        withdrawn.len(),
        1,
        "the withdrawn letter is kept and listed apart"
    );
    assert_eq!(withdrawn[0].id, from_b);
    assert!(withdrawn[0].conflicts.is_empty());
    assert!(letters[0].conflicts.is_empty());
    assert_eq!(a.letter_for_application(funded).unwrap(), Some(from_a));
    a.approve_letter(from_a, day(3)).unwrap();
    a.mark_letter(from_a, LetterState::Printed, day(4), None)
        .unwrap();
    let ex = a.export().unwrap();
    assert_eq!(ex["letters"].as_array().unwrap().len(), 2);
    assert_eq!(ex["letter_withdrawals"].as_array().unwrap().len(), 1);
}

#[test]
fn one_version_saved_with_two_texts_offline_is_kept_and_settled_by_a_new_version() {
    let dir = TempDir::new().unwrap();
    let (mut a, mut b, shared, _, funded) = two_laptops(&dir);
    // The letter reaches both laptops, then each edits it offline.
    let letter = a.draft_letter(funded).unwrap();
    send(&a, shared, &mut b);
    let shared = a.local_changes_after(0, 100_000).unwrap().len();
    let mut text = a.letter(letter).unwrap().latest().content.clone();
    text.heading = "Edited on laptop A".into();
    assert_eq!(a.edit_letter(letter, &text).unwrap(), 2);
    text.heading = "Edited on laptop B".into();
    assert_eq!(b.edit_letter(letter, &text).unwrap(), 2);
    // Laptop A also approves its version 2 before it hears of B's.
    a.approve_letter(letter, day(9)).unwrap();
    let (mut a, b) = sync_both_orders(&dir, a, b, shared);

    let view = a.letter(letter).unwrap();
    assert_eq!(view.versions.len(), 2, "version 2 holds one text");
    assert_eq!(view.conflicts.len(), 1, "{:?}", view.conflicts);
    assert!(
        view.conflicts[0].contains("version 2 was saved with 2 different texts"),
        "{}",
        view.conflicts[0]
    );
    let clashes = a.export().unwrap()["letter_version_clashes"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(clashes, 1, "the other text is kept too");
    assert!(view.approved().is_none(), "nothing unsettled is printed");
    assert!(message(
        a.mark_letter(letter, LetterState::Printed, day(10), None)
            .unwrap_err()
    )
    .contains("different texts"));
    // A person keeps one text as version 3 and approves it. Until then nothing is
    // printable: version 2's approval may sit on the text the approver never saw.
    text.heading = "Settled".into();
    assert_eq!(a.edit_letter(letter, &text).unwrap(), 3);
    let view = a.letter(letter).unwrap();
    assert!(view.conflicts.is_empty());
    assert!(view.versions[1].clashed && view.versions[1].approved_on.is_some());
    assert!(
        view.approved().is_none(),
        "a clashed version is never printed"
    );
    let stale = Operation::LetterStateSet {
        id: Uuid::now_v7(),
        letter_id: letter,
        version: 2,
        state: LetterState::Printed,
        date: day(10),
        how: None,
    };
    assert!(message(a.apply(&stale).unwrap_err()).contains("different texts"));
    a.approve_letter(letter, day(11)).unwrap();
    assert_eq!(a.letter(letter).unwrap().approved().unwrap().version, 3);
    drop(b);
}

#[test]
fn the_earliest_approval_of_a_version_gives_its_date_whatever_the_order() {
    let dir = TempDir::new().unwrap();
    let (mut a, mut b, shared, _, funded) = two_laptops(&dir);
    let letter = a.draft_letter(funded).unwrap();
    send(&a, shared, &mut b);
    let shared = a.local_changes_after(0, 100_000).unwrap().len();
    a.approve_letter(letter, day(20)).unwrap();
    b.approve_letter(letter, day(21)).unwrap();
    let (a, b) = sync_both_orders(&dir, a, b, shared);
    // a approved first by the clock (its change was made first on this machine).
    for replica in [&a, &b] {
        let view = replica.letter(letter).unwrap();
        assert_eq!(view.versions[0].approved_on, Some(day(20)));
    }
}

#[test]
fn letters_made_before_schema_8_survive_the_migration() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("old.sqlite3");
    let (mut store, round, funded, _) = setup(&dir);
    let letter = store.draft_letter(funded).unwrap();
    store.approve_letter(letter, day(2)).unwrap();
    store
        .mark_letter(letter, LetterState::Sent, day(3), Some(Delivery::Post))
        .unwrap();
    let before = store.letter(letter).unwrap();
    // Rebuild the same rows in a version 7 file, as an older Trellis left them.
    drop(Store::open_at_version(&path, 7).unwrap());
    {
        let old = rusqlite::Connection::open(&path).unwrap();
        let src = store.path().to_path_buf();
        old.execute("ATTACH DATABASE ?1 AS new", [src.to_str().unwrap()])
            .unwrap();
        old.execute_batch(
            "PRAGMA foreign_keys = OFF;
             INSERT INTO organisation SELECT * FROM new.organisation;
             INSERT INTO round SELECT * FROM new.round;
             INSERT INTO application SELECT * FROM new.application;
             INSERT INTO decision SELECT id, application_id, decision, hlc, device_id FROM new.decision;
             INSERT INTO letter SELECT id, application_id FROM new.letter;
             INSERT INTO letter_version SELECT letter_id, version, content, approved_on, hlc, device_id FROM new.letter_version;
             INSERT INTO letter_state SELECT * FROM new.letter_state;",
        )
        .unwrap();
    }
    let migrated = Store::open(&path).unwrap();
    assert_eq!(
        migrated.schema_version().unwrap(),
        trellis_store::migrations::LATEST
    );
    let after = migrated.letter(letter).unwrap();
    assert_eq!(after.versions, before.versions);
    assert_eq!(after.states, before.states);
    assert_eq!(after.status, LetterStatus::Sent);
    assert_eq!(migrated.round_letters(round).unwrap().len(), 1);
    let faults = migrated.doctor().unwrap().faults;
    assert!(faults.iter().all(|f| !f.contains("foreign")), "{faults:?}");
}

//! The shared use cases on real SQLite files: what the app's screens and `trellis` both
//! get back.

use tempfile::TempDir;
use trellis_app_core::ballots::{self, BallotInput};
use trellis_app_core::voters;
use trellis_app_core::votes::{self, KeyedVote};
use trellis_core::ballot::record::{BallotStatus, Eligibility};
use trellis_core::ballot::Method;
use trellis_core::organisation::OrganisationInput;
use trellis_store::{Store, StoreError};
use uuid::Uuid;

fn store(dir: &TempDir) -> Store {
    Store::open(&dir.path().join("t.sqlite3")).expect("open")
}

fn org(store: &mut Store, name: &str, n: u32) -> Uuid {
    store
        .add_organisation(&OrganisationInput {
            name: name.into(),
            org_ref: format!("GB-CHC-{}", 1_200_000 + n),
            ..Default::default()
        })
        .expect("add organisation")
}

fn form(question: &str, labels: &[&str], method: Method) -> BallotInput {
    BallotInput {
        question: question.into(),
        labels: labels.iter().map(|l| l.to_string()).collect(),
        issue_ids: Vec::new(),
        method,
        eligibility: Eligibility::PerOrganisation,
        meeting_id: String::new(),
        opens_at: None,
        closes_at: None,
        seed: Some(7),
    }
}

fn field_of(e: StoreError) -> (String, String) {
    match e {
        StoreError::Invalid(invalid) => (
            invalid.errors[0].field.clone(),
            invalid.errors[0].message.clone(),
        ),
        other => panic!("expected a field error, got {other}"),
    }
}

fn keyed(ballot: Uuid, voter: &str, choices: &[&str]) -> KeyedVote {
    KeyedVote {
        ballot_id: ballot.to_string(),
        voter: voter.into(),
        choices: choices.iter().map(|c| c.to_string()).collect(),
        amounts: Vec::new(),
        paper: false,
        recorded_by: "Fola".into(),
    }
}

/// Blank option lines are dropped wherever the ballot is made (the CLI once kept them).
#[test]
fn a_ballot_is_composed_without_blank_options_and_refused_beside_its_question() {
    let dir = TempDir::new().unwrap();
    let mut s = store(&dir);
    let id = ballots::compose(
        &mut s,
        form(
            "Which topic?",
            &["Housing", "  ", "", "Parks"],
            Method::Plurality,
        ),
    )
    .unwrap();
    let labels: Vec<String> = s
        .ballot(id)
        .unwrap()
        .fields
        .options
        .into_iter()
        .map(|o| o.label)
        .collect();
    assert_eq!(labels, ["Housing", "Parks"]);
    let (field, _) =
        field_of(ballots::compose(&mut s, form("  ", &["A", "B"], Method::Plurality)).unwrap_err());
    assert_eq!(field, "question");
}

/// One function gives the confirmation both need: the id, who voted and the vote in
/// words; a second vote is refused beside the voter.
#[test]
fn a_keyed_vote_comes_back_with_its_voter_and_its_words() {
    let dir = TempDir::new().unwrap();
    let mut s = store(&dir);
    let amani = org(&mut s, "Amani Arts", 1);
    let ballot = ballots::compose(
        &mut s,
        form("Which first?", &["Housing", "Parks"], Method::RankedIrv),
    )
    .unwrap();
    s.set_ballot_status(ballot, BallotStatus::Open).unwrap();
    let cast = votes::cast(&mut s, keyed(ballot, &amani.to_string(), &["2", "1"])).unwrap();
    assert_eq!(cast.voter_label, "Amani Arts");
    assert_eq!(cast.vote_text, "1. Parks; 2. Housing");
    let rows = ballots::audit_rows(&s, ballot).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].record.id, cast.vote_id);
    assert_eq!(rows[0].vote_text, cast.vote_text);

    // By name, as the CLI types it: the same organisation, refused beside the voter.
    let (field, _) =
        field_of(votes::cast(&mut s, keyed(ballot, "Amani Arts", &["1"])).unwrap_err());
    assert_eq!(field, "voter");
}

#[test]
fn exports_carry_the_count_the_audit_and_for_ranked_ballots_rctab() {
    let dir = TempDir::new().unwrap();
    let mut s = store(&dir);
    let a = org(&mut s, "Amani Arts", 1);
    let ranked = ballots::compose(&mut s, form("Ranked?", &["X", "Y"], Method::RankedIrv)).unwrap();
    let plain = ballots::compose(&mut s, form("Plain?", &["X", "Y"], Method::Plurality)).unwrap();
    for b in [ranked, plain] {
        s.set_ballot_status(b, BallotStatus::Open).unwrap();
        votes::cast(&mut s, keyed(b, &a.to_string(), &["1"])).unwrap();
    }
    let r = ballots::exports(&s, ranked).unwrap();
    assert!(r
        .rctab_json
        .as_deref()
        .is_some_and(|j| j.contains("Ranked?")));
    assert!(r.audit_csv.contains("Amani Arts"), "{}", r.audit_csv);
    assert!(r.tally_json.contains("\"seed\""), "{}", r.tally_json);
    let p = ballots::exports(&s, plain).unwrap();
    assert_eq!(p.rctab_json, None);
    assert_eq!(
        p,
        ballots::exports(&s, plain).unwrap(),
        "the same files every time"
    );
}

#[test]
fn suggestions_offer_organisations_by_what_was_typed() {
    let dir = TempDir::new().unwrap();
    let mut s = store(&dir);
    let amani = org(&mut s, "Amani Arts", 1);
    org(&mut s, "Habesha Coffee Morning", 2);
    let ballot = ballots::compose(&mut s, form("Which?", &["X", "Y"], Method::Plurality)).unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
    let found = voters::suggestions(&s, ballot, "aman", today).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].reference, amani.to_string());
    assert_eq!(found[0].label, "Amani Arts");
}

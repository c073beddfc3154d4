//! What the store says changed, on real SQLite files: every committed write, batch and
//! applied sync page names the areas and ballots it touched, a refused one names nothing,
//! and taking it clears it. This is what lets the app refresh a projector when a vote
//! arrives by sync.

use std::collections::BTreeSet;

use tempfile::TempDir;
use trellis_core::area::Area;
use trellis_core::ballot::record::{
    BallotFields, BallotOption, BallotStatus, Channel, Eligibility, VoteFields, Voter, VoterKind,
};
use trellis_core::ballot::{Method, OptionId, Vote};
use trellis_core::op::Operation;
use trellis_core::organisation::OrganisationInput;
use trellis_store::{Changed, Store};
use uuid::Uuid;

fn store(dir: &TempDir, name: &str) -> Store {
    Store::open(&dir.path().join(name)).unwrap()
}

fn ballot() -> BallotFields {
    BallotFields {
        question: "Which topic should the round fund?".into(),
        options: ["Sickle cell care", "Maternal health"]
            .iter()
            .enumerate()
            .map(|(i, l)| BallotOption {
                id: OptionId::new(format!("o{}", i + 1)),
                label: l.to_string(),
                issue_id: None,
            })
            .collect(),
        method: Method::Plurality,
        eligibility: Eligibility::PerOrganisation,
        meeting_id: None,
        opens_at: None,
        closes_at: None,
        seed: 42,
    }
}

fn vote(ballot_id: Uuid, org: Uuid) -> VoteFields {
    VoteFields {
        ballot_id,
        voter: Voter {
            kind: VoterKind::Organisation,
            reference: org.to_string(),
        },
        vote: Vote::Choice {
            option: OptionId::new("o1"),
        },
        channel: Channel::Live,
        recorded_by: "Amara".into(),
    }
}

fn alpha(s: &mut Store) -> Uuid {
    s.add_organisation(&OrganisationInput {
        name: "Alpha".into(),
        org_ref: "GB-CHC-1200001".into(),
        ..Default::default()
    })
    .unwrap()
}

/// An organisation and an open ballot it may vote on.
fn open_ballot(s: &mut Store) -> (Uuid, Uuid) {
    let org = alpha(s);
    let id = s.create_ballot(ballot()).unwrap();
    s.set_ballot_status(id, BallotStatus::Open).unwrap();
    (org, id)
}

fn areas(c: &Changed) -> Vec<Area> {
    c.areas.iter().copied().collect()
}

#[test]
fn a_vote_cast_through_apply_names_votes_and_its_ballot_and_take_clears() {
    let dir = TempDir::new().unwrap();
    let mut s = store(&dir, "a.sqlite3");
    let (org, ballot_id) = open_ballot(&mut s);
    let setup = s.take_changed();
    assert_eq!(
        areas(&setup),
        [Area::Organisations, Area::Ballots],
        "the set-up's own writes"
    );
    assert_eq!(setup.ballots, BTreeSet::from([ballot_id]));
    assert!(s.take_changed().is_empty(), "taking clears");

    let vote_id = Uuid::now_v7();
    s.apply(&Operation::VoteCast {
        id: vote_id,
        fields: vote(ballot_id, org),
    })
    .unwrap();
    let changed = s.take_changed();
    assert_eq!(areas(&changed), [Area::Votes]);
    assert_eq!(changed.ballots, BTreeSet::from([ballot_id]));
    assert!(s.take_changed().is_empty());

    // A void names only the vote; the store finds its ballot.
    s.void_vote(vote_id, "keyed by mistake", "Amara").unwrap();
    let changed = s.take_changed();
    assert_eq!(areas(&changed), [Area::Votes]);
    assert_eq!(changed.ballots, BTreeSet::from([ballot_id]));

    // It travels to the app as JSON.
    let json = serde_json::to_value(&changed).unwrap();
    assert_eq!(json["areas"], serde_json::json!(["votes"]));
    assert_eq!(json["ballots"], serde_json::json!([ballot_id]));
}

#[test]
fn a_refused_write_or_batch_records_nothing() {
    let dir = TempDir::new().unwrap();
    let mut s = store(&dir, "a.sqlite3");
    let org = alpha(&mut s);
    let draft = s.create_ballot(ballot()).unwrap();
    s.take_changed();

    // The ballot is not open: refused by the table writes, inside the transaction.
    assert!(s.cast_vote(vote(draft, org)).is_err());
    assert!(s.take_changed().is_empty());

    // A batch whose second change is refused is rolled back whole, the first too.
    s.set_ballot_status(draft, BallotStatus::Open).unwrap();
    s.take_changed();
    let ops = [
        Operation::VoteCast {
            id: Uuid::now_v7(),
            fields: vote(draft, org),
        },
        Operation::VoteCast {
            id: Uuid::now_v7(),
            fields: vote(draft, org),
        },
    ];
    let err = s.apply_all(&ops).unwrap_err();
    assert_eq!(err.index, 1, "the second vote by the same voter");
    assert!(s.take_changed().is_empty());
    assert!(s.ballot_result(draft).unwrap().turnout == 0);

    // A batch that commits names everything in it.
    s.apply_all(&ops[..1]).unwrap();
    assert_eq!(s.take_changed().ballots, BTreeSet::from([draft]));
}

#[test]
fn a_sync_page_with_another_laptops_vote_names_its_ballot() {
    let dir = TempDir::new().unwrap();
    let mut a = store(&dir, "a.sqlite3");
    let mut b = store(&dir, "b.sqlite3");
    let (org, ballot_id) = open_ballot(&mut a);
    a.cast_vote(vote(ballot_id, org)).unwrap();
    let rows = a.local_changes_after(0, 100).unwrap();
    assert_eq!(rows.len(), 4, "organisation, ballot, opening, vote");

    let got = b.apply_remote(&rows, 4).unwrap();
    assert_eq!(got.applied, 4);
    let changed = b.take_changed();
    assert_eq!(
        areas(&changed),
        [Area::Organisations, Area::Ballots, Area::Votes]
    );
    assert_eq!(changed.ballots, BTreeSet::from([ballot_id]));

    // The same page again applies nothing, so nothing changed.
    let again = b.apply_remote(&rows, 4).unwrap();
    assert_eq!((again.applied, again.duplicates), (0, 4));
    assert!(b.take_changed().is_empty());
}

#[test]
fn a_received_vote_that_waited_names_its_ballot_when_it_applies() {
    let dir = TempDir::new().unwrap();
    let mut a = store(&dir, "a.sqlite3");
    let mut b = store(&dir, "b.sqlite3");
    let (org, ballot_id) = open_ballot(&mut a);
    a.cast_vote(vote(ballot_id, org)).unwrap();
    let rows = a.local_changes_after(0, 100).unwrap();

    // The vote arrives before its ballot: it waits, and nothing changed here.
    let vote_row = rows[3].clone();
    let got = b
        .apply_pulled([(&vote_row, Some("Amara (facilitator)"))], 1, None)
        .unwrap();
    assert_eq!((got.applied, got.set_aside), (0, 1));
    assert!(b.take_changed().is_empty());

    // The rest arrives; the waiting vote applies on the retry and names its ballot.
    let got = b
        .apply_pulled(rows[..3].iter().map(|r| (r, None)), 4, None)
        .unwrap();
    assert_eq!((got.applied, got.set_aside), (4, 0));
    let changed = b.take_changed();
    assert!(changed.touches(Area::Votes), "{changed:?}");
    assert_eq!(changed.ballots, BTreeSet::from([ballot_id]));
    assert_eq!(b.ballot_result(ballot_id).unwrap().turnout, 1);
}

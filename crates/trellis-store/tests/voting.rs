//! Meetings, issues, ballots and votes through the store, on real SQLite files.

use rusqlite::Connection;
use tempfile::TempDir;
use trellis_core::ballot::record::{
    BallotFields, BallotOption, BallotStatus, Channel, Eligibility, VoteFields, Voter, VoterKind,
};
use trellis_core::ballot::{Method, OptionId, Tally, Vote};
use trellis_core::issue::{EvidenceKind, IssueInput};
use trellis_core::meeting::MeetingInput;
use trellis_core::organisation::OrganisationInput;
use trellis_store::{Store, StoreError, VoteState};
use uuid::Uuid;

fn store(dir: &TempDir) -> Store {
    Store::open(&dir.path().join("t.sqlite3")).unwrap()
}

fn add_org(s: &mut Store, name: &str, n: u32) -> Uuid {
    s.add_organisation(&OrganisationInput {
        name: name.into(),
        org_ref: format!("GB-CHC-{}", 1_100_000 + n),
        ..Default::default()
    })
    .unwrap()
}

fn meeting(s: &mut Store) -> Uuid {
    s.add_meeting(&MeetingInput {
        kind: "assembly".into(),
        title: "Community assembly".into(),
        date: "2026-09-20".into(),
        time: "18:00".into(),
        venue: "Mill Lane Centre".into(),
        facilitators: vec!["Amara Okafor".into()],
    })
    .unwrap()
}

fn options(labels: &[&str]) -> Vec<BallotOption> {
    labels
        .iter()
        .enumerate()
        .map(|(i, l)| BallotOption {
            id: OptionId::new(format!("o{}", i + 1)),
            label: l.to_string(),
            issue_id: None,
        })
        .collect()
}

fn ballot(method: Method, eligibility: Eligibility, meeting_id: Option<Uuid>) -> BallotFields {
    BallotFields {
        question: "Which topic should the round fund?".into(),
        options: options(&["Sickle cell care", "Maternal health", "Mental health"]),
        method,
        eligibility,
        meeting_id,
        opens_at: None,
        closes_at: None,
        seed: 42,
    }
}

fn choice(o: &str) -> Vote {
    Vote::Choice {
        option: OptionId::new(o),
    }
}

fn org_vote(ballot_id: Uuid, org: Uuid, vote: Vote) -> VoteFields {
    VoteFields {
        ballot_id,
        voter: Voter {
            kind: VoterKind::Organisation,
            reference: org.to_string(),
        },
        vote,
        channel: Channel::Live,
        recorded_by: "Amara".into(),
    }
}

fn counts(t: &Tally) -> Vec<u64> {
    match t {
        Tally::Plurality(c) => c.counts.iter().map(|o| o.count).collect(),
        other => panic!("{other:?}"),
    }
}

fn invalid_field(e: StoreError) -> (String, String) {
    match e {
        StoreError::Invalid(i) => (i.errors[0].field.clone(), i.errors[0].message.clone()),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

#[test]
fn a_ballot_takes_one_vote_per_organisation_and_voids_are_new_facts() {
    let dir = TempDir::new().unwrap();
    let mut s = store(&dir);
    let (a, b, c) = (
        add_org(&mut s, "Alpha", 1),
        add_org(&mut s, "Beta", 2),
        add_org(&mut s, "Gamma", 3),
    );
    let id = s
        .create_ballot(ballot(
            Method::Plurality,
            Eligibility::PerOrganisation,
            None,
        ))
        .unwrap();

    let (field, msg) = invalid_field(s.cast_vote(org_vote(id, a, choice("o1"))).unwrap_err());
    assert_eq!(field, "ballot_id");
    assert!(msg.contains("not open"), "{msg}");

    s.set_ballot_status(id, BallotStatus::Open).unwrap();
    let first = s.cast_vote(org_vote(id, a, choice("o1"))).unwrap();
    s.cast_vote(org_vote(id, b, choice("o2"))).unwrap();
    s.cast_vote(org_vote(id, c, choice("o2"))).unwrap();
    let (field, msg) = invalid_field(s.cast_vote(org_vote(id, a, choice("o3"))).unwrap_err());
    assert_eq!(field, "voter");
    assert!(msg.contains("already voted"), "{msg}");
    assert_eq!(counts(&s.ballot_result(id).unwrap().tally), [1, 2, 0]);

    // A mistaken vote is voided, never deleted, and the voter may then vote again.
    s.void_vote(first, "keyed option 1 by mistake", "Amara")
        .unwrap();
    assert!(
        s.void_vote(first, "again", "Amara").is_err(),
        "a vote is voided once"
    );
    s.cast_vote(org_vote(id, a, choice("o3"))).unwrap();
    let result = s.ballot_result(id).unwrap();
    assert_eq!(counts(&result.tally), [0, 2, 1]);
    assert_eq!((result.turnout, result.voided), (3, 1));
    let audit = s.ballot_votes(id).unwrap();
    assert_eq!(audit.len(), 4, "the voided vote stays on the audit list");
    assert_eq!(audit[0].state, VoteState::Voided);
    assert_eq!(
        audit[0].void.as_ref().unwrap().reason,
        "keyed option 1 by mistake"
    );
    assert_eq!(audit[0].voter_label, "Alpha");
    assert!(audit[0].recorded_at.ends_with('Z'));

    s.set_ballot_status(id, BallotStatus::Closed).unwrap();
    let late = add_org(&mut s, "Delta", 4);
    let (_, msg) = invalid_field(s.cast_vote(org_vote(id, late, choice("o1"))).unwrap_err());
    assert!(msg.contains("closed"), "{msg}");
    s.cast_vote(VoteFields {
        channel: Channel::Paper,
        ..org_vote(id, late, choice("o1"))
    })
    .unwrap();
    assert_eq!(s.ballot_result(id).unwrap().turnout, 4);
    assert!(s.set_ballot_status(id, BallotStatus::Draft).is_err());
}

#[test]
fn votes_must_fit_the_ballot_and_the_voter_must_be_eligible() {
    let dir = TempDir::new().unwrap();
    let mut s = store(&dir);
    let a = add_org(&mut s, "Alpha", 1);
    let m = meeting(&mut s);
    let id = s
        .create_ballot(ballot(
            Method::Dots {
                per_voter: 3,
                max_per_option: 2,
            },
            Eligibility::PerAttendee,
            Some(m),
        ))
        .unwrap();
    s.set_ballot_status(id, BallotStatus::Open).unwrap();
    let ade = s.attend(m, None, "Ade", true).unwrap();
    let for_alpha = s.attend(m, Some(a), "", false).unwrap();
    let dots = |spec: &[(&str, u32)]| Vote::Dots {
        dots: spec
            .iter()
            .map(|(o, n)| trellis_core::ballot::DotsOn {
                option: OptionId::new(*o),
                dots: *n,
            })
            .collect(),
    };
    let attendee = |reference: String, vote: Vote| VoteFields {
        ballot_id: id,
        voter: Voter {
            kind: VoterKind::Attendee,
            reference,
        },
        vote,
        channel: Channel::Live,
        recorded_by: "Amara".into(),
    };
    let (field, msg) = invalid_field(
        s.cast_vote(attendee(ade.to_string(), dots(&[("o1", 3)])))
            .unwrap_err(),
    );
    assert_eq!(field, "vote");
    assert!(msg.contains("at most 2"), "{msg}");
    let (field, _) = invalid_field(
        s.cast_vote(org_vote(id, a, dots(&[("o1", 1)])))
            .unwrap_err(),
    );
    assert_eq!(field, "voter");
    let (_, msg) = invalid_field(
        s.cast_vote(attendee(Uuid::now_v7().to_string(), dots(&[("o1", 1)])))
            .unwrap_err(),
    );
    assert!(msg.contains("attendance list"), "{msg}");
    s.cast_vote(attendee(ade.to_string(), dots(&[("o1", 2), ("o3", 1)])))
        .unwrap();
    s.cast_vote(attendee(for_alpha.to_string(), dots(&[("o3", 2)])))
        .unwrap();
    assert_eq!(
        s.resolve_voter(id, "ade").unwrap().reference,
        ade.to_string()
    );
    assert_eq!(
        s.resolve_voter(id, "Alpha").unwrap().reference,
        for_alpha.to_string()
    );
    match s.ballot_result(id).unwrap().tally {
        Tally::Dots(c) => assert_eq!(
            c.counts.iter().map(|o| o.count).collect::<Vec<_>>(),
            [2, 0, 3]
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn anonymous_tokens_are_issued_once_and_checked() {
    let dir = TempDir::new().unwrap();
    let mut s = store(&dir);
    let id = s
        .create_ballot(ballot(Method::Approval, Eligibility::AnonymousToken, None))
        .unwrap();
    s.set_ballot_status(id, BallotStatus::Open).unwrap();
    let tokens = s.issue_tokens(id, 50).unwrap();
    let mut unique = tokens.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 50);
    assert!(tokens
        .iter()
        .all(|t| t.len() == 6 && !t.contains('0') && !t.contains('O')));
    let vote = |token: &str| VoteFields {
        ballot_id: id,
        voter: Voter {
            kind: VoterKind::Token,
            reference: token.into(),
        },
        vote: Vote::Approval {
            options: vec![OptionId::new("o1"), OptionId::new("o2")],
        },
        channel: Channel::Live,
        recorded_by: "Amara".into(),
    };
    s.cast_vote(vote(&tokens[0])).unwrap();
    let (_, msg) = invalid_field(s.cast_vote(vote("ZZZZZZ")).unwrap_err());
    assert!(msg.contains("token issued"), "{msg}");
    assert!(s.cast_vote(vote(&tokens[0])).is_err());
    assert_eq!(
        s.resolve_voter(id, &tokens[1].to_lowercase())
            .unwrap()
            .reference,
        tokens[1]
    );
}

/// Two offline laptops can both record a vote for one voter; sync (a later issue) will
/// deliver both. Until then this inserts the second laptop's row directly, as sync will.
#[test]
fn a_double_vote_from_two_laptops_is_shown_and_not_counted_until_resolved() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("t.sqlite3");
    let mut s = Store::open(&path).unwrap();
    let (a, b) = (add_org(&mut s, "Alpha", 1), add_org(&mut s, "Beta", 2));
    let id = s
        .create_ballot(ballot(
            Method::Plurality,
            Eligibility::PerOrganisation,
            None,
        ))
        .unwrap();
    s.set_ballot_status(id, BallotStatus::Open).unwrap();
    let mine = s.cast_vote(org_vote(id, a, choice("o1"))).unwrap();
    s.cast_vote(org_vote(id, b, choice("o1"))).unwrap();
    let theirs = Uuid::now_v7();
    Connection::open(&path)
        .unwrap()
        .execute(
            "INSERT INTO vote (id, ballot_id, voter_kind, voter_ref, voter_key, vote, channel, recorded_by, device_id, hlc)
             VALUES (?1, ?2, 'organisation', ?3, ?4, ?5, 'live', 'Kwame', ?6, '000001790000000000-0000000000')",
            rusqlite::params![
                theirs.to_string(),
                id.to_string(),
                a.to_string(),
                format!("organisation:{a}"),
                serde_json::to_string(&choice("o2")).unwrap(),
                Uuid::now_v7().to_string()
            ],
        )
        .unwrap();
    let result = s.ballot_result(id).unwrap();
    assert_eq!(
        counts(&result.tally),
        [1, 0, 0],
        "neither of Alpha's votes counts yet"
    );
    assert_eq!(result.unresolved.len(), 1);
    assert_eq!(result.unresolved[0].voter_label, "Alpha");
    assert_eq!(s.ballots().unwrap()[0].unresolved_conflicts, 1);
    let audit = s.ballot_votes(id).unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|v| v.state == VoteState::Conflict)
            .count(),
        2
    );

    let key = format!("organisation:{a}");
    assert!(s
        .resolve_conflict(id, &key, Uuid::now_v7(), "?", "Amara")
        .is_err());
    s.resolve_conflict(
        id,
        &key,
        theirs,
        "Alpha's delegate confirmed option 2",
        "Amara",
    )
    .unwrap();
    let result = s.ballot_result(id).unwrap();
    assert_eq!(counts(&result.tally), [1, 1, 0]);
    assert!(result.unresolved.is_empty());
    let audit = s.ballot_votes(id).unwrap();
    assert_eq!(
        audit.iter().find(|v| v.id == mine).unwrap().state,
        VoteState::Superseded
    );
}

#[test]
fn issues_merge_keeping_both_sources_and_gather_evidence() {
    let dir = TempDir::new().unwrap();
    let mut s = store(&dir);
    let forum = meeting(&mut s);
    let assembly = meeting(&mut s);
    let raise = |s: &mut Store, m: Uuid, title: &str, quote: &str, code: &str| {
        s.raise_issue(&IssueInput {
            title: title.into(),
            meeting_id: m.to_string(),
            communities: vec![code.into()],
            quotes: vec![quote.into()],
            ..Default::default()
        })
        .unwrap()
    };
    let one = raise(
        &mut s,
        forum,
        "No interpreters at the GP",
        "My son translates for me.",
        "DEI010110",
    );
    let two = raise(
        &mut s,
        assembly,
        "Interpreting at GP surgeries",
        "I wait weeks for an interpreter.",
        "DEI010320",
    );
    s.add_evidence(
        two,
        EvidenceKind::Link,
        "Healthwatch report",
        "https://example.org/report",
    )
    .unwrap();
    assert!(s
        .add_evidence(two, EvidenceKind::Link, "bad", "ftp://x")
        .is_err());
    let photo = dir.path().join("flip chart.png");
    std::fs::write(&photo, b"\x89PNG flip chart photo").unwrap();
    s.add_evidence_file(two, &photo, "Photo of the forum's flip chart")
        .unwrap();
    assert!(
        s.add_evidence_file(two, &dir.path().join("missing.pdf"), "x")
            .is_err(),
        "a missing file is named, nothing recorded"
    );
    s.merge_issues(two, one).unwrap();
    assert!(
        s.merge_issues(one, two).is_err(),
        "no merging into a merged issue"
    );
    let issues = s.issues(false).unwrap();
    assert_eq!(issues.len(), 1);
    let merged = &issues[0];
    assert_eq!(merged.sources.len(), 2, "both meetings stay listed");
    assert_eq!(merged.quotes.len(), 2);
    assert_eq!(merged.communities, ["DEI010110", "DEI010320"]);
    assert_eq!(merged.evidence.len(), 2);
    let file = merged
        .evidence
        .iter()
        .find(|e| e.kind == EvidenceKind::File)
        .unwrap();
    let stored = file.attachment.as_ref().unwrap();
    assert_eq!(
        (stored.file_name.as_str(), stored.media_type.as_str()),
        ("flip chart.png", "image/png")
    );
    assert!(
        s.attachment_path(&stored.sha256).is_ok(),
        "the file is in the store"
    );
    assert_eq!(s.issues(true).unwrap().len(), 2);
    s.add_note(forum, "Idea: community interpreters' bank", vec![one])
        .unwrap();
    assert!(s.add_note(forum, "x", vec![Uuid::now_v7()]).is_err());
}

#[test]
fn voting_data_is_in_the_export_and_doctor_counts_it() {
    let dir = TempDir::new().unwrap();
    let mut s = store(&dir);
    let a = add_org(&mut s, "Alpha", 1);
    let id = s
        .create_ballot(ballot(
            Method::Plurality,
            Eligibility::PerOrganisation,
            None,
        ))
        .unwrap();
    s.set_ballot_status(id, BallotStatus::Open).unwrap();
    let v = s.cast_vote(org_vote(id, a, choice("o2"))).unwrap();
    s.void_vote(v, "wrong organisation", "Amara").unwrap();
    let export: serde_json::Value = serde_json::from_str(&s.export_json().unwrap()).unwrap();
    assert_eq!(export["ballots"][0]["status"], "open");
    assert_eq!(export["votes"][0]["vote"]["option"], "o2");
    assert_eq!(export["vote_voids"][0]["reason"], "wrong organisation");
    let report = s.doctor().unwrap();
    assert!(report.healthy(), "{:?}", report.faults);
    assert_eq!((report.counts["vote"], report.counts["vote_void"]), (1, 1));
}

#[test]
fn paper_ballots_import_all_or_nothing_with_line_numbers() {
    let dir = TempDir::new().unwrap();
    let mut s = store(&dir);
    add_org(&mut s, "Alpha", 1);
    add_org(&mut s, "Beta", 2);
    add_org(&mut s, "Gamma", 3);
    let id = s
        .create_ballot(ballot(
            Method::RankedIrv,
            Eligibility::PerOrganisation,
            None,
        ))
        .unwrap();
    s.set_ballot_status(id, BallotStatus::Open).unwrap();
    let bad = "voter,choice_1,choice_2\nAlpha,1,2\nNobody,2,3\nGB-CHC-1100003,Housing,\n";
    let err = s.import_votes(id, bad, "Amara").unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("line 4") && text.contains("Housing"),
        "{text}"
    );
    assert_eq!(s.ballot_result(id).unwrap().turnout, 0, "nothing imported");
    let unknown_voter = "voter,choice_1\nAlpha,1\nNobody,2\n";
    let text = s
        .import_votes(id, unknown_voter, "Amara")
        .unwrap_err()
        .to_string();
    assert!(text.contains("line 3") && text.contains("Nobody"), "{text}");
    assert_eq!(s.ballot_result(id).unwrap().turnout, 0);
    let good = "voter,choice_1,choice_2\nAlpha,1,2\nBeta,Maternal health,\nGB-CHC-1100003,3,1\n";
    assert_eq!(s.import_votes(id, good, "Amara").unwrap(), 3);
    // Importing the same file again would make second votes: refused whole, by line.
    let text = s.import_votes(id, good, "Amara").unwrap_err().to_string();
    assert!(
        text.contains("line 2") && text.contains("already voted"),
        "{text}"
    );
    assert_eq!(s.ballot_result(id).unwrap().turnout, 3);
    assert!(s
        .ballot_votes(id)
        .unwrap()
        .iter()
        .all(|v| v.channel == Channel::Import));
}

#[test]
fn two_issues_merged_into_each_other_on_two_laptops_leave_one_standing() {
    let dir = TempDir::new().unwrap();
    let mut a = store(&dir);
    let mut b = Store::open(&dir.path().join("b.sqlite3")).unwrap();
    let raise = |s: &mut Store, title: &str, quote: &str| {
        s.raise_issue(&IssueInput {
            title: title.into(),
            description: "Raised at the assembly.".into(),
            quotes: vec![quote.into()],
            ..Default::default()
        })
        .unwrap()
    };
    let x = raise(
        &mut a,
        "No interpreters at the GP",
        "\"I brought my daughter.\"",
    );
    let y = raise(
        &mut a,
        "Interpreting at surgeries",
        "\"Nobody could explain.\"",
    );
    b.apply_remote(&a.local_changes_after(0, 100).unwrap(), 0)
        .unwrap();
    let shared = a.local_changes_after(0, 100).unwrap().len() as i64;
    // Offline, each laptop merges the other way.
    a.merge_issues(x, y).unwrap();
    b.merge_issues(y, x).unwrap();
    a.apply_remote(&b.local_changes_after(0, 100).unwrap(), 0)
        .unwrap();
    b.apply_remote(&a.local_changes_after(shared, 100).unwrap(), 0)
        .unwrap();
    for s in [&a, &b] {
        let issues = s.issues(false).unwrap();
        assert_eq!(issues.len(), 1, "one issue stands, not none");
        assert_eq!(issues[0].id, x.min(y));
        assert_eq!(issues[0].quotes.len(), 2, "{:?}", issues[0].quotes);
    }
    assert_eq!(a.export_json().unwrap(), b.export_json().unwrap());
}

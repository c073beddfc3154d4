//! Keeps ui/src/voting/api.ts honest, as ui_contract.rs does for api.ts: real values from
//! a demo database (its closed, revealed IRV topic ballot with one void) and the shell's
//! own voting types must carry exactly the keys the TypeScript interfaces name.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Serialize;
use serde_json::Value;
use trellis_store::Store;

use crate::ui_contract::interfaces;
use crate::voting::{AuditRow, BallotExports, CastVote, VoterChoice};

fn keys(value: &impl Serialize) -> BTreeSet<String> {
    object_keys(&serde_json::to_value(value).unwrap())
}

fn object_keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("expected an object, got {value}"))
        .keys()
        .cloned()
        .collect()
}

#[test]
fn voting_api_ts_matches_the_json_the_shell_sends() {
    let source = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/voting/api.ts"),
    )
    .unwrap();
    let ts = interfaces(&source);

    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("t.sqlite3")).unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    store.load_demo(today).unwrap();

    let meetings = store.meetings().unwrap();
    let attendee = meetings
        .iter()
        .flat_map(|m| store.attendance(m.id).unwrap())
        .next()
        .expect("the demo has attendance");
    let issues = store.issues(false).unwrap();
    let ballots = store.ballots().unwrap();
    let ballot = ballots
        .iter()
        .find(|b| b.voided > 0)
        .expect("the demo ballot has a void");
    let view = store.ballot(ballot.id).unwrap();
    let result = store.ballot_result(ballot.id).unwrap();
    let record = store
        .ballot_votes(ballot.id)
        .unwrap()
        .into_iter()
        .find(|r| r.void.is_some())
        .unwrap();
    let tally = serde_json::to_value(&result.tally).unwrap();
    let mut irv = object_keys(&tally);
    irv.remove("method");
    let round = tally["rounds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| !r["eliminated"].is_null())
        .expect("the demo count eliminates someone")
        .clone();

    let checks: Vec<(&str, BTreeSet<String>)> = vec![
        ("MeetingSummary", keys(&meetings[0])),
        (
            "MeetingInput",
            keys(&trellis_core::meeting::MeetingInput::default()),
        ),
        ("Attendee", keys(&attendee)),
        ("IssueSummary", keys(&issues[0])),
        ("IssueSource", keys(&issues[0].sources[0])),
        (
            "IssueInput",
            keys(&trellis_core::issue::IssueInput::default()),
        ),
        ("BallotSummary", keys(ballot)),
        ("BallotOption", keys(&view.fields.options[0])),
        ("BallotResult", keys(&result)),
        ("IrvResult", irv),
        ("IrvRound", object_keys(&round)),
        ("Elimination", object_keys(&round["eliminated"])),
        ("OptionCount", object_keys(&round["tallies"][0])),
        (
            "AuditRow",
            keys(&AuditRow {
                record,
                vote_text: String::new(),
            }),
        ),
        (
            "VoterChoice",
            keys(&VoterChoice {
                reference: String::new(),
                label: String::new(),
                detail: String::new(),
            }),
        ),
        (
            "CastVote",
            keys(&CastVote {
                vote_id: uuid::Uuid::nil(),
                voter_label: String::new(),
                vote_text: String::new(),
            }),
        ),
        (
            "BallotExports",
            keys(&BallotExports {
                tally_csv: String::new(),
                tally_json: String::new(),
                audit_csv: String::new(),
                rctab_json: None,
            }),
        ),
    ];
    for (name, expected) in checks {
        let found = ts
            .get(name)
            .unwrap_or_else(|| panic!("ui/src/voting/api.ts has no interface {name}"));
        assert_eq!(found, &expected, "interface {name} in ui/src/voting/api.ts");
    }

    // BallotView: every key the JSON has is in the interface; the interface's other keys
    // are the optional ones the JSON leaves out when empty.
    let view_keys = keys(&view);
    let ts_view = &ts["BallotView"];
    assert!(
        view_keys.is_subset(ts_view),
        "BallotView: {view_keys:?} vs {ts_view:?}"
    );
    for extra in ts_view.difference(&view_keys) {
        assert!(
            ["meeting_id", "opens_at", "closes_at"].contains(&extra.as_str()),
            "BallotView names {extra}, which the shell never sends"
        );
    }
    assert_eq!(
        ts["KeyedVote"],
        [
            "ballot_id",
            "voter",
            "choices",
            "amounts",
            "paper",
            "recorded_by"
        ]
        .iter()
        .map(|s| s.to_string())
        .collect::<BTreeSet<_>>()
    );
}

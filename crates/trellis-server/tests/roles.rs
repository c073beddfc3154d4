//! Role-scoped replication and conflicting facts, through the real server over loopback.

mod common;

use common::TestServer;
use rusqlite::Connection;
use serde_json::Value;
use tempfile::TempDir;
use trellis_core::ballot::record::{
    BallotFields, BallotOption, BallotStatus, Channel, Eligibility, VoteFields, Voter, VoterKind,
};
use trellis_core::ballot::{Method, OptionId, Vote};
use trellis_core::grants::scoring::{PanelRole, Score};
use trellis_core::organisation::OrganisationInput;
use trellis_server::roles::is_grants_kind;
use trellis_server::{Role, ServerStore};
use trellis_store::Store;
use trellis_sync::client::sync;
use uuid::Uuid;

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
}

/// (kind, payload) of every change in a laptop's log.
fn log(store: &Store) -> Vec<(String, Value)> {
    let conn = Connection::open(store.path()).unwrap();
    let mut stmt = conn
        .prepare("SELECT kind, payload FROM change_log ORDER BY device_id, device_seq")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get::<_, String>(1)?)))
        .unwrap()
        .map(|r| {
            let (k, p) = r.unwrap();
            (k, serde_json::from_str(&p).unwrap())
        })
        .collect()
}

fn scores_of(store: &Store, kind: &str, application: Uuid) -> Vec<String> {
    log(store)
        .into_iter()
        .filter(|(k, p)| k == kind && p["application_id"] == application.to_string())
        .map(|(_, p)| p["assessor_id"].as_str().unwrap().to_owned())
        .collect()
}

/// A staff laptop with the demo programme and two more assessors, Zara and Yusuf.
struct DemoPanel {
    staff: Store,
    zara: Uuid,
    yusuf: Uuid,
    /// The demo round's first two applications.
    x: Uuid,
    y: Uuid,
    /// Any valid sheet of scores for the round's rubric.
    sheet: Vec<Score>,
}

impl DemoPanel {
    fn new(server: &TestServer, dir: &TempDir) -> DemoPanel {
        let mut staff = server.laptop(dir.path(), "staff", "sam", Role::Staff);
        staff.load_demo(today()).unwrap();
        let zara = staff.add_panel_member("Zara", PanelRole::Assessor).unwrap();
        let yusuf = staff
            .add_panel_member("Yusuf", PanelRole::Assessor)
            .unwrap();
        let round = staff.rounds().unwrap()[0].id;
        let apps = staff.applications(round).unwrap();
        let sheet = log(&staff)
            .into_iter()
            .find(|(k, _)| k == "score.submit")
            .map(|(_, p)| serde_json::from_value(p["scores"].clone()).unwrap())
            .unwrap();
        DemoPanel {
            staff,
            zara,
            yusuf,
            x: apps[0].id,
            y: apps[1].id,
            sheet,
        }
    }
}

#[test]
fn each_role_receives_only_what_it_may_see() {
    let server = TestServer::start();
    let dir = TempDir::new().unwrap();
    let DemoPanel {
        mut staff,
        zara,
        yusuf,
        x,
        y,
        sheet,
    } = DemoPanel::new(&server, &dir);
    for app in [x, y] {
        staff.assign(app, zara).unwrap();
        staff.assign(app, yusuf).unwrap();
    }
    staff.declare(x, yusuf, false, "").unwrap();
    staff.submit_scores(x, yusuf, sheet.clone()).unwrap();
    staff.declare(y, yusuf, false, "").unwrap();
    staff.save_draft(y, yusuf, sheet.clone()).unwrap();
    sync(&mut staff).unwrap();

    // Panel member Zara, before submitting: applications yes, nobody's scores or drafts.
    let mut panel = server.laptop(dir.path(), "zara", "Zara", Role::Panel);
    sync(&mut panel).unwrap();
    let got = log(&panel);
    assert!(got.iter().any(|(k, _)| k == "application.create"));
    assert!(
        got.iter().all(|(k, _)| !k.starts_with("score.")),
        "no scores before her own submission"
    );
    // She submits for x: now she receives the others' submitted scores for x only.
    panel.declare(x, zara, false, "none").unwrap();
    panel.submit_scores(x, zara, sheet.clone()).unwrap();
    sync(&mut panel).unwrap();
    let others_x = scores_of(&panel, "score.submit", x);
    assert!(others_x.contains(&yusuf.to_string()), "{others_x:?}");
    assert!(others_x.len() >= 3, "the demo assessors' too: {others_x:?}");
    assert!(scores_of(&panel, "score.submit", y).is_empty());
    assert!(
        log(&panel).iter().all(|(k, _)| k != "score.draft"),
        "never others' drafts"
    );
    // Released rows arrive after later ones from the same device: applied all the same.
    assert_eq!(panel.sync_state().unwrap().waiting, 0);

    // A facilitator: meetings, issues, ballots, votes, organisations; no grants kinds.
    let mut facilitator = server.laptop(dir.path(), "femi", "Femi", Role::Facilitator);
    sync(&mut facilitator).unwrap();
    let got = log(&facilitator);
    assert!(got.iter().any(|(k, _)| k == "vote.cast"));
    assert!(got.iter().any(|(k, _)| k == "organisation.create"));
    let leaked: Vec<_> = got.iter().filter(|(k, _)| is_grants_kind(k)).collect();
    assert!(leaked.is_empty(), "{leaked:?}");

    // Staff receive everything, and converge byte for byte.
    let mut staff2 = server.laptop(dir.path(), "staff2", "sian", Role::Staff);
    sync(&mut staff2).unwrap();
    sync(&mut staff).unwrap();
    assert_eq!(staff.export_json().unwrap(), staff2.export_json().unwrap());
    assert!(staff2.doctor().unwrap().healthy());
}

#[test]
fn two_laptops_voting_for_one_organisation_offline_show_one_conflict() {
    let server = TestServer::start();
    let dir = TempDir::new().unwrap();
    let mut a = server.laptop(dir.path(), "a", "amina", Role::Facilitator);
    let mut b = server.laptop(dir.path(), "b", "ben", Role::Facilitator);
    let org = a
        .add_organisation(&OrganisationInput {
            name: "Riverside Elders".into(),
            org_ref: "GB-CHC-1000001".into(),
            ..Default::default()
        })
        .unwrap();
    let ballot = a
        .create_ballot(BallotFields {
            question: "Which topic?".into(),
            options: (1..=3)
                .map(|i| BallotOption {
                    id: OptionId::new(format!("o{i}")),
                    label: format!("Topic {i}"),
                    issue_id: None,
                })
                .collect(),
            method: Method::RankedIrv,
            eligibility: Eligibility::PerOrganisation,
            meeting_id: None,
            opens_at: None,
            closes_at: None,
            seed: 7,
        })
        .unwrap();
    a.set_ballot_status(ballot, BallotStatus::Open).unwrap();
    sync(&mut a).unwrap();
    sync(&mut b).unwrap();
    for (laptop, option) in [(&mut a, "o1"), (&mut b, "o2")] {
        laptop
            .cast_vote(VoteFields {
                ballot_id: ballot,
                voter: Voter {
                    kind: VoterKind::Organisation,
                    reference: org.to_string(),
                },
                vote: Vote::Ranking {
                    ranking: vec![Some(OptionId::new(option))],
                },
                channel: Channel::Live,
                recorded_by: "laptop".into(),
            })
            .unwrap();
    }
    sync(&mut a).unwrap();
    sync(&mut b).unwrap();
    sync(&mut a).unwrap();
    for laptop in [&a, &b] {
        let summary = &laptop.ballots().unwrap()[0];
        assert_eq!(summary.unresolved_conflicts, 1);
        assert_eq!(laptop.ballot_votes(ballot).unwrap().len(), 2, "both kept");
        let result = laptop.ballot_result(ballot).unwrap();
        assert_eq!(result.unresolved.len(), 1);
        assert!(
            result.turnout <= 1,
            "never double counted: {}",
            result.turnout
        );
    }
    assert_eq!(a.export_json().unwrap(), b.export_json().unwrap());
}

#[test]
fn a_laptop_holding_grants_work_is_not_enrolled_as_a_facilitator_and_the_code_is_kept() {
    let server = TestServer::start();
    let dir = TempDir::new().unwrap();
    let mut demo = Store::open(&dir.path().join("demo.sqlite3")).unwrap();
    demo.load_demo(today()).unwrap();
    let code = server.code("femi", Role::Facilitator);
    let err = trellis_sync::client::enrol(&demo, &server.url, &code)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("409 holds_forbidden_changes")
            && err.contains("score.submit")
            && err.contains("the code was not used"),
        "{err}"
    );
    assert!(!trellis_sync::client::credentials_path(demo.path()).exists());
    assert!(server.store.devices().unwrap().is_empty());
    // The same code still enrols a fresh database, which then syncs without getting stuck.
    let mut fresh = Store::open(&dir.path().join("fresh.sqlite3")).unwrap();
    trellis_sync::client::enrol(&fresh, &server.url, &code).unwrap();
    sync(&mut fresh).unwrap();
    // Staff may hold grants work.
    let staff_code = server.code("sam", Role::Staff);
    trellis_sync::client::enrol(&demo, &server.url, &staff_code).unwrap();
    sync(&mut demo).unwrap();
}

#[test]
fn a_panel_member_scores_only_as_themselves() {
    let server = TestServer::start();
    let dir = TempDir::new().unwrap();
    let DemoPanel {
        mut staff,
        zara,
        yusuf,
        x,
        sheet,
        ..
    } = DemoPanel::new(&server, &dir);
    staff.assign(x, zara).unwrap();
    staff.assign(x, yusuf).unwrap();
    sync(&mut staff).unwrap();

    let mut panel = server.laptop(dir.path(), "zara", "Zara", Role::Panel);
    sync(&mut panel).unwrap();
    panel.declare(x, zara, false, "none").unwrap();
    panel.submit_scores(x, zara, sheet.clone()).unwrap();
    sync(&mut panel).unwrap();
    let stored = server.changes_stored();
    // Her laptop records a score in Yusuf's name: the server will not take it, and the
    // laptop sets it aside instead of holding every later change behind it.
    panel.declare(x, yusuf, false, "").unwrap();
    let report = sync(&mut panel).unwrap();
    assert_eq!(report.set_aside, 1);
    assert_eq!(
        server.changes_stored(),
        stored,
        "nothing of that push stored"
    );
    let aside = panel.set_aside().unwrap();
    assert_eq!(aside.len(), 1);
    assert_eq!(aside[0].error, "not_your_score");
    assert!(
        aside[0].reason.contains(&yusuf.to_string()) && aside[0].reason.contains("Zara"),
        "{}",
        aside[0].reason
    );
    // Her next change goes through.
    panel.declare(x, zara, false, "still none").unwrap();
    let report = sync(&mut panel).unwrap();
    assert_eq!((report.pushed, report.set_aside), (1, 0));
    assert_eq!(server.changes_stored(), stored + 1);
}

#[test]
fn facilitators_receive_organisations_without_their_equality_data() {
    let server = TestServer::start();
    let dir = TempDir::new().unwrap();
    let mut staff = server.laptop(dir.path(), "staff", "sam", Role::Staff);
    staff.load_demo(today()).unwrap();
    sync(&mut staff).unwrap();
    let led = |s: &Store| -> Vec<(String, usize, usize)> {
        s.organisations("", today())
            .unwrap()
            .into_iter()
            .map(|o| {
                let d = s.organisation(o.id, today()).unwrap();
                (o.name, o.led_by.len(), d.communities_served.len())
            })
            .collect()
    };
    assert!(
        led(&staff).iter().any(|(_, l, c)| *l > 0 && *c > 0),
        "the demo has equality data to withhold"
    );

    // Femi's first laptop: every organisation, none of their equality data.
    let mut femi = server.laptop(dir.path(), "femi-1", "Femi", Role::Facilitator);
    sync(&mut femi).unwrap();
    let got = led(&femi);
    assert_eq!(got.len(), led(&staff).len());
    assert!(got.iter().all(|(_, l, c)| *l == 0 && *c == 0), "{got:?}");
    // An organisation Femi registers at a forum keeps what Femi typed, on Femi's other
    // laptop too; another facilitator receives it without the equality data.
    femi.add_organisation(&OrganisationInput {
        name: "Walk-in Collective".into(),
        org_ref: "GB-CHC-1000009".into(),
        led_by: vec!["DEI010100".into()],
        ..Default::default()
    })
    .unwrap();
    sync(&mut femi).unwrap();
    let mut femi2 = server.laptop(dir.path(), "femi-2", "Femi", Role::Facilitator);
    sync(&mut femi2).unwrap();
    assert_eq!(femi.export_json().unwrap(), femi2.export_json().unwrap());
    let mut gita = server.laptop(dir.path(), "gita", "Gita", Role::Facilitator);
    sync(&mut gita).unwrap();
    let walk_in = |s: &Store| {
        led(s)
            .into_iter()
            .find(|(n, _, _)| n == "Walk-in Collective")
            .unwrap()
            .1
    };
    assert_eq!(walk_in(&femi2), 1);
    assert_eq!(walk_in(&gita), 0);
    sync(&mut staff).unwrap();
    assert_eq!(walk_in(&staff), 1, "staff receive it whole");
}

/// The role table (`trellis_core::roles`), every kind × every role, on both sides: the
/// server refuses exactly the kinds the table refuses a role (403 `role_forbids`, or
/// `not_your_score` for a score not made as the user's own panel member), and a laptop
/// limited to the role refuses the same before anything is written. The changes are one
/// real change of each kind, kept from a run of the convergence test.
#[test]
fn every_kind_and_role_is_allowed_or_refused_as_the_table_says_on_laptop_and_server() {
    use trellis_core::op::{Operation, KINDS};
    use trellis_core::roles::{Push, ROLES};
    use trellis_store::{ChangeRow, StoreError};

    let changes: Vec<ChangeRow> =
        serde_json::from_str(include_str!("fixtures/one_change_of_each_kind.json")).unwrap();
    let kinds: Vec<&str> = changes.iter().map(|c| c.kind.as_str()).collect();
    assert_eq!(kinds, KINDS, "one change of every kind, in order");
    let server = TestServer::start();
    let dir = TempDir::new().unwrap();
    for role in ROLES {
        // The server: a device of this role pushes each kind.
        let user = format!("Mallory the {role}");
        let device = server.laptop(dir.path(), role.as_str(), &user, role);
        let token = trellis_sync::client::Credentials::load(device.path())
            .unwrap()
            .unwrap()
            .token;
        for (seq, change) in (1..).zip(changes.iter()) {
            let mut row = change.clone();
            row.id = Uuid::now_v7();
            row.device_id = device.device_id();
            row.device_seq = seq;
            row.hlc = trellis_core::hlc::Hlc {
                millis: chrono::Utc::now().timestamp_millis() as u64,
                counter: 0,
            };
            let res = reqwest::blocking::Client::new()
                .post(format!("{}/v1/push", server.url))
                .bearer_auth(&token)
                .json(&serde_json::json!({
                    "protocol_version": trellis_server::PROTOCOL_VERSION,
                    "changes": [row],
                }))
                .send()
                .unwrap();
            let status = res.status().as_u16();
            let body: Value = res.json().unwrap();
            let error = body["error"].as_str().unwrap_or("");
            match role.push(&change.kind) {
                Push::Refused => assert_eq!(
                    (status, error),
                    (403, "role_forbids"),
                    "{role} pushing {}: {body}",
                    change.kind
                ),
                Push::AsThemselves => assert_eq!(
                    (status, error),
                    (403, "not_your_score"),
                    "{role} pushing {}: {body}",
                    change.kind
                ),
                Push::Allowed => assert!(
                    status == 200 || error == "cannot_apply",
                    "{role} pushing {}: {status} {body}",
                    change.kind
                ),
            }
            // Stored or set aside: either way the number is used up.
            assert!(status == 200 || body["set_aside"] == true, "{body}");
        }
        // The laptop: limited to this role, it refuses the same kinds itself.
        let mut laptop = Store::open(&dir.path().join(format!("{role}-laptop.sqlite3"))).unwrap();
        laptop.limit_to(trellis_sync::client::sync_limit(role.as_str(), &user));
        for change in &changes {
            let op = Operation::decode(&change.kind, change.payload.clone()).unwrap();
            let got = laptop.apply(&op);
            let refused_for_role =
                matches!(&got, Err(StoreError::NotForRole { kind, .. }) if kind == &change.kind);
            let refused_as_another = matches!(&got, Err(StoreError::NotAsYou { .. }));
            assert_eq!(
                (refused_for_role, refused_as_another),
                (
                    role.push(&change.kind) == Push::Refused,
                    role.push(&change.kind) == Push::AsThemselves
                ),
                "{role}'s laptop making {}: {got:?}",
                change.kind
            );
        }
    }
}

/// Who made a change goes to the staff who put things right, not to scoped roles.
#[test]
fn only_staff_are_told_who_sent_each_change() {
    let server = TestServer::start();
    let dir = TempDir::new().unwrap();
    let mut sam = server.laptop(dir.path(), "sam", "sam", Role::Staff);
    sam.add_organisation(&OrganisationInput {
        name: "Riverside Elders".into(),
        org_ref: "GB-CHC-1000001".into(),
        ..Default::default()
    })
    .unwrap();
    sync(&mut sam).unwrap();
    for (name, role, told) in [
        ("jo", Role::Staff, Some("sam")),
        ("femi", Role::Facilitator, None),
        ("Zara", Role::Panel, None),
    ] {
        let laptop = server.laptop(dir.path(), name, name, role);
        let token = trellis_sync::client::Credentials::load(laptop.path())
            .unwrap()
            .unwrap()
            .token;
        let page: Value = reqwest::blocking::Client::new()
            .get(format!(
                "{}/v1/pull?protocol={}&after=0",
                server.url,
                trellis_server::PROTOCOL_VERSION
            ))
            .bearer_auth(token)
            .send()
            .unwrap()
            .json()
            .unwrap();
        let change = &page["changes"][0];
        assert_eq!(change["change"]["kind"], "organisation.create", "{page}");
        assert_eq!(change["sent_by"].as_str(), told, "{role}: {page}");
    }
}

//! Conflicting facts from two laptops, shown for a person to settle, on the real app.
//!
//! Letters and identifiers: two real store files play two laptops: laptop A loads the demo data, withdraws one
//! demo letter (so that application may be drafted again) and sends its history to
//! laptop B; offline, both draft a letter for that application and both add an
//! organisation with one identifier; then each receives the other's changes
//! (`local_changes_after` + `apply_remote`, as sync does). The app opens laptop A's file:
//! the directory warns that two organisations share the identifier; the letters screen
//! says two letters were drafted for one application; on laptop B's letter approval is
//! disabled, a withdrawal without a reason is refused beside the field, and withdrawing
//! it by keyboard (type the reason, Tab, type the name, Enter) marks it withdrawn and the
//! conflict is gone from both screens (the withdrawn letter is still listed, marked).
//!
//! Votes: two laptops at two tables of one assembly each record the same organisation's
//! vote, offline, differently. After they exchange changes, neither vote counts; the app
//! (laptop A's file) shows the conflict on the results screen. Keeping one with no
//! reason and no name is refused beside both fields (a laptop that only received the
//! votes may never have captured any, so the name is asked for there); typing both and
//! pressing Enter on the chosen vote's button settles it, and laptop B, receiving that
//! change, counts the same one vote.
//!
//! Needs what tests/app.rs needs.

use std::path::Path;
use std::time::Instant;

use anyhow::{ensure, Context, Result};
use fantoccini::key::Key;
use fantoccini::Client;
use trellis_core::ballot::record::{
    BallotFields, BallotOption, BallotStatus, Channel, Eligibility, VoteFields, Voter, VoterKind,
};
use trellis_core::ballot::{Method, OptionId, Vote};
use trellis_core::organisation::OrganisationInput;
use trellis_e2e::{
    click, count, key, keyboard, wait_for, wait_for_text, within, Display, Driver, CALL,
};
use trellis_store::{Store, VoteState};
use uuid::Uuid;

const ORGANISATION: &str = "Habesha Coffee Morning Group";
const SHARED_REF: &str = "GB-CHC-1090095";
const REASON: &str = "Drafted twice; keeping the letter from the office laptop";
const BY: &str = "Amara Okafor";

struct Setup {
    /// The letter laptop B drafted (the one withdrawn in the test).
    from_b: String,
    /// The letter the app's own laptop drafted (kept).
    from_a: String,
}

fn org(name: &str) -> OrganisationInput {
    OrganisationInput {
        name: name.into(),
        org_ref: SHARED_REF.into(),
        address: "1 High Street, Eastbrook".into(),
        postcode: "eb1 4qt".into(),
        income_band: "10k-25k".into(),
        led_by: vec!["DEI010120".into()],
        communities_served: vec!["DEI010120".into()],
    }
}

/// Sends every change `from` made after its change number `after` to `to`, as a sync
/// would (one page). Returns `from`'s last change number, for the next exchange.
fn send(from: &Store, after: i64, to: &mut Store) -> Result<i64> {
    let rows = from.local_changes_after(after, 1_000_000)?;
    to.apply_remote(&rows, 0)?;
    Ok(rows.last().map_or(after, |r| r.device_seq))
}

fn prepare(dir: &Path, db: &Path) -> Result<Setup> {
    let today = chrono::Local::now().date_naive();
    let mut a = Store::open(db)?;
    a.load_demo(today)?;
    let round = a.rounds()?.pop().context("the demo has no round")?;
    let demo_letter = a
        .round_letters(round.id)?
        .into_iter()
        .find(|l| l.organisation_name == ORGANISATION)
        .with_context(|| format!("the demo has no letter to {ORGANISATION}"))?;
    // The demo drafts a letter for every decided application; withdrawing this one lets
    // both laptops draft a new one for the same application.
    a.withdraw_letter(demo_letter.id, "redrafting after the panel's notes", BY)?;
    let mut b = Store::open(&dir.join("laptop-b.sqlite3"))?;
    let shared = send(&a, 0, &mut b)?;

    // Offline on both laptops.
    let from_a = a.draft_letter(demo_letter.application_id)?;
    let from_b = b.draft_letter(demo_letter.application_id)?;
    a.add_organisation(&org("Hope Kitchen"))?;
    b.add_organisation(&org("Hope Kitchen CIO"))?;

    send(&b, 0, &mut a)?;
    send(&a, shared, &mut b)?;
    ensure!(
        a.letter(from_a)?.conflicts.len() == 1 && a.shared_identifiers()?.len() == 1,
        "the two laptops' changes did not make the conflicts this test is about"
    );
    Ok(Setup {
        from_b: from_b.to_string(),
        from_a: from_a.to_string(),
    })
}

async fn attr(client: &Client, css: &str, name: &str) -> Result<Option<String>> {
    let el = wait_for(client, css).await?;
    within(&format!("reading {css}[{name}]"), CALL, el.attr(name)).await
}

fn two_letters(t: &str) -> bool {
    t.contains(&format!(
        "2 letters were drafted for {ORGANISATION}'s application on different laptops"
    )) && t.contains("keep one and withdraw the other")
}

async fn settle(client: &Client, s: &Setup) -> Result<()> {
    // The directory names the two organisations sharing one identifier, as an alert the
    // first time it appears.
    wait_for(client, "[data-testid=org-row]").await?;
    let said = wait_for_text(
        client,
        "#shared-identifier-warning",
        "the shared identifier",
        |t| {
            t.contains(&format!(
                "2 organisations share the identifier {SHARED_REF}"
            ))
        },
    )
    .await?;
    ensure!(
        said.contains("Hope Kitchen CIO"),
        "the warning does not name both: {said}"
    );
    ensure!(
        attr(client, "#shared-identifier-warning", "role")
            .await?
            .as_deref()
            == Some("alert"),
        "a new shared identifier is not announced"
    );

    // The letters screen lists both letters, each with the sentence.
    click(client, "#nav-letters").await?;
    wait_for_text(client, "#letters-to-settle", "the two letters", two_letters).await?;
    ensure!(
        count(client, "#letters-to-settle [data-testid=conflict-sentence]").await? == 2,
        "each of the two letters should say what to settle"
    );

    // Laptop B's letter: cannot be approved while unsettled.
    click(
        client,
        &format!("#letters a[href='#/letters/{}']", s.from_b),
    )
    .await?;
    wait_for_text(client, "#letter-to-settle", "the conflict", two_letters).await?;
    let approve = wait_for(client, "#approve-letter").await?;
    ensure!(
        within("reading Approve", CALL, approve.prop("disabled"))
            .await?
            .as_deref()
            == Some("true"),
        "an unsettled letter offered Approve"
    );

    // By keyboard: the name first with no reason is refused beside the reason.
    let by = wait_for(client, "#withdraw-by").await?;
    within("typing the name", CALL, by.send_keys(BY)).await?;
    keyboard(client, &key(Key::Enter)).await?;
    wait_for_text(
        client,
        "#withdraw-reason-error",
        "the missing reason",
        |t| t.contains("say why"),
    )
    .await?;
    ensure!(
        count(client, "[data-testid=letter-withdrawn]").await? == 0,
        "withdrawn without a reason"
    );
    // Focus moved to the reason; type it, Tab to the name (kept), Enter.
    keyboard(client, REASON).await?;
    keyboard(client, &key(Key::Tab)).await?;
    keyboard(client, &key(Key::Enter)).await?;
    wait_for_text(
        client,
        "[data-testid=letter-withdrawn]",
        "the withdrawal",
        |t| t.contains("Withdrawn") && t.contains(REASON),
    )
    .await?;
    wait_for_text(client, "[data-testid=letter-state]", "Withdrawn", |t| {
        t.contains("Withdrawn")
    })
    .await?;
    ensure!(
        count(client, "#letter-to-settle").await? == 0,
        "the conflict is still shown on the withdrawn letter"
    );

    // Back on the list: nothing left to settle; the withdrawn letter is listed, marked.
    click(client, ".crumbs a").await?;
    wait_for(
        client,
        &format!("#letters a[href='#/letters/{}']", s.from_a),
    )
    .await?;
    ensure!(
        count(client, "#letters-to-settle").await? == 0,
        "the letters screen still shows a conflict"
    );
    wait_for_text(
        client,
        &format!("tr[data-letter='{}'] [data-testid=letter-status]", s.from_b),
        "the withdrawn letter marked",
        |t| t.contains("Withdrawn") && t.contains(REASON),
    )
    .await?;
    let kept = wait_for_text(
        client,
        &format!("tr[data-letter='{}'] [data-testid=letter-status]", s.from_a),
        "the kept letter's state",
        |t| t.contains("Draft"),
    )
    .await?;
    ensure!(
        !kept.contains("To settle"),
        "the kept letter still has something to settle: {kept}"
    );
    // The kept letter can now be approved.
    click(
        client,
        &format!("#letters a[href='#/letters/{}']", s.from_a),
    )
    .await?;
    wait_for(client, "#withdraw-form").await?;
    let approve = wait_for(client, "#approve-letter").await?;
    ensure!(
        within("reading Approve", CALL, approve.prop("disabled"))
            .await?
            .as_deref()
            != Some("true"),
        "the kept letter still cannot be approved"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_laptops_letters_and_identifiers_are_shown_and_settled() -> Result<()> {
    let _turn = trellis_e2e::one_app_at_a_time().await;
    let started = Instant::now();
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("trellis.sqlite3");
    let setup = prepare(dir.path(), &db)?;
    let display = Display::start()?;
    let driver = Driver::start(&display, &db, dir.path())?;
    let client = driver.session().await?;
    let outcome = settle(&client, &setup).await;
    within("closing the session (the app exits)", CALL, client.close()).await?;
    outcome?;
    eprintln!("letter conflicts: whole test in {:?}", started.elapsed());
    Ok(())
}

const VOTER: &str = "Sickle Cell Support Eastbrook";
const VOTE_REASON: &str = "Checked with the group's delegate: they chose maternal health";

fn topic_vote(ballot_id: Uuid, organisation: Uuid, option: &str, by: &str) -> VoteFields {
    VoteFields {
        ballot_id,
        voter: Voter {
            kind: VoterKind::Organisation,
            reference: organisation.to_string(),
        },
        vote: Vote::Choice {
            option: OptionId::new(option),
        },
        channel: Channel::Live,
        recorded_by: by.into(),
    }
}

struct VoteSetup {
    ballot: Uuid,
    /// Laptop B's vote: the one kept in the test.
    kept: Uuid,
    laptop_b: Store,
    /// Laptop A's last change laptop B has.
    a_sent: i64,
}

fn prepare_votes(dir: &Path, db: &Path) -> Result<VoteSetup> {
    let mut a = Store::open(db)?;
    let voter = a.add_organisation(&OrganisationInput {
        name: VOTER.into(),
        org_ref: "GB-CHC-1100001".into(),
        ..Default::default()
    })?;
    let options = ["Sickle cell care", "Maternal health"]
        .iter()
        .enumerate()
        .map(|(i, label)| BallotOption {
            id: OptionId::new(format!("o{}", i + 1)),
            label: label.to_string(),
            issue_id: None,
        })
        .collect();
    let ballot = a.create_ballot(BallotFields {
        question: "Which topic should the round fund?".into(),
        options,
        method: Method::Plurality,
        eligibility: Eligibility::PerOrganisation,
        meeting_id: None,
        opens_at: None,
        closes_at: None,
        seed: 42,
    })?;
    a.set_ballot_status(ballot, BallotStatus::Open)?;
    let mut b = Store::open(&dir.join("laptop-b.sqlite3"))?;
    let shared = send(&a, 0, &mut b)?;

    // Offline, at two tables.
    a.cast_vote(topic_vote(ballot, voter, "o1", "Amara Okafor"))?;
    let kept = b.cast_vote(topic_vote(ballot, voter, "o2", "Kwame Mensah"))?;

    send(&b, 0, &mut a)?;
    let a_sent = send(&a, shared, &mut b)?;
    for laptop in [&a, &b] {
        let result = laptop.ballot_result(ballot)?;
        ensure!(
            result.unresolved.len() == 1 && result.turnout == 0,
            "the two laptops' votes did not make the conflict this test is about"
        );
    }
    Ok(VoteSetup {
        ballot,
        kept,
        laptop_b: b,
        a_sent,
    })
}

async fn settle_vote(client: &Client, s: &VoteSetup) -> Result<()> {
    // The app opens on the directory (the file has an organisation, so no first-run).
    wait_for(client, "[data-testid=org-row]").await?;
    within(
        "opening the ballot's results",
        CALL,
        client.execute(
            &format!("location.hash = '#/ballots/{}/results';", s.ballot),
            vec![],
        ),
    )
    .await?;
    wait_for_text(client, "[data-testid=conflict] h3", "the conflict", |t| {
        t == format!("{VOTER}: 2 votes, none counted until one is kept")
    })
    .await?;
    ensure!(
        count(client, "[data-testid=keep-vote]").await? == 2,
        "the conflict does not offer each vote to keep"
    );
    let keep = format!("[data-testid=keep-vote][data-vote-id='{}']", s.kept);
    let kept_text = wait_for_text(client, &keep, "laptop B's vote", |t| {
        t.contains("Maternal health") && t.contains("by Kwame Mensah")
    })
    .await?;
    ensure!(
        kept_text.starts_with("Keep: "),
        "the button does not say what it does: {kept_text}"
    );

    // Enter on a vote with no reason and no name: refused beside both, nothing settled.
    let button = wait_for(client, &keep).await?;
    within(
        "pressing Enter on the vote",
        CALL,
        button.send_keys(&key(Key::Enter)),
    )
    .await?;
    wait_for_text(
        client,
        "#resolve-0-reason-error",
        "the missing reason",
        |t| t.contains("say why"),
    )
    .await?;
    wait_for_text(client, "#resolve-0-by-error", "the missing name", |t| {
        t.contains("say who is making this correction")
    })
    .await?;
    ensure!(
        count(client, "[data-testid=no-conflicts]").await? == 0,
        "settled with no reason or name"
    );

    // Focus is on the reason: type it, Tab to the name, type it, then Enter on the vote.
    keyboard(client, VOTE_REASON).await?;
    keyboard(client, &key(Key::Tab)).await?;
    keyboard(client, BY).await?;
    let button = wait_for(client, &keep).await?;
    within(
        "pressing Enter on the vote",
        CALL,
        button.send_keys(&key(Key::Enter)),
    )
    .await?;
    wait_for(client, "[data-testid=no-conflicts]").await?;
    let states = within(
        "reading the audit list",
        CALL,
        client.execute(
            "return [...document.querySelectorAll('[data-testid=audit-row]')].map(r => r.dataset.state);",
            vec![],
        ),
    )
    .await?;
    let mut states: Vec<String> = serde_json::from_value(states)?;
    states.sort();
    ensure!(
        states == ["counted", "superseded"],
        "the audit list should keep both votes, one counted: {states:?}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_laptops_votes_by_one_voter_are_shown_and_settled() -> Result<()> {
    let _turn = trellis_e2e::one_app_at_a_time().await;
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("trellis.sqlite3");
    let mut setup = prepare_votes(dir.path(), &db)?;
    let display = Display::start()?;
    let driver = Driver::start(&display, &db, dir.path())?;
    let client = driver.session().await?;
    let outcome = settle_vote(&client, &setup).await;
    within("closing the session (the app exits)", CALL, client.close()).await?;
    outcome?;

    // Laptop B receives the app's resolution and counts the same vote.
    let a = Store::open(&db)?;
    send(&a, setup.a_sent, &mut setup.laptop_b)?;
    let b = &setup.laptop_b;
    let result = b.ballot_result(setup.ballot)?;
    ensure!(
        result.unresolved.is_empty() && result.turnout == 1,
        "laptop B did not settle the conflict from the app's change"
    );
    let counted: Vec<Uuid> = b
        .ballot_votes(setup.ballot)?
        .into_iter()
        .filter(|v| v.state == VoteState::Counted)
        .map(|v| v.id)
        .collect();
    ensure!(
        counted == [setup.kept],
        "laptop B counts {counted:?}, not the kept vote"
    );
    Ok(())
}

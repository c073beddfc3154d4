//! Independent scoring end to end, on the real app: on the demo database with one more
//! assessor assigned to one application (added through trellis-store before the app
//! starts), choose who is using the laptop, declare no conflict, score criteria by
//! keyboard alone (Space and arrow keys on each scale, typing each justification, Tab
//! between them), see an incomplete submission refused criterion by criterion, restart the
//! app mid-draft and find the draft, finish and submit, then see the other assessors'
//! scores (hidden before). Then, as the chair, record a decision (an over-budget amount
//! refused inline first) and see it listed.
//!
//! A second test edits a feedback letter (live warning for a sentence over 25 words),
//! saves a new version and approves it, then exports the round's approved letters as PDFs
//! (by keyboard) into `TRELLIS_EXPORT_DIR` and reads them back with `pdftotext`.
//!
//! Saves docs/screenshots/scoring.png. Needs what tests/app.rs needs.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use trellis_core::grants::scoring::PanelRole;
use trellis_e2e::{
    click, key, keyboard, wait_for, wait_for_text, within, workspace_root, Display, Driver, CALL,
};
use trellis_store::Store;

const ASSESSOR: &str = "Zainab Hussain (community panel member)";
const CHAIR: &str = "Kwame Mensah (CVS, chair)";

struct Setup {
    application_id: String,
    organisation: String,
    assessor_id: String,
    chair_id: String,
    /// Criterion ids and scale minimum, in rubric order.
    criteria: Vec<(String, u8)>,
}

/// The demo data plus a fourth assessor assigned to the first application, who has not
/// scored it (every demo assessor already has).
fn prepare(db: &Path) -> Result<Setup> {
    let mut store = Store::open(db)?;
    store.load_demo(chrono::Local::now().date_naive())?;
    let assessor = store.add_panel_member(ASSESSOR, PanelRole::Assessor)?;
    let round = store.rounds()?.pop().context("the demo has no round")?;
    let app = store
        .applications(round.id)?
        .into_iter()
        .next()
        .context("the demo round has no applications")?;
    store.assign(app.id, assessor)?;
    let chair = store
        .panel_members()?
        .into_iter()
        .find(|m| m.name == CHAIR)
        .context("no demo chair")?;
    Ok(Setup {
        application_id: app.id.to_string(),
        organisation: app.organisation_name,
        assessor_id: assessor.to_string(),
        chair_id: chair.id.to_string(),
        criteria: round
            .fields
            .rubric
            .criteria
            .iter()
            .map(|c| (c.id.clone(), c.scale_min))
            .collect(),
    })
}

async fn wait_for_focus(client: &Client, id: &str) -> Result<()> {
    let deadline = Instant::now() + CALL;
    loop {
        let focused = within("finding the focused element", CALL, client.active_element()).await?;
        let found = within("reading its id", CALL, focused.attr("id")).await?;
        if found.as_deref() == Some(id) {
            return Ok(());
        }
        if Instant::now() > deadline {
            let html = within(
                "describing the focused element",
                CALL,
                client.execute(
                    "const a = document.activeElement; return a ? a.outerHTML.slice(0, 160) : 'nothing';",
                    vec![],
                ),
            )
            .await?;
            bail!("focus never reached #{id}; it is on {found:?}: {html}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn prop(client: &Client, css: &str, name: &str) -> Result<Option<String>> {
    let el = wait_for(client, css).await?;
    within(&format!("reading {css}.{name}"), CALL, el.prop(name)).await
}

async fn choose_member(client: &Client, id: &str) -> Result<()> {
    let picker = wait_for(client, "#panel-member").await?;
    within("choosing who I am", CALL, picker.select_by_value(id)).await
}

fn value_for(i: usize) -> u8 {
    // 4, 3, 4, 3, … above the scale minimum of 1: a plausible sheet.
    if i % 2 == 0 {
        4
    } else {
        3
    }
}

fn justification(i: usize) -> String {
    format!(
        "Clear plan for criterion {}, backed by what the group told us",
        i + 1
    )
}

/// With focus on a criterion's first scale point: Space chooses it, Right moves up the
/// scale; Tab to the justification, type it, Tab on to the next criterion.
async fn score_by_keyboard(client: &Client, s: &Setup, i: usize) -> Result<()> {
    let (id, min) = &s.criteria[i];
    wait_for_focus(client, &format!("score-{id}-{min}")).await?;
    keyboard(client, " ").await?;
    for _ in *min..value_for(i) {
        keyboard(client, &key(Key::Right)).await?;
    }
    wait_for_focus(client, &format!("score-{id}-{}", value_for(i))).await?;
    keyboard(client, &key(Key::Tab)).await?;
    wait_for_focus(client, &format!("justification-{id}")).await?;
    keyboard(client, &justification(i)).await?;
    keyboard(client, &key(Key::Tab)).await
}

async fn wait_saved(client: &Client) -> Result<()> {
    wait_for_text(client, "#save-status", "Saved", |t| t.starts_with("Saved")).await?;
    Ok(())
}

async fn open_assignment(client: &Client, s: &Setup) -> Result<()> {
    click(client, "#nav-scoring").await?;
    let chosen = prop(client, "#panel-member", "value").await?;
    if chosen.as_deref() != Some(s.assessor_id.as_str()) {
        choose_member(client, &s.assessor_id).await?;
    }
    click(client, &format!("a[href='#/scoring/{}']", s.application_id)).await?;
    wait_for_text(client, "#scoring-title", "the application", |t| {
        t.contains(&s.organisation)
    })
    .await?;
    Ok(())
}

async fn session_one(client: &Client, s: &Setup) -> Result<()> {
    wait_for(client, "[data-testid=org-row]").await?;
    open_assignment(client, s).await?;
    // The conflict step comes first; no scale is on screen yet.
    wait_for(client, "#declaration").await?;
    ensure!(
        within(
            "looking for a scale",
            CALL,
            client.find_all(Locator::Css("#score-form"))
        )
        .await?
        .is_empty(),
        "scores could be entered before declaring a conflict"
    );
    let none = wait_for(client, "#declare-none").await?;
    within(
        "focusing No conflict",
        CALL,
        none.send_keys(&key(Key::Enter)),
    )
    .await?;
    wait_for(client, "#score-form").await?;
    wait_for(client, "[data-testid=others-hidden]").await?;
    let started = Instant::now();
    score_by_keyboard(client, s, 0).await?;
    score_by_keyboard(client, s, 1).await?;
    wait_saved(client).await?;
    eprintln!(
        "scoring: two criteria by keyboard and saved in {:?}",
        started.elapsed()
    );

    // Submitting now is refused, naming the criteria not yet scored; nothing is submitted.
    click(client, "#submit-scores").await?;
    let last = &s.criteria[s.criteria.len() - 1].0;
    wait_for_text(
        client,
        &format!("[data-testid=criterion-error-{last}]"),
        "a message on the unscored criterion",
        |t| !t.is_empty(),
    )
    .await?;
    wait_for(client, "[data-testid=others-hidden]").await?;
    Ok(())
}

async fn session_two(client: &Client, display: &Display, dir: &Path, s: &Setup) -> Result<()> {
    wait_for(client, "[data-testid=org-row]").await?;
    open_assignment(client, s).await?;
    wait_for(client, "#score-form").await?;
    // The draft survived the restart.
    for i in 0..2 {
        let id = &s.criteria[i].0;
        let checked = prop(client, &format!("#score-{id}-{}", value_for(i)), "checked").await?;
        ensure!(
            checked.as_deref() == Some("true"),
            "criterion {id}'s score was lost in the restart ({checked:?})"
        );
        let text = prop(client, &format!("#justification-{id}"), "value").await?;
        ensure!(
            text.as_deref() == Some(justification(i).as_str()),
            "criterion {id}'s justification was lost: {text:?}"
        );
    }
    wait_for(client, "[data-testid=others-hidden]").await?;

    // Back into the form where the draft stopped, then keyboard only to the end.
    click(client, &format!("#justification-{}", s.criteria[1].0)).await?;
    keyboard(client, &key(Key::Tab)).await?;
    for i in 2..s.criteria.len() {
        score_by_keyboard(client, s, i).await?;
    }
    // Tab from the last justification reached the submit button; Enter submits.
    wait_for_focus(client, "submit-scores").await?;
    keyboard(client, &key(Key::Enter)).await?;
    wait_for_text(client, "#status", "the confirmation", |t| {
        t.contains("submitted")
    })
    .await?;
    let others = wait_for_text(client, "#others-table", "three other assessors", |t| {
        t.contains("Tom Reilly") && t.contains("Priya Shah") && t.contains("Grace Adeyemi")
    })
    .await?;
    ensure!(
        !others.contains("Zainab"),
        "my own sheet is listed as another's"
    );

    // The picture shows the last criteria, the revise box and the others' scores.
    within(
        "scrolling to the others' scores",
        CALL,
        client.execute(
            "document.getElementById('others').scrollIntoView({block: 'end'});",
            vec![],
        ),
    )
    .await?;
    let rect = within("reading the window's place", CALL, client.get_window_rect()).await?;
    screenshot(display, dir, rect).await?;

    // The chair records a decision; an amount over the round's limits is refused inline.
    click(client, "#nav-scoring").await?;
    choose_member(client, &s.chair_id).await?;
    click(client, "#nav-moderation").await?;
    wait_for_text(
        client,
        "[data-testid=alpha]",
        "alpha and its reading",
        |t| t.contains("Krippendorff"),
    )
    .await?;
    let app = wait_for(client, "#decision-application").await?;
    within(
        "choosing the application",
        CALL,
        app.select_by_value(&s.application_id),
    )
    .await?;
    let outcome = wait_for(client, "#decision-outcome").await?;
    within("choosing funded", CALL, outcome.select_by_value("funded")).await?;
    let amount = wait_for(client, "#decision-amount").await?;
    within("typing an amount", CALL, amount.send_keys("99999999")).await?;
    let reasons = wait_for(client, "#decision-reasons").await?;
    within(
        "typing reasons",
        CALL,
        reasons
            .send_keys("Strong plan, and the panel agreed it reaches the families most affected."),
    )
    .await?;
    click(client, "#record-decision").await?;
    wait_for_text(client, "#decision-amount-error", "an amount error", |t| {
        !t.is_empty()
    })
    .await?;
    let outcome = wait_for(client, "#decision-outcome").await?;
    within(
        "choosing waitlisted",
        CALL,
        outcome.select_by_value("waitlisted"),
    )
    .await?;
    click(client, "#record-decision").await?;
    wait_for_text(client, "#status", "the confirmation", |t| {
        t.contains("Decision recorded")
    })
    .await?;
    let rows = within(
        "reading the decisions",
        CALL,
        client.find_all(Locator::Css("[data-testid=decision-row]")),
    )
    .await?;
    let mut found = false;
    for row in rows {
        let text = within("reading a decision row", CALL, row.text()).await?;
        if text.contains(&s.organisation) {
            ensure!(
                text.contains("Waitlisted"),
                "the decision is not listed: {text}"
            );
            found = true;
        }
    }
    ensure!(found, "{} is not in the decisions table", s.organisation);
    Ok(())
}

async fn screenshot(display: &Display, dir: &Path, rect: (u64, u64, u64, u64)) -> Result<()> {
    let shot = dir.join("scoring.png");
    let mut size = 0;
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        display.screenshot(&shot, rect)?;
        size = std::fs::metadata(&shot)?.len();
        if size > 40_000 {
            break;
        }
    }
    ensure!(size > 40_000, "the screenshot looks blank ({size} bytes)");
    let path = workspace_root().join("docs/screenshots/scoring.png");
    std::fs::copy(&shot, &path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

async fn close(client: Client) -> Result<()> {
    within("closing the session (the app exits)", CALL, client.close()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn score_by_keyboard_restart_submit_then_decide() -> Result<()> {
    let _turn = trellis_e2e::one_app_at_a_time().await;
    let started = Instant::now();
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("trellis.sqlite3");
    let setup = prepare(&db)?;
    let display = Display::start()?;
    let driver = Driver::start(&display, &db, dir.path())?;

    let client = driver.session().await?;
    let outcome = session_one(&client, &setup).await;
    close(client).await?;
    outcome?;

    // A new app on the same database: the draft must still be there.
    let client = driver.session().await?;
    let outcome = session_two(&client, &display, dir.path(), &setup).await;
    close(client).await?;
    outcome?;
    eprintln!("scoring: whole test in {:?}", started.elapsed());
    Ok(())
}

const LONG: &str = "We would like to thank you and everyone at your organisation for the time and care you put into this application, which the panel read closely and talked about at length.";

/// Feedback letters: open a demo letter (approved), add a sentence over 25 words and see
/// the live warning, save a new version (a draft again), approve it; then export the
/// round's approved letters by keyboard and read the PDFs back.
async fn letters(client: &Client, exports: &Path) -> Result<()> {
    wait_for(client, "[data-testid=org-row]").await?;
    click(client, "#nav-letters").await?;
    wait_for(client, "#export-letters").await?;
    let link = wait_for(client, "[data-testid=letter-row] a").await?;
    let organisation = within("reading the first letter's organisation", CALL, link.text()).await?;
    within("opening a letter", CALL, link.click()).await?;
    wait_for_text(client, "[data-testid=letter-state]", "approved", |t| {
        t.contains("Approved")
    })
    .await?;
    let first = wait_for(client, "#letter-paragraph-0").await?;
    within(
        "typing a long sentence",
        CALL,
        first.send_keys(&format!(" {LONG}")),
    )
    .await?;
    wait_for_text(
        client,
        "#letter-paragraph-0-warning",
        "the long-sentence warning",
        |t| t.contains("words (aim for 25 or fewer)"),
    )
    .await?;
    click(client, "#save-letter").await?;
    wait_for_text(
        client,
        "[data-testid=letter-state]",
        "a new draft version",
        |t| t.contains("Draft") && t.contains("Version 2"),
    )
    .await?;
    click(client, "#approve-letter").await?;
    wait_for_text(
        client,
        "[data-testid=letter-state]",
        "approved again",
        |t| t.contains("Approved") && t.contains("Version 2"),
    )
    .await?;
    export_letters(client, exports, &organisation).await
}

/// Whitespace runs as single spaces: pdftotext breaks lines where the letter wraps.
fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn pdf_text(pdf: &Path) -> Result<String> {
    let out = std::process::Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .context("running pdftotext (poppler-utils)")?;
    ensure!(
        out.status.success(),
        "pdftotext {} failed: {}",
        pdf.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(words(&String::from_utf8_lossy(&out.stdout)))
}

/// On the letters screen, press "Export approved letters as PDF" with the keyboard; the
/// status names the folder, which holds one PDF per approved letter and all-letters.pdf,
/// and the edited letter's PDF has its organisation and the newly approved sentence.
async fn export_letters(client: &Client, exports: &Path, organisation: &str) -> Result<()> {
    click(client, "#nav-letters").await?;
    let button = wait_for(client, "#export-letters").await?;
    let mut approved = 0;
    for cell in within(
        "reading the letters' states",
        CALL,
        client.find_all(Locator::Css("[data-testid=letter-status]")),
    )
    .await?
    {
        if within("reading a letter's state", CALL, cell.text()).await? != "Draft" {
            approved += 1;
        }
    }
    ensure!(approved > 0, "no approved letters listed");
    let export_started = Instant::now();
    within(
        "pressing Enter on the export button",
        CALL,
        button.send_keys(&key(Key::Enter)),
    )
    .await?;
    let status = wait_for_text(client, "[data-testid=status]", "the export", |t| {
        t.contains("saved to")
    })
    .await?;
    eprintln!(
        "letters: export of {approved} letters in {:?}",
        export_started.elapsed()
    );
    ensure!(
        status.starts_with(&format!("{approved} letters saved to ")),
        "status: {status:?}"
    );
    let folder = wait_for(client, "[data-testid=export-folder]").await?;
    let folder = PathBuf::from(within("reading the folder", CALL, folder.text()).await?);
    ensure!(
        folder.parent() == Some(exports),
        "{} is not in TRELLIS_EXPORT_DIR {}",
        folder.display(),
        exports.display()
    );
    ensure!(
        status.contains(&folder.display().to_string()),
        "status: {status:?}"
    );
    let mut files: Vec<String> = std::fs::read_dir(&folder)
        .with_context(|| format!("reading {}", folder.display()))?
        .map(|e| Ok(e?.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_>>()?;
    files.sort();
    ensure!(
        files.iter().all(|f| f.ends_with(".pdf")),
        "not only PDFs: {files:?}"
    );
    ensure!(
        files.len() == approved + 1 && files.iter().any(|f| f == "all-letters.pdf"),
        "expected {approved} letters and all-letters.pdf, found {files:?}"
    );
    let first = folder.join(
        files
            .iter()
            .find(|f| f.starts_with("001-"))
            .context("no 001- file")?,
    );
    let text = pdf_text(&first)?;
    ensure!(
        text.contains(&words(organisation)),
        "{} does not name {organisation}",
        first.display()
    );
    ensure!(
        text.contains(&words(LONG)),
        "{} is not the newly approved version 2",
        first.display()
    );
    let combined = pdf_text(&folder.join("all-letters.pdf"))?;
    ensure!(
        combined.contains(&words(organisation)),
        "all-letters.pdf does not name {organisation}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn letter_edit_warns_then_approve() -> Result<()> {
    let _turn = trellis_e2e::one_app_at_a_time().await;
    let started = Instant::now();
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("trellis.sqlite3");
    prepare(&db)?;
    let display = Display::start()?;
    let driver = Driver::start(&display, &db, dir.path())?;
    let client = driver.session().await?;
    let outcome = letters(&client, &Driver::exports(dir.path())).await;
    close(client).await?;
    outcome?;
    eprintln!("letters: whole test in {:?}", started.elapsed());
    Ok(())
}

/// The template editor: an unknown placeholder is refused, naming it; a long sentence is
/// warned about; a good edit is saved and a new draft letter uses it.
async fn template_editor(client: &Client, db: &Path) -> Result<()> {
    wait_for(client, "[data-testid=org-row]").await?;
    click(client, "#nav-letters").await?;
    click(client, "#edit-template-not-funded").await?;
    let first = wait_for(client, "#template-paragraph-0").await?;
    within(
        "typing an unknown placeholder",
        CALL,
        first.send_keys(" Hello {organisaton}."),
    )
    .await?;
    click(client, "#save-template").await?;
    wait_for_text(client, "#alert", "the unknown placeholder refused", |t| {
        t.contains("{organisaton}") && t.contains("paragraphs[0]")
    })
    .await?;
    within("clearing the paragraph", CALL, first.clear()).await?;
    within(
        "typing a long sentence",
        CALL,
        first.send_keys(&format!("Thank you, {{organisation}}. {LONG}")),
    )
    .await?;
    wait_for_text(
        client,
        "#template-paragraph-0-warning",
        "the long-sentence warning",
        |t| t.contains("words (aim for 25 or fewer)"),
    )
    .await?;
    click(client, "#save-template").await?;
    wait_for_text(client, "#status", "saved", |t| t.contains("template saved")).await?;
    // The saved template is what the store now holds.
    let store = Store::open(db)?;
    let saved = store.letter_template(trellis_core::letter::OutcomeKind::NotFunded)?;
    ensure!(
        saved.paragraphs[0].starts_with("Thank you, {organisation}."),
        "the template was not saved: {:?}",
        saved.paragraphs[0]
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn template_editor_refuses_unknown_placeholders_and_warns() -> Result<()> {
    let _turn = trellis_e2e::one_app_at_a_time().await;
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("trellis.sqlite3");
    prepare(&db)?;
    let display = Display::start()?;
    let driver = Driver::start(&display, &db, dir.path())?;
    let client = driver.session().await?;
    let outcome = template_editor(&client, &db).await;
    close(client).await?;
    outcome
}

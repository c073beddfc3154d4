//! The walking skeleton, end to end, on the real app binary: add an organisation, log a
//! contact, restart the app on the same database and find both, see an invalid identifier
//! refused inline with nothing saved, and save a screenshot of the main window.
//!
//! Needs Xvfb, tauri-driver, WebKitWebDriver, ImageMagick and a built
//! `target/debug/trellis-app`; `scripts/test.sh` provides all of them. A missing piece
//! fails the test rather than skipping it, so CI cannot pass without running it.

use std::time::Duration;

use anyhow::{ensure, Context, Result};
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use trellis_e2e::{
    click, type_into, wait_for, wait_for_text, within, workspace_root, Display, Driver, CALL,
};

const ORG_NAME: &str = "Hope Kitchen Leeds";
const CONTACT_BY: &str = "Amara Okafor";
const CONTACT_NOTES: &str = "Visited the Thursday lunch club.";

async fn press(client: &Client, css: &str, key: Key) -> Result<()> {
    let el = wait_for(client, css).await?;
    let text = char::from(key).to_string();
    within(
        &format!("pressing a key in {css}"),
        CALL,
        el.send_keys(&text),
    )
    .await
}

async fn value_of(client: &Client, css: &str) -> Result<String> {
    let el = wait_for(client, css).await?;
    let value = within(&format!("reading {css}"), CALL, el.prop("value")).await?;
    Ok(value.unwrap_or_default())
}

async fn close(client: Client) -> Result<()> {
    within("closing the session (the app exits)", CALL, client.close()).await
}

/// Session 1 on a fresh database: start empty, add an organisation, log a contact.
async fn add_organisation_and_log_contact(client: &Client) -> Result<()> {
    wait_for(client, "[data-testid=first-run]").await?;
    click(client, "#start-empty").await?;

    wait_for(client, "#org-form").await?;
    type_into(client, "#org-name", ORG_NAME).await?;
    type_into(client, "#org-ref", "gb-chc-1090095").await?;
    type_into(client, "#org-postcode", "ls7 3hb").await?;
    let band = wait_for(client, "#org-income-band").await?;
    within(
        "choosing an income band",
        CALL,
        band.select_by_value("25k-50k"),
    )
    .await?;
    // Led by, with the keyboard only: Enter opens the first DEI group, Space ticks
    // "African", and Enter in a text box submits the form.
    press(
        client,
        "#org-led-by details[data-group=DEI01] summary",
        Key::Enter,
    )
    .await?;
    let african = wait_for(client, "#org-led-by-DEI010110").await?;
    within("ticking African with Space", CALL, african.send_keys(" ")).await?;
    ensure!(
        within("reading the tick", CALL, african.prop("checked"))
            .await?
            .as_deref()
            == Some("true"),
        "Space should tick the checkbox"
    );
    press(client, "#org-name", Key::Enter).await?;

    wait_for_text(client, "#org-title", "the organisation's name", |t| {
        t == ORG_NAME
    })
    .await?;
    wait_for_text(
        client,
        "[data-testid=detail-org-ref]",
        "the normalised identifier",
        |t| t == "GB-CHC-1090095",
    )
    .await?;
    wait_for_text(
        client,
        "[data-testid=detail-small]",
        "the small flag",
        |t| t == "Small",
    )
    .await?;

    // Log a contact; the date defaults to today.
    ensure!(
        !value_of(client, "#contact-date").await?.is_empty(),
        "the contact date should default to today"
    );
    let kind = wait_for(client, "#contact-kind").await?;
    within(
        "choosing a contact kind",
        CALL,
        kind.select_by_value("visit"),
    )
    .await?;
    type_into(client, "#contact-by", CONTACT_BY).await?;
    type_into(client, "#contact-notes", CONTACT_NOTES).await?;
    click(client, "#save-contact").await?;
    wait_for_text(
        client,
        "[data-testid=contact-row]",
        "the logged contact",
        |t| t.contains(CONTACT_BY) && t.contains(CONTACT_NOTES),
    )
    .await?;
    wait_for_text(
        client,
        "[data-testid=detail-last-contact]",
        "a last-contact date",
        |t| t != "Never",
    )
    .await?;
    Ok(())
}

/// Session 2 on the same database: what session 1 saved is still there.
async fn find_what_was_saved(client: &Client) -> Result<()> {
    wait_for_text(
        client,
        "[data-testid=org-row]",
        "the saved organisation",
        |t| t.contains(ORG_NAME),
    )
    .await?;
    click(client, "[data-testid=org-link]").await?;
    wait_for_text(client, "#org-title", "the organisation's name", |t| {
        t == ORG_NAME
    })
    .await?;
    wait_for_text(
        client,
        "[data-testid=contact-row]",
        "the saved contact",
        |t| t.contains(CONTACT_BY) && t.contains(CONTACT_NOTES),
    )
    .await?;

    // Editing changes only what was edited.
    click(client, "#edit-org").await?;
    wait_for(client, "#org-form").await?;
    type_into(client, "#org-postcode", "LS7 4AA").await?;
    click(client, "#save-org").await?;
    wait_for_text(client, "#status", "the saved confirmation", |t| {
        t.contains("Saved")
    })
    .await?;
    wait_for_text(client, "#org-facts", "the new postcode", |t| {
        t.contains("LS7 4AA") && t.contains("GB-CHC-1090095")
    })
    .await?;

    // Search filters as you type, by postcode too.
    click(client, "#nav-organisations").await?;
    type_into(client, "#org-search", "ls7 4").await?;
    wait_for_text(client, "#org-count", "one match", |t| t == "1 organisation").await?;
    type_into(client, "#org-search", "no such group").await?;
    wait_for(client, "[data-testid=org-table-empty]").await?;

    // Contacted today, so not in the "not contacted for 30 days" list.
    click(client, "#nav-not-contacted").await?;
    wait_for(client, "[data-testid=nc-table-empty]").await?;
    Ok(())
}

/// An identifier missing its leading zero is refused beside the field, the form keeps
/// what was typed, and nothing is saved.
async fn refuse_an_invalid_identifier(client: &Client) -> Result<()> {
    click(client, "#nav-add-organisation").await?;
    wait_for(client, "#org-form").await?;
    type_into(client, "#org-name", "Second Group").await?;
    type_into(client, "#org-ref", "GB-COH-1234567").await?;
    // Leaving the field checks it.
    let field = wait_for(client, "#org-ref").await?;
    within(
        "tabbing out of the identifier",
        CALL,
        field.send_keys(&char::from(Key::Tab).to_string()),
    )
    .await?;
    let message = wait_for_text(client, "#org-org-ref-error", "the identifier error", |t| {
        t.contains("leading zeros")
    })
    .await?;
    ensure!(
        message.contains("GB-COH-01234567"),
        "the message should show the fixed identifier: {message}"
    );
    let invalid = within("reading aria-invalid", CALL, field.attr("aria-invalid")).await?;
    ensure!(
        invalid.as_deref() == Some("true"),
        "the identifier should be marked aria-invalid"
    );

    // Saving anyway is refused, and the half-typed form is kept.
    click(client, "#save-org").await?;
    wait_for_text(client, "#org-error-summary", "the error summary", |t| {
        t.contains("Nothing has been saved")
    })
    .await?;
    ensure!(
        value_of(client, "#org-name").await? == "Second Group",
        "the name was cleared"
    );
    ensure!(
        value_of(client, "#org-ref").await? == "GB-COH-1234567",
        "the identifier was cleared"
    );

    click(client, "#nav-organisations").await?;
    // The list keeps the last search; clear it to see every organisation.
    type_into(client, "#org-search", "").await?;
    wait_for_text(client, "#org-count", "the full count", |t| {
        t == "1 organisation"
    })
    .await?;
    let rows = within(
        "counting organisations",
        CALL,
        client.find_all(Locator::Css("[data-testid=org-row]")),
    )
    .await?;
    ensure!(
        rows.len() == 1,
        "expected 1 organisation after the refused save, found {}",
        rows.len()
    );
    Ok(())
}

/// The window may call Trellis's own commands and nothing else: the capability grants no
/// core or plugin permissions, so even a harmless core command is refused.
/// Its JavaScript cannot change Object.prototype either.
async fn only_own_commands_are_allowed(client: &Client) -> Result<()> {
    let script = r#"
        const done = arguments[arguments.length - 1];
        const call = (cmd, args) => window.__TAURI_INTERNALS__.invoke(cmd, args || {})
            .then(() => "allowed", (e) => "refused: " + String(e));
        Promise.all([call("suggest_org_ref", { name: "Hope Kitchen" }), call("plugin:app|version")])
            .then(done);
    "#;
    let answer = within(
        "calling commands from the page",
        CALL,
        client.execute_async(script, vec![]),
    )
    .await?;
    let answers: Vec<String> = serde_json::from_value(answer)?;
    ensure!(
        answers.first().map(String::as_str) == Some("allowed"),
        "own command refused: {answers:?}"
    );
    ensure!(
        answers.get(1).is_some_and(|a| a.starts_with("refused")),
        "a core command not granted by the capability was allowed: {answers:?}"
    );
    // freezePrototype in tauri.conf.json: a script cannot poison Object.prototype.
    let frozen = within(
        "checking Object.prototype is frozen",
        CALL,
        client.execute("return Object.isFrozen(Object.prototype);", vec![]),
    )
    .await?;
    ensure!(
        frozen == serde_json::Value::Bool(true),
        "Object.prototype is not frozen"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn walking_skeleton() -> Result<()> {
    let _turn = trellis_e2e::one_app_at_a_time().await;
    let display = Display::start()?;
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("trellis.sqlite3");
    let driver = Driver::start(&display, &db, dir.path())?;

    let client = driver.session().await?;
    let outcome = add_organisation_and_log_contact(&client).await;
    close(client).await?;
    outcome.context("session 1: add an organisation and log a contact")?;
    ensure!(db.is_file(), "the app should have created {}", db.display());

    let client = driver.session().await?;
    let outcome = async {
        find_what_was_saved(&client)
            .await
            .context("session 2: find what session 1 saved")?;
        only_own_commands_are_allowed(&client)
            .await
            .context("session 2: only the app's own commands are allowed")?;
        refuse_an_invalid_identifier(&client)
            .await
            .context("session 2: refuse an invalid identifier")
    }
    .await;
    close(client).await?;
    outcome
}

/// The demo data on screen, saved as docs/screenshots/main-window.png for the README.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn main_window_screenshot() -> Result<()> {
    let _turn = trellis_e2e::one_app_at_a_time().await;
    let display = Display::start()?;
    let dir = tempfile::tempdir()?;
    let driver = Driver::start(&display, &dir.path().join("trellis.sqlite3"), dir.path())?;
    let client = driver.session().await?;
    let outcome = async {
        click(&client, "#load-demo").await?;
        wait_for(&client, "[data-testid=org-row]").await?;
        wait_for_text(&client, "#status", "the confirmation", |t| !t.is_empty()).await?;
        let rect = within("reading the window's place", CALL, client.get_window_rect()).await?;
        // WebKit paints after the DOM settles, and under load the first captures can be
        // blank; a painted window with 20 rows of text is far larger than a blank one.
        let shot = dir.path().join("main-window.png");
        let mut size = 0;
        for _ in 0..20 {
            tokio::time::sleep(Duration::from_millis(300)).await;
            display.screenshot(&shot, rect)?;
            size = std::fs::metadata(&shot)?.len();
            if size > 40_000 {
                break;
            }
        }
        ensure!(
            size > 40_000,
            "the screenshot looks blank ({size} bytes): {}",
            shot.display()
        );
        let path = workspace_root().join("docs/screenshots/main-window.png");
        std::fs::copy(&shot, &path).with_context(|| format!("writing {}", path.display()))?;
        Ok(())
    }
    .await;
    close(client).await?;
    outcome
}

//! Live voting through the real app's screens, shared by tests/voting.rs and the
//! `projector-latency` benchmark (crates/trellis-bench): create and open a ranked ballot,
//! record votes by keyboard alone, open the projector window, and time a vote from its
//! Enter key to the projector showing it.
//!
//! Every WebDriver call goes through [`within`] (directly or through [`wait_for`] and
//! [`wait_for_text`]), so none can hang.

use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Result};
use fantoccini::key::Key;
use fantoccini::wd::WindowHandle;
use fantoccini::{Client, Locator};

use crate::{wait_for, wait_for_text, within, CALL};

/// The ballot [`create_and_open_ballot`] creates.
pub const QUESTION: &str = "Which topic should the first workshop take?";
/// Its options, one a line, in order (number keys 1, 2, 3 choose them).
pub const OPTIONS: &str = "Maternal health\nSickle cell care\nMental health";
/// Who records the votes.
pub const FACILITATOR: &str = "Amara Okafor";

pub async fn click(client: &Client, css: &str) -> Result<()> {
    let el = wait_for(client, css).await?;
    within(&format!("clicking {css}"), CALL, el.click()).await
}

pub async fn type_into(client: &Client, css: &str, text: &str) -> Result<()> {
    let el = wait_for(client, css).await?;
    within(&format!("clearing {css}"), CALL, el.clear()).await?;
    within(&format!("typing into {css}"), CALL, el.send_keys(text)).await
}

/// Types `keys` into whichever element has focus, as a person at the keyboard would.
pub async fn keyboard(client: &Client, keys: &str) -> Result<()> {
    let focused = within("finding the focused element", CALL, client.active_element()).await?;
    within(&format!("pressing {keys:?}"), CALL, focused.send_keys(keys)).await
}

pub fn enter() -> String {
    char::from(Key::Enter).to_string()
}

/// Waits until the focused element has `id`, so the next key goes where a person's would.
pub async fn wait_for_focus(client: &Client, id: &str) -> Result<()> {
    let deadline = Instant::now() + CALL;
    loop {
        let focused = within("finding the focused element", CALL, client.active_element()).await?;
        let found = within("reading its id", CALL, focused.attr("id")).await?;
        if found.as_deref() == Some(id) {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("focus never reached #{id}; it is on {found:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Picks a voter by typing part of the name and pressing Enter on the first match, then
/// keys the choices and Enter.
pub async fn record_vote(
    client: &Client,
    typed: &str,
    expect_voter: &str,
    keys: &str,
) -> Result<()> {
    wait_for_focus(client, "voter-input").await?;
    keyboard(client, typed).await?;
    wait_for_text(
        client,
        "#voter-list [role=option][aria-selected=true]",
        "the matching organisation, selected",
        |t| t.contains(expect_voter),
    )
    .await?;
    keyboard(client, &enter()).await?;
    wait_for_focus(client, "vote-entry").await?;
    keyboard(client, keys).await?;
    keyboard(client, &enter()).await
}

/// Clicks Open projector and returns the projector window's handle (`main` is the main
/// window's). The session stays on the main window.
pub async fn open_projector(client: &Client, main: &WindowHandle) -> Result<WindowHandle> {
    click(client, "#open-projector").await?;
    let deadline = Instant::now() + CALL;
    loop {
        let handles = within("listing windows", CALL, client.windows()).await?;
        if let Some(other) = handles.into_iter().find(|h| h != main) {
            return Ok(other);
        }
        if Instant::now() > deadline {
            bail!("the projector window never appeared to WebDriver");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn switch(client: &Client, to: &WindowHandle) -> Result<()> {
    within(
        "switching window",
        CALL,
        client.switch_to_window(to.clone()),
    )
    .await
}

/// Shows the results on the projector (the Reveal button on the ballot screen).
pub async fn reveal(client: &Client) -> Result<()> {
    click(client, "#ballot-reveal").await?;
    wait_for_text(client, "[data-testid=ballot-revealed]", "shown", |t| {
        t.starts_with("Shown")
    })
    .await?;
    Ok(())
}

/// Reads the projector's turnout until it is `expected`; returns its tally's text.
pub async fn projector_turnout(
    client: &Client,
    projector: &WindowHandle,
    main: &WindowHandle,
    expected: &str,
) -> Result<String> {
    switch(client, projector).await?;
    let outcome = wait_for_text(client, "#projector [data-testid=turnout]", expected, |t| {
        t == expected
    })
    .await;
    let rows = match &outcome {
        Ok(_) => {
            wait_for_text(client, "#projector [data-testid=tally]", "the tally", |t| {
                !t.is_empty()
            })
            .await
        }
        Err(_) => Ok(String::new()),
    };
    switch(client, main).await?;
    outcome?;
    rows
}

/// On an empty database: loads the demo, creates the ranked (IRV) ballot [`QUESTION`] with
/// [`OPTIONS`], opens it, and names the facilitator, leaving the live form on screen.
pub async fn create_and_open_ballot(client: &Client) -> Result<()> {
    click(client, "#load-demo").await?;
    wait_for(client, "[data-testid=org-row]").await?;
    click(client, "#nav-ballots").await?;
    click(client, "#new-ballot").await?;
    type_into(client, "#ballot-question", QUESTION).await?;
    // Enter between lines, as typed (WebDriver does not turn "\n" into a key press).
    type_into(client, "#ballot-labels", &OPTIONS.replace('\n', &enter())).await?;
    let method = wait_for(client, "#ballot-method").await?;
    within("choosing IRV", CALL, method.select_by_value("ranked-irv")).await?;
    click(client, "#save-ballot").await?;
    if let Err(e) = wait_for_text(client, "#ballot-title", "the question", |t| t == QUESTION).await
    {
        let alert = wait_for_text(client, "main", "anything", |_| true)
            .await
            .unwrap_or_default();
        bail!("{e}; the screen says: {alert}");
    }
    wait_for_text(client, "[data-testid=ballot-status]", "draft", |t| {
        t == "Draft"
    })
    .await?;
    click(client, "#ballot-open").await?;
    wait_for_text(client, "[data-testid=ballot-status]", "open", |t| {
        t == "Open"
    })
    .await?;
    wait_for(client, "#live-capture").await?;
    type_into(client, "#facilitator-name", FACILITATOR).await?;
    Ok(())
}

/// One vote keyed at the live form.
pub struct KeyedVote<'a> {
    /// What is typed into the voter box.
    pub typed: &'a str,
    /// Part of the organisation's name the first match must show.
    pub voter: &'a str,
    /// The choice keys (for example "312"), before Enter.
    pub keys: &'a str,
    /// What the confirmation must contain once the vote is recorded.
    pub confirmation: &'a str,
    /// The projector's turnout once this vote is counted.
    pub turnout: &'a str,
}

/// Records `vote` by keyboard on the main window and returns the milliseconds from its
/// Enter key going down (in the choices box) to the projector's turnout first reading
/// `vote.turnout`. Both clocks are `Date.now()` in the two windows of one machine: the
/// main window notes the keydown, the projector a MutationObserver's first sight of the
/// new turnout. The session starts and ends on `main`; call it once per vote.
pub async fn keypress_to_projector_ms(
    client: &Client,
    projector: &WindowHandle,
    main: &WindowHandle,
    vote: &KeyedVote<'_>,
) -> Result<f64> {
    switch(client, projector).await?;
    within(
        "watching the projector's turnout",
        CALL,
        client.execute(
            r#"window.__turnoutWant = arguments[0];
               window.__turnoutAt = 0;
               if (!window.__turnoutObserver) {
                 window.__turnoutObserver = new MutationObserver(() => {
                   const t = document.querySelector("[data-testid=turnout]");
                   if (t && t.textContent === window.__turnoutWant && !window.__turnoutAt) window.__turnoutAt = Date.now();
                 });
                 window.__turnoutObserver.observe(document.getElementById("projector"), { childList: true, subtree: true, characterData: true });
               }"#,
            vec![vote.turnout.into()],
        ),
    )
    .await?;
    switch(client, main).await?;
    within(
        "watching for Enter",
        CALL,
        client.execute(
            r#"window.__enterAt = 0;
               if (!window.__enterWatched) {
                 window.__enterWatched = true;
                 document.addEventListener("keydown", (e) => {
                   if (e.key === "Enter" && document.activeElement && document.activeElement.id === "vote-entry") window.__enterAt = Date.now();
                 }, true);
               }"#,
            vec![],
        ),
    )
    .await?;
    wait_for(client, "#live-capture").await?;
    click(client, "#voter-input").await?;
    record_vote(client, vote.typed, vote.voter, vote.keys).await?;
    wait_for_text(client, "#capture-confirmation", "the confirmation", |t| {
        t.contains(vote.confirmation)
    })
    .await?;
    projector_turnout(client, projector, main, vote.turnout).await?;
    let enter_at = within(
        "reading the Enter time",
        CALL,
        client.execute("return window.__enterAt;", vec![]),
    )
    .await?;
    switch(client, projector).await?;
    let shown_at = within(
        "reading the projector's time",
        CALL,
        client.execute("return window.__turnoutAt;", vec![]),
    )
    .await?;
    switch(client, main).await?;
    let (enter_at, shown_at) = (
        enter_at.as_f64().unwrap_or(0.0),
        shown_at.as_f64().unwrap_or(0.0),
    );
    ensure!(
        enter_at > 0.0 && shown_at > 0.0,
        "clocks not read: Enter {enter_at}, projector {shown_at}"
    );
    Ok(shown_at - enter_at)
}

/// What the current window shows (and its address), to explain a failure.
pub async fn screen_text(client: &Client) -> String {
    let url = match tokio::time::timeout(CALL, client.current_url()).await {
        Ok(Ok(url)) => url.to_string(),
        _ => "?".into(),
    };
    let text = match tokio::time::timeout(CALL, client.find(Locator::Css("body"))).await {
        Ok(Ok(body)) => match tokio::time::timeout(CALL, body.text()).await {
            Ok(Ok(text)) => text,
            _ => "?".into(),
        },
        _ => "?".into(),
    };
    format!("at {url}: {text:.1500}")
}

/// Adds what the screen showed to a failed step.
pub async fn explained<T>(client: &Client, outcome: Result<T>) -> Result<T> {
    match outcome {
        Ok(value) => Ok(value),
        Err(e) => {
            let screen = screen_text(client).await;
            Err(e.context(format!("the window showed {screen}")))
        }
    }
}

/// Ends the session, which closes the app.
pub async fn close(client: Client) -> Result<()> {
    within("closing the session (the app exits)", CALL, client.close()).await
}

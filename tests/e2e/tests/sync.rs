//! The app's background sync against the real `trellis-server` binary, with a second
//! laptop played by the real `trellis` command line:
//!
//! 1. A fresh database and no server: the header says "Not enrolled for sync"; enrolling
//!    with the server's address says beside the address that it cannot be reached.
//! 2. The server starts, holding the other laptop's organisation: a wrong code is refused
//!    beside the code; the right one, typed and submitted with Enter, enrols the laptop,
//!    and the header turns to "Synced at HH:MM". Settings shows the user, role, server and
//!    where the device token is kept; the directory shows the received organisation (not
//!    the first-run offer of demo data).
//! 3. An organisation added in the app: the header counts 1 change waiting, then syncs it
//!    in the background (no button) and the second laptop receives it.
//! 4. The second laptop adds one and syncs; "Sync now" brings it onto the open list.
//! 5. The server is killed: a change in the app leaves the header at "Offline · 1 change
//!    waiting"; the server comes back, "Sync now" sends it and the other laptop gets it.
//!
//!
//! A second test enrols the app as a facilitator: an organisation's equality answers,
//! recorded on a staff laptop, are not sent to it, and its screens say so instead of
//! "None recorded" (and the edit form warns before boxes that would replace them); its
//! grants screens say rounds, applications, scores and letters are not sent to it. A
//! third enrols it as a panel member: its scoring screen offers only that member.
//!
//! Needs `scripts/build-ui.sh && cargo build --workspace` (the app, `trellis`,
//! `trellis-server`) and what `scripts/setup.sh` installs. Every wait polls the DOM with a
//! deadline; nothing sleeps in place of checking.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use fantoccini::key::Key;
use fantoccini::Client;
use trellis_e2e::{
    click, free_port, type_into, wait_for, wait_for_text, within, workspace_binary, workspace_root,
    ChildGuard, Display, Driver, CALL,
};

const SYNC_TEXT: &str = "#sync-text";

async fn press_enter(client: &Client, css: &str) -> Result<()> {
    let el = wait_for(client, css).await?;
    let enter = char::from(Key::Enter).to_string();
    within(
        &format!("pressing Enter in {css}"),
        CALL,
        el.send_keys(&enter),
    )
    .await
}

/// "Synced at 14:05" with nothing waiting (the time is this computer's clock, HH:MM).
fn synced_with_nothing_waiting(text: &str) -> bool {
    let Some(time) = text.strip_prefix("Synced at ") else {
        return false;
    };
    let b = time.as_bytes();
    time.len() == 5 && b[2] == b':' && [0, 1, 3, 4].iter().all(|&i| b[i].is_ascii_digit())
}

/// The sync server on a fixed port (so it can be restarted where the laptop expects it).
struct Server {
    exe: PathBuf,
    db: PathBuf,
    port: u16,
}

impl Server {
    fn admin(&self, args: &[&str]) -> Result<String> {
        run(Command::new(&self.exe).arg("--db").arg(&self.db).args(args))
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Starts `serve` and waits until it accepts connections.
    fn serve(&self) -> Result<ChildGuard> {
        let mut command = Command::new(&self.exe);
        command
            .arg("--db")
            .arg(&self.db)
            .args(["serve", "--listen", &format!("127.0.0.1:{}", self.port)])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        let mut guard = ChildGuard::spawn("trellis-server", command)?;
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            guard.check_running()?;
            if Instant::now() > deadline {
                bail!(
                    "trellis-server did not listen on {} within 15 s",
                    self.url()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(guard)
    }

    fn enrolment_code(&self, user: &str) -> Result<String> {
        Ok(self.admin(&["enrol", "--user", user])?.trim().to_string())
    }
}

fn run(cmd: &mut Command) -> Result<String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running {cmd:?}"))?;
    ensure!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8(out.stdout)?)
}

/// The second laptop: the `trellis` command line on its own database.
fn laptop(cli: &Path, db: &Path, args: &[&str]) -> Result<String> {
    run(Command::new(cli)
        .arg("--db")
        .arg(db)
        .env_remove("TRELLIS_DB")
        // The other laptop's token stays in its own file, never the tester's keyring.
        .env("TRELLIS_TOKEN_STORE", "file")
        .args(args))
}

/// One test's world: a display, a temp folder, the server (not yet serving) with its
/// users, and the app on a fresh database whose token goes to a file, never into the
/// keyring of whoever runs the test (the credential store itself is tested in
/// trellis-server's credential_store.rs).
struct World {
    display: Display,
    dir: tempfile::TempDir,
    server: Server,
    driver: Driver,
}

impl World {
    fn new(users: &[(&str, &str)]) -> Result<World> {
        let display = Display::start()?;
        let dir = tempfile::tempdir()?;
        let server = Server {
            exe: workspace_binary("trellis-server")?,
            db: dir.path().join("server.sqlite3"),
            port: free_port()?,
        };
        for (user, role) in users {
            server.admin(&["user", "add", user, "--role", role])?;
        }
        let home = dir.path().join("home");
        std::fs::create_dir_all(&home)?;
        let driver = Driver::start_with_env(
            &display,
            &dir.path().join("trellis.sqlite3"),
            &home,
            &[("TRELLIS_TOKEN_STORE", "file")],
        )?;
        Ok(World {
            display,
            dir,
            server,
            driver,
        })
    }
}

/// The other laptop, on the CLI: enrolled as `user`, `setup` run on it, then synced.
fn other_laptop(server: &Server, db: &Path, user: &str, setup: &[&[&str]]) -> Result<()> {
    let cli = workspace_binary("trellis")?;
    laptop(&cli, db, &["init"])?;
    let code = server.enrolment_code(user)?;
    laptop(
        &cli,
        db,
        &["enrol", "--server", &server.url(), "--code", &code],
    )?;
    for args in setup {
        laptop(&cli, db, args)?;
    }
    laptop(&cli, db, &["sync"])?;
    Ok(())
}

/// Enrols the app as `user` in Settings, by keyboard, and waits for its first sync.
async fn enrol_app(client: &Client, server: &Server, user: &str, role: &str) -> Result<()> {
    wait_for(client, "[data-testid=first-run]").await?;
    click(client, "#nav-settings").await?;
    type_into(client, "#enrol-server", &server.url()).await?;
    let code = server.enrolment_code(user)?;
    type_into(client, "#enrol-code", &code).await?;
    press_enter(client, "#enrol-code").await?;
    wait_for_text(client, "#status", "the enrolment confirmation", |t| {
        t.contains(&format!("enrolled as {user} ({role})"))
    })
    .await?;
    wait_for_text(
        client,
        SYNC_TEXT,
        "synced, nothing waiting",
        synced_with_nothing_waiting,
    )
    .await?;
    Ok(())
}

/// Records every text the indicator shows from now on, so a state that lasts only until
/// the next background sync (1 change waiting) can be checked without racing it.
async fn record_indicator(client: &Client) -> Result<()> {
    let script = r#"
        const el = document.getElementById("sync-text");
        window.__syncTexts = [el.textContent];
        new MutationObserver(() => window.__syncTexts.push(el.textContent))
            .observe(el, { childList: true, characterData: true, subtree: true });
    "#;
    within(
        "recording the indicator",
        CALL,
        client.execute(script, vec![]),
    )
    .await?;
    Ok(())
}

async fn recorded_indicator(client: &Client) -> Result<Vec<String>> {
    let texts = within(
        "reading the indicator's history",
        CALL,
        client.execute("return window.__syncTexts;", vec![]),
    )
    .await?;
    Ok(serde_json::from_value(texts)?)
}

/// Polls the indicator's recorded history until `check` accepts it.
async fn wait_for_history(
    client: &Client,
    what: &str,
    check: impl Fn(&[String]) -> bool,
) -> Result<()> {
    let deadline = Instant::now() + CALL;
    loop {
        let seen = recorded_indicator(client).await?;
        if check(&seen) {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the indicator never showed {what}; it showed {seen:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Polls the indicator's live region, which is visually hidden, so WebDriver's visible
/// text would be empty: its textContent is read instead.
async fn wait_for_announcement(
    client: &Client,
    what: &str,
    check: impl Fn(&str) -> bool,
) -> Result<()> {
    let deadline = Instant::now() + CALL;
    loop {
        let said = within(
            "reading the sync announcement",
            CALL,
            client.execute(
                "return document.getElementById('sync-announce').textContent;",
                vec![],
            ),
        )
        .await?;
        if said.as_str().is_some_and(&check) {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("{what} was not announced; the live region says {said}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn add_organisation(client: &Client, name: &str, org_ref: &str) -> Result<()> {
    click(client, "#nav-add-organisation").await?;
    wait_for(client, "#org-form").await?;
    type_into(client, "#org-name", name).await?;
    type_into(client, "#org-ref", org_ref).await?;
    press_enter(client, "#org-name").await?;
    wait_for_text(client, "#org-title", "the new organisation", |t| t == name).await?;
    Ok(())
}

async fn screenshot(client: &Client, display: &Display, dir: &Path) -> Result<()> {
    // The header (with the indicator) in view and no focus ring on the form.
    within(
        "scrolling to the top",
        CALL,
        client.execute(
            "document.activeElement?.blur(); window.scrollTo(0, 0);",
            vec![],
        ),
    )
    .await?;
    let rect = within("reading the window's place", CALL, client.get_window_rect()).await?;
    // WebKit paints after the DOM settles and early captures under load can be blank; a
    // painted settings screen is far larger than a blank one.
    let shot = dir.join("sync-settings.png");
    let mut size = 0;
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        display.screenshot(&shot, rect)?;
        size = std::fs::metadata(&shot)?.len();
        if size > 30_000 {
            break;
        }
    }
    ensure!(size > 30_000, "the screenshot looks blank ({size} bytes)");
    let path = workspace_root().join("docs/screenshots/sync-settings.png");
    std::fs::copy(&shot, &path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

async fn scenario(client: &Client, display: &Display, dir: &Path, server: &Server) -> Result<()> {
    let cli = workspace_binary("trellis")?;
    let other = dir.join("other-laptop.sqlite3");

    // 1. No server, not enrolled.
    wait_for(client, "[data-testid=first-run]").await?;
    wait_for_text(client, SYNC_TEXT, "not enrolled", |t| {
        t == "Not enrolled for sync"
    })
    .await?;
    click(client, "#sync-now").await?;
    wait_for_announcement(client, "that Sync now needs enrolment", |t| {
        t.contains("not enrolled for sync yet: enrol it in Settings")
    })
    .await?;
    click(client, "#nav-settings").await?;
    wait_for_text(
        client,
        "#settings-token-kept",
        "where the token will be kept",
        |t| t.starts_with("Not enrolled yet"),
    )
    .await?;
    type_into(client, "#enrol-server", &server.url()).await?;
    type_into(client, "#enrol-code", "ABCD-EFGH").await?;
    press_enter(client, "#enrol-code").await?;
    wait_for_text(
        client,
        "#enrol-server-error",
        "the unreachable server beside its address",
        |t| t.contains("cannot reach a sync server at"),
    )
    .await?;

    // 2. The server starts and already holds the other laptop's organisation; a wrong
    //    code, then the right one.
    let _serving = server.serve()?;
    laptop(&cli, &other, &["init"])?;
    let code = server.enrolment_code("ben")?;
    laptop(
        &cli,
        &other,
        &["enrol", "--server", &server.url(), "--code", &code],
    )?;
    laptop(
        &cli,
        &other,
        &[
            "org",
            "add",
            "--name",
            "Westside Women's Health",
            "--ref",
            "GB-CHC-1000004",
        ],
    )?;
    laptop(&cli, &other, &["sync"])?;
    press_enter(client, "#enrol-code").await?;
    wait_for_text(
        client,
        "#enrol-code-error",
        "the refused code beside the code",
        |t| t.contains("refused this code") && t.contains("already used or expired"),
    )
    .await?;
    let code = server.enrolment_code("amina")?;
    type_into(client, "#enrol-code", &code).await?;
    press_enter(client, "#enrol-code").await?;
    wait_for_text(client, "#status", "the enrolment confirmation", |t| {
        t.contains("enrolled as amina (staff)")
    })
    .await?;
    wait_for_text(
        client,
        SYNC_TEXT,
        "synced, nothing waiting",
        synced_with_nothing_waiting,
    )
    .await?;
    wait_for_text(client, "#settings-user", "the enrolled user", |t| {
        t == "amina (staff)"
    })
    .await?;
    wait_for_text(client, "#settings-server", "the server", |t| {
        t == server.url()
    })
    .await?;
    wait_for_text(
        client,
        "#settings-token-kept",
        "where the device token is kept",
        |t| t.starts_with("The device token is kept in ") && t.contains("readable only by you"),
    )
    .await?;
    wait_for_text(
        client,
        "#settings-sync-state",
        "synced",
        synced_with_nothing_waiting,
    )
    .await?;
    screenshot(client, display, dir).await?;
    // The programme's data arrived with the first sync, so the directory shows it rather
    // than offering a fresh laptop the demo data.
    click(client, "#nav-organisations").await?;
    wait_for_text(client, "#org-results", "the received organisation", |t| {
        t.contains("Westside Women's Health")
    })
    .await?;

    // 3. A change in the app goes out in the background, with no button pressed.
    record_indicator(client).await?;
    add_organisation(client, "Riverside Elders", "GB-CHC-1000001").await?;
    wait_for_text(
        client,
        SYNC_TEXT,
        "the change synced",
        synced_with_nothing_waiting,
    )
    .await?;
    let seen = recorded_indicator(client).await?;
    ensure!(
        seen.iter().any(|t| t.ends_with(" · 1 change waiting")),
        "the indicator never counted the waiting change: {seen:?}"
    );
    laptop(&cli, &other, &["sync"])?;
    let list = laptop(&cli, &other, &["org", "list"])?;
    ensure!(
        list.contains("Riverside Elders"),
        "the other laptop did not receive the app's organisation: {list}"
    );

    // 4. The other laptop's change arrives on "Sync now", onto the open list.
    laptop(
        &cli,
        &other,
        &[
            "org",
            "add",
            "--name",
            "Northside Youth",
            "--ref",
            "GB-CHC-1000002",
        ],
    )?;
    laptop(&cli, &other, &["sync"])?;
    click(client, "#nav-organisations").await?;
    wait_for_text(client, "#org-results", "the app's organisation", |t| {
        t.contains("Riverside Elders")
    })
    .await?;
    click(client, "#sync-now").await?;
    wait_for_text(
        client,
        "#org-results",
        "the other laptop's organisation",
        |t| t.contains("Northside Youth"),
    )
    .await?;
    wait_for_text(client, SYNC_TEXT, "synced", synced_with_nothing_waiting).await?;

    // 5. The server goes away: the change waits, and is sent when it is back.
    drop(_serving);
    add_organisation(client, "Eastside Carers", "GB-CHC-1000003").await?;
    wait_for_text(client, SYNC_TEXT, "offline with the change waiting", |t| {
        t == "Offline · 1 change waiting"
    })
    .await?;
    wait_for_announcement(client, "the change to offline", |t| {
        t == "Offline · 1 change waiting"
    })
    .await?;
    // "Sync now" while the server is down tries again and ends offline, still counting.
    record_indicator(client).await?;
    click(client, "#sync-now").await?;
    wait_for_history(client, "a sync attempt that ended offline", |seen| {
        let tried = seen.iter().position(|t| t == "Syncing…");
        tried.is_some_and(|i| seen[i..].iter().any(|t| t == "Offline · 1 change waiting"))
    })
    .await?;
    let _serving = server.serve()?;
    click(client, "#sync-now").await?;
    wait_for_text(
        client,
        SYNC_TEXT,
        "synced again",
        synced_with_nothing_waiting,
    )
    .await?;
    laptop(&cli, &other, &["sync"])?;
    let list = laptop(&cli, &other, &["org", "list"])?;
    ensure!(
        list.contains("Eastside Carers"),
        "the change made offline did not reach the other laptop: {list}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_syncs_in_the_background_and_shows_it() -> Result<()> {
    let _turn = trellis_e2e::one_app_at_a_time().await;
    let started = Instant::now();
    let w = World::new(&[("amina", "staff"), ("ben", "staff")])?;
    let client = w.driver.session().await?;
    let outcome = scenario(&client, &w.display, w.dir.path(), &w.server).await;
    within("closing the session (the app exits)", CALL, client.close()).await?;
    eprintln!("sync e2e took {:.1} s", started.elapsed().as_secs_f64());
    outcome
}

async fn facilitator_scenario(client: &Client, dir: &Path, server: &Server) -> Result<()> {
    let cli = workspace_binary("trellis")?;
    let staff = dir.join("staff-laptop.sqlite3");
    let _serving = server.serve()?;
    let hope_kitchen: &[&str] = &[
        "org",
        "add",
        "--name",
        "Hope Kitchen",
        "--ref",
        "GB-CHC-1000005",
        "--led-by",
        "DEI019999",
        "--serves",
        "DEI019999",
    ];
    other_laptop(server, &staff, "ben", &[hope_kitchen])?;
    enrol_app(client, server, "fola", "facilitator").await?;
    click(client, "#nav-organisations").await?;
    wait_for_text(client, "#org-results", "the received organisation", |t| {
        t.contains("Hope Kitchen")
    })
    .await?;
    click(client, "[data-testid=org-link]").await?;
    for (css, what) in [
        ("[data-testid=detail-led-by]", "led by"),
        (
            "[data-testid=detail-communities-served]",
            "communities served",
        ),
    ] {
        wait_for_text(client, css, what, |t| {
            t.starts_with("None on this laptop: facilitators' laptops are not sent")
        })
        .await?;
    }
    click(client, "#edit-org").await?;
    wait_for_text(
        client,
        "#org-equality-withheld",
        "the warning before the equality boxes",
        |t| t.contains("staff may hold answers not shown here"),
    )
    .await?;

    // Grants screens say their records are not sent here, not "No funding round yet".
    for nav in ["#nav-moderation", "#nav-letters", "#nav-scoring"] {
        click(client, nav).await?;
        wait_for_text(
            client,
            "[data-testid=grants-not-sent]",
            "that grants records are not sent to a facilitator",
            |t| t.starts_with("This laptop is enrolled as a facilitator, so funding rounds"),
        )
        .await?;
    }

    // The staff laptop still holds the answers: nothing the facilitator's laptop did
    // touched them.
    laptop(&cli, &staff, &["sync"])?;
    let shown = laptop(&cli, &staff, &["org", "show", "Hope Kitchen"])?;
    ensure!(
        shown.contains("DEI019999"),
        "the staff laptop lost the equality answers: {shown}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_facilitators_laptop_says_what_it_was_not_sent() -> Result<()> {
    let _turn = trellis_e2e::one_app_at_a_time().await;
    let w = World::new(&[("ben", "staff"), ("fola", "facilitator")])?;
    let client = w.driver.session().await?;
    let outcome = facilitator_scenario(&client, w.dir.path(), &w.server).await;
    within("closing the session (the app exits)", CALL, client.close()).await?;
    outcome
}

const PRIYA: &str = "Priya Shah (council commissioner)";

async fn panel_scenario(client: &Client, dir: &Path, server: &Server) -> Result<()> {
    let _serving = server.serve()?;
    // Enrolled before the panel reached the server (one organisation has): the scoring
    // screen says why no one is offered.
    let riverside: &[&str] = &[
        "org",
        "add",
        "--name",
        "Riverside Elders",
        "--ref",
        "GB-CHC-1000001",
    ];
    other_laptop(server, &dir.join("office.sqlite3"), "ben", &[riverside])?;
    enrol_app(client, server, PRIYA, "panel").await?;
    click(client, "#nav-scoring").await?;
    wait_for_text(
        client,
        "[data-testid=panel-member-missing]",
        "that her panel member record has not arrived",
        |t| {
            t.contains(&format!(
                "enrolled as {PRIYA}, and no panel member of that name"
            ))
        },
    )
    .await?;
    // The demo round, with Priya on its panel, arrives from another staff laptop.
    other_laptop(
        server,
        &dir.join("staff-laptop.sqlite3"),
        "ben",
        &[&["demo"]],
    )?;
    click(client, "#sync-now").await?;
    wait_for_text(client, SYNC_TEXT, "synced", synced_with_nothing_waiting).await?;
    click(client, "#nav-organisations").await?;
    click(client, "#nav-scoring").await?;
    wait_for(client, "#panel-member").await?;
    let offered = within(
        "reading the panel member picker",
        CALL,
        client.execute(
            "const s = document.getElementById('panel-member');
             return { names: [...s.options].filter(o => o.value).map(o => o.textContent), chosen: s.selectedOptions[0]?.textContent ?? '' };",
            vec![],
        ),
    )
    .await?;
    let names: Vec<String> = serde_json::from_value(offered["names"].clone())?;
    ensure!(
        names.len() == 1 && names[0].starts_with(PRIYA),
        "a panel member's laptop offered {names:?}, not only {PRIYA}"
    );
    ensure!(
        offered["chosen"]
            .as_str()
            .is_some_and(|t| t.starts_with(PRIYA)),
        "{PRIYA} was not chosen for her: {offered}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panel_members_laptop_scores_only_as_them() -> Result<()> {
    let _turn = trellis_e2e::one_app_at_a_time().await;
    let w = World::new(&[("ben", "staff"), (PRIYA, "panel")])?;
    let client = w.driver.session().await?;
    let outcome = panel_scenario(&client, w.dir.path(), &w.server).await;
    within("closing the session (the app exits)", CALL, client.close()).await?;
    outcome
}

/// Two laptops and one count: the projector is open on the app, a vote is cast on the
/// other laptop and synced, and the projector shows it without anyone touching it (the
/// store says what a pulled page changed; the shell tells every window).
async fn projector_scenario(client: &Client, dir: &Path, server: &Server) -> Result<()> {
    let cli = workspace_binary("trellis")?;
    let hall = dir.join("hall-laptop.sqlite3");
    let _serving = server.serve()?;
    let hope_kitchen: &[&str] = &[
        "org",
        "add",
        "--name",
        "Hope Kitchen",
        "--ref",
        "GB-CHC-1000005",
    ];
    let create: &[&str] = &[
        "ballot",
        "create",
        "--question",
        "Which topic first?",
        "--option",
        "Maternal health",
        "--option",
        "Mental health",
        "--method",
        "plurality",
    ];
    other_laptop(server, &hall, "ben", &[hope_kitchen])?;
    let ballot = laptop(&cli, &hall, create)?.trim().to_string();
    laptop(&cli, &hall, &["ballot", "open", &ballot])?;
    laptop(&cli, &hall, &["sync"])?;

    enrol_app(client, server, "fola", "facilitator").await?;
    click(client, "#nav-ballots").await?;
    wait_for_text(
        client,
        "[data-testid=ballot-link]",
        "the received ballot",
        |t| t.contains("Which topic first?"),
    )
    .await?;
    click(client, "[data-testid=ballot-link]").await?;
    let main = within("reading the main window's handle", CALL, client.window()).await?;
    let projector = trellis_e2e::voting::open_projector(client, &main).await?;
    trellis_e2e::voting::switch(client, &projector).await?;
    wait_for(client, "[data-testid=results-hidden]").await?;
    trellis_e2e::voting::switch(client, &main).await?;
    trellis_e2e::voting::reveal(client).await?;
    trellis_e2e::voting::projector_turnout(client, &projector, &main, "0").await?;

    // The other laptop's vote reaches the server; the app's next sync pulls it.
    laptop(&cli, &hall, &["sync"])?;
    laptop(
        &cli,
        &hall,
        &[
            "vote",
            "cast",
            &ballot,
            "--voter",
            "Hope Kitchen",
            "--choice",
            "1",
        ],
    )?;
    laptop(&cli, &hall, &["sync"])?;
    click(client, "#sync-now").await?;
    let tally = trellis_e2e::voting::projector_turnout(client, &projector, &main, "1").await?;
    ensure!(
        tally.contains("Maternal health"),
        "the projector's tally does not show the synced vote: {tally}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_projector_shows_votes_that_arrive_by_sync() -> Result<()> {
    let _turn = trellis_e2e::one_app_at_a_time().await;
    let w = World::new(&[("ben", "staff"), ("fola", "facilitator")])?;
    let client = w.driver.session().await?;
    let outcome = projector_scenario(&client, w.dir.path(), &w.server).await;
    within("closing the session (the app exits)", CALL, client.close()).await?;
    outcome
}

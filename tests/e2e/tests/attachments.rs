//! Attachments open and play inside the app, offline, and survive a restart: before the
//! app starts, a real 2-second WAV recording (written here, header and samples) is
//! attached to a demo application through trellis-store; the assessor opens that
//! application and its <audio> element reports a duration of about 2 s, which it can only
//! know by loading the bytes over the shell's `attachment:` scheme. The app is restarted
//! and the recording loads again. Names that are not a stored content hash (a path, an
//! unknown hash) fail to load the same way, as does the relay without its token. (On
//! Linux, media come from the shell's loopback relay, since WebKitGTK plays no custom
//! scheme; see src-tauri/src/attachments.rs.)
//!
//! Needs what tests/app.rs needs (Xvfb, tauri-driver, WebKitWebDriver) and GStreamer's
//! WAV parser (gst-plugins-good), which WebKitGTK uses to play audio.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use fantoccini::Client;
use trellis_core::grants::scoring::PanelRole;
use trellis_e2e::{wait_for, wait_for_text, within, Display, Driver, CALL};
use trellis_store::Store;

const ASSESSOR: &str = "Ruth Adeyemi (community panel member)";
const SECONDS: u32 = 2;

struct Setup {
    application_id: String,
    organisation: String,
    assessor_id: String,
    sha256: String,
}

/// A valid 16-bit mono PCM WAV file: a 440 Hz tone for `SECONDS` seconds at 8 kHz.
fn write_wav(path: &Path) -> Result<()> {
    const RATE: u32 = 8_000;
    let samples = RATE * SECONDS;
    let data_len = samples * 2;
    let mut out = Vec::with_capacity(44 + data_len as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes()); // fmt chunk size
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&RATE.to_le_bytes());
    out.extend_from_slice(&(RATE * 2).to_le_bytes()); // bytes per second
    out.extend_from_slice(&2u16.to_le_bytes()); // block align
    out.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for i in 0..samples {
        let t = i as f64 / RATE as f64;
        let s = ((t * 440.0 * std::f64::consts::TAU).sin() * 8_000.0) as i16;
        out.extend_from_slice(&s.to_le_bytes());
    }
    std::fs::write(path, out)?;
    Ok(())
}

fn prepare(dir: &Path, db: &Path) -> Result<Setup> {
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
    let wav = dir.join("interview.wav");
    write_wav(&wav)?;
    let attached = store.attach_file(app.id, &wav)?;
    Ok(Setup {
        application_id: app.id.to_string(),
        organisation: app.organisation_name,
        assessor_id: assessor.to_string(),
        sha256: attached.sha256,
    })
}

async fn open_application(client: &Client, s: &Setup) -> Result<()> {
    wait_for(client, "[data-testid=org-row]").await?;
    let nav = wait_for(client, "#nav-scoring").await?;
    within("opening My assignments", CALL, nav.click()).await?;
    let picker = wait_for(client, "#panel-member").await?;
    let chosen = within("reading who I am", CALL, picker.prop("value")).await?;
    if chosen.as_deref() != Some(s.assessor_id.as_str()) {
        within(
            "choosing who I am",
            CALL,
            picker.select_by_value(&s.assessor_id),
        )
        .await?;
    }
    let link = wait_for(client, &format!("a[href='#/scoring/{}']", s.application_id)).await?;
    within("opening the application", CALL, link.click()).await?;
    wait_for_text(client, "#scoring-title", "the application", |t| {
        t.contains(&s.organisation)
    })
    .await?;
    Ok(())
}

/// Polls the <audio> element until it knows its duration (it has loaded the file's
/// header through the attachment: scheme) and checks it is about `SECONDS`.
async fn audio_duration(client: &Client, s: &Setup) -> Result<(f64, String)> {
    let css = format!("audio[data-sha256='{}']", s.sha256);
    wait_for(client, &css).await?;
    let script = format!(
        "const a = document.querySelector(\"{css}\"); \
         return {{ d: a.duration, err: a.error ? a.error.code : null, src: a.currentSrc, \
         label: a.getAttribute('aria-labelledby'), controls: a.controls }};"
    );
    let deadline = Instant::now() + CALL;
    loop {
        let v = within(
            "reading the audio's duration",
            CALL,
            client.execute(&script, vec![]),
        )
        .await?;
        if let Some(d) = v["d"].as_f64().filter(|d| d.is_finite() && *d > 0.0) {
            if !v["controls"].as_bool().unwrap_or(false) || v["label"].is_null() {
                bail!("the player has no controls or no label: {v}");
            }
            if (d - f64::from(SECONDS)).abs() > 0.1 {
                bail!("the recording is {d} s long, not about {SECONDS} s: {v}");
            }
            return Ok((d, v["src"].as_str().unwrap_or_default().to_string()));
        }
        if !v["err"].is_null() || Instant::now() > deadline {
            bail!("the recording did not load through the attachment scheme: {v}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Asks the WebView to load each URL in a fresh <audio> element and says, per URL,
/// whether it loaded or failed.
async fn load_urls(client: &Client, urls: &[String]) -> Result<Vec<String>> {
    let script = r#"
        const [urls, done] = arguments;
        Promise.all(urls.map((url) => new Promise((resolve) => {
            const a = new Audio();
            const timer = setTimeout(() => resolve("timeout"), 8000);
            a.addEventListener("loadedmetadata", () => { clearTimeout(timer); resolve("loaded"); });
            a.addEventListener("error", () => { clearTimeout(timer); resolve("failed"); });
            a.preload = "metadata";
            a.src = url;
        }))).then(done);
    "#;
    let v = within(
        "loading URLs in <audio> elements",
        CALL,
        client.execute_async(script, vec![serde_json::json!(urls)]),
    )
    .await?;
    Ok(v.as_array()
        .context("no answer from the page")?
        .iter()
        .map(|x| x.as_str().unwrap_or("?").to_string())
        .collect())
}

async fn session(client: &Client, s: &Setup, probe: bool) -> Result<f64> {
    open_application(client, s).await?;
    let (d, src) = audio_duration(client, s).await?;
    if probe {
        // The player's own URL, then names that are not a stored content hash, through
        // the same base (scheme or relay, with its token), then a wrong token.
        let base = src
            .strip_suffix(&s.sha256)
            .with_context(|| format!("the player's URL {src} does not end in the hash"))?;
        let mut urls: Vec<String> = [
            s.sha256.clone(),
            "..%2F..%2F..%2Fetc%2Fpasswd".to_string(),
            "../../../../etc/passwd".to_string(),
            "trellis.sqlite3".to_string(),
            s.sha256.to_uppercase(),
            "0".repeat(64),
        ]
        .iter()
        .map(|name| format!("{base}{name}"))
        .collect();
        if let Some(rest) = base.strip_prefix("http://127.0.0.1:") {
            // The relay with someone else's token.
            let port = rest.split('/').next().context("no port")?;
            let token = "f".repeat(64);
            urls.push(format!("http://127.0.0.1:{port}/{token}/{}", s.sha256));
        }
        let got = load_urls(client, &urls).await?;
        let mut want = vec!["loaded"];
        want.resize(urls.len(), "failed");
        if got != want {
            bail!("loading {urls:?} gave {got:?}, expected {want:?}");
        }
    }
    Ok(d)
}

async fn close(client: Client) -> Result<()> {
    within("closing the session (the app exits)", CALL, client.close()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audio_plays_from_the_store_and_after_a_restart() -> Result<()> {
    let started = Instant::now();
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("trellis.sqlite3");
    let setup = prepare(dir.path(), &db)?;
    let display = Display::start()?;
    let driver = Driver::start(&display, &db, dir.path())?;

    let client = driver.session().await?;
    let first = session(&client, &setup, true).await;
    close(client).await?;
    let first = first?;

    let client = driver.session().await?;
    let second = session(&client, &setup, false).await;
    close(client).await?;
    let second = second?;
    eprintln!(
        "attachments: {first:.2} s before and {second:.2} s after the restart; whole test in {:?}",
        started.elapsed()
    );
    Ok(())
}

//! `cargo run --release -p trellis-bench -- NAME` prints one JSON line per figure.
//! Names: write-path, votes, moderation, score-draft, letters, cold-start,
//! projector-latency, irv-80k, sync-first-pull, sync-incremental, server-push, all
//! (`all` leaves out sync-incremental: setting up its 1,000,000-change history takes
//! minutes).
//!
//! Targets live here, never as timed assertions in tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use chrono::NaiveDate;
use trellis_core::contact::ContactInput;
use trellis_core::organisation::OrganisationInput;
use trellis_store::Store;

mod sync;

fn figure(name: &str, value: f64, unit: &str) {
    println!(
        "{}",
        serde_json::json!({ "name": name, "value": (value * 100.0).round() / 100.0, "unit": unit })
    );
}

/// 10,000 operations through `Store::apply` on a real file: 5,000 organisations, then
/// 5,000 contacts, each in its own durable transaction, as the app and CLI write them.
fn write_path() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut store = Store::open(&dir.path().join("bench.sqlite3"))?;
    let today = NaiveDate::from_ymd_opt(2026, 11, 26).context("date")?;
    let n = 5_000;
    let start = Instant::now();
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        ids.push(store.add_organisation(&OrganisationInput {
            name: format!("Community group {i}"),
            org_ref: format!("GB-CHC-{}", 1_000_000 + i),
            postcode: "EB1 4QT".into(),
            income_band: "10k-25k".into(),
            led_by: vec!["DEI010120".into()],
            ..Default::default()
        })?);
    }
    let orgs_elapsed = start.elapsed();
    let start_contacts = Instant::now();
    for (i, id) in ids.iter().enumerate() {
        store.log_contact(
            &ContactInput {
                organisation_id: id.to_string(),
                date: "2026-11-01".into(),
                kind: "visit".into(),
                by: "Bench".into(),
                notes: format!("Visit {i}"),
                follow_up: String::new(),
            },
            today,
        )?;
    }
    let contacts_elapsed = start_contacts.elapsed();
    let total = orgs_elapsed + contacts_elapsed;
    figure(
        "write_path.ops_per_second",
        (2 * n) as f64 / total.as_secs_f64(),
        "ops/s",
    );
    figure(
        "write_path.organisation_create_mean",
        orgs_elapsed.as_secs_f64() * 1e6 / n as f64,
        "us",
    );
    figure(
        "write_path.contact_log_mean",
        contacts_elapsed.as_secs_f64() * 1e6 / n as f64,
        "us",
    );
    let start = Instant::now();
    let list = store.organisations("", today)?;
    figure(
        "read.organisation_list_5000",
        start.elapsed().as_secs_f64() * 1e3,
        "ms",
    );
    if list.len() != n {
        bail!("expected {n} organisations, found {}", list.len());
    }
    let start = Instant::now();
    let export = store.export_json()?;
    figure(
        "export.10000_rows",
        start.elapsed().as_secs_f64() * 1e3,
        "ms",
    );
    figure("export.bytes", export.len() as f64, "bytes");
    Ok(())
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Process start to the UI's first paint, reported by the app itself when
/// TRELLIS_EXIT_AFTER_FIRST_PAINT is set. Needs a display (runs its own Xvfb when free).
/// The built app, release if there is one, and its profile's name.
fn built_app() -> anyhow::Result<(PathBuf, &'static str)> {
    let root = workspace_root();
    ["release", "debug"]
        .into_iter()
        .map(|p| (root.join("target").join(p).join("trellis-app"), p))
        .find(|(app, _)| app.exists())
        .context("build the app first: cargo build --workspace --release")
}

fn cold_start() -> anyhow::Result<()> {
    let (app, profile) = built_app()?;
    let display = ":97";
    let mut xvfb = Command::new("Xvfb")
        .args([display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("Xvfb is needed for the cold-start figure (scripts/setup.sh installs it)")?;
    std::thread::sleep(Duration::from_millis(500));
    let result = (|| -> anyhow::Result<Vec<f64>> {
        let dir = tempfile::tempdir()?;
        let db = dir.path().join("cold.sqlite3");
        Store::open(&db)?.load_demo(NaiveDate::from_ymd_opt(2026, 11, 26).context("date")?)?;
        let mut runs = Vec::new();
        for _ in 0..5 {
            let wall = Instant::now();
            let out = Command::new(&app)
                .env("DISPLAY", display)
                .env("TRELLIS_DB", &db)
                .env("TRELLIS_EXIT_AFTER_FIRST_PAINT", "1")
                .output()?;
            let stdout = String::from_utf8_lossy(&out.stdout);
            let reported = stdout
                .lines()
                .find_map(|l| l.strip_prefix("first-paint-ms="))
                .and_then(|v| v.trim().parse::<f64>().ok());
            match reported {
                Some(ms) => runs.push(ms),
                None => bail!(
                    "the app did not report first paint (exit {:?}, {:?} elapsed): {}",
                    out.status.code(),
                    wall.elapsed(),
                    String::from_utf8_lossy(&out.stderr)
                ),
            }
        }
        Ok(runs)
    })();
    let _ = xvfb.kill();
    let _ = xvfb.wait();
    let mut runs = result?;
    runs.sort_by(f64::total_cmp);
    figure(
        &format!("app.cold_start_to_first_paint.{profile}.median"),
        runs[runs.len() / 2],
        "ms",
    );
    figure(
        &format!("app.cold_start_to_first_paint.{profile}.min"),
        runs[0],
        "ms",
    );
    Ok(())
}

/// Keypress to projector in live voting, on the real app (release build if there is one)
/// driven over WebDriver under its own Xvfb, on a fresh demo database: a ranked ballot
/// created and opened through the screens, the projector window open with results shown,
/// then one vote by keyboard from each of `VOTES` organisations, each timed from its Enter
/// key to the projector's turnout changing (tests/e2e/src/voting.rs). Needs what the
/// end-to-end tests need (Xvfb, tauri-driver, WebKitWebDriver).
fn projector_latency() -> anyhow::Result<()> {
    use trellis_e2e::voting::{
        close, create_and_open_ballot, explained, keypress_to_projector_ms, open_projector, reveal,
        switch, KeyedVote,
    };
    use trellis_e2e::{wait_for, within, Display, Driver, CALL};
    /// (what is typed in the voter box, the full name) for ten distinct demo organisations.
    const VOTES: [(&str, &str); 10] = [
        ("Windrush", "Windrush Elders Lunch Club Eastbrook"),
        ("Noor", "Noor Mothers' Network"),
        ("Somali", "Eastbrook Somali Women's Wellbeing Circle"),
        ("Refugee", "Eastbrook Refugee Health Befrienders"),
        ("Bengali", "Mill Lane Bengali Elders Association"),
        ("Chinese", "Eastbrook Chinese Community Health Link"),
        ("Saathi", "Saathi South Asian Mental Health Collective CIC"),
        ("Amani", "Amani Arts and Wellbeing Ltd"),
        ("Habesha", "Habesha Coffee Morning Group"),
        ("Gurdwara", "Eastbrook Gurdwara Seva Health Volunteers"),
    ];
    let (app, profile) = built_app()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let mut runs = runtime.block_on(async {
        let display = Display::start()?;
        let dir = tempfile::tempdir()?;
        let driver = Driver::start_app(
            &display,
            &dir.path().join("latency.sqlite3"),
            dir.path(),
            app.canonicalize()?,
        )?;
        let client = driver.session().await?;
        let outcome = async {
            create_and_open_ballot(&client).await?;
            let main = within("reading the main window's handle", CALL, client.window()).await?;
            let projector = open_projector(&client, &main).await?;
            switch(&client, &projector).await?;
            wait_for(&client, "[data-testid=results-hidden]").await?;
            switch(&client, &main).await?;
            reveal(&client).await?;
            let mut runs = Vec::with_capacity(VOTES.len());
            for (i, (typed, name)) in VOTES.iter().enumerate() {
                let confirmation = format!("{name}: 1st Maternal health");
                let turnout = (i + 1).to_string();
                let ms = keypress_to_projector_ms(
                    &client,
                    &projector,
                    &main,
                    &KeyedVote {
                        typed,
                        voter: name,
                        keys: "1",
                        confirmation: &confirmation,
                        turnout: &turnout,
                    },
                )
                .await?;
                if ms < 0.0 {
                    bail!(
                        "the projector showed vote {} before its Enter ({ms} ms)",
                        i + 1
                    );
                }
                runs.push(ms);
            }
            Ok(runs)
        }
        .await;
        let outcome = explained(&client, outcome).await;
        close(client).await?;
        outcome
    })?;
    runs.sort_by(f64::total_cmp);
    eprintln!(
        "projector-latency: {} votes on the {profile} app: {runs:?} ms",
        runs.len()
    );
    figure(
        "voting.keypress_to_projector.median",
        runs[runs.len() / 2],
        "ms",
    );
    figure(
        "voting.keypress_to_projector.p95",
        runs[(runs.len() * 95).div_ceil(100) - 1],
        "ms",
    );
    Ok(())
}

/// IRV count of 80,000 ballots over 35 options (a city mayoral election's size), timed on
/// `Ballot::tally` alone. Rankings are random but seeded (SplitMix64), so every run counts the
/// same election: each voter ranks 1 to 10 options, skewed towards the first options on the
/// ballot so the count runs many rounds. Median of 5 runs.
fn irv_80k() -> anyhow::Result<()> {
    use trellis_core::ballot::lot::SplitMix64;
    use trellis_core::ballot::{Ballot, Method, OptionId, Tally, Vote};

    let (voters, n) = (80_000usize, 35usize);
    let options: Vec<OptionId> = (1..=n)
        .map(|i| OptionId::new(format!("option-{i}")))
        .collect();
    let mut rng = SplitMix64::new(0x1_2026);
    let votes: Vec<Vote> = (0..voters)
        .map(|_| {
            let len = 1 + rng.pick(10);
            let mut ranking = Vec::with_capacity(len);
            while ranking.len() < len {
                let o = rng.pick(n).min(rng.pick(n));
                let id = Some(options[o].clone());
                if !ranking.contains(&id) {
                    ranking.push(id);
                }
            }
            Vote::Ranking { ranking }
        })
        .collect();
    let ballot = Ballot {
        method: Method::RankedIrv,
        options,
    };
    let mut runs = Vec::new();
    let mut rounds = 0;
    for _ in 0..5 {
        let start = Instant::now();
        let tally = ballot.tally(&votes, 7)?;
        runs.push(start.elapsed().as_secs_f64() * 1e3);
        if let Tally::RankedIrv(r) = tally {
            rounds = r.rounds.len();
        }
    }
    if rounds < 2 {
        bail!("the benchmark election should need several rounds, took {rounds}");
    }
    runs.sort_by(f64::total_cmp);
    figure(
        "irv.tally_80000_ballots_35_options",
        runs[runs.len() / 2],
        "ms",
    );
    Ok(())
}

/// Votes recorded per second through the write path: 2,000 organisations each cast one
/// ranked vote on an open ballot, every vote its own durable transaction (as in the room),
/// then the live tally the projector shows.
fn votes() -> anyhow::Result<()> {
    use trellis_core::ballot::record::{
        BallotFields, BallotOption, BallotStatus, Channel, Eligibility, VoteFields, Voter,
        VoterKind,
    };
    use trellis_core::ballot::{Method, OptionId, Vote};
    let dir = tempfile::tempdir()?;
    let mut store = Store::open(&dir.path().join("votes.sqlite3"))?;
    let n = 2_000;
    let mut orgs = Vec::with_capacity(n);
    for i in 0..n {
        orgs.push(store.add_organisation(&OrganisationInput {
            name: format!("Group {i}"),
            org_ref: format!("GB-CHC-{}", 1_000_000 + i),
            ..Default::default()
        })?);
    }
    let options: Vec<BallotOption> = (1..=8)
        .map(|i| BallotOption {
            id: OptionId::new(format!("o{i}")),
            label: format!("Topic {i}"),
            issue_id: None,
        })
        .collect();
    let ballot_id = store.create_ballot(BallotFields {
        question: "Bench".into(),
        options,
        method: Method::RankedIrv,
        eligibility: Eligibility::PerOrganisation,
        meeting_id: None,
        opens_at: None,
        closes_at: None,
        seed: 1,
    })?;
    store.set_ballot_status(ballot_id, BallotStatus::Open)?;
    let start = Instant::now();
    for (i, org) in orgs.iter().enumerate() {
        let ranking = (0..3)
            .map(|k| Some(OptionId::new(format!("o{}", 1 + (i * 7 + k * 3) % 8))))
            .collect();
        store.cast_vote(VoteFields {
            ballot_id,
            voter: Voter {
                kind: VoterKind::Organisation,
                reference: org.to_string(),
            },
            vote: Vote::Ranking { ranking },
            channel: Channel::Live,
            recorded_by: "Bench".into(),
        })?;
    }
    let elapsed = start.elapsed();
    figure(
        "votes.recorded_per_second",
        n as f64 / elapsed.as_secs_f64(),
        "votes/s",
    );
    figure(
        "votes.cast_mean",
        elapsed.as_secs_f64() * 1e6 / n as f64,
        "us",
    );
    let start = Instant::now();
    let result = store.ballot_result(ballot_id)?;
    figure(
        "votes.live_tally_2000_ranked",
        start.elapsed().as_secs_f64() * 1e3,
        "ms",
    );
    if result.turnout != n {
        bail!("expected {n} votes counted, found {}", result.turnout);
    }
    Ok(())
}

/// Moderation report for 1,000 applications x 5 assessors x 8 criteria (goal: under
/// 100 ms), from submitted sheets, with Krippendorff's alpha over the round.
fn moderation() -> anyhow::Result<()> {
    use trellis_core::grants::moderation::{moderation_report, ModerationSettings};
    use trellis_core::grants::rubric::{Criterion, Rubric};
    use trellis_core::grants::scoring::{Score, ScoreSheet};
    let rubric = Rubric {
        criteria: (0..8)
            .map(|i| Criterion {
                id: format!("c{i}"),
                title: format!("Criterion {i}"),
                weight: 10 + i,
                scale_min: 1,
                scale_max: 5,
                descriptors: (1..=5).map(|l| format!("Level {l}.")).collect(),
                guidance: String::new(),
            })
            .collect(),
    };
    let mut state = 7u64;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as u8
    };
    let mut sheets = Vec::new();
    for a in 0..1_000u128 {
        let base = 1 + next() % 5;
        for p in 0..5u128 {
            sheets.push(ScoreSheet {
                application_id: uuid::Uuid::from_u128(a),
                assessor_id: uuid::Uuid::from_u128(1_000_000 + p),
                submitted: true,
                scores: (0..8)
                    .map(|c| Score {
                        criterion_id: format!("c{c}"),
                        value: (base as i32 + (next() % 3) as i32 - 1).clamp(1, 5) as u8,
                        justification: "x".into(),
                    })
                    .collect(),
            });
        }
    }
    let mut runs = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        let report = moderation_report(&rubric, &sheets, &ModerationSettings::default());
        runs.push(start.elapsed().as_secs_f64() * 1e3);
        if report.applications.len() != 1_000 {
            bail!("expected 1,000 applications in the report");
        }
    }
    runs.sort_by(f64::total_cmp);
    figure("moderation.report_1000x5x8.median", runs[2], "ms");
    Ok(())
}

/// Score entry: one draft save through the write path per keystroke (the app saves as
/// the assessor types), then submission.
fn score_draft() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut store = Store::open(&dir.path().join("scores.sqlite3"))?;
    store.load_demo(NaiveDate::from_ymd_opt(2026, 11, 26).context("date")?)?;
    let round = store
        .rounds()?
        .first()
        .map(|r| r.id)
        .context("demo round")?;
    let rubric = store.round(round)?.fields.rubric;
    let app = store
        .applications(round)?
        .first()
        .map(|a| a.id)
        .context("demo application")?;
    let me = store.add_panel_member(
        "Bench Assessor",
        trellis_core::grants::scoring::PanelRole::Assessor,
    )?;
    store.assign(app, me)?;
    store.declare(app, me, false, "")?;
    let text = "The group knows the families well and has run sessions for years.";
    let mut times = Vec::new();
    for (i, _) in text.char_indices().skip(1) {
        let scores: Vec<trellis_core::grants::scoring::Score> = rubric
            .criteria
            .iter()
            .map(|c| trellis_core::grants::scoring::Score {
                criterion_id: c.id.clone(),
                value: 4,
                justification: text[..i].to_string(),
            })
            .collect();
        let start = Instant::now();
        store.save_draft(app, me, scores)?;
        times.push(start.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    figure(
        "scoring.keystroke_to_saved.median",
        times[times.len() / 2],
        "ms",
    );
    figure(
        "scoring.keystroke_to_saved.p95",
        times[times.len() * 95 / 100],
        "ms",
    );
    Ok(())
}

/// Letters per second for 1,000 one-to-two page letters on one core; beside it, when
/// LibreOffice is installed, `soffice --headless --convert-to pdf` over the same 1,000
/// letters as HTML, in the same run.
fn letters() -> anyhow::Result<()> {
    use trellis_letters::{render, CriterionRow, Fonts, Layout, Letter, Letterhead};
    let fonts = Fonts::load(&workspace_root().join("assets/fonts"))?;
    let head = Letterhead {
        organisation_name: "Eastbrook Anti-Racist Commissioning Programme".into(),
        address_lines: vec![
            "Eastbrook CVS".into(),
            "1 Mill Lane".into(),
            "Eastbrook EB1 4QT".into(),
        ],
        logo_png: None,
    };
    let letter = |i: usize| {
        Letter {
        document_id: format!("bench-{i}"),
        date: NaiveDate::from_ymd_opt(2026, 11, 26).unwrap_or_default(),
        recipient: vec![format!("Community group {i}"), "12 High Street".into(), "Eastbrook EB2 7QT".into()],
        salutation: "Dear colleagues,".into(),
        heading: "Your application was not funded this time".into(),
        paragraphs: (0..5).map(|p| format!("Paragraph {p}. Thank you for applying. We read every application with care, and we want to help you apply again. The panel liked how well you know the families you work with.")).collect(),
        criteria: (0..4)
            .map(|c| CriterionRow {
                criterion: format!("Criterion {c}"),
                score_words: "Good: the plan meets the need".into(),
                comments: "Clear evidence from the community. Say more about how you will know it worked.".into(),
            })
            .collect(),
        closing_paragraphs: vec!["We offer free help with bid-writing. Call us to book a time.".into()],
        sign_off: vec!["Yours sincerely,".into(), String::new(), "Kwame Mensah".into()],
        footer: "Eastbrook CVS, registered charity 1234567".into(),
    }
    };
    let n = 1_000;
    let start = Instant::now();
    let mut bytes = 0usize;
    for i in 0..n {
        bytes += render(&head, &letter(i), &Layout::default(), &fonts)?.len();
    }
    let secs = start.elapsed().as_secs_f64();
    figure("letters.trellis_per_second", n as f64 / secs, "letters/s");
    figure(
        "letters.trellis_mean_bytes",
        bytes as f64 / n as f64,
        "bytes",
    );
    // The worst case for the fonts kept from letter to letter: every fifth recipient's
    // name carries a Latin letter no earlier letter used, so that letter's fonts are cut
    // and deflated afresh.
    let fonts = Fonts::load(&workspace_root().join("assets/fonts"))?;
    let start = Instant::now();
    for i in 0..n {
        let mut l = letter(i);
        if i % 5 == 0 {
            let fresh = char::from_u32(0x0100 + (i / 5) as u32 % 0x0150).unwrap_or('é');
            l.recipient[0] = format!("Çiğdem Kadın Dayanışma {fresh}");
        }
        render(&head, &l, &Layout::default(), &fonts)?;
    }
    figure(
        "letters.trellis_new_name_every_fifth_per_second",
        n as f64 / start.elapsed().as_secs_f64(),
        "letters/s",
    );
    let soffice = ["soffice", "libreoffice"].into_iter().find(|c| {
        Command::new(c)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    match soffice {
        Some(cmd) => {
            let dir = tempfile::tempdir()?;
            let mut files = Vec::new();
            for i in 0..n {
                let l = letter(i);
                let html = format!(
                    "<html><body><p>{}</p><h1>{}</h1>{}</body></html>",
                    l.recipient.join("<br>"),
                    l.heading,
                    l.paragraphs.iter().map(|p| format!("<p>{p}</p>")).collect::<String>()
                );
                let path = dir.path().join(format!("letter-{i}.html"));
                std::fs::write(&path, html)?;
                files.push(path);
            }
            let out = dir.path().join("pdf");
            std::fs::create_dir_all(&out)?;
            let start = Instant::now();
            let status = Command::new(cmd).args(["--headless", "--convert-to", "pdf", "--outdir"]).arg(&out).args(&files).stdout(Stdio::null()).stderr(Stdio::null()).status()?;
            let secs = start.elapsed().as_secs_f64();
            if !status.success() {
                bail!("{cmd} failed to convert the letters");
            }
            figure("letters.libreoffice_per_second", n as f64 / secs, "letters/s");
        }
        None => eprintln!("LibreOffice not installed (apt-get install libreoffice-writer) — comparison figure skipped"),
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let name = std::env::args().nth(1).unwrap_or_else(|| "all".into());
    match name.as_str() {
        "write-path" => write_path(),
        "cold-start" => cold_start(),
        "projector-latency" => projector_latency(),
        "irv-80k" => irv_80k(),
        "votes" => votes(),
        "moderation" => moderation(),
        "score-draft" => score_draft(),
        "letters" => letters(),
        "sync-first-pull" => sync::first_pull(),
        "sync-incremental" => sync::incremental_sync(),
        "server-push" => sync::server_push(),
        "all" => {
            moderation()?;
            score_draft()?;
            letters()?;
            write_path()?;
            votes()?;
            irv_80k()?;
            sync::first_pull()?;
            sync::server_push()?;
            cold_start()?;
            projector_latency()
        }
        other => {
            bail!(
                "unknown benchmark {other:?}; choose write-path, votes, moderation, score-draft, letters, cold-start, projector-latency, irv-80k, sync-first-pull, sync-incremental, server-push or all"
            )
        }
    }
}

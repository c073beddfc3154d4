//! Sync benchmarks against a real `trellis-server` in this process: axum on a
//! 127.0.0.1:0 listener over a `SqliteServerStore` on a temporary file, with laptops
//! talking to it over HTTP through `trellis_sync::client`, exactly as `trellis sync` does.
//!
//! History is other devices' work with realistic kinds: a ballot opened, then
//! organisations, a visit logged with each, a vote by each and a postcode correction.
//! For setup speed it is made as change-log rows directly ([`History`]) and goes into
//! the server through its store API (`ServerStore::push`, the call behind
//! `POST /v1/push`, `SETUP_PAGE` rows per transaction) instead of over HTTP;
//! `server-push` times the HTTP path, from laptops whose changes were made through the
//! write path ([`other_device`]).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use chrono::NaiveDate;
use tempfile::TempDir;
use trellis_core::ballot::record::{
    BallotFields, BallotOption, BallotStatus, Channel, Eligibility, VoteFields, Voter, VoterKind,
};
use trellis_core::ballot::{Method, OptionId, Vote};
use trellis_core::contact::{self, ContactInput};
use trellis_core::hlc::Hlc;
use trellis_core::op::Operation;
use trellis_core::organisation::{self, OrganisationInput, OrganisationPatch};
use trellis_server::{AppState, Limits, Role, ServerStore, SqliteServerStore};
use trellis_store::migrations::LATEST;
use trellis_store::{ChangeRow, Store};
use trellis_sync::client::{enrol, pull_all, push_all, sync_with};
use uuid::Uuid;

use crate::figure;

/// Rows per setup transaction, on the server and on an in-sync laptop.
const SETUP_PAGE: usize = 10_000;
/// Operations per `apply_all` transaction when other devices make their history.
const MAKE_BATCH: usize = 5_000;

/// A server on its own runtime thread; dropping it stops the server.
struct Server {
    url: String,
    store: Arc<SqliteServerStore>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start(dir: &Path) -> anyhow::Result<Server> {
        let store = Arc::new(SqliteServerStore::open(&dir.join("server.sqlite3"))?);
        let state = AppState::new(store.clone(), Limits::default());
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let listening = addr_tx.clone();
            let run = move || -> std::io::Result<()> {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .enable_all()
                    .build()?;
                rt.block_on(async move {
                    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
                    let _ = listening.send(Ok(listener.local_addr()?));
                    tokio::select! {
                        served = trellis_server::serve(listener, state) => served,
                        _ = stopped => Ok(()),
                    }
                })
            };
            if let Err(e) = run() {
                let _ = addr_tx.send(Err(e));
            }
        });
        let addr = addr_rx
            .recv()
            .context("the server thread ended before listening")??;
        Ok(Server {
            url: format!("http://{addr}"),
            store,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Enrols `laptop` as a new staff user over HTTP; returns its device token.
    fn enrol(&self, laptop: &Store, user: &str) -> anyhow::Result<String> {
        self.store.add_user(user, Role::Staff)?;
        let code = self
            .store
            .create_code(user, chrono::Utc::now().timestamp_millis())?;
        Ok(enrol(laptop, &self.url, &code)?.0.token)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn today() -> anyhow::Result<NaiveDate> {
    NaiveDate::from_ymd_opt(2026, 11, 26).context("date")
}

/// The `n`th operation of another device's working day: a ballot made and opened first,
/// then for each organisation: created, a visit logged, its vote cast, its postcode
/// corrected. `org` is the organisation the current cycle is about.
fn device_op(device: usize, n: usize, ballot: Uuid, org: &mut Uuid) -> anyhow::Result<Operation> {
    let invalid = |e: trellis_core::Invalid| anyhow!("bench data is invalid: {e:?}");
    Ok(match n {
        0 => Operation::BallotCreate {
            id: ballot,
            fields: BallotFields {
                question: format!("Priorities, device {device}"),
                options: (1..=8)
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
                seed: 1,
            },
        },
        1 => Operation::BallotStatusSet {
            ballot_id: ballot,
            status: BallotStatus::Open,
        },
        n => {
            let (i, step) = ((n - 2) / 4, (n - 2) % 4);
            match step {
                0 => {
                    *org = Uuid::now_v7();
                    Operation::OrganisationCreate {
                        id: *org,
                        fields: organisation::validate(&OrganisationInput {
                            name: format!("Community group {device}-{i}"),
                            // 6 or 7 digits: unique per device for up to 500,000 groups.
                            org_ref: format!("GB-CHC-{}", 1_000_000 + device * 500_000 + i),
                            postcode: "EB1 4QT".into(),
                            income_band: "10k-25k".into(),
                            led_by: vec!["DEI010120".into()],
                            ..Default::default()
                        })
                        .map_err(invalid)?,
                    }
                }
                1 => Operation::ContactLog {
                    id: Uuid::now_v7(),
                    fields: contact::validate(
                        &ContactInput {
                            organisation_id: org.to_string(),
                            date: "2026-11-01".into(),
                            kind: "visit".into(),
                            by: "Outreach worker".into(),
                            notes: format!("Visited group {i}; they want help with the round."),
                            follow_up: String::new(),
                        },
                        today()?,
                    )
                    .map_err(invalid)?,
                },
                2 => Operation::VoteCast {
                    id: Uuid::now_v7(),
                    fields: VoteFields {
                        ballot_id: ballot,
                        voter: Voter {
                            kind: VoterKind::Organisation,
                            reference: org.to_string(),
                        },
                        vote: Vote::Ranking {
                            ranking: (0..3)
                                .map(|k| Some(OptionId::new(format!("o{}", 1 + (i + k * 3) % 8))))
                                .collect(),
                        },
                        channel: Channel::Live,
                        recorded_by: "Facilitator".into(),
                    },
                },
                _ => Operation::OrganisationUpdate {
                    id: *org,
                    changes: OrganisationPatch {
                        postcode: Some("EB2 7QT".into()),
                        ..Default::default()
                    },
                },
            }
        }
    })
}

/// Another device's laptop at `path` with `changes` changes of its own, made through the
/// write path in batches of `MAKE_BATCH` operations per transaction.
fn other_device(path: &Path, device: usize, changes: usize) -> anyhow::Result<Store> {
    let mut store = Store::open(path)?;
    let ballot = Uuid::now_v7();
    let mut org = Uuid::nil();
    let mut n = 0;
    while n < changes {
        let end = (n + MAKE_BATCH).min(changes);
        let ops = (n..end)
            .map(|k| device_op(device, k, ballot, &mut org))
            .collect::<anyhow::Result<Vec<_>>>()?;
        store
            .apply_all(&ops)
            .map_err(|e| anyhow!("device {device}, operation {}: {}", n + e.index, e.error))?;
        n = end;
    }
    Ok(store)
}

/// Another device's history as change-log rows, a page at a time: the operations
/// [`other_device`] makes, stamped as that device's write path stamps them (its id, a
/// gapless sequence from 1, a ticking clock, the current schema), without a store of its
/// own. Making them through a real store costs more than everything else in the setup
/// put together; the in-sync laptop still checks and applies every one.
struct History {
    device: usize,
    device_id: Uuid,
    ballot: Uuid,
    org: Uuid,
    hlc: Hlc,
    made: usize,
    changes: usize,
}

impl History {
    fn new(device: usize, changes: usize) -> History {
        History {
            device,
            device_id: Uuid::new_v4(),
            ballot: Uuid::now_v7(),
            org: Uuid::nil(),
            hlc: Hlc::default(),
            made: 0,
            changes,
        }
    }

    fn next_page(&mut self) -> anyhow::Result<Vec<ChangeRow>> {
        let now = u64::try_from(chrono::Utc::now().timestamp_millis())?;
        let end = (self.made + SETUP_PAGE).min(self.changes);
        let mut rows = Vec::with_capacity(end - self.made);
        for n in self.made..end {
            let op = device_op(self.device, n, self.ballot, &mut self.org)?;
            op.check()
                .map_err(|e| anyhow!("bench data is invalid: {e:?}"))?;
            self.hlc = self.hlc.tick(now);
            rows.push(ChangeRow {
                id: Uuid::now_v7(),
                device_id: self.device_id,
                device_seq: n as i64 + 1,
                hlc: self.hlc,
                schema_version: LATEST,
                kind: op.kind().into(),
                payload: op.payload(),
            });
        }
        self.made = end;
        Ok(rows)
    }
}

/// Gives the server `total` changes made by `devices` other devices, through its store
/// API a page per transaction, and, when `laptop` is given, the same history to that
/// laptop as if it had pulled it: `Store::apply_remote`, a page per transaction, with the
/// cursor following the server's sequence (1, 2, 3... on a fresh server database, in
/// push order; the first sync afterwards checks it). The laptop applies on a second
/// thread while the server stores.
fn seed_history(
    server: &Server,
    devices: usize,
    total: usize,
    laptop: Option<&mut Store>,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let with_laptop = laptop.is_some();
    let (pages, received) = std::sync::mpsc::sync_channel::<(Vec<ChangeRow>, i64)>(4);
    let (serving, applying) = std::thread::scope(|s| {
        let applier = laptop.map(|laptop| {
            s.spawn(move || -> anyhow::Result<f64> {
                let mut applying = 0.0;
                for (rows, cursor) in received {
                    let applied = Instant::now();
                    let result = laptop.apply_remote(&rows, cursor)?;
                    applying += applied.elapsed().as_secs_f64();
                    if result.applied != rows.len() {
                        bail!(
                            "the in-sync laptop skipped {} rows",
                            rows.len() - result.applied
                        );
                    }
                }
                Ok(applying)
            })
        });
        let serve = || -> anyhow::Result<f64> {
            let (mut server_seq, mut serving) = (0i64, 0.0);
            for d in 0..devices {
                let changes = total / devices + usize::from(d < total % devices);
                let mut history = History::new(d, changes);
                loop {
                    let rows = history.next_page()?;
                    if rows.is_empty() {
                        break;
                    }
                    let served = Instant::now();
                    let device = trellis_server::Device {
                        id: history.device_id,
                        user: "colleague".into(),
                        role: Role::Staff,
                        revoked: false,
                        enrolled_at: String::new(),
                    };
                    let now = u64::try_from(chrono::Utc::now().timestamp_millis())?;
                    let outcome = server.store.push(&device, &rows, now)?;
                    if let Some((row, refusal)) = outcome.refused {
                        anyhow::bail!(
                            "the server refused the bench's change: {}",
                            refusal.reason(&row)
                        );
                    }
                    serving += served.elapsed().as_secs_f64();
                    server_seq += rows.len() as i64;
                    if with_laptop && pages.send((rows, server_seq)).is_err() {
                        // The laptop failed; its error is reported below.
                        return Ok(serving);
                    }
                }
            }
            Ok(serving)
        };
        let served = serve();
        drop(pages);
        let applying = match applier {
            Some(thread) => thread
                .join()
                .map_err(|_| anyhow!("the laptop thread panicked"))??,
            None => 0.0,
        };
        anyhow::Ok((served?, applying))
    })?;
    eprintln!(
        "set up {total} changes from {devices} devices in {:.1} s (server store {serving:.1} s{})",
        started.elapsed().as_secs_f64(),
        if with_laptop {
            format!(", in-sync laptop {applying:.1} s at the same time")
        } else {
            String::new()
        }
    );
    Ok(())
}

/// First pull: a fresh, newly enrolled laptop pulls 100,000 changes made by 4 other
/// devices, page by page over HTTP (`pull_all`), each page applied in one transaction.
pub fn first_pull() -> anyhow::Result<()> {
    let total = 100_000;
    let dir = TempDir::new()?;
    let server = Server::start(dir.path())?;
    seed_history(&server, 4, total, None)?;
    let mut laptop = Store::open(&dir.path().join("laptop.sqlite3"))?;
    let token = server.enrol(&laptop, "laptop")?;
    let start = Instant::now();
    let (pulled, duplicates) = pull_all(&mut laptop, &server.url, &token)?;
    let secs = start.elapsed().as_secs_f64();
    if pulled != total || duplicates != 0 {
        bail!("expected {total} changes pulled, got {pulled} (and {duplicates} duplicates)");
    }
    figure("sync.first_pull_100000.seconds", secs, "s");
    figure(
        "sync.first_pull_100000.changes_per_second",
        total as f64 / secs,
        "changes/s",
    );
    Ok(())
}

/// A laptop already in sync with a server holding `history` changes, and a colleague
/// enrolled on the same server.
struct InSync {
    history: usize,
    server: Server,
    laptop: Store,
    token: String,
    colleague: Store,
    colleague_token: String,
    /// Milliseconds per run: whole sync, its push, its pull.
    times: [Vec<f64>; 3],
    _dir: TempDir,
}

impl InSync {
    fn new(history: usize) -> anyhow::Result<InSync> {
        let dir = TempDir::new()?;
        let server = Server::start(dir.path())?;
        let mut laptop = Store::open(&dir.path().join("laptop.sqlite3"))?;
        let token = server.enrol(&laptop, "laptop")?;
        let devices = (history / 100_000).clamp(2, 10);
        seed_history(&server, devices, history, Some(&mut laptop))?;
        let colleague = Store::open(&dir.path().join("colleague.sqlite3"))?;
        let colleague_token = server.enrol(&colleague, "colleague")?;
        // The laptop must already be in sync: nothing to push or pull.
        let warm = sync_with(&mut laptop, &server.url, &token)?;
        if warm.pushed != 0 || warm.pulled != 0 || warm.duplicates != 0 {
            bail!("the laptop was not in sync after setup: {warm:?}");
        }
        Ok(InSync {
            history,
            server,
            laptop,
            token,
            colleague,
            colleague_token,
            times: Default::default(),
            _dir: dir,
        })
    }

    /// Run `i`: the colleague pushes one change over HTTP and the laptop makes one
    /// (neither timed), then the laptop's full sync, push one and pull one, is timed.
    fn run(&mut self, i: usize) -> anyhow::Result<()> {
        let input = |who: &str, n: usize| OrganisationInput {
            name: format!("{who} group {i}"),
            org_ref: format!("GB-CHC-{}", 9_000_000 + i * 2 + n),
            ..Default::default()
        };
        self.colleague.add_organisation(&input("Colleague's", 0))?;
        push_all(&mut self.colleague, &self.server.url, &self.colleague_token)?;
        self.laptop.add_organisation(&input("New", 1))?;
        let start = Instant::now();
        let pushed = push_all(&mut self.laptop, &self.server.url, &self.token)?;
        let pushed_at = Instant::now();
        let (pulled, _) = pull_all(&mut self.laptop, &self.server.url, &self.token)?;
        let end = Instant::now();
        if pushed != 1 || pulled != 1 {
            bail!("an incremental sync should push one and pull one, did {pushed} and {pulled}");
        }
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        self.times[0].push(ms(end - start));
        self.times[1].push(ms(pushed_at - start));
        self.times[2].push(ms(end - pushed_at));
        Ok(())
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Incremental sync with 1,000 and with 1,000,000 changes of history on the server and
/// on the laptop: the cost should follow the delta (one change each way), not the
/// history. Both set-ups stay up and their runs alternate, so a busy moment on the
/// machine falls on both alike.
pub fn incremental_sync() -> anyhow::Result<()> {
    let runs = 41;
    let mut setups = [InSync::new(1_000)?, InSync::new(1_000_000)?];
    for i in 0..runs {
        for setup in &mut setups {
            setup.run(i)?;
        }
    }
    // Medians, and minimums: other builds on a shared machine slow some runs by several
    // times; the fastest run is what the code costs when nothing else does.
    let mut medians = Vec::new();
    let mut minimums = Vec::new();
    for setup in setups {
        let h = setup.history;
        let fastest = setup.times[0].iter().copied().fold(f64::INFINITY, f64::min);
        let [sync, push, pull] = setup.times.map(median);
        figure(&format!("sync.incremental_{h}.median"), sync, "ms");
        figure(&format!("sync.incremental_{h}.min"), fastest, "ms");
        figure(&format!("sync.incremental_{h}.push_median"), push, "ms");
        figure(&format!("sync.incremental_{h}.pull_median"), pull, "ms");
        medians.push(sync);
        minimums.push(fastest);
    }
    figure(
        "sync.incremental.ratio_1000000_to_1000.median",
        medians[1] / medians[0],
        "x",
    );
    figure(
        "sync.incremental.ratio_1000000_to_1000.min",
        minimums[1] / minimums[0],
        "x",
    );
    Ok(())
}

/// Changes the server accepts per second over loopback: 8 laptops, each with 10,000
/// changes of its own, push at once in pages of `PUSH_PAGE` (`push_all`, one thread each).
pub fn server_push() -> anyhow::Result<()> {
    let (devices, per_device) = (8, 10_000);
    let dir = TempDir::new()?;
    let server = Server::start(dir.path())?;
    let mut laptops = Vec::new();
    for d in 0..devices {
        let laptop = other_device(
            &dir.path().join(format!("laptop-{d}.sqlite3")),
            d,
            per_device,
        )?;
        let token = server.enrol(&laptop, &format!("user{d}"))?;
        laptops.push((laptop, token));
    }
    let url = server.url.clone();
    let start = Instant::now();
    let pushed = std::thread::scope(|s| {
        let handles: Vec<_> = laptops
            .iter_mut()
            .map(|(laptop, token)| {
                let url = &url;
                s.spawn(move || push_all(laptop, url, token))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .map_err(|_| anyhow!("a pushing thread panicked"))?
                    .map_err(anyhow::Error::from)
            })
            .sum::<anyhow::Result<i64>>()
    })?;
    let secs = start.elapsed().as_secs_f64();
    let total = (devices * per_device) as i64;
    if pushed != total {
        bail!("expected {total} changes acknowledged, got {pushed}");
    }
    figure(
        "sync.server_push.changes_per_second",
        total as f64 / secs,
        "changes/s",
    );
    // Each laptop sent its pages one after another, all laptops at once.
    let pages_per_device = per_device.div_ceil(trellis_sync::client::PUSH_PAGE);
    figure(
        "sync.server_push.page_mean_under_load",
        secs * 1e3 / pages_per_device as f64,
        "ms",
    );
    Ok(())
}

//! Background sync for the app: one worker thread that owns its own `Store` connection
//! to the same database file and does every network call, so a command the UI awaits
//! never waits on the server.
//!
//! The worker syncs (push, then pull, through `trellis_sync::client::sync_as`):
//! - when the app starts,
//! - every [`PERIOD`],
//! - [`AFTER_CHANGE`] after a local change (every command's store guard tells the worker
//!   when it is released, see `commands::StoreGuard`; the worker compares this device's
//!   last change number to tell a write from a read, so reads cause no network traffic),
//! - on "Sync now", and right after enrolling.
//!
//! Triggers that arrive while a sync runs wait in the channel and are all handled
//! together afterwards, so there is only ever one sync at a time and a burst of triggers
//! costs one more sync, not one each. After every step the worker emits [`SYNC_STATE`]
//! (a [`SyncView`]) to the main window; `sync_status` returns the last one.
//!
//! Nothing is ever lost by being offline: unacknowledged changes stay in the change log
//! and the pull cursor only moves with an applied page (see trellis-sync).

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Emitter};
use trellis_core::FieldError;
use trellis_store::{Changed, Store};
use trellis_sync::client::{self, Credentials, SyncError};

use crate::error::{CommandError, ErrorKind};
use crate::ipc::{Cx, SYNC_STATE};

const MAIN: &str = "main";
/// How often the worker syncs when nothing else asks it to.
pub const PERIOD: Duration = Duration::from_secs(60);
/// The pause after a local change, so a burst of typing or a batch becomes one sync.
pub const AFTER_CHANGE: Duration = Duration::from_secs(2);
/// How long to try to open a connection to the server before calling it offline. The
/// client's own connect timeout is longer (10 s); a laptop in a hall with no network
/// should say "offline" within a few seconds.
const PROBE: Duration = Duration::from_secs(3);

/// Every `SyncView::state`; the UI's type lists the same (`SyncView`'s `#[ts(type)]`,
/// checked by `ipc::tests::sync_states_reach_the_ui`).
pub const STATES: [&str; 6] = [
    "not enrolled",
    "syncing",
    "synced",
    "offline",
    "refused",
    "failed",
];

/// What the header's sync indicator and the settings screen show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct SyncView {
    /// `not enrolled`, `syncing`, `synced`, `offline`, `refused` (the server said no:
    /// revoked device, wrong schema) or `failed` (this laptop could not read or write its
    /// own files).
    #[ts(
        type = "\"not enrolled\" | \"syncing\" | \"synced\" | \"offline\" | \"refused\" | \"failed\""
    )]
    pub state: String,
    /// When the last sync finished, local time: `14:05` today, else `26 Nov 14:05`.
    pub last_sync: Option<String>,
    /// This laptop's changes the server has not acknowledged yet.
    pub waiting: i64,
    /// Why offline, refused or failed.
    pub reason: Option<String>,
    /// Changes received from other laptops by the last sync.
    pub received: usize,
    pub server: Option<String>,
    pub user: Option<String>,
    pub role: Option<String>,
    /// A sentence saying where the device token is kept.
    pub token_kept: Option<String>,
    /// This laptop's clock against the server's, when it is wrong by more than allowed.
    pub clock: Option<String>,
    /// What sync could not take at face value and a person should know: this laptop's
    /// changes the server refused, received changes that wait, a restored database.
    pub notices: Vec<String>,
}

impl SyncView {
    /// Before the worker's first word: it syncs (or finds it is not enrolled) at once.
    fn starting() -> SyncView {
        SyncView {
            state: "syncing".into(),
            last_sync: None,
            waiting: 0,
            reason: None,
            received: 0,
            server: None,
            user: None,
            role: None,
            token_kept: None,
            clock: None,
            notices: Vec::new(),
        }
    }
}

enum Trigger {
    /// A command released the store: perhaps a write.
    LocalChange,
    SyncNow,
    Enrol {
        server: String,
        code: String,
        reply: Sender<Result<SyncView, CommandError>>,
    },
}

/// The app's side of the worker: where triggers go and the last published view.
pub struct SyncHandle {
    triggers: Sender<Trigger>,
    /// Taken by [`start`] when the window exists (the worker needs an `AppHandle`).
    pending: Mutex<Option<Receiver<Trigger>>>,
    view: Arc<Mutex<SyncView>>,
}

impl SyncHandle {
    pub fn new() -> SyncHandle {
        let (triggers, pending) = mpsc::channel();
        SyncHandle {
            triggers,
            pending: Mutex::new(Some(pending)),
            view: Arc::new(Mutex::new(SyncView::starting())),
        }
    }

    /// Called whenever a command releases the store. Cheap: one channel send; the worker
    /// decides whether anything was written. A stopped worker is not the command's
    /// problem, so a failed send is ignored.
    pub fn local_change(&self) {
        let _ = self.triggers.send(Trigger::LocalChange);
    }

    fn view(&self) -> SyncView {
        latest(&self.view)
    }
}

/// Starts the worker for the database at `db` (None when it could not be opened: then
/// there is nothing to sync and the UI shows why the database failed instead).
pub fn start(app: &AppHandle, handle: &SyncHandle, db: Option<PathBuf>) {
    let Some(db) = db else { return };
    let receiver = match handle.pending.lock() {
        Ok(mut pending) => pending.take(),
        Err(_) => None,
    };
    let Some(receiver) = receiver else { return };
    let app = app.clone();
    // No main window (closing) is not an error: the next start reads the state afresh.
    let told = app.clone();
    let emit: Emit = Box::new(move |view| {
        let _ = app.emit_to(MAIN, SYNC_STATE, view);
    });
    let tell: Tell = Box::new(move |changed| {
        crate::events::forward(&told, crate::events::ChangeSource::Sync, changed);
    });
    let view = handle.view.clone();
    let spawned = std::thread::Builder::new()
        .name("trellis-sync".into())
        .spawn(move || Worker::run(emit, tell, db, receiver, view));
    if let Err(error) = spawned {
        eprintln!("Trellis could not start background sync: {error}");
    }
}

/// Where the worker sends each new view (the main window's `sync-state` event).
type Emit = Box<dyn Fn(&SyncView) + Send>;

/// Where the worker sends what the pages it pulled touched (every window's `changed`).
type Tell = Box<dyn Fn(Changed) + Send>;

struct Worker {
    emit: Emit,
    tell: Tell,
    store: Store,
    view: Arc<Mutex<SyncView>>,
    /// This device's last change number when the worker last looked.
    known_seq: i64,
    /// The saved enrolment, re-read at each sync and after enrolling (not at every
    /// publish: reading the token may mean asking the OS credential store).
    creds: Option<Credentials>,
    /// Set when a sync is due before the next periodic one.
    due: Option<Instant>,
    next_periodic: Instant,
    /// The last sync's word on this laptop's clock.
    clock: Option<String>,
}

impl Worker {
    fn run(
        emit: Emit,
        tell: Tell,
        db: PathBuf,
        triggers: Receiver<Trigger>,
        view: Arc<Mutex<SyncView>>,
    ) {
        // A second connection to the same file: WAL lets the UI's connection read while
        // this one writes a pulled page, and both wait (busy timeout) for each other's
        // short write transactions.
        let store = match Store::open(&db) {
            Ok(store) => store,
            Err(error) => {
                let mut failed = SyncView::starting();
                failed.state = "failed".into();
                failed.reason = Some(format!("sync could not open the database: {error}"));
                publish(&emit, &view, failed);
                return;
            }
        };
        let mut worker = Worker {
            emit,
            tell,
            store,
            view,
            known_seq: 0,
            creds: None,
            due: Some(Instant::now()),
            next_periodic: Instant::now() + PERIOD,
            clock: None,
        };
        worker.known_seq = worker.local_seq();
        loop {
            let now = Instant::now();
            let due = worker
                .due
                .map_or(worker.next_periodic, |d| d.min(worker.next_periodic));
            if due <= now {
                // Everything that arrived meanwhile is folded into this one sync.
                while let Ok(trigger) = triggers.try_recv() {
                    worker.handle(trigger);
                }
                worker.sync();
                continue;
            }
            match triggers.recv_timeout(due - now) {
                Ok(trigger) => worker.handle(trigger),
                Err(RecvTimeoutError::Timeout) => {}
                // The app is shutting down.
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    }

    fn local_seq(&self) -> i64 {
        self.store
            .sync_state()
            .map(|s| s.pushed_seq + s.waiting)
            .unwrap_or(self.known_seq)
    }

    fn handle(&mut self, trigger: Trigger) {
        match trigger {
            Trigger::LocalChange => {
                let seq = self.local_seq();
                if seq != self.known_seq {
                    self.known_seq = seq;
                    // Show the new waiting count at once; sync after a short pause.
                    let state = self.current().state;
                    self.publish(&state, None, None);
                    let soon = Instant::now() + AFTER_CHANGE;
                    self.due = Some(self.due.map_or(soon, |d| d.max(soon)));
                }
            }
            Trigger::SyncNow => self.due = Some(Instant::now()),
            Trigger::Enrol {
                server,
                code,
                reply,
            } => {
                let result = self.enrol(&server, &code);
                if result.is_ok() {
                    self.due = Some(Instant::now());
                }
                // The command may have given up waiting; the enrolment still stands.
                let _ = reply.send(result);
            }
        }
    }

    fn enrol(&mut self, server: &str, code: &str) -> Result<SyncView, CommandError> {
        if let Err(reason) = probe(server) {
            return Err(enrol_error(SyncError::Offline {
                server: server.into(),
                reason,
            }));
        }
        let (creds, _) = client::enrol(&self.store, server, code).map_err(enrol_error)?;
        self.creds = Some(creds);
        Ok(self.publish("syncing", None, Some(0)))
    }

    fn sync(&mut self) {
        self.due = None;
        self.next_periodic = Instant::now() + PERIOD;
        let creds = match Credentials::load(self.store.path()) {
            Ok(Some(creds)) => creds,
            Ok(None) => {
                self.creds = None;
                self.publish("not enrolled", None, Some(0));
                return;
            }
            Err(error) => {
                self.publish("failed", Some(error.to_string()), Some(0));
                return;
            }
        };
        let server = creds.server.clone();
        self.creds = Some(creds);
        self.publish("syncing", None, None);
        if let Err(reason) = probe(&server) {
            let offline = SyncError::Offline { server, reason };
            self.publish("offline", Some(offline.to_string()), Some(0));
            return;
        }
        // The credentials loaded above, which the sync stamps with the time it finished.
        let result = match self.creds.as_mut() {
            Some(creds) => client::sync_as(&mut self.store, creds),
            None => Err(SyncError::NotEnrolled),
        };
        // Pages applied before a failure count too: the windows show what arrived.
        (self.tell)(self.store.take_changed());
        match result {
            Ok(report) => {
                self.clock = report.clock.clone();
                self.publish("synced", None, Some(report.pulled));
            }
            Err(error) => {
                if let SyncError::Refused { error, reason, .. } = &error {
                    if error == "clock_ahead" {
                        self.clock = Some(reason.clone());
                    }
                }
                let state = match &error {
                    SyncError::NotEnrolled => "not enrolled",
                    SyncError::Offline { .. } | SyncError::BadAnswer(_) => "offline",
                    SyncError::Refused { .. } => "refused",
                    // This laptop's own files or encoding, and any kind added later.
                    _ => "failed",
                };
                self.publish(state, Some(error.to_string()), Some(0));
            }
        }
        self.known_seq = self.local_seq();
        // Changes made while this sync ran go out after the usual short pause.
        if self.current().state == "synced" && self.current().waiting > 0 {
            self.due = Some(Instant::now() + AFTER_CHANGE);
        }
    }

    fn current(&self) -> SyncView {
        latest(&self.view)
    }

    /// Builds the view from the store and the saved credentials, emits it and keeps it.
    /// `received: None` keeps the last sync's count.
    fn publish(&self, state: &str, reason: Option<String>, received: Option<usize>) -> SyncView {
        debug_assert!(STATES.contains(&state), "unknown sync state {state}");
        let last = self.current();
        let waiting = self
            .store
            .sync_state()
            .map(|s| s.waiting)
            .unwrap_or(last.waiting);
        let creds = self.creds.as_ref();
        let view = SyncView {
            state: state.into(),
            last_sync: creds
                .and_then(|c| c.last_sync.as_deref())
                .and_then(local_time),
            waiting,
            reason,
            received: received.unwrap_or(last.received),
            server: creds.map(|c| c.server.clone()),
            user: creds.map(|c| c.user.clone()),
            role: creds.map(|c| c.role.clone()),
            token_kept: creds.map(|c| token_kept(c, self.store.path())),
            clock: self.clock.clone(),
            notices: notices(&self.store),
        };
        publish(&self.emit, &self.view, view.clone());
        view
    }
}

/// What a person should know about this laptop's sync, in sentences: its own changes the
/// server refused (kept here, never sent), changes received that cannot be applied here
/// yet (which laptop and person sent them, and why), and a database that was restored.
fn notices(store: &Store) -> Vec<String> {
    let mut out = Vec::new();
    for c in store.set_aside().unwrap_or_default() {
        out.push(format!(
            "The server refused change {} ({}) made on this laptop, so no one else will see it: {}",
            c.device_seq, c.kind, c.reason
        ));
    }
    for q in store.quarantined().unwrap_or_default() {
        let who = q
            .sent_by
            .as_deref()
            .map(|u| format!(" by {u}"))
            .unwrap_or_default();
        out.push(format!(
            "A change ({}) sent{who} from laptop {} is waiting, because {}",
            q.kind, q.device_id, q.reason
        ));
    }
    for r in store.device_history().unwrap_or_default() {
        out.push(format!(
            "This database was restored from a backup or copied, so it now syncs as a new device. Nothing was lost: {} unsent changes were sent again.",
            r.moved
        ));
    }
    out
}

/// The last published view (a panic while it was being replaced leaves a whole one).
fn latest(shared: &Mutex<SyncView>) -> SyncView {
    shared
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

fn publish(emit: &Emit, shared: &Mutex<SyncView>, view: SyncView) {
    match shared.lock() {
        Ok(mut current) => *current = view.clone(),
        Err(poisoned) => *poisoned.into_inner() = view.clone(),
    }
    emit(&view);
}

/// Where the device token is kept (the OS credential store, or the settings file and why),
/// as a sentence for the settings screen.
fn token_kept(creds: &Credentials, db: &Path) -> String {
    let said = creds.token_kept(db);
    let mut chars = said.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => said,
    }
}

/// An RFC 3339 time as this computer's local `HH:MM` (with the date when not today).
fn local_time(rfc3339: &str) -> Option<String> {
    let when = chrono::DateTime::parse_from_rfc3339(rfc3339)
        .ok()?
        .with_timezone(&chrono::Local);
    if when.date_naive() == crate::commands::today() {
        Some(when.format("%H:%M").to_string())
    } else {
        Some(when.format("%-d %b %H:%M").to_string())
    }
}

/// Can a connection to the server be opened within [`PROBE`]? Skipped when a proxy is
/// configured, because then the client talks to the proxy, not the server.
fn probe(server: &str) -> Result<(), String> {
    let proxied = [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
    ]
    .iter()
    .any(|v| std::env::var_os(v).is_some_and(|p| !p.is_empty()));
    if proxied {
        return Ok(());
    }
    let url = tauri::Url::parse(server).map_err(|e| format!("not a web address: {e}"))?;
    let addresses = url
        .socket_addrs(|| None)
        .map_err(|e| format!("cannot look up {}: {e}", url.host_str().unwrap_or("")))?;
    let mut last = String::from("the name has no address");
    for address in addresses {
        match TcpStream::connect_timeout(&address, PROBE) {
            Ok(_) => return Ok(()),
            Err(e) => last = e.to_string(),
        }
    }
    Err(last)
}

/// Checks the enrolment form: a web address with a host, and a code.
fn parse_enrolment(server: &str, code: &str) -> Result<(String, String), CommandError> {
    let mut fields = Vec::new();
    let server = server.trim().trim_end_matches('/').to_string();
    match tauri::Url::parse(&server) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host_str().is_some() => {}
        _ => fields.push(FieldError::new(
            "server",
            "enter the sync server's address as given by your administrator, starting http:// or https://, for example http://192.168.1.20:8710",
        )),
    }
    let code = code.trim().to_uppercase();
    if code.is_empty() {
        fields.push(FieldError::new(
            "code",
            "enter the one-time code from `trellis-server enrol`, for example ABCD-2345",
        ));
    }
    if fields.is_empty() {
        Ok((server, code))
    } else {
        Err(CommandError {
            kind: ErrorKind::Invalid,
            message: "check the fields marked; this laptop is not enrolled".into(),
            fields,
        })
    }
}

/// Enrolment failures as the form shows them: beside the field to correct where there is
/// one (the code for a refused code, the address for an unreachable server).
fn enrol_error(error: SyncError) -> CommandError {
    let field = |field: &str, message: String| CommandError {
        kind: ErrorKind::Sync,
        message: message.clone(),
        fields: vec![FieldError::new(field, message)],
    };
    match error {
        SyncError::Refused { error, reason, .. } if error == "bad_code" => field(
            "code",
            format!("the server refused this code: {reason}"),
        ),
        SyncError::Refused { reason, .. } => CommandError {
            kind: ErrorKind::Sync,
            message: format!("the server refused to enrol this laptop: {reason}"),
            fields: Vec::new(),
        },
        SyncError::Offline { server, reason } => field(
            "server",
            format!("cannot reach a sync server at {server} ({reason}); check the address and that the server is running. Nothing was changed"),
        ),
        SyncError::BadAnswer(reason) => field(
            "server",
            format!("that address answered, but not as a Trellis sync server ({reason})"),
        ),
        other => CommandError::store(other.to_string()),
    }
}

pub fn sync_status(cx: &Cx) -> Result<SyncView, CommandError> {
    Ok(cx.state().sync().view())
}

/// Asks the worker to sync now; returns at once (the result comes as [`SYNC_STATE`]).
pub fn sync_now(cx: &Cx) -> Result<(), CommandError> {
    cx.state()
        .sync()
        .triggers
        .send(Trigger::SyncNow)
        .map_err(|_| CommandError::store("background sync is not running; restart Trellis"))
}

/// Exchanges a one-time code for a device token, on the worker (which owns the network),
/// and returns the new view; the first sync follows at once.
pub fn enrol_device(cx: &Cx, server: String, code: String) -> Result<SyncView, CommandError> {
    let (server, code) = parse_enrolment(&server, &code)?;
    let (reply, answer) = mpsc::channel();
    cx.state()
        .sync()
        .triggers
        .send(Trigger::Enrol {
            server,
            code,
            reply,
        })
        .map_err(|_| CommandError::store("background sync is not running; restart Trellis"))?;
    // Commands run on the blocking pool, so waiting here holds no async thread.
    let view = answer.recv().map_err(|_| {
        CommandError::store("background sync stopped during enrolment; restart Trellis")
    })??;
    // The new role may forbid records this laptop could make until now.
    client::limit_to_enrolled_role(&mut *cx.store()?);
    Ok(view)
}

#[cfg(test)]
mod tests {
    use super::*;
    // add_user and create_code are the server store trait's.
    use trellis_server::ServerStore;

    #[test]
    fn the_form_names_each_missing_or_wrong_field() {
        let e = parse_enrolment("192.168.1.20:8710", " ").unwrap_err();
        let fields: Vec<_> = e.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["server", "code"]);
        let (server, code) = parse_enrolment(" http://127.0.0.1:8710/ ", " abcd-2345 ").unwrap();
        assert_eq!(server, "http://127.0.0.1:8710");
        assert_eq!(code, "ABCD-2345");
    }

    #[test]
    fn a_refused_code_is_shown_beside_the_code_and_no_server_beside_the_address() {
        let bad = enrol_error(SyncError::Refused {
            status: 403,
            error: "bad_code".into(),
            reason: "enrolment code unknown, already used or expired: ask for a new one".into(),
            detail: Default::default(),
        });
        assert_eq!(bad.fields[0].field, "code");
        assert!(bad.message.contains("already used or expired"));
        let offline = enrol_error(SyncError::Offline {
            server: "http://127.0.0.1:9".into(),
            reason: "connection refused".into(),
        });
        assert_eq!(offline.fields[0].field, "server");
        assert!(offline.message.contains("cannot reach"));
    }

    #[test]
    fn the_probe_tells_a_closed_port_from_a_listening_one() {
        // Bind and drop to find a port nobody listens on.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        assert!(probe(&format!("http://127.0.0.1:{port}")).is_err());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let open = format!("http://{}", listener.local_addr().unwrap());
        assert!(probe(&open).is_ok());
    }

    /// A real sync server on 127.0.0.1, in this process, stopped by dropping it.
    struct TestServer {
        url: String,
        stop: Option<tokio::sync::oneshot::Sender<()>>,
        thread: Option<std::thread::JoinHandle<()>>,
    }

    impl TestServer {
        fn start(store: Arc<trellis_server::SqliteServerStore>, port: u16) -> TestServer {
            let state = trellis_server::AppState::new(store, trellis_server::Limits::default());
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let (tx, rx) = mpsc::channel();
            let thread = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async move {
                    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
                        .await
                        .unwrap();
                    tx.send(listener.local_addr().unwrap()).unwrap();
                    // Leaving block_on drops the runtime: the listener and every
                    // connection close, as when the server process is killed.
                    tokio::select! {
                        served = trellis_server::serve(listener, state) => served.unwrap(),
                        _ = stopped => {}
                    }
                });
            });
            let addr = rx.recv().unwrap();
            TestServer {
                url: format!("http://{addr}"),
                stop: Some(stop),
                thread: Some(thread),
            }
        }

        fn port(&self) -> u16 {
            self.url.rsplit(':').next().unwrap().parse().unwrap()
        }
    }

    impl Drop for TestServer {
        fn drop(&mut self) {
            if let Some(stop) = self.stop.take() {
                let _ = stop.send(());
            }
            if let Some(thread) = self.thread.take() {
                let _ = thread.join();
            }
        }
    }

    type Seen = Arc<Mutex<Vec<SyncView>>>;

    /// Waits (up to 30 s, polling) for a published view that `check` accepts, returning
    /// how many views had been published by then.
    fn wait_for(seen: &Seen, what: &str, check: impl Fn(&SyncView) -> bool) -> usize {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            {
                let views = seen.lock().unwrap();
                if views.last().is_some_and(&check) {
                    return views.len();
                }
                assert!(
                    Instant::now() < deadline,
                    "the worker never showed {what}; it showed {views:#?}"
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn syncs(seen: &Seen, from: usize) -> usize {
        let views = seen.lock().unwrap();
        views[from..]
            .iter()
            .filter(|v| v.state == "syncing")
            .count()
    }

    fn organisation(name: &str) -> trellis_core::organisation::OrganisationInput {
        trellis_core::organisation::OrganisationInput {
            name: name.into(),
            org_ref: trellis_core::org_ref::suggest_unregistered(name),
            ..Default::default()
        }
    }

    /// A sync worker on a new laptop database in `dir`, enrolled as `user` with a real
    /// server in this process.
    struct Enrolled {
        handle: SyncHandle,
        seen: Seen,
        server: TestServer,
        server_store: Arc<trellis_server::SqliteServerStore>,
        /// The UI's connection, as AppState holds it; the worker opens its own.
        ui: Store,
        enrolled: SyncView,
    }

    fn enrolled_worker(dir: &Path, user: &str, role: trellis_server::Role) -> Enrolled {
        let server_store = Arc::new(trellis_server::SqliteServerStore::in_memory().unwrap());
        server_store.add_user(user, role).unwrap();
        let server = TestServer::start(server_store.clone(), 0);
        let code = server_store
            .create_code(user, chrono::Utc::now().timestamp_millis())
            .unwrap();
        let db = dir.join("laptop.sqlite3");
        let ui = Store::open(&db).unwrap();
        let handle = SyncHandle::new();
        let seen: Seen = Arc::default();
        let record = seen.clone();
        let emit: Emit = Box::new(move |view| record.lock().unwrap().push(view.clone()));
        // What pulled pages touched reaches the windows; tests/e2e/tests/sync.rs checks it
        // on the real projector.
        let tell: Tell = Box::new(|_| {});
        let triggers = handle.pending.lock().unwrap().take().unwrap();
        let shared = handle.view.clone();
        std::thread::spawn(move || Worker::run(emit, tell, db, triggers, shared));
        wait_for(&seen, "not enrolled", |v| v.state == "not enrolled");
        let (reply, answer) = mpsc::channel();
        handle
            .triggers
            .send(Trigger::Enrol {
                server: server.url.clone(),
                code,
                reply,
            })
            .unwrap();
        let enrolled = answer
            .recv_timeout(Duration::from_secs(30))
            .unwrap()
            .unwrap();
        Enrolled {
            handle,
            seen,
            server,
            server_store,
            ui,
            enrolled,
        }
    }

    #[test]
    fn a_burst_of_changes_is_one_sync_and_a_stopped_server_loses_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let Enrolled {
            handle,
            seen,
            server,
            server_store,
            mut ui,
            enrolled,
        } = enrolled_worker(dir.path(), "amina", trellis_server::Role::Staff);
        assert_eq!(enrolled.user.as_deref(), Some("amina"));
        assert!(enrolled.token_kept.is_some());
        let before = wait_for(&seen, "the first sync", |v| {
            v.state == "synced" && v.waiting == 0 && v.last_sync.is_some()
        });

        // Ten changes typed in quick succession: counted at once, sent in one sync.
        for i in 0..10 {
            ui.add_organisation(&organisation(&format!("Group {i}")))
                .unwrap();
            handle.local_change();
        }
        wait_for(&seen, "the changes counted", |v| v.waiting == 10);
        let after = wait_for(&seen, "the changes sent", |v| {
            v.state == "synced" && v.waiting == 0
        });
        assert_eq!(syncs(&seen, before), 1, "one sync for the burst");
        assert_eq!(ui.sync_state().unwrap().waiting, 0);

        // The server goes away: the next change waits, says offline, and is kept.
        let port = server.port();
        drop(server);
        ui.add_organisation(&organisation("Offline Group")).unwrap();
        handle.local_change();
        wait_for(&seen, "offline with the change waiting", |v| {
            v.state == "offline" && v.waiting == 1
        });
        assert!(syncs(&seen, after) >= 1);
        assert_eq!(ui.sync_state().unwrap().waiting, 1);

        // Back on the same address: "Sync now" sends it.
        let _server = TestServer::start(server_store, port);
        handle.triggers.send(Trigger::SyncNow).unwrap();
        wait_for(&seen, "synced again", |v| {
            v.state == "synced" && v.waiting == 0
        });
        assert_eq!(ui.sync_state().unwrap().waiting, 0);
    }

    /// What the server refused, and what this laptop cannot apply, are shown to a person
    /// as sentences in the view (the header counts them; Settings lists them), while sync
    /// carries on.
    #[test]
    fn refused_and_waiting_changes_are_shown_and_sync_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let Enrolled {
            handle,
            seen,
            server: _server,
            server_store,
            mut ui,
            ..
        } = enrolled_worker(dir.path(), "femi", trellis_server::Role::Facilitator);
        wait_for(&seen, "the first sync", |v| v.state == "synced");

        // A grants record made on a facilitator's laptop (by a bug: its own limit is off
        // here) is refused for good and set aside; the organisation after it goes.
        let round = trellis_core::grants::round::RoundInput {
            title: "Round".into(),
            topic: "Topic".into(),
            budget_gbp: "1000".into(),
            min_grant_gbp: "100".into(),
            max_grant_gbp: "1000".into(),
            opens_on: "2026-06-01".into(),
            closes_on: "2026-07-31".into(),
            questions: vec!["What will you do?".into()],
            ..Default::default()
        };
        ui.create_round(&round).unwrap();
        ui.add_organisation(&organisation("After the round"))
            .unwrap();
        handle.local_change();
        let view = {
            wait_for(&seen, "the refusal shown", |v| {
                v.state == "synced" && v.waiting == 0 && !v.notices.is_empty()
            });
            latest(&handle.view)
        };
        assert_eq!(view.notices.len(), 1, "{:?}", view.notices);
        assert!(
            view.notices[0]
                .starts_with("The server refused change 1 (round.create) made on this laptop"),
            "{}",
            view.notices[0]
        );
        assert_eq!(server_store.refused().unwrap().len(), 1);

        // A change from another laptop that cannot be applied here waits, named.
        let mut other = Store::open(&dir.path().join("other.sqlite3")).unwrap();
        other.add_organisation(&organisation("Elsewhere")).unwrap();
        let mut rows = other.local_changes_after(0, 10).unwrap();
        rows[0].payload = serde_json::json!({"id": "damaged"});
        ui.apply_pulled(rows.iter().map(|r| (r, Some("Sam (staff)"))), 0, None)
            .unwrap();
        handle.triggers.send(Trigger::SyncNow).unwrap();
        wait_for(&seen, "the waiting change shown", |v| v.notices.len() == 2);
        let view = latest(&handle.view);
        assert!(
            view.notices[1].contains("sent by Sam (staff) from laptop")
                && view.notices[1].contains("is waiting, because it cannot be read"),
            "{}",
            view.notices[1]
        );
        assert_eq!(view.clock, None);
    }

    #[test]
    fn last_sync_is_shown_in_local_time() {
        let now = chrono::Utc::now();
        let shown = local_time(&now.to_rfc3339()).unwrap();
        assert_eq!(
            shown,
            now.with_timezone(&chrono::Local)
                .format("%H:%M")
                .to_string()
        );
        assert!(local_time("2020-01-02T03:04:05Z").unwrap().contains("Jan"));
        assert_eq!(local_time("not a time"), None);
    }
}

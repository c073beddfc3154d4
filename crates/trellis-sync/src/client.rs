//! The laptop's side of sync: enrol with a code, then push this device's changes until the
//! server acknowledges them and pull pages of other devices' changes, each applied in one
//! transaction. A network failure stops the sync with a clear message and loses nothing:
//! unacknowledged changes stay waiting, and the pull cursor moves only with an applied page.
//!
//! The server address and who the laptop syncs as are kept in `<database>.sync.json`
//! beside the database, readable only by the user (0600 on Unix); the device token goes to
//! the OS credential store when there is one, else into that file ([`crate::token`]). The
//! CLI and the settings screen say which.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use trellis_store::{Store, StoreError, SyncLimit};

use uuid::Uuid;

use crate::token::{self, TokenStore};
use crate::wire::{
    ContinueRequest, EnrolRequest, EnrolResponse, ErrorBody, PullResponse, PushRequest,
    PushResponse, PROTOCOL_VERSION,
};

/// Changes per push request (well under the server's body limit).
pub const PUSH_PAGE: usize = 500;
/// Changes per pull page.
pub const PULL_PAGE: usize = 1000;
/// Upper bound on requests in one sync, so a misbehaving server cannot loop us forever.
const MAX_ROUNDS: usize = 100_000;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("this laptop is not enrolled: run `trellis enrol --server URL --code CODE` first")]
    NotEnrolled,
    #[error("cannot reach the sync server at {server}: {reason}. Nothing was lost; changes wait here until the next sync")]
    Offline { server: String, reason: String },
    #[error("the sync server refused ({status} {error}): {reason}")]
    Refused {
        status: u16,
        error: String,
        reason: String,
        /// The whole refusal, with which change and what the server holds.
        detail: Box<ErrorBody>,
    },
    /// The server holds changes from this device that this database does not: it is a
    /// restored backup or a copy, and carries on as a new device from change `from`.
    #[error("this database is a restored backup or a copy of another laptop's (the server holds this device's changes from number {from} that are not here)")]
    Copied { from: i64 },
    #[error("the sync server's answer was not understood: {0}")]
    BadAnswer(String),
    #[error("could not prepare this laptop's changes for sending: {0}")]
    Encode(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("sync settings file {path}: {reason}")]
    Settings { path: PathBuf, reason: String },
}

/// What is kept after enrolment: the server, who this laptop syncs as, and the device
/// token, which lives in the OS credential store where there is one ([`crate::token`]).
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub server: String,
    pub token: String,
    pub user: String,
    pub role: String,
    /// When the last full sync finished (RFC 3339, UTC).
    pub last_sync: Option<String>,
    pub token_store: TokenStore,
    /// The device the token belongs to: names its credential store entry.
    pub device_id: Option<Uuid>,
    /// Why the token is in the settings file rather than the credential store.
    pub why_file: Option<String>,
}

// By hand, so that credentials printed with `{:?}` (a failed test, a log) never show
// the token.
impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("server", &self.server)
            .field("user", &self.user)
            .field("role", &self.role)
            .field("last_sync", &self.last_sync)
            .field("token_store", &self.token_store)
            .field("device_id", &self.device_id)
            .finish_non_exhaustive()
    }
}

/// The settings file's JSON. The token is in it only when it is kept in the file.
#[derive(Serialize, Deserialize)]
struct SavedCredentials {
    server: String,
    user: String,
    role: String,
    #[serde(default)]
    last_sync: Option<String>,
    #[serde(default)]
    token_store: TokenStore,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    device_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    why_file: Option<String>,
}

/// Where the credentials for the database at `db` are kept.
pub fn credentials_path(db: &Path) -> PathBuf {
    let mut name = db.file_name().unwrap_or_default().to_os_string();
    name.push(".sync.json");
    db.with_file_name(name)
}

/// Makes `store` refuse what this laptop's enrolled role could never send (a
/// facilitator's grants records, a panel member's scores in another's name: the server
/// would refuse the first, and every later change would wait behind it). Reads only the
/// role and user from the settings beside the database, never the token. A laptop not
/// enrolled, or whose settings cannot be read (sync itself reports that), is not limited.
pub fn limit_to_enrolled_role(store: &mut Store) {
    let saved = read_saved(store.path()).ok().flatten();
    store.limit_to(saved.and_then(|s| sync_limit(&s.role, &s.user)));
}

/// The settings file beside `db` as saved (the token itself may be elsewhere); None
/// when the laptop is not enrolled.
fn read_saved(db: &Path) -> Result<Option<SavedCredentials>, SyncError> {
    let path = credentials_path(db);
    let settings = |reason: String| SyncError::Settings {
        path: path.clone(),
        reason,
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| settings(e.to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(settings(e.to_string())),
    }
}

/// What a laptop enrolled as `user` with `role` may not make, if anything.
pub fn sync_limit(role: &str, user: &str) -> Option<SyncLimit> {
    match role {
        "facilitator" => Some(SyncLimit::Facilitator),
        "panel" => Some(SyncLimit::Panel { name: user.into() }),
        _ => None,
    }
}

impl Credentials {
    pub fn load(db: &Path) -> Result<Option<Credentials>, SyncError> {
        let path = credentials_path(db);
        let settings = |reason: String| SyncError::Settings {
            path: path.clone(),
            reason,
        };
        let Some(saved) = read_saved(db)? else {
            return Ok(None);
        };
        let token = match saved.token_store {
            TokenStore::File => saved.token.clone().ok_or_else(|| {
                settings("it has no device token: enrol this laptop again".into())
            })?,
            TokenStore::OsCredentialStore => {
                let device = saved.device_id.ok_or_else(|| {
                    settings(
                        "it names no device for the credential store: enrol this laptop again"
                            .into(),
                    )
                })?;
                token::read_from_os_store(device).map_err(|e| {
                    settings(format!(
                        "the device token is kept in this system's credential store, which did not give it back ({e}): unlock the keyring, or enrol this laptop again"
                    ))
                })?
            }
        };
        Ok(Some(Credentials {
            server: saved.server,
            token,
            user: saved.user,
            role: saved.role,
            last_sync: saved.last_sync,
            token_store: saved.token_store,
            device_id: saved.device_id,
            why_file: saved.why_file,
        }))
    }

    /// Puts the token in the OS credential store when it takes it, else in the file (and
    /// remembers why); then saves.
    pub fn keep(&mut self, db: &Path) -> Result<PathBuf, SyncError> {
        match self
            .device_id
            .map(|d| (d, token::keep_in_os_store(d, &self.token)))
        {
            Some((_, Ok(()))) => {
                self.token_store = TokenStore::OsCredentialStore;
                self.why_file = None;
            }
            Some((device, Err(e))) => {
                token::forget_in_os_store(device);
                self.token_store = TokenStore::File;
                self.why_file = Some(e.to_string());
            }
            None => self.token_store = TokenStore::File,
        }
        self.save(db)
    }

    /// Where the token is, in a sentence for the settings screen and the CLI.
    pub fn token_kept(&self, db: &Path) -> String {
        match self.token_store {
            TokenStore::OsCredentialStore => format!(
                "the device token is kept in this system's credential store (service \"trellis\", entry \"{}\")",
                self.device_id.map(token::entry_name).unwrap_or_default()
            ),
            TokenStore::File => format!(
                "the device token is kept in {}, readable only by you{}",
                credentials_path(db).display(),
                self.why_file
                    .as_deref()
                    .map(|why| format!(": {why}"))
                    .unwrap_or_default()
            ),
        }
    }

    /// Writes via a temporary file created 0600, so the token is never readable by others.
    pub fn save(&self, db: &Path) -> Result<PathBuf, SyncError> {
        let path = credentials_path(db);
        let tmp = path.with_extension("json.partial");
        let err = |e: std::io::Error| SyncError::Settings {
            path: path.clone(),
            reason: e.to_string(),
        };
        let saved = SavedCredentials {
            server: self.server.clone(),
            user: self.user.clone(),
            role: self.role.clone(),
            last_sync: self.last_sync.clone(),
            token_store: self.token_store,
            token: (self.token_store == TokenStore::File).then(|| self.token.clone()),
            device_id: self.device_id,
            why_file: self.why_file.clone(),
        };
        let text = serde_json::to_string_pretty(&saved).map_err(|e| SyncError::Settings {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        let _ = std::fs::remove_file(&tmp);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        {
            use std::io::Write;
            let mut file = options.open(&tmp).map_err(err)?;
            file.write_all(text.as_bytes()).map_err(err)?;
            file.sync_all().map_err(err)?;
        }
        std::fs::rename(&tmp, &path).map_err(err)?;
        Ok(path)
    }
}

/// One HTTP client for the process: building one loads the system's root certificates,
/// which cost more than a whole incremental sync's requests.
fn http() -> reqwest::blocking::Client {
    static CLIENT: std::sync::OnceLock<reqwest::blocking::Client> = std::sync::OnceLock::new();
    CLIENT
        .get_or_init(|| {
            reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(60))
                .connect_timeout(Duration::from_secs(10))
                .build()
                .unwrap_or_else(|_| reqwest::blocking::Client::new())
        })
        .clone()
}

/// Longest a sync waits in all for a busy server (429) before giving up with its reason.
const MAX_RATE_WAIT: Duration = Duration::from_secs(120);

/// Sends `request()` and reads the answer; when the server says it is too busy for this
/// device (429), waits as long as its `Retry-After` asks (capped) and asks again, so a
/// first pull of a large programme finishes instead of stopping halfway.
fn exchange<T: serde::de::DeserializeOwned>(
    server: &str,
    request: impl Fn() -> reqwest::blocking::RequestBuilder,
) -> Result<T, SyncError> {
    let mut waited = Duration::ZERO;
    loop {
        let res = request().send();
        let retry_after = match &res {
            Ok(r) if r.status() == reqwest::StatusCode::TOO_MANY_REQUESTS => r
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(|secs| Duration::from_secs(secs.clamp(1, 30))),
            _ => None,
        };
        match retry_after {
            Some(wait) if waited + wait <= MAX_RATE_WAIT => {
                std::thread::sleep(wait);
                waited += wait;
            }
            _ => return answer(server, res),
        }
    }
}

/// A push page as gzip-compressed JSON: change payloads are repetitive text, so a page
/// shrinks several-fold on a slow hall connection.
pub fn gzip_json<T: Serialize>(value: &T) -> Result<Vec<u8>, SyncError> {
    use std::io::Write;
    let json = serde_json::to_vec(value).map_err(|e| SyncError::Encode(e.to_string()))?;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder
        .write_all(&json)
        .and_then(|()| encoder.finish())
        .map_err(|e| SyncError::Encode(format!("compressing: {e}")))
}

fn url(server: &str, path: &str) -> String {
    format!("{}{path}", server.trim_end_matches('/'))
}

fn answer<T: serde::de::DeserializeOwned>(
    server: &str,
    res: reqwest::Result<reqwest::blocking::Response>,
) -> Result<T, SyncError> {
    let res = res.map_err(|e| SyncError::Offline {
        server: server.into(),
        reason: e.to_string(),
    })?;
    let status = res.status();
    let bytes = res.bytes().map_err(|e| SyncError::Offline {
        server: server.into(),
        reason: e.to_string(),
    })?;
    if status.is_success() {
        return serde_json::from_slice(&bytes).map_err(|e| SyncError::BadAnswer(e.to_string()));
    }
    let body: ErrorBody = serde_json::from_slice(&bytes).unwrap_or_else(|_| ErrorBody {
        error: status.canonical_reason().unwrap_or("error").into(),
        reason: String::from_utf8_lossy(&bytes).chars().take(300).collect(),
        ..ErrorBody::default()
    });
    Err(SyncError::Refused {
        status: status.as_u16(),
        error: body.error.clone(),
        reason: body.reason.clone(),
        detail: Box::new(body),
    })
}

/// Exchanges a one-time code for a device token and keeps it beside the database. A
/// laptop moving to a different server or user starts its sync positions again, so
/// nothing is skipped because the old server had it or the old role could not see it.
pub fn enrol(store: &Store, server: &str, code: &str) -> Result<(Credentials, PathBuf), SyncError> {
    let previous = Credentials::load(store.path()).ok().flatten();
    let req = EnrolRequest {
        code: code.into(),
        device_id: store.device_id(),
        unsent_kinds: unsent_kinds(store)?,
    };
    let got: EnrolResponse = answer(
        server,
        http().post(url(server, "/v1/enrol")).json(&req).send(),
    )?;
    let mut creds = Credentials {
        server: server.trim_end_matches('/').into(),
        token: got.token,
        user: got.user,
        role: got.role,
        last_sync: None,
        token_store: TokenStore::File,
        device_id: Some(store.device_id()),
        why_file: None,
    };
    // Another server, or another user (whose role may receive what the last one's did
    // not): start again from nothing so that nothing is skipped.
    let moved = previous.is_none_or(|p| p.server != creds.server || p.user != creds.user);
    if moved {
        store.reset_sync_positions()?;
    }
    let path = creds.keep(store.path())?;
    Ok((creds, path))
}

/// The kinds of this laptop's changes the server has not acknowledged, once each.
fn unsent_kinds(store: &Store) -> Result<Vec<String>, SyncError> {
    let mut kinds = std::collections::BTreeSet::new();
    let mut after = store.sync_state()?.pushed_seq;
    loop {
        let page = store.local_changes_after(after, PUSH_PAGE)?;
        let Some(last) = page.last() else { break };
        after = last.device_seq;
        kinds.extend(page.into_iter().map(|c| c.kind));
    }
    Ok(kinds.into_iter().collect())
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    pub pushed: i64,
    pub pulled: usize,
    pub duplicates: usize,
    /// This laptop's changes the server refused for good in this sync (set aside here).
    pub set_aside: usize,
    /// Received changes this laptop could not apply yet (quarantined) in this sync.
    pub quarantined: usize,
    /// Unsent changes stamped again after this laptop's clock was put right.
    pub restamped: usize,
    /// This laptop's clock against the server's, when they differ by more than the bound.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clock: Option<String>,
    /// This database was a restored backup or a copy and carried on as a new device.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continued: Option<Continued>,
}

/// A restored or copied database now syncing as a new device of the same user.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct Continued {
    pub old_device: Uuid,
    pub new_device: Uuid,
    /// Unsent changes that moved to the new device, to be sent again.
    pub moved: usize,
    /// The new device's token: kept with the credentials, never printed.
    #[serde(skip)]
    pub token: String,
}

// By hand, so that a report printed with `{:?}` never shows the token.
impl std::fmt::Debug for Continued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Continued")
            .field("old_device", &self.old_device)
            .field("new_device", &self.new_device)
            .field("moved", &self.moved)
            .finish_non_exhaustive()
    }
}

/// One full sync: push until everything is acknowledged, then pull until nothing is left.
pub fn sync(store: &mut Store) -> Result<SyncReport, SyncError> {
    let mut creds = Credentials::load(store.path())?.ok_or(SyncError::NotEnrolled)?;
    sync_as(store, &mut creds)
}

/// [`sync`] with credentials already loaded (reading the token may mean asking the OS
/// credential store); records the time it finished in them and in the settings file. A
/// database found to be a restored backup or a copy keeps its new device's token.
pub fn sync_as(store: &mut Store, creds: &mut Credentials) -> Result<SyncReport, SyncError> {
    finish_continuing(store, creds)?;
    let mut session = Session::new(&creds.server, &creds.token);
    let result = sync_session(store, &mut session);
    if let Some(continued) = &session.continued {
        creds.token = continued.token.clone();
        creds.device_id = Some(continued.new_device);
        creds.keep(store.path())?;
    }
    let report = result?;
    creds.last_sync = Some(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    creds.save(store.path())?;
    Ok(report)
}

/// Asks the server, with the old device's token, for a token for `new`, the device a
/// restored or copied database carries on as.
fn ask_to_continue(server: &str, old_token: &str, new: Uuid) -> Result<EnrolResponse, SyncError> {
    answer(
        server,
        http()
            .post(url(server, "/v1/continue"))
            .bearer_auth(old_token)
            .json(&ContinueRequest { device_id: new })
            .send(),
    )
}

/// A database that carried on as a new device but stopped before it kept the new token
/// still holds the old device's: it asks for the new device's token again with it.
fn finish_continuing(store: &Store, creds: &mut Credentials) -> Result<(), SyncError> {
    let (Some(saved), current) = (creds.device_id, store.device_id()) else {
        return Ok(());
    };
    let continued = store
        .device_history()?
        .iter()
        .any(|h| h.old_device == saved.to_string() && h.new_device == current.to_string());
    if saved == current || !continued {
        return Ok(());
    }
    creds.token = ask_to_continue(&creds.server, &creds.token, current)?.token;
    creds.device_id = Some(current);
    creds.keep(store.path())?;
    Ok(())
}

/// [`sync`] against an explicit server and token (no settings file). If the database
/// carries on as a new device, the report holds the new token.
pub fn sync_with(store: &mut Store, server: &str, token: &str) -> Result<SyncReport, SyncError> {
    let mut session = Session::new(server, token);
    sync_session(store, &mut session)
}

/// What one sync learns as it goes.
struct Session {
    server: String,
    token: String,
    report: SyncReport,
    continued: Option<Continued>,
    /// The server's clock at its last answer, and this laptop's at the same moment.
    clocks: Option<(u64, u64)>,
}

impl Session {
    fn new(server: &str, token: &str) -> Session {
        Session {
            server: server.into(),
            token: token.into(),
            report: SyncReport::default(),
            continued: None,
            clocks: None,
        }
    }

    fn saw_server_time(&mut self, server_ms: Option<u64>) {
        if let Some(server_ms) = server_ms {
            self.clocks = Some((server_ms, wall_ms()));
        }
    }

    /// How far this laptop's clock is ahead of the server's (negative: behind).
    fn skew_ms(&self) -> Option<i64> {
        self.clocks
            .map(|(server, here)| here as i64 - server as i64)
    }
}

fn wall_ms() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0)
}

/// This laptop's clock against the server's in a sentence, when they differ by more than
/// the bound the server keeps to.
pub fn clock_warning(skew_ms: i64) -> Option<String> {
    let bound = trellis_store::MAX_CLOCK_DRIFT_MS as i64;
    let words = trellis_core::hlc::human_duration(skew_ms.unsigned_abs());
    if skew_ms > bound {
        Some(format!("this laptop's clock is {words} ahead of the server's: correct the date and time, then sync again"))
    } else if skew_ms < -bound {
        Some(format!("this laptop's clock is {words} behind the server's: correct the date and time, or changes made here will seem older than they are"))
    } else {
        None
    }
}

fn sync_session(store: &mut Store, session: &mut Session) -> Result<SyncReport, SyncError> {
    // A copy found while pushing or pulling carries on as a new device, then syncs again;
    // at most twice, so a server that keeps saying so cannot loop us.
    for _ in 0..3 {
        match push_changes(store, session).and_then(|()| pull_changes(store, session)) {
            Err(SyncError::Copied { from }) if session.continued.is_none() => {
                continue_as_new_device(store, session, from)?;
            }
            Err(e) => return Err(e),
            Ok(()) => {
                session.report.clock = session.skew_ms().and_then(clock_warning);
                session.report.continued = session.continued.clone();
                return Ok(session.report.clone());
            }
        }
    }
    Err(SyncError::BadAnswer(
        "the server kept saying this database is a copy; sync again later".into(),
    ))
}

/// Asks the server for a new device of the same user, then moves this laptop's unsent
/// changes from `from` on to it (see `Store::continue_as_new_device`).
fn continue_as_new_device(
    store: &mut Store,
    session: &mut Session,
    from: i64,
) -> Result<(), SyncError> {
    let old = store.device_id();
    let new = Uuid::now_v7();
    let got = ask_to_continue(&session.server, &session.token, new)?;
    let moved = store.continue_as_new_device(
        new,
        from,
        &format!("the server held changes from device {old} that this database did not have (from change {from}): it was restored from a backup or copied from another laptop"),
    )?;
    session.token = got.token.clone();
    session.continued = Some(Continued {
        old_device: old,
        new_device: new,
        moved,
        token: got.token,
    });
    Ok(())
}

/// Pushes this device's waiting changes, a page at a time, until the server has
/// acknowledged them all; returns how many were acknowledged (a change the server
/// refused for good counts: it is set aside here).
pub fn push_all(store: &mut Store, server: &str, token: &str) -> Result<i64, SyncError> {
    let start = store.sync_state()?.pushed_seq;
    let mut session = Session::new(server, token);
    push_changes(store, &mut session)?;
    Ok(store.sync_state()?.pushed_seq - start)
}

fn push_changes(store: &mut Store, session: &mut Session) -> Result<(), SyncError> {
    let client = http();
    let auth = format!("Bearer {}", session.token);
    let server = session.server.clone();
    let start = store.sync_state()?.pushed_seq;
    let mut restamped = false;
    for _ in 0..MAX_ROUNDS {
        let state = store.sync_state()?;
        if state.pushed_seq > state.last_seq {
            // The server holds changes under numbers this database never made.
            return Err(SyncError::Copied {
                from: state.last_seq + 1,
            });
        }
        if state.waiting == 0 {
            break;
        }
        let changes = store.local_changes_after(state.pushed_seq, PUSH_PAGE)?;
        let req = PushRequest {
            protocol_version: PROTOCOL_VERSION,
            changes,
        };
        let body = gzip_json(&req)?;
        let sent = exchange::<PushResponse>(&server, || {
            client
                .post(url(&server, "/v1/push"))
                .header("Authorization", &auth)
                .header("Content-Type", "application/json")
                .header("Content-Encoding", "gzip")
                .body(body.clone())
        });
        let ack = match sent {
            Ok(ack) => {
                session.saw_server_time(ack.server_time_ms);
                ack.acknowledged_seq
            }
            Err(SyncError::Refused { error, detail, .. }) if error == "device_copied" => {
                return Err(SyncError::Copied {
                    from: detail.expected.unwrap_or(state.pushed_seq + 1),
                })
            }
            Err(SyncError::Refused {
                status,
                error,
                reason,
                detail,
            }) if detail.change.is_some() => {
                session.saw_server_time(detail.server_time_ms);
                if let Some(ack) = detail.acknowledged_seq.filter(|a| *a > state.pushed_seq) {
                    store.acknowledge_push(ack.min(state.last_seq))?;
                }
                let change = detail.change.clone();
                match change {
                    Some(change) if detail.set_aside => {
                        store.record_set_aside(change.device_seq, &error, &reason)?;
                        session.report.set_aside += 1;
                        continue;
                    }
                    Some(_) if error == "clock_ahead" => {
                        // Put right by stamping the unsent changes again, once this
                        // laptop's clock agrees with the server's.
                        let fixed = session
                            .skew_ms()
                            .is_some_and(|skew| clock_warning(skew).is_none());
                        if let (false, true, Some(server_ms)) =
                            (restamped, fixed, detail.server_time_ms)
                        {
                            session.report.restamped += store.restamp_unsent(server_ms)?;
                            restamped = true;
                            continue;
                        }
                        let reason = session.skew_ms().and_then(clock_warning).unwrap_or(reason);
                        return Err(SyncError::Refused {
                            status,
                            error,
                            reason,
                            detail,
                        });
                    }
                    _ => {
                        return Err(SyncError::Refused {
                            status,
                            error,
                            reason,
                            detail,
                        })
                    }
                }
            }
            Err(e) => return Err(e),
        };
        if ack > state.last_seq {
            return Err(SyncError::Copied {
                from: state.last_seq + 1,
            });
        }
        if ack <= state.pushed_seq {
            return Err(SyncError::BadAnswer(format!(
                "the server acknowledged nothing new (at {ack}); try again"
            )));
        }
        store.acknowledge_push(ack)?;
    }
    session.report.pushed += store.sync_state()?.pushed_seq - start;
    Ok(())
}

/// Pulls pages after this laptop's cursor until there are none, applying each page and
/// moving the cursor in one transaction; returns (applied, duplicates).
pub fn pull_all(store: &mut Store, server: &str, token: &str) -> Result<(usize, usize), SyncError> {
    let mut session = Session::new(server, token);
    pull_changes(store, &mut session)?;
    Ok((session.report.pulled, session.report.duplicates))
}

fn pull_changes(store: &mut Store, session: &mut Session) -> Result<(), SyncError> {
    let client = http();
    let auth = format!("Bearer {}", session.token);
    let server = session.server.clone();
    for _ in 0..MAX_ROUNDS {
        let state = store.sync_state()?;
        let cursor = state.pull_cursor;
        let page: PullResponse = exchange(&server, || {
            client
                .get(url(
                    &server,
                    &format!(
                        "/v1/pull?protocol={PROTOCOL_VERSION}&after={cursor}&limit={PULL_PAGE}"
                    ),
                ))
                .header("Authorization", &auth)
        })?;
        session.saw_server_time(page.server_time_ms);
        if page.device_highest_seq.is_some_and(|h| h > state.last_seq) {
            return Err(SyncError::Copied {
                from: state.last_seq + 1,
            });
        }
        if page.next <= cursor && page.changes.is_empty() {
            break;
        }
        let applied = store.apply_pulled(
            page.changes
                .iter()
                .map(|c| (&c.change, c.sent_by.as_deref())),
            page.next.max(cursor),
            page.server_time_ms,
        )?;
        session.report.pulled += applied.applied;
        session.report.duplicates += applied.duplicates;
        session.report.quarantined += applied.set_aside;
        if page.next <= cursor {
            break;
        }
    }
    Ok(())
}

/// What `trellis sync status` shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncStatus {
    /// `not enrolled`, `offline`, `refused`, `waiting` (changes to send or receive) or `synced`.
    pub state: String,
    pub server: Option<String>,
    pub user: Option<String>,
    pub role: Option<String>,
    /// This laptop's changes not yet acknowledged by the server.
    pub waiting: i64,
    pub last_sync: Option<String>,
    /// Why offline or refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Where the device token is kept, in a sentence (absent before enrolment).
    pub token_kept: Option<String>,
    /// This laptop's changes the server refused for good, set aside here.
    pub set_aside: Vec<trellis_store::SetAside>,
    /// Changes received that this laptop cannot apply yet, with who sent them and why.
    pub quarantined: Vec<trellis_store::Quarantined>,
    /// This laptop's clock against the server's, when they differ by more than allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clock: Option<String>,
    /// Each time this database found it was a restored backup or a copy.
    pub restored: Vec<trellis_store::DeviceChange>,
}

/// The sync state, asking the server (briefly) whether it is reachable and has anything new.
pub fn status(store: &Store) -> Result<SyncStatus, SyncError> {
    let state = store.sync_state()?;
    let set_aside = store.set_aside()?;
    let quarantined = store.quarantined()?;
    let restored = store.device_history()?;
    let Some(creds) = Credentials::load(store.path())? else {
        return Ok(SyncStatus {
            state: "not enrolled".into(),
            server: None,
            user: None,
            role: None,
            waiting: state.waiting,
            last_sync: None,
            reason: None,
            token_kept: None,
            set_aside,
            quarantined,
            clock: None,
            restored,
        });
    };
    let res = http()
        .get(url(
            &creds.server,
            &format!(
                "/v1/pull?protocol={PROTOCOL_VERSION}&after={}&limit=1",
                state.pull_cursor
            ),
        ))
        .header("Authorization", format!("Bearer {}", creds.token))
        // A status check must answer quickly, whatever the network.
        .timeout(Duration::from_secs(5))
        .send();
    let asked = wall_ms();
    let mut clock = None;
    let (word, reason) = match answer::<PullResponse>(&creds.server, res) {
        Ok(page) => {
            clock = page
                .server_time_ms
                .and_then(|server| clock_warning(asked as i64 - server as i64));
            if state.waiting == 0 && page.next <= state.pull_cursor {
                ("synced", None)
            } else {
                ("waiting", None)
            }
        }
        Err(e @ SyncError::Offline { .. }) => ("offline", Some(e.to_string())),
        Err(e) => ("refused", Some(e.to_string())),
    };
    let token_kept = Some(creds.token_kept(store.path()));
    Ok(SyncStatus {
        token_kept,
        state: word.into(),
        server: Some(creds.server),
        user: Some(creds.user),
        role: Some(creds.role),
        waiting: state.waiting,
        last_sync: creds.last_sync,
        reason,
        set_aside,
        quarantined,
        clock,
        restored,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_token_is_printed_with_debug() {
        let creds = Credentials {
            server: "http://127.0.0.1:8710".into(),
            token: "secret-token-0123".into(),
            user: "amina".into(),
            role: "staff".into(),
            last_sync: None,
            token_store: TokenStore::File,
            device_id: None,
            why_file: None,
        };
        let continued = Continued {
            old_device: Uuid::nil(),
            new_device: Uuid::nil(),
            moved: 1,
            token: "secret-token-0123".into(),
        };
        for shown in [format!("{creds:?}"), format!("{continued:?}")] {
            assert!(!shown.contains("secret-token"), "{shown}");
        }
    }

    #[test]
    fn each_role_is_limited_to_what_the_server_takes_from_it() {
        assert_eq!(
            sync_limit("facilitator", "fola"),
            Some(SyncLimit::Facilitator)
        );
        assert_eq!(
            sync_limit("panel", "Dr Ife Adeyemi"),
            Some(SyncLimit::Panel {
                name: "Dr Ife Adeyemi".into()
            })
        );
        assert_eq!(sync_limit("staff", "amina"), None);
        assert_eq!(sync_limit("admin", "root"), None);
    }

    #[test]
    fn the_limit_comes_from_the_settings_beside_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("t.sqlite3");
        let mut store = Store::open(&db).unwrap();
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
        std::fs::write(
            credentials_path(&db),
            r#"{"server": "http://127.0.0.1:9", "token": "t", "user": "fola", "role": "facilitator"}"#,
        )
        .unwrap();
        limit_to_enrolled_role(&mut store);
        assert!(matches!(
            store.create_round(&round),
            Err(StoreError::NotForRole { .. })
        ));
        // Unreadable settings limit nothing (sync reports them itself).
        std::fs::write(credentials_path(&db), "not json").unwrap();
        limit_to_enrolled_role(&mut store);
        store.create_round(&round).unwrap();
    }
}

//! The laptop's side of sync: enrol with a code, then push this device's changes until the
//! server acknowledges them and pull pages of other devices' changes, each applied in one
//! transaction. A network failure stops the sync with a clear message and loses nothing:
//! unacknowledged changes stay waiting, and the pull cursor moves only with an applied page.
//!
//! The server address and device token are kept in `<database>.sync.json` beside the
//! database, readable only by the user (0600 on Unix). There is no OS credential store on
//! a headless machine, so this file is where the token lives; the CLI says so on enrolment.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use trellis_store::{Store, StoreError};

use crate::wire::{
    EnrolRequest, EnrolResponse, ErrorBody, PullResponse, PushRequest, PushResponse,
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
        expected: Option<i64>,
    },
    #[error("the sync server's answer was not understood: {0}")]
    BadAnswer(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("sync settings file {path}: {reason}")]
    Settings { path: PathBuf, reason: String },
}

/// What is kept beside the database after enrolment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    pub server: String,
    pub token: String,
    pub user: String,
    pub role: String,
    /// When the last full sync finished (RFC 3339, UTC).
    #[serde(default)]
    pub last_sync: Option<String>,
}

/// Where the credentials for the database at `db` are kept.
pub fn credentials_path(db: &Path) -> PathBuf {
    let mut name = db.file_name().unwrap_or_default().to_os_string();
    name.push(".sync.json");
    db.with_file_name(name)
}

impl Credentials {
    pub fn load(db: &Path) -> Result<Option<Credentials>, SyncError> {
        let path = credentials_path(db);
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| SyncError::Settings {
                    path,
                    reason: e.to_string(),
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(SyncError::Settings {
                path,
                reason: e.to_string(),
            }),
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
        let text = serde_json::to_string_pretty(self).map_err(|e| SyncError::Settings {
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

fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(60))
        .connect_timeout(Duration::from_secs(10))
        .build()
        .unwrap_or_else(|_| reqwest::blocking::Client::new())
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
        expected: None,
    });
    Err(SyncError::Refused {
        status: status.as_u16(),
        error: body.error,
        reason: body.reason,
        expected: body.expected,
    })
}

/// Exchanges a one-time code for a device token and keeps it beside the database.
pub fn enrol(store: &Store, server: &str, code: &str) -> Result<(Credentials, PathBuf), SyncError> {
    let req = EnrolRequest {
        code: code.into(),
        device_id: store.device_id(),
    };
    let got: EnrolResponse = answer(
        server,
        http().post(url(server, "/v1/enrol")).json(&req).send(),
    )?;
    let creds = Credentials {
        server: server.trim_end_matches('/').into(),
        token: got.token,
        user: got.user,
        role: got.role,
        last_sync: None,
    };
    let path = creds.save(store.path())?;
    Ok((creds, path))
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    pub pushed: i64,
    pub pulled: usize,
    pub duplicates: usize,
}

/// One full sync: push until everything is acknowledged, then pull until nothing is left.
pub fn sync(store: &mut Store) -> Result<SyncReport, SyncError> {
    let db = store.path().to_path_buf();
    let mut creds = Credentials::load(&db)?.ok_or(SyncError::NotEnrolled)?;
    let report = sync_with(store, &creds.server, &creds.token)?;
    creds.last_sync = Some(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    creds.save(&db)?;
    Ok(report)
}

/// [`sync`] against an explicit server and token (no settings file).
pub fn sync_with(store: &mut Store, server: &str, token: &str) -> Result<SyncReport, SyncError> {
    let pushed = push_all(store, server, token)?;
    let (pulled, duplicates) = pull_all(store, server, token)?;
    Ok(SyncReport {
        pushed,
        pulled,
        duplicates,
    })
}

/// Pushes this device's waiting changes, a page at a time, until the server has
/// acknowledged them all; returns how many were acknowledged.
pub fn push_all(store: &mut Store, server: &str, token: &str) -> Result<i64, SyncError> {
    let client = http();
    let auth = format!("Bearer {token}");
    let schema_version = store.schema_version()?;
    let start = store.sync_state()?.pushed_seq;
    for _ in 0..MAX_ROUNDS {
        let state = store.sync_state()?;
        if state.waiting == 0 {
            break;
        }
        let changes = store.local_changes_after(state.pushed_seq, PUSH_PAGE)?;
        let req = PushRequest {
            schema_version,
            changes,
        };
        let res = client
            .post(url(server, "/v1/push"))
            .header("Authorization", &auth)
            .json(&req)
            .send();
        let ack: PushResponse = answer(server, res)?;
        if ack.acknowledged_seq <= state.pushed_seq {
            return Err(SyncError::BadAnswer(format!(
                "the server acknowledged nothing new (at {}); try again",
                ack.acknowledged_seq
            )));
        }
        store.acknowledge_push(ack.acknowledged_seq)?;
    }
    Ok(store.sync_state()?.pushed_seq - start)
}

/// Pulls pages after this laptop's cursor until there are none, applying each page and
/// moving the cursor in one transaction; returns (applied, duplicates).
pub fn pull_all(store: &mut Store, server: &str, token: &str) -> Result<(usize, usize), SyncError> {
    let client = http();
    let auth = format!("Bearer {token}");
    let (mut pulled, mut duplicates) = (0, 0);
    for _ in 0..MAX_ROUNDS {
        let cursor = store.sync_state()?.pull_cursor;
        let res = client
            .get(url(
                server,
                &format!("/v1/pull?after={cursor}&limit={PULL_PAGE}"),
            ))
            .header("Authorization", &auth)
            .send();
        let page: PullResponse = answer(server, res)?;
        if page.next <= cursor && page.changes.is_empty() {
            break;
        }
        let rows: Vec<_> = page.changes.into_iter().map(|c| c.change).collect();
        let applied = if page.scoped {
            store.apply_remote_scoped(&rows, page.next.max(cursor))?
        } else {
            store.apply_remote(&rows, page.next.max(cursor))?
        };
        pulled += applied.applied;
        duplicates += applied.duplicates;
        if page.next <= cursor {
            break;
        }
    }
    Ok((pulled, duplicates))
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
}

/// The sync state, asking the server (briefly) whether it is reachable and has anything new.
pub fn status(store: &Store) -> Result<SyncStatus, SyncError> {
    let state = store.sync_state()?;
    let Some(creds) = Credentials::load(store.path())? else {
        return Ok(SyncStatus {
            state: "not enrolled".into(),
            server: None,
            user: None,
            role: None,
            waiting: state.waiting,
            last_sync: None,
            reason: None,
        });
    };
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap_or_else(|_| reqwest::blocking::Client::new());
    let res = client
        .get(url(
            &creds.server,
            &format!("/v1/pull?after={}&limit=1", state.pull_cursor),
        ))
        .header("Authorization", format!("Bearer {}", creds.token))
        .send();
    let (word, reason) = match answer::<PullResponse>(&creds.server, res) {
        Ok(page) if state.waiting == 0 && page.next <= state.pull_cursor => ("synced", None),
        Ok(_) => ("waiting", None),
        Err(e @ SyncError::Offline { .. }) => ("offline", Some(e.to_string())),
        Err(e) => ("refused", Some(e.to_string())),
    };
    Ok(SyncStatus {
        state: word.into(),
        server: Some(creds.server),
        user: Some(creds.user),
        role: Some(creds.role),
        waiting: state.waiting,
        last_sync: creds.last_sync,
        reason,
    })
}

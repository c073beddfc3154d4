//! The server's storage, behind [`ServerStore`] so PostgreSQL can follow SQLite.
//! [`SqliteServerStore`] keeps users, devices (only a SHA-256 of each token), one-time
//! enrolment codes and the change log with a server sequence.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use sha2::{Digest, Sha256};
use trellis_core::change::ChangeRow;
use trellis_core::grants::scoring::{may_see_others_scores, PanelRole};
use trellis_core::op::Operation;
use uuid::Uuid;

use crate::admit::{self, Refusal};
use crate::roles::{Receive, Role};
use trellis_store::Store;

/// How long an enrolment code may be used.
pub const CODE_LIFETIME_MS: i64 = 15 * 60 * 1000;

#[derive(Debug, thiserror::Error)]
pub enum ServerStoreError {
    #[error("server database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("no user named {0:?}")]
    NoUser(String),
    #[error("a user named {0:?} already exists")]
    UserExists(String),
    #[error("no device {0}")]
    NoDevice(String),
    #[error("enrolment code unknown, already used or expired: ask for a new one")]
    BadCode,
    #[error("device {0} was revoked by an administrator and may not enrol again: start Trellis on a new database to enrol this laptop afresh")]
    DeviceRevoked(Uuid),
    #[error("this laptop (device {device}) syncs as {holder}, and what it holds was sent for {holder}'s role: to sync as someone else, start Trellis on a new database; the code was not used")]
    DeviceOfAnotherUser { device: Uuid, holder: String },
    /// A change would leave a hole in the device's series; it must re-send from `expected`.
    #[error("change number {got} skips ahead: the server expects number {expected} from this device next")]
    Gap { expected: i64, got: i64 },
    #[error("stored change is damaged: {0}")]
    Damaged(String),
    /// The device re-sent a change number the server holds with another change: its
    /// database is a restored backup or a copy, and must carry on as a new device.
    #[error("this laptop's change number {first} is not the change the server holds under that number (it holds up to {highest} from this device): this database is a restored backup or a copy of another laptop's, so it carries on as a new device of the same user")]
    Copied { first: i64, highest: i64 },
    #[error("the server's replica: {0}")]
    Replica(#[from] trellis_store::StoreError),
}

/// What one push came to: the highest change number now held for the device, and the
/// first change refused (those before it were stored), with why.
#[derive(Debug, Clone)]
pub struct PushOutcome {
    pub acknowledged_seq: i64,
    pub refused: Option<(ChangeRow, Refusal)>,
}

/// An enrolled laptop as the server knows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Device {
    pub id: Uuid,
    pub user: String,
    pub role: Role,
    pub revoked: bool,
    pub enrolled_at: String,
}

/// A user as an admin sees them: their role and how many laptops sync as them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub role: Role,
    /// Enrolled devices not revoked.
    pub devices: usize,
}

pub trait ServerStore: Send + Sync {
    fn add_user(&self, name: &str, role: Role) -> Result<(), ServerStoreError>;
    /// Every user, by name.
    fn users(&self) -> Result<Vec<User>, ServerStoreError>;
    /// A short one-time code for `user`, valid for [`CODE_LIFETIME_MS`] from `now_ms`.
    fn create_code(&self, user: &str, now_ms: i64) -> Result<String, ServerStoreError>;
    /// Uses a code and returns the new device token (only its hash is kept) and the device.
    fn enrol(
        &self,
        code: &str,
        device: Uuid,
        now_ms: i64,
    ) -> Result<(String, Device), ServerStoreError>;
    /// The role a valid, unused code would enrol as, without using it (`None`: bad code).
    fn code_role(&self, code: &str, now_ms: i64) -> Result<Option<Role>, ServerStoreError>;
    /// The panel member ids whose `panel.member` name is `user`'s: whom they score as.
    fn panel_members_of(&self, user: &str) -> Result<Vec<Uuid>, ServerStoreError>;
    /// The device whose token is `token`, revoked or not; `None` for an unknown token.
    fn device_for_token(&self, token: &str) -> Result<Option<Device>, ServerStoreError>;
    fn devices(&self) -> Result<Vec<Device>, ServerStoreError>;
    fn revoke(&self, device: Uuid) -> Result<(), ServerStoreError>;
    /// Stores `rows` (one device's, in order) once each, up to the first refused: only
    /// what every laptop can apply (see [`crate::admit`]). `now_ms` is the server's clock.
    fn push(
        &self,
        device: &Device,
        rows: &[ChangeRow],
        now_ms: u64,
    ) -> Result<PushOutcome, ServerStoreError>;
    /// The highest change number held (stored or refused for good) from `device`: a
    /// laptop whose own series stops below it is a restored backup or a copy.
    fn device_highest_seq(&self, device: Uuid) -> Result<i64, ServerStoreError>;
    /// A new device for the user of `old` (a restored or copied database carrying on
    /// under a new identity): its token, and the device.
    fn continue_device(
        &self,
        old: &Device,
        new: Uuid,
    ) -> Result<(String, Device), ServerStoreError>;
    /// Every change refused for good, oldest first, for administrators.
    fn refused(&self) -> Result<Vec<RefusedChange>, ServerStoreError>;
    /// Changes after `after` that `viewer` may receive, at most `limit` scanned, and the next
    /// cursor.
    fn pull(
        &self,
        viewer: &Device,
        after: i64,
        limit: usize,
    ) -> Result<(Vec<(i64, ChangeRow)>, i64), ServerStoreError>;
}

/// A change the server refused for good: which device and number, what kind, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RefusedChange {
    pub device_id: String,
    pub device_seq: i64,
    pub change_id: String,
    pub kind: String,
    pub error: String,
    pub reason: String,
    pub at: String,
}

pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Letters and digits that cannot be misread for one another on a screen or a phone call.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

fn new_code() -> String {
    let bytes = Uuid::new_v4().into_bytes();
    let code: String = bytes[..8]
        .iter()
        .map(|b| CODE_ALPHABET[*b as usize % CODE_ALPHABET.len()] as char)
        .collect();
    format!("{}-{}", &code[..4], &code[4..])
}

fn new_token() -> String {
    let mut bytes = Vec::with_capacity(32);
    bytes.extend_from_slice(Uuid::new_v4().as_bytes());
    bytes.extend_from_slice(Uuid::new_v4().as_bytes());
    hex(&bytes)
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'facilitator', 'panel'))
);
CREATE TABLE IF NOT EXISTS devices (
    id TEXT PRIMARY KEY,
    user TEXT NOT NULL REFERENCES users(name),
    token_hash TEXT NOT NULL UNIQUE,
    revoked INTEGER NOT NULL DEFAULT 0,
    enrolled_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS enrolment_codes (
    code TEXT PRIMARY KEY,
    user TEXT NOT NULL REFERENCES users(name),
    expires_ms INTEGER NOT NULL,
    used INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS changes (
    server_seq INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id TEXT NOT NULL,
    device_seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    -- For score and conflict kinds: what the blind-scoring rule needs, without decoding.
    application_id TEXT,
    assessor_id TEXT,
    conflicted INTEGER,
    UNIQUE (device_id, device_seq)
);
CREATE INDEX IF NOT EXISTS changes_application ON changes(application_id, kind);
CREATE TABLE IF NOT EXISTS panel_members (
    member_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL
);
-- Changes refused for good: the change number is used up, so the device's later changes
-- follow it, and no laptop ever receives it.
CREATE TABLE IF NOT EXISTS refused (
    device_id TEXT NOT NULL,
    device_seq INTEGER NOT NULL,
    change_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    error TEXT NOT NULL,
    reason TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (device_id, device_seq)
);
-- A restored or copied laptop database that carried on as a new device of the same user.
CREATE TABLE IF NOT EXISTS device_continuations (
    old_id TEXT NOT NULL,
    new_id TEXT PRIMARY KEY,
    at TEXT NOT NULL
);
";

pub struct SqliteServerStore {
    conn: Mutex<Connection>,
    /// Every stored change applied as a laptop applies it, by the laptops' own write path:
    /// how a push is checked against what the server holds. Rebuilt from `changes` when
    /// behind (it commits after the log does).
    replica: Mutex<Store>,
    /// Holds an in-memory server's replica.
    _replica_dir: Option<tempfile::TempDir>,
}

/// Where a server database's replica lives: beside it.
pub fn replica_path(db: &Path) -> std::path::PathBuf {
    let mut name = db.file_name().unwrap_or_default().to_os_string();
    name.push(".replica");
    db.with_file_name(name)
}

impl SqliteServerStore {
    pub fn open(path: &Path) -> Result<Self, ServerStoreError> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        let replica = Store::open_replica(&replica_path(path))?;
        Self::init(conn, replica, None)
    }

    pub fn in_memory() -> Result<Self, ServerStoreError> {
        let dir = tempfile::tempdir().map_err(|e| {
            ServerStoreError::Replica(trellis_store::StoreError::Open {
                path: std::env::temp_dir(),
                reason: e.to_string(),
            })
        })?;
        let replica = Store::open_replica(&dir.path().join("replica.sqlite3"))?;
        Self::init(Connection::open_in_memory()?, replica, Some(dir))
    }

    fn init(
        conn: Connection,
        replica: Store,
        dir: Option<tempfile::TempDir>,
    ) -> Result<Self, ServerStoreError> {
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.execute_batch(SCHEMA)?;
        let store = SqliteServerStore {
            conn: Mutex::new(conn),
            replica: Mutex::new(replica),
            _replica_dir: dir,
        };
        {
            let conn = store.conn();
            let mut replica = store.replica();
            catch_up(&conn, &mut replica)?;
        }
        Ok(store)
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (transactions roll back).
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn replica(&self) -> std::sync::MutexGuard<'_, Store> {
        self.replica.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Applies to the replica what the log holds beyond it: after a crash between the log's
/// commit and the replica's, or on a server that kept its log before it had a replica.
fn catch_up(conn: &Connection, replica: &mut Store) -> Result<(), ServerStoreError> {
    loop {
        let cursor = replica.sync_state()?.pull_cursor;
        let mut stmt = conn.prepare_cached(
            "SELECT server_seq, body FROM changes WHERE server_seq > ?1 ORDER BY server_seq LIMIT 1000",
        )?;
        let page: Vec<(i64, String)> = stmt
            .query_map([cursor], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let Some(&(last, _)) = page.last() else {
            return Ok(());
        };
        let rows: Vec<ChangeRow> = page
            .iter()
            .map(|(seq, body)| {
                serde_json::from_str(body)
                    .map_err(|e| ServerStoreError::Damaged(format!("change {seq}: {e}")))
            })
            .collect::<Result<_, _>>()?;
        replica.apply_remote(&rows, last)?;
    }
}

/// The highest change number held from `device`, stored or refused.
fn last_seq(conn: &Connection, device: &str) -> Result<i64, ServerStoreError> {
    Ok(conn.query_row(
        "SELECT max((SELECT COALESCE(MAX(device_seq), 0) FROM changes WHERE device_id = ?1),
                    (SELECT COALESCE(MAX(device_seq), 0) FROM refused WHERE device_id = ?1))",
        [device],
        |r| r.get(0),
    )?)
}

/// The id of the change held under (`device`, `seq`), stored or refused.
fn held_change_id(
    conn: &Connection,
    device: &str,
    seq: i64,
) -> Result<Option<String>, ServerStoreError> {
    let stored: Option<String> = conn
        .query_row(
            "SELECT json_extract(body, '$.id') FROM changes WHERE device_id = ?1 AND device_seq = ?2",
            params![device, seq],
            |r| r.get(0),
        )
        .optional()?;
    if stored.is_some() {
        return Ok(stored);
    }
    Ok(conn
        .query_row(
            "SELECT change_id FROM refused WHERE device_id = ?1 AND device_seq = ?2",
            params![device, seq],
            |r| r.get(0),
        )
        .optional()?)
}

fn insert_change(tx: &Connection, row: &ChangeRow) -> Result<(), ServerStoreError> {
    let facts = score_facts(row);
    let body = serde_json::to_string(row).map_err(|e| ServerStoreError::Damaged(e.to_string()))?;
    tx.prepare_cached(
        "INSERT INTO changes (device_id, device_seq, kind, body, application_id, assessor_id, conflicted)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        row.device_id.to_string(),
        row.device_seq,
        row.kind,
        body,
        facts.application_id.map(|u| u.to_string()),
        facts.assessor_id.map(|u| u.to_string()),
        facts.conflicted,
    ])?;
    if let Some((member, name, role)) = facts.member {
        // The replica has refused a reused id already, so this is always a new member.
        tx.prepare_cached(
            "INSERT INTO panel_members (member_id, name, role) VALUES (?1, ?2, ?3)
             ON CONFLICT(member_id) DO NOTHING",
        )?
        .execute(params![member.to_string(), name, panel_role_str(role)])?;
    }
    Ok(())
}

fn panel_members_named(conn: &Connection, user: &str) -> Result<Vec<Uuid>, ServerStoreError> {
    let mut stmt = conn.prepare_cached("SELECT member_id FROM panel_members WHERE name = ?1")?;
    let ids: Vec<String> = stmt
        .query_map([user], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    ids.iter()
        .map(|id| Uuid::parse_str(id).map_err(|e| ServerStoreError::Damaged(e.to_string())))
        .collect()
}

fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn device_from_row(
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<(String, String, String, bool, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn to_device(
    (id, user, role, revoked, enrolled_at): (String, String, String, bool, String),
) -> Result<Device, ServerStoreError> {
    Ok(Device {
        id: Uuid::parse_str(&id).map_err(|e| ServerStoreError::Damaged(e.to_string()))?,
        user,
        role: role.parse().map_err(ServerStoreError::Damaged)?,
        revoked,
        enrolled_at,
    })
}

/// server_seq, device id, kind, body, application id, assessor id.
type Scanned = (i64, String, String, String, Option<String>, Option<String>);

const DEVICE_SELECT: &str = "SELECT d.id, d.user, u.role, d.revoked, d.enrolled_at
     FROM devices d JOIN users u ON u.name = d.user";

/// What the blind-scoring rule needs from a change, recorded beside it.
struct ScoreFacts {
    application_id: Option<Uuid>,
    assessor_id: Option<Uuid>,
    conflicted: Option<bool>,
    member: Option<(Uuid, String, PanelRole)>,
}

fn score_facts(row: &ChangeRow) -> ScoreFacts {
    let mut facts = ScoreFacts {
        application_id: None,
        assessor_id: None,
        conflicted: None,
        member: None,
    };
    if let Ok(op) = Operation::decode(&row.kind, row.payload.clone()) {
        match op {
            Operation::ScoreDraft {
                application_id,
                assessor_id,
                ..
            }
            | Operation::ScoreSubmit {
                application_id,
                assessor_id,
                ..
            }
            | Operation::ScoreRevise {
                application_id,
                assessor_id,
                ..
            } => {
                facts.application_id = Some(application_id);
                facts.assessor_id = Some(assessor_id);
            }
            Operation::ConflictDeclare {
                application_id,
                assessor_id,
                conflicted,
                ..
            } => {
                facts.application_id = Some(application_id);
                facts.assessor_id = Some(assessor_id);
                facts.conflicted = Some(conflicted);
            }
            Operation::PanelMember { id, name, role } => facts.member = Some((id, name, role)),
            _ => {}
        }
    }
    facts
}

fn panel_role_str(role: PanelRole) -> String {
    serde_json::to_value(role)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "assessor".into())
}

impl ServerStore for SqliteServerStore {
    fn add_user(&self, name: &str, role: Role) -> Result<(), ServerStoreError> {
        let conn = self.conn();
        let n = conn.execute(
            "INSERT INTO users (name, role) VALUES (?1, ?2) ON CONFLICT(name) DO NOTHING",
            params![name, role.as_str()],
        )?;
        if n == 0 {
            return Err(ServerStoreError::UserExists(name.into()));
        }
        Ok(())
    }

    fn users(&self) -> Result<Vec<User>, ServerStoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT u.name, u.role,
                    (SELECT count(*) FROM devices d WHERE d.user = u.name AND d.revoked = 0)
             FROM users u ORDER BY u.name",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        rows.map(|row| {
            let (name, role, devices) = row?;
            Ok(User {
                name,
                role: role.parse().map_err(ServerStoreError::Damaged)?,
                devices: usize::try_from(devices).unwrap_or(0),
            })
        })
        .collect()
    }

    fn create_code(&self, user: &str, now_ms: i64) -> Result<String, ServerStoreError> {
        let conn = self.conn();
        let known: Option<String> = conn
            .query_row("SELECT name FROM users WHERE name = ?1", [user], |r| {
                r.get(0)
            })
            .optional()?;
        if known.is_none() {
            return Err(ServerStoreError::NoUser(user.into()));
        }
        let code = new_code();
        conn.execute(
            "INSERT INTO enrolment_codes (code, user, expires_ms) VALUES (?1, ?2, ?3)",
            params![code, user, now_ms + CODE_LIFETIME_MS],
        )?;
        Ok(code)
    }

    fn enrol(
        &self,
        code: &str,
        device: Uuid,
        now_ms: i64,
    ) -> Result<(String, Device), ServerStoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let code = code.trim().to_ascii_uppercase();
        let user: Option<String> = tx
            .query_row(
                "SELECT user FROM enrolment_codes WHERE code = ?1 AND used = 0 AND expires_ms > ?2",
                params![code, now_ms],
                |r| r.get(0),
            )
            .optional()?;
        let user = user.ok_or(ServerStoreError::BadCode)?;
        let existing: Option<(bool, String)> = tx
            .query_row(
                "SELECT revoked, user FROM devices WHERE id = ?1",
                [device.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        match existing {
            Some((true, _)) => return Err(ServerStoreError::DeviceRevoked(device)),
            // What the laptop holds was sent for its user's role; another user's role may
            // see more or less, so that user starts on a new database instead.
            Some((false, holder)) if holder != user => {
                return Err(ServerStoreError::DeviceOfAnotherUser { device, holder })
            }
            _ => {}
        }
        let token = new_token();
        tx.execute(
            "UPDATE enrolment_codes SET used = 1 WHERE code = ?1",
            [&code],
        )?;
        // The same user enrolling the laptop again (a lost token, a reset keyring) gets a
        // new token; the old one stops working.
        tx.execute(
            "INSERT INTO devices (id, user, token_hash, enrolled_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(id) DO UPDATE SET user = excluded.user, token_hash = excluded.token_hash,
               enrolled_at = excluded.enrolled_at",
            params![
                device.to_string(),
                user,
                token_hash(&token),
                chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ],
        )?;
        let d = tx.query_row(
            &format!("{DEVICE_SELECT} WHERE d.id = ?1"),
            [device.to_string()],
            device_from_row,
        )?;
        tx.commit()?;
        Ok((token, to_device(d)?))
    }

    fn code_role(&self, code: &str, now_ms: i64) -> Result<Option<Role>, ServerStoreError> {
        let conn = self.conn();
        let role: Option<String> = conn
            .query_row(
                "SELECT u.role FROM enrolment_codes c JOIN users u ON u.name = c.user
                 WHERE c.code = ?1 AND c.used = 0 AND c.expires_ms > ?2",
                params![code.trim().to_ascii_uppercase(), now_ms],
                |r| r.get(0),
            )
            .optional()?;
        role.map(|r| r.parse().map_err(ServerStoreError::Damaged))
            .transpose()
    }

    fn panel_members_of(&self, user: &str) -> Result<Vec<Uuid>, ServerStoreError> {
        panel_members_named(&self.conn(), user)
    }

    fn device_for_token(&self, token: &str) -> Result<Option<Device>, ServerStoreError> {
        let conn = self.conn();
        conn.query_row(
            &format!("{DEVICE_SELECT} WHERE d.token_hash = ?1"),
            [token_hash(token)],
            device_from_row,
        )
        .optional()?
        .map(to_device)
        .transpose()
    }

    fn devices(&self) -> Result<Vec<Device>, ServerStoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("{DEVICE_SELECT} ORDER BY d.user, d.id"))?;
        let rows = stmt.query_map([], device_from_row)?;
        rows.map(|r| to_device(r?)).collect()
    }

    fn revoke(&self, device: Uuid) -> Result<(), ServerStoreError> {
        let conn = self.conn();
        let n = conn.execute(
            "UPDATE devices SET revoked = 1 WHERE id = ?1",
            [device.to_string()],
        )?;
        if n == 0 {
            return Err(ServerStoreError::NoDevice(device.to_string()));
        }
        Ok(())
    }

    fn push(
        &self,
        device: &Device,
        rows: &[ChangeRow],
        now_ms: u64,
    ) -> Result<PushOutcome, ServerStoreError> {
        let mut conn = self.conn();
        let mut replica = self.replica();
        catch_up(&conn, &mut replica)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let id = device.id.to_string();
        let held = last_seq(&tx, &id)?;
        let mine = if device.role == Role::Panel {
            panel_members_named(&tx, &device.user)?
        } else {
            Vec::new()
        };
        let mut last = held;
        let mut fresh: Vec<ChangeRow> = Vec::new();
        let mut refused: Option<(ChangeRow, Refusal)> = None;
        for row in rows {
            if row.device_seq <= last {
                // Sent again (an acknowledgement was lost): harmless if it is the same
                // change; another change under a held number means a copied database.
                if row.device_seq <= held
                    && held_change_id(&tx, &id, row.device_seq)?.as_deref()
                        != Some(row.id.to_string().as_str())
                {
                    return Err(ServerStoreError::Copied {
                        first: row.device_seq,
                        highest: held,
                    });
                }
                continue;
            }
            if row.device_seq != last + 1 {
                return Err(ServerStoreError::Gap {
                    expected: last + 1,
                    got: row.device_seq,
                });
            }
            if let Err(refusal) = admit::check_change(row, device.role, &device.user, &mine, now_ms)
            {
                refused = Some((row.clone(), refusal));
                break;
            }
            fresh.push(row.clone());
            last = row.device_seq;
        }
        let fresh = &fresh;
        replica.admit_remote(fresh, now_ms, move |admission| {
            let kept = admission.refused.as_ref().map_or(fresh.len(), |(i, _)| *i);
            for row in &fresh[..kept] {
                insert_change(&tx, row)?;
            }
            if let Some((i, rule)) = &admission.refused {
                refused = Some((fresh[*i].clone(), Refusal::cannot_apply(rule.clone())));
            }
            let mut acknowledged_seq = fresh[..kept].last().map_or(held, |r| r.device_seq);
            if let Some((row, refusal)) = refused.as_ref().filter(|(_, r)| r.set_aside) {
                tx.execute(
                    "INSERT INTO refused (device_id, device_seq, change_id, kind, error, reason, at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                        id,
                        row.device_seq,
                        row.id.to_string(),
                        row.kind,
                        refusal.error,
                        refusal.rule,
                        now_text()
                    ],
                )?;
                acknowledged_seq = row.device_seq;
            }
            let cursor: i64 = tx.query_row(
                "SELECT COALESCE(MAX(server_seq), 0) FROM changes",
                [],
                |r| r.get(0),
            )?;
            tx.commit()?;
            Ok((
                PushOutcome {
                    acknowledged_seq,
                    refused,
                },
                cursor,
            ))
        })
    }

    fn device_highest_seq(&self, device: Uuid) -> Result<i64, ServerStoreError> {
        last_seq(&self.conn(), &device.to_string())
    }

    fn continue_device(
        &self,
        old: &Device,
        new: Uuid,
    ) -> Result<(String, Device), ServerStoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let taken: Option<i64> = tx
            .query_row(
                "SELECT 1 FROM devices WHERE id = ?1",
                [new.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        let token = new_token();
        if taken.is_some() {
            // Asked again for the same continuation (the laptop stopped before it kept
            // the first answer's token): a new token for it, as a re-enrolment gives.
            let same: Option<i64> = tx
                .query_row(
                    "SELECT 1 FROM device_continuations WHERE old_id = ?1 AND new_id = ?2",
                    params![old.id.to_string(), new.to_string()],
                    |r| r.get(0),
                )
                .optional()?;
            if same.is_none() {
                return Err(ServerStoreError::DeviceOfAnotherUser {
                    device: new,
                    holder: old.user.clone(),
                });
            }
            tx.execute(
                "UPDATE devices SET token_hash = ?1 WHERE id = ?2",
                params![token_hash(&token), new.to_string()],
            )?;
        } else {
            tx.execute(
                "INSERT INTO devices (id, user, token_hash, enrolled_at) VALUES (?1, ?2, ?3, ?4)",
                params![new.to_string(), old.user, token_hash(&token), now_text()],
            )?;
            tx.execute(
                "INSERT INTO device_continuations (old_id, new_id, at) VALUES (?1, ?2, ?3)",
                params![old.id.to_string(), new.to_string(), now_text()],
            )?;
        }
        let d = tx.query_row(
            &format!("{DEVICE_SELECT} WHERE d.id = ?1"),
            [new.to_string()],
            device_from_row,
        )?;
        tx.commit()?;
        Ok((token, to_device(d)?))
    }

    fn refused(&self) -> Result<Vec<RefusedChange>, ServerStoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT device_id, device_seq, change_id, kind, error, reason, at FROM refused
             ORDER BY at, device_id, device_seq",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(RefusedChange {
                device_id: r.get(0)?,
                device_seq: r.get(1)?,
                change_id: r.get(2)?,
                kind: r.get(3)?,
                error: r.get(4)?,
                reason: r.get(5)?,
                at: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn pull(
        &self,
        viewer: &Device,
        after: i64,
        limit: usize,
    ) -> Result<(Vec<(i64, ChangeRow)>, i64), ServerStoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT server_seq, device_id, kind, body, application_id, assessor_id FROM changes
             WHERE server_seq > ?1 ORDER BY server_seq LIMIT ?2",
        )?;
        let scanned: Vec<Scanned> = stmt
            .query_map(params![after, limit as i64], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })?
            .collect::<Result<_, _>>()?;
        let next = scanned.last().map(|r| r.0).unwrap_or(after);
        let blind = Blind::for_viewer(&conn, viewer)?;
        let own = viewer.id.to_string();
        let mut out = Vec::new();
        let decode = |seq: i64, body: &str| -> Result<(i64, ChangeRow), ServerStoreError> {
            Ok((
                seq,
                serde_json::from_str(body)
                    .map_err(|e| ServerStoreError::Damaged(format!("change {seq}: {e}")))?,
            ))
        };
        // Withheld scores released by this page: the viewer's own submission for an
        // application is in it, so the others' earlier scores for it now go out too.
        if let Some(blind) = &blind {
            let released: Vec<&String> = scanned
                .iter()
                .filter(|r| {
                    r.2 == "score.submit" && r.5.as_ref().is_some_and(|a| blind.members.contains(a))
                })
                .filter_map(|r| r.4.as_ref())
                .collect();
            for application in released {
                let mut stmt = conn.prepare_cached(
                    "SELECT server_seq, body, assessor_id FROM changes
                     WHERE application_id = ?1 AND kind IN ('score.submit', 'score.revise') AND server_seq <= ?2
                     ORDER BY server_seq",
                )?;
                let rows: Vec<(i64, String, Option<String>)> = stmt
                    .query_map(params![application, after], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                    })?
                    .collect::<Result<_, _>>()?;
                for (seq, body, assessor) in rows {
                    let mine = assessor.as_ref().is_some_and(|a| blind.members.contains(a));
                    if !mine && blind.may_see(&conn, application, seq)? {
                        out.push(decode(seq, &body)?);
                    }
                }
            }
        }
        for (seq, device, kind, body, application, assessor) in &scanned {
            if device == &own {
                continue; // the device has its own changes
            }
            let send = match viewer.role.receive(kind) {
                Receive::Everything | Receive::WithoutEqualityData => true,
                Receive::Nothing => false,
                Receive::OwnOnly => match (&blind, assessor) {
                    (Some(blind), Some(who)) => blind.members.contains(who),
                    _ => false,
                },
                Receive::BlindScoring => match (&blind, application, assessor) {
                    (Some(blind), Some(app), Some(who)) => {
                        blind.members.contains(who) || blind.may_see(&conn, app, *seq)?
                    }
                    _ => false,
                },
            };
            if send {
                out.push(decode(*seq, body)?);
            }
        }
        Ok((out, next))
    }
}

/// A panel member's identity for the blind-scoring rule: their panel member ids (the
/// `panel.member` changes whose name is the user's name) and panel role.
struct Blind {
    members: Vec<String>,
    role: PanelRole,
}

impl Blind {
    fn for_viewer(conn: &Connection, viewer: &Device) -> Result<Option<Blind>, ServerStoreError> {
        if viewer.role != Role::Panel {
            return Ok(None);
        }
        let mut stmt =
            conn.prepare_cached("SELECT member_id, role FROM panel_members WHERE name = ?1")?;
        let rows: Vec<(String, String)> = stmt
            .query_map([&viewer.user], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        if rows.is_empty() {
            return Ok(None);
        }
        let role = rows
            .iter()
            .filter_map(|(_, r)| serde_json::from_value(serde_json::Value::String(r.clone())).ok())
            .next()
            .unwrap_or(PanelRole::Assessor);
        Ok(Some(Blind {
            members: rows.into_iter().map(|(m, _)| m).collect(),
            role,
        }))
    }

    /// [`may_see_others_scores`] for another assessor's score on `application` stored at
    /// `score_seq`. Whether the viewer had declared a conflict is judged at the later of
    /// that score and the viewer's first submission for the application, never at the
    /// time of the pull: a score once sent stays sent, so a laptop that synced all along
    /// holds exactly what a laptop pulling everything now receives.
    fn may_see(
        &self,
        conn: &Connection,
        application: &str,
        score_seq: i64,
    ) -> Result<bool, ServerStoreError> {
        let mut first_submission: Option<i64> = None;
        for member in &self.members {
            let seq: Option<i64> = conn.query_row(
                "SELECT MIN(server_seq) FROM changes WHERE application_id = ?1 AND assessor_id = ?2 AND kind = 'score.submit'",
                params![application, member],
                |r| r.get(0),
            )?;
            first_submission = match (first_submission, seq) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        let submitted = first_submission.is_some();
        let until = match (self.role, first_submission) {
            (PanelRole::Assessor, Some(first)) => first.max(score_seq),
            (PanelRole::Assessor, None) => return Ok(false),
            _ => score_seq,
        };
        let mut conflicted = false;
        for member in &self.members {
            conflicted |= conn.query_row(
                "SELECT EXISTS(SELECT 1 FROM changes WHERE application_id = ?1 AND assessor_id = ?2
                 AND kind = 'conflict.declare' AND conflicted = 1 AND server_seq < ?3)",
                params![application, member, until],
                |r| r.get::<_, bool>(0),
            )?;
        }
        Ok(may_see_others_scores(submitted, conflicted, self.role))
    }
}

//! Versioned schema migrations, compiled into the binary. The schema version lives in
//! SQLite's `user_version`; all pending migrations and the version bump commit in one
//! transaction, so a crash leaves the file at the old version or the new, never between.
//!
//! Never edit a migration that has shipped; add a new one.

use rusqlite::Connection;

use crate::error::StoreError;

pub const MIGRATIONS: &[(u32, &str)] = &[
    (
        1,
        include_str!("../migrations/0001_organisations_and_change_log.sql"),
    ),
    (
        2,
        include_str!("../migrations/0002_contacts_settings_meetings_issues.sql"),
    ),
    (3, include_str!("../migrations/0003_voting.sql")),
    (4, include_str!("../migrations/0004_grants.sql")),
    (5, include_str!("../migrations/0005_letters.sql")),
    (6, include_str!("../migrations/0006_sync_state.sql")),
    (7, include_str!("../migrations/0007_evidence_files.sql")),
    (
        8,
        include_str!("../migrations/0008_letters_from_two_laptops.sql"),
    ),
    (9, include_str!("../migrations/0009_rival_facts.sql")),
    (10, include_str!("../migrations/0010_sync_trust.sql")),
];

/// The schema version this build writes.
pub const LATEST: u32 = MIGRATIONS[MIGRATIONS.len() - 1].0;

pub fn user_version(conn: &Connection) -> Result<u32, rusqlite::Error> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

/// Brings the database from its current version up to `target` in one transaction.
pub fn migrate_to(conn: &mut Connection, target: u32) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let current = user_version(&tx)?;
    for (version, sql) in MIGRATIONS {
        if *version > current && *version <= target {
            tx.execute_batch(sql)
                .map_err(|source| StoreError::Migration {
                    version: *version,
                    source,
                })?;
        }
    }
    if target > current {
        tx.pragma_update(None, "user_version", target)?;
    }
    tx.commit()?;
    Ok(())
}

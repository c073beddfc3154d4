//! `doctor`: checks a database file without changing it, and names every fault found.

use std::collections::BTreeMap;

use serde::Serialize;
use trellis_core::hlc::Hlc;
use trellis_core::op::Operation;

use crate::migrations::LATEST;
use crate::{Store, StoreError};

#[derive(Debug, Clone, Serialize)]
pub struct DoctorReport {
    pub path: String,
    pub schema_version: u32,
    pub supported_schema_version: u32,
    pub integrity: String,
    pub counts: BTreeMap<String, i64>,
    pub faults: Vec<String>,
    /// Not faults, but a person should know: a restored or copied database that carried
    /// on as a new device, this laptop's changes the server refused, received changes
    /// waiting in the quarantine.
    pub notices: Vec<String>,
}

impl DoctorReport {
    pub fn healthy(&self) -> bool {
        self.faults.is_empty()
    }
}

const TABLES: [&str; 33] = [
    "letter_template",
    "letter",
    "letter_version",
    "letter_state",
    "organisation_preference",
    "round",
    "round_extension",
    "panel_member",
    "application",
    "application_attachment",
    "application_support",
    "assignment",
    "conflict_declaration",
    "score_draft",
    "score_submission",
    "agreed_scores",
    "decision",
    "organisation",
    "contact",
    "setting",
    "meeting",
    "attendance",
    "meeting_note",
    "issue",
    "issue_evidence",
    "ballot",
    "ballot_token",
    "vote",
    "vote_void",
    "vote_resolution",
    "change_log",
    "field_clock",
    "device",
];

impl Store {
    pub fn doctor(&self) -> Result<DoctorReport, StoreError> {
        let c = &self.conn;
        let mut faults = Vec::new();
        let schema_version = self.schema_version()?;
        if schema_version < LATEST {
            faults.push(format!(
                "schema version {schema_version} is older than {LATEST}; open it once with this build to migrate"
            ));
        }
        let mut integrity = Vec::new();
        {
            let mut stmt = c.prepare("PRAGMA integrity_check")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            for row in rows {
                integrity.push(row?);
            }
        }
        let integrity = integrity.join("; ");
        if integrity != "ok" {
            faults.push(format!("integrity check: {integrity}"));
        }
        let fk_problems: i64 =
            c.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })?;
        if fk_problems > 0 {
            faults.push(format!(
                "{fk_problems} rows point at records that do not exist"
            ));
        }
        let mut counts = BTreeMap::new();
        let mut notices = Vec::new();
        if schema_version == LATEST {
            notices = self.sync_notices()?;
            for t in TABLES {
                let n: i64 = c.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))?;
                counts.insert(t.to_string(), n);
            }
            self.check_change_log(&mut faults)?;
        }
        Ok(DoctorReport {
            path: self.path.display().to_string(),
            schema_version,
            supported_schema_version: LATEST,
            integrity,
            counts,
            faults,
            notices,
        })
    }

    fn sync_notices(&self) -> Result<Vec<String>, StoreError> {
        let mut out = Vec::new();
        for r in self.device_history()? {
            out.push(format!(
                "restored: on {} this database found it was a restored backup or a copy ({}); it carries on as device {} (was {}), and {} unsent changes moved to it",
                r.at, r.reason, r.new_device, r.old_device, r.moved
            ));
        }
        for c in self.set_aside()? {
            out.push(format!(
                "set aside: this laptop's change {} ({}) was refused by the sync server on {}: {}",
                c.device_seq, c.kind, c.at, c.reason
            ));
        }
        for q in self.quarantined()? {
            out.push(format!(
                "waiting: change {} ({}) from device {}{} cannot be applied here yet: {}",
                q.device_seq,
                q.kind,
                q.device_id,
                q.sent_by.map(|u| format!(" ({u})")).unwrap_or_default(),
                q.reason
            ));
        }
        Ok(out)
    }

    /// Each device's series must be gapless from 1, and every row must decode.
    /// This device's own series must be gapless from 1. Other devices' series may have
    /// gaps on a laptop whose role receives only some changes (a facilitator's laptop is
    /// never sent scores), so only this laptop's own numbering is a fault.
    fn check_change_log(&self, faults: &mut Vec<String>) -> Result<(), StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT device_id, count(*), min(device_seq), max(device_seq) FROM change_log GROUP BY device_id ORDER BY device_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })?;
        for row in rows {
            let (device, count, min, max) = row?;
            if device == self.device_id.to_string() && (min != 1 || max != count) {
                faults.push(format!(
                    "change log of device {device} has gaps: {count} changes numbered {min} to {max}"
                ));
            }
        }
        let mut stmt = self
            .conn
            .prepare("SELECT device_id, device_seq, hlc, kind, payload FROM change_log")?;
        let mut rows = stmt.query([])?;
        let mut bad = 0usize;
        let mut first_bad = None;
        while let Some(r) = rows.next()? {
            let (device, seq, hlc, kind, payload): (String, i64, String, String, String) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
            let ok = hlc.parse::<Hlc>().is_ok()
                && serde_json::from_str(&payload)
                    .ok()
                    .and_then(|p| Operation::decode(&kind, p).ok())
                    .is_some();
            if !ok {
                bad += 1;
                first_bad.get_or_insert(format!("{device}#{seq}"));
            }
        }
        if let Some(first) = first_bad {
            faults.push(format!(
                "{bad} change-log rows cannot be read (first: {first})"
            ));
        }
        Ok(())
    }
}

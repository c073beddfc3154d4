//! Canonical export: the whole database's data as JSON with sorted keys and rows in id
//! order, so two databases that hold the same data print the same bytes whatever order
//! their changes arrived in. Device-local bookkeeping (change log, clocks, device id) is
//! left out: it differs between replicas by design.

use std::fmt::Write;

use rusqlite::Connection;
use serde_json::{json, Map, Value};

use crate::migrations::LATEST;
use crate::{Store, StoreError};

/// Writes `value` as indented JSON with object keys sorted, independent of how serde_json
/// was built (its `preserve_order` feature may be switched on by other crates).
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value, 0);
    out.push('\n');
    out
}

fn write_value(out: &mut String, value: &Value, depth: usize) {
    let pad = |out: &mut String, d: usize| out.push_str(&"  ".repeat(d));
    match value {
        Value::Array(items) if !items.is_empty() => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                pad(out, depth + 1);
                write_value(out, item, depth + 1);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            pad(out, depth);
            out.push(']');
        }
        Value::Object(map) if !map.is_empty() => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push_str("{\n");
            for (i, key) in keys.iter().enumerate() {
                pad(out, depth + 1);
                let _ = write!(out, "{}: ", Value::String((*key).clone()));
                write_value(out, &map[key.as_str()], depth + 1);
                out.push_str(if i + 1 < keys.len() { ",\n" } else { "\n" });
            }
            pad(out, depth);
            out.push('}');
        }
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// Rows of one table as JSON objects, ordered by id. Columns holding JSON are parsed so
/// the export nests them instead of quoting them.
fn table(conn: &Connection, sql: &str, json_columns: &[&str]) -> Result<Vec<Value>, StoreError> {
    let mut stmt = conn.prepare(sql)?;
    let names: Vec<String> = stmt.column_names().iter().map(|s| s.to_string()).collect();
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let mut obj = Map::new();
        for (i, name) in names.iter().enumerate() {
            let value = match row.get_ref(i)? {
                rusqlite::types::ValueRef::Null => Value::Null,
                rusqlite::types::ValueRef::Integer(n) => json!(n),
                rusqlite::types::ValueRef::Real(f) => json!(f),
                rusqlite::types::ValueRef::Text(t) => {
                    let s = String::from_utf8_lossy(t).into_owned();
                    if json_columns.contains(&name.as_str()) {
                        serde_json::from_str(&s)
                            .map_err(|e| StoreError::damaged(name.clone(), e))?
                    } else {
                        Value::String(s)
                    }
                }
                rusqlite::types::ValueRef::Blob(_) => {
                    return Err(StoreError::damaged(name.clone(), "unexpected binary value"))
                }
            };
            obj.insert(name.clone(), value);
        }
        out.push(Value::Object(obj));
    }
    Ok(out)
}

impl Store {
    pub fn export(&self) -> Result<Value, StoreError> {
        let c = &self.conn;
        let mut settings = Map::new();
        for row in table(c, "SELECT key, value FROM setting ORDER BY key", &["value"])? {
            if let (Some(Value::String(k)), Some(v)) = (row.get("key"), row.get("value")) {
                settings.insert(k.clone(), v.clone());
            }
        }
        Ok(json!({
            "format": "trellis-export",
            "schema_version": LATEST,
            "settings": settings,
            "organisations": table(c, "SELECT id, name, org_ref, address, postcode, income_band, led_by, communities_served FROM organisation ORDER BY id", &["led_by", "communities_served"])?,
            "contacts": table(c, "SELECT id, organisation_id, date, kind, by_whom AS by, notes, follow_up FROM contact ORDER BY id", &[])?,
            "meetings": table(c, "SELECT id, kind, title, date, time, venue, facilitators FROM meeting ORDER BY id", &["facilitators"])?,
            "attendance": table(c, "SELECT id, meeting_id, organisation_id, name, walk_in FROM attendance ORDER BY id", &[])?,
            "meeting_notes": table(c, "SELECT id, meeting_id, text, issue_ids FROM meeting_note ORDER BY id", &["issue_ids"])?,
            "issues": table(c, "SELECT id, title, description, meeting_id, communities, quotes, merged_into FROM issue ORDER BY id", &["communities", "quotes"])?,
            "issue_evidence": table(c, "SELECT id, issue_id, kind, text, url, attachment FROM issue_evidence ORDER BY id", &["attachment"])?,
            "ballots": table(c, "SELECT id, question, options, method, eligibility, meeting_id, opens_at, closes_at, seed, status, revealed FROM ballot ORDER BY id", &["options", "method"])?,
            "ballot_tokens": table(c, "SELECT ballot_id, token FROM ballot_token ORDER BY ballot_id, token", &[])?,
            "votes": table(c, "SELECT id, ballot_id, voter_kind, voter_ref, vote, channel, recorded_by, device_id, hlc FROM vote ORDER BY id", &["vote"])?,
            "vote_voids": table(c, "SELECT id, vote_id, reason, by_whom AS by, device_id, hlc FROM vote_void ORDER BY id", &[])?,
            "rounds": table(c, "SELECT id, fields FROM round ORDER BY id", &["fields"])?,
            "round_extensions": table(c, "SELECT round_id, organisation_id, until FROM round_extension ORDER BY round_id, organisation_id", &[])?,
            "panel_members": table(c, "SELECT id, name, role FROM panel_member ORDER BY id", &[])?,
            "applications": table(c, "SELECT id, round_id, organisation_id, fields FROM application ORDER BY id", &["fields"])?,
            "application_attachments": table(c, "SELECT id, application_id, sha256, file_name, media_type, size_bytes FROM application_attachment ORDER BY id", &[])?,
            "application_support": table(c, "SELECT id, application_id, date, kind, by_whom AS by FROM application_support ORDER BY id", &[])?,
            "assignments": table(c, "SELECT application_id, assessor_id FROM assignment ORDER BY application_id, assessor_id", &[])?,
            "conflict_declarations": table(c, "SELECT id, application_id, assessor_id, conflicted, note, hlc FROM conflict_declaration ORDER BY id", &[])?,
            "score_drafts": table(c, "SELECT application_id, assessor_id, scores FROM score_draft ORDER BY application_id, assessor_id", &["scores"])?,
            "score_submissions": table(c, "SELECT id, application_id, assessor_id, scores, reason, hlc, device_id FROM score_submission ORDER BY id", &["scores"])?,
            "agreed_scores": table(c, "SELECT id, application_id, agreed, hlc, device_id FROM agreed_scores ORDER BY id", &["agreed"])?,
            "decisions": table(c, "SELECT id, application_id, decision, hlc, device_id FROM decision ORDER BY id", &["decision"])?,
            "letter_templates": table(c, "SELECT kind, template FROM letter_template ORDER BY kind", &["template"])?,
            "letters": table(c, "SELECT id, application_id FROM letter ORDER BY id", &[])?,
            "letter_versions": table(c, "SELECT letter_id, version, content, approved_on FROM letter_version ORDER BY letter_id, version", &["content"])?,
            "letter_version_clashes": table(c, "SELECT letter_id, version, content, hlc, device_id FROM letter_version_clash ORDER BY letter_id, version, hlc, device_id", &["content"])?,
            "letter_withdrawals": table(c, "SELECT id, letter_id, reason, by_whom AS by, hlc, device_id FROM letter_withdrawal ORDER BY id", &[])?,
            "letter_states": table(c, "SELECT id, letter_id, version, state, date, how, hlc, device_id FROM letter_state ORDER BY id", &[])?,
            "organisation_preferences": table(c, "SELECT organisation_id, large_print FROM organisation_preference ORDER BY organisation_id", &[])?,
            "vote_resolutions": table(c, "SELECT id, ballot_id, voter_key, keep, reason, by_whom AS by, device_id, hlc FROM vote_resolution ORDER BY id", &[])?,
        }))
    }

    /// The canonical export as text (what `trellis export` prints).
    pub fn export_json(&self) -> Result<String, StoreError> {
        Ok(canonical_json(&self.export()?))
    }
}

#[cfg(test)]
mod tests {
    use super::canonical_json;
    use serde_json::json;

    #[test]
    fn sorts_keys_at_every_level_and_keeps_array_order() {
        let v = json!({"b": [3, {"z": 1, "a": "é\n"}], "a": {}, "c": []});
        assert_eq!(
            canonical_json(&v),
            "{\n  \"a\": {},\n  \"b\": [\n    3,\n    {\n      \"a\": \"é\\n\",\n      \"z\": 1\n    }\n  ],\n  \"c\": []\n}\n"
        );
    }
}

//! The UI's TypeScript types (ui/src/api.ts) are written by hand; this test keeps them
//! honest. It serialises real values from a demo database and the shell's own types, and
//! checks that every interface in api.ts names exactly the keys the JSON carries. A
//! renamed or added field on either side fails here, not in front of a user.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;
use serde_json::Value;
use trellis_core::contact::ContactInput;
use trellis_core::organisation::OrganisationInput;
use trellis_store::Store;

use crate::commands::{reference_lists, AppStatus, SharedIdentifier};
use crate::error::CommandError;
use crate::sync::SyncView;

/// Field names of every `export interface` in api.ts, with `extends` folded in.
pub(crate) fn interfaces(source: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut raw: BTreeMap<String, (Option<String>, BTreeSet<String>)> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in source.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("export interface ") {
            let mut words = rest.split_whitespace();
            let name = words.next().unwrap_or_default().to_string();
            let parent = match (words.next(), words.next()) {
                (Some("extends"), Some(p)) => Some(p.to_string()),
                _ => None,
            };
            raw.insert(name.clone(), (parent, BTreeSet::new()));
            current = Some(name);
        } else if line.starts_with('}') {
            current = None;
        } else if let Some(name) = &current {
            if let Some((field, _)) = line.split_once(':') {
                let field = field.trim_end_matches('?');
                if !field.is_empty() && field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                {
                    raw.get_mut(name).unwrap().1.insert(field.to_string());
                }
            }
        }
    }
    raw.keys()
        .map(|name| {
            let mut fields = BTreeSet::new();
            let mut next = Some(name.clone());
            while let Some(n) = next {
                let (parent, own) = &raw[&n];
                fields.extend(own.iter().cloned());
                next = parent.clone();
            }
            (name.clone(), fields)
        })
        .collect()
}

fn keys(value: &impl Serialize) -> BTreeSet<String> {
    match serde_json::to_value(value).unwrap() {
        Value::Object(map) => map.keys().cloned().collect(),
        other => panic!("expected an object, got {other}"),
    }
}

fn first_key_set(value: &Value) -> BTreeSet<String> {
    value.as_object().unwrap().keys().cloned().collect()
}

#[test]
fn api_ts_matches_the_json_the_shell_sends() {
    let source =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/api.ts"))
            .unwrap();
    let ts = interfaces(&source);

    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("t.sqlite3")).unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    store.load_demo(today).unwrap();
    let summaries = store.organisations("", today).unwrap();
    let with_contacts = summaries
        .iter()
        .map(|s| store.organisation(s.id, today).unwrap())
        .find(|d| !d.contacts.is_empty())
        .expect("the demo data has an organisation with contacts");

    let lists = serde_json::to_value(reference_lists()).unwrap();
    let mut rust: Vec<(&str, BTreeSet<String>)> = vec![
        ("OrganisationSummary", keys(&summaries[0])),
        ("OrganisationDetail", keys(&with_contacts)),
        ("Contact", keys(&with_contacts.contacts[0])),
        ("OrganisationInput", keys(&OrganisationInput::default())),
        ("ContactInput", keys(&ContactInput::default())),
        ("CommandError", keys(&CommandError::store("x"))),
        ("FieldError", keys(&trellis_core::FieldError::new("f", "m"))),
        ("ReferenceLists", first_key_set(&lists)),
        ("Option", first_key_set(&lists["income_bands"][0])),
        ("DeiCode", first_key_set(&lists["dei_codes"][0])),
    ];
    rust.push((
        "AppStatus",
        keys(&AppStatus {
            empty: true,
            today,
            programme_name: String::new(),
        }),
    ));

    // The demo data has no shared identifier (only a sync can make one), so the shell's
    // own type is serialised, as for SyncView.
    rust.push((
        "SharedIdentifier",
        keys(&SharedIdentifier {
            org_ref: "GB-CHC-1090095".into(),
            organisation_ids: vec![summaries[0].id, summaries[1].id],
            message: "2 organisations share the identifier GB-CHC-1090095".into(),
        }),
    ));

    rust.push((
        "SyncView",
        keys(&SyncView {
            state: "synced".into(),
            last_sync: Some("14:05".into()),
            waiting: 0,
            reason: None,
            received: 0,
            server: None,
            user: None,
            role: None,
            token_kept: None,
            clock: None,
            notices: Vec::new(),
        }),
    ));

    // The states the indicator words are written for are the states the worker sends.
    let union = source
        .lines()
        .find(|l| l.trim_start().starts_with("state: \"not enrolled\""))
        .expect("api.ts's SyncView lists its states");
    let listed: BTreeSet<&str> = union.split('"').skip(1).step_by(2).collect();
    assert_eq!(listed, crate::sync::STATES.into_iter().collect());

    for (name, expected) in rust {
        let found = ts
            .get(name)
            .unwrap_or_else(|| panic!("ui/src/api.ts has no interface {name}"));
        assert_eq!(found, &expected, "interface {name} in ui/src/api.ts");
    }
}

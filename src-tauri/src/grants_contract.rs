//! Keeps ui/src/grants/api.ts honest, as voting_contract.rs does for voting/api.ts: real
//! values from a demo database (its round with scores, moderation, decisions and approved
//! letters) and the shell's own grants types must carry exactly the keys the TypeScript
//! interfaces name, down to the object types written inline and the tagged unions.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Serialize;
use trellis_core::grants::allocation::LineOutcome;
use trellis_core::grants::alpha::{Alpha, Undefined};
use trellis_core::grants::decision::{DecisionInput, Outcome};
use trellis_core::grants::moderation::Flag;
use trellis_core::letter::{Delivery, LetterState, OutcomeKind};
use trellis_store::{FactConflict, FactKind, RivalView, Store};
use uuid::Uuid;

use crate::grants::{LettersExport, LongSentence};
use crate::ui_contract::interfaces;

fn keys(value: &impl Serialize) -> BTreeSet<String> {
    let json = serde_json::to_value(value).unwrap();
    json.as_object()
        .unwrap_or_else(|| panic!("expected an object, got {json}"))
        .keys()
        .cloned()
        .collect()
}

/// A union member's keys, its tag written `tag=value` so a renamed variant fails too.
fn tagged(value: &impl Serialize, tag: &str) -> BTreeSet<String> {
    let json = serde_json::to_value(value).unwrap();
    let name = json[tag]
        .as_str()
        .unwrap_or_else(|| panic!("{json} has no {tag} tag"));
    let mut out = keys(value);
    out.remove(tag);
    out.insert(format!("{tag}={name}"));
    out
}

/// The key set of a value that a TypeScript type writes as one object literal.
fn one(value: &impl Serialize) -> BTreeSet<BTreeSet<String>> {
    BTreeSet::from([keys(value)])
}

/// The type after `field:` on its line inside `export interface {interface}`.
fn field_type<'a>(source: &'a str, interface: &str, field: &str) -> &'a str {
    let head = format!("export interface {interface} ");
    source
        .lines()
        .skip_while(|l| !l.starts_with(&head))
        .skip(1)
        .take_while(|l| !l.starts_with('}'))
        .find_map(|l| l.trim().strip_prefix(field)?.strip_prefix(':'))
        .unwrap_or_else(|| panic!("{interface} in ui/src/grants/api.ts has no field {field}"))
}

/// The text after `=` of `export type {name} = ...;`, which may run over several lines.
fn alias(source: &str, name: &str) -> String {
    let head = format!("export type {name} =");
    let mut text = String::new();
    for line in source.lines().skip_while(|l| !l.starts_with(&head)) {
        text.push_str(line.trim_start_matches(&head));
        if line.trim_end().ends_with(';') {
            return text;
        }
    }
    panic!("ui/src/grants/api.ts has no type {name}")
}

/// Where api.ts writes an object type inline: `Interface.field` for a field, `type Name`
/// for an alias.
fn inline_literals(source: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut interface = None;
    let mut alias: Option<(&str, String)> = None;
    for line in source.lines() {
        if let Some(rest) = line.strip_prefix("export interface ") {
            interface = rest.split_whitespace().next();
        } else if line.starts_with('}') {
            interface = None;
        } else if let Some(name) = interface {
            if let Some((field, ty)) = line.split_once(':') {
                if ty.contains('{') {
                    out.insert(format!("{name}.{}", field.trim().trim_end_matches('?')));
                }
            }
        }
        if let Some(rest) = line.strip_prefix("export type ") {
            let name = rest.split_whitespace().next().unwrap_or_default();
            alias = Some((name, String::new()));
        }
        if let Some((name, text)) = &mut alias {
            text.push_str(line);
            if line.trim_end().ends_with(';') {
                if text.contains('{') {
                    out.insert(format!("type {name}"));
                }
                alias = None;
            }
        }
    }
    out
}

/// One key set per `{ ... }` object literal in a TypeScript type (so one per union
/// member); a key whose type is one string literal is its tag, written `tag=value`.
fn literals(ty: &str) -> BTreeSet<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    let mut rest = ty;
    while let Some(start) = rest.find('{') {
        let end = start + rest[start..].find('}').expect("an object literal ends");
        let body = &rest[start + 1..end];
        // Nested literals would need a real parser; none exist yet, so refuse rather than
        // misread one.
        assert!(!body.contains('{'), "nested object literal in {ty}");
        out.insert(
            body.split(';')
                .filter_map(|member| member.split_once(':'))
                .map(|(key, ty)| {
                    let key = key.trim().trim_end_matches('?');
                    let ty = ty.trim();
                    match ty.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
                        Some(tag) if !tag.contains('"') => format!("{key}={tag}"),
                        _ => key.to_string(),
                    }
                })
                .collect(),
        );
        rest = &rest[end + 1..];
    }
    out
}

#[test]
fn grants_api_ts_matches_the_json_the_shell_sends() {
    let source = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/grants/api.ts"),
    )
    .unwrap();
    let ts = interfaces(&source);

    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("t.sqlite3")).unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    store.load_demo(today).unwrap();

    let round = store.rounds().unwrap().pop().expect("the demo has a round");
    let apps = store.applications(round.id).unwrap();
    // The demo attaches no files and sends no letter, so the test does both through the
    // store, as the screens would, rather than build the views by hand.
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "what we talked about").unwrap();
    store.attach_file(apps[0].id, &file).unwrap();
    let app = store.application(apps[0].id).unwrap();
    let letters = store.round_letters_and_withdrawn(round.id).unwrap();
    store
        .mark_letter(
            letters[0].id,
            LetterState::Sent,
            today,
            Some(Delivery::Post),
        )
        .unwrap();
    let letter = store.letter(letters[0].id).unwrap();

    let members = store.panel_members().unwrap();
    let sheet = apps
        .iter()
        .flat_map(|a| members.iter().map(move |m| (a.id, m.id)))
        .flat_map(|(a, m)| store.score_sheets(a, m).unwrap())
        .find(|s| s.submitted && s.total.is_some())
        .expect("the demo has a submitted score sheet");
    let supported = apps
        .iter()
        .find(|a| !a.support.is_empty())
        .expect("the demo logs bid-writing support");
    let declared = apps
        .iter()
        .find(|a| !a.declarations.is_empty())
        .expect("the demo has declarations");
    let agreed = apps
        .iter()
        .find_map(|a| a.agreed.as_ref())
        .expect("the demo agrees scores");
    let agreed_total = apps.iter().find_map(|a| a.agreed_total.as_ref()).unwrap();
    let decision = apps
        .iter()
        .find_map(|a| a.decision.as_ref())
        .expect("the demo records decisions");
    let moderation = store.moderation(round.id).unwrap();
    let moderated = &moderation.applications[0];
    let allocation = store.allocation(round.id).unwrap();
    let numbers = store.round_numbers(round.id).unwrap();
    let template = store.letter_template(OutcomeKind::Funded).unwrap();
    let content = &letter.latest().content;

    // Only a sync between two laptops makes a conflict, which the demo cannot.
    let conflict = FactConflict {
        kind: FactKind::Scores,
        application_id: app.id,
        organisation_name: app.organisation_name.clone(),
        assessor_id: Some(members[0].id),
        assessor_name: Some(members[0].name.clone()),
        rivals: vec![RivalView {
            id: Uuid::nil(),
            standing: true,
            summary: String::new(),
        }],
        message: String::new(),
    };

    let checks: Vec<(&str, BTreeSet<String>)> = vec![
        ("LetterTemplate", keys(&template)),
        ("Criterion", keys(&round.fields.rubric.criteria[0])),
        ("RoundView", keys(&round)),
        ("PanelMember", keys(&members[0])),
        ("Score", keys(&sheet.scores[0])),
        ("WeightedTotal", keys(agreed_total)),
        ("Decision", keys(decision)),
        ("Attachment", keys(&app.attachments[0])),
        ("ApplicationSummary", keys(&app)),
        ("FactConflict", keys(&conflict)),
        ("SheetView", keys(&sheet)),
        ("CriterionRow", keys(&moderated.criteria[0])),
        ("ApplicationModeration", keys(moderated)),
        ("ModerationReport", keys(&moderation)),
        ("AllocationLine", keys(&allocation.allocation.lines[0])),
        ("AllocationView", keys(&allocation)),
        ("DecisionInput", keys(&DecisionInput::default())),
        ("RoundNumbers", keys(&numbers)),
        ("CriterionFeedback", keys(&content.criteria[0])),
        ("LetterContent", keys(content)),
        ("LetterView", keys(&letter)),
        (
            "LettersExport",
            keys(&LettersExport {
                folder: String::new(),
                count: 0,
                files: Vec::new(),
                waiting: Vec::new(),
            }),
        ),
        (
            "LongSentence",
            keys(&LongSentence {
                sentence: String::new(),
                words: 0,
            }),
        ),
    ];
    let checked: BTreeSet<&str> = checks.iter().map(|(name, _)| *name).collect();
    let declared_in_ts: BTreeSet<&str> = ts.keys().map(String::as_str).collect();
    assert_eq!(
        declared_in_ts, checked,
        "every interface in ui/src/grants/api.ts is checked here"
    );
    // Every difference is collected before failing, so one run names them all.
    let mut wrong = Vec::new();
    for (name, expected) in checks {
        if ts[name] != expected {
            wrong.push(format!(
                "interface {name}: api.ts names {:?}, the shell sends {expected:?}",
                ts[name]
            ));
        }
    }

    // A new variant in Rust stops this compiling, so the unions below get it too.
    fn _every_variant(o: &Outcome, f: &Flag, a: &Alpha, l: &LineOutcome) {
        let (Outcome::Funded { .. } | Outcome::NotFunded | Outcome::Waitlisted) = o;
        let (Flag::Disagreement { .. } | Flag::Outlier { .. }) = f;
        let (Alpha::Defined { .. } | Alpha::Undefined { .. }) = a;
        let (LineOutcome::Funded | LineOutcome::DoesNotFit { .. } | LineOutcome::NotReached) = l;
    }
    let inline: Vec<(&str, String, BTreeSet<BTreeSet<String>>)> = vec![
        (
            "type Outcome",
            alias(&source, "Outcome"),
            [
                Outcome::Funded {
                    amount_gbp: 1,
                    conditions: String::new(),
                },
                Outcome::NotFunded,
                Outcome::Waitlisted,
            ]
            .iter()
            .map(|o| tagged(o, "kind"))
            .collect(),
        ),
        (
            "type Flag",
            alias(&source, "Flag"),
            [
                Flag::Disagreement {
                    criterion_id: String::new(),
                    spread: 0,
                    threshold: 0.0,
                },
                Flag::Outlier {
                    assessor_id: Uuid::nil(),
                    weighted_total: 0.0,
                    others_mean: 0.0,
                    threshold: 0.0,
                },
            ]
            .iter()
            .map(|f| tagged(f, "flag"))
            .collect(),
        ),
        (
            "ModerationReport.alpha",
            field_type(&source, "ModerationReport", "alpha").to_string(),
            [
                Alpha::Defined {
                    value: 0.5,
                    pairable_values: 2,
                },
                Alpha::Undefined {
                    reason: Undefined::NoVariation,
                },
            ]
            .iter()
            .map(|a| tagged(a, "status"))
            .collect(),
        ),
        (
            "AllocationLine.outcome",
            field_type(&source, "AllocationLine", "outcome").to_string(),
            [
                LineOutcome::Funded,
                LineOutcome::DoesNotFit { remaining_gbp: 1 },
                LineOutcome::NotReached,
            ]
            .iter()
            .map(|l| tagged(l, "outcome"))
            .collect(),
        ),
        (
            "RoundView.rubric",
            field_type(&source, "RoundView", "rubric").to_string(),
            one(&round.fields.rubric),
        ),
        (
            "ApplicationSummary.support",
            field_type(&source, "ApplicationSummary", "support").to_string(),
            one(&supported.support[0]),
        ),
        (
            "ApplicationSummary.declarations",
            field_type(&source, "ApplicationSummary", "declarations").to_string(),
            one(&declared.declarations[0]),
        ),
        (
            "ApplicationSummary.agreed",
            field_type(&source, "ApplicationSummary", "agreed").to_string(),
            one(agreed),
        ),
        (
            "FactConflict.rivals",
            field_type(&source, "FactConflict", "rivals").to_string(),
            one(&conflict.rivals[0]),
        ),
        (
            "ApplicationModeration.assessors",
            field_type(&source, "ApplicationModeration", "assessors").to_string(),
            one(&moderated.assessors[0]),
        ),
        (
            "LetterView.versions",
            field_type(&source, "LetterView", "versions").to_string(),
            one(letter.latest()),
        ),
        (
            "LetterView.states",
            field_type(&source, "LetterView", "states").to_string(),
            one(&letter.states[0]),
        ),
    ];
    let labels: BTreeSet<String> = inline.iter().map(|(what, ..)| what.to_string()).collect();
    assert_eq!(
        inline_literals(&source),
        labels,
        "every object type written inline in ui/src/grants/api.ts is checked here"
    );
    for (what, ty, expected) in inline {
        let found = literals(&ty);
        if found != expected {
            wrong.push(format!(
                "{what}: api.ts names {found:?}, the shell sends {expected:?}"
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "ui/src/grants/api.ts differs from the JSON the shell sends:\n{}",
        wrong.join("\n")
    );
}

//! `trellis letter|letters`, and `org prefer`: feedback letters from draft to printed
//! PDF. The glue between the store's approved letter text and `trellis-letters` (assets,
//! approved letter to PDF, the atomic batch) is `trellis-print`, shared with the app.

use std::path::Path;

use anyhow::{bail, Context};
use chrono::NaiveDate;
use serde_json::Value;
use trellis_core::letter::{
    template_warnings, Delivery, LetterContent, LetterState, OutcomeKind, Template,
};
use trellis_core::settings;
use trellis_letters::Layout;
use trellis_print::{approved_letter, write_batch, Press, PrintError};
use trellis_store::{Store, StoreError};

use crate::args::{LetterCommand, LettersCommand, TemplateCommand};

pub fn prefer(store: &mut Store, organisation: &str, large_print: bool) -> anyhow::Result<()> {
    let id = store.resolve_organisation(organisation)?;
    store.set_large_print(id, large_print)?;
    println!(
        "letters to {organisation} will be in {}",
        if large_print {
            "large print"
        } else {
            "standard print"
        }
    );
    Ok(())
}

fn print_content(c: &LetterContent) {
    for l in &c.recipient {
        println!("  {l}");
    }
    println!();
    println!("  {}", c.salutation);
    println!("  {}", c.heading);
    let mut n = 0;
    for p in &c.paragraphs {
        n += 1;
        println!("  [{n}] {p}");
    }
    for r in &c.criteria {
        println!("  | {} | {} | {}", r.criterion, r.score_words, r.comments);
    }
    for p in &c.closing_paragraphs {
        n += 1;
        println!("  [{n}] {p}");
    }
    for l in &c.sign_off {
        println!("  {l}");
    }
    for (s, words) in c.long_sentences() {
        println!("  warning: {words} words (keep sentences to 25 or fewer): {s}");
    }
}

/// Replaces paragraph N (from 1, through the paragraphs before the table and then after).
fn replace_paragraph(c: &mut LetterContent, spec: &str) -> anyhow::Result<()> {
    let Some((n, text)) = spec.split_once('=') else {
        bail!("{spec:?}: write --paragraph N=TEXT, for example --paragraph 2=\"Thank you.\"");
    };
    let n: usize = n
        .trim()
        .parse()
        .ok()
        .filter(|n| *n >= 1)
        .with_context(|| format!("{n:?} is not a paragraph number (1, 2, ...)"))?;
    let before = c.paragraphs.len();
    let total = before + c.closing_paragraphs.len();
    let text = text.trim().to_string();
    if n <= before {
        c.paragraphs[n - 1] = text;
    } else if n <= total {
        c.closing_paragraphs[n - 1 - before] = text;
    } else {
        bail!("the letter has {total} paragraphs; there is no paragraph {n}");
    }
    Ok(())
}

pub fn letter(store: &mut Store, cmd: LetterCommand, today: NaiveDate) -> anyhow::Result<()> {
    match cmd {
        LetterCommand::Draft {
            round,
            application: Some(app),
        } => {
            let round = store.resolve_round(&round)?;
            if store.application(app)?.round_id != round {
                bail!("application {app} is not in that round");
            }
            let id = store.draft_letter(app)?;
            println!("drafted {id}");
        }
        LetterCommand::Draft {
            round,
            application: None,
        } => {
            let round = store.resolve_round(&round)?;
            let report = store.draft_round_letters(round)?;
            for (id, name) in &report.drafted {
                println!("drafted {id}  {name}");
            }
            for name in &report.undecided {
                println!("no decision yet, no letter: {name}");
            }
            println!(
                "{} drafted, {} already had a letter, {} waiting for a decision",
                report.drafted.len(),
                report.already,
                report.undecided.len()
            );
        }
        LetterCommand::Show {
            letter,
            json,
            content,
        } => {
            let view = store.letter(letter)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&view)?);
            } else if content {
                println!("{}", serde_json::to_string_pretty(&view.latest().content)?);
            } else {
                println!("letter {} to {}", view.id, view.organisation_name);
                println!("  state     {}", view.status.code());
                println!(
                    "  outcome   {}",
                    view.outcome.map(|o| o.code()).unwrap_or("-")
                );
                println!(
                    "  print     {}",
                    if view.large_print {
                        "large"
                    } else {
                        "standard"
                    }
                );
                for v in &view.versions {
                    println!(
                        "  version {}  {}",
                        v.version,
                        v.approved_on
                            .map(|d| format!("approved {d}"))
                            .unwrap_or_else(|| "draft".into())
                    );
                }
                for s in &view.states {
                    println!(
                        "  {} {} (version {}){}",
                        s.state.code(),
                        s.date,
                        s.version,
                        s.how
                            .map(|h| format!(" by {}", h.code()))
                            .unwrap_or_default()
                    );
                }
                if let Some(why) = &view.withdrawn {
                    println!("  withdrawn ({why})");
                }
                for c in &view.conflicts {
                    println!("  to settle: {c}");
                }
                println!();
                print_content(&view.latest().content);
            }
        }
        LetterCommand::Edit {
            letter,
            file,
            paragraphs,
        } => {
            let content: LetterContent = match file {
                Some(path) => {
                    let text = std::fs::read_to_string(&path)
                        .with_context(|| format!("reading {}", path.display()))?;
                    serde_json::from_str(&text).with_context(|| {
                        format!(
                            "{} is not a letter's text; start from `trellis letter show {letter} --content`",
                            path.display()
                        )
                    })?
                }
                None => {
                    let mut c = store.letter(letter)?.latest().content.clone();
                    for spec in &paragraphs {
                        replace_paragraph(&mut c, spec)?;
                    }
                    c
                }
            };
            let version = store.edit_letter(letter, &content)?;
            println!("saved version {version}");
            for (s, words) in content.long_sentences() {
                println!("warning: {words} words (keep sentences to 25 or fewer): {s}");
            }
        }
        LetterCommand::Approve { letter } => {
            let version = store.approve_letter(letter, today)?;
            println!("approved version {version}, dated {today}");
        }
        LetterCommand::Withdraw { letter, reason, by } => {
            store.withdraw_letter(letter, &reason, &by)?;
            println!("withdrew {letter}; it is kept but will not be printed");
        }
        LetterCommand::Render {
            letter,
            out,
            large_print,
        } => {
            let view = store.letter(letter)?;
            let l = approved_letter(&view).map_err(with_hint)?;
            let press = Press::load(&store.settings()?)?;
            let layout = Layout {
                large_print: large_print || view.large_print,
            };
            let bytes = press.render(&l, &layout)?;
            trellis_letters::write_atomically(&out, &bytes)?;
            println!("wrote {}", out.display());
        }
        LetterCommand::MarkPrinted { letter, date } => {
            let v = store.mark_letter(letter, LetterState::Printed, date.unwrap_or(today), None)?;
            println!("version {v} marked printed");
        }
        LetterCommand::MarkSent { letter, how, date } => {
            let how = Delivery::parse(&how).map_err(StoreError::from)?;
            let v =
                store.mark_letter(letter, LetterState::Sent, date.unwrap_or(today), Some(how))?;
            println!("version {v} marked sent by {}", how.code());
        }
        LetterCommand::Template(TemplateCommand::Show { kind }) => {
            let kind = OutcomeKind::parse(&kind).map_err(StoreError::from)?;
            println!(
                "{}",
                serde_json::to_string_pretty(&store.letter_template(kind)?)?
            );
        }
        LetterCommand::Template(TemplateCommand::Set { kind, file }) => {
            let kind = OutcomeKind::parse(&kind).map_err(StoreError::from)?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let template: Template = serde_json::from_str(&text).with_context(|| {
                format!(
                    "{} is not a letter template; start from `trellis letter template show {}`",
                    file.display(),
                    kind.code()
                )
            })?;
            store.set_letter_template(kind, &template)?;
            println!("saved the {} template", kind.code());
            for (section, s, words) in template_warnings(&template) {
                println!("warning: {section}: {words} words (keep sentences to 25 or fewer): {s}");
            }
        }
        LetterCommand::Letterhead {
            programme,
            lines,
            sign_off,
        } => {
            let mut values = Vec::new();
            if let Some(p) = programme {
                values.push((settings::PROGRAMME_NAME, Value::from(p)));
            }
            if !lines.is_empty() {
                values.push((settings::LETTERHEAD_ADDRESS, Value::from(lines)));
            }
            if let Some(s) = sign_off {
                values.push((settings::LETTER_SIGN_OFF, Value::from(s)));
            }
            store.set_settings(&values)?;
            let s = store.settings()?;
            println!("{}", s.programme_name);
            for l in &s.letterhead_address {
                println!("{l}");
            }
            println!("signed: {}", s.letter_sign_off);
        }
    }
    Ok(())
}

pub fn letters(store: &Store, cmd: LettersCommand) -> anyhow::Result<()> {
    match cmd {
        LettersCommand::List { round, json } => {
            let round = store.resolve_round(&round)?;
            let list = store.round_letters(round)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                for l in &list {
                    println!(
                        "{}  {:<9} v{}  {}",
                        l.id,
                        l.status.code(),
                        l.latest().version,
                        l.organisation_name
                    );
                    for c in &l.conflicts {
                        println!("    to settle: {c}");
                    }
                }
                println!("{} letters", list.len());
            }
        }
        LettersCommand::Render {
            round,
            out,
            combined,
            large_print,
            open,
        } => {
            let round = store.resolve_round(&round)?;
            // Everything is laid out before anything is written, so an error leaves the
            // output folder as it was.
            let batch = trellis_print::render_round(store, round, large_print, combined.is_some())
                .map_err(with_hint)?;
            let files = batch.files;
            let combined_bytes = batch.combined;
            let waiting = batch.waiting;
            write_batch(&out, &files)?;
            println!("wrote {} letters to {}", files.len(), out.display());
            if let (Some(path), Some(bytes)) = (&combined, &combined_bytes) {
                trellis_letters::write_atomically(path, bytes)?;
                println!("wrote the combined print file {}", path.display());
                if open {
                    open_in_viewer(path);
                }
            }
            for name in &waiting {
                println!("not approved yet, not rendered: {name}");
            }
        }
    }
    Ok(())
}

/// The library's messages, with the command that fixes them.
fn with_hint(e: PrintError) -> anyhow::Error {
    match e {
        PrintError::NotApproved { id, .. } => {
            anyhow::anyhow!("{e}; approve it with `trellis letter approve {id}`")
        }
        PrintError::NoneApproved => {
            anyhow::anyhow!("{e}; approve them with `trellis letter approve ID`")
        }
        e => e.into(),
    }
}

/// Hands a file to the system's viewer without waiting for it; a failure is reported, not
/// an error (the file is already written).
fn open_in_viewer(path: &Path) {
    let mut cmd = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    if let Err(e) = cmd.arg(path).spawn() {
        println!(
            "could not open {} in a viewer ({e}); open it yourself to print",
            path.display()
        );
    }
}

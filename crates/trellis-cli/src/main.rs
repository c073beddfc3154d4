//! `trellis`: the command line over the same store as the desktop app.

mod args;
mod grants;
mod letters;
mod orgs;
mod report;
mod sync;
mod voting;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use trellis_store::{Store, StoreError};

use args::{Cli, Command};

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            report::error(&err);
            match err.downcast_ref::<StoreError>() {
                Some(StoreError::Invalid(_)) => ExitCode::from(2),
                _ => ExitCode::FAILURE,
            }
        }
    }
}

/// `trellis org list | head` closes our stdout early. Rust ignores SIGPIPE, so the next
/// `println!` would panic ("failed printing to stdout"); with the default action the
/// process ends quietly the moment the reader has gone, as Unix tools do (status 141 in
/// a shell). Sockets are unaffected: the standard library writes to them with
/// MSG_NOSIGNAL (Linux) or SO_NOSIGPIPE (macOS), so a closed server connection is still
/// an error the sync command reports.
#[cfg(unix)]
fn quiet_on_closed_pipe() {
    // SAFETY: called first thing in main, before any other thread exists, and SIG_DFL is
    // a valid disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Windows has no SIGPIPE; a closed pipe there is an error like any other.
#[cfg(not(unix))]
fn quiet_on_closed_pipe() {}

fn db_path(cli: &Cli) -> anyhow::Result<PathBuf> {
    match &cli.db {
        Some(p) => Ok(p.clone()),
        None => Ok(trellis_store::default_db_path()?),
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let path = db_path(&cli)?;
    let today = cli.today();
    match &cli.command {
        Command::Doctor { json } => {
            let store = Store::inspect(&path)?;
            let report = store.doctor()?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                report::doctor(&report);
            }
            return Ok(if report.healthy() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            });
        }
        Command::Export { out } => {
            let store = Store::inspect(&path)?;
            let text = store.export_json()?;
            match out {
                Some(file) => write_new_file(file, &text)?,
                None => print!("{text}"),
            }
            return Ok(ExitCode::SUCCESS);
        }
        Command::Backup { dest } => {
            let store = Store::open(&path)?;
            store.backup_to(dest)?;
            println!("backed up {} to {}", path.display(), dest.display());
            return Ok(ExitCode::SUCCESS);
        }
        _ => {}
    }
    let mut store = Store::open(&path)?;
    trellis_sync::client::limit_to_enrolled_role(&mut store);
    match cli.command {
        Command::Init => {
            println!("database   {}", store.path().display());
            println!("schema     {}", store.schema_version()?);
            println!("device     {}", store.device_id());
        }
        Command::Demo => {
            let s = store.load_demo(today)?;
            println!(
                "loaded demo programme: {} organisations, {} meetings, {} issues, {} contacts, a topic ballot with {} votes, a funding round with {} applications",
                s.organisations, s.meetings, s.issues, s.contacts, s.votes, s.applications
            );
        }
        Command::Org(cmd) => orgs::org(&mut store, cmd, today)?,
        Command::Contact(cmd) => orgs::contact(&mut store, cmd, today)?,
        Command::Issue(cmd) => voting::issue(&mut store, cmd)?,
        Command::Meeting(cmd) => voting::meeting(&mut store, cmd)?,
        Command::Ballot(cmd) => voting::ballot(&mut store, cmd)?,
        Command::Vote(cmd) => voting::vote(&mut store, cmd)?,
        Command::Round(cmd) => grants::round(&mut store, cmd)?,
        Command::Rubric(cmd) => grants::rubric(&store, cmd)?,
        Command::Application(cmd) => grants::application(&mut store, cmd, today)?,
        Command::Panel(cmd) => grants::panel(&mut store, cmd)?,
        Command::Assign {
            application,
            assessor,
        } => {
            let who = store.resolve_member(&assessor)?;
            store.assign(application, who)?;
            println!("assigned");
        }
        Command::Conflict(cmd) => grants::conflict(&mut store, cmd)?,
        Command::Score(cmd) => grants::score(&mut store, cmd)?,
        Command::Moderation(cmd) => grants::moderation(&mut store, cmd)?,
        Command::Decision(cmd) => grants::decision(&mut store, cmd)?,
        Command::Letter(cmd) => letters::letter(&mut store, cmd, today)?,
        Command::Letters(cmd) => letters::letters(&store, cmd)?,
        Command::Enrol { server, code } => sync::enrol(&store, &server, &code)?,
        Command::Sync { command } => return sync::sync(&mut store, command),
        Command::Doctor { .. } | Command::Export { .. } | Command::Backup { .. } => {}
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes a file that must not exist yet, via a temporary file, so a crash never leaves
/// half an export behind and nothing is overwritten.
fn write_new_file(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
    if path.exists() {
        anyhow::bail!("{} already exists; choose a new file name", path.display());
    }
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))?;
    Ok(())
}

//! `trellis enrol` and `trellis sync [status]`.

use std::process::ExitCode;

use trellis_store::Store;
use trellis_sync::client::{self, SyncError};

use crate::args::SyncCommand;

pub fn enrol(store: &Store, server: &str, code: &str) -> anyhow::Result<()> {
    let (creds, path) = client::enrol(store, server, code)?;
    println!(
        "enrolled device {} as {} ({}) with {}",
        store.device_id(),
        creds.user,
        creds.role,
        creds.server
    );
    println!("{}", creds.token_kept(store.path()));
    println!("sync settings: {}", path.display());
    Ok(())
}

pub fn sync(store: &mut Store, command: Option<SyncCommand>) -> anyhow::Result<ExitCode> {
    match command {
        None => match client::sync(store) {
            Ok(report) => {
                if let Some(c) = &report.continued {
                    println!(
                        "this database was restored from a backup or copied from another laptop: it now syncs as a new device ({}), and its {} unsent changes were sent again under it",
                        c.new_device, c.moved
                    );
                }
                if report.restamped > 0 {
                    println!(
                        "this laptop's clock was put right: {} waiting changes were stamped again",
                        report.restamped
                    );
                }
                println!(
                    "synced: sent {} changes, received {}; nothing waiting",
                    report.pushed, report.pulled
                );
                if report.set_aside > 0 {
                    println!(
                        "{} of this laptop's changes were refused by the server and set aside: see trellis sync status",
                        report.set_aside
                    );
                }
                if report.quarantined > 0 {
                    println!(
                        "{} received changes cannot be applied here yet and wait: see trellis sync status",
                        report.quarantined
                    );
                }
                if let Some(clock) = &report.clock {
                    println!("warning: {clock}");
                }
                Ok(ExitCode::SUCCESS)
            }
            Err(e @ SyncError::Offline { .. }) => {
                let waiting = store.sync_state()?.waiting;
                eprintln!("offline: {e} ({waiting} changes waiting)");
                Ok(ExitCode::from(3))
            }
            Err(e) => Err(e.into()),
        },
        Some(SyncCommand::Status { json }) => {
            let status = client::status(store)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&status)?);
            } else {
                println!("state      {}", status.state);
                if let Some(server) = &status.server {
                    println!("server     {server}");
                }
                if let (Some(user), Some(role)) = (&status.user, &status.role) {
                    println!("user       {user} ({role})");
                }
                println!("waiting    {} changes", status.waiting);
                println!(
                    "last sync  {}",
                    status.last_sync.as_deref().unwrap_or("never")
                );
                if let Some(reason) = &status.reason {
                    println!("reason     {reason}");
                }
                if let Some(kept) = &status.token_kept {
                    println!("token      {kept}");
                }
                if let Some(clock) = &status.clock {
                    println!("clock      {clock}");
                }
                for c in &status.set_aside {
                    println!(
                        "set aside  change {} ({}) refused by the server on {}: {}",
                        c.device_seq, c.kind, c.at, c.reason
                    );
                }
                for q in &status.quarantined {
                    println!(
                        "waiting    change {} ({}) from laptop {}{}: {}",
                        q.device_seq,
                        q.kind,
                        q.device_id,
                        q.sent_by
                            .as_deref()
                            .map(|u| format!(" ({u})"))
                            .unwrap_or_default(),
                        q.reason
                    );
                }
                for r in &status.restored {
                    println!(
                        "restored   on {} this database carried on as device {} (was {}): {}",
                        r.at, r.new_device, r.old_device, r.reason
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

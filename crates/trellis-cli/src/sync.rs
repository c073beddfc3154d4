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
                println!(
                    "synced: sent {} changes, received {}; nothing waiting",
                    report.pushed, report.pulled
                );
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
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

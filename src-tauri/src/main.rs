//! The Trellis desktop app: a thin Tauri shell over trellis-store. See commands.rs.

// Release builds on Windows must not open a console window beside the app.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod attachments;
mod commands;
mod error;
mod events;
mod grants;
mod ipc;
mod sync;
mod voting;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use tauri::Manager;
use trellis_store::Store;

use crate::commands::AppState;

const NO_DISPLAY: &str = "Trellis needs a graphical display; on a server use the `trellis` command line, e.g. `trellis --help`";

/// On Linux, GTK aborts without a display; say what to do instead of panicking.
fn has_display() -> bool {
    if !cfg!(target_os = "linux") {
        return true;
    }
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|var| std::env::var_os(var).is_some_and(|v| !v.is_empty()))
}

/// `TRELLIS_DB` wins so tests and people with two programmes can pick a file; otherwise
/// the same path the `trellis` command line uses, so both see one database.
fn database_path() -> Result<PathBuf, String> {
    match std::env::var_os("TRELLIS_DB") {
        Some(path) if !path.is_empty() => Ok(PathBuf::from(path)),
        _ => trellis_store::default_db_path().map_err(|e| commands::describe_open_error(&e)),
    }
}

fn main() -> ExitCode {
    let started = Instant::now();
    if !has_display() {
        eprintln!("{NO_DISPLAY}");
        return ExitCode::from(2);
    }
    let exit_after_first_paint =
        std::env::var_os("TRELLIS_EXIT_AFTER_FIRST_PAINT").is_some_and(|v| v == "1");

    // A database that cannot be opened (corrupt, locked, from a newer Trellis) is reported
    // on stderr and on screen; the store never rewrites such a file.
    let db = database_path()
        .and_then(|path| Store::open(&path).map_err(|e| commands::describe_open_error(&e)))
        .map(|mut store| {
            trellis_sync::client::limit_to_enrolled_role(&mut store);
            store
        });
    if let Err(why) = &db {
        eprintln!("{why}");
    }
    // Background sync opens its own connection to the same file, so it needs the path.
    let sync_db = db.as_ref().ok().map(|store| store.path().to_path_buf());

    let result = tauri::Builder::default()
        .manage(AppState::new(
            db,
            started,
            exit_after_first_paint,
            sync::SyncHandle::new(),
        ))
        .on_window_event(voting::on_window_event)
        .register_asynchronous_uri_scheme_protocol(attachments::SCHEME, attachments::handle)
        .setup(move |app| {
            attachments::setup(app)?;
            let state = app.state::<AppState>();
            sync::start(app.handle(), state.sync(), sync_db);
            Ok(())
        })
        .invoke_handler(ipc::handler())
        .run(tauri::generate_context!());
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("Trellis could not start its window: {error}");
            ExitCode::FAILURE
        }
    }
}

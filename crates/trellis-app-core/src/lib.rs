//! The use cases the desktop app and the `trellis` command line share. Each is one
//! function over the store that returns what both need, so the shell's command and the
//! CLI's subcommand are only adapters: parse, call, map the error. A rule written in
//! src-tauri or trellis-cli instead of here (or below, in trellis-store and trellis-core)
//! is a bug: the two would drift, as vote casting and ballot creation once did.
//!
//! Errors are the store's own ([`trellis_store::StoreError`]): field errors keep the
//! field's label, and a missing record says which.

pub mod ballots;
pub mod scoring;
pub mod voters;
pub mod votes;

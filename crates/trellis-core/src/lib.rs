//! Trellis domain: the types every other crate shares and the pure rules over them.
//!
//! Architecture invariant: nothing in this crate does IO (no files, no SQL, no clock reads,
//! no network). Code lists are compiled in with `include_str!`; "now" and "today" are
//! always parameters, so every rule is a pure function that a unit test can pin down.

pub mod area;
pub mod ballot;
pub mod change;
pub mod contact;
pub mod dei;
pub mod grants;
pub mod hlc;
pub mod income;
pub mod invalid;
pub mod issue;
pub mod letter;
pub mod meeting;
pub mod op;
pub mod org_ref;
pub mod organisation;
pub mod postcode;
pub mod relationship;
pub mod roles;
pub mod settings;

pub use invalid::{FieldError, Invalid};

//! Turning what someone typed (an id, a name, a title) into one record: the rule every
//! `resolve_*` read shares, so "no such thing" and "which one?" read the same everywhere.

use trellis_core::Invalid;
use uuid::Uuid;

use crate::StoreError;

/// Exactly one match is the answer; none is "not found"; several ask for the id.
pub(crate) fn one_match(
    what: &'static str,
    field: &str,
    plural: &str,
    reference: &str,
    found: &[Uuid],
) -> Result<Uuid, StoreError> {
    match found {
        [one] => Ok(*one),
        [] => Err(StoreError::NotFound {
            what,
            id: reference.to_string(),
        }),
        _ => Err(Invalid::one(
            field,
            format!("{reference} matches {} {plural}; use the id", found.len()),
        )
        .into()),
    }
}

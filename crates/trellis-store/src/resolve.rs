//! Turning what someone typed (an id, a name, a title) into one record: the rule every
//! `resolve_*` read shares, so "no such thing" and "which one?" read the same everywhere.

use rusqlite::Connection;
use trellis_core::Invalid;
use uuid::Uuid;

use crate::decode::parse_uuid;
use crate::StoreError;

/// The records `sql` finds for the trimmed `reference` (bound as `?1`), then
/// [`one_match`] over them.
pub(crate) fn resolve_by_sql(
    conn: &Connection,
    sql: &str,
    what: &'static str,
    plural: &str,
    reference: &str,
) -> Result<Uuid, StoreError> {
    let reference = reference.trim();
    let ids: Vec<String> = conn
        .prepare(sql)?
        .query_map([reference], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let found = ids
        .iter()
        .map(|id| parse_uuid(id))
        .collect::<Result<Vec<_>, _>>()?;
    one_match(what, what, plural, reference, &found)
}

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

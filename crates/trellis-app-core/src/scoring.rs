//! A panel member's own scoring work.

use trellis_store::{ApplicationSummary, Store, StoreError};
use uuid::Uuid;

/// The applications `person` is assigned to score, as the scoring screen lists them.
pub fn assignments(store: &Store, person: Uuid) -> Result<Vec<ApplicationSummary>, StoreError> {
    store
        .viewer(person)?
        .assigned_to
        .iter()
        .map(|application| store.application(*application))
        .collect()
}

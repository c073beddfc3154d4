//! What committed changes touched, for the app to refresh what shows it: every local
//! write, batch and applied sync page records here, and only once its transaction has
//! committed, so a refused or rolled-back write never makes a screen read again for
//! nothing (nor a received vote go unnoticed by the projector).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use trellis_core::area::Area;
use trellis_core::op::Operation;
use uuid::Uuid;

use crate::Store;

/// The areas and ballots that committed changes touched since it was last taken
/// ([`Store::take_changed`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Changed {
    /// Every area a committed change wrote records in (`trellis_core::area::areas_of`).
    pub areas: BTreeSet<Area>,
    /// Ballots whose state or votes changed: created, opened or closed, revealed, tokens
    /// issued, a vote cast, voided or resolved, here or on another laptop.
    pub ballots: BTreeSet<Uuid>,
}

impl Changed {
    pub fn is_empty(&self) -> bool {
        self.areas.is_empty() && self.ballots.is_empty()
    }

    pub fn touches(&self, area: Area) -> bool {
        self.areas.contains(&area)
    }

    /// Adds what `other` touched.
    pub fn merge(&mut self, other: Changed) {
        self.areas.extend(other.areas);
        self.ballots.extend(other.ballots);
    }

    /// One written operation, with the ballot it touched if it was a ballot or vote.
    pub(crate) fn record(&mut self, op: &Operation, ballot: Option<Uuid>) {
        self.areas.extend(op.areas().iter().copied());
        self.ballots.extend(ballot);
    }
}

impl Store {
    /// What committed changes have touched since the last call, and forgets it: the app
    /// calls this after each command and each sync to know which screens to refresh.
    pub fn take_changed(&mut self) -> Changed {
        std::mem::take(&mut self.changed)
    }

    /// Adds a committed transaction's changes. Called only after `commit` succeeded.
    pub(crate) fn committed(&mut self, changed: Changed) {
        self.changed.merge(changed);
    }
}

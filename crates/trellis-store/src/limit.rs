//! What a laptop enrolled for sync may not make, because the server would refuse it and
//! every later change would wait behind it in the push (votes included). The rules are
//! the server's own, from trellis-core; this applies them before anything is written.

use trellis_core::op::{assessor_of, is_grants_kind, panel_may_make, Operation};
use uuid::Uuid;

use crate::{Store, StoreError};

/// What a laptop enrolled for sync may not make, because the server would refuse it and
/// every later change would wait behind it in the push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncLimit {
    /// A facilitator's laptop: no grants records (`trellis_core::op::is_grants_kind`).
    Facilitator,
    /// A panel member's laptop: scores and conflict declarations only as the panel
    /// member with this name (the enrolled user's name).
    Panel { name: String },
}

impl Store {
    /// From now on, refuses to make what `limit` forbids (this laptop's sync role may
    /// not send it); None lifts it. Changes received from the server are unaffected.
    pub fn limit_to(&mut self, limit: Option<SyncLimit>) {
        self.limit = limit;
    }

    /// The first of `ops` this laptop's limit forbids, with why.
    pub(crate) fn check_limit(&self, ops: &[Operation]) -> Result<(), (usize, StoreError)> {
        match &self.limit {
            None => Ok(()),
            Some(SyncLimit::Facilitator) => {
                match ops.iter().position(|op| is_grants_kind(op.kind())) {
                    None => Ok(()),
                    Some(i) => Err((
                        i,
                        StoreError::NotForRole {
                            role: "facilitator".into(),
                            kind: ops[i].kind().to_string(),
                        },
                    )),
                }
            }
            Some(SyncLimit::Panel { name }) => {
                if ops.iter().all(|op| assessor_of(op).is_none()) {
                    return Ok(());
                }
                // The ids this panel member scores as: as the server counts them, those
                // named for the user, including any named in this same batch.
                let mut mine = self.panel_member_ids_named(name).map_err(|e| (0, e))?;
                for (i, op) in ops.iter().enumerate() {
                    if let Operation::PanelMember { id, name: n, .. } = op {
                        if n == name {
                            mine.push(*id);
                        }
                    }
                    if !panel_may_make(op, &mine) {
                        return Err((
                            i,
                            StoreError::NotAsYou {
                                name: name.clone(),
                                kind: op.kind().to_string(),
                            },
                        ));
                    }
                }
                Ok(())
            }
        }
    }

    /// The demo holds a funding round and every panel member's scores: on a laptop
    /// limited to a role it is refused before any of it is written, rather than stopping
    /// half-way at the first record the role may not make.
    pub(crate) fn check_limit_for_demo(&self) -> Result<(), StoreError> {
        match &self.limit {
            None => Ok(()),
            Some(SyncLimit::Facilitator) => Err(StoreError::NotForRole {
                role: "facilitator".into(),
                kind: "round.create (the demo's funding round)".into(),
            }),
            Some(SyncLimit::Panel { name }) => Err(StoreError::NotAsYou {
                name: name.clone(),
                kind: "score.submit (the demo's other panel members' scores)".into(),
            }),
        }
    }

    fn panel_member_ids_named(&self, name: &str) -> Result<Vec<Uuid>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id FROM panel_member WHERE name = ?1")?;
        let ids = stmt
            .query_map([name], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        ids.iter()
            .map(|id| Uuid::parse_str(id).map_err(|e| StoreError::damaged("panel member id", e)))
            .collect()
    }
}

//! What a laptop enrolled for sync may not make, because the server would refuse it and
//! every later change would wait behind it in the push (votes included). The rules are
//! the server's own table, `trellis_core::roles`; this applies them before anything is
//! written.

use trellis_core::op::{panel_may_make, Operation};
use trellis_core::roles::{Push, Role};
use uuid::Uuid;

use crate::decode::uuid_of;
use crate::{Store, StoreError};

/// What a laptop enrolled for sync may not make, because the server would refuse it and
/// every later change would wait behind it in the push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncLimit {
    /// A facilitator's laptop: no grants records (`trellis_core::op::is_grants_kind`).
    Facilitator,
    /// A panel member's laptop: only scores, drafts and conflict declarations, each as
    /// the panel member with this name (the enrolled user's name).
    Panel { name: String },
}

impl SyncLimit {
    pub fn role(&self) -> Role {
        match self {
            SyncLimit::Facilitator => Role::Facilitator,
            SyncLimit::Panel { .. } => Role::Panel,
        }
    }
}

impl Store {
    /// From now on, refuses to make what `limit` forbids (this laptop's sync role may
    /// not send it); None lifts it. Changes received from the server are unaffected.
    pub fn limit_to(&mut self, limit: Option<SyncLimit>) {
        self.limit = limit;
    }

    /// The first of `ops` this laptop's limit forbids, with why.
    pub(crate) fn check_limit(&self, ops: &[Operation]) -> Result<(), (usize, StoreError)> {
        let Some(limit) = &self.limit else {
            return Ok(());
        };
        let role = limit.role();
        // The ids this panel member scores as, looked up only when a batch needs them.
        let mut mine: Option<Vec<Uuid>> = None;
        for (i, op) in ops.iter().enumerate() {
            match role.push(op.kind()) {
                Push::Allowed => {}
                Push::Refused => {
                    return Err((
                        i,
                        StoreError::NotForRole {
                            role: role.to_string(),
                            kind: op.kind().to_string(),
                        },
                    ))
                }
                Push::AsThemselves => {
                    let SyncLimit::Panel { name } = limit else {
                        continue;
                    };
                    if mine.is_none() {
                        mine = Some(self.panel_member_ids_named(name).map_err(|e| (i, e))?);
                    }
                    if !panel_may_make(op, mine.as_deref().unwrap_or_default()) {
                        return Err((
                            i,
                            StoreError::NotAsYou {
                                name: name.clone(),
                                kind: op.kind().to_string(),
                            },
                        ));
                    }
                }
            }
        }
        Ok(())
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
            .map(|id| uuid_of("panel member id", id))
            .collect()
    }
}

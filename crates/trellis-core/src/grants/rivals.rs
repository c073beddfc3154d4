//! Facts recorded for one thing on two laptops offline: which of them are rivals a person
//! must settle. Decisions and agreed scores for one application, and one assessor's
//! submitted scores for one application, are facts: every record is kept, and the one
//! that stands is the latest by `(hlc, device)`. That choice is deterministic but
//! arbitrary when two laptops recorded without seeing each other, so the rivals are named
//! until someone records again having seen them.
//!
//! Each record says what it replaces: the records its laptop showed as current when it was
//! made (`Some(ids)`). A record written before this field existed (`None`) replaces every
//! record earlier by clock, which was the rule then, so old data shows no new conflicts.
//! A record is current when no other record replaces it; two or more current records are
//! rivals. The answer depends only on the set of records, never on their arrival order.

use uuid::Uuid;

/// One recorded fact, as far as this rule needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactRecord {
    pub id: Uuid,
    /// The change's hybrid logical clock (fixed-width text: text order is clock order).
    pub hlc: String,
    pub device_id: String,
    /// What the laptop showed as current when this was recorded; `None` for records made
    /// before the field existed.
    pub replaces: Option<Vec<Uuid>>,
}

impl FactRecord {
    fn clock(&self) -> (&str, &str) {
        (&self.hlc, &self.device_id)
    }

    fn supersedes(&self, other: &FactRecord) -> bool {
        if self.id == other.id {
            return false;
        }
        match &self.replaces {
            Some(ids) => ids.contains(&other.id),
            None => self.clock() > other.clock(),
        }
    }
}

/// The records no other record replaces, in clock order. A new record made now should
/// replace all of these (the person was shown them).
pub fn current(records: &[FactRecord]) -> Vec<Uuid> {
    let mut open: Vec<&FactRecord> = records
        .iter()
        .filter(|r| !records.iter().any(|s| s.supersedes(r)))
        .collect();
    open.sort_by(|a, b| a.clock().cmp(&b.clock()).then(a.id.cmp(&b.id)));
    // The same record may arrive twice in a caller's list; name it once.
    let mut ids: Vec<Uuid> = Vec::new();
    for r in open {
        if !ids.contains(&r.id) {
            ids.push(r.id);
        }
    }
    ids
}

/// The rival records (two or more current ones, in clock order), or nothing when one
/// record stands unchallenged.
pub fn rivals(records: &[FactRecord]) -> Vec<Uuid> {
    let open = current(records);
    if open.len() > 1 {
        open
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(n: u128, hlc: &str, device: &str, replaces: Option<Vec<u128>>) -> FactRecord {
        FactRecord {
            id: Uuid::from_u128(n),
            hlc: hlc.to_string(),
            device_id: device.to_string(),
            replaces: replaces.map(|v| v.into_iter().map(Uuid::from_u128).collect()),
        }
    }

    fn ids(v: &[u128]) -> Vec<Uuid> {
        v.iter().copied().map(Uuid::from_u128).collect()
    }

    /// Every ordering of the records, so the answer is shown not to depend on arrival.
    fn permutations(records: &[FactRecord]) -> Vec<Vec<FactRecord>> {
        if records.len() <= 1 {
            return vec![records.to_vec()];
        }
        let mut out = Vec::new();
        for i in 0..records.len() {
            let mut rest = records.to_vec();
            let first = rest.remove(i);
            for mut p in permutations(&rest) {
                p.insert(0, first.clone());
                out.push(p);
            }
        }
        out
    }

    fn rivals_in_every_order(records: &[FactRecord]) -> Vec<Uuid> {
        let all = permutations(records);
        let first = rivals(&all[0]);
        for p in &all {
            assert_eq!(rivals(p), first, "order {p:?}");
            assert_eq!(current(p), current(&all[0]), "order {p:?}");
        }
        first
    }

    #[test]
    fn one_record_has_no_rivals() {
        assert!(rivals_in_every_order(&[rec(1, "a", "x", Some(vec![]))]).is_empty());
        assert!(rivals(&[]).is_empty());
    }

    #[test]
    fn a_record_made_after_seeing_another_replaces_it() {
        let r = [
            rec(1, "a", "x", Some(vec![])),
            rec(2, "b", "x", Some(vec![1])),
        ];
        assert!(rivals_in_every_order(&r).is_empty());
        assert_eq!(current(&r), ids(&[2]));
    }

    #[test]
    fn two_laptops_recording_without_seeing_each_other_are_rivals() {
        let r = [
            rec(1, "a", "x", Some(vec![])),
            rec(2, "b", "y", Some(vec![])),
        ];
        assert_eq!(rivals_in_every_order(&r), ids(&[1, 2]));
        // Both replacing the same earlier record is the same conflict.
        let r = [
            rec(1, "a", "x", Some(vec![])),
            rec(2, "b", "x", Some(vec![1])),
            rec(3, "c", "y", Some(vec![1])),
        ];
        assert_eq!(rivals_in_every_order(&r), ids(&[2, 3]));
    }

    #[test]
    fn a_record_made_after_seeing_both_rivals_settles_them() {
        let r = [
            rec(1, "a", "x", Some(vec![])),
            rec(2, "b", "y", Some(vec![])),
            rec(3, "c", "y", Some(vec![1, 2])),
        ];
        assert!(rivals_in_every_order(&r).is_empty());
        assert_eq!(current(&r), ids(&[3]));
    }

    #[test]
    fn a_record_that_saw_only_one_rival_leaves_the_conflict() {
        let r = [
            rec(1, "a", "x", Some(vec![])),
            rec(2, "b", "y", Some(vec![])),
            rec(3, "c", "x", Some(vec![1])),
        ];
        assert_eq!(rivals_in_every_order(&r), ids(&[2, 3]));
    }

    #[test]
    fn records_from_before_the_field_keep_the_latest_by_clock() {
        let r = [
            rec(1, "a", "x", None),
            rec(2, "b", "y", None),
            rec(3, "c", "x", None),
        ];
        assert!(rivals_in_every_order(&r).is_empty());
        assert_eq!(current(&r), ids(&[3]));
        // A new record that saw an old one replaces it; a rival beside it is named.
        let r = [
            rec(1, "a", "x", None),
            rec(2, "b", "y", Some(vec![1])),
            rec(3, "c", "x", Some(vec![1])),
        ];
        assert_eq!(rivals_in_every_order(&r), ids(&[2, 3]));
    }

    #[test]
    fn the_same_record_twice_is_one() {
        let a = rec(1, "a", "x", Some(vec![]));
        assert!(rivals(&[a.clone(), a]).is_empty());
    }
}

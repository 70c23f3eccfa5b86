//! The merge rule, pure: per field, the change with the highest HLC wins (the HLC carries the device
//! id, so ties between devices break the same way everywhere). Applying is commutative and
//! idempotent, so every replica that has seen the same changes holds the same values in any order,
//! any number of times. A value that loses is kept in the field's history, never silently dropped.
//! The store's executor applies these decisions to SQLite; this module decides.

use super::Hlc;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// One field change as it travels between devices.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    pub change_id: Uuid,
    pub table: String,
    pub row_id: Uuid,
    pub field: String,
    pub value: Value,
    pub hlc: Hlc,
    /// The user who made the change, when known (the server says; it plays no part in merging).
    pub author: Option<Uuid>,
}

/// Where a field lives.
pub type FieldKey = (String, Uuid, String);

impl FieldChange {
    pub fn key(&self) -> FieldKey {
        (self.table.clone(), self.row_id, self.field.clone())
    }
}

/// What a replica knows: the winning value of every field, the losers, and the change ids seen.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Replica {
    /// The winning value, its HLC and its change id (which breaks a tie no honest device makes).
    pub fields: BTreeMap<FieldKey, (Value, Hlc, Uuid)>,
    /// Values that lost, per field, ordered by their HLC and change id.
    pub history: BTreeMap<FieldKey, BTreeMap<(Hlc, Uuid), Value>>,
    pub seen: BTreeSet<Uuid>,
}

/// The decision for one incoming change against what the replica holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Already applied (same change id): nothing to do.
    Duplicate,
    /// Newer than the current value: it becomes the value; the old one goes to history.
    Wins,
    /// Older than the current value: it goes to history only.
    Loses,
}

/// Decides one change against the current (HLC, change id) of its field. Order is by HLC, then by
/// change id, so even two changes carrying the same HLC resolve the same way on every replica.
pub fn decide(seen: bool, incoming: (Hlc, Uuid), current: Option<(Hlc, Uuid)>) -> Decision {
    match (seen, current) {
        (true, _) => Decision::Duplicate,
        (false, Some(c)) if c == incoming => Decision::Duplicate,
        (false, Some(c)) if c > incoming => Decision::Loses,
        _ => Decision::Wins,
    }
}

impl Replica {
    /// Applies a batch in any order; returns the decisions in batch order.
    pub fn apply(&mut self, batch: &[FieldChange]) -> Vec<Decision> {
        batch
            .iter()
            .map(|c| {
                let key = c.key();
                let current = self.fields.get(&key).map(|(_, h, id)| (*h, *id));
                let d = decide(self.seen.contains(&c.change_id), (c.hlc, c.change_id), current);
                match d {
                    Decision::Duplicate => {}
                    Decision::Wins => {
                        let new = (c.value.clone(), c.hlc, c.change_id);
                        if let Some((old, old_hlc, old_id)) = self.fields.insert(key.clone(), new) {
                            self.history.entry(key).or_default().insert((old_hlc, old_id), old);
                        }
                    }
                    Decision::Loses => {
                        self.history.entry(key).or_default().insert((c.hlc, c.change_id), c.value.clone());
                    }
                }
                self.seen.insert(c.change_id);
                d
            })
            .collect()
    }

    /// Every value a field ever had here, oldest first: the losers and the current one, each with the
    /// change that carried it.
    pub fn all_values(&self, key: &FieldKey) -> Vec<((Hlc, Uuid), Value)> {
        let mut out: Vec<((Hlc, Uuid), Value)> =
            self.history.get(key).map(|h| h.iter().map(|(k, v)| (*k, v.clone())).collect()).unwrap_or_default();
        if let Some((v, h, id)) = self.fields.get(key) {
            out.push(((*h, *id), v.clone()));
        }
        out.sort_by_key(|a| a.0);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn change(n: u128, row: u128, field: &str, value: i64, ms: u64, counter: u32, node: u128) -> FieldChange {
        FieldChange {
            change_id: Uuid::from_u128(n),
            table: "customers".into(),
            row_id: Uuid::from_u128(row),
            field: field.into(),
            value: Value::from(value),
            hlc: Hlc { ms, counter, node: Uuid::from_u128(node) },
            author: None,
        }
    }

    #[test]
    fn the_later_clock_wins_and_the_loser_is_kept() {
        let mut r = Replica::default();
        let a = change(1, 7, "city", 1, 100, 0, 1);
        let b = change(2, 7, "city", 2, 200, 0, 2);
        assert_eq!(r.apply(&[b.clone(), a.clone()]), [Decision::Wins, Decision::Loses]);
        assert_eq!(r.fields[&a.key()].0, Value::from(2));
        assert_eq!(r.all_values(&a.key()).len(), 2);
        // Same millisecond and counter: the device id decides, the same way everywhere.
        let c = change(3, 7, "city", 3, 200, 0, 9);
        assert_eq!(r.apply(&[c.clone(), c]), [Decision::Wins, Decision::Duplicate]);
        assert_eq!(r.fields[&a.key()].0, Value::from(3));
    }

    #[test]
    fn a_clock_hours_ahead_wins_once_but_later_edits_observe_it() {
        // A replica whose wall clock is 3 hours ahead writes; the others observe its HLC, so their
        // next edits order after it instead of losing to it forever.
        let mut ahead = crate::sync::Clock::new(Uuid::from_u128(1), None);
        let mut honest = crate::sync::Clock::new(Uuid::from_u128(2), None);
        let now = 1_000_000;
        let skewed = ahead.tick(now + 3 * 3_600_000);
        honest.observe(skewed, now);
        let later = honest.tick(now + 1);
        assert!(later > skewed);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// Any order, any duplication, any split into batches: the same winners everywhere, and
        /// every value either wins or sits in history.
        #[test]
        fn replicas_converge_whatever_the_delivery(
            edits in proptest::collection::vec((0u128..3, 0usize..3, -5i64..5, 0u64..20, 0u32..3, 0u128..4), 1..40),
            shuffles in proptest::collection::vec(any::<u64>(), 2..5),
        ) {
            let fields = ["first_name", "city", "notes"];
            let changes: Vec<FieldChange> = edits
                .iter()
                .enumerate()
                .map(|(i, (row, f, v, ms, c, node))| change(1000 + i as u128, *row, fields[*f], *v, *ms, *c, *node))
                .collect();
            let mut replicas = Vec::new();
            for seed in &shuffles {
                let mut rng = fastrand::Rng::with_seed(*seed);
                let mut delivery = changes.clone();
                // Duplicate some changes, then shuffle and deliver in random batch sizes.
                for _ in 0..rng.usize(0..5) {
                    let dup = delivery[rng.usize(..delivery.len())].clone();
                    delivery.push(dup);
                }
                rng.shuffle(&mut delivery);
                let mut r = Replica::default();
                let mut rest = delivery.as_slice();
                while !rest.is_empty() {
                    let n = rng.usize(1..=rest.len());
                    r.apply(&rest[..n]);
                    rest = &rest[n..];
                }
                replicas.push(r);
            }
            for r in &replicas[1..] {
                prop_assert_eq!(&r.fields, &replicas[0].fields);
            }
            // Nothing is lost: every change's value is the winner or in history (distinct HLCs).
            let r = &replicas[0];
            for c in &changes {
                let values = r.all_values(&c.key());
                prop_assert!(values.iter().any(|(k, v)| *k == (c.hlc, c.change_id) && *v == c.value), "{:?} vanished", c);
            }
            // The winner holds the highest HLC among that field's changes.
            for (key, (_, h, id)) in &r.fields {
                let max = changes.iter().filter(|c| &c.key() == key).map(|c| (c.hlc, c.change_id)).max();
                prop_assert_eq!(Some((*h, *id)), max);
            }
        }
    }
}

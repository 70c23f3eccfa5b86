//! Planning, pure: how the outbox is cut into pushes and how a pulled page is grouped for applying.
//! The client's executor ([`crate::sync::client`]) does the I/O along these plans.

use super::Hlc;
use std::ops::Range;
use uuid::Uuid;

/// What the planner needs to know about one outbox change: the row it writes and the write it
/// came from (one local write stamps all its fields with one HLC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Planned<'a> {
    pub table: &'a str,
    pub row_id: Uuid,
    pub hlc: Hlc,
}

/// Cuts the outbox (in its order) into consecutive pushes of at most `max` changes, never
/// splitting the changes of one write of one row, so a new row always reaches the server whole
/// (the server places a row by fields such as `customer_id`). Only a single write larger than
/// `max` is split, at `max`.
pub fn push_batches(changes: &[Planned<'_>], max: usize) -> Vec<Range<usize>> {
    let max = max.max(1);
    let mut out = Vec::new();
    let mut start = 0;
    while start < changes.len() {
        let mut end = (start + max).min(changes.len());
        if end < changes.len() {
            // Step back to the first change of the write that straddles the cut.
            let mut cut = end;
            while cut > start && changes[cut - 1] == changes[cut] {
                cut -= 1;
            }
            if cut > start {
                end = cut;
            }
        }
        out.push(start..end);
        start = end;
    }
    out
}

/// Groups a batch by row, rows in order of first appearance, each row's changes in batch order:
/// the executor then reads and writes each row once.
pub fn group_by_row<T>(batch: &[T], key: impl Fn(&T) -> (&str, Uuid)) -> Vec<Vec<usize>> {
    let mut index: std::collections::HashMap<(&str, Uuid), usize, foldhash::fast::RandomState> =
        std::collections::HashMap::with_capacity_and_hasher(batch.len(), foldhash::fast::RandomState::default());
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, item) in batch.iter().enumerate() {
        let k = key(item);
        match index.get(&k) {
            Some(&g) => groups[g].push(i),
            None => {
                index.insert(k, groups.len());
                groups.push(vec![i]);
            }
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn planned(writes: &[(u8, u8)]) -> Vec<Planned<'static>> {
        // (row, fields) per write; consecutive writes get increasing clocks.
        let mut out = Vec::new();
        for (i, (row, n)) in writes.iter().enumerate() {
            for _ in 0..*n {
                out.push(Planned {
                    table: "customers",
                    row_id: Uuid::from_u128(u128::from(*row)),
                    hlc: Hlc { ms: i as u64, counter: 0, node: Uuid::nil() },
                });
            }
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]
        #[test]
        fn batches_cover_everything_in_order_and_keep_writes_whole(
            writes in proptest::collection::vec((0u8..5, 1u8..20), 0..60),
            max in 1usize..40,
        ) {
            let changes = planned(&writes);
            let batches = push_batches(&changes, max);
            // Consecutive, complete, never empty, never above max.
            let mut next = 0;
            for b in &batches {
                prop_assert_eq!(b.start, next);
                prop_assert!(!b.is_empty() && b.len() <= max);
                next = b.end;
            }
            prop_assert_eq!(next, changes.len());
            // A cut inside a write only where that write alone exceeds max.
            for b in &batches {
                if b.end < changes.len() && changes[b.end - 1] == changes[b.end] {
                    let same = changes.iter().filter(|c| **c == changes[b.end]).count();
                    prop_assert!(same > max || b.start > 0 && changes[b.start - 1] == changes[b.start]);
                }
            }
        }

        #[test]
        fn grouping_keeps_every_index_once_in_order(rows in proptest::collection::vec(0u8..6, 0..80)) {
            let batch: Vec<(&str, Uuid)> = rows.iter().map(|r| ("t", Uuid::from_u128(u128::from(*r)))).collect();
            let groups = group_by_row(&batch, |x| *x);
            let mut all: Vec<usize> = groups.iter().flatten().copied().collect();
            for g in &groups {
                prop_assert!(g.windows(2).all(|w| w[0] < w[1]));
                prop_assert!(g.iter().all(|i| batch[*i] == batch[g[0]]));
            }
            all.sort_unstable();
            prop_assert_eq!(all, (0..batch.len()).collect::<Vec<_>>());
        }
    }

    #[test]
    fn a_write_is_not_split_when_it_fits() {
        let changes = planned(&[(1, 3), (2, 4)]);
        assert_eq!(push_batches(&changes, 5), vec![0..3, 3..7]);
        assert_eq!(push_batches(&changes, 2), vec![0..2, 2..3, 3..5, 5..7]);
        assert_eq!(push_batches(&[], 5), Vec::<Range<usize>>::new());
    }
}

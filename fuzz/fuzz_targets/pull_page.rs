//! A pulled page on arbitrary bytes, as the laptop reads it: strict JSON, then applied to a store
//! (changes, evictions, notices) and checked against its checksums, the way a sync round does.
//! A page is applied or refused whole; the local database stays sound.
#![no_main]

use libfuzzer_sys::fuzz_target;
use showroom_core::store::Store;
use showroom_core::sync::protocol::PullPage;

fuzz_target!(|bytes: &[u8]| {
    let Ok(page) = serde_json::from_slice::<PullPage>(bytes) else { return };
    let mut store = Store::open_in_memory().unwrap();
    let changes: Result<Vec<_>, _> = page.changes.iter().enumerate().map(|(i, w)| w.to_change(i)).collect();
    if let Ok(changes) = changes {
        let _ = store.apply_remote(&changes);
    }
    let _ = store.evict(&page.evict);
    let _ = store.add_notices(&page.notices);
    for cs in &page.checksums {
        let _ = store.partition_checksum(&cs.partition);
    }
    let ok: String = store.conn().query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(ok, "ok");
});

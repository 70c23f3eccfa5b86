//! The CSV readers on arbitrary bytes: customers, vehicles and leads (with and without a column
//! mapping), each into a fresh in-memory store, for real and as a dry run. Each must end with a
//! report or a refusal naming the problem: no panic, no hang, no runaway memory.
#![no_main]

use libfuzzer_sys::fuzz_target;
use showroom_core::io::{ImportOptions, import_customers, import_leads, import_vehicles, preview_leads};
use showroom_core::store::Store;

fuzz_target!(|bytes: &[u8]| {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 18).unwrap();
    let dry = ImportOptions { dry_run: true, skip_invalid: true };
    let real = ImportOptions { dry_run: false, skip_invalid: true };
    let mut store = Store::open_in_memory().unwrap();
    for opts in [dry, real] {
        let _ = import_customers(&mut store, bytes, "US", today, opts);
        let _ = import_vehicles(&mut store, bytes, 2026, opts);
        let _ = import_leads(&mut store, bytes, "US", opts, &[]);
    }
    let mapping = [("name".to_string(), "full_name".to_string()), ("tel".to_string(), "phone".to_string())];
    let _ = preview_leads(bytes, &mapping);
    let _ = import_leads(&mut store, bytes, "US", real, &mapping);
    // Whatever went in, the database holds together.
    let ok: String = store.conn().query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(ok, "ok");
});

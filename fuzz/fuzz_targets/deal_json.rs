//! Deal JSON (what the desk sends and `docs/deal-json.md` documents) on arbitrary bytes: read,
//! then priced with the built-in tax rules. A deal is refused with a named field or priced; the
//! figures it prices add up (no panic on overflow, no NaN: money is integer cents).
#![no_main]

use libfuzzer_sys::fuzz_target;
use showroom_core::desk::{Deal, calculate, tax::TaxTable};

fuzz_target!(|bytes: &[u8]| {
    let Ok(deal) = serde_json::from_slice::<Deal>(bytes) else { return };
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 18).unwrap();
    if let Ok(calc) = calculate(&deal, &TaxTable::builtin(), today) {
        // Priced deals serialise and read back the same.
        let text = serde_json::to_string(&calc).unwrap();
        let back: showroom_core::desk::DealCalc = serde_json::from_str(&text).unwrap();
        assert_eq!(back, calc);
    }
});

//! The ADF reader on arbitrary bytes: decoding (any encoding, BOMs, binary), the markup repair
//! (declarations, unquoted attributes, bare `&`, HTML in comments, unclosed and stray tags) and
//! the prospect reader. It must end with prospects or a refusal: no panic, no hang, no runaway
//! memory (libFuzzer's -timeout and -rss_limit_mb catch the last two).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(prospects) = showroom_core::leads::adf::read(bytes) {
        for p in &prospects {
            // What is kept on the lead is a slice of the decoded input: never longer than it.
            assert!(p.original.len() <= bytes.len() * 3 + 4);
        }
        // What Showroom writes back out is always well-formed and reads back.
        let again = showroom_core::leads::adf::read(showroom_core::leads::adf::write(&prospects).as_bytes());
        assert!(again.is_ok_and(|a| a.len() == prospects.len()));
    }
});

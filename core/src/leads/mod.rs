//! Leads. So far the pure parts the lead screens will stand on: the ADF/XML reader and writer,
//! duplicate detection, routing, scoring and follow-up cadences. Capture, import into the store, the
//! inbox and event mode arrive with the rest of the lead work.

pub mod adf;
pub mod cadence;
pub mod dedupe;
pub mod routing;
pub mod scoring;

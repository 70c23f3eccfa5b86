//! Leads: capture and import (ADF/XML now; CSV, duplicates, scoring, routing and cadences arrive
//! with the lead work).

pub mod adf;
pub mod dedupe;
pub mod routing;

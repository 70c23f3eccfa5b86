//! Integration tests of showroom-core: real SQLite files and in-memory databases, no window.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod adf_feeds;
mod analytics;
mod bindings;
mod closeout;
mod demo;
mod desk;
mod engagement;
mod import_export;
mod inventory;
mod leads;
mod pdf;
mod pipeline;
mod portal;
mod quotes;
mod store;
mod sync;
mod today;
mod vault;

use showroom_core::Showroom;
use showroom_core::domain::{Consent, CustomerDraft};

pub fn draft(first: &str, last: &str, email: &str, phone: &str) -> CustomerDraft {
    CustomerDraft {
        first_name: first.into(),
        last_name: last.into(),
        email: email.into(),
        phone: phone.into(),
        consent: Consent { email: !email.is_empty(), sms: false, phone: !phone.is_empty() },
        ..Default::default()
    }
}

pub fn app() -> Showroom {
    Showroom::open_in_memory().unwrap()
}

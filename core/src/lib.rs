//! showroom-core: the whole business of Showroom with no GUI and no HTTP server.
//!
//! - [`domain`]: plain types and validation.
//! - [`store`]: SQLite schema, migrations, repositories, search, the change outbox.
//! - [`sync`]: hybrid logical clock (merge and protocol arrive with the sync work).
//! - [`io`]: export and CSV import.
//! - [`demo`]: the deterministic demo dealership.
//! - [`api`]: [`api::Showroom`], the one surface every caller uses.

pub mod activities;
pub mod analytics;
pub mod api;
pub mod bindings;
pub mod coaching;
pub mod contact;
pub mod demo;
pub mod desk;
pub mod domain;
pub mod engagement;
pub mod error;
pub mod inventory;
pub mod io;
pub mod leads;
pub mod locale;
pub mod lock;
pub mod orders;
pub mod paths;
pub mod pdf;
pub mod pipeline;
pub mod portal;
pub mod quotes;
pub mod rooftops;
pub mod store;
pub mod sync;
pub mod vault;

pub use api::Showroom;
pub use error::{ApiError, CoreError, ErrorCode, FieldError, Result};

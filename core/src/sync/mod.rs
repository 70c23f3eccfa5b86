//! Sync: the hybrid logical clock and the change records that the outbox holds. The merge rule,
//! protocol types and the HTTP client arrive with the sync issue.

pub mod hlc;

pub use hlc::{Clock, Hlc};

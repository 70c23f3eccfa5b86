//! Sync: the hybrid logical clock, the change records the outbox holds, and the pure per-field
//! merge rule. The store executor, protocol types and the HTTP client arrive with the sync issue.

pub mod hlc;
pub mod merge;
pub mod protocol;

pub use hlc::{Clock, Hlc};

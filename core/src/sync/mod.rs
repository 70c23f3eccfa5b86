//! Sync: the hybrid logical clock, the pure per-field merge rule, the visibility model
//! (partitions), push/apply planning, the wire protocol shared with the server, and (feature
//! `client`) the HTTP client that runs one sync against a store.

#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "client")]
pub mod engine;
#[cfg(feature = "client")]
pub mod group;
pub mod hlc;
pub mod merge;
pub mod partition;
pub mod plan;
pub mod protocol;
pub mod round;
pub mod rules;
pub mod status;

pub use hlc::{Clock, Hlc};

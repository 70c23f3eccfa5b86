//! Ids and time: UUIDv7 ids and UTC timestamps with one fixed, sortable text form.

use chrono::{DateTime, NaiveDate, SecondsFormat, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use ts_rs::TS;
use uuid::Uuid;

/// A new time-ordered id (UUIDv7). No autoincrement id ever crosses a device boundary.
pub fn new_id() -> Uuid {
    Uuid::now_v7()
}

/// A UTC instant with millisecond precision. Always stored and sent as
/// `YYYY-MM-DDTHH:MM:SS.mmmZ`, so text order equals time order in SQLite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, TS)]
#[ts(type = "string")]
pub struct Timestamp(pub DateTime<Utc>);

impl Timestamp {
    pub fn now() -> Self {
        Self::from_millis(Utc::now().timestamp_millis())
    }

    pub fn from_millis(ms: i64) -> Self {
        Timestamp(Utc.timestamp_millis_opt(ms).single().unwrap_or_default())
    }

    /// "Now" for a record last changed at `previous`: never earlier than a millisecond after it,
    /// so every edit moves `updated_at` forward even within one millisecond or after a clock step back.
    pub fn now_after(previous: Timestamp) -> Self {
        Self::now().max(Self::from_millis(previous.millis() + 1))
    }

    pub fn millis(&self) -> i64 {
        self.0.timestamp_millis()
    }

    pub fn date(&self) -> NaiveDate {
        self.0.date_naive()
    }

    pub fn parse(s: &str) -> Option<Self> {
        DateTime::parse_from_rfc3339(s.trim()).ok().map(|d| Self::from_millis(d.with_timezone(&Utc).timestamp_millis()))
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::Millis, true))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Timestamp::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("not an RFC 3339 timestamp: {s:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_form_is_fixed_and_round_trips() {
        let t = Timestamp::from_millis(1_764_284_486_007);
        assert_eq!(t.to_string(), "2025-11-27T23:01:26.007Z");
        assert_eq!(Timestamp::parse(&t.to_string()), Some(t));
        assert_eq!(Timestamp::parse("2025-11-27T18:01:26.007-05:00"), Some(t));
        assert_eq!(Timestamp::parse("yesterday"), None);
    }

    #[test]
    fn ids_are_v7_and_ordered() {
        let a = new_id();
        let b = new_id();
        assert_eq!(a.get_version_num(), 7);
        assert!(a < b);
    }
}

//! Ids and time: UUIDv7 ids, UTC timestamps with one fixed, sortable text form, and the one clock
//! every "now" of the core reads ([`clock`]), so tests and demos can pin the date.

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
    /// The current instant of the process clock ([`clock`]): the system clock unless pinned.
    pub fn now() -> Self {
        Self::from_millis(Utc::now().timestamp_millis() + clock::offset_ms())
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

/// The process clock. "Now" is the system clock, unless it was pinned: then it starts at the pinned
/// instant and runs forward in real time from there (timers, speed-to-lead clocks and sync keep
/// working). Pinned by the `SHOWROOM_NOW` environment variable (an RFC 3339 instant such as
/// `2026-11-18T16:30:00Z`, or a date `2026-11-18`, read at the first reading of the clock) in the
/// CLI, the app and the server alike, or by [`clock::start_at`] in an in-process test. Tests pin it
/// so that no result depends on the day they run ("this month" on the 1st is empty).
pub mod clock {
    use super::Timestamp;
    use std::sync::Once;
    use std::sync::atomic::{AtomicI64, Ordering};

    /// The environment variable that pins the clock.
    pub const ENV: &str = "SHOWROOM_NOW";

    static OFFSET_MS: AtomicI64 = AtomicI64::new(0);
    static FROM_ENV: Once = Once::new();

    /// Milliseconds added to the system clock (0 unless pinned).
    pub fn offset_ms() -> i64 {
        FROM_ENV.call_once(|| {
            if let Ok(text) = std::env::var(ENV) {
                match parse(&text) {
                    Some(at) => OFFSET_MS.store(at.millis() - system_ms(), Ordering::Relaxed),
                    None => eprintln!(
                        "{ENV}={text:?} is not an RFC 3339 instant or a YYYY-MM-DD date; using the system clock"
                    ),
                }
            }
        });
        OFFSET_MS.load(Ordering::Relaxed)
    }

    /// Pins the clock: from now on it reads `at` and runs forward from there. Overrides `SHOWROOM_NOW`.
    pub fn start_at(at: Timestamp) {
        FROM_ENV.call_once(|| {});
        OFFSET_MS.store(at.millis() - system_ms(), Ordering::Relaxed);
    }

    /// An instant as `SHOWROOM_NOW` takes it: RFC 3339, or a date (noon UTC that day).
    pub fn parse(text: &str) -> Option<Timestamp> {
        Timestamp::parse(text).or_else(|| {
            let d = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()?;
            Some(Timestamp(d.and_hms_opt(12, 0, 0)?.and_utc()))
        })
    }

    fn system_ms() -> i64 {
        chrono::Utc::now().timestamp_millis()
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
    fn the_pin_takes_an_instant_or_a_date() {
        assert_eq!(clock::parse("2026-11-18T16:30:00Z").unwrap().to_string(), "2026-11-18T16:30:00.000Z");
        assert_eq!(clock::parse("2026-11-18").unwrap().to_string(), "2026-11-18T12:00:00.000Z");
        assert_eq!(clock::parse("the 18th"), None);
    }

    #[test]
    fn ids_are_v7_and_ordered() {
        let a = new_id();
        let b = new_id();
        assert_eq!(a.get_version_num(), 7);
        assert!(a < b);
    }
}

/// An IANA time zone by name (`America/Chicago`), if it is one.
pub fn zone(name: &str) -> Option<chrono_tz::Tz> {
    name.trim().parse::<chrono_tz::Tz>().ok()
}

/// The UTC offset, in minutes, of the IANA zone `name` at `at` (daylight saving included); 0
/// (UTC) when the zone is unknown or empty.
pub fn utc_offset_min(name: &str, at: Timestamp) -> i32 {
    use chrono::{Offset, TimeZone};
    let Some(tz) = zone(name) else { return 0 };
    let utc = DateTime::from_timestamp_millis(at.millis()).unwrap_or_default().naive_utc();
    tz.offset_from_utc_datetime(&utc).fix().local_minus_utc() / 60
}

#[cfg(test)]
mod zone_tests {
    use super::*;

    #[test]
    fn a_zones_offset_follows_daylight_saving() {
        let at = |s: &str| Timestamp::parse(s).unwrap();
        assert_eq!(utc_offset_min("America/Chicago", at("2026-11-18T09:00:00Z")), -360);
        assert_eq!(utc_offset_min("America/Chicago", at("2026-07-01T09:00:00Z")), -300);
        assert_eq!(utc_offset_min("Asia/Kolkata", at("2026-07-01T09:00:00Z")), 330);
        assert_eq!(utc_offset_min("Mars/Olympus", at("2026-07-01T09:00:00Z")), 0);
        assert!(zone(" Europe/Paris ").is_some() && zone("").is_none());
    }
}

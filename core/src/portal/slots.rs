//! Test-drive slots a customer may book on the portal: every half hour of the dealership's open
//! hours in its time zone, from two hours ahead for a week, minus the times the vehicle or the
//! rep is already booked. The server lists them and checks the one posted; the rep's laptop
//! checks the vehicle's calendar again when it turns the booking into records.

use crate::domain::Timestamp;
use crate::domain::time::utc_offset_min;
use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Weekday};

/// How long a portal booking holds the vehicle and the rep.
pub const SLOT_MINUTES: i64 = 30;
/// The soonest a customer may book: the rep needs time to get the car ready.
pub const LEAD_HOURS: i64 = 2;
/// How far ahead a customer may book.
pub const DAYS_AHEAD: i64 = 7;

/// Open hours for test drives, local time: Monday to Saturday 9 AM to 7 PM, Sunday 11 AM to 5 PM
/// (the last drive starts half an hour before closing).
pub fn open_hours(day: Weekday) -> (u32, u32) {
    match day {
        Weekday::Sun => (11, 17),
        _ => (9, 19),
    }
}

/// The instant of a local date and time in `zone` (the offset of that moment; a time skipped by a
/// clock change reads an hour off, which open hours never hit).
pub fn at_local(zone: &str, date: NaiveDate, time: NaiveTime) -> Timestamp {
    let naive = date.and_time(time).and_utc().timestamp_millis();
    let guess = Timestamp::from_millis(naive);
    let offset = utc_offset_min(zone, Timestamp::from_millis(naive - i64::from(utc_offset_min(zone, guess)) * 60_000));
    Timestamp::from_millis(naive - i64::from(offset) * 60_000)
}

fn local(zone: &str, t: Timestamp) -> chrono::NaiveDateTime {
    chrono::DateTime::from_timestamp_millis(t.millis() + i64::from(utc_offset_min(zone, t)) * 60_000)
        .unwrap_or_default()
        .naive_utc()
}

/// Free slot starts, in time order. `busy` holds what the vehicle and the rep have booked.
pub fn free_slots(now: Timestamp, zone: &str, busy: &[(Timestamp, Timestamp)]) -> Vec<Timestamp> {
    let earliest = now.millis() + LEAD_HOURS * 3_600_000;
    let first_day = local(zone, now).date();
    let mut out = Vec::new();
    for d in 0..=DAYS_AHEAD {
        let date = first_day + Duration::days(d);
        let (open, close) = open_hours(date.weekday());
        let mut minute = open * 60;
        while i64::from(minute) + SLOT_MINUTES <= i64::from(close) * 60 {
            let start = at_local(zone, date, NaiveTime::from_hms_opt(minute / 60, minute % 60, 0).unwrap_or_default());
            let end = start.millis() + SLOT_MINUTES * 60_000;
            let taken = busy.iter().any(|(a, b)| a.millis() < end && b.millis() > start.millis());
            if start.millis() >= earliest && !taken {
                out.push(start);
            }
            minute += SLOT_MINUTES as u32;
        }
    }
    out
}

/// "Saturday, December 5 at 10:00 AM" in the dealership's time zone.
pub fn label(t: Timestamp, zone: &str) -> String {
    format!("{} at {}", day_label(t, zone), time_label(t, zone))
}

/// "Saturday, December 5".
pub fn day_label(t: Timestamp, zone: &str) -> String {
    local(zone, t).format("%A, %B %-d").to_string()
}

/// "Wed, Nov 18 · 10:00 AM": a slot in a phone's list.
pub fn short_label(t: Timestamp, zone: &str) -> String {
    format!("{} · {}", local(zone, t).format("%a, %b %-d"), time_label(t, zone))
}

/// "10:00 AM".
pub fn time_label(t: Timestamp, zone: &str) -> String {
    local(zone, t).format("%-I:%M %p").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    #[test]
    fn slots_follow_the_dealerships_hours_and_zone_and_skip_what_is_booked() {
        // Tuesday 3 AM in Chicago (09:00 UTC): the first slot is 9 AM local, 15:00 UTC.
        let now = ts("2026-11-17T09:00:00Z");
        let all = free_slots(now, "America/Chicago", &[]);
        assert_eq!(all[0], ts("2026-11-17T15:00:00Z"));
        assert_eq!(label(all[0], "America/Chicago"), "Tuesday, November 17 at 9:00 AM");
        assert_eq!(short_label(all[0], "America/Chicago"), "Tue, Nov 17 · 9:00 AM");
        // Twenty slots a weekday (9:00 to 6:30 PM), twelve on Sunday.
        let on = |day: &str| all.iter().filter(|t| day_label(**t, "America/Chicago") == day).count();
        assert_eq!((on("Tuesday, November 17"), on("Sunday, November 22")), (20, 12));
        assert_eq!(label(*all.last().unwrap(), "America/Chicago"), "Tuesday, November 24 at 6:30 PM");
        // Two hours' notice: at 10:10 AM local the first slot is 12:30 PM.
        let later = free_slots(ts("2026-11-17T16:10:00Z"), "America/Chicago", &[]);
        assert_eq!(time_label(later[0], "America/Chicago"), "12:30 PM");
        // A booking from 9:15 to 10:00 takes the 9:00 and the 9:30 slots.
        let busy = [(ts("2026-11-17T15:15:00Z"), ts("2026-11-17T16:00:00Z"))];
        let free = free_slots(now, "America/Chicago", &busy);
        assert_eq!(free[0], ts("2026-11-17T16:00:00Z"));
        assert_eq!(free.len(), all.len() - 2);
        // After the clocks change (Chicago left daylight time on November 1): 9 AM is 15:00 UTC in
        // November and 14:00 UTC in October.
        let october = free_slots(ts("2026-10-27T09:00:00Z"), "America/Chicago", &[]);
        assert_eq!(october[0], ts("2026-10-27T14:00:00Z"));
    }
}

//! Nurturing cadences, pure: a sequence of steps (call now, text in an hour, email on day 1, call on
//! day 3, emails on days 7, 14 and 30) planned from when a lead arrived. Steps on channels the
//! customer did not consent to are skipped, steps that fall in quiet hours move to the next
//! morning, and the cadence stops by itself once the customer replies or books an appointment.

use crate::domain::{ActivityKind, Consent};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Step {
    /// Minutes after the lead arrived.
    pub after_minutes: i64,
    pub kind: ActivityKind,
    pub subject: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Cadence {
    pub name: String,
    pub steps: Vec<Step>,
    /// Local quiet hours: no step starts from `quiet_from` (hour) until `quiet_to` (hour).
    pub quiet_from: u32,
    pub quiet_to: u32,
}

impl Default for Cadence {
    fn default() -> Self {
        let s = |after_minutes, kind, subject: &str| Step { after_minutes, kind, subject: subject.into() };
        Cadence {
            name: "New internet lead".into(),
            steps: vec![
                s(0, ActivityKind::Call, "Call now: speed to lead"),
                s(60, ActivityKind::Sms, "Text: thanks for your interest"),
                s(24 * 60, ActivityKind::Email, "Email: the vehicle and next steps"),
                s(3 * 24 * 60, ActivityKind::Call, "Call: check in"),
                s(7 * 24 * 60, ActivityKind::Email, "Email: still looking?"),
                s(14 * 24 * 60, ActivityKind::Email, "Email: new arrivals that fit"),
                s(30 * 24 * 60, ActivityKind::Email, "Email: last check-in"),
            ],
            quiet_from: 21,
            quiet_to: 8,
        }
    }
}

/// What ends a cadence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Stop {
    Replied,
    BookedAppointment,
}

/// A planned step: when (local minutes since the lead arrived, after quiet hours) and what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Planned {
    pub at_minutes: i64,
    pub kind: ActivityKind,
    pub subject: String,
}

fn allowed(kind: ActivityKind, consent: &Consent) -> bool {
    match kind {
        ActivityKind::Sms => consent.sms,
        ActivityKind::Email => consent.email,
        ActivityKind::Call => consent.phone,
        _ => true,
    }
}

/// Moves `at` (minutes from the lead's arrival, which was at local minute-of-day `arrival_minute`)
/// out of quiet hours, to the next `quiet_to` o'clock.
fn out_of_quiet(at: i64, arrival_minute: i64, c: &Cadence) -> i64 {
    let local = (arrival_minute + at).rem_euclid(24 * 60);
    let hour = (local / 60) as u32;
    let quiet = if c.quiet_from > c.quiet_to {
        hour >= c.quiet_from || hour < c.quiet_to
    } else {
        hour >= c.quiet_from && hour < c.quiet_to
    };
    if !quiet {
        return at;
    }
    let wake = i64::from(c.quiet_to) * 60;
    let wait = (wake - local).rem_euclid(24 * 60);
    at + wait
}

/// The steps still to come at `now_minutes` (since arrival), or none once `stop` happened.
pub fn plan(c: &Cadence, consent: &Consent, arrival_minute: i64, now_minutes: i64, stop: Option<Stop>) -> Vec<Planned> {
    if stop.is_some() {
        return Vec::new();
    }
    c.steps
        .iter()
        .filter(|s| allowed(s.kind, consent))
        .map(|s| Planned {
            at_minutes: out_of_quiet(s.after_minutes, arrival_minute, c),
            kind: s.kind,
            subject: s.subject.clone(),
        })
        .filter(|p| p.at_minutes >= now_minutes)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: Consent = Consent { email: true, sms: true, phone: true };

    #[test]
    fn a_cadence_stops_on_reply_and_respects_consent_and_quiet_hours() {
        let c = Cadence::default();
        // Arrived at 10:00: every step in working hours stays where it is.
        let steps = plan(&c, &ALL, 10 * 60, 0, None);
        assert_eq!(steps.len(), 7);
        assert_eq!(steps[1].at_minutes, 60);
        // A reply stops it.
        assert!(plan(&c, &ALL, 10 * 60, 0, Some(Stop::Replied)).is_empty());
        assert!(plan(&c, &ALL, 10 * 60, 0, Some(Stop::BookedAppointment)).is_empty());
        // No SMS consent: no text step.
        let no_sms = Consent { sms: false, ..ALL };
        assert!(plan(&c, &no_sms, 10 * 60, 0, None).iter().all(|p| p.kind != ActivityKind::Sms));
        // Arrived at 20:30: the text due at 21:30 waits until 08:00.
        let late = plan(&c, &ALL, 20 * 60 + 30, 0, None);
        assert_eq!(late[0].at_minutes, 0, "the call at 20:30 is before quiet hours");
        assert_eq!(late[1].at_minutes, 11 * 60 + 30, "21:30 moves to 08:00 next day");
        // Later on, only what is still to come.
        assert_eq!(plan(&c, &ALL, 10 * 60, 8 * 24 * 60, None).len(), 2);
    }
}

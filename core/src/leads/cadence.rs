//! Nurturing cadences, pure: a sequence of steps (call now, text in an hour, email on day 1, call on
//! day 3, emails on days 7, 14 and 30) planned from when a lead arrived. Steps on channels the
//! customer did not consent to are skipped, steps that fall in quiet hours move to the next
//! morning, and the cadence stops by itself once the customer replies or books an appointment.

use crate::domain::{ActivityKind, Channel, Consent};
use crate::error::FieldError;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Step {
    /// Minutes after the lead arrived.
    #[ts(type = "number")]
    pub after_minutes: i64,
    pub kind: ActivityKind,
    pub subject: String,
    /// For email and text steps: the prepared message, with `{first_name}`, `{vehicle}`, `{rep}`
    /// and `{dealership}` filled in when the task is made.
    #[serde(default)]
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Cadence {
    pub name: String,
    /// The lead channels it runs for; empty for every channel.
    #[serde(default)]
    pub channels: Vec<Channel>,
    pub steps: Vec<Step>,
    /// Local quiet hours: no step starts from `quiet_from` (hour) until `quiet_to` (hour).
    pub quiet_from: u32,
    pub quiet_to: u32,
}

const THANKS_TEXT: &str = "Hi {first_name}, it's {rep} at {dealership}. Thanks for your interest in the {vehicle}. \
     When suits you for a quick call? Reply STOP to opt out.";
const DAY1_EMAIL: &str = "Hi {first_name},\n\nThank you for asking about the {vehicle}. I have put together the details \
     and can set up a test drive at a time that suits you.\n\n{rep}\n{dealership}";
const STILL_LOOKING: &str = "Hi {first_name},\n\nAre you still looking for a {vehicle}? I am happy to answer any \
     question or send numbers.\n\n{rep}\n{dealership}";
const NEW_ARRIVALS: &str = "Hi {first_name},\n\nA few new arrivals may fit what you were after. Shall I send them \
     over?\n\n{rep}\n{dealership}";
const LAST_CHECK_IN: &str = "Hi {first_name},\n\nI will stop checking in after this one. If the time comes, reply \
     here and I will take it from there.\n\n{rep}\n{dealership}";
const VISIT_THANKS: &str = "Hi {first_name}, {rep} at {dealership} here. Thanks for coming in today. Any \
     questions about the {vehicle}, just text me. Reply STOP to opt out.";

fn step(after_minutes: i64, kind: ActivityKind, subject: &str, message: &str) -> Step {
    Step { after_minutes, kind, subject: subject.into(), message: message.into() }
}

impl Default for Cadence {
    /// The internet lead cadence: call now, text in an hour, email on day 1, call on day 3, email on
    /// days 7, 14 and 30.
    fn default() -> Self {
        let day = 24 * 60;
        Cadence {
            name: "New internet lead".into(),
            channels: vec![
                Channel::Web,
                Channel::Email,
                Channel::Marketplace,
                Channel::Chat,
                Channel::Social,
                Channel::Advertising,
            ],
            steps: vec![
                step(0, ActivityKind::Call, "Call now: speed to lead", ""),
                step(60, ActivityKind::Sms, "Text: thanks for your interest", THANKS_TEXT),
                step(day, ActivityKind::Email, "Email: the vehicle and next steps", DAY1_EMAIL),
                step(3 * day, ActivityKind::Call, "Call: check in", ""),
                step(7 * day, ActivityKind::Email, "Email: still looking?", STILL_LOOKING),
                step(14 * day, ActivityKind::Email, "Email: new arrivals that fit", NEW_ARRIVALS),
                step(30 * day, ActivityKind::Email, "Email: last check-in", LAST_CHECK_IN),
            ],
            quiet_from: 21,
            quiet_to: 8,
        }
    }
}

impl Cadence {
    /// After a visit, a call or an event: thank them the same day, then the follow-ups.
    pub fn showroom_visit() -> Self {
        let day = 24 * 60;
        Cadence {
            name: "Showroom visit".into(),
            channels: Vec::new(),
            steps: vec![
                step(120, ActivityKind::Sms, "Text: thanks for visiting", VISIT_THANKS),
                step(day, ActivityKind::Call, "Call: answer their questions", ""),
                step(3 * day, ActivityKind::Email, "Email: the vehicle and next steps", DAY1_EMAIL),
                step(7 * day, ActivityKind::Call, "Call: check in", ""),
                step(14 * day, ActivityKind::Email, "Email: new arrivals that fit", NEW_ARRIVALS),
                step(30 * day, ActivityKind::Email, "Email: last check-in", LAST_CHECK_IN),
            ],
            quiet_from: 21,
            quiet_to: 8,
        }
    }

    /// Problems with this cadence, each naming its field.
    pub fn validate(&mut self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        self.name = self.name.trim().to_string();
        if self.name.is_empty() {
            errors.push(FieldError::new("name", "a cadence needs a name"));
        }
        if self.quiet_from > 23 {
            errors.push(FieldError::new("quiet_from", "is an hour from 0 to 23"));
        }
        if self.quiet_to > 23 {
            errors.push(FieldError::new("quiet_to", "is an hour from 0 to 23"));
        }
        if self.steps.is_empty() {
            errors.push(FieldError::new("steps", "a cadence needs at least one step"));
        }
        for (i, s) in self.steps.iter_mut().enumerate() {
            s.subject = s.subject.trim().to_string();
            if s.subject.is_empty() {
                errors.push(FieldError::new(format!("steps[{i}].subject"), "a step needs a subject"));
            }
            if !(0..=365 * 24 * 60).contains(&s.after_minutes) {
                errors.push(FieldError::new(format!("steps[{i}].after_minutes"), "must be within a year of the lead"));
            }
            if matches!(s.kind, ActivityKind::Email | ActivityKind::Sms) && s.message.trim().is_empty() {
                errors.push(FieldError::new(format!("steps[{i}].message"), "an email or text step needs its message"));
            }
        }
        self.steps.sort_by_key(|s| s.after_minutes);
        errors
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
    #[ts(type = "number")]
    pub at_minutes: i64,
    pub kind: ActivityKind,
    pub subject: String,
    pub message: String,
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
            message: s.message.clone(),
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

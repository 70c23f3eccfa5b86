//! Things to do (calls, emails, texts, meetings, test drives, follow-ups, deliveries): scheduling
//! with a due time, completing with an outcome (and scheduling the next in the same step), the
//! Today list (overdue, due today, upcoming), and what completion sets off: the timeline line,
//! the pipeline moving forward (test drive, delivery), and the follow-ups after a delivery.

use crate::domain::*;
use crate::error::{CoreError, FieldError, Result};
use crate::pipeline::{self, Progress};
use crate::store::{Store, Writer, query};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use ts_rs::TS;
use uuid::Uuid;

/// A reminder this far in the past still counts as "now" (the form was open for a moment).
const GRACE_MS: i64 = 5 * 60 * 1000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ActivityDraft {
    pub customer_id: Uuid,
    pub opportunity_id: Option<Uuid>,
    pub kind: ActivityKind,
    pub subject: String,
    /// When it is due (UTC, RFC 3339).
    pub due_at: String,
    pub owner_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Completion {
    pub outcome: String,
    /// Schedule the next step in the same action.
    pub next: Option<ActivityDraft>,
    /// For a delivery: the checklist items done (every item of
    /// [`crate::engagement::DELIVERY_CHECKLIST`] is needed).
    #[serde(default)]
    pub checklist: Vec<String>,
    /// For an email or text step with a prepared message (cadences): queue that message for the
    /// server's outbox in the same action.
    #[serde(default)]
    pub send_message: bool,
}

fn parse_due(text: &str) -> std::result::Result<Timestamp, FieldError> {
    Timestamp::parse(text).ok_or_else(|| FieldError::new("due_at", "is not a date and time"))
}

/// Checks a draft and builds the activity; a due time in the past is refused.
pub fn plan_activity(d: &ActivityDraft, now: Timestamp) -> std::result::Result<Activity, Vec<FieldError>> {
    let mut errors = Vec::new();
    let due = match parse_due(&d.due_at) {
        Ok(t) if t.millis() < now.millis() - GRACE_MS => {
            errors.push(FieldError::new("due_at", "is in the past; pick a time from now on"));
            None
        }
        Ok(t) => Some(t),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let mut a = Activity {
        id: new_id(),
        customer_id: d.customer_id,
        opportunity_id: d.opportunity_id,
        kind: d.kind,
        subject: d.subject.clone(),
        due_at: due.unwrap_or(now),
        done_at: None,
        outcome: String::new(),
        owner_id: d.owner_id,
        created_at: now,
        updated_at: now,
        deleted_at: None,
        lead_id: None,
        message: String::new(),
    };
    if let Err(mut e) = a.validate() {
        errors.append(&mut e);
    }
    if errors.is_empty() { Ok(a) } else { Err(errors) }
}

fn insert_checked(w: &mut Writer<'_>, a: &Activity) -> Result<()> {
    w.get::<Customer>(a.customer_id).map_err(|_| CoreError::field("customer_id", "no such customer"))?;
    if let Some(o) = a.opportunity_id {
        let opp: Opportunity = w.get(o).map_err(|_| CoreError::field("opportunity_id", "no such deal"))?;
        if opp.customer_id != a.customer_id {
            return Err(CoreError::field("opportunity_id", "belongs to another customer"));
        }
    }
    w.insert(a)?;
    // An appointment booked ends the lead's follow-up cadence.
    if matches!(a.kind, ActivityKind::Meeting | ActivityKind::TestDrive) {
        crate::leads::inbox::stop_cadences(w, a.customer_id, crate::leads::cadence::Stop::BookedAppointment)?;
    }
    Ok(())
}

pub fn create(store: &mut Store, d: &ActivityDraft) -> Result<Activity> {
    let mut a = plan_activity(d, Timestamp::now()).map_err(CoreError::Validation)?;
    if a.owner_id.is_none() {
        a.owner_id = store.acting_user();
    }
    store.write(|w| {
        insert_checked(w, &a)?;
        Ok(a.clone())
    })
}

fn channel_of(kind: ActivityKind) -> Option<InteractionChannel> {
    match kind {
        ActivityKind::Call => Some(InteractionChannel::Call),
        ActivityKind::Email => Some(InteractionChannel::Email),
        ActivityKind::Sms => Some(InteractionChannel::Sms),
        ActivityKind::Meeting => Some(InteractionChannel::Visit),
        ActivityKind::TestDrive => Some(InteractionChannel::TestDrive),
        ActivityKind::FollowUp | ActivityKind::Delivery => Some(InteractionChannel::Note),
    }
}

/// The follow-ups a delivery schedules: next day, 1 week, 1 month, first service (6 months), 1 year.
pub const AFTER_DELIVERY: &[(i64, ActivityKind, &str)] = &[
    (1, ActivityKind::Call, "Thank-you call: how is the new car?"),
    (7, ActivityKind::Call, "One-week check-in: questions about features?"),
    (30, ActivityKind::Email, "One-month follow-up and review request"),
    (182, ActivityKind::FollowUp, "First service reminder"),
    (365, ActivityKind::Call, "One-year anniversary: trade-in and referral"),
];

/// Completes an activity with its outcome, in one transaction with everything it sets off.
pub fn complete(store: &mut Store, id: Uuid, c: &Completion) -> Result<Activity> {
    let now = Timestamp::now();
    let mut errors = Vec::new();
    if c.outcome.trim().is_empty() {
        errors.push(FieldError::new("outcome", "say how it went"));
    }
    let next = match &c.next {
        Some(d) => match plan_activity(d, now) {
            Ok(a) => Some(a),
            Err(e) => {
                errors.extend(e.into_iter().map(|f| FieldError::new(format!("next.{}", f.field), f.message)));
                None
            }
        },
        None => None,
    };
    if !errors.is_empty() {
        return Err(CoreError::Validation(errors));
    }
    let author = store.acting_user();
    let message = if c.send_message {
        let a: Activity = crate::store::get(store.conn(), id)?;
        let channel = match a.kind {
            ActivityKind::Email => crate::contact::MessageChannel::Email,
            ActivityKind::Sms => crate::contact::MessageChannel::Sms,
            _ => return Err(CoreError::field("send_message", "only an email or a text step has a message to send")),
        };
        if a.message.trim().is_empty() {
            return Err(CoreError::field("send_message", "this step has no prepared message"));
        }
        let subject = a.subject.trim_start_matches("Email: ").trim_start_matches("Text: ");
        let draft = crate::portal::MessageDraft {
            customer_id: Some(a.customer_id),
            channel: Some(channel),
            subject: if channel == crate::contact::MessageChannel::Email { subject.to_string() } else { String::new() },
            body: a.message.clone(),
            quote_id: None,
        };
        Some(crate::portal::draft_message(store.conn(), &draft, author, now.date())?)
    } else {
        None
    };
    store.write(|w| {
        if let Some(m) = &message {
            w.insert(m)?;
        }
        let old: Activity = w.get(id)?;
        if old.done_at.is_some() {
            return Err(CoreError::Conflict(format!("\"{}\" was already completed", old.subject)));
        }
        if old.kind == ActivityKind::Delivery {
            let left: Vec<&str> = crate::engagement::DELIVERY_CHECKLIST
                .iter()
                .copied()
                .filter(|item| !c.checklist.iter().any(|d| d == item))
                .collect();
            if !left.is_empty() {
                return Err(CoreError::field(
                    "checklist",
                    format!("{} of the delivery checklist left: {}", left.len(), left.join("; ")),
                ));
            }
        }
        let mut done = old.clone();
        done.done_at = Some(now);
        done.outcome = c.outcome.trim().to_string();
        done.updated_at = Timestamp::now_after(old.updated_at);
        w.update(&old, &done)?;
        if let Some(channel) = channel_of(done.kind) {
            let direction = if matches!(done.kind, ActivityKind::FollowUp | ActivityKind::Delivery) {
                Direction::Internal
            } else {
                Direction::Outbound
            };
            let summary = if done.kind == ActivityKind::Delivery {
                format!("{}: {} (delivery checklist complete)", done.subject, done.outcome)
            } else {
                format!("{}: {}", done.subject, done.outcome)
            };
            let line = Interaction::at(done.customer_id, channel, direction, summary, author, now);
            w.insert(&line)?;
            // A call made, an email or a text sent answers the customer's waiting leads.
            if matches!(done.kind, ActivityKind::Call | ActivityKind::Email | ActivityKind::Sms) {
                crate::leads::inbox::mark_responded(w, done.customer_id, now)?;
            }
        }
        if done.kind == ActivityKind::TestDrive {
            crate::engagement::complete_for_activity(w, done.id, &done.outcome)?;
        }
        if let Some(o) = done.opportunity_id {
            match done.kind {
                ActivityKind::TestDrive => {
                    pipeline::progress(w, o, Progress::TestDriveCompleted, author)?;
                }
                ActivityKind::Delivery => {
                    pipeline::progress(w, o, Progress::DeliveryCompleted, author)?;
                }
                _ => {}
            }
        }
        if done.kind == ActivityKind::Delivery {
            for (days, kind, subject) in AFTER_DELIVERY {
                let a = Activity {
                    id: new_id(),
                    customer_id: done.customer_id,
                    opportunity_id: done.opportunity_id,
                    kind: *kind,
                    subject: (*subject).to_string(),
                    due_at: Timestamp::from_millis(now.millis() + days * 86_400_000),
                    done_at: None,
                    outcome: String::new(),
                    owner_id: done.owner_id.or(author),
                    created_at: now,
                    updated_at: now,
                    deleted_at: None,
                    lead_id: None,
                    message: String::new(),
                };
                w.insert(&a)?;
            }
        }
        if let Some(mut n) = next.clone() {
            if n.owner_id.is_none() {
                n.owner_id = done.owner_id.or(author);
            }
            insert_checked(w, &n)?;
        }
        Ok(done)
    })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TodayItem {
    pub activity: Activity,
    pub customer: String,
    pub phone: Option<String>,
    /// Where a prepared email goes.
    pub email: Option<String>,
    pub deal: Option<String>,
}

/// Overdue tasks that fell due in one stretch of time ("Yesterday"), newest first, at most
/// the cap of them; `total` counts them all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct OverdueGroup {
    pub label: String,
    #[ts(type = "number")]
    pub total: i64,
    pub items: Vec<TodayItem>,
}

/// One person's (or the team's) day: what is due today first, then what is overdue grouped by
/// how late it is, then the next seven days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Today {
    /// Whose day: a user's name, or "the team".
    pub whose: String,
    pub due_today: Vec<TodayItem>,
    /// Non-empty groups, the most recent first: earlier today, yesterday, earlier this week, older.
    pub overdue: Vec<OverdueGroup>,
    #[ts(type = "number")]
    pub overdue_total: i64,
    pub upcoming: Vec<TodayItem>,
    /// What completing a delivery asks for.
    pub delivery_checklist: Vec<String>,
}

/// How many overdue tasks of one group the day lists unless asked for more.
pub const OVERDUE_CAP: usize = 8;

const OPEN: &str = "done_at IS NULL AND deleted_at IS NULL";
const DAY_MS: i64 = 86_400_000;

/// Items for activities, each with its customer's name and contact and its deal's title (read
/// once per customer and deal).
struct Describe<'c> {
    conn: &'c rusqlite::Connection,
    names: HashMap<Uuid, (String, Option<String>, Option<String>)>,
    deals: HashMap<Uuid, Option<String>>,
}

impl Describe<'_> {
    fn item(&mut self, a: Activity) -> TodayItem {
        let conn = self.conn;
        let (customer, phone, email) = self
            .names
            .entry(a.customer_id)
            .or_insert_with(|| {
                crate::store::get::<Customer>(conn, a.customer_id)
                    .ok()
                    .map(|c| (format!("{} {}", c.first_name, c.last_name), c.phone, c.email))
                    .unwrap_or_default()
            })
            .clone();
        let deal = a.opportunity_id.and_then(|o| {
            self.deals
                .entry(o)
                .or_insert_with(|| crate::store::get::<Opportunity>(conn, o).ok().map(|d| d.title))
                .clone()
        });
        TodayItem { customer, phone, email, deal, activity: a }
    }
}

/// Open activities of `owner` (everyone's when `None`): due today (from `now` to `day_end`, the
/// end of the local day), overdue (due before `now`) grouped by how late, at most `cap` listed a
/// group, and the next 7 days. `whose` names the day's owner for the screen.
pub fn today(
    conn: &rusqlite::Connection,
    owner: Option<Uuid>,
    whose: &str,
    now: Timestamp,
    day_end: Timestamp,
    cap: usize,
) -> Result<Today> {
    let horizon = Timestamp::from_millis(day_end.millis() + 7 * DAY_MS);
    let who = |n: usize| match owner {
        Some(_) => format!(" AND owner_id = ?{n}"),
        None => String::new(),
    };
    let owner_s = owner.map(|o| o.to_string()).unwrap_or_default();
    let mut describe = Describe { conn, names: HashMap::new(), deals: HashMap::new() };
    let ahead: Vec<Activity> = {
        let sql = format!("WHERE {OPEN} AND due_at >= ?1 AND due_at < ?2{} ORDER BY due_at LIMIT 500", who(3));
        let mut args = vec![now.to_string(), horizon.to_string()];
        if owner.is_some() {
            args.push(owner_s.clone());
        }
        query(conn, &sql, rusqlite::params_from_iter(args))?
    };
    let mut out = Today {
        whose: whose.to_string(),
        due_today: Vec::new(),
        overdue: Vec::new(),
        overdue_total: 0,
        upcoming: Vec::new(),
        delivery_checklist: crate::engagement::DELIVERY_CHECKLIST.iter().map(|s| s.to_string()).collect(),
    };
    for a in ahead {
        let item = describe.item(a);
        if item.activity.due_at <= day_end {
            out.due_today.push(item);
        } else {
            out.upcoming.push(item);
        }
    }
    // Overdue, by how late: the local day starts a day before its end.
    let day_start = day_end.millis() + 1 - DAY_MS;
    let stretches = [
        ("Earlier today", Some(day_start), now.millis()),
        ("Yesterday", Some(day_start - DAY_MS), day_start),
        ("Earlier this week", Some(day_start - 7 * DAY_MS), day_start - DAY_MS),
        ("Older", None, day_start - 7 * DAY_MS),
    ];
    for (label, from, to) in stretches {
        let to = to.min(now.millis());
        let from = from.map(|f| f.min(to));
        let mut args = vec![Timestamp::from_millis(to).to_string()];
        let mut cond = format!("{OPEN} AND due_at < ?1");
        if let Some(f) = from {
            args.push(Timestamp::from_millis(f).to_string());
            cond.push_str(" AND due_at >= ?2");
        }
        if owner.is_some() {
            args.push(owner_s.clone());
            cond.push_str(&who(args.len()));
        }
        let total: i64 = conn.query_row(
            &format!("SELECT count(*) FROM activities WHERE {cond}"),
            rusqlite::params_from_iter(args.iter()),
            |r| r.get(0),
        )?;
        if total == 0 {
            continue;
        }
        let listed: Vec<Activity> =
            query(conn, &format!("WHERE {cond} ORDER BY due_at DESC LIMIT {cap}"), rusqlite::params_from_iter(args))?;
        out.overdue_total += total;
        out.overdue.push(OverdueGroup {
            label: label.to_string(),
            total,
            items: listed.into_iter().map(|a| describe.item(a)).collect(),
        });
    }
    Ok(out)
}

/// Open activities of `owner` (everyone's when `None`) that fell due in `(from, to]`: the
/// reminders to show now.
pub fn due_between(
    conn: &rusqlite::Connection,
    owner: Option<Uuid>,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<TodayItem>> {
    let (sql, mut args) = (
        format!(
            "WHERE {OPEN} AND due_at > ?1 AND due_at <= ?2{} ORDER BY due_at LIMIT 500",
            if owner.is_some() { " AND owner_id = ?3" } else { "" }
        ),
        vec![from.to_string(), to.to_string()],
    );
    if let Some(o) = owner {
        args.push(o.to_string());
    }
    let list: Vec<Activity> = query(conn, &sql, rusqlite::params_from_iter(args))?;
    let mut describe = Describe { conn, names: HashMap::new(), deals: HashMap::new() };
    Ok(list.into_iter().map(|a| describe.item(a)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(due: &str) -> ActivityDraft {
        ActivityDraft {
            customer_id: Uuid::from_u128(1),
            opportunity_id: None,
            kind: ActivityKind::Call,
            subject: "Call back about the trade".into(),
            due_at: due.into(),
            owner_id: None,
        }
    }

    #[test]
    fn reminders_in_the_past_or_unreadable_are_refused() {
        let now = Timestamp::parse("2026-11-28T15:00:00.000Z").unwrap();
        assert!(plan_activity(&draft("2026-11-28T16:00:00.000Z"), now).is_ok());
        assert!(plan_activity(&draft("2026-11-28T14:58:00Z"), now).is_ok(), "a couple of minutes late is now");
        let e = plan_activity(&draft("2026-11-27T09:00:00.000Z"), now).unwrap_err();
        assert_eq!(e[0].field, "due_at");
        assert!(e[0].message.contains("in the past"));
        let e = plan_activity(&draft("tomorrow-ish"), now).unwrap_err();
        assert!(e[0].message.contains("not a date"));
        let mut d = draft("2026-11-28T16:00:00.000Z");
        d.subject = " ".into();
        assert_eq!(plan_activity(&d, now).unwrap_err()[0].field, "subject");
    }
}

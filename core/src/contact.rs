//! The communication log and the customer 360's helpers: logging a touchpoint (call in or out with
//! its duration, email, text, walk-in visit, chat, event contact, note), message templates with
//! merge fields offered only on channels the customer consented to, and the suggested next step.

use crate::domain::*;
use crate::error::{CoreError, FieldError, Result};
use crate::quotes::{Quote, QuoteStatus};
use crate::store::Store;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ContactDraft {
    pub customer_id: Uuid,
    pub channel: InteractionChannel,
    pub direction: Direction,
    pub summary: String,
    /// Minutes, for calls and visits.
    pub duration_min: Option<i32>,
}

/// Logs a touchpoint on the customer's timeline (one transaction).
pub fn log_contact(store: &mut Store, d: &ContactDraft) -> Result<Interaction> {
    let now = Timestamp::now();
    let mut errors = Vec::new();
    if let Some(m) = d.duration_min
        && !(0..=24 * 60).contains(&m)
    {
        errors.push(FieldError::new("duration_min", "must be between 0 and 1,440 minutes"));
    }
    let mut i = Interaction {
        id: new_id(),
        customer_id: d.customer_id,
        channel: d.channel,
        direction: d.direction,
        summary: d.summary.clone(),
        duration_s: d.duration_min.map(|m| m * 60),
        author_id: store.acting_user(),
        occurred_at: now,
        created_at: now,
    };
    if let Err(mut e) = i.validate() {
        errors.append(&mut e);
    }
    if !errors.is_empty() {
        return Err(CoreError::Validation(errors));
    }
    store.write(|w| {
        w.get::<Customer>(d.customer_id).map_err(|_| CoreError::field("customer_id", "no such customer"))?;
        w.insert(&i)?;
        // A reply stops the follow-up cadence; reaching out answers a waiting lead.
        match (d.direction, d.channel) {
            (_, InteractionChannel::Note) => {}
            (Direction::Inbound, _) => {
                crate::leads::inbox::stop_cadences(w, d.customer_id, crate::leads::cadence::Stop::Replied)?;
                crate::leads::inbox::mark_responded(w, d.customer_id, now)?;
            }
            (Direction::Outbound, _) => crate::leads::inbox::mark_responded(w, d.customer_id, now)?,
            _ => {}
        }
        Ok(())
    })?;
    Ok(i)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MessageChannel {
    Email,
    Sms,
}

/// A message template; `{first_name}`, `{last_name}`, `{vehicle}`, `{rep}` and `{dealership}` are
/// filled in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Template {
    pub id: String,
    pub name: String,
    pub channel: MessageChannel,
    pub subject: String,
    pub body: String,
}

/// A template filled in for one customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Message {
    pub template: String,
    pub channel: MessageChannel,
    /// The address or number to send to.
    pub to: String,
    pub subject: String,
    pub body: String,
    /// The body holds [`crate::portal::LINK_FIELD`]: a quote must go with it (its PDF attached,
    /// its link put in by the server).
    pub needs_quote: bool,
}

pub fn builtin_templates() -> Vec<Template> {
    let t = |id: &str, name: &str, channel, subject: &str, body: &str| Template {
        id: id.into(),
        name: name.into(),
        channel,
        subject: subject.into(),
        body: body.into(),
    };
    vec![
        t(
            "thanks-visit",
            "Thanks for visiting",
            MessageChannel::Email,
            "Thanks for visiting {dealership}",
            "Hi {first_name},\n\nThank you for stopping by today. I enjoyed showing you the {vehicle}. \
             If any questions come up, reply here or call me.\n\nBest regards,\n{rep}\n{dealership}",
        ),
        t(
            "quote-follow-up",
            "Quote follow-up",
            MessageChannel::Email,
            "Your numbers on the {vehicle}",
            "Hi {first_name},\n\nI wanted to make sure you received the numbers on the {vehicle}. \
             I am happy to adjust the term or the down payment so it fits your budget.\n\n{rep}\n{dealership}",
        ),
        t(
            "quote-send",
            "Your quote",
            MessageChannel::Email,
            "Your quote for the {vehicle}",
            "Hi {first_name},\n\nHere are the numbers we put together for the {vehicle}; the quote is attached. \
             You can see it on your phone, accept it or ask me a question here:\n{quote_link}\n\n{rep}\n{dealership}",
        ),
        t(
            "test-drive-confirm",
            "Test drive confirmation",
            MessageChannel::Sms,
            "",
            "Hi {first_name}, it's {rep} at {dealership}. Your {vehicle} test drive is set. Bring your licence. Reply STOP to opt out.",
        ),
        t(
            "check-in",
            "Quick check-in",
            MessageChannel::Sms,
            "",
            "Hi {first_name}, {rep} from {dealership} here. Any questions about the {vehicle}? Reply STOP to opt out.",
        ),
    ]
}

/// Fills `text` with the merge fields.
pub fn merge(text: &str, fields: &[(&str, &str)]) -> String {
    let mut out = text.to_string();
    for (k, v) in fields {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

/// The templates this customer may receive, filled in: email ones only with an email address and
/// email consent, SMS ones only with a phone number and SMS consent.
pub fn messages_for(
    c: &Customer,
    vehicle: &str,
    rep: &str,
    dealership: &str,
    locale: &crate::locale::Locale,
) -> Vec<Message> {
    let vehicle = if vehicle.is_empty() { "vehicle you looked at" } else { vehicle };
    let fields = [
        ("first_name", c.first_name.as_str()),
        ("last_name", c.last_name.as_str()),
        ("vehicle", vehicle),
        ("rep", rep),
        ("dealership", dealership),
    ];
    builtin_templates()
        .into_iter()
        .filter_map(|t| {
            let to = match t.channel {
                MessageChannel::Email if c.consent.email => c.email.clone()?,
                MessageChannel::Sms if c.consent.sms => c.phone.clone()?,
                _ => return None,
            };
            Some(Message {
                template: t.name.clone(),
                channel: t.channel,
                to,
                // The template is spelt the dealership's way before the fields go in: a name
                // or a vehicle the user typed is never rewritten.
                subject: merge(&locale.spell(&t.subject), &fields),
                body: merge(&locale.spell(&t.body), &fields),
                needs_quote: t.body.contains(crate::portal::LINK_FIELD),
            })
        })
        .collect()
}

/// The one thing to do next for this customer, if anything stands out.
pub fn next_step(
    activities: &[Activity],
    opportunities: &[Opportunity],
    quotes: &[Quote],
    last_contact: Option<Timestamp>,
    timeframe: Option<crate::domain::Timeframe>,
    now: Timestamp,
) -> Option<String> {
    let day = 86_400_000;
    if let Some(a) = activities.iter().filter(|a| a.done_at.is_none() && a.due_at < now).min_by_key(|a| a.due_at) {
        let days = (now.millis() - a.due_at.millis()) / day;
        return Some(if days >= 1 {
            format!("Overdue by {days} {}: {}", if days == 1 { "day" } else { "days" }, a.subject)
        } else {
            format!("Due now: {}", a.subject)
        });
    }
    let open: Vec<&Opportunity> = opportunities.iter().filter(|o| o.status == OpportunityStatus::Open).collect();
    let scheduled = activities.iter().any(|a| a.done_at.is_none());
    if let Some(q) = quotes.iter().find(|q| q.status == QuoteStatus::Presented)
        && !scheduled
    {
        return Some(format!("Follow up on quote {}: nothing is scheduled", q.number));
    }
    let silent_days = last_contact.map(|t| (now.millis() - t.millis()) / day);
    // Buying this week and nothing on the calendar: the test drive is the next step.
    if timeframe == Some(crate::domain::Timeframe::ThisWeek) && !scheduled {
        let about = open.first().map(|o| format!(" for {}", o.title)).unwrap_or_default();
        return Some(format!("Buying this week: book the test drive{about} now"));
    }
    match silent_days {
        Some(d) if d >= 14 && !open.is_empty() => {
            Some(format!("No contact in {d} days: call or text about {}", open[0].title))
        }
        None if !open.is_empty() => Some(format!("No contact logged yet: reach out about {}", open[0].title)),
        _ if !open.is_empty() && !scheduled => Some(format!("Schedule the next step for {}", open[0].title)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer(email: bool, sms: bool) -> Customer {
        let mut c = Customer::blank(Uuid::from_u128(1), Timestamp::from_millis(0));
        c.first_name = "Dana".into();
        c.last_name = "Whitfield".into();
        c.email = Some("dana@example.com".into());
        c.phone = Some("+15125550100".into());
        c.consent = Consent { email, sms, phone: true };
        c
    }

    #[test]
    fn templates_fill_merge_fields_and_respect_consent() {
        let us = crate::locale::Locale::for_country("US");
        let all = messages_for(&customer(true, true), "2024 Ford F-150", "Ana Ruiz", "Lakeside Motors", &us);
        assert_eq!(all.len(), builtin_templates().len());
        let email = all.iter().find(|m| m.template == "Quote follow-up").unwrap();
        assert_eq!(email.subject, "Your numbers on the 2024 Ford F-150");
        assert!(email.body.starts_with("Hi Dana,") && email.body.contains("Ana Ruiz\nLakeside Motors"));
        assert!(
            !all.iter().any(|m| m.body.replace(crate::portal::LINK_FIELD, "").contains('{')),
            "every merge field is filled but the quote link, which the server fills in"
        );
        let quote = all.iter().find(|m| m.template == "Your quote").unwrap();
        assert!(quote.needs_quote && quote.body.contains("{quote_link}"));
        assert!(all.iter().filter(|m| m.needs_quote).count() == 1);
        let no_sms = messages_for(&customer(true, false), "", "Ana", "Lakeside", &us);
        assert!(no_sms.iter().all(|m| m.channel == MessageChannel::Email), "no SMS template without SMS consent");
        assert!(no_sms[0].body.contains("vehicle you looked at"));
        assert!(messages_for(&customer(false, false), "", "Ana", "Lakeside", &us).is_empty());
        // A US dealership's text says "license"; a Canadian one's "licence".
        let sms = |l: &str| {
            messages_for(&customer(true, true), "", "Ana", "Lakeside", &crate::locale::Locale::for_country(l))
                .into_iter()
                .find(|m| m.template == "Test drive confirmation")
                .unwrap()
                .body
        };
        assert!(sms("US").contains("Bring your license."), "{}", sms("US"));
        assert!(sms("CA").contains("Bring your licence."), "{}", sms("CA"));
    }

    #[test]
    fn the_next_step_names_what_stands_out() {
        let now = Timestamp::from_millis(100 * 86_400_000);
        let t = |days: i64| Timestamp::from_millis(now.millis() - days * 86_400_000);
        let opp = Opportunity {
            id: Uuid::from_u128(2),
            customer_id: Uuid::from_u128(1),
            lead_id: None,
            vehicle_id: None,
            stage_id: Uuid::nil(),
            title: "2024 Ford F-150".into(),
            amount_cents: 1,
            owner_id: None,
            status: OpportunityStatus::Open,
            expected_close: None,
            lost_reason: String::new(),
            stage_entered_at: t(3),
            closed_at: None,
            created_at: t(30),
            updated_at: t(3),
            deleted_at: None,
            gross_cents: None,
            co_owner_id: None,
            unwound_at: None,
            competitor: String::new(),
            source: String::new(),
            channel: None,
        };
        let task = |due: Timestamp, done: bool| Activity {
            id: Uuid::from_u128(3),
            customer_id: Uuid::from_u128(1),
            opportunity_id: None,
            kind: ActivityKind::Call,
            subject: "Call about the trade".into(),
            due_at: due,
            done_at: done.then_some(due),
            outcome: String::new(),
            owner_id: None,
            created_at: due,
            updated_at: due,
            deleted_at: None,
            lead_id: None,
            message: String::new(),
        };
        assert_eq!(
            next_step(&[task(t(2), false)], std::slice::from_ref(&opp), &[], Some(t(1)), None, now).unwrap(),
            "Overdue by 2 days: Call about the trade"
        );
        assert_eq!(
            next_step(&[], std::slice::from_ref(&opp), &[], Some(t(20)), None, now).unwrap(),
            "No contact in 20 days: call or text about 2024 Ford F-150"
        );
        let future = Timestamp::from_millis(now.millis() + 86_400_000);
        assert_eq!(next_step(&[task(future, false)], std::slice::from_ref(&opp), &[], Some(t(2)), None, now), None);
        assert_eq!(next_step(&[], &[], &[], Some(t(40)), None, now), None, "nothing open: nothing to push");
        // Buying this week: the test drive comes first when nothing is scheduled.
        let week = Some(crate::domain::Timeframe::ThisWeek);
        assert!(
            next_step(&[], std::slice::from_ref(&opp), &[], Some(t(1)), week, now)
                .unwrap()
                .starts_with("Buying this week")
        );
        assert!(
            !next_step(&[task(future, false)], std::slice::from_ref(&opp), &[], Some(t(1)), week, now)
                .unwrap_or_default()
                .starts_with("Buying this week"),
            "something is already on the calendar"
        );
    }
}

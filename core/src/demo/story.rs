//! The demo's sales story: each lead is worked the way a dealership works it (answered in opening
//! hours, an appointment, a visit with a test drive, a deal that is won or lost some days later),
//! the chance of a sale rising with the lead's score and the rep's skill, so the dashboards, the
//! funnel and the score calibration read like a real store's. Every time a person acts falls in
//! the dealership's opening hours in its own time zone (America/Chicago, closed on Sundays).

use super::{DAY_MS, Gen};
use crate::domain::*;
use chrono::{Datelike, NaiveDate, Weekday};
use uuid::Uuid;

const HOUR_MS: i64 = 3_600_000;
const MIN_MS: i64 = 60_000;

/// Where the demo's lost customers bought instead: the dealers across town, by weight.
const COMPETITORS: &[&str] = &[
    "Harbor Toyota",
    "Harbor Toyota",
    "Harbor Toyota",
    "Northgate Honda",
    "Northgate Honda",
    "Carvana",
    "Westside Ford",
    "Private sale",
];
/// Opening hours, local: 9:00 to 19:00.
const OPEN_MIN: i64 = 9 * 60;
const CLOSE_MIN: i64 = 19 * 60;

/// America/Chicago's offset from UTC at an instant (US rules since 2007: daylight time from the
/// second Sunday of March, 2:00 local, to the first Sunday of November, 2:00 local).
pub(super) fn chicago_offset_ms(utc_ms: i64) -> i64 {
    let year = Timestamp::from_millis(utc_ms).date().year();
    let nth_sunday = |month: u32, n: u64| -> NaiveDate {
        let first = NaiveDate::from_ymd_opt(year, month, 1).unwrap_or_default();
        let to_sunday = u64::from((7 - first.weekday().num_days_from_sunday()) % 7);
        first + chrono::Days::new(to_sunday + 7 * (n - 1))
    };
    let utc = |d: NaiveDate, hour: u32| d.and_hms_opt(hour, 0, 0).map(|t| t.and_utc().timestamp_millis()).unwrap_or(0);
    // 2:00 CST is 8:00 UTC; 2:00 CDT is 7:00 UTC.
    let (start, end) = (utc(nth_sunday(3, 2), 8), utc(nth_sunday(11, 1), 7));
    if utc_ms >= start && utc_ms < end { -5 * HOUR_MS } else { -6 * HOUR_MS }
}

/// The local day and minute of the day of an instant.
fn local(utc_ms: i64) -> (NaiveDate, i64) {
    let l = utc_ms + chicago_offset_ms(utc_ms);
    (Timestamp::from_millis(l).date(), l.rem_euclid(DAY_MS) / MIN_MS)
}

/// The instant of a local wall-clock minute on a day.
fn at_local(day: NaiveDate, minute: i64) -> i64 {
    let naive = day.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp_millis()).unwrap_or(0) + minute * MIN_MS;
    naive - chicago_offset_ms(naive + 6 * HOUR_MS)
}

fn open_on(day: NaiveDate) -> bool {
    day.weekday() != Weekday::Sun
}

fn next_day(day: NaiveDate) -> NaiveDate {
    day.succ_opt().unwrap_or(day)
}

/// The first open moment at or after `t`.
pub(super) fn next_open(t: i64) -> i64 {
    let (mut day, minute) = local(t);
    if open_on(day) && (OPEN_MIN..CLOSE_MIN).contains(&minute) {
        return t;
    }
    if minute >= OPEN_MIN || !open_on(day) {
        day = next_day(day);
    }
    while !open_on(day) {
        day = next_day(day);
    }
    at_local(day, OPEN_MIN)
}

/// A random moment in opening hours on the local day of `t` (the next open day on a Sunday).
pub(super) fn during_hours(g: &mut Gen, t: i64) -> i64 {
    let (mut day, _) = local(t);
    while !open_on(day) {
        day = next_day(day);
    }
    at_local(day, g.rng.i64(OPEN_MIN..CLOSE_MIN - 30))
}

/// A random moment in opening hours some whole days (drawn from `days`) after `t`.
fn days_later(g: &mut Gen, t: i64, days: std::ops::Range<i64>) -> i64 {
    let d = g.rng.i64(days);
    during_hours(g, t + d * DAY_MS)
}

/// The same moment moved into opening hours of its day (kept when already inside them).
pub(super) fn in_hours(g: &mut Gen, t: i64) -> i64 {
    let (day, minute) = local(t);
    if open_on(day) && (OPEN_MIN..CLOSE_MIN).contains(&minute) { t } else { during_hours(g, t) }
}

/// A rep as the story needs them: how well they close and how often a follow-up slips.
#[derive(Clone, Copy)]
pub(super) struct Rep {
    pub id: Uuid,
    pub skill: f64,
    pub slips: f64,
}

/// What working one lead produced.
pub(super) struct Worked {
    pub deal: Option<Opportunity>,
    /// The quote presented (from Proposal on), and the sales order of a sale.
    pub quote: Option<(crate::quotes::Quote, crate::quotes::QuoteVersion)>,
    pub order: Option<crate::quotes::SalesOrder>,
    /// The deal's way through the stages.
    pub moves: Vec<StageMove>,
    pub activities: Vec<Activity>,
}

/// The chance that a lead of this score ends in a sale with an average rep: 3% at 0, 10% at 30,
/// 20% at 55, 38% at 85, 48% at 100.
pub(super) fn sale_chance(score: i32) -> f64 {
    0.03 + 0.45 * (f64::from(score.clamp(0, 100)) / 100.0).powf(1.5)
}

/// Works one lead from its arrival to today. `lead` gets its response time and status; the
/// returned deal and activities are to be inserted.
pub(super) fn work(
    g: &mut Gen,
    lead: &mut Lead,
    c: &Customer,
    v: &Vehicle,
    rep: Rep,
    luck: &mut f64,
    stages: &[PipelineStage],
) -> Worked {
    let now = g.now_ms;
    let received = lead.received_at.millis();
    // Sales are drawn systematically (a running sum of chances, kept per score band, that sells at
    // each whole one): a band, and a month, hold about as many sales as their leads' chances add
    // up to, not the wide swings of independent coin tosses, so the score's calibration shows.
    *luck += (sale_chance(lead.score) * rep.skill).clamp(0.01, 0.6);
    let sells = *luck >= 1.0;
    if sells {
        *luck -= 1.0;
    }
    let in_person = matches!(lead.channel, Channel::WalkIn | Channel::Event);
    let title = format!("{} {} {}", v.year, v.make, v.model);
    let mut acts = Vec::new();
    let lead_id = lead.id;
    let mut act = |g: &mut Gen, kind: ActivityKind, subject: String, created: i64, due: i64, done: Option<i64>| {
        let outcome = match (done, kind) {
            (None, _) => "",
            (Some(_), ActivityKind::Call) => *g.pick(&["Reached", "Reached", "Left voicemail"]),
            (Some(_), ActivityKind::Meeting) => "Came in",
            (Some(_), ActivityKind::TestDrive) => "Drove it",
            (Some(_), ActivityKind::Delivery) => "Delivered",
            (Some(_), _) => "Sent",
        };
        acts.push(Activity {
            id: g.id_at(Timestamp::from_millis(created)),
            customer_id: c.id,
            opportunity_id: None,
            kind,
            subject,
            due_at: Timestamp::from_millis(due),
            done_at: done.map(Timestamp::from_millis),
            outcome: outcome.into(),
            owner_id: Some(rep.id),
            created_at: Timestamp::from_millis(created),
            updated_at: Timestamp::from_millis(done.unwrap_or(created)),
            deleted_at: None,
            lead_id: Some(lead_id),
            message: String::new(),
        });
    };
    // How a rep reaches this customer: a call, or a text where they agreed to texts, or an email.
    let reach = if c.phone.is_some() && c.consent.phone {
        ActivityKind::Call
    } else if c.phone.is_some() && c.consent.sms {
        ActivityKind::Sms
    } else {
        ActivityKind::Email
    };

    // The first answer: on the spot in person, otherwise within opening hours.
    let answered_at = if in_person {
        Some(received + g.rng.i64(MIN_MS..4 * MIN_MS))
    } else if sells || g.chance(0.93) {
        let minutes = match g.rng.u8(0..10) {
            0..=5 => g.rng.i64(1..12),
            6..=8 => g.rng.i64(12..90),
            _ => g.rng.i64(90..300),
        };
        Some(next_open(received) + minutes * MIN_MS)
    } else {
        None
    }
    .filter(|t| *t < now);
    lead.first_response_at = answered_at.map(Timestamp::from_millis);
    lead.status = LeadStatus::New;
    let Some(answered) = answered_at else {
        if now - received > 21 * DAY_MS {
            lead.status = LeadStatus::Lost;
        }
        return Worked { deal: None, quote: None, order: None, moves: Vec::new(), activities: acts };
    };
    lead.status = LeadStatus::Contacted;
    if !in_person {
        act(g, reach, format!("First response: {}", lead.vehicle_interest), received, answered, Some(answered));
    }

    // An appointment: the buyers always, the others often.
    let score = f64::from(lead.score) / 100.0;
    if !(sells || g.chance(0.3 + 0.3 * score)) {
        // Not ready: one more try a few days later, then the lead goes cold.
        let again = days_later(g, answered, 2..5);
        let done = (again < now).then_some(again);
        act(g, reach, "Check in: still looking?".into(), answered, again, done);
        if now - received > 21 * DAY_MS {
            lead.status = LeadStatus::Lost;
        }
        return Worked { deal: None, quote: None, order: None, moves: Vec::new(), activities: acts };
    }
    let visit = if in_person { received } else { days_later(g, answered, 1..6) };
    let shows = sells || g.chance(0.7);
    lead.status = LeadStatus::Qualified;
    if visit >= now {
        act(g, ActivityKind::Meeting, "Showroom appointment".into(), answered, visit, None);
        return Worked { deal: None, quote: None, order: None, moves: Vec::new(), activities: acts };
    }
    if !in_person {
        act(g, ActivityKind::Meeting, "Showroom appointment".into(), answered, visit, shows.then_some(visit));
    }
    if !shows {
        let again = during_hours(g, visit + DAY_MS);
        act(g, reach, "Missed the appointment: rebook".into(), visit, again, (again < now).then_some(again));
        // The missed appointment is taken off the calendar when the rep rebooks.
        if let Some(a) = acts.iter_mut().find(|a| a.kind == ActivityKind::Meeting) {
            a.deleted_at = Some(Timestamp::from_millis((visit + DAY_MS).min(now)));
        }
        if now - received > 21 * DAY_MS {
            lead.status = LeadStatus::Lost;
        }
        return Worked { deal: None, quote: None, order: None, moves: Vec::new(), activities: acts };
    }

    // The visit opens a deal; most visitors drive the car.
    let drive = visit + g.rng.i64(15..50) * MIN_MS;
    if sells || g.chance(0.6) {
        act(g, ActivityKind::TestDrive, format!("Test drive: {title}"), visit, drive, Some(drive));
    }
    let cycle_days = if sells {
        match g.rng.u8(0..10) {
            0..=2 => 0,
            3..=6 => g.rng.i64(1..7),
            _ => g.rng.i64(7..30),
        }
    } else {
        g.rng.i64(5..45)
    };
    let close_at = if cycle_days == 0 {
        drive + g.rng.i64(60..180) * MIN_MS
    } else {
        during_hours(g, visit + cycle_days * DAY_MS)
    };
    // Some lost causes are never closed out by the rep: they sit in the pipeline going cold.
    let forgotten = !sells && g.chance(0.1) && now - close_at < 90 * DAY_MS;
    let status = if close_at >= now || forgotten {
        OpportunityStatus::Open
    } else if sells {
        OpportunityStatus::Won
    } else {
        OpportunityStatus::Lost
    };
    // The stages it goes through: a buyer all the way to delivery, the others stall part-way
    // (so a deal in Financing is nearly sold while one in Needs analysis may go either way).
    let top = if sells { 9 } else { g.rng.usize(2..7) };
    let stall = if sells { close_at } else { visit + (close_at - visit) / 2 };
    // It opens in New at the visit and moves on from there.
    let mut path: Vec<(usize, i64)> = std::iter::once((0, visit))
        .chain((2..=top).map(|k| {
            let share = (k - 1) as f64 / (top - 1) as f64;
            (k, visit + ((stall - visit) as f64 * share * 0.95) as i64)
        }))
        .filter(|(_, t)| *t < now)
        .collect();
    match status {
        OpportunityStatus::Won => path.push((10, close_at)),
        OpportunityStatus::Lost => path.push((11, close_at)),
        OpportunityStatus::Open => {}
    }
    let (stage, entered) = path.last().map(|(k, t)| (&stages[*k], *t)).unwrap_or((&stages[0], visit));
    let won = status == OpportunityStatus::Won;
    let gross = won.then(|| v.price_cents - v.invoice_cents - g.rng.i64(0..60_000));
    let unwound = won
        .then(|| g.chance(0.01))
        .filter(|u| *u)
        .map(|_| close_at + 10 * DAY_MS)
        .filter(|t| *t < now)
        .map(Timestamp::from_millis);
    let mut deal = Opportunity {
        id: g.id_at(Timestamp::from_millis(visit)),
        customer_id: c.id,
        lead_id: Some(lead.id),
        vehicle_id: (status == OpportunityStatus::Open && v.status == VehicleStatus::Available).then_some(v.id),
        stage_id: stage.id,
        title: title.clone(),
        amount_cents: v.price_cents,
        owner_id: Some(rep.id),
        status,
        expected_close: Some(Timestamp::from_millis(close_at).date()),
        lost_reason: if status == OpportunityStatus::Lost {
            g.pick(&crate::pipeline::LOST_REASONS[..6]).to_string()
        } else {
            String::new()
        },
        stage_entered_at: Timestamp::from_millis(entered),
        closed_at: (status != OpportunityStatus::Open).then(|| Timestamp::from_millis(close_at)),
        created_at: Timestamp::from_millis(visit),
        updated_at: Timestamp::from_millis(entered),
        deleted_at: None,
        gross_cents: gross,
        co_owner_id: None,
        unwound_at: unwound,
        competitor: String::new(),
        source: lead.source.clone(),
        channel: Some(lead.channel),
    };
    if crate::sync::rules::BOUGHT_ELSEWHERE.value == deal.lost_reason {
        // From the id, so the story's random stream (and every figure after it) stays as it was.
        deal.competitor = COMPETITORS[(deal.id.as_u128() % COMPETITORS.len() as u128) as usize].to_string();
    }
    lead.status = LeadStatus::Converted;
    match status {
        OpportunityStatus::Won => {
            let delivery = days_later(g, close_at, 0..3);
            act(
                g,
                ActivityKind::Delivery,
                format!("Delivery: {title}"),
                close_at,
                delivery,
                (delivery < now).then_some(delivery),
            );
        }
        OpportunityStatus::Lost => {
            act(g, reach, "Last try before closing the deal".into(), visit, close_at, Some(close_at));
        }
        // A forgotten deal: a rep who lets things slip still has its follow-up overdue; the others
        // simply stopped working it.
        OpportunityStatus::Open if forgotten && rep.slips == 0.0 => {}
        OpportunityStatus::Open => {
            // The next step: today or in the coming days, or, for a rep who lets things slip,
            // a few days overdue.
            let days = if forgotten || g.chance(rep.slips) { -g.rng.i64(1..4) } else { g.rng.i64(0..7) };
            let due = during_hours(g, now + days * DAY_MS);
            let kind = *g.pick(&[reach, reach, ActivityKind::FollowUp]);
            act(g, kind, format!("Follow up on the {title}"), visit, due, None);
        }
    }
    for a in &mut acts {
        if a.created_at.millis() >= visit {
            a.opportunity_id = Some(deal.id);
        }
    }
    let mut from = None;
    let mut moves = Vec::with_capacity(path.len());
    for (k, t) in path {
        let at = Timestamp::from_millis(t);
        moves.push(StageMove {
            id: g.id_at(at),
            opportunity_id: deal.id,
            customer_id: c.id,
            from_stage_id: from,
            stage_id: stages[k].id,
            at,
            by_id: Some(rep.id),
        });
        from = Some(stages[k].id);
    }
    // From Proposal on there is a quote: accepted with a sale (and its order), declined with a
    // loss, still out (or expired) while the deal is open; the newest ones not printed yet.
    let presented = moves.iter().find(|m| m.stage_id == stages[5].id).map(|m| m.at);
    let (quote, order) = match presented {
        Some(at) => quote_of(g, &deal, v, at, now),
        None => (None, None),
    };
    Worked { deal: Some(deal), quote, order, moves, activities: acts }
}

/// The quote a rep printed for `deal` at `at` (a loan at 6.9% for 60 months, $2,000 down, Texas
/// fees), priced by the desk, and for a sale its order.
fn quote_of(
    g: &mut Gen,
    deal: &Opportunity,
    v: &Vehicle,
    at: Timestamp,
    now: i64,
) -> (Option<(crate::quotes::Quote, crate::quotes::QuoteVersion)>, Option<crate::quotes::SalesOrder>) {
    use crate::quotes::{OrderStatus, Quote, QuoteStatus, QuoteVersion, SalesOrder, number};
    let money = |c: i64| format!("{}.{:02}", c / 100, c % 100);
    let desk: crate::desk::Deal = match serde_json::from_value(serde_json::json!({
        "jurisdiction": "TX",
        "date": at.date(),
        "vehicle": { "description": deal.title, "vin": v.vin, "stock_no": v.stock_no,
                     "msrp": money(v.msrp_cents), "invoice": money(v.invoice_cents) },
        "price": money(deal.amount_cents),
        "fees": [
            { "name": "Documentary fee", "kind": "doc", "amount": "150.00", "taxable": true },
            { "name": "Title", "kind": "title", "amount": "33.00", "taxable": false },
            { "name": "Registration and inspection", "kind": "registration", "amount": "82.50", "taxable": false }
        ],
        "down_payment": "2000.00",
        "terms": { "type": "loan", "apr": "6.9", "term_months": 60 },
        "grid": { "terms": [48, 60, 72], "down_payments": ["1000.00", "2000.00", "3000.00"] }
    })) {
        Ok(d) => d,
        Err(_) => return (None, None),
    };
    let Ok(calc) = crate::desk::calculate(&desk, &crate::desk::tax::TaxTable::builtin(), at.date()) else {
        return (None, None);
    };
    let id = g.id_at(at);
    let fresh = now - at.millis() < 2 * DAY_MS;
    let status = match deal.status {
        OpportunityStatus::Won => QuoteStatus::Accepted,
        OpportunityStatus::Lost => QuoteStatus::Declined,
        // Still out; past its week it has expired.
        OpportunityStatus::Open if fresh => QuoteStatus::Draft,
        OpportunityStatus::Open if at.date() + chrono::Days::new(7) < Timestamp::from_millis(now).date() => {
            QuoteStatus::Expired
        }
        OpportunityStatus::Open => QuoteStatus::Presented,
    };
    let closed = deal.closed_at.unwrap_or(at);
    let changed = if matches!(status, QuoteStatus::Accepted | QuoteStatus::Declined) { closed } else { at };
    let quote = Quote {
        id,
        number: number("Q", id, at.date()),
        customer_id: deal.customer_id,
        opportunity_id: Some(deal.id),
        vehicle_id: deal.vehicle_id,
        status,
        valid_until: at.date() + chrono::Days::new(7),
        version: 1,
        owner_id: deal.owner_id,
        created_at: at,
        updated_at: changed,
        deleted_at: None,
        decline_reason: if status == QuoteStatus::Declined { deal.lost_reason.clone() } else { String::new() },
    };
    let version = QuoteVersion {
        id: g.id_at(at),
        quote_id: id,
        version: 1,
        deal: desk,
        calc,
        frozen: status != QuoteStatus::Draft,
        created_at: at,
        updated_at: at,
    };
    let order = (status == QuoteStatus::Accepted).then(|| {
        let order_id = g.id_at(closed);
        let delivery = closed.date() + chrono::Days::new(g.rng.u64(0..3));
        let delivered = delivery < Timestamp::from_millis(now).date();
        let at_noon = |d: chrono::NaiveDate| {
            Timestamp::from_millis(d.and_hms_opt(18, 0, 0).map_or(closed.millis(), |t| t.and_utc().timestamp_millis()))
        };
        SalesOrder {
            id: order_id,
            number: number("SO", order_id, closed.date()),
            quote_id: id,
            quote_version: 1,
            customer_id: deal.customer_id,
            vehicle_id: deal.vehicle_id,
            deposit_cents: 500_00,
            delivery_date: Some(delivery),
            status: if delivered { OrderStatus::Delivered } else { OrderStatus::Open },
            created_at: closed,
            updated_at: closed,
            deleted_at: None,
            products: Vec::new(),
            funded_at: delivered.then_some(closed),
            delivered_at: delivered.then(|| at_noon(delivery)),
            cancelled_at: None,
            cancel_reason: String::new(),
        }
    });
    (Some((quote, version)), order)
}

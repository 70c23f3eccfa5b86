//! Test drives booked against a vehicle (never double-booked; the licence captured, an expired one
//! warned about), their completion with outcome and feedback, CSAT/NPS survey answers after the
//! sale, and referrals between customers. Each action is one transaction and leaves a line in the
//! customer's timeline.

use crate::activities;
use crate::domain::*;
use crate::error::{CoreError, FieldError, Result};
use crate::store::{Store, Writer, query};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TestDriveDraft {
    pub customer_id: Uuid,
    pub vehicle_id: Uuid,
    pub opportunity_id: Option<Uuid>,
    /// Start (UTC, RFC 3339).
    pub starts_at: String,
    pub minutes: i32,
    pub licence_number: String,
    pub licence_region: String,
    /// `YYYY-MM-DD`.
    pub licence_expiry: String,
}

/// A booking with what the rep should know (an expired licence).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Booking {
    pub test_drive: TestDrive,
    pub warnings: Vec<FieldError>,
}

fn parse_time(field: &str, text: &str) -> std::result::Result<Timestamp, FieldError> {
    Timestamp::parse(text).ok_or_else(|| FieldError::new(field, "is not a date and time"))
}

/// The scheduled drives of `vehicle` that overlap `[start, end)`, other than `except`.
pub fn clashes(
    conn: &rusqlite::Connection,
    vehicle: Uuid,
    start: Timestamp,
    end: Timestamp,
    except: Option<Uuid>,
) -> Result<Vec<TestDrive>> {
    let list: Vec<TestDrive> = query(
        conn,
        "WHERE vehicle_id = ?1 AND status = 'scheduled' AND starts_at < ?3 AND ends_at > ?2",
        [vehicle.to_string(), start.to_string(), end.to_string()],
    )?;
    Ok(list.into_iter().filter(|t| Some(t.id) != except).collect())
}

/// Books a test drive: checks the times, the licence and the vehicle's calendar, then writes the
/// booking and its Today item in one transaction.
pub fn schedule(store: &mut Store, d: &TestDriveDraft, today: NaiveDate) -> Result<Booking> {
    let now = Timestamp::now();
    let mut errors = Vec::new();
    let starts = parse_time("starts_at", &d.starts_at).map_err(|e| errors.push(e)).ok();
    if let Some(s) = starts
        && s.millis() < now.millis() - 5 * 60_000
    {
        errors.push(FieldError::new("starts_at", "is in the past; pick a time from now on"));
    }
    let expiry = NaiveDate::parse_from_str(d.licence_expiry.trim(), "%Y-%m-%d")
        .map_err(|_| errors.push(FieldError::new("licence_expiry", "use YYYY-MM-DD")))
        .ok();
    let start = starts.unwrap_or(now);
    let mut t = TestDrive {
        id: new_id(),
        customer_id: d.customer_id,
        vehicle_id: d.vehicle_id,
        opportunity_id: d.opportunity_id,
        starts_at: start,
        ends_at: Timestamp::from_millis(start.millis() + i64::from(d.minutes) * 60_000),
        licence_number: d.licence_number.clone(),
        licence_region: d.licence_region.clone(),
        licence_expiry: expiry.unwrap_or(today),
        status: TestDriveStatus::Scheduled,
        feedback: String::new(),
        activity_id: None,
        created_at: now,
        updated_at: now,
    };
    let warnings = match t.validate(today) {
        Ok(w) => w,
        Err(mut e) => {
            errors.append(&mut e);
            Vec::new()
        }
    };
    if !errors.is_empty() {
        return Err(CoreError::Validation(errors));
    }
    let owner = store.acting_user();
    store.write(|w| {
        let customer: Customer =
            w.get(d.customer_id).map_err(|_| CoreError::field("customer_id", "no such customer"))?;
        let vehicle: Vehicle = w.get(d.vehicle_id).map_err(|_| CoreError::field("vehicle_id", "no such vehicle"))?;
        if vehicle.status == VehicleStatus::Sold {
            return Err(CoreError::field(
                "vehicle_id",
                format!("{} (stock {}) is sold", vehicle.title(), vehicle.stock_no),
            ));
        }
        if let Some(other) = clashes(w.conn(), vehicle.id, t.starts_at, t.ends_at, None)?.first() {
            let who: String = w
                .get::<Customer>(other.customer_id)
                .map(|c| format!("{} {}", c.first_name, c.last_name))
                .unwrap_or_default();
            return Err(CoreError::field(
                "starts_at",
                format!(
                    "{} (stock {}) is booked {} for {who}; pick another time or vehicle",
                    vehicle.title(),
                    vehicle.stock_no,
                    local_span(other.starts_at, other.ends_at)
                ),
            ));
        }
        let subject = format!("Test drive: {} (stock {})", vehicle.title(), vehicle.stock_no);
        write_booking(w, &customer, &mut t, new_id(), subject, customer.owner_id.or(owner))?;
        Ok(Booking { test_drive: t.clone(), warnings: warnings.clone() })
    })
}

/// Writes a checked booking with its Today item (owned by `owner`, tied to the customer's open deal
/// when the booking names none) and stops the customer's cadences: they booked an appointment.
fn write_booking(
    w: &mut Writer<'_>,
    customer: &Customer,
    t: &mut TestDrive,
    reminder_id: Uuid,
    subject: String,
    owner: Option<Uuid>,
) -> Result<()> {
    let opportunity_id = t.opportunity_id.or_else(|| open_deal(w, customer.id));
    let reminder = Activity {
        id: reminder_id,
        customer_id: customer.id,
        opportunity_id,
        kind: ActivityKind::TestDrive,
        subject,
        due_at: t.starts_at,
        done_at: None,
        outcome: String::new(),
        owner_id: owner,
        created_at: t.created_at,
        updated_at: t.created_at,
        deleted_at: None,
        lead_id: None,
        message: String::new(),
    };
    w.insert(&reminder)?;
    crate::leads::inbox::stop_cadences(w, customer.id, crate::leads::cadence::Stop::BookedAppointment)?;
    t.opportunity_id = opportunity_id;
    t.activity_id = Some(reminder.id);
    w.insert(&*t)?;
    Ok(())
}

/// Books the test drive a customer chose on the portal (the response `from` names it): the
/// booking and the rep's Today item, with ids drawn from the response so two laptops of the rep
/// make the same records. The vehicle's calendar is checked again here: a clash or a sold vehicle
/// is an error the caller turns into a call task. The licence is checked when they arrive.
pub fn book_online(
    store: &mut Store,
    from: Uuid,
    customer: &Customer,
    vehicle: Uuid,
    opportunity: Option<Uuid>,
    starts: Timestamp,
    owner: Option<Uuid>,
) -> Result<()> {
    let now = Timestamp::now();
    let ends = Timestamp::from_millis(starts.millis() + crate::portal::slots::SLOT_MINUTES * 60_000);
    let id = Uuid::new_v5(&from, b"showroom portal test drive");
    store.write(|w| {
        if w.get::<TestDrive>(id).is_ok() {
            return Ok(());
        }
        let v: Vehicle =
            w.get(vehicle).map_err(|_| CoreError::field("vehicle_id", "the vehicle is not on this computer"))?;
        if v.status == VehicleStatus::Sold {
            return Err(CoreError::field("vehicle_id", format!("{} (stock {}) was sold", v.title(), v.stock_no)));
        }
        if let Some(other) = clashes(w.conn(), v.id, starts, ends, None)?.first() {
            return Err(CoreError::field(
                "starts_at",
                format!(
                    "{} (stock {}) is booked {} for someone else",
                    v.title(),
                    v.stock_no,
                    local_span(other.starts_at, other.ends_at)
                ),
            ));
        }
        let mut t = TestDrive {
            id,
            customer_id: customer.id,
            vehicle_id: v.id,
            opportunity_id: opportunity,
            starts_at: starts,
            ends_at: ends,
            licence_number: String::new(),
            licence_region: customer.region.clone(),
            licence_expiry: starts.date(),
            status: TestDriveStatus::Scheduled,
            feedback: String::new(),
            activity_id: None,
            created_at: now,
            updated_at: now,
        };
        let subject = format!("Test drive (booked online): {} (stock {}); check their licence", v.title(), v.stock_no);
        let reminder = Uuid::new_v5(&from, b"showroom portal test drive task");
        write_booking(w, customer, &mut t, reminder, subject, owner.or(customer.owner_id))
    })
}

/// "3:00–3:45 PM on Sat Nov 28" in this computer's time zone (where the rep and the lot are).
fn local_span(start: Timestamp, end: Timestamp) -> String {
    use chrono::TimeZone;
    let local = |t: Timestamp| chrono::Local.timestamp_millis_opt(t.millis()).single();
    match (local(start), local(end)) {
        (Some(a), Some(b)) => format!("{}–{} on {}", a.format("%-I:%M"), b.format("%-I:%M %p"), a.format("%a %b %-d")),
        _ => format!("{start}–{end}"),
    }
}

fn open_deal(w: &Writer<'_>, customer: Uuid) -> Option<Uuid> {
    w.conn()
        .query_row(
            "SELECT id FROM opportunities WHERE customer_id = ?1 AND status = 'open' AND deleted_at IS NULL ORDER BY updated_at DESC LIMIT 1",
            [customer.to_string()],
            |r| r.get::<_, String>(0),
        )
        .ok()
        .and_then(|s| s.parse().ok())
}

/// Marks the drive booked with `activity` done with the rep's feedback (called when its Today item
/// is completed, inside that transaction).
pub fn complete_for_activity(w: &mut Writer<'_>, activity: Uuid, feedback: &str) -> Result<()> {
    let list: Vec<TestDrive> =
        query(w.conn(), "WHERE activity_id = ?1 AND status = 'scheduled'", [activity.to_string()])?;
    for old in list {
        let mut t = old.clone();
        t.status = TestDriveStatus::Completed;
        t.feedback = feedback.to_string();
        t.updated_at = Timestamp::now_after(old.updated_at);
        w.update(&old, &t)?;
    }
    Ok(())
}

/// Completes a booked test drive with its outcome: the booking, its Today item, the timeline and
/// the deal's stage, together.
pub fn complete(store: &mut Store, id: Uuid, outcome: &str, feedback: &str) -> Result<TestDrive> {
    let t: TestDrive = crate::store::get(store.conn(), id)?;
    let activity = t.activity_id.ok_or_else(|| CoreError::Conflict("this test drive has no Today item".into()))?;
    let text = if feedback.trim().is_empty() {
        outcome.to_string()
    } else {
        format!("{outcome}. Feedback: {}", feedback.trim())
    };
    activities::complete(
        store,
        activity,
        &activities::Completion { outcome: text, next: None, checklist: Vec::new(), send_message: false },
    )?;
    crate::store::get(store.conn(), id)
}

/// Drives of one customer, newest first.
pub fn for_customer(conn: &rusqlite::Connection, customer: Uuid) -> Result<Vec<TestDrive>> {
    query(conn, "WHERE customer_id = ?1 ORDER BY starts_at DESC", [customer.to_string()])
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SurveyDraft {
    pub customer_id: Uuid,
    pub order_id: Option<Uuid>,
    pub kind: SurveyKind,
    pub score: i32,
    pub comment: String,
}

/// Records a CSAT (1–5) or NPS (0–10) answer and puts it on the timeline.
pub fn record_survey(store: &mut Store, d: &SurveyDraft) -> Result<Survey> {
    let now = Timestamp::now();
    let mut s = Survey {
        id: new_id(),
        customer_id: d.customer_id,
        order_id: d.order_id,
        kind: d.kind,
        score: d.score,
        comment: d.comment.clone(),
        answered_at: now,
    };
    s.validate().map_err(CoreError::Validation)?;
    let author = store.acting_user();
    store.write(|w| {
        w.get::<Customer>(d.customer_id).map_err(|_| CoreError::field("customer_id", "no such customer"))?;
        w.insert(&s)?;
        let (name, max) = match s.kind {
            SurveyKind::Csat => ("Satisfaction", 5),
            SurveyKind::Nps => ("Would recommend", 10),
        };
        let mut summary = format!("{name}: {}/{max}", s.score);
        if !s.comment.is_empty() {
            summary.push_str(&format!(" · \u{201c}{}\u{201d}", s.comment));
        }
        w.insert(&Interaction::at(s.customer_id, InteractionChannel::Note, Direction::Inbound, summary, author, now))?;
        Ok(s.clone())
    })
}

/// Records that `referrer` sent `customer`; both timelines say so.
pub fn add_referral(store: &mut Store, customer: Uuid, referrer: Uuid, note: &str) -> Result<Referral> {
    if customer == referrer {
        return Err(CoreError::field("referrer_id", "a customer cannot refer themselves"));
    }
    let now = Timestamp::now();
    let author = store.acting_user();
    let r = Referral {
        id: new_id(),
        customer_id: customer,
        referrer_id: referrer,
        note: note.trim().to_string(),
        created_at: now,
    };
    store.write(|w| {
        let c: Customer = w.get(customer).map_err(|_| CoreError::field("customer_id", "no such customer"))?;
        let by: Customer = w.get(referrer).map_err(|_| CoreError::field("referrer_id", "no such customer"))?;
        let existing: Vec<Referral> = query(
            w.conn(),
            "WHERE customer_id = ?1 AND referrer_id = ?2",
            [customer.to_string(), referrer.to_string()],
        )?;
        if !existing.is_empty() {
            return Err(CoreError::field(
                "referrer_id",
                format!("{} {} is already recorded as the referrer", by.first_name, by.last_name),
            ));
        }
        w.insert(&r)?;
        for (on, text) in [
            (customer, format!("Referred by {} {}", by.first_name, by.last_name)),
            (referrer, format!("Referred {} {}", c.first_name, c.last_name)),
        ] {
            w.insert(&Interaction::at(on, InteractionChannel::Note, Direction::Internal, text, author, now))?;
        }
        Ok(r.clone())
    })
}

/// What the customer 360 shows beyond the basics: who referred them, whom they referred, their
/// survey answers, their test drives, and the vehicles they own (delivered to them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Relations {
    /// Other customers at the same street address and postal code.
    pub household: Vec<(Uuid, String)>,
    pub referred_by: Vec<(Uuid, String)>,
    pub referred: Vec<(Uuid, String)>,
    pub surveys: Vec<Survey>,
    pub test_drives: Vec<TestDrive>,
    pub owned: Vec<String>,
}

pub fn relations(conn: &rusqlite::Connection, customer: Uuid) -> Result<Relations> {
    let name = |id: Uuid| {
        crate::store::get::<Customer>(conn, id).map(|c| format!("{} {}", c.first_name, c.last_name)).unwrap_or_default()
    };
    let by: Vec<Referral> = query(conn, "WHERE customer_id = ?1", [customer.to_string()])?;
    let sent: Vec<Referral> = query(conn, "WHERE referrer_id = ?1", [customer.to_string()])?;
    let owned: Vec<String> = {
        let mut stmt = conn.prepare(
            "SELECT v.year || ' ' || v.make || ' ' || v.model || ' (VIN ' || v.vin || ')' FROM sales_orders o
             JOIN vehicles v ON v.id = o.vehicle_id WHERE o.customer_id = ?1 AND o.deleted_at IS NULL
             AND EXISTS (SELECT 1 FROM activities a JOIN quotes q ON q.opportunity_id = a.opportunity_id
                         WHERE q.id = o.quote_id AND a.kind = 'delivery' AND a.done_at IS NOT NULL)",
        )?;
        let rows = stmt.query_map([customer.to_string()], |r| r.get::<_, String>(0))?;
        rows.collect::<std::result::Result<_, _>>()?
    };
    let me: Customer = crate::store::get(conn, customer)?;
    let household: Vec<Customer> = if me.street.trim().is_empty() || me.postal_code.trim().is_empty() {
        Vec::new()
    } else {
        query(
            conn,
            "WHERE id != ?1 AND deleted_at IS NULL AND lower(street) = lower(?2) AND postal_code = ?3 ORDER BY last_name LIMIT 20",
            [customer.to_string(), me.street.trim().to_string(), me.postal_code.trim().to_string()],
        )?
    };
    // Vehicles they traded in on accepted deals: owned before, worth knowing (service, loyalty).
    let mut owned = owned;
    let accepted: Vec<crate::quotes::Quote> =
        query(conn, "WHERE customer_id = ?1 AND status = 'accepted' AND deleted_at IS NULL", [customer.to_string()])?;
    for q in accepted {
        let versions: Vec<crate::quotes::QuoteVersion> =
            query(conn, "WHERE quote_id = ?1 ORDER BY version DESC LIMIT 1", [q.id.to_string()])?;
        if let Some(t) = versions.first().and_then(|v| v.deal.trade_in.clone())
            && !t.description.trim().is_empty()
        {
            let vin = if t.vin.is_empty() { String::new() } else { format!(" (VIN {})", t.vin) };
            owned.push(format!("{}{vin}, traded in on quote {}", t.description.trim(), q.number));
        }
    }
    Ok(Relations {
        household: household.into_iter().map(|c| (c.id, format!("{} {}", c.first_name, c.last_name))).collect(),
        referred_by: by.iter().map(|r| (r.referrer_id, name(r.referrer_id))).collect(),
        referred: sent.iter().map(|r| (r.customer_id, name(r.customer_id))).collect(),
        surveys: query(conn, "WHERE customer_id = ?1 ORDER BY answered_at DESC", [customer.to_string()])?,
        test_drives: for_customer(conn, customer)?,
        owned,
    })
}

/// The delivery checklist a rep walks through with the customer.
pub const DELIVERY_CHECKLIST: &[&str] = &[
    "Paperwork signed and copies given",
    "Insurance verified",
    "Vehicle detailed, full tank",
    "Walkaround: features and controls",
    "Phone paired, app set up",
    "Owner's manual and second key",
    "First service appointment booked",
    "Photo with the new car (with consent)",
];

//! Leads in the store: capture (quick add, event mode), conversion into a customer and a deal,
//! assignment (by hand, in bulk, by the routing rules, again when the first-response deadline
//! passes; every one logged with its reason), follow-up cadences as tasks with prepared messages
//! (stopped by a reply or an appointment), the inbox, and the score calibration report.

use super::cadence::{self, Stop};
use super::dedupe::{self, MatchReason, Person};
use super::routing::{self, LeadFacts, RepState};
use super::scoring::{self, Signals};
use super::{LeadAssignment, LeadSettings, settings};
use crate::domain::*;
use crate::error::{CoreError, FieldError, Result};
use crate::pipeline::OpportunityDraft;
use crate::store::{Store, Writer, query};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::HashMap;
use ts_rs::TS;
use uuid::Uuid;

/// How many vehicles in stock fit a lead's interest (for the budget-fit signal).
pub struct StockFit {
    stock: Vec<(String, String)>,
    cache: RefCell<HashMap<String, i32>>,
}

impl StockFit {
    pub fn load(conn: &rusqlite::Connection) -> Result<StockFit> {
        let mut stmt = conn.prepare(
            "SELECT lower(make), lower(model) FROM vehicles WHERE deleted_at IS NULL AND status = 'available'",
        )?;
        let stock = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
            .collect::<std::result::Result<_, _>>()?;
        Ok(Self::from_stock(stock))
    }

    /// From `(make, model)` of every available vehicle (any case).
    pub fn from_stock(stock: Vec<(String, String)>) -> StockFit {
        let stock = stock.into_iter().map(|(make, model)| (make.to_lowercase(), model.to_lowercase())).collect();
        StockFit { stock, cache: RefCell::new(HashMap::new()) }
    }

    /// Available vehicles whose make (and model, when the interest names one we have) it mentions.
    pub fn count(&self, interest: &str) -> i32 {
        let key = interest.trim().to_lowercase();
        if key.is_empty() {
            return 0;
        }
        if let Some(n) = self.cache.borrow().get(&key) {
            return *n;
        }
        let make_hits: Vec<&(String, String)> =
            self.stock.iter().filter(|(make, _)| !make.is_empty() && key.contains(make.as_str())).collect();
        let model_hits =
            make_hits.iter().filter(|(_, model)| !model.is_empty() && key.contains(model.as_str())).count();
        let n = if model_hits > 0 { model_hits } else { make_hits.len() } as i32;
        self.cache.borrow_mut().insert(key, n);
        n
    }
}

/// What the quick-add form and event mode send.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Capture {
    pub first_name: String,
    pub last_name: String,
    pub phone: String,
    pub email: String,
    /// "2024 Toyota RAV4", "a family SUV".
    pub interest: String,
    pub channel: Option<Channel>,
    pub source: String,
    pub campaign: String,
    pub event_id: Option<Uuid>,
    pub notes: String,
    pub timeframe_days: Option<i32>,
    pub trade_in: bool,
    pub financing: bool,
    /// Channels they agreed to be contacted on.
    pub consent: Consent,
    /// The traffic log entry this walk-in came from.
    pub traffic_id: Option<Uuid>,
}

/// A customer that looks like the one just captured (same last name and a similar first name):
/// shown so the rep can merge, never linked silently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PossibleMatch {
    pub customer_id: Uuid,
    pub name: String,
    pub contact: String,
    pub reason: MatchReason,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Captured {
    pub lead: Lead,
    pub customer: Customer,
    /// False when the lead was linked to the customer with the same email or phone.
    pub new_customer: bool,
    pub possible_duplicates: Vec<PossibleMatch>,
    /// Cadence tasks created.
    pub tasks: u32,
    pub warnings: Vec<FieldError>,
}

/// Where the clock is: local day boundaries, quiet hours and working hours use this offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    pub now: Timestamp,
    pub utc_offset_min: i32,
}

impl Clock {
    pub fn local_minute_of_day(&self, t: Timestamp) -> i64 {
        (t.millis() / 60_000 + i64::from(self.utc_offset_min)).rem_euclid(24 * 60)
    }

    /// The local calendar day of `now`.
    pub fn local_day(&self) -> chrono::NaiveDate {
        Timestamp::from_millis(self.now.millis() + i64::from(self.utc_offset_min) * 60_000).date()
    }

    /// The UTC instant of local midnight starting today.
    pub fn start_of_day(&self) -> Timestamp {
        let local_ms = self.now.millis() + i64::from(self.utc_offset_min) * 60_000;
        Timestamp::from_millis(local_ms - local_ms.rem_euclid(86_400_000) - i64::from(self.utc_offset_min) * 60_000)
    }
}

fn user_name(conn: &rusqlite::Connection, id: Option<Uuid>) -> Result<String> {
    let Some(id) = id else { return Ok(String::new()) };
    Ok(conn.query_row("SELECT name FROM users WHERE id = ?1", [id.to_string()], |r| r.get(0)).unwrap_or_default())
}

fn dealership_name(conn: &rusqlite::Connection) -> String {
    conn.query_row("SELECT name FROM dealerships LIMIT 1", [], |r| r.get(0)).unwrap_or_default()
}

fn score_lead(lead: &mut Lead, engagements: i32, fit: &StockFit, s: &LeadSettings, now: Timestamp) {
    let age_hours = ((now.millis() - lead.received_at.millis()) / 3_600_000).clamp(0, i64::from(i32::MAX)) as i32;
    let scored = scoring::score(
        &Signals {
            channel: Some(lead.channel),
            timeframe_days: lead.timeframe_days,
            has_trade_in: lead.trade_in,
            wants_financing: lead.financing,
            engagements,
            age_hours,
            matching_vehicles: fit.count(&lead.vehicle_interest),
        },
        &s.weights,
    );
    lead.score = scored.score;
    lead.score_reasons = scored.reasons;
}

/// Logs an assignment and sets it on the lead.
fn assign_in(
    w: &mut Writer<'_>,
    lead: &Lead,
    rep: Uuid,
    reason: String,
    by: Option<Uuid>,
    now: Timestamp,
) -> Result<Lead> {
    let mut new = lead.clone();
    new.assignee_id = Some(rep);
    new.assigned_at = Some(now);
    new.updated_at = Timestamp::now_after(lead.updated_at);
    w.update(lead, &new)?;
    w.insert(&LeadAssignment { id: new_id(), lead_id: lead.id, rep_id: rep, reason, by_id: by, at: now })?;
    Ok(new)
}

/// The customer with this normalised email or phone, if any.
fn by_contact(w: &Writer<'_>, email: Option<&str>, phone: Option<&str>) -> Result<Option<Customer>> {
    if let Some(e) = email {
        let found: Vec<Customer> = query(w.conn(), "WHERE email = ?1 AND deleted_at IS NULL LIMIT 1", [e])?;
        if let Some(c) = found.into_iter().next() {
            return Ok(Some(c));
        }
    }
    if let Some(p) = phone {
        let found: Vec<Customer> = query(w.conn(), "WHERE phone = ?1 AND deleted_at IS NULL LIMIT 1", [p])?;
        return Ok(found.into_iter().next());
    }
    Ok(None)
}

/// Customers that look like this person by name (not by contact: those are linked outright).
pub(crate) fn similar_customers(
    conn: &rusqlite::Connection,
    first: &str,
    last: &str,
    region: &str,
    except: Option<Uuid>,
) -> Result<Vec<PossibleMatch>> {
    let me = dedupe::keys(&Person { first_name: first.into(), last_name: last.into(), ..Default::default() }, region);
    if me.last.is_empty() {
        return Ok(Vec::new());
    }
    // Candidates by last name through the search index (accents and case folded), then compared.
    let Some(fts) = crate::store::search::fts_query(last) else { return Ok(Vec::new()) };
    let mut stmt = conn.prepare_cached(
        "SELECT id, first_name, last_name, coalesce(email, ''), coalesce(phone, '') FROM customers
         WHERE deleted_at IS NULL AND rid IN (SELECT rowid FROM customers_fts WHERE customers_fts MATCH ?1) LIMIT 500",
    )?;
    let rows: Vec<(String, String, String, String, String)> = stmt
        .query_map([fts], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
        .collect::<std::result::Result<_, _>>()?;
    let mut out = Vec::new();
    for (id, f, l, e, p) in rows {
        let id: Uuid = id.parse().map_err(|_| CoreError::field("customer_id", "not an id"))?;
        if Some(id) == except {
            continue;
        }
        let k = dedupe::keys(
            &Person { first_name: f.clone(), last_name: l.clone(), email: e.clone(), phone: p.clone() },
            region,
        );
        if let Some(reason) = dedupe::same_person(&me, &k) {
            let contact = if e.is_empty() { p } else { e };
            out.push(PossibleMatch { customer_id: id, name: format!("{f} {l}").trim().to_string(), contact, reason });
        }
    }
    Ok(out)
}

/// Creates the cadence's tasks for a lead now linked to `customer` (inside the caller's
/// transaction). Returns how many; none when the lead already has one or no cadence fits.
fn start_cadence(
    w: &mut Writer<'_>,
    lead: &mut Lead,
    customer: &Customer,
    s: &LeadSettings,
    clock: Clock,
) -> Result<u32> {
    if !lead.cadence.is_empty() {
        return Ok(0);
    }
    let Some(c) = s.cadence_for(lead.channel) else { return Ok(0) };
    // The cadence runs from now: a lead converted days after it arrived still gets every step.
    let start_minute = clock.local_minute_of_day(clock.now);
    let rep = user_name(w.conn(), lead.assignee_id.or(customer.owner_id))?;
    let dealership = dealership_name(w.conn());
    let vehicle =
        if lead.vehicle_interest.is_empty() { "vehicle you asked about" } else { lead.vehicle_interest.as_str() };
    let fields = [
        ("first_name", customer.first_name.as_str()),
        ("last_name", customer.last_name.as_str()),
        ("vehicle", vehicle),
        ("rep", rep.as_str()),
        ("dealership", dealership.as_str()),
    ];
    let mut n = 0;
    for p in cadence::plan(c, &customer.consent, start_minute, 0, None) {
        let due = Timestamp::from_millis(clock.now.millis() + p.at_minutes * 60_000);
        let a = Activity {
            id: new_id(),
            customer_id: customer.id,
            opportunity_id: None,
            kind: p.kind,
            subject: p.subject.clone(),
            due_at: due,
            done_at: None,
            outcome: String::new(),
            owner_id: lead.assignee_id.or(customer.owner_id),
            created_at: clock.now,
            updated_at: clock.now,
            deleted_at: None,
            lead_id: Some(lead.id),
            message: crate::contact::merge(&p.message, &fields),
        };
        w.insert(&a)?;
        n += 1;
    }
    lead.cadence = c.name.clone();
    Ok(n)
}

/// Stops the running cadences of this customer's leads: their open cadence tasks are removed and
/// the lead says why. Called when the customer replies or books an appointment.
pub(crate) fn stop_cadences(w: &mut Writer<'_>, customer_id: Uuid, why: Stop) -> Result<u32> {
    let leads: Vec<Lead> = query(
        w.conn(),
        "WHERE customer_id = ?1 AND cadence <> '' AND cadence_stopped = '' AND deleted_at IS NULL",
        [customer_id.to_string()],
    )?;
    let now = Timestamp::now();
    let mut stopped = 0;
    for lead in leads {
        let open: Vec<Activity> =
            query(w.conn(), "WHERE lead_id = ?1 AND done_at IS NULL AND deleted_at IS NULL", [lead.id.to_string()])?;
        for a in open {
            let mut gone = a.clone();
            gone.deleted_at = Some(now);
            gone.updated_at = Timestamp::now_after(a.updated_at);
            w.update(&a, &gone)?;
        }
        let mut new = lead.clone();
        new.cadence_stopped = match why {
            Stop::Replied => "replied",
            Stop::BookedAppointment => "booked_appointment",
        }
        .into();
        new.updated_at = Timestamp::now_after(lead.updated_at);
        w.update(&lead, &new)?;
        stopped += 1;
    }
    Ok(stopped)
}

/// An outbound contact with a customer answers their new leads: the speed-to-lead clock stops.
pub(crate) fn mark_responded(w: &mut Writer<'_>, customer_id: Uuid, at: Timestamp) -> Result<()> {
    let leads: Vec<Lead> = query(
        w.conn(),
        "WHERE customer_id = ?1 AND first_response_at IS NULL AND deleted_at IS NULL",
        [customer_id.to_string()],
    )?;
    for lead in leads {
        let mut new = lead.clone();
        new.first_response_at = Some(at.max(lead.received_at));
        if new.status == LeadStatus::New {
            new.status = LeadStatus::Contacted;
        }
        new.updated_at = Timestamp::now_after(lead.updated_at);
        w.update(&lead, &new)?;
    }
    Ok(())
}

/// Takes a lead in one action: validates it (each problem named), links it to the customer with
/// the same email or phone or creates one owned by whoever captured it, scores it, assigns it to
/// them, starts its follow-up cadence, and reports customers who look like the same person.
pub fn capture(store: &mut Store, c: &Capture, region: &str, clock: Clock) -> Result<Captured> {
    let me = store.acting_user();
    let s = settings(store.conn())?;
    let fit = StockFit::load(store.conn())?;
    let now = clock.now;
    let walk_in = matches!(c.channel, None | Some(Channel::WalkIn) | Some(Channel::Event) | Some(Channel::Phone));
    let mut lead = Lead {
        id: new_id(),
        customer_id: None,
        first_name: c.first_name.clone(),
        last_name: c.last_name.clone(),
        email: Some(c.email.clone()).filter(|e| !e.trim().is_empty()),
        phone: Some(c.phone.clone()).filter(|p| !p.trim().is_empty()),
        channel: c.channel.unwrap_or(if c.event_id.is_some() { Channel::Event } else { Channel::WalkIn }),
        source: c.source.clone(),
        campaign: c.campaign.clone(),
        vehicle_interest: c.interest.clone(),
        vehicle_id: None,
        status: if walk_in { LeadStatus::Contacted } else { LeadStatus::New },
        score: 0,
        assignee_id: me,
        received_at: now,
        first_response_at: walk_in.then_some(now),
        notes: c.notes.clone(),
        created_at: now,
        updated_at: now,
        deleted_at: None,
        event_id: c.event_id,
        timeframe_days: c.timeframe_days,
        trade_in: c.trade_in,
        financing: c.financing,
        score_reasons: Vec::new(),
        assigned_at: me.map(|_| now),
        cadence: String::new(),
        cadence_stopped: String::new(),
        merged_into: None,
        original: String::new(),
        intake_warnings: Vec::new(),
    };
    let mut errors = Vec::new();
    if c.phone.trim().is_empty() && c.email.trim().is_empty() {
        errors.push(FieldError::new("phone", "give a phone number or an email so we can follow up"));
    }
    if let Some(d) = c.timeframe_days
        && !(0..=3650).contains(&d)
    {
        errors.push(FieldError::new("timeframe_days", "must be between 0 and 3,650 days"));
    }
    let warnings = match lead.validate(region) {
        Ok(w) => w,
        Err(e) => {
            errors.extend(e);
            Vec::new()
        }
    };
    if lead.source.is_empty() {
        lead.source = match lead.channel {
            Channel::Event => "Event".into(),
            Channel::Phone => "Phone".into(),
            _ => "Showroom".into(),
        };
    }
    if !errors.is_empty() {
        return Err(CoreError::Validation(errors));
    }
    score_lead(&mut lead, i32::from(walk_in), &fit, &s, now);
    store.write(|w| {
        if let Some(e) = lead.event_id {
            w.get::<Event>(e).map_err(|_| CoreError::field("event_id", "no such event"))?;
        }
        let existing = by_contact(w, lead.email.as_deref(), lead.phone.as_deref())?;
        let new_customer = existing.is_none();
        let customer = match existing {
            Some(c) => c,
            None => {
                let mut cu = Customer::blank(new_id(), now);
                cu.owner_id = me;
                cu.first_name = lead.first_name.clone();
                cu.last_name = lead.last_name.clone();
                cu.email = lead.email.clone();
                cu.phone = lead.phone.clone();
                cu.consent = c.consent;
                cu.notes = lead.notes.clone();
                w.insert(&cu)?;
                cu
            }
        };
        lead.customer_id = Some(customer.id);
        let tasks = start_cadence(w, &mut lead, &customer, &s, clock)?;
        w.insert(&lead)?;
        if let Some(rep) = me {
            w.insert(&LeadAssignment {
                id: new_id(),
                lead_id: lead.id,
                rep_id: rep,
                reason: format!("captured by {}", user_name(w.conn(), Some(rep))?),
                by_id: Some(rep),
                at: now,
            })?;
        }
        if walk_in {
            let what = match lead.channel {
                Channel::Event => "Met at an event",
                Channel::Phone => "Called in",
                _ => "Walked in",
            };
            let summary = if lead.vehicle_interest.is_empty() {
                what.to_string()
            } else {
                format!("{what}: interested in {}", lead.vehicle_interest)
            };
            let channel =
                if lead.channel == Channel::Phone { InteractionChannel::Call } else { InteractionChannel::Visit };
            w.insert(&Interaction::at(customer.id, channel, Direction::Inbound, summary, me, now))?;
        }
        if let Some(t) = c.traffic_id {
            let old: super::floor::TrafficEntry =
                w.get(t).map_err(|_| CoreError::field("traffic_id", "no such walk-in on the traffic log"))?;
            let mut new = old.clone();
            new.customer_id = Some(customer.id);
            new.lead_id = Some(lead.id);
            new.outcome = "lead".into();
            new.name = format!("{} {}", lead.first_name, lead.last_name).trim().to_string();
            new.updated_at = Timestamp::now_after(old.updated_at);
            w.update(&old, &new)?;
        }
        let possible_duplicates =
            similar_customers(w.conn(), &lead.first_name, &lead.last_name, region, Some(customer.id))?;
        Ok(Captured {
            lead: lead.clone(),
            customer,
            new_customer,
            possible_duplicates,
            tasks,
            warnings: warnings.clone(),
        })
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Converted {
    pub lead: Lead,
    pub customer: Customer,
    pub opportunity: Opportunity,
    pub new_customer: bool,
}

/// Converts a lead in one action: links it to `link_to`, to its customer, or to the customer with
/// the same email or phone, else creates the customer; opens a deal in the first stage; starts
/// the follow-up cadence; notes it on the timeline.
pub fn convert(store: &mut Store, lead_id: Uuid, link_to: Option<Uuid>, clock: Clock) -> Result<Converted> {
    let me = store.acting_user();
    let s = settings(store.conn())?;
    crate::pipeline::ensure_default_stages(store)?;
    store.write(|w| {
        let old: Lead = w.get(lead_id).map_err(|_| CoreError::field("lead_id", "no such lead"))?;
        if old.deleted_at.is_some() || old.merged_into.is_some() {
            return Err(CoreError::field("lead_id", "this lead was removed or merged"));
        }
        if old.status == LeadStatus::Converted {
            return Err(CoreError::field("lead_id", "this lead is already converted"));
        }
        let owner = old.assignee_id.or(me);
        let (customer, new_customer) = match link_to.or(old.customer_id) {
            Some(id) => {
                let c: Customer = w.get(id).map_err(|_| CoreError::field("customer_id", "no such customer"))?;
                if c.deleted_at.is_some() {
                    return Err(CoreError::field("customer_id", "that customer was removed"));
                }
                (c, false)
            }
            None => match by_contact(w, old.email.as_deref(), old.phone.as_deref())? {
                Some(c) => (c, false),
                None => {
                    let mut cu = Customer::blank(new_id(), clock.now);
                    cu.owner_id = owner;
                    cu.first_name = old.first_name.clone();
                    cu.last_name = old.last_name.clone();
                    cu.email = old.email.clone();
                    cu.phone = old.phone.clone();
                    // An enquiry on a channel is consent to an answer on it.
                    cu.consent = Consent { email: cu.email.is_some(), phone: cu.phone.is_some(), sms: false };
                    cu.notes = old.notes.clone();
                    w.insert(&cu)?;
                    (cu, true)
                }
            },
        };
        let mut lead = old.clone();
        lead.customer_id = Some(customer.id);
        lead.status = LeadStatus::Converted;
        if lead.assignee_id.is_none() {
            lead.assignee_id = owner;
            lead.assigned_at = owner.map(|_| clock.now);
        }
        lead.first_response_at = lead.first_response_at.or(Some(clock.now.max(lead.received_at)));
        start_cadence(w, &mut lead, &customer, &s, clock)?;
        lead.updated_at = Timestamp::now_after(old.updated_at);
        w.update(&old, &lead)?;
        let opportunity = crate::pipeline::open_deal(
            w,
            &OpportunityDraft {
                customer_id: customer.id,
                lead_id: Some(lead.id),
                vehicle_id: lead.vehicle_id,
                title: if lead.vehicle_interest.is_empty() { String::new() } else { lead.vehicle_interest.clone() },
                amount: String::new(),
                stage_id: None,
            },
            owner,
        )?;
        let source = if lead.source.is_empty() { format!("{:?}", lead.channel) } else { lead.source.clone() };
        w.insert(&Interaction::at(
            customer.id,
            InteractionChannel::Note,
            Direction::Internal,
            format!("Lead from {source} converted (score {})", lead.score),
            me,
            clock.now,
        ))?;
        Ok(Converted { lead, customer, opportunity, new_customer })
    })
}

/// Assigns leads to a rep by hand (one transaction for the lot), each logged with `reason`.
pub fn assign(store: &mut Store, leads: &[Uuid], rep: Uuid, reason: &str) -> Result<u32> {
    store.require_manager("assignee_id", "assigns leads to other reps")?;
    let by = store.acting_user();
    let now = Timestamp::now();
    store.write(|w| {
        let user: User = w.get(rep).map_err(|_| CoreError::field("assignee_id", "no such rep"))?;
        if !user.active {
            return Err(CoreError::field("assignee_id", format!("{} is not active", user.name)));
        }
        let reason = if reason.trim().is_empty() {
            format!("assigned by hand to {}", user.name)
        } else {
            reason.trim().to_string()
        };
        let mut n = 0;
        for id in leads {
            let lead: Lead = w.get(*id).map_err(|_| CoreError::field("lead_ids", format!("no lead {id}")))?;
            if lead.assignee_id == Some(rep) {
                continue;
            }
            assign_in(w, &lead, rep, reason.clone(), by, now)?;
            n += 1;
        }
        Ok(n)
    })
}

/// Routing's view of the team now.
fn rep_states(w: &Writer<'_>, s: &LeadSettings, clock: Clock) -> Result<Vec<RepState>> {
    let users: Vec<User> = query(w.conn(), "WHERE active = 1 AND role = 'rep' ORDER BY name", [])?;
    let day = clock.local_day().to_string();
    let minute = clock.local_minute_of_day(clock.now);
    let mut out = Vec::new();
    for u in users {
        let id = u.id.to_string();
        let open_leads: i64 = w.conn().query_row(
            "SELECT count(*) FROM leads WHERE assignee_id = ?1 AND status IN ('new', 'contacted', 'qualified') AND deleted_at IS NULL",
            [&id],
            |r| r.get(0),
        )?;
        let last: Option<String> =
            w.conn().query_row("SELECT max(at) FROM lead_assignments WHERE rep_id = ?1", [&id], |r| r.get(0))?;
        let checkin: Option<(Option<i32>, i32)> = w
            .conn()
            .query_row(
                "SELECT position, ups_taken FROM floor_checkins WHERE user_id = ?1 AND day = ?2",
                [&id, &day],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .ok();
        let overdue: i64 = w.conn().query_row(
            "SELECT count(*) FROM activities WHERE owner_id = ?1 AND done_at IS NULL AND deleted_at IS NULL AND due_at < ?2",
            rusqlite::params![id, clock.start_of_day().to_string()],
            |r| r.get(0),
        )?;
        out.push(RepState::at(
            u.id,
            u.name,
            s.working_hours.contains(clock.local_day(), minute),
            open_leads,
            last.as_deref().and_then(Timestamp::parse).map(|t| t.millis()).unwrap_or(0),
            checkin.map(|c| c.0),
            overdue > 0,
        ));
    }
    Ok(out)
}

fn facts(w: &Writer<'_>, lead: &Lead) -> Result<LeadFacts> {
    let customer: Option<Customer> = match lead.customer_id {
        Some(c) => w.get(c).ok(),
        None => None,
    };
    let vehicle: Option<Vehicle> = match lead.vehicle_id {
        Some(v) => w.get(v).ok(),
        None => None,
    };
    Ok(super::intake::lead_facts(lead, customer.as_ref(), vehicle.as_ref()))
}

/// What routing did with one lead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Routed {
    pub lead_id: Uuid,
    pub rep_id: Option<Uuid>,
    /// Why this rep, or why nobody.
    pub reason: String,
}

/// Routes every new, unassigned lead by the rules and the distribution (one transaction), then
/// passes on every lead whose first-response deadline ran out to the next rep. Returns what
/// happened to each.
/// A rep's device routes nothing: handing leads to other reps is a manager's call (the server
/// would refuse it), so routing runs on a manager's or a single-user device.
pub fn route_new(store: &mut Store, clock: Clock) -> Result<Vec<Routed>> {
    if store.signed_in_as_rep() {
        return Ok(Vec::new());
    }
    let s = settings(store.conn())?;
    store.write(|w| {
        let mut reps = rep_states(w, &s, clock)?;
        let mut out = Vec::new();
        // At most 500 a round (the desktop routes every 20 s), oldest first.
        let waiting: Vec<Lead> = query(
            w.conn(),
            "WHERE assignee_id IS NULL AND status = 'new' AND deleted_at IS NULL AND merged_into IS NULL
             ORDER BY received_at LIMIT 500",
            [],
        )?;
        if !reps.iter().any(|r| r.available) {
            // Nobody can take a lead now: say so once instead of once per lead.
            return Ok(waiting
                .first()
                .map(|l| Routed {
                    lead_id: l.id,
                    rep_id: None,
                    reason: format!(
                        "{} leads wait: no rep is available now (working hours, check-outs)",
                        waiting.len()
                    ),
                })
                .into_iter()
                .collect());
        }
        // Passed on: assigned within the last day and not answered by the deadline (older leads
        // are the manager's to reassign by hand, not bounced around for ever).
        let deadline = Timestamp::from_millis(clock.now.millis() - i64::from(s.response_minutes) * 60_000);
        let day_ago = Timestamp::from_millis(clock.now.millis() - 86_400_000);
        let late: Vec<Lead> = query(
            w.conn(),
            "WHERE assignee_id IS NOT NULL AND status = 'new' AND first_response_at IS NULL AND assigned_at < ?1
             AND assigned_at >= ?2 AND deleted_at IS NULL AND merged_into IS NULL ORDER BY received_at LIMIT 500",
            [deadline.to_string(), day_ago.to_string()],
        )?;
        // A lead assigned after hours (the server routes around the clock) starts its clock at
        // the next opening.
        let response_ms = i64::from(s.response_minutes) * 60_000;
        let late = late.into_iter().filter(|l| {
            l.assigned_at.is_none_or(|a| {
                clock.now.millis() - s.working_hours.clock_starts(a, clock.utc_offset_min).millis() > response_ms
            })
        });
        for (lead, is_late) in waiting.into_iter().map(|l| (l, false)).chain(late.map(|l| (l, true))) {
            // Whoever had it already and let it run out is passed over.
            let tried: Vec<Uuid> = if is_late {
                let mut stmt = w.conn().prepare_cached("SELECT rep_id FROM lead_assignments WHERE lead_id = ?1")?;
                let ids: Vec<String> =
                    stmt.query_map([lead.id.to_string()], |r| r.get(0))?.collect::<std::result::Result<_, _>>()?;
                ids.iter().filter_map(|i| i.parse().ok()).collect()
            } else {
                Vec::new()
            };
            let f = facts(w, &lead)?;
            match routing::route(&f, &s.rules, &reps, s.distribution, &tried) {
                Ok(a) => {
                    let reason = if is_late {
                        format!("no first response within {} min; {}", s.response_minutes, a.reason)
                    } else {
                        a.reason.clone()
                    };
                    assign_in(w, &lead, a.rep, reason.clone(), None, clock.now)?;
                    if let Some(r) = reps.iter_mut().find(|r| r.id == a.rep) {
                        r.last_assigned_ms = clock.now.millis().max(r.last_assigned_ms + 1);
                        r.open_leads += 1;
                    }
                    if s.distribution == routing::Distribution::UpRotation {
                        routing::after_up(&mut reps, a.rep);
                    }
                    out.push(Routed { lead_id: lead.id, rep_id: Some(a.rep), reason });
                }
                Err(why) => out.push(Routed { lead_id: lead.id, rep_id: None, reason: why }),
            }
        }
        Ok(out)
    })
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct InboxFilter {
    /// `open` (new + contacted + qualified, the default), `uncontacted`, or a status.
    pub status: String,
    pub channel: Option<Channel>,
    pub assignee_id: Option<Uuid>,
    pub unassigned: bool,
    pub event_id: Option<Uuid>,
    pub search: String,
    pub min_score: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct InboxItem {
    pub lead: Lead,
    pub assignee: String,
    /// Minutes from arrival to the first response, or waiting so far when none yet.
    #[ts(type = "number")]
    pub response_minutes: i64,
    pub responded: bool,
    /// Past the first-response deadline without an answer.
    pub overdue: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Inbox {
    pub items: Vec<InboxItem>,
    #[ts(type = "number")]
    pub total: i64,
    #[ts(type = "number")]
    pub uncontacted: i64,
    /// Median minutes to first response over the leads listed that got one.
    #[ts(type = "number | null")]
    pub median_response_minutes: Option<i64>,
    pub response_deadline_minutes: i32,
}

/// The lead inbox: uncontacted leads first (oldest waiting at the top), then the rest by score.
pub fn inbox(conn: &rusqlite::Connection, f: &InboxFilter, now: Timestamp, limit: usize) -> Result<Inbox> {
    let s = settings(conn)?;
    let mut wh = vec!["deleted_at IS NULL".to_string(), "merged_into IS NULL".to_string()];
    let mut args: Vec<String> = Vec::new();
    match f.status.as_str() {
        "" | "open" => wh.push("status IN ('new', 'contacted', 'qualified')".into()),
        "uncontacted" => wh.push("first_response_at IS NULL AND status IN ('new', 'contacted', 'qualified')".into()),
        "all" => {}
        other => {
            args.push(other.to_string());
            wh.push(format!("status = ?{}", args.len()));
        }
    }
    if let Some(c) = f.channel {
        args.push(serde_json::to_value(c)?.as_str().unwrap_or_default().to_string());
        wh.push(format!("channel = ?{}", args.len()));
    }
    if let Some(a) = f.assignee_id {
        args.push(a.to_string());
        wh.push(format!("assignee_id = ?{}", args.len()));
    }
    if f.unassigned {
        wh.push("assignee_id IS NULL".into());
    }
    if let Some(e) = f.event_id {
        args.push(e.to_string());
        wh.push(format!("event_id = ?{}", args.len()));
    }
    if let Some(m) = f.min_score {
        args.push(m.to_string());
        wh.push(format!("score >= CAST(?{} AS INTEGER)", args.len()));
    }
    if let Some(q) = crate::store::search::fts_query(&f.search) {
        args.push(q);
        wh.push(format!("rid IN (SELECT rowid FROM leads_fts WHERE leads_fts MATCH ?{})", args.len()));
    }
    let filter = wh.join(" AND ");
    let total: i64 = conn.query_row(
        &format!("SELECT count(*) FROM leads WHERE {filter}"),
        rusqlite::params_from_iter(&args),
        |r| r.get(0),
    )?;
    let uncontacted: i64 = conn.query_row(
        &format!("SELECT count(*) FROM leads WHERE {filter} AND first_response_at IS NULL"),
        rusqlite::params_from_iter(&args),
        |r| r.get(0),
    )?;
    let leads: Vec<Lead> = query(
        conn,
        &format!(
            "WHERE {filter} ORDER BY (first_response_at IS NULL) DESC,
             CASE WHEN first_response_at IS NULL THEN received_at END ASC, score DESC, received_at DESC LIMIT {limit}"
        ),
        rusqlite::params_from_iter(&args),
    )?;
    let mut names: HashMap<Uuid, String> = HashMap::new();
    let mut responses = Vec::new();
    let items = leads
        .into_iter()
        .map(|lead| {
            let assignee = match lead.assignee_id {
                Some(a) => names.entry(a).or_insert_with(|| user_name(conn, Some(a)).unwrap_or_default()).clone(),
                None => String::new(),
            };
            let until = lead.first_response_at.unwrap_or(now);
            let response_minutes = (until.millis() - lead.received_at.millis()).max(0) / 60_000;
            if lead.first_response_at.is_some() {
                responses.push(response_minutes);
            }
            let since = lead.assigned_at.unwrap_or(lead.received_at);
            let overdue = lead.first_response_at.is_none()
                && now.millis() - since.millis() > i64::from(s.response_minutes) * 60_000;
            InboxItem { responded: lead.first_response_at.is_some(), lead, assignee, response_minutes, overdue }
        })
        .collect();
    responses.sort_unstable();
    let median_response_minutes = (!responses.is_empty()).then(|| responses[responses.len() / 2]);
    Ok(Inbox { items, total, uncontacted, median_response_minutes, response_deadline_minutes: s.response_minutes })
}

/// The lead's history: every assignment with its reason, newest first.
pub fn assignments(conn: &rusqlite::Connection, lead: Uuid) -> Result<Vec<LeadAssignment>> {
    query(conn, "WHERE lead_id = ?1 ORDER BY at DESC", [lead.to_string()])
}

/// Score bands against what happened: leads older than 30 days, sold when a deal from the lead
/// (or its customer, opened after it arrived) was won.
pub fn calibration(conn: &rusqlite::Connection, now: Timestamp) -> Result<Vec<scoring::Band>> {
    let cutoff = Timestamp::from_millis(now.millis() - 30 * 86_400_000).to_string();
    let mut stmt = conn.prepare(
        "SELECT l.score, EXISTS (SELECT 1 FROM opportunities o WHERE o.status = 'won' AND o.deleted_at IS NULL
                 AND (o.lead_id = l.id OR (o.customer_id = l.customer_id AND o.created_at >= l.received_at)))
         FROM leads l WHERE l.deleted_at IS NULL AND l.merged_into IS NULL AND l.received_at < ?1",
    )?;
    let history: Vec<(i32, bool)> =
        stmt.query_map([cutoff], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<std::result::Result<_, _>>()?;
    Ok(scoring::calibration(&history))
}

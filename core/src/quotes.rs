//! Quotes: a deal attached to a customer (and an opportunity when there is one), kept in versions.
//! Presenting or printing freezes the current version; a later edit makes a new one. Accepting a
//! quote turns it into a sales order and puts the vehicle on hold for that deal.

use crate::desk::money::Money;
use crate::desk::tax::TaxTable;
use crate::desk::{Deal, DealCalc, calculate};
use crate::domain::{Customer, Timestamp, Vehicle, VehicleStatus, new_id};
use crate::error::{CoreError, FieldError, Result};
use crate::store::{Store, Writer, query};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum QuoteStatus {
    Draft,
    Presented,
    Accepted,
    Declined,
    Expired,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Quote {
    pub id: Uuid,
    /// Human number, e.g. `Q-261127-4F2A`.
    pub number: String,
    pub customer_id: Uuid,
    pub opportunity_id: Option<Uuid>,
    pub vehicle_id: Option<Uuid>,
    pub status: QuoteStatus,
    #[ts(type = "string")]
    pub valid_until: NaiveDate,
    /// The current (latest) version number.
    pub version: i64,
    pub owner_id: Option<Uuid>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
}

impl Quote {
    /// The status a person should see: an open quote past its validity date has expired.
    pub fn effective_status(&self, today: NaiveDate) -> QuoteStatus {
        match self.status {
            QuoteStatus::Draft | QuoteStatus::Presented if today > self.valid_until => QuoteStatus::Expired,
            s => s,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct QuoteVersion {
    pub id: Uuid,
    pub quote_id: Uuid,
    pub version: i64,
    pub deal: Deal,
    /// The figures as computed when this version was saved.
    pub calc: DealCalc,
    pub frozen: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Open,
    Delivered,
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SalesOrder {
    pub id: Uuid,
    pub number: String,
    pub quote_id: Uuid,
    pub quote_version: i64,
    pub customer_id: Uuid,
    pub vehicle_id: Option<Uuid>,
    #[ts(type = "number")]
    pub deposit_cents: i64,
    #[ts(type = "string | null")]
    pub delivery_date: Option<NaiveDate>,
    pub status: OrderStatus,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
}

/// A quote with all its versions, newest last.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct QuoteDetail {
    pub quote: Quote,
    pub status: QuoteStatus,
    pub versions: Vec<QuoteVersion>,
    pub order: Option<SalesOrder>,
}

/// What saving a quote needs besides the deal.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct QuoteTarget {
    pub customer_id: Option<Uuid>,
    pub opportunity_id: Option<Uuid>,
    pub vehicle_id: Option<Uuid>,
    /// Days the quote stays valid; default 7.
    pub valid_days: Option<u32>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Acceptance {
    pub deposit: Money,
    #[ts(type = "string | null")]
    pub delivery_date: Option<NaiveDate>,
}

fn short(id: Uuid) -> String {
    let hex = id.simple().to_string();
    hex[hex.len() - 4..].to_uppercase()
}

pub(crate) fn number(prefix: &str, id: Uuid, today: NaiveDate) -> String {
    format!("{prefix}-{}-{}", today.format("%y%m%d"), short(id))
}

/// A new, unfrozen version of a quote.
fn draft_version(quote_id: Uuid, version: i64, deal: &Deal, calc: DealCalc, now: Timestamp) -> QuoteVersion {
    QuoteVersion {
        id: new_id(),
        quote_id,
        version,
        deal: deal.clone(),
        calc,
        frozen: false,
        created_at: now,
        updated_at: now,
    }
}

fn versions(w: &Writer<'_>, quote_id: Uuid) -> Result<Vec<QuoteVersion>> {
    query(w.conn(), "WHERE quote_id = ?1 ORDER BY version", [quote_id.to_string()])
}

/// Loads a quote with its versions and order.
pub fn detail(conn: &rusqlite::Connection, id: Uuid, today: NaiveDate) -> Result<QuoteDetail> {
    let quote: Quote = crate::store::get(conn, id)?;
    let versions = query(conn, "WHERE quote_id = ?1 ORDER BY version", [id.to_string()])?;
    let order = query::<SalesOrder>(conn, "WHERE quote_id = ?1 AND deleted_at IS NULL", [id.to_string()])?.pop();
    Ok(QuoteDetail { status: quote.effective_status(today), quote, versions, order })
}

/// Quotes of one customer, newest first.
pub fn for_customer(conn: &rusqlite::Connection, customer_id: Uuid) -> Result<Vec<Quote>> {
    query(conn, "WHERE customer_id = ?1 AND deleted_at IS NULL ORDER BY created_at DESC", [customer_id.to_string()])
}

/// Creates a quote (version 1, draft) for a customer in one transaction.
pub fn create(
    store: &mut Store,
    target: &QuoteTarget,
    deal: &Deal,
    taxes: &TaxTable,
    today: NaiveDate,
) -> Result<Uuid> {
    let calc = calculate(deal, taxes, today)?;
    let Some(customer_id) = target.customer_id else {
        return Err(CoreError::field("customer_id", "pick the customer this quote is for"));
    };
    let valid_days = target.valid_days.unwrap_or(7);
    if !(1..=90).contains(&valid_days) {
        return Err(CoreError::field("valid_days", "a quote is valid for 1 to 90 days"));
    }
    store.write(|w| {
        // A quote belongs to a deal: the one named, else the customer's open deal for this vehicle,
        // else their most recent open deal (so presenting and accepting move it along).
        let opportunity_id = match target.opportunity_id {
            Some(o) => Some(o),
            None => w
                .conn()
                .query_row(
                    "SELECT id FROM opportunities WHERE customer_id = ?1 AND status = 'open' AND deleted_at IS NULL
                     ORDER BY (vehicle_id IS ?2) DESC, updated_at DESC LIMIT 1",
                    rusqlite::params![customer_id.to_string(), target.vehicle_id.map(|v| v.to_string())],
                    |r| r.get::<_, String>(0),
                )
                .ok()
                .and_then(|s| s.parse().ok()),
        };
        let customer: Customer = w.get(customer_id).map_err(|_| CoreError::field("customer_id", "no such customer"))?;
        if let Some(v) = target.vehicle_id {
            w.get::<Vehicle>(v).map_err(|_| CoreError::field("vehicle_id", "no such vehicle"))?;
        }
        let now = Timestamp::now();
        let id = new_id();
        let quote = Quote {
            id,
            number: number("Q", id, today),
            customer_id,
            opportunity_id,
            vehicle_id: target.vehicle_id,
            status: QuoteStatus::Draft,
            valid_until: today + chrono::Days::new(u64::from(valid_days)),
            version: 1,
            owner_id: customer.owner_id,
            created_at: now,
            updated_at: now,
            deleted_at: None,
        };
        w.insert(&quote)?;
        w.insert(&draft_version(id, 1, deal, calc, now))?;
        Ok(id)
    })
}

/// Saves an edited deal: replaces the current draft version, or adds a new version when the
/// current one is frozen. Accepted or declined quotes cannot change.
pub fn revise(store: &mut Store, id: Uuid, deal: &Deal, taxes: &TaxTable, today: NaiveDate) -> Result<i64> {
    let calc = calculate(deal, taxes, today)?;
    store.write(|w| {
        let old: Quote = w.get(id)?;
        if matches!(old.status, QuoteStatus::Accepted | QuoteStatus::Declined) {
            return Err(CoreError::Conflict(
                format!("quote {} is {:?} and cannot change; copy it into a new quote", old.number, old.status)
                    .to_lowercase(),
            ));
        }
        let all = versions(w, id)?;
        let current = all.last().ok_or_else(|| CoreError::NotFound { entity: "quote version", id: id.to_string() })?;
        let now = Timestamp::now_after(old.updated_at);
        let mut quote = old.clone();
        quote.updated_at = now;
        if current.frozen {
            quote.version = current.version + 1;
            quote.status = QuoteStatus::Draft;
            w.insert(&draft_version(id, quote.version, deal, calc, now))?;
        } else {
            let mut next = current.clone();
            next.deal = deal.clone();
            next.calc = calc;
            next.updated_at = now;
            w.update(current, &next)?;
        }
        if quote.effective_status(today) == QuoteStatus::Expired {
            // Editing an expired quote renews it from today.
            let days = (old.valid_until - old.created_at.date()).num_days().max(1) as u64;
            quote.valid_until = today + chrono::Days::new(days);
        }
        w.update(&old, &quote)?;
        Ok(quote.version)
    })
}

/// Presents (or prints) the current version: it is frozen from now on.
pub fn present(store: &mut Store, id: Uuid, today: NaiveDate) -> Result<QuoteVersion> {
    let author = store.user_id();
    store.write(|w| {
        let old: Quote = w.get(id)?;
        if old.effective_status(today) == QuoteStatus::Expired {
            return Err(CoreError::Conflict(format!(
                "quote {} expired on {}; revise it to renew",
                old.number, old.valid_until
            )));
        }
        let all = versions(w, id)?;
        let current = all.last().ok_or_else(|| CoreError::NotFound { entity: "quote version", id: id.to_string() })?;
        let mut frozen = current.clone();
        if !current.frozen {
            frozen.frozen = true;
            frozen.updated_at = Timestamp::now_after(current.updated_at);
            w.update(current, &frozen)?;
        }
        if old.status == QuoteStatus::Draft {
            let mut q = old.clone();
            q.status = QuoteStatus::Presented;
            q.updated_at = Timestamp::now_after(old.updated_at);
            w.update(&old, &q)?;
        }
        if let Some(o) = old.opportunity_id {
            crate::pipeline::progress(w, o, crate::pipeline::Progress::QuotePresented, author)?;
        }
        Ok(frozen)
    })
}

pub fn decline(store: &mut Store, id: Uuid) -> Result<()> {
    store.write(|w| {
        let old: Quote = w.get(id)?;
        if old.status == QuoteStatus::Accepted {
            return Err(CoreError::Conflict(format!(
                "quote {} was accepted; cancel its sales order instead",
                old.number
            )));
        }
        let mut q = old.clone();
        q.status = QuoteStatus::Declined;
        q.updated_at = Timestamp::now_after(old.updated_at);
        w.update(&old, &q)?;
        Ok(())
    })
}

/// Accepts the current version: freezes it, creates the sales order and holds the vehicle.
pub fn accept(store: &mut Store, id: Uuid, a: &Acceptance, today: NaiveDate) -> Result<SalesOrder> {
    let mut errors = Vec::new();
    if a.deposit.is_negative() {
        errors.push(FieldError::new("deposit", "must not be negative"));
    }
    if a.delivery_date.is_some_and(|d| d < today) {
        errors.push(FieldError::new("delivery_date", "is in the past"));
    }
    if !errors.is_empty() {
        return Err(CoreError::Validation(errors));
    }
    let author = store.user_id();
    store.write(|w| {
        let old: Quote = w.get(id)?;
        match old.effective_status(today) {
            QuoteStatus::Accepted => {
                return Err(CoreError::Conflict(format!("quote {} is already accepted", old.number)));
            }
            QuoteStatus::Declined => return Err(CoreError::Conflict(format!("quote {} was declined", old.number))),
            QuoteStatus::Expired => {
                return Err(CoreError::Conflict(format!(
                    "quote {} expired on {}; revise it to renew",
                    old.number, old.valid_until
                )));
            }
            _ => {}
        }
        let all = versions(w, id)?;
        let current = all.last().ok_or_else(|| CoreError::NotFound { entity: "quote version", id: id.to_string() })?;
        let owed = current.calc.out_the_door.max(current.calc.balance_due);
        if a.deposit > owed {
            return Err(CoreError::field(
                "deposit",
                format!("{} is more than the deal's {}", a.deposit.pretty(), owed.pretty()),
            ));
        }
        if !current.frozen {
            let mut frozen = current.clone();
            frozen.frozen = true;
            frozen.updated_at = Timestamp::now_after(current.updated_at);
            w.update(current, &frozen)?;
        }
        if let Some(vid) = old.vehicle_id {
            let v: Vehicle = w.get(vid)?;
            match v.status {
                VehicleStatus::Sold | VehicleStatus::OnHold => {
                    return Err(CoreError::Conflict(format!(
                        "{} (stock {}) is already {}; pick another vehicle",
                        v.title(),
                        v.stock_no,
                        if v.status == VehicleStatus::Sold { "sold" } else { "on hold for another deal" }
                    )));
                }
                _ => {
                    let mut held = v.clone();
                    held.status = VehicleStatus::OnHold;
                    held.updated_at = Timestamp::now_after(v.updated_at);
                    w.update(&v, &held)?;
                }
            }
        }
        let now = Timestamp::now();
        let order_id = new_id();
        let order = SalesOrder {
            id: order_id,
            number: number("SO", order_id, today),
            quote_id: id,
            quote_version: current.version,
            customer_id: old.customer_id,
            vehicle_id: old.vehicle_id,
            deposit_cents: a.deposit.cents(),
            delivery_date: a.delivery_date,
            status: OrderStatus::Open,
            created_at: now,
            updated_at: now,
            deleted_at: None,
        };
        w.insert(&order)?;
        let mut q = old.clone();
        q.status = QuoteStatus::Accepted;
        q.updated_at = Timestamp::now_after(old.updated_at);
        w.update(&old, &q)?;
        if let Some(o) = old.opportunity_id {
            crate::pipeline::progress(w, o, crate::pipeline::Progress::QuoteAccepted, author)?;
        }
        Ok(order)
    })
}

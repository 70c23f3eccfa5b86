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
    /// Why the customer declined (or why its order was cancelled); empty otherwise.
    #[serde(default)]
    pub decline_reason: String,
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
    /// Signed; the vehicle is on hold for it.
    Open,
    /// The lender (or the customer's cash) paid.
    Funded,
    /// The customer drove it home: the vehicle is sold and the deal won.
    Delivered,
    /// Unwound before delivery: the vehicle's hold is released.
    Cancelled,
}

/// An F&I product sold with the vehicle (service contract, GAP, tire & wheel…): its price to the
/// customer and its cost to the dealership; the difference is back-end gross.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Product {
    pub name: String,
    #[ts(type = "number")]
    pub price_cents: i64,
    #[ts(type = "number")]
    pub cost_cents: i64,
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
    /// F&I products on the order (back-end gross).
    #[serde(default)]
    pub products: Vec<Product>,
    #[serde(default)]
    pub funded_at: Option<Timestamp>,
    #[serde(default)]
    pub delivered_at: Option<Timestamp>,
    #[serde(default)]
    pub cancelled_at: Option<Timestamp>,
    #[serde(default)]
    pub cancel_reason: String,
}

/// A quote with all its versions, newest last.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct QuoteDetail {
    pub quote: Quote,
    pub status: QuoteStatus,
    pub versions: Vec<QuoteVersion>,
    pub order: Option<SalesOrder>,
    /// The order's gross (front from the accepted version, back from its products).
    pub gross: Option<crate::orders::Gross>,
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
    let gross = order.as_ref().map(|o| crate::orders::gross(conn, o)).transpose()?;
    Ok(QuoteDetail { status: quote.effective_status(today), quote, versions, order, gross })
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
            decline_reason: String::new(),
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
        // Saving the same deal again (a reopened quote printed as it was) writes nothing.
        if current.deal == *deal && old.effective_status(today) != QuoteStatus::Expired {
            return Ok(old.version);
        }
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
            // Editing an expired quote renews it from today, as a draft.
            let days = (old.valid_until - old.created_at.date()).num_days().max(1) as u64;
            quote.valid_until = today + chrono::Days::new(days);
            quote.status = QuoteStatus::Draft;
        }
        w.update(&old, &quote)?;
        Ok(quote.version)
    })
}

/// Presents (or prints) the current version: it is frozen from now on.
pub fn present(store: &mut Store, id: Uuid, today: NaiveDate) -> Result<QuoteVersion> {
    let author = store.acting_user();
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

/// The customer said no: the quote reads declined with the reason (an accepted quote's order is
/// cancelled instead, which releases the vehicle).
pub fn decline(store: &mut Store, id: Uuid, reason: &str) -> Result<()> {
    let reason = crate::domain::validate::reason(
        "decline_reason",
        reason,
        "say why the customer declined (e.g. payment too high)",
    )?;
    store.write(|w| {
        let old: Quote = w.get(id)?;
        match old.status {
            QuoteStatus::Accepted => {
                return Err(CoreError::Conflict(format!(
                    "quote {} was accepted; cancel its sales order instead",
                    old.number
                )));
            }
            QuoteStatus::Declined => {
                return Err(CoreError::Conflict(format!("quote {} is already declined", old.number)));
            }
            _ => {}
        }
        let mut q = old.clone();
        q.status = QuoteStatus::Declined;
        q.decline_reason = reason.to_string();
        q.updated_at = Timestamp::now_after(old.updated_at);
        w.update(&old, &q)?;
        Ok(())
    })
}

/// Marks every open quote past its validity date expired, in one transaction; returns how many.
/// Runs when the Quotes list loads (`Showroom::quotes`); on every device the same rows get the same
/// value, so syncing them agrees.
pub fn expire_due(store: &mut Store, today: NaiveDate) -> Result<usize> {
    let due: Vec<Quote> = query(
        store.conn(),
        "WHERE status IN ('draft', 'presented') AND valid_until < ?1 AND deleted_at IS NULL",
        [today.to_string()],
    )?;
    if due.is_empty() {
        return Ok(0);
    }
    store.write(|w| {
        for old in &due {
            let q =
                Quote { status: QuoteStatus::Expired, updated_at: Timestamp::now_after(old.updated_at), ..old.clone() };
            w.update(old, &q)?;
        }
        Ok(due.len())
    })
}

/// A new quote for the same customer and deal with the current version's terms, on another
/// vehicle (its description, stock number, cost and price come from the vehicle).
pub fn duplicate(store: &mut Store, id: Uuid, vehicle_id: Uuid, taxes: &TaxTable, today: NaiveDate) -> Result<Uuid> {
    let old: Quote = crate::store::get(store.conn(), id)?;
    let current =
        query::<QuoteVersion>(store.conn(), "WHERE quote_id = ?1 ORDER BY version DESC LIMIT 1", [id.to_string()])?
            .pop()
            .ok_or_else(|| CoreError::NotFound { entity: "quote version", id: id.to_string() })?;
    let v: Vehicle =
        crate::store::get(store.conn(), vehicle_id).map_err(|_| CoreError::field("vehicle_id", "no such vehicle"))?;
    if v.status == VehicleStatus::Sold {
        return Err(CoreError::field("vehicle_id", format!("{} (stock {}) is sold", v.title(), v.stock_no)));
    }
    let mut deal = current.deal.clone();
    deal.vehicle = crate::desk::DealVehicle {
        description: v.title(),
        vin: v.vin.clone(),
        stock_no: v.stock_no.clone(),
        msrp: (v.msrp_cents > 0).then_some(Money(v.msrp_cents)),
        invoice: (v.invoice_cents > 0).then_some(Money(v.invoice_cents)),
        reconditioning: Money::ZERO,
    };
    deal.price = Money(v.price_cents);
    deal.date = None;
    let days = (old.valid_until - old.created_at.date()).num_days().clamp(1, 90) as u32;
    create(
        store,
        &QuoteTarget {
            customer_id: Some(old.customer_id),
            opportunity_id: old.opportunity_id,
            vehicle_id: Some(vehicle_id),
            valid_days: Some(days),
        },
        &deal,
        taxes,
        today,
    )
}

/// What the Quotes list filters on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct QuoteFilter {
    /// As a person sees it (an open quote past its date is expired).
    pub status: Option<QuoteStatus>,
    pub owner_id: Option<Uuid>,
    /// Customer name, quote number, vehicle or stock number.
    pub text: String,
}

/// One line of the Quotes list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct QuoteRow {
    pub quote: Quote,
    pub status: QuoteStatus,
    pub customer: String,
    pub vehicle: String,
    /// The monthly payment of the current version (loan or lease), else `None` (cash).
    #[ts(type = "number | null")]
    pub payment_cents: Option<i64>,
    #[ts(type = "number")]
    pub out_the_door_cents: i64,
    #[ts(type = "number")]
    pub age_days: i64,
    pub order: Option<OrderStatus>,
    pub owner: Option<String>,
}

/// The Quotes list, newest first (at most `limit`): one query joining each quote's current
/// version, customer, owner and order, filtered in SQL, so a keystroke in the search box reads
/// only the rows it shows. Read-only: expiry is stored by [`expire_due`], not here.
pub fn list(conn: &rusqlite::Connection, f: &QuoteFilter, today: NaiveDate, limit: usize) -> Result<Vec<QuoteRow>> {
    use crate::store::record::{Entity, from_row};
    let cols: Vec<String> = Quote::COLUMNS.iter().map(|(c, _)| format!("q.{c}")).collect();
    let n = cols.len();
    let mut sql = format!(
        "SELECT {}, trim(coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '')), u.name, v.deal, v.calc,
                (SELECT o.status FROM sales_orders o WHERE o.quote_id = q.id AND o.deleted_at IS NULL ORDER BY o.rid DESC LIMIT 1)
         FROM quotes q
         JOIN quote_versions v ON v.quote_id = q.id AND v.version = q.version
         LEFT JOIN customers c ON c.id = q.customer_id
         LEFT JOIN users u ON u.id = q.owner_id
         WHERE q.deleted_at IS NULL",
        cols.join(", ")
    );
    let mut args: Vec<String> = Vec::new();
    let arg = |v: String, args: &mut Vec<String>| {
        args.push(v);
        format!("?{}", args.len())
    };
    if let Some(o) = f.owner_id {
        sql.push_str(&format!(" AND q.owner_id = {}", arg(o.to_string(), &mut args)));
    }
    let day = today.format("%Y-%m-%d").to_string();
    // The status a person sees: an open quote past its date reads expired.
    match f.status {
        None => {}
        Some(QuoteStatus::Expired) => {
            let d = arg(day, &mut args);
            sql.push_str(&format!(
                " AND (q.status = 'expired' OR (q.status IN ('draft', 'presented') AND q.valid_until < {d}))"
            ));
        }
        Some(s @ (QuoteStatus::Draft | QuoteStatus::Presented)) => {
            let st = arg(status_name(s), &mut args);
            let d = arg(day, &mut args);
            sql.push_str(&format!(" AND q.status = {st} AND q.valid_until >= {d}"));
        }
        Some(s) => sql.push_str(&format!(" AND q.status = {}", arg(status_name(s), &mut args))),
    }
    let text = f.text.trim().to_lowercase();
    if !text.is_empty() {
        let t = arg(text, &mut args);
        sql.push_str(&format!(
            " AND instr(lower(trim(coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '')) || ' ' || q.number || ' '
                  || coalesce(json_extract(v.deal, '$.vehicle.description'), '') || ' '
                  || coalesce(json_extract(v.deal, '$.vehicle.stock_no'), '')), {t}) > 0"
        ));
    }
    sql.push_str(&format!(" ORDER BY q.created_at DESC LIMIT {}", limit.min(10_000)));
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(args.iter()))?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let q: Quote = from_row(r)?;
        let deal: crate::desk::Deal = serde_json::from_str(&r.get::<_, String>(n + 2)?)?;
        let calc: crate::desk::DealCalc = serde_json::from_str(&r.get::<_, String>(n + 3)?)?;
        let order: Option<String> = r.get(n + 4)?;
        let vehicle =
            if deal.vehicle.description.is_empty() { deal.vehicle.stock_no.clone() } else { deal.vehicle.description };
        out.push(QuoteRow {
            status: q.effective_status(today),
            customer: r.get(n)?,
            vehicle,
            payment_cents: calc
                .loan
                .as_ref()
                .map(|l| l.payment.cents())
                .or_else(|| calc.lease.as_ref().map(|l| l.payment.cents())),
            out_the_door_cents: calc.out_the_door.cents(),
            age_days: (today - q.created_at.date()).num_days().max(0),
            order: order.and_then(|o| serde_json::from_value(serde_json::Value::String(o)).ok()),
            owner: r.get(n + 1)?,
            quote: q,
        });
    }
    Ok(out)
}

/// The stored name of a status ("presented").
fn status_name(s: QuoteStatus) -> String {
    serde_json::to_value(s).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// Accepts the current version: freezes it, creates the sales order and holds the vehicle.
pub fn accept(store: &mut Store, id: Uuid, a: &Acceptance, today: NaiveDate) -> Result<SalesOrder> {
    accept_as(store, id, a, today, new_id())
}

/// [`accept`], with the sales order's id chosen by the caller (an acceptance made on the customer
/// portal gives every laptop that completes it the same order id).
pub fn accept_as(store: &mut Store, id: Uuid, a: &Acceptance, today: NaiveDate, order_id: Uuid) -> Result<SalesOrder> {
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
    let author = store.acting_user();
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
            products: Vec::new(),
            funded_at: None,
            delivered_at: None,
            cancelled_at: None,
            cancel_reason: String::new(),
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

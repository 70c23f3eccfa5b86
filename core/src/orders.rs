//! A sales order's life after the quote was accepted: F&I products added (back-end gross), funded,
//! delivered or cancelled, with the vehicle and the deal following it in the same transaction.
//!
//! - open → funded → delivered; open or funded → cancelled. Nothing leaves delivered or cancelled
//!   (an unwind after delivery is the manager's, on the deal).
//! - Delivered: the vehicle is sold, the deal is won (moved to Won with a timeline line) and its
//!   gross is captured: front-end from the accepted version's figures (selling price less the
//!   vehicle's cost and reconditioning), back-end from the order's products (price less cost).
//!   Commission statements read that gross.
//! - Cancelled: the vehicle's hold is released (back to available, unless it was sold elsewhere)
//!   and the quote reads declined with the reason, so it cannot be accepted again by mistake.

use crate::domain::{Opportunity, Timestamp, Vehicle, VehicleStatus};
use crate::error::{CoreError, FieldError, Result};
use crate::quotes::{OrderStatus, Product, Quote, QuoteStatus, QuoteVersion, SalesOrder};
use crate::store::{Store, Writer, query};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

/// An F&I product as typed on the order: amounts as text, parsed by the core's money rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct ProductDraft {
    pub name: String,
    pub price: String,
    pub cost: String,
}

/// The gross of an order, as it will be (or was) captured on the deal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Gross {
    /// `None` when the vehicle's cost is unknown (no invoice on the deal or the vehicle).
    #[ts(type = "number | null")]
    pub front_cents: Option<i64>,
    #[ts(type = "number")]
    pub back_cents: i64,
    #[ts(type = "number")]
    pub total_cents: i64,
}

fn load(w: &Writer<'_>, id: Uuid) -> Result<SalesOrder> {
    w.get::<SalesOrder>(id).map_err(|_| CoreError::NotFound { entity: "sales order", id: id.to_string() })
}

fn refuse_closed(o: &SalesOrder) -> Result<()> {
    match o.status {
        OrderStatus::Delivered => {
            Err(CoreError::Conflict(format!("order {} was delivered and cannot change", o.number)))
        }
        OrderStatus::Cancelled => {
            Err(CoreError::Conflict(format!("order {} was cancelled and cannot change", o.number)))
        }
        _ => Ok(()),
    }
}

/// Parses the products typed on an order; each bad field is named `products[i].field`.
pub fn parse_products(drafts: &[ProductDraft]) -> Result<Vec<Product>> {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    if drafts.len() > 20 {
        errors.push(FieldError::new("products", "an order holds at most 20 products"));
    }
    for (i, d) in drafts.iter().enumerate() {
        let name = d.name.trim();
        if name.is_empty() {
            errors.push(FieldError::new(format!("products[{i}].name"), "name the product (e.g. Service contract)"));
        } else if name.chars().count() > 80 {
            errors.push(FieldError::new(format!("products[{i}].name"), "at most 80 characters"));
        }
        let mut amount = |field: &str, text: &str| -> i64 {
            if text.trim().is_empty() {
                if field == "price" {
                    errors.push(FieldError::new(format!("products[{i}].price"), "type the price the customer pays"));
                }
                return 0;
            }
            match crate::desk::money::Money::parse(text) {
                Ok(m) if m.is_negative() => {
                    errors.push(FieldError::new(format!("products[{i}].{field}"), "must not be negative"));
                    0
                }
                Ok(m) => m.cents(),
                Err(e) => {
                    errors.push(FieldError::new(format!("products[{i}].{field}"), e.to_string()));
                    0
                }
            }
        };
        let price_cents = amount("price", &d.price);
        let cost_cents = amount("cost", &d.cost);
        out.push(Product { name: name.to_string(), price_cents, cost_cents });
    }
    if errors.is_empty() { Ok(out) } else { Err(CoreError::Validation(errors)) }
}

/// Replaces the order's F&I products (an open or funded order only).
pub fn set_products(store: &mut Store, id: Uuid, drafts: &[ProductDraft]) -> Result<SalesOrder> {
    let products = parse_products(drafts)?;
    store.write(|w| {
        let old = load(w, id)?;
        refuse_closed(&old)?;
        let mut new = old.clone();
        new.products = products;
        new.updated_at = Timestamp::now_after(old.updated_at);
        w.update(&old, &new)?;
        Ok(new)
    })
}

/// The lender (or the customer) paid: open → funded.
pub fn fund(store: &mut Store, id: Uuid) -> Result<SalesOrder> {
    store.write(|w| {
        let old = load(w, id)?;
        refuse_closed(&old)?;
        if old.status == OrderStatus::Funded {
            return Err(CoreError::Conflict(format!("order {} is already funded", old.number)));
        }
        let now = Timestamp::now_after(old.updated_at);
        let new = SalesOrder { status: OrderStatus::Funded, funded_at: Some(now), updated_at: now, ..old.clone() };
        w.update(&old, &new)?;
        Ok(new)
    })
}

/// The gross of `order` from its accepted version and its products.
pub fn gross(conn: &rusqlite::Connection, order: &SalesOrder) -> Result<Gross> {
    let version = query::<QuoteVersion>(
        conn,
        "WHERE quote_id = ?1 AND version = ?2",
        rusqlite::params![order.quote_id.to_string(), order.quote_version],
    )?
    .pop();
    let mut front = version.as_ref().and_then(|v| v.calc.front_end_gross.map(|m| m.cents()));
    // The deal was priced without the dealer's cost: take it from the vehicle record.
    if front.is_none()
        && let (Some(v), Some(vid)) = (version.as_ref(), order.vehicle_id)
        && let Ok(vehicle) = crate::store::get::<Vehicle>(conn, vid)
        && vehicle.invoice_cents > 0
    {
        let price = v.calc.vehicle_price.cents();
        front = Some(price - vehicle.invoice_cents - v.deal.vehicle.reconditioning.cents());
    }
    let back: i64 = order.products.iter().map(|p| p.price_cents - p.cost_cents).sum();
    Ok(Gross { front_cents: front, back_cents: back, total_cents: front.unwrap_or(0) + back })
}

/// The customer took the car: the order is delivered, the vehicle sold, the deal won with its gross.
pub fn deliver(store: &mut Store, id: Uuid) -> Result<SalesOrder> {
    let author = store.acting_user();
    store.write(|w| {
        let old = load(w, id)?;
        refuse_closed(&old)?;
        let now = Timestamp::now_after(old.updated_at);
        let new = SalesOrder {
            status: OrderStatus::Delivered,
            delivered_at: Some(now),
            funded_at: old.funded_at,
            updated_at: now,
            ..old.clone()
        };
        w.update(&old, &new)?;
        if let Some(vid) = old.vehicle_id {
            let v: Vehicle = w.get(vid)?;
            if v.status == VehicleStatus::Sold {
                return Err(CoreError::Conflict(format!(
                    "{} (stock {}) is already sold on another deal",
                    v.title(),
                    v.stock_no
                )));
            }
            let sold =
                Vehicle { status: VehicleStatus::Sold, updated_at: Timestamp::now_after(v.updated_at), ..v.clone() };
            w.update(&v, &sold)?;
        }
        let quote: Quote = w.get(old.quote_id)?;
        if let Some(oid) = quote.opportunity_id {
            crate::pipeline::progress(w, oid, crate::pipeline::Progress::DeliveryCompleted, author)?;
            let deal: Opportunity = w.get(oid)?;
            let g = gross(w.conn(), &new)?;
            let captured = Opportunity {
                gross_cents: Some(g.total_cents),
                vehicle_id: deal.vehicle_id.or(old.vehicle_id),
                updated_at: Timestamp::now_after(deal.updated_at),
                ..deal.clone()
            };
            if captured.gross_cents != deal.gross_cents || captured.vehicle_id != deal.vehicle_id {
                w.update(&deal, &captured)?;
            }
        }
        Ok(new)
    })
}

/// The deal unwound before delivery: the order is cancelled, the vehicle's hold released and the
/// quote marked declined with the reason.
pub fn cancel(store: &mut Store, id: Uuid, reason: &str) -> Result<SalesOrder> {
    let reason = crate::domain::validate::reason("cancel_reason", reason, "say why the order is cancelled")?;
    let reason = reason.as_str();
    store.write(|w| {
        let old = load(w, id)?;
        refuse_closed(&old)?;
        let now = Timestamp::now_after(old.updated_at);
        let new = SalesOrder {
            status: OrderStatus::Cancelled,
            cancelled_at: Some(now),
            cancel_reason: reason.to_string(),
            updated_at: now,
            ..old.clone()
        };
        w.update(&old, &new)?;
        if let Some(vid) = old.vehicle_id {
            release_hold(w, vid, id)?;
        }
        let quote: Quote = w.get(old.quote_id)?;
        if quote.status == QuoteStatus::Accepted {
            let declined = Quote {
                status: QuoteStatus::Declined,
                decline_reason: format!("order cancelled: {reason}"),
                updated_at: Timestamp::now_after(quote.updated_at),
                ..quote.clone()
            };
            w.update(&quote, &declined)?;
        }
        Ok(new)
    })
}

/// Puts a held vehicle back on sale unless another live order still holds it.
fn release_hold(w: &mut Writer<'_>, vehicle: Uuid, cancelled: Uuid) -> Result<()> {
    let v: Vehicle = w.get(vehicle)?;
    if v.status != VehicleStatus::OnHold {
        return Ok(());
    }
    let others = query::<SalesOrder>(
        w.conn(),
        "WHERE vehicle_id = ?1 AND id != ?2 AND status IN ('open', 'funded') AND deleted_at IS NULL",
        [vehicle.to_string(), cancelled.to_string()],
    )?;
    if others.is_empty() {
        let free =
            Vehicle { status: VehicleStatus::Available, updated_at: Timestamp::now_after(v.updated_at), ..v.clone() };
        w.update(&v, &free)?;
    }
    Ok(())
}

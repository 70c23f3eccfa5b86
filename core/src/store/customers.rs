//! Customer repository: list, detail with everything attached, create and update.

use crate::domain::{Activity, Customer, CustomerDraft, Interaction, Lead, Opportunity, Timestamp, new_id};
use crate::error::{CoreError, Result};
use crate::store::record::query;
use crate::store::search;
use crate::store::{Store, Writer};
use chrono::NaiveDate;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

/// A page of a list, with the total for "1-50 of 2,134".
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Rows in all pages; when `total_capped`, at least this many ("10,000+").
    pub total: i64,
    pub total_capped: bool,
    pub offset: i64,
}

/// What the customer list asks for.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct CustomerQuery {
    /// Search-as-you-type text; empty lists everyone by name.
    pub search: String,
    pub offset: i64,
    /// At most 500; 0 means 100.
    pub limit: i64,
}

/// A customer with everything the detail screen shows.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct CustomerDetail {
    pub customer: Customer,
    pub leads: Vec<Lead>,
    pub opportunities: Vec<Opportunity>,
    pub activities: Vec<Activity>,
    /// The most recent interactions, newest first.
    pub interactions: Vec<Interaction>,
    pub interaction_count: i64,
    pub quotes: Vec<crate::quotes::Quote>,
    /// The one thing to do next, when something stands out ("No contact in 20 days…").
    pub next_step: Option<String>,
    /// Stage names of the deals, by opportunity id.
    pub stages: Vec<(Uuid, String)>,
    pub orders: Vec<crate::quotes::SalesOrder>,
    /// Names of the people who logged the timeline entries shown, by user id.
    pub authors: Vec<(Uuid, String)>,
    /// Emails and texts queued for the server's outbox, newest first, with their delivery status.
    pub messages: Vec<crate::portal::OutgoingMessage>,
}

pub fn list(conn: &Connection, q: &CustomerQuery) -> Result<Page<Customer>> {
    let limit = match q.limit {
        0 => 100,
        n => n.clamp(1, 500),
    };
    let offset = q.offset.max(0);
    if q.search.trim().is_empty() {
        let total = conn.query_row("SELECT count(*) FROM customers WHERE deleted_at IS NULL", [], |r| r.get(0))?;
        let items = query::<Customer>(
            conn,
            "WHERE deleted_at IS NULL ORDER BY last_name COLLATE NOCASE, first_name COLLATE NOCASE LIMIT ?1 OFFSET ?2",
            [limit, offset],
        )?;
        return Ok(Page { items, total, total_capped: false, offset });
    }
    // The query is decided once (name keys or every word) for the page and its count.
    let Some(fts) = search::effective_query(conn, "customers", &q.search)? else {
        return Ok(Page { items: Vec::new(), total: 0, total_capped: false, offset });
    };
    let items = search::rows_matching::<Customer>(conn, &fts, limit as usize, offset as usize)?;
    // Counting every match of a one-letter query costs more than the page itself; count up to
    // a cap, which is all a person reads from "10,000+ found".
    const COUNT_CAP: i64 = 10_000;
    let (total, total_capped) = if items.len() as i64 == limit || offset > 0 {
        let n = search::count_matches(conn, "customers", &fts, COUNT_CAP)?;
        (n, n >= COUNT_CAP)
    } else {
        (offset + items.len() as i64, false)
    };
    Ok(Page { items, total, total_capped, offset })
}

pub fn detail(conn: &Connection, id: Uuid) -> Result<CustomerDetail> {
    let customer: Customer = crate::store::get(conn, id)?;
    if customer.deleted_at.is_some() {
        return Err(CoreError::NotFound { entity: "customer", id: id.to_string() });
    }
    let key = [id.to_string()];
    let activities: Vec<Activity> =
        query(conn, "WHERE customer_id = ?1 AND deleted_at IS NULL ORDER BY due_at DESC LIMIT 100", key.clone())?;
    let opportunities: Vec<Opportunity> =
        query(conn, "WHERE customer_id = ?1 AND deleted_at IS NULL ORDER BY created_at DESC", key.clone())?;
    let quotes = crate::quotes::for_customer(conn, id)?;
    let interactions: Vec<Interaction> =
        query(conn, "WHERE customer_id = ?1 ORDER BY occurred_at DESC LIMIT 50", key.clone())?;
    let last_contact = interactions
        .iter()
        .filter(|i| !matches!(i.direction, crate::domain::Direction::Internal))
        .map(|i| i.occurred_at)
        .max();
    let next_step = crate::contact::next_step(
        &activities,
        &opportunities,
        &quotes,
        last_contact,
        customer.preferences.timeframe,
        Timestamp::now(),
    );
    let mut stages = Vec::new();
    for o in &opportunities {
        if let Ok(s) = crate::store::get::<crate::domain::PipelineStage>(conn, o.stage_id) {
            stages.push((o.id, s.name));
        }
    }
    let mut authors: Vec<(Uuid, String)> = Vec::new();
    for a in interactions.iter().filter_map(|i| i.author_id) {
        if authors.iter().any(|(id, _)| *id == a) {
            continue;
        }
        if let Ok(name) =
            conn.query_row("SELECT name FROM users WHERE id = ?1", [a.to_string()], |r| r.get::<_, String>(0))
        {
            authors.push((a, name));
        }
    }
    let orders = query(conn, "WHERE customer_id = ?1 AND deleted_at IS NULL ORDER BY created_at DESC", key.clone())?;
    Ok(CustomerDetail {
        messages: query(conn, "WHERE customer_id = ?1 ORDER BY queued_at DESC LIMIT 50", key.clone())?,
        orders,
        authors,
        leads: query(conn, "WHERE customer_id = ?1 AND deleted_at IS NULL ORDER BY received_at DESC", key.clone())?,
        opportunities,
        activities,
        interactions,
        interaction_count: conn
            .query_row("SELECT count(*) FROM interactions WHERE customer_id = ?1", key, |r| r.get(0))?,
        quotes,
        next_step,
        stages,
        customer,
    })
}

/// Creates a customer from a draft in one transaction. Returns it with any warnings.
pub fn create(store: &mut Store, draft: &CustomerDraft, region: &str, today: NaiveDate) -> Result<Customer> {
    let now = Timestamp::now();
    let (mut customer, _warnings) =
        draft.apply(&Customer::blank(new_id(), now), region, today).map_err(CoreError::Validation)?;
    // A new customer is the creator's unless the form names another owner.
    customer.owner_id = customer.owner_id.or(store.acting_user());
    store.write(|w| {
        check_unique_contact(w, &customer)?;
        w.insert(&customer)
    })?;
    Ok(customer)
}

/// Applies a draft onto the stored customer in one transaction; only changed fields are written
/// and recorded.
pub fn update(store: &mut Store, id: Uuid, draft: &CustomerDraft, region: &str, today: NaiveDate) -> Result<Customer> {
    store.write(|w| {
        let old: Customer = w.get(id)?;
        if old.deleted_at.is_some() {
            return Err(CoreError::NotFound { entity: "customer", id: id.to_string() });
        }
        let (mut new, _warnings) = draft.apply(&old, region, today).map_err(CoreError::Validation)?;
        if new != old {
            new.updated_at = Timestamp::now_after(old.updated_at);
            if new.email != old.email {
                check_unique_contact(w, &new)?;
            }
            w.update(&old, &new)?;
        }
        Ok(new)
    })
}

/// Two live customers may not share an email address: the second one is almost always a duplicate
/// typed in a hurry, and the message says whom to open instead.
fn check_unique_contact(w: &Writer<'_>, c: &Customer) -> Result<()> {
    if let Some(email) = &c.email {
        let other = query::<Customer>(
            w.conn(),
            "WHERE email = ?1 AND id <> ?2 AND deleted_at IS NULL LIMIT 1",
            [email.clone(), c.id.to_string()],
        )?;
        if let Some(o) = other.first() {
            return Err(CoreError::field("email", format!("{email} already belongs to {}", o.display_name())));
        }
    }
    Ok(())
}

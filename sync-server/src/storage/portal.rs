//! The customer portal's and the outbox's storage: a share link found by its token's hash with
//! the quote, customer and dealership it shows (read from the synced state); a customer's action
//! written as the server's own synced change after the core's [`portal::check`], with a notice to
//! the quote's rep; queued messages, the share link and unsubscribe token each email carries, and
//! the status the outbox writes back.

use super::db::{Db, DbExt, Mode, OptionalExt, begin, params};
use super::intake::{changes_of, region_of, row_json};
use super::lock;
use super::{Conn, Result, Role, User, set_meta, tick_past};
use serde::de::DeserializeOwned;
use serde_json::Value;
use showroom_core::domain::validate::display_phone;
use showroom_core::domain::{Consent, Customer, Timestamp};
use showroom_core::pdf::{Letterhead, QuoteHeader, QuoteParty};
use showroom_core::portal::page::{Drive, Standing};
use showroom_core::portal::slots;
use showroom_core::portal::{self, Action, MessageStatus, OutgoingMessage, PortalResponse, QuoteShare, Refusal};
use showroom_core::quotes::{Quote, QuoteStatus, QuoteVersion};
use showroom_core::store::record::Col;
use showroom_core::sync::protocol::{Push, WireChange};
use uuid::Uuid;

/// How long a sender holds a message it took (then another may try it again).
pub const CLAIM_MS: u64 = 10 * 60 * 1000;

/// The author of what customers do on the portal and of the outbox's statuses: not a person.
pub fn portal_user(dealership: Uuid) -> User {
    User {
        id: Uuid::new_v5(&dealership, b"showroom customer portal"),
        dealership_id: dealership,
        login: "customer-portal".into(),
        name: "Customer portal".into(),
        role: Role::Manager,
        disabled: false,
        group_id: None,
    }
}

fn portal_device(dealership: Uuid) -> Uuid {
    Uuid::new_v5(&dealership, b"showroom customer portal device")
}

/// A synced row as its core type, from the state (JSON columns that arrived as text parsed).
pub(super) fn entity<T: DeserializeOwned>(conn: &dyn Db, d: &str, table: &str, id: &str) -> Result<Option<T>> {
    let Some(mut m) = row_json(conn, d, table, id)? else { return Ok(None) };
    if let Ok(cols) = showroom_core::store::remote::columns_of(table) {
        for (c, kind) in cols {
            let fixed = match (kind, m.get(*c)) {
                (Col::Json, Some(Value::String(t))) => serde_json::from_str::<Value>(t).ok(),
                (Col::Bool, Some(Value::Number(n))) => Some(Value::Bool(n.as_i64().unwrap_or(0) != 0)),
                _ => None,
            };
            if let Some(v) = fixed {
                m.insert((*c).to_string(), v);
            }
        }
    }
    Ok(serde_json::from_value(Value::Object(m)).ok())
}

/// Rows by a link field's value (by `state_links`, whose condition this repeats as written).
pub(super) const ROWS_WHERE: &str = "SELECT dealership_id, row_id FROM state
     WHERE (fid = 3 OR fid = 4 OR fid = 5 OR fid = 6)
     AND fid = (SELECT id FROM field_names WHERE name = ?2) AND tbl = ?1 AND value = ?3
     AND (CAST(?4 AS TEXT) IS NULL OR dealership_id = ?4)";

/// A dealership's scheduled test drives (by `state_statuses`, whose condition `fid = 7`, the
/// status, this repeats; `|| ''` as in `CHILDREN`).
pub(super) const SCHEDULED_DRIVES: &str = "SELECT row_id FROM state
     WHERE fid = 7 AND tbl || '' = 'test_drives' AND value = '\"scheduled\"' AND dealership_id || '' = ?1";

/// Row ids of `table` whose `field` (one of the indexed link fields) holds `value`.
fn rows_where(conn: &dyn Db, d: Option<&str>, table: &str, field: &str, value: &str) -> Result<Vec<(String, String)>> {
    let json = serde_json::to_string(value)?;
    let mut stmt = conn.prepare_cached(ROWS_WHERE)?;
    let rows = stmt
        .query_map(params![table, field, json, d], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<std::result::Result<Vec<(String, String)>, _>>()?;
    Ok(rows)
}

/// Everything one portal page needs, read in one go.
#[derive(Debug, Clone)]
pub struct PortalLoad {
    pub dealership: Uuid,
    pub share: QuoteShare,
    pub quote: Quote,
    /// The quote's current version.
    pub version: QuoteVersion,
    pub customer: Customer,
    pub letterhead: Letterhead,
    pub salesperson: String,
    pub responses: Vec<PortalResponse>,
    /// The dealership's date now (its time zone).
    pub today: chrono::NaiveDate,
    /// The dealership's country (phone numbers read in its national format).
    pub region: String,
    /// The dealership's time zone (IANA name; empty reads as UTC).
    pub zone: String,
    /// Test-drive slots free for the quote's vehicle and rep (empty without a vehicle).
    pub slots: Vec<Timestamp>,
}

impl PortalLoad {
    /// The quote's header as printed (the version's date).
    pub fn header(&self) -> QuoteHeader {
        QuoteHeader {
            letterhead: self.letterhead.clone(),
            customer: QuoteParty {
                name: self.customer.display_name(),
                phone: self.customer.phone.as_deref().map(|p| display_phone(p, &self.region)).unwrap_or_default(),
                email: self.customer.email.clone().unwrap_or_default(),
            },
            salesperson: self.salesperson.clone(),
            quote_number: format!("{} v{}", self.quote.number, self.version.version),
            date: self.version.updated_at.date().to_string(),
            valid_until: self.quote.valid_until.to_string(),
            show_grid: true,
        }
    }

    /// The test-drive part of the page: the booking already made, or the free slots by day.
    pub fn drive(&self, now: Timestamp) -> Drive {
        if self.quote.vehicle_id.is_none() || !matches!(self.standing(), Standing::Open | Standing::Accepted { .. }) {
            return Drive::Off;
        }
        if let Some(r) = self
            .responses
            .iter()
            .rev()
            .find(|r| r.kind == portal::ResponseKind::TestDrive && r.starts_at.is_some_and(|t| t > now))
        {
            return Drive::Booked(r.message.clone());
        }
        let mut days: Vec<(String, Vec<(String, String)>)> = Vec::new();
        for t in &self.slots {
            let day = slots::day_label(*t, &self.zone);
            let slot = (t.to_string(), slots::short_label(*t, &self.zone));
            match days.last_mut() {
                Some((d, list)) if *d == day => list.push(slot),
                _ => days.push((day, vec![slot])),
            }
        }
        Drive::Slots(days)
    }

    /// Where the quote stands for its customer.
    pub fn standing(&self) -> Standing {
        let answered = |k| self.responses.iter().rev().find(|r| r.quote_id == Some(self.quote.id) && r.kind == k);
        use showroom_core::portal::page::long_date;
        if let Some(r) = answered(portal::ResponseKind::Accepted) {
            return Standing::Accepted { on: long_date(r.at.date()) };
        }
        if let Some(r) = answered(portal::ResponseKind::Declined) {
            return Standing::Declined { on: long_date(r.at.date()) };
        }
        match self.quote.effective_status(self.today) {
            QuoteStatus::Draft | QuoteStatus::Presented => Standing::Open,
            QuoteStatus::Accepted => Standing::Accepted { on: long_date(self.quote.updated_at.date()) },
            QuoteStatus::Expired => Standing::Expired { on: long_date(self.quote.valid_until) },
            QuoteStatus::Declined => Standing::Closed,
        }
    }
}

/// What became of a portal action.
#[derive(Debug, Clone)]
pub enum Acted {
    Stored(PortalResponse),
    Refused(Refusal),
}

/// A queued message with what sending it needs.
#[derive(Debug, Clone)]
pub struct OutboxItem {
    pub dealership: Uuid,
    pub message: OutgoingMessage,
    pub customer: Customer,
    pub letterhead: Letterhead,
    /// The rep's name and email (replies go to them).
    pub rep: Option<(String, String)>,
    /// The quote to attach and link, when the message carries one.
    pub quote: Option<(Quote, QuoteVersion, QuoteHeader)>,
    pub attempts: i64,
}

/// How a send went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// Accepted by the mail server (its reply), with the share link made for it, if any.
    Sent { detail: String, share: Option<QuoteShare> },
    /// Refused for good (no consent, a refused address).
    Failed(String),
    /// Try again later (the relay is down).
    Retry(String),
}

impl Conn {
    fn letterhead(conn: &dyn Db, d: &str) -> Result<Letterhead> {
        let mut stmt =
            conn.prepare_cached("SELECT row_id FROM state WHERE dealership_id = ?1 AND tbl = 'dealerships' LIMIT 1")?;
        let row: Option<String> = stmt.query_row([d], |r| r.get(0)).optional()?;
        let Some(row) = row else { return Ok(Letterhead::default()) };
        let dealer: Option<showroom_core::domain::Dealership> = entity(conn, d, "dealerships", &row)?;
        Ok(dealer
            .map(|x| Letterhead {
                name: x.name,
                address: x.address,
                phone: x.phone,
                email: x.email,
                logo_png: x.logo_png,
            })
            .unwrap_or_default())
    }

    fn user_name(conn: &dyn Db, id: Option<Uuid>) -> Result<Option<(String, String)>> {
        let Some(id) = id else { return Ok(None) };
        let found: Option<(String, String)> = conn
            .prepare_cached("SELECT name, login FROM users WHERE id = ?1")?
            .query_row([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        Ok(found)
    }

    fn zone_of(conn: &dyn Db, d: &str) -> Result<String> {
        let mut stmt = conn.prepare_cached(
            "SELECT value FROM state WHERE dealership_id = ?1 AND tbl = 'dealerships' AND field = 'timezone' LIMIT 1",
        )?;
        let zone: Option<String> = stmt.query_row([d], |r| r.get(0)).optional()?;
        Ok(zone.and_then(|z| serde_json::from_str::<String>(&z).ok()).unwrap_or_default())
    }

    fn dealer_today(zone: &str, now: Timestamp) -> chrono::NaiveDate {
        let offset = showroom_core::domain::time::utc_offset_min(zone, now);
        Timestamp::from_millis(now.millis() + i64::from(offset) * 60_000).date()
    }

    /// When the vehicle or the rep is taken from now on: scheduled test drives of the vehicle or
    /// whose Today item is the rep's, and drives customers booked on the portal that no laptop
    /// has turned into a booking yet.
    fn drive_busy(
        conn: &dyn Db,
        d: &str,
        vehicle: Uuid,
        rep: Option<Uuid>,
        now: Timestamp,
    ) -> Result<Vec<(Timestamp, Timestamp)>> {
        use showroom_core::domain::{Activity, TestDrive};
        let mut busy = Vec::new();
        let ids: Vec<String> = conn
            .prepare_cached(SCHEDULED_DRIVES)?
            .query_map([d], |r| r.get(0))?
            .collect::<std::result::Result<_, _>>()?;
        for id in ids {
            let Some(t) = entity::<TestDrive>(conn, d, "test_drives", &id)? else { continue };
            if t.ends_at <= now {
                continue;
            }
            let rep_drive = rep.is_some()
                && t.activity_id
                    .and_then(|a| entity::<Activity>(conn, d, "activities", &a.to_string()).ok().flatten())
                    .is_some_and(|a| a.owner_id == rep);
            if t.vehicle_id == vehicle || rep_drive {
                busy.push((t.starts_at, t.ends_at));
            }
        }
        let pending: Vec<String> = conn
            .prepare_cached(
                "SELECT row_id FROM state WHERE dealership_id = ?1 AND tbl = 'portal_responses' AND field = 'kind' AND value = '\"test_drive\"'",
            )?
            .query_map([d], |r| r.get(0))?
            .collect::<std::result::Result<_, _>>()?;
        for id in pending {
            let Some(r) = entity::<PortalResponse>(conn, d, "portal_responses", &id)? else { continue };
            let Some(start) = r.starts_at.filter(|t| *t > now && r.handled_at.is_none()) else { continue };
            let quote = r.quote_id.and_then(|q| entity::<Quote>(conn, d, "quotes", &q.to_string()).ok().flatten());
            if quote.is_some_and(|q| q.vehicle_id == Some(vehicle) || (rep.is_some() && q.owner_id == rep)) {
                busy.push((start, Timestamp::from_millis(start.millis() + slots::SLOT_MINUTES * 60_000)));
            }
        }
        Ok(busy)
    }

    /// The share whose token hashes to `hash`, with what its page shows; `None` for a hash no
    /// share has (a guessed or mistyped link).
    pub(super) fn portal_load_in(conn: &dyn Db, hash: &str, now_ms: u64) -> Result<Option<PortalLoad>> {
        let Some((d, share_id)) = rows_where(conn, None, "quote_shares", "token_hash", hash)?.into_iter().next() else {
            return Ok(None);
        };
        let Some(share) = entity::<QuoteShare>(conn, &d, "quote_shares", &share_id)? else { return Ok(None) };
        let q = share.quote_id.to_string();
        let Some(quote) = entity::<Quote>(conn, &d, "quotes", &q)? else { return Ok(None) };
        let mut versions = Vec::new();
        for (_, row) in rows_where(conn, Some(&d), "quote_versions", "quote_id", &q)? {
            if let Some(v) = entity::<QuoteVersion>(conn, &d, "quote_versions", &row)? {
                versions.push(v);
            }
        }
        versions.sort_by_key(|v| v.version);
        let Some(version) = versions.into_iter().rfind(|v| v.version == quote.version) else { return Ok(None) };
        let Some(customer) = entity::<Customer>(conn, &d, "customers", &quote.customer_id.to_string())? else {
            return Ok(None);
        };
        let mut responses = Vec::new();
        for (_, row) in rows_where(conn, Some(&d), "portal_responses", "customer_id", &quote.customer_id.to_string())? {
            if let Some(r) = entity::<PortalResponse>(conn, &d, "portal_responses", &row)? {
                responses.push(r);
            }
        }
        responses.sort_by_key(|r| r.at);
        let now = Timestamp::from_millis(now_ms as i64);
        let zone = Self::zone_of(conn, &d)?;
        let rep = quote.owner_id.or(customer.owner_id);
        let slots = match quote.vehicle_id {
            Some(v) => slots::free_slots(now, &zone, &Self::drive_busy(conn, &d, v, rep, now)?),
            None => Vec::new(),
        };
        Ok(Some(PortalLoad {
            dealership: super::parse_id(&d)?,
            letterhead: Self::letterhead(conn, &d)?,
            salesperson: Self::user_name(conn, rep)?.map(|(n, _)| n).unwrap_or_default(),
            today: Self::dealer_today(&zone, now),
            region: region_of(conn, &d)?,
            zone,
            slots,
            share,
            quote,
            version,
            customer,
            responses,
        }))
    }

    pub(super) fn portal_load(&self, hash: &str, now_ms: u64) -> Result<Option<PortalLoad>> {
        Self::portal_load_in(&*self.conn, hash, now_ms)
    }

    /// Decides and stores one portal action in one transaction: the response row (and, for
    /// contact preferences, the customer's consent) as the server's own synced change, and a
    /// notice to the quote's rep. `None` for an unknown link.
    pub(super) fn portal_act(&mut self, hash: &str, action: &Action, now_ms: u64) -> Result<Option<Acted>> {
        let tx = begin(&*self.conn, Mode::Write)?;
        let Some(load) = Self::portal_load_in(&tx, hash, now_ms)? else { return Ok(None) };
        let now = Timestamp::from_millis(now_ms as i64);
        if let Err(r) = portal::check(action, &load.share, &load.quote, &load.responses, now, load.today) {
            return Ok(Some(Acted::Refused(r)));
        }
        if let Action::TestDrive { starts_at, .. } = action
            && !load.slots.contains(starts_at)
        {
            return Ok(Some(Acted::Refused(Refusal {
                status: 409,
                message: "That time was just taken or is no longer open. Please pick another.".into(),
            })));
        }
        let before = load.customer.consent;
        let response = portal::response(action, &load.share, before, now);
        let hlc = tick_past(
            &tx,
            &mut lock(&self.clock),
            &load.dealership.to_string(),
            &[("customers", load.customer.id)],
            now_ms,
        )?
        .to_string();
        let mut changes = changes_of("portal_responses", &response, &hlc)?;
        if let Action::Consent(after) = action {
            changes.push(consent_change(load.customer.id, *after, &hlc)?);
        }
        let user = portal_user(load.dealership);
        let push = Push { device_id: portal_device(load.dealership), changes };
        Self::push_in(&tx, &mut lock(&self.clock), 0, &user, &push, now_ms)?;
        if let Some(owner) = load.quote.owner_id.or(load.customer.owner_id) {
            let message = portal::notice_text(&load.customer.display_name(), &response, &load.quote.number);
            notice(&tx, &user, now_ms, owner, "portal_response", &response.id.to_string(), &message)?;
        }
        set_meta(&tx, "hlc", &lock(&self.clock).last().to_string())?;
        tx.commit()?;
        Ok(Some(Acted::Stored(response)))
    }

    /// Queued messages whose turn has come, oldest first, each claimed for [`CLAIM_MS`] in the
    /// transaction that finds it: another server process on the same PostgreSQL (or a second run
    /// here) does not take it meanwhile, and a send whose status could not be written back is not
    /// repeated at once. Recording the send releases the claim.
    pub(super) fn outbox_due(&mut self, now_ms: u64, limit: usize) -> Result<Vec<OutboxItem>> {
        let tx = begin(&*self.conn, Mode::Write)?;
        let due: Vec<(String, String, i64)> = tx
            .prepare_cached(
                "SELECT s.dealership_id, s.row_id, COALESCE(a.attempts, 0) FROM state s
                 LEFT JOIN outbox_attempts a ON a.message_id = s.row_id
                 WHERE s.fid = 7 AND s.tbl = 'outgoing_messages' AND s.value = '\"queued\"'
                   AND COALESCE(a.next_ms, 0) <= ?1
                 LIMIT ?2",
            )?
            .query_map(params![now_ms as i64, limit as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<std::result::Result<_, _>>()?;
        for (d, id, attempts) in &due {
            tx.execute(
                "INSERT INTO outbox_attempts (message_id, dealership_id, attempts, next_ms, last_error)
                 VALUES (?1, ?2, ?3, ?4, '') ON CONFLICT (message_id) DO UPDATE SET next_ms = ?4",
                params![id, d, attempts, (now_ms + CLAIM_MS) as i64],
            )?;
        }
        tx.commit()?;
        let mut items = Vec::new();
        for (d, id, attempts) in due {
            let Some(message) = entity::<OutgoingMessage>(&*self.conn, &d, "outgoing_messages", &id)? else { continue };
            let Some(customer) = entity::<Customer>(&*self.conn, &d, "customers", &message.customer_id.to_string())?
            else {
                continue;
            };
            let letterhead = Self::letterhead(&*self.conn, &d)?;
            let quote = match message.quote_id {
                Some(q) => {
                    let quote = entity::<Quote>(&*self.conn, &d, "quotes", &q.to_string())?;
                    let mut version = None;
                    for (_, row) in rows_where(&*self.conn, Some(&d), "quote_versions", "quote_id", &q.to_string())? {
                        let v = entity::<QuoteVersion>(&*self.conn, &d, "quote_versions", &row)?;
                        if let (Some(v), Some(qt)) = (v, &quote)
                            && v.version == qt.version
                        {
                            version = Some(v);
                        }
                    }
                    match (quote, version) {
                        (Some(quote), Some(version)) => {
                            let rep = Self::user_name(&*self.conn, quote.owner_id)?.map(|(n, _)| n).unwrap_or_default();
                            let header = QuoteHeader {
                                letterhead: letterhead.clone(),
                                customer: QuoteParty {
                                    name: customer.display_name(),
                                    phone: customer
                                        .phone
                                        .as_deref()
                                        .map(|p| display_phone(p, &region_of(&*self.conn, &d).unwrap_or_default()))
                                        .unwrap_or_default(),
                                    email: customer.email.clone().unwrap_or_default(),
                                },
                                salesperson: rep,
                                quote_number: format!("{} v{}", quote.number, version.version),
                                date: version.updated_at.date().to_string(),
                                valid_until: quote.valid_until.to_string(),
                                show_grid: true,
                            };
                            Some((quote, version, header))
                        }
                        _ => None,
                    }
                }
                None => None,
            };
            items.push(OutboxItem {
                dealership: super::parse_id(&d)?,
                rep: Self::user_name(&*self.conn, message.author_id)?,
                message,
                customer,
                letterhead,
                quote,
                attempts,
            });
        }
        Ok(items)
    }

    /// Records a send: the message's status (and the share link its email carries) as the
    /// server's own synced change, or the next try.
    pub(super) fn outbox_done(&mut self, item: &OutboxItem, sent: &Sent, now_ms: u64) -> Result<()> {
        let tx = begin(&*self.conn, Mode::Write)?;
        let d = item.dealership.to_string();
        let id = item.message.id.to_string();
        if let Sent::Retry(why) = sent {
            let attempts = item.attempts + 1;
            // 1, 2, 4 … minutes, at most an hour between tries.
            let wait = 60_000_i64 * (1_i64 << attempts.clamp(0, 6) as u32).min(60);
            tx.execute(
                "INSERT INTO outbox_attempts (message_id, dealership_id, attempts, next_ms, last_error) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (message_id) DO UPDATE SET attempts = ?3, next_ms = ?4, last_error = ?5",
                params![id, d, attempts, now_ms as i64 + wait, why],
            )?;
            tx.commit()?;
            return Ok(());
        }
        // Still queued? (The rep may have withdrawn it while it was being sent.)
        let current: Option<OutgoingMessage> = entity(&tx, &d, "outgoing_messages", &id)?;
        if current.is_none_or(|m| m.status != MessageStatus::Queued) {
            tx.commit()?;
            return Ok(());
        }
        let now = Timestamp::from_millis(now_ms as i64);
        let hlc =
            tick_past(&tx, &mut lock(&self.clock), &d, &[("outgoing_messages", item.message.id)], now_ms)?.to_string();
        let mut changes = Vec::new();
        let field = |name: &str, value: Value| WireChange {
            change_id: Uuid::now_v7(),
            table: "outgoing_messages".into(),
            row_id: item.message.id,
            field: name.into(),
            value,
            hlc: hlc.clone(),
            author: None,
        };
        match sent {
            Sent::Sent { detail, share } => {
                if let Some(s) = share {
                    changes.extend(changes_of("quote_shares", s, &hlc)?);
                }
                changes.push(field("status", Value::String("sent".into())));
                changes.push(field("status_detail", Value::String(detail.clone())));
                changes.push(field("sent_at", serde_json::to_value(now)?));
            }
            Sent::Failed(why) => {
                changes.push(field("status", Value::String("failed".into())));
                changes.push(field("status_detail", Value::String(why.clone())));
            }
            Sent::Retry(_) => unreachable!("handled above"),
        }
        let user = portal_user(item.dealership);
        let push = Push { device_id: portal_device(item.dealership), changes };
        Self::push_in(&tx, &mut lock(&self.clock), 0, &user, &push, now_ms)?;
        if let (Sent::Failed(why), Some(author)) = (sent, item.message.author_id) {
            let message = format!("Your message to {} was not sent: {why}", item.customer.display_name());
            notice(&tx, &user, now_ms, author, "message_failed", &id, &message)?;
        }
        tx.execute("DELETE FROM outbox_attempts WHERE message_id = ?1", [&id])?;
        set_meta(&tx, "hlc", &lock(&self.clock).last().to_string())?;
        tx.commit()?;
        Ok(())
    }

    /// A delivery report for an email (its bounce address carries the same token as its
    /// unsubscribe link): a sent message becomes "bounced" with the reason, as the server's own
    /// synced change, and its author is told. Returns the customer's name, or `None` for an
    /// unknown token; a report for a message already bounced changes nothing.
    pub(super) fn message_bounced(&mut self, hash: &str, detail: &str, now_ms: u64) -> Result<Option<String>> {
        let tx = begin(&*self.conn, Mode::Write)?;
        let found: Option<(String, String)> = tx
            .prepare_cached("SELECT dealership_id, message_id FROM unsubscribes WHERE hash = ?1")?
            .query_row([hash], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((d, id)) = found else { return Ok(None) };
        let Some(message) = entity::<OutgoingMessage>(&tx, &d, "outgoing_messages", &id)? else { return Ok(None) };
        let name = entity::<Customer>(&tx, &d, "customers", &message.customer_id.to_string())?
            .map(|c| c.display_name())
            .unwrap_or_default();
        if message.status != MessageStatus::Sent {
            return Ok(Some(name));
        }
        let dealership = super::parse_id(&d)?;
        let hlc = tick_past(&tx, &mut lock(&self.clock), &d, &[("outgoing_messages", message.id)], now_ms)?.to_string();
        let field = |f: &str, value: Value| WireChange {
            change_id: Uuid::now_v7(),
            table: "outgoing_messages".into(),
            row_id: message.id,
            field: f.into(),
            value,
            hlc: hlc.clone(),
            author: None,
        };
        let changes = vec![
            field("status", Value::String("bounced".into())),
            field("status_detail", Value::String(detail.to_string())),
        ];
        let user = portal_user(dealership);
        let push = Push { device_id: portal_device(dealership), changes };
        Self::push_in(&tx, &mut lock(&self.clock), 0, &user, &push, now_ms)?;
        if let Some(author) = message.author_id {
            let text = format!("Your email to {name} ({}) bounced: {detail}", message.to_address);
            notice(&tx, &user, now_ms, author, "message_bounced", &id, &text)?;
        }
        set_meta(&tx, "hlc", &lock(&self.clock).last().to_string())?;
        tx.commit()?;
        Ok(Some(name))
    }

    /// Keeps an unsubscribe token's hash for a message's customer.
    pub(super) fn add_unsubscribe(&mut self, item: &OutboxItem, hash: &str, now_ms: u64) -> Result<()> {
        self.conn.execute(
            "INSERT INTO unsubscribes (hash, dealership_id, customer_id, message_id, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![hash, item.dealership.to_string(), item.customer.id.to_string(), item.message.id.to_string(), now_ms as i64],
        )?;
        Ok(())
    }

    /// Who an unsubscribe link is for: the dealership's letterhead and the customer's name.
    pub(super) fn unsubscribe_view(&self, hash: &str) -> Result<Option<(Letterhead, String, bool)>> {
        let found: Option<(String, String)> = self
            .conn
            .prepare_cached("SELECT dealership_id, customer_id FROM unsubscribes WHERE hash = ?1")?
            .query_row([hash], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((d, c)) = found else { return Ok(None) };
        let Some(customer) = entity::<Customer>(&*self.conn, &d, "customers", &c)? else { return Ok(None) };
        Ok(Some((Self::letterhead(&*self.conn, &d)?, customer.display_name(), customer.consent.email)))
    }

    /// One-click unsubscribe (RFC 8058): the customer's email consent withdrawn as the server's
    /// own synced change (every laptop gets it), recorded on their timeline. Repeating it changes
    /// nothing. `None` for an unknown link.
    pub(super) fn unsubscribe(&mut self, hash: &str, now_ms: u64) -> Result<Option<String>> {
        let tx = begin(&*self.conn, Mode::Write)?;
        let found: Option<(String, String)> = tx
            .prepare_cached("SELECT dealership_id, customer_id FROM unsubscribes WHERE hash = ?1")?
            .query_row([hash], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((d, c)) = found else { return Ok(None) };
        let Some(customer) = entity::<Customer>(&tx, &d, "customers", &c)? else { return Ok(None) };
        let name = customer.display_name();
        if !customer.consent.email {
            return Ok(Some(name));
        }
        let now = Timestamp::from_millis(now_ms as i64);
        let dealership = super::parse_id(&d)?;
        let after = Consent { email: false, ..customer.consent };
        let response = PortalResponse {
            id: Uuid::now_v7(),
            customer_id: customer.id,
            quote_id: None,
            share_id: None,
            kind: portal::ResponseKind::Consent,
            version: 0,
            message: format!("{} (unsubscribe link in an email)", portal::consent_change(customer.consent, after)),
            at: now,
            handled_at: None,
            outcome: String::new(),
            starts_at: None,
        };
        let hlc = tick_past(&tx, &mut lock(&self.clock), &d, &[("customers", customer.id)], now_ms)?.to_string();
        let mut changes = changes_of("portal_responses", &response, &hlc)?;
        changes.push(consent_change(customer.id, after, &hlc)?);
        let user = portal_user(dealership);
        Self::push_in(
            &tx,
            &mut lock(&self.clock),
            0,
            &user,
            &Push { device_id: portal_device(dealership), changes },
            now_ms,
        )?;
        if let Some(owner) = customer.owner_id {
            let message = format!("{name} unsubscribed from email");
            notice(&tx, &user, now_ms, owner, "unsubscribed", &customer.id.to_string(), &message)?;
        }
        tx.execute("UPDATE unsubscribes SET used_ms = ?2 WHERE hash = ?1", params![hash, now_ms as i64])?;
        set_meta(&tx, "hlc", &lock(&self.clock).last().to_string())?;
        tx.commit()?;
        Ok(Some(name))
    }
}

fn consent_change(customer: Uuid, after: Consent, hlc: &str) -> Result<WireChange> {
    Ok(WireChange {
        change_id: Uuid::now_v7(),
        table: "customers".into(),
        row_id: customer,
        field: "consent".into(),
        value: serde_json::to_value(after)?,
        hlc: hlc.to_string(),
        author: None,
    })
}

/// A notice for one user, delivered with their next pull.
fn notice(tx: &dyn Db, user: &User, now_ms: u64, to: Uuid, kind: &str, row: &str, message: &str) -> Result<()> {
    let body = serde_json::json!({"kind": kind, "message": message});
    let to = to.to_string();
    Conn::log(
        tx,
        user,
        None,
        now_ms,
        super::LogEntry {
            kind: "notice",
            table: "portal_responses",
            row_id: row,
            value: Some(body.to_string()),
            partition: None,
            audience: Some(&to),
            author: None,
        },
    )?;
    Ok(())
}

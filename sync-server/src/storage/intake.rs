//! Internet leads taken by the server (`POST /api/v1/intake/leads`): lead sources and their API
//! keys (only a key's hash is stored), idempotency on the provider's id, and storing each lead
//! as the server's own synced change, routed by the dealership's rules with the core's routing,
//! so a lead arriving at 3 AM is assigned with every laptop closed and reaches its rep at their
//! next sync, with a notice.

use super::db::{Db, DbExt, Mode, OptionalExt, Row, begin, params};
use super::lock;
use super::{Conn, Result, Role, StorageError, User, invalid, parse_id, set_meta};
use serde::Serialize;
use serde_json::{Map, Value};
use showroom_core::domain::{Channel, Customer, Lead, Timestamp};
use showroom_core::error::FieldError;
use showroom_core::leads::inbox::StockFit;
use showroom_core::leads::intake::{Incoming, arrival_notice, choose_rep, lead_facts};
use showroom_core::leads::routing::{self, Distribution, RepState};
use showroom_core::leads::{LeadAssignment, LeadSettings, SETTINGS_ID};
use showroom_core::sync::protocol::{Push, WireChange};
use uuid::Uuid;

/// A website, OEM or marketplace feed allowed to post leads, with its own API key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeadSource {
    pub id: Uuid,
    pub dealership_id: Uuid,
    pub name: String,
    /// The channel its leads come in on, unless a lead names its own.
    pub channel: Channel,
    pub created_ms: i64,
    pub revoked_ms: Option<i64>,
    pub last_used_ms: Option<i64>,
    /// The local part of its email intake address: ADF mailed to `<mailbox>@<the server's mail
    /// domain>` is taken as if posted with its key.
    pub mailbox: String,
    /// The dealership's phone region (for reading its leads' numbers).
    #[serde(skip)]
    pub region: String,
}

/// What became of one lead of a post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct IntakeOutcome {
    /// Its place in the post (0-based).
    pub index: usize,
    pub provider_id: String,
    pub lead_id: Uuid,
    /// `stored`, or `duplicate` when this source sent the same provider id before (nothing stored).
    pub status: String,
    /// The rep it went to, by name.
    pub assigned_to: Option<String>,
    /// Why that rep, or why nobody yet.
    pub reason: String,
    /// What was kept but is worth a look (an unreadable phone, a repaired ADF element).
    pub warnings: Vec<FieldError>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct IntakeReceipt {
    pub stored: usize,
    pub duplicates: usize,
    pub leads: Vec<IntakeOutcome>,
}

/// The author of the leads the server takes in a dealership: not a person, never signs in.
pub fn intake_user(dealership: Uuid) -> User {
    User {
        id: Uuid::new_v5(&dealership, b"showroom lead intake"),
        dealership_id: dealership,
        login: "lead-intake".into(),
        name: "Lead intake".into(),
        role: Role::Manager,
        disabled: false,
        group_id: None,
    }
}

fn intake_device(dealership: Uuid) -> Uuid {
    Uuid::new_v5(&dealership, b"showroom lead intake device")
}

fn channel_text(c: Channel) -> String {
    serde_json::to_value(c).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// A `lead_sources` row as read: id, dealership, name, channel, created, revoked, last used, mailbox.
type SourceRow = (String, String, String, String, i64, Option<i64>, Option<i64>, String);

fn source_row(r: &Row) -> Result<SourceRow> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?))
}

fn to_source(row: SourceRow) -> Result<LeadSource> {
    let (id, d, name, channel, created_ms, revoked_ms, last_used_ms, mailbox) = row;
    Ok(LeadSource {
        id: parse_id(&id)?,
        dealership_id: parse_id(&d)?,
        name,
        channel: serde_json::from_value(Value::String(channel.clone()))
            .map_err(|_| StorageError::Internal(format!("bad channel {channel:?}")))?,
        created_ms,
        revoked_ms,
        last_used_ms,
        mailbox,
        region: String::new(),
    })
}

/// A mailbox for a source: its name in lowercase letters and digits, then 10 random hex digits
/// (so an address cannot be guessed from the name).
fn new_mailbox(name: &str) -> String {
    let slug: String = name
        .chars()
        .filter_map(|c| if c.is_ascii_alphanumeric() { Some(c.to_ascii_lowercase()) } else { None })
        .take(24)
        .collect();
    let random = &showroom_core::domain::new_id().simple().to_string()[22..];
    format!("{}-{random}", if slug.is_empty() { "leads" } else { &slug })
}

/// The dealership's phone region: the country of its settings row, else US.
pub(super) fn region_of(conn: &dyn Db, d: &str) -> Result<String> {
    let found: Option<String> = conn
        .prepare_cached(
            "SELECT value FROM state WHERE dealership_id = ?1 AND tbl = 'dealerships' AND field = 'country' LIMIT 1",
        )?
        .query_row([d], |r| r.get(0))
        .optional()?;
    let country = found.and_then(|v| serde_json::from_str::<String>(&v).ok()).unwrap_or_default();
    Ok(if country.trim().is_empty() { "US".into() } else { country.trim().to_string() })
}

const SOURCE_COLUMNS: &str = "id, dealership_id, name, channel, created_ms, revoked_ms, last_used_ms, mailbox";

/// One row's fields as the server holds them (the id added), or `None`.
pub(super) fn row_json(tx: &dyn Db, d: &str, table: &str, row: &str) -> Result<Option<Map<String, Value>>> {
    let mut stmt =
        tx.prepare_cached("SELECT field, value FROM state WHERE dealership_id = ?1 AND tbl = ?2 AND row_id = ?3")?;
    let fields: Vec<(String, String)> =
        stmt.query_map([d, table, row], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<std::result::Result<_, _>>()?;
    if fields.is_empty() {
        return Ok(None);
    }
    let mut map = Map::new();
    map.insert("id".into(), Value::String(row.to_string()));
    for (f, v) in fields {
        map.insert(f, serde_json::from_str(&v)?);
    }
    Ok(Some(map))
}

/// Values of `field` of every row of `table`, keyed by row id.
fn column(tx: &dyn Db, d: &str, table: &str, field: &str) -> Result<Vec<(String, Value)>> {
    let mut stmt =
        tx.prepare_cached("SELECT row_id, value FROM state WHERE dealership_id = ?1 AND tbl = ?2 AND field = ?3")?;
    let rows: Vec<(String, String)> =
        stmt.query_map([d, table, field], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<std::result::Result<_, _>>()?;
    rows.into_iter().map(|(id, v)| Ok((id, serde_json::from_str(&v)?))).collect()
}

fn text_of(v: Option<&Value>) -> String {
    v.and_then(Value::as_str).unwrap_or_default().to_string()
}

fn is_null(v: Option<&Value>) -> bool {
    v.is_none_or(Value::is_null)
}

/// The dealership as routing needs it at one instant: its settings, phone region, local clock,
/// reps and stock.
struct Floor {
    settings: LeadSettings,
    region: String,
    reps: Vec<RepState>,
    stock: StockFit,
}

pub use showroom_core::domain::time::utc_offset_min;

impl Floor {
    fn load(tx: &dyn Db, d: &str, now: Timestamp) -> Result<Floor> {
        let settings = row_json(tx, d, "lead_settings", &SETTINGS_ID.to_string())?
            .and_then(|m| serde_json::from_value::<LeadSettings>(Value::Object(m)).ok())
            .unwrap_or_default();
        let dealership = column(tx, d, "dealerships", "country")?.into_iter().next();
        let region = region_of(tx, d)?;
        let zone = match &dealership {
            Some((row, _)) => {
                row_json(tx, d, "dealerships", row)?.map(|m| text_of(m.get("timezone"))).unwrap_or_default()
            }
            None => String::new(),
        };
        let utc_offset_min = utc_offset_min(&zone, now);
        let local_ms = now.millis() + i64::from(utc_offset_min) * 60_000;
        let day = Timestamp::from_millis(local_ms).date();
        let minute = local_ms.rem_euclid(86_400_000) / 60_000;
        let working = settings.working_hours.contains(day, minute);
        let start_of_day =
            Timestamp::from_millis(local_ms - local_ms.rem_euclid(86_400_000) - i64::from(utc_offset_min) * 60_000);

        // Leads open per rep, the last assignment per rep, today's check-ins, overdue follow-ups.
        let status: std::collections::HashMap<String, Value> = column(tx, d, "leads", "status")?.into_iter().collect();
        let deleted: std::collections::HashMap<String, Value> =
            column(tx, d, "leads", "deleted_at")?.into_iter().collect();
        let mut open: std::collections::HashMap<String, i64> = Default::default();
        for (row, who) in column(tx, d, "leads", "assignee_id")? {
            let live = is_null(deleted.get(&row));
            let s = text_of(status.get(&row));
            if live && matches!(s.as_str(), "new" | "contacted" | "qualified") {
                *open.entry(text_of(Some(&who))).or_default() += 1;
            }
        }
        let at: std::collections::HashMap<String, Value> =
            column(tx, d, "lead_assignments", "at")?.into_iter().collect();
        let mut last: std::collections::HashMap<String, i64> = Default::default();
        for (row, rep) in column(tx, d, "lead_assignments", "rep_id")? {
            let ms = Timestamp::parse(&text_of(at.get(&row))).map(|t| t.millis()).unwrap_or(0);
            let e = last.entry(text_of(Some(&rep))).or_default();
            *e = (*e).max(ms);
        }
        let today = day.to_string();
        let mut checkins: std::collections::HashMap<String, Option<i32>> = Default::default();
        for (row, who) in column(tx, d, "floor_checkins", "user_id")? {
            if let Some(m) = row_json(tx, d, "floor_checkins", &row)?
                && text_of(m.get("day")) == today
            {
                let position = m.get("position").and_then(Value::as_i64).map(|p| p as i32);
                checkins.insert(text_of(Some(&who)), position);
            }
        }
        let mut overdue: std::collections::HashSet<String> = Default::default();
        if settings.distribution == Distribution::UpRotation {
            let due: std::collections::HashMap<String, Value> =
                column(tx, d, "activities", "due_at")?.into_iter().collect();
            let done: std::collections::HashMap<String, Value> =
                column(tx, d, "activities", "done_at")?.into_iter().collect();
            let gone: std::collections::HashMap<String, Value> =
                column(tx, d, "activities", "deleted_at")?.into_iter().collect();
            for (row, owner) in column(tx, d, "activities", "owner_id")? {
                let late = Timestamp::parse(&text_of(due.get(&row))).is_some_and(|t| t < start_of_day);
                if late && is_null(done.get(&row)) && is_null(gone.get(&row)) {
                    overdue.insert(text_of(Some(&owner)));
                }
            }
        }
        let mut stmt = tx.prepare_cached(
            "SELECT id, name FROM users WHERE dealership_id = ?1 AND role = 'rep' AND disabled = 0 ORDER BY name",
        )?;
        let users: Vec<(String, String)> =
            stmt.query_map([d], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<std::result::Result<_, _>>()?;
        let mut reps = Vec::new();
        for (id, name) in users {
            reps.push(RepState::at(
                parse_id(&id)?,
                name,
                working,
                open.get(&id).copied().unwrap_or(0),
                last.get(&id).copied().unwrap_or(0),
                checkins.get(&id).copied(),
                overdue.contains(&id),
            ));
        }
        let vstatus: std::collections::HashMap<String, Value> =
            column(tx, d, "vehicles", "status")?.into_iter().collect();
        let models: std::collections::HashMap<String, Value> =
            column(tx, d, "vehicles", "model")?.into_iter().collect();
        let stock = column(tx, d, "vehicles", "make")?
            .into_iter()
            .filter(|(row, _)| text_of(vstatus.get(row)) == "available")
            .map(|(row, make)| (text_of(Some(&make)), text_of(models.get(&row))))
            .collect();
        Ok(Floor { settings, region, reps, stock: StockFit::from_stock(stock) })
    }
}

/// Customers by an email or phone value (by `state_contacts`, whose condition this repeats as
/// written; `|| ''` as in `CHILDREN`).
pub(super) const BY_CONTACT: &str =
    "SELECT row_id FROM state WHERE dealership_id || '' = ?1 AND tbl || '' = 'customers'
     AND (fid = 1 OR fid = 2) AND fid = (SELECT id FROM field_names WHERE name = ?2) AND value = ?3";

/// The live customer with this (normalised) email, else this phone: its id, owner, language and
/// postal code.
fn customer_by_contact(tx: &dyn Db, d: &str, lead: &Lead, now: Timestamp) -> Result<Option<Customer>> {
    for (field, value) in [("email", &lead.email), ("phone", &lead.phone)] {
        let Some(value) = value else { continue };
        let ids: Vec<String> = tx
            .prepare_cached(BY_CONTACT)?
            .query_map(params![d, field, serde_json::to_string(value)?], |r| r.get(0))?
            .collect::<std::result::Result<_, _>>()?;
        for id in ids {
            let Some(m) = row_json(tx, d, "customers", &id)? else { continue };
            if !is_null(m.get("deleted_at")) || !is_null(m.get("merged_into")) {
                continue;
            }
            let mut c = Customer::blank(parse_id(&id)?, now);
            c.owner_id = m.get("owner_id").and_then(Value::as_str).and_then(|s| s.parse().ok());
            c.language = text_of(m.get("language"));
            c.postal_code = text_of(m.get("postal_code"));
            c.first_name = text_of(m.get("first_name"));
            c.last_name = text_of(m.get("last_name"));
            return Ok(Some(c));
        }
    }
    Ok(None)
}

/// A row's fields as the server's new changes (all at `hlc`).
pub(super) fn changes_of<T: Serialize>(table: &str, row: &T, hlc: &str) -> Result<Vec<WireChange>> {
    let Value::Object(fields) = serde_json::to_value(row)? else {
        return Err(StorageError::Internal(format!("a {table} row is not an object")));
    };
    let id = fields.get("id").and_then(Value::as_str).and_then(|s| s.parse::<Uuid>().ok());
    let Some(row_id) = id else { return Err(StorageError::Internal(format!("a {table} row has no id"))) };
    Ok(fields
        .into_iter()
        .filter(|(f, _)| f != "id")
        .map(|(field, value)| WireChange {
            change_id: Uuid::now_v7(),
            table: table.into(),
            row_id,
            field,
            value,
            hlc: hlc.to_string(),
            author: None,
        })
        .collect())
}

impl Conn {
    /// The dealership named (or the only one).
    pub(super) fn dealership_id(&self, name: Option<&str>) -> Result<Uuid> {
        let all = self.dealerships()?;
        let found = match name {
            Some(n) => all.iter().find(|(_, dn)| dn.eq_ignore_ascii_case(n)),
            None if all.len() == 1 => all.first(),
            None => None,
        };
        found.map(|(id, _)| *id).ok_or_else(|| {
            let known = all.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join(", ");
            StorageError::NotFound(match name {
                Some(d) => format!("dealership: no dealership {d:?}; known: {known}"),
                None => format!("dealership: this server holds several; name one with --dealership (known: {known})"),
            })
        })
    }

    pub(super) fn add_source(
        &mut self,
        dealership: Option<&str>,
        name: &str,
        channel: Channel,
        key_hash: &str,
        now_ms: i64,
    ) -> Result<LeadSource> {
        let d = self.dealership_id(dealership)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 80 {
            return Err(StorageError::Invalid {
                message: "name: a lead source needs a name of at most 80 characters".into(),
                fields: vec![FieldError::new("name", "a lead source needs a name of at most 80 characters")],
            });
        }
        let taken: bool = self
            .conn
            .prepare("SELECT 1 FROM lead_sources WHERE dealership_id = ?1 AND lower(name) = lower(?2) AND revoked_ms IS NULL")?
            .exists(params![d.to_string(), name])?;
        if taken {
            return Err(StorageError::Conflict {
                message: format!("name: a live lead source {name:?} exists; revoke it first to replace its key"),
                fields: vec![FieldError::new("name", "is taken by a live lead source")],
            });
        }
        let id = Uuid::now_v7();
        let mailbox = new_mailbox(name);
        self.conn.execute(
            "INSERT INTO lead_sources (id, dealership_id, name, channel, key_hash, created_ms, mailbox)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![id.to_string(), d.to_string(), name, channel_text(channel), key_hash, now_ms, mailbox],
        )?;
        Ok(LeadSource {
            id,
            dealership_id: d,
            name: name.to_string(),
            channel,
            created_ms: now_ms,
            revoked_ms: None,
            last_used_ms: None,
            mailbox,
            region: region_of(&*self.conn, &d.to_string())?,
        })
    }

    pub(super) fn revoke_source(&mut self, dealership: Option<&str>, name: &str, now_ms: i64) -> Result<()> {
        let d = self.dealership_id(dealership)?;
        let n = self.conn.execute(
            "UPDATE lead_sources SET revoked_ms = ?3 WHERE dealership_id = ?1 AND lower(name) = lower(?2) AND revoked_ms IS NULL",
            params![d.to_string(), name.trim(), now_ms],
        )?;
        if n == 0 {
            return Err(StorageError::NotFound(format!("name: no live lead source {:?}", name.trim())));
        }
        Ok(())
    }

    pub(super) fn sources(&self) -> Result<Vec<LeadSource>> {
        let mut stmt =
            self.conn.prepare(&format!("SELECT {SOURCE_COLUMNS} FROM lead_sources ORDER BY name, created_ms"))?;
        let rows: Vec<_> = stmt.query_map((), source_row)?.collect::<std::result::Result<_, _>>()?;
        rows.into_iter().map(to_source).collect()
    }

    /// The source whose `column` is `value` (its key hash, its mailbox), revoked ones too.
    pub(super) fn source_by(&self, column: &str, value: &str) -> Result<Option<LeadSource>> {
        let row = self
            .conn
            .prepare_cached(&format!("SELECT {SOURCE_COLUMNS} FROM lead_sources WHERE {column} = ?1"))?
            .query_row([value], source_row)
            .optional()?;
        let Some(mut source) = row.map(to_source).transpose()? else { return Ok(None) };
        source.region = region_of(&*self.conn, &source.dealership_id.to_string())?;
        Ok(Some(source))
    }

    /// Stores a post's leads in one transaction: every lead valid or none stored (each problem
    /// named `leads[i].field`); a provider id this source sent before is answered, not stored again.
    pub(super) fn take(&mut self, source: &LeadSource, leads: Vec<Incoming>, now_ms: u64) -> Result<IntakeReceipt> {
        let now = Timestamp::from_millis(now_ms as i64);
        let d = source.dealership_id.to_string();
        let tx = begin(&*self.conn, Mode::Write)?;
        let mut floor = Floor::load(&tx, &d, now)?;
        let mut outcomes = Vec::new();
        let mut errors = Vec::new();
        let mut changes = Vec::new();
        let mut notices: Vec<(Uuid, Uuid, String)> = Vec::new();
        let mut in_post: std::collections::HashMap<String, Uuid> = Default::default();
        let hlc = lock(&self.clock).tick(now_ms).to_string();
        for (i, inc) in leads.into_iter().enumerate() {
            let Incoming { provider_id, mut record } = inc;
            if !provider_id.is_empty() {
                let before: Option<String> = tx
                    .prepare_cached(
                        "SELECT lead_id FROM intake WHERE dealership_id = ?1 AND source_id = ?2 AND provider_id = ?3",
                    )?
                    .query_row(params![d, source.id.to_string(), provider_id], |r| r.get(0))
                    .optional()?;
                let earlier = match before {
                    Some(id) => Some(parse_id(&id)?),
                    None => in_post.get(&provider_id).copied(),
                };
                if let Some(lead_id) = earlier {
                    outcomes.push(IntakeOutcome {
                        index: i,
                        provider_id,
                        lead_id,
                        status: "duplicate".into(),
                        assigned_to: None,
                        reason: "this source sent the same id before; nothing stored again".into(),
                        warnings: Vec::new(),
                    });
                    continue;
                }
            }
            record.clean_phone(&floor.region);
            let matching = floor.stock.count(&record.interest);
            let built =
                showroom_core::io::lead_from(record, &floor.region, &floor.settings.weights, matching, None, now);
            let (mut lead, warnings) = match built {
                Ok(b) => b,
                Err(errs) => {
                    errors.extend(
                        errs.into_iter().map(|e| FieldError::new(format!("leads[{i}].{}", e.field), e.message)),
                    );
                    continue;
                }
            };
            let customer = customer_by_contact(&tx, &d, &lead, now)?;
            lead.customer_id = customer.as_ref().map(|c| c.id);
            let facts = lead_facts(&lead, customer.as_ref(), None);
            let owner = customer.as_ref().and_then(|c| c.owner_id);
            let mut assignment_changes = Vec::new();
            let (assigned_to, reason) = match choose_rep(&facts, &floor.settings, &floor.reps, owner) {
                Ok(a) => {
                    lead.assignee_id = Some(a.rep);
                    lead.assigned_at = Some(now);
                    let assignment = LeadAssignment {
                        id: Uuid::now_v7(),
                        lead_id: lead.id,
                        rep_id: a.rep,
                        reason: a.reason.clone(),
                        by_id: None,
                        at: now,
                    };
                    assignment_changes = changes_of("lead_assignments", &assignment, &hlc)?;
                    let name = floor.reps.iter().find(|r| r.id == a.rep).map(|r| r.name.clone());
                    if let Some(r) = floor.reps.iter_mut().find(|r| r.id == a.rep) {
                        r.last_assigned_ms = now.millis().max(r.last_assigned_ms + 1);
                        r.open_leads += 1;
                    }
                    if floor.settings.distribution == Distribution::UpRotation {
                        routing::after_up(&mut floor.reps, a.rep);
                    }
                    notices.push((a.rep, lead.id, arrival_notice(&lead)));
                    (name, a.reason)
                }
                // Nobody to take it (no rep at all): it waits in the managers' inbox.
                Err(why) => (None, format!("{why}; it waits for a manager")),
            };
            // The lead goes before its assignment (a child row needs its parent placed first).
            changes.extend(changes_of("leads", &lead, &hlc)?);
            changes.append(&mut assignment_changes);
            in_post.insert(provider_id.clone(), lead.id);
            outcomes.push(IntakeOutcome {
                index: i,
                provider_id,
                lead_id: lead.id,
                status: "stored".into(),
                assigned_to,
                reason,
                warnings: warnings.into_iter().filter(|w| w.field != "duplicate").collect(),
            });
        }
        if !errors.is_empty() {
            let mut e = invalid(errors);
            if let StorageError::Invalid { message, .. } = &mut e {
                *message = message.replace("the push was refused", "the leads were refused");
            }
            return Err(e);
        }
        let user = intake_user(source.dealership_id);
        if !changes.is_empty() {
            let push = Push { device_id: intake_device(source.dealership_id), changes };
            Self::push_in(&tx, &mut lock(&self.clock), 0, &user, &push, now_ms)?;
        }
        for o in outcomes.iter().filter(|o| o.status == "stored") {
            let key = if o.provider_id.is_empty() { o.lead_id.to_string() } else { o.provider_id.clone() };
            tx.prepare_cached(
                "INSERT INTO intake (dealership_id, source_id, provider_id, lead_id, received_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![d, source.id.to_string(), key, o.lead_id.to_string(), now_ms as i64])?;
        }
        for (rep, lead, message) in notices {
            let notice = serde_json::json!({"kind": "lead_assigned", "message": message});
            let (rep, lead) = (rep.to_string(), lead.to_string());
            Self::log(
                &tx,
                &user,
                None,
                now_ms,
                super::LogEntry {
                    kind: "notice",
                    table: "leads",
                    row_id: &lead,
                    value: Some(notice.to_string()),
                    partition: None,
                    audience: Some(&rep),
                    author: None,
                },
            )?;
        }
        tx.execute(
            "UPDATE lead_sources SET last_used_ms = ?2 WHERE id = ?1",
            params![source.id.to_string(), now_ms as i64],
        )?;
        set_meta(&tx, "hlc", &lock(&self.clock).last().to_string())?;
        tx.commit()?;
        let stored = outcomes.iter().filter(|o| o.status == "stored").count();
        Ok(IntakeReceipt { stored, duplicates: outcomes.len() - stored, leads: outcomes })
    }
}

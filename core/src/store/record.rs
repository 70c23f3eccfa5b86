//! Generic persistence of domain entities: each entity names its table and columns once; rows are
//! read and written through serde, so the same code serves every table, the outbox diff and (later)
//! applying synced changes.

use crate::domain::{
    Activity, Customer, Dealership, Interaction, Lead, Opportunity, PipelineStage, Team, User, Vehicle,
};
use crate::error::{CoreError, Result};
use crate::quotes::{Quote, QuoteVersion, SalesOrder};
use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::{Connection, Row};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use uuid::Uuid;

/// How a field is stored in its SQLite column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Col {
    Text,
    Int,
    Bool,
    /// Nested data (objects, lists) stored as JSON text and merged as one unit.
    Json,
}

/// A domain type stored in one table. `COLUMNS` lists every field in declaration order, `id` first;
/// column names equal serde field names.
pub trait Entity: Serialize + DeserializeOwned {
    const TABLE: &'static str;
    /// Human name for messages ("customer").
    const NAME: &'static str;
    const COLUMNS: &'static [(&'static str, Col)];
    /// Whether `{TABLE}_fts` indexes this entity.
    const SEARCHABLE: bool = false;
    fn id(&self) -> Uuid;
    fn search_terms(&self) -> String {
        String::new()
    }
}

pub(crate) fn column_list<E: Entity>() -> String {
    E::COLUMNS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

pub(crate) fn select_sql<E: Entity>() -> String {
    format!("SELECT {} FROM {}", column_list::<E>(), E::TABLE)
}

/// The statement text `build` makes for `E` and `kind`, built once per process: a first sync or an
/// import runs the same insert and lookup for every row, and formatting their text each time
/// cost more than binding the row's values.
pub(crate) fn sql_once<E: Entity>(kind: &'static str, build: impl FnOnce() -> String) -> &'static str {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static TEXT: OnceLock<Mutex<HashMap<(&'static str, &'static str), &'static str>>> = OnceLock::new();
    let mut known = TEXT.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    // One string per table and kind, kept for the life of the process (a few dozen in all).
    known.entry((E::TABLE, kind)).or_insert_with(|| Box::leak(build().into_boxed_str()))
}

/// `INSERT INTO <table> (<every column>) VALUES (?1, ...)`.
pub(crate) fn insert_sql<E: Entity>() -> &'static str {
    sql_once::<E>("insert", || {
        let marks = (1..=E::COLUMNS.len()).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ");
        format!("INSERT INTO {} ({}) VALUES ({marks})", E::TABLE, column_list::<E>())
    })
}

/// The entity as a map of field name to JSON value.
pub(crate) fn to_fields<E: Entity>(e: &E) -> Result<Map<String, Value>> {
    match serde_json::to_value(e)? {
        Value::Object(m) => Ok(m),
        _ => Err(CoreError::Migration(format!("{} does not serialise to an object", E::NAME))),
    }
}

/// Whether a new row's `field`, holding `value`, can be left out of what travels: it is empty
/// (null, "", false, [] or {}) and the type reads it back the same when it is absent (an `Option`,
/// or a field marked `#[serde(default)]`). Decided once per table and field from a real row
/// (`row` gives it, as a map of every field, only then).
pub(crate) fn travels_empty<E: Entity>(
    field: &'static str,
    value: &Value,
    row: impl FnOnce() -> Map<String, Value>,
) -> bool {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    if value.is_null() {
        return true;
    }
    if !is_empty(value) {
        return false;
    }
    static OPTIONAL: OnceLock<Mutex<HashMap<(&'static str, &'static str), bool>>> = OnceLock::new();
    let cache = OPTIONAL.get_or_init(Default::default);
    if let Some(known) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&(E::TABLE, field)) {
        return *known;
    }
    let mut without = row();
    without.remove(field);
    let same = serde_json::from_value::<E>(Value::Object(without))
        .ok()
        .and_then(|e| to_fields(&e).ok())
        .is_some_and(|back| back.get(field) == Some(value));
    cache.lock().unwrap_or_else(|e| e.into_inner()).insert((E::TABLE, field), same);
    same
}

/// Whether a value is empty: null, "", false, [] or {}.
fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Bool(b) => !b,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Number(_) => false,
    }
}

/// The JSON columns stored and sent in their short form ([`compact_json`]): those whose type
/// reads an absent key as empty in every version of the app and of the server that may meet this
/// one (a customer's preferences were always `#[serde(default)]`). A column joins this list only
/// when that holds: an older reader that needs a key would refuse or drop the row. Consent is not
/// here yet: it reads a missing channel as no consent only since the release of laptop schema 19, and older
/// readers need every channel.
const SHORT_FORM: &[(&str, &str)] = &[("customers", "preferences")];

/// Leaves the empty keys (null, "", false, [] or {}) out of the objects `e` holds in the JSON
/// columns of [`SHORT_FORM`] (`values`, in `COLUMNS` order), where its type reads them back the
/// same when they are absent. A customer with no stated preferences then stores and sends `{}`
/// instead of 192 bytes of empty lists and nulls: on the laptop, in every push and pull, and in
/// the server's state.
///
/// Whether a set of keys may be left out of a field is decided once per table, field and set of
/// keys, by reading `e` back through its type with them left out; a type that needs a key keeps
/// it.
pub(crate) fn compact_json<E: Entity>(e: &E, values: &mut [Option<Value>]) -> Result<()> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    /// (table, field, the empty keys joined by commas): whether the type reads them back absent.
    type Known = HashMap<(&'static str, &'static str, String), bool>;
    static SHORT: OnceLock<Mutex<Known>> = OnceLock::new();
    for ((field, col), value) in E::COLUMNS.iter().zip(values.iter_mut()) {
        let (Col::Json, Some(Value::Object(object))) = (col, value.as_mut()) else { continue };
        if !SHORT_FORM.contains(&(E::TABLE, *field)) {
            continue;
        }
        let empty: Vec<&String> = object.iter().filter(|(_, v)| is_empty(v)).map(|(k, _)| k).collect();
        if empty.is_empty() {
            continue;
        }
        let key = (E::TABLE, *field, empty.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(","));
        let cache = SHORT.get_or_init(Default::default);
        let known = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key).copied();
        let allowed = match known {
            Some(allowed) => allowed,
            None => {
                let mut row = to_fields(e)?;
                let full = row.get(*field).cloned();
                let mut short = object.clone();
                short.retain(|_, v| !is_empty(v));
                row.insert(field.to_string(), Value::Object(short));
                let back = serde_json::from_value::<E>(Value::Object(row)).ok().and_then(|e| to_fields(&e).ok());
                let allowed = full.is_some() && back.and_then(|mut b| b.remove(*field)) == full;
                cache.lock().unwrap_or_else(|e| e.into_inner()).insert(key, allowed);
                allowed
            }
        };
        if allowed {
            object.retain(|_, v| !is_empty(v));
        }
    }
    Ok(())
}

/// A JSON field value as its SQLite column value.
pub(crate) fn to_sql(col: Col, v: &Value) -> Result<SqlValue> {
    Ok(match (col, v) {
        (_, Value::Null) => SqlValue::Null,
        (Col::Json, v) => SqlValue::Text(serde_json::to_string(v)?),
        (_, Value::Bool(b)) => SqlValue::Integer(i64::from(*b)),
        (_, Value::Number(n)) => match n.as_i64() {
            Some(i) => SqlValue::Integer(i),
            None => SqlValue::Real(n.as_f64().unwrap_or_default()),
        },
        (_, Value::String(s)) => SqlValue::Text(s.clone()),
        (_, v) => SqlValue::Text(serde_json::to_string(v)?),
    })
}

fn from_sql(col: Col, v: ValueRef<'_>) -> Result<Value> {
    Ok(match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) if col == Col::Bool => Value::Bool(i != 0),
        ValueRef::Integer(i) => Value::from(i),
        ValueRef::Real(f) => Value::from(f),
        ValueRef::Text(t) if col == Col::Json => serde_json::from_slice(t)?,
        ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(_) => return Err(CoreError::Migration("unexpected blob column".into())),
    })
}

/// Reads one row selected with [`select_sql`] into an entity.
pub(crate) fn from_row<E: Entity>(row: &Row<'_>) -> Result<E> {
    let mut map = Map::with_capacity(E::COLUMNS.len());
    for (i, (name, col)) in E::COLUMNS.iter().enumerate() {
        map.insert((*name).to_string(), from_sql(*col, row.get_ref(i)?)?);
    }
    Ok(serde_json::from_value(Value::Object(map))?)
}

/// [`query`] with a fixed `tail`, its SQL built once per process (a lookup made for every row
/// of an import), not formatted anew at every call.
pub fn query_fixed<E: Entity>(conn: &Connection, tail: &'static str, params: impl rusqlite::Params) -> Result<Vec<E>> {
    let sql = sql_once::<E>(tail, || format!("{} {tail}", select_sql::<E>()));
    all_of(&mut *conn.prepare_cached(sql)?, params)
}

/// Runs `SELECT <columns> FROM <table> <tail>` and reads every row.
pub fn query<E: Entity>(conn: &Connection, tail: &str, params: impl rusqlite::Params) -> Result<Vec<E>> {
    let sql = format!("{} {tail}", select_sql::<E>());
    all_of(&mut *conn.prepare_cached(&sql)?, params)
}

/// Every row a statement made with [`select_sql`] returns, as entities.
fn all_of<E: Entity>(stmt: &mut rusqlite::Statement<'_>, params: impl rusqlite::Params) -> Result<Vec<E>> {
    let mut rows = stmt.query(params)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(from_row(row)?);
    }
    Ok(out)
}

/// One row's fields by id as stored (no round trip through the domain type), or `None`.
pub fn get_fields<E: Entity>(conn: &Connection, id: Uuid) -> Result<Option<Map<String, Value>>> {
    let sql = sql_once::<E>("by id", || format!("{} WHERE id = ?1", select_sql::<E>()));
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query([id.to_string()])?;
    let Some(row) = rows.next()? else { return Ok(None) };
    let mut map = Map::with_capacity(E::COLUMNS.len());
    for (i, (name, col)) in E::COLUMNS.iter().enumerate() {
        map.insert((*name).to_string(), from_sql(*col, row.get_ref(i)?)?);
    }
    Ok(Some(map))
}

/// One entity by id, or `NotFound`.
pub fn get<E: Entity>(conn: &Connection, id: Uuid) -> Result<E> {
    query::<E>(conn, "WHERE id = ?1", [id.to_string()])?
        .pop()
        .ok_or(CoreError::NotFound { entity: E::NAME, id: id.to_string() })
}

macro_rules! entity {
    ($ty:ty, $table:literal, $name:literal, searchable = $s:tt, [$(($col:literal, $kind:ident)),* $(,)?]) => {
        impl Entity for $ty {
            const TABLE: &'static str = $table;
            const NAME: &'static str = $name;
            const COLUMNS: &'static [(&'static str, Col)] = &[$(($col, Col::$kind)),*];
            const SEARCHABLE: bool = $s;
            fn id(&self) -> Uuid {
                self.id
            }
            fn search_terms(&self) -> String {
                entity!(@terms $s, self)
            }
        }
    };
    (@terms true, $self:ident) => { $self.search_terms() };
    (@terms false, $self:ident) => { String::new() };
}

entity!(
    Dealership,
    "dealerships",
    "dealership",
    searchable = false,
    [
        ("id", Text),
        ("name", Text),
        ("country", Text),
        ("timezone", Text),
        ("address", Text),
        ("phone", Text),
        ("email", Text),
        ("logo_png", Text),
        ("created_at", Text),
        ("updated_at", Text),
    ]
);
entity!(
    Team,
    "teams",
    "team",
    searchable = false,
    [("id", Text), ("name", Text), ("created_at", Text), ("updated_at", Text),]
);
entity!(
    User,
    "users",
    "user",
    searchable = false,
    [
        ("id", Text),
        ("name", Text),
        ("email", Text),
        ("role", Text),
        ("team_id", Text),
        ("active", Bool),
        ("created_at", Text),
        ("updated_at", Text),
    ]
);
entity!(
    Customer,
    "customers",
    "customer",
    searchable = true,
    [
        ("id", Text),
        ("owner_id", Text),
        ("first_name", Text),
        ("last_name", Text),
        ("email", Text),
        ("phone", Text),
        ("street", Text),
        ("city", Text),
        ("region", Text),
        ("postal_code", Text),
        ("language", Text),
        ("birth_date", Text),
        ("consent", Json),
        ("preferences", Json),
        ("notes", Text),
        ("created_at", Text),
        ("updated_at", Text),
        ("deleted_at", Text),
        ("merged_into", Text),
    ]
);
entity!(
    Vehicle,
    "vehicles",
    "vehicle",
    searchable = true,
    [
        ("id", Text),
        ("vin", Text),
        ("stock_no", Text),
        ("year", Int),
        ("make", Text),
        ("model", Text),
        ("trim", Text),
        ("body", Text),
        ("colour", Text),
        ("mileage", Int),
        ("condition", Text),
        ("msrp_cents", Int),
        ("invoice_cents", Int),
        ("price_cents", Int),
        ("status", Text),
        ("location", Text),
        ("received_at", Text),
        ("created_at", Text),
        ("updated_at", Text),
        ("deleted_at", Text),
    ]
);
entity!(
    Lead,
    "leads",
    "lead",
    searchable = true,
    [
        ("id", Text),
        ("customer_id", Text),
        ("first_name", Text),
        ("last_name", Text),
        ("email", Text),
        ("phone", Text),
        ("channel", Text),
        ("source", Text),
        ("campaign", Text),
        ("vehicle_interest", Text),
        ("vehicle_id", Text),
        ("status", Text),
        ("score", Int),
        ("assignee_id", Text),
        ("received_at", Text),
        ("first_response_at", Text),
        ("notes", Text),
        ("created_at", Text),
        ("updated_at", Text),
        ("deleted_at", Text),
        ("event_id", Text),
        ("timeframe_days", Int),
        ("trade_in", Bool),
        ("financing", Bool),
        ("score_reasons", Json),
        ("assigned_at", Text),
        ("cadence", Text),
        ("cadence_stopped", Text),
        ("merged_into", Text),
        ("original", Text),
        ("intake_warnings", Json),
    ]
);
entity!(
    PipelineStage,
    "pipeline_stages",
    "pipeline stage",
    searchable = false,
    [
        ("id", Text),
        ("pipeline", Text),
        ("name", Text),
        ("position", Int),
        ("probability", Int),
        ("colour", Text),
        ("idle_days", Int),
        ("created_at", Text),
        ("updated_at", Text),
        ("deleted_at", Text),
    ]
);
entity!(
    Opportunity,
    "opportunities",
    "opportunity",
    searchable = false,
    [
        ("id", Text),
        ("customer_id", Text),
        ("lead_id", Text),
        ("vehicle_id", Text),
        ("stage_id", Text),
        ("title", Text),
        ("amount_cents", Int),
        ("owner_id", Text),
        ("status", Text),
        ("expected_close", Text),
        ("lost_reason", Text),
        ("stage_entered_at", Text),
        ("closed_at", Text),
        ("created_at", Text),
        ("updated_at", Text),
        ("deleted_at", Text),
        ("gross_cents", Int),
        ("co_owner_id", Text),
        ("unwound_at", Text),
        ("source", Text),
        ("channel", Text),
        ("competitor", Text),
    ]
);
entity!(
    Activity,
    "activities",
    "activity",
    searchable = false,
    [
        ("id", Text),
        ("customer_id", Text),
        ("opportunity_id", Text),
        ("kind", Text),
        ("subject", Text),
        ("due_at", Text),
        ("done_at", Text),
        ("outcome", Text),
        ("owner_id", Text),
        ("created_at", Text),
        ("updated_at", Text),
        ("deleted_at", Text),
        ("lead_id", Text),
        ("message", Text),
    ]
);
entity!(
    Interaction,
    "interactions",
    "interaction",
    searchable = false,
    [
        ("id", Text),
        ("customer_id", Text),
        ("channel", Text),
        ("direction", Text),
        ("summary", Text),
        ("duration_s", Int),
        ("author_id", Text),
        ("occurred_at", Text),
        ("created_at", Text),
    ]
);

entity!(
    Quote,
    "quotes",
    "quote",
    searchable = false,
    [
        ("id", Text),
        ("number", Text),
        ("customer_id", Text),
        ("opportunity_id", Text),
        ("vehicle_id", Text),
        ("status", Text),
        ("valid_until", Text),
        ("version", Int),
        ("owner_id", Text),
        ("created_at", Text),
        ("updated_at", Text),
        ("deleted_at", Text),
        ("decline_reason", Text),
    ]
);
entity!(
    QuoteVersion,
    "quote_versions",
    "quote version",
    searchable = false,
    [
        ("id", Text),
        ("quote_id", Text),
        ("version", Int),
        ("deal", Json),
        ("calc", Json),
        ("frozen", Bool),
        ("created_at", Text),
        ("updated_at", Text),
    ]
);
entity!(
    SalesOrder,
    "sales_orders",
    "sales order",
    searchable = false,
    [
        ("id", Text),
        ("number", Text),
        ("quote_id", Text),
        ("quote_version", Int),
        ("customer_id", Text),
        ("vehicle_id", Text),
        ("deposit_cents", Int),
        ("delivery_date", Text),
        ("status", Text),
        ("created_at", Text),
        ("updated_at", Text),
        ("deleted_at", Text),
        ("products", Json),
        ("funded_at", Text),
        ("delivered_at", Text),
        ("cancelled_at", Text),
        ("cancel_reason", Text),
    ]
);

entity!(
    crate::desk::tax::CustomJurisdiction,
    "custom_jurisdictions",
    "custom jurisdiction",
    searchable = false,
    [("id", Text), ("code", Text), ("rule", Json), ("created_at", Text), ("updated_at", Text), ("deleted_at", Text),]
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Timestamp;

    /// Every column list must name exactly the struct's serde fields, in order.
    fn check<E: Entity>(sample: &E) {
        let fields: Vec<String> = to_fields(sample).unwrap().keys().cloned().collect();
        let mut cols: Vec<String> = E::COLUMNS.iter().map(|(n, _)| n.to_string()).collect();
        let mut sorted = fields.clone();
        sorted.sort();
        cols.sort();
        assert_eq!(sorted, cols, "{} columns", E::NAME);
    }

    #[test]
    fn column_lists_match_the_types() {
        let t = Timestamp::from_millis(0);
        check(&Customer::blank(Uuid::nil(), t));
        check(&crate::demo::sample_vehicle(t));
        check(&crate::demo::sample_lead(t));
        check(&Dealership {
            id: Uuid::nil(),
            name: String::new(),
            country: String::new(),
            timezone: String::new(),
            address: String::new(),
            phone: String::new(),
            email: String::new(),
            logo_png: None,
            created_at: t,
            updated_at: t,
        });
    }
}
entity!(
    crate::domain::TestDrive,
    "test_drives",
    "test drive",
    searchable = false,
    [
        ("id", Text),
        ("customer_id", Text),
        ("vehicle_id", Text),
        ("opportunity_id", Text),
        ("starts_at", Text),
        ("ends_at", Text),
        ("licence_number", Text),
        ("licence_region", Text),
        ("licence_expiry", Text),
        ("status", Text),
        ("feedback", Text),
        ("activity_id", Text),
        ("created_at", Text),
        ("updated_at", Text),
    ]
);
entity!(
    crate::domain::StageMove,
    "stage_moves",
    "stage move",
    searchable = false,
    [
        ("id", Text),
        ("opportunity_id", Text),
        ("customer_id", Text),
        ("from_stage_id", Text),
        ("stage_id", Text),
        ("at", Text),
        ("by_id", Text),
    ]
);
entity!(
    crate::domain::Survey,
    "surveys",
    "survey answer",
    searchable = false,
    [
        ("id", Text),
        ("customer_id", Text),
        ("order_id", Text),
        ("kind", Text),
        ("score", Int),
        ("comment", Text),
        ("answered_at", Text),
    ]
);
entity!(
    crate::domain::Referral,
    "referrals",
    "referral",
    searchable = false,
    [("id", Text), ("customer_id", Text), ("referrer_id", Text), ("note", Text), ("created_at", Text),]
);
entity!(
    crate::domain::Event,
    "events",
    "event",
    searchable = false,
    [("id", Text), ("name", Text), ("venue", Text), ("starts_on", Text), ("ends_on", Text),]
);
entity!(
    crate::leads::floor::TrafficEntry,
    "traffic",
    "traffic entry",
    searchable = false,
    [
        ("id", Text),
        ("arrived_at", Text),
        ("rep_id", Text),
        ("name", Text),
        ("party_size", Int),
        ("interest", Text),
        ("customer_id", Text),
        ("lead_id", Text),
        ("outcome", Text),
        ("notes", Text),
        ("created_at", Text),
        ("updated_at", Text),
    ]
);
entity!(
    crate::leads::floor::Checkin,
    "floor_checkins",
    "check-in",
    searchable = false,
    [
        ("id", Text),
        ("user_id", Text),
        ("day", Text),
        ("position", Int),
        ("checked_in_at", Text),
        ("ups_taken", Int),
        ("updated_at", Text),
    ]
);
entity!(
    crate::leads::LeadAssignment,
    "lead_assignments",
    "lead assignment",
    searchable = false,
    [("id", Text), ("lead_id", Text), ("rep_id", Text), ("reason", Text), ("by_id", Text), ("at", Text),]
);
entity!(
    crate::leads::LeadSettings,
    "lead_settings",
    "lead settings",
    searchable = false,
    [
        ("id", Text),
        ("weights", Json),
        ("rules", Json),
        ("distribution", Text),
        ("response_minutes", Int),
        ("cadences", Json),
        ("csv_presets", Json),
        ("working_hours", Json),
        ("updated_at", Text),
    ]
);
entity!(
    crate::domain::Goal,
    "goals",
    "goal",
    searchable = false,
    [
        ("id", Text),
        ("user_id", Text),
        ("team_id", Text),
        ("month", Text),
        ("units", Int),
        ("gross_cents", Int),
        ("activities", Int),
    ]
);
entity!(
    crate::domain::CommissionPlan,
    "commission_plans",
    "commission plan",
    searchable = false,
    [
        ("id", Text),
        ("name", Text),
        ("flat_per_unit_cents", Int),
        ("gross_percent_bp", Int),
        ("minimum_per_deal_cents", Int),
        ("tiers", Json),
        ("csat_bonus_cents", Int),
        ("csat_min_tenths", Int),
        ("user_ids", Json),
    ]
);
entity!(
    crate::analytics::commissions::Statement,
    "commission_statements",
    "commission statement",
    searchable = false,
    [
        ("id", Text),
        ("user_id", Text),
        ("month", Text),
        ("plan_id", Text),
        ("total_cents", Int),
        ("lines", Json),
        ("approved_by", Text),
        ("approved_at", Text),
        ("created_at", Text),
    ]
);
entity!(
    crate::domain::CoachingNote,
    "coaching_notes",
    "coaching note",
    searchable = false,
    [
        ("id", Text),
        ("rep_id", Text),
        ("author_id", Text),
        ("kind", Text),
        ("body", Text),
        ("due", Text),
        ("done_at", Text),
        ("created_at", Text),
        ("updated_at", Text),
        ("deleted_at", Text),
    ]
);
entity!(
    crate::analytics::Spend,
    "marketing_spend",
    "marketing spend",
    searchable = false,
    [("id", Text), ("month", Text), ("source", Text), ("amount_cents", Int),]
);
entity!(
    crate::analytics::forecast::Snapshot,
    "forecast_snapshots",
    "forecast snapshot",
    searchable = false,
    [
        ("id", Text),
        ("month", Text),
        ("made_at", Text),
        ("units_milli", Int),
        ("units_low_milli", Int),
        ("units_high_milli", Int),
        ("revenue_cents", Int),
        ("revenue_low_cents", Int),
        ("revenue_high_cents", Int),
    ]
);
entity!(
    crate::portal::QuoteShare,
    "quote_shares",
    "share link",
    searchable = false,
    [
        ("id", Text),
        ("quote_id", Text),
        ("customer_id", Text),
        ("token_hash", Text),
        ("expires_at", Text),
        ("revoked_at", Text),
        ("created_by", Text),
        ("created_at", Text),
        ("updated_at", Text),
    ]
);
entity!(
    crate::portal::PortalResponse,
    "portal_responses",
    "portal response",
    searchable = false,
    [
        ("id", Text),
        ("customer_id", Text),
        ("quote_id", Text),
        ("share_id", Text),
        ("kind", Text),
        ("version", Int),
        ("message", Text),
        ("at", Text),
        ("handled_at", Text),
        ("outcome", Text),
        ("starts_at", Text),
    ]
);
entity!(
    crate::portal::OutgoingMessage,
    "outgoing_messages",
    "message",
    searchable = false,
    [
        ("id", Text),
        ("customer_id", Text),
        ("channel", Text),
        ("to_address", Text),
        ("subject", Text),
        ("body", Text),
        ("quote_id", Text),
        ("author_id", Text),
        ("status", Text),
        ("status_detail", Text),
        ("queued_at", Text),
        ("sent_at", Text),
        ("created_at", Text),
        ("updated_at", Text),
    ]
);

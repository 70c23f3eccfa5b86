//! Applying changes from other devices to the local database, with the merge rule of
//! [`crate::sync::merge`]: per field, the highest (HLC, change id) wins; a losing value goes to
//! `field_history` (once per change id); a change seen before (the winner's or a loser's id) is ignored; a row is created once all its fields arrived
//! (until then its fields wait in `sync_pending`). One transaction per batch; nothing from a batch
//! is stored when any change in it is malformed. Remote changes write no outbox records.

use super::clocks::{self, Clocked};
use super::record::{self, Col, Entity};
use super::{Store, Writer};
use crate::error::{CoreError, FieldError, Result};
use crate::sync::Hlc;
use crate::sync::merge::{Decision, FieldChange, decide};
use rusqlite::params;
use serde::de::IntoDeserializer;
use serde_json::{Map, Value};
use uuid::Uuid;

/// What a batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApplyReport {
    pub applied: usize,
    pub lost: usize,
    pub duplicates: usize,
    /// Rows still waiting for some of their fields.
    pub pending_rows: usize,
}

/// Calls `$body` with `E` bound to the entity type stored in `$table`.
macro_rules! with_entity {
    ($table:expr, $body:ident ( $($arg:expr),* )) => {
        match $table {
            "customers" => $body::<$crate::domain::Customer>($($arg),*),
            "vehicles" => $body::<$crate::domain::Vehicle>($($arg),*),
            "leads" => $body::<$crate::domain::Lead>($($arg),*),
            "opportunities" => $body::<$crate::domain::Opportunity>($($arg),*),
            "pipeline_stages" => $body::<$crate::domain::PipelineStage>($($arg),*),
            "activities" => $body::<$crate::domain::Activity>($($arg),*),
            "interactions" => $body::<$crate::domain::Interaction>($($arg),*),
            "users" => $body::<$crate::domain::User>($($arg),*),
            "teams" => $body::<$crate::domain::Team>($($arg),*),
            "dealerships" => $body::<$crate::domain::Dealership>($($arg),*),
            "quotes" => $body::<$crate::quotes::Quote>($($arg),*),
            "quote_versions" => $body::<$crate::quotes::QuoteVersion>($($arg),*),
            "sales_orders" => $body::<$crate::quotes::SalesOrder>($($arg),*),
            "custom_jurisdictions" => $body::<$crate::desk::tax::CustomJurisdiction>($($arg),*),
            "test_drives" => $body::<$crate::domain::TestDrive>($($arg),*),
            "quote_shares" => $body::<$crate::portal::QuoteShare>($($arg),*),
            "portal_responses" => $body::<$crate::portal::PortalResponse>($($arg),*),
            "outgoing_messages" => $body::<$crate::portal::OutgoingMessage>($($arg),*),
            "surveys" => $body::<$crate::domain::Survey>($($arg),*),
            "stage_moves" => $body::<$crate::domain::StageMove>($($arg),*),
            "referrals" => $body::<$crate::domain::Referral>($($arg),*),
            "events" => $body::<$crate::domain::Event>($($arg),*),
            "traffic" => $body::<$crate::leads::floor::TrafficEntry>($($arg),*),
            "floor_checkins" => $body::<$crate::leads::floor::Checkin>($($arg),*),
            "lead_assignments" => $body::<$crate::leads::LeadAssignment>($($arg),*),
            "lead_settings" => $body::<$crate::leads::LeadSettings>($($arg),*),
            "goals" => $body::<$crate::domain::Goal>($($arg),*),
            "commission_plans" => $body::<$crate::domain::CommissionPlan>($($arg),*),
            "commission_statements" => $body::<$crate::analytics::commissions::Statement>($($arg),*),
            "coaching_notes" => $body::<$crate::domain::CoachingNote>($($arg),*),
            "marketing_spend" => $body::<$crate::analytics::Spend>($($arg),*),
            "forecast_snapshots" => $body::<$crate::analytics::forecast::Snapshot>($($arg),*),
            other => Err($crate::error::CoreError::field("table", format!("unknown table {other:?}"))),
        }
    };
}
pub(crate) use with_entity;

/// The columns of a synced table's entity (its fields and how each is stored).
pub fn columns_of(table: &str) -> Result<&'static [(&'static str, Col)]> {
    with_entity!(table, columns())
}

fn columns<E: Entity>() -> Result<&'static [(&'static str, Col)]> {
    Ok(E::COLUMNS)
}

/// Checks the values a row would hold. A complete row (every column present) must read back as
/// its domain type; an incomplete one has each value checked against its column's kind. The error
/// names the field. Returns whether the row is complete.
pub fn check_row(table: &str, row_id: Uuid, fields: &Map<String, Value>) -> std::result::Result<bool, FieldError> {
    let mut fields = fields.clone();
    fields.insert("id".into(), Value::String(row_id.to_string()));
    let complete = with_entity!(table, check_row_as(&fields)).map_err(|e| match e {
        CoreError::Validation(mut v) if !v.is_empty() => v.remove(0),
        other => FieldError::new("table", other.to_string()),
    })?;
    values_follow_the_domain(table, &fields)?;
    Ok(complete)
}

/// Rules on values that a table's types alone do not say, the same ones the desktop's forms
/// apply, so a client sending anything meets them on the server too.
fn values_follow_the_domain(table: &str, fields: &Map<String, Value>) -> std::result::Result<(), FieldError> {
    let text = |f: &str| fields.get(f).and_then(Value::as_str).unwrap_or_default().to_string();
    if table == "dealerships" {
        // Where the dealership is (Settings › Country and time zone): unset, or valid as written.
        let (country, timezone) = (text("country"), text("timezone"));
        let mut place = crate::domain::DealershipPlace { country: country.clone(), timezone: timezone.clone() };
        if let Err(problems) = place.validate()
            && let Some(f) = problems.into_iter().find(|f| {
                (f.field == "country" && !country.is_empty()) || (f.field == "timezone" && !timezone.is_empty())
            })
        {
            return Err(FieldError::new(f.field.clone(), format!("dealerships.{}: {}", f.field, f.message)));
        }
        if !country.is_empty() && place.country != country {
            return Err(FieldError::new(
                "country",
                "dealerships.country: must be a two-letter country code in capitals, such as US",
            ));
        }
    }
    Ok(())
}

fn check_row_as<E: Entity>(fields: &Map<String, Value>) -> Result<bool> {
    let bad = |field: &str, msg: String| CoreError::Validation(vec![FieldError::new(field, msg)]);
    for (name, value) in fields {
        let Some((_, col)) = E::COLUMNS.iter().find(|(n, _)| n == name) else {
            return Err(bad(name, format!("{}.{name} is not a field", E::TABLE)));
        };
        let fits = match col {
            _ if value.is_null() => true,
            Col::Text => value.is_string(),
            Col::Int => value.is_i64(),
            Col::Bool => value.is_boolean(),
            Col::Json => value.is_object() || value.is_array() || value.is_string() || value.is_number(),
        };
        if !fits {
            return Err(bad(name, format!("value {value} has the wrong type for {}.{name}", E::TABLE)));
        }
    }
    // Complete when it reads back as its type: every required field is here (a field that was
    // empty when the row was made never travels, so its absence means empty).
    // Read in place, not from a copy: a push checks every row it writes.
    match serde_path_to_error::deserialize::<_, E>(fields) {
        Ok(_) => Ok(true),
        Err(e) if e.inner().to_string().starts_with("missing field") => Ok(false),
        Err(e) => {
            let path = e.path().to_string();
            let field = path.split('.').next().unwrap_or("").to_string();
            Err(bad(&field, format!("{}.{path}: {}", E::TABLE, e.into_inner())))
        }
    }
}

fn reindex<E: Entity>(w: &Writer<'_>, e: &E) -> Result<()> {
    let sql = format!("UPDATE {t}_fts SET terms = ?2 WHERE rowid = (SELECT rid FROM {t} WHERE id = ?1)", t = E::TABLE);
    let n = w.tx.prepare_cached(&sql)?.execute(params![e.id().to_string(), e.search_terms()])?;
    if n == 0 {
        let sql = format!("INSERT INTO {t}_fts (rowid, terms) SELECT rid, ?2 FROM {t} WHERE id = ?1", t = E::TABLE);
        w.tx.prepare_cached(&sql)?.execute(params![e.id().to_string(), e.search_terms()])?;
    }
    Ok(())
}

fn parse_clock(hlc: &str, id: Option<&str>, author: Option<String>) -> Option<Clocked> {
    Some(Clocked { hlc: hlc.parse().ok()?, change_id: id.and_then(|i| i.parse().ok()).unwrap_or(Uuid::nil()), author })
}

/// Reads `fields` back as `E`, naming the field whose value does not fit.
fn read_as<E: Entity>(fields: Map<String, Value>) -> Result<E> {
    serde_path_to_error::deserialize::<_, E>(Value::Object(fields)).map_err(|e| {
        let path = e.path().to_string();
        CoreError::field(format!("{}.{path}", E::TABLE), format!("value does not fit ({})", e.into_inner()))
    })
}

/// Applies one row's changes of a batch: the row and its clocks are read once, each change is
/// decided in memory, and the row is written once (updated, or inserted when a new row has all
/// its fields; until then its fields wait in `sync_pending`).
fn apply_row<E: Entity>(
    w: &mut Writer<'_>,
    row: Uuid,
    changes: &[&FieldChange],
    report: &mut ApplyReport,
) -> Result<()> {
    let row_text = row.to_string();
    let existing = record::get_fields::<E>(&w.tx, row)?;
    let mut clocks = clocks::load(&w.tx, E::TABLE, &row_text)?;
    let mut fields: Map<String, Value> = Map::new();
    let had_pending = existing.is_none() && {
        let mut stmt = w
            .tx
            .prepare_cached("SELECT field, value, hlc, change_id FROM sync_pending WHERE tbl = ?1 AND row_id = ?2")?;
        let mut rows = stmt.query(params![E::TABLE, row_text])?;
        let mut any = false;
        while let Some(r) = rows.next()? {
            let (f, v, h, id): (String, String, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            if let Some(c) = parse_clock(&h, Some(&id), None) {
                fields.insert(f.clone(), serde_json::from_str(&v)?);
                clocks.insert(f, c);
                any = true;
            }
        }
        any
    };
    if let Some(current) = &existing {
        fields = current.clone();
    }
    let mut changed: Vec<String> = Vec::new();
    // The changes of one write share their author: its id is spelt out once.
    let mut author_text: Option<(Uuid, String)> = None;
    for c in changes {
        let current = clocks.get(&c.field).map(|k| (k.hlc, k.change_id));
        match decide(false, (c.hlc, c.change_id), current) {
            Decision::Duplicate => report.duplicates += 1,
            Decision::Loses => {
                let value = serde_json::to_string(&c.value)?;
                if history(w, E::TABLE, row, &c.field, &value, (c.hlc, c.change_id), c.author)? {
                    report.lost += 1;
                } else {
                    report.duplicates += 1;
                }
            }
            Decision::Wins => {
                if existing.is_some()
                    && let (Some(old), Some(k)) = (fields.get(&c.field), clocks.get(&c.field))
                {
                    let author = k.author.as_deref().and_then(|a| a.parse().ok());
                    history(w, E::TABLE, row, &c.field, &serde_json::to_string(old)?, (k.hlc, k.change_id), author)?;
                }
                fields.insert(c.field.clone(), c.value.clone());
                let author = c.author.map(|a| match &author_text {
                    Some((id, text)) if *id == a => text.clone(),
                    _ => author_text.insert((a, a.to_string())).1.clone(),
                });
                clocks.insert(c.field.clone(), Clocked { hlc: c.hlc, change_id: c.change_id, author });
                if !changed.contains(&c.field) {
                    changed.push(c.field.clone());
                }
                report.applied += 1;
            }
        }
    }
    if changed.is_empty() {
        return Ok(());
    }
    if let Some(before) = existing {
        let old_terms = if E::SEARCHABLE { read_as::<E>(before)?.search_terms() } else { String::new() };
        let new: E = read_as(fields.clone())?;
        let sets = changed.iter().enumerate().map(|(i, f)| format!("{f} = ?{}", i + 2)).collect::<Vec<_>>().join(", ");
        let mut values = vec![rusqlite::types::Value::Text(row_text.clone())];
        for f in &changed {
            let col = E::COLUMNS.iter().find(|(n, _)| n == f).map(|(_, c)| *c).unwrap_or(Col::Text);
            values.push(record::to_sql(col, fields.get(f).unwrap_or(&Value::Null))?);
        }
        let sql = format!("UPDATE {} SET {sets} WHERE id = ?1", E::TABLE);
        w.tx.prepare_cached(&sql)?.execute(rusqlite::params_from_iter(values))?;
        if E::SEARCHABLE && new.search_terms() != old_terms {
            reindex(w, &new)?;
        }
        clocks::save(&w.tx, E::TABLE, &row_text, &clocks)?;
        return Ok(());
    }
    // A new row: insert it once every required field arrived (empty ones never travel).
    // Read from the map in place (a first sync inserts every row through here).
    fields.insert("id".into(), Value::String(row_text.clone()));
    let whole: Option<E> = E::deserialize((&fields).into_deserializer()).ok();
    fields.remove("id");
    if let Some(entity) = whole {
        let was = w.record;
        w.record = false;
        let inserted = w.insert(&entity);
        w.record = was;
        inserted?;
        clocks::save(&w.tx, E::TABLE, &row_text, &clocks)?;
        if had_pending {
            w.tx.prepare_cached("DELETE FROM sync_pending WHERE tbl = ?1 AND row_id = ?2")?
                .execute(params![E::TABLE, row_text])?;
        }
    } else {
        for f in &changed {
            let k = &clocks[f];
            w.tx.prepare_cached(
                "INSERT INTO sync_pending (tbl, row_id, field, value, hlc, change_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (tbl, row_id, field) DO UPDATE SET value = excluded.value, hlc = excluded.hlc,
                 change_id = excluded.change_id",
            )?
            .execute(params![
                E::TABLE,
                row_text,
                f,
                serde_json::to_string(fields.get(f).unwrap_or(&Value::Null))?,
                k.hlc.to_string(),
                k.change_id.to_string()
            ])?;
        }
        report.pending_rows += 1;
    }
    Ok(())
}

impl Store {
    /// Applies a batch of changes from other devices. Returns what happened; on any malformed
    /// change (unknown table or field, a value of the wrong type) nothing of the batch is stored.
    pub fn apply_remote(&mut self, batch: &[FieldChange]) -> Result<ApplyReport> {
        let mut errors = Vec::new();
        for (i, c) in batch.iter().enumerate() {
            match with_entity!(c.table.as_str(), columns()) {
                Ok(cols) if cols.iter().any(|(n, _)| *n == c.field && *n != "id") => {}
                Ok(_) => errors.push(FieldError::new(
                    format!("changes[{i}].field"),
                    format!("{}.{} is not a field", c.table, c.field),
                )),
                Err(_) => {
                    errors.push(FieldError::new(format!("changes[{i}].table"), format!("unknown table {:?}", c.table)))
                }
            }
        }
        if !errors.is_empty() {
            return Err(CoreError::Validation(errors));
        }
        let max_hlc = batch.iter().map(|c| c.hlc).max();
        let groups = crate::sync::plan::group_by_row(batch, |c| (c.table.as_str(), c.row_id));
        let report = self.write_unrecorded(|w| {
            let mut report = ApplyReport::default();
            for g in &groups {
                let changes: Vec<&FieldChange> = g.iter().map(|i| &batch[*i]).collect();
                let (table, row) = (changes[0].table.as_str(), changes[0].row_id);
                with_entity!(table, apply_row(w, row, &changes, &mut report))?;
            }
            Ok(report)
        })?;
        if let Some(h) = max_hlc {
            let now = crate::domain::Timestamp::now().millis().max(0) as u64;
            self.clock.observe(h, now);
            super::meta_set(&self.conn, "hlc", &self.clock.last().to_string())?;
        }
        Ok(report)
    }
}

fn history(
    w: &Writer<'_>,
    table: &str,
    row: Uuid,
    field: &str,
    value: &str,
    (hlc, change_id): (Hlc, Uuid),
    author: Option<Uuid>,
) -> Result<bool> {
    let n =
        w.tx.prepare_cached(
            "INSERT OR IGNORE INTO field_history (tbl, row_id, field, value, hlc, change_id, recorded_at, user_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            table,
            row.to_string(),
            field,
            value,
            hlc.to_string(),
            change_id.to_string(),
            crate::domain::Timestamp::now().to_string(),
            author.map(|a| a.to_string())
        ])?;
    Ok(n > 0)
}

//! Applying changes from other devices to the local database, with the merge rule of
//! [`crate::sync::merge`]: per field, the highest (HLC, change id) wins; a losing value goes to
//! `field_history` (once per change id); a change seen before (the winner's or a loser's id) is ignored; a row is created once all its fields arrived
//! (until then its fields wait in `sync_pending`). One transaction per batch; nothing from a batch
//! is stored when any change in it is malformed. Remote changes write no outbox records.

use super::record::{self, Col, Entity, to_fields};
use super::{Store, Writer};
use crate::domain::*;
use crate::error::{CoreError, FieldError, Result};
use crate::quotes::{Quote, QuoteVersion, SalesOrder};
use crate::sync::Hlc;
use crate::sync::merge::{Decision, FieldChange, decide};
use rusqlite::{OptionalExtension, params};
use serde_json::{Map, Value};
use std::collections::BTreeSet;
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
            "customers" => $body::<Customer>($($arg),*),
            "vehicles" => $body::<Vehicle>($($arg),*),
            "leads" => $body::<Lead>($($arg),*),
            "opportunities" => $body::<Opportunity>($($arg),*),
            "pipeline_stages" => $body::<PipelineStage>($($arg),*),
            "activities" => $body::<Activity>($($arg),*),
            "interactions" => $body::<Interaction>($($arg),*),
            "users" => $body::<User>($($arg),*),
            "teams" => $body::<Team>($($arg),*),
            "dealerships" => $body::<Dealership>($($arg),*),
            "quotes" => $body::<Quote>($($arg),*),
            "quote_versions" => $body::<QuoteVersion>($($arg),*),
            "sales_orders" => $body::<SalesOrder>($($arg),*),
            "custom_jurisdictions" => $body::<crate::desk::tax::CustomJurisdiction>($($arg),*),
            other => Err(CoreError::field("table", format!("unknown table {other:?}"))),
        }
    };
}

/// Every table that syncs.
pub const SYNCED_TABLES: &[&str] = &[
    "customers",
    "vehicles",
    "leads",
    "opportunities",
    "pipeline_stages",
    "activities",
    "interactions",
    "users",
    "teams",
    "dealerships",
    "quotes",
    "quote_versions",
    "sales_orders",
    "custom_jurisdictions",
];

fn columns<E: Entity>() -> Result<&'static [(&'static str, Col)]> {
    Ok(E::COLUMNS)
}

/// Checks the values a row would hold. A complete row (every column present) must read back as
/// its domain type; an incomplete one has each value checked against its column's kind. The error
/// names the field. Returns whether the row is complete.
pub fn check_row(table: &str, row_id: Uuid, fields: &Map<String, Value>) -> std::result::Result<bool, FieldError> {
    let mut fields = fields.clone();
    fields.insert("id".into(), Value::String(row_id.to_string()));
    with_entity!(table, check_row_as(&fields)).map_err(|e| match e {
        CoreError::Validation(mut v) if !v.is_empty() => v.remove(0),
        other => FieldError::new("table", other.to_string()),
    })
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
    let complete = E::COLUMNS.iter().all(|(n, _)| fields.contains_key(*n) || n.ends_with("deleted_at"));
    if complete {
        let de = serde_json::Value::Object(fields.clone());
        if let Err(e) = serde_path_to_error::deserialize::<_, E>(de) {
            let path = e.path().to_string();
            let field = path.split('.').next().unwrap_or("").to_string();
            return Err(bad(&field, format!("{}.{path}: {}", E::TABLE, e.into_inner())));
        }
    }
    Ok(complete)
}

/// The row's current fields, or `None` when it is not here yet.
fn row_fields<E: Entity>(w: &Writer<'_>, row: Uuid) -> Result<Option<Map<String, Value>>> {
    match record::get::<E>(&w.tx, row) {
        Ok(e) => Ok(Some(to_fields(&e)?)),
        Err(CoreError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Writes one field of an existing row, checking the value's type by reading the row back as `E`.
fn set_field<E: Entity>(w: &mut Writer<'_>, row: Uuid, field: &str, value: &Value) -> Result<()> {
    let old: E = record::get(&w.tx, row)?;
    let mut fields = to_fields(&old)?;
    fields.insert(field.to_string(), value.clone());
    let new: E = serde_json::from_value(Value::Object(fields))
        .map_err(|e| CoreError::field(format!("{}.{field}", E::TABLE), format!("value {value} does not fit ({e})")))?;
    let col = E::COLUMNS.iter().find(|(n, _)| *n == field).map(|(_, c)| *c).unwrap_or(Col::Text);
    let sql = format!("UPDATE {} SET {field} = ?1 WHERE id = ?2", E::TABLE);
    w.tx.prepare_cached(&sql)?.execute(params![record::to_sql(col, value)?, row.to_string()])?;
    if E::SEARCHABLE {
        reindex(w, &new)?;
    }
    Ok(())
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

/// Creates the row from its pending fields when they are all there. Returns whether it did.
fn materialize<E: Entity>(w: &mut Writer<'_>, row: Uuid) -> Result<bool> {
    let mut fields = Map::new();
    fields.insert("id".into(), Value::String(row.to_string()));
    let pending: Vec<(String, String)> =
        w.tx.prepare_cached("SELECT field, value FROM sync_pending WHERE tbl = ?1 AND row_id = ?2")?
            .query_map(params![E::TABLE, row.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<std::result::Result<_, _>>()?;
    for (f, v) in pending {
        fields.insert(f, serde_json::from_str(&v)?);
    }
    // Optional fields may never be sent (a null); every other column must have arrived.
    let missing = E::COLUMNS.iter().any(|(n, _)| !fields.contains_key(*n) && !n.ends_with("deleted_at"));
    if missing {
        return Ok(false);
    }
    let Ok(entity) = serde_json::from_value::<E>(Value::Object(fields)) else { return Ok(false) };
    let was = w.record;
    w.record = false;
    let inserted = w.insert(&entity);
    w.record = was;
    inserted?;
    w.tx.prepare_cached(
        "INSERT INTO field_clocks (tbl, row_id, field, hlc, change_id)
         SELECT tbl, row_id, field, hlc, change_id FROM sync_pending WHERE tbl = ?1 AND row_id = ?2
         ON CONFLICT (tbl, row_id, field) DO UPDATE SET hlc = excluded.hlc, change_id = excluded.change_id",
    )?
    .execute(params![E::TABLE, row.to_string()])?;
    w.tx.prepare_cached("DELETE FROM sync_pending WHERE tbl = ?1 AND row_id = ?2")?
        .execute(params![E::TABLE, row.to_string()])?;
    Ok(true)
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
        let report = self.write_unrecorded(|w| {
            let mut report = ApplyReport::default();
            let mut waiting: BTreeSet<(String, Uuid)> = BTreeSet::new();
            for c in batch {
                // A change seen before is either the field's current winner (equal clock) or in its
                // history (a loser, inserted once): no separate list of applied ids is needed, so a
                // row evicted and received again later is applied afresh.
                let seen = false;
                let clock: Option<(String, Option<String>, Option<String>)> = w
                    .tx
                    .prepare_cached(
                        "SELECT hlc, change_id, user_id FROM field_clocks WHERE tbl = ?1 AND row_id = ?2 AND field = ?3",
                    )?
                    .query_row(params![c.table, c.row_id.to_string(), c.field], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .optional()?;
                let old_author = clock.as_ref().and_then(|(_, _, u)| u.clone());
                let clock = clock.map(|(h, id, _)| (h, id));
                let pending: Option<(String, String)> = w
                    .tx
                    .prepare_cached("SELECT hlc, change_id FROM sync_pending WHERE tbl = ?1 AND row_id = ?2 AND field = ?3")?
                    .query_row(params![c.table, c.row_id.to_string(), c.field], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?;
                let parse = |(h, id): (String, Option<String>)| -> Option<(Hlc, Uuid)> {
                    Some((h.parse().ok()?, id.and_then(|i| i.parse().ok()).unwrap_or(Uuid::nil())))
                };
                let current = clock.and_then(parse).or_else(|| pending.and_then(|(h, id)| parse((h, Some(id)))));
                let decision = decide(seen, (c.hlc, c.change_id), current);
                let value_text = serde_json::to_string(&c.value)?;
                match decision {
                    Decision::Duplicate => report.duplicates += 1,
                    Decision::Loses => {
                        if history(w, &c.table, c.row_id, &c.field, &value_text, (c.hlc, c.change_id), c.author)? {
                            report.lost += 1;
                        } else {
                            report.duplicates += 1;
                        }
                    }
                    Decision::Wins => {
                        let row_now = with_entity!(c.table.as_str(), row_fields(w, c.row_id))?;
                        match row_now {
                            Some(fields) => {
                                if let (Some(old), Some((h, id))) = (fields.get(&c.field), current) {
                                    history(w, &c.table, c.row_id, &c.field, &serde_json::to_string(old)?, (h, id), old_author.as_deref().and_then(|a| a.parse().ok()))?;
                                }
                                with_entity!(c.table.as_str(), set_field(w, c.row_id, &c.field, &c.value))?;
                                w.tx.prepare_cached(
                                    "INSERT INTO field_clocks (tbl, row_id, field, hlc, change_id, user_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                                     ON CONFLICT (tbl, row_id, field) DO UPDATE SET hlc = excluded.hlc, change_id = excluded.change_id,
                                     user_id = excluded.user_id",
                                )?
                                .execute(params![c.table, c.row_id.to_string(), c.field, c.hlc.to_string(), c.change_id.to_string(),
                                    c.author.map(|a| a.to_string())])?;
                            }
                            None => {
                                w.tx.prepare_cached(
                                    "INSERT INTO sync_pending (tbl, row_id, field, value, hlc, change_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                                     ON CONFLICT (tbl, row_id, field) DO UPDATE SET value = excluded.value, hlc = excluded.hlc,
                                     change_id = excluded.change_id",
                                )?
                                .execute(params![c.table, c.row_id.to_string(), c.field, value_text, c.hlc.to_string(), c.change_id.to_string()])?;
                                waiting.insert((c.table.clone(), c.row_id));
                            }
                        }
                        report.applied += 1;
                    }
                }
            }
            for (table, row) in waiting {
                if !with_entity!(table.as_str(), materialize(w, row))? {
                    report.pending_rows += 1;
                }
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

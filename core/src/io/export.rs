//! Export of every synced table the rule book marks exported (`sync::rules::TABLES`): one JSON
//! object with an array per table, or one CSV file per table; and the restore of a JSON export
//! (a backup) into an empty data folder.

use crate::error::{CoreError, Result};
use crate::store::record::{Col, Entity, query, to_fields};
use crate::store::remote::with_entity;
use rusqlite::Connection;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

fn all<E: Entity>(conn: &Connection) -> Result<Vec<E>> {
    query::<E>(conn, "ORDER BY rid", [])
}

/// `{ "dealerships": [...], "users": [...], "customers": [...], "vehicles": [...], "leads": [...], ... }`
pub fn export_json(conn: &Connection) -> Result<Value> {
    fn put<E: Entity>(conn: &Connection, out: &mut Map<String, Value>) -> Result<()> {
        out.insert(E::TABLE.to_string(), serde_json::to_value(all::<E>(conn)?)?);
        Ok(())
    }
    let mut out = Map::new();
    out.insert("format".into(), Value::from("showroom-export"));
    out.insert("schema_version".into(), Value::from(crate::store::SCHEMA_VERSION));
    // Every synced table the rule book marks exported (`sync::rules::TABLES`), in its order.
    for t in crate::sync::rules::TABLES.iter().filter(|t| t.exported) {
        with_entity!(t.table, put(conn, &mut out))?;
    }
    Ok(Value::Object(out))
}

/// Writes `<dir>/<table>.csv` for every entity; nested fields are JSON text. Returns the files.
pub fn export_csv(conn: &Connection, dir: &Path) -> Result<Vec<PathBuf>> {
    fn write<E: Entity>(conn: &Connection, dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
        let path = dir.join(format!("{}.csv", E::TABLE));
        let io = |e: std::io::Error| CoreError::io(format!("cannot write {}", path.display()), e);
        let mut w = csv::Writer::from_path(&path).map_err(|e| CoreError::io(path.display().to_string(), e.into()))?;
        w.write_record(E::COLUMNS.iter().map(|(n, _)| *n)).map_err(|e| io(e.into()))?;
        for e in all::<E>(conn)? {
            let fields = to_fields(&e)?;
            let row: Vec<String> = E::COLUMNS
                .iter()
                .map(|(n, col)| match (fields.get(*n), col) {
                    (None | Some(Value::Null), _) => String::new(),
                    (Some(Value::String(s)), Col::Text) => s.clone(),
                    (Some(v), _) => v.to_string(),
                })
                .collect();
            w.write_record(&row).map_err(|e| io(e.into()))?;
        }
        w.flush().map_err(io)?;
        files.push(path);
        Ok(())
    }
    std::fs::create_dir_all(dir).map_err(|e| CoreError::io(format!("cannot create {}", dir.display()), e))?;
    let mut files = Vec::new();
    for t in crate::sync::rules::TABLES.iter().filter(|t| t.exported) {
        with_entity!(t.table, write(conn, dir, &mut files))?;
    }
    Ok(files)
}

/// What a restore wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Restored {
    /// Rows per table, in the rule book's order (tables with none left out).
    pub tables: Vec<(String, usize)>,
    pub rows: usize,
}

/// Restores a JSON export into an empty data folder, in one transaction: every table the rule
/// book exports, parents first, each row exactly as exported (ids, clocks and times kept), so a
/// second export of the restored folder equals the first. Unrecorded, like the demo: nothing is
/// queued for the server (which holds the same rows when the dealership synced). Refused whole,
/// with the table and row named, when the file is not an export, comes from a newer schema, holds
/// a row that does not read, or when the folder already holds a dealership or customers.
pub fn import_json(store: &mut crate::store::Store, export: &Value) -> Result<Restored> {
    fn restore<E: Entity>(w: &mut crate::store::Writer<'_>, rows: &Value, out: &mut Restored) -> Result<()> {
        let Some(rows) = rows.as_array() else {
            return Err(CoreError::Import(format!("{}: not a list of rows", E::TABLE)));
        };
        for (i, row) in rows.iter().enumerate() {
            let e: E = serde_json::from_value(row.clone())
                .map_err(|err| CoreError::Import(format!("{}[{i}]: {err}", E::TABLE)))?;
            // Rows every folder starts with (the default pipeline's stages) are replaced.
            match w.get::<E>(e.id()) {
                Ok(old) => {
                    w.update(&old, &e)?;
                }
                Err(_) => w.insert(&e)?,
            }
        }
        if !rows.is_empty() {
            out.tables.push((E::TABLE.to_string(), rows.len()));
            out.rows += rows.len();
        }
        Ok(())
    }
    let obj = export.as_object().ok_or_else(|| CoreError::Import("not a Showroom export (a JSON object)".into()))?;
    if obj.get("format").and_then(Value::as_str) != Some("showroom-export") {
        return Err(CoreError::Import("not a Showroom export: \"format\" is not \"showroom-export\"".into()));
    }
    let version = obj.get("schema_version").and_then(Value::as_i64).unwrap_or(0);
    if version > crate::store::SCHEMA_VERSION {
        return Err(CoreError::Import(format!(
            "the export is from a newer Showroom (schema {version}; this one reads up to {})",
            crate::store::SCHEMA_VERSION
        )));
    }
    for table in ["dealerships", "customers"] {
        let n: i64 = store.conn().query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;
        if n > 0 {
            return Err(CoreError::Import(format!(
                "this data folder already holds {table}; restore into an empty folder (--data-dir)"
            )));
        }
    }
    store.write_unrecorded(|w| {
        let mut out = Restored::default();
        for t in crate::sync::rules::TABLES.iter().filter(|t| t.exported) {
            if let Some(rows) = obj.get(t.table) {
                with_entity!(t.table, restore(w, rows, &mut out))?;
            }
        }
        Ok(out)
    })
}

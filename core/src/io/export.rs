//! Export of every synced table the rule book marks exported (`sync::rules::TABLES`): one JSON
//! object with an array per table, or one CSV file per table.

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

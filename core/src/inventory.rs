//! Inventory: filtering the lot, and matching vehicles to what a customer said they want, with the
//! reasons each vehicle matched.

use crate::domain::{Condition, Customer, Timestamp, Vehicle, VehicleStatus};
use crate::error::Result;
use crate::store::query;
use rusqlite::Connection;
use rusqlite::types::Value;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What the inventory screen filters by. Empty fields do not filter.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct VehicleFilter {
    /// Stock number, VIN, year, make, model or trim, as typed.
    pub text: String,
    pub make: Option<String>,
    pub model: Option<String>,
    pub body: Option<String>,
    pub condition: Option<Condition>,
    pub status: Option<VehicleStatus>,
    #[ts(type = "number | null")]
    pub min_price_cents: Option<i64>,
    #[ts(type = "number | null")]
    pub max_price_cents: Option<i64>,
}

/// Vehicles matching a filter, newest arrivals first (at most 500).
pub fn filter(conn: &Connection, f: &VehicleFilter) -> Result<Vec<Vehicle>> {
    let mut clauses = vec!["deleted_at IS NULL".to_string()];
    let mut params: Vec<Value> = Vec::new();
    let mut eq = |col: &str, v: Option<String>, clauses: &mut Vec<String>| {
        if let Some(v) = v.filter(|v| !v.trim().is_empty()) {
            params.push(Value::Text(v.trim().to_string()));
            clauses.push(format!("{col} = ?{} COLLATE NOCASE", params.len()));
        }
    };
    eq("make", f.make.clone(), &mut clauses);
    eq("model", f.model.clone(), &mut clauses);
    eq("body", f.body.clone(), &mut clauses);
    eq("condition", f.condition.map(|c| stored_name(&c)), &mut clauses);
    eq("status", f.status.map(|s| stored_name(&s)), &mut clauses);
    if let Some(min) = f.min_price_cents {
        params.push(Value::Integer(min));
        clauses.push(format!("price_cents >= ?{}", params.len()));
    }
    if let Some(max) = f.max_price_cents {
        params.push(Value::Integer(max));
        clauses.push(format!("price_cents <= ?{}", params.len()));
    }
    if let Some(q) = crate::store::search::fts_query(&f.text) {
        params.push(Value::Text(q));
        clauses.push(format!("rid IN (SELECT rowid FROM vehicles_fts WHERE vehicles_fts MATCH ?{})", params.len()));
    }
    let tail = format!("WHERE {} ORDER BY received_at DESC LIMIT 500", clauses.join(" AND "));
    query(conn, &tail, rusqlite::params_from_iter(params))
}

/// The serde name of a unit enum, as stored ("in_transit").
fn stored_name<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// One vehicle ranked for a customer, with why.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct VehicleMatch {
    pub vehicle: Vehicle,
    /// 0-100.
    pub score: i32,
    pub reasons: Vec<String>,
}

/// Ranks sellable vehicles (available or in transit) against the customer's preferences: make
/// (30), body type (20), budget (25, or 10 within 10% over), condition (15), aged units a nudge (10).
pub fn matches_for(conn: &Connection, customer: &Customer, now: Timestamp, limit: usize) -> Result<Vec<VehicleMatch>> {
    let p = &customer.preferences;
    let stock: Vec<Vehicle> = query(conn, "WHERE deleted_at IS NULL AND status IN ('available', 'in_transit')", [])?;
    let lower = |xs: &[String]| xs.iter().map(|x| x.to_lowercase()).collect::<Vec<_>>();
    let (makes, bodies) = (lower(&p.makes), lower(&p.body_types));
    let mut out: Vec<VehicleMatch> = stock
        .into_iter()
        .map(|v| {
            let mut score = 0;
            let mut reasons = Vec::new();
            if makes.contains(&v.make.to_lowercase()) {
                score += 30;
                reasons.push(format!("{} is a make they asked for", v.make));
            }
            if bodies.contains(&v.body.to_lowercase()) {
                score += 20;
                reasons.push(format!("{} body, as wanted", v.body));
            }
            if let Some(max) = p.budget_max_cents {
                if v.price_cents <= max {
                    score += 25;
                    reasons.push(format!(
                        "{} is within the budget of {}",
                        crate::desk::money::Money(v.price_cents).pretty(),
                        crate::desk::money::Money(max).pretty()
                    ));
                } else if v.price_cents * 10 <= max * 11 {
                    score += 10;
                    reasons.push("within 10% of the budget".to_string());
                }
            }
            if p.condition == Some(v.condition) {
                score += 15;
                reasons.push(match v.condition {
                    Condition::New => "new, as preferred".to_string(),
                    Condition::Used => "used, as preferred".to_string(),
                    Condition::Cpo => "certified pre-owned, as preferred".to_string(),
                });
            }
            let days = (now.millis() - v.received_at.millis()) / 86_400_000;
            if days > 60 {
                score += 10;
                reasons.push(format!("{days} days in stock: room to deal"));
            }
            VehicleMatch { vehicle: v, score: score.min(100), reasons }
        })
        .filter(|m| m.score >= 30)
        .collect();
    out.sort_by(|a, b| b.score.cmp(&a.score).then(a.vehicle.price_cents.cmp(&b.vehicle.price_cents)));
    out.truncate(limit);
    Ok(out)
}

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

/// How well a vehicle fits what a customer asked for, 0-100, with the reasons: make (30), model
/// (15), body type (20), budget (25, or 10 within 10% over), condition (15), aged units a nudge (10).
pub fn fit(p: &crate::domain::Preferences, v: &Vehicle, now: Timestamp) -> (i32, Vec<String>) {
    let has = |xs: &[String], x: &str| xs.iter().any(|y| y.eq_ignore_ascii_case(x));
    let mut score = 0;
    let mut reasons = Vec::new();
    if has(&p.makes, &v.make) {
        score += 30;
        reasons.push(format!("{} is a make they asked for", v.make));
    }
    if has(&p.models, &v.model) {
        score += 15;
        reasons.push(format!("a {}, the model they asked for", v.model));
    }
    if has(&p.body_types, &v.body) {
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
    (score.min(100), reasons)
}

/// Ranks sellable vehicles (available or in transit) against the customer's preferences ([`fit`]).
pub fn matches_for(conn: &Connection, customer: &Customer, now: Timestamp, limit: usize) -> Result<Vec<VehicleMatch>> {
    let stock: Vec<Vehicle> = query(conn, "WHERE deleted_at IS NULL AND status IN ('available', 'in_transit')", [])?;
    let mut out: Vec<VehicleMatch> = stock
        .into_iter()
        .map(|v| {
            let (score, reasons) = fit(&customer.preferences, &v, now);
            VehicleMatch { vehicle: v, score, reasons }
        })
        .filter(|m| m.score >= 30)
        .collect();
    out.sort_by(|a, b| b.score.cmp(&a.score).then(a.vehicle.price_cents.cmp(&b.vehicle.price_cents)));
    out.truncate(limit);
    Ok(out)
}

/// A vehicle that fits this well is worth a rep's call when it arrives.
pub const ARRIVAL_FIT: i32 = 60;
/// At most this many customers are told about one arrival (the best fits).
pub const ARRIVAL_CUSTOMERS: usize = 10;

/// A vehicle arrived (imported new, or in transit → available): each owned customer it fits well
/// ([`ARRIVAL_FIT`], best [`ARRIVAL_CUSTOMERS`]) gets a call task for their rep, due now, with the
/// reasons, in the caller's transaction. The rep's laptop shows it on Today and as a reminder.
pub fn notify_arrival(w: &mut crate::store::Writer<'_>, v: &Vehicle, now: Timestamp) -> Result<usize> {
    if !matches!(v.status, VehicleStatus::Available | VehicleStatus::InTransit) {
        return Ok(0);
    }
    // Customers whose needs name the make or the model at all (the JSON text holds them quoted).
    let candidates: Vec<Customer> = query(
        w.conn(),
        "WHERE deleted_at IS NULL AND owner_id IS NOT NULL AND (preferences LIKE ?1 OR preferences LIKE ?2)",
        [format!("%\"{}\"%", v.make), format!("%\"{}\"%", v.model)],
    )?;
    let mut fits: Vec<(i32, Vec<String>, Customer)> = candidates
        .into_iter()
        .map(|c| {
            let (score, reasons) = fit(&c.preferences, v, now);
            (score, reasons, c)
        })
        .filter(|(score, _, _)| *score >= ARRIVAL_FIT)
        .collect();
    fits.sort_by(|a, b| b.0.cmp(&a.0).then(a.2.last_name.cmp(&b.2.last_name)));
    fits.truncate(ARRIVAL_CUSTOMERS);
    for (score, reasons, c) in &fits {
        // The rep reads why (cut to the subject's 200 characters); the customer gets a short note.
        let mut subject = format!(
            "Just arrived for {}: {} (stock {}), fits {score}%. {}",
            c.display_name(),
            v.title(),
            v.stock_no,
            reasons.join("; ")
        );
        if subject.chars().count() > 200 {
            subject = subject.chars().take(199).collect::<String>() + "…";
        }
        let a = crate::domain::Activity {
            id: crate::domain::new_id(),
            customer_id: c.id,
            opportunity_id: None,
            kind: crate::domain::ActivityKind::Call,
            subject,
            due_at: now,
            done_at: None,
            outcome: String::new(),
            owner_id: c.owner_id,
            created_at: now,
            updated_at: now,
            deleted_at: None,
            lead_id: None,
            message: format!(
                "Hi {}, a {} just arrived that fits what you were looking for. Would you like to come see it this week?",
                c.first_name,
                v.title()
            ),
        };
        w.insert(&a)?;
    }
    Ok(fits.len())
}

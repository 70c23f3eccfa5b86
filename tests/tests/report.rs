//! `showroom report dashboard` against an independent computation from `showroom export`: the
//! figures a manager reads are recomputed here from the exported records with their own date
//! parsing and arithmetic (not the core's code path) and must agree.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use showroom_e2e::showroom;
use std::collections::HashMap;

fn ms(v: &Value) -> Option<i64> {
    v.as_str().map(|s| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc).timestamp_millis())
}

fn day_ms(d: &str) -> i64 {
    NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap().and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp_millis()
}

fn rows<'a>(export: &'a Value, table: &str) -> Vec<&'a Value> {
    export[table].as_array().unwrap().iter().filter(|r| r["deleted_at"].is_null()).collect()
}

/// Nearest-rank percentile (the documented definition in docs/metrics.md).
fn nearest_rank<T: Copy + PartialOrd>(mut v: Vec<T>, p: f64) -> Option<T> {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    if v.is_empty() {
        return None;
    }
    let rank = ((p * v.len() as f64).ceil() as usize).clamp(1, v.len());
    Some(v[rank - 1])
}

struct Expected {
    units: f64,
    revenue: i64,
    gross: i64,
    win_rate: Option<f64>,
    cycle_median: Option<f64>,
    leads: u64,
    answered: u64,
    speed_median: Option<i64>,
    funnel: [u64; 5],
}

/// Everything computed from the export for `[from, to]` (UTC days), the team or one rep.
fn expected(export: &Value, from: &str, to: &str, rep: Option<&str>) -> Expected {
    let (a, b) = (day_ms(from), day_ms(to) + 86_400_000);
    let in_range = |t: Option<i64>| t.is_some_and(|t| t >= a && t < b);
    let deals = rows(export, "opportunities");
    // A rep's credit on a deal: whole when theirs alone, half when split.
    let halves = |d: &Value| -> i64 {
        let Some(r) = rep else { return 2 };
        let (owner, co) = (d["owner_id"].as_str(), d["co_owner_id"].as_str());
        match (owner == Some(r), co == Some(r), co.is_some()) {
            (true, _, false) => 2,
            (true, _, true) | (false, true, _) => 1,
            _ => 0,
        }
    };
    let part = |d: &Value, cents: i64| if halves(d) == 1 { (cents + 1).div_euclid(2) } else { cents };
    let won: Vec<&&Value> = deals
        .iter()
        .filter(|d| d["status"] == "won" && d["unwound_at"].is_null() && in_range(ms(&d["closed_at"])) && halves(d) > 0)
        .collect();
    let lost = deals.iter().filter(|d| d["status"] == "lost" && in_range(ms(&d["closed_at"])) && halves(d) > 0).count();
    let units = won.iter().map(|d| halves(d) as f64 / 2.0).sum();
    let revenue = won.iter().map(|d| part(d, d["amount_cents"].as_i64().unwrap())).sum();
    let gross = won.iter().map(|d| part(d, d["gross_cents"].as_i64().unwrap_or(0))).sum();
    let cycle: Vec<f64> = won
        .iter()
        .map(|d| {
            let days = (ms(&d["closed_at"]).unwrap() - ms(&d["created_at"]).unwrap()) as f64 / 86_400_000.0;
            (days * 10.0).round() / 10.0
        })
        .collect();

    // The lead cohort: leads received in the range, followed to today.
    let leads: Vec<&Value> = rows(export, "leads")
        .into_iter()
        .filter(|l| l["merged_into"].is_null() && in_range(ms(&l["received_at"])))
        .filter(|l| rep.is_none() || l["assignee_id"].as_str() == rep)
        .collect();
    let acts = rows(export, "activities");
    let visits: Vec<&&Value> = acts.iter().filter(|a| a["kind"] == "meeting" || a["kind"] == "test_drive").collect();
    let mut funnel = [0u64; 5];
    let mut responses = Vec::new();
    for l in &leads {
        let received = ms(&l["received_at"]).unwrap();
        let customer = l["customer_id"].as_str();
        let of_customer = |v: &&&&Value| customer.is_some() && v["customer_id"].as_str() == customer;
        let sold = deals.iter().any(|d| {
            customer.is_some()
                && d["customer_id"].as_str() == customer
                && d["status"] == "won"
                && d["unwound_at"].is_null()
                && ms(&d["closed_at"]).is_some_and(|c| c >= received)
        });
        let showed = visits.iter().filter(of_customer).any(|v| ms(&v["done_at"]).is_some_and(|t| t >= received));
        let booked = visits.iter().filter(of_customer).any(|v| ms(&v["created_at"]).is_some_and(|t| t >= received));
        let response = ms(&l["first_response_at"]);
        let reached = if sold {
            4
        } else if showed {
            3
        } else if booked {
            2
        } else {
            usize::from(response.is_some())
        };
        funnel[0] += 1;
        for step in funnel.iter_mut().take(reached + 1).skip(1) {
            *step += 1;
        }
        if let Some(r) = response {
            responses.push((r - received).max(0) / 60_000);
        }
    }
    Expected {
        units,
        revenue,
        gross,
        win_rate: (won.len() + lost > 0).then(|| won.len() as f64 / (won.len() + lost) as f64),
        cycle_median: nearest_rank(cycle, 0.5),
        leads: leads.len() as u64,
        answered: responses.len() as u64,
        speed_median: nearest_rank(responses, 0.5),
        funnel,
    }
}

fn close(a: Option<f64>, b: &Value, what: &str) {
    match a {
        None => assert!(b.is_null(), "{what}: expected nothing, the report says {b}"),
        Some(a) => assert!((a - b.as_f64().unwrap()).abs() < 1e-9, "{what}: computed {a}, the report says {b}"),
    }
}

fn check(export: &Value, report: &Value, from: &str, to: &str, rep: Option<&str>) {
    let e = expected(export, from, to, rep);
    let s = &report["sales"];
    let label = format!("{from}..{to} {rep:?}");
    assert_eq!(s["units"].as_f64().unwrap(), e.units, "units {label}");
    assert_eq!(s["revenue_cents"].as_i64().unwrap(), e.revenue, "revenue {label}");
    assert_eq!(s["gross_cents"].as_i64().unwrap(), e.gross, "gross {label}");
    close(e.win_rate, &s["win_rate"], &format!("win rate {label}"));
    close(e.cycle_median, &s["cycle_median_days"], &format!("cycle time {label}"));
    let st = &report["speed_to_lead"];
    assert_eq!((st["leads"].as_u64().unwrap(), st["answered"].as_u64().unwrap()), (e.leads, e.answered), "{label}");
    assert_eq!(st["median_minutes"].as_i64(), e.speed_median, "speed to lead {label}");
    let funnel: Vec<u64> = report["funnel"].as_array().unwrap().iter().map(|f| f["count"].as_u64().unwrap()).collect();
    assert_eq!(funnel, e.funnel.to_vec(), "funnel {label}");
    assert!(e.units > 0.0 && e.funnel[4] > 0, "{label}: the demo sells, and sells to its leads: {e:?}", e = e.funnel);
}

#[test]
fn the_dashboard_report_agrees_with_an_independent_computation_from_the_export() {
    let data = tempfile::tempdir().unwrap();
    let (code, _, err) = showroom(data.path(), &["demo"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = showroom(data.path(), &["export", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let export: Value = serde_json::from_str(&out).unwrap();
    let report = |args: &[&str]| -> Value {
        let mut all = vec!["report", "dashboard"];
        all.extend_from_slice(args);
        let (code, out, err) = showroom(data.path(), &all);
        assert_eq!(code, 0, "{err}");
        serde_json::from_str(&out).unwrap()
    };

    // A whole past month and the month so far (the clock is pinned at 2026-11-18), for the team.
    for (from, to) in [("2026-10-01", "2026-10-31"), ("2026-11-01", "2026-11-18"), ("2026-06-01", "2026-08-31")] {
        let r = report(&["--from", from, "--to", to]);
        check(&export, &r, from, to, None);
    }

    // One rep, named by email, and the same rep's row of the team's leaderboard.
    let ana = rows(&export, "users").into_iter().find(|u| u["name"] == "Ana Morales").unwrap();
    let (ana_id, ana_email) = (ana["id"].as_str().unwrap(), ana["email"].as_str().unwrap());
    let mine = report(&["--from", "2026-10-01", "--to", "2026-10-31", "--rep", ana_email]);
    check(&export, &mine, "2026-10-01", "2026-10-31", Some(ana_id));
    let team = report(&["--from", "2026-10-01", "--to", "2026-10-31"]);
    let row = team["leaderboard"].as_array().unwrap().iter().find(|r| r["rep_id"] == ana_id).unwrap();
    assert_eq!(row["units"], mine["sales"]["units"]);
    assert_eq!(row["revenue_cents"], mine["sales"]["revenue_cents"]);
    // The reps' units add up to the team's (a split deal is half each).
    let reps_units: f64 = team["leaderboard"].as_array().unwrap().iter().map(|r| r["units"].as_f64().unwrap()).sum();
    assert_eq!(reps_units, team["sales"]["units"].as_f64().unwrap());

    // Pipeline totals and the forecast's inputs, as of now: every open deal, weighted by its stage.
    let stages: HashMap<&str, (i64, bool)> = rows(&export, "pipeline_stages")
        .into_iter()
        .map(|s| {
            (s["id"].as_str().unwrap(), (s["probability"].as_i64().unwrap(), s["name"] == "Won" || s["name"] == "Lost"))
        })
        .collect();
    let open: Vec<&Value> = rows(&export, "opportunities").into_iter().filter(|d| d["status"] == "open").collect();
    let value: i64 = open.iter().map(|d| d["amount_cents"].as_i64().unwrap()).sum();
    // Weighted in whole cents per deal would drift: the sum is exact in hundredths of a cent.
    let weighted_hundredths: i64 =
        open.iter().map(|d| d["amount_cents"].as_i64().unwrap() * stages[d["stage_id"].as_str().unwrap()].0).sum();
    let p = &team["pipeline"];
    assert_eq!(p["open_deals"].as_u64().unwrap() as usize, open.len());
    assert_eq!(p["open_value_cents"].as_i64().unwrap(), value);
    assert!((p["weighted_cents"].as_i64().unwrap() - weighted_hundredths / 100).abs() <= 1, "{p}");
    let stage_deals: u64 = p["stages"].as_array().unwrap().iter().map(|s| s["deals"].as_u64().unwrap()).sum();
    assert_eq!(stage_deals as usize, open.len(), "every open deal sits in one open stage");
    assert!(open.iter().all(|d| !stages[d["stage_id"].as_str().unwrap()].1), "no open deal in Won or Lost");
    let f = &team["forecast"];
    assert_eq!(f["open_deals"].as_u64().unwrap() as usize, open.len());
    let now = ms(&Value::from(showroom_e2e::pinned_now())).unwrap();
    let history = rows(&export, "opportunities")
        .into_iter()
        .filter(|d| ms(&d["closed_at"]).is_some_and(|c| c < now && c >= now - 365 * 86_400_000))
        .count();
    // The report ran a moment before `now`: a deal closing in between would differ by one.
    assert!((f["history_deals"].as_u64().unwrap() as i64 - history as i64).abs() <= 1, "{f}");
    let month_start = day_ms("2026-11-01");
    let won_so_far = rows(&export, "opportunities")
        .into_iter()
        .filter(|d| {
            d["status"] == "won" && d["unwound_at"].is_null() && ms(&d["closed_at"]).is_some_and(|c| c >= month_start)
        })
        .count();
    assert_eq!(f["won_so_far"].as_f64().unwrap(), won_so_far as f64);

    // CSV for scripts: the same units and revenue.
    let (code, csv, err) = showroom(
        data.path(),
        &["report", "dashboard", "--from", "2026-10-01", "--to", "2026-10-31", "--format", "csv"],
    );
    assert_eq!(code, 0, "{err}");
    let units_line = csv.lines().find(|l| l.starts_with("Units,")).unwrap();
    assert_eq!(units_line, format!("Units,{}", team["sales"]["units"].as_f64().unwrap()));
    assert!(csv.contains("Win rate,") && csv.contains("Weighted pipeline,"), "{csv}");

    // Bad input names the field.
    let (code, _, err) = showroom(data.path(), &["report", "dashboard", "--from", "2026-10-31", "--to", "2026-10-01"]);
    assert_eq!(code, 1);
    assert!(err.contains("to: is before the first day"), "{err}");
    let (code, _, err) = showroom(
        data.path(),
        &["report", "dashboard", "--from", "2026-10-01", "--to", "2026-10-31", "--rep", "nobody"],
    );
    assert_eq!(code, 1);
    assert!(err.contains("rep: no user has the email or name \"nobody\""), "{err}");
}

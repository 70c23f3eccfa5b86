//! The dashboard: every figure of a range for the team or one rep, from the loaded deals and a
//! handful of indexed queries, arithmetic in memory.

use super::load::{activity_counts, lead_times, load_deals, load_paths};
use super::*;
use crate::domain::OpportunityStatus;
use crate::domain::{Goal, Timestamp, User};
use crate::error::Result;
use crate::store::query;
use chrono::Datelike;
use rusqlite::Connection;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// Nearest-rank percentile of sorted values.
pub(crate) fn percentile<T: Copy>(sorted: &[T], p: f64) -> Option<T> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

pub(crate) fn ratio(a: f64, b: f64) -> Option<f64> {
    (b > 0.0).then(|| a / b)
}

pub(crate) fn month_of(ms: i64, offset_ms: i64) -> String {
    Timestamp::from_millis(ms + offset_ms).date().format("%Y-%m").to_string()
}

/// A lead of the range with how far it got.
struct LeadRow {
    assignee: Option<Uuid>,
    channel: String,
    source: String,
    /// 1 contacted, 2 appointment, 3 showed, 4 sold; 0 none.
    reached: u8,
    response_min: Option<i64>,
}

fn conversion(key: String, rows: &[&LeadRow]) -> Conversion {
    let at = |k: u8| rows.iter().filter(|r| r.reached >= k).count() as u32;
    let leads = rows.len() as u32;
    let sold = at(4);
    Conversion {
        key,
        leads,
        contacted: at(1),
        appointment: at(2),
        showed: at(3),
        sold,
        rate: ratio(f64::from(sold), f64::from(leads)),
    }
}

fn by_key(rows: &[LeadRow], key: impl Fn(&LeadRow) -> String) -> Vec<Conversion> {
    let mut groups: HashMap<String, Vec<&LeadRow>> = HashMap::new();
    for r in rows {
        groups.entry(key(r)).or_default().push(r);
    }
    let mut out: Vec<Conversion> = groups.into_iter().map(|(k, v)| conversion(k, &v)).collect();
    out.sort_by(|a, b| b.leads.cmp(&a.leads).then(a.key.cmp(&b.key)));
    out
}

/// The dashboard for a range, for the team or one rep.
pub fn dashboard(conn: &Connection, q: &DashboardQuery, now: Timestamp, utc_offset_min: i32) -> Result<Dashboard> {
    let span = q.span(now, utc_offset_min)?;
    let deals = load_deals(conn)?;
    dashboard_from(conn, q, span, &deals)
}

pub fn dashboard_from(conn: &Connection, q: &DashboardQuery, span: Span, all_deals: &[Deal]) -> Result<Dashboard> {
    let rep = q.rep_id;
    let in_range = |t: i64| t >= span.from && t < span.to;
    let mine = |d: &Deal| rep.is_none_or(|r| d.involves(r));
    let deals: Vec<&Deal> = all_deals.iter().filter(|d| mine(d)).collect();
    let credit = |d: &Deal| match rep {
        Some(r) => d.halves_for(r) as f64 / 2.0,
        None => 1.0,
    };
    let share = |d: &Deal, cents: i64| match rep {
        Some(r) if d.halves_for(r) == 1 => (cents + 1).div_euclid(2),
        _ => cents,
    };
    let users: Vec<User> = query(conn, "ORDER BY name", [])?;
    let name_of: HashMap<String, String> = users.iter().map(|u| (u.id.to_string(), u.name.clone())).collect();
    let settings = crate::leads::settings(conn)?;

    // Sales volume and cycle time: won deals closed in the range.
    let won: Vec<&Deal> = deals.iter().copied().filter(|d| d.won_live() && d.closed.is_some_and(in_range)).collect();
    let lost = deals.iter().filter(|d| d.status == OpportunityStatus::Lost && d.closed.is_some_and(in_range)).count();
    let units: f64 = won.iter().map(|d| credit(d)).sum();
    let revenue: i64 = won.iter().map(|d| share(d, d.amount)).sum();
    let gross: i64 = won.iter().map(|d| share(d, d.gross.unwrap_or(0))).sum();
    let mut cycle: Vec<f64> = won
        .iter()
        .map(|d| ((d.closed.unwrap_or(d.created) - d.created).max(0) as f64 / DAY as f64 * 10.0).round() / 10.0)
        .collect();
    cycle.sort_by(f64::total_cmp);
    let sales = Sales {
        units,
        revenue_cents: revenue,
        gross_cents: gross,
        gross_known: won.iter().filter(|d| d.gross.is_some()).count() as u32,
        avg_deal_cents: (units > 0.0).then(|| (revenue as f64 / units).round() as i64),
        win_rate: ratio(won.len() as f64, (won.len() + lost) as f64),
        won: won.len() as u32,
        lost: lost as u32,
        cycle_median_days: percentile(&cycle, 0.5),
        cycle_p75_days: percentile(&cycle, 0.75),
    };

    // The leads of the range and how far each got.
    let mut lead_stmt = conn.prepare_cached(
        "SELECT customer_id, assignee_id, channel, source, received_at, first_response_at FROM leads
         WHERE received_at >= ?1 AND received_at < ?2 AND deleted_at IS NULL AND merged_into IS NULL",
    )?;
    let (from_text, to_text) =
        (Timestamp::from_millis(span.from).to_string(), Timestamp::from_millis(span.to).to_string());
    type Raw = (Option<Uuid>, Option<Uuid>, String, String, i64, Option<i64>);
    let mut raw: Vec<Raw> = Vec::new();
    let uuid = |v: Option<String>| v.and_then(|s| Uuid::parse_str(&s).ok());
    {
        let mut rows = lead_stmt.query([&from_text, &to_text])?;
        while let Some(r) = rows.next()? {
            let assignee = uuid(r.get(1)?);
            if rep.is_some() && assignee != rep {
                continue;
            }
            raw.push((
                uuid(r.get(0)?),
                assignee,
                r.get(2)?,
                r.get(3)?,
                fast_ms(r.get_ref(4)?.as_str().unwrap_or("")).unwrap_or(0),
                r.get::<_, Option<String>>(5)?.as_deref().and_then(fast_ms),
            ));
        }
    }
    // Appointments and shows of those customers: the latest booking and the latest held one.
    let mut booked: HashMap<Uuid, (i64, i64)> = HashMap::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT customer_id, max(created_at), max(done_at) FROM activities
             WHERE kind IN ('meeting', 'test_drive') AND deleted_at IS NULL AND customer_id IN
               (SELECT customer_id FROM leads WHERE received_at >= ?1 AND received_at < ?2 AND customer_id IS NOT NULL)
             GROUP BY customer_id",
        )?;
        let mut rows = stmt.query([&from_text, &to_text])?;
        while let Some(r) = rows.next()? {
            let Some(c) = uuid(r.get(0)?) else { continue };
            let made = r.get::<_, Option<String>>(1)?.as_deref().and_then(fast_ms).unwrap_or(0);
            let held = r.get::<_, Option<String>>(2)?.as_deref().and_then(fast_ms).unwrap_or(0);
            booked.insert(c, (made, held));
        }
    }
    let mut bought: HashMap<Uuid, i64> = HashMap::new();
    for d in all_deals.iter().filter(|d| d.won_live()) {
        let e = bought.entry(d.customer).or_insert(0);
        *e = (*e).max(d.closed.unwrap_or(0));
    }
    let leads: Vec<LeadRow> = raw
        .into_iter()
        .map(|(customer, assignee, channel, source, received, response)| {
            let c = customer.unwrap_or_default();
            let (made, held) = booked.get(&c).copied().unwrap_or((0, 0));
            let reached = if bought.get(&c).is_some_and(|t| *t >= received) {
                4
            } else if held >= received {
                3
            } else if made >= received {
                2
            } else if response.is_some() {
                1
            } else {
                0
            };
            LeadRow {
                assignee,
                channel,
                source: if source.is_empty() { "(none)".into() } else { source },
                reached,
                response_min: response.map(|r| (r - received).max(0) / 60_000),
            }
        })
        .collect();
    let all: Vec<&LeadRow> = leads.iter().collect();
    let total = conversion(String::new(), &all);
    let counts = [total.leads, total.contacted, total.appointment, total.showed, total.sold];
    let funnel = ["Leads", "Contacted", "Appointment", "Showed", "Sold"]
        .iter()
        .enumerate()
        .map(|(i, s)| FunnelStep {
            step: (*s).into(),
            count: counts[i],
            rate: if i == 0 { None } else { ratio(f64::from(counts[i]), f64::from(counts[i - 1])) },
        })
        .collect();
    let mut responses: Vec<i64> = leads.iter().filter_map(|l| l.response_min).collect();
    responses.sort_unstable();
    let goal = settings.response_minutes;
    let speed_to_lead = SpeedToLead {
        leads: leads.len() as u32,
        answered: responses.len() as u32,
        median_minutes: percentile(&responses, 0.5),
        p75_minutes: percentile(&responses, 0.75),
        within_goal: ratio(responses.iter().filter(|m| **m <= i64::from(goal)).count() as f64, responses.len() as f64),
        goal_minutes: goal,
    };

    // Sources: conversion, what sold, what it cost.
    let by_source = by_key(&leads, |l| l.source.clone());
    let by_channel = by_key(&leads, |l| l.channel.clone());
    let spend: Vec<Spend> = query(conn, "ORDER BY month", [])?;
    let months_in_range: HashSet<String> = {
        let mut m = HashSet::new();
        let mut t = span.from;
        while t < span.to {
            m.insert(month_of(t, span.offset_ms));
            t += DAY;
        }
        m
    };
    let mut source_rows: HashMap<String, SourceReturn> = HashMap::new();
    let blank = |s: &str| SourceReturn {
        source: s.to_string(),
        leads: 0,
        sold_leads: 0,
        units: 0.0,
        revenue_cents: 0,
        gross_cents: 0,
        spend_cents: 0,
        cost_per_sale_cents: None,
    };
    for c in &by_source {
        let e = source_rows.entry(c.key.clone()).or_insert_with(|| blank(&c.key));
        e.leads = c.leads;
        e.sold_leads = c.sold;
    }
    for d in &won {
        let s = if d.source.is_empty() { "(none)" } else { d.source.as_str() };
        let e = source_rows.entry(s.to_string()).or_insert_with(|| blank(s));
        e.units += credit(d);
        e.revenue_cents += share(d, d.amount);
        e.gross_cents += share(d, d.gross.unwrap_or(0));
    }
    if rep.is_none() {
        for s in spend.iter().filter(|s| months_in_range.contains(&s.month)) {
            source_rows.entry(s.source.clone()).or_insert_with(|| blank(&s.source)).spend_cents += s.amount_cents;
        }
    }
    let mut sources: Vec<SourceReturn> = source_rows
        .into_values()
        .map(|mut s| {
            s.cost_per_sale_cents =
                (s.units > 0.0 && s.spend_cents > 0).then(|| (s.spend_cents as f64 / s.units).round() as i64);
            s
        })
        .collect();
    sources.sort_by(|a, b| {
        b.revenue_cents.cmp(&a.revenue_cents).then(b.leads.cmp(&a.leads)).then(a.source.cmp(&b.source))
    });

    // Activity per rep in the range.
    let activity = activity_counts(conn, span.from, span.to)?;
    let days = (((span.to.min(span.now.max(span.from + DAY)) - span.from) + DAY - 1) / DAY).max(1) as u32;

    // Leaderboard: every active rep (or just the one).
    let reps: Vec<&User> = users
        .iter()
        .filter(|u| u.active && u.role == crate::domain::Role::Rep)
        .filter(|u| q.rep_id.is_none_or(|r| r == u.id))
        .collect();
    let mut leaderboard: Vec<RepRow> = reps
        .iter()
        .map(|u| {
            let id = u.id;
            let theirs: Vec<&&Deal> = won.iter().filter(|d| d.involves(id)).collect();
            let half = |d: &Deal, c: i64| if d.halves_for(id) == 1 { (c + 1).div_euclid(2) } else { c };
            let lost_n = all_deals
                .iter()
                .filter(|d| d.status == OpportunityStatus::Lost && d.involves(id) && d.closed.is_some_and(in_range))
                .count();
            let their_leads: Vec<&LeadRow> = leads.iter().filter(|l| l.assignee == Some(id)).collect();
            let sold_leads = their_leads.iter().filter(|l| l.reached >= 4).count() as u32;
            let mut resp: Vec<i64> = their_leads.iter().filter_map(|l| l.response_min).collect();
            resp.sort_unstable();
            let acts = activity.get(&id).cloned().unwrap_or_default();
            RepRow {
                rep_id: u.id,
                name: u.name.clone(),
                units: theirs.iter().map(|d| d.halves_for(id) as f64 / 2.0).sum(),
                revenue_cents: theirs.iter().map(|d| half(d, d.amount)).sum(),
                gross_cents: theirs.iter().map(|d| half(d, d.gross.unwrap_or(0))).sum(),
                leads: their_leads.len() as u32,
                sold_leads,
                conversion: ratio(f64::from(sold_leads), their_leads.len() as f64),
                activities_per_day: f64::from(acts.total()) / f64::from(days),
                activities: acts,
                speed_to_lead_minutes: percentile(&resp, 0.5),
                win_rate: ratio(theirs.len() as f64, (theirs.len() + lost_n) as f64),
                open_deals: all_deals.iter().filter(|d| d.status == OpportunityStatus::Open && d.involves(id)).count()
                    as u32,
            }
        })
        .collect();
    leaderboard.sort_by(|a, b| {
        b.units.total_cmp(&a.units).then(b.revenue_cents.cmp(&a.revenue_cents)).then(a.name.cmp(&b.name))
    });

    // Pipeline health, as of now.
    let stages: Vec<crate::domain::PipelineStage> =
        query(conn, "WHERE deleted_at IS NULL ORDER BY pipeline, position", [])?;
    let mut stage_rows: Vec<StageHealth> = stages
        .iter()
        .filter(|s| !crate::pipeline::is_won(s) && !crate::pipeline::is_lost(s))
        .map(|s| StageHealth {
            stage_id: s.id,
            name: s.name.clone(),
            colour: s.colour.clone(),
            deals: 0,
            value_cents: 0,
            weighted_cents: 0,
            avg_days: None,
            going_cold: 0,
        })
        .collect();
    let stage_of: HashMap<Uuid, &crate::domain::PipelineStage> = stages.iter().map(|s| (s.id, s)).collect();
    let mut days_in: HashMap<Uuid, (f64, u32)> = HashMap::new();
    let paths = load_paths(conn, &stages)?;
    let (mut open_deals, mut open_value, mut weighted, mut expected_units, mut cold) = (0u32, 0i64, 0f64, 0f64, 0u32);
    let mut facts = Vec::new();
    for d in &deals {
        let prob = stage_of.get(&d.stage).map(|s| f64::from(s.probability) / 100.0);
        facts.push(forecast::DealFact {
            created_ms: d.created,
            closed_ms: if d.status == OpportunityStatus::Open { None } else { d.closed },
            won: d.status == OpportunityStatus::Won && d.unwound.is_none(),
            amount_cents: share(d, d.amount),
            source: d.source.clone(),
            stage_probability: if d.status == OpportunityStatus::Open { prob } else { None },
            path: paths.get(&d.id).cloned().unwrap_or_default(),
        });
        if d.status != OpportunityStatus::Open {
            continue;
        }
        open_deals += 1;
        open_value += share(d, d.amount);
        let p = prob.unwrap_or(0.0);
        weighted += share(d, d.amount) as f64 * p;
        expected_units += credit(d) * p;
        let Some(s) = stage_of.get(&d.stage) else { continue };
        let idle = (span.now - d.stage_entered).max(0) as f64 / DAY as f64;
        let is_cold = idle > f64::from(s.idle_days);
        cold += u32::from(is_cold);
        if let Some(row) = stage_rows.iter_mut().find(|r| r.stage_id == s.id) {
            row.deals += 1;
            row.value_cents += share(d, d.amount);
            row.weighted_cents += (share(d, d.amount) as f64 * p).round() as i64;
            row.going_cold += u32::from(is_cold);
            let e = days_in.entry(s.id).or_default();
            e.0 += idle;
            e.1 += 1;
        }
    }
    for r in &mut stage_rows {
        r.avg_days = days_in.get(&r.stage_id).map(|(sum, n)| (sum / f64::from(*n) * 10.0).round() / 10.0);
    }

    // Goals of the month the range ends in, with pace.
    let end_day = Timestamp::from_millis(span.to - 1 + span.offset_ms).date();
    let month = end_day.format("%Y-%m").to_string();
    let month_first = end_day.with_day(1).unwrap_or(end_day);
    let next_first = month_first.checked_add_months(chrono::Months::new(1)).unwrap_or(month_first);
    let mstart = month_first.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp_millis()).unwrap_or(0) - span.offset_ms;
    let mend = next_first.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp_millis()).unwrap_or(0) - span.offset_ms;
    let elapsed = ((span.now.clamp(mstart, mend) - mstart) as f64 / (mend - mstart).max(1) as f64).clamp(0.0, 1.0);
    let goal_rows: Vec<Goal> = query(conn, "WHERE month = ?1", [&month])?;
    let month_activity: HashMap<Uuid, u32> = if goal_rows.is_empty() {
        HashMap::new()
    } else {
        activity_counts(conn, mstart, mend)?.into_iter().map(|(k, v)| (k, v.total())).collect()
    };
    let team_coverage_goal = goal_rows.iter().find(|g| g.user_id.is_none()).map(|g| g.units);
    let goals: Vec<GoalProgress> = goal_rows
        .into_iter()
        .filter(|g| q.rep_id.is_none() || g.user_id == q.rep_id)
        .map(|g| {
            let who_id = g.user_id;
            let month_won =
                all_deals.iter().filter(|d| d.won_live() && d.closed.is_some_and(|c| c >= mstart && c < mend));
            let (units, gross) = match &who_id {
                Some(id) => month_won.filter(|d| d.involves(*id)).fold((0.0, 0i64), |(u, gr), d| {
                    let h = d.halves_for(*id);
                    let g2 = d.gross.unwrap_or(0);
                    (u + h as f64 / 2.0, gr + if h == 1 { (g2 + 1).div_euclid(2) } else { g2 })
                }),
                None => month_won.fold((0.0, 0i64), |(u, gr), d| (u + 1.0, gr + d.gross.unwrap_or(0))),
            };
            let acts = match &who_id {
                Some(id) => month_activity.get(id).copied().unwrap_or(0),
                None => month_activity.values().sum(),
            };
            let pace = |v: f64| if elapsed > 0.0 { v / elapsed } else { 0.0 };
            GoalProgress {
                who: who_id.and_then(|id| name_of.get(&id.to_string()).cloned()).unwrap_or_else(|| "Team".into()),
                units,
                gross_cents: gross,
                activities: acts,
                units_pace: pace(units),
                gross_pace_cents: pace(gross as f64).round() as i64,
                activities_pace: pace(f64::from(acts)),
                month_elapsed: elapsed,
                pace_known: span.now - mstart >= PACE_AFTER_DAYS * DAY,
                goal: g,
            }
        })
        .collect();
    let units_this_month: f64 = all_deals
        .iter()
        .filter(|d| d.won_live() && d.closed.is_some_and(|c| c >= mstart && c < mend))
        .filter(|d| mine(d))
        .map(&credit)
        .sum();
    let goal_units = match q.rep_id {
        Some(r) => goals.iter().find(|g| g.goal.user_id == Some(r)).map(|g| g.goal.units),
        None => team_coverage_goal,
    };
    let coverage = goal_units.and_then(|g| {
        let needed = f64::from(g) - units_this_month;
        (needed > 0.0).then(|| expected_units / needed)
    });
    let pipeline = PipelineHealth {
        open_deals,
        open_value_cents: open_value,
        weighted_cents: weighted.round() as i64,
        expected_units,
        going_cold: cold,
        coverage,
        stages: stage_rows,
    };

    // Customers.
    let mut csat = (0u32, 0i64);
    let mut nps = (0u32, 0i32, 0i32);
    {
        let mut stmt =
            conn.prepare_cached("SELECT kind, score FROM surveys WHERE answered_at >= ?1 AND answered_at < ?2")?;
        let mut rows = stmt.query([&from_text, &to_text])?;
        while let Some(r) = rows.next()? {
            let (k, s): (String, i64) = (r.get(0)?, r.get(1)?);
            if k == "csat" {
                csat.0 += 1;
                csat.1 += s;
            } else {
                nps.0 += 1;
                nps.1 += i32::from(s >= 9);
                nps.2 += i32::from(s <= 6);
            }
        }
    }
    let mut buys: HashMap<Uuid, (u32, i64)> = HashMap::new();
    for d in deals.iter().filter(|d| d.won_live()) {
        let e = buys.entry(d.customer).or_default();
        e.0 += 1;
        e.1 += share(d, d.amount);
    }
    let referred: HashSet<Uuid> = {
        let mut stmt = conn.prepare_cached("SELECT DISTINCT customer_id FROM referrals")?;
        let ids: Vec<String> = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<std::result::Result<_, _>>()?;
        ids.iter().filter_map(|s| Uuid::parse_str(s).ok()).collect()
    };
    let buyers_in_range: HashSet<Uuid> = won.iter().map(|d| d.customer).collect();
    let customers = CustomerMetrics {
        csat_answers: csat.0,
        csat: ratio(csat.1 as f64, f64::from(csat.0)).map(|v| (v * 100.0).round() / 100.0),
        nps_answers: nps.0,
        nps: (nps.0 > 0).then(|| (f64::from(100 * (nps.1 - nps.2)) / f64::from(nps.0)).round() as i32),
        repeat_rate: ratio(buys.values().filter(|b| b.0 >= 2).count() as f64, buys.len() as f64),
        referral_rate: ratio(
            buyers_in_range.iter().filter(|c| referred.contains(*c)).count() as f64,
            buyers_in_range.len() as f64,
        ),
        lifetime_value_cents: (!buys.is_empty())
            .then(|| (buys.values().map(|b| b.1).sum::<i64>() as f64 / buys.len() as f64).round() as i64),
    };

    // Trends: the 12 months up to the range's end.
    let mut trends: Vec<MonthTrend> = Vec::new();
    let mut m = month_first;
    for _ in 0..12 {
        trends.push(MonthTrend {
            month: m.format("%Y-%m").to_string(),
            units: 0.0,
            revenue_cents: 0,
            gross_cents: 0,
            leads: 0,
        });
        m = m.checked_sub_months(chrono::Months::new(1)).unwrap_or(m);
    }
    trends.reverse();
    let first_trend = trends.first().map(|t| t.month.clone()).unwrap_or_default();
    for d in deals.iter().filter(|d| d.won_live()) {
        let Some(c) = d.closed else { continue };
        let key = month_of(c, span.offset_ms);
        if key < first_trend {
            continue;
        }
        if let Some(t) = trends.iter_mut().find(|t| t.month == key) {
            t.units += credit(d);
            t.revenue_cents += share(d, d.amount);
            t.gross_cents += share(d, d.gross.unwrap_or(0));
        }
    }
    {
        let since = format!("{first_trend}-01");
        let sql = if rep.is_some() {
            "SELECT substr(received_at, 1, 7), count(*) FROM leads WHERE received_at >= ?1 AND deleted_at IS NULL AND assignee_id = ?2 GROUP BY 1"
        } else {
            "SELECT substr(received_at, 1, 7), count(*) FROM leads WHERE received_at >= ?1 AND deleted_at IS NULL AND ?2 IS NULL GROUP BY 1"
        };
        let mut stmt = conn.prepare_cached(sql)?;
        let mut rows = stmt.query(rusqlite::params![since, rep.map(|r| r.to_string())])?;
        while let Some(r) = rows.next()? {
            let (k, n): (String, i64) = (r.get(0)?, r.get(1)?);
            if let Some(t) = trends.iter_mut().find(|t| t.month == k) {
                t.leads = n as u32;
            }
        }
    }

    let forecast = forecast::forecast(&facts, &lead_times(conn, rep)?, span.now);

    // A range under way: last month up to the same point.
    let partial = span.now < span.to;
    let same_point_last_month = if partial && span.now >= span.from {
        let local = |ms: i64| {
            chrono::DateTime::from_timestamp_millis(ms + span.offset_ms).map(|t| t.naive_utc()).unwrap_or_default()
        };
        let back = |t: chrono::NaiveDateTime| t.checked_sub_months(chrono::Months::new(1)).unwrap_or(t);
        let (a_local, b_local) = (back(local(span.from)), back(local(span.now)));
        let (a, b) = (
            a_local.and_utc().timestamp_millis() - span.offset_ms,
            b_local.and_utc().timestamp_millis() - span.offset_ms,
        );
        let then: Vec<&Deal> =
            deals.iter().copied().filter(|d| d.won_live() && d.closed.is_some_and(|c| c >= a && c < b)).collect();
        let leads_then: i64 = conn.query_row(
            "SELECT count(*) FROM leads WHERE received_at >= ?1 AND received_at < ?2 AND deleted_at IS NULL
               AND merged_into IS NULL AND (?3 IS NULL OR assignee_id = ?3)",
            rusqlite::params![
                Timestamp::from_millis(a).to_string(),
                Timestamp::from_millis(b).to_string(),
                rep.map(|r| r.to_string())
            ],
            |r| r.get(0),
        )?;
        Some(SamePoint {
            from: a_local.date().to_string(),
            until: b_local.format("%Y-%m-%d %H:%M").to_string(),
            units: then.iter().map(|d| credit(d)).sum(),
            revenue_cents: then.iter().map(|d| share(d, d.amount)).sum(),
            gross_cents: then.iter().map(|d| share(d, d.gross.unwrap_or(0))).sum(),
            leads: leads_then as u32,
        })
    } else {
        None
    };
    let funnel_cohort = format!(
        "Leads received {} to {}, each followed to today: contacted, booked, showed, and sold when its customer bought after it arrived",
        q.from, q.to
    );
    Ok(Dashboard {
        from: q.from.clone(),
        to: q.to.clone(),
        rep_id: q.rep_id,
        days,
        sales,
        funnel,
        by_source,
        by_channel,
        sources,
        speed_to_lead,
        leaderboard,
        pipeline,
        customers,
        trends,
        goals,
        forecast,
        partial,
        same_point_last_month,
        funnel_cohort,
    })
}

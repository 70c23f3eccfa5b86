//! The dashboard's figures as CSV, for `showroom report dashboard --format csv` and the export.

use super::Dashboard;

/// The dashboard's tables as CSV (sections separated by a blank line).
pub fn dashboard_csv(d: &Dashboard) -> String {
    // Sections of different widths, quoted by the csv crate.
    let mut out = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
    let mut w = |line: Vec<String>| {
        // Writing to memory cannot fail.
        let _ = if line.is_empty() { out.write_record([""]) } else { out.write_record(&line) };
    };
    let money = |c: i64| crate::desk::money::Money(c).to_string();
    let opt = |v: Option<f64>| v.map(|x| format!("{x:.4}")).unwrap_or_default();
    w(vec!["Range".into(), d.from.clone(), d.to.clone()]);
    w(vec!["Units".into(), format!("{}", d.sales.units)]);
    w(vec!["Revenue".into(), money(d.sales.revenue_cents)]);
    w(vec!["Front-end gross".into(), money(d.sales.gross_cents)]);
    w(vec!["Deals with a known gross".into(), d.sales.gross_known.to_string()]);
    w(vec!["Average deal".into(), d.sales.avg_deal_cents.map(money).unwrap_or_default()]);
    w(vec!["Win rate".into(), opt(d.sales.win_rate)]);
    w(vec!["Cycle time median (days)".into(), opt(d.sales.cycle_median_days)]);
    w(vec!["Cycle time 75th percentile (days)".into(), opt(d.sales.cycle_p75_days)]);
    let s = &d.speed_to_lead;
    w(vec!["Leads".into(), s.leads.to_string()]);
    w(vec!["Leads answered".into(), s.answered.to_string()]);
    w(vec!["Speed to lead median (min)".into(), s.median_minutes.map(|m| m.to_string()).unwrap_or_default()]);
    w(vec![format!("Answered within {} min", s.goal_minutes), opt(s.within_goal)]);
    let p = &d.pipeline;
    w(vec!["Open deals".into(), p.open_deals.to_string()]);
    w(vec!["Open pipeline".into(), money(p.open_value_cents)]);
    w(vec!["Weighted pipeline".into(), money(p.weighted_cents)]);
    w(vec!["Expected units in the pipeline".into(), format!("{:.2}", p.expected_units)]);
    w(vec!["Going cold".into(), p.going_cold.to_string()]);
    let f = &d.forecast.this_month;
    w(vec![
        "Forecast this month (units, low, high)".into(),
        format!("{:.1}", f.units),
        format!("{:.1}", f.units_low),
        format!("{:.1}", f.units_high),
    ]);
    w(vec!["Forecast this month (revenue)".into(), money(f.revenue_cents)]);
    w(vec![]);
    w(vec!["Funnel step".into(), "Count".into(), "Rate".into()]);
    for f in &d.funnel {
        w(vec![f.step.clone(), f.count.to_string(), opt(f.rate)]);
    }
    w(vec![]);
    w(vec![
        "Rep".into(),
        "Units".into(),
        "Revenue".into(),
        "Gross".into(),
        "Leads".into(),
        "Sold leads".into(),
        "Conversion".into(),
        "Activities per day".into(),
        "Speed to lead (min)".into(),
        "Win rate".into(),
    ]);
    for r in &d.leaderboard {
        w(vec![
            r.name.clone(),
            r.units.to_string(),
            money(r.revenue_cents),
            money(r.gross_cents),
            r.leads.to_string(),
            r.sold_leads.to_string(),
            opt(r.conversion),
            format!("{:.2}", r.activities_per_day),
            r.speed_to_lead_minutes.map(|m| m.to_string()).unwrap_or_default(),
            opt(r.win_rate),
        ]);
    }
    w(vec![]);
    w(vec!["Source".into(), "Leads".into(), "Units".into(), "Revenue".into(), "Spend".into(), "Cost per sale".into()]);
    for s in &d.sources {
        w(vec![
            s.source.clone(),
            s.leads.to_string(),
            s.units.to_string(),
            money(s.revenue_cents),
            money(s.spend_cents),
            s.cost_per_sale_cents.map(money).unwrap_or_default(),
        ]);
    }
    w(vec![]);
    w(vec!["Month".into(), "Units".into(), "Revenue".into(), "Gross".into(), "Leads".into()]);
    for t in &d.trends {
        w(vec![
            t.month.clone(),
            t.units.to_string(),
            money(t.revenue_cents),
            money(t.gross_cents),
            t.leads.to_string(),
        ]);
    }
    String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default()
}

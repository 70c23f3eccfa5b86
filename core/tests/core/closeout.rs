//! A sold deal's afterlife (split, unwind, the statements following), the lost-deals report checked
//! against the exported records, coaching notes, and customer/vehicle CSVs with a column mapping.

use crate::{app, draft};
use showroom_core::analytics::DashboardQuery;
use showroom_core::analytics::commissions::LineKind;
use showroom_core::coaching::CoachingDraft;
use showroom_core::domain::{Opportunity, OpportunityStatus, Role, Timestamp, User, Vehicle, VehicleStatus};
use showroom_core::io::ImportOptions;
use showroom_core::pipeline::{MoveRequest, OpportunityDraft};
use showroom_core::quotes::{Acceptance, QuoteTarget};
use showroom_core::store::{get, query};
use showroom_core::{ErrorCode, Showroom};
use std::collections::BTreeMap;

fn reps(app: &Showroom) -> Vec<User> {
    query::<User>(app.store().conn(), "WHERE role = 'rep' ORDER BY name", []).unwrap()
}

/// A deal of `rep`'s delivered through the desk: quote accepted, order delivered.
fn delivered(app: &mut Showroom, rep: uuid::Uuid) -> (Opportunity, Vehicle) {
    let v: Vehicle =
        query(app.store().conn(), "WHERE status = 'available' ORDER BY rid LIMIT 1", []).unwrap().remove(0);
    let c = app.create_customer(&draft("Odette", "Lindqvist", "odette@example.com", "")).unwrap();
    let deal = app
        .create_opportunity(&OpportunityDraft {
            customer_id: c.id,
            title: v.title(),
            vehicle_id: Some(v.id),
            ..Default::default()
        })
        .unwrap();
    let mine = Opportunity { owner_id: Some(rep), ..deal.clone() };
    app.store_mut().write(|w| w.update(&deal, &mine).map(|_| ())).unwrap();
    let mut desk: showroom_core::desk::Deal = serde_json::from_value(serde_json::json!({
        "jurisdiction": "TX", "price": ((v.invoice_cents + 3_000_00) / 100).to_string(),
        "terms": {"type": "cash"}
    }))
    .unwrap();
    desk.vehicle.stock_no = v.stock_no.clone();
    desk.vehicle.invoice = Some(showroom_core::desk::money::Money(v.invoice_cents));
    let target = QuoteTarget { customer_id: Some(c.id), vehicle_id: Some(v.id), ..Default::default() };
    let q = app.create_quote(&target, &desk).unwrap();
    let q = app.accept_quote(q.quote.id, &Acceptance::default()).unwrap();
    app.deliver_order(q.order.unwrap().id).unwrap();
    (get(app.store().conn(), deal.id).unwrap(), v)
}

fn month_of(t: Timestamp) -> String {
    t.date().format("%Y-%m").to_string()
}

#[test]
fn a_manager_splits_and_unwinds_a_sold_deal_and_the_statements_follow() {
    let mut app = app();
    app.load_demo().unwrap();
    let reps = reps(&app);
    let (ana, ben) = (reps[0].id, reps[1].id);
    let (deal, vehicle) = delivered(&mut app, ana);
    assert_eq!((deal.status, deal.gross_cents), (OpportunityStatus::Won, Some(3_000_00)));
    let month = month_of(deal.closed_at.unwrap());
    let whole = app.commission_statement(ana, &month).unwrap();
    let line = |s: &showroom_core::analytics::commissions::Statement| {
        s.lines.iter().find(|l| l.opportunity_id == Some(deal.id) && l.kind == LineKind::Deal).cloned()
    };
    assert_eq!(line(&whole).unwrap().half_units, 2);
    assert!(line(&app.commission_statement(ben, &month).unwrap()).is_none());

    // A rep signed in on this laptop cannot split or unwind.
    app.store_mut().set_user(Some(ana)).unwrap();
    let e = app.split_deal(deal.id, Some(ben)).unwrap_err();
    assert_eq!(e.fields()[0].field, "co_owner_id");
    assert_eq!(app.unwind_deal(deal.id, "financing").unwrap_err().fields()[0].field, "unwound_at");
    app.store_mut().set_user(None).unwrap();

    // Split: each rep gets half the unit and half the commission of the whole.
    assert_eq!(app.split_deal(deal.id, Some(ana)).unwrap_err().fields()[0].field, "co_owner_id", "the owner");
    let split = app.split_deal(deal.id, Some(ben)).unwrap();
    assert_eq!(split.co_owner_id, Some(ben));
    let (a, b) =
        (line(&app.commission_statement(ana, &month).unwrap()), line(&app.commission_statement(ben, &month).unwrap()));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!((a.half_units, b.half_units), (1, 1));
    let full = line(&whole).unwrap().amount_cents;
    assert!((a.amount_cents - (full + 1) / 2).abs() <= 1 && a.amount_cents == b.amount_cents, "{a:?} {b:?} of {full}");

    // Unwind a deal sold last month: out of last month? No — last month stays paid; this month
    // charges it back, and the car is back in stock.
    let closed = Timestamp::from_millis(deal.closed_at.unwrap().millis() - 40 * 86_400_000);
    let before: Opportunity = get(app.store().conn(), deal.id).unwrap();
    let earlier = Opportunity { closed_at: Some(closed), ..before.clone() };
    app.store_mut().write(|w| w.update(&before, &earlier).map(|_| ())).unwrap();
    assert_eq!(app.unwind_deal(deal.id, "  ").unwrap_err().fields()[0].field, "unwind_reason");
    let unwound = app.unwind_deal(deal.id, "Financing fell through").unwrap();
    assert!(unwound.unwound_at.is_some());
    let v: Vehicle = get(app.store().conn(), vehicle.id).unwrap();
    assert_eq!(v.status, VehicleStatus::Available, "the car came back");
    assert_eq!(app.unwind_deal(deal.id, "again").unwrap_err().fields()[0].field, "unwound_at");
    let now_month = month_of(unwound.unwound_at.unwrap());
    for rep in [ana, ben] {
        let st = app.commission_statement(rep, &now_month).unwrap();
        let back = st.lines.iter().find(|l| l.opportunity_id == Some(deal.id)).expect("a chargeback line");
        assert_eq!((back.kind, back.half_units), (LineKind::Chargeback, -1), "{back:?}");
        assert!(back.amount_cents < 0);
        let then = app.commission_statement(rep, &month_of(closed)).unwrap();
        assert!(line(&then).is_some(), "the month it sold keeps its line");
    }
    let detail = app.customer_detail(deal.customer_id).unwrap();
    assert!(detail.interactions.iter().any(|i| i.summary.contains("deal unwound (Financing fell through)")));
    assert!(detail.interactions.iter().any(|i| i.summary.contains("split with")));
}

#[test]
fn the_lost_deals_report_agrees_with_the_exported_records() {
    let mut app = app();
    app.load_demo().unwrap();
    // A deal lost now to a competitor: the competitor is required, and then reported.
    let c = app.create_customer(&draft("Priya", "Raman", "priya@example.com", "")).unwrap();
    let d = app.create_opportunity(&OpportunityDraft { customer_id: c.id, ..Default::default() }).unwrap();
    let lost_stage =
        app.board(&Default::default()).unwrap().columns.into_iter().find(|c| c.stage.name == "Lost").unwrap();
    let req = |competitor: &str| MoveRequest {
        stage_id: lost_stage.stage.id,
        lost_reason: "Bought elsewhere".into(),
        competitor: competitor.into(),
        note: String::new(),
    };
    let e = app.move_opportunity(d.id, &req(" ")).unwrap_err();
    assert_eq!(e.fields()[0].field, "competitor");
    assert_eq!(get::<Opportunity>(app.store().conn(), d.id).unwrap().status, OpportunityStatus::Open, "unchanged");
    let moved = app.move_opportunity(d.id, &req("  Lakeview   Kia ")).unwrap();
    assert_eq!((moved.status, moved.competitor.as_str()), (OpportunityStatus::Lost, "Lakeview   Kia"));

    let today = Timestamp::now().date();
    let from = today - chrono::Days::new(365);
    let q = DashboardQuery { from: from.to_string(), to: today.to_string(), rep_id: None };
    let r = app.lost_deals(&q).unwrap();

    // The same figures, computed independently from the export.
    let export = app.export_json().unwrap();
    let (lo, hi) = (format!("{from}T00:00:00.000Z"), format!("{}T00:00:00.000Z", today + chrono::Days::new(1)));
    let mut by_reason: BTreeMap<String, (u32, i64)> = BTreeMap::new();
    let mut by_competitor: BTreeMap<String, u32> = BTreeMap::new();
    let mut by_source: BTreeMap<String, u32> = BTreeMap::new();
    let (mut lost, mut amount) = (0u32, 0i64);
    for o in export["opportunities"].as_array().unwrap() {
        let closed = o["closed_at"].as_str().unwrap_or("");
        if o["status"] != "lost" || o["deleted_at"].is_string() || closed < lo.as_str() || closed >= hi.as_str() {
            continue;
        }
        lost += 1;
        amount += o["amount_cents"].as_i64().unwrap();
        let reason = o["lost_reason"].as_str().unwrap().to_string();
        let e = by_reason.entry(reason.clone()).or_default();
        e.0 += 1;
        e.1 += o["amount_cents"].as_i64().unwrap();
        if reason == "Bought elsewhere" {
            let name = o["competitor"].as_str().unwrap().split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(!name.is_empty(), "a deal lost elsewhere names where: {o}");
            *by_competitor.entry(name.to_lowercase()).or_default() += 1;
        }
        let source = o["source"].as_str().unwrap_or("");
        *by_source.entry(if source.is_empty() { "(none)".into() } else { source.into() }).or_default() += 1;
    }
    assert!(lost > 50, "the demo loses deals every month ({lost})");
    assert_eq!((r.lost, r.amount_cents), (lost, amount));
    let got: BTreeMap<String, (u32, i64)> =
        r.by_reason.iter().map(|g| (g.label.clone(), (g.deals, g.amount_cents))).collect();
    assert_eq!(got, by_reason);
    let got: BTreeMap<String, u32> = r.by_competitor.iter().map(|g| (g.key.clone(), g.deals)).collect();
    assert_eq!(got, by_competitor);
    assert!(r.by_competitor.iter().any(|g| g.label == "Lakeview   Kia".trim() && g.key == "lakeview kia"));
    let got: BTreeMap<String, u32> = r.by_source.iter().map(|g| (g.key.clone(), g.deals)).collect();
    assert_eq!(got, by_source);
    assert_eq!(r.by_rep.iter().map(|g| g.deals).sum::<u32>(), lost, "each lost deal has one rep row");
    assert!(r.by_reason.windows(2).all(|w| w[0].deals >= w[1].deals), "largest first");
    let shares: u32 = r.by_reason.iter().map(|g| g.share_tenths).sum();
    assert!((995..=1005).contains(&shares), "shares add to 100% give or take rounding: {shares}");

    // Drill-down: the deals behind a group are exactly its deals.
    let top = &r.by_competitor[0];
    let rows = app
        .drill(&showroom_core::analytics::DrillQuery {
            from: q.from.clone(),
            to: q.to.clone(),
            what: "lost".into(),
            rep_id: None,
            source: None,
            stage_id: None,
            reason: Some("Bought elsewhere".into()),
            competitor: Some(top.key.clone()),
        })
        .unwrap();
    assert_eq!(rows.len() as u32, top.deals);
    assert!(rows.iter().all(|row| row.title.contains(&format!("Bought elsewhere: {}", top.label))), "{rows:?}");

    // One rep's report holds only their deals.
    let rep = reps(&app)[0].id;
    let mine = app.lost_deals(&DashboardQuery { rep_id: Some(rep), ..q }).unwrap();
    assert!(mine.lost < r.lost && mine.by_rep.len() == 1 && mine.by_rep[0].key == rep.to_string());
}

#[test]
fn coaching_notes_are_written_by_managers_and_read_by_their_rep_only() {
    let mut app = app();
    app.load_demo().unwrap();
    let reps = reps(&app);
    let (ana, ben) = (reps[0].id, reps[1].id);
    let manager: User = query(app.store().conn(), "WHERE role = 'manager' LIMIT 1", []).unwrap().remove(0);
    assert_eq!(manager.role, Role::Manager);
    app.store_mut().set_user(Some(manager.id)).unwrap();
    let note = |kind: &str, body: &str, due: &str| CoachingDraft {
        rep_id: Some(ana),
        kind: kind.into(),
        body: body.into(),
        due: due.into(),
    };
    let bad = app.add_coaching(&note("goal", "", "15/12/2026")).unwrap_err();
    assert_eq!(bad.fields()[0].field, "due");
    assert_eq!(app.add_coaching(&note("goal", "  ", "")).unwrap_err().fields()[0].field, "body");
    assert_eq!(app.add_coaching(&note("note", "x", "2026-12-15")).unwrap_err().fields()[0].field, "due");
    assert_eq!(
        app.add_coaching(&CoachingDraft { rep_id: Some(manager.id), ..note("note", "x", "") }).unwrap_err().fields()[0]
            .field,
        "rep_id"
    );
    app.add_coaching(&note("note", "Great close on the Tahoe; slow down on the trade walk-around", "")).unwrap();
    let past = (Timestamp::now().date() - chrono::Days::new(3)).to_string();
    let rows = app.add_coaching(&note("goal", "Two appointments a day from internet leads", &past)).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].note.body, "Two appointments a day from internet leads", "open goals first");
    assert!(rows[0].overdue && !rows[1].overdue);
    assert_eq!(rows[0].author, manager.name);
    let goal = rows[0].note.id;
    let met = app.coaching_done(goal, true).unwrap();
    assert!(met.iter().find(|r| r.note.id == goal).unwrap().note.done_at.is_some());
    assert!(!met.iter().any(|r| r.overdue), "a met goal is not overdue");
    let note_id = met.iter().find(|r| r.note.id != goal).unwrap().note.id;
    assert_eq!(app.coaching_done(note_id, true).unwrap_err().fields()[0].field, "done_at");

    // The rep reads their own, not a colleague's, and writes none.
    app.store_mut().set_user(Some(ana)).unwrap();
    assert_eq!(app.coaching(ana).unwrap().len(), 2);
    assert_eq!(app.coaching(ben).unwrap_err().code(), ErrorCode::Validation);
    assert_eq!(app.add_coaching(&note("note", "self-praise", "")).unwrap_err().fields()[0].field, "rep_id");
    assert_eq!(app.remove_coaching(goal).unwrap_err().fields()[0].field, "id");
    app.store_mut().set_user(Some(manager.id)).unwrap();
    app.remove_coaching(note_id).unwrap();
    assert_eq!(app.coaching(ana).unwrap().len(), 1);
    // Exported with everything else.
    let export = app.export_json().unwrap();
    assert_eq!(export["coaching_notes"].as_array().unwrap().len(), 2, "the removed one is kept as deleted");
}

#[test]
fn customer_and_vehicle_files_import_with_a_column_mapping() {
    let mut app = app();
    let csv = b"Given,Family,E-mail address,Street Address Line,Favourite colour\nMarta,Kowalski,marta@example.com,12 Elm St,blue\n";
    let p = app.preview_import("customers", csv, &[]).unwrap();
    let by_header: BTreeMap<String, String> = p.columns.iter().cloned().collect();
    assert_eq!(by_header["Given"], "", "not recognised by its header");
    assert_eq!(p.records, 1);
    assert!(p.fields.contains(&"street".to_string()) && p.fields.contains(&"first_name".to_string()));
    let map: Vec<(String, String)> = [
        ("Given", "first_name"),
        ("Family", "last_name"),
        ("E-mail address", "email"),
        ("Street Address Line", "street"),
        ("Favourite colour", ""),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    let mapped = app.preview_import("customers", csv, &map).unwrap();
    assert_eq!(mapped.columns[0], ("Given".to_string(), "first_name".to_string()));
    // Without the mapping there is no name column: the file is refused, nothing stored.
    let opts = ImportOptions { dry_run: false, skip_invalid: false };
    assert!(app.import_file("customers", csv, opts, &[]).is_err());
    let r = app.import_file("customers", csv, opts, &map).unwrap();
    assert_eq!((r.created, r.committed), (1, true));
    let c: showroom_core::domain::Customer =
        query(app.store().conn(), "WHERE email = 'marta@example.com'", []).unwrap().remove(0);
    assert_eq!((c.first_name.as_str(), c.last_name.as_str(), c.street.as_str()), ("Marta", "Kowalski", "12 Elm St"));

    let inv = b"Unit,Serial,MY,Mfr,Model,Sticker\nA100,1HGCM82633A004352,2025,Honda,Accord,\"$31,200\"\n";
    let map: Vec<(String, String)> =
        [("Unit", "stock_no"), ("Serial", "vin"), ("MY", "year"), ("Mfr", "make"), ("Sticker", "msrp")]
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
    assert!(app.import_file("vehicles", inv, opts, &[]).is_err(), "no stock or VIN column by header");
    let r = app.import_file("vehicles", inv, opts, &map).unwrap();
    assert_eq!(r.created, 1, "{:?}", r.rows);
    let v: Vehicle = query(app.store().conn(), "WHERE stock_no = 'A100'", []).unwrap().remove(0);
    assert_eq!((v.make.as_str(), v.year, v.msrp_cents), ("Honda", 2025, 31_200_00));
    assert_eq!(app.preview_import("leads", inv, &[]).unwrap_err().fields()[0].field, "kind");
}

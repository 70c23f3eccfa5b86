//! Every metric against a small fixture computed by hand (the numbers in the comments), the
//! commission statement of a month, goals, the forecast backtest on the demo, and bad input.

use crate::app;
use showroom_core::Showroom;
use showroom_core::analytics::{self, DashboardQuery, DrillQuery, Spend};
use showroom_core::domain::*;
use showroom_core::pipeline::{default_stage_id, ensure_default_stages};
use showroom_core::store::Writer;
use uuid::Uuid;

fn t(s: &str) -> Timestamp {
    Timestamp::parse(&format!("{s}:00.000Z")).unwrap()
}

struct Fx {
    app: Showroom,
    a: Uuid,
    b: Uuid,
}

fn user(w: &mut Writer<'_>, name: &str, role: Role) -> Uuid {
    let u = User {
        id: new_id(),
        name: name.into(),
        email: format!("{}@example.com", name.to_lowercase()),
        role,
        team_id: None,
        active: true,
        created_at: t("2025-01-01T00:00"),
        updated_at: t("2025-01-01T00:00"),
    };
    w.insert(&u).unwrap();
    u.id
}

#[allow(clippy::too_many_arguments)]
fn deal(
    w: &mut Writer<'_>,
    customer: Uuid,
    owner: Uuid,
    status: OpportunityStatus,
    created: &str,
    closed: Option<&str>,
    amount: i64,
    gross: Option<i64>,
    lead: Option<Uuid>,
) -> Opportunity {
    let stage = match status {
        OpportunityStatus::Won => default_stage_id(10),
        OpportunityStatus::Lost => default_stage_id(11),
        OpportunityStatus::Open => default_stage_id(4), // Test drive, 40%, 4 idle days
    };
    let o = Opportunity {
        id: new_id(),
        customer_id: customer,
        lead_id: lead,
        vehicle_id: None,
        stage_id: stage,
        title: format!("Deal of {amount}"),
        amount_cents: amount,
        owner_id: Some(owner),
        status,
        expected_close: None,
        lost_reason: if status == OpportunityStatus::Lost { "Price".into() } else { String::new() },
        stage_entered_at: t(created),
        closed_at: closed.map(t),
        created_at: t(created),
        updated_at: t(created),
        deleted_at: None,
        gross_cents: gross,
        co_owner_id: None,
        unwound_at: None,
        competitor: String::new(),
        // Attributed like the app does: the lead's source and channel.
        source: lead.map(|l| w.get::<Lead>(l).unwrap().source).unwrap_or_default(),
        channel: lead.map(|l| w.get::<Lead>(l).unwrap().channel),
    };
    w.insert(&o).unwrap();
    o
}

#[allow(clippy::too_many_arguments)]
fn lead(
    w: &mut Writer<'_>,
    customer: Uuid,
    rep: Uuid,
    channel: Channel,
    source: &str,
    received: &str,
    response: Option<&str>,
) -> Uuid {
    let mut l = showroom_core::demo::sample_lead(t(received));
    l.id = new_id();
    l.customer_id = Some(customer);
    l.assignee_id = Some(rep);
    l.channel = channel;
    l.source = source.into();
    l.received_at = t(received);
    l.first_response_at = response.map(t);
    w.insert(&l).unwrap();
    l.id
}

fn activity(w: &mut Writer<'_>, customer: Uuid, owner: Uuid, kind: ActivityKind, created: &str, done: Option<&str>) {
    w.insert(&Activity {
        id: new_id(),
        customer_id: customer,
        opportunity_id: None,
        kind,
        subject: format!("{kind:?}"),
        due_at: t(created),
        done_at: done.map(t),
        outcome: String::new(),
        owner_id: Some(owner),
        created_at: t(created),
        updated_at: t(created),
        deleted_at: None,
        lead_id: None,
        message: String::new(),
    })
    .unwrap();
}

fn survey(w: &mut Writer<'_>, customer: Uuid, kind: SurveyKind, score: i32, at: &str) {
    w.insert(&Survey {
        id: new_id(),
        customer_id: customer,
        order_id: None,
        kind,
        score,
        comment: String::new(),
        answered_at: t(at),
    })
    .unwrap();
}

/// Reps A and B and a manager; six customers (A owns 1–3, B 4–6); October 2026 is the range.
fn fixture() -> Fx {
    let mut app = app();
    ensure_default_stages(app.store_mut()).unwrap();
    let mut ids = (Uuid::nil(), Uuid::nil());
    app.store_mut()
        .write(|w| {
            let a = user(w, "Ana", Role::Rep);
            let b = user(w, "Bo", Role::Rep);
            user(w, "Mia", Role::Manager);
            let c: Vec<Uuid> = (0..6)
                .map(|i| {
                    let mut cu = Customer::blank(new_id(), t("2025-01-01T00:00"));
                    cu.first_name = format!("C{}", i + 1);
                    cu.last_name = "Fixture".into();
                    cu.owner_id = Some(if i < 3 { a } else { b });
                    w.insert(&cu).unwrap();
                    cu.id
                })
                .collect();
            // Leads (L6 is in September, outside the range).
            let l1 = lead(w, c[0], a, Channel::Web, "Cars.com", "2026-10-02T10:00", Some("2026-10-02T10:04"));
            lead(w, c[1], a, Channel::WalkIn, "Showroom", "2026-10-05T11:00", Some("2026-10-05T11:00"));
            lead(w, c[2], a, Channel::Web, "Cars.com", "2026-10-10T09:00", Some("2026-10-10T09:30"));
            lead(w, c[3], b, Channel::Phone, "Phone", "2026-10-12T15:00", None);
            let l5 = lead(w, c[4], b, Channel::Web, "Facebook", "2026-10-20T08:00", Some("2026-10-20T08:10"));
            let l6 = lead(w, c[5], b, Channel::Web, "Cars.com", "2026-09-25T08:00", Some("2026-09-25T09:00"));
            // Appointments: C1 met (held), C2 booked a test drive (not yet), C5 met (held).
            activity(w, c[0], a, ActivityKind::Meeting, "2026-10-03T10:00", Some("2026-10-04T10:00"));
            activity(w, c[1], a, ActivityKind::TestDrive, "2026-10-06T10:00", None);
            activity(w, c[4], b, ActivityKind::Meeting, "2026-10-21T10:00", Some("2026-10-22T10:00"));
            // Other work done in October: A two calls and an email, B a text.
            activity(w, c[0], a, ActivityKind::Call, "2026-10-02T10:00", Some("2026-10-02T10:05"));
            activity(w, c[2], a, ActivityKind::Call, "2026-10-03T09:00", Some("2026-10-03T09:10"));
            activity(w, c[1], a, ActivityKind::Email, "2026-10-05T12:00", Some("2026-10-05T12:30"));
            activity(w, c[4], b, ActivityKind::Sms, "2026-10-20T08:05", Some("2026-10-20T08:10"));
            // Deals.
            deal(
                w,
                c[0],
                a,
                OpportunityStatus::Won,
                "2026-10-02T12:00",
                Some("2026-10-15T12:00"),
                30_000_00,
                Some(2_000_00),
                Some(l1),
            );
            let mut d2 = deal(
                w,
                c[4],
                b,
                OpportunityStatus::Won,
                "2026-10-20T12:00",
                Some("2026-10-25T12:00"),
                40_000_00,
                Some(3_000_00),
                Some(l5),
            );
            let old = d2.clone();
            d2.co_owner_id = Some(a); // split between B and A
            w.update(&old, &d2).unwrap();
            deal(
                w,
                c[2],
                a,
                OpportunityStatus::Lost,
                "2026-10-10T12:00",
                Some("2026-10-18T12:00"),
                28_000_00,
                None,
                None,
            );
            deal(w, c[1], a, OpportunityStatus::Open, "2026-10-06T12:00", None, 25_000_00, None, None);
            deal(
                w,
                c[3],
                b,
                OpportunityStatus::Won,
                "2026-09-01T12:00",
                Some("2026-09-20T12:00"),
                20_000_00,
                Some(1_500_00),
                None,
            );
            let mut d6 = deal(
                w,
                c[5],
                b,
                OpportunityStatus::Won,
                "2026-09-26T12:00",
                Some("2026-10-28T12:00"),
                35_000_00,
                None,
                Some(l6),
            );
            let old = d6.clone();
            d6.unwound_at = Some(t("2026-11-05T12:00")); // financing fell through
            w.update(&old, &d6).unwrap();
            deal(
                w,
                c[0],
                a,
                OpportunityStatus::Won,
                "2025-06-01T12:00",
                Some("2025-06-10T12:00"),
                10_000_00,
                None,
                None,
            );
            // Surveys in October: CSAT 5 and 4; NPS 10, 9 and 6. One from September.
            survey(w, c[0], SurveyKind::Csat, 5, "2026-10-16T12:00");
            survey(w, c[4], SurveyKind::Csat, 4, "2026-10-26T12:00");
            survey(w, c[0], SurveyKind::Nps, 10, "2026-10-16T12:00");
            survey(w, c[4], SurveyKind::Nps, 9, "2026-10-26T12:00");
            survey(w, c[1], SurveyKind::Nps, 6, "2026-10-27T12:00");
            survey(w, c[3], SurveyKind::Csat, 1, "2026-09-21T12:00");
            // C5 came by C4's referral.
            w.insert(&Referral {
                id: new_id(),
                customer_id: c[4],
                referrer_id: c[3],
                note: String::new(),
                created_at: t("2026-10-19T12:00"),
            })
            .unwrap();
            // Spend: Cars.com $1,000 and Facebook $500 in October; Cars.com $900 in September.
            for (m, s, amt) in
                [("2026-10", "Cars.com", 1_000_00), ("2026-10", "Facebook", 500_00), ("2026-09", "Cars.com", 900_00)]
            {
                w.insert(&Spend { id: new_id(), month: m.into(), source: s.into(), amount_cents: amt }).unwrap();
            }
            // Goals for October: the team 4 units, Ana 2.
            for (who, units) in [(None, 4), (Some(a), 2)] {
                w.insert(&Goal {
                    id: new_id(),
                    user_id: who,
                    team_id: None,
                    month: "2026-10".into(),
                    units,
                    gross_cents: 10_000_00,
                    activities: 10,
                })
                .unwrap();
            }
            ids = (a, b);
            Ok(())
        })
        .unwrap();
    Fx { app, a: ids.0, b: ids.1 }
}

fn october(rep: Option<Uuid>) -> DashboardQuery {
    DashboardQuery { from: "2026-10-01".into(), to: "2026-10-31".into(), rep_id: rep }
}

const NOW: &str = "2026-11-15T12:00";

#[test]
fn the_team_dashboard_matches_the_hand_computed_fixture() {
    let fx = fixture();
    let d = analytics::dashboard(fx.app.store().conn(), &october(None), t(NOW), 0).unwrap();
    // Sales: D1 and D2 won in October (D6 unwound, D5 in September): 2 units, $70,000, gross $5,000.
    assert_eq!(d.sales.units, 2.0);
    assert_eq!(d.sales.revenue_cents, 70_000_00);
    assert_eq!((d.sales.gross_cents, d.sales.gross_known), (5_000_00, 2));
    assert_eq!(d.sales.avg_deal_cents, Some(35_000_00));
    // Win rate: 2 won of 2 won + 1 lost closed in October.
    assert_eq!(d.sales.win_rate, Some(2.0 / 3.0));
    // Cycle: D2 took 5 days, D1 13: median (nearest rank) 5, p75 13.
    assert_eq!((d.sales.cycle_median_days, d.sales.cycle_p75_days), (Some(5.0), Some(13.0)));
    // Funnel of the five October leads: contacted L1 L2 L3 L5; appointment L1 L2 L5; showed L1 L5;
    // sold L1 L5.
    let counts: Vec<u32> = d.funnel.iter().map(|f| f.count).collect();
    assert_eq!(counts, [5, 4, 3, 2, 2]);
    assert_eq!(d.funnel[0].rate, None);
    assert_eq!(d.funnel[1].rate, Some(0.8));
    assert_eq!(d.funnel[4].rate, Some(1.0));
    // Speed to lead: answered in 4, 0, 30 and 10 minutes; one never: median 4, p75 10; 2 of 4
    // within the 5-minute goal.
    let s = &d.speed_to_lead;
    assert_eq!(
        (s.leads, s.answered, s.median_minutes, s.p75_minutes, s.within_goal),
        (5, 4, Some(4), Some(10), Some(0.5))
    );
    // By source: Cars.com 2 leads, 1 sold.
    let cars = d.by_source.iter().find(|c| c.key == "Cars.com").unwrap();
    assert_eq!((cars.leads, cars.sold, cars.rate), (2, 1, Some(0.5)));
    let web = d.by_channel.iter().find(|c| c.key == "web").unwrap();
    assert_eq!((web.leads, web.sold), (3, 2));
    // Cost per sale: Cars.com $1,000 for D1, Facebook $500 for D2; September spend left out.
    let cost = |s: &str| d.sources.iter().find(|r| r.source == s).unwrap().clone();
    assert_eq!((cost("Cars.com").spend_cents, cost("Cars.com").cost_per_sale_cents), (1_000_00, Some(1_000_00)));
    assert_eq!(cost("Facebook").cost_per_sale_cents, Some(500_00));
    assert_eq!(cost("Facebook").revenue_cents, 40_000_00);
    // Leaderboard: Ana 1 + ½ unit (split D2), $30,000 + $20,000; Bo ½ unit.
    let ana = d.leaderboard.iter().find(|r| r.rep_id == fx.a).unwrap();
    assert_eq!((ana.units, ana.revenue_cents, ana.gross_cents), (1.5, 50_000_00, 3_500_00));
    assert_eq!((ana.leads, ana.sold_leads), (3, 1));
    assert_eq!(ana.conversion, Some(1.0 / 3.0));
    assert_eq!(ana.speed_to_lead_minutes, Some(4));
    assert_eq!(ana.win_rate, Some(2.0 / 3.0));
    // Ana's October activities: 2 calls, 1 email, 1 meeting = 4 over 31 days.
    assert_eq!((ana.activities.calls, ana.activities.emails, ana.activities.appointments), (2, 1, 1));
    assert_eq!(ana.activities_per_day, 4.0 / 31.0);
    assert_eq!(d.days, 31);
    let bo = d.leaderboard.iter().find(|r| r.rep_id == fx.b).unwrap();
    assert_eq!((bo.units, bo.revenue_cents, bo.activities.texts, bo.activities.appointments), (0.5, 20_000_00, 1, 1));
    assert_eq!(d.leaderboard[0].rep_id, fx.a, "most units first");
    // Pipeline: D4 open in Test drive (40%), idle 40 days > 4: going cold.
    let p = &d.pipeline;
    assert_eq!((p.open_deals, p.open_value_cents, p.weighted_cents, p.going_cold), (1, 25_000_00, 10_000_00, 1));
    assert_eq!(p.expected_units, 0.4);
    // Coverage against the team's 4-unit October goal, 2 sold: 0.4 expected ÷ 2 needed.
    assert_eq!(p.coverage, Some(0.2));
    let td = p.stages.iter().find(|s| s.name == "Test drive").unwrap();
    assert_eq!((td.deals, td.going_cold, td.avg_days), (1, 1, Some(40.0)));
    // Customers: CSAT (5 + 4) / 2; NPS (2 promoters − 1 detractor) / 3 = 33; buyers C1 (twice),
    // C5, C4 → repeat 1/3, lifetime ($40,000 + $40,000 + $20,000) / 3; referred: C5 of C1, C5.
    let cm = &d.customers;
    assert_eq!((cm.csat_answers, cm.csat, cm.nps_answers, cm.nps), (2, Some(4.5), 3, Some(33)));
    assert_eq!(cm.repeat_rate, Some(1.0 / 3.0));
    assert_eq!(cm.lifetime_value_cents, Some(3_333_333));
    assert_eq!(cm.referral_rate, Some(0.5));
    // Trends: 12 months ending October; September 1 unit, October 2; June 2025 is outside.
    assert_eq!(d.trends.len(), 12);
    assert_eq!(d.trends[11].month, "2026-10");
    assert_eq!((d.trends[11].units, d.trends[11].revenue_cents, d.trends[11].leads), (2.0, 70_000_00, 5));
    assert_eq!((d.trends[10].units, d.trends[10].leads), (1.0, 1));
    // Goals: the month is over (pace = what was done); team 2 of 4, Ana 1.5 of 2.
    let team = d.goals.iter().find(|g| g.goal.user_id.is_none()).unwrap();
    assert_eq!((team.who.as_str(), team.units, team.units_pace, team.month_elapsed), ("Team", 2.0, 2.0, 1.0));
    assert_eq!(team.gross_cents, 5_000_00);
    assert_eq!(team.activities, 6, "A: 2 calls, an email, a meeting; B: a text, a meeting");
    let g_ana = d.goals.iter().find(|g| g.goal.user_id == Some(fx.a)).unwrap();
    assert_eq!((g_ana.units, g_ana.gross_cents), (1.5, 3_500_00));
}

#[test]
fn a_reps_dashboard_is_theirs_only_and_drill_down_lists_the_records() {
    let fx = fixture();
    let d = analytics::dashboard(fx.app.store().conn(), &october(Some(fx.a)), t(NOW), 0).unwrap();
    assert_eq!((d.sales.units, d.sales.revenue_cents), (1.5, 50_000_00));
    let counts: Vec<u32> = d.funnel.iter().map(|f| f.count).collect();
    assert_eq!(counts, [3, 3, 2, 1, 1]);
    assert_eq!(d.leaderboard.len(), 1);
    assert_eq!(d.goals.len(), 1, "only Ana's goal");
    assert_eq!(d.sources.iter().map(|s| s.spend_cents).sum::<i64>(), 0, "spend is the team's, not a rep's");
    // Coverage against Ana's goal: 2 − 1.5 = 0.5 needed, 0.4 expected.
    assert!((d.pipeline.coverage.unwrap() - 0.8).abs() < 1e-9);

    let drill = |what: &str, source: Option<&str>| {
        analytics::drill(
            fx.app.store().conn(),
            &DrillQuery {
                from: "2026-10-01".into(),
                to: "2026-10-31".into(),
                what: what.into(),
                rep_id: None,
                source: source.map(str::to_string),
                stage_id: None,
                reason: None,
                competitor: None,
            },
            t(NOW),
            0,
        )
        .unwrap()
    };
    let sold = drill("sold", None);
    assert_eq!(sold.len(), 2);
    assert_eq!(sold[0].customer, "C5 Fixture", "newest first");
    assert_eq!(drill("sold", Some("Cars.com")).len(), 1);
    assert_eq!(drill("cold", None).len(), 1);
    assert_eq!(drill("leads", Some("Cars.com")).len(), 2);
    let csv =
        analytics::dashboard_csv(&analytics::dashboard(fx.app.store().conn(), &october(None), t(NOW), 0).unwrap());
    assert!(csv.contains("Ana,1.5,50000.00,3500.00,3,1,0.3333"), "{csv}");
}

#[test]
fn empty_periods_and_bad_ranges_give_defined_results_or_named_errors() {
    let fx = fixture();
    let q = DashboardQuery { from: "2024-01-01".into(), to: "2024-01-31".into(), rep_id: None };
    let d = analytics::dashboard(fx.app.store().conn(), &q, t(NOW), 0).unwrap();
    assert_eq!(d.sales.units, 0.0);
    assert_eq!((d.sales.avg_deal_cents, d.sales.win_rate, d.sales.cycle_median_days), (None, None, None));
    assert!(d.funnel.iter().all(|f| f.count == 0 && f.rate.is_none()));
    assert_eq!(d.speed_to_lead.median_minutes, None);
    assert_eq!((d.customers.csat, d.customers.nps), (None, None));
    assert!(d.leaderboard.iter().all(|r| r.conversion.is_none() && r.win_rate.is_none()));
    let json = serde_json::to_string(&d).unwrap();
    assert!(!json.contains("NaN") && !json.contains("null,null,null,null,null"), "{json}");
    let bad = |from: &str, to: &str| {
        analytics::dashboard(
            fx.app.store().conn(),
            &DashboardQuery { from: from.into(), to: to.into(), rep_id: None },
            t(NOW),
            0,
        )
        .unwrap_err()
        .to_string()
    };
    assert!(bad("2026-13-01", "2026-12-01").contains("from"));
    assert!(bad("2026-10-31", "2026-10-01").contains("to: is before the first day"));
}

#[test]
fn the_months_commission_statement_follows_the_plan_and_is_frozen_once_approved() {
    let mut fx = fixture();
    let plan = CommissionPlan {
        id: Uuid::nil(),
        name: "Standard".into(),
        flat_per_unit_cents: 100_00,
        gross_percent_bp: 2_500,
        minimum_per_deal_cents: 150_00,
        tiers: vec![Tier { from_units: 1, per_unit_cents: 40_00 }],
        csat_bonus_cents: 200_00,
        csat_min_tenths: 45,
        user_ids: vec![fx.a, fx.b],
    };
    // Overlapping tiers are refused by name.
    let mut bad = plan.clone();
    bad.tiers = vec![Tier { from_units: 5, per_unit_cents: 1 }, Tier { from_units: 5, per_unit_cents: 2 }];
    assert!(fx.app.save_commission_plan(bad).unwrap_err().to_string().contains("tiers[1].from_units"));
    fx.app.save_commission_plan(plan).unwrap();
    // Ana, October: D1 $100 + 25% × $2,000 = $600; D2 split: ($100 + 25% × $3,000) / 2 = $425;
    // 1.5 units ≥ 1: tier $40 × 1.5 = $60; her customers' CSAT in October: 5 (C1) → bonus $200.
    let offset = 0;
    let s = showroom_core::analytics::commissions::statement(fx.app.store().conn(), fx.a, "2026-10", offset).unwrap();
    let amounts: Vec<i64> = s.lines.iter().map(|l| l.amount_cents).collect();
    assert_eq!(amounts, [600_00, 425_00, 60_00, 200_00]);
    assert_eq!(s.total_cents, 1_285_00);
    // Bo, November: D6 won in October unwound on Nov 5 — he gives back its $150 minimum.
    let s = showroom_core::analytics::commissions::statement(fx.app.store().conn(), fx.b, "2026-11", offset).unwrap();
    assert_eq!(s.total_cents, -150_00);
    // A rep cannot approve; a manager can, once; after that the figures stay as approved.
    fx.app.store_mut().set_user(Some(fx.a)).unwrap();
    assert!(fx.app.approve_statement(fx.a, "2026-10").unwrap_err().to_string().contains("only a manager"));
    fx.app.store_mut().set_user(None).unwrap();
    let approved = fx.app.approve_statement(fx.a, "2026-10").unwrap();
    assert!(approved.approved_at.is_some());
    assert!(fx.app.approve_statement(fx.a, "2026-10").unwrap_err().to_string().contains("already approved"));
    let dir = tempfile::tempdir().unwrap();
    let pdf = fx.app.save_statement_pdf(fx.a, "2026-10", dir.path()).unwrap();
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    // A rep on no plan is told so.
    let other = app();
    assert!(
        other.commission_statement(Uuid::now_v7(), "2026-10").unwrap_err().to_string().contains("no commission plan")
    );
    assert!(other.commission_statement(fx.a, "October").unwrap_err().to_string().contains("month"));
}

#[test]
fn goals_and_spend_are_checked_and_saving_again_replaces() {
    let mut fx = fixture();
    let g = |units| Goal {
        id: Uuid::nil(),
        user_id: Some(fx.a),
        team_id: None,
        month: "2026-12".into(),
        units,
        gross_cents: 0,
        activities: 0,
    };
    fx.app.save_goal(g(3)).unwrap();
    fx.app.save_goal(g(5)).unwrap();
    let goals = fx.app.goals("2026-12").unwrap();
    assert_eq!(goals.iter().map(|g| g.units).collect::<Vec<_>>(), [5]);
    assert!(fx.app.save_goal(g(-1)).unwrap_err().to_string().contains("units"));
    let err = fx
        .app
        .save_marketing_spend(Spend { id: Uuid::nil(), month: "Dec".into(), source: " ".into(), amount_cents: -5 })
        .unwrap_err()
        .to_string();
    assert!(err.contains("month") && err.contains("source") && err.contains("amount_cents"), "{err}");
}

/// The forecast's backtest over twelve months: on the demo dealership (spring and year-end peaks)
/// and on a second one with a summer peak and its own people, each at a pinned "now".
#[test]
fn the_forecast_backtest_is_within_twelve_percent_on_two_generated_dealerships() {
    use showroom_core::demo::{DemoSize, load};
    let summer = [70, 75, 95, 110, 125, 135, 130, 115, 95, 85, 80, 90];
    for (name, size, seed, now) in [
        ("demo", DemoSize::DEMO, 2026, "2026-12-01T15:00"),
        ("summer dealership", DemoSize { seasons: summer, ..DemoSize::DEMO }, 77, "2026-11-18T16:30"),
    ] {
        let now = t(now);
        let mut store = showroom_core::store::Store::open_in_memory().unwrap();
        load(&mut store, size, seed, now).unwrap();
        let report = analytics::backtest(store.conn(), now, 12).unwrap();
        assert_eq!(report.months.len(), 12);
        let mape = report.mape.expect("every month sells");
        println!("forecast backtest, {name}, 12 months: MAPE {:.1}%", mape * 100.0);
        for m in &report.months {
            println!("  {}: forecast {:.1}, actual {}", m.month, m.forecast_units, m.actual_units);
        }
        assert!(mape <= 0.12, "{name}: MAPE {mape}");
        // It does not lean one way: over the year, forecast and actual agree within 5%.
        let (f, a): (f64, f64) = report
            .months
            .iter()
            .map(|m| (m.forecast_units, m.actual_units))
            .fold((0.0, 0.0), |(x, y), (f, a)| (x + f, y + a));
        assert!((f - a).abs() / a < 0.05, "{name}: forecast {f:.0} against {a} sold");
    }
}

#[test]
fn the_months_forecast_is_stored_once_and_judged_when_the_month_closes() {
    let mut app = app();
    app.load_demo().unwrap();
    // The month's snapshot is stored on the first look and judged once the month closed.
    let q = DashboardQuery { from: "2026-11-01".into(), to: "2026-11-30".into(), rep_id: None };
    let d = app.dashboard(&q).unwrap();
    assert!(d.forecast.this_month.units >= d.forecast.won_so_far);
    let snaps: i64 = app.store().conn().query_row("SELECT count(*) FROM forecast_snapshots", [], |r| r.get(0)).unwrap();
    assert_eq!(snaps, 1);
    app.dashboard(&q).unwrap();
    let again: i64 = app.store().conn().query_row("SELECT count(*) FROM forecast_snapshots", [], |r| r.get(0)).unwrap();
    assert_eq!(again, 1, "one per month");
    assert_eq!(app.forecast_accuracy().unwrap().mape, None, "no month has closed since");
}

#[test]
fn the_activity_rollup_stays_equal_to_counting_the_activities() {
    let mut fx = fixture();
    let raw = |app: &Showroom, from: &str, to: &str| -> i64 {
        app.store()
            .conn()
            .query_row(
                "SELECT count(*) FROM activities WHERE done_at >= ?1 AND done_at < ?2 AND deleted_at IS NULL AND owner_id IS NOT NULL",
                [from, to],
                |r| r.get(0),
            )
            .unwrap()
    };
    let rolled = |app: &Showroom, from: &str, to: &str| -> i64 {
        analytics::activity_counts(app.store().conn(), t(from).millis(), t(to).millis())
            .unwrap()
            .values()
            .map(|c| i64::from(c.total()))
            .sum()
    };
    // Edits through the app: a task done, one removed, one handed to the other rep.
    let (a, b) = (fx.a, fx.b);
    fx.app
        .store_mut()
        .write(|w| {
            let all: Vec<Activity> = showroom_core::store::query(w.conn(), "ORDER BY rid", []).unwrap();
            let mut done = all[1].clone(); // C2's test drive, not held yet
            done.done_at = Some(t("2026-10-07T18:30"));
            w.update(&all[1], &done)?;
            let mut gone = all[3].clone();
            gone.deleted_at = Some(t("2026-11-01T00:00"));
            w.update(&all[3], &gone)?;
            let mut moved = all[4].clone();
            moved.owner_id = Some(if moved.owner_id == Some(a) { b } else { a });
            w.update(&all[4], &moved)?;
            Ok(())
        })
        .unwrap();
    for (from, to) in [
        ("2026-10-01T00:00", "2026-11-01T00:00"),
        ("2026-10-02T10:03", "2026-10-20T08:07"),
        ("2026-10-05T00:00", "2026-10-05T23:00"),
        ("2026-09-30T06:00", "2026-10-31T06:00"),
    ] {
        let (from_s, to_s) = (format!("{from}:00.000Z"), format!("{to}:00.000Z"));
        assert_eq!(rolled(&fx.app, from, to), raw(&fx.app, &from_s, &to_s), "{from} .. {to}");
    }
}

#[test]
fn the_dashboard_pdf_carries_the_figures_and_renders() {
    let fx = fixture();
    let d = analytics::dashboard(fx.app.store().conn(), &october(None), t(NOW), 0).unwrap();
    let bytes = showroom_core::pdf::dashboard_pdf(&fx.app.letterhead(), "Team", &d).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dashboard.pdf");
    std::fs::write(&path, bytes).unwrap();
    let text = crate::pdf::pdf_text(&path);
    for want in [
        "Sales dashboard",
        "Team · 2026-10-01 to 2026-10-31",
        "$70,000.00",
        "Ana",
        "Cars.com",
        "This month (units, 80% range)",
    ] {
        assert!(text.contains(want), "{want} missing from\n{text}");
    }
    assert!(crate::pdf::ink_on_page(&path, 1) > 0.01, "the page renders with ink on it");
}

/// The first morning of a month: the figures are small, and the dashboard says so instead of
/// reading zeros as a collapse: the range is marked as under way, last month up to the same point
/// is given beside it, and the goals' pace is not judged yet.
#[test]
fn on_the_first_morning_of_a_month_the_dashboard_compares_with_the_same_point_of_last_month() {
    use showroom_core::demo::{DemoSize, load};
    // 10:00 in Austin (UTC−6 in December).
    let now = t("2026-12-01T16:00");
    let mut store = showroom_core::store::Store::open_in_memory().unwrap();
    load(&mut store, DemoSize::DEMO, 2026, now).unwrap();
    let q = DashboardQuery { from: "2026-12-01".into(), to: "2026-12-31".into(), rep_id: None };
    let d = analytics::dashboard(store.conn(), &q, now, -360).unwrap();
    assert!(d.partial);
    let last = d.same_point_last_month.clone().expect("a range under way is compared");
    assert_eq!((last.from.as_str(), last.until.as_str()), ("2026-11-01", "2026-11-01 10:00"));
    // Independently: the same stretch a month earlier on the range's clock (UTC−6): from
    // 06:00Z to 16:00Z on November 1st.
    let count = |sql: &str| -> i64 {
        store.conn().query_row(sql, ["2026-11-01T06:00:00.000Z", "2026-11-01T16:00:00.000Z"], |r| r.get(0)).unwrap()
    };
    let won = count(
        "SELECT count(*) FROM opportunities WHERE status = 'won' AND unwound_at IS NULL AND deleted_at IS NULL
           AND closed_at >= ?1 AND closed_at < ?2",
    );
    let leads = count(
        "SELECT count(*) FROM leads WHERE received_at >= ?1 AND received_at < ?2 AND deleted_at IS NULL AND merged_into IS NULL",
    );
    assert_eq!((last.units, i64::from(last.leads)), (won as f64, leads));
    // Goals exist for December and are not judged four hours in.
    assert!(!d.goals.is_empty());
    assert!(d.goals.iter().all(|g| !g.pace_known), "{:?}", d.goals.iter().map(|g| g.month_elapsed).collect::<Vec<_>>());
    assert!(d.funnel_cohort.starts_with("Leads received 2026-12-01 to 2026-12-31"));
    // A closed range is not "under way" and has nothing to compare.
    let nov = DashboardQuery { from: "2026-11-01".into(), to: "2026-11-30".into(), rep_id: None };
    let d = analytics::dashboard(store.conn(), &nov, now, -360).unwrap();
    assert!(!d.partial && d.same_point_last_month.is_none());
    assert!(d.goals.is_empty() || d.goals.iter().all(|g| g.pace_known));
}

/// The screens turn typed amounts into cents through the core's one money parser.
#[test]
fn typed_amounts_become_cents_in_the_core_or_name_the_field() {
    assert_eq!(Showroom::parse_money("amount_cents", "$27,495.50").unwrap(), 2_749_550);
    assert_eq!(Showroom::parse_money("amount_cents", "1200").unwrap(), 120_000);
    assert_eq!(Showroom::parse_money("amount_cents", "0.1").unwrap(), 10, "no binary-float drift");
    let err = Showroom::parse_money("amount_cents", "12.345").unwrap_err().to_string();
    assert!(err.contains("amount_cents") && err.contains("more than two decimals"), "{err}");
    let err = Showroom::parse_money("max_price", "twenty").unwrap_err().to_string();
    assert!(err.contains("max_price") && err.contains("not an amount of money"), "{err}");
}

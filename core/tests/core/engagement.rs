use crate::{app, draft};
use showroom_core::Showroom;
use showroom_core::domain::{Opportunity, SurveyKind, TestDriveStatus, Timestamp, Vehicle};
use showroom_core::engagement::{SurveyDraft, TestDriveDraft};
use showroom_core::pipeline::OpportunityDraft;
use showroom_core::store::{get, query};

fn at(hours: i64) -> String {
    Timestamp::from_millis(Timestamp::now().millis() + hours * 3_600_000).to_string()
}

fn setup() -> (Showroom, uuid::Uuid, Vehicle) {
    let mut app = app();
    app.load_demo().unwrap();
    let c = app.create_customer(&draft("Dana", "Whitfield", "dana@example.com", "")).unwrap();
    let v: Vehicle =
        query(app.store().conn(), "WHERE status = 'available' ORDER BY rid LIMIT 1", []).unwrap().remove(0);
    (app, c.id, v)
}

fn booking(customer: uuid::Uuid, vehicle: uuid::Uuid, start: String, expiry: &str) -> TestDriveDraft {
    TestDriveDraft {
        customer_id: customer,
        vehicle_id: vehicle,
        opportunity_id: None,
        starts_at: start,
        minutes: 45,
        licence_number: "tx1234567".into(),
        licence_region: "TX".into(),
        licence_expiry: expiry.into(),
    }
}

#[test]
fn test_drives_are_never_double_booked_and_completing_one_moves_the_deal() {
    let (mut app, customer, v) = setup();
    let deal = app
        .create_opportunity(&OpportunityDraft { customer_id: customer, vehicle_id: Some(v.id), ..Default::default() })
        .unwrap();
    let b = app.schedule_test_drive(&booking(customer, v.id, at(2), "2030-01-31")).unwrap();
    assert!(b.warnings.is_empty());
    assert_eq!(b.test_drive.licence_number, "TX1234567");
    assert_eq!(b.test_drive.opportunity_id, Some(deal.id), "linked to the open deal");

    // The same vehicle 30 minutes later overlaps: refused, naming the booking; nothing written.
    let other = app.create_customer(&draft("Kai", "Ono", "kai@example.com", "")).unwrap();
    let before = app.store().pending_changes().unwrap();
    let half = Timestamp::from_millis(Timestamp::now().millis() + 150 * 60_000).to_string();
    let err = app.schedule_test_drive(&booking(other.id, v.id, half, "2030-01-31")).unwrap_err().to_string();
    assert!(err.contains("is booked") && err.contains("Dana Whitfield"), "{err}");
    assert_eq!(app.store().pending_changes().unwrap(), before);
    // Right after it is fine; an expired licence is a warning, not a refusal.
    let later = app.schedule_test_drive(&booking(other.id, v.id, at(3), "2020-05-01")).unwrap();
    assert_eq!(later.warnings[0].field, "licence_expiry");
    // In the past: refused.
    assert!(
        app.schedule_test_drive(&booking(other.id, v.id, at(-30), "2030-01-01"))
            .unwrap_err()
            .to_string()
            .contains("in the past")
    );

    // Completing it marks the booking done with the feedback, and the deal moves to Test drive.
    let done = app.complete_test_drive(b.test_drive.id, "Loved it", "Wants the bigger wheels").unwrap();
    assert_eq!(done.status, TestDriveStatus::Completed);
    assert!(done.feedback.contains("bigger wheels"));
    let o: Opportunity = get(app.store().conn(), deal.id).unwrap();
    let stage: String = app
        .store()
        .conn()
        .query_row("SELECT name FROM pipeline_stages WHERE id = ?1", [o.stage_id.to_string()], |r| r.get(0))
        .unwrap();
    assert_eq!(stage, "Test drive");
    let rel = app.relations(customer).unwrap();
    assert_eq!(rel.test_drives.len(), 1);
}

#[test]
fn surveys_and_referrals_are_recorded_on_both_timelines() {
    let (mut app, customer, _) = setup();
    let err = app
        .record_survey(&SurveyDraft {
            customer_id: customer,
            order_id: None,
            kind: SurveyKind::Nps,
            score: 11,
            comment: String::new(),
        })
        .unwrap_err();
    assert!(err.to_string().contains("between 0 and 10"), "{err}");
    app.record_survey(&SurveyDraft {
        customer_id: customer,
        order_id: None,
        kind: SurveyKind::Csat,
        score: 5,
        comment: "Smooth".into(),
    })
    .unwrap();
    let friend = app.create_customer(&draft("Rosa", "Diaz", "rosa@example.com", "")).unwrap();
    app.add_referral(friend.id, customer, "Sister-in-law").unwrap();
    assert!(app.add_referral(friend.id, customer, "").unwrap_err().to_string().contains("already recorded"));
    assert!(app.add_referral(customer, customer, "").unwrap_err().to_string().contains("themselves"));
    let rel = app.relations(customer).unwrap();
    assert_eq!(rel.referred, vec![(friend.id, "Rosa Diaz".to_string())]);
    assert_eq!(rel.surveys[0].score, 5);
    let theirs = app.relations(friend.id).unwrap();
    assert_eq!(theirs.referred_by[0].1, "Dana Whitfield");
    let lines: Vec<String> =
        app.customer_detail(customer).unwrap().interactions.into_iter().map(|i| i.summary).collect();
    assert!(lines.iter().any(|l| l == "Referred Rosa Diaz"), "{lines:?}");
    assert!(lines.iter().any(|l| l.starts_with("Satisfaction: 5/5")), "{lines:?}");
}

#[test]
fn owned_vehicles_come_from_deliveries_and_trade_ins_and_households_share_an_address() {
    use showroom_core::activities::{ActivityDraft, Completion};
    use showroom_core::domain::{ActivityKind, CustomerDraft};
    use showroom_core::quotes::{Acceptance, QuoteTarget};
    let (mut app, customer, v) = setup();
    app.create_opportunity(&OpportunityDraft { customer_id: customer, vehicle_id: Some(v.id), ..Default::default() })
        .unwrap();
    let deal: showroom_core::desk::Deal = serde_json::from_value(serde_json::json!({
        "jurisdiction": "TX", "price": "30000", "terms": {"type": "cash"},
        "trade_in": {"description": "2015 Honda Civic EX", "vin": "2HGFB2F50FH500001", "allowance": "6000", "payoff": "0"}
    }))
    .unwrap();
    let q = app
        .create_quote(&QuoteTarget { customer_id: Some(customer), vehicle_id: Some(v.id), ..Default::default() }, &deal)
        .unwrap();
    app.accept_quote(q.quote.id, &Acceptance::default()).unwrap();
    let d = app
        .create_activity(&ActivityDraft {
            customer_id: customer,
            opportunity_id: q.quote.opportunity_id,
            kind: ActivityKind::Delivery,
            subject: "Deliver".into(),
            due_at: at(1),
            owner_id: None,
        })
        .unwrap();
    let checklist = showroom_core::engagement::DELIVERY_CHECKLIST.iter().map(|s| s.to_string()).collect();
    app.complete_activity(
        d.id,
        &Completion { outcome: "Delivered".into(), next: None, checklist, send_message: false },
    )
    .unwrap();
    let rel = app.relations(customer).unwrap();
    assert_eq!(rel.owned.len(), 2, "{:?}", rel.owned);
    assert!(rel.owned[0].contains(&v.model) && rel.owned[0].contains(&v.vin));
    assert!(rel.owned[1].starts_with("2015 Honda Civic EX (VIN 2HGFB2F50FH500001), traded in on quote"));

    // Same street and postal code: one household.
    let address = |first: &str| CustomerDraft {
        street: "12 Oak Lane".into(),
        postal_code: "78701".into(),
        ..draft(first, "Lee", "", "")
    };
    let a = app.create_customer(&address("Min")).unwrap();
    let b = app.create_customer(&address("Jun")).unwrap();
    assert_eq!(app.relations(a.id).unwrap().household, vec![(b.id, "Jun Lee".to_string())]);
}

use crate::{app, draft};
use showroom_core::desk::Deal;
use showroom_core::desk::money::Money;
use showroom_core::domain::{Vehicle, VehicleStatus};
use showroom_core::quotes::{Acceptance, QuoteStatus, QuoteTarget};
use showroom_core::store::query;
use showroom_core::{ErrorCode, Showroom};

fn setup() -> (Showroom, uuid::Uuid, Vehicle) {
    let mut app = app();
    app.load_demo().unwrap();
    let c = app.create_customer(&draft("Zoë", "Quintero-Hale", "zoe@example.com", "")).unwrap();
    let v: Vehicle =
        query(app.store().conn(), "WHERE status = 'available' ORDER BY rid LIMIT 1", []).unwrap().remove(0);
    (app, c.id, v)
}

fn loan(price: &str) -> Deal {
    serde_json::from_value(serde_json::json!({
        "jurisdiction": "TX", "price": price, "terms": {"type": "loan", "apr": "6.9", "term_months": 60}
    }))
    .unwrap()
}

#[test]
fn versions_freeze_when_presented_and_accepting_holds_the_vehicle() {
    let (mut app, customer, vehicle) = setup();
    let target = QuoteTarget { customer_id: Some(customer), vehicle_id: Some(vehicle.id), ..Default::default() };
    let q = app.create_quote(&target, &loan("30000")).unwrap();
    assert_eq!((q.status, q.versions.len()), (QuoteStatus::Draft, 1));
    assert!(q.quote.number.starts_with("Q-"));
    let id = q.quote.id;

    // Editing a draft replaces its only version.
    let q = app.revise_quote(id, &loan("29500")).unwrap();
    assert_eq!(q.versions.len(), 1);
    assert_eq!(q.versions[0].deal.price, Money::parse("29500").unwrap());

    // Printing presents and freezes it; the PDF is real.
    let pdf = app.print_quote(id).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let q = app.quote_detail(id).unwrap();
    assert_eq!(q.status, QuoteStatus::Presented);
    assert!(q.versions[0].frozen);

    // A later edit makes version 2 and leaves version 1 as printed.
    let q = app.revise_quote(id, &loan("29000")).unwrap();
    assert_eq!(q.versions.len(), 2);
    assert_eq!(q.versions[0].deal.price, Money::parse("29500").unwrap());
    assert_eq!((q.quote.version, q.status), (2, QuoteStatus::Draft));

    // Accepting: sales order, version frozen, vehicle on hold.
    let q = app.accept_quote(id, &Acceptance { deposit: Money::parse("500").unwrap(), delivery_date: None }).unwrap();
    assert_eq!(q.status, QuoteStatus::Accepted);
    let order = q.order.unwrap();
    assert_eq!((order.quote_version, order.deposit_cents), (2, 50_000));
    assert!(q.versions[1].frozen);
    let v: Vehicle = showroom_core::store::get(app.store().conn(), vehicle.id).unwrap();
    assert_eq!(v.status, VehicleStatus::OnHold);
    assert_eq!(app.customer_detail(customer).unwrap().quotes.len(), 1);

    // Accepted quotes do not change, and the held vehicle cannot be promised twice.
    assert_eq!(app.revise_quote(id, &loan("1000")).unwrap_err().code(), ErrorCode::Conflict);
    let other = app.create_quote(&target, &loan("31000")).unwrap();
    let err = app.accept_quote(other.quote.id, &Acceptance::default()).unwrap_err();
    assert!(err.to_string().contains("on hold for another deal"), "{err}");
    assert_eq!(app.quote_detail(other.quote.id).unwrap().status, QuoteStatus::Draft, "nothing changed");
}

#[test]
fn bad_quote_input_is_named_and_stores_nothing() {
    let (mut app, customer, _) = setup();
    let before = app.store().pending_changes().unwrap();
    let err = app.create_quote(&QuoteTarget::default(), &loan("30000")).unwrap_err();
    assert!(err.to_string().contains("customer_id"), "{err}");
    let err =
        app.create_quote(&QuoteTarget { customer_id: Some(customer), ..Default::default() }, &loan("-1")).unwrap_err();
    assert!(err.to_string().contains("price"), "{err}");
    assert_eq!(app.store().pending_changes().unwrap(), before);

    let q =
        app.create_quote(&QuoteTarget { customer_id: Some(customer), ..Default::default() }, &loan("20000")).unwrap();
    let err = app
        .accept_quote(q.quote.id, &Acceptance { deposit: Money::parse("999999").unwrap(), delivery_date: None })
        .unwrap_err();
    assert!(err.to_string().contains("deposit"), "{err}");
    let yesterday = chrono::Utc::now().date_naive().pred_opt().unwrap();
    let err =
        app.accept_quote(q.quote.id, &Acceptance { deposit: Money::ZERO, delivery_date: Some(yesterday) }).unwrap_err();
    assert!(err.to_string().contains("delivery_date"), "{err}");
    app.decline_quote(q.quote.id).unwrap();
    assert_eq!(app.accept_quote(q.quote.id, &Acceptance::default()).unwrap_err().code(), ErrorCode::Conflict);
}

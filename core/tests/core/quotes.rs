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
    let yesterday = showroom_core::domain::Timestamp::now().date().pred_opt().unwrap();
    let err =
        app.accept_quote(q.quote.id, &Acceptance { deposit: Money::ZERO, delivery_date: Some(yesterday) }).unwrap_err();
    assert!(err.to_string().contains("delivery_date"), "{err}");
    app.decline_quote(q.quote.id, "bought elsewhere").unwrap();
    assert_eq!(app.accept_quote(q.quote.id, &Acceptance::default()).unwrap_err().code(), ErrorCode::Conflict);
}

/// A rep's customer with an open deal on `vehicle`, priced with the vehicle's cost known.
fn rep_deal(app: &mut Showroom, vehicle: &Vehicle) -> (uuid::Uuid, uuid::Uuid, uuid::Uuid) {
    let rep: uuid::Uuid = app
        .store()
        .conn()
        .query_row("SELECT id FROM users WHERE role = 'rep' ORDER BY name LIMIT 1", [], |r| r.get::<_, String>(0))
        .unwrap()
        .parse()
        .unwrap();
    let c = app.create_customer(&draft("Odette", "Lindqvist", "odette@example.com", "")).unwrap();
    let deal = app
        .create_opportunity(&showroom_core::pipeline::OpportunityDraft {
            customer_id: c.id,
            title: vehicle.title(),
            amount: "30,000".into(),
            vehicle_id: Some(vehicle.id),
            ..Default::default()
        })
        .unwrap();
    // The rep owns the deal (as when the rep's own laptop opened it).
    let mine = showroom_core::domain::Opportunity { owner_id: Some(rep), ..deal.clone() };
    app.store_mut().write(|w| w.update(&deal, &mine).map(|_| ())).unwrap();
    (rep, c.id, deal.id)
}

fn priced(vehicle: &Vehicle, price: &str) -> Deal {
    let mut deal = loan(price);
    deal.vehicle.description = vehicle.title();
    deal.vehicle.stock_no = vehicle.stock_no.clone();
    deal.vehicle.invoice = Some(Money(vehicle.invoice_cents));
    deal
}

#[test]
fn an_order_is_funded_and_delivered_the_car_is_sold_the_deal_won_and_its_gross_paid() {
    use showroom_core::domain::{Opportunity, OpportunityStatus};
    use showroom_core::orders::ProductDraft;
    use showroom_core::quotes::OrderStatus;
    let (mut app, _, vehicle) = setup();
    let (rep, customer, deal) = rep_deal(&mut app, &vehicle);
    let target = QuoteTarget { customer_id: Some(customer), vehicle_id: Some(vehicle.id), ..Default::default() };
    let price = (vehicle.invoice_cents + 2_000_00) / 100; // $2,000 over cost
    let q = app.create_quote(&target, &priced(&vehicle, &price.to_string())).unwrap();
    assert_eq!(q.quote.opportunity_id, Some(deal));
    let q = app.accept_quote(q.quote.id, &Acceptance::default()).unwrap();
    let order = q.order.unwrap();

    // F&I products: back-end gross is price less cost; bad ones are named and change nothing.
    let bad = app
        .set_order_products(order.id, &[ProductDraft { name: "".into(), price: "abc".into(), cost: "-1".into() }])
        .unwrap_err();
    let fields: Vec<String> = bad.fields().iter().map(|f| f.field.clone()).collect();
    assert_eq!(fields, ["products[0].name", "products[0].price", "products[0].cost"]);
    let products = [
        ProductDraft { name: "Service contract".into(), price: "1,995".into(), cost: "900".into() },
        ProductDraft { name: "GAP".into(), price: "795.00".into(), cost: "300".into() },
    ];
    let q = app.set_order_products(order.id, &products).unwrap();
    let gross = q.gross.unwrap();
    assert_eq!((gross.front_cents, gross.back_cents, gross.total_cents), (Some(2_000_00), 1_590_00, 3_590_00));

    let q = app.fund_order(order.id).unwrap();
    assert_eq!(q.order.as_ref().unwrap().status, OrderStatus::Funded);
    assert_eq!(app.fund_order(order.id).unwrap_err().code(), ErrorCode::Conflict, "funded once");
    let q = app.deliver_order(order.id).unwrap();
    let o = q.order.unwrap();
    assert_eq!(o.status, OrderStatus::Delivered);
    assert!(o.funded_at.is_some() && o.delivered_at.is_some());

    let v: Vehicle = showroom_core::store::get(app.store().conn(), vehicle.id).unwrap();
    assert_eq!(v.status, VehicleStatus::Sold);
    let won: Opportunity = showroom_core::store::get(app.store().conn(), deal).unwrap();
    assert_eq!((won.status, won.gross_cents), (OpportunityStatus::Won, Some(3_590_00)));
    assert_eq!(won.owner_id, Some(rep), "the rep on this laptop owns the deal");
    assert!(won.closed_at.is_some());
    // Delivered orders do not change any more.
    assert_eq!(app.cancel_order(order.id, "changed mind").unwrap_err().code(), ErrorCode::Conflict);
    assert_eq!(app.set_order_products(order.id, &[]).unwrap_err().code(), ErrorCode::Conflict);

    // The commission statement pays on that gross (20% of front + back under the demo's plan).
    let month = won.closed_at.unwrap().date().format("%Y-%m").to_string();
    let st = app.commission_statement(rep, &month).unwrap();
    let line =
        st.lines.iter().find(|l| l.opportunity_id == Some(deal)).expect("the delivered deal is on the statement");
    assert!(line.text.contains("$3,590"), "{}", line.text);
    assert!(line.amount_cents >= 3_590_00 * 20 / 100, "{}", line.amount_cents);
}

#[test]
fn a_cancelled_order_releases_the_vehicle_and_declines_the_quote() {
    use showroom_core::quotes::OrderStatus;
    let (mut app, _, vehicle) = setup();
    let (_, customer, _) = rep_deal(&mut app, &vehicle);
    let target = QuoteTarget { customer_id: Some(customer), vehicle_id: Some(vehicle.id), ..Default::default() };
    let q = app.create_quote(&target, &priced(&vehicle, "30000")).unwrap();
    let order = app.accept_quote(q.quote.id, &Acceptance::default()).unwrap().order.unwrap();
    let held: Vehicle = showroom_core::store::get(app.store().conn(), vehicle.id).unwrap();
    assert_eq!(held.status, VehicleStatus::OnHold);
    let err = app.cancel_order(order.id, "  ").unwrap_err();
    assert_eq!(err.fields()[0].field, "cancel_reason");
    let q = app.cancel_order(order.id, "financing fell through").unwrap();
    assert_eq!(q.order.as_ref().unwrap().status, OrderStatus::Cancelled);
    assert_eq!(q.status, QuoteStatus::Declined);
    assert_eq!(q.quote.decline_reason, "order cancelled: financing fell through");
    let free: Vehicle = showroom_core::store::get(app.store().conn(), vehicle.id).unwrap();
    assert_eq!(free.status, VehicleStatus::Available);
    // The car can be promised to the next customer.
    let again = app.create_quote(&target, &priced(&vehicle, "30500")).unwrap();
    app.accept_quote(again.quote.id, &Acceptance::default()).unwrap();
}

#[test]
fn quotes_are_listed_declined_with_a_reason_expired_and_copied_to_another_vehicle() {
    use showroom_core::quotes::QuoteFilter;
    let (mut app, customer, vehicle) = setup();
    let target = QuoteTarget { customer_id: Some(customer), vehicle_id: Some(vehicle.id), ..Default::default() };
    let q = app.create_quote(&target, &priced(&vehicle, "30000")).unwrap();
    let id = q.quote.id;

    // Listed first (newest), findable by the customer's name, with its payment.
    let rows = app.quotes(&QuoteFilter { text: "quintero".into(), ..Default::default() }).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].quote.id, rows[0].status), (id, QuoteStatus::Draft));
    assert!(rows[0].payment_cents.unwrap() > 0);
    assert_eq!(rows[0].customer, "Zoë Quintero-Hale");
    // By its number as printed (any case), by the vehicle, and nothing for a number that is not one.
    let by_number = app.quotes(&QuoteFilter { text: rows[0].quote.number.clone(), ..Default::default() }).unwrap();
    assert_eq!(by_number.iter().map(|r| r.quote.id).collect::<Vec<_>>(), [id]);
    let lower = app.quotes(&QuoteFilter { text: rows[0].quote.number.to_lowercase(), ..Default::default() }).unwrap();
    assert_eq!(lower.len(), 1);
    let nothing = app.quotes(&QuoteFilter { text: "Q-000000-ZZZZ".into(), ..Default::default() }).unwrap();
    assert!(nothing.is_empty());

    // Copied to another vehicle: a new quote with the same terms and that vehicle's price.
    let other: Vehicle = query(
        app.store().conn(),
        "WHERE status = 'available' AND id != ?1 ORDER BY rid LIMIT 1",
        [vehicle.id.to_string()],
    )
    .unwrap()
    .remove(0);
    let copy = app.duplicate_quote(id, other.id).unwrap();
    assert_ne!(copy.quote.id, id);
    assert_eq!(copy.quote.vehicle_id, Some(other.id));
    assert_eq!(copy.versions[0].deal.price, Money(other.price_cents));
    assert_eq!(copy.versions[0].deal.terms, q.versions[0].deal.terms);

    // Declined needs a reason, and keeps it.
    assert_eq!(app.decline_quote(id, "").unwrap_err().fields()[0].field, "decline_reason");
    let d = app.decline_quote(id, "payment too high").unwrap();
    assert_eq!((d.status, d.quote.decline_reason.as_str()), (QuoteStatus::Declined, "payment too high"));
    let declined = app.quotes(&QuoteFilter { status: Some(QuoteStatus::Declined), ..Default::default() }).unwrap();
    assert!(declined.iter().any(|r| r.quote.id == id));

    // Past its date the copy expires, stored (so every device and the export agree). The day is
    // passed in: the process clock is shared by every test.
    let after = copy.quote.valid_until + chrono::Days::new(1);
    let n = showroom_core::quotes::expire_due(app.store_mut(), after).unwrap();
    assert!(n >= 1, "{n}");
    let stored: showroom_core::quotes::Quote = showroom_core::store::get(app.store().conn(), copy.quote.id).unwrap();
    assert_eq!(stored.status, QuoteStatus::Expired);
    assert_eq!(showroom_core::quotes::expire_due(app.store_mut(), after).unwrap(), 0, "nothing left to expire");
}

use crate::{app, draft};
use showroom_core::domain::{Condition, Preferences, Vehicle, VehicleStatus};
use showroom_core::inventory::VehicleFilter;
use showroom_core::io::{ImportAction, ImportOptions};

const DMS: &str = "Stock #,VIN,Year,Make,Model,Trim,Body Style,Ext Color,Odometer,New/Used,MSRP,Invoice,Internet Price,Status,Lot\n\
N2001,1G4AH59H45G118341,2005,Buick,LaCrosse,CXS,Sedan,Silver,\"98,000\",Used,,\"$2,500\",\"$3,995\",In Stock,Lot B\n\
N2002,11111111111111111,2026,Toyota,RAV4,XLE,SUV,Blue,12,New,\"$34,800\",\"$32,150\",\"$33,900\",In Transit,Port\n\
N2003,WVWZZZ1JZXW000001,2024,Volkswagen,Golf,GTI,Hatchback,Red,\"8,000\",Certified,,\"$24,000\",\"$27,500\",,Lot A\n";

#[test]
fn a_dms_export_imports_with_tolerant_columns_and_updates_by_stock_number() {
    let mut app = app();
    let dry = app.import_vehicles_csv(DMS.as_bytes(), ImportOptions { dry_run: true, skip_invalid: false }).unwrap();
    assert_eq!((dry.created, dry.committed), (3, false));
    let r = app.import_vehicles_csv(DMS.as_bytes(), ImportOptions::default()).unwrap();
    assert!(r.committed, "{r:?}");
    assert_eq!(r.created, 3);
    // The European VIN without a check digit imports with a warning, not an error.
    let golf = r.rows.iter().find(|o| o.name.contains("Golf")).unwrap();
    assert_eq!(golf.problems[0].field, "vin");
    let all = app.filter_vehicles(&VehicleFilter::default()).unwrap();
    let rav4 = all.iter().find(|v| v.stock_no == "N2002").unwrap();
    assert_eq!((rav4.msrp_cents, rav4.price_cents, rav4.status), (3_480_000, 3_390_000, VehicleStatus::InTransit));
    let buick = all.iter().find(|v| v.stock_no == "N2001").unwrap();
    assert_eq!((buick.mileage, buick.condition), (98_000, Condition::Used));
    assert_eq!(all.iter().find(|v| v.stock_no == "N2003").unwrap().condition, Condition::Cpo);

    // Re-importing with a new price updates that one vehicle only.
    let again = DMS.replace("\"$33,900\"", "\"$33,500\"");
    let r = app.import_vehicles_csv(again.as_bytes(), ImportOptions::default()).unwrap();
    assert_eq!((r.created, r.updated, r.skipped), (0, 1, 2));
    assert_eq!(r.rows.iter().find(|o| o.action == ImportAction::Updated).unwrap().line, 3);
}

#[test]
fn bad_vehicle_rows_name_line_and_field_and_nothing_is_stored() {
    let mut app = app();
    let csv = "stock,vin,year,make,model,price,condition\n\
A1,1G4AH59H45G118341,2005,Buick,LaCrosse,3995,used\n\
A2,1G4AH59I45G118341,2005,Buick,LaCrosse,3995,used\n\
A3,11111111111111111,1890,Ford,Model T,-5,antique\n";
    let r = app.import_vehicles_csv(csv.as_bytes(), ImportOptions::default()).unwrap();
    assert!(!r.committed);
    let bad: Vec<_> = r.rows.iter().filter(|o| o.action == ImportAction::Invalid).collect();
    assert_eq!((bad[0].line, bad[0].problems[0].field.as_str()), (3, "vin"));
    let fields: Vec<_> = bad[1].problems.iter().map(|p| p.field.as_str()).collect();
    assert!(fields.contains(&"condition") && fields.contains(&"year") && fields.contains(&"price_cents"), "{fields:?}");
    assert!(app.filter_vehicles(&VehicleFilter::default()).unwrap().is_empty());
    let err = app.import_vehicles_csv(b"make,model\nFord,F-150\n", ImportOptions::default()).unwrap_err();
    assert!(err.to_string().contains("no stock_no column"), "{err}");
}

#[test]
fn filters_and_preference_matches_with_reasons() {
    let mut app = app();
    app.import_vehicles_csv(DMS.as_bytes(), ImportOptions::default()).unwrap();
    let suvs = app.filter_vehicles(&VehicleFilter { body: Some("suv".into()), ..Default::default() }).unwrap();
    assert_eq!(suvs.len(), 1);
    let cheap = app.filter_vehicles(&VehicleFilter { max_price_cents: Some(1_000_000), ..Default::default() }).unwrap();
    assert_eq!(cheap.iter().map(|v| v.stock_no.as_str()).collect::<Vec<_>>(), ["N2001"]);
    let cpo = app.filter_vehicles(&VehicleFilter { condition: Some(Condition::Cpo), ..Default::default() }).unwrap();
    assert_eq!(cpo[0].make, "Volkswagen");
    let by_text = app.filter_vehicles(&VehicleFilter { text: "rav".into(), ..Default::default() }).unwrap();
    assert_eq!(by_text.len(), 1);

    let mut d = draft("Ana", "García", "ana@example.com", "");
    d.preferences = Preferences {
        makes: vec!["toyota".into()],
        body_types: vec!["SUV".into()],
        budget_max_cents: Some(3_500_000),
        condition: Some(Condition::New),
        ..Default::default()
    };
    let ana = app.create_customer(&d).unwrap();
    let m = app.vehicle_matches(ana.id).unwrap();
    let top: &Vehicle = &m[0].vehicle;
    assert_eq!(top.stock_no, "N2002");
    assert_eq!(m[0].score, 90);
    assert_eq!(m[0].reasons.len(), 4, "{:?}", m[0].reasons);
    assert!(m[0].reasons[0].contains("Toyota"));
}

#[test]
fn an_arriving_vehicle_that_fits_a_customers_needs_makes_a_call_task_for_their_rep() {
    use showroom_core::domain::{Activity, Role, Timeframe, Timestamp, User};
    let mut app = app();
    let now = Timestamp::now();
    let rep = User {
        id: uuid::Uuid::from_u128(77),
        name: "Ana Morales".into(),
        email: "ana@lakeside.example".into(),
        role: Role::Rep,
        team_id: None,
        active: true,
        created_at: now,
        updated_at: now,
    };
    app.store_mut().write(|w| w.insert(&rep).map(|_| ())).unwrap();
    // The needs analysis: a new Toyota SUV, a RAV4, up to $35,000, buying this month.
    let mut d = draft("Maria", "Harris", "maria@example.com", "");
    d.owner_id = Some(rep.id);
    d.preferences = Preferences {
        makes: vec!["Toyota".into()],
        models: vec!["RAV4".into()],
        body_types: vec!["SUV".into()],
        budget_max_cents: Some(3_500_000),
        target_payment_cents: Some(45_000),
        condition: Some(Condition::New),
        trade_in: "2016 Civic, 90k miles".into(),
        timeframe: Some(Timeframe::ThisMonth),
        ..Default::default()
    };
    let maria = app.create_customer(&d).unwrap();
    assert_eq!(maria.preferences.models, ["RAV4"]);
    assert_eq!(maria.preferences.timeframe, Some(Timeframe::ThisMonth));
    // Someone else's customer who wants a truck hears nothing.
    let mut other = draft("Tom", "Baker", "tom@example.com", "");
    other.owner_id = Some(rep.id);
    other.preferences =
        Preferences { makes: vec!["Ford".into()], body_types: vec!["Truck".into()], ..Default::default() };
    let tom = app.create_customer(&other).unwrap();

    // A dry run tells nobody.
    app.import_vehicles_csv(DMS.as_bytes(), ImportOptions { dry_run: true, skip_invalid: false }).unwrap();
    let tasks = |app: &showroom_core::Showroom, c: uuid::Uuid| -> Vec<Activity> {
        showroom_core::store::query(app.store().conn(), "WHERE customer_id = ?1", [c.to_string()]).unwrap()
    };
    assert!(tasks(&app, maria.id).is_empty());
    app.import_vehicles_csv(DMS.as_bytes(), ImportOptions::default()).unwrap();
    let got = tasks(&app, maria.id);
    assert_eq!(got.len(), 1, "one task for the RAV4 (in transit), none for the Buick or the Golf");
    let t = &got[0];
    assert_eq!(t.owner_id, Some(rep.id));
    assert!(t.subject.starts_with("Just arrived for Maria Harris: 2026 Toyota RAV4"), "{}", t.subject);
    assert!(t.subject.contains("fits 100%") && t.subject.contains("the model they asked for"), "{}", t.subject);
    assert!(t.message.starts_with("Hi Maria, a 2026 Toyota RAV4"), "{}", t.message);
    assert!(tasks(&app, tom.id).is_empty());

    // The same file again changes nothing and tells nobody twice; the RAV4 reaching the lot does.
    app.import_vehicles_csv(DMS.as_bytes(), ImportOptions::default()).unwrap();
    assert_eq!(tasks(&app, maria.id).len(), 1);
    let arrived = DMS.replace("In Transit,Port", "In Stock,Lot A");
    app.import_vehicles_csv(arrived.as_bytes(), ImportOptions::default()).unwrap();
    assert_eq!(tasks(&app, maria.id).len(), 2, "in transit → on the lot is an arrival too");
}

use showroom_core::demo::{DemoSize, load};
use showroom_core::domain::*;
use showroom_core::store::{Store, query};

fn small() -> DemoSize {
    DemoSize { vehicles: 40, reps: 3, customers: 120, leads: 150, interactions: 400, days: 548, seasons: [100; 12] }
}

#[test]
fn the_demo_is_deterministic_valid_and_unsynced() {
    let now = Timestamp::parse("2026-11-27T12:00:00Z").unwrap();
    let mut a = Store::open_in_memory().unwrap();
    let mut b = Store::open_in_memory().unwrap();
    let sa = load(&mut a, small(), 7, now).unwrap();
    load(&mut b, small(), 7, now).unwrap();
    assert_eq!(sa.customers, 120);
    let ca: Vec<Customer> = query(a.conn(), "ORDER BY rid", []).unwrap();
    let cb: Vec<Customer> = query(b.conn(), "ORDER BY rid", []).unwrap();
    assert_eq!(ca, cb, "same seed, same customers");
    // Every generated record passes the same validation a person's input does.
    let mut vehicles: Vec<Vehicle> = query(a.conn(), "", []).unwrap();
    assert_eq!(vehicles.len(), 40);
    for v in &mut vehicles {
        v.validate(2026).unwrap_or_else(|e| panic!("{} {e:?}", v.vin));
    }
    for c in &ca {
        let draft = CustomerDraft::from_customer(c);
        let (again, _) = draft.apply(c, "US", now.date()).unwrap_or_else(|e| panic!("{} {e:?}", c.display_name()));
        assert_eq!(&again, c);
    }
    let eighteen_months_ago = Timestamp::from_millis(now.millis() - 549 * 86_400_000);
    assert!(ca.iter().all(|c| c.created_at >= eighteen_months_ago && c.created_at <= now));
    assert_eq!(a.pending_changes().unwrap(), 0, "demo data is local, not synced");
    // A second load is refused.
    let err = load(&mut a, small(), 7, now).unwrap_err();
    assert!(err.to_string().contains("empty"), "{err}");
}

#[test]
fn the_full_demo_has_the_promised_size() {
    let mut app = showroom_core::Showroom::open_in_memory().unwrap();
    let s = app.load_demo().unwrap();
    assert_eq!(s.vehicles, 300);
    assert!(s.customers >= 2_000);
    assert_eq!(s.users, 9);
    let status = app.status().unwrap();
    assert!(status.onboarded);
    assert_eq!(status.dealership.as_deref(), Some("Lakeside Motors"));
    assert!(!app.search("toyota cam").unwrap().is_empty());
}

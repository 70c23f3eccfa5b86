//! Dealer groups on both stores: a group manager signs in to every rooftop of the group (its own
//! token and laptop store each), a rooftop's manager only to theirs; a rep finds a sister store's
//! car and asks for it, its manager approves and the car moves (every laptop follows, checksums
//! agree); a group manager moves a customer with their history to another rooftop.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Laptop, Shop, now, shop};
use showroom_core::domain::{Customer, CustomerDraft, Vehicle, VehicleStatus};
use showroom_core::sync::protocol::{CustomerMove, Rooftop, SignedIn, TransferDecision, TransferRequest};
use showroom_sync::storage::{Role, StorageError, User};
use showroom_sync::testpg::Kind;
use uuid::Uuid;

/// Lakeside Motors (Ana, Mia) and Hillside Auto (Ben a rep, Hal its manager) in the Lakeside
/// Group, Gina managing the group from Lakeside; Oakridge Cars outside any group (Otto).
struct Group {
    shop: Shop,
    ben: User,
    hal: User,
    gina: User,
    otto: User,
    lakeside: Uuid,
    hillside: Uuid,
    oakridge: Uuid,
}

const PASSWORD: &str = "correct horse battery";

fn group(kind: Kind) -> Group {
    let shop = shop(kind);
    let s = shop.state.storage.clone();
    s.create_group("Lakeside Group").unwrap();
    s.join_group("Lakeside Motors", "Lakeside Group").unwrap();
    let hillside = s.create_dealership("Hillside Auto").unwrap();
    s.join_group("hillside auto", "lakeside group").unwrap();
    let oakridge = s.create_dealership("Oakridge Cars").unwrap();
    let hash = showroom_sync::auth::hash_password(PASSWORD).unwrap();
    let ben = s.add_user(Some("Hillside Auto"), "ben", "Ben Carter", Role::Rep, &hash).unwrap();
    let hal = s.add_user(Some("Hillside Auto"), "hal", "Hal Moore", Role::Manager, &hash).unwrap();
    s.add_user(Some("Lakeside Motors"), "gina", "Gina Park", Role::Manager, &hash).unwrap();
    let otto = s.add_user(Some("Oakridge Cars"), "otto", "Otto Lund", Role::Manager, &hash).unwrap();
    // A rep cannot manage a group; a manager of a rooftop outside it cannot either.
    assert!(matches!(s.make_group_manager("ben", "Lakeside Group"), Err(StorageError::Invalid { .. })));
    assert!(matches!(s.make_group_manager("otto", "Lakeside Group"), Err(StorageError::Invalid { .. })));
    s.make_group_manager("gina", "Lakeside Group").unwrap();
    s.set_password("mia", &hash).unwrap();
    let gina = s.credentials("gina").unwrap().unwrap().0;
    assert!(gina.group_id.is_some());
    let lakeside = shop.ana.dealership_id;
    Group { shop, ben, hal, gina, otto, lakeside, hillside, oakridge }
}

impl Group {
    /// `user` acting in rooftop `d` (a group manager's laptop store for that rooftop).
    fn there(&self, user: &User, d: Uuid) -> Option<User> {
        self.shop.state.storage.rooftop_user(user, d).unwrap()
    }
}

fn customer(l: &mut Laptop, first: &str, last: &str) -> Customer {
    let email = format!("{}.{}@example.com", first.to_lowercase(), last.to_lowercase());
    l.app
        .create_customer(&CustomerDraft {
            first_name: first.into(),
            last_name: last.into(),
            email,
            ..Default::default()
        })
        .unwrap()
}

fn names(l: &Laptop) -> Vec<String> {
    let conn = l.app.store().conn();
    let mut stmt = conn
        .prepare("SELECT first_name || ' ' || last_name FROM customers WHERE deleted_at IS NULL ORDER BY 1")
        .unwrap();
    stmt.query_map([], |r| r.get::<_, String>(0)).unwrap().map(Result::unwrap).collect()
}

fn stock(l: &Laptop) -> Vec<(String, VehicleStatus)> {
    let all: Vec<Vehicle> = showroom_core::store::query(l.app.store().conn(), "ORDER BY stock_no", []).unwrap();
    all.into_iter().map(|v| (v.stock_no, v.status)).collect()
}

async fn sign_in(shop: &Shop, user: &str, dealership: Option<Uuid>) -> (StatusCode, String) {
    let mut body = serde_json::json!({"user": user, "password": PASSWORD, "device_id": Uuid::now_v7()});
    if let Some(d) = dealership {
        body["dealership"] = serde_json::json!(d);
    }
    let req = Request::post("/api/v1/sign-in")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let (status, _, text) = shop.call(req).await;
    (status, text)
}

async fn authed(
    shop: &Shop,
    method: &str,
    path: &str,
    token: &str,
    body: Option<serde_json::Value>,
) -> (StatusCode, String) {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
        .unwrap();
    let (status, _, text) = shop.call(req).await;
    (status, text)
}

async fn a_group_manager_signs_in_to_every_rooftop_of_the_group_and_a_rooftop_manager_only_to_theirs(kind: Kind) {
    let g = group(kind);
    let s = g.shop.state.storage.clone();
    // Each rooftop's rep keeps a customer.
    let mut ana = g.shop.laptop(&g.shop.ana);
    let mut ben = g.shop.laptop(&g.ben);
    customer(&mut ana, "Maria", "Harris");
    customer(&mut ben, "Tom", "Reyes");
    g.shop.sync(&mut ana).await;
    g.shop.sync(&mut ben).await;

    // Who may sign in where.
    let mia_sees: Vec<(String, bool)> =
        s.rooftops(&g.shop.mia).unwrap().into_iter().map(|r: Rooftop| (r.name, r.may_sign_in)).collect();
    assert_eq!(mia_sees, vec![("Hillside Auto".into(), false), ("Lakeside Motors".into(), true)]);
    let gina_sees: Vec<(String, bool)> =
        s.rooftops(&g.gina).unwrap().into_iter().map(|r| (r.name, r.may_sign_in)).collect();
    assert_eq!(gina_sees, vec![("Hillside Auto".into(), true), ("Lakeside Motors".into(), true)]);
    assert!(g.there(&g.shop.mia, g.hillside).is_none());
    assert!(g.there(&g.gina, g.oakridge).is_none(), "a rooftop outside the group stays closed");
    assert!(g.there(&g.otto, g.lakeside).is_none());

    // Over HTTP: the group manager signs in to the sister rooftop; the rooftop's manager cannot.
    let (status, text) = sign_in(&g.shop, "gina", Some(g.hillside)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let signed: SignedIn = serde_json::from_str(&text).unwrap();
    assert_eq!(signed.role, "manager");
    let (status, text) = sign_in(&g.shop, "mia", Some(g.hillside)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{text}");
    assert!(text.contains("dealership"), "{text}");
    // Gina's Hillside token pulls Hillside's customers, not Lakeside's.
    let (status, text) = authed(&g.shop, "GET", "/api/v1/pull?since=0", &signed.token, None).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(text.contains("Reyes") && !text.contains("Harris"), "{text}");

    // From her home token, a token for a sister rooftop's store (another device of hers).
    let (_, text) = sign_in(&g.shop, "gina", None).await;
    let home: SignedIn = serde_json::from_str(&text).unwrap();
    let (status, text) = authed(&g.shop, "GET", "/api/v1/rooftops", &home.token, None).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let listed: Vec<Rooftop> = serde_json::from_str(&text).unwrap();
    assert_eq!(listed.iter().filter(|r| r.current).map(|r| r.name.as_str()).collect::<Vec<_>>(), ["Lakeside Motors"]);
    let path = format!("/api/v1/rooftops/{}/token", g.hillside);
    let device = serde_json::json!({"device_id": Uuid::now_v7()});
    let (status, text) = authed(&g.shop, "POST", &path, &home.token, Some(device.clone())).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let sister: SignedIn = serde_json::from_str(&text).unwrap();
    let (_, text) = authed(&g.shop, "GET", "/api/v1/rooftops", &sister.token, None).await;
    let listed: Vec<Rooftop> = serde_json::from_str(&text).unwrap();
    assert_eq!(listed.iter().filter(|r| r.current).map(|r| r.name.as_str()).collect::<Vec<_>>(), ["Hillside Auto"]);
    let (_, text) = sign_in(&g.shop, "mia", None).await;
    let mia: SignedIn = serde_json::from_str(&text).unwrap();
    let (status, text) = authed(&g.shop, "POST", &path, &mia.token, Some(device)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{text}");

    // Her laptop keeps one store per rooftop: each holds its rooftop's customers, checksums agree.
    let gina_hill = g.there(&g.gina, g.hillside).unwrap();
    let mut hill = g.shop.laptop(&gina_hill);
    let r = g.shop.sync(&mut hill).await;
    assert!(r.mismatched.is_empty(), "{r:?}");
    assert_eq!(names(&hill), ["Tom Reyes"]);
    let mut home = g.shop.laptop(&g.gina);
    g.shop.sync(&mut home).await;
    assert_eq!(names(&home), ["Maria Harris"]);
    let mut mia = g.shop.laptop(&g.shop.mia);
    g.shop.sync(&mut mia).await;
    assert_eq!(names(&mia), ["Maria Harris"], "a rooftop's manager sees only theirs");
    // As Hillside's manager she edits there, and Ben sees it.
    let tom = hill.app.list_customers(&Default::default()).unwrap().items.remove(0);
    let mut edit = CustomerDraft { first_name: "Tom".into(), last_name: "Reyes".into(), ..Default::default() };
    edit.city = "Round Rock".into();
    edit.email = tom.email.clone().unwrap_or_default();
    edit.owner_id = tom.owner_id;
    hill.app.update_customer(tom.id, &edit).unwrap();
    let r = g.shop.sync(&mut hill).await;
    assert_eq!(r.refused, 0, "{r:?}");
    g.shop.sync(&mut ben).await;
    assert_eq!(ben.app.customer_detail(tom.id).unwrap().customer.city, "Round Rock");

    // A group manager who leaves the group loses the sister rooftops' tokens at once.
    s.set_disabled("gina", true).unwrap();
    let (status, _) = authed(&g.shop, "GET", "/api/v1/rooftops", &sister.token, None).await;
    assert_ne!(status, StatusCode::OK);
}

/// Hal (Hillside) stocks two cars; Mia (Lakeside) one.
async fn stocked(g: &Group) -> (Laptop, Laptop) {
    let mut hal = g.shop.laptop(&g.hal);
    let csv = "Stock #,VIN,Year,Make,Model,Trim,Internet Price\n\
               H100,2T3P1RFV2RC123456,2025,Toyota,RAV4,XLE,\"$33,900\"\n\
               H200,1HGCV1F3XPA012345,2024,Honda,Accord,EX,\"$28,500\"\n";
    let r = hal.app.import_vehicles_csv(csv.as_bytes(), Default::default()).unwrap();
    assert_eq!(r.created, 2, "{r:?}");
    g.shop.sync(&mut hal).await;
    let mut mia = g.shop.laptop(&g.shop.mia);
    let csv =
        "Stock #,VIN,Year,Make,Model,Trim,Internet Price\nL300,2T3P1RFV4RC654321,2025,Toyota,RAV4,LE,\"$31,200\"\n";
    let r = mia.app.import_vehicles_csv(csv.as_bytes(), Default::default()).unwrap();
    assert_eq!(r.created, 1, "{r:?}");
    g.shop.sync(&mut mia).await;
    (hal, mia)
}

async fn a_rep_finds_a_sister_stores_car_asks_for_it_and_its_manager_sends_it_over(kind: Kind) {
    let g = group(kind);
    let s = g.shop.state.storage.clone();
    let (mut hal, mut mia) = stocked(&g).await;
    let mut ana = g.shop.laptop(&g.shop.ana);
    g.shop.sync(&mut ana).await;
    assert_eq!(stock(&ana), [("L300".into(), VehicleStatus::Available)]);

    // Ana searches the group: Hillside's RAV4, not Lakeside's own, not Oakridge's.
    let found = s.group_inventory(&g.shop.ana, "rav4").unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].vehicle.stock_no.as_str(), found[0].dealership.as_str()), ("H100", "Hillside Auto"));
    assert_eq!(s.group_inventory(&g.shop.ana, "").unwrap().len(), 2);
    assert!(matches!(s.group_inventory(&g.otto, ""), Err(StorageError::Forbidden { .. })));
    let rav4 = found[0].vehicle.id;

    // She asks for it; Hal and Gina are told at their next sync.
    let req = TransferRequest { vehicle_id: rav4, note: "customer wants it by Friday".into() };
    let t = s.request_transfer(&g.shop.ana, &req, now()).unwrap();
    assert_eq!(
        (t.status.as_str(), t.from_dealership.as_str(), t.requested_by.as_str()),
        ("requested", "Hillside Auto", "Ana Ruiz")
    );
    assert!(s.group_inventory(&g.shop.ana, "rav4").unwrap()[0].requested);
    assert!(matches!(s.request_transfer(&g.shop.mia, &req, now()), Err(StorageError::Conflict { .. })), "asked once");
    let r = g.shop.sync(&mut hal).await;
    assert!(r.notices >= 1, "{r:?}");
    let told = hal.app.sync_notices().unwrap();
    assert!(
        told.iter().any(|n| n.message.contains("Ana Ruiz of Lakeside Motors asks for the 2025 Toyota RAV4 XLE")),
        "{told:?}"
    );
    assert_eq!(s.transfers(&g.hal).unwrap().len(), 1);
    assert_eq!(s.transfers(&g.gina).unwrap().len(), 1, "the group manager sees the group's");
    assert!(s.transfers(&g.otto).unwrap().is_empty());

    // Hal's second laptop cut the price offline before it heard anything.
    let mut hal_desk = g.shop.laptop(&g.hal);
    g.shop.sync(&mut hal_desk).await;

    // Only the owning rooftop's manager (or the group's) decides.
    let yes = TransferDecision { approve: true, reason: String::new() };
    assert!(matches!(s.decide_transfer(&g.shop.ana, t.id, &yes, now()), Err(StorageError::Forbidden { .. })));
    assert!(matches!(s.decide_transfer(&g.shop.mia, t.id, &yes, now()), Err(StorageError::Forbidden { .. })));
    let done = s.decide_transfer(&g.hal, t.id, &yes, now()).unwrap();
    assert_eq!((done.status.as_str(), done.decided_by.as_deref()), ("approved", Some("Hal Moore")));
    assert!(matches!(s.decide_transfer(&g.hal, t.id, &yes, now()), Err(StorageError::Conflict { .. })), "once");

    // The car is Lakeside's now, in transit; Hillside's laptops drop it.
    let r = g.shop.sync(&mut ana).await;
    assert!(r.mismatched.is_empty(), "{r:?}");
    assert_eq!(stock(&ana), [("H100".into(), VehicleStatus::InTransit), ("L300".into(), VehicleStatus::Available)]);
    assert!(ana.app.sync_notices().unwrap().iter().any(|n| n.message.contains("approved the transfer")));
    let moved: Vehicle =
        showroom_core::store::query(ana.app.store().conn(), "WHERE stock_no = 'H100'", []).unwrap().remove(0);
    assert_eq!(moved.price_cents, 3_390_000, "the car keeps its price");
    assert_eq!(moved.location, "In transit from Hillside Auto");
    let r = g.shop.sync(&mut mia).await;
    assert!(r.mismatched.is_empty(), "{r:?}");
    assert_eq!(stock(&mia).len(), 2);
    let r = g.shop.sync(&mut hal).await;
    assert!(r.mismatched.is_empty(), "{r:?}");
    assert_eq!(stock(&hal), [("H200".into(), VehicleStatus::Available)]);
    // The offline price cut reaches the server after the move: taken, dropped, the car evicted.
    let v: Vehicle =
        showroom_core::store::query(hal_desk.app.store().conn(), "WHERE stock_no = 'H100'", []).unwrap().remove(0);
    let cut = Vehicle { price_cents: 3_200_000, ..v.clone() };
    hal_desk.app.store_mut().write(|w| w.update(&v, &cut).map(|_| ())).unwrap();
    let r = g.shop.sync(&mut hal_desk).await;
    assert!(r.mismatched.is_empty() && r.refused == 0, "{r:?}");
    assert_eq!(stock(&hal_desk), [("H200".into(), VehicleStatus::Available)]);
    g.shop.sync(&mut ana).await;
    let still: Vehicle =
        showroom_core::store::query(ana.app.store().conn(), "WHERE stock_no = 'H100'", []).unwrap().remove(0);
    assert_eq!(still.price_cents, 3_390_000);

    // Declined with a reason; a car that is already here cannot be asked for.
    let accord = s.group_inventory(&g.shop.ana, "accord").unwrap()[0].vehicle.id;
    let t2 =
        s.request_transfer(&g.shop.ana, &TransferRequest { vehicle_id: accord, note: String::new() }, now()).unwrap();
    let no = TransferDecision { approve: false, reason: "sold at the show this weekend".into() };
    let d = s.decide_transfer(&g.gina, t2.id, &no, now()).unwrap();
    assert_eq!((d.status.as_str(), d.reason.as_str()), ("declined", "sold at the show this weekend"));
    let again = TransferRequest { vehicle_id: rav4, note: String::new() };
    assert!(matches!(s.request_transfer(&g.shop.ana, &again, now()), Err(StorageError::Invalid { .. })));
    // A rooftop outside the group cannot ask for a group's car.
    assert!(matches!(s.request_transfer(&g.otto, &again, now()), Err(StorageError::Forbidden { .. })));
}

async fn a_group_manager_moves_a_customer_with_their_history_to_a_sister_rooftop(kind: Kind) {
    let g = group(kind);
    let s = g.shop.state.storage.clone();
    let mut ben = g.shop.laptop(&g.ben);
    let maria = customer(&mut ben, "Maria", "Harris");
    customer(&mut ben, "Tom", "Reyes");
    let deal = ben
        .app
        .create_opportunity(&showroom_core::pipeline::OpportunityDraft {
            customer_id: maria.id,
            lead_id: None,
            vehicle_id: None,
            title: "RAV4 for the family".into(),
            amount: "33,900".into(),
            stage_id: None,
        })
        .unwrap();
    g.shop.sync(&mut ben).await;
    let mut hal = g.shop.laptop(&g.hal);
    g.shop.sync(&mut hal).await;
    assert_eq!(names(&hal), ["Maria Harris", "Tom Reyes"]);
    let mut ana = g.shop.laptop(&g.shop.ana);
    let mut mia = g.shop.laptop(&g.shop.mia);
    g.shop.sync(&mut ana).await;
    g.shop.sync(&mut mia).await;

    let to_ana = CustomerMove { to: g.lakeside, owner: g.shop.ana.id };
    // A rooftop's manager cannot move customers between rooftops; nor into another group.
    let hal_there = g.there(&g.hal, g.hillside).unwrap();
    assert!(matches!(s.move_customer(Some(&hal_there), maria.id, &to_ana, now()), Err(StorageError::Forbidden { .. })));
    let outside = CustomerMove { to: g.oakridge, owner: g.otto.id };
    assert!(matches!(s.move_customer(Some(&g.gina), maria.id, &outside, now()), Err(StorageError::Invalid { .. })));
    let wrong_owner = CustomerMove { to: g.lakeside, owner: g.ben.id };
    let e = s.move_customer(Some(&g.gina), maria.id, &wrong_owner, now()).unwrap_err();
    assert!(e.to_string().contains("owner"), "{e}");

    let moved = s.move_customer(Some(&g.gina), maria.id, &to_ana, now()).unwrap();
    assert_eq!((moved.from_dealership.as_str(), moved.to_dealership.as_str()), ("Hillside Auto", "Lakeside Motors"));
    assert!(moved.rows >= 2, "the customer and the deal: {moved:?}");

    // Ana has her, with the deal, as her own; Mia sees her; Hillside's laptops drop her.
    let r = g.shop.sync(&mut ana).await;
    assert!(r.mismatched.is_empty(), "{r:?}");
    assert_eq!(names(&ana), ["Maria Harris"]);
    let detail = ana.app.customer_detail(maria.id).unwrap();
    assert_eq!(detail.customer.owner_id, Some(g.shop.ana.id));
    let deals: Vec<showroom_core::domain::Opportunity> =
        showroom_core::store::query(ana.app.store().conn(), "WHERE customer_id = ?1", [maria.id.to_string()]).unwrap();
    assert_eq!(deals.len(), 1);
    assert_eq!((deals[0].id, deals[0].owner_id), (deal.id, Some(g.shop.ana.id)), "the deal follows, to Ana");
    assert!(
        ana.app
            .sync_notices()
            .unwrap()
            .iter()
            .any(|n| n.message.contains("Maria Harris moved here from Hillside Auto"))
    );
    let r = g.shop.sync(&mut mia).await;
    assert!(r.mismatched.is_empty(), "{r:?}");
    assert_eq!(names(&mia), ["Maria Harris"]);
    for l in [&mut ben, &mut hal] {
        let r = g.shop.sync(l).await;
        assert!(r.mismatched.is_empty(), "{r:?}");
        assert_eq!(names(l), ["Tom Reyes"]);
    }
    assert!(
        ben.app.sync_notices().unwrap().iter().any(|n| n.message.contains("Maria Harris moved to Lakeside Motors"))
    );
    // Ana works her as any customer of hers.
    let mut edit = CustomerDraft { first_name: "Maria".into(), last_name: "Harris".into(), ..Default::default() };
    edit.email = "maria.harris@example.com".into();
    edit.city = "Austin".into();
    edit.owner_id = Some(g.shop.ana.id);
    ana.app.update_customer(maria.id, &edit).unwrap();
    let r = g.shop.sync(&mut ana).await;
    assert_eq!(r.refused, 0, "{r:?}");
    g.shop.sync(&mut mia).await;
    assert_eq!(mia.app.customer_detail(maria.id).unwrap().customer.city, "Austin");
    // And she can go back, to Ben.
    let back = CustomerMove { to: g.hillside, owner: g.ben.id };
    s.move_customer(Some(&g.gina), maria.id, &back, now()).unwrap();
    let r = g.shop.sync(&mut ben).await;
    assert!(r.mismatched.is_empty(), "{r:?}");
    assert_eq!(names(&ben), ["Maria Harris", "Tom Reyes"]);
    assert_eq!(ben.app.customer_detail(maria.id).unwrap().customer.city, "Austin");
    let r = g.shop.sync(&mut ana).await;
    assert!(r.mismatched.is_empty(), "{r:?}");
    assert!(names(&ana).is_empty());
}

showroom_sync::on_both_stores!(
    a_group_manager_signs_in_to_every_rooftop_of_the_group_and_a_rooftop_manager_only_to_theirs,
    a_rep_finds_a_sister_stores_car_asks_for_it_and_its_manager_sends_it_over,
    a_group_manager_moves_a_customer_with_their_history_to_a_sister_rooftop,
);

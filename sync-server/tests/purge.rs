//! Deleted rows leave the server's store: purged once every device that still syncs has pulled
//! the deletion, dropped by every replica, and a laptop away longer re-syncs from the state
//! (its checksums then agree with the server's) keeping the edits it made while away.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;
use common::{Laptop, now, shop};
use showroom_core::domain::{Customer, CustomerDraft};
use showroom_core::leads::merge::MergeRequest;
use showroom_sync::testpg::Kind;
use uuid::Uuid;

fn customer(l: &mut Laptop, first: &str, last: &str, email: &str) -> Customer {
    l.app
        .create_customer(&CustomerDraft {
            first_name: first.into(),
            last_name: last.into(),
            email: email.into(),
            ..Default::default()
        })
        .unwrap()
}

/// Every customer row the laptop holds, deleted or not, by id.
fn rows(l: &Laptop) -> Vec<Uuid> {
    let conn = l.app.store().conn();
    let mut stmt = conn.prepare("SELECT id FROM customers ORDER BY id").unwrap();
    stmt.query_map([], |r| r.get::<_, String>(0)).unwrap().map(|id| id.unwrap().parse().unwrap()).collect()
}

async fn a_merged_away_customer_is_purged_everywhere_and_a_laptop_away_for_long_resyncs(kind: Kind) {
    let shop = shop(kind);
    let mut ana = shop.laptop(&shop.ana);
    let mut mia = shop.laptop(&shop.mia);
    // Ana's old laptop, left in a drawer after its last sync.
    let mut drawer = shop.laptop(&shop.ana);
    let keep = customer(&mut ana, "Maria", "Harris", "maria.harris@example.com");
    let twin = customer(&mut ana, "Maria", "Harris", "m.harris@example.com");
    let other = customer(&mut ana, "Tom", "Reyes", "tom.reyes@example.com");
    shop.sync(&mut ana).await;
    shop.sync(&mut mia).await;
    shop.sync(&mut drawer).await;
    assert_eq!(rows(&drawer).len(), 3);

    // Ana merges the duplicate: it becomes a tombstone (deleted, merged into Maria).
    ana.app.merge_customers(&MergeRequest { keep: keep.id, merge: twin.id, take: vec![] }).unwrap();
    shop.sync(&mut ana).await;
    shop.sync(&mut mia).await;
    let storage = shop.state.storage.clone();

    // The drawer laptop has not pulled the deletion and still counts: nothing is purged.
    let c = storage.compact(now() + 1, 0).unwrap();
    assert_eq!(c.purged.rows, 0, "a device that has not seen the deletion holds the purge back: {c:?}");
    assert!(rows(&ana).contains(&twin.id), "the tombstone stays on the laptops meanwhile");

    // Weeks later (here: a cutoff after the drawer laptop's last contact), the laptops in use
    // have all pulled it: the tombstone goes from the server…
    let away = now();
    std::thread::sleep(std::time::Duration::from_millis(5));
    shop.sync(&mut ana).await;
    shop.sync(&mut mia).await;
    let before = storage.log_size().unwrap().entries;
    let c = storage.compact(now() + 1, away).unwrap();
    assert_eq!(c.purged.rows, 1, "{c:?}");
    assert!(c.after.entries < before, "the row's history left the log: {before} → {c:?}");
    // …and from every laptop at its next sync, with checksums agreeing.
    for l in [&mut ana, &mut mia] {
        let r = shop.sync(l).await;
        assert!(r.mismatched.is_empty(), "{r:?}");
        assert_eq!(rows(l), {
            let mut v = vec![keep.id, other.id];
            v.sort();
            v
        });
    }
    // A laptop signing in now never hears of it.
    let mut fresh = shop.laptop(&shop.mia);
    shop.sync(&mut fresh).await;
    assert_eq!(rows(&fresh), rows(&mia));
    // Once every laptop in use has the purge, its note in the log goes too.
    shop.sync(&mut fresh).await;
    let c = storage.compact(now() + 1, away).unwrap();
    assert_eq!((c.purged.rows, c.purged.forgotten), (0, 1), "{c:?}");

    // The drawer laptop comes back, still holding the duplicate live, with a customer it added
    // offline. The server cannot tell it what it missed: it re-syncs from the state, drops the
    // purged row, keeps and sends its new customer, and its checksums agree.
    assert!(rows(&drawer).contains(&twin.id));
    let newcomer = customer(&mut drawer, "Lena", "Park", "lena.park@example.com");
    // It also edited the duplicate there: the edit does not bring the purged row back.
    let mut edit = CustomerDraft {
        first_name: "Maria".into(),
        last_name: "Harris".into(),
        email: "m.harris@example.com".into(),
        notes: "Called from the show".into(),
        ..Default::default()
    };
    edit.owner_id = Some(shop.ana.id);
    drawer.app.update_customer(twin.id, &edit).unwrap();
    let r = shop.sync(&mut drawer).await;
    assert!(r.mismatched.is_empty(), "{r:?}");
    assert!(r.evicted >= 1, "{r:?}");
    let mut expected = vec![keep.id, other.id, newcomer.id];
    expected.sort();
    assert_eq!(rows(&drawer), expected);
    shop.sync(&mut ana).await;
    assert_eq!(rows(&ana), expected, "the customer added in the drawer reached Ana's other laptop");
    let merged: Customer = ana.app.customer_detail(keep.id).unwrap().customer;
    assert_eq!(merged.email.as_deref(), Some("maria.harris@example.com"));
    // It syncs on normally afterwards.
    let r = shop.sync(&mut drawer).await;
    assert!(r.mismatched.is_empty() && r.evicted == 0, "{r:?}");
}

showroom_sync::on_both_stores!(a_merged_away_customer_is_purged_everywhere_and_a_laptop_away_for_long_resyncs);

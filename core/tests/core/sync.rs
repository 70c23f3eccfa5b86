//! Applying one device's changes on another, through the real stores.

use crate::{app, draft};
use showroom_core::Showroom;
use showroom_core::domain::CustomerDraft;
use showroom_core::store::outbox;
use showroom_core::sync::merge::FieldChange;

/// Everything a device recorded, as it would travel.
fn changes_of(app: &Showroom) -> Vec<FieldChange> {
    outbox(app.store().conn()).unwrap().into_iter().map(FieldChange::from).collect()
}

fn count(app: &Showroom, sql: &str) -> i64 {
    app.store().conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn a_customer_created_on_one_device_appears_whole_on_another() {
    let mut a = app();
    let mut b = app();
    let c = a.create_customer(&draft("Ana", "García", "ana@example.com", "(415) 555-2671")).unwrap();
    let batch = changes_of(&a);
    let r = b.store_mut().apply_remote(&batch).unwrap();
    assert_eq!((r.applied, r.pending_rows), (batch.len(), 0));
    assert_eq!(b.customer_detail(c.id).unwrap().customer, c);
    assert!(b.search("garc").unwrap().iter().any(|h| h.id == c.id), "indexed for search");
    assert_eq!(b.store().pending_changes().unwrap(), 0, "remote changes are not pushed back");
    // The same batch again changes nothing.
    let again = b.store_mut().apply_remote(&batch).unwrap();
    assert_eq!((again.applied, again.duplicates), (0, batch.len()));
    // A row that arrives in pieces waits until it is whole.
    let mut c2 = app();
    let half = batch.len() / 2;
    assert_eq!(c2.store_mut().apply_remote(&batch[..half]).unwrap().pending_rows, 1);
    assert!(c2.customer_detail(c.id).is_err());
    c2.store_mut().apply_remote(&batch[half..]).unwrap();
    assert_eq!(c2.customer_detail(c.id).unwrap().customer, c);
}

#[test]
fn edits_to_different_fields_both_survive_and_the_same_field_goes_to_the_later_clock() {
    let mut a = app();
    let mut b = app();
    let c = a.create_customer(&draft("Ben", "Okafor", "ben@example.com", "")).unwrap();
    b.store_mut().apply_remote(&changes_of(&a)).unwrap();
    let seen_a = changes_of(&a).len();

    // Offline, both edit: A the city and the notes, B the last name and (later) the notes.
    let mut da = CustomerDraft::from_customer(&c);
    da.city = "Austin".into();
    da.notes = "from A".into();
    a.update_customer(c.id, &da).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(5));
    let mut db = CustomerDraft::from_customer(&c);
    db.last_name = "Okafor-Mensah".into();
    db.notes = "from B".into();
    b.update_customer(c.id, &db).unwrap();

    let from_a: Vec<FieldChange> = changes_of(&a).into_iter().skip(seen_a).collect();
    let from_b = changes_of(&b);
    a.store_mut().apply_remote(&from_b).unwrap();
    b.store_mut().apply_remote(&from_a).unwrap();
    let (ca, cb) = (a.customer_detail(c.id).unwrap().customer, b.customer_detail(c.id).unwrap().customer);
    assert_eq!(ca, cb, "both devices converge");
    assert_eq!((ca.city.as_str(), ca.last_name.as_str(), ca.notes.as_str()), ("Austin", "Okafor-Mensah", "from B"));
    // A's losing note is in A's history, not gone.
    assert_eq!(count(&a, "SELECT count(*) FROM field_history WHERE field = 'notes' AND value = '\"from A\"'"), 1);
    assert_eq!(count(&b, "SELECT count(*) FROM field_history WHERE field = 'notes' AND value = '\"from A\"'"), 1);
}

#[test]
fn malformed_changes_are_refused_whole() {
    let mut a = app();
    let mut b = app();
    a.create_customer(&draft("Cara", "Nguyen", "cara@example.com", "")).unwrap();
    let mut batch = changes_of(&a);
    let good = batch.clone();
    batch[0].table = "spaceships".into();
    batch[1].field = "password".into();
    let err = b.store_mut().apply_remote(&batch).unwrap_err().to_string();
    assert!(err.contains("changes[0].table") && err.contains("changes[1].field"), "{err}");
    assert_eq!(count(&b, "SELECT count(*) FROM row_clocks"), 0);

    // A value of the wrong type for an existing row names the field; nothing of the batch stays.
    b.store_mut().apply_remote(&good).unwrap();
    let mut bad = good[0].clone();
    bad.change_id = uuid::Uuid::now_v7();
    bad.field = "consent".into();
    bad.value = serde_json::json!("yes please");
    bad.hlc.ms += 1_000;
    let bad_id = bad.change_id;
    let err = b.store_mut().apply_remote(&[bad]).unwrap_err().to_string();
    assert!(err.contains("customers.consent"), "{err}");
    let clocked = showroom_core::store::clocks::of_rows(b.store().conn(), "customers", None, None).unwrap();
    assert_eq!(clocked.len(), good.len());
    assert!(clocked.iter().all(|(_, _, c)| c.change_id != bad_id));
}

//! A push body on arbitrary bytes, as the server reads it: strict JSON, then the whole push
//! checked (shape, clocks, types, placement, the rule book) and applied to an in-memory server
//! store, as a rep and as a manager. Accepted or refused with named fields; never a panic, never
//! a half-stored push (the log only grows by whole pushes).
#![no_main]

use libfuzzer_sys::fuzz_target;
use showroom_core::sync::protocol::Push;
use showroom_sync::storage::{Role, SqliteStorage, Storage};

fuzz_target!(|bytes: &[u8]| {
    let Ok(push) = serde_json::from_slice::<Push>(bytes) else { return };
    let mut s = SqliteStorage::open_in_memory().unwrap();
    s.create_dealership("Lakeside").unwrap();
    let rep = s.add_user(None, "ana", "Ana", Role::Rep, "-").unwrap();
    let boss = s.add_user(None, "mia", "Mia", Role::Manager, "-").unwrap();
    let now = showroom_core::domain::Timestamp::now().millis() as u64;
    for user in [&rep, &boss] {
        let before = s.server_seq().unwrap();
        match s.push(user, &push, now) {
            Ok(ack) => assert!(ack.server_seq >= before && ack.acknowledged.len() == push.changes.len()),
            Err(_) => assert_eq!(s.server_seq().unwrap(), before, "a refused push stores nothing"),
        }
        let _ = s.pull(user, push.device_id, 0, 1000).unwrap();
    }
});

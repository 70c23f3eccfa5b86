//! A group manager's laptop syncing the group (feature `client`): its own rooftop (the engine's
//! round into the main store), then every sister rooftop it may sign in to, each into its own
//! store ([`crate::rooftops`]) with a token of its own, asked for with the main session's token
//! and kept inside that store. A rooftop the user may no longer sign in to is dropped from the
//! laptop. One rooftop failing does not stop the others.

use super::client::Client;
use super::engine;
use super::protocol::{CustomerMove, GroupVehicle, Moved, Transfer, TransferDecision, TransferRequest};
use super::round::{Session, StoreAccess, SyncError, SyncReport};
use crate::api::Showroom;
use crate::error::{CoreError, Result};
use crate::rooftops::{NAME, RooftopSynced, SESSION, SYNCED_AT};
use crate::store::Store;
use std::sync::Mutex;
use uuid::Uuid;

fn lock(app: &Mutex<Showroom>) -> Result<std::sync::MutexGuard<'_, Showroom>> {
    app.lock().map_err(|_| CoreError::Conflict("the database lock was poisoned; restart Showroom".into()))
}

/// A rooftop's store inside the shared app, for a round.
struct RooftopAccess<'a> {
    app: &'a Mutex<Showroom>,
    id: Uuid,
}

impl StoreAccess for RooftopAccess<'_> {
    fn with_store<T>(&mut self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        let mut app = lock(self.app)?;
        let store = app
            .rooftop_store_mut(self.id)
            .ok_or_else(|| CoreError::NotFound { entity: "rooftop", id: self.id.to_string() })?;
        f(store)
    }
}

fn now_text() -> String {
    crate::domain::Timestamp::now().to_string()
}

/// Syncs this laptop's rooftop and every sister rooftop the signed-in user may sign in to.
pub async fn sync_group(app: &Mutex<Showroom>) -> std::result::Result<Vec<RooftopSynced>, SyncError> {
    let Some(session) = lock(app)?.session()? else {
        return Err(SyncError::Local(CoreError::field("server", "not signed in to a sync server")));
    };
    let client = Client::new(&session.server)?;
    let mut out = Vec::new();
    let own = engine::sync_once(app).await;
    let rooftops = client.rooftops(&session).await?;
    let own_name = rooftops.iter().find(|r| r.current).map(|r| r.name.clone()).unwrap_or_default();
    {
        let guard = lock(app)?;
        if !own_name.is_empty() {
            guard.store().set_meta(NAME, &own_name)?;
        }
        if own.is_ok() {
            guard.store().set_meta(SYNCED_AT, &now_text())?;
        }
    }
    out.push(RooftopSynced {
        id: None,
        name: own_name,
        error: own.as_ref().err().map(ToString::to_string),
        report: own.ok(),
    });
    let sisters: Vec<_> = rooftops.into_iter().filter(|r| r.may_sign_in && !r.current).collect();
    // A rooftop the user may no longer sign in to leaves this laptop.
    let kept: Vec<Uuid> = lock(app)?.rooftop_list()?.into_iter().map(|r| r.0).collect();
    for id in kept.iter().filter(|id| !sisters.iter().any(|r| r.id == **id)) {
        lock(app)?.drop_rooftop(*id)?;
    }
    for r in sisters {
        let result = sync_rooftop(app, &client, &session, r.id, &r.name).await;
        if matches!(result, Err(SyncError::Wiped(_))) {
            lock(app)?.drop_rooftop(r.id)?;
        }
        out.push(RooftopSynced {
            id: Some(r.id),
            name: r.name,
            error: result.as_ref().err().map(ToString::to_string),
            report: result.ok(),
        });
    }
    Ok(out)
}

async fn sync_rooftop(
    app: &Mutex<Showroom>,
    client: &Client,
    home: &Session,
    id: Uuid,
    name: &str,
) -> std::result::Result<SyncReport, SyncError> {
    for attempt in 0..2 {
        let (device, saved) = {
            let mut guard = lock(app)?;
            let store = guard.rooftop_store(id, name)?;
            store.set_user(Some(home.user_id))?;
            let saved = store.meta(SESSION)?.and_then(|t| serde_json::from_str::<Session>(&t).ok());
            (store.device_id(), saved.filter(|s| s.server == home.server && s.user_id == home.user_id))
        };
        let session = match saved {
            Some(s) => s,
            None => {
                let s = client.rooftop_session(home, id, device).await?;
                let text = serde_json::to_string(&s).map_err(CoreError::from)?;
                lock(app)?.rooftop_store(id, name)?.set_meta(SESSION, &text)?;
                s
            }
        };
        match client.sync(RooftopAccess { app, id }, &session).await {
            Err(SyncError::Unauthorized(_)) if attempt == 0 => {
                // The rooftop's token expired or was revoked: ask for a new one once.
                lock(app)?.rooftop_store(id, name)?.delete_meta(SESSION)?;
            }
            Ok(report) => {
                lock(app)?.rooftop_store(id, name)?.set_meta(SYNCED_AT, &now_text())?;
                return Ok(report);
            }
            Err(e) => return Err(e),
        }
    }
    Err(SyncError::Unauthorized("the rooftop refused a new token".into()))
}

/// The main session and a client for it, or "not signed in".
fn signed_in(app: &Mutex<Showroom>) -> std::result::Result<(Client, Session), SyncError> {
    let Some(session) = lock(app)?.session()? else {
        return Err(SyncError::Local(CoreError::field("server", "not signed in to a sync server")));
    };
    Ok((Client::new(&session.server)?, session))
}

/// The sister rooftops' vehicles for sale matching `query` (asks the server: online only).
pub async fn inventory(app: &Mutex<Showroom>, query: &str) -> std::result::Result<Vec<GroupVehicle>, SyncError> {
    let (client, session) = signed_in(app)?;
    client.group_inventory(&session, query).await
}

/// The transfers from or to this rooftop (a group manager: the group's).
pub async fn transfers(app: &Mutex<Showroom>) -> std::result::Result<Vec<Transfer>, SyncError> {
    let (client, session) = signed_in(app)?;
    client.transfers(&session).await
}

/// Asks the sister rooftop that has `vehicle_id` for it.
pub async fn request_transfer(
    app: &Mutex<Showroom>,
    vehicle_id: Uuid,
    note: &str,
) -> std::result::Result<Transfer, SyncError> {
    let (client, session) = signed_in(app)?;
    client.request_transfer(&session, &TransferRequest { vehicle_id, note: note.trim().to_string() }).await
}

/// Approves or declines a transfer of one of this rooftop's vehicles.
pub async fn decide_transfer(
    app: &Mutex<Showroom>,
    id: Uuid,
    approve: bool,
    reason: &str,
) -> std::result::Result<Transfer, SyncError> {
    let (client, session) = signed_in(app)?;
    client.decide_transfer(&session, id, &TransferDecision { approve, reason: reason.trim().to_string() }).await
}

/// A group manager moves a customer to rooftop `to` (its name or id) and the salesperson `owner`
/// there (their email or name, from that rooftop's staff list on this laptop).
pub async fn move_customer(
    app: &Mutex<Showroom>,
    customer: Uuid,
    to: &str,
    owner: &str,
) -> std::result::Result<Moved, SyncError> {
    let (client, session) = signed_in(app)?;
    let rooftops = client.rooftops(&session).await?;
    let Some(target) =
        rooftops.iter().find(|r| r.name.eq_ignore_ascii_case(to.trim()) || r.id.to_string() == to.trim())
    else {
        let known = rooftops.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(", ");
        return Err(SyncError::Local(CoreError::field(
            "to",
            format!("no dealership {to:?} in your group; known: {known}"),
        )));
    };
    let owner_id = {
        let mut guard = lock(app)?;
        let store = if target.current { Some(guard.store_mut()) } else { guard.rooftop_store_mut(target.id) };
        let Some(store) = store else {
            return Err(SyncError::Local(CoreError::field(
                "to",
                "sync the group first: this laptop has no copy of that dealership",
            )));
        };
        let staff: Vec<crate::domain::User> = crate::store::query(store.conn(), "WHERE active = 1", [])?;
        let wanted = owner.trim();
        staff
            .iter()
            .find(|u| {
                u.email.eq_ignore_ascii_case(wanted)
                    || u.name.eq_ignore_ascii_case(wanted)
                    || u.id.to_string() == wanted
            })
            .map(|u| u.id)
            .ok_or_else(|| {
                SyncError::Local(CoreError::field(
                    "owner",
                    format!("no active salesperson {wanted:?} at {}", target.name),
                ))
            })?
    };
    client.move_customer(&session, customer, &CustomerMove { to: target.id, owner: owner_id }).await
}

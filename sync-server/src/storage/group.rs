//! Dealer groups: a group owns several dealerships (rooftops). A group manager (a manager whose
//! `group_id` is set) may sign in to any rooftop of the group, as its manager, each with its own
//! token and device (the laptop keeps one store per rooftop, so a group-level dashboard is the
//! rooftops' own dashboards side by side); a rooftop's own manager sees only theirs.
//!
//! Across rooftops: any user of a rooftop in a group searches the sister rooftops' inventory and
//! asks for a vehicle (a transfer); the owning rooftop's manager (or a group manager) approves,
//! and the vehicle moves. A group manager moves a customer, with everything in their partition,
//! to another rooftop. A move is [`Conn::relocate`]: the rows' state goes to the new rooftop and
//! is delivered there as changes; the old rooftop gets a purge note for each row (every laptop
//! drops it; a late edit made there offline is taken and dropped, as for a purged row).

use super::db::{Db, DbExt, Mode, OptionalExt, begin, params};
use super::intake::row_json;
use super::portal::entity;
use super::{Conn, LogEntry, Result, Role, StorageError, User, lock, now_text, parse_id, set_meta};
use serde_json::{Map, Value};
use showroom_core::domain::{Vehicle, VehicleStatus};
use showroom_core::error::FieldError;
use showroom_core::sync::protocol::{
    CustomerMove, GroupVehicle, Moved, Rooftop, Transfer, TransferDecision, TransferRequest,
};
use showroom_core::sync::rules;
use uuid::Uuid;

/// The most vehicles one inventory search answers.
pub const INVENTORY_LIMIT: usize = 200;

/// `user` acting in rooftop `d` (the same person, the rooftop's log and state).
pub fn as_rooftop(user: &User, d: Uuid) -> User {
    User { dealership_id: d, ..user.clone() }
}

fn invalid(field: &str, message: impl Into<String>) -> StorageError {
    let message = message.into();
    StorageError::Invalid { message: format!("{field}: {message}"), fields: vec![FieldError::new(field, message)] }
}

fn forbidden(field: &str, message: impl Into<String>) -> StorageError {
    let message = message.into();
    StorageError::Forbidden { message: format!("{field}: {message}"), fields: vec![FieldError::new(field, message)] }
}

fn conflict(field: &str, message: impl Into<String>) -> StorageError {
    let message = message.into();
    StorageError::Conflict { message: format!("{field}: {message}"), fields: vec![FieldError::new(field, message)] }
}

/// A dealership's name and group.
fn dealership(db: &dyn Db, d: &str) -> Result<Option<(String, Option<String>)>> {
    db.prepare_cached("SELECT name, group_id FROM dealerships WHERE id = ?1")?
        .query_row([d], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
}

fn group_of(db: &dyn Db, d: Uuid) -> Result<Option<String>> {
    Ok(dealership(db, &d.to_string())?.and_then(|(_, g)| g))
}

fn name_of(db: &dyn Db, d: &str) -> Result<String> {
    Ok(dealership(db, d)?.map(|(n, _)| n).unwrap_or_default())
}

fn user_name(db: &dyn Db, id: &str) -> Result<String> {
    Ok(db
        .prepare_cached("SELECT name FROM users WHERE id = ?1")?
        .query_row([id], |r| r.get::<String>(0))
        .optional()?
        .unwrap_or_default())
}

/// A notice for `to`, logged in rooftop `d`, about row `table`/`row`.
#[allow(clippy::too_many_arguments)]
fn notice(
    db: &dyn Db,
    user: &User,
    now_ms: u64,
    d: Uuid,
    to: &str,
    table: &str,
    row: &str,
    kind: &str,
    message: &str,
) -> Result<()> {
    let body = serde_json::json!({"kind": kind, "message": message});
    let e = LogEntry {
        kind: "notice",
        table,
        row_id: row,
        value: Some(body.to_string()),
        partition: None,
        audience: Some(to),
        author: None,
    };
    Conn::log(db, &as_rooftop(user, d), None, now_ms, e)?;
    Ok(())
}

/// The active managers of rooftop `d`, and the group managers of its group.
fn managers_of(db: &dyn Db, d: &str) -> Result<Vec<String>> {
    db.prepare_cached(
        "SELECT id FROM users WHERE disabled = 0 AND role = 'manager'
           AND (dealership_id = ?1 OR group_id = (SELECT group_id FROM dealerships WHERE id = ?1))
         ORDER BY id",
    )?
    .query_map([d], |r| r.get(0))?
    .collect()
}

fn vehicle_label(v: &Vehicle) -> String {
    if v.stock_no.is_empty() { v.title() } else { format!("{} · stock {}", v.title(), v.stock_no) }
}

impl Conn {
    /// `user` acting in rooftop `d`, when they may: `d` is their own, or a rooftop of the group
    /// they manage.
    pub(super) fn as_rooftop_of(&self, user: &User, d: Uuid) -> Result<Option<User>> {
        if d == user.dealership_id {
            return Ok(Some(user.clone()));
        }
        let Some(g) = user.group_id else { return Ok(None) };
        let same = group_of(&*self.conn, d)?.is_some_and(|dg| dg == g.to_string());
        Ok(same.then(|| User { role: Role::Manager, ..as_rooftop(user, d) }))
    }

    pub(super) fn create_group(&mut self, name: &str) -> Result<Uuid> {
        let name = name.trim();
        if name.is_empty() {
            return Err(invalid("group", "a name is required"));
        }
        if self.group_id(name).is_ok() {
            return Err(conflict("group", format!("{name:?} exists")));
        }
        let id = Uuid::now_v7();
        self.conn.execute("INSERT INTO dealer_groups (id, name) VALUES (?1, ?2)", params![id.to_string(), name])?;
        Ok(id)
    }

    fn group_id(&self, name: &str) -> Result<Uuid> {
        let all: Vec<(String, String)> = self
            .conn
            .prepare("SELECT id, name FROM dealer_groups ORDER BY name")?
            .query_map((), |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_>>()?;
        match all.iter().find(|(_, n)| n.eq_ignore_ascii_case(name.trim())) {
            Some((id, _)) => parse_id(id),
            None => {
                let known = all.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join(", ");
                Err(StorageError::NotFound(format!("group: no group {name:?}; known: {known}")))
            }
        }
    }

    /// Puts dealership `d` (by name) in group `g` (by name).
    pub(super) fn join_group(&mut self, d: &str, g: &str) -> Result<()> {
        let d = self.dealership_id(Some(d))?;
        let g = self.group_id(g)?;
        self.conn
            .execute("UPDATE dealerships SET group_id = ?2 WHERE id = ?1", params![d.to_string(), g.to_string()])?;
        Ok(())
    }

    /// Makes the manager `login` a group manager of group `g`: their home rooftop must be in it.
    pub(super) fn make_group_manager(&mut self, login: &str, g: &str) -> Result<()> {
        let g = self.group_id(g)?;
        let Some((user, _)) = self.user_by("login", login)? else {
            return Err(StorageError::NotFound(format!("login: no user {login:?}")));
        };
        if user.role != Role::Manager {
            return Err(invalid("role", "only a manager can manage a group"));
        }
        if group_of(&*self.conn, user.dealership_id)? != Some(g.to_string()) {
            return Err(invalid("group", "the user's own dealership is not in this group"));
        }
        self.conn
            .execute("UPDATE users SET group_id = ?2 WHERE id = ?1", params![user.id.to_string(), g.to_string()])?;
        Ok(())
    }

    pub(super) fn groups(&self) -> Result<Vec<(Uuid, String, Vec<String>)>> {
        let all: Vec<(String, String)> = self
            .conn
            .prepare("SELECT id, name FROM dealer_groups ORDER BY name")?
            .query_map((), |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_>>()?;
        all.into_iter()
            .map(|(id, name)| {
                let rooftops: Vec<String> = self
                    .conn
                    .prepare_cached("SELECT name FROM dealerships WHERE group_id = ?1 ORDER BY name")?
                    .query_map([&id], |r| r.get(0))?
                    .collect::<Result<_>>()?;
                Ok((parse_id(&id)?, name, rooftops))
            })
            .collect()
    }

    /// The caller's rooftop and its group's others, each saying whether the caller may sign in.
    pub(super) fn rooftops(&self, user: &User) -> Result<Vec<Rooftop>> {
        let here = user.dealership_id.to_string();
        let home_group = group_of(&*self.conn, user.dealership_id)?;
        let rows: Vec<(String, String, Option<String>)> = self
            .conn
            .prepare_cached(
                "SELECT d.id, d.name, g.name FROM dealerships d LEFT JOIN dealer_groups g ON g.id = d.group_id
                 WHERE d.id = ?1 OR (d.group_id IS NOT NULL AND d.group_id = ?2) ORDER BY d.name",
            )?
            .query_map(params![here, home_group], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_>>()?;
        rows.into_iter()
            .map(|(id, name, group)| {
                let d = parse_id(&id)?;
                Ok(Rooftop {
                    id: d,
                    name,
                    group,
                    current: id == here,
                    may_sign_in: self.as_rooftop_of(user, d)?.is_some(),
                })
            })
            .collect()
    }

    /// The sister rooftops' vehicles for sale matching every word of `query` (VIN, stock number,
    /// year, make, model, trim, colour), newest arrivals first, at most [`INVENTORY_LIMIT`].
    pub(super) fn group_inventory(&self, user: &User, query: &str) -> Result<Vec<GroupVehicle>> {
        let Some(g) = group_of(&*self.conn, user.dealership_id)? else {
            return Err(forbidden("group", "this dealership is not part of a dealer group"));
        };
        let sisters: Vec<(String, String)> = self
            .conn
            .prepare_cached("SELECT id, name FROM dealerships WHERE group_id = ?1 AND id <> ?2 ORDER BY name")?
            .query_map([&g, &user.dealership_id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_>>()?;
        let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
        let mut found = Vec::new();
        for (d, name) in sisters {
            let ids: Vec<String> = self
                .conn
                .prepare_cached("SELECT row_id FROM rows WHERE dealership_id = ?1 AND tbl = 'vehicles'")?
                .query_map([&d], |r| r.get(0))?
                .collect::<Result<_>>()?;
            for id in ids {
                let Some(v) = entity::<Vehicle>(&*self.conn, &d, "vehicles", &id)? else { continue };
                if v.deleted_at.is_some() || !matches!(v.status, VehicleStatus::Available | VehicleStatus::InTransit) {
                    continue;
                }
                let terms = v.search_terms().to_lowercase();
                if !words.iter().all(|w| terms.contains(w.as_str())) {
                    continue;
                }
                let requested = self
                    .conn
                    .prepare_cached("SELECT 1 FROM transfers WHERE vehicle_id = ?1 AND status = 'requested'")?
                    .exists([&id])?;
                found.push(GroupVehicle {
                    vehicle: v,
                    dealership_id: parse_id(&d)?,
                    dealership: name.clone(),
                    requested,
                });
            }
        }
        found.sort_by(|a, b| {
            b.vehicle.received_at.cmp(&a.vehicle.received_at).then_with(|| a.vehicle.id.cmp(&b.vehicle.id))
        });
        found.truncate(INVENTORY_LIMIT);
        Ok(found)
    }

    /// A rep (or manager) asks a sister rooftop for one of its vehicles: its managers are told.
    pub(super) fn request_transfer(&mut self, user: &User, req: &TransferRequest, now_ms: u64) -> Result<Transfer> {
        if req.note.chars().count() > 2_000 {
            return Err(invalid("note", "at most 2,000 characters"));
        }
        let tx = begin(&*self.conn, Mode::Write)?;
        let Some(g) = group_of(&tx, user.dealership_id)? else {
            return Err(forbidden("group", "this dealership is not part of a dealer group"));
        };
        let vid = req.vehicle_id.to_string();
        let owner: Option<String> = tx
            .prepare_cached(
                "SELECT r.dealership_id FROM rows r JOIN dealerships d ON d.id = r.dealership_id
                 WHERE r.tbl = 'vehicles' AND r.row_id = ?1 AND d.group_id = ?2",
            )?
            .query_row([&vid, &g], |r| r.get(0))
            .optional()?;
        let Some(from) = owner else {
            return Err(StorageError::NotFound("vehicle_id: no vehicle of this group has that id".into()));
        };
        if from == user.dealership_id.to_string() {
            return Err(invalid("vehicle_id", "the vehicle is already in this dealership's stock"));
        }
        let Some(v) = entity::<Vehicle>(&tx, &from, "vehicles", &vid)? else {
            return Err(StorageError::NotFound("vehicle_id: no vehicle of this group has that id".into()));
        };
        if v.deleted_at.is_some() || v.status != VehicleStatus::Available {
            return Err(conflict("vehicle_id", format!("the vehicle is {:?}, not available", v.status).to_lowercase()));
        }
        if tx
            .prepare_cached("SELECT 1 FROM transfers WHERE vehicle_id = ?1 AND status = 'requested'")?
            .exists([&vid])?
        {
            return Err(conflict("vehicle_id", "a transfer of this vehicle is already requested"));
        }
        let id = Uuid::now_v7();
        let label = vehicle_label(&v);
        tx.execute(
            "INSERT INTO transfers (id, group_id, vehicle_id, vehicle, from_dealership, to_dealership, requested_by,
                                    requested_ms, note)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                id.to_string(),
                g,
                vid,
                label,
                from,
                user.dealership_id.to_string(),
                user.id.to_string(),
                now_ms as i64,
                req.note.trim()
            ],
        )?;
        let here = name_of(&tx, &user.dealership_id.to_string())?;
        let message = format!("{} of {here} asks for the {label}", user.name);
        for m in managers_of(&tx, &from)? {
            notice(&tx, user, now_ms, parse_id(&from)?, &m, "vehicles", &vid, "transfer_requested", &message)?;
        }
        let t = transfer(&tx, &id.to_string())?;
        tx.commit()?;
        Ok(t)
    }

    /// The transfers from or to the caller's rooftop (for a group manager: the whole group's),
    /// open ones first, newest first.
    pub(super) fn transfers(&self, user: &User) -> Result<Vec<Transfer>> {
        let here = user.dealership_id.to_string();
        let group = user.group_id.map(|g| g.to_string());
        let ids: Vec<String> = self
            .conn
            .prepare_cached(
                "SELECT id FROM transfers WHERE from_dealership = ?1 OR to_dealership = ?1 OR group_id = ?2
                 ORDER BY status <> 'requested', requested_ms DESC, id",
            )?
            .query_map(params![here, group], |r| r.get(0))?
            .collect::<Result<_>>()?;
        ids.iter().map(|id| transfer(&*self.conn, id)).collect()
    }

    /// The owning rooftop's manager (or a group manager) approves or declines a transfer; on
    /// approval the vehicle moves to the asking rooftop, in transit.
    pub(super) fn decide_transfer(
        &mut self,
        user: &User,
        id: Uuid,
        decision: &TransferDecision,
        now_ms: u64,
    ) -> Result<Transfer> {
        let tx = begin(&*self.conn, Mode::Write)?;
        type Open = (String, String, String, String, String, String);
        let found: Option<Open> = tx
            .prepare_cached(
                "SELECT status, vehicle_id, from_dealership, to_dealership, requested_by, group_id FROM transfers
                 WHERE id = ?1",
            )?
            .query_row([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
            .optional()?;
        let Some((status, vid, from, to, requester, g)) = found else {
            return Err(StorageError::NotFound("transfer: no such transfer".into()));
        };
        let group_manager = user.group_id.is_some_and(|ug| ug.to_string() == g);
        let owner_manager = user.role == Role::Manager && user.dealership_id.to_string() == from;
        if !(group_manager || owner_manager) {
            return Err(forbidden("transfer", "only a manager of the dealership that has the vehicle decides"));
        }
        if status != "requested" {
            return Err(conflict("transfer", format!("the transfer was {status} already")));
        }
        let (from_id, to_id) = (parse_id(&from)?, parse_id(&to)?);
        let label: String = tx
            .prepare_cached("SELECT vehicle FROM transfers WHERE id = ?1")?
            .query_row([id.to_string()], |r| r.get(0))?;
        let from_name = name_of(&tx, &from)?;
        if decision.approve {
            let Some(v) = entity::<Vehicle>(&tx, &from, "vehicles", &vid)? else {
                return Err(conflict("transfer", "the vehicle is no longer in stock there"));
            };
            if v.deleted_at.is_some() || v.status != VehicleStatus::Available {
                return Err(conflict("transfer", format!("the vehicle is {:?} now", v.status).to_lowercase()));
            }
            let vrow = vec![("vehicles".to_string(), vid.clone())];
            Self::relocate(&tx, user, from_id, to_id, &vrow, None, now_ms)?;
            let mut fields = Map::new();
            fields.insert("status".into(), serde_json::to_value(VehicleStatus::InTransit)?);
            fields.insert("location".into(), Value::String(format!("In transit from {from_name}")));
            let vuuid = parse_id(&vid)?;
            Self::server_write(&tx, &mut lock(&self.clock), &as_rooftop(user, to_id), "vehicles", vuuid, None, fields)?;
            set_meta(&tx, "hlc", &lock(&self.clock).last().to_string())?;
        }
        let status = if decision.approve { "approved" } else { "declined" };
        tx.execute(
            "UPDATE transfers SET status = ?2, decided_by = ?3, decided_ms = ?4, reason = ?5 WHERE id = ?1",
            params![id.to_string(), status, user.id.to_string(), now_ms as i64, decision.reason.trim()],
        )?;
        let message = match (decision.approve, decision.reason.trim()) {
            (true, _) => format!("{from_name} approved the transfer of the {label}: it is on its way"),
            (false, "") => format!("{from_name} declined the transfer of the {label}"),
            (false, why) => format!("{from_name} declined the transfer of the {label}: {why}"),
        };
        notice(&tx, user, now_ms, to_id, &requester, "vehicles", &vid, &format!("transfer_{status}"), &message)?;
        let t = transfer(&tx, &id.to_string())?;
        tx.commit()?;
        Ok(t)
    }

    /// Moves a customer's partition (the customer and every row placed with them) to another
    /// rooftop of the group, to `mv.owner` there. `by` is a group manager, or `None` for the admin
    /// command.
    pub(super) fn move_customer(
        &mut self,
        by: Option<&User>,
        customer: Uuid,
        mv: &CustomerMove,
        now_ms: u64,
    ) -> Result<Moved> {
        let tx = begin(&*self.conn, Mode::Write)?;
        let cid = customer.to_string();
        let placed: Option<(String, Option<String>)> = tx
            .prepare_cached("SELECT dealership_id, partition_id FROM rows WHERE tbl = 'customers' AND row_id = ?1")?
            .query_row([&cid], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((from, Some(p))) = placed else {
            return Err(StorageError::NotFound("customer: no customer has that id".into()));
        };
        let from_id = parse_id(&from)?;
        let g = group_of(&tx, from_id)?;
        let to = mv.to.to_string();
        if mv.to == from_id {
            return Err(invalid("to", "the customer is already at this dealership"));
        }
        if g.is_none() || group_of(&tx, mv.to)? != g {
            return Err(invalid("to", "not a dealership of the customer's dealer group"));
        }
        if let Some(u) = by
            && u.group_id.map(|x| x.to_string()) != g
        {
            return Err(forbidden(
                "customer",
                "only a manager of the dealer group moves customers between dealerships",
            ));
        }
        let owner = mv.owner.to_string();
        let owner_ok = tx
            .prepare_cached("SELECT 1 FROM users WHERE id = ?1 AND dealership_id = ?2 AND disabled = 0")?
            .exists([&owner, &to])?;
        if !owner_ok {
            return Err(invalid("owner", "not an active salesperson of the dealership the customer goes to"));
        }
        let actor = match by {
            Some(u) => u.clone(),
            None => super::portal::portal_user(from_id),
        };
        let deleted = row_json(&tx, &from, "customers", &cid)?
            .and_then(|m| m.get("deleted_at").cloned())
            .is_some_and(|v| !v.is_null());
        if deleted {
            return Err(conflict("customer", "the customer was deleted (merged into another)"));
        }
        let rows: Vec<(String, String)> = tx
            .prepare_cached(super::PARTITION_ROWS)?
            .query_map([&from, &p], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_>>()?;
        let former: Option<String> = tx
            .prepare_cached(
                "SELECT (SELECT id FROM short_ids WHERE n = p.owner) FROM partitions p
                 WHERE p.dealership = (SELECT n FROM short_ids WHERE id = ?1) AND p.id = ?2",
            )?
            .query_row([&from, &p], |r| r.get(0))
            .optional()?
            .flatten();
        Self::relocate(&tx, &actor, from_id, mv.to, &rows, Some(&p), now_ms)?;
        let creator = actor.id.to_string();
        for id in [&creator, &owner] {
            tx.execute(super::SHORT_ID, [id])?;
        }
        tx.execute(
            "INSERT INTO partitions (dealership, id, owner, creator)
             VALUES ((SELECT n FROM short_ids WHERE id = ?1), ?2, (SELECT n FROM short_ids WHERE id = ?3),
                     (SELECT n FROM short_ids WHERE id = ?4))
             ON CONFLICT (dealership, id) DO UPDATE SET owner = excluded.owner",
            params![to, p, owner, creator],
        )?;
        // Fields naming the old rooftop's staff name the new owner (a split's second rep: nobody).
        let staff: std::collections::BTreeSet<String> = tx
            .prepare_cached("SELECT id FROM users WHERE dealership_id = ?1")?
            .query_map([&to], |r| r.get(0))?
            .collect::<Result<_>>()?;
        let there = as_rooftop(&actor, mv.to);
        for (table, row) in &rows {
            let Some(r) = rules::table(table) else { continue };
            let Some(current) = row_json(&tx, &to, table, row)? else { continue };
            let mut fix = Map::new();
            for f in r.user_fields.iter().chain(r.owner_field.iter()) {
                let names = current.get(*f).and_then(Value::as_str).map(str::to_string);
                if names.as_ref().is_some_and(|u| !staff.contains(u)) {
                    let v = if *f == "co_owner_id" { Value::Null } else { Value::String(owner.clone()) };
                    fix.insert((*f).to_string(), v);
                }
            }
            if !fix.is_empty() {
                let id = parse_id(row)?;
                Self::server_write(&tx, &mut lock(&self.clock), &there, table, id, Some(&p), fix)?;
            }
        }
        set_meta(&tx, "hlc", &lock(&self.clock).last().to_string())?;
        let name = customer_name(&tx, &to, &cid)?;
        let (from_name, to_name) = (name_of(&tx, &from)?, name_of(&tx, &to)?);
        let message = format!("{name} moved here from {from_name}; you are their salesperson");
        notice(&tx, &actor, now_ms, mv.to, &owner, "customers", &cid, "customer_moved", &message)?;
        if let Some(old) = former {
            notice(
                &tx,
                &actor,
                now_ms,
                from_id,
                &old,
                "customers",
                &cid,
                "customer_moved",
                &format!("{name} moved to {to_name}"),
            )?;
        }
        tx.commit()?;
        Ok(Moved { customer_id: customer, from_dealership: from_name, to_dealership: to_name, rows: rows.len() as u64 })
    }

    /// Moves `rows` (all in `partition`) from rooftop `from` to `to`: their state and placement
    /// go over and are delivered there as changes; at `from` their history goes and a purge note
    /// makes every laptop drop them (a late edit there is taken and dropped, see `purged`).
    pub(super) fn relocate(
        tx: &dyn Db,
        actor: &User,
        from: Uuid,
        to: Uuid,
        rows: &[(String, String)],
        partition: Option<&str>,
        now_ms: u64,
    ) -> Result<()> {
        let (f, t) = (from.to_string(), to.to_string());
        for (table, row) in rows {
            // (A row that was here before and came back keeps the partition its entries were
            // written in.)
            tx.prepare_cached(super::NAME_ENTRIES)?.execute([&t, table, row])?;
            tx.prepare_cached(&RELOCATE_ROW)?.execute(params![table, row, t, partition])?;
            tx.prepare_cached(
                "INSERT INTO state_fields (rid, fid, value, w)
                 SELECT (SELECT id FROM rows WHERE dealership_id = ?4 AND tbl = ?2 AND row_id = ?3), fid, value, w
                 FROM state WHERE dealership_id = ?1 AND tbl = ?2 AND row_id = ?3
                 ON CONFLICT (rid, fid) DO UPDATE SET value = excluded.value, w = excluded.w",
            )?
            .execute([&f, table, row, &t])?;
            // The row's history goes (first: an entry by reference finds its row by number).
            let history: Vec<(Option<String>, i64)> = tx
                .prepare_cached(
                    "DELETE FROM log_entries WHERE dealership = (SELECT n FROM short_ids WHERE id = ?1)
                       AND ((tbl = ?2 AND row_id = ?3)
                         OR (tbl = '' AND rid = (SELECT id FROM rows WHERE dealership_id = ?1 AND tbl = ?2 AND row_id = ?3)))
                       AND kind IN ('change', 'copy', 'refused', 'evict')
                     RETURNING COALESCE(change_id, (SELECT write_id FROM writes WHERE id = log_entries.w_from / 256)), seq",
                )?
                .query_map([&f, table, row], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_>>()?;
            let mut forget = tx.prepare_cached("DELETE FROM seen WHERE write_id = ?1 AND seq = ?2")?;
            for (write, seq) in history.iter().filter_map(|(w, s)| w.as_ref().map(|w| (w, s))) {
                forget.execute(params![super::write_key_of(write)?, seq])?;
            }
            drop(forget);
            tx.prepare_cached(
                "DELETE FROM state_fields
                 WHERE rid = (SELECT id FROM rows WHERE dealership_id = ?1 AND tbl = ?2 AND row_id = ?3)",
            )?
            .execute([&f, table, row])?;
            tx.prepare_cached(
                "DELETE FROM row_records
                 WHERE dealership = (SELECT n FROM short_ids WHERE id = ?1) AND tbl = ?2 AND row_id = ?3",
            )?
            .execute([&f, table, row])?;
            tx.prepare_cached("DELETE FROM purged WHERE dealership_id = ?1 AND tbl = ?2 AND row_id = ?3")?
                .execute([&t, table, row])?;
            tx.prepare_cached(
                "INSERT INTO log_entries (kind, tbl, row_id, dealership, partition_id, received_ms)
                 VALUES ('purge', ?1, ?2, (SELECT n FROM short_ids WHERE id = ?3), ?4, ?5)",
            )?
            .execute(params![table, row, f, partition, now_ms as i64])?;
            tx.prepare_cached(
                "INSERT INTO purged (dealership_id, tbl, row_id) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            )?
            .execute([&f, table, row])?;
        }
        if let Some(p) = partition {
            for sql in [
                "DELETE FROM partitions WHERE dealership = (SELECT n FROM short_ids WHERE id = ?1) AND id = ?2",
                "DELETE FROM grants WHERE dealership_id = ?1 AND partition_id = ?2",
                "DELETE FROM moves WHERE dealership_id = ?1 AND partition_id = ?2",
            ] {
                tx.prepare_cached(sql)?.execute([&f, p])?;
            }
        }
        Self::hand_over(tx, &as_rooftop(actor, to), now_ms, rows, partition, None, None)
    }
}

/// Row `?2` of table `?1` in dealership `?3`, in partition `?4` (made, or moved there).
static RELOCATE_ROW: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "INSERT INTO row_records (tbl, row_id, dealership, partition_id)
         VALUES (?1, ?2, (SELECT n FROM short_ids WHERE id = ?3), {})
         ON CONFLICT (dealership, tbl, row_id) DO UPDATE SET partition_id = excluded.partition_id",
        super::ROW_PARTITION
    )
});

fn customer_name(db: &dyn Db, d: &str, id: &str) -> Result<String> {
    let m = row_json(db, d, "customers", id)?.unwrap_or_default();
    let get = |f: &str| m.get(f).and_then(Value::as_str).unwrap_or("").trim().to_string();
    let name = format!("{} {}", get("first_name"), get("last_name")).trim().to_string();
    Ok(if name.is_empty() { "A customer".into() } else { name })
}

fn transfer(db: &dyn Db, id: &str) -> Result<Transfer> {
    type Raw =
        (String, String, String, String, String, String, i64, String, String, Option<String>, Option<i64>, String);
    let r: Raw = db
        .prepare_cached(
            "SELECT id, vehicle_id, vehicle, from_dealership, to_dealership, requested_by, requested_ms, note, status,
                    decided_by, decided_ms, reason
             FROM transfers WHERE id = ?1",
        )?
        .query_row([id], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
                r.get(9)?,
                r.get(10)?,
                r.get(11)?,
            ))
        })?;
    Ok(Transfer {
        id: parse_id(&r.0)?,
        vehicle_id: parse_id(&r.1)?,
        vehicle: r.2,
        from_dealership: name_of(db, &r.3)?,
        to_dealership: name_of(db, &r.4)?,
        requested_by: user_name(db, &r.5)?,
        requested_at: now_text(r.6),
        note: r.7,
        status: r.8,
        decided_by: r.9.as_deref().map(|u| user_name(db, u)).transpose()?,
        decided_at: r.10.map(now_text),
        reason: r.11,
    })
}

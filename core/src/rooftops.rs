//! A group manager's sister rooftops on their laptop. The laptop's own store holds one dealership
//! (the manager's home rooftop); each other rooftop of the group they manage gets a store of its
//! own (`<data dir>/rooftops/<dealership id>.sqlite3`, encrypted with the same key), synced with
//! its own token and device id ([`crate::sync::group`]). Each works offline like the main store;
//! the group's dashboard is each rooftop's dashboard, computed by the same code from its own
//! store, side by side with their total ([`crate::analytics::group`]).

use crate::analytics::group::{GroupDashboard, group_dashboard};
use crate::analytics::{DashboardQuery, dashboard};
use crate::api::Showroom;
use crate::domain::Timestamp;
use crate::error::{CoreError, Result};
use crate::store::Store;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

/// The folder of the rooftop stores, inside the data folder.
pub const DIR: &str = "rooftops";
/// Meta keys: the rooftop's name as the server calls it, and when this laptop last synced it.
pub const NAME: &str = "rooftop_name";
pub const SYNCED_AT: &str = "rooftop_synced_at";
/// A rooftop store's session (server, token for that rooftop): inside the encrypted store.
pub const SESSION: &str = "rooftop_session";

/// How one rooftop's sync went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RooftopSynced {
    /// `None` for this laptop's own rooftop.
    pub id: Option<Uuid>,
    pub name: String,
    pub report: Option<crate::sync::round::SyncReport>,
    pub error: Option<String>,
}

/// One sister rooftop's store.
pub struct RooftopStore {
    pub id: Uuid,
    pub name: String,
    pub store: Store,
}

impl Showroom {
    /// Opens the rooftop stores found in the data folder.
    pub(crate) fn load_rooftops(&mut self) -> Result<()> {
        let Some((dir, key)) = &self.rooftop_home else { return Ok(()) };
        let Ok(entries) = std::fs::read_dir(dir) else { return Ok(()) };
        let mut found = Vec::new();
        for e in entries.flatten() {
            let path = e.path();
            let id = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".sqlite3"))
                .and_then(|n| n.parse::<Uuid>().ok());
            let Some(id) = id else { continue };
            let store = Store::open_encrypted(&path, key)?;
            let name = store.meta(NAME)?.unwrap_or_else(|| id.to_string());
            found.push(RooftopStore { id, name, store });
        }
        found.sort_by_key(|a| a.name.to_lowercase());
        self.rooftops = found;
        Ok(())
    }

    /// The sister rooftops this laptop keeps: (id, name, last synced).
    pub fn rooftop_list(&self) -> Result<Vec<(Uuid, String, Option<String>)>> {
        self.rooftops.iter().map(|r| Ok((r.id, r.name.clone(), r.store.meta(SYNCED_AT)?))).collect()
    }

    /// The store of rooftop `id` (named `name`), made on first use.
    pub fn rooftop_store(&mut self, id: Uuid, name: &str) -> Result<&mut Store> {
        let i = match self.rooftops.iter().position(|r| r.id == id) {
            Some(i) => i,
            None => {
                let store = match &self.rooftop_home {
                    Some((dir, key)) => {
                        std::fs::create_dir_all(dir).map_err(|source| CoreError::Io {
                            context: format!("cannot make {}", dir.display()),
                            source,
                        })?;
                        Store::open_encrypted(&dir.join(format!("{id}.sqlite3")), key)?
                    }
                    None => Store::open_in_memory()?,
                };
                store.set_meta(NAME, name)?;
                self.rooftops.push(RooftopStore { id, name: name.to_string(), store });
                self.rooftops.len() - 1
            }
        };
        let r = &mut self.rooftops[i];
        if r.name != name && !name.is_empty() {
            r.store.set_meta(NAME, name)?;
            r.name = name.to_string();
        }
        Ok(&mut r.store)
    }

    /// The store of rooftop `id`, if this laptop keeps it.
    pub fn rooftop_store_mut(&mut self, id: Uuid) -> Option<&mut Store> {
        self.rooftops.iter_mut().find(|r| r.id == id).map(|r| &mut r.store)
    }

    /// Forgets a rooftop the user may no longer sign in to: its store is closed and deleted.
    pub fn drop_rooftop(&mut self, id: Uuid) -> Result<()> {
        let Some(i) = self.rooftops.iter().position(|r| r.id == id) else { return Ok(()) };
        self.rooftops.remove(i);
        if let Some((dir, _)) = &self.rooftop_home {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(dir.join(format!("{id}.sqlite3{suffix}")));
            }
        }
        Ok(())
    }

    /// The group's dashboard for a range: this laptop's own rooftop and every sister rooftop it
    /// keeps, each from its own store, with their total. Reads only.
    pub fn group_dashboard(&self, from: &str, to: &str) -> Result<GroupDashboard> {
        let q = DashboardQuery { from: from.into(), to: to.into(), rep_id: None };
        let now = Timestamp::now();
        let offset = Self::offset_min();
        let own_name = match self.store().meta(NAME)? {
            Some(n) => n,
            None => self.dealership().map(|d| d.name).unwrap_or_else(|| "This dealership".into()),
        };
        let mut parts =
            vec![(None, own_name, self.store().meta(SYNCED_AT)?, dashboard(self.store().conn(), &q, now, offset)?)];
        for r in &self.rooftops {
            let d = dashboard(r.store.conn(), &q, now, offset)?;
            parts.push((Some(r.id), r.name.clone(), r.store.meta(SYNCED_AT)?, d));
        }
        Ok(group_dashboard(from, to, parts))
    }

    /// Writes the group dashboard as CSV (the same figures as `showroom report group`) into `dir`.
    pub fn export_group_dashboard(&self, from: &str, to: &str, dir: &std::path::Path) -> Result<std::path::PathBuf> {
        let g = self.group_dashboard(from, to)?;
        let csv = crate::analytics::group::group_csv(&g);
        Self::write_export(dir, &format!("Group dashboard {from} to {to}.csv"), csv.as_bytes())
    }
}

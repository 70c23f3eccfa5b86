//! The one API surface: every caller (desktop commands, CLI, tests, later an HTTP twin) goes
//! through [`Showroom`]. Each method is one user action and, when it writes, one transaction.

use crate::demo::{self, DemoSize, DemoSummary};
use crate::domain::{Customer, CustomerDraft, Dealership, DealershipPlace, Timestamp};
use crate::error::{CoreError, Result};
use crate::io::{self, ImportOptions, ImportReport};
use crate::store::customers::{self, CustomerDetail, CustomerQuery, Page};
use crate::store::search::{self, SearchHit};
use crate::store::{LAPTOP_USER, Store, query};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use ts_rs::TS;
use uuid::Uuid;

pub use crate::sync::status::SyncStatus;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AppStatus {
    /// The SQLite file, or `:memory:`.
    pub data_file: String,
    pub schema_version: i64,
    pub device_id: Uuid,
    pub dealership: Option<String>,
    pub customers: i64,
    /// False until the user chose "Load demo dealership" or "Start empty" (or data exists).
    pub onboarded: bool,
    pub sync: SyncStatus,
    /// Conflicts, notices and refused edits waiting for the user.
    #[ts(type = "number")]
    pub sync_attention: i64,
    /// Moves when a sync brings data from the server: open views reload quietly when it changes.
    #[ts(type = "number")]
    pub data_version: i64,
    /// The core's clock (pinned in tests and demos by `SHOWROOM_NOW`): the UI reads "now" from it.
    pub now: Timestamp,
    /// The dealership's locale: date and number formats, and the spelling of built-in labels.
    pub locale: crate::locale::Locale,
    /// Commonwealth → American word forms the UI applies to its built-in labels when the
    /// dealership spells the American way (empty otherwise): one list, kept in the core.
    pub respell: Vec<(String, String)>,
}

/// Who uses this window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Me {
    /// The signed-in user, else this laptop's chosen user; `None` until one is chosen.
    pub user: Option<crate::domain::User>,
    pub signed_in: bool,
    /// A manager, or anyone on a laptop nobody signed in to: may look at the team's day.
    pub sees_team: bool,
}

/// Whose day [`Showroom::day`] shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "of", rename_all = "snake_case")]
pub enum DayOf {
    Mine,
    Team,
    Rep { user: Uuid },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Staff {
    pub users: Vec<crate::domain::User>,
    pub me: Option<Uuid>,
}

pub struct Showroom {
    store: Store,
    sync: std::sync::Arc<crate::sync::status::SyncTracker>,
    /// Where the sync token lives when the database key is in the OS keyring: (keyring, account).
    token_home: Option<(std::sync::Arc<dyn crate::vault::Secrets>, String)>,
    /// The token as last read from or written to the keyring (the engine asks for it every round).
    token_cache: std::sync::Mutex<Option<String>>,
    /// The token's keyring read started when the vault opened, until the first use takes it.
    token_read: std::sync::Mutex<Option<crate::vault::PendingSecret>>,
    /// Where the database key lives: "OS keyring", "passphrase", or "none" (in memory).
    key_home: &'static str,
    /// A group manager's sister rooftops' stores on this laptop (see [`crate::rooftops`]).
    pub(crate) rooftops: Vec<crate::rooftops::RooftopStore>,
    /// Where those stores live and their key (the main store's); `None` in memory.
    pub(crate) rooftop_home: Option<(std::path::PathBuf, crate::vault::DbKey)>,
}

impl Showroom {
    /// Opens the encrypted database in `data_dir` (created on first run, a plain one from an
    /// earlier build encrypted in place) with the key `unlock` leads to; see [`crate::vault`].
    pub fn open(data_dir: &Path, unlock: &crate::vault::Unlock) -> Result<Self> {
        let mut vault = crate::vault::open(data_dir, unlock)?;
        let token_read = std::sync::Mutex::new(vault.sync_token.take());
        let store = Store::open_encrypted(&data_dir.join(crate::paths::DB_FILE), &vault.key)?;
        let token_home = vault.keyring().map(|k| (k.clone(), vault.account(crate::vault::SYNC_TOKEN)));
        let key_home = match vault.home {
            crate::vault::KeyHome::Keyring { .. } => "OS keyring",
            crate::vault::KeyHome::Passphrase { .. } => "passphrase",
        };
        let mut app = Showroom {
            store,
            sync: Default::default(),
            token_home,
            token_cache: Default::default(),
            token_read,
            key_home,
            rooftops: Vec::new(),
            rooftop_home: Some((data_dir.join(crate::rooftops::DIR), vault.key.clone())),
        };
        app.move_token_to_keyring()?;
        app.load_rooftops()?;
        Ok(app)
    }

    pub fn open_in_memory() -> Result<Self> {
        Ok(Showroom {
            store: Store::open_in_memory()?,
            sync: Default::default(),
            token_home: None,
            token_cache: Default::default(),
            token_read: Default::default(),
            key_home: "none",
            rooftops: Vec::new(),
            rooftop_home: None,
        })
    }

    /// A session saved by an earlier build (token in the database) moves its token to the keyring.
    fn move_token_to_keyring(&mut self) -> Result<()> {
        if self.token_home.is_none() {
            return Ok(());
        }
        if let Some(text) = self.store.meta("sync_session")?
            && let Ok(s) = serde_json::from_str::<crate::sync::round::Session>(&text)
            && !s.token.is_empty()
        {
            self.save_session(Some(&s))?;
        }
        Ok(())
    }

    /// Where the sync token is kept: "keyring" or "database" (encrypted with the data).
    pub fn token_kept_in(&self) -> &'static str {
        if self.token_home.is_some() { "keyring" } else { "database" }
    }

    /// How this laptop's data is protected, for `showroom vault` and support.
    pub fn protection(&self) -> String {
        format!(
            "database: encrypted (SQLCipher, AES-256), key from the {}\nsync token: {}",
            self.key_home,
            match (self.session().ok().flatten(), self.token_home.is_some()) {
                (None, _) => "none (not signed in)",
                (Some(_), true) => "in the OS keyring",
                (Some(_), false) => "in the encrypted database",
            }
        )
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The pipeline board: every stage with its deals, counts and totals.
    pub fn board(&self, filter: &crate::pipeline::BoardFilter) -> Result<crate::pipeline::Board> {
        crate::pipeline::board(self.store.conn(), filter, Timestamp::now())
    }

    /// Moves a deal to another stage by hand (board drag, keyboard, list).
    pub fn move_opportunity(
        &mut self,
        id: Uuid,
        req: &crate::pipeline::MoveRequest,
    ) -> Result<crate::domain::Opportunity> {
        crate::pipeline::move_opportunity(&mut self.store, id, req)
    }

    pub fn create_opportunity(&mut self, d: &crate::pipeline::OpportunityDraft) -> Result<crate::domain::Opportunity> {
        crate::pipeline::ensure_default_stages(&mut self.store)?;
        crate::pipeline::create_opportunity(&mut self.store, d)
    }

    pub fn pipelines(&mut self) -> Result<Vec<String>> {
        crate::pipeline::ensure_default_stages(&mut self.store)?;
        crate::pipeline::pipelines(self.store.conn())
    }

    pub fn pipeline_stages(&mut self, pipeline: &str) -> Result<Vec<crate::domain::PipelineStage>> {
        crate::pipeline::ensure_default_stages(&mut self.store)?;
        crate::pipeline::stages(self.store.conn(), pipeline)
    }

    pub fn save_stage(&mut self, stage: crate::domain::PipelineStage) -> Result<crate::domain::PipelineStage> {
        crate::pipeline::save_stage(&mut self.store, stage)
    }

    pub fn create_activity(&mut self, d: &crate::activities::ActivityDraft) -> Result<crate::domain::Activity> {
        crate::activities::create(&mut self.store, d)
    }

    pub fn complete_activity(
        &mut self,
        id: Uuid,
        c: &crate::activities::Completion,
    ) -> Result<crate::domain::Activity> {
        crate::activities::complete(&mut self.store, id, c)
    }

    /// Reminders: my open activities that fell due after `from` and by now.
    pub fn reminders_since(&self, from: Timestamp) -> Result<Vec<crate::activities::TodayItem>> {
        crate::activities::due_between(self.store.conn(), self.me_id(), from, Timestamp::now())
    }

    /// Who "me" is: the signed-in user, else whoever was chosen as this laptop's user.
    fn me_id(&self) -> Option<Uuid> {
        self.store.acting_user()
    }

    fn user(&self, id: Uuid) -> Option<crate::domain::User> {
        crate::store::get::<crate::domain::User>(self.store.conn(), id).ok()
    }

    /// Who uses this window, and whether they may look at the team's day.
    pub fn me(&self) -> Result<Me> {
        let signed_in = self.store.user_id().is_some();
        Ok(Me { user: self.me_id().and_then(|id| self.user(id)), signed_in, sees_team: !self.store.signed_in_as_rep() })
    }

    /// Chooses who uses this laptop while nobody is signed in (a laptop that does not sync); a
    /// signed-in laptop is its user's.
    pub fn set_laptop_user(&mut self, user: Option<Uuid>) -> Result<Me> {
        if let Some(me) = self.store.user_id() {
            let name = self.user(me).map(|u| u.name).unwrap_or_else(|| "another user".into());
            return Err(CoreError::field("user", format!("this laptop is signed in as {name}; sign out to change")));
        }
        match user {
            Some(id) => match self.user(id) {
                Some(u) if u.active => self.store.set_meta(LAPTOP_USER, &id.to_string())?,
                Some(u) => return Err(CoreError::field("user", format!("{} is no longer active", u.name))),
                None => return Err(CoreError::field("user", "no such user")),
            },
            None => self.store.set_meta(LAPTOP_USER, "")?,
        }
        self.me()
    }

    /// A day of tasks: due today (until `day_end`, the end of the local day), overdue grouped by
    /// how late (at most `overdue_cap` listed a group), the next 7 days. Mine by default; a
    /// manager (or a laptop nobody signed in to) may look at the team's or one rep's day.
    pub fn day(&self, day_end: &str, of: DayOf, overdue_cap: usize) -> Result<crate::activities::Today> {
        let end = Timestamp::parse(day_end).ok_or_else(|| CoreError::field("day_end", "is not a date and time"))?;
        let team_only = || -> Result<()> {
            if self.store.signed_in_as_rep() {
                return Err(CoreError::field("of", "a rep sees their own day; the team's is for managers"));
            }
            Ok(())
        };
        let (owner, whose) = match of {
            DayOf::Mine => match self.me_id().and_then(|id| self.user(id)) {
                Some(u) => (Some(u.id), u.name),
                None => (None, "the team".to_string()),
            },
            DayOf::Team => {
                team_only()?;
                (None, "the team".to_string())
            }
            DayOf::Rep { user } => {
                if Some(user) != self.me_id() {
                    team_only()?;
                }
                let u = self.user(user).ok_or_else(|| CoreError::field("of", "no such user"))?;
                (Some(u.id), u.name)
            }
        };
        let cap = overdue_cap.clamp(1, 500);
        crate::activities::today(self.store.conn(), owner, &whose, Timestamp::now(), end, cap)
    }

    /// My day with the usual cap (see [`Showroom::day`]).
    pub fn my_day(&self, day_end: &str) -> Result<crate::activities::Today> {
        self.day(day_end, DayOf::Mine, crate::activities::OVERDUE_CAP)
    }

    /// Books a test drive against a vehicle (no double booking); warns about an expired licence.
    pub fn schedule_test_drive(&mut self, d: &crate::engagement::TestDriveDraft) -> Result<crate::engagement::Booking> {
        crate::engagement::schedule(&mut self.store, d, Self::today())
    }

    pub fn complete_test_drive(&mut self, id: Uuid, outcome: &str, feedback: &str) -> Result<crate::domain::TestDrive> {
        crate::engagement::complete(&mut self.store, id, outcome, feedback)
    }

    pub fn record_survey(&mut self, d: &crate::engagement::SurveyDraft) -> Result<crate::domain::Survey> {
        crate::engagement::record_survey(&mut self.store, d)
    }

    pub fn add_referral(&mut self, customer: Uuid, referrer: Uuid, note: &str) -> Result<crate::domain::Referral> {
        crate::engagement::add_referral(&mut self.store, customer, referrer, note)
    }

    /// Referrals both ways, survey answers, test drives and owned vehicles of a customer.
    pub fn relations(&self, customer: Uuid) -> Result<crate::engagement::Relations> {
        crate::engagement::relations(self.store.conn(), customer)
    }

    /// Logs a touchpoint (call, email, text, visit, chat, event, note) on the customer's timeline.
    pub fn log_contact(&mut self, d: &crate::contact::ContactDraft) -> Result<crate::domain::Interaction> {
        crate::contact::log_contact(&mut self.store, d)
    }

    /// The message templates this customer may receive, filled in (consent respected).
    pub fn messages(&self, customer_id: Uuid) -> Result<Vec<crate::contact::Message>> {
        let conn = self.store.conn();
        let c: Customer = crate::store::get(conn, customer_id)?;
        let vehicle: String = conn
            .query_row(
                "SELECT COALESCE((SELECT v.year || ' ' || v.make || ' ' || v.model FROM vehicles v WHERE v.id = o.vehicle_id), o.title)
                 FROM opportunities o WHERE o.customer_id = ?1 AND o.status = 'open' AND o.deleted_at IS NULL
                 ORDER BY o.updated_at DESC LIMIT 1",
                [customer_id.to_string()],
                |r| r.get(0),
            )
            .unwrap_or_default();
        let rep: String = self
            .store
            .user_id()
            .and_then(|u| conn.query_row("SELECT name FROM users WHERE id = ?1", [u.to_string()], |r| r.get(0)).ok())
            .unwrap_or_else(|| "your sales consultant".into());
        let dealership = self.dealership().map(|d| d.name).unwrap_or_else(|| "our dealership".into());
        Ok(crate::contact::messages_for(&c, &vehicle, &rep, &dealership, &self.locale()))
    }

    /// The sync engine's shared state (phase, requests).
    pub fn sync_tracker(&self) -> std::sync::Arc<crate::sync::status::SyncTracker> {
        self.sync.clone()
    }

    /// The session with the sync server, when signed in.
    /// With the key in the keyring the token is there too, and the database keeps the rest.
    pub fn session(&self) -> Result<Option<crate::sync::round::Session>> {
        let Some(text) = self.store.meta("sync_session")? else { return Ok(None) };
        let Ok(mut s) = serde_json::from_str::<crate::sync::round::Session>(&text) else { return Ok(None) };
        if s.token.is_empty()
            && let Some((keyring, account)) = &self.token_home
        {
            let mut cache = self.token_cache.lock().map_err(|_| CoreError::Conflict("token cache poisoned".into()))?;
            if cache.is_none() {
                let started = self.token_read.lock().ok().and_then(|mut r| r.take());
                let read = match started.and_then(|r| r.join().ok()) {
                    Some(read) => read,
                    None => keyring.get(account),
                };
                *cache = read.map_err(|e| CoreError::Locked {
                    first_time: false,
                    message: format!("the OS keyring cannot be reached for the sync token: {e}"),
                })?;
            }
            match cache.as_ref() {
                Some(token) => s.token = token.clone(),
                None => return Ok(None),
            }
        }
        Ok(Some(s))
    }

    /// Keeps (or forgets) the session; changes made from now on carry its user.
    pub fn save_session(&mut self, session: Option<&crate::sync::round::Session>) -> Result<()> {
        let keyring_error = |e: String| CoreError::Locked {
            first_time: false,
            message: format!("the OS keyring cannot keep the sync token: {e}"),
        };
        if let Ok(mut cache) = self.token_cache.lock() {
            *cache = None;
        }
        // A read started before this change would bring back the old token.
        if let Ok(mut started) = self.token_read.lock() {
            *started = None;
        }
        match session {
            Some(s) => {
                let mut kept = s.clone();
                if let Some((keyring, account)) = &self.token_home {
                    keyring.set(account, &s.token).map_err(keyring_error)?;
                    kept.token.clear();
                }
                self.store.set_meta("sync_session", &serde_json::to_string(&kept)?)?;
                self.store.set_user(Some(s.user_id))?;
            }
            None => {
                if let Some((keyring, account)) = &self.token_home {
                    keyring.delete(account).map_err(keyring_error)?;
                }
                self.store.conn().execute("DELETE FROM meta WHERE key = 'sync_session'", [])?;
                self.store.set_user(None)?;
            }
        }
        Ok(())
    }

    /// The signed-in account, for Settings.
    pub fn sync_account(&self) -> Result<Option<crate::sync::status::SyncAccount>> {
        Ok(self.session()?.as_ref().map(crate::sync::status::SyncAccount::of))
    }

    /// Asks the background engine for a round now ("Sync now", "Retry").
    pub fn request_sync(&self) {
        self.sync.request();
    }

    /// This user's values that lost to someone else's later edit.
    pub fn conflicts(&mut self) -> Result<Vec<crate::store::syncing::Conflict>> {
        self.store.conflicts(200)
    }

    /// Writes the lost value again as a new edit, which syncs and wins.
    pub fn keep_mine(&mut self, conflict_id: i64) -> Result<()> {
        self.store.keep_mine(conflict_id)?;
        self.sync.request();
        Ok(())
    }

    pub fn dismiss_conflict(&mut self, conflict_id: i64) -> Result<()> {
        self.store.dismiss_conflict(conflict_id)
    }

    /// Messages from the server (a reservation that lost), newest first.
    pub fn sync_notices(&self) -> Result<Vec<crate::store::syncing::SyncNotice>> {
        self.store.notices()
    }

    pub fn dismiss_notice(&self, seq: i64) -> Result<()> {
        self.store.dismiss_notice(seq)
    }

    pub fn dismiss_refused(&self, change_id: Uuid) -> Result<()> {
        self.store.dismiss_refused(change_id)
    }

    /// Edits the server refused, kept so nothing is lost silently.
    pub fn refused_changes(&self) -> Result<Vec<crate::store::syncing::RefusedChange>> {
        self.store.refused_changes()
    }

    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    fn today() -> NaiveDate {
        Timestamp::now().date()
    }

    /// Region for phone numbers typed without a country code: the dealership's country.
    pub fn phone_region(&self) -> String {
        self.dealership().map(|d| d.country).unwrap_or_else(|| "US".into())
    }

    /// The dealership's locale (the US until a dealership says otherwise).
    pub fn locale(&self) -> crate::locale::Locale {
        crate::locale::Locale::for_country(&self.phone_region())
    }

    pub(crate) fn dealership(&self) -> Option<Dealership> {
        query::<Dealership>(self.store.conn(), "ORDER BY rid LIMIT 1", []).ok().and_then(|mut v| v.pop())
    }

    /// The dealership's name as its managers saved it here, else the rooftop this laptop signed
    /// in to (as the server names it), else none: without the rest of [`Showroom::status`], whose
    /// counts read more.
    pub fn dealership_name(&self) -> Result<Option<String>> {
        match self.dealership() {
            Some(d) => Ok(Some(d.name)),
            None => self.store.meta(crate::rooftops::NAME),
        }
    }

    pub fn status(&self) -> Result<AppStatus> {
        let customers = self.store.count::<Customer>()?;
        Ok(AppStatus {
            data_file: self.store.path().map(|p| p.display().to_string()).unwrap_or_else(|| ":memory:".into()),
            schema_version: crate::store::SCHEMA_VERSION,
            device_id: self.store.device_id(),
            dealership: self.dealership_name()?,
            customers,
            onboarded: customers > 0 || self.store.meta("onboarded")?.is_some(),
            sync: self.sync.status(
                self.session()?.map(|s| s.server),
                self.store.pending_changes()?,
                Timestamp::now().millis(),
            ),
            sync_attention: self.store.sync_attention()?,
            data_version: self.store.sync_cursor()?,
            now: Timestamp::now(),
            respell: self.locale().respellings(),
            locale: self.locale(),
        })
    }

    pub fn list_customers(&self, q: &CustomerQuery) -> Result<Page<Customer>> {
        customers::list(self.store.conn(), q)
    }

    pub fn customer_detail(&self, id: Uuid) -> Result<CustomerDetail> {
        customers::detail(self.store.conn(), id)
    }

    pub fn create_customer(&mut self, draft: &CustomerDraft) -> Result<Customer> {
        let region = self.phone_region();
        customers::create(&mut self.store, draft, &region, Self::today())
    }

    pub fn update_customer(&mut self, id: Uuid, draft: &CustomerDraft) -> Result<Customer> {
        let region = self.phone_region();
        customers::update(&mut self.store, id, draft, &region, Self::today())
    }

    /// Global search over customers, leads and vehicles.
    pub fn search(&self, text: &str) -> Result<Vec<SearchHit>> {
        search::search_all(self.store.conn(), text, 8)
    }

    /// Loads the demo dealership (refused when customers exist).
    pub fn load_demo(&mut self) -> Result<DemoSummary> {
        let summary = demo::load(&mut self.store, DemoSize::DEMO, 2026, Timestamp::now())?;
        self.store.set_meta("onboarded", "demo")?;
        Ok(summary)
    }

    /// The user chose to start with an empty database.
    pub fn start_empty(&mut self) -> Result<AppStatus> {
        crate::pipeline::ensure_default_stages(&mut self.store)?;
        self.store.set_meta("onboarded", "empty")?;
        self.status()
    }

    /// The letterhead printed on documents: the dealership's name, address, phone, email and logo.
    /// Before a manager saves one, a signed-in laptop prints the rooftop's name.
    pub fn letterhead(&self) -> crate::pdf::Letterhead {
        match self.dealership() {
            Some(d) => crate::pdf::Letterhead {
                name: d.name,
                address: d.address,
                phone: d.phone,
                email: d.email,
                logo_png: d.logo_png,
            },
            None => crate::pdf::Letterhead {
                name: self.dealership_name().ok().flatten().unwrap_or_default(),
                ..Default::default()
            },
        }
    }

    /// The dealership's country and time zone.
    pub fn dealership_place(&self) -> DealershipPlace {
        self.dealership().map(|d| DealershipPlace { country: d.country, timezone: d.timezone }).unwrap_or_else(|| {
            let d = Dealership::first(Timestamp::now());
            DealershipPlace { country: d.country, timezone: d.timezone }
        })
    }

    /// Sets the dealership's country and time zone (a manager's edit, one transaction; creates the
    /// dealership record on an empty database).
    pub fn save_dealership_place(&mut self, mut place: DealershipPlace) -> Result<DealershipPlace> {
        self.store.require_manager("timezone", "sets the dealership's country and time zone")?;
        place.validate().map_err(CoreError::Validation)?;
        let current = self.dealership();
        self.store.write(|w| {
            let now = Timestamp::now();
            match current {
                Some(old) => {
                    let mut new = old.clone();
                    new.country = place.country.clone();
                    new.timezone = place.timezone.clone();
                    new.updated_at = Timestamp::now_after(old.updated_at);
                    w.update(&old, &new)?;
                }
                None => w.insert(&Dealership {
                    country: place.country.clone(),
                    timezone: place.timezone.clone(),
                    ..Dealership::first(now)
                })?,
            }
            Ok(())
        })?;
        Ok(self.dealership_place())
    }

    /// Saves the letterhead (creating the dealership record on an empty database) in one transaction.
    pub fn save_letterhead(&mut self, mut letterhead: crate::pdf::Letterhead) -> Result<crate::pdf::Letterhead> {
        letterhead.validate()?;
        let current = self.dealership();
        self.store.write(|w| {
            let now = Timestamp::now();
            let apply = |mut d: Dealership| {
                d.name = letterhead.name.clone();
                d.address = letterhead.address.trim().to_string();
                d.phone = letterhead.phone.trim().to_string();
                d.email = letterhead.email.trim().to_string();
                d.logo_png = letterhead.logo_png.clone();
                d
            };
            match current {
                Some(old) => {
                    let mut new = apply(old.clone());
                    new.updated_at = Timestamp::now_after(old.updated_at);
                    w.update(&old, &new)?;
                }
                None => w.insert(&apply(Dealership::first(now)))?,
            }
            Ok(())
        })?;
        Ok(self.letterhead())
    }

    /// The tax rules the desk uses: the shipped states plus the dealership's custom jurisdictions.
    pub fn tax_table(&self) -> crate::desk::tax::TaxTable {
        let mut table = crate::desk::tax::TaxTable::builtin();
        for c in self.custom_jurisdictions().unwrap_or_default() {
            table = match table.clone().with_custom(c.rule) {
                Ok(t) => t,
                Err(_) => table, // a stored rule that no longer validates is skipped, not fatal
            };
        }
        table
    }

    pub fn custom_jurisdictions(&self) -> Result<Vec<crate::desk::tax::CustomJurisdiction>> {
        query(self.store.conn(), "WHERE deleted_at IS NULL ORDER BY code", [])
    }

    /// Every rule the desk knows, shipped and custom, for Settings.
    pub fn jurisdictions(&self) -> Vec<crate::desk::tax::Jurisdiction> {
        self.tax_table().rules().to_vec()
    }

    /// Creates or replaces the custom jurisdiction with this code, in one transaction.
    pub fn save_custom_jurisdiction(
        &mut self,
        mut rule: crate::desk::tax::Jurisdiction,
    ) -> Result<crate::desk::tax::CustomJurisdiction> {
        use crate::desk::tax::CustomJurisdiction;
        rule.code = rule.code.trim().to_uppercase();
        rule.name = rule.name.trim().to_string();
        if rule.source.trim().is_empty() {
            rule.source = "Defined by the dealership in Settings".into();
        }
        rule.validate()?;
        if crate::desk::tax::TaxTable::builtin().codes().contains(&rule.code) {
            return Err(CoreError::field(
                "code",
                format!("{} is a shipped state; use a code of your own such as {}-LOCAL", rule.code, rule.code),
            ));
        }
        self.store.write(|w| {
            let existing =
                query::<CustomJurisdiction>(w.conn(), "WHERE code = ?1 AND deleted_at IS NULL", [rule.code.clone()])?
                    .pop();
            let now = Timestamp::now();
            match existing {
                Some(old) => {
                    let new = CustomJurisdiction {
                        rule: rule.clone(),
                        updated_at: Timestamp::now_after(old.updated_at),
                        ..old.clone()
                    };
                    w.update(&old, &new)?;
                    Ok(new)
                }
                None => {
                    let c = CustomJurisdiction {
                        id: crate::domain::new_id(),
                        code: rule.code.clone(),
                        rule,
                        created_at: now,
                        updated_at: now,
                        deleted_at: None,
                    };
                    w.insert(&c)?;
                    Ok(c)
                }
            }
        })
    }

    /// Computes a deal exactly: every line, tax, payment and the payment grid.
    pub fn calculate_deal(&self, deal: &crate::desk::Deal) -> Result<crate::desk::DealCalc> {
        crate::desk::calculate(deal, &self.tax_table(), Self::today())
    }

    /// The printable quote for a deal, as PDF bytes. The letterhead defaults to the dealership.
    pub fn quote_pdf(&self, deal: &crate::desk::Deal, mut header: crate::pdf::QuoteHeader) -> Result<Vec<u8>> {
        let calc = self.calculate_deal(deal)?;
        if header.letterhead.name.is_empty() {
            header.letterhead = self.letterhead();
        }
        if header.date.is_empty() {
            header.date = Self::today().to_string();
        }
        crate::pdf::quote_pdf(&header, deal, &calc)
    }

    pub fn create_quote(
        &mut self,
        target: &crate::quotes::QuoteTarget,
        deal: &crate::desk::Deal,
    ) -> Result<crate::quotes::QuoteDetail> {
        let taxes = self.tax_table();
        let id = crate::quotes::create(&mut self.store, target, deal, &taxes, Self::today())?;
        self.quote_detail(id)
    }

    pub fn revise_quote(&mut self, id: Uuid, deal: &crate::desk::Deal) -> Result<crate::quotes::QuoteDetail> {
        let taxes = self.tax_table();
        crate::quotes::revise(&mut self.store, id, deal, &taxes, Self::today())?;
        self.quote_detail(id)
    }

    pub fn present_quote(&mut self, id: Uuid) -> Result<crate::quotes::QuoteDetail> {
        crate::quotes::present(&mut self.store, id, Self::today())?;
        self.quote_detail(id)
    }

    /// The customer declined the quote, with why.
    pub fn decline_quote(&mut self, id: Uuid, reason: &str) -> Result<crate::quotes::QuoteDetail> {
        crate::quotes::decline(&mut self.store, id, reason)?;
        self.quote_detail(id)
    }

    /// The Quotes list (after marking quotes past their date expired), newest first.
    /// The Quotes list (read-only: the status shown is the one a person sees, expired past the
    /// date; [`Showroom::housekeeping`] stores the expiry).
    pub fn quotes(&self, filter: &crate::quotes::QuoteFilter) -> Result<Vec<crate::quotes::QuoteRow>> {
        crate::quotes::list(self.store.conn(), filter, Self::today(), 500)
    }

    /// Hands the page caches of this laptop's database and of any other rooftop's it holds back
    /// to the allocator (see [`Store::release_memory`]): for when the window goes quiet.
    pub fn release_memory(&self) -> Result<()> {
        self.store.release_memory()?;
        self.rooftops.iter().try_for_each(|r| r.store.release_memory())
    }

    /// What the app does by itself while open (at start and every few seconds): quotes past their
    /// validity date are stored expired, and leads past their first-response deadline go to the
    /// next rep.
    pub fn housekeeping(&mut self) -> Result<()> {
        self.expire_quotes()?;
        self.route_leads()?;
        Ok(())
    }

    /// Marks open quotes past their validity date expired; returns how many.
    pub fn expire_quotes(&mut self) -> Result<usize> {
        crate::quotes::expire_due(&mut self.store, Self::today())
    }

    /// A copy of the quote's current terms on another vehicle, as a new quote.
    pub fn duplicate_quote(&mut self, id: Uuid, vehicle_id: Uuid) -> Result<crate::quotes::QuoteDetail> {
        let taxes = self.tax_table();
        let copy = crate::quotes::duplicate(&mut self.store, id, vehicle_id, &taxes, Self::today())?;
        self.quote_detail(copy)
    }

    /// Replaces a sales order's F&I products (back-end gross).
    pub fn set_order_products(
        &mut self,
        order: Uuid,
        products: &[crate::orders::ProductDraft],
    ) -> Result<crate::quotes::QuoteDetail> {
        let o = crate::orders::set_products(&mut self.store, order, products)?;
        self.quote_detail(o.quote_id)
    }

    /// The order was funded.
    pub fn fund_order(&mut self, order: Uuid) -> Result<crate::quotes::QuoteDetail> {
        let o = crate::orders::fund(&mut self.store, order)?;
        self.quote_detail(o.quote_id)
    }

    /// The customer took delivery: vehicle sold, deal won with its gross.
    pub fn deliver_order(&mut self, order: Uuid) -> Result<crate::quotes::QuoteDetail> {
        let o = crate::orders::deliver(&mut self.store, order)?;
        self.quote_detail(o.quote_id)
    }

    /// A manager splits a deal with a second rep, or ends the split (`None`).
    pub fn split_deal(&mut self, id: Uuid, co_owner: Option<Uuid>) -> Result<crate::domain::Opportunity> {
        crate::pipeline::set_split(&mut self.store, id, co_owner)
    }

    /// A manager unwinds a sold deal: a chargeback this month, the vehicle back in stock.
    pub fn unwind_deal(&mut self, id: Uuid, reason: &str) -> Result<crate::domain::Opportunity> {
        crate::pipeline::unwind(&mut self.store, id, reason)
    }

    /// Deals lost in a range, by reason, competitor, rep and source.
    pub fn lost_deals(&self, q: &crate::analytics::DashboardQuery) -> Result<crate::analytics::LostReport> {
        crate::analytics::lost_deals(self.store.conn(), q, Timestamp::now(), Self::offset_min())
    }

    /// A rep's coaching notes and goals (a rep reads only their own).
    pub fn coaching(&self, rep: Uuid) -> Result<Vec<crate::coaching::CoachingRow>> {
        let today = Timestamp::from_millis(Timestamp::now().millis() + i64::from(Self::offset_min()) * 60_000).date();
        crate::coaching::list(&self.store, rep, today)
    }

    /// A manager writes a coaching note or goal for a rep; returns that rep's list.
    pub fn add_coaching(&mut self, d: &crate::coaching::CoachingDraft) -> Result<Vec<crate::coaching::CoachingRow>> {
        let n = crate::coaching::add(&mut self.store, d)?;
        self.coaching(n.rep_id)
    }

    /// A manager marks a coaching goal met (or not); returns that rep's list.
    pub fn coaching_done(&mut self, id: Uuid, done: bool) -> Result<Vec<crate::coaching::CoachingRow>> {
        let n = crate::coaching::set_done(&mut self.store, id, done)?;
        self.coaching(n.rep_id)
    }

    /// A manager removes a coaching entry.
    pub fn remove_coaching(&mut self, id: Uuid) -> Result<()> {
        crate::coaching::remove(&mut self.store, id)
    }

    /// The order is cancelled: the vehicle's hold released, the quote declined with the reason.
    pub fn cancel_order(&mut self, order: Uuid, reason: &str) -> Result<crate::quotes::QuoteDetail> {
        let o = crate::orders::cancel(&mut self.store, order, reason)?;
        self.quote_detail(o.quote_id)
    }

    pub fn accept_quote(
        &mut self,
        id: Uuid,
        acceptance: &crate::quotes::Acceptance,
    ) -> Result<crate::quotes::QuoteDetail> {
        crate::quotes::accept(&mut self.store, id, acceptance, Self::today())?;
        self.quote_detail(id)
    }

    /// A link to the quote for its customer (made offline; the server opens it once synced).
    /// The link is shown once: only its hash is kept.
    pub fn share_quote(&mut self, id: Uuid, days: Option<u32>) -> Result<crate::portal::ShareLink> {
        let base = self.session()?.map(|s| s.server).unwrap_or_default();
        crate::portal::share(
            &mut self.store,
            id,
            days.unwrap_or(crate::portal::DEFAULT_SHARE_DAYS),
            &base,
            Self::today(),
        )
    }

    pub fn revoke_share(&mut self, id: Uuid) -> Result<crate::portal::QuoteShare> {
        crate::portal::revoke(&mut self.store, id)
    }

    pub fn quote_shares(&self, quote_id: Uuid) -> Result<Vec<crate::portal::QuoteShare>> {
        crate::portal::shares(self.store.conn(), quote_id)
    }

    /// Queues an email or text; it leaves from the server when this laptop syncs.
    pub fn queue_message(&mut self, draft: &crate::portal::MessageDraft) -> Result<crate::portal::OutgoingMessage> {
        crate::portal::queue(&mut self.store, draft, Self::today())
    }

    pub fn cancel_message(&mut self, id: Uuid) -> Result<crate::portal::OutgoingMessage> {
        crate::portal::cancel(&mut self.store, id)
    }

    pub fn outgoing_messages(&self, customer_id: Uuid) -> Result<Vec<crate::portal::OutgoingMessage>> {
        crate::portal::messages(self.store.conn(), customer_id)
    }

    pub fn portal_responses(&self, customer_id: Uuid) -> Result<Vec<crate::portal::PortalResponse>> {
        crate::portal::responses(self.store.conn(), customer_id)
    }

    pub fn quote_detail(&self, id: Uuid) -> Result<crate::quotes::QuoteDetail> {
        crate::quotes::detail(self.store.conn(), id, Self::today())
    }

    /// Prints the quote's current version, which freezes it (a later edit makes a new version).
    pub fn print_quote(&mut self, id: Uuid) -> Result<Vec<u8>> {
        let version = crate::quotes::present(&mut self.store, id, Self::today())?;
        let detail = self.quote_detail(id)?;
        let customer = crate::store::get::<Customer>(self.store.conn(), detail.quote.customer_id)?;
        let header = crate::pdf::QuoteHeader {
            customer: crate::pdf::QuoteParty {
                name: customer.display_name(),
                phone: customer
                    .phone
                    .as_deref()
                    .map(|p| crate::domain::validate::display_phone(p, &self.phone_region()))
                    .unwrap_or_default(),
                email: customer.email.clone().unwrap_or_default(),
            },
            quote_number: format!("{} v{}", detail.quote.number, version.version),
            valid_until: detail.quote.valid_until.to_string(),
            show_grid: true,
            ..Default::default()
        };
        let mut header = header;
        header.letterhead = self.letterhead();
        header.date = Self::today().to_string();
        crate::pdf::quote_pdf(&header, &version.deal, &version.calc)
    }

    /// Writes the printed quote (current version, now frozen) as a PDF into `dir` and returns its path.
    pub fn save_quote_pdf(&mut self, id: Uuid, dir: &Path) -> Result<PathBuf> {
        let bytes = self.print_quote(id)?;
        let detail = self.quote_detail(id)?;
        std::fs::create_dir_all(dir).map_err(|e| CoreError::io(format!("cannot create {}", dir.display()), e))?;
        let path = dir.join(format!("{} v{}.pdf", detail.quote.number, detail.quote.version));
        std::fs::write(&path, bytes).map_err(|e| CoreError::io(format!("cannot write {}", path.display()), e))?;
        Ok(path)
    }

    /// The quote's PDF as printed: the saved file of its current version when that version is
    /// frozen and the file is there, else printed now (which presents and freezes it).
    pub fn quote_pdf_file(&mut self, id: Uuid, dir: &Path) -> Result<PathBuf> {
        let detail = self.quote_detail(id)?;
        let path = dir.join(format!("{} v{}.pdf", detail.quote.number, detail.quote.version));
        let frozen = detail.versions.last().is_some_and(|v| v.frozen);
        if frozen && path.is_file() {
            return Ok(path);
        }
        self.save_quote_pdf(id, dir)
    }

    /// Vehicles for pickers: matches for the text, or the newest available ones when it is empty.
    pub fn find_vehicles(&self, text: &str) -> Result<Vec<crate::domain::Vehicle>> {
        if text.trim().is_empty() {
            return query(
                self.store.conn(),
                "WHERE deleted_at IS NULL AND status = 'available' ORDER BY received_at DESC LIMIT 30",
                [],
            );
        }
        search::matching(self.store.conn(), text, 30, 0)
    }

    pub fn filter_vehicles(&self, f: &crate::inventory::VehicleFilter) -> Result<Vec<crate::domain::Vehicle>> {
        crate::inventory::filter(self.store.conn(), f)
    }

    /// Vehicles that fit what the customer asked for, best first, with the reasons.
    pub fn vehicle_matches(&self, customer_id: Uuid) -> Result<Vec<crate::inventory::VehicleMatch>> {
        let customer = crate::store::get::<Customer>(self.store.conn(), customer_id)?;
        crate::inventory::matches_for(self.store.conn(), &customer, Timestamp::now(), 20)
    }

    pub fn import_vehicles_csv(&mut self, bytes: &[u8], opts: ImportOptions) -> Result<ImportReport> {
        self.import_file("vehicles", bytes, opts, &[])
    }

    /// Leads from an ADF/XML or CSV file (recognised by content), linked to existing customers by
    /// email or phone, with a report per record.
    /// Then routes the new leads (a second transaction: the import stands even if routing finds
    /// nobody available).
    pub fn import_leads(
        &mut self,
        bytes: &[u8],
        opts: ImportOptions,
        mapping: &[(String, String)],
    ) -> Result<ImportReport> {
        let region = self.phone_region();
        let report = io::import_leads(&mut self.store, bytes, &region, opts, mapping)?;
        if report.committed {
            self.route_leads()?;
        }
        Ok(report)
    }

    /// A lead file's columns, how they map, and its first rows, before importing.
    pub fn preview_lead_file(&self, bytes: &[u8], mapping: &[(String, String)]) -> Result<io::LeadFilePreview> {
        io::preview_leads(bytes, mapping)
    }

    /// Local time as the floor sees it.
    fn clock() -> crate::leads::inbox::Clock {
        use chrono::Offset;
        let offset = chrono::Local::now().offset().fix().local_minus_utc() / 60;
        crate::leads::inbox::Clock { now: Timestamp::now(), utc_offset_min: offset }
    }

    pub fn lead_settings(&self) -> Result<crate::leads::LeadSettings> {
        crate::leads::settings(self.store.conn())
    }

    pub fn save_lead_settings(&mut self, s: crate::leads::LeadSettings) -> Result<crate::leads::LeadSettings> {
        crate::leads::save_settings(&mut self.store, s)
    }

    /// Quick add and event mode: a lead, its customer, its score and its cadence in one action.
    pub fn capture_lead(&mut self, c: &crate::leads::inbox::Capture) -> Result<crate::leads::inbox::Captured> {
        let region = self.phone_region();
        crate::leads::inbox::capture(&mut self.store, c, &region, Self::clock())
    }

    pub fn convert_lead(&mut self, lead: Uuid, link_to: Option<Uuid>) -> Result<crate::leads::inbox::Converted> {
        crate::leads::inbox::convert(&mut self.store, lead, link_to, Self::clock())
    }

    pub fn assign_leads(&mut self, leads: &[Uuid], rep: Uuid, reason: &str) -> Result<u32> {
        crate::leads::inbox::assign(&mut self.store, leads, rep, reason)
    }

    /// Routes unassigned leads and passes on those past their first-response deadline.
    pub fn route_leads(&mut self) -> Result<Vec<crate::leads::inbox::Routed>> {
        crate::leads::inbox::route_new(&mut self.store, Self::clock())
    }

    pub fn lead_inbox(&self, f: &crate::leads::inbox::InboxFilter) -> Result<crate::leads::inbox::Inbox> {
        crate::leads::inbox::inbox(self.store.conn(), f, Timestamp::now(), 500)
    }

    pub fn lead_assignments(&self, lead: Uuid) -> Result<Vec<crate::leads::LeadAssignment>> {
        crate::leads::inbox::assignments(self.store.conn(), lead)
    }

    pub fn lead_calibration(&self) -> Result<Vec<crate::leads::scoring::Band>> {
        crate::leads::inbox::calibration(self.store.conn(), Timestamp::now())
    }

    pub fn possible_duplicates(&self, limit: usize) -> Result<Vec<crate::leads::merge::DuplicatePair>> {
        crate::leads::merge::possible_duplicates(self.store.conn(), &self.phone_region(), limit)
    }

    pub fn merge_customers(
        &mut self,
        r: &crate::leads::merge::MergeRequest,
    ) -> Result<crate::leads::merge::MergeReport> {
        crate::leads::merge::merge_customers(&mut self.store, r)
    }

    pub fn floor(&self) -> Result<crate::leads::floor::Rotation> {
        crate::leads::floor::rotation(self.store.conn(), Self::clock())
    }

    pub fn check_in(&mut self, user: Uuid, on_floor: bool) -> Result<crate::leads::floor::Rotation> {
        crate::leads::floor::check_in(&mut self.store, user, on_floor, Self::clock())
    }

    pub fn reorder_floor(&mut self, order: &[Uuid]) -> Result<crate::leads::floor::Rotation> {
        crate::leads::floor::reorder(&mut self.store, order, Self::clock())
    }

    pub fn walk_in(&mut self, d: &crate::leads::floor::WalkIn) -> Result<crate::leads::floor::TrafficEntry> {
        crate::leads::floor::walk_in(&mut self.store, d, Self::clock())
    }

    pub fn walk_in_outcome(&mut self, id: Uuid, outcome: &str) -> Result<crate::leads::floor::TrafficEntry> {
        crate::leads::floor::set_outcome(&mut self.store, id, outcome)
    }

    /// How this device locks (idle time, whether a PIN is set).
    pub fn lock_settings(&self) -> Result<crate::lock::LockSettings> {
        crate::lock::settings(&self.store)
    }

    /// Sets the idle time and, optionally, a new PIN (`""` removes it; a change needs the current one).
    pub fn configure_lock(
        &mut self,
        idle_minutes: u32,
        pin: Option<&str>,
        current: Option<&str>,
    ) -> Result<crate::lock::LockSettings> {
        crate::lock::configure(&mut self.store, idle_minutes, pin, current)
    }

    /// Checks the PIN that unlocks the window.
    pub fn unlock(&mut self, pin: &str) -> Result<()> {
        crate::lock::unlock(&mut self.store, pin)
    }

    /// Events (auto shows), the current and coming ones first.
    pub fn events(&self) -> Result<Vec<crate::domain::Event>> {
        query(self.store.conn(), "ORDER BY ends_on < date('now'), starts_on", [])
    }

    pub fn save_event(&mut self, mut e: crate::domain::Event) -> Result<crate::domain::Event> {
        e.validate().map_err(CoreError::Validation)?;
        self.store.write(|w| {
            let old = w.get::<crate::domain::Event>(e.id).ok();
            w.put(old, &mut e, |e| &mut e.id)?;
            Ok(e.clone())
        })
    }

    pub(crate) fn offset_min() -> i32 {
        Self::clock().utc_offset_min
    }

    /// The dashboard for a range (the team, or one rep). On a manager's device the month's first
    /// look also stores the month's forecast, so its accuracy can be judged when the month closes.
    pub fn dashboard(&mut self, q: &crate::analytics::DashboardQuery) -> Result<crate::analytics::Dashboard> {
        let now = Timestamp::now();
        crate::pipeline::ensure_default_stages(&mut self.store)?;
        crate::analytics::snapshot_month(&mut self.store, now, Self::offset_min())?;
        crate::analytics::dashboard(self.store.conn(), q, now, Self::offset_min())
    }

    /// An amount typed by a person (`"$27,495.50"`, `"1200"`) in whole cents, or an error naming
    /// `field`: the one money parser, so the screens never turn text into cents themselves.
    pub fn parse_money(field: &str, text: &str) -> Result<i64> {
        crate::desk::money::Money::parse(text).map(|m| m.cents()).map_err(|e| CoreError::field(field, e))
    }

    /// The dashboard, read only (no forecast snapshot is stored), for the CLI's `report dashboard`:
    /// `rep` is a user's email or name, case-insensitive.
    pub fn dashboard_report(&self, from: &str, to: &str, rep: Option<&str>) -> Result<crate::analytics::Dashboard> {
        let q = crate::analytics::DashboardQuery { from: from.into(), to: to.into(), rep_id: self.rep_named(rep)? };
        crate::analytics::dashboard(self.store.conn(), &q, Timestamp::now(), Self::offset_min())
    }

    /// The lost-deals report for a range, by the rep's email or name (for scripts).
    pub fn lost_report(&self, from: &str, to: &str, rep: Option<&str>) -> Result<crate::analytics::LostReport> {
        let q = crate::analytics::DashboardQuery { from: from.into(), to: to.into(), rep_id: self.rep_named(rep)? };
        self.lost_deals(&q)
    }

    /// The user with this email or name (any case), or an error naming `rep`.
    fn rep_named(&self, rep: Option<&str>) -> Result<Option<Uuid>> {
        let Some(who) = rep else { return Ok(None) };
        let users: Vec<crate::domain::User> = query(self.store.conn(), "ORDER BY name", [])?;
        let want = who.trim().to_lowercase();
        match users.iter().find(|u| u.email.to_lowercase() == want || u.name.to_lowercase() == want) {
            Some(u) => Ok(Some(u.id)),
            None => Err(CoreError::field("rep", format!("no user has the email or name {who:?}"))),
        }
    }

    /// The records behind a number of the dashboard.
    pub fn drill(&self, q: &crate::analytics::DrillQuery) -> Result<Vec<crate::analytics::DrillRow>> {
        crate::analytics::drill(self.store.conn(), q, Timestamp::now(), Self::offset_min())
    }

    pub(crate) fn write_export(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf> {
        std::fs::create_dir_all(dir).map_err(|e| CoreError::io(format!("cannot create {}", dir.display()), e))?;
        let path = dir.join(name);
        std::fs::write(&path, bytes).map_err(|e| CoreError::io(format!("cannot write {}", path.display()), e))?;
        Ok(path)
    }

    fn dashboard_title(&self, q: &crate::analytics::DashboardQuery) -> String {
        q.rep_id
            .and_then(|r| crate::store::get::<crate::domain::User>(self.store.conn(), r).ok())
            .map(|u| u.name)
            .unwrap_or_else(|| "Team".into())
    }

    /// The dashboard as a file in `dir`: `csv` (its tables) or `pdf`.
    pub fn export_dashboard(&self, q: &crate::analytics::DashboardQuery, format: &str, dir: &Path) -> Result<PathBuf> {
        let d = crate::analytics::dashboard(self.store.conn(), q, Timestamp::now(), Self::offset_min())?;
        let who = self.dashboard_title(q);
        let (bytes, ext) = match format {
            "csv" => (crate::analytics::dashboard_csv(&d).into_bytes(), "csv"),
            "pdf" => (crate::pdf::dashboard_pdf(&self.letterhead(), &who, &d)?, "pdf"),
            other => return Err(CoreError::field("format", format!("{other:?} is not csv or pdf"))),
        };
        Self::write_export(dir, &format!("Dashboard {who} {} to {}.{ext}", q.from, q.to), &bytes)
    }

    pub fn forecast_accuracy(&self) -> Result<crate::analytics::forecast::AccuracyReport> {
        crate::analytics::accuracy(self.store.conn(), Timestamp::now(), Self::offset_min())
    }

    pub fn forecast_backtest(&self, months: usize) -> Result<crate::analytics::forecast::AccuracyReport> {
        crate::analytics::backtest(self.store.conn(), Timestamp::now(), months.clamp(1, 24))
    }

    pub fn goals(&self, month: &str) -> Result<Vec<crate::domain::Goal>> {
        query(self.store.conn(), "WHERE month = ?1", [month])
    }

    pub fn save_goal(&mut self, g: crate::domain::Goal) -> Result<crate::domain::Goal> {
        crate::analytics::save_goal(&mut self.store, g)
    }

    pub fn commission_plans(&self) -> Result<Vec<crate::domain::CommissionPlan>> {
        query(self.store.conn(), "ORDER BY name", [])
    }

    pub fn save_commission_plan(&mut self, p: crate::domain::CommissionPlan) -> Result<crate::domain::CommissionPlan> {
        crate::analytics::save_plan(&mut self.store, p)
    }

    pub fn marketing_spend(&self) -> Result<Vec<crate::analytics::Spend>> {
        query(self.store.conn(), "ORDER BY month DESC, source", [])
    }

    pub fn save_marketing_spend(&mut self, s: crate::analytics::Spend) -> Result<crate::analytics::Spend> {
        crate::analytics::save_spend(&mut self.store, s)
    }

    pub fn commission_statement(&self, rep: Uuid, month: &str) -> Result<crate::analytics::commissions::Statement> {
        let offset = i64::from(Self::offset_min()) * 60_000;
        crate::analytics::commissions::statement(self.store.conn(), rep, month, offset)
    }

    pub fn approve_statement(&mut self, rep: Uuid, month: &str) -> Result<crate::analytics::commissions::Statement> {
        let offset = i64::from(Self::offset_min()) * 60_000;
        crate::analytics::commissions::approve(&mut self.store, rep, month, offset)
    }

    /// The statement as a PDF file in `dir`.
    pub fn save_statement_pdf(&self, rep: Uuid, month: &str, dir: &Path) -> Result<PathBuf> {
        let s = self.commission_statement(rep, month)?;
        let name_of = |id: Uuid| {
            crate::store::get::<crate::domain::User>(self.store.conn(), id).map(|u| u.name).unwrap_or_default()
        };
        let plan = crate::store::get::<crate::domain::CommissionPlan>(self.store.conn(), s.plan_id)
            .map(|p| p.name)
            .unwrap_or_default();
        let rep_name = name_of(rep);
        let approver = s.approved_by.map(name_of);
        let bytes = crate::pdf::statement_pdf(&self.letterhead(), &rep_name, &plan, &s, approver.as_deref())?;
        Self::write_export(dir, &format!("Commission {rep_name} {month}.pdf"), &bytes)
    }

    /// Active staff, by name, and who is signed in on this device.
    pub fn staff(&self) -> Result<Staff> {
        Ok(Staff { users: query(self.store.conn(), "WHERE active = 1 ORDER BY name", [])?, me: self.me_id() })
    }

    /// Every lead as an ADF 1.0 document.
    pub fn export_leads_adf(&self) -> Result<String> {
        io::export_adf(self.store.conn())
    }

    pub fn export_json(&self) -> Result<serde_json::Value> {
        io::export_json(self.store.conn())
    }

    /// Restores a JSON export into this (empty) data folder.
    pub fn restore_backup(&mut self, export: &serde_json::Value) -> Result<io::Restored> {
        let restored = io::import_json(&mut self.store, export)?;
        self.store.set_meta("onboarded", "restored")?;
        Ok(restored)
    }

    pub fn export_csv(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        io::export_csv(self.store.conn(), dir)
    }

    pub fn import_customers_csv(&mut self, bytes: &[u8], opts: ImportOptions) -> Result<ImportReport> {
        self.import_file("customers", bytes, opts, &[])
    }

    /// A customer or inventory CSV before importing it (`kind`: `customers` or `vehicles`): each
    /// column with the field it feeds (by `mapping`, else by its header) and the first rows.
    pub fn preview_import(
        &self,
        kind: &str,
        bytes: &[u8],
        mapping: &[(String, String)],
    ) -> Result<io::LeadFilePreview> {
        match kind {
            "customers" => io::preview_customers(bytes, mapping),
            "vehicles" => io::preview_vehicles(bytes, mapping),
            other => Err(CoreError::field("kind", format!("{other:?}: import customers or vehicles"))),
        }
    }

    /// Imports a customer or inventory CSV with the person's column mapping, as one transaction.
    pub fn import_file(
        &mut self,
        kind: &str,
        bytes: &[u8],
        opts: ImportOptions,
        mapping: &[(String, String)],
    ) -> Result<ImportReport> {
        match kind {
            "customers" => {
                let region = self.phone_region();
                io::import_customers_mapped(&mut self.store, bytes, &region, Self::today(), opts, mapping)
            }
            "vehicles" => {
                let year = Self::today().format("%Y").to_string().parse().unwrap_or(2026);
                io::import_vehicles_mapped(&mut self.store, bytes, year, opts, mapping)
            }
            other => Err(CoreError::field("kind", format!("{other:?}: import customers or vehicles"))),
        }
    }
}

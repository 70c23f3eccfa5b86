//! Tauri commands: one-line adapters over `showroom_core::Showroom`. No business rules here.

use showroom_core::activities::{ActivityDraft, Completion, Today};
use showroom_core::analytics::commissions::Statement;
use showroom_core::analytics::forecast::AccuracyReport;
use showroom_core::analytics::group::GroupDashboard;
use showroom_core::analytics::{Dashboard, DashboardQuery, DrillQuery, DrillRow, LostReport, Spend};
use showroom_core::api::AppStatus;
use showroom_core::api::{DayOf, Me, Staff};
use showroom_core::coaching::{CoachingDraft, CoachingRow};
use showroom_core::contact::{ContactDraft, Message};
use showroom_core::demo::DemoSummary;
use showroom_core::desk::tax::{CustomJurisdiction, Jurisdiction};
use showroom_core::desk::{Deal, DealCalc};
use showroom_core::domain::{Activity, Interaction, Opportunity, PipelineStage, Vehicle};
use showroom_core::domain::{CommissionPlan, Goal};
use showroom_core::domain::{Customer, CustomerDraft};
use showroom_core::domain::{DealershipPlace, Event};
use showroom_core::domain::{Referral, Survey};
use showroom_core::engagement::{Booking, Relations, SurveyDraft, TestDriveDraft};
use showroom_core::inventory::{VehicleFilter, VehicleMatch};
use showroom_core::io::{ImportOptions, ImportReport, LeadFilePreview};
use showroom_core::leads::floor::{Rotation, TrafficEntry, WalkIn};
use showroom_core::leads::inbox::{Capture, Captured, Converted, Inbox, InboxFilter, Routed};
use showroom_core::leads::merge::{DuplicatePair, MergeReport, MergeRequest};
use showroom_core::leads::scoring::Band;
use showroom_core::leads::{LeadAssignment, LeadSettings};
use showroom_core::lock::LockSettings;
use showroom_core::orders::ProductDraft;
use showroom_core::pdf::Letterhead;
use showroom_core::pipeline::{Board, BoardFilter, MoveRequest, OpportunityDraft};
use showroom_core::quotes::{Acceptance, QuoteDetail, QuoteFilter, QuoteRow, QuoteTarget};
use showroom_core::rooftops::RooftopSynced;
use showroom_core::store::customers::{CustomerDetail, CustomerQuery, Page};
use showroom_core::store::search::SearchHit;
use showroom_core::store::syncing::{Conflict, RefusedChange, SyncNotice};
use showroom_core::sync::protocol::{GroupVehicle, Transfer};
use showroom_core::sync::status::SyncAccount;
use showroom_core::sync::{engine, group};
use showroom_core::vault::{DataLock, Unlock};
use showroom_core::{ApiError, ErrorCode, Showroom};
use std::sync::{Arc, Mutex};
use tauri::State;
use uuid::Uuid;

/// The open database (or why it could not be opened, shown by the UI instead of a crash), and the
/// data folder it lives in.
/// Empty until the data is open: at start when the keyring (or `SHOWROOM_PASSPHRASE`) opens it,
/// else after the user types the passphrase (`open_data`).
pub struct AppState {
    pub app: std::sync::OnceLock<Arc<Mutex<Showroom>>>,
    /// Why the data is not open: locked (a passphrase is wanted) or an error to show.
    pub closed: Mutex<Option<ApiError>>,
    pub data_dir: std::path::PathBuf,
    /// Told before and after every command, so the window knows when it has gone quiet
    /// (`desktop::when_quiet`).
    pub used: Arc<tokio::sync::Notify>,
}

type R<T> = Result<T, ApiError>;

impl AppState {
    fn shared(&self) -> R<&Arc<Mutex<Showroom>>> {
        self.app.get().ok_or_else(|| {
            self.closed.lock().ok().and_then(|c| c.clone()).unwrap_or_else(|| ApiError {
                code: ErrorCode::Locked,
                message: "the data is not open yet".into(),
                fields: vec![],
            })
        })
    }
}

fn with<T>(state: &State<'_, AppState>, f: impl FnOnce(&mut Showroom) -> showroom_core::Result<T>) -> R<T> {
    state.used.notify_one();
    let done = locked(state, f);
    state.used.notify_one();
    done
}

/// [`with`] for the status bar's poll (every 3 s while the window shows): not the user's doing,
/// so it does not count as use; if it did, the window would release its memory again after every
/// poll (`desktop::when_quiet`), every 3 s for as long as it is open.
fn peek<T>(state: &State<'_, AppState>, f: impl FnOnce(&mut Showroom) -> showroom_core::Result<T>) -> R<T> {
    locked(state, f)
}

fn locked<T>(state: &State<'_, AppState>, f: impl FnOnce(&mut Showroom) -> showroom_core::Result<T>) -> R<T> {
    let lock = state.shared()?;
    let mut app = lock.lock().map_err(|_| ApiError {
        code: ErrorCode::Storage,
        message: "an earlier action failed badly; restart Showroom".into(),
        fields: vec![],
    })?;
    f(&mut app).map_err(Into::into)
}

/// The page reports its first frame on screen; with `SHOWROOM_STARTUP_PROBE` set the time since
/// the process started goes to stdout (scripts/bench-window reads it).
#[tauri::command]
pub fn first_paint(what: String) {
    crate::desktop::report_paint(&what);
}

#[tauri::command(async)]
pub fn app_status(state: State<'_, AppState>) -> R<AppStatus> {
    peek(&state, |a| a.status())
}

#[tauri::command(async)]
pub fn start_empty(state: State<'_, AppState>) -> R<AppStatus> {
    with(&state, |a| a.start_empty())
}

#[tauri::command(async)]
pub fn load_demo(state: State<'_, AppState>) -> R<DemoSummary> {
    with(&state, |a| a.load_demo())
}

#[tauri::command(async)]
pub fn list_customers(state: State<'_, AppState>, query: CustomerQuery) -> R<Page<Customer>> {
    with(&state, |a| a.list_customers(&query))
}

#[tauri::command(async)]
pub fn customer_detail(state: State<'_, AppState>, id: Uuid) -> R<CustomerDetail> {
    with(&state, |a| a.customer_detail(id))
}

#[tauri::command(async)]
pub fn create_customer(state: State<'_, AppState>, draft: CustomerDraft) -> R<Customer> {
    with(&state, |a| a.create_customer(&draft))
}

#[tauri::command(async)]
pub fn update_customer(state: State<'_, AppState>, id: Uuid, draft: CustomerDraft) -> R<Customer> {
    with(&state, |a| a.update_customer(id, &draft))
}

#[tauri::command(async)]
pub fn search(state: State<'_, AppState>, text: String) -> R<Vec<SearchHit>> {
    with(&state, |a| a.search(&text))
}

#[tauri::command(async)]
pub fn calculate_deal(state: State<'_, AppState>, deal: Deal) -> R<DealCalc> {
    with(&state, |a| a.calculate_deal(&deal))
}

#[tauri::command(async)]
pub fn tax_jurisdictions(state: State<'_, AppState>) -> R<Vec<String>> {
    with(&state, |a| Ok(a.tax_table().codes()))
}

#[tauri::command(async)]
pub fn find_vehicles(state: State<'_, AppState>, text: String) -> R<Vec<Vehicle>> {
    with(&state, |a| a.find_vehicles(&text))
}

#[tauri::command(async)]
pub fn create_quote(state: State<'_, AppState>, target: QuoteTarget, deal: Deal) -> R<QuoteDetail> {
    with(&state, |a| a.create_quote(&target, &deal))
}

#[tauri::command(async)]
pub fn revise_quote(state: State<'_, AppState>, id: Uuid, deal: Deal) -> R<QuoteDetail> {
    with(&state, |a| a.revise_quote(id, &deal))
}

#[tauri::command(async)]
pub fn save_quote_pdf(state: State<'_, AppState>, id: Uuid) -> R<String> {
    let dir = showroom_core::paths::documents_dir(&state.data_dir);
    with(&state, |a| a.save_quote_pdf(id, &dir).map(|p| p.display().to_string()))
}

#[tauri::command(async)]
pub fn filter_vehicles(state: State<'_, AppState>, filter: VehicleFilter) -> R<Vec<Vehicle>> {
    with(&state, |a| a.filter_vehicles(&filter))
}

#[tauri::command(async)]
pub fn vehicle_matches(state: State<'_, AppState>, customer_id: Uuid) -> R<Vec<VehicleMatch>> {
    with(&state, |a| a.vehicle_matches(customer_id))
}

#[tauri::command(async)]
pub fn jurisdictions(state: State<'_, AppState>) -> R<Vec<Jurisdiction>> {
    with(&state, |a| Ok(a.jurisdictions()))
}

#[tauri::command(async)]
pub fn save_custom_jurisdiction(state: State<'_, AppState>, rule: Jurisdiction) -> R<CustomJurisdiction> {
    with(&state, |a| a.save_custom_jurisdiction(rule))
}

#[tauri::command(async)]
pub fn letterhead(state: State<'_, AppState>) -> R<Letterhead> {
    with(&state, |a| Ok(a.letterhead()))
}

#[tauri::command(async)]
pub fn save_letterhead(state: State<'_, AppState>, letterhead: Letterhead) -> R<Letterhead> {
    with(&state, |a| a.save_letterhead(letterhead))
}

#[tauri::command(async)]
pub fn dealership_place(state: State<'_, AppState>) -> R<DealershipPlace> {
    with(&state, |a| Ok(a.dealership_place()))
}

#[tauri::command(async)]
pub fn save_dealership_place(state: State<'_, AppState>, place: DealershipPlace) -> R<DealershipPlace> {
    with(&state, |a| a.save_dealership_place(place))
}

/// Prints the quote: its PDF (saved, or the one saved for this version) opened in the system viewer.
#[tauri::command(async)]
pub fn open_quote_pdf(state: State<'_, AppState>, id: Uuid) -> R<String> {
    let dir = showroom_core::paths::documents_dir(&state.data_dir);
    let path = with(&state, |a| a.quote_pdf_file(id, &dir))?;
    crate::desktop::open_document(&path)?;
    Ok(path.display().to_string())
}

#[tauri::command(async)]
pub fn quotes(state: State<'_, AppState>, filter: QuoteFilter) -> R<Vec<QuoteRow>> {
    with(&state, |a| a.quotes(&filter))
}

#[tauri::command(async)]
pub fn quote_detail(state: State<'_, AppState>, id: Uuid) -> R<QuoteDetail> {
    with(&state, |a| a.quote_detail(id))
}

#[tauri::command(async)]
pub fn decline_quote(state: State<'_, AppState>, id: Uuid, reason: String) -> R<QuoteDetail> {
    with(&state, |a| a.decline_quote(id, &reason))
}

#[tauri::command(async)]
pub fn duplicate_quote(state: State<'_, AppState>, id: Uuid, vehicle_id: Uuid) -> R<QuoteDetail> {
    with(&state, |a| a.duplicate_quote(id, vehicle_id))
}

#[tauri::command(async)]
pub fn set_order_products(state: State<'_, AppState>, order: Uuid, products: Vec<ProductDraft>) -> R<QuoteDetail> {
    with(&state, |a| a.set_order_products(order, &products))
}

#[tauri::command(async)]
pub fn fund_order(state: State<'_, AppState>, order: Uuid) -> R<QuoteDetail> {
    with(&state, |a| a.fund_order(order))
}

#[tauri::command(async)]
pub fn deliver_order(state: State<'_, AppState>, order: Uuid) -> R<QuoteDetail> {
    with(&state, |a| a.deliver_order(order))
}

#[tauri::command(async)]
pub fn cancel_order(state: State<'_, AppState>, order: Uuid, reason: String) -> R<QuoteDetail> {
    with(&state, |a| a.cancel_order(order, &reason))
}

#[tauri::command(async)]
pub fn preview_import(
    state: State<'_, AppState>,
    kind: String,
    bytes: Vec<u8>,
    mapping: Vec<(String, String)>,
) -> R<LeadFilePreview> {
    with(&state, |a| a.preview_import(&kind, &bytes, &mapping))
}

#[tauri::command(async)]
pub fn import_file(
    state: State<'_, AppState>,
    kind: String,
    bytes: Vec<u8>,
    options: ImportOptions,
    mapping: Vec<(String, String)>,
) -> R<ImportReport> {
    with(&state, |a| a.import_file(&kind, &bytes, options, &mapping))
}

#[tauri::command(async)]
pub fn split_deal(state: State<'_, AppState>, id: Uuid, co_owner: Option<Uuid>) -> R<Opportunity> {
    with(&state, |a| a.split_deal(id, co_owner))
}

#[tauri::command(async)]
pub fn unwind_deal(state: State<'_, AppState>, id: Uuid, reason: String) -> R<Opportunity> {
    with(&state, |a| a.unwind_deal(id, &reason))
}

#[tauri::command(async)]
pub fn lost_deals(state: State<'_, AppState>, query: DashboardQuery) -> R<LostReport> {
    with(&state, |a| a.lost_deals(&query))
}

#[tauri::command(async)]
pub fn coaching(state: State<'_, AppState>, rep: Uuid) -> R<Vec<CoachingRow>> {
    with(&state, |a| a.coaching(rep))
}

#[tauri::command(async)]
pub fn add_coaching(state: State<'_, AppState>, draft: CoachingDraft) -> R<Vec<CoachingRow>> {
    with(&state, |a| a.add_coaching(&draft))
}

#[tauri::command(async)]
pub fn coaching_done(state: State<'_, AppState>, id: Uuid, done: bool) -> R<Vec<CoachingRow>> {
    with(&state, |a| a.coaching_done(id, done))
}

#[tauri::command(async)]
pub fn remove_coaching(state: State<'_, AppState>, id: Uuid) -> R<()> {
    with(&state, |a| a.remove_coaching(id))
}

#[tauri::command(async)]
pub fn accept_quote(state: State<'_, AppState>, id: Uuid, acceptance: Acceptance) -> R<QuoteDetail> {
    with(&state, |a| a.accept_quote(id, &acceptance))
}

fn shared(state: &State<'_, AppState>) -> R<Arc<Mutex<Showroom>>> {
    state.shared().map(Arc::clone)
}

#[tauri::command]
pub async fn sign_in(state: State<'_, AppState>, server: String, user: String, password: String) -> R<SyncAccount> {
    Ok(engine::sign_in(&*shared(&state)?, &server, &user, &password).await?)
}

#[tauri::command]
pub async fn sign_out(state: State<'_, AppState>) -> R<()> {
    Ok(engine::sign_out(&*shared(&state)?).await?)
}

#[tauri::command(async)]
pub fn group_dashboard(state: State<'_, AppState>, from: String, to: String) -> R<GroupDashboard> {
    with(&state, |a| a.group_dashboard(&from, &to))
}

#[tauri::command(async)]
pub fn export_group_dashboard(state: State<'_, AppState>, from: String, to: String) -> R<String> {
    let dir = showroom_core::paths::documents_dir(&state.data_dir);
    with(&state, |a| a.export_group_dashboard(&from, &to, &dir).map(|p| p.display().to_string()))
}

#[tauri::command]
pub async fn sync_group(state: State<'_, AppState>) -> R<Vec<RooftopSynced>> {
    Ok(group::sync_group(&*shared(&state)?).await?)
}

#[tauri::command]
pub async fn group_inventory(state: State<'_, AppState>, query: String) -> R<Vec<GroupVehicle>> {
    Ok(group::inventory(&*shared(&state)?, &query).await?)
}

#[tauri::command]
pub async fn group_transfers(state: State<'_, AppState>) -> R<Vec<Transfer>> {
    Ok(group::transfers(&*shared(&state)?).await?)
}

#[tauri::command]
pub async fn request_transfer(state: State<'_, AppState>, vehicle_id: Uuid, note: String) -> R<Transfer> {
    Ok(group::request_transfer(&*shared(&state)?, vehicle_id, &note).await?)
}

#[tauri::command]
pub async fn decide_transfer(state: State<'_, AppState>, id: Uuid, approve: bool, reason: String) -> R<Transfer> {
    Ok(group::decide_transfer(&*shared(&state)?, id, approve, &reason).await?)
}

#[tauri::command(async)]
pub fn sync_account(state: State<'_, AppState>) -> R<Option<SyncAccount>> {
    with(&state, |a| a.sync_account())
}

#[tauri::command(async)]
pub fn sync_now(state: State<'_, AppState>) -> R<()> {
    with(&state, |a| {
        a.request_sync();
        Ok(())
    })
}

#[tauri::command(async)]
pub fn conflicts(state: State<'_, AppState>) -> R<Vec<Conflict>> {
    with(&state, |a| a.conflicts())
}

#[tauri::command(async)]
pub fn keep_mine(state: State<'_, AppState>, id: i64) -> R<()> {
    with(&state, |a| a.keep_mine(id))
}

#[tauri::command(async)]
pub fn dismiss_conflict(state: State<'_, AppState>, id: i64) -> R<()> {
    with(&state, |a| a.dismiss_conflict(id))
}

#[tauri::command(async)]
pub fn sync_notices(state: State<'_, AppState>) -> R<Vec<SyncNotice>> {
    with(&state, |a| a.sync_notices())
}

#[tauri::command(async)]
pub fn dismiss_notice(state: State<'_, AppState>, seq: i64) -> R<()> {
    with(&state, |a| a.dismiss_notice(seq))
}

#[tauri::command(async)]
pub fn refused_changes(state: State<'_, AppState>) -> R<Vec<RefusedChange>> {
    with(&state, |a| a.refused_changes())
}

#[tauri::command(async)]
pub fn dismiss_refused(state: State<'_, AppState>, id: Uuid) -> R<()> {
    with(&state, |a| a.dismiss_refused(id))
}

#[tauri::command(async)]
pub fn board(state: State<'_, AppState>, filter: BoardFilter) -> R<Board> {
    with(&state, |a| a.board(&filter))
}

#[tauri::command(async)]
pub fn move_opportunity(state: State<'_, AppState>, id: Uuid, req: MoveRequest) -> R<Opportunity> {
    with(&state, |a| a.move_opportunity(id, &req))
}

#[tauri::command(async)]
pub fn create_opportunity(state: State<'_, AppState>, draft: OpportunityDraft) -> R<Opportunity> {
    with(&state, |a| a.create_opportunity(&draft))
}

#[tauri::command(async)]
pub fn pipeline_stages(state: State<'_, AppState>, pipeline: String) -> R<Vec<PipelineStage>> {
    with(&state, |a| a.pipeline_stages(&pipeline))
}

#[tauri::command(async)]
pub fn save_stage(state: State<'_, AppState>, stage: PipelineStage) -> R<PipelineStage> {
    with(&state, |a| a.save_stage(stage))
}

#[tauri::command(async)]
pub fn create_activity(state: State<'_, AppState>, draft: ActivityDraft) -> R<Activity> {
    with(&state, |a| a.create_activity(&draft))
}

#[tauri::command(async)]
pub fn complete_activity(state: State<'_, AppState>, id: Uuid, completion: Completion) -> R<Activity> {
    with(&state, |a| a.complete_activity(id, &completion))
}

#[tauri::command(async)]
pub fn today(state: State<'_, AppState>, day_end: String, of: DayOf, overdue_cap: usize) -> R<Today> {
    with(&state, |a| a.day(&day_end, of, overdue_cap))
}

#[tauri::command(async)]
pub fn me(state: State<'_, AppState>) -> R<Me> {
    with(&state, |a| a.me())
}

#[tauri::command(async)]
pub fn set_laptop_user(state: State<'_, AppState>, user: Option<Uuid>) -> R<Me> {
    with(&state, |a| a.set_laptop_user(user))
}

#[tauri::command(async)]
pub fn log_contact(state: State<'_, AppState>, draft: ContactDraft) -> R<Interaction> {
    with(&state, |a| a.log_contact(&draft))
}

#[tauri::command(async)]
pub fn messages(state: State<'_, AppState>, customer_id: Uuid) -> R<Vec<Message>> {
    with(&state, |a| a.messages(customer_id))
}

#[tauri::command(async)]
pub fn share_quote(state: State<'_, AppState>, id: Uuid, days: Option<u32>) -> R<showroom_core::portal::ShareLink> {
    with(&state, |a| a.share_quote(id, days))
}

#[tauri::command(async)]
pub fn revoke_share(state: State<'_, AppState>, id: Uuid) -> R<showroom_core::portal::QuoteShare> {
    with(&state, |a| a.revoke_share(id))
}

#[tauri::command(async)]
pub fn quote_shares(state: State<'_, AppState>, quote_id: Uuid) -> R<Vec<showroom_core::portal::QuoteShare>> {
    with(&state, |a| a.quote_shares(quote_id))
}

#[tauri::command(async)]
pub fn queue_message(
    state: State<'_, AppState>,
    draft: showroom_core::portal::MessageDraft,
) -> R<showroom_core::portal::OutgoingMessage> {
    with(&state, |a| a.queue_message(&draft))
}

#[tauri::command(async)]
pub fn cancel_message(state: State<'_, AppState>, id: Uuid) -> R<showroom_core::portal::OutgoingMessage> {
    with(&state, |a| a.cancel_message(id))
}

#[tauri::command(async)]
pub fn outgoing_messages(
    state: State<'_, AppState>,
    customer_id: Uuid,
) -> R<Vec<showroom_core::portal::OutgoingMessage>> {
    with(&state, |a| a.outgoing_messages(customer_id))
}

#[tauri::command(async)]
pub fn schedule_test_drive(state: State<'_, AppState>, draft: TestDriveDraft) -> R<Booking> {
    with(&state, |a| a.schedule_test_drive(&draft))
}

#[tauri::command(async)]
pub fn record_survey(state: State<'_, AppState>, draft: SurveyDraft) -> R<Survey> {
    with(&state, |a| a.record_survey(&draft))
}

#[tauri::command(async)]
pub fn add_referral(state: State<'_, AppState>, customer: Uuid, referrer: Uuid, note: String) -> R<Referral> {
    with(&state, |a| a.add_referral(customer, referrer, &note))
}

#[tauri::command(async)]
pub fn relations(state: State<'_, AppState>, customer: Uuid) -> R<Relations> {
    with(&state, |a| a.relations(customer))
}

#[tauri::command(async)]
pub fn pipelines(state: State<'_, AppState>) -> R<Vec<String>> {
    with(&state, |a| a.pipelines())
}

#[tauri::command(async)]
pub fn lead_inbox(state: State<'_, AppState>, filter: InboxFilter) -> R<Inbox> {
    with(&state, |a| a.lead_inbox(&filter))
}

#[tauri::command(async)]
pub fn capture_lead(state: State<'_, AppState>, capture: Capture) -> R<Captured> {
    with(&state, |a| a.capture_lead(&capture))
}

#[tauri::command(async)]
pub fn convert_lead(state: State<'_, AppState>, lead: Uuid, link_to: Option<Uuid>) -> R<Converted> {
    with(&state, |a| a.convert_lead(lead, link_to))
}

#[tauri::command(async)]
pub fn assign_leads(state: State<'_, AppState>, leads: Vec<Uuid>, rep: Uuid, reason: String) -> R<u32> {
    with(&state, |a| a.assign_leads(&leads, rep, &reason))
}

#[tauri::command(async)]
pub fn route_leads(state: State<'_, AppState>) -> R<Vec<Routed>> {
    with(&state, |a| a.route_leads())
}

#[tauri::command(async)]
pub fn lead_assignments(state: State<'_, AppState>, lead: Uuid) -> R<Vec<LeadAssignment>> {
    with(&state, |a| a.lead_assignments(lead))
}

#[tauri::command(async)]
pub fn lead_settings(state: State<'_, AppState>) -> R<LeadSettings> {
    with(&state, |a| a.lead_settings())
}

#[tauri::command(async)]
pub fn save_lead_settings(state: State<'_, AppState>, settings: LeadSettings) -> R<LeadSettings> {
    with(&state, |a| a.save_lead_settings(settings))
}

#[tauri::command(async)]
pub fn lead_calibration(state: State<'_, AppState>) -> R<Vec<Band>> {
    with(&state, |a| a.lead_calibration())
}

#[tauri::command(async)]
pub fn preview_lead_file(
    state: State<'_, AppState>,
    bytes: Vec<u8>,
    mapping: Vec<(String, String)>,
) -> R<LeadFilePreview> {
    with(&state, |a| a.preview_lead_file(&bytes, &mapping))
}

#[tauri::command(async)]
pub fn import_leads(
    state: State<'_, AppState>,
    bytes: Vec<u8>,
    options: ImportOptions,
    mapping: Vec<(String, String)>,
) -> R<ImportReport> {
    with(&state, |a| a.import_leads(&bytes, options, &mapping))
}

#[tauri::command(async)]
pub fn possible_duplicates(state: State<'_, AppState>) -> R<Vec<DuplicatePair>> {
    with(&state, |a| a.possible_duplicates(200))
}

#[tauri::command(async)]
pub fn merge_customers(state: State<'_, AppState>, request: MergeRequest) -> R<MergeReport> {
    with(&state, |a| a.merge_customers(&request))
}

#[tauri::command(async)]
pub fn floor(state: State<'_, AppState>) -> R<Rotation> {
    with(&state, |a| a.floor())
}

#[tauri::command(async)]
pub fn check_in(state: State<'_, AppState>, user: Uuid, on_floor: bool) -> R<Rotation> {
    with(&state, |a| a.check_in(user, on_floor))
}

#[tauri::command(async)]
pub fn reorder_floor(state: State<'_, AppState>, order: Vec<Uuid>) -> R<Rotation> {
    with(&state, |a| a.reorder_floor(&order))
}

#[tauri::command(async)]
pub fn walk_in(state: State<'_, AppState>, draft: WalkIn) -> R<TrafficEntry> {
    with(&state, |a| a.walk_in(&draft))
}

#[tauri::command(async)]
pub fn walk_in_outcome(state: State<'_, AppState>, id: Uuid, outcome: String) -> R<TrafficEntry> {
    with(&state, |a| a.walk_in_outcome(id, &outcome))
}

#[tauri::command(async)]
pub fn lock_settings(state: State<'_, AppState>) -> R<LockSettings> {
    with(&state, |a| a.lock_settings())
}

#[tauri::command(async)]
pub fn configure_lock(
    state: State<'_, AppState>,
    idle_minutes: u32,
    pin: Option<String>,
    current: Option<String>,
) -> R<LockSettings> {
    with(&state, |a| a.configure_lock(idle_minutes, pin.as_deref(), current.as_deref()))
}

#[tauri::command(async)]
pub fn unlock(state: State<'_, AppState>, pin: String) -> R<()> {
    with(&state, |a| a.unlock(&pin))
}

#[tauri::command(async)]
pub fn events(state: State<'_, AppState>) -> R<Vec<Event>> {
    with(&state, |a| a.events())
}

#[tauri::command(async)]
pub fn save_event(state: State<'_, AppState>, event: Event) -> R<Event> {
    with(&state, |a| a.save_event(event))
}

#[tauri::command(async)]
pub fn staff(state: State<'_, AppState>) -> R<Staff> {
    with(&state, |a| a.staff())
}

#[tauri::command(async)]
pub fn dashboard(state: State<'_, AppState>, query: DashboardQuery) -> R<Dashboard> {
    with(&state, |a| a.dashboard(&query))
}

#[tauri::command(async)]
pub fn drill(state: State<'_, AppState>, query: DrillQuery) -> R<Vec<DrillRow>> {
    with(&state, |a| a.drill(&query))
}

#[tauri::command(async)]
pub fn export_dashboard(state: State<'_, AppState>, query: DashboardQuery, format: String) -> R<String> {
    let dir = showroom_core::paths::documents_dir(&state.data_dir);
    with(&state, |a| a.export_dashboard(&query, &format, &dir).map(|p| p.display().to_string()))
}

#[tauri::command(async)]
pub fn forecast_accuracy(state: State<'_, AppState>) -> R<AccuracyReport> {
    with(&state, |a| a.forecast_accuracy())
}

#[tauri::command]
pub fn parse_money(field: String, text: String) -> R<i64> {
    Showroom::parse_money(&field, &text).map_err(Into::into)
}

#[tauri::command(async)]
pub fn forecast_backtest(state: State<'_, AppState>, months: usize) -> R<AccuracyReport> {
    with(&state, |a| a.forecast_backtest(months))
}

#[tauri::command(async)]
pub fn goals(state: State<'_, AppState>, month: String) -> R<Vec<Goal>> {
    with(&state, |a| a.goals(&month))
}

#[tauri::command(async)]
pub fn save_goal(state: State<'_, AppState>, goal: Goal) -> R<Goal> {
    with(&state, |a| a.save_goal(goal))
}

#[tauri::command(async)]
pub fn commission_plans(state: State<'_, AppState>) -> R<Vec<CommissionPlan>> {
    with(&state, |a| a.commission_plans())
}

#[tauri::command(async)]
pub fn save_commission_plan(state: State<'_, AppState>, plan: CommissionPlan) -> R<CommissionPlan> {
    with(&state, |a| a.save_commission_plan(plan))
}

#[tauri::command(async)]
pub fn marketing_spend(state: State<'_, AppState>) -> R<Vec<Spend>> {
    with(&state, |a| a.marketing_spend())
}

#[tauri::command(async)]
pub fn save_marketing_spend(state: State<'_, AppState>, spend: Spend) -> R<Spend> {
    with(&state, |a| a.save_marketing_spend(spend))
}

#[tauri::command(async)]
pub fn commission_statement(state: State<'_, AppState>, rep: Uuid, month: String) -> R<Statement> {
    with(&state, |a| a.commission_statement(rep, &month))
}

#[tauri::command(async)]
pub fn approve_statement(state: State<'_, AppState>, rep: Uuid, month: String) -> R<Statement> {
    with(&state, |a| a.approve_statement(rep, &month))
}

#[tauri::command(async)]
pub fn save_statement_pdf(state: State<'_, AppState>, rep: Uuid, month: String) -> R<String> {
    let dir = showroom_core::paths::documents_dir(&state.data_dir);
    with(&state, |a| a.save_statement_pdf(rep, &month, &dir).map(|p| p.display().to_string()))
}

/// Whether the data is open, and if not whether a passphrase is to be set or entered.
#[tauri::command(async)]
pub fn data_lock(state: State<'_, AppState>) -> R<DataLock> {
    let closed = state.closed.lock().ok().and_then(|c| c.clone());
    Ok(DataLock::of(state.app.get().is_some(), closed.as_ref(), &state.data_dir))
}

/// Opens the data with the passphrase the user typed (setting it on first use).
#[tauri::command(async)]
pub fn open_data(app: tauri::AppHandle, state: State<'_, AppState>, passphrase: String) -> R<AppStatus> {
    crate::desktop::open_data(&app, &state, Unlock::from_env().and_passphrase(&passphrase))
}

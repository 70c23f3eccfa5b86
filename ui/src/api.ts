// The one adapter between the UI and the back end. Every call goes through `call`, which turns
// whatever the bridge throws into an ApiError {code, message, fields}.
import { invoke } from "@tauri-apps/api/core";
import { syncClock } from "./lib/clock";
import { setLocale } from "./lib/locale";
import type {
  ApiError, AppStatus, Customer, CustomerDetail, CustomerDraft, CustomerQuery, Deal, DealCalc, DemoSummary, Page,
  Acceptance, CustomJurisdiction, DealershipPlace, Jurisdiction, Letterhead, ProductDraft, QuoteDetail, QuoteFilter, QuoteRow, QuoteTarget, SearchHit, Vehicle, VehicleFilter, VehicleMatch,
  Conflict, RefusedChange, SyncAccount, SyncNotice, MessageDraft, OutgoingMessage, QuoteShare, ShareLink,
  ContactDraft, Interaction, Message, Booking, Referral, Relations, Survey, SurveyDraft, TestDriveDraft,
  Activity, ActivityDraft, Board, BoardFilter, Completion, MoveRequest, Opportunity, OpportunityDraft, PipelineStage, Today, DayOf, Me,
  Band, Capture, Captured, Converted, DuplicatePair, Event, ImportOptions, ImportReport, Inbox, InboxFilter, LeadAssignment,
  LeadFilePreview, LeadSettings, MergeReport, MergeRequest, Rotation, Routed, Staff, TrafficEntry, WalkIn,
  AccuracyReport, CommissionPlan, Dashboard, DashboardQuery, DrillQuery, DrillRow, Goal, Spend, Statement,
  LockSettings, DataLock, LostReport, CoachingDraft, CoachingRow,
  GroupDashboard, GroupVehicle, RooftopSynced, Transfer,
} from "./bindings";

export function isApiError(e: unknown): e is ApiError {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

export function toApiError(e: unknown): ApiError {
  if (isApiError(e)) return { ...e, fields: e.fields ?? [] };
  return { code: "io", message: e instanceof Error ? e.message : String(e), fields: [] };
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw toApiError(e);
  }
}

/** Every status carries the core's clock and the dealership's locale: the UI's "now" follows the
 * clock (pinned in tests), its formats and label spelling the locale. */
function withClock(s: AppStatus): AppStatus {
  syncClock(s.now);
  setLocale(s.locale.tag, s.respell);
  return s;
}

const paintedOnce = new Set<string>();

export const api = {
  status: () => call<AppStatus>("app_status").then(withClock),
  startEmpty: () => call<AppStatus>("start_empty").then(withClock),
  loadDemo: () => call<DemoSummary>("load_demo"),
  listCustomers: (query: CustomerQuery) => call<Page<Customer>>("list_customers", { query }),
  customerDetail: (id: string) => call<CustomerDetail>("customer_detail", { id }),
  createCustomer: (draft: CustomerDraft) => call<Customer>("create_customer", { draft }),
  updateCustomer: (id: string, draft: CustomerDraft) => call<Customer>("update_customer", { id, draft }),
  search: (text: string) => call<SearchHit[]>("search", { text }),
  calculateDeal: (deal: Deal) => call<DealCalc>("calculate_deal", { deal }),
  taxJurisdictions: () => call<string[]>("tax_jurisdictions"),
  findVehicles: (text: string) => call<Vehicle[]>("find_vehicles", { text }),
  createQuote: (target: QuoteTarget, deal: Deal) => call<QuoteDetail>("create_quote", { target, deal }),
  reviseQuote: (id: string, deal: Deal) => call<QuoteDetail>("revise_quote", { id, deal }),
  saveQuotePdf: (id: string) => call<string>("save_quote_pdf", { id }),
  filterVehicles: (filter: VehicleFilter) => call<Vehicle[]>("filter_vehicles", { filter }),
  vehicleMatches: (customerId: string) => call<VehicleMatch[]>("vehicle_matches", { customerId }),
  jurisdictions: () => call<Jurisdiction[]>("jurisdictions"),
  letterhead: () => call<Letterhead>("letterhead"),
  saveLetterhead: (letterhead: Letterhead) => call<Letterhead>("save_letterhead", { letterhead }),
  dealershipPlace: () => call<DealershipPlace>("dealership_place"),
  saveDealershipPlace: (place: DealershipPlace) => call<DealershipPlace>("save_dealership_place", { place }),
  acceptQuote: (id: string, acceptance: Acceptance) => call<QuoteDetail>("accept_quote", { id, acceptance }),
  /** Prints a quote: its PDF opened in the system viewer; resolves to the file's path. */
  openQuotePdf: (id: string) => call<string>("open_quote_pdf", { id }),
  quotes: (filter: QuoteFilter) => call<QuoteRow[]>("quotes", { filter }),
  quoteDetail: (id: string) => call<QuoteDetail>("quote_detail", { id }),
  declineQuote: (id: string, reason: string) => call<QuoteDetail>("decline_quote", { id, reason }),
  shareQuote: (id: string, days: number | null) => call<ShareLink>("share_quote", { id, days }),
  revokeShare: (id: string) => call<QuoteShare>("revoke_share", { id }),
  quoteShares: (quoteId: string) => call<QuoteShare[]>("quote_shares", { quoteId }),
  queueMessage: (draft: MessageDraft) => call<OutgoingMessage>("queue_message", { draft }),
  cancelMessage: (id: string) => call<OutgoingMessage>("cancel_message", { id }),
  outgoingMessages: (customerId: string) => call<OutgoingMessage[]>("outgoing_messages", { customerId }),
  duplicateQuote: (id: string, vehicleId: string) => call<QuoteDetail>("duplicate_quote", { id, vehicleId }),
  setOrderProducts: (order: string, products: ProductDraft[]) => call<QuoteDetail>("set_order_products", { order, products }),
  fundOrder: (order: string) => call<QuoteDetail>("fund_order", { order }),
  deliverOrder: (order: string) => call<QuoteDetail>("deliver_order", { order }),
  cancelOrder: (order: string, reason: string) => call<QuoteDetail>("cancel_order", { order, reason }),
  saveCustomJurisdiction: (rule: Jurisdiction) => call<CustomJurisdiction>("save_custom_jurisdiction", { rule }),
  signIn: (server: string, user: string, password: string) => call<SyncAccount>("sign_in", { server, user, password }),
  signOut: () => call<void>("sign_out"),
  syncAccount: () => call<SyncAccount | null>("sync_account"),
  syncNow: () => call<void>("sync_now"),
  groupDashboard: (from: string, to: string) => call<GroupDashboard>("group_dashboard", { from, to }),
  exportGroupDashboard: (from: string, to: string) => call<string>("export_group_dashboard", { from, to }),
  syncGroup: () => call<RooftopSynced[]>("sync_group"),
  groupInventory: (query: string) => call<GroupVehicle[]>("group_inventory", { query }),
  groupTransfers: () => call<Transfer[]>("group_transfers"),
  requestTransfer: (vehicleId: string, note: string) => call<Transfer>("request_transfer", { vehicleId, note }),
  decideTransfer: (id: string, approve: boolean, reason: string) => call<Transfer>("decide_transfer", { id, approve, reason }),
  conflicts: () => call<Conflict[]>("conflicts"),
  keepMine: (id: number) => call<void>("keep_mine", { id }),
  dismissConflict: (id: number) => call<void>("dismiss_conflict", { id }),
  syncNotices: () => call<SyncNotice[]>("sync_notices"),
  dismissNotice: (seq: number) => call<void>("dismiss_notice", { seq }),
  refusedChanges: () => call<RefusedChange[]>("refused_changes"),
  dismissRefused: (id: string) => call<void>("dismiss_refused", { id }),
  board: (filter: BoardFilter) => call<Board>("board", { filter }),
  moveOpportunity: (id: string, req: MoveRequest) => call<Opportunity>("move_opportunity", { id, req }),
  createOpportunity: (draft: OpportunityDraft) => call<Opportunity>("create_opportunity", { draft }),
  pipelines: () => call<string[]>("pipelines"),
  pipelineStages: (pipeline: string) => call<PipelineStage[]>("pipeline_stages", { pipeline }),
  saveStage: (stage: PipelineStage) => call<PipelineStage>("save_stage", { stage }),
  createActivity: (draft: ActivityDraft) => call<Activity>("create_activity", { draft }),
  completeActivity: (id: string, completion: Completion) => call<Activity>("complete_activity", { id, completion }),
  today: (dayEnd: string, of: DayOf = { of: "mine" }, overdueCap = 8) => call<Today>("today", { dayEnd, of, overdueCap }),
  me: () => call<Me>("me"),
  setLaptopUser: (user: string | null) => call<Me>("set_laptop_user", { user }),
  logContact: (draft: ContactDraft) => call<Interaction>("log_contact", { draft }),
  messages: (customerId: string) => call<Message[]>("messages", { customerId }),
  scheduleTestDrive: (draft: TestDriveDraft) => call<Booking>("schedule_test_drive", { draft }),
  recordSurvey: (draft: SurveyDraft) => call<Survey>("record_survey", { draft }),
  addReferral: (customer: string, referrer: string, note: string) => call<Referral>("add_referral", { customer, referrer, note }),
  relations: (customer: string) => call<Relations>("relations", { customer }),
  leadInbox: (filter: InboxFilter) => call<Inbox>("lead_inbox", { filter }),
  captureLead: (capture: Capture) => call<Captured>("capture_lead", { capture }),
  convertLead: (lead: string, linkTo: string | null) => call<Converted>("convert_lead", { lead, linkTo }),
  assignLeads: (leads: string[], rep: string, reason: string) => call<number>("assign_leads", { leads, rep, reason }),
  routeLeads: () => call<Routed[]>("route_leads"),
  leadAssignments: (lead: string) => call<LeadAssignment[]>("lead_assignments", { lead }),
  leadSettings: () => call<LeadSettings>("lead_settings"),
  saveLeadSettings: (settings: LeadSettings) => call<LeadSettings>("save_lead_settings", { settings }),
  leadCalibration: () => call<Band[]>("lead_calibration"),
  previewLeadFile: (bytes: number[], mapping: [string, string][]) => call<LeadFilePreview>("preview_lead_file", { bytes, mapping }),
  importLeads: (bytes: number[], options: ImportOptions, mapping: [string, string][]) => call<ImportReport>("import_leads", { bytes, options, mapping }),
  possibleDuplicates: () => call<DuplicatePair[]>("possible_duplicates"),
  mergeCustomers: (request: MergeRequest) => call<MergeReport>("merge_customers", { request }),
  floor: () => call<Rotation>("floor"),
  checkIn: (user: string, onFloor: boolean) => call<Rotation>("check_in", { user, onFloor }),
  reorderFloor: (order: string[]) => call<Rotation>("reorder_floor", { order }),
  walkIn: (draft: WalkIn) => call<TrafficEntry>("walk_in", { draft }),
  walkInOutcome: (id: string, outcome: string) => call<TrafficEntry>("walk_in_outcome", { id, outcome }),
  lockSettings: () => call<LockSettings>("lock_settings"),
  configureLock: (idleMinutes: number, pin: string | null, current: string | null) =>
    call<LockSettings>("configure_lock", { idleMinutes, pin, current }),
  unlock: (pin: string) => call<void>("unlock", { pin }),
  dataLock: () => call<DataLock>("data_lock"),
  openData: (passphrase: string) => call<AppStatus>("open_data", { passphrase }).then(withClock),
  events: () => call<Event[]>("events"),
  saveEvent: (event: Event) => call<Event>("save_event", { event }),
  staff: () => call<Staff>("staff"),
  dashboard: (query: DashboardQuery) => call<Dashboard>("dashboard", { query }),
  drill: (query: DrillQuery) => call<DrillRow[]>("drill", { query }),
  exportDashboard: (query: DashboardQuery, format: "csv" | "pdf") => call<string>("export_dashboard", { query, format }),
  forecastAccuracy: () => call<AccuracyReport>("forecast_accuracy"),
  /** Whole cents from typed text, by the core's money parser (an error names `field`). */
  /** Once per `what`: the frame after this render is on screen (the startup benchmark's marker). */
  painted: (what: string) => {
    if (paintedOnce.has(what)) return;
    paintedOnce.add(what);
    requestAnimationFrame(() => requestAnimationFrame(() => { void call<void>("first_paint", { what }).catch(() => {}); }));
  },
  parseMoney: (text: string, field: string) => call<number>("parse_money", { field, text }),
  forecastBacktest: (months: number) => call<AccuracyReport>("forecast_backtest", { months }),
  goals: (month: string) => call<Goal[]>("goals", { month }),
  saveGoal: (goal: Goal) => call<Goal>("save_goal", { goal }),
  commissionPlans: () => call<CommissionPlan[]>("commission_plans"),
  saveCommissionPlan: (plan: CommissionPlan) => call<CommissionPlan>("save_commission_plan", { plan }),
  marketingSpend: () => call<Spend[]>("marketing_spend"),
  saveMarketingSpend: (spend: Spend) => call<Spend>("save_marketing_spend", { spend }),
  commissionStatement: (rep: string, month: string) => call<Statement>("commission_statement", { rep, month }),
  approveStatement: (rep: string, month: string) => call<Statement>("approve_statement", { rep, month }),
  saveStatementPdf: (rep: string, month: string) => call<string>("save_statement_pdf", { rep, month }),
  previewImport: (kind: "customers" | "vehicles", bytes: number[], mapping: [string, string][]) => call<LeadFilePreview>("preview_import", { kind, bytes, mapping }),
  importFile: (kind: "customers" | "vehicles", bytes: number[], options: ImportOptions, mapping: [string, string][]) => call<ImportReport>("import_file", { kind, bytes, options, mapping }),
  splitDeal: (id: string, coOwner: string | null) => call<Opportunity>("split_deal", { id, coOwner }),
  unwindDeal: (id: string, reason: string) => call<Opportunity>("unwind_deal", { id, reason }),
  lostDeals: (query: DashboardQuery) => call<LostReport>("lost_deals", { query }),
  coaching: (rep: string) => call<CoachingRow[]>("coaching", { rep }),
  addCoaching: (draft: CoachingDraft) => call<CoachingRow[]>("add_coaching", { draft }),
  coachingDone: (id: string, done: boolean) => call<CoachingRow[]>("coaching_done", { id, done }),
  removeCoaching: (id: string) => call<void>("remove_coaching", { id }),
};

/** Field errors of an ApiError as a map (field -> message); the whole message under `_` when none is named. */
export function fieldErrors(e: unknown): Record<string, string> {
  const err = toApiError(e);
  if (!err.fields.length) return { _: err.message };
  return Object.fromEntries(err.fields.map((f) => [f.field, f.message]));
}

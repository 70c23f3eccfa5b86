// Generated from the Rust types by showroom-core (src/bindings.rs). Do not edit.
// Regenerate: UPDATE_BINDINGS=1 cargo test -p showroom-core bindings

export type ApiError = { code: ErrorCode, message: string, 
/**
 * Per-field problems, for showing next to each field.
 */
fields: Array<FieldError>, };

export type ErrorCode = "validation" | "not_found" | "conflict" | "schema_too_new" | "import" | "storage" | "io" | "locked";

export type FieldError = { field: string, message: string, };

export type AppStatus = { 
/**
 * The SQLite file, or `:memory:`.
 */
data_file: string, schema_version: number, device_id: string, dealership: string | null, customers: number, 
/**
 * False until the user chose "Load demo dealership" or "Start empty" (or data exists).
 */
onboarded: boolean, sync: SyncStatus, 
/**
 * Conflicts, notices and refused edits waiting for the user.
 */
sync_attention: number, 
/**
 * Moves when a sync brings data from the server: open views reload quietly when it changes.
 */
data_version: number, 
/**
 * The core's clock (pinned in tests and demos by `SHOWROOM_NOW`): the UI reads "now" from it.
 */
now: Timestamp, 
/**
 * The dealership's locale: date and number formats, and the spelling of built-in labels.
 */
locale: Locale, 
/**
 * Commonwealth → American word forms the UI applies to its built-in labels when the
 * dealership spells the American way (empty otherwise): one list, kept in the core.
 */
respell: Array<[string, string]>, };

export type Locale = { 
/**
 * "en-US", "en-CA", "en-GB"…: the UI's `Intl` formats use it.
 */
tag: string, spelling: Spelling, };

export type Spelling = "american" | "commonwealth";

export type SyncStatus = { "state": "local", pending: number, } | { "state": "syncing", pending: number, server: string, } | { "state": "synced", pending: number, server: string, at: string, } | { "state": "offline", pending: number, server: string, since: string, retry_in_s: number, } | { "state": "error", pending: number, server: string, message: string, } | { "state": "sign_in_needed", pending: number, server: string, message: string, };

export type DemoSummary = { users: number, vehicles: number, customers: number, leads: number, opportunities: number, activities: number, interactions: number, };

export type SyncAccount = { server: string, user: string, role: string, expires_at: string, };

export type SyncReport = { pushed: number, refused: number, pulled: number, applied: number, 
/**
 * Incoming values that lost to newer ones (kept in history).
 */
lost: number, evicted: number, notices: number, 
/**
 * Partitions whose checksum differed from the server's after the round.
 */
mismatched: Array<string>, server_seq: number, 
/**
 * What customers did on the portal that this laptop turned into records, one line each.
 */
completed: Array<string>, };

export type Conflict = { id: number, table: string, row_id: string, field: string, 
/**
 * What the record is ("Dana Whitfield", "2024 Ford F-150").
 */
record: string, mine: unknown, theirs: unknown, 
/**
 * Who made the winning value, when known.
 */
theirs_by: string | null, 
/**
 * When the winning value was made (UTC, RFC 3339).
 */
theirs_at: string, mine_at: string, };

export type RefusedChange = { change_id: string, table: string, row_id: string, field: string, value: unknown, reason: string, refused_at: string, };

export type SyncNotice = { seq: number, kind: string, message: string, table: string, row_id: string, at: string, };

export type Board = { pipeline: string, pipelines: Array<string>, columns: Array<Column>, owners: Array<[string, string]>, sources: Array<string>, lost_reasons: Array<string>, 
/**
 * The lost reason that must name where the customer bought (rules::BOUGHT_ELSEWHERE): the
 * Lost dialog asks for the competitor when this one is picked.
 */
competitor_reason: string, };

export type BoardFilter = { pipeline: string | null, owner_id: string | null, 
/**
 * Lead source (e.g. "Website", "Walk-in") of the deal's lead.
 */
source: string | null, 
/**
 * Deals created on or after this day (`YYYY-MM-DD`).
 */
created_from: string | null, created_to: string | null, 
/**
 * Include won and lost deals closed in the last 30 days (default: open only, plus recent closes).
 */
include_closed: boolean, };

export type Card = { opportunity: Opportunity, customer: string, vehicle: string | null, days_in_stage: number, going_cold: boolean, 
/**
 * The next open activity: subject and due time.
 */
next_activity: string | null, next_due: Timestamp | null, owner: string | null, };

export type Column = { stage: PipelineStage, count: number, total_cents: number, 
/**
 * Sum of amount × stage probability over the column's open deals, rounded half-up to the cent
 * (a closed deal shown with "include closed" adds to the count and total, not the weight).
 */
weighted_cents: number, cards: Array<Card>, };

export type MoveRequest = { stage_id: string, 
/**
 * Required when moving to Lost: one of [`LOST_REASONS`].
 */
lost_reason: string, 
/**
 * Where the customer bought instead: required when the reason is "Bought elsewhere".
 */
competitor: string, 
/**
 * Optional words for the timeline.
 */
note: string, };

export type OpportunityDraft = { customer_id: string, lead_id: string | null, vehicle_id: string | null, title: string, 
/**
 * Dollars as typed ("42,500"); empty means the vehicle's price or 0.
 */
amount: string, 
/**
 * The first stage of the default pipeline when absent.
 */
stage_id: string | null, };

export type Progress = "test_drive_completed" | "quote_presented" | "quote_accepted" | "delivery_completed";

export type ActivityDraft = { customer_id: string, opportunity_id: string | null, kind: ActivityKind, subject: string, 
/**
 * When it is due (UTC, RFC 3339).
 */
due_at: string, owner_id: string | null, };

export type Completion = { outcome: string, 
/**
 * Schedule the next step in the same action.
 */
next: ActivityDraft | null, 
/**
 * For a delivery: the checklist items done (every item of
 * [`crate::engagement::DELIVERY_CHECKLIST`] is needed).
 */
checklist: Array<string>, 
/**
 * For an email or text step with a prepared message (cadences): queue that message for the
 * server's outbox in the same action.
 */
send_message: boolean, };

export type Today = { 
/**
 * Whose day: a user's name, or "the team".
 */
whose: string, due_today: Array<TodayItem>, 
/**
 * Non-empty groups, the most recent first: earlier today, yesterday, earlier this week, older.
 */
overdue: Array<OverdueGroup>, overdue_total: number, upcoming: Array<TodayItem>, 
/**
 * What completing a delivery asks for.
 */
delivery_checklist: Array<string>, };

export type TodayItem = { activity: Activity, customer: string, phone: string | null, 
/**
 * Where a prepared email goes.
 */
email: string | null, deal: string | null, };

export type OverdueGroup = { label: string, total: number, items: Array<TodayItem>, };

export type Me = { 
/**
 * The signed-in user, else this laptop's chosen user; `None` until one is chosen.
 */
user: User | null, signed_in: boolean, 
/**
 * A manager, or anyone on a laptop nobody signed in to: may look at the team's day.
 */
sees_team: boolean, };

export type DayOf = { "of": "mine" } | { "of": "team" } | { "of": "rep", user: string, };

export type ContactDraft = { customer_id: string, channel: InteractionChannel, direction: Direction, summary: string, 
/**
 * Minutes, for calls and visits.
 */
duration_min: number | null, };

export type Message = { template: string, channel: MessageChannel, 
/**
 * The address or number to send to.
 */
to: string, subject: string, body: string, 
/**
 * The body holds [`crate::portal::LINK_FIELD`]: a quote must go with it (its PDF attached,
 * its link put in by the server).
 */
needs_quote: boolean, };

export type MessageChannel = "email" | "sms";

export type Template = { id: string, name: string, channel: MessageChannel, subject: string, body: string, };

export type Booking = { test_drive: TestDrive, warnings: Array<FieldError>, };

export type Relations = { 
/**
 * Other customers at the same street address and postal code.
 */
household: Array<[string, string]>, referred_by: Array<[string, string]>, referred: Array<[string, string]>, surveys: Array<Survey>, test_drives: Array<TestDrive>, owned: Array<string>, };

export type SurveyDraft = { customer_id: string, order_id: string | null, kind: SurveyKind, score: number, comment: string, };

export type TestDriveDraft = { customer_id: string, vehicle_id: string, opportunity_id: string | null, 
/**
 * Start (UTC, RFC 3339).
 */
starts_at: string, minutes: number, licence_number: string, licence_region: string, 
/**
 * `YYYY-MM-DD`.
 */
licence_expiry: string, };

export type Timestamp = string;

export type Customer = { id: string, 
/**
 * The rep who owns this customer; `None` for house accounts.
 */
owner_id: string | null, first_name: string, last_name: string, 
/**
 * Lower-cased email address.
 */
email: string | null, 
/**
 * E.164, e.g. `+14155552671`.
 */
phone: string | null, street: string, city: string, region: string, postal_code: string, 
/**
 * BCP 47 language tag of the customer's preferred language, e.g. `en`, `es`.
 */
language: string, birth_date: string | null, consent: Consent, preferences: Preferences, notes: string, created_at: Timestamp, updated_at: Timestamp, deleted_at: Timestamp | null, 
/**
 * Set when this record was merged into another customer (the survivor).
 */
merged_into: string | null, };

export type CustomerDraft = { owner_id: string | null, first_name: string, last_name: string, email: string, phone: string, street: string, city: string, region: string, postal_code: string, language: string, 
/**
 * `YYYY-MM-DD`, or empty.
 */
birth_date: string, consent: Consent, preferences: Preferences, notes: string, };

export type Consent = { email: boolean, sms: boolean, phone: boolean, };

export type Preferences = { makes: Array<string>, 
/**
 * Models by name ("CR-V", "Tacoma"), any make.
 */
models: Array<string>, body_types: Array<string>, 
/**
 * Budget range in whole cents.
 */
budget_min_cents: number | null, budget_max_cents: number | null, 
/**
 * The monthly payment they aim for, in whole cents.
 */
target_payment_cents: number | null, fuel: string | null, condition: Condition | null, must_haves: Array<string>, 
/**
 * The car they would trade in, as they describe it ("2016 Civic, 90k miles").
 */
trade_in: string, timeframe: Timeframe | null, };

export type Timeframe = "this_week" | "this_month" | "three_months" | "just_looking";

export type Condition = "new" | "used" | "cpo";

export type CustomerDetail = { customer: Customer, leads: Array<Lead>, opportunities: Array<Opportunity>, activities: Array<Activity>, 
/**
 * The most recent interactions, newest first.
 */
interactions: Array<Interaction>, interaction_count: number, quotes: Array<Quote>, 
/**
 * The one thing to do next, when something stands out ("No contact in 20 days…").
 */
next_step: string | null, 
/**
 * Stage names of the deals, by opportunity id.
 */
stages: Array<[string, string]>, orders: Array<SalesOrder>, 
/**
 * Names of the people who logged the timeline entries shown, by user id.
 */
authors: Array<[string, string]>, 
/**
 * Emails and texts queued for the server's outbox, newest first, with their delivery status.
 */
messages: Array<OutgoingMessage>, };

export type CustomerQuery = { 
/**
 * Search-as-you-type text; empty lists everyone by name.
 */
search: string, offset: number, 
/**
 * At most 500; 0 means 100.
 */
limit: number, };

export type Page<T> = { items: Array<T>, 
/**
 * Rows in all pages; when `total_capped`, at least this many ("10,000+").
 */
total: number, total_capped: boolean, offset: number, };

export type Lead = { id: string, customer_id: string | null, first_name: string, last_name: string, email: string | null, phone: string | null, channel: Channel, source: string, campaign: string, vehicle_interest: string, vehicle_id: string | null, status: LeadStatus, 
/**
 * 0-100.
 */
score: number, assignee_id: string | null, received_at: Timestamp, first_response_at: Timestamp | null, notes: string, created_at: Timestamp, updated_at: Timestamp, deleted_at: Timestamp | null, 
/**
 * The auto show or event it was captured at.
 */
event_id: string | null, 
/**
 * Days until they plan to buy, when they said.
 */
timeframe_days: number | null, trade_in: boolean, financing: boolean, 
/**
 * Why the score is what it is, signal by signal.
 */
score_reasons: Array<Reason>, 
/**
 * When it was last assigned (the first-response deadline runs from here).
 */
assigned_at: Timestamp | null, 
/**
 * The follow-up cadence started for it, by name; empty when none.
 */
cadence: string, 
/**
 * Why its cadence stopped (`replied`, `booked_appointment`, `converted`...); empty while running.
 */
cadence_stopped: string, 
/**
 * Set when merged into another lead.
 */
merged_into: string | null, 
/**
 * The record as it arrived from a feed (an ADF `<prospect>`, decoded); empty for a lead
 * typed in.
 */
original: string, 
/**
 * What reading it from a feed repaired or could not read, for the rep to check ("phone
 * could not be read: 393-999-3922").
 */
intake_warnings: Array<FieldError>, };

export type Channel = "walk_in" | "phone" | "web" | "email" | "event" | "referral" | "advertising" | "social" | "chat" | "marketplace";

export type LeadStatus = "new" | "contacted" | "qualified" | "converted" | "lost";

export type Opportunity = { id: string, customer_id: string, lead_id: string | null, vehicle_id: string | null, stage_id: string, title: string, amount_cents: number, owner_id: string | null, status: OpportunityStatus, expected_close: string | null, lost_reason: string, stage_entered_at: Timestamp, closed_at: Timestamp | null, created_at: Timestamp, updated_at: Timestamp, deleted_at: Timestamp | null, 
/**
 * Front-end gross of the sale (price less cost), once known: from the accepted quote.
 */
gross_cents: number | null, 
/**
 * The second rep of a split deal (each gets half the unit and half the commission).
 */
co_owner_id: string | null, 
/**
 * When a sold deal unwound (financing fell through, the car came back): a chargeback.
 */
unwound_at: Timestamp | null, 
/**
 * Where the deal came from: its lead's source and channel, for attribution.
 */
source: string, channel: Channel | null, 
/**
 * Where the customer bought instead (a competitor or a brand): named when the deal is lost
 * because they bought elsewhere.
 */
competitor: string, };

export type OpportunityStatus = "open" | "won" | "lost";

export type PipelineStage = { id: string, pipeline: string, name: string, position: number, 
/**
 * Win probability of a deal in this stage, 0-100.
 */
probability: number, colour: string, 
/**
 * A deal idle longer than this many days is "going cold".
 */
idle_days: number, created_at: Timestamp, updated_at: Timestamp, deleted_at: Timestamp | null, };

export type Activity = { id: string, customer_id: string, opportunity_id: string | null, kind: ActivityKind, subject: string, due_at: Timestamp, done_at: Timestamp | null, outcome: string, owner_id: string | null, created_at: Timestamp, updated_at: Timestamp, deleted_at: Timestamp | null, 
/**
 * The lead whose follow-up cadence made this task (a reply stops the rest).
 */
lead_id: string | null, 
/**
 * A prepared email or text for a cadence step, merge fields filled.
 */
message: string, };

export type ActivityKind = "call" | "email" | "sms" | "meeting" | "test_drive" | "follow_up" | "delivery";

export type Interaction = { id: string, customer_id: string, channel: InteractionChannel, direction: Direction, summary: string, duration_s: number | null, author_id: string | null, occurred_at: Timestamp, created_at: Timestamp, };

export type InteractionChannel = "call" | "email" | "sms" | "visit" | "chat" | "event" | "note" | "test_drive" | "quote";

export type Direction = "inbound" | "outbound" | "internal";

export type Vehicle = { id: string, vin: string, stock_no: string, year: number, make: string, model: string, trim: string, body: string, colour: string, mileage: number, condition: Condition, msrp_cents: number, invoice_cents: number, price_cents: number, status: VehicleStatus, location: string, received_at: Timestamp, created_at: Timestamp, updated_at: Timestamp, deleted_at: Timestamp | null, };

export type VehicleStatus = "available" | "reserved" | "in_transit" | "on_hold" | "sold";

export type Dealership = { id: string, name: string, 
/**
 * ISO 3166 alpha-2 region for phone numbers dialled without a country code.
 */
country: string, 
/**
 * IANA time zone, e.g. `America/Chicago`.
 */
timezone: string, 
/**
 * Letterhead on printed documents.
 */
address: string, phone: string, email: string, 
/**
 * The logo as a base64 PNG.
 */
logo_png: string | null, created_at: Timestamp, updated_at: Timestamp, };

export type DealershipPlace = { 
/**
 * ISO 3166 alpha-2, e.g. `US`.
 */
country: string, 
/**
 * IANA, e.g. `America/Chicago`.
 */
timezone: string, };

export type User = { id: string, name: string, email: string, role: Role, team_id: string | null, active: boolean, created_at: Timestamp, updated_at: Timestamp, };

export type Role = "rep" | "manager" | "admin";

export type Team = { id: string, name: string, created_at: Timestamp, updated_at: Timestamp, };

export type TestDrive = { id: string, customer_id: string, vehicle_id: string, opportunity_id: string | null, starts_at: Timestamp, ends_at: Timestamp, licence_number: string, licence_region: string, licence_expiry: string, status: TestDriveStatus, feedback: string, 
/**
 * The Today item that reminds the rep (completing either completes both).
 */
activity_id: string | null, created_at: Timestamp, updated_at: Timestamp, };

export type TestDriveStatus = "scheduled" | "completed" | "cancelled" | "no_show";

export type Survey = { id: string, customer_id: string, order_id: string | null, kind: SurveyKind, score: number, comment: string, answered_at: Timestamp, };

export type SurveyKind = "csat" | "nps";

export type Referral = { id: string, 
/**
 * The customer who was referred.
 */
customer_id: string, 
/**
 * The customer who referred them.
 */
referrer_id: string, note: string, created_at: Timestamp, };

export type SearchHit = { kind: HitKind, id: string, title: string, subtitle: string, 
/**
 * The customer record this hit opens (a customer itself, or a lead's linked customer).
 */
customer_id: string | null, };

export type HitKind = "customer" | "lead" | "vehicle";

export type ImportReport = { dry_run: boolean, 
/**
 * Whether anything was written.
 */
committed: boolean, created: number, updated: number, 
/**
 * Rows not written: unchanged rows and, with `skip_invalid`, invalid ones.
 */
skipped: number, invalid: number, 
/**
 * Columns that were not understood and were ignored.
 */
ignored_columns: Array<string>, rows: Array<RowOutcome>, };

export type RowOutcome = { 
/**
 * 1-based line number in the file (the header is line 1).
 */
line: number, action: ImportAction, 
/**
 * The record created or updated.
 */
record_id: string | null, name: string, 
/**
 * Why the row is invalid, or warnings for a valid one.
 */
problems: Array<FieldError>, };

export type ImportAction = "created" | "updated" | "unchanged" | "invalid";

export type Money = string;

export type Deal = { 
/**
 * A jurisdiction code, e.g. `"TX"`, or a custom one from Settings.
 */
jurisdiction: string, 
/**
 * The date taxes are looked up for; default today.
 */
date: string | null, vehicle: DealVehicle, 
/**
 * Selling price of the vehicle before options, discount and rebates.
 */
price: Money, options: Array<Item>, discount: Money, 
/**
 * Manufacturer rebates and incentives.
 */
rebates: Array<Item>, fees: Array<Fee>, trade_in: TradeIn | null, 
/**
 * Cash down (loan) or cash cap cost reduction (lease).
 */
down_payment: Money, terms: Terms, grid: GridSpec | null, 
/**
 * Other terms to price on a grid beside the chosen ones (a lease beside a loan, or the reverse).
 */
alternatives: Array<Terms>, };

export type DealVehicle = { description: string, vin: string, stock_no: string, 
/**
 * Needed for a lease (the residual is a percent of MSRP).
 */
msrp: Money | null, 
/**
 * Dealer cost, for front-end gross (never printed for the customer).
 */
invoice: Money | null, reconditioning: Money, };

export type Item = { name: string, amount: Money, 
/**
 * Options and fees: whether sales tax applies. Ignored for rebates.
 */
taxable: boolean, };

export type Fee = { name: string, kind: FeeKind, amount: Money, taxable: boolean, };

export type FeeKind = "doc" | "title" | "registration" | "other";

export type TradeIn = { description: string, vin: string, 
/**
 * What the dealership pays for the trade.
 */
allowance: Money, 
/**
 * What the customer still owes on it.
 */
payoff: Money, };

export type Terms = { "type": "cash" } | { "type": "loan", 
/**
 * Percent, e.g. `"7.5"`.
 */
apr: string, term_months: number, } | { "type": "lease", term_months: number, 
/**
 * Percent of MSRP, e.g. `"58"`.
 */
residual_percent: string, 
/**
 * E.g. `"0.00125"` (= 3.0% APR equivalent).
 */
money_factor: string, acquisition_fee: Money, 
/**
 * True: added to the cap cost; false: paid at signing.
 */
acquisition_fee_capitalized: boolean, miles_per_year: number, excess_mile_charge: Money, security_deposit: Money, };

export type GridSpec = { terms: Array<number>, down_payments: Array<Money>, };

export type DealCalc = { jurisdiction: string, tax_date: string, lines: Array<Line>, taxes: Array<TaxLine>, 
/**
 * Vehicle price after options and discount.
 */
vehicle_price: Money, rebates_total: Money, fees_total: Money, tax_total: Money, 
/**
 * Positive equity reduces what is owed; negative equity adds to it.
 */
trade_equity: Money, 
/**
 * Price + fees + taxes − rebates, before trade and down payment.
 */
out_the_door: Money, 
/**
 * What the customer still pays after trade equity and cash down (cash deals).
 */
balance_due: Money, loan: LoanResult | null, lease: LeaseResult | null, 
/**
 * Loan and lease payments for the grid's terms × down payments.
 */
loan_grid: Array<GridCell>, lease_grid: Array<GridCell>, 
/**
 * Manager-only: vehicle price − invoice − reconditioning. Never on customer documents.
 */
front_end_gross: Money | null, warnings: Array<FieldError>, };

export type Line = { kind: LineKind, label: string, amount: Money, };

export type LineKind = "price" | "option" | "discount" | "rebate" | "fee" | "tax" | "trade" | "down" | "deposit" | "total";

export type TaxLine = { name: string, jurisdiction: string, rate: string, 
/**
 * The amount the rate applies to.
 */
base: Money, amount: Money, 
/**
 * `sale`, `lease_monthly` (per payment), or `lease_upfront`.
 */
applies_to: string, };

export type LoanResult = { apr: string, term_months: number, amount_financed: Money, payment: Money, 
/**
 * The last payment, which absorbs rounding.
 */
final_payment: Money, total_of_payments: Money, finance_charge: Money, };

export type LeaseResult = { term_months: number, msrp: Money, residual_percent: string, residual: Money, money_factor: string, 
/**
 * Money factor × 2400, for comparison with a loan APR.
 */
apr_equivalent: string, gross_cap_cost: Money, cap_cost_reduction: Money, adjusted_cap_cost: Money, depreciation: Money, rent_charge: Money, base_payment: Money, monthly_tax: Money, payment: Money, due_at_signing: Array<Line>, due_at_signing_total: Money, total_of_payments: Money, miles_allowed: number, excess_mile_charge: Money, };

export type GridCell = { term_months: number, down_payment: Money, payment: Money, };

export type Jurisdiction = { code: string, name: string, effective_from: string, rates: Array<TaxRate>, 
/**
 * Extra rates that apply to leases only (e.g. Pennsylvania's 3% lease tax).
 */
lease_rates: Array<TaxRate>, 
/**
 * Whether the trade-in allowance reduces the taxable amount.
 */
trade_in_reduces_taxable: boolean, 
/**
 * Whether tax is charged on the price before manufacturer rebates.
 */
rebates_taxable: boolean, lease_tax: LeaseTax, 
/**
 * With monthly lease tax: whether the cash cap cost reduction is taxed at signing.
 */
lease_taxes_cap_reduction: boolean, doc_fee_cap: Money | null, 
/**
 * Where the rule comes from.
 */
source: string, };

export type TaxRate = { name: string, 
/**
 * Percent, e.g. `"6.25"`.
 */
rate: string, };

export type LeaseTax = "monthly" | "total_payments_upfront" | "full_price_upfront";

export type CustomJurisdiction = { id: string, 
/**
 * Upper-case code the desk looks the rule up by (same as `rule.code`).
 */
code: string, rule: Jurisdiction, created_at: Timestamp, updated_at: Timestamp, deleted_at: Timestamp | null, };

export type Quote = { id: string, 
/**
 * Human number, e.g. `Q-261127-4F2A`.
 */
number: string, customer_id: string, opportunity_id: string | null, vehicle_id: string | null, status: QuoteStatus, valid_until: string, 
/**
 * The current (latest) version number.
 */
version: number, owner_id: string | null, created_at: Timestamp, updated_at: Timestamp, deleted_at: Timestamp | null, 
/**
 * Why the customer declined (or why its order was cancelled); empty otherwise.
 */
decline_reason: string, };

export type QuoteStatus = "draft" | "presented" | "accepted" | "declined" | "expired";

export type QuoteVersion = { id: string, quote_id: string, version: number, deal: Deal, 
/**
 * The figures as computed when this version was saved.
 */
calc: DealCalc, frozen: boolean, created_at: Timestamp, updated_at: Timestamp, };

export type QuoteDetail = { quote: Quote, status: QuoteStatus, versions: Array<QuoteVersion>, order: SalesOrder | null, 
/**
 * The order's gross (front from the accepted version, back from its products).
 */
gross: Gross | null, };

export type QuoteTarget = { customer_id: string | null, opportunity_id: string | null, vehicle_id: string | null, 
/**
 * Days the quote stays valid; default 7.
 */
valid_days: number | null, };

export type Acceptance = { deposit: Money, delivery_date: string | null, };

export type SalesOrder = { id: string, number: string, quote_id: string, quote_version: number, customer_id: string, vehicle_id: string | null, deposit_cents: number, delivery_date: string | null, status: OrderStatus, created_at: Timestamp, updated_at: Timestamp, deleted_at: Timestamp | null, 
/**
 * F&I products on the order (back-end gross).
 */
products: Array<Product>, funded_at: Timestamp | null, delivered_at: Timestamp | null, cancelled_at: Timestamp | null, cancel_reason: string, };

export type OrderStatus = "open" | "funded" | "delivered" | "cancelled";

export type Product = { name: string, price_cents: number, cost_cents: number, };

export type ProductDraft = { name: string, price: string, cost: string, };

export type Gross = { 
/**
 * `None` when the vehicle's cost is unknown (no invoice on the deal or the vehicle).
 */
front_cents: number | null, back_cents: number, total_cents: number, };

export type QuoteFilter = { 
/**
 * As a person sees it (an open quote past its date is expired).
 */
status: QuoteStatus | null, owner_id: string | null, 
/**
 * Customer name, quote number, vehicle or stock number.
 */
text: string, };

export type QuoteRow = { quote: Quote, status: QuoteStatus, customer: string, vehicle: string, 
/**
 * The monthly payment of the current version (loan or lease), else `None` (cash).
 */
payment_cents: number | null, out_the_door_cents: number, age_days: number, order: OrderStatus | null, owner: string | null, };

export type VehicleFilter = { 
/**
 * Stock number, VIN, year, make, model or trim, as typed.
 */
text: string, make: string | null, model: string | null, body: string | null, condition: Condition | null, status: VehicleStatus | null, min_price_cents: number | null, max_price_cents: number | null, };

export type VehicleMatch = { vehicle: Vehicle, 
/**
 * 0-100.
 */
score: number, reasons: Array<string>, };

export type Letterhead = { name: string, address: string, phone: string, email: string, 
/**
 * The dealership's logo, base64 PNG (as stored).
 */
logo_png: string | null, };

export type Staff = { users: Array<User>, me: string | null, };

export type Event = { id: string, name: string, venue: string, starts_on: string, ends_on: string, };

export type ImportOptions = { 
/**
 * Validate and report, write nothing.
 */
dry_run: boolean, 
/**
 * Import the valid rows even when some are invalid (those are reported as skipped).
 */
skip_invalid: boolean, };

export type LeadFilePreview = { 
/**
 * `adf` or `csv`.
 */
format: string, columns: Array<[string, string]>, 
/**
 * Up to 5 rows, cells in column order.
 */
sample: Array<Array<string>>, records: number, 
/**
 * The lead fields a column may be mapped to.
 */
fields: Array<string>, };

export type Cadence = { name: string, 
/**
 * The lead channels it runs for; empty for every channel.
 */
channels: Array<Channel>, steps: Array<Step>, 
/**
 * Local quiet hours: no step starts from `quiet_from` (hour) until `quiet_to` (hour).
 */
quiet_from: number, quiet_to: number, };

export type Step = { 
/**
 * Minutes after the lead arrived.
 */
after_minutes: number, kind: ActivityKind, subject: string, 
/**
 * For email and text steps: the prepared message, with `{first_name}`, `{vehicle}`, `{rep}`
 * and `{dealership}` filled in when the task is made.
 */
message: string, };

export type MatchReason = "email" | "phone" | "name" | "name_and_contact";

export type Checkin = { id: string, user_id: string, day: string, 
/**
 * Lower goes first; `None` once checked out.
 */
position: number | null, checked_in_at: Timestamp, ups_taken: number, updated_at: Timestamp, };

export type Rotation = { day: string, 
/**
 * Checked-in reps in order; the first without overdue follow-ups is up.
 */
queue: Array<UpRep>, next_up: string | null, 
/**
 * Active reps not checked in (or checked out).
 */
off_floor: Array<[string, string]>, 
/**
 * Today's walk-ins, newest first.
 */
traffic: Array<TrafficEntry>, };

export type TrafficEntry = { id: string, arrived_at: Timestamp, 
/**
 * Who took the up.
 */
rep_id: string | null, 
/**
 * Empty when they did not give a name.
 */
name: string, party_size: number, interest: string, customer_id: string | null, lead_id: string | null, 
/**
 * `""` while on the floor, then `lead`, `be-back`, `just looking`, `service`, `parts`...
 */
outcome: string, notes: string, created_at: Timestamp, updated_at: Timestamp, };

export type UpRep = { user_id: string, name: string, position: number, ups_taken: number, 
/**
 * Open tasks due before today: the rotation skips them until those are done.
 */
overdue_followups: number, };

export type WalkIn = { name: string, party_size: number, interest: string, notes: string, 
/**
 * The rep taking the up; the next up when absent.
 */
rep_id: string | null, };

export type Capture = { first_name: string, last_name: string, phone: string, email: string, 
/**
 * "2024 Toyota RAV4", "a family SUV".
 */
interest: string, channel: Channel | null, source: string, campaign: string, event_id: string | null, notes: string, timeframe_days: number | null, trade_in: boolean, financing: boolean, 
/**
 * Channels they agreed to be contacted on.
 */
consent: Consent, 
/**
 * The traffic log entry this walk-in came from.
 */
traffic_id: string | null, };

export type Captured = { lead: Lead, customer: Customer, 
/**
 * False when the lead was linked to the customer with the same email or phone.
 */
new_customer: boolean, possible_duplicates: Array<PossibleMatch>, 
/**
 * Cadence tasks created.
 */
tasks: number, warnings: Array<FieldError>, };

export type Converted = { lead: Lead, customer: Customer, opportunity: Opportunity, new_customer: boolean, };

export type Inbox = { items: Array<InboxItem>, total: number, uncontacted: number, 
/**
 * Median minutes to first response over the leads listed that got one.
 */
median_response_minutes: number | null, response_deadline_minutes: number, };

export type InboxFilter = { 
/**
 * `open` (new + contacted + qualified, the default), `uncontacted`, or a status.
 */
status: string, channel: Channel | null, assignee_id: string | null, unassigned: boolean, event_id: string | null, search: string, min_score: number | null, };

export type InboxItem = { lead: Lead, assignee: string, 
/**
 * Minutes from arrival to the first response, or waiting so far when none yet.
 */
response_minutes: number, responded: boolean, 
/**
 * Past the first-response deadline without an answer.
 */
overdue: boolean, };

export type PossibleMatch = { customer_id: string, name: string, contact: string, reason: MatchReason, };

export type Routed = { lead_id: string, rep_id: string | null, 
/**
 * Why this rep, or why nobody.
 */
reason: string, };

export type DuplicatePair = { a: Customer, b: Customer, reason: MatchReason, };

export type MergeReport = { customer: Customer, 
/**
 * Rows moved to the survivor, by kind ("2 leads", "14 timeline entries").
 */
moved: Array<string>, };

export type MergeRequest = { 
/**
 * The record that survives.
 */
keep: string, 
/**
 * The record merged into it.
 */
merge: string, 
/**
 * Fields whose value comes from `merge` instead of `keep`.
 */
take: Array<string>, };

export type Distribution = "round_robin" | "fewest_open" | "up_rotation";

export type Rule = { name: string, make: string | null, model: string | null, language: string | null, channel: Channel | null, 
/**
 * Postal code prefixes, e.g. `787`.
 */
territory: Array<string>, condition: string | null, reps: Array<string>, };

export type Band = { from: number, to: number, leads: number, sold: number, 
/**
 * sold / leads, or `None` for an empty band (never NaN).
 */
conversion: number | null, 
/**
 * Set when the scoring is inverted here: the first band below this one (its `from`) that
 * converted better by more than chance explains (a one-sided two-proportion test at 2.5%),
 * both with at least [`BAND_MIN_LEADS`] leads. The weights need a look.
 */
worse_than: number | null, };

export type Reason = { signal: string, points: number, why: string, };

export type Weights = { channel: number, timeframe: number, trade_in: number, financing: number, engagement: number, recency: number, budget_fit: number, };

export type CsvPreset = { name: string, 
/**
 * `(column header as in the file, lead field)`; an empty field ignores the column.
 */
columns: Array<[string, string]>, };

export type LeadAssignment = { id: string, lead_id: string, rep_id: string, reason: string, 
/**
 * Who assigned it (a manager, or the rep who captured it); `None` for automatic routing.
 */
by_id: string | null, at: Timestamp, };

export type LeadSettings = { id: string, weights: Weights, rules: Array<Rule>, distribution: Distribution, 
/**
 * First-response deadline: a lead not answered this many minutes after it was assigned goes
 * to the next rep.
 */
response_minutes: number, 
/**
 * Tried in order; the first whose channels include the lead's (or that lists none) runs.
 */
cadences: Array<Cadence>, csv_presets: Array<CsvPreset>, 
/**
 * When routing may hand a rep a lead.
 */
working_hours: WorkingHours, updated_at: Timestamp, };

export type WorkingHours = { open_hour: number, close_hour: number, days: Array<number>, };

export type Goal = { id: string, user_id: string | null, team_id: string | null, 
/**
 * `YYYY-MM`.
 */
month: string, units: number, gross_cents: number, activities: number, };

export type CommissionPlan = { id: string, name: string, flat_per_unit_cents: number, 
/**
 * Percent of front-end gross in basis points (2500 = 25%).
 */
gross_percent_bp: number, minimum_per_deal_cents: number, tiers: Array<Tier>, csat_bonus_cents: number, 
/**
 * The month's average CSAT (in tenths: 45 = 4.5 of 5) that earns the bonus.
 */
csat_min_tenths: number, 
/**
 * The reps paid on this plan.
 */
user_ids: Array<string>, };

export type Tier = { from_units: number, per_unit_cents: number, };

export type Statement = { id: string, user_id: string, 
/**
 * `YYYY-MM`.
 */
month: string, plan_id: string, total_cents: number, lines: Array<CommissionLine>, approved_by: string | null, approved_at: Timestamp | null, created_at: Timestamp, };

export type CommissionLine = { kind: CommissionLineKind, opportunity_id: string | null, text: string, 
/**
 * Units credited, in halves (a split deal is 1).
 */
half_units: number, amount_cents: number, };

export type CommissionLineKind = "deal" | "tier" | "csat" | "chargeback";

export type Accuracy = { month: string, forecast_units: number, actual_units: number, 
/**
 * |actual − forecast| / actual; `None` for a month with no sale (undefined).
 */
ape: number | null, };

export type AccuracyReport = { months: Array<Accuracy>, 
/**
 * Mean of the defined APEs (0.12 = 12%); `None` with no closed month to judge.
 */
mape: number | null, };

export type Expectation = { units: number, units_low: number, units_high: number, revenue_cents: number, revenue_low_cents: number, revenue_high_cents: number, };

export type LockSettings = { 
/**
 * Minutes without a key press or pointer movement before the window locks; 0 = never.
 */
idle_minutes: number, 
/**
 * Whether a PIN is set (without one the window never locks).
 */
has_pin: boolean, };

export type DataLock = { open: boolean, 
/**
 * Closed for want of a passphrase (else closed by an error, in `message`).
 */
needs_passphrase: boolean, 
/**
 * No key exists yet: the user sets a passphrase (typed twice) instead of entering it.
 */
first_time: boolean, message: string, min_length: number, };

export type QuoteShare = { id: string, quote_id: string, customer_id: string, 
/**
 * SHA-256 of the token, lowercase hex.
 */
token_hash: string, expires_at: Timestamp, revoked_at: Timestamp | null, created_by: string | null, created_at: Timestamp, updated_at: Timestamp, };

export type ShareLink = { share: QuoteShare, url: string, };

export type PortalResponse = { id: string, customer_id: string, quote_id: string | null, share_id: string | null, kind: ResponseKind, 
/**
 * The quote version the customer saw.
 */
version: number, 
/**
 * The customer's words (a question, why they declined), or what changed.
 */
message: string, at: Timestamp, 
/**
 * When a laptop of the quote's rep turned it into records.
 */
handled_at: Timestamp | null, 
/**
 * What that laptop did ("sales order SO-…", or why it could not).
 */
outcome: string, 
/**
 * For a test drive: the slot the customer chose.
 */
starts_at: Timestamp | null, };

export type ResponseKind = "accepted" | "declined" | "question" | "consent" | "test_drive";

export type OutgoingMessage = { id: string, customer_id: string, channel: MessageChannel, 
/**
 * The address or number, as the customer's record held it when queued.
 */
to_address: string, subject: string, body: string, 
/**
 * The quote whose PDF is attached and whose link replaces [`LINK_FIELD`].
 */
quote_id: string | null, author_id: string | null, status: MessageStatus, status_detail: string, queued_at: Timestamp, sent_at: Timestamp | null, created_at: Timestamp, updated_at: Timestamp, };

export type MessageStatus = "queued" | "sent" | "failed" | "bounced" | "cancelled";

export type MessageDraft = { customer_id: string | null, channel: MessageChannel | null, subject: string, body: string, quote_id: string | null, };

export type LostGroup = { 
/**
 * What the drill-down filters on: the reason, the competitor key, the rep's id or the source.
 */
key: string, label: string, deals: number, 
/**
 * What the lost deals were worth (their amounts).
 */
amount_cents: number, 
/**
 * Share of the lost deals, in tenths of a percent (rounded half-up).
 */
share_tenths: number, };

export type LostReport = { from: string, to: string, 
/**
 * Deals closed lost in the range (a split deal counts once).
 */
lost: number, amount_cents: number, 
/**
 * Deals won in the range, for the win rate beside it.
 */
won: number, 
/**
 * Largest first, then by label.
 */
by_reason: Array<LostGroup>, 
/**
 * "Bought elsewhere" deals only, by where they went.
 */
by_competitor: Array<LostGroup>, by_rep: Array<LostGroup>, by_source: Array<LostGroup>, };

export type CoachingKind = "note" | "goal";

export type CoachingNote = { id: string, rep_id: string, author_id: string | null, kind: CoachingKind, body: string, 
/**
 * A goal's date.
 */
due: string | null, 
/**
 * When the manager marked the goal met.
 */
done_at: Timestamp | null, created_at: Timestamp, updated_at: Timestamp, deleted_at: Timestamp | null, };

export type CoachingDraft = { rep_id: string | null, 
/**
 * `note` or `goal`.
 */
kind: string, body: string, 
/**
 * A goal's date, `YYYY-MM-DD`, optional.
 */
due: string, };

export type CoachingRow = { note: CoachingNote, author: string, 
/**
 * A goal past its date and not met.
 */
overdue: boolean, };

export type Forecast = { 
/**
 * Won so far this month (certain) plus what the model expects by the month's end.
 */
this_month: Expectation, next_month: Expectation, 
/**
 * Units already won this month.
 */
won_so_far: number, 
/**
 * Open deals the forecast weighed.
 */
open_deals: number, 
/**
 * Probability-weighted open pipeline: Σ amount × stage probability.
 */
weighted_pipeline_cents: number, 
/**
 * Closed deals of the past year the model learnt from.
 */
history_deals: number, };

export type ActivityCounts = { calls: number, emails: number, texts: number, appointments: number, test_drives: number, other: number, };

export type Conversion = { key: string, leads: number, contacted: number, appointment: number, showed: number, sold: number, 
/**
 * sold ÷ leads.
 */
rate: number | null, };

export type CustomerMetrics = { csat_answers: number, 
/**
 * Mean CSAT (1–5).
 */
csat: number | null, nps_answers: number, 
/**
 * % promoters (9–10) − % detractors (0–6), −100…100.
 */
nps: number | null, 
/**
 * Buyers with two or more purchases ÷ buyers (all time).
 */
repeat_rate: number | null, 
/**
 * Buyers in the range who came by referral ÷ buyers in the range.
 */
referral_rate: number | null, 
/**
 * Revenue per buyer (all time).
 */
lifetime_value_cents: number | null, };

export type Dashboard = { from: string, to: string, rep_id: string | null, days: number, sales: Sales, funnel: Array<FunnelStep>, by_source: Array<Conversion>, by_channel: Array<Conversion>, sources: Array<SourceReturn>, speed_to_lead: SpeedToLead, leaderboard: Array<RepRow>, pipeline: PipelineHealth, customers: CustomerMetrics, trends: Array<MonthTrend>, goals: Array<GoalProgress>, forecast: Forecast, 
/**
 * The range ends after now: its figures are so far.
 */
partial: boolean, 
/**
 * For a range under way, the same stretch of last month.
 */
same_point_last_month: SamePoint | null, 
/**
 * What the funnel and the conversion rates count, in words for the screen.
 */
funnel_cohort: string, };

export type DashboardQuery = { 
/**
 * `YYYY-MM-DD`.
 */
from: string, 
/**
 * `YYYY-MM-DD`, inclusive.
 */
to: string, 
/**
 * One rep's dashboard; the whole team when absent.
 */
rep_id: string | null, };

export type DrillQuery = { from: string, to: string, 
/**
 * `sold` (won deals closed in the range), `open`, `cold`, `lost`, or `leads`.
 */
what: string, rep_id: string | null, source: string | null, stage_id: string | null, 
/**
 * Lost deals of this reason only.
 */
reason: string | null, 
/**
 * Lost deals to this competitor only.
 */
competitor: string | null, };

export type DrillRow = { customer_id: string | null, customer: string, title: string, amount_cents: number, date: string, rep: string, };

export type FunnelStep = { step: string, count: number, 
/**
 * Share of the step before; `None` for the first or after an empty step.
 */
rate: number | null, };

export type GoalProgress = { goal: Goal, 
/**
 * The rep's name, or "Team".
 */
who: string, units: number, gross_cents: number, activities: number, 
/**
 * At this pace, by the month's end.
 */
units_pace: number, gross_pace_cents: number, activities_pace: number, 
/**
 * Share of the month gone (0–1).
 */
month_elapsed: number, 
/**
 * Whether enough of the month has gone to judge the pace ([`PACE_AFTER_DAYS`] days): a few
 * hours in, one call or one sale makes the pace swing from "behind" to "on track".
 */
pace_known: boolean, };

export type MonthTrend = { 
/**
 * `YYYY-MM`.
 */
month: string, units: number, revenue_cents: number, gross_cents: number, leads: number, };

export type SamePoint = { 
/**
 * `YYYY-MM-DD` (the range's first day, a month earlier).
 */
from: string, 
/**
 * Local `YYYY-MM-DD HH:MM`: now, a month earlier.
 */
until: string, units: number, revenue_cents: number, gross_cents: number, leads: number, };

export type PipelineHealth = { open_deals: number, open_value_cents: number, weighted_cents: number, 
/**
 * Expected units in the open pipeline (Σ stage probability).
 */
expected_units: number, going_cold: number, 
/**
 * Expected units ÷ units still needed for this month's goal; `None` without a goal or once
 * it is met.
 */
coverage: number | null, stages: Array<StageHealth>, };

export type RepRow = { rep_id: string, name: string, units: number, revenue_cents: number, gross_cents: number, leads: number, sold_leads: number, conversion: number | null, activities: ActivityCounts, 
/**
 * Completed activities per day of the range.
 */
activities_per_day: number, speed_to_lead_minutes: number | null, win_rate: number | null, open_deals: number, };

export type Sales = { 
/**
 * Won deals closed in the range (a split deal counts half for each rep; the team counts 1).
 */
units: number, revenue_cents: number, 
/**
 * Front-end gross of those deals (deals without a known gross add nothing; see `gross_known`).
 */
gross_cents: number, gross_known: number, avg_deal_cents: number | null, 
/**
 * Won ÷ (won + lost) of deals closed in the range.
 */
win_rate: number | null, 
/**
 * Deals won and lost in the range (whole deals: a split deal is one), the win rate's terms.
 */
won: number, lost: number, 
/**
 * Days from opening to winning: median and 75th percentile (nearest rank).
 */
cycle_median_days: number | null, cycle_p75_days: number | null, };

export type SourceReturn = { source: string, leads: number, sold_leads: number, units: number, revenue_cents: number, gross_cents: number, spend_cents: number, 
/**
 * Spend ÷ units sold from the source.
 */
cost_per_sale_cents: number | null, };

export type Spend = { id: string, 
/**
 * `YYYY-MM`.
 */
month: string, source: string, amount_cents: number, };

export type SpeedToLead = { leads: number, answered: number, median_minutes: number | null, p75_minutes: number | null, 
/**
 * Share answered within the first-response goal.
 */
within_goal: number | null, goal_minutes: number, };

export type StageHealth = { stage_id: string, name: string, colour: string, deals: number, value_cents: number, weighted_cents: number, 
/**
 * Mean days in the stage.
 */
avg_days: number | null, 
/**
 * Idle past the stage's threshold.
 */
going_cold: number, };

export type GroupDashboard = { from: string, to: string, 
/**
 * By name.
 */
rooftops: Array<RooftopFigures>, total: RooftopFigures, 
/**
 * The range ends after now: its figures are so far.
 */
partial: boolean, };

export type RooftopFigures = { 
/**
 * `None` for the group's total.
 */
dealership_id: string | null, name: string, 
/**
 * When this laptop last synced the rooftop's store (`None`: never, or the total).
 */
synced_at: string | null, 
/**
 * Units sold (won deals closed in the range).
 */
units: number, revenue_cents: number, gross_cents: number, avg_deal_cents: number | null, won: number, lost: number, win_rate: number | null, 
/**
 * Leads received in the range.
 */
leads: number, 
/**
 * Median minutes to the first response (per rooftop only).
 */
speed_median_minutes: number | null, open_deals: number, open_value_cents: number, weighted_cents: number, 
/**
 * The forecast of this month's units and revenue (won so far plus expected).
 */
forecast_units: number, forecast_revenue_cents: number, };

export type RooftopSynced = { 
/**
 * `None` for this laptop's own rooftop.
 */
id: string | null, name: string, report: SyncReport | null, error: string | null, };

export type GroupVehicle = { vehicle: Vehicle, dealership_id: string, dealership: string, 
/**
 * An open transfer request for it, if any.
 */
requested: boolean, };

export type Transfer = { id: string, vehicle_id: string, 
/**
 * The vehicle as requested ("2025 Toyota RAV4 XLE · stock T1234").
 */
vehicle: string, from_dealership: string, to_dealership: string, requested_by: string, requested_at: string, note: string, 
/**
 * `requested`, `approved` or `declined`.
 */
status: string, decided_by: string | null, decided_at: string | null, reason: string, };

// Generated from the Rust types by showroom-core (src/bindings.rs). Do not edit.
// Regenerate: UPDATE_BINDINGS=1 cargo test -p showroom-core bindings

export type ApiError = { code: ErrorCode, message: string, 
/**
 * Per-field problems, for showing next to each field.
 */
fields: Array<FieldError>, };

export type ErrorCode = "validation" | "not_found" | "conflict" | "schema_too_new" | "import" | "storage" | "io";

export type FieldError = { field: string, message: string, };

export type AppStatus = { 
/**
 * The SQLite file, or `:memory:`.
 */
data_file: string, schema_version: number, device_id: string, dealership: string | null, customers: number, 
/**
 * False until the user chose "Load demo dealership" or "Start empty" (or data exists).
 */
onboarded: boolean, sync: SyncStatus, };

export type SyncStatus = { "state": "offline", pending: number, };

export type DemoSummary = { users: number, vehicles: number, customers: number, leads: number, opportunities: number, activities: number, interactions: number, };

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
language: string, birth_date: string | null, consent: Consent, preferences: Preferences, notes: string, created_at: Timestamp, updated_at: Timestamp, deleted_at: Timestamp | null, };

export type CustomerDraft = { owner_id: string | null, first_name: string, last_name: string, email: string, phone: string, street: string, city: string, region: string, postal_code: string, language: string, 
/**
 * `YYYY-MM-DD`, or empty.
 */
birth_date: string, consent: Consent, preferences: Preferences, notes: string, };

export type Consent = { email: boolean, sms: boolean, phone: boolean, };

export type Preferences = { makes: Array<string>, body_types: Array<string>, 
/**
 * Budget range in whole cents.
 */
budget_min_cents: number | null, budget_max_cents: number | null, fuel: string | null, condition: Condition | null, must_haves: Array<string>, };

export type Condition = "new" | "used" | "cpo";

export type CustomerDetail = { customer: Customer, leads: Array<Lead>, opportunities: Array<Opportunity>, activities: Array<Activity>, 
/**
 * The most recent interactions, newest first.
 */
interactions: Array<Interaction>, interaction_count: number, };

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
score: number, assignee_id: string | null, received_at: Timestamp, first_response_at: Timestamp | null, notes: string, created_at: Timestamp, updated_at: Timestamp, deleted_at: Timestamp | null, };

export type Channel = "walk_in" | "phone" | "web" | "email" | "event" | "referral" | "advertising" | "social" | "chat" | "marketplace";

export type LeadStatus = "new" | "contacted" | "qualified" | "converted" | "lost";

export type Opportunity = { id: string, customer_id: string, lead_id: string | null, vehicle_id: string | null, stage_id: string, title: string, amount_cents: number, owner_id: string | null, status: OpportunityStatus, expected_close: string | null, lost_reason: string, stage_entered_at: Timestamp, closed_at: Timestamp | null, created_at: Timestamp, updated_at: Timestamp, deleted_at: Timestamp | null, };

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

export type Activity = { id: string, customer_id: string, opportunity_id: string | null, kind: ActivityKind, subject: string, due_at: Timestamp, done_at: Timestamp | null, outcome: string, owner_id: string | null, created_at: Timestamp, updated_at: Timestamp, deleted_at: Timestamp | null, };

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
timezone: string, created_at: Timestamp, updated_at: Timestamp, };

export type User = { id: string, name: string, email: string, role: Role, team_id: string | null, active: boolean, created_at: Timestamp, updated_at: Timestamp, };

export type Role = "rep" | "manager" | "admin";

export type Team = { id: string, name: string, created_at: Timestamp, updated_at: Timestamp, };

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
line: number, action: ImportAction, customer_id: string | null, name: string, 
/**
 * Why the row is invalid, or warnings for a valid one.
 */
problems: Array<FieldError>, };

export type ImportAction = "created" | "updated" | "unchanged" | "invalid";

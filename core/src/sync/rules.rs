//! The rule book of every synced table, declared once: where its rows live, who writes them,
//! which fields name users, what never changes once written, and how large a value may be.
//! The store and the remote apply read [`TABLES`] for the list of synced tables, the client's
//! checksums and the server read the placement, and the server decides every push with
//! [`authorize`], a pure function of who is writing, what the row held and what it would hold.
//! `docs/security.md` lists each rule with the test that holds it.
//!
//! A newcomer finds everything about one table in its [`TableRules`] entry below.

use super::Hlc;
use super::partition::Home;
use crate::store::record::Col;
use serde_json::{Map, Value};
use uuid::Uuid;

/// Who may write a table's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writers {
    /// Reference data of the dealership: managers only.
    Managers,
    /// Inventory: managers; a rep may only change an existing vehicle's `status` (a reservation,
    /// which the server grants to the first arrival).
    Inventory,
    /// Any member creates one (a rep at an auto show creates the event); afterwards only its
    /// creator or a manager changes it.
    CreatorOrManager,
    /// The showroom traffic log: every member of the floor writes it.
    Floor,
    /// The up rotation: a rep writes only their own check-in, joins at the back, leaves, and takes
    /// an up only when next; a manager reorders and moves anyone.
    Checkin,
    /// Rows of a customer's partition: its owner (and a rep a lead in it is assigned to);
    /// managers everywhere in the dealership.
    Partition,
    /// Rows of a rep's own partition that only a manager writes (commission statements).
    PartitionManagers,
}

/// What may change once a row is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frozen {
    /// Every field may change.
    Never,
    /// Append-only: a field that holds a value keeps it, except these (re-pointing a record
    /// when two customers merge).
    Always { except: &'static [&'static str] },
    /// Nothing changes once this boolean field is true (a presented quote version).
    When(&'static str),
}

/// Fields a client may not state freely: the server computes them itself and refuses a write
/// whose value differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Computed {
    /// Nothing computed.
    Nothing,
    /// `calc` holds the desk's figures for the deal in `deal`, with the dealership's tax rules on
    /// the figures' own tax date (a quote version).
    DealFigures { deal: &'static str, calc: &'static str },
}

/// How large one value may be, by the field's kind (its JSON text, in bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cap {
    /// Names, codes, ids, dates, short labels: 2 KiB.
    Line,
    /// Free text (notes, messages, summaries): 128 KiB (the forms allow 20,000 characters, which
    /// JSON may escape to 6 bytes each at worst).
    Text,
    /// Structured data stored as JSON (a deal, settings, a list): 256 KiB.
    Json,
    /// An attached document (a logo, a lead's original ADF): 1 MiB.
    Document,
}

impl Cap {
    pub const fn bytes(self) -> usize {
        match self {
            Cap::Line => 2 * 1024,
            Cap::Text => 128 * 1024,
            Cap::Json => 256 * 1024,
            Cap::Document => 1024 * 1024,
        }
    }

    pub const fn name(self) -> &'static str {
        match self {
            Cap::Line => "line",
            Cap::Text => "text",
            Cap::Json => "structured",
            Cap::Document => "document",
        }
    }
}

/// Free-text fields, wherever they appear: [`Cap::Text`].
const TEXT_FIELDS: &[&str] =
    &["notes", "summary", "message", "outcome", "subject", "feedback", "comment", "note", "reason", "address", "body"];
/// Documents: [`Cap::Document`].
const DOCUMENT_FIELDS: &[&str] = &["logo_png", "original"];

/// The moves a status field may make on a row that exists (a new row may start anywhere: the
/// demo and imports write finished records). Checked by the server on every push; the core's
/// functions make only these moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifecycle {
    pub field: &'static str,
    pub moves: &'static [(&'static str, &'static str)],
    /// Moves among `moves` only a manager (or the server, which acts as one) makes: what
    /// happened outside the laptops (a message left, a mail server returned it).
    pub by_manager: &'static [(&'static str, &'static str)],
    /// The statuses a rep's new row may start in (empty: any).
    pub starts: &'static [&'static str],
}

/// A sales order: open → funded → delivered; open or funded → cancelled.
pub const ORDER_LIFE: Lifecycle = Lifecycle {
    field: "status",
    moves: &[
        ("open", "funded"),
        ("open", "delivered"),
        ("funded", "delivered"),
        ("open", "cancelled"),
        ("funded", "cancelled"),
    ],
    by_manager: &[],
    starts: &[],
};

/// A quote: presented when printed, back to draft when revised, accepted or declined by the
/// customer, expired past its date (and renewed as a draft when revised); an accepted quote
/// reads declined when its order is cancelled.
pub const QUOTE_LIFE: Lifecycle = Lifecycle {
    field: "status",
    moves: &[
        ("draft", "presented"),
        ("presented", "draft"),
        ("draft", "accepted"),
        ("presented", "accepted"),
        ("draft", "declined"),
        ("presented", "declined"),
        ("expired", "declined"),
        ("draft", "expired"),
        ("presented", "expired"),
        ("expired", "draft"),
        ("accepted", "declined"),
    ],
    by_manager: &[],
    starts: &[],
};

/// An outgoing message: queued on the laptop; the server's outbox sends it or says why not; a
/// mail server may return it later. The rep may withdraw it while it waits.
pub const MESSAGE_LIFE: Lifecycle = Lifecycle {
    field: "status",
    moves: &[("queued", "cancelled"), ("queued", "sent"), ("queued", "failed"), ("sent", "bounced")],
    by_manager: &[("queued", "sent"), ("queued", "failed"), ("sent", "bounced")],
    starts: &["queued"],
};

/// Everything about one synced table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableRules {
    pub table: &'static str,
    /// Where its rows live (which partition).
    pub home: Home,
    /// The field naming the partition's owner when a row of this table is a partition root.
    pub owner_field: Option<&'static str>,
    /// Fields naming a user: a user of the same dealership; a rep names only themselves.
    pub user_fields: &'static [&'static str],
    pub writers: Writers,
    pub frozen: Frozen,
    pub computed: Computed,
    /// The moves its status may make, if it has a life.
    pub lifecycle: Option<Lifecycle>,
    /// Fields only a manager changes, even on a row its rep writes (a split, an unwind).
    pub managed: &'static [&'static str],
    /// Values that require another field ([`Need`]), checked on every write of the row.
    pub needs: &'static [Need],
    /// Part of the full export.
    pub exported: bool,
}

/// When `field` holds `value` (any case), `then` must not be empty: a deal lost because the
/// customer bought elsewhere names where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need {
    pub field: &'static str,
    pub value: &'static str,
    pub then: &'static str,
    /// Said when `then` is missing.
    pub message: &'static str,
}

/// A deal lost to a competitor names it.
pub const BOUGHT_ELSEWHERE: Need = Need {
    field: "lost_reason",
    value: "Bought elsewhere",
    then: "competitor",
    message: "name where the customer bought (a dealer or a brand)",
};

impl Need {
    /// Whether a row with these fields breaks the need.
    pub fn broken_by(&self, get: impl Fn(&str) -> Option<String>) -> bool {
        get(self.field).is_some_and(|v| v.trim().eq_ignore_ascii_case(self.value))
            && get(self.then).is_none_or(|v| v.trim().is_empty())
    }
}

const fn t(table: &'static str, home: Home, writers: Writers) -> TableRules {
    TableRules {
        table,
        home,
        owner_field: None,
        user_fields: &[],
        writers,
        frozen: Frozen::Never,
        computed: Computed::Nothing,
        lifecycle: None,
        managed: &[],
        needs: &[],
        exported: true,
    }
}

const fn managed(mut r: TableRules, fields: &'static [&'static str]) -> TableRules {
    r.managed = fields;
    r
}

const fn needs(mut r: TableRules, n: &'static [Need]) -> TableRules {
    r.needs = n;
    r
}

const fn living(mut r: TableRules, l: Lifecycle) -> TableRules {
    r.lifecycle = Some(l);
    r
}

const fn users(mut r: TableRules, fields: &'static [&'static str]) -> TableRules {
    r.user_fields = fields;
    r
}

const fn owned_by(mut r: TableRules, field: &'static str) -> TableRules {
    r.owner_field = Some(field);
    r
}

const fn frozen(mut r: TableRules, f: Frozen) -> TableRules {
    r.frozen = f;
    r
}

const fn computed(mut r: TableRules, c: Computed) -> TableRules {
    r.computed = c;
    r
}

const CUSTOMER: Home = Home::Field("customer_id");

/// Every synced table, parents before children (a partition's rows are re-delivered in this
/// order when it changes hands).
pub const TABLES: &[TableRules] = &[
    users(owned_by(t("customers", Home::Own, Writers::Partition), "owner_id"), &["owner_id"]),
    users(owned_by(t("leads", Home::Lead, Writers::Partition), "assignee_id"), &["assignee_id"]),
    needs(
        managed(
            users(t("opportunities", CUSTOMER, Writers::Partition), &["owner_id", "co_owner_id"]),
            &["co_owner_id", "unwound_at"],
        ),
        &[BOUGHT_ELSEWHERE],
    ),
    frozen(
        users(t("stage_moves", CUSTOMER, Writers::Partition), &["by_id"]),
        Frozen::Always { except: &["customer_id"] },
    ),
    living(users(t("quotes", CUSTOMER, Writers::Partition), &["owner_id"]), QUOTE_LIFE),
    computed(
        frozen(
            t("quote_versions", Home::Parent { table: "quotes", field: "quote_id" }, Writers::Partition),
            Frozen::When("frozen"),
        ),
        Computed::DealFigures { deal: "deal", calc: "calc" },
    ),
    living(t("sales_orders", CUSTOMER, Writers::Partition), ORDER_LIFE),
    users(t("activities", CUSTOMER, Writers::Partition), &["owner_id"]),
    frozen(
        users(t("interactions", CUSTOMER, Writers::Partition), &["author_id"]),
        Frozen::Always { except: &["customer_id"] },
    ),
    t("test_drives", CUSTOMER, Writers::Partition),
    // A share link: only its token's hash; the rep withdraws it or lets it expire.
    frozen(
        users(t("quote_shares", CUSTOMER, Writers::Partition), &["created_by"]),
        Frozen::Always { except: &["customer_id", "revoked_at", "updated_at"] },
    ),
    // What the customer did on the portal: the server writes it (as a manager); the rep's laptop
    // records what it made of it.
    managed(
        frozen(
            t("portal_responses", CUSTOMER, Writers::Partition),
            Frozen::Always { except: &["customer_id", "handled_at", "outcome"] },
        ),
        &["kind", "quote_id", "share_id", "version", "message", "at", "starts_at"],
    ),
    managed(
        frozen(
            living(users(t("outgoing_messages", CUSTOMER, Writers::Partition), &["author_id"]), MESSAGE_LIFE),
            Frozen::Always { except: &["customer_id", "status", "status_detail", "sent_at", "updated_at"] },
        ),
        &["sent_at"],
    ),
    t("surveys", CUSTOMER, Writers::Partition),
    t("referrals", CUSTOMER, Writers::Partition),
    users(
        t("lead_assignments", Home::Parent { table: "leads", field: "lead_id" }, Writers::Partition),
        &["rep_id", "by_id"],
    ),
    users(owned_by(t("commission_statements", Home::Own, Writers::PartitionManagers), "user_id"), &["user_id"]),
    users(owned_by(t("coaching_notes", Home::Own, Writers::PartitionManagers), "rep_id"), &["rep_id", "author_id"]),
    t("vehicles", Home::Shared, Writers::Inventory),
    t("pipeline_stages", Home::Shared, Writers::Managers),
    t("users", Home::Shared, Writers::Managers),
    t("teams", Home::Shared, Writers::Managers),
    t("dealerships", Home::Shared, Writers::Managers),
    t("custom_jurisdictions", Home::Shared, Writers::Managers),
    t("events", Home::Shared, Writers::CreatorOrManager),
    users(t("traffic", Home::Shared, Writers::Floor), &["rep_id"]),
    users(t("floor_checkins", Home::Shared, Writers::Checkin), &["user_id"]),
    t("lead_settings", Home::Shared, Writers::Managers),
    users(t("goals", Home::Shared, Writers::Managers), &["user_id"]),
    t("commission_plans", Home::Shared, Writers::Managers),
    t("marketing_spend", Home::Shared, Writers::Managers),
    t("forecast_snapshots", Home::Shared, Writers::Managers),
];

/// The rules of `table`, or `None` for a table that does not sync.
pub fn table(name: &str) -> Option<&'static TableRules> {
    TABLES.iter().find(|t| t.table == name)
}

/// The names of every synced table, in [`TABLES`] order.
pub fn synced_tables() -> impl Iterator<Item = &'static str> {
    TABLES.iter().map(|t| t.table)
}

/// The position of `table` in [`TABLES`] (parents first); unknown tables last.
pub fn rank(table: &str) -> usize {
    TABLES.iter().position(|t| t.table == table).unwrap_or(TABLES.len())
}

/// The cap of a field by its kind.
pub fn cap(field: &str, col: Col) -> Cap {
    if DOCUMENT_FIELDS.contains(&field) {
        Cap::Document
    } else if TEXT_FIELDS.contains(&field) {
        Cap::Text
    } else if col == Col::Json {
        Cap::Json
    } else {
        Cap::Line
    }
}

/// Keeps `text` within a document's cap (cut at a character boundary, marked).
pub fn fit_document(text: &mut String) {
    const MARK: &str = "\n… (cut: longer than the 1 MiB a document may hold)";
    let max = Cap::Document.bytes() - MARK.len() - 16;
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push_str(MARK);
    }
}

/// Who is writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub id: Uuid,
    pub manager: bool,
}

/// The actor's standing in the partition a row lives in, as the server's records say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Shared reference data: no partition.
    Shared,
    /// The partition is created by this push, with this owner.
    New { owner: Option<Uuid> },
    /// The actor owns the partition (or created it and nobody owns it).
    Owner,
    /// A lead in the partition is assigned to the actor: they work that customer.
    Assignee,
    /// The actor owned it until it moved to another rep, and their device has not pulled the move
    /// yet: edits dated before `until_ms` (the move, plus the clock skew the server tolerates)
    /// were made before they could know, and are kept.
    FormerOwner { until_ms: u64 },
    /// Another rep's partition.
    Other,
}

/// What the server knows beyond the row itself.
pub trait Facts {
    /// Whether `user` is a user of the actor's dealership.
    fn is_member(&self, user: Uuid) -> bool;
    /// The checked-in reps of `day` (position not empty) other than `except`:
    /// (rep, position, whether they have follow-ups overdue on that day).
    fn queue(&self, day: &str, except: Uuid) -> Vec<(Uuid, i64, bool)>;
    /// The dealership's custom tax jurisdictions (not deleted), added to the shipped ones.
    fn custom_taxes(&self) -> Vec<crate::desk::tax::Jurisdiction>;
}

/// One row write of a push, as the server sees it.
#[derive(Debug, Clone, Copy)]
pub struct RowWrite<'a> {
    pub rules: &'static TableRules,
    pub row_id: Uuid,
    /// The row's fields on the server before this push (empty for a new row).
    pub before: &'a Map<String, Value>,
    /// Whether the server has the row.
    pub exists: bool,
    /// The row's fields after this push.
    pub after: &'a Map<String, Value>,
    /// Each field this push writes, with its value and clock.
    pub writes: &'a [(&'a str, &'a Value, Hlc)],
    /// Who first wrote the row.
    pub creator: Option<Uuid>,
    /// Where the row lives now (for a new row, where it goes).
    pub standing: Standing,
    /// Where it goes when this push moves it to another partition.
    pub moving_to: Option<Standing>,
}

/// Why a write is refused: the field it names (when one) and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    pub field: Option<String>,
    pub message: String,
    /// The rule: a client's fault that it should have known (`false`), or a value too large.
    pub too_large: bool,
}

fn deny(field: Option<&str>, message: impl Into<String>) -> Denial {
    Denial { field: field.map(str::to_string), message: message.into(), too_large: false }
}

fn id_of(v: Option<&Value>) -> Option<Uuid> {
    v.and_then(Value::as_str).and_then(|s| s.parse().ok())
}

fn changes(w: &RowWrite<'_>, field: &str) -> bool {
    w.writes.iter().any(|(f, v, _)| *f == field && w.before.get(field).unwrap_or(&Value::Null) != *v)
}

/// Checks each written value against its field's cap.
pub fn check_sizes(w: &RowWrite<'_>, col: impl Fn(&str) -> Col) -> Result<(), Denial> {
    for (field, value, _) in w.writes {
        let cap = cap(field, col(field));
        let len = json_len(value);
        if len > cap.bytes() {
            return Err(Denial {
                field: Some((*field).to_string()),
                message: format!(
                    "{}.{field} is {len} bytes; a {} field holds at most {} bytes",
                    w.rules.table,
                    cap.name(),
                    cap.bytes()
                ),
                too_large: true,
            });
        }
    }
    Ok(())
}

/// The length of a value's JSON text, without building it.
pub fn json_len(v: &Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0 += b.len();
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut c = Count(0);
    let _ = serde_json::to_writer(&mut c, v);
    c.0
}

/// Decides one row write: `Ok` or the first rule it breaks. Pure: everything it needs is in `w`
/// and `facts`.
pub fn authorize(actor: Actor, w: &RowWrite<'_>, facts: &dyn Facts) -> Result<(), Denial> {
    let r = w.rules;
    let table = r.table;
    // Values that never change once written.
    match r.frozen {
        Frozen::Never => {}
        Frozen::Always { except } => {
            if let Some((f, _, _)) = w.writes.iter().find(|(f, _, _)| {
                !except.contains(f) && w.before.get(*f).is_some_and(|b| !b.is_null()) && changes(w, f)
            }) {
                return Err(deny(Some(f), format!("{table} are kept as written; {f} cannot change")));
            }
        }
        Frozen::When(flag) => {
            if w.before.get(flag) == Some(&Value::Bool(true))
                && let Some((f, _, _)) = w.writes.iter().find(|(f, _, _)| changes(w, f))
            {
                return Err(deny(
                    Some(f),
                    format!(
                        "this {} was presented and is frozen; revise the quote to make a new version",
                        "quote version"
                    ),
                ));
            }
        }
    }
    // Statuses move only along their life.
    if let Some(life) = r.lifecycle
        && w.exists
        && changes(w, life.field)
    {
        let from = w.before.get(life.field).and_then(Value::as_str).unwrap_or("");
        let to = w.after.get(life.field).and_then(Value::as_str).unwrap_or("");
        if !life.moves.iter().any(|(a, b)| *a == from && *b == to) {
            return Err(deny(Some(life.field), format!("{table}.{}: a {from} row cannot become {to}", life.field)));
        }
        if !actor.manager && life.by_manager.iter().any(|(a, b)| *a == from && *b == to) {
            return Err(deny(Some(life.field), format!("{table}.{}: only the server marks a row {to}", life.field)));
        }
    }
    if let Some(life) = r.lifecycle
        && !w.exists
        && !actor.manager
        && !life.starts.is_empty()
    {
        let to = w.after.get(life.field).and_then(Value::as_str).unwrap_or("");
        if !life.starts.contains(&to) {
            return Err(deny(
                Some(life.field),
                format!("{table}.{}: a new row starts as {}, not {to}", life.field, life.starts.join(" or ")),
            ));
        }
    }
    check_computed(w, facts)?;
    // Values that require another field.
    for n in r.needs {
        if w.writes.iter().any(|(f, _, _)| *f == n.field || *f == n.then)
            && n.broken_by(|f| w.after.get(f).and_then(Value::as_str).map(str::to_string))
        {
            return Err(deny(Some(n.then), format!("{table}.{}: {}", n.then, n.message)));
        }
    }
    // Fields naming users: a user of this dealership; a rep names only themselves.
    for f in r.user_fields {
        if !changes(w, f) {
            continue;
        }
        let Some(v) = w.writes.iter().find(|(n, _, _)| n == f).map(|(_, v, _)| *v) else { continue };
        if v.is_null() {
            continue;
        }
        let Some(user) = id_of(Some(v)) else {
            return Err(deny(Some(f), format!("{table}.{f}: not a user id")));
        };
        if !facts.is_member(user) {
            return Err(deny(Some(f), format!("{table}.{f}: no such user in your dealership")));
        }
        if !actor.manager && user != actor.id {
            return Err(deny(Some(f), format!("{table}.{f}: only a manager assigns a {table} row to another user")));
        }
    }
    if actor.manager {
        return Ok(());
    }
    // A rep.
    if let Some(f) = r.managed.iter().find(|f| changes(w, f)) {
        return Err(deny(Some(f), format!("{table}.{f}: only a manager changes it")));
    }
    let first = w.writes.first().map(|(f, _, _)| *f);
    match r.writers {
        Writers::Managers => Err(deny(first, format!("only a manager changes {table}"))),
        Writers::PartitionManagers => Err(deny(first, format!("only a manager writes {table}"))),
        Writers::Inventory => {
            if w.exists && w.writes.iter().all(|(f, _, _)| *f == "status") {
                Ok(())
            } else {
                Err(deny(first, format!("only a manager changes {table}; a rep may reserve a vehicle")))
            }
        }
        Writers::CreatorOrManager => {
            if !w.exists || w.creator == Some(actor.id) {
                Ok(())
            } else {
                Err(deny(first, format!("only its creator or a manager changes this {table} row")))
            }
        }
        Writers::Floor => Ok(()),
        Writers::Checkin => checkin(actor, w, facts),
        Writers::Partition => partition_write(actor, w),
    }
}

/// A value parsed from a field, whether it arrived as JSON or as JSON text.
fn parse_field<T: serde::de::DeserializeOwned>(v: &Value) -> Option<T> {
    match v {
        Value::String(text) => serde_json::from_str(text).ok(),
        other => serde_json::from_value(other.clone()).ok(),
    }
}

/// The computed fields a write sets must be what the server computes (managers included: a
/// figure on a customer's quote is never typed in).
fn check_computed(w: &RowWrite<'_>, facts: &dyn Facts) -> Result<(), Denial> {
    let Computed::DealFigures { deal, calc } = w.rules.computed else { return Ok(()) };
    if !changes(w, deal) && !changes(w, calc) {
        return Ok(());
    }
    let (Some(deal_v), Some(calc_v)) = (w.after.get(deal), w.after.get(calc)) else {
        return Err(deny(Some(calc), format!("a {} carries its deal and its figures together", "quote version")));
    };
    let Some(deal_in) = parse_field::<crate::desk::Deal>(deal_v) else {
        return Err(deny(Some(deal), "not a deal the desk can read"));
    };
    let Some(stated) = parse_field::<crate::desk::DealCalc>(calc_v) else {
        return Err(deny(Some(calc), "not the desk's figures"));
    };
    let mut taxes = crate::desk::tax::TaxTable::builtin();
    let mut custom = facts.custom_taxes();
    custom.sort_by(|a, b| a.code.cmp(&b.code));
    for j in custom {
        taxes = taxes.clone().with_custom(j).unwrap_or(taxes);
    }
    let Ok(figures) = crate::desk::calculate(&deal_in, &taxes, stated.tax_date) else {
        return Err(deny(Some(deal), "the desk cannot price this deal"));
    };
    let plain = |c: &crate::desk::DealCalc| {
        let mut v = serde_json::to_value(c).unwrap_or_default();
        if let Some(m) = v.as_object_mut() {
            m.remove("warnings");
        }
        v
    };
    if plain(&figures) != plain(&stated) {
        return Err(deny(
            Some(calc),
            format!(
                "the figures do not follow from the deal: out the door {} stated, {} computed with {}'s tax rules on {}",
                stated.out_the_door, figures.out_the_door, figures.jurisdiction, figures.tax_date
            ),
        ));
    }
    Ok(())
}

fn partition_write(actor: Actor, w: &RowWrite<'_>) -> Result<(), Denial> {
    let table = w.rules.table;
    let first = w.writes.first().map(|(f, _, _)| *f);
    // The owner of an existing partition changes only by a manager.
    if let Some(of) = w.rules.owner_field
        && w.exists
        && changes(w, of)
        && id_of(w.before.get(of)).is_some_and(|b| b != actor.id)
    {
        return Err(deny(Some(of), format!("{table}.{of}: only a manager moves a {table} row to another rep")));
    }
    for standing in std::iter::once(w.standing).chain(w.moving_to) {
        match standing {
            Standing::Shared | Standing::Owner | Standing::Assignee => {}
            Standing::New { owner } if owner == Some(actor.id) => {}
            Standing::New { .. } => {
                return Err(deny(first, format!("{table} row {}: a rep creates only records they own", w.row_id)));
            }
            Standing::FormerOwner { until_ms } => {
                if let Some((f, _, _)) =
                    w.writes.iter().find(|(f, _, _)| w.rules.owner_field == Some(*f) || w.rules.user_fields.contains(f))
                {
                    return Err(deny(
                        Some(f),
                        format!("{table} row {} moved to another rep; {f} is theirs now", w.row_id),
                    ));
                }
                if let Some((f, _, _)) = w.writes.iter().find(|(_, _, h)| h.ms >= until_ms) {
                    return Err(deny(
                        Some(f),
                        format!(
                            "{table} row {} moved to another rep; only edits made before the move are kept",
                            w.row_id
                        ),
                    ));
                }
            }
            Standing::Other => {
                return Err(deny(first, format!("{table} row {} belongs to another rep", w.row_id)));
            }
        }
    }
    Ok(())
}

fn checkin(actor: Actor, w: &RowWrite<'_>, facts: &dyn Facts) -> Result<(), Denial> {
    let mine = |m: &Map<String, Value>| id_of(m.get("user_id")) == Some(actor.id);
    if (w.exists && !mine(w.before)) || !mine(w.after) {
        return Err(deny(Some("user_id"), "a rep checks only themselves in and out; a manager moves another rep"));
    }
    let day = w.after.get("day").and_then(Value::as_str).unwrap_or_default().to_string();
    if changes(w, "day") && w.exists {
        return Err(deny(Some("day"), "a check-in's day cannot change"));
    }
    if w.row_id != crate::leads::floor::checkin_id(actor.id, day.parse().unwrap_or_default()) {
        return Err(deny(Some("day"), "a rep has one check-in a day"));
    }
    let queue = facts.queue(&day, actor.id);
    let back = queue.iter().map(|q| q.1).max().unwrap_or(0);
    let int = |m: &Map<String, Value>, f: &str| m.get(f).and_then(Value::as_i64);
    let taken_before = int(w.before, "ups_taken").unwrap_or(0);
    let taken_after = int(w.after, "ups_taken").unwrap_or(0);
    if !w.exists && taken_after != 0 {
        return Err(deny(Some("ups_taken"), "a new check-in starts with no ups taken"));
    }
    if w.exists && changes(w, "ups_taken") {
        if taken_after != taken_before + 1 {
            return Err(deny(Some("ups_taken"), "a rep takes one up at a time"));
        }
        let mine = int(w.before, "position");
        let ahead_free = queue.iter().any(|(_, p, overdue)| mine.is_none_or(|m| *p < m) && !overdue);
        if mine.is_none() || ahead_free {
            return Err(deny(Some("ups_taken"), "a rep takes the up only when next"));
        }
    }
    if changes(w, "position")
        && let Some(p) = int(w.after, "position")
        && p <= back
    {
        return Err(deny(Some("position"), "a rep joins the back of the queue; only a manager reorders it"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_is_declared_once_with_an_entity() {
        let mut seen = std::collections::HashSet::new();
        for r in TABLES {
            assert!(seen.insert(r.table), "{} declared twice", r.table);
            assert!(crate::store::remote::columns_of(r.table).is_ok(), "{} has no entity", r.table);
            for f in r.user_fields.iter().chain(r.owner_field.iter()) {
                assert!(
                    crate::store::remote::columns_of(r.table).unwrap().iter().any(|(n, _)| n == f),
                    "{}.{f} is not a column",
                    r.table
                );
            }
        }
        assert!(rank("customers") < rank("quotes") && rank("quotes") < rank("quote_versions"));
        assert_eq!(cap("notes", Col::Text), Cap::Text);
        assert_eq!(cap("first_name", Col::Text), Cap::Line);
        assert_eq!(cap("deal", Col::Json), Cap::Json);
        assert_eq!(cap("logo_png", Col::Text), Cap::Document);
    }

    #[test]
    fn documents_are_cut_to_their_cap_at_a_character_boundary() {
        let mut s = "é".repeat(Cap::Document.bytes());
        fit_document(&mut s);
        assert!(s.len() <= Cap::Document.bytes());
        assert!(s.ends_with("1 MiB a document may hold)"));
        let mut short = "ok".to_string();
        fit_document(&mut short);
        assert_eq!(short, "ok");
        assert_eq!(json_len(&serde_json::json!({"a": "b\n"})), r#"{"a":"b\n"}"#.len());
    }

    use proptest::prelude::*;
    use serde_json::json;

    const U: [Uuid; 3] = [Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3)];
    const STRANGER: Uuid = Uuid::from_u128(99);

    struct Model;
    impl Facts for Model {
        fn is_member(&self, user: Uuid) -> bool {
            U.contains(&user)
        }
        fn queue(&self, _day: &str, except: Uuid) -> Vec<(Uuid, i64, bool)> {
            // U[0] first with nothing overdue, U[1] second with follow-ups overdue.
            [(U[0], 1, false), (U[1], 2, true)].into_iter().filter(|q| q.0 != except).collect()
        }
        fn custom_taxes(&self) -> Vec<crate::desk::tax::Jurisdiction> {
            Vec::new()
        }
    }

    #[test]
    fn a_quote_versions_figures_must_follow_from_its_deal() {
        let deal: crate::desk::Deal = serde_json::from_value(json!({
            "jurisdiction": "TX", "price": "30000", "terms": {"type": "loan", "apr": "6.9", "term_months": 60}
        }))
        .unwrap();
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 18).unwrap();
        let calc = crate::desk::calculate(&deal, &crate::desk::tax::TaxTable::builtin(), day).unwrap();
        let rep = Actor { id: U[0], manager: false };
        let rules = table("quote_versions").unwrap();
        let empty = Map::new();
        let check = |deal_v: Value, calc_v: Value, manager: bool| {
            let mut after = Map::new();
            after.insert("deal".into(), deal_v.clone());
            after.insert("calc".into(), calc_v.clone());
            let writes = [("deal", &deal_v, hlc(1)), ("calc", &calc_v, hlc(1))];
            let w = RowWrite {
                rules,
                row_id: Uuid::from_u128(7),
                before: &empty,
                exists: false,
                after: &after,
                writes: &writes,
                creator: None,
                standing: Standing::Owner,
                moving_to: None,
            };
            authorize(Actor { manager, ..rep }, &w, &Model)
        };
        let good = serde_json::to_value(&calc).unwrap();
        assert_eq!(check(json!(deal), good.clone(), false), Ok(()));
        // As JSON text, as the store keeps it, too.
        assert_eq!(check(json!(serde_json::to_string(&deal).unwrap()), json!(good.to_string()), false), Ok(()));
        let mut forged = calc.clone();
        forged.out_the_door = crate::desk::money::Money(100);
        let denied = check(json!(deal), serde_json::to_value(&forged).unwrap(), true).unwrap_err();
        assert_eq!(denied.field.as_deref(), Some("calc"));
        assert!(denied.message.contains("do not follow from the deal"), "{}", denied.message);
        let mut cheaper = deal.clone();
        cheaper.price = crate::desk::money::Money::from_dollars(20_000);
        assert!(check(json!(cheaper), good, false).is_err(), "a deal changed under its figures");
        assert_eq!(check(json!({"price": 1}), json!({}), false).unwrap_err().field.as_deref(), Some("deal"));
    }

    fn hlc(ms: u64) -> Hlc {
        Hlc { ms, counter: 0, node: Uuid::nil() }
    }

    fn decide(
        actor: Actor,
        table: &str,
        before: Value,
        exists: bool,
        writes: &[(&str, Value, u64)],
        standing: Standing,
    ) -> Result<(), Denial> {
        let before = before.as_object().cloned().unwrap_or_default();
        let mut after = before.clone();
        for (f, v, _) in writes {
            after.insert((*f).to_string(), v.clone());
        }
        let ws: Vec<(&str, &Value, Hlc)> = writes.iter().map(|(f, v, ms)| (*f, v, hlc(*ms))).collect();
        let w = RowWrite {
            rules: table_rules(table),
            row_id: Uuid::from_u128(500),
            before: &before,
            exists,
            after: &after,
            writes: &ws,
            creator: Some(U[1]),
            standing,
            moving_to: None,
        };
        authorize(actor, &w, &Model)
    }

    fn table_rules(name: &str) -> &'static TableRules {
        table(name).unwrap()
    }

    const REP: Actor = Actor { id: Uuid::from_u128(1), manager: false };
    const BOSS: Actor = Actor { id: Uuid::from_u128(3), manager: true };

    #[test]
    fn portal_answers_are_the_servers_and_a_message_is_sent_only_by_the_server() {
        // A rep cannot forge what a customer did on the portal; the server (acting as a manager)
        // writes it; the rep's laptop records only what it made of it.
        let new = [("kind", json!("accepted"), 5), ("quote_id", json!(U[2].to_string()), 5)];
        let mine = Standing::Owner;
        let d = decide(REP, "portal_responses", json!({}), false, &new, mine).unwrap_err();
        assert!(d.message.contains("only a manager"), "{d:?}");
        assert!(decide(BOSS, "portal_responses", json!({}), false, &new, mine).is_ok());
        let answered = json!({"kind": "accepted", "handled_at": null, "outcome": ""});
        let handled = [("handled_at", json!("2026-11-18T10:00:00.000Z"), 6), ("outcome", json!("sales order SO-1"), 6)];
        assert!(decide(REP, "portal_responses", answered.clone(), true, &handled, mine).is_ok());
        let forged = [("kind", json!("declined"), 6)];
        assert!(decide(BOSS, "portal_responses", answered, true, &forged, mine).is_err(), "kept as written");

        // A message starts queued; only the server marks it sent, failed or bounced; the rep may
        // withdraw it while it waits; its text never changes once queued.
        let sent_new = [("status", json!("sent"), 5), ("body", json!("Hi"), 5)];
        let d = decide(REP, "outgoing_messages", json!({}), false, &sent_new, mine).unwrap_err();
        assert_eq!(d.field.as_deref(), Some("status"));
        let queued_new = [("status", json!("queued"), 5), ("body", json!("Hi"), 5)];
        assert!(decide(REP, "outgoing_messages", json!({}), false, &queued_new, mine).is_ok());
        let queued = json!({"status": "queued", "body": "Hi"});
        let sent = [("status", json!("sent"), 6)];
        let d = decide(REP, "outgoing_messages", queued.clone(), true, &sent, mine).unwrap_err();
        assert!(d.message.contains("only the server"), "{d:?}");
        assert!(decide(BOSS, "outgoing_messages", queued.clone(), true, &sent, mine).is_ok());
        let withdraw = [("status", json!("cancelled"), 6)];
        assert!(decide(REP, "outgoing_messages", queued.clone(), true, &withdraw, mine).is_ok());
        let edit = [("body", json!("Hi there"), 6)];
        assert!(decide(REP, "outgoing_messages", queued, true, &edit, mine).is_err());
        let back = [("status", json!("queued"), 7)];
        let bounced = json!({"status": "bounced"});
        assert!(decide(BOSS, "outgoing_messages", bounced, true, &back, mine).is_err(), "no way back from bounced");

        // A share link keeps its token hash; the rep may withdraw it.
        let link = json!({"token_hash": "ab", "revoked_at": null});
        let revoke = [("revoked_at", json!("2026-11-18T10:00:00.000Z"), 6)];
        assert!(decide(REP, "quote_shares", link.clone(), true, &revoke, mine).is_ok());
        let swap = [("token_hash", json!("cd"), 6)];
        assert!(decide(REP, "quote_shares", link, true, &swap, mine).is_err());
    }

    #[test]
    fn splits_and_unwinds_are_a_managers_and_a_deal_lost_elsewhere_names_where() {
        let deal = json!({"owner_id": U[0].to_string(), "status": "won"});
        let split = [("co_owner_id", json!(U[0].to_string()), 5)];
        let d = decide(REP, "opportunities", deal.clone(), true, &split, Standing::Owner).unwrap_err();
        assert_eq!(d.field.as_deref(), Some("co_owner_id"));
        let other = [("co_owner_id", json!(U[1].to_string()), 5)];
        assert!(decide(BOSS, "opportunities", deal.clone(), true, &other, Standing::Owner).is_ok());
        let unwind = [("unwound_at", json!("2026-11-20T10:00:00.000Z"), 5)];
        let d = decide(REP, "opportunities", deal.clone(), true, &unwind, Standing::Owner).unwrap_err();
        assert_eq!((d.field.as_deref(), d.message.contains("only a manager")), (Some("unwound_at"), true));
        assert!(decide(BOSS, "opportunities", deal.clone(), true, &unwind, Standing::Owner).is_ok());
        // The rep's own edits of the deal are untouched by the rule.
        assert!(decide(REP, "opportunities", deal, true, &[("title", json!("X5"), 5)], Standing::Owner).is_ok());

        let lost = |competitor: &str, who: Actor| {
            let w = [
                ("status", json!("lost"), 5),
                ("lost_reason", json!("bought elsewhere"), 5),
                ("competitor", json!(competitor), 5),
            ];
            decide(who, "opportunities", json!({"owner_id": U[0].to_string()}), true, &w, Standing::Owner)
        };
        for who in [REP, BOSS] {
            let d = lost("  ", who).unwrap_err();
            assert_eq!(d.field.as_deref(), Some("competitor"));
            assert!(lost("Harbor Toyota", who).is_ok());
        }
        let price = [("lost_reason", json!("Price too high"), 5)];
        assert!(decide(REP, "opportunities", json!({}), true, &price, Standing::Owner).is_ok());
        // A competitor erased from a deal lost elsewhere is refused too.
        let before = json!({"lost_reason": "Bought elsewhere", "competitor": "Carvana"});
        assert!(decide(BOSS, "opportunities", before, true, &[("competitor", json!(""), 5)], Standing::Owner).is_err());
    }

    #[test]
    fn coaching_notes_live_with_their_rep_and_only_managers_write_them() {
        let r = table_rules("coaching_notes");
        assert_eq!((r.home, r.owner_field, r.writers), (Home::Own, Some("rep_id"), Writers::PartitionManagers));
        let note = [("rep_id", json!(U[0].to_string()), 5), ("body", json!("Ask for the sale"), 5)];
        let d = decide(REP, "coaching_notes", json!({}), false, &note, Standing::New { owner: Some(U[0]) });
        assert!(d.is_err(), "a rep does not write their own coaching notes");
        assert!(decide(BOSS, "coaching_notes", json!({}), false, &note, Standing::New { owner: Some(U[0]) }).is_ok());
    }

    #[test]
    fn an_order_and_a_quote_move_only_along_their_life() {
        let order = |from: &str, to: &str| {
            decide(BOSS, "sales_orders", json!({"status": from}), true, &[("status", json!(to), 5)], Standing::Owner)
        };
        assert!(order("open", "funded").is_ok());
        assert!(order("funded", "delivered").is_ok());
        assert!(order("funded", "cancelled").is_ok());
        let back = order("delivered", "open").unwrap_err();
        assert_eq!(back.field.as_deref(), Some("status"));
        assert!(back.message.contains("a delivered row cannot become open"), "{}", back.message);
        assert!(order("cancelled", "delivered").is_err(), "a cancelled order is not delivered");
        // A new row may start anywhere (the demo and imports write finished records).
        assert!(
            decide(BOSS, "sales_orders", json!({}), false, &[("status", json!("delivered"), 5)], Standing::Owner)
                .is_ok()
        );
        let quote = |from: &str, to: &str| {
            decide(BOSS, "quotes", json!({"status": from}), true, &[("status", json!(to), 5)], Standing::Owner)
        };
        assert!(quote("presented", "accepted").is_ok());
        assert!(quote("expired", "draft").is_ok(), "revising renews an expired quote");
        assert!(quote("declined", "accepted").is_err());
        assert!(quote("expired", "accepted").is_err(), "an expired quote is revised before it is accepted");
    }

    #[test]
    fn a_former_owner_keeps_edits_made_before_the_move_and_never_ownership() {
        let before = json!({"owner_id": U[1], "city": "Austin"});
        let former = Standing::FormerOwner { until_ms: 1_000 };
        assert!(decide(REP, "customers", before.clone(), true, &[("city", json!("Waco"), 999)], former).is_ok());
        let late = decide(REP, "customers", before.clone(), true, &[("city", json!("Waco"), 1_000)], former);
        assert!(late.unwrap_err().message.contains("only edits made before the move"));
        let own = decide(REP, "customers", before.clone(), true, &[("owner_id", json!(U[0]), 10)], former);
        assert_eq!(own.unwrap_err().field.as_deref(), Some("owner_id"));
        let other = decide(REP, "customers", before.clone(), true, &[("city", json!("Waco"), 10)], Standing::Other);
        assert!(other.unwrap_err().message.contains("belongs to another rep"));
        // A manager moves it anywhere in the dealership, never to a stranger.
        assert!(
            decide(BOSS, "customers", before.clone(), true, &[("owner_id", json!(U[0]), 10)], Standing::Other).is_ok()
        );
        let stranger = decide(BOSS, "customers", before, true, &[("owner_id", json!(STRANGER), 10)], Standing::Other);
        assert!(stranger.unwrap_err().message.contains("no such user in your dealership"));
    }

    #[test]
    fn the_floor_rules_hold_for_a_reps_own_check_in() {
        let day = "2026-11-18";
        let rep = Actor { id: U[2], manager: false };
        let id = crate::leads::floor::checkin_id(U[2], day.parse().unwrap());
        let mine = json!({"user_id": U[2], "day": day, "position": 3, "ups_taken": 0});
        let go = |before: &Value, writes: &[(&str, Value)], row: Uuid| {
            let b = before.as_object().cloned().unwrap();
            let mut after = b.clone();
            for (f, v) in writes {
                after.insert((*f).to_string(), v.clone());
            }
            let ws: Vec<(&str, &Value, Hlc)> = writes.iter().map(|(f, v)| (*f, v, hlc(1))).collect();
            let w = RowWrite {
                rules: table_rules("floor_checkins"),
                row_id: row,
                before: &b,
                exists: true,
                after: &after,
                writes: &ws,
                creator: None,
                standing: Standing::Shared,
                moving_to: None,
            };
            authorize(rep, &w, &Model)
        };
        // U[0] is ahead with nothing overdue: not next.
        assert!(go(&mine, &[("ups_taken", json!(1)), ("position", json!(4))], id).is_err());
        assert!(go(&mine, &[("position", json!(4))], id).is_ok(), "rejoin at the back");
        assert!(go(&mine, &[("position", json!(2))], id).unwrap_err().message.contains("only a manager reorders"));
        assert!(go(&mine, &[("position", Value::Null)], id).is_ok(), "check out");
        let other_day = crate::leads::floor::checkin_id(U[2], "2026-11-19".parse().unwrap());
        assert!(go(&mine, &[("position", json!(4))], other_day).is_err(), "one check-in a day, with its own id");
        // Second in the queue behind a rep with overdue follow-ups: next.
        let second = json!({"user_id": U[1], "day": day, "position": 2, "ups_taken": 0});
        let rep1 = Actor { id: U[1], manager: false };
        let id1 = crate::leads::floor::checkin_id(U[1], day.parse().unwrap());
        let b = second.as_object().cloned().unwrap();
        let mut after = b.clone();
        after.insert("ups_taken".into(), json!(1));
        after.insert("position".into(), json!(3));
        let (v1, v3) = (json!(1), json!(3));
        let ws = [("ups_taken", &v1, hlc(1)), ("position", &v3, hlc(1))];
        let w = RowWrite {
            rules: table_rules("floor_checkins"),
            row_id: id1,
            before: &b,
            exists: true,
            after: &after,
            writes: &ws,
            creator: None,
            standing: Standing::Shared,
            moving_to: None,
        };
        // U[1] is second; U[0] (first) has nothing overdue, so U[1] is not next.
        assert!(authorize(rep1, &w, &Model).is_err());
    }

    /// The rules, written out a second time as plain statements of who may do what.
    fn model(
        actor: Actor,
        t: &TableRules,
        before: &Map<String, Value>,
        exists: bool,
        writes: &[(&str, Value, u64)],
        standing: Standing,
    ) -> bool {
        let changed = |f: &str| writes.iter().any(|(n, v, _)| *n == f && before.get(f).unwrap_or(&Value::Null) != v);
        let frozen_hit = match t.frozen {
            Frozen::Never => false,
            Frozen::Always { except } => writes
                .iter()
                .any(|(f, _, _)| !except.contains(f) && before.get(*f).is_some_and(|v| !v.is_null()) && changed(f)),
            Frozen::When(flag) => before.get(flag) == Some(&json!(true)) && writes.iter().any(|(f, _, _)| changed(f)),
        };
        if frozen_hit {
            return false;
        }
        // A status moves only along its life (an existing row; a new one starts anywhere).
        if let Some(life) = t.lifecycle
            && exists
            && changed(life.field)
        {
            let from = before.get(life.field).and_then(Value::as_str).unwrap_or("");
            let to =
                writes.iter().rev().find(|(n, _, _)| *n == life.field).and_then(|(_, v, _)| v.as_str()).unwrap_or("");
            if !life.moves.contains(&(from, to)) {
                return false;
            }
            if !actor.manager && life.by_manager.contains(&(from, to)) {
                return false;
            }
        }
        // A rep's new row starts where its life says.
        if let Some(life) = t.lifecycle
            && !exists
            && !actor.manager
            && !life.starts.is_empty()
        {
            let to =
                writes.iter().rev().find(|(n, _, _)| *n == life.field).and_then(|(_, v, _)| v.as_str()).unwrap_or("");
            if !life.starts.contains(&to) {
                return false;
            }
        }
        for f in t.user_fields {
            if !changed(f) {
                continue;
            }
            let v = &writes.iter().find(|(n, _, _)| n == f).unwrap().1;
            if v.is_null() {
                continue;
            }
            let u: Option<Uuid> = v.as_str().and_then(|s| s.parse().ok());
            match u {
                Some(u) if U.contains(&u) && (actor.manager || u == actor.id) => {}
                _ => return false,
            }
        }
        for n in t.needs {
            let after = |f: &str| {
                writes
                    .iter()
                    .rev()
                    .find(|(w, _, _)| *w == f)
                    .map(|(_, v, _)| v.clone())
                    .or_else(|| before.get(f).cloned())
                    .and_then(|v| v.as_str().map(str::to_string))
            };
            let touched = writes.iter().any(|(f, _, _)| *f == n.field || *f == n.then);
            let named = after(n.then).is_some_and(|v| !v.trim().is_empty());
            if touched && after(n.field).is_some_and(|v| v.trim().eq_ignore_ascii_case(n.value)) && !named {
                return false;
            }
        }
        if actor.manager {
            return true;
        }
        if t.managed.iter().any(|f| changed(f)) {
            return false;
        }
        match t.writers {
            Writers::Managers | Writers::PartitionManagers => false,
            Writers::Inventory => exists && writes.iter().all(|(f, _, _)| *f == "status"),
            Writers::CreatorOrManager => !exists || actor.id == U[1],
            Writers::Floor => true,
            Writers::Checkin => unreachable!(),
            Writers::Partition => {
                let takes_owner = t.owner_field.is_some_and(|of| {
                    exists
                        && changed(of)
                        && before.get(of).and_then(|v| v.as_str()).is_some_and(|b| b != actor.id.to_string())
                });
                !takes_owner
                    && match standing {
                        Standing::Shared | Standing::Owner | Standing::Assignee => true,
                        Standing::New { owner } => owner == Some(actor.id),
                        Standing::FormerOwner { until_ms } => writes.iter().all(|(f, _, ms)| {
                            *ms < until_ms && t.owner_field != Some(*f) && !t.user_fields.contains(f)
                        }),
                        Standing::Other => false,
                    }
            }
        }
    }

    const STATUSES: &[&str] =
        &["open", "funded", "delivered", "cancelled", "draft", "presented", "accepted", "declined", "expired"];

    fn user_value() -> impl Strategy<Value = Value> {
        prop_oneof![Just(json!(U[0])), Just(json!(U[1])), Just(json!(U[2])), Just(json!(STRANGER)), Just(Value::Null),]
    }

    fn standing() -> impl Strategy<Value = Standing> {
        prop_oneof![
            Just(Standing::Shared),
            Just(Standing::Owner),
            Just(Standing::Assignee),
            Just(Standing::Other),
            prop::option::of(0..3usize).prop_map(|o| Standing::New { owner: o.map(|i| U[i]) }),
            Just(Standing::FormerOwner { until_ms: 500 }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        #[test]
        fn authorize_agrees_with_the_model(
            t in (0..TABLES.len()).prop_filter("the floor has its own test", |i| TABLES[*i].writers != Writers::Checkin),
            manager in any::<bool>(),
            who in 0..3usize,
            exists in any::<bool>(),
            frozen_before in any::<bool>(),
            befores in prop::collection::vec(user_value(), 4),
            picks in prop::collection::vec((0..6usize, user_value(), 0..1000u64, any::<bool>()), 1..4),
            standing in standing(),
        ) {
            let t = &TABLES[t];
            let actor = Actor { id: U[who], manager };
            let cols: Vec<&str> = crate::store::remote::columns_of(t.table).unwrap().iter().map(|(n, _)| *n).filter(|n| *n != "id").collect();
            let mut pool: Vec<&str> = t.user_fields.to_vec();
            pool.extend(t.owner_field);
            for f in ["status", "customer_id", "frozen", "summary", "name", "notes"] {
                if cols.contains(&f) { pool.push(f) }
            }
            pool.push(cols[0]);
            let mut before = Map::new();
            if exists {
                for (i, f) in t.user_fields.iter().enumerate() {
                    before.insert((*f).to_string(), befores[i % 4].clone());
                }
                if cols.contains(&"frozen") { before.insert("frozen".into(), json!(frozen_before)); }
                if cols.contains(&"summary") { before.insert("summary".into(), json!("called")); }
                if cols.contains(&"status") { before.insert("status".into(), json!(if frozen_before { "open" } else { "draft" })); }
            }
            let mut writes: Vec<(&str, Value, u64)> = Vec::new();
            for (i, v, ms, flag) in picks {
                let f = pool[i % pool.len()];
                if writes.iter().any(|w| w.0 == f) { continue }
                let value = if t.user_fields.contains(&f) || t.owner_field == Some(f) { v }
                    else if f == "frozen" { json!(flag) }
                    // Real statuses, so a life's allowed and refused moves are both tried.
                    else if f == "status" { json!(STATUSES[ms as usize % STATUSES.len()]) }
                    else if flag { json!(format!("v{ms}")) } else { before.get(f).cloned().unwrap_or(json!("x")) };
                writes.push((f, value, ms));
            }
            let got = decide(actor, t.table, Value::Object(before.clone()), exists, &writes, standing);
            prop_assert_eq!(got.is_ok(), model(actor, t, &before, exists, &writes, standing), "{} {:?} {:?} {:?}", t.table, writes, standing, got);
        }
    }
}

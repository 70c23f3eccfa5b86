//! The customer portal and outgoing messages: the laptop's side, and the pure parts the server
//! shares so both read one rule.
//!
//! - Share links: the laptop makes an opaque token offline (256 bits from the OS), shows the link
//!   once, and syncs only its SHA-256 (`quote_shares`, in the customer's partition), with an
//!   expiry and a revocation.
//! - What a customer may do on the portal ([`check`]) and the record of it ([`PortalResponse`],
//!   written by the server as an ordinary synced change).
//! - What the rep's laptop does with a response after a sync ([`complete`]): an acceptance
//!   becomes the sales order through [`crate::quotes::accept`], a decline declines the quote, a
//!   question becomes a task, a test drive booked in a free slot ([`slots`]) becomes the booking;
//!   each lands on the customer's timeline.
//! - Messages the rep sends ([`queue`]): queued offline, sent from the server's outbox, their
//!   delivery status coming back to the timeline.
//! - [`page`]: the portal's HTML, drawn from the same [`crate::pdf::QuoteSheet`] the PDF prints.

pub mod page;
pub mod slots;

use crate::contact::MessageChannel;
use crate::domain::{Activity, ActivityKind, Consent, Customer, Direction, Interaction, InteractionChannel, Timestamp};
use crate::error::{CoreError, FieldError, Result};
use crate::quotes::{Quote, QuoteStatus};
use crate::store::{Store, query};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::Digest;
use ts_rs::TS;
use uuid::Uuid;

/// How long a share link works unless the rep says otherwise.
pub const DEFAULT_SHARE_DAYS: u32 = 14;
/// The longest a share link may work.
pub const MAX_SHARE_DAYS: u32 = 90;
/// The placeholder in a message body the server replaces with a fresh link to the quote.
pub const LINK_FIELD: &str = "{quote_link}";

/// A link to one quote for its customer. Only the token's hash is kept anywhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct QuoteShare {
    pub id: Uuid,
    pub quote_id: Uuid,
    pub customer_id: Uuid,
    /// SHA-256 of the token, lowercase hex.
    pub token_hash: String,
    pub expires_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
    pub created_by: Option<Uuid>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl QuoteShare {
    /// Whether the link still opens the quote at `now`.
    pub fn live(&self, now: Timestamp) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

/// A new share link as the rep sees it once: the URL holds the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ShareLink {
    pub share: QuoteShare,
    pub url: String,
}

/// What the customer did on the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ResponseKind {
    Accepted,
    Declined,
    Question,
    /// Contact preferences changed (on the portal or by an email's unsubscribe link).
    Consent,
    /// A test drive booked in a free slot ([`slots`]).
    TestDrive,
}

/// One thing a customer did on the portal, written by the server; the rep's laptop completes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PortalResponse {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub quote_id: Option<Uuid>,
    pub share_id: Option<Uuid>,
    pub kind: ResponseKind,
    /// The quote version the customer saw.
    pub version: i64,
    /// The customer's words (a question, why they declined), or what changed.
    pub message: String,
    pub at: Timestamp,
    /// When a laptop of the quote's rep turned it into records.
    pub handled_at: Option<Timestamp>,
    /// What that laptop did ("sales order SO-…", or why it could not).
    pub outcome: String,
    /// For a test drive: the slot the customer chose.
    #[serde(default)]
    pub starts_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    /// Waiting on the laptop for a sync, or on the server for its turn.
    Queued,
    Sent,
    /// The server could not send it (no consent, refused address); `status_detail` says why.
    Failed,
    /// Sent, then returned by the recipient's mail server.
    Bounced,
    /// The rep withdrew it before it left.
    Cancelled,
}

/// An email or text the rep sends; it leaves from the server's outbox when synced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct OutgoingMessage {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub channel: MessageChannel,
    /// The address or number, as the customer's record held it when queued.
    pub to_address: String,
    pub subject: String,
    pub body: String,
    /// The quote whose PDF is attached and whose link replaces [`LINK_FIELD`].
    pub quote_id: Option<Uuid>,
    pub author_id: Option<Uuid>,
    pub status: MessageStatus,
    pub status_detail: String,
    pub queued_at: Timestamp,
    pub sent_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// What a rep fills in to send a message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct MessageDraft {
    pub customer_id: Option<Uuid>,
    pub channel: Option<MessageChannel>,
    pub subject: String,
    pub body: String,
    pub quote_id: Option<Uuid>,
}

/// The SHA-256 of a token, as stored.
pub fn token_hash(token: &str) -> String {
    let digest = sha2::Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A fresh token: 32 bytes from the OS's random source, URL-safe base64.
pub fn new_token() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    use base64::Engine;
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether `text` could be a token [`new_token`] made (43 URL-safe base64 characters).
pub fn token_shaped(text: &str) -> bool {
    text.len() == 43 && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A share of `quote` for `days` (1–90), made at `now` by `by`, with its token.
pub fn new_share(quote: &Quote, days: u32, by: Option<Uuid>, now: Timestamp) -> Result<(QuoteShare, String)> {
    if !(1..=MAX_SHARE_DAYS).contains(&days) {
        return Err(CoreError::field("days", format!("a link works for 1 to {MAX_SHARE_DAYS} days")));
    }
    let token = new_token();
    let share = QuoteShare {
        id: Uuid::now_v7(),
        quote_id: quote.id,
        customer_id: quote.customer_id,
        token_hash: token_hash(&token),
        expires_at: Timestamp::from_millis(now.millis() + i64::from(days) * 86_400_000),
        revoked_at: None,
        created_by: by,
        created_at: now,
        updated_at: now,
    };
    Ok((share, token))
}

/// The portal address of a token on a server whose base URL is `base`.
pub fn link(base: &str, token: &str) -> String {
    format!("{}/p/{token}", base.trim_end_matches('/'))
}

/// What a customer asks the portal to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Accept the version they were shown.
    Accept {
        version: i64,
    },
    Decline {
        version: i64,
        reason: String,
    },
    Question {
        text: String,
    },
    Consent(Consent),
    /// Book a test drive of the quote's vehicle with its rep; `when` is the slot in the
    /// dealership's words ("Saturday, December 5 at 10:00 AM").
    TestDrive {
        starts_at: Timestamp,
        when: String,
    },
}

/// Why the portal says no: an HTTP status and words for the customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub message: String,
}

fn refuse(status: u16, message: impl Into<String>) -> Refusal {
    Refusal { status, message: message.into() }
}

/// The longest question or reason a customer may type.
pub const MAX_TEXT: usize = 2000;

/// Whether a share link opens at all: gone links say so without showing anything.
pub fn check_link(share: &QuoteShare, now: Timestamp) -> std::result::Result<(), Refusal> {
    if share.revoked_at.is_some() {
        return Err(refuse(410, "This link was withdrawn by the dealership. Ask your salesperson for a new one."));
    }
    if now >= share.expires_at {
        return Err(refuse(
            410,
            format!(
                "This link expired on {}. Ask your salesperson for a new one.",
                page::long_date(share.expires_at.date())
            ),
        ));
    }
    Ok(())
}

/// Decides one portal action against the quote as the server holds it and what the customer
/// already answered (a replayed form is refused, nothing stored twice).
pub fn check(
    action: &Action,
    share: &QuoteShare,
    quote: &Quote,
    answered: &[PortalResponse],
    now: Timestamp,
    today: NaiveDate,
) -> std::result::Result<(), Refusal> {
    check_link(share, now)?;
    let text_ok = |t: &str, what: &str| {
        let n = t.trim().chars().count();
        if n == 0 {
            Err(refuse(422, format!("Please write your {what}.")))
        } else if n > MAX_TEXT {
            Err(refuse(422, format!("Your {what} is {n} characters; please keep it under {MAX_TEXT}.")))
        } else {
            Ok(())
        }
    };
    match action {
        Action::Accept { version } | Action::Decline { version, .. } => {
            if let Some(r) = answered.iter().find(|r| {
                r.quote_id == Some(quote.id) && matches!(r.kind, ResponseKind::Accepted | ResponseKind::Declined)
            }) {
                let what = if r.kind == ResponseKind::Accepted { "accepted" } else { "declined" };
                let on = page::long_date(r.at.date());
                return Err(refuse(409, format!("You {what} this quote on {on}; nothing more to do here.")));
            }
            match quote.effective_status(today) {
                QuoteStatus::Accepted => return Err(refuse(409, "This quote is already accepted.")),
                QuoteStatus::Declined => {
                    return Err(refuse(409, "This quote was withdrawn. Ask your salesperson for a new one."));
                }
                QuoteStatus::Expired => {
                    return Err(refuse(
                        409,
                        format!(
                            "This quote was valid until {}. Ask your salesperson for a new one.",
                            page::long_date(quote.valid_until)
                        ),
                    ));
                }
                QuoteStatus::Draft | QuoteStatus::Presented => {}
            }
            if *version != quote.version {
                return Err(refuse(
                    409,
                    format!(
                        "This quote changed since you opened it (now version {}). Please review it again.",
                        quote.version
                    ),
                ));
            }
            if let Action::Decline { reason, .. } = action
                && reason.trim().chars().count() > MAX_TEXT
            {
                text_ok(reason, "reason")?;
            }
            Ok(())
        }
        Action::Question { text } => text_ok(text, "question"),
        Action::Consent(_) => Ok(()),
        Action::TestDrive { .. } => {
            if quote.vehicle_id.is_none() {
                return Err(refuse(422, "This quote has no vehicle to drive. Ask your salesperson."));
            }
            if let Some(r) = answered.iter().find(|r| {
                r.kind == ResponseKind::TestDrive && r.handled_at.is_none() && r.starts_at.is_some_and(|t| t > now)
            }) {
                return Err(refuse(
                    409,
                    format!("You already booked a test drive for {}. Your salesperson will confirm it.", r.message),
                ));
            }
            Ok(())
        }
    }
}

/// The record of an action the server stores (after [`check`]).
pub fn response(action: &Action, share: &QuoteShare, before: Consent, now: Timestamp) -> PortalResponse {
    let mut starts = None;
    let (kind, version, message) = match action {
        Action::TestDrive { starts_at, when } => {
            starts = Some(*starts_at);
            (ResponseKind::TestDrive, 0, when.clone())
        }
        Action::Accept { version } => (ResponseKind::Accepted, *version, String::new()),
        Action::Decline { version, reason } => (ResponseKind::Declined, *version, reason.trim().to_string()),
        Action::Question { text } => (ResponseKind::Question, 0, text.trim().to_string()),
        Action::Consent(c) => (ResponseKind::Consent, 0, consent_change(before, *c)),
    };
    PortalResponse {
        id: Uuid::now_v7(),
        customer_id: share.customer_id,
        quote_id: Some(share.quote_id),
        share_id: Some(share.id),
        kind,
        version,
        message,
        at: now,
        handled_at: None,
        outcome: String::new(),
        starts_at: starts,
    }
}

/// "email: yes → no; text: no → yes", or "no change".
pub fn consent_change(before: Consent, after: Consent) -> String {
    let yn = |b: bool| if b { "yes" } else { "no" };
    let parts: Vec<String> =
        [("email", before.email, after.email), ("text", before.sms, after.sms), ("phone", before.phone, after.phone)]
            .into_iter()
            .filter(|(_, a, b)| a != b)
            .map(|(n, a, b)| format!("{n}: {} → {}", yn(a), yn(b)))
            .collect();
    if parts.is_empty() { "no change".into() } else { parts.join("; ") }
}

/// What the rep is told about a response: "Maria Harris accepted quote Q-261118-4F2A v3".
pub fn notice_text(customer: &str, r: &PortalResponse, quote_number: &str) -> String {
    match r.kind {
        ResponseKind::Accepted => format!("{customer} accepted quote {quote_number} v{}", r.version),
        ResponseKind::Declined => format!("{customer} declined quote {quote_number} v{}", r.version),
        ResponseKind::Question => format!("{customer} asked about quote {quote_number}: {}", clip(&r.message, 80)),
        ResponseKind::Consent => format!("{customer} changed their contact preferences ({})", r.message),
        ResponseKind::TestDrive => format!("{customer} booked a test drive for {}", r.message),
    }
}

fn clip(text: &str, n: usize) -> String {
    let t = text.trim();
    if t.chars().count() <= n { t.to_string() } else { format!("{}…", t.chars().take(n).collect::<String>()) }
}

/// The sales order an acceptance becomes: the same id on every laptop that completes it, so two
/// laptops of one rep converge on one order.
pub fn order_id_for(response: Uuid) -> Uuid {
    Uuid::new_v5(&response, b"showroom portal sales order")
}

/// Turns the portal responses this device's user must handle into records, each in its own
/// transaction; returns what was done, one line each. A response is this device's when its
/// user owns the quote (or, for a quote without an owner, the customer).
pub fn complete(store: &mut Store, today: NaiveDate) -> Result<Vec<String>> {
    let Some(me) = store.user_id() else { return Ok(Vec::new()) };
    let waiting: Vec<PortalResponse> = query(store.conn(), "WHERE handled_at IS NULL ORDER BY at", [])?;
    let mut done = Vec::new();
    for r in waiting {
        let Ok(customer) = crate::store::get::<Customer>(store.conn(), r.customer_id) else { continue };
        let quote = r.quote_id.and_then(|q| crate::store::get::<Quote>(store.conn(), q).ok());
        let owner = quote.as_ref().and_then(|q| q.owner_id).or(customer.owner_id);
        if owner != Some(me) {
            continue;
        }
        let number = quote.as_ref().map(|q| q.number.clone()).unwrap_or_default();
        let name = customer.display_name();
        let outcome = handle(store, &r, &customer, quote.as_ref(), today)?;
        let now = Timestamp::now();
        let summary = format!("{} online: {outcome}", notice_text(&name, &r, &number));
        store.write(|w| {
            let old: PortalResponse = w.get(r.id)?;
            if old.handled_at.is_some() {
                return Ok(());
            }
            w.update(&old, &PortalResponse { handled_at: Some(now), outcome: outcome.clone(), ..old.clone() })?;
            w.insert(&Interaction {
                id: Uuid::new_v5(&r.id, b"showroom portal timeline"),
                customer_id: r.customer_id,
                channel: InteractionChannel::Quote,
                direction: Direction::Inbound,
                summary: summary.clone(),
                duration_s: None,
                author_id: None,
                occurred_at: r.at,
                created_at: now,
            })?;
            let clash = r.kind == ResponseKind::TestDrive && outcome.starts_with("not booked");
            if matches!(r.kind, ResponseKind::Question | ResponseKind::Accepted) || clash {
                let subject = match r.kind {
                    ResponseKind::TestDrive => {
                        format!(
                            "Call {}: the test drive they booked online ({}) could not be booked",
                            customer.first_name, r.message
                        )
                    }
                    ResponseKind::Question => {
                        format!("Answer {}'s question: {}", customer.first_name, clip(&r.message, 60))
                    }
                    _ => format!("Call {}: accepted quote {number} online; set up delivery", customer.first_name),
                };
                w.insert(&Activity {
                    id: Uuid::new_v5(&r.id, b"showroom portal task"),
                    customer_id: r.customer_id,
                    opportunity_id: quote.as_ref().and_then(|q| q.opportunity_id),
                    kind: ActivityKind::Call,
                    subject,
                    due_at: now,
                    done_at: None,
                    outcome: String::new(),
                    owner_id: Some(me),
                    created_at: now,
                    updated_at: now,
                    deleted_at: None,
                    lead_id: None,
                    message: String::new(),
                })?;
            }
            if r.kind != ResponseKind::Consent {
                crate::leads::inbox::mark_responded(w, r.customer_id, now)?;
            }
            Ok(())
        })?;
        done.push(summary);
    }
    Ok(done)
}

/// The records one response becomes; returns the outcome in words. A rule the laptop's data
/// breaks (the vehicle went on hold for another deal meanwhile) is the outcome, not an error:
/// the rep gets the task and calls.
fn handle(
    store: &mut Store,
    r: &PortalResponse,
    customer: &Customer,
    quote: Option<&Quote>,
    today: NaiveDate,
) -> Result<String> {
    let in_words = |e: CoreError| match e {
        CoreError::Validation(errs) => errs.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join("; "),
        other => other.to_string(),
    };
    Ok(match (r.kind, quote) {
        (ResponseKind::Accepted, Some(q)) if q.version != r.version => {
            format!("not turned into an order: the quote is at version {} now; confirm with the customer", q.version)
        }
        (ResponseKind::Accepted, Some(q)) => {
            let order_id = order_id_for(r.id);
            match crate::quotes::accept_as(store, q.id, &Default::default(), today, order_id) {
                Ok(order) => format!("sales order {} opened", order.number),
                Err(_) if crate::store::get::<crate::quotes::SalesOrder>(store.conn(), order_id).is_ok() => {
                    "sales order opened on another computer".into()
                }
                Err(e) => format!("not turned into an order: {}", in_words(e)),
            }
        }
        (ResponseKind::Declined, Some(q)) => {
            let reason = if r.message.trim().is_empty() {
                "Declined online".to_string()
            } else {
                format!("Declined online: {}", r.message.trim())
            };
            match crate::quotes::decline(store, q.id, &reason) {
                Ok(()) => "quote marked declined".into(),
                Err(e) => format!("quote left as it was: {}", in_words(e)),
            }
        }
        (ResponseKind::Question, _) => "a call task is on your list".into(),
        (ResponseKind::TestDrive, Some(q)) => match (q.vehicle_id, r.starts_at) {
            (Some(vehicle), Some(starts)) => {
                let owner = q.owner_id.or(customer.owner_id);
                match crate::engagement::book_online(store, r.id, customer, vehicle, q.opportunity_id, starts, owner) {
                    Ok(()) => "test drive booked; check their licence when they arrive".into(),
                    Err(e) => format!("not booked: {}; call them to offer another time", in_words(e)),
                }
            }
            _ => "not booked: the quote has no vehicle; call them".into(),
        },
        (ResponseKind::Consent, _) => {
            let c = customer.consent;
            format!(
                "email {}, text {}, phone {}",
                if c.email { "yes" } else { "no" },
                if c.sms { "yes" } else { "no" },
                if c.phone { "yes" } else { "no" }
            )
        }
        (_, None) => "the quote is not on this computer".into(),
    })
}

/// Queues a message for the server's outbox (one transaction). Consent and an address on file are
/// checked here and again by the server when it sends. A quote attached is presented (frozen), so
/// the customer gets exactly the version the rep saw.
pub fn queue(store: &mut Store, d: &MessageDraft, today: NaiveDate) -> Result<OutgoingMessage> {
    let m = draft_message(store.conn(), d, store.acting_user(), today)?;
    if let Some(q) = d.quote_id
        && crate::store::get::<Quote>(store.conn(), q)?.status != QuoteStatus::Accepted
    {
        crate::quotes::present(store, q, today)?;
    }
    store.write(|w| {
        w.insert(&m)?;
        Ok(())
    })?;
    Ok(m)
}

/// What is wrong with a message's words, each naming its field: an email needs a subject (under
/// 200 characters), a body is needed (a text at most 640 characters, an email 20,000), and a
/// `{quote_link}` needs a quote. The laptop checks a draft with it and the server a queued message
/// before sending it (a client can push anything).
pub fn text_problems(channel: MessageChannel, subject: &str, body: &str, has_quote: bool) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if channel == MessageChannel::Email && subject.trim().is_empty() {
        errors.push(FieldError::new("subject", "is required for an email"));
    }
    if subject.chars().count() > 200 {
        errors.push(FieldError::new("subject", "keep it under 200 characters"));
    }
    let body = body.trim();
    if body.is_empty() {
        errors.push(FieldError::new("body", "is required"));
    } else if channel == MessageChannel::Sms && body.chars().count() > 640 {
        errors.push(FieldError::new("body", "a text holds at most 640 characters (4 segments)"));
    } else if body.chars().count() > 20_000 {
        errors.push(FieldError::new("body", "keep it under 20,000 characters"));
    }
    if !has_quote && (body.contains(LINK_FIELD) || subject.contains(LINK_FIELD)) {
        errors.push(FieldError::new("quote_id", format!("pick the quote whose link goes where {LINK_FIELD} is")));
    }
    errors
}

/// The message a draft makes, checked (consent, an address on file, subject and body, the quote
/// is this customer's and still open, a `{quote_link}` has a quote), not yet stored.
pub fn draft_message(
    conn: &rusqlite::Connection,
    d: &MessageDraft,
    author: Option<Uuid>,
    today: NaiveDate,
) -> Result<OutgoingMessage> {
    let mut errors = Vec::new();
    let Some(customer_id) = d.customer_id else { return Err(CoreError::field("customer_id", "is required")) };
    let customer: Customer =
        crate::store::get(conn, customer_id).map_err(|_| CoreError::field("customer_id", "no such customer"))?;
    let channel = d.channel.unwrap_or(MessageChannel::Email);
    let (to, consented, what) = match channel {
        MessageChannel::Email => (customer.email.clone(), customer.consent.email, "email"),
        MessageChannel::Sms => (customer.phone.clone(), customer.consent.sms, "text messages"),
    };
    let to = to.unwrap_or_default();
    if to.is_empty() {
        errors.push(FieldError::new(
            "channel",
            format!(
                "{} has no {} on file",
                customer.display_name(),
                if channel == MessageChannel::Email { "email address" } else { "mobile number" }
            ),
        ));
    } else if !consented {
        errors.push(FieldError::new(
            "channel",
            format!("{} has not agreed to {what}; record consent first", customer.display_name()),
        ));
    }
    errors.extend(text_problems(channel, &d.subject, &d.body, d.quote_id.is_some()));
    let body = d.body.trim().to_string();
    if let Some(q) = d.quote_id {
        match crate::store::get::<Quote>(conn, q) {
            Ok(quote) if quote.customer_id != customer_id => {
                errors.push(FieldError::new("quote_id", "is another customer's quote"))
            }
            Ok(quote) if matches!(quote.effective_status(today), QuoteStatus::Declined | QuoteStatus::Expired) => {
                errors.push(FieldError::new(
                    "quote_id",
                    format!("quote {} is no longer open; revise it first", quote.number),
                ))
            }
            Ok(_) => {}
            Err(_) => errors.push(FieldError::new("quote_id", "no such quote")),
        }
    }
    if !errors.is_empty() {
        return Err(CoreError::Validation(errors));
    }
    let now = Timestamp::now();
    Ok(OutgoingMessage {
        id: Uuid::now_v7(),
        customer_id,
        channel,
        to_address: to,
        subject: d.subject.trim().to_string(),
        body,
        quote_id: d.quote_id,
        author_id: author,
        status: MessageStatus::Queued,
        status_detail: String::new(),
        queued_at: now,
        sent_at: None,
        created_at: now,
        updated_at: now,
    })
}

/// Withdraws a message that has not left yet.
pub fn cancel(store: &mut Store, id: Uuid) -> Result<OutgoingMessage> {
    store.write(|w| {
        let old: OutgoingMessage = w.get(id).map_err(|_| CoreError::field("id", "no such message"))?;
        if old.status != MessageStatus::Queued {
            return Err(CoreError::Conflict("this message has already left; it cannot be withdrawn".into()));
        }
        let now = Timestamp::now_after(old.updated_at);
        let new = OutgoingMessage {
            status: MessageStatus::Cancelled,
            status_detail: "withdrawn before it was sent".into(),
            updated_at: now,
            ..old.clone()
        };
        w.update(&old, &new)?;
        Ok(new)
    })
}

/// A customer's messages, newest first.
pub fn messages(conn: &rusqlite::Connection, customer_id: Uuid) -> Result<Vec<OutgoingMessage>> {
    query(conn, "WHERE customer_id = ?1 ORDER BY queued_at DESC", [customer_id.to_string()])
}

/// Makes a share link for a quote (offline: only its hash syncs); presents the quote, so the
/// customer sees the frozen version the rep saw.
pub fn share(store: &mut Store, quote_id: Uuid, days: u32, base_url: &str, today: NaiveDate) -> Result<ShareLink> {
    if base_url.trim().is_empty() {
        return Err(CoreError::field("server", "sign in to the sync server first: the link opens the quote there"));
    }
    let quote: Quote =
        crate::store::get(store.conn(), quote_id).map_err(|_| CoreError::field("quote_id", "no such quote"))?;
    if matches!(quote.effective_status(today), QuoteStatus::Declined | QuoteStatus::Expired) {
        return Err(CoreError::field("quote_id", format!("quote {} is no longer open; revise it first", quote.number)));
    }
    if quote.status != QuoteStatus::Accepted {
        crate::quotes::present(store, quote_id, today)?;
    }
    let (share, token) = new_share(&quote, days, store.acting_user(), Timestamp::now())?;
    store.write(|w| {
        w.insert(&share)?;
        Ok(())
    })?;
    Ok(ShareLink { url: link(base_url, &token), share })
}

/// Withdraws a link: it stops opening the quote once the server has the change.
pub fn revoke(store: &mut Store, share_id: Uuid) -> Result<QuoteShare> {
    store.write(|w| {
        let old: QuoteShare = w.get(share_id).map_err(|_| CoreError::field("id", "no such link"))?;
        if old.revoked_at.is_some() {
            return Ok(old);
        }
        let now = Timestamp::now_after(old.updated_at);
        let new = QuoteShare { revoked_at: Some(now), updated_at: now, ..old.clone() };
        w.update(&old, &new)?;
        Ok(new)
    })
}

/// A quote's links, newest first.
pub fn shares(conn: &rusqlite::Connection, quote_id: Uuid) -> Result<Vec<QuoteShare>> {
    query(conn, "WHERE quote_id = ?1 ORDER BY created_at DESC", [quote_id.to_string()])
}

/// A quote's portal responses, oldest first.
pub fn responses(conn: &rusqlite::Connection, customer_id: Uuid) -> Result<Vec<PortalResponse>> {
    query(conn, "WHERE customer_id = ?1 ORDER BY at", [customer_id.to_string()])
}

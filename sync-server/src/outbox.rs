//! The outbox: messages reps queued on their laptops leave from here once synced. Email goes
//! through an SMTP relay with `lettre` (the quote's PDF attached, a fresh share link in the body,
//! a one-click unsubscribe per RFC 8058); texts go through an [`SmsProvider`] (one HTTP
//! implementation). Consent is checked again here at sending time. The status (sent, failed, and
//! why) is written back as the server's own synced change and reaches the customer's timeline on
//! every laptop; a relay that is down means a later try (1, 2, 4 … minutes, at most an hour).

use crate::storage::Storage;
use crate::storage::portal::{OutboxItem, Sent};
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{SmtpTransport, Transport};
use showroom_core::contact::MessageChannel;
use showroom_core::domain::Timestamp;
use showroom_core::portal::{self, LINK_FIELD};
use std::sync::Arc;
use std::time::Duration;

/// Where mail and texts leave from.
#[derive(Debug, Clone)]
pub struct OutboxConfig {
    /// The SMTP relay (`host:port`, plain SMTP: a relay on this machine or a trusted network).
    pub relay: Option<(String, u16)>,
    /// The From address; its display name is replaced by the dealership's name.
    pub from: String,
    /// The address customers reach this server at (links in messages).
    pub public_url: String,
    pub sms: Option<HttpSms>,
}

/// A text message provider.
pub trait SmsProvider {
    /// Sends one text; `Ok` carries the provider's id for it.
    fn send(&self, to: &str, body: &str) -> Sent;
}

/// A provider reached by `POST <url>` with `{"to", "body"}` JSON and a bearer key; it answers
/// 2xx with `{"id": …}`, 4xx for a message it will never send, 5xx when it cannot now.
#[derive(Debug, Clone)]
pub struct HttpSms {
    pub url: String,
    pub key: String,
}

impl SmsProvider for HttpSms {
    fn send(&self, to: &str, body: &str) -> Sent {
        // Called on a blocking thread of the server's runtime.
        let answer = tokio::runtime::Handle::current().block_on(async {
            let r = reqwest::Client::new()
                .post(&self.url)
                .bearer_auth(&self.key)
                .timeout(Duration::from_secs(15))
                .json(&serde_json::json!({"to": to, "body": body}))
                .send()
                .await?;
            let status = r.status().as_u16();
            Ok::<_, reqwest::Error>((status, r.text().await.unwrap_or_default()))
        });
        match answer {
            Ok((status, text)) if (200..300).contains(&status) => {
                let id = serde_json::from_str::<serde_json::Value>(&text)
                    .ok()
                    .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(str::to_string))
                    .unwrap_or_default();
                Sent::Sent { detail: format!("accepted by the text provider (id {id})"), share: None }
            }
            Ok((status, text)) if (400..500).contains(&status) => Sent::Failed(format!(
                "the text provider refused it ({status}): {}",
                text.chars().take(200).collect::<String>()
            )),
            Ok((status, _)) => Sent::Retry(format!("the text provider answered {status}")),
            Err(e) => Sent::Retry(format!("the text provider cannot be reached: {e}")),
        }
    }
}

/// Runs the outbox until the process ends: looks every `every`, and at once when woken.
pub fn spawn(
    storage: Arc<dyn Storage>,
    config: OutboxConfig,
    wake: Arc<tokio::sync::Notify>,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let s = storage.clone();
            let c = config.clone();
            let ran = tokio::task::spawn_blocking(move || run_once(&s, &c)).await;
            match ran {
                Ok(Ok(0)) => {}
                Ok(Ok(n)) => tracing::info!(messages = n, "outbox"),
                Ok(Err(e)) => tracing::warn!(error = %e, "outbox"),
                Err(e) => tracing::warn!(error = %e, "outbox task"),
            }
            tokio::select! {
                () = wake.notified() => {}
                () = tokio::time::sleep(every) => {}
            }
        }
    })
}

/// Sends every message whose turn has come; returns how many were handled.
pub fn run_once(storage: &Arc<dyn Storage>, config: &OutboxConfig) -> crate::storage::Result<usize> {
    let now_ms = || Timestamp::now().millis().max(0) as u64;
    let due = storage.outbox_due(now_ms(), 20)?;
    let n = due.len();
    for item in due {
        let sent = send(storage, config, &item);
        storage.outbox_done(&item, &sent, now_ms())?;
    }
    Ok(n)
}

/// Sends one message (the storage is called only to keep tokens, never while talking to the
/// relay).
fn send(storage: &Arc<dyn Storage>, config: &OutboxConfig, item: &OutboxItem) -> Sent {
    let m = &item.message;
    let c = &item.customer;
    // The laptop's rules for a message's words, again: a client can push anything.
    if let Some(f) = portal::text_problems(m.channel, &m.subject, &m.body, m.quote_id.is_some()).first() {
        return Sent::Failed(format!("{}: {}", f.field, f.message));
    }
    match m.channel {
        MessageChannel::Email => {
            if !c.consent.email {
                return Sent::Failed(format!("{} has not agreed to email (checked when sending)", c.display_name()));
            }
            if c.email.as_deref().is_none_or(|e| !e.eq_ignore_ascii_case(&m.to_address)) {
                return Sent::Failed(format!(
                    "{} is no longer {}'s email address; write again to the one on file",
                    m.to_address,
                    c.display_name()
                ));
            }
            let Some((host, port)) = config.relay.clone() else {
                return Sent::Retry("no mail relay is set up on the server (--mail-relay)".into());
            };
            match email(storage, config, item) {
                Ok(message) => {
                    let transport = SmtpTransport::builder_dangerous(host)
                        .port(port)
                        .timeout(Some(Duration::from_secs(30)))
                        .build();
                    match transport.send(&message.0) {
                        Ok(reply) => Sent::Sent {
                            detail: format!(
                                "accepted by the mail server: {} {}",
                                reply.code(),
                                reply.message().collect::<Vec<_>>().join(" ")
                            ),
                            share: message.1,
                        },
                        Err(e) if e.is_permanent() => Sent::Failed(format!("the mail server refused it: {e}")),
                        Err(e) => Sent::Retry(format!("the mail server could not take it now: {e}")),
                    }
                }
                Err(e) => Sent::Failed(e),
            }
        }
        MessageChannel::Sms => {
            if !c.consent.sms {
                return Sent::Failed(format!(
                    "{} has not agreed to text messages (checked when sending)",
                    c.display_name()
                ));
            }
            // A text goes only to the number on file: a client that writes another number into
            // the row (anyone with a token can push anything) gets a failure, not a relay.
            if c.phone.as_deref() != Some(m.to_address.as_str()) {
                return Sent::Failed(format!(
                    "{} is not {}'s mobile number on file; write again to the one on file",
                    m.to_address,
                    c.display_name()
                ));
            }
            let Some(provider) = &config.sms else {
                return Sent::Retry("no text provider is set up on the server (--sms-url)".into());
            };
            provider.send(&m.to_address, &m.body)
        }
    }
}

/// The email for a message: the body with its quote link, the quote's PDF, the unsubscribe link.
fn email(
    storage: &Arc<dyn Storage>,
    config: &OutboxConfig,
    item: &OutboxItem,
) -> Result<(lettre::Message, Option<portal::QuoteShare>), String> {
    let m = &item.message;
    let now = Timestamp::now();
    let mut body = m.body.clone();
    let mut share = None;
    let mut pdf = None;
    if let Some((quote, version, header)) = &item.quote {
        let (s, token) = portal::new_share(quote, portal::DEFAULT_SHARE_DAYS, None, now).map_err(|e| e.to_string())?;
        let url = portal::link(&config.public_url, &token);
        if body.contains(LINK_FIELD) {
            body = body.replace(LINK_FIELD, &url);
        } else {
            body.push_str(&format!("\n\nSee your quote and accept it online: {url}"));
        }
        let bytes = showroom_core::pdf::quote_pdf(header, &version.deal, &version.calc).map_err(|e| e.to_string())?;
        pdf = Some((format!("Quote {} v{}.pdf", quote.number, version.version), bytes));
        share = Some(s);
    }
    let token = portal::new_token();
    let unsubscribe = format!("{}/u/{token}", config.public_url.trim_end_matches('/'));
    storage
        .add_unsubscribe(item, &portal::token_hash(&token), now.millis().max(0) as u64)
        .map_err(|e| e.to_string())?;
    body.push_str(&format!("\n\n--\nTo stop emails from {}: {unsubscribe}\n", dealer_name(item)));

    let from: Mailbox = config.from.parse().map_err(|e| format!("the server's --mail-from is not an address: {e}"))?;
    let from = Mailbox::new(Some(dealer_name(item)), from.email);
    let to: Mailbox = m.to_address.parse().map_err(|e| format!("{} is not an email address: {e}", m.to_address))?;
    // Bounces come back to this message's own address (VERP), read by the SMTP intake.
    let bounce: Option<lettre::Address> =
        format!("{}{token}@{}", crate::smtp::BOUNCE_PREFIX, from.email.domain()).parse().ok();
    let envelope = lettre::address::Envelope::new(bounce, vec![to.email.clone()])
        .map_err(|e| format!("the email could not be addressed: {e}"))?;
    let mut builder = lettre::Message::builder()
        .envelope(envelope)
        .from(from)
        .to(to)
        .subject(m.subject.clone())
        .message_id(Some(format!("<{}@showroom>", m.id)))
        .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("List-Unsubscribe"), format!("<{unsubscribe}>")))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
            "List-Unsubscribe=One-Click".into(),
        ));
    if let Some((name, login)) = &item.rep
        && login.contains('@')
        && let Ok(addr) = login.parse()
    {
        builder = builder.reply_to(Mailbox::new(Some(name.clone()), addr));
    }
    let text = SinglePart::builder().header(ContentType::TEXT_PLAIN).body(body);
    let message = match pdf {
        Some((name, bytes)) => builder.multipart(MultiPart::mixed().singlepart(text).singlepart(
            Attachment::new(name).body(bytes, ContentType::parse("application/pdf").map_err(|e| e.to_string())?),
        )),
        None => builder.singlepart(text),
    }
    .map_err(|e| format!("the email could not be built: {e}"))?;
    Ok((message, share))
}

fn dealer_name(item: &OutboxItem) -> String {
    if item.letterhead.name.is_empty() { "Showroom".into() } else { item.letterhead.name.clone() }
}

//! Email intake: lead providers that send ADF by email deliver it to the server over SMTP
//! (`serve --smtp-listen`, the `mailin-embedded` server, STARTTLS with the HTTPS certificate when
//! one is given). Each lead source has its own mailbox (`source add` prints it); a message to it
//! is read for its ADF document (the body or an attachment) and taken exactly as a post to
//! `/api/v1/intake/leads` with the source's key: the same reader, caps, routing, idempotency and
//! answers (250 with what was stored, 550 naming the problem, so the provider's bounce says why).
//!
//! The same listener takes delivery reports for the emails the outbox sends: each email's
//! envelope sender is `bounce+<token>@<the --mail-from domain>` (VERP), so a bounce comes back
//! to that address and marks exactly that message "bounced", with the reason the report gives.

use crate::storage::{LeadSource, Storage};
use mailin_embedded::{Handler, Response, Server, SslConfig, response};
use std::io;
use std::net::{IpAddr, TcpListener};
use std::sync::Arc;

/// A message may be at most as large as a feed file.
pub const MAX_MESSAGE: usize = showroom_core::leads::adf::MAX_BYTES;

/// One SMTP session's state (the server clones a fresh one per connection).
#[derive(Clone)]
pub struct MailIntake {
    storage: Arc<dyn Storage>,
    source: Option<LeadSource>,
    /// A delivery report's recipient: the hash of the token in `bounce+<token>`.
    bounce: Option<String>,
    data: Vec<u8>,
    too_large: bool,
}

impl MailIntake {
    pub fn new(storage: Arc<dyn Storage>) -> Self {
        MailIntake { storage, source: None, bounce: None, data: Vec::new(), too_large: false }
    }

    fn reset(&mut self) {
        self.source = None;
        self.bounce = None;
        self.data.clear();
        self.too_large = false;
    }

    fn storage(&self) -> &dyn Storage {
        self.storage.as_ref()
    }
}

fn now_ms() -> u64 {
    showroom_core::domain::Timestamp::now().millis().max(0) as u64
}

/// SMTP answers carry one line of text: no line breaks, at most 400 characters.
fn reply(code: u16, text: &str) -> Response {
    let mut line: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).take(400).collect();
    if line.is_empty() {
        line = "OK".into();
    }
    Response::custom(code, line)
}

/// The first ADF document in a message: a body or an attachment (or the whole message when it is
/// not MIME at all).
pub fn adf_in(message: &[u8]) -> Option<Vec<u8>> {
    use showroom_core::leads::adf::sniff;
    let parsed = mail_parser::MessageParser::default().parse(message);
    if let Some(m) = &parsed {
        for part in &m.parts {
            let bytes = part.contents();
            if !bytes.is_empty() && sniff(bytes) {
                return Some(bytes.to_vec());
            }
        }
    }
    // Not MIME: the text after the headers.
    let body = message.windows(4).position(|w| w == b"\r\n\r\n").map(|i| &message[i + 4..]).unwrap_or(message);
    sniff(body).then(|| body.to_vec())
}

/// The local part's start of the outbox's bounce addresses.
pub const BOUNCE_PREFIX: &str = "bounce+";

/// Why a delivery report says the mail was not delivered: its `Diagnostic-Code` (RFC 3464), else
/// its `Status`, else its subject.
pub fn bounce_reason(report: &[u8]) -> String {
    let parsed = mail_parser::MessageParser::default().parse(report);
    let mut texts: Vec<String> = Vec::new();
    if let Some(m) = &parsed {
        for part in &m.parts {
            texts.push(String::from_utf8_lossy(part.contents()).into_owned());
        }
    }
    texts.push(String::from_utf8_lossy(report).into_owned());
    let field = |name: &str| {
        texts.iter().flat_map(|t| t.lines()).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k.trim().eq_ignore_ascii_case(name)).then(|| v.trim().to_string())
        })
    };
    let clip = |t: String| t.chars().take(200).collect::<String>();
    if let Some(code) = field("Diagnostic-Code") {
        let code = code.split_once(';').map(|(_, c)| c.trim().to_string()).unwrap_or(code);
        return clip(code);
    }
    if let Some(status) = field("Status") {
        return clip(format!("delivery status {status}"));
    }
    match parsed.as_ref().and_then(|m| m.subject()) {
        Some(s) if !s.trim().is_empty() => clip(s.trim().to_string()),
        _ => "returned by the recipient's mail server".into(),
    }
}

impl Handler for MailIntake {
    fn mail(&mut self, _ip: IpAddr, _domain: &str, _from: &str) -> Response {
        self.reset();
        response::OK
    }

    fn rcpt(&mut self, to: &str) -> Response {
        let address = to.trim_matches(['<', '>']).trim();
        if let Some(token) = address.split('@').next().and_then(|l| l.strip_prefix(BOUNCE_PREFIX)) {
            if !showroom_core::portal::token_shaped(token) {
                return response::NO_MAILBOX;
            }
            self.bounce = Some(showroom_core::portal::token_hash(token));
            return response::OK;
        }
        if self.source.is_some() {
            // One source per message: a second mailbox of the same message is accepted and ignored.
            return response::OK;
        }
        let local = to.trim_matches(['<', '>']).split('@').next().unwrap_or_default().trim().to_lowercase();
        let found = self.storage().lead_source_by_mailbox(&local);
        match found {
            Ok(Some(s)) if s.revoked_ms.is_none() => {
                self.source = Some(s);
                response::OK
            }
            Ok(Some(_)) => reply(550, "this lead mailbox was revoked; ask the dealership for its new address"),
            Ok(None) => response::NO_MAILBOX,
            Err(e) => {
                tracing::error!(error = %e, "smtp: cannot look up a mailbox");
                response::INTERNAL_ERROR
            }
        }
    }

    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, _to: &[String]) -> Response {
        if self.source.is_none() && self.bounce.is_none() {
            return response::NO_MAILBOX;
        }
        self.data.clear();
        self.too_large = false;
        response::START_DATA
    }

    fn data(&mut self, buf: &[u8]) -> io::Result<()> {
        if self.data.len() + buf.len() > MAX_MESSAGE {
            self.too_large = true;
            self.data.clear();
        } else if !self.too_large {
            self.data.extend_from_slice(buf);
        }
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        // The message's final answer ends the mail transaction whatever its code (RFC 5321
        // 4.1.1.4); mailin would otherwise stay in its DATA state after a refusal and read the
        // client's next command as message text (the client then waits a minute for an answer).
        let mut answer = self.take_message();
        answer.is_error = false;
        answer
    }
}

impl MailIntake {
    fn take_message(&mut self) -> Response {
        if let Some(hash) = self.bounce.take() {
            let report = std::mem::take(&mut self.data);
            let reason = bounce_reason(&report);
            let marked = self.storage().message_bounced(&hash, &reason, now_ms());
            return match marked {
                Ok(Some(name)) => {
                    tracing::info!(%reason, "smtp: an email to {name} bounced");
                    reply(250, "delivery report recorded")
                }
                Ok(None) => response::NO_MAILBOX,
                Err(e) => {
                    tracing::error!(error = %e, "smtp: recording a bounce failed");
                    response::INTERNAL_ERROR
                }
            };
        }
        let Some(source) = self.source.take() else { return response::NO_MAILBOX };
        if std::mem::take(&mut self.too_large) {
            return reply(552, &format!("a message may be at most {} MB", MAX_MESSAGE / 1_048_576));
        }
        let message = std::mem::take(&mut self.data);
        let Some(adf) = adf_in(&message) else {
            tracing::warn!(source = %source.name, "smtp: a message without ADF");
            return reply(550, "no ADF document in the message (send it as the body or an XML attachment)");
        };
        let leads = match showroom_core::leads::intake::read_adf(&adf, &source.name, source.channel, &source.region) {
            Ok(l) => l,
            Err(f) => return reply(550, &format!("{}: {}", f.field, f.message)),
        };
        let n = leads.len();
        let taken = self.storage().take_leads(&source, leads, now_ms());
        match taken {
            Ok(r) => {
                tracing::info!(source = %source.name, leads = n, stored = r.stored, duplicates = r.duplicates, "smtp intake");
                reply(250, &format!("stored {} lead(s), {} already received", r.stored, r.duplicates))
            }
            Err(crate::storage::StorageError::Invalid { message, .. }) => reply(550, &message),
            Err(e) => {
                tracing::error!(error = %e, "smtp: storing leads failed");
                response::INTERNAL_ERROR
            }
        }
    }
}

/// Serves SMTP intake on `listener` in its own threads until the process ends. With a
/// certificate and key, STARTTLS is offered.
pub fn serve(
    listener: TcpListener,
    storage: Arc<dyn Storage>,
    name: &str,
    tls: Option<(&std::path::Path, &std::path::Path)>,
) -> io::Result<std::thread::JoinHandle<()>> {
    let mut server = Server::new(MailIntake::new(storage));
    let ssl = match tls {
        Some((cert, key)) => {
            SslConfig::SelfSigned { cert_path: cert.display().to_string(), key_path: key.display().to_string() }
        }
        None => SslConfig::None,
    };
    server.with_name(name).with_num_threads(4).with_tcp_listener(listener);
    server.with_ssl(ssl).map_err(|e| io::Error::other(e.to_string()))?;
    std::thread::Builder::new().name("smtp-intake".into()).spawn(move || {
        if let Err(e) = server.serve() {
            tracing::error!(error = %e, "smtp intake stopped");
        }
    })
}

//! The HTTP sync client (feature `client`, reqwest): sign in and out, and the [`Transport`] a
//! [`super::round`] runs over. Error answers keep their status and body so the round can set
//! aside exactly the changes the server named.

use super::protocol::{self, ErrorBody, PULL_PAGE, PullPage, Push, PushAck, PushBody, SignIn, SignedIn};
use super::round::{Refusal, Session, StoreAccess, SyncError, SyncReport, Transport};
use crate::error::CoreError;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use uuid::Uuid;

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    /// Pushes travel by writes ([`PushBody::by_writes`]) until a server from before refuses the
    /// shape; this client then sends one change per field.
    by_writes: Arc<AtomicBool>,
}

/// The largest answer read from the server (a pull page is capped at a few MiB by the server;
/// anything larger is a fault or an attack, not data).
pub const MAX_RESPONSE: usize = 32 * 1024 * 1024;

/// Checks and normalises a server address: `https://host[:port]`, or `http://` to this computer
/// only (loopback: a test server, a tunnel); no trailing slash.
pub fn normalize_server(url: &str) -> Result<String, CoreError> {
    let url = url.trim().trim_end_matches('/');
    let parsed = reqwest::Url::parse(url).map_err(|e| CoreError::field("server", format!("not a URL ({e})")))?;
    let host = parsed.host_str().unwrap_or("");
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    match parsed.scheme() {
        _ if parsed.host_str().is_none() => Err(CoreError::field("server", "use https://host")),
        "https" => Ok(url.to_string()),
        "http" if loopback => Ok(url.to_string()),
        "http" => Err(CoreError::field(
            "server",
            "use https://: customer data does not travel unencrypted (plain http only to this computer)",
        )),
        _ => Err(CoreError::field("server", "use https://host")),
    }
}

/// Reads at most [`MAX_RESPONSE`] bytes of an answer.
async fn read_capped(mut res: reqwest::Response) -> Result<Vec<u8>, SyncError> {
    if res.content_length().is_some_and(|n| n > MAX_RESPONSE as u64) {
        return Err(SyncError::Server(format!("the server's answer is larger than {MAX_RESPONSE} bytes")));
    }
    let mut out = Vec::new();
    while let Some(chunk) = res.chunk().await.map_err(|e| SyncError::Offline(e.to_string()))? {
        if out.len() + chunk.len() > MAX_RESPONSE {
            return Err(SyncError::Server(format!("the server's answer is larger than {MAX_RESPONSE} bytes")));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

impl Client {
    pub fn new(server: &str) -> Result<Client, SyncError> {
        Self::with_root_certificate(server, None)
    }

    /// A client that also trusts the PEM certificate given (a dealership's own certificate
    /// authority, or a test's self-signed certificate).
    pub fn with_root_certificate(server: &str, pem: Option<&[u8]>) -> Result<Client, SyncError> {
        let base = normalize_server(server)?;
        let mut builder = reqwest::Client::builder();
        if let Some(pem) = pem {
            let cert = reqwest::Certificate::from_pem(pem).map_err(|e| {
                SyncError::Local(CoreError::field("certificate", format!("not a PEM certificate ({e})")))
            })?;
            builder = builder.add_root_certificate(cert);
        } else if base.get(..7).is_some_and(|s| s.eq_ignore_ascii_case("http://")) {
            // Plain HTTP (a loopback server) never verifies a certificate: reading the system's
            // certificate store would only add ~6 ms to every headless `showroom sync` (and a
            // redirect to https fails, having no root to trust).
            builder = builder.tls_certs_only(std::iter::empty());
        }
        let http = builder
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("showroom/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SyncError::Offline(e.to_string()))?;
        Ok(Client { http, base, by_writes: Arc::new(AtomicBool::new(true)) })
    }

    pub fn server(&self) -> &str {
        &self.base
    }

    async fn answer<T: DeserializeOwned>(res: reqwest::Result<reqwest::Response>) -> Result<T, Refusal> {
        let res = res.map_err(|e| Refusal { status: 0, body: None, error: SyncError::Offline(e.to_string()) })?;
        let status = res.status();
        let bytes = read_capped(res).await.map_err(|error| Refusal { status: 0, body: None, error })?;
        if status.is_success() {
            return serde_json::from_slice::<T>(&bytes).map_err(|e| Refusal {
                status: 0,
                body: None,
                error: SyncError::Server(format!("unreadable answer: {e}")),
            });
        }
        let text = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).into_owned();
        let body: Option<ErrorBody> = serde_json::from_str(&text).ok();
        let message = body.as_ref().map(|b| b.message.clone()).unwrap_or_else(|| format!("{status}: {text}"));
        let err = match status.as_u16() {
            410 if body.as_ref().is_some_and(|b| b.code == "wipe") => SyncError::Wiped(message),
            401 => SyncError::Unauthorized(message),
            429 => SyncError::RateLimited(message),
            500.. => SyncError::Offline(format!("server error: {message}")),
            _ => SyncError::Server(message),
        };
        Err(Refusal { status: status.as_u16(), body, error: err })
    }

    pub async fn sign_in(&self, user: &str, password: &str, device_id: Uuid) -> Result<Session, SyncError> {
        let body =
            SignIn { user: user.trim().to_string(), password: password.to_string(), device_id, dealership: None };
        let res = self.http.post(format!("{}/api/v1/sign-in", self.base)).json(&body).send().await;
        let signed: SignedIn = Self::answer(res).await.map_err(|r| r.error)?;
        Ok(Session {
            server: self.base.clone(),
            token: signed.token,
            user_id: signed.user_id,
            user: body.user,
            role: signed.role,
            expires_at: signed.expires_at,
        })
    }

    /// Revokes the session's token on the server.
    pub async fn sign_out(&self, session: &Session) -> Result<(), SyncError> {
        let res = self.http.post(format!("{}/api/v1/sign-out", self.base)).bearer_auth(&session.token).send().await;
        let res = res.map_err(|e| SyncError::Offline(e.to_string()))?;
        match res.status().as_u16() {
            200..=299 | 401 => Ok(()),
            s => Err(SyncError::Server(format!("sign-out answered {s}"))),
        }
    }

    pub async fn push(&self, session: &Session, push: &Push) -> Result<PushAck, Refusal> {
        let url = format!("{}/api/v1/push", self.base);
        if self.by_writes.load(Ordering::Relaxed) {
            let body = PushBody::by_writes(push);
            let res = self.http.post(&url).bearer_auth(&session.token).json(&body).send().await;
            match Self::answer::<PushAck>(res).await {
                // A server from before reads `changes` only (its message names the unknown field).
                Err(Refusal { status: 400, body: Some(b), .. }) if b.message.contains("unknown field `writes`") => {
                    self.by_writes.store(false, Ordering::Relaxed);
                }
                answer => {
                    return answer.map(|mut ack| {
                        ack.expand_writes(push);
                        ack
                    });
                }
            }
        }
        let res = self.http.post(&url).bearer_auth(&session.token).json(push).send().await;
        Self::answer(res).await
    }

    /// One page of at most [`protocol::PAGE`] writes after `since`.
    pub async fn pull(&self, session: &Session, since: i64) -> Result<PullPage, SyncError> {
        self.pull_up_to(session, since, protocol::PAGE).await
    }

    /// One page of at most `limit` writes after `since` (the server caps it).
    pub async fn pull_up_to(&self, session: &Session, since: i64, limit: usize) -> Result<PullPage, SyncError> {
        let res = self
            .http
            .get(format!("{}/api/v1/pull?since={since}&limit={limit}", self.base))
            .header(protocol::PULL_SHAPE_HEADER, protocol::PULL_WRITES)
            .bearer_auth(&session.token)
            .send()
            .await;
        Self::answer(res).await.map_err(|r| r.error)
    }
}

/// Pages fetched ahead by a background task: the cursor the stream started from, the next cursor
/// it expects to hand out, and the channel of pages.
struct Ahead {
    expect: i64,
    pages: tokio::sync::mpsc::Receiver<Result<PullPage, SyncError>>,
    task: tokio::task::JoinHandle<()>,
}

/// The HTTP transport of one signed-in session. Once a pull says `more`, a background task keeps
/// fetching the following pages (two ahead) while the round applies the current one, so catching
/// up is bounded by the slower of the server and the local apply, not their sum.
pub struct Http<'a> {
    pub client: &'a Client,
    pub session: &'a Session,
    ahead: tokio::sync::Mutex<Option<Ahead>>,
}

impl<'a> Http<'a> {
    pub fn new(client: &'a Client, session: &'a Session) -> Self {
        Http { client, session, ahead: tokio::sync::Mutex::new(None) }
    }
}

impl Drop for Http<'_> {
    fn drop(&mut self) {
        if let Some(a) = self.ahead.get_mut().take() {
            a.task.abort();
        }
    }
}

impl Transport for Http<'_> {
    /// Sent by a task of its own from the moment it is called, so the request goes out and the
    /// answer comes in while the round works on the store.
    fn push(&self, push: Arc<Push>) -> impl std::future::Future<Output = Result<PushAck, Refusal>> {
        let (client, session) = (self.client.clone(), self.session.clone());
        let task = tokio::spawn(async move { client.push(&session, &push).await });
        async move {
            match task.await {
                Ok(answer) => answer,
                Err(e) => {
                    Err(Refusal { status: 0, body: None, error: SyncError::Offline(format!("the push stopped: {e}")) })
                }
            }
        }
    }

    async fn pull(&self, since: i64) -> Result<PullPage, SyncError> {
        let mut ahead = self.ahead.lock().await;
        if let Some(a) = ahead.as_mut()
            && a.expect == since
        {
            let page = match a.pages.recv().await {
                Some(p) => p?,
                None => return Err(SyncError::Offline("the page fetch stopped".into())),
            };
            a.expect = page.next_cursor;
            if !page.more
                && let Some(done) = ahead.take()
            {
                done.task.abort();
            }
            return Ok(page);
        }
        if let Some(stale) = ahead.take() {
            stale.task.abort();
        }
        // A sync's first page is small, so a sync with little to catch up answers at once; the
        // pages after it grow to PULL_PAGE (see there) while the first ones are being applied.
        let page = self.client.pull_up_to(self.session, since, protocol::PAGE).await?;
        if page.more {
            let (tx, rx) = tokio::sync::mpsc::channel(2);
            let (client, session, mut cursor) = (self.client.clone(), self.session.clone(), page.next_cursor);
            let mut limit = protocol::PAGE;
            let task = tokio::spawn(async move {
                loop {
                    limit = (limit * 2).min(PULL_PAGE);
                    let next = client.pull_up_to(&session, cursor, limit).await;
                    let stop = match &next {
                        Ok(p) => {
                            cursor = p.next_cursor;
                            !p.more
                        }
                        Err(_) => true,
                    };
                    if tx.send(next).await.is_err() || stop {
                        return;
                    }
                }
            });
            *ahead = Some(Ahead { expect: page.next_cursor, pages: rx, task });
        }
        Ok(page)
    }
}

/// The dealer group's calls (`/api/v1/rooftops`, `/api/v1/group/…`), with the session's token.
impl Client {
    async fn get_json<T: DeserializeOwned>(&self, session: &Session, path: &str) -> Result<T, SyncError> {
        let res = self.http.get(format!("{}/api/v1{path}", self.base)).bearer_auth(&session.token).send().await;
        Self::answer(res).await.map_err(|r| r.error)
    }

    async fn post_json<T: DeserializeOwned>(
        &self,
        session: &Session,
        path: &str,
        body: &impl serde::Serialize,
    ) -> Result<T, SyncError> {
        let res =
            self.http.post(format!("{}/api/v1{path}", self.base)).bearer_auth(&session.token).json(body).send().await;
        Self::answer(res).await.map_err(|r| r.error)
    }

    /// The caller's rooftop and its group's others.
    pub async fn rooftops(&self, session: &Session) -> Result<Vec<protocol::Rooftop>, SyncError> {
        self.get_json(session, "/rooftops").await
    }

    /// A session for rooftop `id`, for the store whose device is `device_id`.
    pub async fn rooftop_session(&self, session: &Session, id: Uuid, device_id: Uuid) -> Result<Session, SyncError> {
        let body = protocol::RooftopToken { device_id };
        let signed: SignedIn = self.post_json(session, &format!("/rooftops/{id}/token"), &body).await?;
        Ok(Session {
            server: self.base.clone(),
            token: signed.token,
            user_id: signed.user_id,
            user: session.user.clone(),
            role: signed.role,
            expires_at: signed.expires_at,
        })
    }

    /// The sister rooftops' vehicles for sale matching `query`.
    pub async fn group_inventory(
        &self,
        session: &Session,
        query: &str,
    ) -> Result<Vec<protocol::GroupVehicle>, SyncError> {
        let url = reqwest::Url::parse_with_params(&format!("{}/api/v1/group/inventory", self.base), &[("q", query)])
            .map_err(|e| SyncError::Local(CoreError::field("server", format!("not a URL ({e})"))))?;
        let res = self.http.get(url).bearer_auth(&session.token).send().await;
        Self::answer(res).await.map_err(|r| r.error)
    }

    pub async fn transfers(&self, session: &Session) -> Result<Vec<protocol::Transfer>, SyncError> {
        self.get_json(session, "/group/transfers").await
    }

    pub async fn request_transfer(
        &self,
        session: &Session,
        req: &protocol::TransferRequest,
    ) -> Result<protocol::Transfer, SyncError> {
        self.post_json(session, "/group/transfers", req).await
    }

    pub async fn decide_transfer(
        &self,
        session: &Session,
        id: Uuid,
        decision: &protocol::TransferDecision,
    ) -> Result<protocol::Transfer, SyncError> {
        self.post_json(session, &format!("/group/transfers/{id}"), decision).await
    }

    pub async fn move_customer(
        &self,
        session: &Session,
        customer: Uuid,
        mv: &protocol::CustomerMove,
    ) -> Result<protocol::Moved, SyncError> {
        self.post_json(session, &format!("/group/customers/{customer}/move"), mv).await
    }
}

impl Client {
    /// One sync round over HTTP.
    pub async fn sync(&self, store: impl StoreAccess, session: &Session) -> Result<SyncReport, SyncError> {
        super::round::round(&Http::new(self, session), store).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_data_travels_over_https_except_to_this_computer() {
        assert_eq!(normalize_server("https://sync.example.com/").unwrap(), "https://sync.example.com");
        for local in ["http://127.0.0.1:8443", "http://localhost:9000", "http://[::1]:80"] {
            assert!(normalize_server(local).is_ok(), "{local}");
        }
        for remote in ["http://sync.example.com", "http://10.0.0.5:8443", "http://192.168.1.20"] {
            let e = normalize_server(remote).unwrap_err().to_string();
            assert!(e.contains("server") && e.contains("https"), "{remote}: {e}");
        }
        assert!(normalize_server("ftp://x").is_err());
        assert!(normalize_server("not a url").unwrap_err().to_string().contains("not a URL"));
    }

    /// An HTTP/1.1 server on a loopback socket: `answer` gets each request's head and body and
    /// returns its status line's status and a JSON body.
    async fn loopback<F>(answer: F) -> String
    where
        F: Fn(&str, &[u8]) -> (&'static str, String) + Send + Sync + 'static,
    {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let answer = Arc::new(answer);
        tokio::spawn(async move {
            loop {
                let (mut sock, _) = listener.accept().await.unwrap();
                let answer = answer.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 65536];
                    loop {
                        let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                            match sock.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                            }
                            continue;
                        };
                        let head = String::from_utf8_lossy(&buf[..end]).into_owned();
                        let length: usize = head
                            .lines()
                            .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(str::to_string))
                            .map_or(0, |n| n.trim().parse().unwrap());
                        while buf.len() < end + 4 + length {
                            match sock.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                            }
                        }
                        let body: Vec<u8> = buf.drain(..end + 4 + length).skip(end + 4).collect();
                        let (status, json) = answer(&head, &body);
                        let reply = format!(
                            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{json}",
                            json.len()
                        );
                        if sock.write_all(reply.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        url
    }

    /// A page server on a loopback socket that records each pull's `since` and `limit` and
    /// answers with an empty page that moves the cursor by `limit` until `total`.
    async fn page_server(total: i64) -> (String, Arc<std::sync::Mutex<Vec<(i64, usize)>>>) {
        let asked = Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = asked.clone();
        let url = loopback(move |head, _| {
            let query = head.split_whitespace().nth(1).and_then(|t| t.split_once('?')).unwrap().1.to_string();
            let arg = |k: &str| query.split('&').find_map(|kv| kv.strip_prefix(&format!("{k}="))).unwrap().to_string();
            let (since, limit): (i64, usize) = (arg("since").parse().unwrap(), arg("limit").parse().unwrap());
            log.lock().unwrap().push((since, limit));
            let next = (since + limit as i64).min(total);
            let page = PullPage {
                changes: Vec::new(),
                writes: Vec::new(),
                evict: Vec::new(),
                notices: Vec::new(),
                checksums: Vec::new(),
                next_cursor: next,
                more: next < total,
                resync: false,
            };
            ("200 OK", serde_json::to_string(&page).unwrap())
        })
        .await;
        (url, asked)
    }

    /// A sync's first page asks for a small one, so a laptop with little to catch up gets its
    /// answer at once; the pages fetched ahead while it applies double up to PULL_PAGE, so a
    /// first pull of a big dealership commits fewer, larger pages. The pages come in order.
    #[tokio::test]
    async fn pull_pages_start_small_and_grow_to_the_largest_page() {
        let total = 20_000;
        let (url, asked) = page_server(total).await;
        let client = Client::new(&url).unwrap();
        let session = Session {
            server: url,
            token: "t".into(),
            user_id: Uuid::nil(),
            user: "mia".into(),
            role: "manager".into(),
            expires_at: String::new(),
        };
        let http = Http::new(&client, &session);
        let (mut since, mut cursors) = (0, Vec::new());
        loop {
            let page = http.pull(since).await.unwrap();
            cursors.push(page.next_cursor);
            since = page.next_cursor;
            if !page.more {
                break;
            }
        }
        assert_eq!(cursors, [1_000, 3_000, 7_000, 12_000, 17_000, 20_000]);
        let page = protocol::PAGE;
        let limits: Vec<usize> = asked.lock().unwrap().iter().map(|a| a.1).collect();
        assert_eq!(limits, [page, 2 * page, 4 * page, PULL_PAGE, PULL_PAGE, PULL_PAGE]);
        assert_eq!(PULL_PAGE, 5 * page);
        // A later sync starts small again.
        assert!(!http.pull(since).await.unwrap().more);
        assert_eq!(asked.lock().unwrap().last(), Some(&(total, page)));
    }

    /// A server from before December 2026, when pushes began to travel by writes: it reads a
    /// push as [`Push`] (an unknown field refused by name, as it did) and acknowledges every
    /// change. Records whether each body it was sent came by writes.
    async fn old_push_server() -> (String, Arc<std::sync::Mutex<Vec<bool>>>) {
        let shapes = Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = shapes.clone();
        let url = loopback(move |_, body| {
            let shape: serde_json::Value = serde_json::from_slice(body).unwrap();
            log.lock().unwrap().push(shape.get("writes").is_some());
            match serde_json::from_slice::<Push>(body) {
                Ok(push) => {
                    let ack = PushAck {
                        acknowledged: push.changes.iter().map(|c| c.change_id).collect(),
                        acknowledged_writes: Vec::new(),
                        server_seq: 1,
                        refused: Vec::new(),
                        purged: Vec::new(),
                    };
                    ("200 OK", serde_json::to_string(&ack).unwrap())
                }
                Err(e) => {
                    let body =
                        ErrorBody { code: "bad_request".into(), message: format!("body: {e}"), fields: Vec::new() };
                    ("400 Bad Request", serde_json::to_string(&body).unwrap())
                }
            }
        })
        .await;
        (url, shapes)
    }

    /// Pushes go by writes; a server from before refuses the shape by name, and the client sends
    /// that push again one change per field, as it does for the rest of its life.
    #[tokio::test]
    async fn a_server_from_before_gets_its_pushes_one_change_per_field() {
        let (url, shapes) = old_push_server().await;
        let client = Client::new(&url).unwrap();
        let session = Session {
            server: url,
            token: "t".into(),
            user_id: Uuid::nil(),
            user: "ana".into(),
            role: "rep".into(),
            expires_at: String::new(),
        };
        let write = Uuid::now_v7();
        let change = |i: u8, field: &str| protocol::WireChange {
            change_id: crate::store::outbox_writes::change_id(crate::store::outbox_writes::write_of(write).0, i),
            table: "customers".into(),
            row_id: Uuid::from_u128(7),
            field: field.into(),
            value: serde_json::json!("x"),
            hlc: "0000000000001-0000-00000000000000000000000000000001".into(),
            author: None,
        };
        let push = Push { device_id: Uuid::nil(), changes: vec![change(0, "first_name"), change(1, "city")] };
        for _ in 0..2 {
            let ack = client.push(&session, &push).await.unwrap();
            assert_eq!(ack.acknowledged, push.changes.iter().map(|c| c.change_id).collect::<Vec<_>>());
        }
        assert_eq!(*shapes.lock().unwrap(), [true, false, false], "by writes once, then by changes");
    }
}

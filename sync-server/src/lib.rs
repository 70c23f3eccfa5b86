//! showroom-sync: the central sync server. [`app`] builds the router from state, [`serve`] runs
//! it on a plain listener (loopback) and [`serve_tls`] with rustls, both until a shutdown signal.
//! `/api/v1`: sign-in, sign-out, push, pull, health (`docs/sync-protocol.md`), and lead intake
//! from websites and feeds (`docs/server.md`). The storage behind
//! it is a [`storage::Storage`]; accounts and tokens are in [`auth`].

pub mod auth;
mod groups;
pub mod outbox;
pub mod portal;
pub mod smtp;
pub mod storage;
pub mod testpg;

use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use serde::de::DeserializeOwned;
use showroom_core::error::FieldError;
use showroom_core::sync::protocol::{ErrorBody, PULL_SHAPE_HEADER, PULL_WRITES, PushBody, SignIn, SignedIn};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use storage::{Storage, StorageError, User};
use tokio::net::TcpListener;

/// The largest push body accepted: 5,000 changes of ordinary rows fit several times over; a client
/// splits its pushes to stay under [`showroom_core::sync::protocol::MAX_PUSH_BYTES`].
pub const MAX_BODY: usize = 8 * 1024 * 1024;
/// The largest sign-in body (a login, a password and a device id).
pub const MAX_SIGN_IN: usize = 4 * 1024;
/// How long a client may take to send a request's headers, and its body.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
pub const BODY_TIMEOUT: Duration = Duration::from_secs(60);
/// Password checks (argon2, ~50 ms of CPU each) running at once; the rest wait their turn.
pub const HASHING_AT_ONCE: usize = 2;

/// Shared server state.
#[derive(Clone)]
pub struct AppState {
    pub started_at: Instant,
    /// Shared by every request at once: the storage serializes what it must (see [`Storage`]).
    pub storage: Arc<dyn Storage>,
    pub token_ttl: Duration,
    /// Failed sign-ins per login.
    pub limiter: Arc<auth::RateLimit>,
    /// Failed sign-ins per address (a whole showroom may share one).
    pub addr_limiter: Arc<auth::RateLimit>,
    /// Bounds the password checks running at once.
    pub hashing: Arc<tokio::sync::Semaphore>,
    /// Whether the portal's cookies say `Secure` (served over HTTPS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// Woken after every push, so a queued message leaves at once.
    pub outbox_wake: Arc<tokio::sync::Notify>,
}

impl AppState {
    pub fn new(storage: Box<dyn Storage>) -> Self {
        AppState {
            started_at: Instant::now(),
            storage: Arc::from(storage),
            token_ttl: Duration::from_secs(14 * 24 * 3600),
            limiter: Arc::new(auth::RateLimit::new(5, Duration::from_secs(300))),
            addr_limiter: Arc::new(auth::RateLimit::new(50, Duration::from_secs(300))),
            hashing: Arc::new(tokio::sync::Semaphore::new(HASHING_AT_ONCE)),
            secure_cookies: false,
            outbox_wake: Arc::new(tokio::sync::Notify::new()),
        }
    }

    /// Runs `f` on the storage off the async threads.
    async fn with_storage<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn Storage) -> storage::Result<T> + Send + 'static,
    ) -> Result<T, ApiError> {
        let storage = self.storage.clone();
        tokio::task::spawn_blocking(move || f(storage.as_ref()))
            .await
            .map_err(|e| ApiError::internal(format!("storage task failed: {e}")))?
            .map_err(ApiError::from)
    }
}

#[derive(Debug, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Health {
    pub status: String,
    pub version: String,
    /// The local database schema version this build's clients write.
    pub schema_version: i64,
    pub uptime_s: u64,
}

/// An error answer: status + [`ErrorBody`].
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: ErrorBody,
    retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, code: &str, message: impl Into<String>, fields: Vec<FieldError>) -> Self {
        ApiError { status, body: ErrorBody { code: code.into(), message: message.into(), fields }, retry_after: None }
    }

    fn internal(message: String) -> Self {
        tracing::error!(%message, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the server failed; try again", Vec::new())
    }

    fn unauthorized(message: &str) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message, Vec::new())
    }

    fn bad_request(field: &str, problem: &str) -> Self {
        let fields = vec![FieldError::new(field, problem)];
        Self::new(StatusCode::BAD_REQUEST, "bad_request", format!("{field}: {problem}"), fields)
    }

    fn forbidden(field: &str, problem: &str) -> Self {
        let fields = vec![FieldError::new(field, problem)];
        Self::new(StatusCode::FORBIDDEN, "forbidden", format!("{field}: {problem}"), fields)
    }
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::Invalid { message, fields } => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message, fields)
            }
            StorageError::Forbidden { message, fields } => {
                Self::new(StatusCode::FORBIDDEN, "forbidden", message, fields)
            }
            StorageError::Conflict { message, fields } => Self::new(StatusCode::CONFLICT, "conflict", message, fields),
            StorageError::NotFound(m) => Self::new(StatusCode::NOT_FOUND, "not_found", m, Vec::new()),
            other => Self::internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = (self.status, Json(self.body)).into_response();
        if let Some(s) = self.retry_after
            && let Ok(v) = s.to_string().parse()
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res
    }
}

/// Reads a JSON body strictly: malformed JSON and unknown fields get a 400 naming the problem.
/// A body that parses is read once without tracking where the parser is (the tracking was a
/// third of a push's parse time); one that does not is read again with it, to name the field.
fn parse_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if let Ok(parsed) = serde_json::from_slice(bytes) {
        return Ok(parsed);
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let field = if path == "." || path == "?" { "body".to_string() } else { path };
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("{field}: {inner}"),
            vec![FieldError::new(field.clone(), inner.to_string())],
        )
    })
}

pub(crate) fn now_ms() -> u64 {
    showroom_core::domain::Timestamp::now().millis().max(0) as u64
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    v.strip_prefix("Bearer ").map(|t| t.trim().to_string())
}

/// User input as it may appear in a log line: control characters escaped, at most 64 characters.
pub fn log_safe(s: &str) -> String {
    let mut out: String = s.chars().take(64).flat_map(char::escape_debug).collect();
    if s.chars().count() > 64 {
        out.push('…');
    }
    out
}

/// Who is calling: the user of the bearer token, the device the token was issued to, and the
/// token's hash.
struct Caller {
    user: User,
    device: uuid::Uuid,
    hash: String,
}

/// The caller behind the request's bearer token, or 401.
async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let Some(token) = bearer(headers) else {
        return Err(ApiError::unauthorized("sign in first: no bearer token"));
    };
    let hash = auth::token_hash(&token);
    let h = hash.clone();
    let user = state.with_storage(move |s| s.token_user(&h, now_ms() as i64)).await?;
    match user {
        Some((user, device)) => Ok(Caller { user, device, hash }),
        None => {
            // A device reported lost (or of a disabled user) learns it at its next contact, once.
            let h = hash.clone();
            if let Some(reason) = state.with_storage(move |s| s.take_wipe(&h, now_ms() as i64)).await? {
                tracing::warn!(reason = %reason, "told a device to erase its customer data");
                return Err(ApiError::new(
                    StatusCode::GONE,
                    "wipe",
                    format!("this computer was signed out by the dealership ({reason}); its customer data was erased"),
                    Vec::new(),
                ));
            }
            Err(ApiError::unauthorized("the token is unknown, expired or revoked; sign in again"))
        }
    }
}

async fn health(State(state): State<AppState>) -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        schema_version: showroom_core::store::SCHEMA_VERSION,
        uptime_s: state.started_at.elapsed().as_secs(),
    })
}

async fn sign_in(State(state): State<AppState>, req: Request) -> Result<Json<SignedIn>, ApiError> {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string());
    let bytes = axum::body::to_bytes(req.into_body(), MAX_SIGN_IN)
        .await
        .map_err(|e| ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", format!("body: {e}"), Vec::new()))?;
    let body: SignIn = parse_body(&bytes)?;
    let login_key = body.user.trim().to_lowercase();
    let limits: Vec<(&auth::RateLimit, String)> =
        [Some((&*state.limiter, login_key)), peer.map(|p| (&*state.addr_limiter, p))].into_iter().flatten().collect();
    let now = Instant::now();
    // Each attempt takes its place in the limit before the password is checked, so parallel
    // attempts cannot all slip through while the first ones are still hashing.
    let mut taken = Vec::new();
    for (l, k) in &limits {
        match l.reserve(k, now) {
            Ok(()) => taken.push((*l, k.clone())),
            Err(wait) => {
                for (l, k) in &taken {
                    l.release(k, now);
                }
                let mut e = ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_requests",
                    format!("too many failed sign-ins; try again in {} s", wait.as_secs()),
                    Vec::new(),
                );
                e.retry_after = Some(wait.as_secs());
                tracing::warn!(user = %log_safe(&body.user), "sign-in rate-limited");
                return Err(e);
            }
        }
    }
    let login = body.user.clone();
    let found = state.with_storage(move |s| s.credentials(&login)).await?;
    let password = body.password.clone();
    let permit = state.hashing.clone().acquire_owned().await.map_err(|e| ApiError::internal(e.to_string()))?;
    let verified = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        match found {
            Some((user, hash)) => {
                let ok = auth::verify_password(&password, &hash);
                (ok && !user.disabled).then_some(user)
            }
            // An unknown login costs the same argon2 check as a known one.
            None => {
                auth::verify_password(&password, auth::dummy_hash());
                None
            }
        }
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))?;
    let Some(user) = verified else {
        tracing::info!(user = %log_safe(&body.user), "sign-in refused");
        return Err(ApiError::unauthorized("wrong user or password, or the account is disabled"));
    };
    for (l, k) in &limits {
        l.succeeded(k);
    }
    // A group manager may sign in to any rooftop of their group; anyone else to their own.
    let rooftop = body.dealership.filter(|d| *d != user.dealership_id);
    let mut role = user.role;
    if let Some(d) = rooftop {
        let u = user.clone();
        match state.with_storage(move |s| s.rooftop_user(&u, d)).await? {
            Some(there) => role = there.role,
            None => return Err(ApiError::forbidden("dealership", "you may not sign in to this dealership")),
        }
    }
    let (token, hash) = auth::new_token();
    let now = now_ms() as i64;
    let expires = now + state.token_ttl.as_millis() as i64;
    let (uid, device) = (user.id, body.device_id);
    state.with_storage(move |s| s.add_token(&hash, uid, device, rooftop, now, expires)).await?;
    tracing::info!(user = %user.login, device = %body.device_id, "signed in");
    Ok(Json(SignedIn {
        token,
        user_id: user.id,
        role: role.as_str().into(),
        expires_at: chrono::DateTime::from_timestamp_millis(expires).map(|d| d.to_rfc3339()).unwrap_or_default(),
    }))
}

async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> Result<StatusCode, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    state.with_storage(move |s| s.revoke_token(&caller.hash)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn push(State(state): State<AppState>, req: Request) -> Result<Response, ApiError> {
    // The token is checked before the body is read: a stranger cannot make the server buffer
    // megabytes.
    let Caller { user, device, .. } = authenticate(&state, req.headers()).await?;
    let announced = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if announced.is_some_and(|n| n > MAX_BODY as u64) {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("body: a push carries at most {MAX_BODY} bytes; send fewer changes at a time"),
            Vec::new(),
        ));
    }
    let body = axum::body::to_bytes(req.into_body(), MAX_BODY).await.map_err(|e| {
        let too_large = std::error::Error::source(&e).is_some_and(|s| s.to_string().contains("length limit"));
        if too_large || e.to_string().contains("length limit") {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("body: a push carries at most {MAX_BODY} bytes; send fewer changes at a time"),
                Vec::new(),
            )
        } else {
            ApiError::new(StatusCode::BAD_REQUEST, "bad_request", format!("body: {e}"), Vec::new())
        }
    })?;
    let body: PushBody = parse_body(&body)?;
    // A push sent by writes is answered by writes (the change ids it carried, in order, say which).
    let by_writes = !body.writes.is_empty();
    let push = body.into_push().map_err(|e| {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", format!("{}: {}", e.field, e.message), vec![e])
    })?;
    let sent: Vec<uuid::Uuid> = if by_writes { push.changes.iter().map(|c| c.change_id).collect() } else { Vec::new() };
    if push.device_id != device {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "device_id: is not the device this token was issued to",
            vec![FieldError::new("device_id", "is not the device this token was issued to")],
        ));
    }
    let n = push.changes.len();
    let login = user.login.clone();
    let started = Instant::now();
    let ack = state.with_storage(move |s| s.push(&user, &push, now_ms())).await;
    match &ack {
        Ok(a) => tracing::info!(user = %login, changes = n, refused = a.refused.len(), seq = a.server_seq,
            ms = started.elapsed().as_millis() as u64, "push"),
        Err(e) => {
            tracing::warn!(user = %login, changes = n, status = %e.status, message = %log_safe(&e.body.message), "push refused")
        }
    }
    // A message queued on a laptop leaves now rather than at the outbox's next look.
    state.outbox_wake.notify_one();
    let ack = ack?;
    Ok(Json(if by_writes { ack.by_writes(&sent) } else { ack }).into_response())
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PullQuery {
    #[serde(default)]
    since: i64,
    limit: Option<usize>,
}

async fn pull(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<PullQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Caller { user, device, .. } = authenticate(&state, &headers).await?;
    let Query(q) =
        query.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_request", e.body_text(), Vec::new()))?;
    if q.since < 0 {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "bad_request", "since: must be 0 or more", Vec::new()));
    }
    let limit = q.limit.unwrap_or(showroom_core::sync::protocol::PAGE);
    let shape = match headers.get(PULL_SHAPE_HEADER).map(|v| v.as_bytes()) {
        Some(v) if v == PULL_WRITES.as_bytes() => storage::PullShape::Writes,
        _ => storage::PullShape::Changes,
    };
    let page = state.with_storage(move |s| s.pull_shaped(&user, device, q.since, limit, shape)).await?;
    Ok(Json(page).into_response())
}

/// The lead source's API key: `X-Api-Key: KEY` or `Authorization: Bearer KEY`.
fn api_key(headers: &HeaderMap) -> Option<String> {
    let direct = headers.get("x-api-key").and_then(|v| v.to_str().ok()).map(|v| v.trim().to_string());
    direct.filter(|k| !k.is_empty()).or_else(|| bearer(headers))
}

/// How an intake post is written, from its content type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IntakeFormat {
    Json,
    Adf,
}

fn intake_format(headers: &HeaderMap) -> Option<IntakeFormat> {
    let ct = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let mime = ct.split(';').next()?.trim().to_ascii_lowercase();
    if mime == "application/json" || mime.ends_with("+json") {
        Some(IntakeFormat::Json)
    } else if mime == "application/xml" || mime == "text/xml" || mime.ends_with("+xml") || mime == "application/adf" {
        Some(IntakeFormat::Adf)
    } else {
        None
    }
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        format!("body: a post carries at most {} MB; send fewer leads at a time", limit / 1_048_576),
        vec![FieldError::new("body", format!("is larger than {} MB", limit / 1_048_576))],
    )
}

/// `POST /api/v1/intake/leads`: a lead source posts leads (JSON or ADF/XML) with its API key.
/// The key is checked before the body is read; nothing is stored unless every lead is valid; a
/// provider id sent before is answered with the lead it made.
async fn intake_leads(State(state): State<AppState>, req: Request) -> Result<Response, ApiError> {
    let Some(key) = api_key(req.headers()) else {
        return Err(ApiError::unauthorized("send the lead source's API key in the X-Api-Key header"));
    };
    let hash = auth::token_hash(&key);
    let source = state.with_storage(move |s| s.lead_source(&hash)).await?;
    let source = match source {
        None => return Err(ApiError::unauthorized("the API key is unknown")),
        Some(s) if s.revoked_ms.is_some() => {
            tracing::warn!(source = %s.name, "a revoked lead source posted");
            return Err(ApiError::unauthorized("the API key was revoked; ask the dealership for a new one"));
        }
        Some(s) => s,
    };
    let Some(format) = intake_format(req.headers()) else {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "content-type: send application/json, or application/xml for ADF",
            vec![FieldError::new("content-type", "send application/json, or application/xml for ADF")],
        ));
    };
    let limit = showroom_core::leads::adf::MAX_BYTES;
    let announced = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if announced.is_some_and(|n| n > limit as u64) {
        return Err(too_large(limit));
    }
    let body = axum::body::to_bytes(req.into_body(), limit).await.map_err(|e| {
        let over = std::error::Error::source(&e).is_some_and(|s| s.to_string().contains("length limit"));
        if over || e.to_string().contains("length limit") {
            too_large(limit)
        } else {
            ApiError::new(StatusCode::BAD_REQUEST, "bad_request", format!("body: {e}"), Vec::new())
        }
    })?;
    let (name, channel, region) = (source.name.clone(), source.channel, source.region.clone());
    let parsed = tokio::task::spawn_blocking(move || match format {
        IntakeFormat::Json => showroom_core::leads::intake::read_json(&body, &name, channel),
        IntakeFormat::Adf => showroom_core::leads::intake::read_adf(&body, &name, channel, &region),
    })
    .await
    .map_err(|e| ApiError::internal(format!("reading a post failed: {e}")))?;
    let leads = parsed.map_err(|f| {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", format!("{}: {}", f.field, f.message), vec![f])
    })?;
    let n = leads.len();
    let src = source.clone();
    let receipt = state.with_storage(move |s| s.take_leads(&src, leads, now_ms())).await;
    match &receipt {
        Ok(r) => {
            tracing::info!(source = %source.name, leads = n, stored = r.stored, duplicates = r.duplicates, "intake")
        }
        Err(e) => {
            tracing::warn!(source = %source.name, leads = n, message = %log_safe(&e.body.message), "intake refused")
        }
    }
    let receipt = receipt?;
    let status = if receipt.stored > 0 { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(receipt)).into_response())
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint", Vec::new())
}

pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .route("/health", get(health))
        .route("/sign-in", post(sign_in))
        .route("/sign-out", post(sign_out))
        .route("/push", post(push))
        .route("/pull", get(pull))
        .route("/intake/leads", post(intake_leads))
        .merge(groups::routes());
    Router::new()
        .route("/health", get(health))
        .nest("/api/v1", api)
        .merge(portal::routes())
        .fallback(not_found)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(BODY_TIMEOUT))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, BODY_TIMEOUT * 2))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves plain HTTP until `shutdown` resolves, then finishes in-flight requests. Headers must
/// arrive within [`HEADER_TIMEOUT`], bodies within [`BODY_TIMEOUT`].
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = listener.into_std()?;
    // TCP_NODELAY: a sync is several small request/answer pairs; without it each waits on
    // delayed ACKs (a one-edit round trip went from 6 ms to 400 ms).
    let mut server = axum_server::from_tcp(listener)?
        .acceptor(axum_server::accept::NoDelayAcceptor::new())
        .handle(shutdown_handle(shutdown));
    server.http_builder().http1().header_read_timeout(HEADER_TIMEOUT);
    server.serve(app(state).into_make_service_with_connect_info::<SocketAddr>()).await
}

fn shutdown_handle<A: axum_server::Address + Send + 'static>(
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> axum_server::Handle<A> {
    let handle = axum_server::Handle::new();
    let h = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        h.graceful_shutdown(Some(Duration::from_secs(10)));
    });
    handle
}

/// Serves HTTPS (rustls) with the PEM certificate chain and key until `shutdown` resolves.
pub async fn serve_tls(
    listener: std::net::TcpListener,
    cert: &std::path::Path,
    key: &std::path::Path,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key).await?;
    listener.set_nonblocking(true)?;
    let mut server = axum_server::from_tcp_rustls(listener, config)?
        .map(|tls| tls.acceptor(axum_server::accept::NoDelayAcceptor::new()))
        .handle(shutdown_handle(shutdown));
    server.http_builder().http1().header_read_timeout(HEADER_TIMEOUT);
    server.serve(app(state).into_make_service_with_connect_info::<SocketAddr>()).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use showroom_core::sync::protocol::Push;
    use tower::ServiceExt;

    fn state() -> AppState {
        AppState::new(Box::new(storage::SqliteStorage::open_in_memory().unwrap()))
    }

    async fn call(app: Router, req: Request<Body>) -> (StatusCode, serde_json::Value) {
        let res = app.oneshot(req).await.unwrap();
        let status = res.status();
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
    }

    #[tokio::test]
    async fn health_answers_ok_with_versions() {
        for path in ["/health", "/api/v1/health"] {
            let (status, body) = call(app(state()), Request::get(path).body(Body::empty()).unwrap()).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(body["status"], "ok");
            assert_eq!(body["schema_version"], showroom_core::store::SCHEMA_VERSION);
        }
    }

    #[tokio::test]
    async fn unknown_paths_are_404_with_a_body() {
        let (status, body) = call(app(state()), Request::get("/nope").body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body["code"], "not_found");
    }

    #[tokio::test]
    async fn malformed_or_unknown_bodies_are_400_naming_the_problem() {
        let s = state();
        let req = |body: &str| {
            Request::post("/api/v1/sign-in")
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .unwrap()
        };
        let (status, body) = call(app(s.clone()), req("{not json")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body["message"].as_str().unwrap().contains("body"), "{body}");
        let (status, body) = call(
            app(s.clone()),
            req(r#"{"user":"a","password":"b","device_id":"00000000-0000-0000-0000-000000000000","admin":true}"#),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body["message"].as_str().unwrap().contains("unknown field `admin`"), "{body}");
        let (status, _) = call(app(s), Request::post("/api/v1/push").body(Body::from("{}")).unwrap()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }

    /// A body that parses is read without tracking the parser's place; one that does not is read
    /// again to name the field at fault, however deep.
    #[test]
    fn a_bad_push_names_the_change_and_field_at_fault() {
        let change = |row_id: &str| {
            serde_json::json!({"change_id": uuid::Uuid::nil(), "table": "customers", "row_id": row_id,
                "field": "notes", "value": "hi", "hlc": "x"})
        };
        let good = change("00000000-0000-0000-0000-000000000001");
        let body = |changes: serde_json::Value| {
            serde_json::to_vec(&serde_json::json!({"device_id": uuid::Uuid::nil(), "changes": changes})).unwrap()
        };
        let push: Push = parse_body(&body(serde_json::json!([good.clone(), good.clone()]))).unwrap();
        assert_eq!(push.changes.len(), 2);
        let err = parse_body::<Push>(&body(serde_json::json!([good, change("not-a-uuid")]))).unwrap_err();
        assert_eq!(err.status, StatusCode::BAD_REQUEST);
        assert_eq!(err.body.fields[0].field, "changes[1].row_id", "{:?}", err.body);
        assert!(err.body.message.starts_with("changes[1].row_id: "), "{}", err.body.message);
    }
}

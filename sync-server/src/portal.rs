//! The customer portal over HTTP: `/p/<token>` shows the quote a rep shared (the core's sheet as
//! phone-sized HTML), `/p/<token>/quote.pdf` the same quote printed, and POSTs to
//! `/p/<token>/{accept,decline,question,consent,drive}` record what the customer did (`drive`
//! books a test drive in one of the free slots the page lists). `/u/<token>` is
//! an email's one-click unsubscribe (RFC 8058).
//!
//! A GET never changes anything (mail scanners open links); every action is a POST carrying the
//! CSRF value of the page it came from (a `SameSite=Strict` cookie and the same value in the
//! form), refused when a browser says it came from another site. Every answer says
//! `Referrer-Policy: no-referrer` and `Cache-Control: no-store`; an unknown token, a guessed one
//! and another customer's all get the same "not valid" page.

use crate::storage::portal::{Acted, PortalLoad};
use crate::{ApiError, AppState, now_ms};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use showroom_core::domain::{Consent, Timestamp};
use showroom_core::portal::page::{QuotePage, notice_page, quote_page};
use showroom_core::portal::{self, Action, slots, token_hash, token_shaped};

const CSRF_COOKIE: &str = "portal_csrf";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/p/{token}", get(show))
        .route("/p/{token}/quote.pdf", get(pdf))
        .route("/p/{token}/{action}", axum::routing::post(act))
        .route("/u/{token}", get(unsubscribe_page).post(unsubscribe))
}

/// Headers on every portal answer.
fn guarded(status: StatusCode, content_type: &'static str, body: impl Into<axum::body::Body>) -> Response {
    let mut r = (status, body.into()).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert("x-robots-tag", HeaderValue::from_static("noindex, nofollow"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    r
}

fn html(status: StatusCode, body: String) -> Response {
    guarded(status, "text/html; charset=utf-8", body)
}

fn not_valid() -> Response {
    html(
        StatusCode::NOT_FOUND,
        notice_page(
            None,
            "This link is not valid",
            "Check that you opened the whole link from your salesperson's message, or ask them for a new one.",
            None,
        ),
    )
}

fn error_page(e: ApiError) -> Response {
    tracing::warn!(message = %e.body.message, "portal error");
    html(
        StatusCode::INTERNAL_SERVER_ERROR,
        notice_page(None, "Something went wrong", "Please try again in a minute.", None),
    )
}

/// The share behind a token, or the page to answer with instead.
async fn load(state: &AppState, token: &str) -> Result<PortalLoad, Response> {
    if !token_shaped(token) {
        return Err(not_valid());
    }
    let hash = token_hash(token);
    let found = state.with_storage(move |s| s.portal_load(&hash, now_ms())).await.map_err(error_page)?;
    let Some(load) = found else { return Err(not_valid()) };
    if let Err(r) = portal::check_link(&load.share, Timestamp::from_millis(now_ms() as i64)) {
        return Err(html(
            StatusCode::from_u16(r.status).unwrap_or(StatusCode::GONE),
            notice_page(Some(&load.letterhead), "This link no longer works", &r.message, None),
        ));
    }
    Ok(load)
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == name && !v.is_empty()).then(|| v.to_string())
    })
}

#[derive(Debug, serde::Deserialize)]
struct Done {
    done: Option<String>,
}

fn render(load: &PortalLoad, token: &str, csrf: &str, flash: Option<(bool, String)>) -> String {
    let sheet = showroom_core::pdf::quote_sheet(&load.header(), &load.version.deal, &load.version.calc);
    quote_page(&QuotePage {
        letterhead: &load.letterhead,
        sheet: &sheet,
        token,
        csrf,
        version: load.version.version,
        standing: load.standing(),
        consent: load.customer.consent,
        flash,
        first_name: &load.customer.first_name,
        link_expires: showroom_core::portal::page::long_date(load.share.expires_at.date()),
        drive: load.drive(Timestamp::from_millis(now_ms() as i64)),
        locale: &showroom_core::locale::Locale::for_country(&load.region),
    })
}

/// The page, with a CSRF cookie set when the browser has none.
fn page_with_cookie(status: StatusCode, body: String, csrf: &str, fresh: bool, secure: bool) -> Response {
    let mut r = html(status, body);
    if fresh {
        let value = format!(
            "{CSRF_COOKIE}={csrf}; Path=/p/; HttpOnly; SameSite=Strict; Max-Age=86400{}",
            if secure { "; Secure" } else { "" }
        );
        if let Ok(v) = HeaderValue::from_str(&value) {
            r.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    r
}

async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<Done>,
    headers: HeaderMap,
) -> Response {
    let load = match load(&state, &token).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let (csrf, fresh) = match cookie(&headers, CSRF_COOKIE) {
        Some(c) if token_shaped(&c) => (c, false),
        _ => (portal::new_token(), true),
    };
    let flash = q.done.as_deref().and_then(|d| {
        Some(match d {
            "question" => "Your question was sent to your salesperson.",
            "consent" => "Your contact preferences are saved.",
            "drive" => "Your test drive is booked. Your salesperson will have the car ready.",
            _ => return None,
        })
    });
    let body = render(&load, &token, &csrf, flash.map(|f| (true, f.to_string())));
    page_with_cookie(StatusCode::OK, body, &csrf, fresh, state.secure_cookies)
}

async fn pdf(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let load = match load(&state, &token).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let header = load.header();
    let (deal, calc) = (load.version.deal.clone(), load.version.calc.clone());
    let bytes = tokio::task::spawn_blocking(move || showroom_core::pdf::quote_pdf(&header, &deal, &calc)).await;
    match bytes {
        Ok(Ok(b)) => {
            let mut r = guarded(StatusCode::OK, "application/pdf", b);
            let name = format!("attachment; filename=\"Quote {} v{}.pdf\"", load.quote.number, load.version.version);
            if let Ok(v) = HeaderValue::from_str(&name) {
                r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
            }
            r
        }
        _ => error_page(ApiError::internal("the quote could not be printed".into())),
    }
}

/// A portal form's fields (each action reads its own).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct ActForm {
    csrf: String,
    version: Option<i64>,
    reason: String,
    text: String,
    email: Option<String>,
    sms: Option<String>,
    phone: Option<String>,
    /// A test-drive slot's start (RFC 3339).
    slot: String,
}

/// Whether a browser says the form came from this site (absent headers: not a browser that says).
fn same_site(headers: &HeaderMap) -> bool {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok())
        && origin != "null"
    {
        let authority = origin.split_once("://").map(|(_, a)| a).unwrap_or(origin);
        return authority.eq_ignore_ascii_case(host);
    }
    !matches!(headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()), Some("cross-site"))
}

async fn act(
    State(state): State<AppState>,
    Path((token, action)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<ActForm>,
) -> Response {
    let load = match load(&state, &token).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let csrf_ok = cookie(&headers, CSRF_COOKIE).is_some_and(|c| !form.csrf.is_empty() && c == form.csrf);
    if !csrf_ok || !same_site(&headers) {
        let csrf = portal::new_token();
        let body = render(
            &load,
            &token,
            &csrf,
            Some((
                false,
                "This page was open too long or came from elsewhere; nothing was changed. Please try again.".into(),
            )),
        );
        return page_with_cookie(StatusCode::FORBIDDEN, body, &csrf, true, state.secure_cookies);
    }
    let yes = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.is_empty());
    let parsed = match action.as_str() {
        "accept" => Action::Accept { version: form.version.unwrap_or(-1) },
        "decline" => Action::Decline { version: form.version.unwrap_or(-1), reason: form.reason.clone() },
        "question" => Action::Question { text: form.text.clone() },
        "consent" => Action::Consent(Consent { email: yes(&form.email), sms: yes(&form.sms), phone: yes(&form.phone) }),
        "drive" => match Timestamp::parse(&form.slot) {
            Some(starts_at) => Action::TestDrive { starts_at, when: slots::label(starts_at, &load.zone) },
            None => {
                let csrf = cookie(&headers, CSRF_COOKIE).unwrap_or_default();
                let body = render(&load, &token, &csrf, Some((false, "Please pick a time from the list.".into())));
                return html(StatusCode::UNPROCESSABLE_ENTITY, body);
            }
        },
        _ => return not_valid(),
    };
    let hash = token_hash(&token);
    let a = parsed.clone();
    let outcome = state.with_storage(move |s| s.portal_act(&hash, &a, now_ms())).await;
    match outcome {
        Ok(Some(Acted::Stored(r))) => {
            tracing::info!(kind = ?r.kind, customer = %r.customer_id, "portal response");
            let done = match parsed {
                Action::Accept { .. } => "accepted",
                Action::Decline { .. } => "declined",
                Action::Question { .. } => "question",
                Action::Consent(_) => "consent",
                Action::TestDrive { .. } => "drive",
            };
            // Post/redirect/get: reloading the page does not post again.
            let mut r = Redirect::to(&format!("/p/{token}?done={done}")).into_response();
            r.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
            r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        Ok(Some(Acted::Refused(refusal))) => {
            let fresh = portal::new_token();
            let csrf = cookie(&headers, CSRF_COOKIE).unwrap_or(fresh);
            let body = render(&load, &token, &csrf, Some((false, refusal.message)));
            html(StatusCode::from_u16(refusal.status).unwrap_or(StatusCode::CONFLICT), body)
        }
        Ok(None) => not_valid(),
        Err(e) => error_page(e),
    }
}

async fn unsubscribe_page(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    if !token_shaped(&token) {
        return not_valid();
    }
    let hash = token_hash(&token);
    match state.with_storage(move |s| s.unsubscribe_view(&hash)).await {
        Ok(Some((letterhead, name, still))) => {
            let dealer =
                if letterhead.name.is_empty() { "the dealership".to_string() } else { letterhead.name.clone() };
            let (title, text, form) = if still {
                (
                    "Stop emails".to_string(),
                    format!(
                        "{name}, press the button to stop emails from {dealer}. Your salesperson can still call you about a purchase in progress."
                    ),
                    Some(("Stop emails", token)),
                )
            } else {
                ("You are unsubscribed".to_string(), format!("{dealer} no longer sends you email."), None)
            };
            let action = form.as_ref().map(|(_, t)| format!("/u/{t}"));
            html(
                StatusCode::OK,
                notice_page(Some(&letterhead), &title, &text, action.as_deref().zip(form.map(|(b, _)| b))),
            )
        }
        Ok(None) => not_valid(),
        Err(e) => error_page(e),
    }
}

/// RFC 8058: a POST (with `List-Unsubscribe=One-Click`, or the button) withdraws email consent.
async fn unsubscribe(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    if !token_shaped(&token) {
        return not_valid();
    }
    let hash = token_hash(&token);
    let view_hash = hash.clone();
    match state.with_storage(move |s| s.unsubscribe(&hash, now_ms())).await {
        Ok(Some(name)) => {
            let letterhead =
                state.with_storage(move |s| s.unsubscribe_view(&view_hash)).await.ok().flatten().map(|v| v.0);
            html(
                StatusCode::OK,
                notice_page(
                    letterhead.as_ref(),
                    "You are unsubscribed",
                    &format!(
                        "{name}, you will not get email from us any more. You can change this with your salesperson at any time."
                    ),
                    None,
                ),
            )
        }
        Ok(None) => not_valid(),
        Err(e) => error_page(e),
    }
}

//! The dealer group's endpoints (`/api/v1/rooftops`, `/api/v1/group/…`): the rooftops a user
//! may sign in to and a token for one, the sister rooftops' inventory, vehicle transfers, and a
//! group manager's customer move. Every rule is in `storage/group.rs`; these only read the
//! request and answer.

use crate::{ApiError, AppState, Caller, auth, authenticate, now_ms, parse_body};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use showroom_core::sync::protocol::{
    CustomerMove, Moved, Rooftop, RooftopToken, SignedIn, Transfer, TransferDecision, TransferRequest,
};
use uuid::Uuid;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/rooftops", get(rooftops))
        .route("/rooftops/{id}/token", post(rooftop_token))
        .route("/group/inventory", get(inventory))
        .route("/group/transfers", get(transfers).post(request_transfer))
        .route("/group/transfers/{id}", post(decide_transfer))
        .route("/group/customers/{id}/move", post(move_customer))
}

fn id_of(text: &str, field: &str) -> Result<Uuid, ApiError> {
    text.parse().map_err(|_| ApiError::bad_request(field, "is not an id"))
}

async fn rooftops(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<Vec<Rooftop>>, ApiError> {
    let Caller { user, .. } = authenticate(&state, &headers).await?;
    Ok(Json(state.with_storage(move |s| s.rooftops(&user)).await?))
}

/// A token for another rooftop, for another device of the caller's (a store of its own).
async fn rooftop_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<SignedIn>, ApiError> {
    let Caller { user, .. } = authenticate(&state, &headers).await?;
    let d = id_of(&id, "dealership")?;
    let req: RooftopToken = parse_body(&body)?;
    let u = user.clone();
    let Some(there) = state.with_storage(move |s| s.rooftop_user(&u, d)).await? else {
        return Err(ApiError::forbidden("dealership", "you may not sign in to this dealership"));
    };
    let (token, hash) = auth::new_token();
    let now = now_ms() as i64;
    let expires = now + state.token_ttl.as_millis() as i64;
    let uid = user.id;
    // Always named: the caller's token may itself serve a sister rooftop.
    state.with_storage(move |s| s.add_token(&hash, uid, req.device_id, Some(d), now, expires)).await?;
    tracing::info!(user = %user.login, dealership = %d, device = %req.device_id, "rooftop token");
    Ok(Json(SignedIn {
        token,
        user_id: user.id,
        role: there.role.as_str().into(),
        expires_at: chrono::DateTime::from_timestamp_millis(expires).map(|d| d.to_rfc3339()).unwrap_or_default(),
    }))
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct InventoryQuery {
    #[serde(default)]
    q: String,
}

async fn inventory(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<InventoryQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Caller { user, .. } = authenticate(&state, &headers).await?;
    let Query(q) = query.map_err(|e| ApiError::bad_request("q", &e.body_text()))?;
    let found = state.with_storage(move |s| s.group_inventory(&user, &q.q)).await?;
    Ok(Json(found).into_response())
}

async fn transfers(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<Vec<Transfer>>, ApiError> {
    let Caller { user, .. } = authenticate(&state, &headers).await?;
    Ok(Json(state.with_storage(move |s| s.transfers(&user)).await?))
}

async fn request_transfer(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let Caller { user, .. } = authenticate(&state, &headers).await?;
    let req: TransferRequest = parse_body(&body)?;
    let t = state.with_storage(move |s| s.request_transfer(&user, &req, now_ms())).await?;
    Ok((StatusCode::CREATED, Json(t)).into_response())
}

async fn decide_transfer(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<Transfer>, ApiError> {
    let Caller { user, .. } = authenticate(&state, &headers).await?;
    let id = id_of(&id, "transfer")?;
    let d: TransferDecision = parse_body(&body)?;
    Ok(Json(state.with_storage(move |s| s.decide_transfer(&user, id, &d, now_ms())).await?))
}

async fn move_customer(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<Moved>, ApiError> {
    let Caller { user, .. } = authenticate(&state, &headers).await?;
    let id = id_of(&id, "customer")?;
    let mv: CustomerMove = parse_body(&body)?;
    Ok(Json(state.with_storage(move |s| s.move_customer(Some(&user), id, &mv, now_ms())).await?))
}

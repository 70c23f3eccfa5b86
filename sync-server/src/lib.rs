//! showroom-sync: the central sync server. For now it serves `GET /health`; the protocol
//! (sign-in, push, pull) arrives with the sync work. Shape: [`app`] builds the router from state,
//! [`serve`] runs it on a listener until a shutdown signal.

use axum::{Json, Router, extract::State, routing::get};
use serde::Serialize;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Shared server state.
#[derive(Debug, Clone)]
pub struct AppState {
    pub started_at: std::time::Instant,
}

impl Default for AppState {
    fn default() -> Self {
        AppState { started_at: std::time::Instant::now() }
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

async fn health(State(state): State<Arc<AppState>>) -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        schema_version: showroom_core::store::SCHEMA_VERSION,
        uptime_s: state.started_at.elapsed().as_secs(),
    })
}

pub fn app(state: AppState) -> Router {
    Router::new().route("/health", get(health)).with_state(Arc::new(state))
}

/// Serves until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(state)).with_graceful_shutdown(shutdown).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    #[tokio::test]
    async fn health_answers_ok_with_versions() {
        let res = app(AppState::default()).oneshot(Request::get("/health").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 16).await.unwrap();
        let h: Health = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(h.status, "ok");
        assert_eq!(h.schema_version, showroom_core::store::SCHEMA_VERSION);
    }

    #[tokio::test]
    async fn unknown_paths_are_404() {
        let res = app(AppState::default()).oneshot(Request::get("/nope").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }
}

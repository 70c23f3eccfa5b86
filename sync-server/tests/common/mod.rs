//! What the server's in-process tests share: a dealership on a store of either kind, and reps'
//! laptops (the core, in memory) syncing to it directly, as the HTTP handlers would.
#![allow(dead_code)] // each test binary uses its part

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use showroom_core::Showroom;
use showroom_core::domain::Timestamp;
use showroom_core::domain::time::clock;
use showroom_core::sync::protocol::{PullPage, Push, PushAck};
use showroom_core::sync::round::{Refusal, Session, SyncError, SyncReport, Transport, round};
use showroom_sync::storage::{Role, User};
use showroom_sync::testpg::Kind;
use showroom_sync::{AppState, app};
use tower::ServiceExt;
use uuid::Uuid;

pub fn pin() {
    static PINNED: std::sync::Once = std::sync::Once::new();
    PINNED.call_once(|| clock::start_at(Timestamp::parse("2026-11-18T16:30:00Z").unwrap()));
}

pub fn now() -> u64 {
    Timestamp::now().millis() as u64
}

/// The rep's laptop talking to the storage directly (what the HTTP handlers call).
pub struct Direct<'a> {
    pub state: &'a AppState,
    pub user: User,
    pub device: Uuid,
}

impl Transport for Direct<'_> {
    async fn push(&self, push: std::sync::Arc<Push>) -> Result<PushAck, Refusal> {
        self.state.storage.push(&self.user, &push, now()).map_err(|e| Refusal {
            status: 500,
            body: None,
            error: SyncError::Server(e.to_string()),
        })
    }
    async fn pull(&self, since: i64) -> Result<PullPage, SyncError> {
        self.state.storage.pull(&self.user, self.device, since, 1000).map_err(|e| SyncError::Server(e.to_string()))
    }
}

pub struct Shop {
    pub state: AppState,
    /// The PostgreSQL server under the store, if any (dropped after it).
    pub _pg: Option<showroom_sync::testpg::TestPostgres>,
    pub ana: User,
    pub mia: User,
}

pub fn shop(kind: Kind) -> Shop {
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    pin();
    let (s, pg) = kind.open();
    s.create_dealership("Lakeside Motors").unwrap();
    let ana = s.add_user(None, "ana", "Ana Ruiz", Role::Rep, "x").unwrap();
    let mia = s.add_user(None, "mia", "Mia Stone", Role::Manager, "x").unwrap();
    Shop { state: AppState::new(s), ana, mia, _pg: pg }
}

pub struct Laptop {
    pub app: Showroom,
    pub user: User,
}

impl Shop {
    pub fn laptop(&self, user: &User) -> Laptop {
        let mut app = Showroom::open_in_memory().unwrap();
        app.store_mut().set_user(Some(user.id)).unwrap();
        app.save_session(Some(&Session {
            server: "https://portal.lakeside.example".into(),
            token: "t".into(),
            user_id: user.id,
            user: user.login.clone(),
            role: if user.role == Role::Rep { "rep".into() } else { "manager".into() },
            expires_at: "2099-01-01T00:00:00Z".into(),
        }))
        .unwrap();
        Laptop { app, user: user.clone() }
    }

    pub async fn sync(&self, l: &mut Laptop) -> SyncReport {
        let t = Direct { state: &self.state, user: l.user.clone(), device: l.app.store().device_id() };
        round(&t, l.app.store_mut()).await.unwrap()
    }

    pub fn seq(&self) -> i64 {
        self.state.storage.server_seq().unwrap()
    }

    pub async fn call(&self, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
        let res = app(self.state.clone()).oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), 8 << 20).await.unwrap();
        (status, headers, String::from_utf8_lossy(&bytes).to_string())
    }

    pub async fn get(&self, path: &str) -> (StatusCode, axum::http::HeaderMap, String) {
        self.call(Request::get(path).body(Body::empty()).unwrap()).await
    }

    pub async fn post(
        &self,
        path: &str,
        cookie: Option<&str>,
        origin: Option<&str>,
        form: &str,
    ) -> (StatusCode, axum::http::HeaderMap, String) {
        let mut req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::HOST, "portal.lakeside.example");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        if let Some(o) = origin {
            req = req.header(header::ORIGIN, o);
        }
        self.call(req.body(Body::from(form.to_string())).unwrap()).await
    }
}

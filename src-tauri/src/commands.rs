//! Tauri commands: one-line adapters over `showroom_core::Showroom`. No business rules here.

use showroom_core::api::AppStatus;
use showroom_core::demo::DemoSummary;
use showroom_core::domain::{Customer, CustomerDraft};
use showroom_core::store::customers::{CustomerDetail, CustomerQuery, Page};
use showroom_core::store::search::SearchHit;
use showroom_core::{ApiError, ErrorCode, Showroom};
use std::sync::Mutex;
use tauri::State;
use uuid::Uuid;

/// The open database, or why it could not be opened (shown by the UI instead of a crash).
pub struct AppState(pub Result<Mutex<Showroom>, ApiError>);

type R<T> = Result<T, ApiError>;

fn with<T>(state: &State<'_, AppState>, f: impl FnOnce(&mut Showroom) -> showroom_core::Result<T>) -> R<T> {
    let lock = state.0.as_ref().map_err(Clone::clone)?;
    let mut app = lock.lock().map_err(|_| ApiError {
        code: ErrorCode::Storage,
        message: "an earlier action failed badly; restart Showroom".into(),
        fields: vec![],
    })?;
    f(&mut app).map_err(Into::into)
}

#[tauri::command(async)]
pub fn app_status(state: State<'_, AppState>) -> R<AppStatus> {
    with(&state, |a| a.status())
}

#[tauri::command(async)]
pub fn start_empty(state: State<'_, AppState>) -> R<AppStatus> {
    with(&state, |a| a.start_empty())
}

#[tauri::command(async)]
pub fn load_demo(state: State<'_, AppState>) -> R<DemoSummary> {
    with(&state, |a| a.load_demo())
}

#[tauri::command(async)]
pub fn list_customers(state: State<'_, AppState>, query: CustomerQuery) -> R<Page<Customer>> {
    with(&state, |a| a.list_customers(&query))
}

#[tauri::command(async)]
pub fn customer_detail(state: State<'_, AppState>, id: Uuid) -> R<CustomerDetail> {
    with(&state, |a| a.customer_detail(id))
}

#[tauri::command(async)]
pub fn create_customer(state: State<'_, AppState>, draft: CustomerDraft) -> R<Customer> {
    with(&state, |a| a.create_customer(&draft))
}

#[tauri::command(async)]
pub fn update_customer(state: State<'_, AppState>, id: Uuid, draft: CustomerDraft) -> R<Customer> {
    with(&state, |a| a.update_customer(id, &draft))
}

#[tauri::command(async)]
pub fn search(state: State<'_, AppState>, text: String) -> R<Vec<SearchHit>> {
    with(&state, |a| a.search(&text))
}

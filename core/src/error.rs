//! Errors of the core. One enum for every caller; it crosses to the UI as `{code, message, fields}`
//! (see [`ApiError`]) so the UI never matches on strings.

use serde::Serialize;
use ts_rs::TS;

/// One problem with one input field, named as the UI and CSV headers name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Machine-readable class of an error, stable across versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    Validation,
    NotFound,
    Conflict,
    SchemaTooNew,
    Import,
    Storage,
    Io,
    /// The database is encrypted and its key is not at hand: ask for the passphrase.
    Locked,
}

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("{}", join_fields(.0))]
    Validation(Vec<FieldError>),
    #[error("{entity} {id} was not found")]
    NotFound { entity: &'static str, id: String },
    #[error("{0}")]
    Conflict(String),
    #[error(
        "this database was written by a newer Showroom (schema version {found}); this build understands up to version {supported}. Update Showroom; the database was not touched"
    )]
    SchemaTooNew { found: i64, supported: i64 },
    #[error("{0}")]
    Import(String),
    #[error("database error: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("database migration failed: {0}")]
    Migration(String),
    #[error("{context}: {source}")]
    Io { context: String, source: std::io::Error },
    #[error("data error: {0}")]
    Json(#[from] serde_json::Error),
    /// The database's key is not at hand (`first_time`: no key exists yet, a passphrase is to be set).
    #[error("{message}")]
    Locked { first_time: bool, message: String },
}

fn join_fields(errors: &[FieldError]) -> String {
    errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

impl From<FieldError> for CoreError {
    fn from(e: FieldError) -> Self {
        CoreError::Validation(vec![e])
    }
}

impl CoreError {
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        CoreError::Validation(vec![FieldError::new(field, message)])
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        CoreError::Io { context: context.into(), source }
    }

    /// The per-field problems of a validation error (none for other errors).
    pub fn fields(&self) -> &[FieldError] {
        match self {
            CoreError::Validation(f) => f,
            _ => &[],
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            CoreError::Validation(_) => ErrorCode::Validation,
            CoreError::NotFound { .. } => ErrorCode::NotFound,
            CoreError::Conflict(_) => ErrorCode::Conflict,
            CoreError::SchemaTooNew { .. } => ErrorCode::SchemaTooNew,
            CoreError::Import(_) => ErrorCode::Import,
            CoreError::Db(_) | CoreError::Migration(_) | CoreError::Json(_) => ErrorCode::Storage,
            CoreError::Io { .. } => ErrorCode::Io,
            CoreError::Locked { .. } => ErrorCode::Locked,
        }
    }
}

pub type Result<T, E = CoreError> = std::result::Result<T, E>;

/// The shape in which an error reaches the UI or any other caller across a boundary.
#[derive(Debug, Clone, Serialize, serde::Deserialize, TS)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// Per-field problems, for showing next to each field.
    pub fields: Vec<FieldError>,
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        let fields = match &e {
            CoreError::Validation(f) => f.clone(),
            _ => Vec::new(),
        };
        ApiError { code: e.code(), message: e.to_string(), fields }
    }
}

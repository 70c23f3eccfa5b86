//! Where the local database lives: `--data-dir`, else `SHOWROOM_DATA_DIR`, else the OS data
//! directory (on Linux `~/.local/share/showroom`).

use crate::error::{CoreError, Result};
use std::path::{Path, PathBuf};

/// The database file inside a data directory.
pub const DB_FILE: &str = "showroom.sqlite3";

/// Where saved quote PDFs go: ~/Documents/Showroom, or the data folder when there is no Documents.
pub fn documents_dir(data_dir: &Path) -> PathBuf {
    directories::UserDirs::new()
        .and_then(|u| u.document_dir().map(|d| d.join("Showroom")))
        .unwrap_or_else(|| data_dir.join("quotes"))
}

pub fn default_data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("app", "Showroom", "Showroom").map(|d| d.data_dir().to_path_buf())
}

/// Picks the data directory: the flag wins over the environment, which wins over the OS default.
pub fn resolve_data_dir(flag: Option<&Path>, env: Option<&str>) -> Result<PathBuf> {
    if let Some(p) = flag {
        return Ok(p.to_path_buf());
    }
    if let Some(e) = env.filter(|e| !e.trim().is_empty()) {
        return Ok(PathBuf::from(e));
    }
    default_data_dir().ok_or_else(|| CoreError::field("data_dir", "no home directory found; pass --data-dir DIR"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_beats_env_beats_default() {
        assert_eq!(resolve_data_dir(Some(Path::new("/a")), Some("/b")).unwrap(), PathBuf::from("/a"));
        assert_eq!(resolve_data_dir(None, Some("/b")).unwrap(), PathBuf::from("/b"));
        let d = resolve_data_dir(None, Some(" ")).unwrap();
        assert!(d.ends_with("showroom") || d.to_string_lossy().to_lowercase().contains("showroom"), "{}", d.display());
    }
}

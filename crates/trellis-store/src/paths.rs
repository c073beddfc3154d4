use std::path::PathBuf;

use crate::StoreError;

/// The app's own database, shared by the desktop app and the CLI: the OS data folder
/// (on Linux `$XDG_DATA_HOME/org.trellis.desktop/`), one file per user profile.
pub fn default_db_path() -> Result<PathBuf, StoreError> {
    let base = dirs::data_dir().ok_or(StoreError::NoDataDir)?;
    Ok(base.join("org.trellis.desktop").join("trellis.sqlite3"))
}

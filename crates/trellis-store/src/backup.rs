//! Consistent copies of a live database: SQLite's online backup takes a snapshot even
//! while the app is writing, into a temporary file that is renamed only once complete.

use std::path::Path;

use rusqlite::{Connection, MAIN_DB};

use crate::{Store, StoreError};

impl Store {
    pub fn backup_to(&self, dest: &Path) -> Result<(), StoreError> {
        if dest.exists() {
            return Err(StoreError::WouldOverwrite {
                path: dest.to_path_buf(),
            });
        }
        let file_name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "backup".into());
        let tmp = dest.with_file_name(format!(".{file_name}.{}.partial", std::process::id()));
        let result = (|| {
            self.conn.backup(MAIN_DB, &tmp, None)?;
            let copy = Connection::open(&tmp)?;
            let check: String = copy.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
            if check != "ok" {
                return Err(StoreError::damaged("backup copy", check));
            }
            // A single-file copy: fold any WAL back in so the backup is one file.
            copy.pragma_update(None, "journal_mode", "DELETE")?;
            drop(copy);
            // A hard link fails if `dest` appeared meanwhile, so a backup never replaces
            // a file, even in a race.
            // (Some USB sticks' file systems have no hard links: then check and rename.)
            match std::fs::hard_link(&tmp, dest) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    Err(StoreError::WouldOverwrite {
                        path: dest.to_path_buf(),
                    })
                }
                Err(_) if !dest.exists() => {
                    std::fs::rename(&tmp, dest).map_err(|source| StoreError::Io {
                        path: dest.to_path_buf(),
                        source,
                    })
                }
                Err(source) => Err(StoreError::Io {
                    path: dest.to_path_buf(),
                    source,
                }),
            }
        })();
        let _ = std::fs::remove_file(&tmp);
        result
    }
}

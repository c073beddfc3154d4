//! Writing a finished PDF without ever leaving half a file behind.

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::LetterError;

/// Writes `bytes` to `path` through a temporary file in the same folder, flushed to
/// disk and then renamed over `path`. On any error the temporary file is removed and
/// `path` is left as it was (absent, or its old contents).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), LetterError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let error = |source| LetterError::Write {
        path: path.to_path_buf(),
        source,
    };
    let name = path.file_name().ok_or_else(|| {
        error(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the path does not name a file",
        ))
    })?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let temp = dir.join(format!(
        ".{}.{}-{}.tmp",
        name.to_string_lossy(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temp, path)
    })();
    if let Err(source) = result {
        let _ = std::fs::remove_file(&temp);
        return Err(error(source));
    }
    // Make the rename itself durable where the platform allows opening a folder.
    if let Ok(folder) = std::fs::File::open(dir) {
        let _ = folder.sync_all();
    }
    Ok(())
}

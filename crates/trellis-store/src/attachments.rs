//! Attachments (audio, video, documents, photos of paper forms) stored once by content
//! hash in a folder beside the database, so attaching the same 200 MB recording twice
//! stores it once, and a file survives restarts and backups of the folder.
//!
//! Files are streamed (never read whole into memory), written to a temporary name and
//! renamed into place, so a crash never leaves a half-written attachment under its hash.

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredFile {
    /// Lower-case hex SHA-256 of the content: the file's name in the store.
    pub sha256: String,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: u64,
    /// False when the same content was already stored.
    pub newly_stored: bool,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A media type from the file name, for the app to choose how to open it.
pub fn media_type(file_name: &str) -> &'static str {
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "mp3" => "audio/mpeg",
        "m4a" => "audio/mp4",
        "wav" => "audio/wav",
        "ogg" | "oga" => "audio/ogg",
        "mp4" | "m4v" => "video/mp4",
        "webm" => "video/webm",
        "mov" => "video/quicktime",
        "pdf" => "application/pdf",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "odt" => "application/vnd.oasis.opendocument.text",
        "txt" => "text/plain",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        _ => "application/octet-stream",
    }
}

pub fn is_sha256(s: &str) -> bool {
    s.len() == 64
        && s.chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

impl Store {
    /// The folder holding this database's attachments: `<database>.attachments/`.
    pub fn attachments_dir(&self) -> PathBuf {
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "trellis".into());
        self.path.with_file_name(format!("{name}.attachments"))
    }

    /// Copies a file into the attachment store (once per content) and says where it is.
    pub fn store_file(&self, source: &Path) -> Result<StoredFile, StoreError> {
        let dir = self.attachments_dir();
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        let file_name = source
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| {
                trellis_core::Invalid::one("file", format!("{} is not a file", source.display()))
            })?;
        let input = File::open(source).map_err(io(source))?;
        let tmp = dir.join(format!(
            ".incoming-{}-{}",
            std::process::id(),
            uuid::Uuid::now_v7()
        ));
        let result = (|| {
            let mut reader = BufReader::with_capacity(1 << 20, input);
            let mut out = File::create(&tmp).map_err(io(&tmp))?;
            let mut hasher = Sha256::new();
            let mut buf = vec![0u8; 1 << 20];
            let mut size = 0u64;
            loop {
                let n = reader.read(&mut buf).map_err(io(source))?;
                if n == 0 {
                    break;
                }
                hasher.update(&buf[..n]);
                out.write_all(&buf[..n]).map_err(io(&tmp))?;
                size += n as u64;
            }
            out.sync_all().map_err(io(&tmp))?;
            let sha256: String = hasher
                .finalize()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            let dest = dir.join(&sha256);
            let newly_stored = !dest.exists();
            if newly_stored {
                std::fs::rename(&tmp, &dest).map_err(io(&dest))?;
            }
            Ok(StoredFile {
                media_type: media_type(&file_name).to_string(),
                sha256,
                file_name,
                size_bytes: size,
                newly_stored,
            })
        })();
        let _ = std::fs::remove_file(&tmp);
        result
    }

    /// Where a stored attachment's content is, if it is here.
    pub fn attachment_path(&self, sha256: &str) -> Result<PathBuf, StoreError> {
        if !is_sha256(sha256) {
            return Err(trellis_core::Invalid::one(
                "sha256",
                "not a content hash (64 lower-case hex characters)",
            )
            .into());
        }
        let path = self.attachments_dir().join(sha256);
        if path.exists() {
            Ok(path)
        } else {
            Err(StoreError::NotFound {
                what: "attachment",
                id: sha256.to_string(),
            })
        }
    }

    /// The media type an application recorded for this content, for serving it to the
    /// app's viewer (`application/octet-stream` when no application names it).
    pub fn attachment_media_type(&self, sha256: &str) -> Result<String, StoreError> {
        use rusqlite::OptionalExtension;
        let found: Option<String> = self
            .conn
            .query_row(
                "SELECT media_type FROM application_attachment WHERE sha256 = ?1 ORDER BY id LIMIT 1",
                [sha256],
                |row| row.get(0),
            )
            .optional()?;
        Ok(found.unwrap_or_else(|| "application/octet-stream".to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_from_names() {
        assert_eq!(media_type("Interview.MP4"), "video/mp4");
        assert_eq!(media_type("notes"), "application/octet-stream");
        assert!(is_sha256(&"a".repeat(64)));
        assert!(!is_sha256(&"A".repeat(64)));
        assert!(!is_sha256("../etc/passwd"));
    }
}

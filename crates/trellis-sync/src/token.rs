//! Where a laptop's device token is kept: the OS credential store when the system has one
//! (Keychain on macOS, Credential Manager on Windows, the Secret Service of a Linux
//! desktop), otherwise the sync settings file, created readable only by the user.
//!
//! A headless Linux machine (CI, a server) has no Secret Service on its session bus, so
//! the fallback is normal there and the settings screen and CLI say which one is in use.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Set to `file` to keep the token in the settings file even where a credential store
/// exists (for a shared laptop whose keyring is locked to someone else, say).
pub const STORE_ENV: &str = "TRELLIS_TOKEN_STORE";

/// The credential store's service name for Trellis's entries.
const SERVICE: &str = "trellis";

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenStore {
    /// In the sync settings file beside the database (0600).
    #[default]
    File,
    /// In the operating system's credential store, under [`entry_name`].
    OsCredentialStore,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TokenStoreError(pub String);

/// The credential store entry (service `trellis`, this name) for a device.
pub fn entry_name(device: Uuid) -> String {
    format!("device-{device}")
}

fn entry(device: Uuid) -> Result<keyring::Entry, TokenStoreError> {
    keyring::Entry::new(SERVICE, &entry_name(device)).map_err(|e| TokenStoreError(e.to_string()))
}

/// Tries to keep `token` in the OS credential store and reads it back, so a store that
/// accepts writes but cannot return them is not trusted. `Err` says why the file is used.
pub fn keep_in_os_store(device: Uuid, token: &str) -> Result<(), TokenStoreError> {
    if std::env::var(STORE_ENV).is_ok_and(|v| v.eq_ignore_ascii_case("file")) {
        return Err(TokenStoreError(format!(
            "{STORE_ENV}=file asks for the settings file"
        )));
    }
    let entry = entry(device)?;
    entry
        .set_password(token)
        .map_err(|e| TokenStoreError(describe(&e)))?;
    match entry.get_password() {
        Ok(back) if back == token => Ok(()),
        Ok(_) => Err(TokenStoreError(
            "the credential store returned a different token than was stored".into(),
        )),
        Err(e) => Err(TokenStoreError(describe(&e))),
    }
}

/// The token kept in the OS credential store for `device`.
pub fn read_from_os_store(device: Uuid) -> Result<String, TokenStoreError> {
    entry(device)?
        .get_password()
        .map_err(|e| TokenStoreError(describe(&e)))
}

/// Removes the device's entry (after a re-enrolment moved the token to the file, say).
/// A missing entry is fine.
pub fn forget_in_os_store(device: Uuid) {
    if let Ok(entry) = entry(device) {
        // Nothing to do if it was never there or the store is gone.
        let _ = entry.delete_credential();
    }
}

fn describe(e: &keyring::Error) -> String {
    match e {
        keyring::Error::PlatformFailure(inner) | keyring::Error::NoStorageAccess(inner) => {
            format!("no usable credential store on this system ({inner})")
        }
        keyring::Error::NoEntry => "the credential store has no token for this device".into(),
        other => other.to_string(),
    }
}

use serde_json::Value;
use trellis_core::op::Operation;
use trellis_core::settings::{self, Settings};

use crate::{Store, StoreError};

impl Store {
    /// The programme settings: stored values over the defaults.
    pub fn settings(&self) -> Result<Settings, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT key, value FROM setting ORDER BY key")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Settings::default();
        for row in rows {
            let (key, raw) = row?;
            let value: Value = serde_json::from_str(&raw)
                .map_err(|e| StoreError::damaged(format!("setting {key}"), e))?;
            out = out.with(&key, &value);
        }
        Ok(out)
    }

    pub fn set_setting(&mut self, key: &str, value: &Value) -> Result<(), StoreError> {
        let value = settings::validate(key, value)?;
        self.apply(&Operation::SettingSet {
            key: key.to_string(),
            value,
        })?;
        Ok(())
    }
}

use serde_json::Value;
use trellis_core::op::Operation;
use trellis_core::settings::{self, Settings};
use trellis_core::Invalid;

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

    /// Sets several settings all or nothing (one form, one transaction): a refused value
    /// leaves the others as they were.
    pub fn set_settings(&mut self, values: &[(&str, Value)]) -> Result<(), StoreError> {
        let mut ops = Vec::with_capacity(values.len());
        let mut errors = Vec::new();
        for (key, value) in values {
            match settings::validate(key, value) {
                Ok(value) => ops.push(Operation::SettingSet {
                    key: key.to_string(),
                    value,
                }),
                Err(e) => errors.extend(e.errors),
            }
        }
        Invalid::check(errors)?;
        if !ops.is_empty() {
            self.apply_all(&ops).map_err(|e| e.error)?;
        }
        Ok(())
    }
}

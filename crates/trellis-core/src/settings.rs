//! Programme settings: a few named values staff can change, each merged last-writer-wins.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::income::DEFAULT_SMALL_ORG_THRESHOLD_GBP;
use crate::invalid::Invalid;

pub const PROGRAMME_NAME: &str = "programme_name";
pub const SMALL_ORG_THRESHOLD_GBP: &str = "small_org_threshold_gbp";
/// The letterhead's address lines (a JSON array of up to 6 short lines).
pub const LETTERHEAD_ADDRESS: &str = "letterhead_address";
/// Who signs letters, e.g. "Amara Okafor, Grants Officer".
pub const LETTER_SIGN_OFF: &str = "letter_sign_off";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub programme_name: String,
    pub small_org_threshold_gbp: u64,
    #[serde(default)]
    pub letterhead_address: Vec<String>,
    #[serde(default = "default_sign_off")]
    pub letter_sign_off: String,
}

fn default_sign_off() -> String {
    "The grants team".into()
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            programme_name: "Anti-racist commissioning programme".into(),
            small_org_threshold_gbp: DEFAULT_SMALL_ORG_THRESHOLD_GBP,
            letterhead_address: Vec::new(),
            letter_sign_off: default_sign_off(),
        }
    }
}

/// Checks a value for a named setting and returns it in normal form.
pub fn validate(key: &str, value: &Value) -> Result<Value, Invalid> {
    match key {
        PROGRAMME_NAME => match value.as_str().map(str::trim) {
            Some(s) if !s.is_empty() && s.chars().count() <= 200 => Ok(Value::from(s)),
            _ => Err(Invalid::one(key, "the programme name is 1 to 200 characters of text")),
        },
        SMALL_ORG_THRESHOLD_GBP => match value.as_u64() {
            Some(n) if (1..=100_000_000).contains(&n) => Ok(Value::from(n)),
            _ => Err(Invalid::one(
                key,
                "the small-organisation threshold is a whole number of pounds a year, 1 to 100,000,000",
            )),
        },
        LETTERHEAD_ADDRESS => {
            let lines: Option<Vec<String>> = value.as_array().and_then(|a| {
                a.iter()
                    .map(|l| l.as_str().map(|s| s.trim().to_string()))
                    .collect()
            });
            match lines {
                Some(lines)
                    if lines.len() <= 6
                        && lines.iter().all(|l| !l.is_empty() && l.chars().count() <= 100) =>
                {
                    Ok(Value::from(lines))
                }
                _ => Err(Invalid::one(
                    key,
                    "the letterhead address is up to 6 lines, each 1 to 100 characters",
                )),
            }
        }
        LETTER_SIGN_OFF => match value.as_str().map(str::trim) {
            Some(s) if !s.is_empty() && s.chars().count() <= 200 => Ok(Value::from(s)),
            _ => Err(Invalid::one(key, "the letter sign-off is 1 to 200 characters of text")),
        },
        other => Err(Invalid::one(
            "key",
            format!("{other} is not a setting; settings are {PROGRAMME_NAME}, {SMALL_ORG_THRESHOLD_GBP}, {LETTERHEAD_ADDRESS} and {LETTER_SIGN_OFF}"),
        )),
    }
}

impl Settings {
    /// Overlays stored values on the defaults. Values were validated when written.
    pub fn with(mut self, key: &str, value: &Value) -> Settings {
        match key {
            PROGRAMME_NAME => {
                if let Some(s) = value.as_str() {
                    self.programme_name = s.to_string();
                }
            }
            SMALL_ORG_THRESHOLD_GBP => {
                if let Some(n) = value.as_u64() {
                    self.small_org_threshold_gbp = n;
                }
            }
            LETTERHEAD_ADDRESS => {
                if let Some(a) = value.as_array() {
                    self.letterhead_address = a
                        .iter()
                        .filter_map(|l| l.as_str().map(str::to_string))
                        .collect();
                }
            }
            LETTER_SIGN_OFF => {
                if let Some(s) = value.as_str() {
                    self.letter_sign_off = s.to_string();
                }
            }
            _ => {}
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn validates_each_setting() {
        assert_eq!(
            validate(PROGRAMME_NAME, &json!("  Leeds ARC  ")).unwrap(),
            json!("Leeds ARC")
        );
        assert!(validate(PROGRAMME_NAME, &json!("")).is_err());
        assert_eq!(
            validate(SMALL_ORG_THRESHOLD_GBP, &json!(50000)).unwrap(),
            json!(50000)
        );
        assert!(validate(SMALL_ORG_THRESHOLD_GBP, &json!("lots")).is_err());
        assert!(validate(SMALL_ORG_THRESHOLD_GBP, &json!(0)).is_err());
        assert!(validate("colour", &json!("red")).is_err());
    }

    #[test]
    fn overlays_on_defaults() {
        let s = Settings::default().with(SMALL_ORG_THRESHOLD_GBP, &json!(75000));
        assert_eq!(s.small_org_threshold_gbp, 75000);
        assert_eq!(s.programme_name, Settings::default().programme_name);
    }
}

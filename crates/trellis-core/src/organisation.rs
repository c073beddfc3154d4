//! Organisations in the directory: what a form sends, how it is checked, and the
//! normalised record that operations carry.

use serde::{Deserialize, Serialize};

use crate::income::IncomeBand;
use crate::invalid::{FieldError, Invalid};
use crate::{dei, org_ref, postcode};

pub const NAME_MAX: usize = 200;
pub const ADDRESS_MAX: usize = 500;

/// The form as typed: every field is text (or a list of codes), nothing is trusted yet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct OrganisationInput {
    pub name: String,
    pub org_ref: String,
    pub address: String,
    pub postcode: String,
    pub income_band: String,
    pub led_by: Vec<String>,
    pub communities_served: Vec<String>,
}

/// A checked, normalised organisation record. Field names are the change log's payload
/// keys, so renaming one is a schema change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationFields {
    pub name: String,
    pub org_ref: String,
    pub address: String,
    pub postcode: String,
    pub income_band: IncomeBand,
    pub led_by: Vec<String>,
    pub communities_served: Vec<String>,
}

/// The fields an update changes; absent fields are left as they are. Each present field
/// merges on its own, last writer wins.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub income_band: Option<IncomeBand>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub led_by: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub communities_served: Option<Vec<String>>,
}

impl OrganisationPatch {
    pub fn is_empty(&self) -> bool {
        *self == OrganisationPatch::default()
    }
}

/// Checks every field and reports all problems at once, each against its own field.
pub fn validate(input: &OrganisationInput) -> Result<OrganisationFields, Invalid> {
    let mut errors = Vec::new();
    let name = input.name.trim().to_string();
    if name.is_empty() {
        errors.push(FieldError::new("name", "enter the organisation's name"));
    } else if name.chars().count() > NAME_MAX {
        errors.push(FieldError::new(
            "name",
            format!("a name is at most {NAME_MAX} characters"),
        ));
    }
    let org_ref = org_ref::normalise(&input.org_ref)
        .map_err(|m| errors.push(FieldError::new("org_ref", m)))
        .unwrap_or_default();
    let address = input.address.trim().to_string();
    if address.chars().count() > ADDRESS_MAX {
        errors.push(FieldError::new(
            "address",
            format!("an address is at most {ADDRESS_MAX} characters"),
        ));
    }
    let postcode = if input.postcode.trim().is_empty() {
        String::new()
    } else {
        postcode::normalise(&input.postcode)
            .map_err(|m| errors.push(FieldError::new("postcode", m)))
            .unwrap_or_default()
    };
    let income_band = IncomeBand::parse(&input.income_band)
        .map_err(|m| errors.push(FieldError::new("income_band", m)))
        .unwrap_or(IncomeBand::Unknown);
    let led_by = dei::normalise_codes(&input.led_by)
        .map_err(|m| errors.push(FieldError::new("led_by", m)))
        .unwrap_or_default();
    let communities_served = dei::normalise_codes(&input.communities_served)
        .map_err(|m| errors.push(FieldError::new("communities_served", m)))
        .unwrap_or_default();
    Invalid::check(errors)?;
    Ok(OrganisationFields {
        name,
        org_ref,
        address,
        postcode,
        income_band,
        led_by,
        communities_served,
    })
}

impl OrganisationFields {
    pub fn to_input(&self) -> OrganisationInput {
        OrganisationInput {
            name: self.name.clone(),
            org_ref: self.org_ref.clone(),
            address: self.address.clone(),
            postcode: self.postcode.clone(),
            income_band: self.income_band.code().to_string(),
            led_by: self.led_by.clone(),
            communities_served: self.communities_served.clone(),
        }
    }

    /// Re-checks a record that arrived already normalised (from an import or another
    /// device): it must pass validation and be in normal form.
    pub fn check(&self) -> Result<(), Invalid> {
        let normal = validate(&self.to_input())?;
        if normal != *self {
            return Err(Invalid::one(
                "organisation",
                "record is not in normal form (trimmed text, upper-case list code, sorted codes)",
            ));
        }
        Ok(())
    }

    /// The patch that turns `self` into `next`: only the fields that differ.
    pub fn diff(&self, next: &OrganisationFields) -> OrganisationPatch {
        fn changed<T: PartialEq + Clone>(a: &T, b: &T) -> Option<T> {
            (a != b).then(|| b.clone())
        }
        OrganisationPatch {
            name: changed(&self.name, &next.name),
            org_ref: changed(&self.org_ref, &next.org_ref),
            address: changed(&self.address, &next.address),
            postcode: changed(&self.postcode, &next.postcode),
            income_band: changed(&self.income_band, &next.income_band),
            led_by: changed(&self.led_by, &next.led_by),
            communities_served: changed(&self.communities_served, &next.communities_served),
        }
    }

    pub fn patched(&self, patch: &OrganisationPatch) -> OrganisationFields {
        OrganisationFields {
            name: patch.name.clone().unwrap_or_else(|| self.name.clone()),
            org_ref: patch
                .org_ref
                .clone()
                .unwrap_or_else(|| self.org_ref.clone()),
            address: patch
                .address
                .clone()
                .unwrap_or_else(|| self.address.clone()),
            postcode: patch
                .postcode
                .clone()
                .unwrap_or_else(|| self.postcode.clone()),
            income_band: patch.income_band.unwrap_or(self.income_band),
            led_by: patch.led_by.clone().unwrap_or_else(|| self.led_by.clone()),
            communities_served: patch
                .communities_served
                .clone()
                .unwrap_or_else(|| self.communities_served.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> OrganisationInput {
        OrganisationInput {
            name: "  Hope Kitchen ".into(),
            org_ref: "gb-chc-1090095".into(),
            address: "12 Chapel Street, Leeds".into(),
            postcode: "ls73hb".into(),
            income_band: "25k-50k".into(),
            led_by: vec!["DEI010120".into()],
            communities_served: vec!["dei010120".into(), "DEI010110".into()],
        }
    }

    #[test]
    fn normalises_a_good_form() {
        let f = validate(&input()).unwrap();
        assert_eq!(f.name, "Hope Kitchen");
        assert_eq!(f.org_ref, "GB-CHC-1090095");
        assert_eq!(f.postcode, "LS7 3HB");
        assert_eq!(f.income_band, IncomeBand::From25kTo50k);
        assert_eq!(f.communities_served, vec!["DEI010110", "DEI010120"]);
        f.check().unwrap();
    }

    #[test]
    fn reports_every_bad_field_at_once() {
        let bad = OrganisationInput {
            name: " ".into(),
            org_ref: "GB-COH-123".into(),
            postcode: "nowhere".into(),
            income_band: "rich".into(),
            led_by: vec!["DEI000000".into()],
            ..input()
        };
        let err = validate(&bad).unwrap_err();
        let fields: Vec<_> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["name", "org_ref", "postcode", "income_band", "led_by"]
        );
    }

    #[test]
    fn postcode_and_codes_are_optional() {
        let f = validate(&OrganisationInput {
            name: "Tiny group".into(),
            org_ref: "360G-trellis-tiny-group".into(),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(f.postcode, "");
        assert_eq!(f.income_band, IncomeBand::Unknown);
    }

    #[test]
    fn diff_then_patch_gives_the_new_record() {
        let a = validate(&input()).unwrap();
        let b = validate(&OrganisationInput {
            name: "Hope Kitchen CIC".into(),
            postcode: "".into(),
            ..input()
        })
        .unwrap();
        let patch = a.diff(&b);
        assert_eq!(patch.name.as_deref(), Some("Hope Kitchen CIC"));
        assert_eq!(patch.org_ref, None);
        assert_eq!(a.patched(&patch), b);
        assert!(a.diff(&a).is_empty());
    }

    #[test]
    fn check_refuses_records_not_in_normal_form() {
        let mut f = validate(&input()).unwrap();
        f.org_ref = "gb-chc-1090095".into();
        assert!(f.check().is_err());
    }
}

//! Organisation identifiers in org-id.guide form: a list code, a hyphen, then the
//! identifier within that list (GB-CHC-1090095, GB-COH-01234567). Unregistered groups get
//! a 360Giving-style identifier under Trellis's own prefix, 360G-trellis-<slug>.
//!
//! Identifiers are text, never numbers: Companies House numbers keep their leading zeros.

use std::sync::OnceLock;

/// Prefix for groups with no registration anywhere (most small community groups).
pub const UNREGISTERED_PREFIX: &str = "360G-trellis-";

const GB_PREFIXES_CSV: &str = include_str!("../../../assets/org-id/gb-prefixes.csv");

/// The org-id.guide GB list codes Trellis accepts, with their names.
pub fn known_prefixes() -> &'static [(String, String)] {
    static PREFIXES: OnceLock<Vec<(String, String)>> = OnceLock::new();
    PREFIXES.get_or_init(|| {
        GB_PREFIXES_CSV
            .lines()
            .skip(1)
            .filter_map(|line| {
                let (code, name) = line.split_once(',')?;
                Some((
                    code.trim().to_string(),
                    name.trim().trim_matches('"').to_string(),
                ))
            })
            .collect()
    })
}

/// Checks and normalises an identifier: trims it and upper-cases the list code.
/// The error says what is allowed, in words a person filling in a form can act on.
pub fn normalise(raw: &str) -> Result<String, String> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(format!(
            "enter an identifier such as GB-CHC-1234567 or, for an unregistered group, {UNREGISTERED_PREFIX}your-group-name"
        ));
    }
    if value.chars().any(char::is_whitespace) {
        return Err("an identifier has no spaces (for example GB-CHC-1234567)".into());
    }
    if value.len() > 80 {
        return Err("an identifier is at most 80 characters".into());
    }
    if value.len() >= 5 && value[..5].eq_ignore_ascii_case("360G-") {
        return normalise_360g(&value[5..]);
    }
    let upper_prefix_end = value
        .char_indices()
        .filter(|(_, c)| *c == '-')
        .map(|(i, _)| i)
        .nth(1)
        .ok_or_else(|| {
            "use the form LIST-CODE-NUMBER, for example GB-CHC-1234567 or GB-COH-01234567"
                .to_string()
        })?;
    let prefix = value[..upper_prefix_end].to_ascii_uppercase();
    let local = &value[upper_prefix_end + 1..];
    if !known_prefixes().iter().any(|(code, _)| *code == prefix) {
        return Err(format!(
            "{prefix} is not an org-id.guide list Trellis knows; use GB-CHC (charity), GB-COH (company), GB-SC, GB-NIC, GB-MPR or another GB list, or {UNREGISTERED_PREFIX}... for an unregistered group"
        ));
    }
    check_local_part(&prefix, local)?;
    Ok(format!("{prefix}-{}", local.to_ascii_uppercase()))
}

fn normalise_360g(rest: &str) -> Result<String, String> {
    let lower = rest.to_ascii_lowercase();
    if let Some(slug) = lower.strip_prefix("trellis-") {
        if slug.is_empty()
            || !slug
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(format!(
                "after {UNREGISTERED_PREFIX} use lower-case letters, digits and hyphens, for example {UNREGISTERED_PREFIX}hope-kitchen"
            ));
        }
        return Ok(format!("{UNREGISTERED_PREFIX}{slug}"));
    }
    // Another funder's 360Giving identifier: keep it as the funder wrote it.
    if rest.is_empty()
        || !rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(
            "a 360G identifier has letters, digits, hyphens, dots or underscores after 360G-"
                .into(),
        );
    }
    Ok(format!("360G-{rest}"))
}

fn check_local_part(prefix: &str, local: &str) -> Result<(), String> {
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    match prefix {
        "GB-CHC" => {
            if digits(local) && (6..=7).contains(&local.len()) {
                Ok(())
            } else {
                Err(
                    "a Charity Commission number has 6 or 7 digits, for example GB-CHC-1090095"
                        .into(),
                )
            }
        }
        "GB-COH" => {
            let upper = local.to_ascii_uppercase();
            let ok = upper.len() == 8
                && upper.is_ascii()
                && upper[..2].chars().all(|c| c.is_ascii_alphanumeric())
                && digits(&upper[2..]);
            if ok {
                Ok(())
            } else if digits(local) && local.len() < 8 {
                Err(format!(
                    "a Companies House number has 8 characters; keep the leading zeros, for example GB-COH-{local:0>8}"
                ))
            } else {
                Err("a Companies House number has 8 characters: 8 digits, or 2 letters and 6 digits (GB-COH-01234567, GB-COH-SC123456)".into())
            }
        }
        "GB-SC" => {
            let upper = local.to_ascii_uppercase();
            if upper.len() == 8 && upper.starts_with("SC") && digits(&upper[2..]) {
                Ok(())
            } else {
                Err(
                    "a Scottish charity number is SC and 6 digits, for example GB-SC-SC042386"
                        .into(),
                )
            }
        }
        "GB-NIC" => {
            if digits(local) && (5..=6).contains(&local.len()) {
                Ok(())
            } else {
                Err("a Northern Ireland charity number has 5 or 6 digits, for example GB-NIC-100019".into())
            }
        }
        _ => {
            if !local.is_empty()
                && local
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '/' | '_'))
            {
                Ok(())
            } else {
                Err(format!(
                    "after {prefix}- give the identifier from that list (letters, digits, hyphens)"
                ))
            }
        }
    }
}

/// A suggested identifier for an unregistered group, made from its name.
pub fn suggest_unregistered(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase).map(fold_accent) {
        if c == '\'' || c == '\u{2019}' {
            continue;
        }
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    let slug = if slug.is_empty() { "group" } else { slug };
    format!("{UNREGISTERED_PREFIX}{}", &slug[..slug.len().min(60)])
}

/// Folds the accented letters common in community groups' names (Turkish, Polish,
/// Yoruba, French...) to plain ASCII, so a slug keeps the word recognisable.
fn fold_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ą' | 'ā' => 'a',
        'ç' | 'ć' | 'č' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'ę' | 'ē' | 'ẹ' => 'e',
        'ğ' => 'g',
        'ì' | 'í' | 'î' | 'ï' | 'ı' | 'ī' => 'i',
        'ł' => 'l',
        'ñ' | 'ń' | 'ň' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ọ' => 'o',
        'ś' | 'š' | 'ş' | 'ṣ' => 's',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' => 'u',
        'ý' | 'ÿ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_common_forms_and_normalises_case() {
        assert_eq!(normalise("GB-CHC-1090095").unwrap(), "GB-CHC-1090095");
        assert_eq!(normalise(" gb-chc-279417 ").unwrap(), "GB-CHC-279417");
        assert_eq!(normalise("GB-COH-01234567").unwrap(), "GB-COH-01234567");
        assert_eq!(normalise("gb-coh-sc123456").unwrap(), "GB-COH-SC123456");
        assert_eq!(normalise("GB-SC-SC042386").unwrap(), "GB-SC-SC042386");
        assert_eq!(normalise("GB-NIC-100019").unwrap(), "GB-NIC-100019");
        assert_eq!(normalise("GB-MPR-IP031455").unwrap(), "GB-MPR-IP031455");
        assert_eq!(
            normalise("360G-Trellis-Hope-Kitchen").unwrap(),
            "360G-trellis-hope-kitchen"
        );
        assert_eq!(
            normalise("360G-wolfson-abc123").unwrap(),
            "360G-wolfson-abc123"
        );
    }

    #[test]
    fn keeps_leading_zeros_and_explains_missing_ones() {
        assert_eq!(normalise("GB-COH-00012345").unwrap(), "GB-COH-00012345");
        let err = normalise("GB-COH-1234567").unwrap_err();
        assert!(err.contains("GB-COH-01234567"), "{err}");
    }

    #[test]
    fn rejects_with_a_reason() {
        for (input, needle) in [
            ("", "enter an identifier"),
            ("GB CHC 123", "no spaces"),
            ("1234567", "LIST-CODE-NUMBER"),
            ("GB-XYZ-123", "not an org-id.guide list"),
            ("GB-CHC-12345", "6 or 7 digits"),
            ("GB-CHC-12345678", "6 or 7 digits"),
            ("GB-CHC-12a4567", "6 or 7 digits"),
            ("GB-SC-123456", "SC and 6 digits"),
            ("GB-NIC-1", "5 or 6 digits"),
            ("360G-trellis-", "lower-case letters"),
            ("360G-trellis-hope_kitchen", "lower-case letters"),
        ] {
            let err = normalise(input).expect_err(input);
            assert!(err.contains(needle), "{input}: {err}");
        }
    }

    #[test]
    fn suggests_a_slug_for_unregistered_groups() {
        assert_eq!(
            suggest_unregistered("Hope Kitchen & Friends!"),
            "360G-trellis-hope-kitchen-friends"
        );
        assert_eq!(
            suggest_unregistered("Çiğdem's Circle"),
            "360G-trellis-cigdems-circle"
        );
        assert_eq!(
            suggest_unregistered("Ọmọ Oòduà Łódź"),
            "360G-trellis-omo-oodua-lodz"
        );
        assert!(normalise(&suggest_unregistered("Çiğdem's Circle")).is_ok());
        assert_eq!(suggest_unregistered("!!!"), "360G-trellis-group");
    }

    #[test]
    fn ships_the_gb_lists() {
        let codes: Vec<_> = known_prefixes().iter().map(|(c, _)| c.as_str()).collect();
        for code in [
            "GB-CHC", "GB-COH", "GB-SC", "GB-NIC", "GB-MPR", "GB-EDU", "GB-LAE",
        ] {
            assert!(codes.contains(&code), "{code}");
        }
    }
}

//! The 360Giving DEI taxonomy: the closed code list used for "led by" and "communities
//! served". Shipped under assets/dei/ unmodified and compiled in, so validation needs no IO.

use std::sync::OnceLock;

use serde::Serialize;

const TAXONOMY_CSV: &str = include_str!("../../../assets/dei/taxonomyCodes.csv");

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct DeiCode {
    pub code: String,
    pub title: String,
    pub description: String,
}

/// Every code in the taxonomy, in the list's own order (groups before their members).
pub fn codes() -> &'static [DeiCode] {
    static CODES: OnceLock<Vec<DeiCode>> = OnceLock::new();
    CODES.get_or_init(|| TAXONOMY_CSV.lines().skip(1).filter_map(parse_row).collect())
}

pub fn find(code: &str) -> Option<&'static DeiCode> {
    codes().iter().find(|c| c.code == code)
}

/// The three quoted fields of one row; the published file quotes every field and has no
/// embedded quotes, but we still tolerate a space before a quote (as in its sister lists).
fn parse_row(line: &str) -> Option<DeiCode> {
    let mut fields = Vec::with_capacity(3);
    let mut rest = line.trim();
    while !rest.is_empty() {
        rest = rest.trim_start();
        if let Some(stripped) = rest.strip_prefix('"') {
            let end = stripped.find('"')?;
            fields.push(stripped[..end].to_string());
            rest = stripped[end + 1..].trim_start();
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            fields.push(rest[..end].trim().to_string());
            rest = &rest[end..];
        }
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
    let mut it = fields.into_iter();
    Some(DeiCode {
        code: it.next()?,
        title: it.next()?,
        description: it.next().unwrap_or_default(),
    })
}

/// Upper-cases, de-duplicates and sorts a list of codes, naming any that are not in the
/// taxonomy.
pub fn normalise_codes(raw: &[String]) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    let mut unknown = Vec::new();
    for code in raw {
        let code = code.trim().to_ascii_uppercase();
        if code.is_empty() {
            continue;
        }
        if find(&code).is_none() {
            unknown.push(code);
        } else if !out.contains(&code) {
            out.push(code);
        }
    }
    if !unknown.is_empty() {
        return Err(format!(
            "{} not in the 360Giving DEI taxonomy (codes look like DEI010110)",
            unknown.join(", ")
        ));
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_the_whole_taxonomy() {
        assert_eq!(codes().len(), 73);
        let african = find("DEI010110").unwrap();
        assert_eq!(african.title, "African");
        assert!(find("DEI010000")
            .unwrap()
            .description
            .contains("racial justice"));
    }

    #[test]
    fn normalises_and_rejects_unknown_codes() {
        let raw = vec![
            "dei010120".to_string(),
            "DEI010110".into(),
            " DEI010120 ".into(),
        ];
        assert_eq!(
            normalise_codes(&raw).unwrap(),
            vec!["DEI010110", "DEI010120"]
        );
        let err = normalise_codes(&["DEI999999".to_string()]).unwrap_err();
        assert!(err.contains("DEI999999"));
    }
}

//! Income bands and the small-organisation rule (principle 4: small organisations get core
//! funding). The threshold is a programme setting; the default is under 100,000 GBP a year.

use serde::{Deserialize, Serialize};

pub const DEFAULT_SMALL_ORG_THRESHOLD_GBP: u64 = 100_000;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "kebab-case")]
pub enum IncomeBand {
    Unknown,
    #[serde(rename = "under-10k")]
    Under10k,
    #[serde(rename = "10k-25k")]
    From10kTo25k,
    #[serde(rename = "25k-50k")]
    From25kTo50k,
    #[serde(rename = "50k-100k")]
    From50kTo100k,
    #[serde(rename = "100k-250k")]
    From100kTo250k,
    #[serde(rename = "250k-500k")]
    From250kTo500k,
    #[serde(rename = "500k-1m")]
    From500kTo1m,
    #[serde(rename = "over-1m")]
    Over1m,
}

impl IncomeBand {
    pub const ALL: [IncomeBand; 9] = [
        IncomeBand::Unknown,
        IncomeBand::Under10k,
        IncomeBand::From10kTo25k,
        IncomeBand::From25kTo50k,
        IncomeBand::From50kTo100k,
        IncomeBand::From100kTo250k,
        IncomeBand::From250kTo500k,
        IncomeBand::From500kTo1m,
        IncomeBand::Over1m,
    ];

    pub fn code(self) -> &'static str {
        match self {
            IncomeBand::Unknown => "unknown",
            IncomeBand::Under10k => "under-10k",
            IncomeBand::From10kTo25k => "10k-25k",
            IncomeBand::From25kTo50k => "25k-50k",
            IncomeBand::From50kTo100k => "50k-100k",
            IncomeBand::From100kTo250k => "100k-250k",
            IncomeBand::From250kTo500k => "250k-500k",
            IncomeBand::From500kTo1m => "500k-1m",
            IncomeBand::Over1m => "over-1m",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            IncomeBand::Unknown => "Not known",
            IncomeBand::Under10k => "Under £10,000",
            IncomeBand::From10kTo25k => "£10,000 to £24,999",
            IncomeBand::From25kTo50k => "£25,000 to £49,999",
            IncomeBand::From50kTo100k => "£50,000 to £99,999",
            IncomeBand::From100kTo250k => "£100,000 to £249,999",
            IncomeBand::From250kTo500k => "£250,000 to £499,999",
            IncomeBand::From500kTo1m => "£500,000 to £999,999",
            IncomeBand::Over1m => "£1 million or more",
        }
    }

    pub fn parse(raw: &str) -> Result<IncomeBand, String> {
        let raw = raw.trim().to_ascii_lowercase();
        let raw = if raw.is_empty() {
            "unknown"
        } else {
            raw.as_str()
        };
        IncomeBand::ALL
            .into_iter()
            .find(|b| b.code() == raw)
            .ok_or_else(|| {
                format!(
                    "income band must be one of: {}",
                    IncomeBand::ALL.map(|b| b.code()).join(", ")
                )
            })
    }

    /// Annual income range in GBP: lower bound inclusive, upper bound exclusive.
    fn range(self) -> Option<(u64, Option<u64>)> {
        match self {
            IncomeBand::Unknown => None,
            IncomeBand::Under10k => Some((0, Some(10_000))),
            IncomeBand::From10kTo25k => Some((10_000, Some(25_000))),
            IncomeBand::From25kTo50k => Some((25_000, Some(50_000))),
            IncomeBand::From50kTo100k => Some((50_000, Some(100_000))),
            IncomeBand::From100kTo250k => Some((100_000, Some(250_000))),
            IncomeBand::From250kTo500k => Some((250_000, Some(500_000))),
            IncomeBand::From500kTo1m => Some((500_000, Some(1_000_000))),
            IncomeBand::Over1m => Some((1_000_000, None)),
        }
    }
}

/// Whether an organisation counts as small: its whole band lies under the threshold.
/// Unknown income, or a band the threshold cuts through, is `None` ("ask them"), so
/// nobody is quietly ruled in or out on a guess.
pub fn is_small(band: IncomeBand, threshold_gbp: u64) -> Option<bool> {
    let (lower, upper) = band.range()?;
    match upper {
        Some(upper) if upper <= threshold_gbp => Some(true),
        _ if lower >= threshold_gbp => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_threshold_splits_at_100k() {
        let t = DEFAULT_SMALL_ORG_THRESHOLD_GBP;
        assert_eq!(is_small(IncomeBand::Under10k, t), Some(true));
        assert_eq!(is_small(IncomeBand::From50kTo100k, t), Some(true));
        assert_eq!(is_small(IncomeBand::From100kTo250k, t), Some(false));
        assert_eq!(is_small(IncomeBand::Over1m, t), Some(false));
        assert_eq!(is_small(IncomeBand::Unknown, t), None);
    }

    #[test]
    fn a_threshold_inside_a_band_leaves_it_undecided() {
        assert_eq!(is_small(IncomeBand::From50kTo100k, 75_000), None);
        assert_eq!(is_small(IncomeBand::From25kTo50k, 75_000), Some(true));
        assert_eq!(is_small(IncomeBand::From100kTo250k, 75_000), Some(false));
    }

    #[test]
    fn codes_round_trip_through_parse_and_serde() {
        for band in IncomeBand::ALL {
            assert_eq!(IncomeBand::parse(band.code()).unwrap(), band);
            let json = serde_json::to_string(&band).unwrap();
            assert_eq!(json, format!("\"{}\"", band.code()));
        }
        assert_eq!(IncomeBand::parse("").unwrap(), IncomeBand::Unknown);
        assert!(IncomeBand::parse("lots").unwrap_err().contains("under-10k"));
    }
}

//! Krippendorff's alpha: how far a panel's scores agree beyond what chance would give.
//!
//! Computed by the coincidence-matrix method of Krippendorff (2011), "Computing
//! Krippendorff's Alpha-Reliability" (Annenberg School for Communication, University of
//! Pennsylvania, <https://repository.upenn.edu/asc_papers/43>), which allows missing values:
//!
//! - Reliability data is a set of **units**, each holding the values that observers gave it
//!   (in Trellis a unit is one criterion of one application and the observers are assessors).
//!   A unit with fewer than two values is not pairable and is left out.
//! - Each unit with `m_u >= 2` values adds every ordered pair of its values `(c, k)`, drawn
//!   from different observers, to the coincidence matrix with weight `1 / (m_u - 1)`.
//!   `n_c` is a row total and `n` the number of pairable values.
//! - `alpha = 1 - (n - 1) * sum o_ck d2(c,k) / sum n_c n_k d2(c,k)`, where `d2` is the squared
//!   difference for the level of measurement ([`Metric`]).
//!
//! When every pairable value is the same, expected disagreement is 0 and alpha is 0/0.
//! Implementations differ (tidycomm returns 1, fast-krippendorff raises an error); Trellis
//! returns [`Alpha::Undefined`] with the reason, never NaN, so a report can say "everyone gave
//! the same score, so agreement cannot be measured" instead of printing a number.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Level of measurement, which fixes how far apart two values are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// Values are names: any two different values are equally far apart.
    Nominal,
    /// Values are ranks: distance counts how many values lie between them.
    Ordinal,
    /// Values are numbers on a scale with equal steps: squared difference.
    Interval,
    /// Values are amounts with a true zero: squared difference relative to their sum.
    Ratio,
}

impl Metric {
    pub const ALL: [Metric; 4] = [
        Metric::Nominal,
        Metric::Ordinal,
        Metric::Interval,
        Metric::Ratio,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Metric::Nominal => "nominal",
            Metric::Ordinal => "ordinal",
            Metric::Interval => "interval",
            Metric::Ratio => "ratio",
        }
    }
}

/// Why alpha has no value for some data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Undefined {
    /// No unit was coded by two or more observers, so there is nothing to compare.
    NoPairableValues,
    /// Every pairable value is the same, so disagreement expected by chance is 0 (0/0).
    NoVariation,
}

/// The result: a number, or a typed reason it has none.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Alpha {
    Defined {
        value: f64,
        /// Values in units coded by two or more observers (`n` in Krippendorff 2011).
        pairable_values: usize,
    },
    Undefined {
        reason: Undefined,
    },
}

impl Alpha {
    pub fn value(&self) -> Option<f64> {
        match self {
            Alpha::Defined { value, .. } => Some(*value),
            Alpha::Undefined { .. } => None,
        }
    }
}

/// Data that alpha cannot be computed from.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AlphaError {
    #[error("a value is not a finite number")]
    NotFinite,
    #[error("the ratio metric needs values of 0 or more; {0} is negative")]
    NegativeForRatio(f64),
    #[error("{0:?} is not in the list of ordered labels")]
    UnknownLabel(String),
    #[error("labels have no distance between them; use the nominal or ordinal metric")]
    LabelsNeedNominalOrOrdinal,
    #[error("the ordinal metric on labels needs their order")]
    OrderNeeded,
}

/// Alpha from data laid out as in the published examples: one row per observer, one column
/// per unit, `None` where the observer did not code the unit. Rows may differ in length; a
/// short row is missing its last units.
pub fn alpha(by_observer: &[Vec<Option<f64>>], metric: Metric) -> Result<Alpha, AlphaError> {
    let units = by_observer.iter().map(Vec::len).max().unwrap_or(0);
    let by_unit: Vec<Vec<f64>> = (0..units)
        .map(|u| {
            by_observer
                .iter()
                .filter_map(|row| row.get(u).copied().flatten())
                .collect()
        })
        .collect();
    alpha_of_units(&by_unit, metric)
}

/// Alpha for text labels. Nominal needs nothing else; ordinal needs `order`, listing every
/// label from lowest to highest. Interval and ratio are refused: labels have no distances.
pub fn alpha_of_labels(
    by_observer: &[Vec<Option<String>>],
    metric: Metric,
    order: Option<&[String]>,
) -> Result<Alpha, AlphaError> {
    let codes: BTreeMap<&str, f64> = match (metric, order) {
        (Metric::Interval | Metric::Ratio, _) => {
            return Err(AlphaError::LabelsNeedNominalOrOrdinal)
        }
        (Metric::Ordinal, None) => return Err(AlphaError::OrderNeeded),
        (_, Some(order)) => order
            .iter()
            .enumerate()
            .map(|(i, l)| (l.as_str(), i as f64))
            .collect(),
        (Metric::Nominal, None) => {
            let mut seen: Vec<&str> = by_observer
                .iter()
                .flatten()
                .filter_map(|v| v.as_deref())
                .collect();
            seen.sort_unstable();
            seen.dedup();
            seen.into_iter()
                .enumerate()
                .map(|(i, l)| (l, i as f64))
                .collect()
        }
    };
    let mut numeric = Vec::with_capacity(by_observer.len());
    for row in by_observer {
        let mut out = Vec::with_capacity(row.len());
        for v in row {
            out.push(match v {
                None => None,
                Some(l) => Some(
                    *codes
                        .get(l.as_str())
                        .ok_or_else(|| AlphaError::UnknownLabel(l.clone()))?,
                ),
            });
        }
        numeric.push(out);
    }
    alpha(&numeric, metric)
}

/// Alpha from units: each inner list holds the values the unit received, one per observer
/// who coded it (who they were does not matter to alpha).
pub fn alpha_of_units(units: &[Vec<f64>], metric: Metric) -> Result<Alpha, AlphaError> {
    for v in units.iter().flatten() {
        if !v.is_finite() {
            return Err(AlphaError::NotFinite);
        }
        if metric == Metric::Ratio && *v < 0.0 {
            return Err(AlphaError::NegativeForRatio(*v));
        }
    }
    // The distinct pairable values, in order; the matrix is indexed by position here.
    let mut values: Vec<f64> = units
        .iter()
        .filter(|u| u.len() >= 2)
        .flatten()
        .copied()
        .collect();
    values.sort_by(f64::total_cmp);
    values.dedup_by(|a, b| a.total_cmp(b) == Ordering::Equal);
    let index = |v: f64| values.binary_search_by(|x| x.total_cmp(&v)).ok();
    let size = values.len();
    let mut coincidences = vec![0.0_f64; size * size];
    let mut pairable_values = 0usize;
    let mut counts: Vec<(usize, f64)> = Vec::new();
    for unit in units.iter().filter(|u| u.len() >= 2) {
        pairable_values += unit.len();
        counts.clear();
        for v in unit {
            let Some(i) = index(*v) else { continue };
            match counts.iter_mut().find(|(j, _)| *j == i) {
                Some((_, n)) => *n += 1.0,
                None => counts.push((i, 1.0)),
            }
        }
        let weight = 1.0 / (unit.len() as f64 - 1.0);
        for &(c, nc) in &counts {
            for &(k, nk) in &counts {
                let pairs = if c == k { nc * (nc - 1.0) } else { nc * nk };
                coincidences[c * size + k] += pairs * weight;
            }
        }
    }
    if pairable_values == 0 {
        return Ok(Alpha::Undefined {
            reason: Undefined::NoPairableValues,
        });
    }
    let totals: Vec<f64> = (0..size)
        .map(|c| coincidences[c * size..(c + 1) * size].iter().sum())
        .collect();
    let n: f64 = totals.iter().sum();
    // Running totals of n_g for the ordinal metric: before[i] = sum of n_g for g < i.
    let mut before = vec![0.0_f64; size + 1];
    for (i, t) in totals.iter().enumerate() {
        before[i + 1] = before[i] + t;
    }
    let distance = |c: usize, k: usize| -> f64 {
        if c == k {
            return 0.0;
        }
        match metric {
            Metric::Nominal => 1.0,
            Metric::Ordinal => {
                let (lo, hi) = if c < k { (c, k) } else { (k, c) };
                let between = before[hi + 1] - before[lo] - (totals[lo] + totals[hi]) / 2.0;
                between * between
            }
            Metric::Interval => {
                let d = values[c] - values[k];
                d * d
            }
            Metric::Ratio => {
                let sum = values[c] + values[k];
                if sum == 0.0 {
                    0.0
                } else {
                    let d = (values[c] - values[k]) / sum;
                    d * d
                }
            }
        }
    };
    let mut observed = 0.0;
    let mut expected = 0.0;
    for c in 0..size {
        for k in 0..size {
            let d = distance(c, k);
            if d != 0.0 {
                observed += coincidences[c * size + k] * d;
                expected += totals[c] * totals[k] * d;
            }
        }
    }
    if expected == 0.0 {
        return Ok(Alpha::Undefined {
            reason: Undefined::NoVariation,
        });
    }
    Ok(Alpha::Defined {
        value: 1.0 - (n - 1.0) * observed / expected,
        pairable_values,
    })
}

/// How firmly to rely on the scores, in plain English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum AgreementReading {
    Strong,
    Tentative,
    Weak,
    CannotBeMeasured,
}

/// Krippendorff's guidance (Content Analysis, 2nd ed. 2004, p. 241; 4th ed. 2018, section
/// 12.2.5): rely on data with alpha of at least .800; consider data between .667 and .800
/// only for tentative conclusions; below .667 the data is not reliable enough to rely on.
pub const STRONG_FROM: f64 = 0.8;
pub const TENTATIVE_FROM: f64 = 0.667;

impl AgreementReading {
    pub fn of(alpha: &Alpha) -> AgreementReading {
        match alpha.value() {
            None => AgreementReading::CannotBeMeasured,
            Some(a) if a >= STRONG_FROM => AgreementReading::Strong,
            Some(a) if a >= TENTATIVE_FROM => AgreementReading::Tentative,
            Some(_) => AgreementReading::Weak,
        }
    }

    pub fn sentence(self) -> &'static str {
        match self {
            AgreementReading::Strong => {
                "Strong agreement: assessors scored in much the same way, so the scores can be relied on."
            }
            AgreementReading::Tentative => {
                "Tentative agreement: use the scores with care and talk through the flagged applications."
            }
            AgreementReading::Weak => {
                "Weak agreement: assessors scored differently. Discuss how you scored before deciding."
            }
            AgreementReading::CannotBeMeasured => {
                "Agreement cannot be measured: too few shared scores, or everyone gave the same score."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Alpha, want: f64) {
        let v = a.value().expect("alpha is defined");
        assert!((v - want).abs() < 1e-9, "got {v}, want {want}");
    }

    #[test]
    fn perfect_agreement_is_one_and_interval_counts_distance() {
        let same = vec![vec![1.0, 1.0], vec![3.0, 3.0], vec![5.0, 5.0]];
        close(alpha_of_units(&same, Metric::Interval).unwrap(), 1.0);
        // Two units, two coders: (1,2) and (4,5). n = 4, values 1,2,4,5 each n_c = 1.
        // o_12 = o_21 = o_45 = o_54 = 1. Interval: observed = 4 * 1 = 4.
        // expected = sum over c != k of (c-k)^2 = 2 * (1+9+16+4+9+1) = 80.
        // alpha = 1 - 3 * 4 / 80 = 0.85.
        let units = vec![vec![1.0, 2.0], vec![4.0, 5.0]];
        close(alpha_of_units(&units, Metric::Interval).unwrap(), 0.85);
        // Nominal: observed = 4, expected = 4*4 - 4 = 12; alpha = 1 - 3*4/12 = 0.
        close(alpha_of_units(&units, Metric::Nominal).unwrap(), 0.0);
    }

    #[test]
    fn units_with_one_value_are_left_out() {
        let with_lonely = vec![vec![1.0, 2.0], vec![4.0, 5.0], vec![3.0]];
        close(
            alpha_of_units(&with_lonely, Metric::Interval).unwrap(),
            0.85,
        );
        let rows = vec![
            vec![Some(1.0), Some(4.0), Some(3.0)],
            vec![Some(2.0), Some(5.0), None],
        ];
        close(alpha(&rows, Metric::Interval).unwrap(), 0.85);
    }

    #[test]
    fn undefined_is_typed_not_nan() {
        let all_ones = vec![vec![1.0; 3]; 10];
        assert_eq!(
            alpha_of_units(&all_ones, Metric::Interval).unwrap(),
            Alpha::Undefined {
                reason: Undefined::NoVariation
            }
        );
        assert_eq!(
            alpha_of_units(&[vec![1.0], vec![2.0]], Metric::Nominal).unwrap(),
            Alpha::Undefined {
                reason: Undefined::NoPairableValues
            }
        );
        assert_eq!(
            alpha(&[], Metric::Nominal).unwrap(),
            Alpha::Undefined {
                reason: Undefined::NoPairableValues
            }
        );
    }

    #[test]
    fn refuses_bad_numbers_and_labels_without_order() {
        assert_eq!(
            alpha_of_units(&[vec![1.0, f64::NAN]], Metric::Interval),
            Err(AlphaError::NotFinite)
        );
        assert_eq!(
            alpha_of_units(&[vec![1.0, -1.0]], Metric::Ratio),
            Err(AlphaError::NegativeForRatio(-1.0))
        );
        let rows = vec![vec![Some("a".to_string())], vec![Some("b".to_string())]];
        assert_eq!(
            alpha_of_labels(&rows, Metric::Ordinal, None),
            Err(AlphaError::OrderNeeded)
        );
        assert_eq!(
            alpha_of_labels(&rows, Metric::Interval, None),
            Err(AlphaError::LabelsNeedNominalOrOrdinal)
        );
        let order = vec!["a".to_string()];
        assert_eq!(
            alpha_of_labels(&rows, Metric::Ordinal, Some(&order)),
            Err(AlphaError::UnknownLabel("b".into()))
        );
    }

    #[test]
    fn readings_follow_krippendorffs_thresholds() {
        let at = |value| Alpha::Defined {
            value,
            pairable_values: 10,
        };
        assert_eq!(AgreementReading::of(&at(0.8)), AgreementReading::Strong);
        assert_eq!(AgreementReading::of(&at(0.79)), AgreementReading::Tentative);
        assert_eq!(
            AgreementReading::of(&at(0.667)),
            AgreementReading::Tentative
        );
        assert_eq!(AgreementReading::of(&at(0.66)), AgreementReading::Weak);
        assert_eq!(
            AgreementReading::of(&Alpha::Undefined {
                reason: Undefined::NoVariation
            }),
            AgreementReading::CannotBeMeasured
        );
    }
}

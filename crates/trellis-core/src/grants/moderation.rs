//! Moderation: every assessor's submitted scores side by side, where they disagree, and
//! how far the round's scoring agrees overall.
//!
//! Per application, only **submitted** sheets count (drafts are private and unfinished).
//! Assessors are listed in order of their id, so the same scores always give the same
//! report.
//!
//! - Per criterion: each assessor's score, the mean, the **spread** (highest minus lowest)
//!   and the population standard deviation (divided by the number of scores, since the
//!   assessors are the whole panel, not a sample).
//! - **Disagreement flag**: a criterion's spread is *more than* the threshold. The default is
//!   2 points on a 5-point scale; other scales scale it in proportion to their range, so
//!   the threshold is `2 * (max - min) / 4` (4.5 on a 1-to-10 scale). On 1 to 5 a spread of 2
//!   (scores 2 and 4) is not flagged; 3 (2 and 5) is.
//! - **Outlier flag**: with three or more assessors, one whose weighted total differs from
//!   the mean of the *other* assessors' weighted totals by more than the outlier threshold.
//!   The default is 1 point on a 5-point scale, scaled the same way. A weighted total is
//!   an average over criteria, so 1 point means marking about a whole level higher or lower
//!   than colleagues across the board. With two assessors there is no "others' consensus",
//!   so no one is called an outlier (the disagreement flag still applies). More than one
//!   assessor can be flagged when the panel is split.
//! - **Round agreement**: Krippendorff's alpha, interval metric, where a unit is one
//!   criterion of one application and its values are the submitted scores (see [`alpha`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::alpha::{alpha_of_units, AgreementReading, Alpha, Metric, Undefined};
use super::rubric::Rubric;
use super::scoring::{check_scores, weighted_total, Score, ScoreSheet};
use crate::invalid::{FieldError, Invalid};

pub const NOTE_MAX: usize = 2_000;

/// Thresholds, given in points on a 5-point (1 to 5) scale and scaled to the rubric's.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ModerationSettings {
    pub disagreement_points_on_five: f64,
    pub outlier_points_on_five: f64,
}

impl Default for ModerationSettings {
    fn default() -> Self {
        ModerationSettings {
            disagreement_points_on_five: 2.0,
            outlier_points_on_five: 1.0,
        }
    }
}

/// A threshold in points on a 1-to-5 scale, expressed on the scale `min..=max`.
pub fn scaled_threshold(points_on_five: f64, scale_min: u8, scale_max: u8) -> f64 {
    points_on_five * f64::from(scale_max.saturating_sub(scale_min)) / 4.0
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct CriterionRow {
    pub criterion_id: String,
    pub title: String,
    pub weight: u32,
    /// One per assessor, in the order of [`ApplicationModeration::assessors`]; `None` where
    /// a submitted sheet somehow lacks the criterion.
    pub values: Vec<Option<u8>>,
    pub mean: Option<f64>,
    pub spread: Option<u8>,
    pub std_dev: Option<f64>,
    pub disagreement: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct AssessorColumn {
    pub assessor_id: Uuid,
    pub weighted_total: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "flag", rename_all = "snake_case")]
pub enum Flag {
    Disagreement {
        criterion_id: String,
        spread: u8,
        threshold: f64,
    },
    Outlier {
        assessor_id: Uuid,
        weighted_total: f64,
        others_mean: f64,
        threshold: f64,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ApplicationModeration {
    pub application_id: Uuid,
    pub assessors: Vec<AssessorColumn>,
    pub criteria: Vec<CriterionRow>,
    /// The mean of the assessors' weighted totals.
    pub mean_total: Option<f64>,
    pub flags: Vec<Flag>,
}

impl ApplicationModeration {
    pub fn flagged(&self) -> bool {
        !self.flags.is_empty()
    }
}

fn mean(xs: &[f64]) -> Option<f64> {
    (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64)
}

/// The side-by-side view of one application. `sheets` may hold other applications' and
/// unsubmitted sheets; only this application's submitted ones are used.
pub fn moderate_application(
    rubric: &Rubric,
    application_id: Uuid,
    sheets: &[ScoreSheet],
    settings: &ModerationSettings,
) -> ApplicationModeration {
    let mut own: Vec<&ScoreSheet> = sheets
        .iter()
        .filter(|s| s.application_id == application_id && s.submitted)
        .collect();
    own.sort_by_key(|s| s.assessor_id);
    moderate_sheets(rubric, application_id, &own, settings)
}

fn moderate_sheets(
    rubric: &Rubric,
    application_id: Uuid,
    own: &[&ScoreSheet],
    settings: &ModerationSettings,
) -> ApplicationModeration {
    let (scale_min, scale_max) = rubric.scale().unwrap_or((0, 0));
    let disagreement_at =
        scaled_threshold(settings.disagreement_points_on_five, scale_min, scale_max);
    let outlier_at = scaled_threshold(settings.outlier_points_on_five, scale_min, scale_max);
    let mut flags = Vec::new();
    let criteria: Vec<CriterionRow> = rubric
        .criteria
        .iter()
        .map(|c| {
            let values: Vec<Option<u8>> = own
                .iter()
                .map(|s| {
                    s.scores
                        .iter()
                        .find(|x| x.criterion_id == c.id)
                        .map(|x| x.value)
                        .filter(|v| c.on_scale(*v))
                })
                .collect();
            let present: Vec<u8> = values.iter().flatten().copied().collect();
            let as_f64: Vec<f64> = present.iter().map(|v| f64::from(*v)).collect();
            let m = mean(&as_f64);
            let spread = match (present.iter().max(), present.iter().min()) {
                (Some(hi), Some(lo)) => Some(hi - lo),
                _ => None,
            };
            let std_dev = m.map(|m| {
                (as_f64.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / as_f64.len() as f64).sqrt()
            });
            let disagreement = spread.is_some_and(|s| f64::from(s) > disagreement_at);
            if let (true, Some(spread)) = (disagreement, spread) {
                flags.push(Flag::Disagreement {
                    criterion_id: c.id.clone(),
                    spread,
                    threshold: disagreement_at,
                });
            }
            CriterionRow {
                criterion_id: c.id.clone(),
                title: c.title.clone(),
                weight: c.weight,
                values,
                mean: m,
                spread,
                std_dev,
                disagreement,
            }
        })
        .collect();
    let assessors: Vec<AssessorColumn> = own
        .iter()
        .map(|s| AssessorColumn {
            assessor_id: s.assessor_id,
            weighted_total: weighted_total(rubric, &s.scores).map(|t| t.on_scale),
        })
        .collect();
    let totals: Vec<(Uuid, f64)> = assessors
        .iter()
        .filter_map(|a| a.weighted_total.map(|t| (a.assessor_id, t)))
        .collect();
    if totals.len() >= 3 {
        for (i, (id, t)) in totals.iter().enumerate() {
            let others: Vec<f64> = totals
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, (_, o))| *o)
                .collect();
            if let Some(others_mean) = mean(&others) {
                if (t - others_mean).abs() > outlier_at {
                    flags.push(Flag::Outlier {
                        assessor_id: *id,
                        weighted_total: *t,
                        others_mean,
                        threshold: outlier_at,
                    });
                }
            }
        }
    }
    let mean_total = mean(&totals.iter().map(|(_, t)| *t).collect::<Vec<_>>());
    ApplicationModeration {
        application_id,
        assessors,
        criteria,
        mean_total,
        flags,
    }
}

/// The round's moderation report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ModerationReport {
    /// One per application with at least one submitted sheet, in order of application id.
    pub applications: Vec<ApplicationModeration>,
    pub flagged: usize,
    /// Krippendorff's alpha, interval metric, over (application, criterion) units.
    pub alpha: Alpha,
    pub reading: AgreementReading,
    pub reading_text: String,
}

/// Builds the report for a round from all its score sheets (drafts are ignored).
pub fn moderation_report(
    rubric: &Rubric,
    sheets: &[ScoreSheet],
    settings: &ModerationSettings,
) -> ModerationReport {
    let mut by_application: BTreeMap<Uuid, Vec<&ScoreSheet>> = BTreeMap::new();
    for s in sheets.iter().filter(|s| s.submitted) {
        by_application.entry(s.application_id).or_default().push(s);
    }
    let applications: Vec<ApplicationModeration> = by_application
        .iter_mut()
        .map(|(id, own)| {
            own.sort_by_key(|s| s.assessor_id);
            moderate_sheets(rubric, *id, own, settings)
        })
        .collect();
    let units: Vec<Vec<f64>> = applications
        .iter()
        .flat_map(|a| {
            a.criteria.iter().map(|c| {
                c.values
                    .iter()
                    .flatten()
                    .map(|v| f64::from(*v))
                    .collect::<Vec<f64>>()
            })
        })
        .collect();
    // Scores are small whole numbers, so alpha cannot refuse them; should it ever, the
    // report says agreement cannot be measured rather than failing.
    let alpha = alpha_of_units(&units, Metric::Interval).unwrap_or(Alpha::Undefined {
        reason: Undefined::NoPairableValues,
    });
    let reading = AgreementReading::of(&alpha);
    ModerationReport {
        flagged: applications.iter().filter(|a| a.flagged()).count(),
        applications,
        alpha,
        reading,
        reading_text: reading.sentence().to_string(),
    }
}

/// The scores the panel agrees for an application, with a comment per criterion (the
/// `justification`, used in the applicant's letter) and a note on how disagreement was
/// resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct AgreedScores {
    pub application_id: Uuid,
    pub scores: Vec<Score>,
    pub note: String,
}

impl AgreedScores {
    /// Every criterion scored and commented; a note is required when moderation flagged
    /// the application.
    pub fn check(&self, rubric: &Rubric, flagged: bool) -> Result<(), Invalid> {
        let mut errors = match check_scores(rubric, &self.scores, true) {
            Ok(()) => Vec::new(),
            Err(e) => e.errors,
        };
        let n = self.note.trim().chars().count();
        if n > NOTE_MAX {
            errors.push(FieldError::new(
                "note",
                format!("at most {NOTE_MAX} characters"),
            ));
        } else if flagged && n == 0 {
            errors.push(FieldError::new(
                "note",
                "assessors disagreed on this application; note how the panel agreed its scores",
            ));
        }
        Invalid::check(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grants::rubric::default_rubric;

    fn sheet(app: u128, who: u128, values: [u8; 4], submitted: bool) -> ScoreSheet {
        ScoreSheet {
            application_id: Uuid::from_u128(app),
            assessor_id: Uuid::from_u128(who),
            submitted,
            scores: ["relationships", "need", "plan", "reach"]
                .iter()
                .zip(values)
                .map(|(id, v)| Score {
                    criterion_id: id.to_string(),
                    value: v,
                    justification: "because".into(),
                })
                .collect(),
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn side_by_side_with_mean_spread_and_standard_deviation() {
        let r = default_rubric();
        let sheets = vec![
            sheet(1, 3, [3, 5, 4, 4], true),
            sheet(1, 1, [4, 4, 4, 4], true),
            sheet(1, 2, [5, 3, 4, 4], true),
            sheet(1, 4, [1, 1, 1, 1], false), // a draft: ignored
            sheet(2, 1, [1, 1, 1, 1], true),  // another application
        ];
        let m = moderate_application(
            &r,
            Uuid::from_u128(1),
            &sheets,
            &ModerationSettings::default(),
        );
        let ids: Vec<_> = m
            .assessors
            .iter()
            .map(|a| a.assessor_id.as_u128())
            .collect();
        assert_eq!(ids, [1, 2, 3], "assessors in id order, drafts left out");
        let rel = &m.criteria[0];
        assert_eq!(rel.values, [Some(4), Some(5), Some(3)]);
        assert!(close(rel.mean.unwrap(), 4.0));
        assert_eq!(rel.spread, Some(2));
        // population sd of 4, 5, 3: sqrt((0 + 1 + 1) / 3)
        assert!(close(rel.std_dev.unwrap(), (2.0_f64 / 3.0).sqrt()));
        assert!(
            !rel.disagreement,
            "a spread of exactly 2 is not more than 2"
        );
        assert_eq!(m.criteria[2].spread, Some(0));
        assert!(close(m.criteria[2].std_dev.unwrap(), 0.0));
        // Totals: (25*4+30*4+25*4+20*4)/100 = 4; (25*5+30*3+100+80)/100 = 3.95;
        // (25*3+30*5+100+80)/100 = 4.05.
        let totals: Vec<f64> = m
            .assessors
            .iter()
            .map(|a| a.weighted_total.unwrap())
            .collect();
        assert!(close(totals[0], 4.0) && close(totals[1], 3.95) && close(totals[2], 4.05));
        assert!(close(m.mean_total.unwrap(), 4.0));
        assert!(!m.flagged());
    }

    #[test]
    fn flags_a_spread_of_more_than_two_points() {
        let r = default_rubric();
        let sheets = vec![
            sheet(1, 1, [2, 4, 3, 3], true),
            sheet(1, 2, [5, 4, 3, 3], true),
        ];
        let m = moderate_application(
            &r,
            Uuid::from_u128(1),
            &sheets,
            &ModerationSettings::default(),
        );
        assert_eq!(
            m.flags,
            [Flag::Disagreement {
                criterion_id: "relationships".into(),
                spread: 3,
                threshold: 2.0
            }]
        );
        assert!(m.criteria[0].disagreement && !m.criteria[1].disagreement);
    }

    #[test]
    fn thresholds_scale_with_the_rubric() {
        assert!(close(scaled_threshold(2.0, 1, 5), 2.0));
        assert!(close(scaled_threshold(2.0, 1, 10), 4.5));
        assert!(close(scaled_threshold(2.0, 0, 4), 2.0));
        assert!(close(scaled_threshold(1.0, 1, 3), 0.5));
        // On a 1-to-10 rubric a spread of 4 is not flagged, 5 is.
        let mut r = default_rubric();
        for c in &mut r.criteria {
            c.scale_max = 10;
            c.descriptors = (1..=10).map(|i| format!("Level {i}")).collect();
        }
        r.check().unwrap();
        let sheets = vec![
            sheet(1, 1, [1, 1, 5, 5], true),
            sheet(1, 2, [5, 6, 5, 5], true),
        ];
        let m = moderate_application(
            &r,
            Uuid::from_u128(1),
            &sheets,
            &ModerationSettings::default(),
        );
        let flagged: Vec<_> = m.criteria.iter().map(|c| c.disagreement).collect();
        assert_eq!(flagged, [false, true, false, false]);
    }

    #[test]
    fn finds_the_outlier_and_only_with_three_or_more() {
        let r = default_rubric();
        // Totals 4, 4, 2.75: the third differs from the others' mean (4) by 1.25 > 1. The
        // first differs from the mean of 4 and 2.75 (3.375) by 0.625: not an outlier.
        let sheets = vec![
            sheet(1, 1, [4, 4, 4, 4], true),
            sheet(1, 2, [4, 4, 4, 4], true),
            sheet(1, 3, [3, 3, 2, 3], true),
        ];
        let m = moderate_application(
            &r,
            Uuid::from_u128(1),
            &sheets,
            &ModerationSettings::default(),
        );
        assert!(close(m.assessors[2].weighted_total.unwrap(), 2.75));
        assert_eq!(
            m.flags,
            [Flag::Outlier {
                assessor_id: Uuid::from_u128(3),
                weighted_total: 2.75,
                others_mean: 4.0,
                threshold: 1.0
            }]
        );
        // Exactly 1 point away is not an outlier: totals 4, 4, 3.
        let sheets = vec![
            sheet(1, 1, [4, 4, 4, 4], true),
            sheet(1, 2, [4, 4, 4, 4], true),
            sheet(1, 3, [3, 3, 3, 3], true),
        ];
        let m = moderate_application(
            &r,
            Uuid::from_u128(1),
            &sheets,
            &ModerationSettings::default(),
        );
        assert!(!m.flagged());
        // Two assessors far apart: disagreement flags, never an outlier.
        let sheets = vec![
            sheet(1, 1, [5, 5, 5, 5], true),
            sheet(1, 2, [2, 2, 2, 2], true),
        ];
        let m = moderate_application(
            &r,
            Uuid::from_u128(1),
            &sheets,
            &ModerationSettings::default(),
        );
        assert_eq!(m.flags.len(), 4);
        assert!(m
            .flags
            .iter()
            .all(|f| matches!(f, Flag::Disagreement { .. })));
    }

    #[test]
    fn round_report_counts_flags_and_measures_agreement() {
        let r = default_rubric();
        let settings = ModerationSettings::default();
        // Perfect agreement with variation across units: alpha is 1.
        let sheets = vec![
            sheet(1, 1, [4, 4, 3, 2], true),
            sheet(1, 2, [4, 4, 3, 2], true),
            sheet(2, 1, [1, 2, 5, 5], true),
            sheet(2, 2, [1, 2, 5, 5], true),
        ];
        let rep = moderation_report(&r, &sheets, &settings);
        assert_eq!(rep.applications.len(), 2);
        assert_eq!(rep.flagged, 0);
        assert!(close(rep.alpha.value().unwrap(), 1.0));
        assert_eq!(rep.reading, AgreementReading::Strong);
        // Every score the same: alpha is undefined, not NaN.
        let same = vec![
            sheet(1, 1, [3, 3, 3, 3], true),
            sheet(1, 2, [3, 3, 3, 3], true),
        ];
        let rep = moderation_report(&r, &same, &settings);
        assert_eq!(
            rep.alpha,
            Alpha::Undefined {
                reason: Undefined::NoVariation
            }
        );
        assert_eq!(rep.reading, AgreementReading::CannotBeMeasured);
        // Drafts only: nothing to report.
        let rep = moderation_report(&r, &[sheet(1, 1, [3, 3, 3, 3], false)], &settings);
        assert!(rep.applications.is_empty());
        assert_eq!(
            rep.alpha,
            Alpha::Undefined {
                reason: Undefined::NoPairableValues
            }
        );
    }

    #[test]
    fn round_alpha_matches_a_hand_computed_value() {
        // One criterion rubric, two applications x two assessors: units (1,2) and (4,5),
        // interval alpha 0.85 (worked in alpha.rs).
        let mut r = default_rubric();
        r.criteria.truncate(1);
        let one = |app: u128, who: u128, v: u8| ScoreSheet {
            application_id: Uuid::from_u128(app),
            assessor_id: Uuid::from_u128(who),
            submitted: true,
            scores: vec![Score {
                criterion_id: "relationships".into(),
                value: v,
                justification: "x".into(),
            }],
        };
        let sheets = vec![one(1, 1, 1), one(1, 2, 2), one(2, 1, 4), one(2, 2, 5)];
        let rep = moderation_report(&r, &sheets, &ModerationSettings::default());
        assert!(close(rep.alpha.value().unwrap(), 0.85));
        assert_eq!(rep.reading, AgreementReading::Strong);
    }

    #[test]
    fn agreed_scores_need_every_criterion_and_a_note_when_flagged() {
        let r = default_rubric();
        let agreed = AgreedScores {
            application_id: Uuid::from_u128(1),
            scores: sheet(1, 0, [4, 4, 3, 3], true).scores,
            note: String::new(),
        };
        agreed.check(&r, false).unwrap();
        let err = agreed.check(&r, true).unwrap_err();
        assert_eq!(err.errors[0].field, "note");
        let partial = AgreedScores {
            scores: agreed.scores[..3].to_vec(),
            note: "Agreed after discussion".into(),
            ..agreed
        };
        assert_eq!(
            partial.check(&r, true).unwrap_err().errors[0].field,
            "reach"
        );
    }
}

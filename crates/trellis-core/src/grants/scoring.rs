//! Independent scoring: one assessor's scores for one application, weighted totals, and
//! the blind-scoring rule.
//!
//! **Blind scoring.** No one sees anyone else's scores for an application until they have
//! submitted their own. That rule is [`may_see_others_scores`], and [`visible_scores`] is
//! the one filter every read path (app, CLI, reports, and later the sync server) applies
//! to score sheets before showing or sending them.
//!
//! Roles ([`PanelRole`]):
//! - **Assessor**: a panel member who scores. Sees their own sheet (drafts included) and,
//!   once they have submitted it, the other assessors' submitted sheets for that
//!   application.
//! - **Chair**: runs the moderation meeting. Sees every submitted sheet.
//! - **Staff**: programme staff running the round. Sees every submitted sheet.
//!
//! Two rules apply to every role: someone who has declared a conflict on an application
//! never sees its scores (they stood aside), and a chair or member of staff who is
//! assigned to score an application is an assessor for that application, so they too must
//! submit before they see others. Drafts are private: only their author ever sees them.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::rubric::Rubric;
use crate::invalid::{FieldError, Invalid};

pub const JUSTIFICATION_MAX: usize = 500;
pub const REASON_MAX: usize = 1_000;

/// One criterion's score with the assessor's reason for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Score {
    pub criterion_id: String,
    pub value: u8,
    pub justification: String,
}

/// Checks scores against the rubric. A draft (`require_all = false`) may leave criteria
/// out and leave justifications blank while they are typed; a submission
/// (`require_all = true`) needs every criterion scored and justified. Either way each
/// score is on the scale, names a criterion once, and its justification is at most 500
/// characters. Field names are `<criterion id>.value` / `.justification`.
pub fn check_scores(rubric: &Rubric, scores: &[Score], require_all: bool) -> Result<(), Invalid> {
    let mut errors = Vec::new();
    for (i, s) in scores.iter().enumerate() {
        let Some(c) = rubric.criterion(&s.criterion_id) else {
            errors.push(FieldError::new(
                &format!("scores[{i}].criterion_id"),
                format!(
                    "{:?} is not a criterion of this round's rubric",
                    s.criterion_id
                ),
            ));
            continue;
        };
        if scores[..i].iter().any(|o| o.criterion_id == s.criterion_id) {
            errors.push(FieldError::new(
                &c.id,
                "this criterion is scored twice; keep one score",
            ));
            continue;
        }
        if !c.on_scale(s.value) {
            errors.push(FieldError::new(
                &format!("{}.value", c.id),
                format!("score from {} to {}", c.scale_min, c.scale_max),
            ));
        }
        let length = s.justification.trim().chars().count();
        if length > JUSTIFICATION_MAX {
            errors.push(FieldError::new(
                &format!("{}.justification", c.id),
                format!("keep it short: at most {JUSTIFICATION_MAX} characters"),
            ));
        } else if require_all && length == 0 {
            errors.push(FieldError::new(
                &format!("{}.justification", c.id),
                "say briefly why you gave this score",
            ));
        }
    }
    if require_all {
        for c in &rubric.criteria {
            if !scores.iter().any(|s| s.criterion_id == c.id) {
                errors.push(FieldError::new(
                    &c.id,
                    format!("score \"{}\" before submitting", c.title),
                ));
            }
        }
    }
    Invalid::check(errors)
}

/// A weighted total, on the rubric's scale and as a percentage of the scale's top.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct WeightedTotal {
    /// `sum(weight * score) / sum(weight)`: for a 1-to-5 rubric, between 1 and 5.
    pub on_scale: f64,
    pub scale_min: u8,
    pub scale_max: u8,
    /// `on_scale / scale_max * 100`: 4 out of 5 is 80%.
    pub percent_of_max: f64,
}

/// The weighted total of a complete set of scores, or `None` if any criterion is
/// unscored or off the scale (a draft has no total yet). Weights are relative.
pub fn weighted_total(rubric: &Rubric, scores: &[Score]) -> Option<WeightedTotal> {
    let (scale_min, scale_max) = rubric.scale()?;
    let mut sum = 0.0;
    let mut weights = 0.0;
    for c in &rubric.criteria {
        let s = scores.iter().find(|s| s.criterion_id == c.id)?;
        if !c.on_scale(s.value) {
            return None;
        }
        sum += f64::from(c.weight) * f64::from(s.value);
        weights += f64::from(c.weight);
    }
    if weights == 0.0 || scale_max == 0 {
        return None;
    }
    let on_scale = sum / weights;
    Some(WeightedTotal {
        on_scale,
        scale_min,
        scale_max,
        percent_of_max: on_scale / f64::from(scale_max) * 100.0,
    })
}

/// A submitted score changed later needs a reason; every revision is kept.
pub fn check_revision_reason(reason: &str) -> Result<(), Invalid> {
    let n = reason.trim().chars().count();
    if n == 0 {
        return Err(Invalid::one(
            "reason",
            "say why you are changing a submitted score",
        ));
    }
    if n > REASON_MAX {
        return Err(Invalid::one(
            "reason",
            format!("at most {REASON_MAX} characters"),
        ));
    }
    Ok(())
}

/// Whether someone may score an application: they must be assigned to it and must not
/// have declared a conflict with it.
pub fn may_score(assigned: bool, conflicted: bool) -> Result<(), Invalid> {
    if conflicted {
        return Err(Invalid::one(
            "assessor",
            "you declared a conflict of interest with this application, so you cannot score it",
        ));
    }
    if !assigned {
        return Err(Invalid::one(
            "assessor",
            "you are not assigned to score this application",
        ));
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum PanelRole {
    Assessor,
    Chair,
    Staff,
}

/// THE blind-scoring rule, for one viewer and one application. `viewer_role` is the
/// viewer's role *for this application*: a chair or member of staff assigned to score it
/// counts as an assessor (see [`visible_scores`]).
///
/// | conflicted | role      | submitted own | sees others' submitted scores |
/// |------------|-----------|---------------|-------------------------------|
/// | yes        | any       | any           | no                            |
/// | no         | assessor  | no            | no                            |
/// | no         | assessor  | yes           | yes                           |
/// | no         | chair     | any           | yes                           |
/// | no         | staff     | any           | yes                           |
pub fn may_see_others_scores(
    viewer_has_submitted: bool,
    viewer_is_conflicted: bool,
    viewer_role: PanelRole,
) -> bool {
    if viewer_is_conflicted {
        return false;
    }
    match viewer_role {
        PanelRole::Assessor => viewer_has_submitted,
        PanelRole::Chair | PanelRole::Staff => true,
    }
}

/// One assessor's scores for one application: a draft until `submitted`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreSheet {
    pub application_id: Uuid,
    pub assessor_id: Uuid,
    pub submitted: bool,
    pub scores: Vec<Score>,
}

/// Who is looking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub person_id: Uuid,
    pub role: PanelRole,
    /// Applications this person is assigned to score.
    pub assigned_to: Vec<Uuid>,
    /// Applications this person has declared a conflict with.
    pub conflicted_on: Vec<Uuid>,
}

/// The sheets `viewer` may see, in the order given. Every read path uses this filter.
///
/// - Their own sheets, drafts included, unless they declared a conflict on that
///   application (a conflicted person's sheet is not shown even to them).
/// - Someone else's sheet only when it is submitted and [`may_see_others_scores`] allows
///   it for that application. Other people's drafts are never shown.
pub fn visible_scores<'a>(viewer: &Viewer, sheets: &'a [ScoreSheet]) -> Vec<&'a ScoreSheet> {
    let conflicted: HashSet<Uuid> = viewer.conflicted_on.iter().copied().collect();
    let mut scoring: HashSet<Uuid> = viewer.assigned_to.iter().copied().collect();
    let mut submitted = HashSet::new();
    for s in sheets.iter().filter(|s| s.assessor_id == viewer.person_id) {
        scoring.insert(s.application_id);
        if s.submitted {
            submitted.insert(s.application_id);
        }
    }
    sheets
        .iter()
        .filter(|s| {
            let app = s.application_id;
            if conflicted.contains(&app) {
                return false;
            }
            if s.assessor_id == viewer.person_id {
                return true;
            }
            let role = if scoring.contains(&app) {
                PanelRole::Assessor
            } else {
                viewer.role
            };
            s.submitted && may_see_others_scores(submitted.contains(&app), false, role)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grants::rubric::default_rubric;

    fn score(id: &str, value: u8) -> Score {
        Score {
            criterion_id: id.into(),
            value,
            justification: format!("Reason for {value}"),
        }
    }

    fn full(values: [u8; 4]) -> Vec<Score> {
        ["relationships", "need", "plan", "reach"]
            .iter()
            .zip(values)
            .map(|(id, v)| score(id, v))
            .collect()
    }

    #[test]
    fn weighted_total_by_hand() {
        let r = default_rubric(); // weights 25, 30, 25, 20
                                  // (25*4 + 30*5 + 25*3 + 20*2) / 100 = (100 + 150 + 75 + 40) / 100 = 3.65
        let t = weighted_total(&r, &full([4, 5, 3, 2])).unwrap();
        assert!((t.on_scale - 3.65).abs() < 1e-12);
        assert!((t.percent_of_max - 73.0).abs() < 1e-9);
        assert_eq!((t.scale_min, t.scale_max), (1, 5));
        // Weights are relative: doubling every weight changes nothing.
        let mut double = r.clone();
        for c in &mut double.criteria {
            c.weight *= 2;
        }
        let t2 = weighted_total(&double, &full([4, 5, 3, 2])).unwrap();
        assert!((t2.on_scale - 3.65).abs() < 1e-12);
        // Order of scores does not matter.
        let mut rev = full([4, 5, 3, 2]);
        rev.reverse();
        assert_eq!(weighted_total(&r, &rev), Some(t));
        // An unequal weighting matters: all 5s on the heaviest criterion only.
        let t = weighted_total(&r, &full([1, 5, 1, 1])).unwrap();
        assert!((t.on_scale - 2.2).abs() < 1e-12);
    }

    #[test]
    fn a_draft_has_no_total() {
        let r = default_rubric();
        let mut s = full([4, 5, 3, 2]);
        s.pop();
        assert_eq!(weighted_total(&r, &s), None);
        assert_eq!(weighted_total(&r, &full([4, 5, 3, 6])), None);
    }

    #[test]
    fn drafts_may_be_partial_submissions_may_not() {
        let r = default_rubric();
        let mut draft = vec![score("need", 4)];
        draft[0].justification = String::new();
        check_scores(&r, &draft, false).unwrap();
        let err = check_scores(&r, &draft, true).unwrap_err();
        let fields: Vec<_> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["need.justification", "relationships", "plan", "reach"]
        );
        check_scores(&r, &full([1, 5, 3, 2]), true).unwrap();
    }

    #[test]
    fn scores_are_on_the_scale_named_once_and_short() {
        let r = default_rubric();
        let mut s = full([0, 6, 3, 2]);
        s.push(score("plan", 4));
        s.push(score("impact", 3));
        s[3].justification = "x".repeat(501);
        let err = check_scores(&r, &s, false).unwrap_err();
        let fields: Vec<_> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "relationships.value",
                "need.value",
                "reach.justification",
                "plan",
                "scores[5].criterion_id"
            ]
        );
        let mut ok = full([1, 2, 3, 4]);
        ok[0].justification = "x".repeat(500);
        check_scores(&r, &ok, true).unwrap();
    }

    #[test]
    fn revisions_need_a_reason_and_conflicts_block_scoring() {
        assert!(check_revision_reason("  ").is_err());
        check_revision_reason("Misread the budget line").unwrap();
        assert!(may_score(true, true).is_err());
        assert!(may_score(false, false).is_err());
        may_score(true, false).unwrap();
    }

    #[test]
    fn blind_scoring_table() {
        use PanelRole::*;
        let table = [
            (false, false, Assessor, false),
            (true, false, Assessor, true),
            (false, true, Assessor, false),
            (true, true, Assessor, false),
            (false, false, Chair, true),
            (true, false, Chair, true),
            (false, true, Chair, false),
            (true, true, Chair, false),
            (false, false, Staff, true),
            (true, false, Staff, true),
            (false, true, Staff, false),
            (true, true, Staff, false),
        ];
        for (submitted, conflicted, role, want) in table {
            assert_eq!(
                may_see_others_scores(submitted, conflicted, role),
                want,
                "{submitted} {conflicted} {role:?}"
            );
        }
    }

    fn sheet(app: Uuid, who: Uuid, submitted: bool) -> ScoreSheet {
        ScoreSheet {
            application_id: app,
            assessor_id: who,
            submitted,
            scores: full([3, 3, 3, 3]),
        }
    }

    #[test]
    fn visible_scores_filters_every_case() {
        let (a1, a2) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let (ann, ben, cat, chair) = (
            Uuid::from_u128(10),
            Uuid::from_u128(11),
            Uuid::from_u128(12),
            Uuid::from_u128(13),
        );
        let sheets = vec![
            sheet(a1, ann, true),    // 0
            sheet(a1, ben, false),   // 1: Ben's draft
            sheet(a1, cat, true),    // 2
            sheet(a2, ann, false),   // 3: Ann's draft on a2
            sheet(a2, cat, true),    // 4
            sheet(a2, chair, false), // 5: the chair also scores a2
        ];
        let idx = |v: Vec<&ScoreSheet>| -> Vec<usize> {
            v.into_iter()
                .map(|s| sheets.iter().position(|x| std::ptr::eq(x, s)).unwrap())
                .collect()
        };
        let viewer = |id, role, assigned: Vec<Uuid>, conflicted: Vec<Uuid>| Viewer {
            person_id: id,
            role,
            assigned_to: assigned,
            conflicted_on: conflicted,
        };
        // Ann submitted a1: sees Cat's submitted a1 sheet, not Ben's draft. On a2 she has
        // only a draft: she sees her own draft and nothing else.
        let ann_v = viewer(ann, PanelRole::Assessor, vec![a1, a2], vec![]);
        assert_eq!(idx(visible_scores(&ann_v, &sheets)), [0, 2, 3]);
        // Ben has not submitted a1: only his own draft.
        let ben_v = viewer(ben, PanelRole::Assessor, vec![a1], vec![]);
        assert_eq!(idx(visible_scores(&ben_v, &sheets)), [1]);
        // An assessor with no sheet and no assignment sees nothing.
        let dan_v = viewer(Uuid::from_u128(14), PanelRole::Assessor, vec![], vec![]);
        assert!(visible_scores(&dan_v, &sheets).is_empty());
        // Staff see every submitted sheet, never a draft.
        let staff_v = viewer(Uuid::from_u128(15), PanelRole::Staff, vec![], vec![]);
        assert_eq!(idx(visible_scores(&staff_v, &sheets)), [0, 2, 4]);
        // Staff conflicted on a2 see nothing of a2.
        let staff_c = viewer(Uuid::from_u128(15), PanelRole::Staff, vec![], vec![a2]);
        assert_eq!(idx(visible_scores(&staff_c, &sheets)), [0, 2]);
        // The chair scores a2 and has not submitted: blind on a2, sees all of a1.
        let chair_v = viewer(chair, PanelRole::Chair, vec![a2], vec![]);
        assert_eq!(idx(visible_scores(&chair_v, &sheets)), [0, 2, 5]);
        // Assigned but not yet started still counts as scoring.
        let chair_a = viewer(Uuid::from_u128(16), PanelRole::Chair, vec![a1], vec![]);
        assert_eq!(idx(visible_scores(&chair_a, &sheets)), [4]);
        // Cat declares a conflict on a1 after submitting: a1 is hidden, even her own sheet.
        let cat_v = viewer(cat, PanelRole::Assessor, vec![a1, a2], vec![a1]);
        assert_eq!(idx(visible_scores(&cat_v, &sheets)), [4]);
    }
}

//! The rubric: the few criteria applications are scored against.
//!
//! Each criterion has a **weight**, a **scale** (for example 1 to 5) with one plain-English
//! descriptor per level, and guidance for assessors. Weights are relative: a criterion's
//! share of the total is its weight divided by the sum of all weights, so 30/30/20/20 and
//! 3/3/2/2 mean the same. Every criterion in a rubric uses the same scale, so a weighted
//! total reads on that scale ("3.6 out of 5").
//!
//! The JSON used by `trellis rubric import|export` is exactly the serde form of [`Rubric`].

use serde::{Deserialize, Serialize};

use crate::invalid::{FieldError, Invalid};

pub const CRITERIA_MAX: usize = 10;
pub const ID_MAX: usize = 40;
pub const TITLE_MAX: usize = 120;
pub const DESCRIPTOR_MAX: usize = 300;
pub const GUIDANCE_MAX: usize = 2_000;
pub const WEIGHT_MAX: u32 = 1_000;
pub const SCALE_TOP: u8 = 10;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Rubric {
    pub criteria: Vec<Criterion>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    /// A short stable name, lower-case letters, digits and hyphens ("need", "plan").
    pub id: String,
    pub title: String,
    /// Relative weight, 1 to 1,000; normalised by the sum of all weights.
    pub weight: u32,
    pub scale_min: u8,
    pub scale_max: u8,
    /// One descriptor per level, lowest first: `scale_max - scale_min + 1` of them.
    pub descriptors: Vec<String>,
    #[serde(default)]
    pub guidance: String,
}

impl Criterion {
    /// The descriptor for a score, if the score is on the scale.
    pub fn descriptor(&self, value: u8) -> Option<&str> {
        if value < self.scale_min {
            return None;
        }
        self.descriptors
            .get(usize::from(value - self.scale_min))
            .map(String::as_str)
    }

    pub fn on_scale(&self, value: u8) -> bool {
        (self.scale_min..=self.scale_max).contains(&value)
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= ID_MAX
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.starts_with('-')
        && !id.ends_with('-')
}

impl Rubric {
    /// The rubric in normal form (texts trimmed), or every problem, each named by its place:
    /// `criteria[1].weight`, `criteria[0].descriptors[2]`.
    pub fn normalised(&self) -> Result<Rubric, Invalid> {
        let mut errors = Vec::new();
        if self.criteria.is_empty() {
            errors.push(FieldError::new("criteria", "add at least one criterion"));
        } else if self.criteria.len() > CRITERIA_MAX {
            errors.push(FieldError::new(
                "criteria",
                format!("keep the rubric short: at most {CRITERIA_MAX} criteria"),
            ));
        }
        let mut criteria = Vec::with_capacity(self.criteria.len());
        let first_scale = self.criteria.first().map(|c| (c.scale_min, c.scale_max));
        for (i, c) in self.criteria.iter().enumerate() {
            let at = |f: &str| format!("criteria[{i}].{f}");
            let id = c.id.trim().to_string();
            if !valid_id(&id) {
                errors.push(FieldError::new(
                    &at("id"),
                    format!(
                        "{id:?}: use 1 to {ID_MAX} lower-case letters, digits and hyphens, for example \"need\""
                    ),
                ));
            } else if self.criteria[..i].iter().any(|o| o.id.trim() == id) {
                errors.push(FieldError::new(
                    &at("id"),
                    format!("{id:?} is used by another criterion; each id must be different"),
                ));
            }
            let title = super::text(
                &at("title"),
                &c.title,
                TITLE_MAX,
                Some("give the criterion a title"),
                &mut errors,
            );
            if c.weight == 0 || c.weight > WEIGHT_MAX {
                errors.push(FieldError::new(
                    &at("weight"),
                    format!("a weight is a whole number from 1 to {WEIGHT_MAX}"),
                ));
            }
            let scale_ok = c.scale_min < c.scale_max && c.scale_max <= SCALE_TOP;
            if !scale_ok {
                errors.push(FieldError::new(
                    &at("scale_max"),
                    format!(
                        "the scale must run upwards within 0 to {SCALE_TOP}, for example 1 to 5; got {} to {}",
                        c.scale_min, c.scale_max
                    ),
                ));
            } else if let Some((min, max)) = first_scale {
                if (c.scale_min, c.scale_max) != (min, max) {
                    errors.push(FieldError::new(
                        &at("scale_max"),
                        format!(
                            "every criterion uses the same scale as the first ({min} to {max})"
                        ),
                    ));
                }
            }
            let descriptors: Vec<String> = c
                .descriptors
                .iter()
                .enumerate()
                .map(|(j, d)| {
                    super::text(
                        &format!("criteria[{i}].descriptors[{j}]"),
                        d,
                        DESCRIPTOR_MAX,
                        Some("describe this level in plain English"),
                        &mut errors,
                    )
                })
                .collect();
            if scale_ok {
                let levels = usize::from(c.scale_max - c.scale_min) + 1;
                if descriptors.len() != levels {
                    errors.push(FieldError::new(
                        &at("descriptors"),
                        format!(
                            "give one descriptor per level: {levels} for {} to {}, found {}",
                            c.scale_min,
                            c.scale_max,
                            descriptors.len()
                        ),
                    ));
                }
            }
            let guidance = super::text(
                &at("guidance"),
                &c.guidance,
                GUIDANCE_MAX,
                None,
                &mut errors,
            );
            criteria.push(Criterion {
                id,
                title,
                weight: c.weight,
                scale_min: c.scale_min,
                scale_max: c.scale_max,
                descriptors,
                guidance,
            });
        }
        Invalid::check(errors)?;
        Ok(Rubric { criteria })
    }

    /// Re-checks a rubric that arrived already normalised.
    pub fn check(&self) -> Result<(), Invalid> {
        if self.normalised()? != *self {
            return Err(Invalid::one(
                "rubric",
                "rubric is not in normal form (trimmed text)",
            ));
        }
        Ok(())
    }

    /// Reads a rubric from its JSON form and checks it.
    pub fn from_json(text: &str) -> Result<Rubric, Invalid> {
        let parsed: Rubric = serde_json::from_str(text).map_err(|e| {
            Invalid::one(
                "rubric",
                format!(
                    "not a rubric file: {e}. A rubric is {{\"criteria\": [{{\"id\", \"title\", \"weight\", \"scale_min\", \"scale_max\", \"descriptors\", \"guidance\"}}]}}"
                ),
            )
        })?;
        parsed.normalised()
    }

    pub fn to_json(&self) -> String {
        // A Rubric is plain strings and numbers, which serde_json always serialises.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    pub fn criterion(&self, id: &str) -> Option<&Criterion> {
        self.criteria.iter().find(|c| c.id == id)
    }

    /// The shared scale (min, max). A checked rubric has one; `None` only when empty.
    pub fn scale(&self) -> Option<(u8, u8)> {
        self.criteria.first().map(|c| (c.scale_min, c.scale_max))
    }

    pub fn total_weight(&self) -> u64 {
        self.criteria.iter().map(|c| u64::from(c.weight)).sum()
    }
}

/// The default rubric, built on the programme's four principles, scored 1 to 5.
pub fn default_rubric() -> Rubric {
    fn criterion(
        id: &str,
        title: &str,
        weight: u32,
        descriptors: [&str; 5],
        guidance: &str,
    ) -> Criterion {
        Criterion {
            id: id.into(),
            title: title.into(),
            weight,
            scale_min: 1,
            scale_max: 5,
            descriptors: descriptors.iter().map(|d| d.to_string()).collect(),
            guidance: guidance.into(),
        }
    }
    Rubric {
        criteria: vec![
            criterion(
                "relationships",
                "Trusting relationships with the communities served",
                25,
                [
                    "The application does not show any link with the communities it wants to serve.",
                    "There is some contact with the communities, but it is new or occasional.",
                    "The organisation knows the communities and has worked with them before.",
                    "People from the communities trust the organisation and use its services regularly.",
                    "The communities helped shape this work and trust the organisation to lead it.",
                ],
                "Look for signs that people already come to this group and would recommend it. Letters, numbers and stories all count. Do not mark down a group for writing little.",
            ),
            criterion(
                "need",
                "A need the community has identified",
                30,
                [
                    "The need is not described, or it does not fit the topic of this round.",
                    "The need is described, but it is not clear who says it matters.",
                    "The need fits the topic and some people affected have said it matters.",
                    "People affected named this need themselves, and the application explains how we know.",
                    "The need comes clearly from the community, in their own words, and fits the topic well.",
                ],
                "Score whether the people affected named the need, not how well it is written. Evidence from forums, conversations or recordings counts as much as statistics.",
            ),
            criterion(
                "plan",
                "A clear, simple plan for the money, with realistic outcomes",
                25,
                [
                    "It is not clear what the money would be spent on.",
                    "The spending is described, but the plan or the outcomes are unrealistic.",
                    "The plan is clear enough and most outcomes are realistic for the amount.",
                    "The plan is clear, the costs make sense, and the outcomes are realistic.",
                    "The plan is simple and clear, costs are sensible, and success would be easy to see.",
                ],
                "Core costs such as rent, salaries and running costs are a good use of the money. A short plan can score 5.",
            ),
            criterion(
                "reach",
                "A small organisation reaching the communities this round is for",
                20,
                [
                    "The organisation is unlikely to reach the communities this round is for.",
                    "The organisation may reach some of these communities, but not many.",
                    "The organisation reaches some of these communities already.",
                    "The organisation is small and reaches these communities well.",
                    "The organisation is small, led by people from these communities, and reaches people others miss.",
                ],
                "This round gives priority to small groups led by the communities they serve. Think about who would be missed if this group were not funded.",
            ),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_rubric_is_valid_and_plain() {
        let r = default_rubric();
        r.check().unwrap();
        assert_eq!(r.criteria.len(), 4);
        assert_eq!(r.total_weight(), 100);
        assert_eq!(r.scale(), Some((1, 5)));
        for c in &r.criteria {
            for d in c.descriptors.iter().chain(std::iter::once(&c.guidance)) {
                for sentence in d.split(". ") {
                    let words = sentence.split_whitespace().count();
                    assert!(words <= 25, "{words} words: {sentence}");
                }
            }
        }
        assert_eq!(
            r.criterion("need").and_then(|c| c.descriptor(1)),
            Some("The need is not described, or it does not fit the topic of this round.")
        );
        assert_eq!(r.criteria[0].descriptor(0), None);
        assert_eq!(r.criteria[0].descriptor(6), None);
    }

    #[test]
    fn json_round_trips() {
        let r = default_rubric();
        assert_eq!(Rubric::from_json(&r.to_json()).unwrap(), r);
    }

    #[test]
    fn from_json_explains_a_wrong_shape() {
        let err = Rubric::from_json("{\"criterias\": []}").unwrap_err();
        assert_eq!(err.errors[0].field, "rubric");
        assert!(err.errors[0].message.contains("criterias"));
        assert!(Rubric::from_json("not json").is_err());
    }

    #[test]
    fn names_each_problem() {
        let mut r = default_rubric();
        r.criteria[1].id = "relationships".into();
        r.criteria[0].weight = 0;
        r.criteria[2].descriptors.pop();
        r.criteria[3].scale_max = 4;
        r.criteria[3].descriptors.pop();
        r.criteria[0].title = "  ".into();
        let err = r.normalised().unwrap_err();
        let fields: Vec<_> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "criteria[0].title",
                "criteria[0].weight",
                "criteria[1].id",
                "criteria[2].descriptors",
                "criteria[3].scale_max"
            ]
        );
        assert!(err.errors[3].message.contains("5 for 1 to 5, found 4"));
    }

    #[test]
    fn refuses_bad_scales_ids_and_empty_rubrics() {
        let mut r = default_rubric();
        r.criteria.truncate(1);
        r.criteria[0].scale_min = 5;
        r.criteria[0].scale_max = 5;
        r.criteria[0].id = "Need Now".into();
        let err = r.normalised().unwrap_err();
        let fields: Vec<_> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["criteria[0].id", "criteria[0].scale_max"]);
        let mut r = default_rubric();
        r.criteria[0].scale_max = 11;
        assert!(r.normalised().is_err());
        assert!(Rubric { criteria: vec![] }.normalised().is_err());
    }

    #[test]
    fn normalises_text_and_check_refuses_untrimmed() {
        let mut r = default_rubric();
        r.criteria[0].title = " Trust ".into();
        assert_eq!(r.normalised().unwrap().criteria[0].title, "Trust");
        assert!(r.check().is_err());
    }
}

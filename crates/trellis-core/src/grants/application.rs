//! Applications in any format (principle 3): written answers, an audio or video recording,
//! a conversation written up by staff, or a mix. Also the bid-writing support an
//! organisation received and references to attached files (the store keeps the bytes).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::round::RoundFields;
use super::{normal_text, parse_date, parse_pounds, text};
use crate::invalid::{FieldError, Invalid};

pub const ANSWER_MAX: usize = 10_000;
pub const SUMMARY_MAX: usize = 2_000;
pub const SUPPORT_KIND_MAX: usize = 200;
pub const BY_MAX: usize = 200;
pub const FILE_NAME_MAX: usize = 255;
pub const MEDIA_TYPE_MAX: usize = 127;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Written,
    Audio,
    Video,
    /// A conversation with staff, written up by them.
    Conversation,
}

impl Format {
    pub const ALL: [Format; 4] = [
        Format::Written,
        Format::Audio,
        Format::Video,
        Format::Conversation,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Format::Written => "written",
            Format::Audio => "audio",
            Format::Video => "video",
            Format::Conversation => "conversation",
        }
    }

    pub fn parse(raw: &str) -> Result<Format, String> {
        let raw = raw.trim().to_ascii_lowercase();
        Format::ALL
            .into_iter()
            .find(|f| f.code() == raw)
            .ok_or_else(|| {
                format!("{raw:?} is not a format; use written, audio, video or conversation")
            })
    }
}

/// The application form as typed by staff.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApplicationInput {
    pub round_id: String,
    pub organisation_id: String,
    pub formats: Vec<String>,
    /// Answers in the order of the round's questions; may be empty for a recording.
    pub answers: Vec<String>,
    /// What the application asks for and why, in a few lines, so every format can be
    /// read side by side.
    pub summary: String,
    pub amount_gbp: String,
    pub core_funding: bool,
    pub received_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ApplicationFields {
    pub round_id: Uuid,
    pub organisation_id: Uuid,
    /// At least one, sorted, no repeats.
    pub formats: Vec<Format>,
    pub answers: Vec<String>,
    pub summary: String,
    pub amount_gbp: u64,
    pub core_funding: bool,
    pub received_on: NaiveDate,
}

fn parse_id(field: &str, raw: &str, message: &str, errors: &mut Vec<FieldError>) -> Option<Uuid> {
    Uuid::parse_str(raw.trim())
        .map_err(|_| errors.push(FieldError::new(field, message)))
        .ok()
}

/// Checks an application as typed against its round. `extension_until` is this
/// applicant's agreed extension, if any: an application received after the closing date
/// is accepted up to that day.
pub fn validate(
    input: &ApplicationInput,
    round: &RoundFields,
    extension_until: Option<NaiveDate>,
) -> Result<ApplicationFields, Invalid> {
    let mut errors = Vec::new();
    let round_id = parse_id(
        "round_id",
        &input.round_id,
        "choose the funding round",
        &mut errors,
    );
    let organisation_id = parse_id(
        "organisation_id",
        &input.organisation_id,
        "choose the organisation applying, or add it to the directory first",
        &mut errors,
    );
    let mut formats = Vec::new();
    for raw in input.formats.iter().filter(|f| !f.trim().is_empty()) {
        match Format::parse(raw) {
            Ok(f) => formats.push(f),
            Err(m) => errors.push(FieldError::new("formats", m)),
        }
    }
    formats.sort_unstable();
    formats.dedup();
    let answers: Vec<String> = input.answers.iter().map(|a| a.trim().to_string()).collect();
    // Trailing blank answers carry nothing; inner blanks keep answers beside their questions.
    let keep = answers
        .iter()
        .rposition(|a| !a.is_empty())
        .map_or(0, |i| i + 1);
    let answers = answers[..keep].to_vec();
    let summary = text(
        "summary",
        &input.summary,
        SUMMARY_MAX,
        Some("summarise what the application asks for, so the panel can read every format side by side"),
        &mut errors,
    );
    let amount_gbp = parse_pounds("amount_gbp", &input.amount_gbp, &mut errors);
    let received_on = parse_date("received_on", &input.received_on, &mut errors);
    let (Some(round_id), Some(organisation_id), Some(amount_gbp), Some(received_on)) =
        (round_id, organisation_id, amount_gbp, received_on)
    else {
        return Err(Invalid { errors });
    };
    let fields = ApplicationFields {
        round_id,
        organisation_id,
        formats,
        answers,
        summary,
        amount_gbp,
        core_funding: input.core_funding,
        received_on,
    };
    // Rules between fields, except on a field that already has a problem.
    for e in fields.rule_errors(round, extension_until) {
        if !errors.iter().any(|x| x.field == e.field) {
            errors.push(e);
        }
    }
    Invalid::check(errors)?;
    Ok(fields)
}

impl ApplicationFields {
    fn rule_errors(
        &self,
        round: &RoundFields,
        extension_until: Option<NaiveDate>,
    ) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.formats.is_empty() {
            errors.push(FieldError::new(
                "formats",
                "say how the application came in: written, audio, video or conversation (one or more)",
            ));
        }
        if self.formats == [Format::Written] && self.answers.is_empty() {
            errors.push(FieldError::new(
                "answers",
                "a written application needs at least one answer; for a recording or conversation, choose that format",
            ));
        }
        if self.answers.len() > round.questions.len() {
            errors.push(FieldError::new(
                "answers",
                format!(
                    "the round asks {} questions, but {} answers were given",
                    round.questions.len(),
                    self.answers.len()
                ),
            ));
        }
        for (i, a) in self.answers.iter().enumerate() {
            if a.chars().count() > ANSWER_MAX {
                errors.push(FieldError::new(
                    &format!("answers[{i}]"),
                    format!("an answer is at most {ANSWER_MAX} characters"),
                ));
            }
        }
        let (min, max) = (round.min_grant_gbp, round.max_grant_gbp);
        if self.amount_gbp == 0 || self.amount_gbp < min || self.amount_gbp > max {
            errors.push(FieldError::new(
                "amount_gbp",
                format!("this round gives grants from £{min} to £{max}"),
            ));
        }
        if self.core_funding && !round.core_funding_allowed {
            errors.push(FieldError::new(
                "core_funding",
                "this round does not fund core costs; untick core funding or choose another round",
            ));
        }
        if self.received_on < round.opens_on {
            errors.push(FieldError::new(
                "received_on",
                format!("the round opened on {}; check the date", round.opens_on),
            ));
        }
        let last = round.last_day(extension_until);
        if self.received_on > last {
            let message = if last == round.closes_on {
                format!(
                    "the round closed on {}; record an extension for this applicant first",
                    round.closes_on
                )
            } else {
                format!("this applicant's extension ended on {last}")
            };
            errors.push(FieldError::new("received_on", message));
        }
        errors
    }

    /// Re-checks an application that arrived already normalised.
    pub fn check(
        &self,
        round: &RoundFields,
        extension_until: Option<NaiveDate>,
    ) -> Result<(), Invalid> {
        let mut errors = self.rule_errors(round, extension_until);
        if !self.formats.windows(2).all(|w| w[0] < w[1]) {
            errors.push(FieldError::new("formats", "must be sorted without repeats"));
        }
        if !normal_text(&self.summary, 1, SUMMARY_MAX) {
            errors.push(FieldError::new(
                "summary",
                "must be 1 to 2,000 trimmed characters",
            ));
        }
        if self.answers.iter().any(|a| a.trim() != a)
            || self.answers.last().is_some_and(String::is_empty)
        {
            errors.push(FieldError::new(
                "answers",
                "answers must be trimmed, with no blank answer at the end",
            ));
        }
        Invalid::check(errors)
    }
}

/// Bid-writing support an organisation received for an application.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SupportInput {
    pub application_id: String,
    pub date: String,
    pub kind: String,
    pub by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct SupportFields {
    pub application_id: Uuid,
    pub date: NaiveDate,
    /// Free text, for example "bid-writing workshop", "one-to-one", "reading a draft".
    pub kind: String,
    pub by: String,
}

/// Checks support as typed. `today` refuses future dates (support is logged once given).
pub fn validate_support(input: &SupportInput, today: NaiveDate) -> Result<SupportFields, Invalid> {
    let mut errors = Vec::new();
    let application_id = parse_id(
        "application_id",
        &input.application_id,
        "choose the application the support was for",
        &mut errors,
    );
    let date = parse_date("date", &input.date, &mut errors);
    if let Some(d) = date.filter(|d| *d > today) {
        errors.push(FieldError::new(
            "date",
            format!("{d} is in the future; log support once it has been given"),
        ));
    }
    let kind = text(
        "kind",
        &input.kind,
        SUPPORT_KIND_MAX,
        Some("say what support was given, for example \"one-to-one\" or \"reading a draft\""),
        &mut errors,
    );
    let by = text(
        "by",
        &input.by,
        BY_MAX,
        Some("say who gave the support"),
        &mut errors,
    );
    Invalid::check(errors)?;
    match (application_id, date) {
        (Some(application_id), Some(date)) => Ok(SupportFields {
            application_id,
            date,
            kind,
            by,
        }),
        _ => Err(Invalid::one("support", "incomplete support record")),
    }
}

impl SupportFields {
    /// Re-checks a support record that arrived already parsed. The future-date rule is
    /// not applied: another device's "today" may differ.
    pub fn check(&self) -> Result<(), Invalid> {
        let mut errors = Vec::new();
        if !normal_text(&self.kind, 1, SUPPORT_KIND_MAX) {
            errors.push(FieldError::new(
                "kind",
                "must be 1 to 200 trimmed characters",
            ));
        }
        if !normal_text(&self.by, 1, BY_MAX) {
            errors.push(FieldError::new("by", "must be 1 to 200 trimmed characters"));
        }
        Invalid::check(errors)
    }
}

/// A file attached to an application, named by the SHA-256 of its bytes. Storing the
/// bytes once per hash is the store's job; this is the reference and its checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct AttachmentRef {
    /// 64 lower-case hex digits.
    pub sha256: String,
    pub file_name: String,
    /// For example "audio/mpeg", "video/mp4", "application/pdf".
    pub media_type: String,
    pub size_bytes: u64,
}

impl AttachmentRef {
    pub fn check(&self) -> Result<(), Invalid> {
        let mut errors = Vec::new();
        if self.sha256.len() != 64
            || !self
                .sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            errors.push(FieldError::new(
                "sha256",
                "must be the file's SHA-256 as 64 lower-case hex digits",
            ));
        }
        let name = &self.file_name;
        if !normal_text(name, 1, FILE_NAME_MAX)
            || name.contains(['/', '\\'])
            || name.chars().any(char::is_control)
            || name == "."
            || name == ".."
        {
            errors.push(FieldError::new(
                "file_name",
                "must be a file name of 1 to 255 characters, without folders or control characters",
            ));
        }
        let valid_media = self.media_type.len() <= MEDIA_TYPE_MAX
            && self.media_type.split_once('/').is_some_and(|(t, s)| {
                let part = |p: &str| {
                    !p.is_empty()
                        && p.bytes().all(|b| {
                            b.is_ascii_lowercase()
                                || b.is_ascii_digit()
                                || b"!#$&-^_.+".contains(&b)
                        })
                };
                part(t) && part(s)
            });
        if !valid_media {
            errors.push(FieldError::new(
                "media_type",
                "must be a lower-case media type such as audio/mpeg or video/mp4",
            ));
        }
        if self.size_bytes == 0 {
            errors.push(FieldError::new("size_bytes", "the file is empty"));
        }
        Invalid::check(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grants::round;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn round(core: bool) -> RoundFields {
        round::validate(&round::RoundInput {
            title: "Round".into(),
            topic: "Topic".into(),
            budget_gbp: "50000".into(),
            min_grant_gbp: "1000".into(),
            max_grant_gbp: "10000".into(),
            core_funding_allowed: core,
            opens_on: "2027-01-10".into(),
            closes_on: "2027-02-28".into(),
            questions: vec!["Q1".into(), "Q2".into(), "Q3".into()],
            ..Default::default()
        })
        .unwrap()
    }

    fn input() -> ApplicationInput {
        ApplicationInput {
            round_id: Uuid::now_v7().to_string(),
            organisation_id: Uuid::now_v7().to_string(),
            formats: vec!["Audio".into(), "written".into(), "audio".into()],
            answers: vec![" We run a lunch club. ".into(), "".into(), " ".into()],
            summary: "Core costs for a lunch club.".into(),
            amount_gbp: "£8,000".into(),
            core_funding: true,
            received_on: "2027-02-28".into(),
        }
    }

    #[test]
    fn accepts_a_mixed_format_application() {
        let a = validate(&input(), &round(true), None).unwrap();
        assert_eq!(a.formats, [Format::Written, Format::Audio]);
        assert_eq!(a.answers, ["We run a lunch club."]);
        assert_eq!(a.amount_gbp, 8_000);
        a.check(&round(true), None).unwrap();
    }

    #[test]
    fn a_recording_needs_no_written_answers_but_written_alone_does() {
        let audio = ApplicationInput {
            formats: vec!["video".into()],
            answers: vec![],
            ..input()
        };
        validate(&audio, &round(true), None).unwrap();
        let written = ApplicationInput {
            formats: vec!["written".into()],
            answers: vec![" ".into()],
            ..input()
        };
        let err = validate(&written, &round(true), None).unwrap_err();
        assert_eq!(err.errors[0].field, "answers");
        let none = ApplicationInput {
            formats: vec![],
            ..input()
        };
        let err = validate(&none, &round(true), None).unwrap_err();
        assert_eq!(err.errors[0].field, "formats");
    }

    #[test]
    fn amount_core_funding_and_dates_follow_the_round() {
        let r = round(false);
        let bad = ApplicationInput {
            amount_gbp: "10001".into(),
            received_on: "2027-03-01".into(),
            ..input()
        };
        let err = validate(&bad, &r, None).unwrap_err();
        let fields: Vec<_> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["amount_gbp", "core_funding", "received_on"]);
        assert!(err.errors[0].message.contains("£1000 to £10000"));
        assert!(err.errors[2].message.contains("extension"));
        // Limits are inclusive.
        for amount in ["1000", "10000"] {
            let ok = ApplicationInput {
                amount_gbp: amount.into(),
                core_funding: false,
                ..input()
            };
            validate(&ok, &r, None).unwrap();
        }
        let early = ApplicationInput {
            core_funding: false,
            received_on: "2027-01-09".into(),
            ..input()
        };
        assert_eq!(
            validate(&early, &r, None).unwrap_err().errors[0].field,
            "received_on"
        );
        let too_many = ApplicationInput {
            core_funding: false,
            answers: vec!["a".into(), "b".into(), "c".into(), "d".into()],
            ..input()
        };
        assert_eq!(
            validate(&too_many, &r, None).unwrap_err().errors[0].field,
            "answers"
        );
    }

    #[test]
    fn an_extension_lets_a_late_application_in_up_to_its_day() {
        let r = round(true);
        let late = ApplicationInput {
            received_on: "2027-03-07".into(),
            ..input()
        };
        assert!(validate(&late, &r, None).is_err());
        validate(&late, &r, Some(d("2027-03-07"))).unwrap();
        let err = validate(&late, &r, Some(d("2027-03-06"))).unwrap_err();
        assert!(err.errors[0]
            .message
            .contains("extension ended on 2027-03-06"));
    }

    #[test]
    fn unparsable_fields_are_named() {
        let bad = ApplicationInput {
            round_id: "x".into(),
            organisation_id: "".into(),
            formats: vec!["podcast".into()],
            summary: "".into(),
            amount_gbp: "lots".into(),
            received_on: "tomorrow".into(),
            ..input()
        };
        let err = validate(&bad, &round(true), None).unwrap_err();
        let fields: Vec<_> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "round_id",
                "organisation_id",
                "formats",
                "summary",
                "amount_gbp",
                "received_on"
            ]
        );
    }

    #[test]
    fn check_refuses_unnormalised_records() {
        let r = round(true);
        let mut a = validate(&input(), &r, None).unwrap();
        a.formats = vec![Format::Audio, Format::Written];
        a.summary = " x".into();
        let err = a.check(&r, None).unwrap_err();
        let fields: Vec<_> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["formats", "summary"]);
    }

    #[test]
    fn support_is_checked() {
        let today = d("2027-02-01");
        let ok = SupportInput {
            application_id: Uuid::now_v7().to_string(),
            date: "2027-01-20".into(),
            kind: " reading a draft ".into(),
            by: "Amara".into(),
        };
        let s = validate_support(&ok, today).unwrap();
        assert_eq!(s.kind, "reading a draft");
        s.check().unwrap();
        let bad = SupportInput {
            date: "2027-02-02".into(),
            kind: "x".repeat(201),
            by: "".into(),
            ..ok
        };
        let err = validate_support(&bad, today).unwrap_err();
        let fields: Vec<_> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["date", "kind", "by"]);
    }

    #[test]
    fn attachment_references_are_checked() {
        let good = AttachmentRef {
            sha256: "a".repeat(64),
            file_name: "interview.mp4".into(),
            media_type: "video/mp4".into(),
            size_bytes: 200 * 1024 * 1024,
        };
        good.check().unwrap();
        let bad = AttachmentRef {
            sha256: "A".repeat(64),
            file_name: "../etc/passwd".into(),
            media_type: "video".into(),
            size_bytes: 0,
        };
        let err = bad.check().unwrap_err();
        let fields: Vec<_> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["sha256", "file_name", "media_type", "size_bytes"]);
        let short = AttachmentRef {
            sha256: "a".repeat(63),
            ..good
        };
        assert!(short.check().is_err());
    }
}

use uuid::Uuid;

use super::*;
use crate::grants::rubric::default_rubric;
use crate::grants::scoring::Score;

fn facts(outcome: Outcome, values: [u8; 4]) -> LetterFacts {
    let rubric = default_rubric();
    let app = Uuid::from_u128(7);
    LetterFacts {
        organisation: "Łączy Nas".into(),
        address: vec!["12 Ọ̀ṣun Street".into(), "Leeds".into(), "LS1 1AA".into()],
        contact: None,
        round: "Interpreting 2027".into(),
        programme: "Leeds ARC".into(),
        decision: Decision {
            application_id: app,
            outcome,
            reasons: "Strong links with the families it serves.".into(),
        },
        agreed: Some(AgreedScores {
            application_id: app,
            scores: rubric
                .criteria
                .iter()
                .zip(values)
                .map(|(c, v)| Score {
                    criterion_id: c.id.clone(),
                    value: v,
                    justification: format!("Comment on {}.", c.id),
                })
                .collect(),
            note: String::new(),
        }),
        rubric,
        sign_off: "Amara Okafor, Grants Officer".into(),
    }
}

#[test]
fn default_templates_are_valid_and_plain() {
    for kind in OutcomeKind::ALL {
        let t = default_template(kind);
        check_template(&t).unwrap();
        assert!(
            template_warnings(&t).is_empty(),
            "{kind:?}: {:?}",
            template_warnings(&t)
        );
        let all = serde_json::to_string(&t).unwrap();
        assert!(all.contains("{criteria}") && all.contains("{support_offer}"));
    }
    let not_funded = default_template(OutcomeKind::NotFunded);
    assert!(not_funded.support_offer.contains("help with writing bids"));
    assert!(not_funded.support_offer.contains("apply again"));
}

#[test]
fn unknown_placeholder_is_refused_naming_it_and_the_section() {
    let mut t = default_template(OutcomeKind::Funded);
    t.paragraphs[1] = "Your {unknown} grant.".into();
    let err = check_template(&t).unwrap_err();
    assert_eq!(err.errors[0].field, "paragraphs[1]");
    assert!(err.errors[0].message.contains("{unknown}"), "{err:?}");
    let mut t = default_template(OutcomeKind::Funded);
    t.subject = "About {criteria}".into();
    assert_eq!(check_template(&t).unwrap_err().errors[0].field, "subject");
}

#[test]
fn long_sentences_are_found_with_their_word_counts() {
    let long = "This sentence goes on and on and on and on and on and on and on and on and on and on and on and never stops.";
    let text = format!("Short one. {long} Another short one!");
    let found = long_sentences(&text);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, long);
    assert_eq!(found[0].1, long.split_whitespace().count());
    assert!(long_sentences("Grants of £1.5k. Fine.").is_empty());
}

#[test]
fn funded_draft_has_amount_reasons_and_each_criterion_in_words() {
    let f = facts(
        Outcome::Funded {
            amount_gbp: 12_500,
            conditions: "Send us a short report in a year.".into(),
        },
        [4, 5, 3, 4],
    );
    let letter = draft_letter(&default_template(OutcomeKind::Funded), &f).unwrap();
    assert_eq!(letter.recipient[0], "Łączy Nas");
    assert_eq!(letter.recipient.len(), 4);
    assert_eq!(letter.salutation, "Dear colleagues at Łączy Nas,");
    let body = letter.paragraphs.join("\n");
    assert!(
        body.contains("£12,500") && body.contains("Strong links"),
        "{body}"
    );
    assert!(body.contains("Send us a short report"));
    assert_eq!(letter.criteria.len(), 4);
    let rubric = default_rubric();
    for (row, (c, v)) in letter
        .criteria
        .iter()
        .zip(rubric.criteria.iter().zip([4u8, 5, 3, 4]))
    {
        assert_eq!(row.criterion, c.title);
        assert_eq!(row.score_words, c.descriptor(v).unwrap());
        assert_eq!(row.comments, format!("Comment on {}.", c.id));
    }
    let closing = letter.closing_paragraphs.join("\n");
    assert!(
        closing.contains("strongest areas were: a need the community"),
        "{closing}"
    );
    assert!(
        closing.contains("more about: a clear, simple plan"),
        "{closing}"
    );
    assert!(letter
        .sign_off
        .contains(&"Amara Okafor, Grants Officer".to_string()));
    assert_eq!(letter.footer, "Leeds ARC: Interpreting 2027");
    assert!(letter.long_sentences().is_empty());
}

#[test]
fn not_funded_draft_offers_support_and_drops_empty_conditions() {
    let f = facts(Outcome::NotFunded, [2, 3, 2, 3]);
    let letter = draft_letter(&default_template(OutcomeKind::NotFunded), &f).unwrap();
    let all = [letter.paragraphs.clone(), letter.closing_paragraphs.clone()]
        .concat()
        .join("\n");
    assert!(all.contains("cannot fund Łączy Nas"));
    assert!(all.contains("help with writing bids"));
    assert!(!all.contains('{'), "{all}");
    let f = facts(
        Outcome::Funded {
            amount_gbp: 900,
            conditions: String::new(),
        },
        [4, 4, 4, 4],
    );
    let letter = draft_letter(&default_template(OutcomeKind::Funded), &f).unwrap();
    assert!(!letter.paragraphs.iter().any(|p| p.contains("conditions")));
}

#[test]
fn values_are_filled_once_and_contact_is_used_when_named() {
    let mut f = facts(Outcome::Waitlisted, [3, 3, 3, 3]);
    f.organisation = "The {round} Group".into();
    f.contact = Some("Ms Adébáyọ̀".into());
    let letter = draft_letter(&default_template(OutcomeKind::Waitlisted), &f).unwrap();
    assert_eq!(letter.recipient[0], "The {round} Group");
    assert_eq!(letter.salutation, "Dear Ms Adébáyọ̀,");
    assert!(letter
        .paragraphs
        .iter()
        .any(|p| p.contains("put The {round} Group on our waiting list")));
}

#[test]
fn pounds_are_grouped() {
    assert_eq!(pounds(0), "£0");
    assert_eq!(pounds(999), "£999");
    assert_eq!(pounds(1_000), "£1,000");
    assert_eq!(pounds(1_234_567), "£1,234,567");
}

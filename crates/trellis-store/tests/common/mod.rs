//! What several of the store's test files set up the same way.

use trellis_core::grants::round::RoundInput;

/// A £20,000 round for interpreting at the GP, grants of £1,000 to £10,000, one question.
pub fn gp_round() -> RoundInput {
    RoundInput {
        title: "Interpreting at the GP 2027".into(),
        topic: "No interpreters at GP appointments".into(),
        budget_gbp: "20000".into(),
        min_grant_gbp: "1000".into(),
        max_grant_gbp: "10000".into(),
        opens_on: "2026-06-01".into(),
        closes_on: "2026-07-31".into(),
        questions: vec!["What will you do?".into()],
        ..Default::default()
    }
}

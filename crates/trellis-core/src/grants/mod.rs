//! Funding rounds, applications, scoring, moderation and decisions: the pure rules of
//! principle 3 (simple, flexible, transparent applications and decisions) and principle 4
//! (core funding for small organisations).
//!
//! How scores become decisions, in order:
//!
//! 1. A **round** ([`round`]) sets the budget, the grant limits and the **rubric**
//!    ([`rubric`]): a few criteria, each with a weight and a plain-English descriptor per
//!    level.
//! 2. **Applications** ([`application`]) arrive in any format and are checked against the
//!    round (amount, core funding, closing date or an extension).
//! 3. Each assessor **scores** ([`scoring`]) every criterion with a short justification. No
//!    one sees others' scores for an application until they have submitted their own
//!    ([`scoring::visible_scores`] is the one rule every read path uses).
//! 4. **Moderation** ([`moderation`]) sets the scores side by side, flags disagreement and
//!    outliers, and measures the round's agreement with Krippendorff's alpha ([`alpha`]).
//! 5. The panel agrees scores; a suggested **allocation** ([`allocation`]) funds in rank
//!    order within the budget; the panel records each **decision** ([`decision`]) with reasons,
//!    and the round's numbers are published.

pub mod alpha;

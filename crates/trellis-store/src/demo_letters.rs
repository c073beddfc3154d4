//! Demo letters: after the demo round's decisions, every decided application gets a
//! drafted and approved feedback letter (dated `today`), so
//! `trellis letters render ROUND --out DIR` on the demo database prints a full batch.
//! Everything goes through `apply`, like any other change.

use chrono::NaiveDate;
use serde_json::Value;
use trellis_core::settings;

use crate::{Store, StoreError};

impl Store {
    /// Sets the demo letterhead and sign-off, drafts a letter for every decided
    /// application of every round and approves it; returns how many letters.
    pub(crate) fn load_demo_letters(&mut self, today: NaiveDate) -> Result<usize, StoreError> {
        self.set_setting(
            settings::LETTERHEAD_ADDRESS,
            &Value::from(vec![
                "Eastbrook Council for Voluntary Service",
                "The Old Library, 12 Mill Lane",
                "Eastbrook EB1 4QT",
            ]),
        )?;
        self.set_setting(
            settings::LETTER_SIGN_OFF,
            &Value::from("Amara Okafor, Grants and Community Officer"),
        )?;
        let mut letters = 0;
        for round in self.rounds()? {
            self.draft_round_letters(round.id)?;
            for letter in self.round_letters(round.id)? {
                if letter.approved().is_none() {
                    self.approve_letter(letter.id, today)?;
                }
                letters += 1;
            }
            // One organisation has asked for large print, to show the preference.
            if let Some(first) = self.round_letters(round.id)?.first() {
                self.set_large_print(first.organisation_id, true)?;
            }
        }
        Ok(letters)
    }
}

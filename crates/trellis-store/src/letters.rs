//! Feedback letters: templates, drafts built from decisions, versions, approval, printed
//! and sent; organisations' large-print preference. Form-level writes build an operation
//! and call `apply`; reads return the letters of a round with their state.

use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use trellis_core::letter::{
    check_template, default_template, draft_letter, Delivery, LetterContent, LetterFacts,
    LetterState, OutcomeKind, Template,
};
use trellis_core::op::Operation;
use trellis_core::Invalid;
use uuid::Uuid;

use crate::cached::Cached;
use crate::decode::{decode, uuid_of};
use crate::{Store, StoreError};

/// Where a letter is: draft (latest version not approved), approved, printed or sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum LetterStatus {
    Draft,
    Approved,
    Printed,
    Sent,
}

impl LetterStatus {
    pub fn code(&self) -> &'static str {
        match self {
            LetterStatus::Draft => "draft",
            LetterStatus::Approved => "approved",
            LetterStatus::Printed => "printed",
            LetterStatus::Sent => "sent",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct LetterVersionView {
    pub version: u32,
    pub content: LetterContent,
    /// The letter's date once this version is approved.
    pub approved_on: Option<NaiveDate>,
    /// This version number was also saved with other texts on other laptops: it is never
    /// the one printed, approved or not (a later version settles it).
    pub clashed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct LetterStateView {
    pub version: u32,
    pub state: LetterState,
    pub date: NaiveDate,
    pub how: Option<Delivery>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct LetterView {
    pub id: Uuid,
    pub application_id: Uuid,
    pub organisation_id: Uuid,
    pub organisation_name: String,
    pub outcome: Option<OutcomeKind>,
    pub status: LetterStatus,
    pub large_print: bool,
    /// Oldest first; the last is the current text.
    pub versions: Vec<LetterVersionView>,
    pub states: Vec<LetterStateView>,
    /// What a person must settle before this letter is approved, printed or sent: two
    /// letters for one application, or one version saved with two texts, on two laptops
    /// offline. Empty when there is nothing to settle.
    pub conflicts: Vec<String>,
    /// Why the letter was withdrawn, if it was (kept, never printed).
    pub withdrawn: Option<String>,
}

impl LetterView {
    pub fn latest(&self) -> &LetterVersionView {
        self.versions
            .last()
            .expect("a letter has at least one version")
    }

    /// The newest approved version: what is printed. None while the letter is withdrawn
    /// or in conflict, so nothing unsettled is printed.
    pub fn approved(&self) -> Option<&LetterVersionView> {
        if self.withdrawn.is_some() || !self.conflicts.is_empty() {
            return None;
        }
        self.versions
            .iter()
            .rev()
            .find(|v| v.approved_on.is_some() && !v.clashed)
    }

    /// The fixed identifier of a version, used as its PDF's document id.
    pub fn document_id(&self, version: u32) -> String {
        format!("{}-v{version}", self.id)
    }
}

/// What drafting a round's letters did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DraftReport {
    /// (letter id, organisation name)
    pub drafted: Vec<(Uuid, String)>,
    /// Organisations whose application has no decision yet.
    pub undecided: Vec<String>,
    /// Applications that already had a letter.
    pub already: usize,
}

fn bad(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::damaged(what, e)
}

/// (organisation name, application id) for messages.
pub(crate) fn application_name(
    c: &Connection,
    application: Uuid,
) -> Result<Option<String>, StoreError> {
    Ok(c.row(
        "SELECT o.name FROM application a JOIN organisation o ON o.id = a.organisation_id WHERE a.id = ?1",
        [application.to_string()],
        |r| r.get(0),
    )
    .optional()?)
}

/// The latest version of a letter and whether it is approved.
pub(crate) fn latest_version(
    c: &Connection,
    letter: Uuid,
) -> Result<Option<(u32, bool)>, StoreError> {
    Ok(c.row(
        "SELECT version, approved_on IS NOT NULL FROM letter_version WHERE letter_id = ?1 ORDER BY version DESC LIMIT 1",
        [letter.to_string()],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?)
}

/// Why a letter was withdrawn, if it was (the earliest withdrawal by clock).
pub(crate) fn withdrawal(c: &Connection, letter: Uuid) -> Result<Option<String>, StoreError> {
    Ok(c.row(
        "SELECT reason FROM letter_withdrawal WHERE letter_id = ?1 ORDER BY hlc, device_id, id LIMIT 1",
        [letter.to_string()],
        |r| r.get(0),
    )
    .optional()?)
}

/// The application's letters that have not been withdrawn, by id.
pub(crate) fn live_letters(c: &Connection, application: Uuid) -> Result<Vec<Uuid>, StoreError> {
    let ids: Vec<String> = c
        .prepare_cached(
            "SELECT l.id FROM letter l WHERE l.application_id = ?1
             AND NOT EXISTS (SELECT 1 FROM letter_withdrawal w WHERE w.letter_id = l.id)
             ORDER BY l.id",
        )?
        .query_map([application.to_string()], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    ids.iter().map(|i| uuid_of("letter id", i)).collect()
}

/// How many other texts were saved as this version number on other laptops.
pub(crate) fn clashes(c: &Connection, letter: Uuid, version: u32) -> Result<usize, StoreError> {
    Ok(c.row(
        "SELECT count(*) FROM letter_version_clash WHERE letter_id = ?1 AND version = ?2",
        params![letter.to_string(), version],
        |r| r.get::<_, i64>(0),
    )? as usize)
}

pub(crate) fn application_of(c: &Connection, letter: Uuid) -> Result<Option<Uuid>, StoreError> {
    let raw: Option<String> = c
        .row(
            "SELECT application_id FROM letter WHERE id = ?1",
            [letter.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    raw.map(|r| uuid_of("letter application", &r)).transpose()
}

/// The reasons a person must settle before this letter is approved, printed or sent; the
/// same sentences the app and `trellis letters` show.
pub(crate) fn letter_conflicts(c: &Connection, letter: Uuid) -> Result<Vec<String>, StoreError> {
    let mut out = Vec::new();
    if withdrawal(c, letter)?.is_some() {
        return Ok(out);
    }
    if let Some(app) = application_of(c, letter)? {
        let others: Vec<String> = live_letters(c, app)?
            .into_iter()
            .filter(|l| *l != letter)
            .map(|l| l.to_string())
            .collect();
        if !others.is_empty() {
            let name = application_name(c, app)?.unwrap_or_else(|| app.to_string());
            out.push(format!(
                "{} letters were drafted for {name}'s application on different laptops (this one and {}): keep one and withdraw the other",
                others.len() + 1,
                others.join(", ")
            ));
        }
    }
    if let Some((latest, _)) = latest_version(c, letter)? {
        let n = clashes(c, letter, latest)?;
        if n > 0 {
            out.push(format!(
                "version {latest} was saved with {} different texts on different laptops: check the text, correct it if needed and save it as a new version",
                n + 1
            ));
        }
    }
    Ok(out)
}

impl Store {
    /// The template for an outcome: the stored one, else the default.
    pub fn letter_template(&self, kind: OutcomeKind) -> Result<Template, StoreError> {
        let raw: Option<String> = self
            .conn
            .query_row(
                "SELECT template FROM letter_template WHERE kind = ?1",
                [kind.code()],
                |r| r.get(0),
            )
            .optional()?;
        match raw {
            Some(r) => decode("letter template", &r),
            None => Ok(default_template(kind)),
        }
    }

    /// Saves a template; refuses an unknown placeholder, naming it and its section.
    pub fn set_letter_template(
        &mut self,
        kind: OutcomeKind,
        template: &Template,
    ) -> Result<(), StoreError> {
        check_template(template)?;
        self.apply(&Operation::LetterTemplate {
            kind,
            template: template.clone(),
        })?;
        Ok(())
    }

    /// Everything a letter for this application is drafted from; an application with
    /// no decision is refused, naming the organisation.
    pub fn letter_facts(&self, application_id: Uuid) -> Result<LetterFacts, StoreError> {
        let app = self.application(application_id)?;
        let decision = app.decision.clone().ok_or_else(|| {
            Invalid::one(
                "application_id",
                format!(
                    "{}'s application ({application_id}) has no decision yet; record the decision before drafting its letter",
                    app.organisation_name
                ),
            )
        })?;
        let round = self.round(app.round_id)?.fields;
        let org =
            crate::organisations::fields(&self.conn, app.organisation_id)?.ok_or_else(|| {
                StoreError::NotFound {
                    what: "organisation",
                    id: app.organisation_id.to_string(),
                }
            })?;
        let mut address: Vec<String> = org
            .address
            .split([',', '\n'])
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect();
        if !org.postcode.trim().is_empty() {
            address.push(org.postcode.trim().to_string());
        }
        let settings = self.settings()?;
        Ok(LetterFacts {
            organisation: app.organisation_name,
            address,
            contact: None,
            round: round.title,
            programme: settings.programme_name,
            decision,
            rubric: round.rubric,
            agreed: app.agreed,
            sign_off: settings.letter_sign_off,
        })
    }

    /// Drafts the letter for one application from its decision and agreed scores.
    pub fn draft_letter(&mut self, application_id: Uuid) -> Result<Uuid, StoreError> {
        let facts = self.letter_facts(application_id)?;
        let template = self.letter_template(OutcomeKind::of(&facts.decision.outcome))?;
        let content = draft_letter(&template, &facts)?;
        let id = Uuid::now_v7();
        self.apply(&Operation::LetterDraft {
            id,
            application_id,
            content,
        })?;
        Ok(id)
    }

    /// Drafts a letter for every decided application of the round that has none yet, all
    /// in one transaction; names the organisations still waiting for a decision.
    pub fn draft_round_letters(&mut self, round_id: Uuid) -> Result<DraftReport, StoreError> {
        let mut report = DraftReport::default();
        let mut ops = Vec::new();
        for app in self.applications(round_id)? {
            if self.letter_for_application(app.id)?.is_some() {
                report.already += 1;
                continue;
            }
            let Some(decision) = &app.decision else {
                report.undecided.push(app.organisation_name.clone());
                continue;
            };
            let facts = self.letter_facts(app.id)?;
            let template = self.letter_template(OutcomeKind::of(&decision.outcome))?;
            let content = draft_letter(&template, &facts)?;
            let id = Uuid::now_v7();
            ops.push(Operation::LetterDraft {
                id,
                application_id: app.id,
                content,
            });
            report.drafted.push((id, app.organisation_name.clone()));
        }
        if !ops.is_empty() {
            self.apply_all(&ops).map_err(|e| e.error)?;
        }
        Ok(report)
    }

    /// The application's letter (the first by id if two laptops drafted one each and
    /// neither is withdrawn yet); withdrawn letters are left out.
    pub fn letter_for_application(&self, application_id: Uuid) -> Result<Option<Uuid>, StoreError> {
        Ok(live_letters(&self.conn, application_id)?.first().copied())
    }

    /// Sets a letter aside (kept, never printed): how a person settles two letters drafted
    /// for one application on two laptops.
    pub fn withdraw_letter(
        &mut self,
        letter_id: Uuid,
        reason: &str,
        by: &str,
    ) -> Result<Uuid, StoreError> {
        let id = Uuid::now_v7();
        self.apply(&Operation::LetterWithdraw {
            id,
            letter_id,
            reason: reason.trim().to_string(),
            by: by.trim().to_string(),
        })?;
        Ok(id)
    }

    /// Saves a new version of a letter; returns its number.
    pub fn edit_letter(
        &mut self,
        letter_id: Uuid,
        content: &LetterContent,
    ) -> Result<u32, StoreError> {
        let (latest, _) =
            latest_version(&self.conn, letter_id)?.ok_or_else(|| StoreError::NotFound {
                what: "letter",
                id: letter_id.to_string(),
            })?;
        content.check()?;
        self.apply(&Operation::LetterEdit {
            letter_id,
            version: latest + 1,
            content: content.clone(),
        })?;
        Ok(latest + 1)
    }

    /// Approves the latest version, dated `date`; returns its number.
    pub fn approve_letter(&mut self, letter_id: Uuid, date: NaiveDate) -> Result<u32, StoreError> {
        let (latest, _) =
            latest_version(&self.conn, letter_id)?.ok_or_else(|| StoreError::NotFound {
                what: "letter",
                id: letter_id.to_string(),
            })?;
        self.apply(&Operation::LetterApprove {
            letter_id,
            version: latest,
            date,
        })?;
        Ok(latest)
    }

    /// Records that the approved letter was printed or sent.
    pub fn mark_letter(
        &mut self,
        letter_id: Uuid,
        state: LetterState,
        date: NaiveDate,
        how: Option<Delivery>,
    ) -> Result<u32, StoreError> {
        let view = self.letter(letter_id)?;
        if let Some(why) = view.withdrawn.as_ref() {
            return Err(
                Invalid::one("letter_id", format!("this letter was withdrawn ({why})")).into(),
            );
        }
        if let Some(why) = view.conflicts.first() {
            return Err(Invalid::one("letter_id", format!("{why} first")).into());
        }
        let version = view.approved().map(|v| v.version).ok_or_else(|| {
            Invalid::one(
                "letter_id",
                format!(
                    "the letter to {} is not approved yet; approve it before it is printed or sent",
                    view.organisation_name
                ),
            )
        })?;
        self.apply(&Operation::LetterStateSet {
            id: Uuid::now_v7(),
            letter_id,
            version,
            state,
            date,
            how,
        })?;
        Ok(version)
    }

    pub fn set_large_print(
        &mut self,
        organisation_id: Uuid,
        large_print: bool,
    ) -> Result<(), StoreError> {
        self.apply(&Operation::OrganisationPreference {
            organisation_id,
            large_print,
        })?;
        Ok(())
    }

    pub fn large_print(&self, organisation_id: Uuid) -> Result<bool, StoreError> {
        let chosen: Option<bool> = self
            .conn
            .query_row(
                "SELECT large_print FROM organisation_preference WHERE organisation_id = ?1",
                [organisation_id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        // No row: nobody has asked for large print, which is standard print; a failed
        // read is an error above, never taken for that.
        Ok(chosen == Some(true))
    }

    pub fn letter(&self, id: Uuid) -> Result<LetterView, StoreError> {
        let c = &self.conn;
        let app: String = c
            .query_row(
                "SELECT application_id FROM letter WHERE id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                what: "letter",
                id: id.to_string(),
            })?;
        let app = self.application(uuid_of("letter application", &app)?)?;
        let versions = c
            .prepare(
                "SELECT version, content, approved_on,
                   EXISTS(SELECT 1 FROM letter_version_clash x WHERE x.letter_id = v.letter_id AND x.version = v.version)
                 FROM letter_version v WHERE letter_id = ?1 ORDER BY version",
            )?
            .query_map([id.to_string()], |r| {
                Ok((r.get::<_, u32>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?, r.get::<_, bool>(3)?))
            })?
            .map(|row| {
                let (version, content, approved_on, clashed) = row?;
                Ok(LetterVersionView {
                    clashed,
                    version,
                    content: decode("letter content", &content)?,
                    approved_on: approved_on
                        .map(|d| d.parse().map_err(|e| bad("approval date", e)))
                        .transpose()?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let states = c
            .prepare("SELECT version, state, date, how FROM letter_state WHERE letter_id = ?1 ORDER BY hlc, id")?
            .query_map([id.to_string()], |r| {
                Ok((r.get::<_, u32>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, Option<String>>(3)?))
            })?
            .map(|row| {
                let (version, state, date, how) = row?;
                Ok(LetterStateView {
                    version,
                    state: serde_json::from_value(serde_json::Value::from(state)).map_err(|e| bad("letter state", e))?,
                    date: date.parse().map_err(|e| bad("letter state date", e))?,
                    how: how
                        .map(|h| Delivery::parse(&h).map_err(|e| bad("letter delivery", e)))
                        .transpose()?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let latest = versions
            .last()
            .ok_or_else(|| bad("letter", "it has no versions"))?;
        let status = if latest.approved_on.is_none() {
            LetterStatus::Draft
        } else {
            let of_latest = |s: LetterState| {
                states
                    .iter()
                    .any(|x| x.version == latest.version && x.state == s)
            };
            if of_latest(LetterState::Sent) {
                LetterStatus::Sent
            } else if of_latest(LetterState::Printed) {
                LetterStatus::Printed
            } else {
                LetterStatus::Approved
            }
        };
        Ok(LetterView {
            id,
            application_id: app.id,
            organisation_id: app.organisation_id,
            large_print: self.large_print(app.organisation_id)?,
            organisation_name: app.organisation_name,
            outcome: app.decision.as_ref().map(|d| OutcomeKind::of(&d.outcome)),
            status,
            versions,
            states,
            conflicts: letter_conflicts(c, id)?,
            withdrawn: withdrawal(c, id)?,
        })
    }

    /// The round's letters that are not withdrawn, by organisation name.
    pub fn round_letters(&self, round_id: Uuid) -> Result<Vec<LetterView>, StoreError> {
        self.round_letters_where(round_id, false)
    }

    /// The round's withdrawn letters (kept, never printed), by organisation name: the app
    /// lists them marked, so a person sees where a letter they withdrew went.
    pub fn withdrawn_round_letters(&self, round_id: Uuid) -> Result<Vec<LetterView>, StoreError> {
        self.round_letters_where(round_id, true)
    }

    /// The letters screen's list: the round's letters, then its withdrawn ones.
    pub fn round_letters_and_withdrawn(
        &self,
        round_id: Uuid,
    ) -> Result<Vec<LetterView>, StoreError> {
        let mut all = self.round_letters(round_id)?;
        all.extend(self.withdrawn_round_letters(round_id)?);
        Ok(all)
    }

    fn round_letters_where(
        &self,
        round_id: Uuid,
        withdrawn: bool,
    ) -> Result<Vec<LetterView>, StoreError> {
        let ids: Vec<String> = self
            .conn
            .prepare(
                "SELECT l.id FROM letter l JOIN application a ON a.id = l.application_id WHERE a.round_id = ?1
                 AND EXISTS (SELECT 1 FROM letter_withdrawal w WHERE w.letter_id = l.id) = ?2 ORDER BY l.id",
            )?
            .query_map(params![round_id.to_string(), withdrawn], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut out = ids
            .iter()
            .map(|id| self.letter(uuid_of("letter id", id)?))
            .collect::<Result<Vec<_>, StoreError>>()?;
        out.sort_by(|a, b| {
            a.organisation_name
                .to_lowercase()
                .cmp(&b.organisation_name.to_lowercase())
                .then(a.id.cmp(&b.id))
        });
        Ok(out)
    }
}

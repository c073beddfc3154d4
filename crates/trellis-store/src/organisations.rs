//! The organisation directory and its relationship log: form-level writes (which build an
//! operation and hand it to `apply`) and the reads the screens and CLI show.

use std::collections::HashMap;

use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;
use trellis_core::contact::{self, ContactInput, ContactKind};
use trellis_core::income::{self, IncomeBand};
use trellis_core::op::Operation;
use trellis_core::organisation::{self, OrganisationFields, OrganisationInput};
use trellis_core::relationship::{self, ContactDates};
use trellis_core::Invalid;
use uuid::Uuid;

use crate::decode::{decode, parse_date, parse_uuid, uuid_of};
use crate::{Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct OrganisationSummary {
    pub id: Uuid,
    pub name: String,
    pub org_ref: String,
    pub postcode: String,
    pub income_band: IncomeBand,
    /// Derived from the income band and the programme's threshold; `None` when the band
    /// does not settle it.
    pub small: Option<bool>,
    pub led_by: Vec<String>,
    pub last_contact: Option<NaiveDate>,
    pub overdue_follow_up: Option<NaiveDate>,
    pub next_follow_up: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct OrganisationDetail {
    #[serde(flatten)]
    pub summary: OrganisationSummary,
    pub address: String,
    pub communities_served: Vec<String>,
    pub contacts: Vec<Contact>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Contact {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub date: NaiveDate,
    pub kind: ContactKind,
    pub by: String,
    pub notes: String,
    pub follow_up: Option<NaiveDate>,
}

struct OrgRow {
    id: Uuid,
    fields: OrganisationFields,
}

const ORG_COLUMNS: &str =
    "id, name, org_ref, address, postcode, income_band, led_by, communities_served";

fn org_row(row: &Row) -> rusqlite::Result<[String; 8]> {
    Ok([
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
    ])
}

fn decode_org(raw: [String; 8]) -> Result<OrgRow, StoreError> {
    let [id, name, org_ref, address, postcode, band, led_by, served] = raw;
    Ok(OrgRow {
        id: parse_uuid(&id)?,
        fields: OrganisationFields {
            name,
            org_ref,
            address,
            postcode,
            income_band: IncomeBand::parse(&band)
                .map_err(|e| StoreError::damaged("income band", e))?,
            led_by: decode("led_by", &led_by)?,
            communities_served: decode("communities_served", &served)?,
        },
    })
}

/// The stored fields of one organisation, inside or outside a transaction.
pub(crate) fn fields(
    conn: &Connection,
    id: Uuid,
) -> Result<Option<OrganisationFields>, StoreError> {
    let raw = conn
        .query_row(
            &format!("SELECT {ORG_COLUMNS} FROM organisation WHERE id = ?1"),
            [id.to_string()],
            org_row,
        )
        .optional()?;
    raw.map(|r| decode_org(r).map(|o| o.fields)).transpose()
}

fn all_orgs(conn: &Connection) -> Result<Vec<OrgRow>, StoreError> {
    let mut stmt = conn.prepare(&format!("SELECT {ORG_COLUMNS} FROM organisation"))?;
    let rows = stmt.query_map([], org_row)?;
    rows.map(|r| decode_org(r?)).collect()
}

pub(crate) fn all_contacts(
    conn: &Connection,
    organisation: Option<Uuid>,
) -> Result<Vec<Contact>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, organisation_id, date, kind, by_whom, notes, follow_up FROM contact
         WHERE ?1 IS NULL OR organisation_id = ?1
         ORDER BY date DESC, id DESC",
    )?;
    let rows = stmt.query_map([organisation.map(|o| o.to_string())], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, Option<String>>(6)?,
        ))
    })?;
    rows.map(|r| {
        let (id, org, date, kind, by, notes, follow_up) = r?;
        Ok(Contact {
            id: parse_uuid(&id)?,
            organisation_id: parse_uuid(&org)?,
            date: parse_date(&date)?,
            kind: ContactKind::parse(&kind).map_err(|e| StoreError::damaged("contact kind", e))?,
            by,
            notes,
            follow_up: follow_up.as_deref().map(parse_date).transpose()?,
        })
    })
    .collect()
}

fn summarise(
    row: &OrgRow,
    contacts: &[ContactDates],
    threshold: u64,
    today: NaiveDate,
) -> OrganisationSummary {
    let status = relationship::status(contacts, today);
    OrganisationSummary {
        id: row.id,
        name: row.fields.name.clone(),
        org_ref: row.fields.org_ref.clone(),
        postcode: row.fields.postcode.clone(),
        income_band: row.fields.income_band,
        small: income::is_small(row.fields.income_band, threshold),
        led_by: row.fields.led_by.clone(),
        last_contact: status.last_contact,
        overdue_follow_up: status.overdue_follow_up,
        next_follow_up: status.next_follow_up,
    }
}

/// Case-insensitive, accent-sensitive match on name, identifier or postcode. Done in Rust
/// because SQLite's LIKE folds only ASCII, and names here often are not.
fn matches(row: &OrgRow, query: &str) -> bool {
    let q = query.trim().to_lowercase();
    if q.is_empty() {
        return true;
    }
    let f = &row.fields;
    [&f.name, &f.org_ref, &f.postcode]
        .iter()
        .any(|s| s.to_lowercase().contains(&q))
        || f.postcode
            .replace(' ', "")
            .to_lowercase()
            .contains(&q.replace(' ', ""))
}

impl Store {
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM organisation", [], |r| r.get(0))?;
        Ok(n == 0)
    }

    pub fn add_organisation(&mut self, input: &OrganisationInput) -> Result<Uuid, StoreError> {
        self.add_organisation_with_id(Uuid::now_v7(), input)
    }

    /// Adds with a caller-chosen id: imports and scripts that must be repeatable.
    pub fn add_organisation_with_id(
        &mut self,
        id: Uuid,
        input: &OrganisationInput,
    ) -> Result<Uuid, StoreError> {
        let fields = organisation::validate(input)?;
        self.apply(&Operation::OrganisationCreate { id, fields })?;
        Ok(id)
    }

    /// Saves an edited form: only the fields that changed go into the operation.
    /// Returns false when nothing changed (and nothing was written).
    pub fn update_organisation(
        &mut self,
        id: Uuid,
        input: &OrganisationInput,
    ) -> Result<bool, StoreError> {
        let next = organisation::validate(input)?;
        let current = fields(&self.conn, id)?.ok_or_else(|| StoreError::NotFound {
            what: "organisation",
            id: id.to_string(),
        })?;
        let changes = current.diff(&next);
        if changes.is_empty() {
            return Ok(false);
        }
        self.apply(&Operation::OrganisationUpdate { id, changes })?;
        Ok(true)
    }

    pub fn log_contact(
        &mut self,
        input: &ContactInput,
        today: NaiveDate,
    ) -> Result<Uuid, StoreError> {
        self.log_contact_with_id(Uuid::now_v7(), input, today)
    }

    pub fn log_contact_with_id(
        &mut self,
        id: Uuid,
        input: &ContactInput,
        today: NaiveDate,
    ) -> Result<Uuid, StoreError> {
        let fields = contact::validate(input, today)?;
        if fields_exist(&self.conn, fields.organisation_id)?.is_none() {
            return Err(Invalid::one(
                "organisation_id",
                format!("no organisation with id {}", fields.organisation_id),
            )
            .into());
        }
        self.apply(&Operation::ContactLog { id, fields })?;
        Ok(id)
    }

    /// Finds an organisation by its id, its identifier (GB-CHC-...) or its exact name.
    pub fn resolve_organisation(&self, reference: &str) -> Result<Uuid, StoreError> {
        let reference = reference.trim();
        if let Ok(id) = Uuid::parse_str(reference) {
            if fields_exist(&self.conn, id)?.is_some() {
                return Ok(id);
            }
        }
        let normal_ref = trellis_core::org_ref::normalise(reference).unwrap_or_default();
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM organisation WHERE org_ref = ?1 OR name = ?2 ORDER BY id")?;
        let ids: Vec<String> = stmt
            .query_map(params![normal_ref, reference], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        match ids.as_slice() {
            [one] => parse_uuid(one),
            [] => Err(StoreError::NotFound {
                what: "organisation",
                id: reference.to_string(),
            }),
            _ => Err(Invalid::one(
                "organisation",
                format!(
                    "{reference} matches {} organisations; use the identifier or id",
                    ids.len()
                ),
            )
            .into()),
        }
    }

    /// Identifiers held by more than one organisation, with a sentence for each: two
    /// laptops added one group offline, or gave two groups one identifier. Each laptop
    /// checks its own directory, so only sync brings these about; a person settles one
    /// by correcting an identifier. Sorted by identifier; organisations by id.
    pub fn shared_identifiers(&self) -> Result<Vec<(String, Vec<Uuid>, String)>, StoreError> {
        let rows: Vec<(String, String, String)> = self
            .conn
            .prepare(
                "SELECT org_ref, id, name FROM organisation WHERE org_ref IN
                   (SELECT org_ref FROM organisation GROUP BY org_ref HAVING count(*) > 1)
                 ORDER BY org_ref, id",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let mut out: Vec<(String, Vec<Uuid>, Vec<String>)> = Vec::new();
        for (org_ref, id, name) in rows {
            let id = uuid_of("organisation id", &id)?;
            match out.last_mut() {
                Some((r, ids, names)) if *r == org_ref => {
                    ids.push(id);
                    names.push(name);
                }
                _ => out.push((org_ref, vec![id], vec![name])),
            }
        }
        Ok(out
            .into_iter()
            .map(|(org_ref, ids, names)| {
                let said = format!(
                    "{} organisations share the identifier {org_ref} ({}): correct the identifier of the one that is wrong",
                    ids.len(),
                    names.join("; ")
                );
                (org_ref, ids, said)
            })
            .collect())
    }

    /// The directory, sorted by name, filtered by `query` (empty for all).
    pub fn organisations(
        &self,
        query: &str,
        today: NaiveDate,
    ) -> Result<Vec<OrganisationSummary>, StoreError> {
        let threshold = self.settings()?.small_org_threshold_gbp;
        let mut by_org: HashMap<Uuid, Vec<ContactDates>> = HashMap::new();
        for c in all_contacts(&self.conn, None)? {
            by_org
                .entry(c.organisation_id)
                .or_default()
                .push(ContactDates {
                    date: c.date,
                    follow_up: c.follow_up,
                });
        }
        let mut out: Vec<OrganisationSummary> = all_orgs(&self.conn)?
            .iter()
            .filter(|row| matches(row, query))
            .map(|row| {
                summarise(
                    row,
                    by_org.get(&row.id).map_or(&[], Vec::as_slice),
                    threshold,
                    today,
                )
            })
            .collect();
        out.sort_by(|a, b| {
            a.name
                .to_lowercase()
                .cmp(&b.name.to_lowercase())
                .then(a.id.cmp(&b.id))
        });
        Ok(out)
    }

    pub fn organisation(
        &self,
        id: Uuid,
        today: NaiveDate,
    ) -> Result<OrganisationDetail, StoreError> {
        let f = fields(&self.conn, id)?.ok_or_else(|| StoreError::NotFound {
            what: "organisation",
            id: id.to_string(),
        })?;
        let contacts = all_contacts(&self.conn, Some(id))?;
        let dates: Vec<ContactDates> = contacts
            .iter()
            .map(|c| ContactDates {
                date: c.date,
                follow_up: c.follow_up,
            })
            .collect();
        let threshold = self.settings()?.small_org_threshold_gbp;
        let row = OrgRow { id, fields: f };
        Ok(OrganisationDetail {
            summary: summarise(&row, &dates, threshold, today),
            address: row.fields.address,
            communities_served: row.fields.communities_served,
            contacts,
        })
    }

    /// Every logged contact (newest first), optionally for one organisation.
    pub fn contacts(&self, organisation: Option<Uuid>) -> Result<Vec<Contact>, StoreError> {
        all_contacts(&self.conn, organisation)
    }

    /// Organisations nobody has been in touch with for `days` days or more (or ever),
    /// longest-neglected first.
    pub fn not_contacted(
        &self,
        days: u32,
        today: NaiveDate,
    ) -> Result<Vec<OrganisationSummary>, StoreError> {
        let mut out: Vec<_> = self
            .organisations("", today)?
            .into_iter()
            .filter(|o| relationship::not_contacted_for(o.last_contact, today, days))
            .collect();
        out.sort_by(|a, b| {
            a.last_contact
                .cmp(&b.last_contact)
                .then(a.name.cmp(&b.name))
        });
        Ok(out)
    }
}

fn fields_exist(conn: &Connection, id: Uuid) -> Result<Option<i64>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM organisation WHERE id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )
        .optional()?)
}

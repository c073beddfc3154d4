use anyhow::Context;
use chrono::NaiveDate;
use trellis_core::contact::ContactInput;
use trellis_core::org_ref;
use trellis_core::organisation::OrganisationInput;
use trellis_store::Store;

use crate::args::{ContactCommand, OrgCommand, OrgFields};
use crate::report::date;

fn input_from(fields: OrgFields, base: OrganisationInput) -> OrganisationInput {
    let name = fields.name.unwrap_or(base.name);
    let org_ref = if fields.unregistered {
        org_ref::suggest_unregistered(&name)
    } else {
        fields.org_ref.unwrap_or(base.org_ref)
    };
    OrganisationInput {
        org_ref,
        address: fields.address.unwrap_or(base.address),
        postcode: fields.postcode.unwrap_or(base.postcode),
        income_band: fields.income_band.unwrap_or(base.income_band),
        led_by: if fields.led_by.is_empty() {
            base.led_by
        } else {
            fields.led_by
        },
        communities_served: if fields.communities_served.is_empty() {
            base.communities_served
        } else {
            fields.communities_served
        },
        name,
    }
}

fn small(s: Option<bool>) -> &'static str {
    match s {
        Some(true) => "small",
        Some(false) => "",
        None => "?",
    }
}

pub fn org(store: &mut Store, cmd: OrgCommand, today: NaiveDate) -> anyhow::Result<()> {
    match cmd {
        OrgCommand::Add { fields, id } => {
            let input = input_from(fields, OrganisationInput::default());
            let id = match id {
                Some(id) => store.add_organisation_with_id(id, &input)?,
                None => store.add_organisation(&input)?,
            };
            println!("{id}");
        }
        OrgCommand::Edit {
            organisation,
            fields,
        } => {
            let id = store.resolve_organisation(&organisation)?;
            let current = store.organisation(id, today)?;
            let base = OrganisationInput {
                name: current.summary.name,
                org_ref: current.summary.org_ref,
                address: current.address,
                postcode: current.summary.postcode,
                income_band: current.summary.income_band.code().to_string(),
                led_by: current.summary.led_by,
                communities_served: current.communities_served,
            };
            let changed = store.update_organisation(id, &input_from(fields, base))?;
            println!("{}", if changed { "saved" } else { "no changes" });
        }
        OrgCommand::List {
            search,
            not_contacted,
            json,
        } => {
            let list = match not_contacted {
                Some(days) => {
                    let q = search.unwrap_or_default().to_lowercase();
                    store
                        .not_contacted(days, today)?
                        .into_iter()
                        .filter(|o| q.is_empty() || o.name.to_lowercase().contains(&q))
                        .collect()
                }
                None => store.organisations(search.as_deref().unwrap_or(""), today)?,
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                for o in &list {
                    let overdue = o
                        .overdue_follow_up
                        .map(|d| format!("  FOLLOW-UP OVERDUE since {d}"))
                        .unwrap_or_default();
                    println!(
                        "{:<36}  {:<24}  {:<5}  last contact {}{}",
                        o.name,
                        o.org_ref,
                        small(o.small),
                        date(o.last_contact),
                        overdue
                    );
                }
                println!("{} organisations", list.len());
                for (_, _, said) in store.shared_identifiers()? {
                    println!("to settle: {said}");
                }
            }
        }
        OrgCommand::Prefer {
            organisation,
            large_print,
            ..
        } => crate::letters::prefer(store, &organisation, large_print)?,
        OrgCommand::Show { organisation, json } => {
            let id = store.resolve_organisation(&organisation)?;
            let o = store.organisation(id, today)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&o)?);
            } else {
                let s = &o.summary;
                println!("{}", s.name);
                println!("  id                  {}", s.id);
                println!("  identifier          {}", s.org_ref);
                println!("  address             {}", o.address);
                println!("  postcode            {}", s.postcode);
                println!("  income band         {}", s.income_band.label());
                println!(
                    "  small organisation  {}",
                    match s.small {
                        Some(true) => "yes",
                        Some(false) => "no",
                        None => "not known",
                    }
                );
                println!("  led by              {}", s.led_by.join(", "));
                println!("  communities served  {}", o.communities_served.join(", "));
                println!("  last contact        {}", date(s.last_contact));
                println!("  overdue follow-up   {}", date(s.overdue_follow_up));
                println!("  next follow-up      {}", date(s.next_follow_up));
                for c in &o.contacts {
                    println!("  {}  {:<7}  {}  {}", c.date, c.kind.code(), c.by, c.notes);
                }
            }
        }
    }
    Ok(())
}

pub fn contact(store: &mut Store, cmd: ContactCommand, today: NaiveDate) -> anyhow::Result<()> {
    match cmd {
        ContactCommand::Add {
            organisation,
            date,
            kind,
            by,
            notes,
            follow_up,
            id,
        } => {
            let org = store
                .resolve_organisation(&organisation)
                .with_context(|| format!("finding organisation {organisation:?}"))?;
            let input = ContactInput {
                organisation_id: org.to_string(),
                date: date.unwrap_or_else(|| today.to_string()),
                kind,
                by,
                notes,
                follow_up: follow_up.unwrap_or_default(),
            };
            let id = match id {
                Some(id) => store.log_contact_with_id(id, &input, today)?,
                None => store.log_contact(&input, today)?,
            };
            println!("{id}");
        }
        ContactCommand::List { organisation, json } => {
            let org = organisation
                .map(|o| store.resolve_organisation(&o))
                .transpose()?;
            let list = store.contacts(org)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                for c in &list {
                    println!(
                        "{}  {:<7}  {:<24}  follow-up {}  {}",
                        c.date,
                        c.kind.code(),
                        c.by,
                        date(c.follow_up),
                        c.notes
                    );
                }
                println!("{} contacts", list.len());
            }
        }
    }
    Ok(())
}

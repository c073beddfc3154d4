//! `trellis round|rubric|application|panel|conflict|score|moderation|decision`: the
//! funding round from applications to decisions.

use anyhow::{bail, Context};
use chrono::NaiveDate;
use trellis_core::grants::application::{ApplicationInput, SupportInput};
use trellis_core::grants::decision::DecisionInput;
use trellis_core::grants::moderation::Flag;
use trellis_core::grants::round::RoundInput;
use trellis_core::grants::rubric::{default_rubric, Rubric};
use trellis_core::grants::scoring::{PanelRole, Score};
use trellis_store::{Store, StoreError};

use crate::args::{
    ApplicationCommand, ConflictCommand, DecisionCommand, ModerationCommand, PanelCommand,
    RoundCommand, RubricCommand, ScoreArgs, ScoreCommand,
};

fn print_json(v: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

/// What two laptops left to settle, one line each with the rival records under it, in the
/// same words as the app ("to settle:" like the letters list).
fn print_conflicts(conflicts: &[trellis_store::FactConflict]) {
    for c in conflicts {
        println!("to settle: {}", c.message);
        for r in &c.rivals {
            println!(
                "    {}{}{}",
                r.id,
                if r.summary.is_empty() {
                    String::new()
                } else {
                    format!("  {}", r.summary)
                },
                if r.standing { "  (stands for now)" } else { "" }
            );
        }
    }
}

fn read_rubric(path: &std::path::Path) -> anyhow::Result<Rubric> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(Rubric::from_json(&text).map_err(StoreError::from)?)
}

fn money(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("£{out}")
}

pub fn round(store: &mut Store, cmd: RoundCommand) -> anyhow::Result<()> {
    match cmd {
        RoundCommand::Create {
            title,
            topic,
            ballot,
            budget,
            min_grant,
            max_grant,
            no_core_funding,
            no_small_org_priority,
            small_org_threshold,
            opens,
            closes,
            questions,
            rubric,
        } => {
            let ballot_id = ballot.map(|b| store.resolve_ballot(&b)).transpose()?;
            let input = RoundInput {
                title,
                topic,
                ballot_id: ballot_id.map(|b| b.to_string()).unwrap_or_default(),
                budget_gbp: budget,
                min_grant_gbp: min_grant,
                max_grant_gbp: max_grant,
                core_funding_allowed: !no_core_funding,
                small_org_priority: !no_small_org_priority,
                small_org_threshold_gbp: small_org_threshold,
                opens_on: opens,
                closes_on: closes,
                questions,
                rubric: match rubric {
                    Some(path) => read_rubric(&path)?,
                    None => default_rubric(),
                },
            };
            println!("{}", store.create_round(&input)?);
        }
        RoundCommand::List { json } => {
            let rounds = store.rounds()?;
            if json {
                return print_json(&rounds);
            }
            for r in &rounds {
                println!(
                    "{}  {}  budget {}  closes {}",
                    r.id,
                    r.fields.title,
                    money(r.fields.budget_gbp),
                    r.fields.closes_on
                );
            }
        }
        RoundCommand::Show { round, json } => {
            let r = store.round(store.resolve_round(&round)?)?;
            if json {
                return print_json(&r);
            }
            let f = &r.fields;
            println!("{}", f.title);
            println!("  topic      {}", f.topic);
            println!(
                "  budget     {} (grants {} to {})",
                money(f.budget_gbp),
                money(f.min_grant_gbp),
                money(f.max_grant_gbp)
            );
            println!(
                "  core funding {}; small organisations first: {}",
                if f.core_funding_allowed {
                    "allowed"
                } else {
                    "not allowed"
                },
                f.small_org_priority
            );
            println!("  open       {} to {}", f.opens_on, f.closes_on);
            for (i, q) in f.questions.iter().enumerate() {
                println!("  Q{}  {q}", i + 1);
            }
            for c in &f.rubric.criteria {
                println!("  criterion {} ({}, weight {})", c.id, c.title, c.weight);
            }
        }
        RoundCommand::Extend {
            round,
            organisation,
            until,
        } => {
            let r = store.resolve_round(&round)?;
            let org = store.resolve_organisation(&organisation)?;
            store.set_extension(r, org, until)?;
            println!("extended to {until}");
        }
        RoundCommand::Numbers { round, json } => {
            let n = store.round_numbers(store.resolve_round(&round)?)?;
            if json {
                return print_json(&n);
            }
            let pct = |x: Option<f64>| {
                x.map(|v| format!("{:.0}%", v * 100.0))
                    .unwrap_or_else(|| "-".into())
            };
            println!("applications       {}", n.applications);
            println!(
                "funded             {} (success rate {})",
                n.funded,
                pct(n.success_rate)
            );
            println!("waitlisted         {}", n.waitlisted);
            println!("not funded         {}", n.not_funded);
            println!("asked              {}", money(n.asked_total_gbp));
            println!("awarded            {}", money(n.awarded_total_gbp));
            println!(
                "to small orgs      {} ({})",
                money(n.awarded_to_small_orgs_gbp),
                pct(n.share_to_small_orgs)
            );
            println!(
                "to orgs led by the communities the round is for  {} ({})",
                money(n.awarded_to_orgs_led_by_communities_served_gbp),
                pct(n.share_to_orgs_led_by_communities_served)
            );
        }
    }
    Ok(())
}

pub fn rubric(store: &Store, cmd: RubricCommand) -> anyhow::Result<()> {
    match cmd {
        RubricCommand::Import { file } => println!("{}", read_rubric(&file)?.to_json()),
        RubricCommand::Export { round } => {
            let rubric = match round {
                Some(r) => store.round(store.resolve_round(&r)?)?.fields.rubric,
                None => default_rubric(),
            };
            println!("{}", rubric.to_json());
        }
    }
    Ok(())
}

pub fn application(
    store: &mut Store,
    cmd: ApplicationCommand,
    today: NaiveDate,
) -> anyhow::Result<()> {
    match cmd {
        ApplicationCommand::Add {
            round,
            organisation,
            new,
            amount,
            core,
            formats,
            summary,
            answers,
            received,
        } => {
            let r = store.resolve_round(&round)?;
            let input = ApplicationInput {
                round_id: r.to_string(),
                organisation_id: String::new(),
                formats,
                answers,
                summary,
                amount_gbp: amount,
                core_funding: core,
                received_on: received.unwrap_or_else(|| today.to_string()),
            };
            let id = if new {
                let group = trellis_core::organisation::OrganisationInput {
                    org_ref: trellis_core::org_ref::suggest_unregistered(&organisation),
                    name: organisation.clone(),
                    ..Default::default()
                };
                store
                    .add_application_for_new_organisation(&group, &input)?
                    .1
            } else {
                let org = store.resolve_organisation(&organisation)?;
                store.add_application(&ApplicationInput {
                    organisation_id: org.to_string(),
                    ..input
                })?
            };
            println!("{id}");
        }
        ApplicationCommand::Import { round, file } => {
            let r = store.resolve_round(&round)?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            println!(
                "imported {} applications",
                store.import_applications(r, &text)?
            );
        }
        ApplicationCommand::List { round, json } => {
            let apps = store.applications(store.resolve_round(&round)?)?;
            if json {
                return print_json(&apps);
            }
            for a in &apps {
                let decision = a
                    .decision
                    .as_ref()
                    .map(|d| d.outcome.code())
                    .unwrap_or("undecided");
                let formats: Vec<&str> = a.fields.formats.iter().map(|f| f.code()).collect();
                println!(
                    "{}  {:<40} {:>9}  {}{}  {}  {}",
                    a.id,
                    a.organisation_name,
                    money(a.fields.amount_gbp),
                    formats.join("+"),
                    if a.fields.core_funding { " core" } else { "" },
                    if a.small_org == Some(true) {
                        "small"
                    } else {
                        ""
                    },
                    decision
                );
            }
            let conflicts: Vec<_> = apps.iter().flat_map(|a| a.conflicts.clone()).collect();
            print_conflicts(&conflicts);
        }
        ApplicationCommand::Show { application, json } => {
            let a = store.application(application)?;
            if json {
                return print_json(&a);
            }
            println!(
                "{} asks for {}{}",
                a.organisation_name,
                money(a.fields.amount_gbp),
                if a.fields.core_funding {
                    " (core funding)"
                } else {
                    ""
                }
            );
            println!("  {}", a.fields.summary);
            for f in &a.attachments {
                println!(
                    "  attachment {} ({}, {} bytes) {}",
                    f.file_name, f.media_type, f.size_bytes, f.sha256
                );
            }
            for s in &a.support {
                println!("  support {} {} by {}", s.date, s.kind, s.by);
            }
            for d in &a.declarations {
                println!(
                    "  {} {}",
                    d.assessor_name,
                    if d.conflicted {
                        format!("stood aside: {}", d.note)
                    } else {
                        "declared no conflict".into()
                    }
                );
            }
            if let Some(d) = &a.decision {
                println!("  decision: {} ({})", d.outcome.code(), d.reasons);
            }
            print_conflicts(&a.conflicts);
        }
        ApplicationCommand::Attach { application, file } => {
            let a = store.attach_file(application, &file)?;
            println!("{} {}", a.sha256, a.file_name);
        }
        ApplicationCommand::Support {
            application,
            kind,
            by,
            date,
        } => {
            let id = store.log_support(
                &SupportInput {
                    application_id: application.to_string(),
                    date: date.unwrap_or_else(|| today.to_string()),
                    kind,
                    by,
                },
                today,
            )?;
            println!("{id}");
        }
    }
    Ok(())
}

pub fn panel(store: &mut Store, cmd: PanelCommand) -> anyhow::Result<()> {
    match cmd {
        PanelCommand::Add { name, role } => {
            let role = match role.to_ascii_lowercase().as_str() {
                "assessor" => PanelRole::Assessor,
                "chair" => PanelRole::Chair,
                "staff" => PanelRole::Staff,
                other => bail!("role {other:?}: choose assessor, chair or staff"),
            };
            println!("{}", store.add_panel_member(&name, role)?);
        }
        PanelCommand::List { json } => {
            let members = store.panel_members()?;
            if json {
                return print_json(&members);
            }
            for m in &members {
                println!("{}  {}  {:?}", m.id, m.name, m.role);
            }
        }
    }
    Ok(())
}

pub fn conflict(store: &mut Store, cmd: ConflictCommand) -> anyhow::Result<()> {
    let ConflictCommand::Declare {
        application,
        assessor,
        relationship,
        none,
    } = cmd;
    let who = store.resolve_member(&assessor)?;
    match (relationship, none) {
        (Some(r), false) => {
            store.declare(application, who, true, &r)?;
            println!("conflict declared: you will not score this application");
        }
        (None, true) => {
            store.declare(application, who, false, "")?;
            println!("no conflict declared");
        }
        _ => bail!("give --relationship TEXT for a conflict, or --none"),
    }
    Ok(())
}

/// The assessor's current scores for an application (draft or submitted), through the
/// same blind-scoring read path as everyone else.
fn own_scores(
    store: &Store,
    application: uuid::Uuid,
    who: uuid::Uuid,
) -> anyhow::Result<(Vec<Score>, bool)> {
    Ok(store
        .score_sheets(application, who)?
        .into_iter()
        .find(|s| s.assessor_id == who)
        .map(|s| (s.scores, s.submitted))
        .unwrap_or_default())
}

fn with_change(mut scores: Vec<Score>, args: &ScoreArgs) -> anyhow::Result<Vec<Score>> {
    let (Some(criterion), Some(value)) = (&args.criterion, args.value) else {
        bail!("give --criterion ID and --value N (and --why TEXT)");
    };
    let justification = args.why.clone().unwrap_or_default().trim().to_string();
    match scores.iter_mut().find(|s| &s.criterion_id == criterion) {
        Some(s) => {
            s.value = value;
            if !justification.is_empty() {
                s.justification = justification;
            }
        }
        None => scores.push(Score {
            criterion_id: criterion.clone(),
            value,
            justification,
        }),
    }
    Ok(scores)
}

pub fn score(store: &mut Store, cmd: ScoreCommand) -> anyhow::Result<()> {
    match cmd {
        ScoreCommand::Set(args) => {
            let who = store.resolve_member(&args.assessor)?;
            let (current, submitted) = own_scores(store, args.application, who)?;
            if submitted {
                bail!("your scores are submitted; change them with `trellis score revise ... --reason`");
            }
            store.save_draft(args.application, who, with_change(current, &args)?)?;
            println!("draft saved");
        }
        ScoreCommand::Submit {
            application,
            assessor,
        } => {
            let who = store.resolve_member(&assessor)?;
            let (current, _) = own_scores(store, application, who)?;
            store.submit_scores(application, who, current)?;
            println!("submitted");
        }
        ScoreCommand::Revise { score, reason } => {
            let who = store.resolve_member(&score.assessor)?;
            let (current, submitted) = own_scores(store, score.application, who)?;
            if !submitted {
                bail!("nothing submitted yet; use `trellis score set` then `trellis score submit`");
            }
            store.revise_scores(
                score.application,
                who,
                with_change(current, &score)?,
                &reason,
            )?;
            println!("revised");
        }
        ScoreCommand::Show {
            application,
            assessor,
            json,
        } => {
            let who = store.resolve_member(&assessor)?;
            let sheets = store.score_sheets(application, who)?;
            if json {
                return print_json(&sheets);
            }
            if sheets.is_empty() {
                println!("no scores you may see yet");
            }
            for s in &sheets {
                let total = s
                    .total
                    .map(|t| format!("{:.2}", t.on_scale))
                    .unwrap_or_else(|| "-".into());
                println!(
                    "{} ({}), weighted total {total}",
                    s.assessor_name,
                    if s.submitted { "submitted" } else { "draft" }
                );
                for sc in &s.scores {
                    println!(
                        "  {:<16} {}  {}",
                        sc.criterion_id, sc.value, sc.justification
                    );
                }
            }
        }
    }
    Ok(())
}

pub fn moderation(store: &mut Store, cmd: ModerationCommand) -> anyhow::Result<()> {
    match cmd {
        ModerationCommand::Report { round, json } => {
            let r = store.resolve_round(&round)?;
            let report = store.moderation(r)?;
            if json {
                return print_json(&report);
            }
            let names = store.panel_members()?;
            for a in &report.applications {
                let app = store.application(a.application_id)?;
                println!(
                    "{}  {}{}",
                    a.application_id,
                    app.organisation_name,
                    if a.flagged() { "  FLAGGED" } else { "" }
                );
                for col in &a.assessors {
                    let name = names
                        .iter()
                        .find(|m| m.id == col.assessor_id)
                        .map(|m| m.name.as_str())
                        .unwrap_or("?");
                    println!(
                        "    {:<24} total {}",
                        name,
                        col.weighted_total
                            .map(|t| format!("{t:.2}"))
                            .unwrap_or_else(|| "-".into())
                    );
                }
                for c in &a.criteria {
                    let values: Vec<String> = c
                        .values
                        .iter()
                        .map(|v| v.map(|x| x.to_string()).unwrap_or_else(|| "-".into()))
                        .collect();
                    println!(
                        "    {:<16} [{}] mean {} spread {}{}",
                        c.criterion_id,
                        values.join(" "),
                        c.mean
                            .map(|m| format!("{m:.2}"))
                            .unwrap_or_else(|| "-".into()),
                        c.spread
                            .map(|s| s.to_string())
                            .unwrap_or_else(|| "-".into()),
                        if c.disagreement { "  disagreement" } else { "" }
                    );
                }
                for f in &a.flags {
                    if let Flag::Outlier { .. } = f {
                        println!("    outlier: {}", serde_json::to_string(f)?);
                    }
                }
            }
            println!(
                "{} of {} applications flagged",
                report.flagged,
                report.applications.len()
            );
            println!(
                "agreement (Krippendorff's alpha, interval): {} — {}",
                report
                    .alpha
                    .value()
                    .map(|v| format!("{v:.3}"))
                    .unwrap_or_else(|| "not measurable".into()),
                report.reading_text
            );
            print_conflicts(&store.fact_conflicts(r)?);
        }
        ModerationCommand::Agree {
            application,
            scores,
            note,
        } => {
            let mut parsed = Vec::new();
            for s in &scores {
                let (criterion, rest) = s
                    .split_once('=')
                    .with_context(|| format!("{s:?}: write criterion=value:comment"))?;
                let (value, comment) = rest.split_once(':').unwrap_or((rest, ""));
                let value: u8 = value
                    .trim()
                    .parse()
                    .with_context(|| format!("{s:?}: {value:?} is not a whole number"))?;
                parsed.push(Score {
                    criterion_id: criterion.trim().to_string(),
                    value,
                    justification: comment.trim().to_string(),
                });
            }
            store.agree_scores(application, parsed, &note)?;
            println!("agreed scores recorded");
        }
    }
    Ok(())
}

pub fn decision(store: &mut Store, cmd: DecisionCommand) -> anyhow::Result<()> {
    match cmd {
        DecisionCommand::Allocate { round, json } => {
            let r = store.resolve_round(&round)?;
            let view = store.allocation(r)?;
            if json {
                return print_json(&view);
            }
            for line in &view.allocation.lines {
                let app = store.application(line.application_id)?;
                let outcome = match line.outcome {
                    trellis_core::grants::allocation::LineOutcome::Funded => "fund".to_string(),
                    trellis_core::grants::allocation::LineOutcome::DoesNotFit { remaining_gbp } => {
                        format!("DOES NOT FIT ({} left)", money(remaining_gbp))
                    }
                    trellis_core::grants::allocation::LineOutcome::NotReached => {
                        "budget used up".to_string()
                    }
                };
                println!(
                    "{:>2}. {:<40} score {:.2}  {:>9}  {}{}",
                    line.rank,
                    app.organisation_name,
                    line.agreed_score,
                    money(line.amount_gbp),
                    outcome,
                    if line.priority {
                        "  (small organisation, core funding: priority)"
                    } else {
                        ""
                    }
                );
            }
            println!(
                "funded {} of {}; {} left",
                money(view.allocation.funded_total_gbp),
                money(view.allocation.budget_gbp),
                money(view.allocation.remaining_gbp)
            );
            if !view.not_yet_agreed.is_empty() {
                println!(
                    "{} applications have no agreed scores yet and are not in this list",
                    view.not_yet_agreed.len()
                );
            }
            print_conflicts(&view.conflicts);
        }
        DecisionCommand::Record {
            application,
            outcome,
            amount,
            conditions,
            reasons,
        } => {
            let id = store.record_decision(&DecisionInput {
                application_id: application.to_string(),
                outcome: outcome.replace('-', " "),
                amount_gbp: amount,
                conditions,
                reasons,
            })?;
            println!("{id}");
        }
    }
    Ok(())
}

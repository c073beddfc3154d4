// Moderation and decisions for the chair and staff: every application's submitted scores
// side by side (per criterion values, mean, spread, flags), the round's agreement (alpha)
// in plain English, the suggested allocation within the budget, a form to record a
// decision with inline errors, and the round's published numbers. All figures come from
// the shell; nothing is computed here but formatting.
import { asCommandError, type FieldError } from "../api";
import { alertError, announce, h } from "../dom";
import { settlePanel } from "../settle";
import { facilitatorLaptop, GRANTS_NOT_SENT } from "../sync";
import { errorElement, showErrors, type FieldSlot } from "../forms";
import { currentRound, pounds, type ApplicationSummary, type Decision, type FactConflict, type RoundNumbers } from "./api";
import * as commands from "../bindings";

// One line per conflict: the store's sentence, then what each laptop recorded (never an
// assessor's scores: the store leaves those blank) and which one counts for now.
function conflictText(c: FactConflict): string {
  const recorded = c.rivals.filter((r) => r.summary).map((r) => `${r.summary}${r.standing ? " (counted for now)" : ""}`);
  return recorded.length ? `${c.message}. Recorded: ${recorded.join("; ")}.` : `${c.message}.`;
}

function outcomeText(d: Decision | null): string {
  if (!d) return "Not decided";
  switch (d.outcome.kind) {
    case "funded":
      return `Funded ${pounds(d.outcome.amount_gbp)}${d.outcome.conditions ? ` (conditions: ${d.outcome.conditions})` : ""}`;
    case "not_funded":
      return "Not funded";
    case "waitlisted":
      return "Waitlisted";
  }
}

function percent(x: number | null): string {
  return x === null ? "–" : `${Math.round(x * 100)}%`;
}

function numbersList(n: RoundNumbers): HTMLElement {
  const items: [string, string][] = [
    ["Applications", String(n.applications)],
    ["Decided", String(n.decided)],
    ["Funded / not funded / waitlisted", `${n.funded} / ${n.not_funded} / ${n.waitlisted}`],
    ["Success rate", percent(n.success_rate)],
    ["Asked for in total", pounds(n.asked_total_gbp)],
    ["Awarded in total", pounds(n.awarded_total_gbp)],
    ["To small organisations", `${pounds(n.awarded_to_small_orgs_gbp)} (${percent(n.share_to_small_orgs)})`],
    ["To organisations led by the communities the round is for", `${pounds(n.awarded_to_orgs_led_by_communities_served_gbp)} (${percent(n.share_to_orgs_led_by_communities_served)})`],
  ];
  return h("dl", { id: "round-numbers" }, ...items.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

function decisionForm(main: HTMLElement, apps: ApplicationSummary[]): HTMLElement {
  const app = h("select", { id: "decision-application" }, h("option", { value: "" }, "Choose an application"), ...apps.map((a) => h("option", { value: a.id }, a.organisation_name)));
  const outcome = h(
    "select",
    { id: "decision-outcome" },
    h("option", { value: "funded" }, "Funded"),
    h("option", { value: "not funded" }, "Not funded"),
    h("option", { value: "waitlisted" }, "Waitlisted"),
  );
  const amount = h("input", { type: "text", id: "decision-amount", inputmode: "numeric", class: "narrow" });
  const conditions = h("textarea", { id: "decision-conditions", rows: 2 });
  const reasons = h("textarea", { id: "decision-reasons", rows: 3 });
  const slots: FieldSlot[] = [];
  const field = (name: string, id: string, label: string, control: HTMLElement, hint?: string): HTMLElement => {
    const error = errorElement(`${id}-error`);
    slots.push({ field: name, focusTarget: () => control, described: control, error, hintId: hint ? `${id}-hint` : undefined });
    return h("div", { class: "field" }, h("label", { for: id }, label), hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null, error, control);
  };
  const form = h(
    "form",
    { id: "decision-form", novalidate: true },
    h("h2", {}, "Record a decision"),
    field("application_id", "decision-application", "Application", app),
    field("outcome", "decision-outcome", "Decision", outcome),
    field("amount_gbp", "decision-amount", "Amount awarded in pounds (funded only)", amount),
    field("conditions", "decision-conditions", "Conditions (funded only, optional)", conditions),
    field("reasons", "decision-reasons", "Reasons, in plain English", reasons, "The applicant's feedback letter builds on this."),
    h("button", { type: "submit", id: "record-decision", class: "primary" }, "Record decision"),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      await commands.recordDecision({
        application_id: app.value,
        outcome: outcome.value,
        amount_gbp: outcome.value === "funded" ? amount.value : "",
        conditions: outcome.value === "funded" ? conditions.value : "",
        reasons: reasons.value,
      });
      await moderationScreen(main);
      announce("Decision recorded.");
    } catch (e) {
      const err = asCommandError(e);
      const known = new Set(slots.map((s) => s.field));
      const fields: FieldError[] = err.fields;
      showErrors(slots, fields);
      const other = fields.filter((f) => !known.has(f.field));
      alertError(other.length ? other.map((f) => `${f.field}: ${f.message}`).join(" ") : err.message);
      slots.find((s) => fields.some((f) => f.field === s.field))?.focusTarget()?.focus();
    }
  });
  return form;
}

export async function moderationScreen(main: HTMLElement): Promise<void> {
  const round = await currentRound();
  if (!round) {
    const empty = (await facilitatorLaptop())
      ? h("p", { class: "empty", "data-testid": "grants-not-sent" }, GRANTS_NOT_SENT)
      : h("p", { class: "empty" }, "No funding round yet. Create one with `trellis round create`.");
    main.replaceChildren(h("h1", { tabindex: "-1" }, "Moderation and decisions"), empty);
    return;
  }
  const [apps, report, allocation, numbers, members] = await Promise.all([
    commands.listApplications(round.id),
    commands.moderationReport(round.id),
    commands.roundAllocation(round.id),
    commands.roundNumbers(round.id),
    commands.listPanelMembers(),
  ]);
  const nameOf = (id: string): string => apps.find((a) => a.id === id)?.organisation_name ?? id;
  const person = (id: string): string => members.find((m) => m.id === id)?.name ?? id;
  const criteria = round.rubric.criteria;

  const modSections = report.applications.map((m) => {
    const flags = m.flags.map((f) =>
      f.flag === "disagreement"
        ? `Assessors disagree on ${criteria.find((c) => c.id === f.criterion_id)?.title ?? f.criterion_id} (spread ${f.spread})`
        : `${person(f.assessor_id)} is an outlier (total ${f.weighted_total.toFixed(2)} against others' ${f.others_mean.toFixed(2)})`,
    );
    return h(
      "section",
      { class: "moderation-app", "data-testid": "moderation-app" },
      h("h3", {}, nameOf(m.application_id), m.flags.length ? h("span", { class: "overdue" }, " Flagged") : null),
      flags.length ? h("ul", {}, ...flags.map((f) => h("li", {}, f))) : null,
      h(
        "table",
        {},
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Criterion"), ...m.assessors.map((a) => h("th", { scope: "col" }, person(a.assessor_id))), h("th", { scope: "col" }, "Mean"), h("th", { scope: "col" }, "Spread"))),
        h(
          "tbody",
          {},
          ...m.criteria.map((r) =>
            h(
              "tr",
              { class: r.disagreement ? "row-overdue" : undefined },
              h("th", { scope: "row" }, `${r.title} (×${r.weight})`),
              ...r.values.map((v) => h("td", {}, v === null ? "–" : String(v))),
              h("td", {}, r.mean === null ? "–" : r.mean.toFixed(2)),
              h("td", {}, r.spread === null ? "–" : String(r.spread)),
            ),
          ),
          h(
            "tr",
            {},
            h("th", { scope: "row" }, "Weighted total"),
            ...m.assessors.map((a) => h("td", {}, a.weighted_total === null ? "–" : a.weighted_total.toFixed(2))),
            h("td", {}, m.mean_total === null ? "–" : m.mean_total.toFixed(2)),
            h("td", {}, ""),
          ),
        ),
      ),
    );
  });

  const alpha = report.alpha.status === "defined" ? report.alpha.value.toFixed(3) : "cannot be measured";
  const allocRows = allocation.lines.map((l) =>
    h(
      "tr",
      { "data-testid": "allocation-row" },
      h("td", {}, String(l.rank)),
      h("th", { scope: "row" }, nameOf(l.application_id)),
      h("td", {}, l.agreed_score.toFixed(2)),
      h("td", {}, pounds(l.amount_gbp)),
      h("td", {}, l.outcome.outcome === "funded" ? "Funded" : l.outcome.outcome === "does_not_fit" ? `Does not fit (${pounds(l.outcome.remaining_gbp)} left)` : "Budget used up"),
      h("td", {}, l.priority ? "Small organisation, core funding" : ""),
    ),
  );
  const decisionRows = apps.map((a) =>
    h(
      "tr",
      { "data-testid": "decision-row" },
      h("th", { scope: "row" }, a.organisation_name),
      h("td", {}, pounds(a.amount_gbp)),
      h("td", {}, a.agreed_total ? a.agreed_total.on_scale.toFixed(2) : "Not agreed"),
      h("td", { "data-testid": "decision-outcome" }, outcomeText(a.decision), a.conflicts.some((c) => c.kind === "decision") ? h("span", { class: "overdue" }, " (recorded twice: to settle)") : null),
      h("td", {}, a.decision?.reasons ?? ""),
    ),
  );
  // Every conflict in the round (decisions, agreed scores, assessors' scores) is in the
  // allocation's list; recording a decision or agreement again settles it.
  const toSettle = settlePanel(
    "facts-to-settle",
    "Recorded on two laptops: to settle",
    allocation.conflicts.map((c) => ({ key: c.rivals.map((r) => r.id).join(" "), text: conflictText(c) })),
  );
  main.replaceChildren(
    h("h1", { tabindex: "-1" }, `Moderation and decisions: ${round.title}`),
    h("p", {}, `Budget ${pounds(round.budget_gbp)}; grants from ${pounds(round.min_grant_gbp)} to ${pounds(round.max_grant_gbp)}.`),
    ...(toSettle ? [toSettle] : []),
    h(
      "section",
      { id: "agreement", "aria-labelledby": "agreement-heading" },
      h("h2", { id: "agreement-heading" }, "How far the assessors agree"),
      h("p", { "data-testid": "alpha" }, `Krippendorff's alpha: ${alpha}. ${report.reading_text}`),
      h("p", {}, `${report.flagged} of ${report.applications.length} applications flagged for discussion.`),
    ),
    h("section", { id: "side-by-side", "aria-labelledby": "side-heading" }, h("h2", { id: "side-heading" }, "Scores side by side"), ...modSections),
    h(
      "section",
      { id: "allocation", "aria-labelledby": "allocation-heading" },
      h("h2", { id: "allocation-heading" }, "Suggested allocation"),
      h("p", {}, `Funds in order of agreed score within the budget: ${pounds(allocation.funded_total_gbp)} allocated, ${pounds(allocation.remaining_gbp)} left.${allocation.not_yet_agreed.length ? ` ${allocation.not_yet_agreed.length} applications have no agreed scores yet and are left out.` : ""}`),
      h(
        "table",
        {},
        h("thead", {}, h("tr", {}, ...["Rank", "Organisation", "Agreed score", "Asked for", "Suggestion", "Priority"].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, ...allocRows),
      ),
    ),
    h(
      "section",
      { id: "decisions", "aria-labelledby": "decisions-heading" },
      h("h2", { id: "decisions-heading" }, "Decisions"),
      h(
        "table",
        { id: "decisions-table" },
        h("thead", {}, h("tr", {}, ...["Organisation", "Asked for", "Agreed score", "Decision", "Reasons"].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, ...decisionRows),
      ),
      decisionForm(main, apps),
    ),
    h("section", { id: "numbers", "aria-labelledby": "numbers-heading" }, h("h2", { id: "numbers-heading" }, "The round's numbers"), numbersList(numbers)),
  );
}

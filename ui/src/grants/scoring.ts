// Panel work on this laptop: who is using it ("who am I", kept in localStorage), their
// assignments, and the scoring screen for one application: declare any conflict first,
// then score each criterion (radio buttons, arrow keys) with a short justification.
// Every change is saved as a draft ~300 ms after the last keystroke; others' scores
// appear only after submitting (the shell's score_sheets applies the blind rule).
import { asCommandError, type FieldError } from "../api";
import { alertError, announce, h } from "../dom";
import { attachmentList } from "./attachments";
import { pounds, type ApplicationSummary, type Criterion, type PanelMember, type RoundView, type Score, type SheetView } from "./api";
import { enrolledPanelMember, facilitatorLaptop, GRANTS_NOT_SENT } from "../sync";
import * as commands from "../bindings";

const WHO_KEY = "trellis.panel-member";

export function whoAmI(): string | null {
  return localStorage.getItem(WHO_KEY);
}

function setWhoAmI(id: string): void {
  if (id) localStorage.setItem(WHO_KEY, id);
  else localStorage.removeItem(WHO_KEY);
}

/**
 * The panel members who may score on this laptop: on a panel member's laptop only that
 * member (the server takes scores only in its user's name, and the laptop refuses
 * others), chosen for them; elsewhere everyone (a staff laptop types in paper sheets).
 */
async function scorers(members: PanelMember[]): Promise<PanelMember[]> {
  const name = await enrolledPanelMember();
  if (name === null) return members;
  const own = members.filter((m) => m.name === name);
  const only = own.length === 1 ? own[0] : undefined;
  if (only && whoAmI() !== only.id) setWhoAmI(only.id);
  return own;
}

/** A "who is using this laptop" picker; calls `changed` after a choice. */
export function memberPicker(members: PanelMember[], changed: () => void): HTMLElement {
  const current = whoAmI();
  const select = h(
    "select",
    { id: "panel-member" },
    h("option", { value: "" }, "Choose your name"),
    ...members.map((m) => h("option", { value: m.id, selected: m.id === current }, `${m.name} (${m.role})`)),
  );
  select.addEventListener("change", () => {
    setWhoAmI(select.value);
    changed();
  });
  return h(
    "div",
    { class: "field narrow" },
    h("label", { for: "panel-member" }, "Who is using this laptop?"),
    h("p", { class: "hint", id: "panel-member-hint" }, "Your scores are saved under this name."),
    select,
  );
}

export async function assignments(main: HTMLElement): Promise<void> {
  const members = await scorers(await commands.listPanelMembers());
  if (members.length === 0 && (await facilitatorLaptop())) {
    main.replaceChildren(h("h1", { tabindex: "-1" }, "My assignments"), h("p", { class: "empty", "data-testid": "grants-not-sent" }, GRANTS_NOT_SENT));
    return;
  }
  const panelName = await enrolledPanelMember();
  if (members.length === 0 && panelName !== null) {
    main.replaceChildren(
      h("h1", { tabindex: "-1" }, "My assignments"),
      h(
        "p",
        { class: "empty", "data-testid": "panel-member-missing" },
        `This laptop is enrolled as ${panelName}, and no panel member of that name has reached it yet. Sync now, or ask CVS staff to add you to the panel with exactly this name.`,
      ),
    );
    return;
  }
  const me = whoAmI();
  const body: HTMLElement[] = [
    h("h1", { tabindex: "-1" }, "My assignments"),
    memberPicker(members, () => void assignments(main).catch((e) => alertError(asCommandError(e).message))),
  ];
  if (me && members.some((m) => m.id === me)) {
    const apps = await commands.myAssignments(me);
    if (apps.length === 0) {
      body.push(h("p", { class: "empty", "data-testid": "no-assignments" }, "You have no applications to score."));
    } else {
      const rows = apps.map((a) => {
        const mine = a.declarations.find((d) => d.assessor_id === me);
        const state = mine ? (mine.conflicted ? "Conflict declared: you stand aside" : "No conflict declared") : "Conflict not yet declared";
        return h(
          "tr",
          { "data-testid": "assignment-row" },
          h("th", { scope: "row" }, h("a", { href: `#/scoring/${a.id}`, "data-testid": "assignment-link" }, a.organisation_name)),
          h("td", {}, pounds(a.amount_gbp)),
          h("td", {}, a.formats.join(", ")),
          h("td", {}, state),
        );
      });
      body.push(
        h(
          "table",
          { id: "assignments" },
          h("caption", { class: "visually-hidden" }, "Applications assigned to you"),
          h("thead", {}, h("tr", {}, ...["Organisation", "Asked for", "Formats", "Conflict"].map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", {}, ...rows),
        ),
      );
    }
  } else if (me) {
    setWhoAmI("");
  }
  main.replaceChildren(...body);
}

function applicationDetails(app: ApplicationSummary, round: RoundView): HTMLElement {
  const answers = app.answers.map((a, i) =>
    h("div", {}, h("h3", {}, round.questions[i] ?? `Answer ${i + 1}`), h("p", { class: "answer" }, a || "(not answered in writing)")),
  );
  return h(
    "section",
    { id: "application-details", "aria-labelledby": "application-heading" },
    h("h2", { id: "application-heading" }, "The application"),
    h("p", {}, app.summary),
    h(
      "dl",
      {},
      h("dt", {}, "Asked for"),
      h("dd", {}, `${pounds(app.amount_gbp)}${app.core_funding ? " (core funding)" : ""}`),
      h("dt", {}, "Formats"),
      h("dd", {}, app.formats.join(", ")),
      h("dt", {}, "Small organisation"),
      h("dd", {}, app.small_org === null ? "Not known" : app.small_org ? "Yes" : "No"),
      h("dt", {}, "Received"),
      h("dd", {}, app.received_on),
    ),
    ...answers,
    h("h3", {}, "Attachments"),
    attachmentList(app.attachments),
    app.support.length
      ? h("p", {}, `Bid-writing support: ${app.support.map((s) => `${s.kind} on ${s.date} by ${s.by}`).join("; ")}.`)
      : null,
  );
}

function declarationStep(main: HTMLElement, app: ApplicationSummary, me: string): HTMLElement {
  const note = h("textarea", { id: "conflict-note", rows: 2, "aria-describedby": "conflict-note-hint" });
  const error = h("p", { id: "conflict-error", class: "field-error", hidden: true });
  const declare = async (conflicted: boolean): Promise<void> => {
    try {
      await commands.declareConflict(app.id, me, conflicted, note.value);
      announce(conflicted ? "Conflict declared. You will not score this application." : "No conflict declared.");
      await scoringScreen(main, app.id);
      // The next step is the first criterion's scale (after the new screen is painted:
      // WebKit drops focus moved in the same task that removed the focused button).
      requestAnimationFrame(() => main.querySelector<HTMLInputElement>("#score-form input[type=radio]")?.focus());
    } catch (e) {
      const err = asCommandError(e);
      error.textContent = err.fields.length ? err.fields.map((f) => f.message).join("; ") : err.message;
      error.hidden = false;
    }
  };
  const none = h("button", { type: "button", id: "declare-none", class: "primary" }, "No conflict");
  const conflict = h("button", { type: "button", id: "declare-conflict" }, "I have a relationship with this organisation");
  none.addEventListener("click", () => void declare(false));
  conflict.addEventListener("click", () => void declare(true));
  return h(
    "section",
    { id: "declaration", "aria-labelledby": "declaration-heading" },
    h("h2", { id: "declaration-heading" }, "First: any conflict of interest?"),
    h("p", {}, `Before scoring, say whether you have a relationship with ${app.organisation_name} (you work, volunteer, or have family there, or fund it another way). A conflict means you stand aside for this application.`),
    h("div", { class: "field" }, h("label", { for: "conflict-note" }, "Note (if you have a relationship)"), h("p", { class: "hint", id: "conflict-note-hint" }, "For example: I volunteer with this group on Saturdays."), note),
    error,
    h("div", { class: "actions" }, none, conflict),
  );
}

interface CriterionInputs {
  criterion: Criterion;
  radios: HTMLInputElement[];
  justification: HTMLTextAreaElement;
  error: HTMLElement;
}

function criterionFieldset(c: Criterion, existing: Score | undefined, onChange: () => void): [HTMLElement, CriterionInputs] {
  const radios: HTMLInputElement[] = [];
  const items: HTMLElement[] = [];
  for (let v = c.scale_min; v <= c.scale_max; v++) {
    const id = `score-${c.id}-${v}`;
    const radio = h("input", { type: "radio", name: `score-${c.id}`, id, value: v, checked: existing?.value === v });
    radio.addEventListener("change", onChange);
    radios.push(radio);
    const descriptor = c.descriptors[v - c.scale_min] ?? "";
    items.push(h("li", {}, radio, h("label", { for: id }, h("strong", {}, String(v)), ` ${descriptor}`)));
  }
  const justId = `justification-${c.id}`;
  const errorId = `criterion-error-${c.id}`;
  const justification = h("textarea", { id: justId, rows: 2, maxlength: 500, "aria-describedby": `${justId}-hint` });
  justification.value = existing?.justification ?? "";
  justification.addEventListener("input", onChange);
  const error = h("p", { id: errorId, class: "field-error", "data-testid": errorId, hidden: true });
  const fieldset = h(
    "fieldset",
    { id: `criterion-${c.id}`, class: "criterion", "data-testid": "criterion" },
    h("legend", {}, `${c.title} (weight ${c.weight})`),
    c.guidance ? h("p", { class: "hint" }, c.guidance) : null,
    error,
    h("ul", { class: "checks scale" }, ...items),
    h("div", { class: "field" }, h("label", { for: justId }, "Why this score (required, short)"), h("p", { class: "hint", id: `${justId}-hint` }, "One or two sentences, up to 500 characters."), justification),
  );
  return [fieldset, { criterion: c, radios, justification, error }];
}

function collect(inputs: CriterionInputs[], forDraft: boolean): Score[] {
  const scores: Score[] = [];
  for (const i of inputs) {
    const checked = i.radios.find((r) => r.checked);
    if (!checked) {
      if (forDraft) continue;
      // A submission with a criterion left out is refused by the store, naming it.
      continue;
    }
    scores.push({ criterion_id: i.criterion.id, value: Number(checked.value), justification: i.justification.value });
  }
  return scores;
}

function showFieldErrors(inputs: CriterionInputs[], fields: FieldError[]): void {
  for (const i of inputs) {
    const mine = fields.filter((f) => f.field === i.criterion.id || f.field.startsWith(`${i.criterion.id}.`));
    // A criterion with no value at all is named by the store only as missing; say so here.
    const missing = !i.radios.some((r) => r.checked);
    const messages = [...new Set(mine.map((f) => f.message))];
    if (missing && messages.length === 0 && fields.length > 0) messages.push("choose a score");
    i.error.textContent = messages.join("; ");
    i.error.hidden = messages.length === 0;
    const group = i.error.parentElement;
    if (messages.length) group?.setAttribute("aria-describedby", i.error.id);
    else group?.removeAttribute("aria-describedby");
    i.justification.toggleAttribute("aria-invalid", mine.some((f) => f.field.endsWith(".justification")));
  }
}

function othersTable(sheets: SheetView[], me: string, round: RoundView): HTMLElement {
  const others = sheets.filter((s) => s.assessor_id !== me && s.submitted);
  if (others.length === 0) return h("p", { class: "empty" }, "No other assessor has submitted yet.");
  const criteria = round.rubric.criteria;
  const reasons = h(
    "details",
    { id: "others-reasons" },
    h("summary", {}, "Their justifications"),
    ...others.map((s) =>
      h(
        "div",
        {},
        h("h3", {}, s.assessor_name),
        h(
          "ul",
          {},
          ...s.scores.map((x) =>
            h("li", {}, `${criteria.find((c) => c.id === x.criterion_id)?.title ?? x.criterion_id}: ${x.value}. ${x.justification}`),
          ),
        ),
        s.revisions.length ? h("p", { class: "hint" }, `Revised: ${s.revisions.join("; ")}`) : null,
      ),
    ),
  );
  const table = h(
    "table",
    { id: "others-table" },
    h("caption", {}, "Other assessors' submitted scores"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Assessor"), ...criteria.map((c) => h("th", { scope: "col" }, c.title)), h("th", { scope: "col" }, "Weighted total"))),
    h(
      "tbody",
      {},
      ...others.map((s) =>
        h(
          "tr",
          { "data-testid": "other-sheet" },
          h("th", { scope: "row" }, s.assessor_name),
          ...criteria.map((c) => {
            const score = s.scores.find((x) => x.criterion_id === c.id);
            return h("td", { title: score?.justification ?? "" }, score ? String(score.value) : "–");
          }),
          h("td", {}, s.total ? s.total.on_scale.toFixed(2) : "–"),
        ),
      ),
    ),
  );
  return h("div", {}, table, reasons);
}

export async function scoringScreen(main: HTMLElement, applicationId: string): Promise<void> {
  const members = await scorers(await commands.listPanelMembers());
  const me = whoAmI();
  const app = await commands.getApplication(applicationId);
  const round = await commands.getRound(app.round_id);
  const heading = h("h1", { tabindex: "-1", id: "scoring-title" }, `Score: ${app.organisation_name}`);
  const back = h("p", { class: "crumbs" }, h("a", { href: "#/scoring" }, "My assignments"));
  if (!me || !members.some((m) => m.id === me)) {
    main.replaceChildren(back, heading, memberPicker(members, () => void scoringScreen(main, applicationId)));
    return;
  }
  const mine = app.declarations.find((d) => d.assessor_id === me);
  if (!mine) {
    main.replaceChildren(back, heading, applicationDetails(app, round), declarationStep(main, app, me));
    return;
  }
  if (mine.conflicted) {
    main.replaceChildren(
      back,
      heading,
      h("p", { "data-testid": "stood-aside" }, `You declared a conflict (${mine.note || "no note"}), so you stand aside: you do not score this application or see its scores.`),
    );
    return;
  }

  const sheets = await commands.scoreSheets(app.id, me);
  const own = sheets.find((s) => s.assessor_id === me);
  let submitted = own?.submitted ?? false;
  const saved = h("p", { id: "save-status", class: "hint", role: "status", "aria-live": "polite", "data-testid": "save-status" });
  const inputs: CriterionInputs[] = [];
  let timer: number | undefined;
  let chain: Promise<void> = Promise.resolve();
  const saveDraft = (): void => {
    if (submitted) return;
    const scores = collect(inputs, true);
    chain = chain
      .then(() => commands.saveScoreDraft(app.id, me, scores))
      .then(() => {
        saved.textContent = `Saved at ${new Date().toLocaleTimeString("en-GB")}`;
      })
      .catch((e) => {
        saved.textContent = `Not saved: ${asCommandError(e).message}`;
      });
  };
  const changed = (): void => {
    if (submitted) return;
    saved.textContent = "Saving…";
    window.clearTimeout(timer);
    timer = window.setTimeout(saveDraft, 300);
  };
  const fieldsets = round.rubric.criteria.map((c) => {
    const [fs, i] = criterionFieldset(c, own?.scores.find((s) => s.criterion_id === c.id), changed);
    inputs.push(i);
    return fs;
  });

  const submit = h("button", { type: "submit", id: "submit-scores", class: "primary" }, "Submit my scores");
  const reasonBox = h("div", { class: "field", hidden: !submitted }, h("label", { for: "revise-reason" }, "Reason for changing submitted scores (required)"), h("textarea", { id: "revise-reason", rows: 2 }));
  const reason = reasonBox.querySelector("textarea") as HTMLTextAreaElement;
  submit.textContent = submitted ? "Revise my scores" : "Submit my scores";
  const others = h("section", { id: "others", "aria-labelledby": "others-heading" });
  const renderOthers = (list: SheetView[]): void => {
    others.replaceChildren(
      h("h2", { id: "others-heading" }, "Other assessors"),
      submitted
        ? othersTable(list, me, round)
        : h("p", { id: "others-hidden", "data-testid": "others-hidden" }, "Other assessors' scores are hidden until you submit your own."),
    );
  };
  renderOthers(sheets);

  const form = h(
    "form",
    { id: "score-form", novalidate: true },
    h("h2", {}, "Your scores"),
    h("p", {}, submitted ? "You have submitted. A change needs a reason, and every revision is kept." : "Use Tab to move between criteria and the arrow keys to choose a score. Your draft is saved as you type."),
    // Your scores submitted on two laptops (the store's sentence): a revision settles it.
    ...app.conflicts
      .filter((c) => c.kind === "scores" && c.assessor_id === me)
      .map((c) => h("p", { class: "to-settle", role: "status", "data-testid": "scores-to-settle" }, `${c.message}.`)),
    ...fieldsets,
    reasonBox,
    h("div", { class: "actions" }, submit),
    saved,
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    window.clearTimeout(timer);
    await chain;
    const scores = collect(inputs, false);
    try {
      if (submitted) {
        await commands.reviseScores(app.id, me, scores, reason.value);
        reason.value = "";
        announce("Your revised scores are saved.");
      } else {
        await commands.submitScores(app.id, me, scores);
        announce("Your scores are submitted.");
      }
      submitted = true;
      submit.textContent = "Revise my scores";
      reasonBox.hidden = false;
      showFieldErrors(inputs, []);
      saved.textContent = "Submitted";
      renderOthers(await commands.scoreSheets(app.id, me));
    } catch (e) {
      const err = asCommandError(e);
      const fields = err.fields.length ? err.fields : [];
      // A criterion not chosen yet is never sent, so name it here as well.
      const unscored = inputs.filter((i) => !i.radios.some((r) => r.checked));
      const all = [...fields, ...unscored.map((i) => ({ field: `${i.criterion.id}.value`, message: "choose a score" }))];
      showFieldErrors(inputs, all);
      alertError(err.message);
      const first = inputs.find((i) => !i.error.hidden);
      (first?.radios.find((r) => r.checked) ?? first?.radios[0])?.focus();
    }
  });
  main.replaceChildren(back, heading, applicationDetails(app, round), form, others);
}

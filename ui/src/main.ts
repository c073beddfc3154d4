import "./styles.css";
import { asCommandError } from "./api";
import { alertError, byId, h } from "./dom";
import { session, type Session } from "./state";
import { firstRun } from "./views/first-run";
import { notContacted } from "./views/not-contacted";
import { organisationDetail } from "./views/organisation-detail";
import { organisationForm } from "./views/organisation-form";
import { organisations } from "./views/organisations";
import { ballotScreen } from "./views/ballot";
import { ballots, newBallot } from "./views/ballots";
import { issues } from "./views/issues";
import { meetings } from "./views/meetings";
import { resultsScreen } from "./views/results";
import { assignments, scoringScreen } from "./grants/scoring";
import { moderationScreen } from "./grants/moderation";
import { letterScreen, lettersScreen } from "./grants/letters";
import { templateScreen } from "./grants/templates";
import { settings } from "./views/settings";
import { startSyncIndicator } from "./sync";
import * as commands from "./bindings";
import type { Area } from "./bindings";

type Route =
  | { name: "organisations" }
  | { name: "new" }
  | { name: "detail"; id: string }
  | { name: "edit"; id: string }
  | { name: "not-contacted" }
  | { name: "meetings" }
  | { name: "issues" }
  | { name: "ballots" }
  | { name: "new-ballot" }
  | { name: "ballot"; id: string }
  | { name: "results"; id: string }
  | { name: "scoring" }
  | { name: "score"; id: string }
  | { name: "moderation" }
  | { name: "letters" }
  | { name: "letter"; id: string }
  | { name: "template"; id: string }
  | { name: "settings" };

function parse(hash: string): Route {
  if (hash === "#main") return { name: "organisations" };
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  if (parts[0] === "not-contacted") return { name: "not-contacted" };
  if (parts[0] === "settings") return { name: "settings" };
  if (parts[0] === "meetings") return { name: "meetings" };
  if (parts[0] === "issues") return { name: "issues" };
  if (parts[0] === "ballots" && parts[1] === "new") return { name: "new-ballot" };
  if (parts[0] === "ballots" && parts[1] && parts[2] === "results") return { name: "results", id: parts[1] };
  if (parts[0] === "ballots" && parts[1]) return { name: "ballot", id: parts[1] };
  if (parts[0] === "ballots") return { name: "ballots" };
  if (parts[0] === "scoring" && parts[1]) return { name: "score", id: parts[1] };
  if (parts[0] === "scoring") return { name: "scoring" };
  if (parts[0] === "moderation") return { name: "moderation" };
  if (parts[0] === "templates" && parts[1]) return { name: "template", id: parts[1] };
  if (parts[0] === "letters" && parts[1]) return { name: "letter", id: parts[1] };
  if (parts[0] === "letters") return { name: "letters" };
  if (parts[0] === "organisations" && parts[1] === "new") return { name: "new" };
  if (parts[0] === "organisations" && parts[1] && parts[2] === "edit") return { name: "edit", id: parts[1] };
  if (parts[0] === "organisations" && parts[1]) return { name: "detail", id: parts[1] };
  return { name: "organisations" };
}

function markCurrentNav(route: Route): void {
  const current: Record<string, string> = {
    organisations: "nav-organisations",
    detail: "nav-organisations",
    edit: "nav-organisations",
    "not-contacted": "nav-not-contacted",
    new: "nav-add-organisation",
    meetings: "nav-meetings",
    issues: "nav-issues",
    ballots: "nav-ballots",
    "new-ballot": "nav-ballots",
    ballot: "nav-ballots",
    results: "nav-ballots",
    scoring: "nav-scoring",
    score: "nav-scoring",
    moderation: "nav-moderation",
    letters: "nav-letters",
    letter: "nav-letters",
    template: "nav-letters",
    settings: "nav-settings",
  };
  for (const a of document.querySelectorAll("nav a")) a.removeAttribute("aria-current");
  document.getElementById(current[route.name] ?? "")?.setAttribute("aria-current", "page");
}

let firstRender = true;

async function render(s: Session, moveFocus = true): Promise<void> {
  const main = byId("main");
  const route = parse(location.hash);
  markCurrentNav(route);
  byId("alert").textContent = "";
  if (s.status.empty && !s.declinedDemo && route.name !== "new" && route.name !== "settings") {
    firstRun(main, s, () => {
      location.hash = "#/organisations";
      void render(s);
    });
  } else {
    switch (route.name) {
      case "organisations":
        organisations(main);
        break;
      case "not-contacted":
        notContacted(main);
        break;
      case "new":
        await organisationForm(main, s, null);
        break;
      case "edit":
        await organisationForm(main, s, route.id);
        break;
      case "detail":
        await organisationDetail(main, s, route.id);
        break;
      case "meetings":
        await meetings(main);
        break;
      case "issues":
        await issues(main);
        break;
      case "ballots":
        await ballots(main);
        break;
      case "new-ballot":
        await newBallot(main);
        break;
      case "ballot":
        await ballotScreen(main, route.id);
        break;
      case "results":
        await resultsScreen(main, route.id);
        break;
      case "scoring":
        await assignments(main);
        break;
      case "score":
        await scoringScreen(main, route.id);
        break;
      case "moderation":
        await moderationScreen(main);
        break;
      case "letters":
        await lettersScreen(main);
        break;
      case "letter":
        await letterScreen(main, route.id);
        break;
      case "template":
        await templateScreen(main, route.id);
        break;
      case "settings":
        settings(main);
        break;
    }
  }
  // Moving focus to the new heading tells screen-reader users the screen changed; the
  // first screen keeps the natural start so the skip link is the first stop.
  if (!firstRender && moveFocus) main.querySelector<HTMLElement>("h1")?.focus();
  if (firstRender) {
    firstRender = false;
    reportFirstPaint();
  }
}

/** Tells the shell once the first screen is on glass (not merely built); see first_paint. */
function reportFirstPaint(): void {
  requestAnimationFrame(() => requestAnimationFrame(() => void commands.firstPaint().catch(() => undefined)));
}

async function start(): Promise<void> {
  let s: Session;
  try {
    s = await session();
  } catch (e) {
    // Without a database the navigation leads nowhere, so only the explanation is shown.
    document.querySelector("nav")?.setAttribute("hidden", "");
    byId("sync-indicator").hidden = true;
    byId("main").replaceChildren(
      h("h1", { tabindex: "-1" }, "Trellis could not open its data"),
      h("p", { "data-testid": "startup-error" }, asCommandError(e).message),
    );
    reportFirstPaint();
    return;
  }
  byId("programme-name").textContent = s.status.programme_name;
  // The skip link must not change the route: it only moves focus to the content.
  byId("skip-link").addEventListener("click", (ev) => {
    ev.preventDefault();
    byId("main").focus();
  });
  window.addEventListener("hashchange", () => {
    void render(s).catch((e) => alertError(asCommandError(e).message));
  });
  await render(s);
  void commands
    .onChanged((changed) => {
      if (changed.source === "sync") void refreshAfterSync(s, changed.areas);
    })
    .catch((e) => alertError(`Could not follow changes from other laptops: ${asCommandError(e).message}`));
  void startSyncIndicator().catch((e) =>
    alertError(`Could not show the sync state: ${asCommandError(e).message}`),
  );
}

/** Screens that only list things (re-reading them loses nothing typed), with the records
 * each shows: it is re-read when other laptops' changes to those arrive. */
const LISTINGS: Partial<Record<string, Area[]>> = {
  organisations: ["organisations", "contacts"],
  "not-contacted": ["organisations", "contacts"],
  detail: ["organisations", "contacts", "attendance"],
  meetings: ["meetings", "attendance"],
  issues: ["issues", "meetings"],
  ballots: ["ballots", "votes"],
  results: ["ballots", "votes"],
  scoring: ["rounds", "panel", "applications", "attachments", "scores"],
  letters: ["letters", "decisions", "applications"],
};

/**
 * After a sync received other laptops' changes, the screen shows them, but only a listing
 * and only when the person is not in the middle of it (focus outside the main area, e.g.
 * on "Sync now"), so nobody loses their place or their typing.
 */
async function refreshAfterSync(s: Session, areas: Area[]): Promise<void> {
  // Always: a new laptop that enrolled first must not be offered the demo data once the
  // programme's data has arrived.
  s.status = await commands.appStatus();
  const main = byId("main");
  const active = document.activeElement;
  const busy = active !== null && active !== main && active !== document.body && main.contains(active);
  const shown = LISTINGS[parse(location.hash).name] ?? [];
  if (busy || !areas.some((a) => shown.includes(a))) return;
  await render(s, false);
}

void start();

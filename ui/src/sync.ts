// The header's sync indicator: the shell's background worker emits `sync-state` after every
// step (start, each minute, shortly after a change, "Sync now"); this shows it in words on
// every screen. Nothing here talks to the server: all network is in Rust.
import { asCommandError, type SyncView } from "./api";
import { alertError, byId } from "./dom";
import * as commands from "./bindings";

type Listener = (view: SyncView) => void;

let current: SyncView | null = null;
/** The last state other than "syncing", to announce only real changes. */
let lastSettled: SyncView["state"] | null = null;
/** "Sync now" was pressed: announce the outcome of that sync whatever it is. */
let askedToSync = false;

function say(text: string): void {
  const region = byId("sync-announce");
  // Clearing first makes a repeated sentence be read again.
  region.textContent = "";
  window.setTimeout(() => {
    region.textContent = text;
  }, 30);
}
const listeners = new Set<Listener>();

function changes(n: number): string {
  return n === 1 ? "1 change" : `${n} changes`;
}

/** The indicator's words, e.g. "Offline · 3 changes waiting", "Synced at 14:05". */
export function syncText(v: SyncView): string {
  const check = v.clock
    ? " · clock wrong (see Settings)"
    : v.notices.length > 0
      ? ` · ${v.notices.length} to check (see Settings)`
      : "";
  const waiting = (v.waiting > 0 ? ` · ${changes(v.waiting)} waiting` : "") + check;
  switch (v.state) {
    case "syncing":
      return "Syncing…";
    case "synced":
      return `Synced at ${v.last_sync ?? "—"}${waiting}`;
    case "offline":
      return `Offline · ${v.waiting > 0 ? `${changes(v.waiting)} waiting` : "nothing waiting"}`;
    case "refused":
      return `Sync refused (see Settings)${waiting}`;
    case "failed":
      return `Sync failed (see Settings)${waiting}`;
    case "not enrolled":
      return "Not enrolled for sync";
  }
}

/** The latest state, for screens that show more of it (Settings). */
export function syncView(): SyncView | null {
  return current;
}

/**
 * True when this laptop is enrolled as a facilitator. The server keeps grants records
 * (rounds, applications, scores, decisions, letters) and the equality answers other
 * people recorded from facilitators' laptops, so an empty screen here does not mean
 * there is nothing, and screens must say so rather than "None recorded".
 */
export async function facilitatorLaptop(): Promise<boolean> {
  return (await enrolment())?.role === "facilitator";
}

/** The panel member this laptop is enrolled as (its user's name), or null. */
export async function enrolledPanelMember(): Promise<string | null> {
  const view = await enrolment();
  return view?.role === "panel" ? view.user : null;
}

/** The latest state (which names the enrolled user and role), asked for if none came yet. */
async function enrolment(): Promise<SyncView | null> {
  return current ?? (await commands.syncStatus().catch(() => null));
}

/** What a grants screen says on a facilitator's laptop instead of its empty state. */
export const GRANTS_NOT_SENT =
  "This laptop is enrolled as a facilitator, so funding rounds, applications, scores, decisions and letters are not sent to it: they are made and kept on staff and panel laptops.";

/** Calls `fn` with every new state until it returns false. */
export function onSync(fn: (view: SyncView) => boolean): void {
  const wrapped: Listener = (view) => {
    if (!fn(view)) listeners.delete(wrapped);
  };
  listeners.add(wrapped);
}

function show(view: SyncView): void {
  current = view;
  const text = byId("sync-text");
  text.textContent = syncText(view);
  text.dataset.state = view.state;
  byId("sync-indicator").dataset.state = view.state;
  // Screen readers hear changes of state (offline, synced, refused), not every minute's
  // "Syncing…" and new time, which would interrupt whatever they are reading.
  if (view.state !== "syncing" && (view.state !== lastSettled || askedToSync)) {
    // The first state is on screen from the start; it is not news. After "Sync now" the
    // outcome is, even when it is the same as before (still offline).
    if (lastSettled !== null || askedToSync) say(syncText(view));
    lastSettled = view.state;
    askedToSync = false;
  }
  for (const fn of [...listeners]) fn(view);
}

/** Starts the indicator and the "Sync now" button. (What a sync brought is shown by the
 * screens themselves, on the shell's "changed" event: see main.ts.) */
export async function startSyncIndicator(): Promise<void> {
  byId("sync-now").addEventListener("click", () => {
    if (current?.state === "not enrolled") {
      say("This laptop is not enrolled for sync yet: enrol it in Settings.");
      return;
    }
    askedToSync = true;
    commands.syncNow().catch((e) => alertError(`Could not start a sync: ${asCommandError(e).message}`));
  });
  // Listen first, then ask: a state emitted in between is not missed (a newer event
  // simply replaces the answer).
  let heard = false;
  await commands.onSyncState((view) => {
    heard = true;
    show(view);
  });
  const first = await commands.syncStatus();
  if (!heard) show(first);
}

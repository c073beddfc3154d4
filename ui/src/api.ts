// The shell's commands and the shapes they exchange. Field names match the Rust types'
// serde names (snake_case). src-tauri/src/ui_contract.rs fails the build when an interface
// here and the JSON the shell sends disagree.
import { invoke } from "@tauri-apps/api/core";

export type IsoDate = string; // YYYY-MM-DD

export interface FieldError {
  field: string;
  message: string;
}

export interface CommandError {
  kind: "invalid" | "not_found" | "store" | "sync";
  message: string;
  fields: FieldError[];
}

export interface AppStatus {
  empty: boolean;
  today: IsoDate;
  programme_name: string;
}

export interface Option {
  code: string;
  label: string;
}

export interface DeiCode {
  code: string;
  title: string;
  description: string;
}

export interface ReferenceLists {
  income_bands: Option[];
  contact_kinds: Option[];
  dei_codes: DeiCode[];
}

export interface OrganisationSummary {
  id: string;
  name: string;
  org_ref: string;
  postcode: string;
  income_band: string;
  small: boolean | null;
  led_by: string[];
  last_contact: IsoDate | null;
  overdue_follow_up: IsoDate | null;
  next_follow_up: IsoDate | null;
}

export interface Contact {
  id: string;
  organisation_id: string;
  date: IsoDate;
  kind: string;
  by: string;
  notes: string;
  follow_up: IsoDate | null;
}

export interface OrganisationDetail extends OrganisationSummary {
  address: string;
  communities_served: string[];
  contacts: Contact[];
}

export interface OrganisationInput {
  name: string;
  org_ref: string;
  address: string;
  postcode: string;
  income_band: string;
  led_by: string[];
  communities_served: string[];
}

export interface ContactInput {
  organisation_id: string;
  date: string;
  kind: string;
  by: string;
  notes: string;
  follow_up: string;
}

/** Organisations recorded with one identifier (two laptops added one group offline). */
export interface SharedIdentifier {
  org_ref: string;
  organisation_ids: string[];
  /** The store's sentence naming them and what to do. */
  message: string;
}

/** The background sync's state (the shell's `sync-state` event and `sync_status`). */
export interface SyncView {
  state: "not enrolled" | "syncing" | "synced" | "offline" | "refused" | "failed";
  /** Local time of the last finished sync: "14:05" today, else "26 Nov 14:05". */
  last_sync: string | null;
  /** This laptop's changes the server has not acknowledged yet. */
  waiting: number;
  reason: string | null;
  /** Changes received from other laptops by the last sync. */
  received: number;
  server: string | null;
  user: string | null;
  role: string | null;
  /** A sentence saying where the device token is kept. */
  token_kept: string | null;
  /** This laptop's clock against the server's, when it is wrong by more than allowed. */
  clock: string | null;
  /** Sentences a person should read: changes the server refused, changes waiting here. */
  notices: string[];
}

/** Turns whatever a command rejected with into a CommandError, so callers handle one shape. */
export function asCommandError(e: unknown): CommandError {
  if (typeof e === "object" && e !== null && "kind" in e && "message" in e) {
    const c = e as Partial<CommandError>;
    return {
      kind: c.kind ?? "store",
      message: String(c.message ?? ""),
      fields: Array.isArray(c.fields) ? c.fields : [],
    };
  }
  return { kind: "store", message: String(e), fields: [] };
}

export const api = {
  appStatus: () => invoke<AppStatus>("app_status"),
  referenceLists: () => invoke<ReferenceLists>("reference_lists"),
  loadDemo: () => invoke<void>("load_demo"),
  listOrganisations: (query: string) => invoke<OrganisationSummary[]>("list_organisations", { query }),
  sharedIdentifiers: () => invoke<SharedIdentifier[]>("shared_identifiers"),
  getOrganisation: (id: string) => invoke<OrganisationDetail>("get_organisation", { id }),
  validateOrganisation: (input: OrganisationInput) =>
    invoke<FieldError[]>("validate_organisation", { input }),
  addOrganisation: (input: OrganisationInput) => invoke<string>("add_organisation", { input }),
  updateOrganisation: (id: string, input: OrganisationInput) =>
    invoke<boolean>("update_organisation", { id, input }),
  suggestOrgRef: (name: string) => invoke<string>("suggest_org_ref", { name }),
  logContact: (input: ContactInput) => invoke<string>("log_contact", { input }),
  notContacted: (days: number) => invoke<OrganisationSummary[]>("not_contacted", { days }),
  firstPaint: () => invoke<void>("first_paint"),
  syncStatus: () => invoke<SyncView>("sync_status"),
  syncNow: () => invoke<void>("sync_now"),
  enrolDevice: (server: string, code: string) => invoke<SyncView>("enrol_device", { server, code }),
};

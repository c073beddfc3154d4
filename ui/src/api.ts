// Helpers around the shell's commands. The commands and every type they exchange are
// generated from the Rust types into ./bindings.ts (see src-tauri/src/command_list.rs);
// the names here are kept for the screens that import them.
import type { BallotOption, CommandError } from "./bindings";
export type { AppStatus, CommandError, Contact, ContactInput, DeiCode, FieldError, OrganisationDetail, OrganisationInput, OrganisationSummary, ReferenceLists, SharedIdentifier, SyncView } from "./bindings";
export type Option = BallotOption;

export type IsoDate = string; // YYYY-MM-DD

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


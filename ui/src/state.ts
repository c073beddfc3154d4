// What every screen needs and the shell gives once per launch: the code lists and today's
// date on this computer.
import { type AppStatus, type ReferenceLists } from "./api";
import * as commands from "./bindings";

export interface Session {
  status: AppStatus;
  lists: ReferenceLists;
  /** Set when the person chose "Start empty", so the offer is not shown again this launch. */
  declinedDemo: boolean;
}

let current: Session | null = null;

export async function session(): Promise<Session> {
  if (!current) {
    const [status, lists] = await Promise.all([commands.appStatus(), commands.referenceLists()]);
    current = { status, lists, declinedDemo: false };
  }
  return current;
}

export async function refreshStatus(): Promise<Session> {
  const s = await session();
  s.status = await commands.appStatus();
  return s;
}

export function incomeLabel(s: Session, code: string): string {
  return s.lists.income_bands.find((b) => b.code === code)?.label ?? code;
}

export function kindLabel(s: Session, code: string): string {
  return s.lists.contact_kinds.find((k) => k.code === code)?.label ?? code;
}

export function deiTitle(s: Session, code: string): string {
  return s.lists.dei_codes.find((c) => c.code === code)?.title ?? code;
}

/** Words, not a colour, say whether an organisation is small. */
export function smallText(small: boolean | null): string {
  if (small === true) return "Small";
  if (small === false) return "Not small";
  return "Not known";
}

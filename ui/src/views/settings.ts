// Settings: this laptop's sync. What the background sync is doing, who the laptop syncs as
// and where its device token is kept, and the form to enrol with a one-time code.
import { asCommandError, type SyncView } from "../api";
import { alertError, announce, h } from "../dom";
import { errorElement, focusFirstInvalid, showErrors, type FieldSlot } from "../forms";
import { onSync, syncText, syncView } from "../sync";
import * as commands from "../bindings";

const NOT_YET_KEPT =
  "Not enrolled yet. After enrolling, the device token is kept in this system's credential store where it has one, otherwise in a file beside the database that only you can read; this screen will say which.";

function fact(term: string, id: string, value: string): HTMLElement[] {
  return [h("dt", {}, term), h("dd", { id, "data-testid": id }, value)];
}

function facts(v: SyncView | null): HTMLElement {
  if (!v) return h("p", {}, "Sync is starting…");
  const who = v.user ? `${v.user} (${v.role ?? "no role"})` : "Not enrolled";
  return h(
    "dl",
    { class: "facts", id: "sync-facts" },
    ...fact("State", "settings-sync-state", syncText(v)),
    ...(v.reason ? fact("Why", "settings-sync-reason", v.reason) : []),
    ...fact("Server", "settings-server", v.server ?? "None"),
    ...fact("Enrolled as", "settings-user", who),
    ...fact("Last sync", "settings-last-sync", v.last_sync ?? "Never"),
    ...fact("Changes waiting to be sent", "settings-waiting", String(v.waiting)),
    ...fact("Device token", "settings-token-kept", v.token_kept ?? NOT_YET_KEPT),
    ...(v.clock ? fact("Clock", "settings-clock", v.clock) : []),
    ...(v.notices.length > 0
      ? [
          h("dt", {}, "To check"),
          h(
            "dd",
            { id: "settings-notices", "data-testid": "settings-notices" },
            h("ul", {}, ...v.notices.map((n) => h("li", {}, n))),
          ),
        ]
      : []),
  );
}

function field(id: string, label: string, hint: string, input: HTMLInputElement, error: HTMLElement): HTMLElement {
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    h("p", { id: `${id}-hint`, class: "hint" }, hint),
    error,
    input,
  );
}

export function settings(main: HTMLElement): void {
  const box = h("div", { id: "sync-facts-box" }, facts(syncView()));
  // Keep the facts current while this screen is open; stop once it is replaced.
  onSync((v) => {
    if (!main.contains(box)) return false;
    box.replaceChildren(facts(v));
    return true;
  });

  const server = h("input", {
    type: "text",
    id: "enrol-server",
    inputmode: "url",
    autocomplete: "off",
    spellcheck: "false",
    "aria-describedby": "enrol-server-hint",
    value: syncView()?.server ?? "",
  });
  const code = h("input", {
    type: "text",
    id: "enrol-code",
    class: "short",
    autocomplete: "off",
    spellcheck: "false",
    "aria-describedby": "enrol-code-hint",
  });
  const serverError = errorElement("enrol-server-error");
  const codeError = errorElement("enrol-code-error");
  const slots: FieldSlot[] = [
    { field: "server", focusTarget: () => server, described: server, error: serverError, hintId: "enrol-server-hint" },
    { field: "code", focusTarget: () => code, described: code, error: codeError, hintId: "enrol-code-hint" },
  ];
  const submit = h("button", { type: "submit", class: "primary", id: "enrol-submit" }, "Enrol this laptop");
  const form = h(
    "form",
    { id: "enrol-form", novalidate: true },
    field(
      "enrol-server",
      "Sync server address",
      "As given by whoever runs the server, for example http://192.168.1.20:8710",
      server,
      serverError,
    ),
    field(
      "enrol-code",
      "One-time code",
      "From `trellis-server enrol --user NAME`; it works once, within 15 minutes",
      code,
      codeError,
    ),
    submit,
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    showErrors(slots, []);
    submit.disabled = true;
    submit.textContent = "Enrolling…";
    try {
      const v = await commands.enrolDevice(server.value, code.value);
      code.value = "";
      announce(
        `This laptop is enrolled as ${v.user ?? "?"} (${v.role ?? "?"}) with ${v.server ?? server.value}. ${v.token_kept ?? ""}`.trim(),
      );
      box.replaceChildren(facts(syncView() ?? v));
      title.textContent = "Enrol again (a new code, or another server)";
    } catch (e) {
      const err = asCommandError(e);
      alertError(err.message);
      if (err.fields.length) {
        showErrors(slots, err.fields);
        focusFirstInvalid(slots, err.fields);
      }
    } finally {
      submit.disabled = false;
      submit.textContent = "Enrol this laptop";
    }
  });

  const enrolled = Boolean(syncView()?.user);
  const title = h("h2", { id: "enrol-title" }, enrolled ? "Enrol again (a new code, or another server)" : "Enrol this laptop");
  main.replaceChildren(
    h(
      "section",
      { "aria-labelledby": "settings-title" },
      h("h1", { id: "settings-title", tabindex: "-1" }, "Settings"),
      h("h2", {}, "Sync"),
      h(
        "p",
        {},
        "Trellis works offline. When the sync server can be reached it sends this laptop's changes and receives everyone else's: when Trellis starts, every minute, a couple of seconds after each change, and when you press Sync now.",
      ),
      box,
      title,
      form,
    ),
  );
}

import { asCommandError } from "../api";
import { alertError, h } from "../dom";
import { settlePanel } from "../settle";
import { organisationTable } from "./organisation-table";
import * as commands from "../bindings";

let lastQuery = "";

export function organisations(main: HTMLElement): void {
  const search = h("input", {
    type: "search",
    id: "org-search",
    "aria-describedby": "org-search-hint",
    autocomplete: "off",
    spellcheck: "false",
    value: lastQuery,
  });
  const results = h("div", { id: "org-results", "aria-live": "polite", "aria-busy": "false" });
  const count = h("p", { id: "org-count", class: "count" });
  // Organisations sharing one identifier (only a sync between laptops makes these): the
  // store's sentence says which and what to do; correcting an identifier settles it.
  const shared = h("div", { id: "shared-identifiers" });
  main.replaceChildren(
    h(
      "section",
      { "aria-labelledby": "organisations-title" },
      h("div", { class: "title-row" },
        h("h1", { id: "organisations-title", tabindex: "-1" }, "Organisations"),
        h("a", { href: "#/organisations/new", id: "add-org", class: "button primary" }, "Add organisation"),
      ),
      h("div", { class: "search" },
        h("label", { for: "org-search" }, "Search organisations"),
        h("p", { id: "org-search-hint", class: "hint" }, "By name, identifier or postcode. The list updates as you type."),
        search,
      ),
      shared,
      count,
      results,
    ),
  );

  // Responses can arrive out of order while someone types; only the newest is shown.
  let seq = 0;
  let timer: number | undefined;
  const refresh = async (): Promise<void> => {
    const mine = ++seq;
    const query = search.value;
    lastQuery = query;
    results.setAttribute("aria-busy", "true");
    try {
      const rows = await commands.listOrganisations(query);
      if (mine !== seq) return;
      count.textContent = rows.length === 1 ? "1 organisation" : `${rows.length} organisations`;
      results.replaceChildren(
        organisationTable(
          "org-table",
          query.trim() ? `Organisations matching “${query.trim()}”` : "All organisations",
          rows,
          query.trim() ? "No organisation matches that search." : "No organisations yet.",
        ),
      );
    } catch (e) {
      if (mine === seq) alertError(`Could not list organisations: ${asCommandError(e).message}`);
    } finally {
      if (mine === seq) results.setAttribute("aria-busy", "false");
    }
  };
  const soon = (): void => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void refresh(), 120);
  };
  // "change" as well as "input": clearing the box by other means (WebDriver, some
  // assistive tools) may fire only "change".
  search.addEventListener("input", soon);
  search.addEventListener("change", soon);
  void refresh();
  void commands
    .sharedIdentifiers()
    .then((list) => {
      shared.replaceChildren(
        settlePanel(
          "shared-identifier-warning",
          "Organisations sharing one identifier",
          list.map((s) => ({ key: `${s.org_ref} ${s.organisation_ids.join(" ")}`, text: s.message })),
        ) ?? "",
      );
    })
    .catch((e) => alertError(`Could not check identifiers: ${asCommandError(e).message}`));
}

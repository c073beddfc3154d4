// The table of organisations shared by the directory and the "Not contacted" view.
import type { OrganisationSummary } from "../api";
import { h } from "../dom";
import { smallText } from "../state";

export function organisationTable(
  id: string,
  caption: string,
  rows: OrganisationSummary[],
  emptyText: string,
): HTMLElement {
  if (rows.length === 0) {
    return h("p", { id, class: "empty", "data-testid": `${id}-empty` }, emptyText);
  }
  const body = h("tbody");
  for (const org of rows) {
    const follow = org.overdue_follow_up
      ? h("span", { class: "overdue", "data-testid": "overdue" }, `Overdue since ${org.overdue_follow_up}`)
      : org.next_follow_up
        ? `Due ${org.next_follow_up}`
        : "None";
    body.append(
      h(
        "tr",
        { "data-testid": "org-row", "data-org-id": org.id, class: org.overdue_follow_up ? "row-overdue" : null },
        h("th", { scope: "row" }, h("a", { href: `#/organisations/${org.id}`, "data-testid": "org-link" }, org.name)),
        h("td", { class: "mono" }, org.org_ref),
        h("td", {}, org.postcode || "—"),
        h("td", {}, smallText(org.small)),
        h("td", { class: "date" }, org.last_contact ?? "Never"),
        h("td", {}, follow),
      ),
    );
  }
  return h(
    "table",
    { id, class: "orgs", "data-testid": id },
    h("caption", {}, caption),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col" }, "Name"),
        h("th", { scope: "col" }, "Identifier"),
        h("th", { scope: "col" }, "Postcode"),
        h("th", { scope: "col" }, "Small organisation"),
        h("th", { scope: "col" }, "Last contact"),
        h("th", { scope: "col" }, "Follow-up"),
      ),
    ),
    body,
  );
}

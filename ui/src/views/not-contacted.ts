import { asCommandError } from "../api";
import { alertError, h } from "../dom";
import { errorElement } from "../forms";
import { organisationTable } from "./organisation-table";
import * as commands from "../bindings";

let lastDays = "30";

export function notContacted(main: HTMLElement): void {
  const days = h("input", {
    type: "number",
    id: "nc-days",
    min: "0",
    max: "3650",
    step: "1",
    inputmode: "numeric",
    value: lastDays,
    "aria-describedby": "nc-days-hint",
  });
  const error = errorElement("nc-days-error");
  const results = h("div", { id: "nc-results", "aria-live": "polite" });
  main.replaceChildren(
    h(
      "section",
      { "aria-labelledby": "nc-title" },
      h("h1", { id: "nc-title", tabindex: "-1" }, "Not contacted"),
      h("p", {}, "Organisations nobody from the commissioning side has contacted recently, including those never contacted."),
      h("div", { class: "field narrow" },
        h("label", { for: "nc-days" }, "Not contacted for at least (days)"),
        h("p", { id: "nc-days-hint", class: "hint" }, "A whole number, for example 30."),
        error,
        days,
      ),
      results,
    ),
  );

  let seq = 0;
  const refresh = async (): Promise<void> => {
    const mine = ++seq;
    const raw = days.value.trim();
    if (!/^\d{1,4}$/.test(raw)) {
      error.textContent = "Enter a whole number of days, for example 30.";
      error.hidden = false;
      days.setAttribute("aria-invalid", "true");
      days.setAttribute("aria-describedby", "nc-days-hint nc-days-error");
      return;
    }
    error.hidden = true;
    error.textContent = "";
    days.removeAttribute("aria-invalid");
    days.setAttribute("aria-describedby", "nc-days-hint");
    lastDays = raw;
    try {
      const rows = await commands.notContacted(Number(raw));
      if (mine !== seq) return;
      results.replaceChildren(
        organisationTable(
          "nc-table",
          `Not contacted for ${raw} days or more`,
          rows,
          `Every organisation has been contacted in the last ${raw} days.`,
        ),
      );
    } catch (e) {
      if (mine === seq) alertError(`Could not list organisations: ${asCommandError(e).message}`);
    }
  };
  days.addEventListener("input", () => void refresh());
  void refresh();
}

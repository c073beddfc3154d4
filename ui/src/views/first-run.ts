import { asCommandError } from "../api";
import { alertError, announce, h } from "../dom";
import type { Session } from "../state";
import * as commands from "../bindings";

export function firstRun(main: HTMLElement, s: Session, done: () => void): void {
  const load = h("button", { type: "button", id: "load-demo", class: "primary" }, "Load demo data");
  const empty = h("button", { type: "button", id: "start-empty" }, "Start empty");
  load.addEventListener("click", async () => {
    load.disabled = true;
    try {
      await commands.loadDemo();
      s.status.empty = false;
      announce("Demo data loaded.");
      done();
    } catch (e) {
      load.disabled = false;
      alertError(`Could not load the demo data: ${asCommandError(e).message}`);
    }
  });
  empty.addEventListener("click", () => {
    s.declinedDemo = true;
    announce("Starting with an empty directory. Add your first organisation.");
    location.hash = "#/organisations/new";
  });
  main.replaceChildren(
    h(
      "section",
      { class: "first-run", "data-testid": "first-run", "aria-labelledby": "first-run-title" },
      h("h1", { id: "first-run-title", tabindex: "-1" }, "Welcome to Trellis"),
      h("p", {}, "There are no organisations on this computer yet."),
      h(
        "p",
        {},
        "Load the demo data to try Trellis with made-up organisations and contacts, or start with an empty directory. ",
        "Demo records are invented and can be told apart by their names.",
      ),
      h("div", { class: "actions" }, load, empty),
    ),
  );
}

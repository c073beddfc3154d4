// Issues raised by communities: the list (with every meeting that raised each), a form to
// raise one, and merging two that are the same.
import { asCommandError } from "../api";
import { alertError, announce, h } from "../dom";
import * as commands from "../bindings";


function labelled(id: string, label: string, control: HTMLElement): HTMLElement {
  return h("div", { class: "field" }, h("label", { for: id }, label), control);
}

export async function issues(main: HTMLElement): Promise<void> {
  const [list, meetings] = await Promise.all([commands.listIssues(false), commands.listMeetings()]);
  const title = h("input", { type: "text", id: "issue-title" });
  const description = h("textarea", { id: "issue-description", rows: "3" });
  const meeting = h(
    "select",
    { id: "issue-meeting" },
    h("option", { value: "" }, "Not raised at a meeting"),
    ...meetings.map((m) => h("option", { value: m.id }, `${m.date} ${m.title}`)),
  );
  const quote = h("textarea", { id: "issue-quote", rows: "2" });
  const form = h(
    "form",
    { id: "issue-form", novalidate: true },
    labelled("issue-title", "Title", title),
    labelled("issue-description", "Description", description),
    labelled("issue-meeting", "Raised at", meeting),
    labelled("issue-quote", "A quote in a service user's own words (optional)", quote),
    h("button", { type: "submit", class: "primary" }, "Raise issue"),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      await commands.raiseIssue({
        title: title.value,
        description: description.value,
        meeting_id: meeting.value,
        communities: [],
        quotes: quote.value.trim() ? [quote.value.trim()] : [],
      });
      announce("Issue raised.");
      await issues(main);
    } catch (e) {
      const err = asCommandError(e);
      alertError(err.fields.length ? err.fields.map((f) => `${f.field}: ${f.message}`).join(" ") : err.message);
    }
  });
  const options = (): HTMLOptionElement[] => list.map((i) => h("option", { value: i.id }, i.title));
  const from = h("select", { id: "merge-from" }, ...options());
  const into = h("select", { id: "merge-into" }, ...options());
  const merge = h(
    "form",
    { id: "merge-form", novalidate: true },
    labelled("merge-from", "Merge this issue", from),
    labelled("merge-into", "into this one (both sources are kept)", into),
    h("button", { type: "submit" }, "Merge issues"),
  );
  merge.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      await commands.mergeIssues(from.value, into.value);
      announce("Issues merged; both meetings are listed as sources.");
      await issues(main);
    } catch (e) {
      alertError(asCommandError(e).message);
    }
  });
  main.replaceChildren(
    h(
      "section",
      { "aria-labelledby": "issues-title" },
      h("h1", { id: "issues-title", tabindex: "-1" }, "Issues raised"),
      h(
        "table",
        { id: "issue-table" },
        h("caption", {}, "Issues, oldest first"),
        h("thead", {}, h("tr", {}, ...["Issue", "Raised at", "Quotes"].map((c) => h("th", { scope: "col" }, c)))),
        h(
          "tbody",
          {},
          ...list.map((i) =>
            h(
              "tr",
              { "data-testid": "issue-row" },
              h("th", { scope: "row" }, i.title, h("p", { class: "hint" }, i.description)),
              h("td", {}, i.sources.map((s) => s.meeting_title ?? "—").join("; ")),
              h("td", {}, i.quotes.map((q) => `“${q}”`).join(" ")),
            ),
          ),
        ),
      ),
      h("h2", {}, "Raise an issue"),
      form,
      list.length > 1 ? h("h2", {}, "Merge two issues") : null,
      list.length > 1 ? merge : null,
    ),
  );
}

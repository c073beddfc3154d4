// Meetings and workshops: the list, a form for a new one, and each meeting's attendance
// with walk-ins added on the spot.
import { asCommandError } from "../api";
import { alertError, announce, h } from "../dom";
import * as commands from "../bindings";


const KINDS: [string, string][] = [
  ["forum", "Forum"],
  ["special-interest-group", "Special-interest group"],
  ["assembly", "Assembly"],
  ["blue-sky-workshop", "Blue-sky workshop"],
  ["topic-workshop", "Topic workshop"],
];

function labelled(id: string, label: string, control: HTMLElement): HTMLElement {
  return h("div", { class: "field" }, h("label", { for: id }, label), control);
}

export async function meetings(main: HTMLElement): Promise<void> {
  const list = await commands.listMeetings();
  const kind = h("select", { id: "meeting-kind" }, ...KINDS.map(([v, l]) => h("option", { value: v }, l)));
  const title = h("input", { type: "text", id: "meeting-title" });
  const date = h("input", { type: "date", id: "meeting-date" });
  const time = h("input", { type: "time", id: "meeting-time" });
  const venue = h("input", { type: "text", id: "meeting-venue" });
  const facilitators = h("input", { type: "text", id: "meeting-facilitators" });
  const form = h(
    "form",
    { id: "meeting-form", novalidate: true },
    labelled("meeting-kind", "Kind", kind),
    labelled("meeting-title", "Title", title),
    labelled("meeting-date", "Date", date),
    labelled("meeting-time", "Time (optional)", time),
    labelled("meeting-venue", "Venue", venue),
    labelled("meeting-facilitators", "Facilitators (separated by commas)", facilitators),
    h("button", { type: "submit", class: "primary" }, "Add meeting"),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      await commands.addMeeting({
        kind: kind.value,
        title: title.value,
        date: date.value,
        time: time.value,
        venue: venue.value,
        facilitators: facilitators.value.split(",").map((f) => f.trim()).filter(Boolean),
      });
      announce("Meeting added.");
      await meetings(main);
    } catch (e) {
      const err = asCommandError(e);
      alertError(err.fields.length ? err.fields.map((f) => `${f.field}: ${f.message}`).join(" ") : err.message);
    }
  });

  const rows = list.map((m) =>
    h(
      "tr",
      { "data-testid": "meeting-row" },
      h("td", { class: "date" }, m.date, m.time ? ` ${m.time.slice(0, 5)}` : ""),
      h("th", { scope: "row" }, m.title),
      h("td", {}, KINDS.find(([v]) => v === m.kind)?.[1] ?? m.kind),
      h("td", {}, m.venue),
      h("td", {}, String(m.attendance)),
    ),
  );
  const chooser = h(
    "select",
    { id: "attendance-meeting" },
    h("option", { value: "" }, "Choose a meeting"),
    ...list.map((m) => h("option", { value: m.id }, `${m.date} ${m.title}`)),
  );
  const attendance = h("div", { id: "attendance" });
  chooser.addEventListener("change", () => void showAttendance(attendance, chooser.value));

  main.replaceChildren(
    h(
      "section",
      { "aria-labelledby": "meetings-title" },
      h("h1", { id: "meetings-title", tabindex: "-1" }, "Meetings and workshops"),
      h(
        "table",
        { id: "meeting-table" },
        h("caption", {}, "All meetings, newest first"),
        h("thead", {}, h("tr", {}, ...["Date", "Title", "Kind", "Venue", "Attending"].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, ...rows),
      ),
      h("h2", {}, "Attendance"),
      labelled("attendance-meeting", "Meeting", chooser),
      attendance,
      h("h2", {}, "Add a meeting"),
      form,
    ),
  );
}

async function showAttendance(box: HTMLElement, meetingId: string): Promise<void> {
  if (!meetingId) {
    box.replaceChildren();
    return;
  }
  try {
    const [people, orgs] = await Promise.all([commands.listAttendance(meetingId), commands.listOrganisations("")]);
    const name = h("input", { type: "text", id: "attendee-name" });
    const org = h(
      "select",
      { id: "attendee-org" },
      h("option", { value: "" }, "No organisation"),
      ...orgs.map((o) => h("option", { value: o.id }, o.name)),
    );
    const walkIn = h("input", { type: "checkbox", id: "attendee-walk-in", checked: true });
    const form = h(
      "form",
      { id: "attendee-form", novalidate: true },
      labelled("attendee-name", "Name", name),
      labelled("attendee-org", "Organisation", org),
      h("div", { class: "field" }, walkIn, " ", h("label", { for: "attendee-walk-in", class: "inline" }, "Walk-in (not on the list beforehand)")),
      h("button", { type: "submit" }, "Add to attendance"),
    );
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try {
        await commands.attend(meetingId, org.value, name.value, walkIn.checked);
        announce("Added to the attendance list.");
        await showAttendance(box, meetingId);
        document.getElementById("attendee-name")?.focus();
      } catch (e) {
        alertError(asCommandError(e).message);
      }
    });
    box.replaceChildren(
      h(
        "ul",
        { id: "attendance-list" },
        ...people.map((a) =>
          h(
            "li",
            { "data-testid": "attendee" },
            a.name && a.organisation_name ? `${a.name} (${a.organisation_name})` : a.name || a.organisation_name || "",
            a.walk_in ? " — walk-in" : "",
          ),
        ),
      ),
      h("p", {}, `${people.length} attending.`),
      form,
    );
  } catch (e) {
    alertError(asCommandError(e).message);
  }
}

// Live capture: a facilitator records votes with the keyboard alone.
//
// 1. Voter box (a combobox): type part of a name, Up/Down move through the matches, Enter
//    picks one (token ballots: type the token and press Enter).
// 2. Choices: focus moves to the options, numbered 1..N (0 is the tenth). What a number
//    key does depends on the method: ranked ballots take presses in order (1st, 2nd, ...);
//    plurality keeps the last press; approval toggles; dot voting adds a dot per press;
//    score ballots: Up/Down choose the option and a number key sets its score. On every
//    method Up/Down move a highlight and Space presses it (options after the tenth).
//    Backspace undoes the last press, Enter records the vote, Escape cancels it.
// 3. The confirmation is announced and the form goes back to the voter box. Refusals
//    (already voted, not eligible, too many dots) are shown and nothing typed is lost.
import { asCommandError } from "../api";
import { h } from "../dom";
import { facilitatorName, setFacilitatorName, type AuditRow, type BallotView, type VoterChoice } from "../voting/api";
import * as commands from "../bindings";

function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? "th" : ({ 1: "st", 2: "nd", 3: "rd" } as Record<number, string>)[n % 10] ?? "th";
  return `${n}${s}`;
}

function keyIndex(key: string): number | null {
  if (!/^[0-9]$/.test(key)) return null;
  return key === "0" ? 9 : Number(key) - 1;
}

export function liveCapture(ballot: BallotView): HTMLElement {
  const method = ballot.method.method;
  const ranked = method === "ranked-irv" || method === "borda";
  const tokens = ballot.eligibility === "anonymous-token";
  const n = ballot.options.length;

  // ---- who is recording, and how -------------------------------------------------
  const nameInput = h("input", {
    type: "text",
    id: "facilitator-name",
    autocomplete: "name",
    value: facilitatorName(),
    "aria-describedby": "facilitator-hint",
  });
  nameInput.addEventListener("change", () => setFacilitatorName(nameInput.value));
  const paper = h("input", { type: "checkbox", id: "paper-mode" });

  // ---- voter combobox ---------------------------------------------------------------
  const voterInput = h("input", {
    type: "text",
    id: "voter-input",
    role: "combobox",
    autocomplete: "off",
    spellcheck: "false",
    "aria-autocomplete": tokens ? "none" : "list",
    "aria-expanded": "false",
    "aria-controls": "voter-list",
    "aria-describedby": "voter-hint",
  });
  const list = h("ul", { id: "voter-list", role: "listbox", class: "voter-list", "aria-label": "Matching voters", hidden: true });
  let matches: VoterChoice[] = [];
  let active = -1;
  let voter: { reference: string; label: string } | null = null;

  // ---- choices ------------------------------------------------------------------------
  const entryTitle = h("h3", { id: "entry-title" }, "Choices");
  const optionItems = ballot.options.map((o, i) =>
    h(
      "li",
      { id: `capture-option-${i + 1}`, "data-testid": "capture-option" },
      h("span", { class: "capture-key", "aria-hidden": "true" }, i < 10 ? String((i + 1) % 10) : "·"),
      h("span", { class: "capture-label" }, o.label),
      h("span", { class: "capture-mark", "data-testid": "capture-mark" }),
    ),
  );
  const hint = ranked
    ? "Press option numbers in order of preference (or Up and Down, then Space). Backspace removes the last choice."
    : method === "plurality"
      ? "Press the number of the one option chosen."
      : method === "approval"
        ? "Press a number to tick or untick an option (any number may be ticked)."
        : method === "dots"
          ? `Press an option's number once per dot (${"per_voter" in ballot.method ? ballot.method.per_voter : ""} dots in all). Backspace removes the last dot.`
          : `Up and Down choose an option; a number key sets its score (0 to ${"max" in ballot.method ? ballot.method.max : ""}). Backspace clears it.`;
  const entry = h(
    "div",
    {
      id: "vote-entry",
      tabindex: "0",
      role: "group",
      "aria-labelledby": "entry-title",
      "aria-describedby": "entry-hint entry-summary",
      hidden: true,
    },
    entryTitle,
    h("p", { id: "entry-hint", class: "hint" }, `${hint} Enter records the vote; Escape cancels it.`),
    h("ol", { class: "capture-options", "aria-label": "Options" }, ...optionItems),
    h("p", { id: "entry-summary", "aria-live": "polite", "data-testid": "entry-summary" }),
    h("p", { id: "entry-highlight", class: "visually-hidden", "aria-live": "polite" }),
  );
  // Keyed presses, in order (ranked, plurality, approval, dots), or scores by option index.
  let presses: number[] = [];
  let scores = new Map<number, number>();
  let focused = 0;

  const confirmation = h("p", { id: "capture-confirmation", role: "status", class: "confirmation", "data-testid": "capture-confirmation" });
  const error = h("p", { id: "capture-error", role: "alert", class: "capture-error", "data-testid": "capture-error" });

  function describeChoices(): string {
    const label = (i: number): string => ballot.options[i]?.label ?? "";
    if (method === "score") {
      const parts = [...scores.entries()].sort((a, b) => a[0] - b[0]).map(([i, s]) => `${label(i)} ${s}`);
      return parts.length ? `Scores: ${parts.join(", ")}` : "No scores yet";
    }
    if (presses.length === 0) return "Nothing chosen yet";
    if (ranked) return presses.map((i, k) => `${ordinal(k + 1)} ${label(i)}`).join(", ");
    if (method === "dots") {
      const counts = new Map<number, number>();
      for (const i of presses) counts.set(i, (counts.get(i) ?? 0) + 1);
      return [...counts.entries()].map(([i, d]) => `${label(i)} ${d} ${d === 1 ? "dot" : "dots"}`).join(", ");
    }
    return presses.map(label).join(", ");
  }

  function paint(): void {
    optionItems.forEach((li, i) => {
      let mark = "";
      if (method === "score") {
        mark = scores.has(i) ? `score ${scores.get(i)}` : "";
      } else if (ranked) {
        const k = presses.indexOf(i);
        mark = k >= 0 ? ordinal(k + 1) : "";
      } else if (method === "dots") {
        const d = presses.filter((p) => p === i).length;
        mark = d ? `${d} ${d === 1 ? "dot" : "dots"}` : "";
      } else {
        mark = presses.includes(i) ? "chosen" : "";
      }
      li.querySelector(".capture-mark")!.textContent = mark;
      li.classList.toggle("chosen", mark !== "");
      li.classList.toggle("focused", i === focused);
    });
    entry.querySelector("#entry-summary")!.textContent = describeChoices();
  }

  function press(i: number): void {
    if (i >= n) {
      error.textContent = `There is no option ${i + 1}; this ballot has ${n}.`;
      return;
    }
    error.textContent = "";
    if (ranked) {
      if (presses.includes(i)) {
        error.textContent = `${ballot.options[i]?.label ?? ""} is already ranked ${ordinal(presses.indexOf(i) + 1)}.`;
        return;
      }
      presses.push(i);
    } else if (method === "plurality") {
      presses = [i];
    } else if (method === "approval") {
      presses = presses.includes(i) ? presses.filter((p) => p !== i) : [...presses, i];
    } else {
      presses.push(i);
    }
    paint();
  }

  // ---- the voter box ----------------------------------------------------------------
  function showMatches(): void {
    list.replaceChildren(
      ...matches.map((m, i) => {
        const li = h(
          "li",
          { id: `voter-option-${i}`, role: "option", "aria-selected": i === active ? "true" : "false", "data-testid": "voter-option" },
          m.label,
          m.detail ? h("span", { class: "hint" }, ` ${m.detail}`) : null,
        );
        // A pointer works too, but never only a pointer.
        li.addEventListener("mousedown", (ev) => {
          ev.preventDefault();
          choose(m);
        });
        return li;
      }),
    );
    const open = matches.length > 0;
    list.hidden = !open;
    voterInput.setAttribute("aria-expanded", open ? "true" : "false");
    if (open && active >= 0) voterInput.setAttribute("aria-activedescendant", `voter-option-${active}`);
    else voterInput.removeAttribute("aria-activedescendant");
  }

  let seq = 0;
  let timer: number | undefined;
  async function suggest(): Promise<void> {
    if (tokens) return;
    const mine = ++seq;
    const query = voterInput.value;
    try {
      const found = await commands.voterSuggestions(ballot.id, query);
      if (mine !== seq) return;
      matches = query.trim() ? found : [];
      active = matches.length ? 0 : -1;
      showMatches();
    } catch (e) {
      if (mine === seq) error.textContent = asCommandError(e).message;
    }
  }
  voterInput.addEventListener("input", () => {
    // A different voter: the choices keyed so far stay until Enter or Escape.
    voter = null;
    entry.hidden = true;
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void suggest(), 60);
  });

  function choose(m: { reference: string; label: string }): void {
    voter = m;
    voterInput.value = m.label;
    matches = [];
    active = -1;
    showMatches();
    error.textContent = "";
    entryTitle.textContent = `Choices for ${m.label}`;
    entry.hidden = false;
    paint();
    entry.focus();
  }

  voterInput.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      if (!matches.length) return;
      ev.preventDefault();
      const step = ev.key === "ArrowDown" ? 1 : -1;
      active = (active + step + matches.length) % matches.length;
      showMatches();
    } else if (ev.key === "Enter") {
      ev.preventDefault();
      if (tokens) {
        const token = voterInput.value.trim();
        if (token) choose({ reference: token, label: `token ${token.toUpperCase()}` });
        else error.textContent = "Type the token from the voter's slip.";
      } else if (active >= 0 && matches[active] !== undefined) {
        choose(matches[active]!);
      } else if (voterInput.value.trim()) {
        error.textContent = `No one who may vote on this ballot matches “${voterInput.value.trim()}”.`;
      }
    } else if (ev.key === "Escape") {
      ev.preventDefault();
      voterInput.value = "";
      matches = [];
      showMatches();
    }
  });
  voterInput.addEventListener("blur", () => {
    matches = [];
    showMatches();
  });

  // ---- choices: keys ----------------------------------------------------------------
  function reset(): void {
    presses = [];
    scores = new Map();
    focused = 0;
    voter = null;
    voterInput.value = "";
    entry.hidden = true;
    entryTitle.textContent = "Choices";
    paint();
    voterInput.focus();
  }

  let recording = false;
  async function record(): Promise<void> {
    if (recording) return;
    if (!voter) {
      error.textContent = "Choose the voter first: type part of a name and press Enter.";
      voterInput.focus();
      return;
    }
    const by = nameInput.value.trim();
    if (!by) {
      error.textContent = "Type your name in “Your name” first; it is recorded with each vote.";
      nameInput.focus();
      return;
    }
    setFacilitatorName(by);
    recording = true;
    const summary = method !== "score" && presses.length === 0 ? "no choice (a blank ballot)" : describeChoices();
    const entered = voter;
    try {
      const cast = await commands.castVote({
        ballot_id: ballot.id,
        voter: entered.reference,
        choices: method === "score" ? [] : presses.map((i) => String(i + 1)),
        amounts: method === "score" ? [...scores.entries()].map(([i, s]) => [String(i + 1), s]) : [],
        paper: paper.checked,
        recorded_by: by,
      });
      error.textContent = "";
      confirmation.textContent = "";
      window.setTimeout(() => {
        confirmation.textContent = `Vote recorded for ${cast.voter_label}: ${summary}.${paper.checked ? " (paper ballot)" : ""}`;
      }, 20);
      reset();
      void refreshRecent();
    } catch (e) {
      // Nothing is lost: the voter and the choices stay for the facilitator to fix.
      error.textContent = `Not recorded: ${asCommandError(e).message}`;
      entry.focus();
    } finally {
      recording = false;
    }
  }

  entry.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const i = keyIndex(ev.key);
    // Up and Down move the highlight on every method; Space presses the highlighted
    // option, which is how options after the tenth are keyed.
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      focused = (focused + (ev.key === "ArrowDown" ? 1 : -1) + n) % n;
      paint();
      // Said, not only shown: which option Space (or a score key) now applies to.
      const mark = optionItems[focused]?.querySelector(".capture-mark")?.textContent ?? "";
      entry.querySelector("#entry-highlight")!.textContent =
        `${focused + 1}: ${ballot.options[focused]?.label ?? ""}${mark ? `, ${mark}` : ""}`;
      return;
    }
    if (ev.key === " " && method !== "score") {
      ev.preventDefault();
      press(focused);
      return;
    }
    if (method === "score") {
      if (/^[0-9]$/.test(ev.key)) {
        ev.preventDefault();
        scores.set(focused, Number(ev.key));
        error.textContent = "";
        paint();
        return;
      }
      if (ev.key === "Backspace") {
        ev.preventDefault();
        scores.delete(focused);
        paint();
        return;
      }
    } else if (i !== null) {
      ev.preventDefault();
      press(i);
      return;
    } else if (ev.key === "Backspace") {
      ev.preventDefault();
      presses.pop();
      error.textContent = "";
      paint();
      return;
    }
    if (ev.key === "Enter") {
      ev.preventDefault();
      void record();
    } else if (ev.key === "Escape") {
      ev.preventDefault();
      error.textContent = "";
      confirmation.textContent = "Cancelled; nothing was recorded.";
      reset();
    }
  });
  optionItems.forEach((li, i) =>
    li.addEventListener("click", () => {
      if (method === "score") {
        focused = i;
        paint();
      } else press(i);
      focused = i;
      paint();
      entry.focus();
    }),
  );

  // ---- recent votes, each with Void ----------------------------------------------------
  const recent = h("tbody", { id: "recent-votes" });
  async function refreshRecent(): Promise<void> {
    try {
      const rows = (await commands.ballotVotes(ballot.id)).slice(-10).reverse();
      recent.replaceChildren(...rows.map(recentRow));
      if (!rows.length) recent.append(h("tr", {}, h("td", { colspan: "5" }, "No votes recorded yet.")));
    } catch (e) {
      error.textContent = asCommandError(e).message;
    }
  }

  function recentRow(r: AuditRow): HTMLTableRowElement {
    const action = h("td");
    if (r.state !== "voided") {
      const voidButton = h("button", { type: "button", class: "void-vote", "data-vote": r.id }, "Void");
      voidButton.setAttribute("aria-label", `Void the vote for ${r.voter_label}`);
      voidButton.addEventListener("click", () => action.replaceChildren(voidForm(r, () => action.replaceChildren(voidButton), voidButton)));
      action.append(voidButton);
    }
    return h(
      "tr",
      { "data-testid": "recent-vote", "data-state": r.state },
      h("td", { class: "date" }, r.recorded_at.slice(11, 19)),
      h("th", { scope: "row" }, r.voter_label),
      h("td", {}, r.vote_text, r.channel !== "live" ? ` (${r.channel})` : ""),
      h("td", {}, r.state === "voided" && r.void ? `Voided: ${r.void.reason}` : r.state),
      action,
    );
  }

  function voidForm(r: AuditRow, cancel: () => void, back: HTMLElement): HTMLFormElement {
    const reason = h("input", { type: "text", id: "void-reason", autocomplete: "off" });
    const form = h(
      "form",
      { class: "void-form", "aria-label": `Void the vote for ${r.voter_label}` },
      h("label", { for: "void-reason" }, "Reason for voiding"),
      reason,
      h("button", { type: "submit", id: "void-confirm", class: "primary" }, "Void vote"),
      h("button", { type: "button", id: "void-cancel" }, "Cancel"),
    );
    form.querySelector("#void-cancel")!.addEventListener("click", () => {
      cancel();
      back.focus();
    });
    form.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape") {
        ev.preventDefault();
        cancel();
        back.focus();
      }
    });
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const by = nameInput.value.trim();
      if (!by) {
        error.textContent = "Type your name in “Your name” first; it is recorded with the void.";
        nameInput.focus();
        return;
      }
      try {
        await commands.voidVote(r.id, reason.value, by);
        confirmation.textContent = "";
        window.setTimeout(() => {
          confirmation.textContent = `Vote for ${r.voter_label} voided: ${reason.value.trim()}.`;
        }, 20);
        error.textContent = "";
        await refreshRecent();
        voterInput.focus();
      } catch (e) {
        error.textContent = `Not voided: ${asCommandError(e).message}`;
        reason.focus();
      }
    });
    window.setTimeout(() => reason.focus(), 0);
    return form;
  }

  paint();
  void refreshRecent();

  return h(
    "section",
    { id: "live-capture", "aria-labelledby": "capture-title", "data-testid": "live-capture" },
    h("h2", { id: "capture-title" }, "Record votes"),
    h(
      "div",
      { class: "field narrow" },
      h("label", { for: "facilitator-name" }, "Your name"),
      h("p", { id: "facilitator-hint", class: "hint" }, "Recorded with each vote and void; kept on this computer."),
      nameInput,
    ),
    h("div", { class: "field" }, paper, " ", h("label", { for: "paper-mode", class: "inline" }, "Paper ballot (typing in a paper slip)")),
    h(
      "div",
      { class: "field voter-box" },
      h("label", { for: "voter-input" }, tokens ? "Token" : "Voter"),
      h(
        "p",
        { id: "voter-hint", class: "hint" },
        tokens
          ? "Type the anonymous token from the voter's slip, then press Enter."
          : "Type part of a name; Up and Down choose, Enter picks.",
      ),
      voterInput,
      list,
    ),
    entry,
    confirmation,
    error,
    h(
      "table",
      { "aria-labelledby": "recent-title" },
      h("caption", { id: "recent-title" }, "Recent votes (newest first)"),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, "Time (UTC)"),
          h("th", { scope: "col" }, "Voter"),
          h("th", { scope: "col" }, "Vote"),
          h("th", { scope: "col" }, "State"),
          h("th", { scope: "col" }, "Action"),
        ),
      ),
      recent,
    ),
  );
}

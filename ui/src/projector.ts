// The projector window: one ballot's live tally in large type, or "Results hidden" until
// the facilitator reveals it. It fetches the tally once, then again each time the shell's
// "changed" event names this ballot (a vote, void, reveal, open or close, made here or
// received by sync).
// Nothing polls. Its capability allows only ballot_result and listening for events.
import "./styles.css";
import { asCommandError } from "./api";
import { h } from "./dom";
import { type BallotResult } from "./voting/api";
import { renderTally, tallyFacts } from "./voting/tally";
import * as commands from "./bindings";

const ballotId = new URLSearchParams(location.search).get("ballot") ?? "";
const root = document.getElementById("projector") as HTMLElement;

function show(result: BallotResult): void {
  const status = result.status === "open" ? "Voting is open" : result.status === "closed" ? "Voting is closed" : "Voting has not opened";
  const body: HTMLElement[] = [
    h("h1", { id: "projector-question" }, result.question),
    h("p", { class: "projector-status", "data-testid": "projector-status" }, status),
    tallyFacts(result),
  ];
  if (result.revealed) {
    body.push(renderTally(result));
  } else {
    body.push(h("p", { class: "projector-hidden", "data-testid": "results-hidden" }, "Results hidden"));
  }
  root.replaceChildren(...body);
  root.dataset.turnout = String(result.turnout);
}

// Responses can overtake each other; only the newest is shown.
let seq = 0;
async function refresh(): Promise<void> {
  const mine = ++seq;
  root.setAttribute("aria-busy", "true");
  try {
    const result = await commands.ballotResult(ballotId);
    if (mine === seq) show(result);
  } catch (e) {
    if (mine === seq) root.replaceChildren(h("p", { role: "alert" }, asCommandError(e).message));
  } finally {
    if (mine === seq) root.setAttribute("aria-busy", "false");
  }
}

async function start(): Promise<void> {
  // Whatever changed it: a vote keyed on this laptop or one that arrived by sync.
  await commands.onChanged((changed) => {
    if (changed.ballots.includes(ballotId)) void refresh();
  });
  await refresh();
}

void start();

// An application's attachments, each shown by its media type: <audio>/<video> with
// native (keyboard-operable) controls and a text description, images inline, PDFs in a
// frame, anything else as a button that shows where the file is on this laptop. The
// bytes come from the shell's `attachment:` scheme, which serves a stored file by its
// content hash only (src-tauri/src/attachments.rs); the CSP allows that scheme for
// media, images and frames and nothing remote.
import * as commands from "../bindings";
import { asCommandError } from "../api";
import { h } from "../dom";
import type { Attachment } from "./api";

/** The URL of a stored attachment (WebView2 on Windows maps custom schemes to http). */
export function attachmentUrl(sha256: string): string {
  return navigator.userAgent.includes("Windows") ? `http://attachment.localhost/${sha256}` : `attachment://localhost/${sha256}`;
}

let mediaBase: Promise<string | null> | null = null;

/** Where <audio>/<video> load from: the shell's loopback relay on Linux (WebKitGTK plays
 * media only over http(s), blob and file URLs), else the attachment: scheme. */
async function mediaUrl(sha256: string): Promise<string> {
  mediaBase ??= commands.attachmentMediaBase().catch(() => null);
  const base = await mediaBase;
  return base ? `${base}${sha256}` : attachmentUrl(sha256);
}

function size(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} kB`;
}

function one(f: Attachment, i: number): HTMLElement {
  const id = `attachment-${i}`;
  const label = `${f.file_name} (${f.media_type}, ${size(f.size_bytes)})`;
  const heading = h("p", { id: `${id}-label`, class: "attachment-name" }, label);
  const src = attachmentUrl(f.sha256);
  const kind = f.media_type.split("/")[0];
  let body: HTMLElement;
  if (kind === "audio" || kind === "video") {
    const media = h(kind, {
      controls: true,
      preload: "metadata",
      "aria-labelledby": `${id}-label`,
      "aria-describedby": `${id}-desc`,
      "data-testid": "attachment-media",
      "data-sha256": f.sha256,
    });
    const desc = h(
      "p",
      { id: `${id}-desc`, class: "hint" },
      `${kind === "audio" ? "Audio" : "Video"} recording sent with the application. Tab to the player; Space plays or pauses, arrow keys move through it. If there is no written answer, staff write up what it says in the summary above.`,
    );
    const failed = h("p", { class: "field-error", hidden: true }, "This recording could not be played here. Use the file location below to open it in another program.");
    media.addEventListener("error", () => (failed.hidden = false));
    void mediaUrl(f.sha256).then((url) => (media.src = url));
    body = h("div", {}, media, desc, failed, locate(f, id));
  } else if (kind === "image") {
    body = h("div", {}, h("img", { src, alt: `Image attached to the application: ${f.file_name}`, class: "attachment-image", "data-testid": "attachment-image" }));
  } else if (f.media_type === "application/pdf") {
    body = h(
      "div",
      {},
      h("iframe", { src, title: `PDF attached to the application: ${f.file_name}`, class: "attachment-pdf", "data-testid": "attachment-pdf" }),
      locate(f, id),
    );
  } else {
    body = locate(f, id);
  }
  return h("li", { "data-testid": "attachment", "data-media-type": f.media_type }, heading, body);
}

/** "Open in another program": shows the stored file's path on this laptop as text. */
function locate(f: Attachment, id: string): HTMLElement {
  const out = h("p", { id: `${id}-path`, class: "attachment-path", "aria-live": "polite" });
  const button = h("button", { type: "button", "aria-describedby": `${id}-path`, "data-testid": "attachment-locate" }, `Where is ${f.file_name}?`);
  button.addEventListener("click", () => {
    commands.attachmentLocation(f.sha256)
      .then((path) => (out.textContent = `Stored on this laptop at ${path} (named by its content hash; open it with a program that reads ${f.media_type}).`))
      .catch((e) => (out.textContent = asCommandError(e).message));
  });
  return h("div", {}, button, out);
}

export function attachmentList(files: Attachment[]): HTMLElement {
  return files.length
    ? h("ul", { id: "attachments", class: "attachments" }, ...files.map(one))
    : h("p", { class: "empty" }, "None.");
}

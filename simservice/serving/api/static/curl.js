// The "request as curl" box of a tab: the last request of its kind, and a copy button.

import { curlOf, lastRequests } from "./api.js";
import { copyText, el } from "./ui.js";

export function showCurl(section, kind) {
  const box = section.querySelector("details.curl");
  const request = lastRequests[kind];
  if (!box || !request) return;
  box.querySelector("pre").textContent = curlOf(request);
}

// Fills each empty <details class="curl"> with its summary, the command and a copy button.
export function initCurlBoxes() {
  for (const box of document.querySelectorAll("details.curl")) {
    const pre = el("pre");
    const button = el("button", { type: "button", class: "quiet", i18n: "copy", label: "copyCurl" });
    button.addEventListener("click", () => copyText(pre.textContent, button));
    box.replaceChildren(el("summary", { i18n: "asCurl" }), pre, button);
  }
}

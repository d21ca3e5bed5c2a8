// The Paraphrase tab: sampling controls, ranked paraphrases as score bars, copy, the curl.

import * as api from "./api.js";
import { bars } from "./charts.js";
import { copyButton, el, guarded, numberOf } from "./ui.js";
import { showCurl } from "./curl.js";

export function initParaphrase(section) {
  const form = section.querySelector("form");
  const out = section.querySelector(".results");
  const fields = form.elements;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    out.replaceChildren();
    await guarded(section, async () => {
      const params = {};
      for (const name of ["n", "k", "top_k", "top_p", "temperature", "seed"]) {
        const value = numberOf(fields[name]);
        if (value !== undefined) params[name] = value;
      }
      const results = await api.paraphrase(fields.text.value, params);
      if (!results.length) {
        out.append(el("p", { class: "empty", i18n: "noParaphrases" }));
        return;
      }
      out.append(bars(results.map((r) => ({ label: r.text, value: r.score })),
                      { extra: (row) => copyButton(() => row.label, "copy", row.label) }),
                 copyButton(() => results.map((r) => r.text).join("\n"), "copyAll"));
    });
    showCurl(section, "paraphrase");
  });
}

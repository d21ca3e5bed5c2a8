// The Compare tab: a source against several targets, the cosines as a sorted bar chart.

import * as api from "./api.js";
import { bars } from "./charts.js";
import { showCurl } from "./curl.js";
import { guarded } from "./ui.js";

export function initCompare(section) {
  const form = section.querySelector("form");
  const out = section.querySelector(".results");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    out.replaceChildren();
    await guarded(section, async () => {
      const targets = form.elements.targets.value.split("\n").filter((line) => line.trim());
      const scores = await api.similarity(form.elements.source.value, targets);
      const rows = targets.map((text, i) => ({ label: text, value: scores[i] }));
      out.append(bars(rows.sort((a, b) => b.value - a.value)));
    });
    showCurl(section, "compare");
  });
}

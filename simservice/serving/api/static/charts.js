// Plain charts: horizontal score bars (HTML) and sparklines (SVG). No library needed.

import { el } from "./ui.js";

// Rows [{label, value, extra}] as bars; `value` in [-1, 1] (a cosine) unless `max` is given.
export function bars(rows, { max = 1, digits = 3, extra } = {}) {
  const list = el("ol", { class: "bars" });
  for (const row of rows) {
    const fill = el("span", { class: row.value < 0 ? "fill negative" : "fill" });
    fill.style.width = `${Math.min(100, (Math.abs(row.value) / max) * 100)}%`;
    list.append(el("li", {},
      el("span", { class: "label", text: row.label }),
      el("span", { class: "bar" }, fill),
      el("span", { class: "value", text: Number.isInteger(row.value) ? String(row.value) : row.value.toFixed(digits) }),
      extra ? extra(row) : null));
  }
  return list;
}

// The last values as a line in an SVG of viewBox 240 x 60, its scale from 0 to the largest value.
export function sparkline(svg, values) {
  const width = 240, height = 60, pad = 3;
  const top = Math.max(...values, 1e-9);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(height - pad - (v / top) * (height - 2 * pad)).toFixed(1)}`);
  const ns = "http://www.w3.org/2000/svg";
  const line = document.createElementNS(ns, "polyline");
  line.setAttribute("points", points.join(" "));
  line.setAttribute("class", "spark");
  const base = document.createElementNS(ns, "line");
  for (const [k, v] of Object.entries({ x1: 0, x2: width, y1: height - pad, y2: height - pad, class: "axis" })) base.setAttribute(k, v);
  svg.replaceChildren(base, line);
  svg.dataset.points = String(values.length);
}

// The Status tab: the model from /info, and live charts of queue depth, requests in flight,
// batch size and latency from /metrics, polled while the tab is open.

import * as api from "./api.js";
import { bars, sparkline } from "./charts.js";
import { t } from "./i18n.js";
import { el, guarded } from "./ui.js";
import { parseMetrics, summarize } from "./metrics.js";

const PERIOD_MS = 2000;
const HISTORY = 60;

export function initStatus(section) {
  let timer = null;
  let previous = null;
  const series = { queue: [], inflight: [], batch: [], latency: [] };

  const push = (name, value, text) => {
    series[name].push(value);
    if (series[name].length > HISTORY) series[name].shift();
    const svg = section.querySelector(`#chart-${name}`);
    sparkline(svg, series[name]);
    svg.nextElementSibling.textContent = text;
  };

  // No polling while the server refuses the key: one 401, then quiet until a key works.
  const poll = () => (api.auth.refused ? Promise.resolve(false) : guarded(section, async () => {
    const now = summarize(parseMetrics(await api.metricsText()));
    const since = previous || { batchSum: 0, batchCount: 0, latencySum: 0, latencyCount: 0 };
    const batches = now.batchCount - since.batchCount;
    const requests = now.latencyCount - since.latencyCount;
    const meanBatch = batches > 0 ? (now.batchSum - since.batchSum) / batches : 0;
    const meanMs = requests > 0 ? ((now.latencySum - since.latencySum) / requests) * 1000 : 0;
    push("queue", now.queue, String(now.queue));
    push("inflight", now.inFlight, String(now.inFlight));
    const overallBatch = now.batchCount ? now.batchSum / now.batchCount : 0;
    const overallMs = now.latencyCount ? (now.latencySum / now.latencyCount) * 1000 : 0;
    push("batch", meanBatch, `${meanBatch.toFixed(1)} · ${t("overall")} ${overallBatch.toFixed(1)} · ${t("batches", { count: now.batchCount })}`);
    push("latency", meanMs, `${meanMs.toFixed(0)} ms · ${t("overall")} ${overallMs.toFixed(0)} ms`);
    section.querySelector("#batch-histogram").replaceChildren(
      bars(now.sizeBuckets.filter((b) => b.value > 0), { max: Math.max(1, ...now.sizeBuckets.map((b) => b.value)) }));
    previous = now;
  }));

  const showInfo = () => guarded(section, async () => {
    const [info, ready] = await Promise.all([api.info(), api.ready()]);
    const facts = [["model", info.model], ["architecture", info.architecture], ["layers", info.layers ?? "?"],
                   ["dim", info.dim], ["maxInput", info.max_input_tokens], ["version", info.version],
                   ["ready", ready.status]];
    section.querySelector("#model-info").replaceChildren(
      ...facts.flatMap(([key, value]) => [el("dt", { i18n: key }), el("dd", { "data-fact": key, text: String(value) })]));
  });

  return {
    show: async () => {
      if (timer) return;
      timer = setInterval(poll, PERIOD_MS);
      await showInfo();
      await poll();
    },
    hide: () => {
      clearInterval(timer);
      timer = null;
    },
  };
}

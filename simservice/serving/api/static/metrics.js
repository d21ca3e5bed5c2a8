// The Prometheus text of /metrics as samples, and the few numbers the Status tab charts.

const MODEL_ROUTES = new Set(["/encode", "/similarity", "/similar", "/paraphrase", "/collections/{name}/items"]);

export function parseMetrics(text) {
  const samples = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const match = line.match(/^([A-Za-z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/);
    if (!match) continue;
    const labels = {};
    for (const [, key, value] of (match[2] || "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key] = value.replace(/\\(.)/g, (_, c) => (c === "n" ? "\n" : c));
    }
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

// Totals since the server started: queue, in flight, batch sizes and model-request latency.
export function summarize(samples) {
  const total = (name, keep = () => true) =>
    samples.filter((s) => s.name === name && keep(s.labels)).reduce((sum, s) => sum + s.value, 0);
  const modelRoute = (labels) => labels.method === "POST" && MODEL_ROUTES.has(labels.route);
  return {
    queue: total("simservice_queue_size"),
    inFlight: total("simservice_requests_in_flight"),
    batchSum: total("simservice_batch_size_sum"),
    batchCount: total("simservice_batch_size_count"),
    latencySum: total("simservice_request_duration_seconds_sum", modelRoute),
    latencyCount: total("simservice_request_duration_seconds_count", modelRoute),
    sizeBuckets: histogram(samples, "simservice_batch_size_bucket"),
  };
}

// A cumulative histogram (summed over labels) as [{label, value}] per bucket.
function histogram(samples, name) {
  const cumulative = new Map();
  for (const s of samples.filter((x) => x.name === name)) {
    cumulative.set(s.labels.le, (cumulative.get(s.labels.le) || 0) + s.value);
  }
  const bounds = [...cumulative.keys()].sort((a, b) => Number(a) - Number(b));
  let before = 0, lower = 0;
  return bounds.map((le) => {
    const row = { label: le === "+Inf" ? `> ${lower}` : lower + 1 >= Number(le) ? `${Number(le)}` : `${lower + 1}–${Number(le)}`,
                  value: cumulative.get(le) - before };
    before = cumulative.get(le);
    lower = Number(le);
    return row;
  });
}

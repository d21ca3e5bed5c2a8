// The scalar rule shared by the filter values (the server reads CSV cells by the same rule), the
// format of a file from its name, and following an upload's background job to its end.

import * as api from "./api.js";

// "12" and "1.5" are numbers, true/false/null themselves, "\"12\"" the string 12; the rest strings.
export function parseScalar(text) {
  const value = text.trim();
  if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(value) || ["true", "false", "null"].includes(value) ||
      /^".*"$/.test(value)) {
    try { return JSON.parse(value); } catch { /* not JSON after all: a string */ }
  }
  return text;
}

export const FORMATS = ["csv", "tsv", "jsonl", "txt"];

// "csv" for faq.csv; undefined for a type the server cannot read.
export function formatOf(name) {
  const suffix = name.toLowerCase().match(/\.([a-z]+)$/);
  return suffix && FORMATS.includes(suffix[1]) ? suffix[1] : undefined;
}

export const POLL_MS = 400;

// Polls the job until it ends, calling show(job) with each status; answers the last status.
export async function followJob(job, show, poll = POLL_MS) {
  show(job);
  while (job.status === "running") {
    await new Promise((resolve) => setTimeout(resolve, poll));
    job = await api.getJob(job.id);
    show(job);
  }
  return job;
}

// The Search tab: nearest items of a collection with a metadata filter; add items by hand or
// upload a CSV/TSV/JSONL/TXT file, which the server stores whole or not at all.

import * as api from "./api.js";
import { bars } from "./charts.js";
import { fillPickers } from "./collections.js";
import { showCurl } from "./curl.js";
import { filterBuilder } from "./filters.js";
import { t } from "./i18n.js";
import { el, guarded, numberOf } from "./ui.js";
import { FORMATS, followJob, formatOf } from "./upload.js";

const UPLOAD_FILE_LIMIT = 16 << 20;

export function initSearch(section) {
  const form = section.querySelector("#search-form");
  const out = section.querySelector("#search-results");
  const filter = filterBuilder(form.querySelector(".filter-builder"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    out.replaceChildren();
    await guarded(section, async () => {
      const collection = form.elements.collection.value;
      if (!collection) throw new Error(t("needCollection"));
      const hits = await api.search(collection, form.elements.text.value, numberOf(form.elements.k), filter.get());
      if (!hits.length) out.append(el("p", { class: "empty", i18n: "noResults" }));
      else out.append(bars(hits.map((h) => ({ label: h.text, value: h.score, hit: h })), { extra: hitDetails }));
    });
    showCurl(section, "search");
  });
  initAdding(section, form);
  return { show: () => guarded(section, async () => fillPickers(await api.listCollections())), filter };
}

function hitDetails(row) {
  return metadataChips(row.hit.id, row.hit.metadata);
}

// An item's id and metadata as chips.
export function metadataChips(id, metadata) {
  const meta = el("span", { class: "meta" }, id === undefined ? null : el("code", { text: id }));
  for (const [key, value] of Object.entries(metadata || {})) {
    meta.append(el("span", { class: "chip", text: `${key}: ${typeof value === "string" ? value : JSON.stringify(value)}` }));
  }
  return meta;
}

// The bar and its words follow the job: rows_done of rows stored.
function showProgress(bar, label, job, file) {
  bar.max = job.rows;
  bar.value = job.rows_done;
  const words = t("storing", { file, done: job.rows_done, rows: job.rows });
  for (const [name, value] of [["aria-valuemin", 0], ["aria-valuemax", job.rows], ["aria-valuenow", job.rows_done],
                               ["aria-valuetext", words]]) bar.setAttribute(name, String(value));
  bar.hidden = false;
  label.textContent = words;
}

function initAdding(section, searchForm) {
  const addForm = section.querySelector("#add-form");
  const uploadForm = section.querySelector("#upload-form");
  const error = section.querySelector(".add-error");
  const ok = section.querySelector(".add-ok");
  const collection = () => {
    if (!searchForm.elements.collection.value) throw new Error(t("needCollection"));
    return searchForm.elements.collection.value;
  };
  addForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    ok.textContent = "";
    await guarded(section, async () => {
      const name = collection();
      let metadata = {};
      const raw = addForm.elements.metadata.value.trim();
      if (raw) {
        try { metadata = JSON.parse(raw); } catch { throw new Error(t("badMetadata")); }
        if (!metadata || typeof metadata !== "object" || Array.isArray(metadata)) throw new Error(t("badMetadata"));
      }
      const id = addForm.elements.id.value.trim() || `item-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
      const count = await api.upsertItems(name, [{ id, text: addForm.elements.text.value, metadata }]);
      ok.textContent = t("added", { count, name });
      addForm.elements.text.value = "";
      addForm.elements.id.value = "";
    }, error);
  });
  uploadForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    ok.textContent = "";
    const label = uploadForm.querySelector(".progress-text");
    const bar = uploadForm.querySelector("progress");
    const cancel = uploadForm.querySelector(".cancel-upload");
    await guarded(section, async () => {
      const name = collection();
      const file = uploadForm.elements.file.files[0];
      if (!file) throw new Error(t("needFile"));
      const format = formatOf(file.name);
      if (!format) throw new Error(t("badFileType", { file: file.name, types: FORMATS.map((f) => `.${f}`).join(", ") }));
      if (file.size > UPLOAD_FILE_LIMIT) {
        throw new Error(t("fileTooBig", { file: file.name, size: (file.size / 1048576).toFixed(1) }));
      }
      label.textContent = t("uploading", { name: file.name });
      bar.hidden = true;  // until this file's job starts; then it stays, at its end, after the job
      let job;
      try {
        job = await api.startUpload(name, file, format);  // every row checked: a bad file stops here
        cancel.onclick = () => api.cancelJob(job.id).catch(() => {});
        cancel.hidden = false;
        job = await followJob(job, (status) => showProgress(bar, label, status, file.name));
      } finally {
        label.textContent = "";
        cancel.hidden = true;
      }
      const { added, updated, stored_through_line: line } = job.upload;
      if (job.status !== "done") {
        const stored = job.rows_done ? t("storedRows", { done: job.rows_done, line }) : t("storedNone");
        throw new Error(t(job.status === "cancelled" ? "uploadCancelled" : "uploadFailed",
                          { file: file.name, stored, error: job.error }));
      }
      ok.textContent = t("uploaded", { count: job.rows, file: file.name, name, added, updated });
    }, error);
    showCurl(section, "upload");
  });
}

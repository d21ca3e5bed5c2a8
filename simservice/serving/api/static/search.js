// The Search tab: nearest items of a collection with a metadata filter; add items by
// hand or upload a small CSV/JSONL file in batches with a progress bar.

import * as api from "./api.js";
import { bars } from "./charts.js";
import { fillPickers } from "./collections.js";
import { showCurl } from "./curl.js";
import { t } from "./i18n.js";
import { el, guarded, numberOf } from "./ui.js";
import { itemsFromFile, parseScalar } from "./upload.js";

const UPLOAD_FILE_LIMIT = 5 << 20;

export function initSearch(section) {
  const form = section.querySelector("#search-form");
  const out = section.querySelector("#search-results");
  const filters = form.querySelector(".filters");
  form.querySelector(".add-filter").addEventListener("click", () => filters.append(filterRow()));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    out.replaceChildren();
    await guarded(section, async () => {
      const collection = form.elements.collection.value;
      if (!collection) throw new Error(t("needCollection"));
      const hits = await api.search(collection, form.elements.text.value, numberOf(form.elements.k), filterOf(filters));
      if (!hits.length) out.append(el("p", { class: "empty", i18n: "noResults" }));
      else out.append(bars(hits.map((h) => ({ label: h.text, value: h.score, hit: h })), { extra: hitDetails }));
    });
    showCurl(section, "search");
  });
  initAdding(section, form);
  return { show: () => guarded(section, async () => fillPickers(await api.listCollections())) };
}

// The operators a filter row offers, as the filter language names them (README, "Filters").
const OPERATORS = [["eq", "="], ["ne", "≠"], ["gt", ">"], ["gte", "≥"], ["lt", "<"], ["lte", "≤"], ["in", "in"]];

function filterRow() {
  const op = el("select", { name: "filter-op" }, ...OPERATORS.map(([value, label]) => el("option", { value, text: label })));
  const row = el("div", { class: "row filter-row" },
    el("input", { type: "text", name: "filter-key", "data-i18n-placeholder": "filterKey", placeholder: t("filterKey") }),
    op,
    el("input", { type: "text", name: "filter-value", "data-i18n-placeholder": "filterValue", placeholder: t("filterValue") }));
  row.append(el("button", { type: "button", class: "quiet", i18n: "remove", onclick: () => row.remove() }));
  return row;
}

// The rows as one filter: {key: value} for a key with one "=" row, else {key: {op: value, ...}}
// (the rows of one key are ANDed); "in" takes comma-separated values.
function filterOf(filters) {
  const byKey = new Map();
  for (const row of filters.querySelectorAll(".filter-row")) {
    const key = row.querySelector("[name=filter-key]").value.trim();
    if (!key) continue;
    const op = row.querySelector("[name=filter-op]").value;
    const raw = row.querySelector("[name=filter-value]").value;
    byKey.set(key, { ...byKey.get(key), [op]: op === "in" ? raw.split(",").map((v) => parseScalar(v.trim())) : parseScalar(raw) });
  }
  if (!byKey.size) return undefined;
  const filter = {};
  for (const [key, ops] of byKey) filter[key] = Object.keys(ops).length === 1 && "eq" in ops ? ops.eq : ops;
  return filter;
}

function hitDetails(row) {
  const meta = el("span", { class: "meta" }, el("code", { text: row.hit.id }));
  for (const [key, value] of Object.entries(row.hit.metadata || {})) {
    meta.append(el("span", { class: "chip", text: `${key}: ${typeof value === "string" ? value : JSON.stringify(value)}` }));
  }
  return meta;
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
    await guarded(section, async () => {
      const name = collection();
      const file = uploadForm.elements.file.files[0];
      if (!file) throw new Error(t("needFile"));
      if (file.size > UPLOAD_FILE_LIMIT) {
        throw new Error(`${file.name} is ${(file.size / 1048576).toFixed(1)} MiB: the playground uploads files up to 5 MiB; use POST /collections/${name}/items for more`);
      }
      const items = itemsFromFile(file.name, await file.text());
      const count = await uploadInBatches(name, items, uploadForm);
      ok.textContent = t("added", { count, name });
    }, error);
  });
}

async function uploadInBatches(name, items, form) {
  const progress = form.querySelector("progress");
  const label = form.querySelector(".progress-text");
  const size = await batchSize();
  let done = 0;
  progress.max = items.length;
  progress.value = 0;
  progress.hidden = false;
  label.textContent = t("uploading", { done, total: items.length });
  for (let start = 0; start < items.length; start += size) {
    const batch = items.slice(start, start + size);
    try {
      done += await api.upsertItems(name, batch);
    } catch (err) {
      err.message = `items ${start + 1}–${start + batch.length} (${batch[0].id} …): ${err.message}`;
      throw err;
    }
    progress.value = done;
    label.textContent = t("uploading", { done, total: items.length });
  }
  return done;
}

// Items per request: the server's limit from /info, at most 64 (bodies stay small).
async function batchSize() {
  try {
    return Math.max(1, Math.min(64, (await api.info()).max_client_batch_size));
  } catch {
    return 16;
  }
}

// The Search tab: nearest items of a collection with a metadata filter; add items by hand or
// upload a CSV/TSV/JSONL/TXT file, which the server stores whole or not at all.

import * as api from "./api.js";
import { bars } from "./charts.js";
import { fillPickers } from "./collections.js";
import { showCurl } from "./curl.js";
import { filterBuilder } from "./filters.js";
import { t } from "./i18n.js";
import { el, guarded, numberOf } from "./ui.js";
import { FORMATS, formatOf } from "./upload.js";

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
      try {
        const result = await api.uploadFile(name, file, format);
        ok.textContent = t("uploaded", { count: result.checked, file: file.name, name, added: result.added,
                                         updated: result.updated });
      } finally {
        label.textContent = "";
      }
    }, error);
    showCurl(section, "upload");
  });
}

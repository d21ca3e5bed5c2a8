// The Collections tab: list with count, dim and index; create with an index kind; drop after a
// confirmation. Also keeps the Search tab's collection picker in step.

import * as api from "./api.js";
import { t } from "./i18n.js";
import { bytesText } from "./units.js";
import { el, guarded, numberOf } from "./ui.js";

const INDEX_PARAMS = { exact: [], hnsw: ["m", "ef"], ivf: ["nlist", "nprobe"] };

export function initCollections(section) {
  const form = section.querySelector("form");
  const kind = form.elements.index;
  const showParams = () => {
    for (const label of form.querySelectorAll("[data-kind]")) label.hidden = label.dataset.kind !== kind.value;
  };
  kind.addEventListener("change", showParams);
  showParams();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    section.querySelector(".collections-ok").textContent = "";
    await guarded(section, async () => {
      const params = {};
      for (const name of INDEX_PARAMS[kind.value]) {
        const value = numberOf(form.elements[name]);
        if (value !== undefined) params[name] = value;
      }
      const created = await api.createCollection(form.elements.name.value.trim(), kind.value, params);
      form.elements.name.value = "";
      await refreshCollections(section);
      section.querySelector(".collections-ok").textContent = t("created", { name: created.name });
    });
  });
  section.querySelector(".refresh").addEventListener("click", () => guarded(section, () => refreshCollections(section)));
  return { show: () => guarded(section, () => refreshCollections(section)) };
}

async function refreshCollections(section) {
  const names = await api.listCollections();
  fillPickers(names);
  const described = await Promise.all(names.map((name) => api.describeCollection(name)));
  const body = section.querySelector("tbody");
  body.replaceChildren(...described.map((c) => el("tr", { "data-name": c.name },
    el("td", { text: c.name }), el("td", { class: "num", text: String(c.count) }), el("td", { class: "num", text: String(c.dim) }),
    el("td", { text: c.index + paramsText(c.index_params) }), el("td", { text: `${c.backend} ${c.backend_index}` }),
    el("td", { class: "num", text: bytesText(c.disk_bytes) }),
    el("td", {}, el("button", { type: "button", class: "danger", i18n: "dropShort", label: "drop", i18nVars: { name: c.name },
                                onclick: () => drop(section, c) })))));
}

async function drop(section, collection) {
  if (!window.confirm(t("confirmDrop", { name: collection.name, count: collection.count }))) return;
  await guarded(section, async () => {
    await api.dropCollection(collection.name);
    await refreshCollections(section);
    section.querySelector(".collections-ok").textContent = t("dropped", { name: collection.name });
  });
}

// Every collection picker lists these names, keeping the choice when it is still there; an empty
// picker says why (no collections yet, or the key is missing).
export function fillPickers(names) {
  for (const picker of document.querySelectorAll("select.collection-picker")) {
    const chosen = picker.value;
    picker.replaceChildren(...names.map((name) => el("option", { value: name, text: name })));
    if (names.includes(chosen)) picker.value = chosen;
    pickerHint(picker, names.length ? null : "noCollections");
  }
}

// After a 401 the pickers are emptied and say that the key is needed.
window.addEventListener("simservice:auth", (event) => {
  if (!event.detail.refused) return;
  for (const picker of document.querySelectorAll("select.collection-picker")) {
    picker.replaceChildren();
    pickerHint(picker, "noCollectionsKey");
  }
});

function pickerHint(picker, key) {
  const label = picker.closest("label");
  let hint = label.parentElement.querySelector(":scope > .picker-hint");
  if (!key) { hint?.remove(); return; }
  if (!hint) {
    hint = el("span", { class: "hint picker-hint", id: `${picker.closest("form").id}-picker-hint` });
    label.after(hint);
    picker.setAttribute("aria-describedby", hint.id);
  }
  hint.dataset.i18n = key;
  hint.textContent = t(key);
}

function paramsText(params) {
  const parts = Object.entries(params || {}).map(([k, v]) => `${k}=${v}`);
  return parts.length ? ` (${parts.join(", ")})` : "";
}

// The Items tab: page through a collection's items (text and metadata), delete one, or delete
// every item a filter matches.

import * as api from "./api.js";
import { fillPickers } from "./collections.js";
import { filterBuilder } from "./filters.js";
import { t } from "./i18n.js";
import { metadataChips } from "./search.js";
import { el, guarded } from "./ui.js";

const PAGE = 20;

export function initItems(section) {
  const form = section.querySelector("#items-form");
  const ok = section.querySelector(".items-ok");
  const filter = filterBuilder(section.querySelector("#delete-filter-form .filter-builder"));
  let offset = 0;
  const collection = () => {
    if (!form.elements.collection.value) throw new Error(t("needCollection"));
    return form.elements.collection.value;
  };
  const load = () => guarded(section, () => showPage(section, collection(), offset, (id) => removeOne(id)));
  const removeOne = (id) => {
    if (!window.confirm(t("confirmDeleteItem", { id }))) return;
    ok.textContent = "";
    return guarded(section, async () => {
      const count = await api.deleteItems(collection(), { ids: [id] });
      ok.textContent = t("deleted", { count });
      await showPage(section, collection(), offset, removeOne);
    });
  };
  form.addEventListener("submit", (event) => { event.preventDefault(); offset = 0; ok.textContent = ""; load(); });
  form.elements.collection.addEventListener("change", () => { offset = 0; load(); });
  section.querySelector(".prev").addEventListener("click", () => { offset = Math.max(0, offset - PAGE); load(); });
  section.querySelector(".next").addEventListener("click", () => { offset += PAGE; load(); });
  section.querySelector("#delete-filter-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    ok.textContent = "";
    await guarded(section, async () => {
      const name = collection();
      const chosen = filter.get();
      if (chosen === undefined) throw new Error(t("needFilter"));
      if (!window.confirm(t("confirmDeleteFilter", { name, filter: JSON.stringify(chosen) }))) return;
      const count = await api.deleteItems(name, { filter: chosen });
      ok.textContent = t("deleted", { count });
      offset = 0;
      await showPage(section, name, offset, removeOne);
    });
  });
  return {
    show: () => guarded(section, async () => {
      fillPickers(await api.listCollections());
      if (form.elements.collection.value) await showPage(section, form.elements.collection.value, offset, removeOne);
    }),
  };
}

async function showPage(section, name, offset, remove) {
  const page = await api.pageItems(name, offset, PAGE);
  const rows = page.items.map((item) => el("tr", { "data-id": item.id },
    el("td", {}, el("code", { text: item.id })), el("td", { class: "text", text: item.text }),
    el("td", {}, metadataChips(undefined, item.metadata)),
    el("td", {}, el("button", { type: "button", class: "danger", i18n: "remove", label: "deleteItem",
                                i18nVars: { id: item.id }, onclick: () => remove(item.id) }))));
  section.querySelector("#items-table tbody").replaceChildren(...rows);
  const range = section.querySelector(".items-range");
  const vars = { first: offset + 1, last: offset + page.items.length, count: page.count };
  range.dataset.i18n = page.items.length ? "itemsRange" : "noItems";
  range.dataset.i18nVars = JSON.stringify(vars);
  range.textContent = t(range.dataset.i18n, vars);
  section.querySelector(".prev").disabled = offset === 0;
  section.querySelector(".next").disabled = offset + page.items.length >= page.count;
}

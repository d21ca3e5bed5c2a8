// The Snapshots tab (only where the index backend has snapshots): create, list, download,
// restore (the collection becomes the snapshot's state), restore as a new collection, and delete.

import * as api from "./api.js";
import { fillPickers } from "./collections.js";
import { lang, t } from "./i18n.js";
import { bytesText } from "./units.js";
import { el, guarded } from "./ui.js";

export function initSnapshots(section) {
  const form = section.querySelector("#snapshots-form");
  const ok = section.querySelector(".snapshots-ok");
  const collection = () => {
    if (!form.elements.collection.value) throw new Error(t("needCollection"));
    return form.elements.collection.value;
  };
  const act = (work) => { ok.textContent = ""; return guarded(section, async () => { await work(); await list(); }); };
  const list = async () => {
    const name = collection();
    const snapshots = await api.listSnapshots(name);
    const body = section.querySelector("#snapshots-table tbody");
    if (!snapshots.length) {
      body.replaceChildren(el("tr", {}, el("td", { colspan: "4", class: "empty", i18n: "noSnapshots" })));
      return;
    }
    body.replaceChildren(...snapshots.map((s) => el("tr", { "data-name": s.name },
      el("td", { class: "text", text: s.name }), el("td", { class: "num", text: bytesText(s.size) }),
      el("td", {}, el("time", { datetime: s.created, text: new Date(s.created).toLocaleString(lang() === "zh" ? "zh-CN" : "en") })),
      el("td", { class: "actions" },
        el("button", { type: "button", class: "quiet download", i18n: "downloadShort", label: "download",
                       i18nVars: { name: s.name }, onclick: () => act(() => download(name, s.name)) }),
        el("button", { type: "button", class: "quiet restore", i18n: "restoreShort", label: "restore",
                       i18nVars: { name: s.name }, onclick: () => restore(name, s.name) }),
        el("button", { type: "button", class: "quiet restore-as", i18n: "restoreAsShort", label: "restoreAs",
                       i18nVars: { name: s.name }, onclick: () => restoreAs(name, s.name) }),
        el("button", { type: "button", class: "danger", i18n: "remove", label: "deleteSnapshot",
                       i18nVars: { name: s.name }, onclick: () => remove(name, s.name) })))));
  };
  const restore = (name, snapshot) => {
    if (!window.confirm(t("confirmRestore", { collection: name, name: snapshot }))) return;
    return act(async () => {
      const restored = await api.restoreSnapshot(name, snapshot);
      ok.textContent = t("restored", { name: restored.name, count: restored.count });
    });
  };
  const restoreAs = (name, snapshot) => {
    const into = window.prompt(t("promptRestoreAs", { name: snapshot }), `${name}-copy`)?.trim();
    if (!into) return;
    return act(async () => {
      const restored = await api.restoreSnapshotAs(name, snapshot, into);
      fillPickers(await api.listCollections());
      ok.textContent = t("restored", { name: restored.name, count: restored.count });
    });
  };
  const remove = (name, snapshot) => {
    if (!window.confirm(t("confirmDeleteSnapshot", { name: snapshot }))) return;
    return act(async () => {
      await api.deleteSnapshot(name, snapshot);
      ok.textContent = t("snapshotDeleted", { name: snapshot });
    });
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(async () => {
      const made = await api.createSnapshot(collection());
      ok.textContent = t("snapshotCreated", { name: made.name });
    });
  });
  form.elements.collection.addEventListener("change", () => act(async () => {}));
  return {
    show: () => guarded(section, async () => {
      fillPickers(await api.listCollections());
      if (form.elements.collection.value) await list();
    }),
  };
}

async function download(collection, name) {
  const url = URL.createObjectURL(await api.snapshotBlob(collection, name));
  const link = el("a", { href: url, download: name, class: "offscreen", "aria-hidden": "true" });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

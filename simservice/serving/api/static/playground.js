// The playground's entry: tabs (the WAI-ARIA tabs pattern, kept in the URL's #hash), the API key
// (asked for on the first 401, kept in session storage only, applied as typed), the language
// switch, the model line, a warm-up state with the buttons off until /ready, and no blank page on errors.

import * as api from "./api.js";
import { initCollections } from "./collections.js";
import { initCompare } from "./compare.js";
import { initCurlBoxes } from "./curl.js";
import { applyLanguage, lang, onLanguage, t } from "./i18n.js";
import { initItems } from "./items.js";
import { initParaphrase } from "./paraphrase.js";
import { initSearch } from "./search.js";
import { initSnapshots } from "./snapshots.js";
import { initStatus } from "./status.js";
import { addSpinners, el, pageState, setSubmitting } from "./ui.js";

const banner = document.getElementById("banner");
const keyNeeded = document.getElementById("key-needed");

function showBanner(key, vars = {}) {
  banner.replaceChildren();
  banner.hidden = !key;
  if (key) banner.append(el("span", { class: "spinner", "aria-hidden": "true" }), " ", el("span", { i18n: key, i18nVars: vars }));
}

window.addEventListener("error", (event) => { banner.hidden = false; banner.textContent = `${event.message}`; });
window.addEventListener("unhandledrejection", (event) => {
  banner.hidden = false;
  banner.textContent = `${event.reason?.message ?? event.reason}`;
});

addSpinners();
const section = (name) => document.getElementById(`tab-${name}`);
const tabs = {
  paraphrase: initParaphrase(section("paraphrase")),
  compare: initCompare(section("compare")),
  search: initSearch(section("search")),
  items: initItems(section("items")),
  collections: initCollections(section("collections")),
  status: initStatus(section("status")),
};
// Snapshots joins the tabs when /info says the index backend has them.
let active = null;
let firstTab = "paraphrase";
const tabButtons = () => [...document.querySelectorAll("[role=tab]")].filter((button) => !button.hidden);

function openTab(name, focus = false) {
  if (!(name in tabs)) name = firstTab;
  if (name === active) return;
  if (active) tabs[active]?.hide?.();
  active = name;
  for (const button of document.querySelectorAll("[role=tab]")) {
    const selected = button.dataset.tab === name;
    button.setAttribute("aria-selected", String(selected));
    button.tabIndex = selected ? 0 : -1;
    if (selected && focus) button.focus();
  }
  for (const panel of document.querySelectorAll("[role=tabpanel]")) panel.hidden = panel.id !== `tab-${name}`;
  if (location.hash !== `#${name}`) history.replaceState(null, "", `#${name}`);
  tabs[name]?.show?.();
}

function reopen() {
  const name = active;
  active = null;
  tabs[name]?.hide?.();
  openTab(name);
}

for (const button of document.querySelectorAll("[role=tab]")) {
  button.addEventListener("click", () => openTab(button.dataset.tab));
  button.addEventListener("keydown", (event) => {
    const buttons = tabButtons();
    const at = buttons.indexOf(button);
    const next = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: buttons.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    openTab(buttons[(next + buttons.length) % buttons.length].dataset.tab, true);
  });
}
window.addEventListener("hashchange", () => openTab(location.hash.slice(1)));

// The key: used as typed (each request reads it), the open tab shown again a moment after typing stops.
const keyField = document.getElementById("api-key");
keyField.value = api.apiKey.get();
let retry = null;
keyField.addEventListener("input", () => {
  api.apiKey.set(keyField.value.trim());
  clearTimeout(retry);
  retry = setTimeout(reopen, 400);
});
keyField.addEventListener("keydown", (event) => { if (event.key === "Enter") { clearTimeout(retry); reopen(); } });
window.addEventListener("simservice:auth", (event) => {
  keyNeeded.hidden = !event.detail.refused;
  if (!event.detail.refused) return;
  keyNeeded.dataset.i18n = api.apiKey.get() ? "keyWrong" : "keyNeeded";
  keyNeeded.textContent = t(keyNeeded.dataset.i18n);
  if (event.detail.changed && document.activeElement !== keyField) keyField.focus();
});

document.getElementById("lang").addEventListener("click", () => applyLanguage(lang() === "zh" ? "en" : "zh"));

// The model line under the title, and the tabs the model and the index backend allow.
let info = null;
function modelLine() {
  const line = document.getElementById("model-line");
  if (!info) { line.replaceChildren(); return; }
  const demo = /(^|\/)models\/demo\/?$/.test(info.model);
  const name = info.model.split("/").filter(Boolean).pop();
  line.replaceChildren(t(demo ? "demoLine" : "modelLine", { name, family: info.family, layers: info.layers, dim: info.dim }),
                       " ", el("a", { href: "ui/model-card", i18n: "modelCard" }));
}
onLanguage(modelLine);

async function applyCapabilities() {
  info = await api.info();
  modelLine();
  if ((info.index_capabilities || []).includes("snapshots")) {
    tabs.snapshots = initSnapshotsOnce();
    document.querySelector("[role=tab][data-tab=snapshots]").hidden = false;
    if (location.hash === "#snapshots" && active !== "snapshots") openTab("snapshots");
  }
  if (info.can_paraphrase !== false) return;
  delete tabs.paraphrase;
  firstTab = "compare";
  document.querySelector("[role=tab][data-tab=paraphrase]").hidden = true;
  section("paraphrase").hidden = true;
  if (active === "paraphrase") { active = null; openTab(firstTab); }
}

let snapshotsTab = null;
function initSnapshotsOnce() {
  snapshotsTab ||= initSnapshots(section("snapshots"));
  return snapshotsTab;
}

function setWarming(warming) {
  pageState.warming = warming;
  for (const panel of document.querySelectorAll("[role=tabpanel]")) setSubmitting(panel, panel.getAttribute("aria-busy") === "true");
}

async function watchReady() {
  try {
    const ready = await api.ready();
    if (ready.status === "ok") {
      showBanner("");
      setWarming(false);
      try { await applyCapabilities(); } catch { window.addEventListener("simservice:auth", retryInfo); }
      return;
    }
    setWarming(true);
    showBanner("warming", { status: ready.status });
  } catch (err) {
    banner.hidden = false;
    banner.textContent = err.message;
  }
  setTimeout(watchReady, 3000);
}

// /info needs the key: read it once a key works.
function retryInfo(event) {
  if (event.detail.refused) return;
  window.removeEventListener("simservice:auth", retryInfo);
  applyCapabilities().catch(() => {});
}

initCurlBoxes();
applyLanguage();
setWarming(true);  // until /ready answers ok
openTab(location.hash.slice(1));
watchReady();
document.body.dataset.ready = "true";

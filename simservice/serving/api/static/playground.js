// The playground's entry: tabs (kept in the URL's #hash), the API key field (session storage
// only), the language switch, a banner while the model warms up, and no blank page on errors.

import * as api from "./api.js";
import { initCollections } from "./collections.js";
import { initCompare } from "./compare.js";
import { initCurlBoxes } from "./curl.js";
import { applyLanguage, lang, t } from "./i18n.js";
import { initParaphrase } from "./paraphrase.js";
import { initSearch } from "./search.js";
import { initStatus } from "./status.js";

const banner = document.getElementById("banner");

function showBanner(message) {
  banner.textContent = message;
  banner.hidden = !message;
}

window.addEventListener("error", (event) => showBanner(`${event.message}`));
window.addEventListener("unhandledrejection", (event) => showBanner(`${event.reason?.message ?? event.reason}`));

const section = (name) => document.getElementById(`tab-${name}`);
const tabs = {
  paraphrase: initParaphrase(section("paraphrase")),
  compare: initCompare(section("compare")),
  search: initSearch(section("search")),
  collections: initCollections(section("collections")),
  status: initStatus(section("status")),
};
let active = null;
let firstTab = "paraphrase";

function openTab(name) {
  if (!(name in tabs)) name = firstTab;
  if (name === active) return;
  if (active) tabs[active]?.hide?.();
  active = name;
  for (const button of document.querySelectorAll("[role=tab]")) {
    button.setAttribute("aria-selected", String(button.dataset.tab === name));
  }
  for (const panel of document.querySelectorAll("[role=tabpanel]")) panel.hidden = panel.id !== `tab-${name}`;
  if (location.hash !== `#${name}`) history.replaceState(null, "", `#${name}`);
  tabs[name]?.show?.();
}

for (const button of document.querySelectorAll("[role=tab]")) {
  button.addEventListener("click", () => openTab(button.dataset.tab));
}
window.addEventListener("hashchange", () => openTab(location.hash.slice(1)));

const keyField = document.getElementById("api-key");
keyField.value = api.apiKey.get();
keyField.addEventListener("input", () => api.apiKey.set(keyField.value.trim()));
// A new key may unlock the open tab: show it again.
keyField.addEventListener("change", () => { const name = active; active = null; tabs[name]?.hide?.(); openTab(name); });

document.getElementById("lang").addEventListener("click", () => applyLanguage(lang() === "zh" ? "en" : "zh"));

// An embedding model (e5, bge, text2vec) cannot paraphrase: its tab goes away, Compare opens first.
async function applyCapabilities() {
  const info = await api.info();
  if (info.can_paraphrase !== false) return;
  delete tabs.paraphrase;
  firstTab = "compare";
  document.querySelector("[role=tab][data-tab=paraphrase]").hidden = true;
  section("paraphrase").hidden = true;
  if (active === "paraphrase") { active = null; openTab(firstTab); }
}

async function watchReady() {
  try {
    const ready = await api.ready();
    if (ready.status === "ok") { showBanner(""); return applyCapabilities().catch(() => {}); }
    showBanner(t("warming", { status: ready.status }));
  } catch (err) {
    showBanner(err.message);
  }
  setTimeout(watchReady, 3000);
}

initCurlBoxes();
applyLanguage();
openTab(location.hash.slice(1));
watchReady();
document.body.dataset.ready = "true";

// Small DOM helpers shared by the tabs: building elements, showing errors, a spinner while waiting,
// copying text, and the page state (warming up) that keeps the submit buttons off.

import { has, t } from "./i18n.js";

export const pageState = { warming: false };

// An element with attributes (class, text, i18n and i18nVars for translated text, label for a
// translated aria-label, dataset keys as data-*) and children.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  const vars = attrs.i18nVars;
  if (vars) node.dataset.i18nVars = JSON.stringify(vars);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || name === "i18nVars") continue;
    if (name === "text") node.textContent = value;
    else if (name === "i18n") { node.dataset.i18n = value; node.textContent = t(value, vars); }
    else if (name === "label") { node.dataset.i18nLabel = value; node.setAttribute("aria-label", t(value, vars)); }
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

// What went wrong in the page's language (by the error's type), then the service's own message,
// with its status and error type beside it.
export function showError(target, err) {
  target.replaceChildren();
  const type = err && err.type;
  const status = err && err.status ? `${err.status} ${type}` : type || "";
  if (status) target.append(el("span", { class: "error-type", text: status }), " ");
  if (type && has(`err_${type}`) && t(`err_${type}`)) target.append(el("span", { class: "error-summary", i18n: `err_${type}` }), " ");
  target.append(el("span", { class: "error-message", text: err && err.message ? err.message : String(err) }));
  target.hidden = false;
}

export function clearError(target) {
  target.hidden = true;
  target.replaceChildren();
}

export function setSubmitting(section, busy) {
  for (const button of section.querySelectorAll("button[type=submit]")) button.disabled = busy || pageState.warming;
  if (busy) section.setAttribute("aria-busy", "true");
  else section.removeAttribute("aria-busy");
}

// Runs `work` with the error line cleared, the section's submit buttons disabled and its spinner
// shown, showing any error it throws there; answers whether it succeeded.
export async function guarded(section, work, error = section.querySelector(":scope > .error")) {
  clearError(error);
  setSubmitting(section, true);
  try {
    await work();
    return true;
  } catch (err) {
    showError(error, err);
    return false;
  } finally {
    setSubmitting(section, false);
  }
}

// A spinner in each tab, shown by CSS while the tab is busy (aria-busy).
export function addSpinners() {
  for (const section of document.querySelectorAll("[role=tabpanel]")) {
    section.prepend(el("div", { class: "busy", role: "status" }, el("span", { class: "spinner", "aria-hidden": "true" }),
                       el("span", { i18n: "working" })));
  }
}

export async function copyText(text, button) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {  // no clipboard API outside a secure context: the old way
    const area = el("textarea", { class: "offscreen", "aria-hidden": "true" });
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  if (button) {
    button.textContent = t("copied");
    setTimeout(() => (button.textContent = t(button.dataset.i18n || "copy")), 1200);
  }
}

// A copy button whose accessible name says what it copies ("copy “明天会下雨吗”").
export function copyButton(getText, label = "copy", named = undefined) {
  const attrs = { type: "button", class: "quiet copy", i18n: label };
  if (named !== undefined) Object.assign(attrs, { label: "copyNamed", i18nVars: { text: named } });
  const button = el("button", attrs);
  if (named !== undefined) button.textContent = t(label);
  button.addEventListener("click", () => copyText(getText(), button));
  return button;
}

// Numbers of a form field: undefined when empty, so the service's default applies.
export function numberOf(input) {
  return input.value.trim() === "" ? undefined : Number(input.value);
}

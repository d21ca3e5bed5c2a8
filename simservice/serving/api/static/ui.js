// Small DOM helpers shared by the tabs: building elements, showing errors, copying text.

import { t } from "./i18n.js";

// An element with attributes (class, text, i18n, dataset keys as data-*) and children.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null) continue;
    if (name === "text") node.textContent = value;
    else if (name === "i18n") { node.dataset.i18n = value; node.textContent = t(value); }
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

// The service's message as it is, with its status and error type beside it.
export function showError(target, err) {
  target.replaceChildren();
  const status = err && err.status ? `${err.status} ${err.type}` : err && err.type ? err.type : "";
  if (status) target.append(el("span", { class: "error-type", text: status }), " ");
  target.append(el("span", { class: "error-message", text: err && err.message ? err.message : String(err) }));
  target.hidden = false;
}

export function clearError(target) {
  target.hidden = true;
  target.replaceChildren();
}

// Runs `work` with the error line cleared and the section's submit buttons disabled, showing
// any error it throws there; answers whether it succeeded.
export async function guarded(section, work, error = section.querySelector(":scope > .error")) {
  const buttons = section.querySelectorAll("button[type=submit]");
  clearError(error);
  buttons.forEach((b) => (b.disabled = true));
  section.setAttribute("aria-busy", "true");
  try {
    await work();
    return true;
  } catch (err) {
    showError(error, err);
    return false;
  } finally {
    buttons.forEach((b) => (b.disabled = false));
    section.removeAttribute("aria-busy");
  }
}

export async function copyText(text, button) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {  // no clipboard API outside a secure context: the old way
    const area = el("textarea", { class: "offscreen" });
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

export function copyButton(getText, label = "copy") {
  const button = el("button", { type: "button", class: "quiet copy", i18n: label });
  button.addEventListener("click", () => copyText(getText(), button));
  return button;
}

// Numbers of a form field: undefined when empty, so the service's default applies.
export function numberOf(input) {
  return input.value.trim() === "" ? undefined : Number(input.value);
}

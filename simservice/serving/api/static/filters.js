// The filter builder: groups of conditions combined with AND or OR, each group negatable (NOT),
// nested to any depth; operators =, ≠, >, ≥, <, ≤, in, not in; and a JSON mode that round-trips
// with the builder (README, "Filters", is the language).

import { t } from "./i18n.js";
import { el } from "./ui.js";
import { parseScalar } from "./upload.js";

const OPERATORS = [["eq", "="], ["ne", "≠"], ["gt", ">"], ["gte", "≥"], ["lt", "<"], ["lte", "≤"], ["in", "in"],
                   ["nin", "not in"]];
const LISTS = new Set(["in", "nin"]);

// A builder inside `container`; get() answers the filter (undefined when empty) or throws on bad JSON.
export function filterBuilder(container) {
  let root = group();
  const json = el("textarea", { class: "filter-json", rows: "4", label: "filterJson", spellcheck: "false", hidden: "" });
  const toggle = el("button", { type: "button", class: "quiet json-toggle", i18n: "jsonMode" });
  const legend = el("legend", { i18n: "filter" });
  const box = el("fieldset", { class: "filters" }, legend, root.node, json, el("div", { class: "row" }, toggle));
  container.replaceChildren(box);
  const inJson = () => !json.hidden;

  function readJson() {
    if (!json.value.trim()) return undefined;
    try { return JSON.parse(json.value); } catch (err) { throw new Error(t("badFilterJson", { message: err.message })); }
  }

  const api = {
    get: () => (inJson() ? readJson() : root.get()),
    set(filter) {
      const next = group();
      if (filter !== undefined) fill(next, filter);
      root.node.replaceWith(next.node);
      root = next;
      json.value = filter === undefined ? "" : JSON.stringify(filter, null, 1);
    },
  };
  toggle.addEventListener("click", () => {
    if (inJson()) {
      api.set(readJson());  // throws (shown by the caller's next submit) only on bad JSON
      json.hidden = true;
      root.node.hidden = false;
      toggle.dataset.i18n = "jsonMode";
    } else {
      const filter = root.get();
      json.value = filter === undefined ? "" : JSON.stringify(filter, null, 1);
      json.hidden = false;
      root.node.hidden = true;
      toggle.dataset.i18n = "builderMode";
    }
    toggle.textContent = t(toggle.dataset.i18n);
  });
  return api;
}

// A group: its node, its rows (conditions and groups), get() as a filter.
function group(onRemove) {
  const combine = el("select", { name: "filter-combine", label: "combine" },
                     el("option", { value: "and", i18n: "all" }), el("option", { value: "or", i18n: "any" }));
  const negate = el("input", { type: "checkbox", name: "filter-not" });
  const rows = el("div", { class: "filter-rows" });
  const children = [];
  const self = { node: null, children, combine, negate };
  const add = (child) => {
    children.push(child);
    rows.append(child.node);
    return child;
  };
  const removeChild = (child) => { children.splice(children.indexOf(child), 1); child.node.remove(); };
  self.addCondition = () => add(condition((c) => removeChild(c)));
  self.addGroup = () => add(group((g) => removeChild(g)));
  const tools = el("div", { class: "row" },
    el("button", { type: "button", class: "quiet add-filter", i18n: "addCondition", onclick: () => self.addCondition() }),
    el("button", { type: "button", class: "quiet add-group", i18n: "addGroup", onclick: () => self.addGroup() }),
    onRemove ? el("button", { type: "button", class: "quiet", i18n: "removeGroup", onclick: () => onRemove(self) }) : null);
  self.node = el("div", { class: "filter-group" },
    el("div", { class: "row" }, el("label", {}, negate, " ", el("span", { i18n: "negate" })), combine), rows, tools);
  self.get = () => {
    const parts = children.map((child) => child.get()).filter((part) => part !== undefined);
    let filter = parts.length === 0 ? undefined : parts.length === 1 ? parts[0] : { [combine.value]: parts };
    if (filter !== undefined && negate.checked) filter = { not: filter };
    return filter;
  };
  return self;
}

function condition(onRemove) {
  const key = el("input", { type: "text", name: "filter-key", label: "filterKey", "data-i18n-placeholder": "filterKey",
                            placeholder: t("filterKey") });
  const op = el("select", { name: "filter-op", label: "filterOp" },
                ...OPERATORS.map(([value, label]) => el("option", { value, text: label })));
  const value = el("input", { type: "text", name: "filter-value", label: "filterValue", title: t("filterValueHint"),
                              "data-i18n-title": "filterValueHint", "data-i18n-placeholder": "filterValue",
                              placeholder: t("filterValue") });
  const self = { key, op, value };
  self.node = el("div", { class: "row filter-row" }, key, op, value,
                 el("button", { type: "button", class: "quiet", i18n: "remove", onclick: () => onRemove(self) }));
  self.get = () => {
    const name = key.value.trim();
    if (!name) return undefined;
    const parsed = LISTS.has(op.value) ? value.value.split(",").map((v) => parseScalar(v.trim())) : parseScalar(value.value);
    return op.value === "eq" && (parsed === null || typeof parsed !== "object") ? { [name]: parsed } : { [name]: { [op.value]: parsed } };
  };
  self.set = (name, operator, given) => {
    key.value = name;
    op.value = operator;
    value.value = LISTS.has(operator) ? given.map(scalarText).join(", ") : scalarText(given);
  };
  return self;
}

// A value as the text parseScalar reads back as the same value.
function scalarText(value) {
  if (typeof value !== "string") return JSON.stringify(value);
  return parseScalar(value) === value && !value.includes(",") ? value : JSON.stringify(value);
}

// Fills `target` (a group) from a filter: and/or lists become groups, not negates, several keys or
// several operators on one key are ANDed conditions.
function fill(target, filter) {
  const keys = Object.keys(filter);
  if (keys.length === 1 && (keys[0] === "and" || keys[0] === "or")) {
    target.combine.value = keys[0];
    for (const part of filter[keys[0]]) place(target, part);
    return;
  }
  if (keys.length === 1 && keys[0] === "not") {
    target.negate.checked = true;
    fill(target, filter.not);
    return;
  }
  for (const { spec } of conditionsOf(filter)) target.addCondition().set(...spec);
}

// One part into a group: a single condition as a row, anything else as a nested group.
function place(target, part) {
  const conditions = conditionsOf(part);
  if (conditions.length === 1 && !["and", "or", "not"].includes(Object.keys(part)[0])) {
    const [name, operator, value] = conditions[0].spec;
    target.addCondition().set(name, operator, value);
  } else {
    fill(target.addGroup(), part);
  }
}

function conditionsOf(filter) {
  if (["and", "or", "not"].some((k) => k in filter)) return [{ spec: null }, { spec: null }];
  const out = [];
  for (const [name, given] of Object.entries(filter)) {
    if (given !== null && typeof given === "object" && !Array.isArray(given)) {
      for (const [operator, value] of Object.entries(given)) out.push({ spec: [name, operator, value] });
    } else {
      out.push({ spec: [name, "eq", given] });
    }
  }
  return out;
}

// The service's HTTP API, one small function per call: when a request or response shape
// changes, only the function for that call changes. Paths are relative, so the page works
// at / and /ui and behind a proxy prefix.

const KEY_STORAGE = "simservice.apiKey";

export const apiKey = {
  get: () => sessionStorage.getItem(KEY_STORAGE) || "",
  set: (key) => (key ? sessionStorage.setItem(KEY_STORAGE, key) : sessionStorage.removeItem(KEY_STORAGE)),
};

export class ApiError extends Error {
  constructor(status, message, type) {
    super(message);
    this.status = status;
    this.type = type;
  }
}

// The last request of each kind, for "the request as curl".
export const lastRequests = {};

async function call(method, path, body, kind) {
  const headers = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (apiKey.get()) headers.authorization = `Bearer ${apiKey.get()}`;
  if (kind) lastRequests[kind] = { method, path, body };
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    throw new ApiError(0, `the service did not answer: ${err.message}`, "network");
  }
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  if (!response.ok) {
    const message = data && typeof data === "object" && data.error ? data.error : text || response.statusText;
    const type = data && typeof data === "object" && data.error_type ? data.error_type : `http_${response.status}`;
    throw new ApiError(response.status, message, type);
  }
  return data;
}

function expect(ok, path, data) {
  if (!ok) throw new ApiError(0, `unexpected answer from ${path}: ${JSON.stringify(data).slice(0, 200)}`, "shape");
}

const enc = encodeURIComponent;

export async function ready() {
  try {
    return await call("GET", "ready");
  } catch (err) {
    if (err.status === 503) return { status: err.message };
    throw err;
  }
}

export async function info() {
  const data = await call("GET", "info");
  expect(data && typeof data.dim === "number", "/info", data);
  return data;
}

export async function metricsText() {
  return call("GET", "metrics");
}

// [{text, score}] best first, for one text.
export async function paraphrase(text, params) {
  const data = await call("POST", "paraphrase", { text, ...params }, "paraphrase");
  expect(data && Array.isArray(data.result), "/paraphrase", data);
  return data.result;
}

// One cosine per target, in request order.
export async function similarity(source, targets) {
  const data = await call("POST", "similarity", { source, targets }, "compare");
  expect(data && Array.isArray(data.scores) && data.scores.length === targets.length, "/similarity", data);
  return data.scores;
}

// [{id, text, score, metadata}] best first, for one query.
export async function search(collection, text, k, filter) {
  const body = { collection, text, k };
  if (filter) body.filter = filter;
  const data = await call("POST", "similar", body, "search");
  expect(data && Array.isArray(data.result), "/similar", data);
  return data.result;
}

export async function listCollections() {
  const data = await call("GET", "collections");
  expect(data && Array.isArray(data.collections), "/collections", data);
  return data.collections;
}

// {name, count, dim, index, index_params, backend, backend_index, disk_bytes, ...}
export async function describeCollection(name) {
  const data = await call("GET", `collections/${enc(name)}`);
  expect(data && typeof data.count === "number", `/collections/${name}`, data);
  return data;
}

export async function createCollection(name, index, indexParams) {
  return call("POST", "collections", { name, index, index_params: indexParams }, "create");
}

export async function dropCollection(name) {
  await call("DELETE", `collections/${enc(name)}`);
}

// Items [{id, text, metadata}]; answers how many were written.
export async function upsertItems(collection, items) {
  const data = await call("POST", `collections/${enc(collection)}/items`, { items }, "upsert");
  expect(data && typeof data.upserted === "number", `/collections/${collection}/items`, data);
  return data.upserted;
}

function shellQuote(text) {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

// A request as a curl command line; the key is left as $SIMSERVICE_API_KEY, never written out.
export function curlOf(request) {
  const url = new URL(request.path, document.baseURI).href;
  const parts = [`curl -s${request.method === "GET" || request.method === "POST" ? "" : ` -X ${request.method}`} ${shellQuote(url)}`];
  if (apiKey.get()) parts.push(`-H "Authorization: Bearer $SIMSERVICE_API_KEY"`);
  if (request.body !== undefined) {
    parts.push("-H 'content-type: application/json'");
    parts.push(`-d ${shellQuote(JSON.stringify(request.body))}`);
  }
  return parts.join(" \\\n  ");
}

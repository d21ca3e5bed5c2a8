// The service's HTTP API, one small function per call: when a request or response shape
// changes, only the function for that call changes. Paths are relative, so the page works
// at / and /ui and behind a proxy prefix.

const KEY_STORAGE = "simservice.apiKey";

export const apiKey = {
  get: () => sessionStorage.getItem(KEY_STORAGE) || "",
  set: (key) => (key ? sessionStorage.setItem(KEY_STORAGE, key) : sessionStorage.removeItem(KEY_STORAGE)),
};

export class ApiError extends Error {
  constructor(status, message, type, data = null) {
    super(message);
    this.status = status;
    this.type = type;
    this.data = data;  // the answer's JSON body, if it had one
  }
}

// The last request of each kind, for "the request as curl".
export const lastRequests = {};

// Whether the last answer was 401; "simservice:auth" is dispatched on each 401 and when that changes.
export const auth = { refused: false };

function noteAuth(status) {
  const refused = status === 401;
  if (status !== 401 && (status < 200 || status >= 300)) return;
  const changed = refused !== auth.refused;
  auth.refused = refused;
  if (changed || refused) window.dispatchEvent(new CustomEvent("simservice:auth", { detail: { refused, changed } }));
}

async function send(method, path, body, kind, contentType = "application/json") {
  const headers = {};
  if (body !== undefined) headers["content-type"] = contentType;
  if (apiKey.get()) headers.authorization = `Bearer ${apiKey.get()}`;
  if (kind) lastRequests[kind] = { method, path, body };
  const payload = body === undefined || contentType !== "application/json" ? body : JSON.stringify(body);
  try {
    const response = await fetch(path, { method, headers, body: payload });
    if (path !== "ready") noteAuth(response.status);
    return response;
  } catch (err) {
    throw new ApiError(0, `the service did not answer: ${err.message}`, "network");
  }
}

async function call(method, path, body, kind, contentType) {
  return parse(await send(method, path, body, kind, contentType));
}

// The answer's JSON, or the service's error thrown as an ApiError.
async function parse(response) {
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  if (!response.ok) {
    const message = data && typeof data === "object" && data.error ? data.error : text || response.statusText;
    const type = data && typeof data === "object" && data.error_type ? data.error_type : `http_${response.status}`;
    throw new ApiError(response.status, message, type, data && typeof data === "object" ? data : null);
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
    if (err.status === 503) return { status: err.data?.status ?? err.message };
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

// A whole file read and checked by the server (all rows good or a 422 naming the bad lines), then
// written by a background job: the job's status, {id, status, rows, rows_done, upload: {...}}.
export async function startUpload(collection, file, format) {
  const query = new URLSearchParams({ format, filename: file.name, background: "true" });
  const data = await call("POST", `collections/${enc(collection)}/items/upload?${query}`, file, "upload",
                          "application/octet-stream");
  expect(data && typeof data.id === "string" && data.upload, "/items/upload", data);
  return data;
}

// A background job's status; cancelJob stops it (an upload after the chunk being written).
export async function getJob(id) {
  const data = await call("GET", `jobs/${enc(id)}`);
  expect(data && typeof data.rows_done === "number", `/jobs/${id}`, data);
  return data;
}

export async function cancelJob(id) {
  return call("DELETE", `jobs/${enc(id)}`);
}

// {items: [{id, text, metadata}], offset, limit, count} ordered by id.
export async function pageItems(collection, offset, limit) {
  const data = await call("GET", `collections/${enc(collection)}/items?offset=${offset}&limit=${limit}`);
  expect(data && Array.isArray(data.items), "/items", data);
  return data;
}

// Deletes by ids or by a filter; answers how many existed.
export async function deleteItems(collection, { ids, filter }) {
  const data = await call("POST", `collections/${enc(collection)}/items/delete`, ids ? { ids } : { filter }, "delete");
  expect(data && typeof data.deleted === "number", "/items/delete", data);
  return data.deleted;
}

export async function listSnapshots(collection) {
  const data = await call("GET", `collections/${enc(collection)}/snapshots`);
  expect(data && Array.isArray(data.snapshots), "/snapshots", data);
  return data.snapshots;
}

export async function createSnapshot(collection) {
  return call("POST", `collections/${enc(collection)}/snapshots`, undefined, "snapshot");
}

export async function deleteSnapshot(collection, name) {
  await call("DELETE", `collections/${enc(collection)}/snapshots/${enc(name)}`);
}

// The collection as the snapshot holds it (replacing its current state).
export async function restoreSnapshot(collection, name) {
  return call("POST", `collections/${enc(collection)}/snapshots/${enc(name)}/restore?replace=true`, undefined, "restore");
}

// A new collection `into` made from another collection's snapshot (refused if `into` exists).
export async function restoreSnapshotAs(collection, name, into) {
  return call("POST", `collections/${enc(into)}/snapshots/${enc(name)}/restore?source=${enc(collection)}`, undefined,
              "restore");
}

// The snapshot file as a Blob (fetched with the key, which a plain link could not send).
export async function snapshotBlob(collection, name) {
  const response = await send("GET", `collections/${enc(collection)}/snapshots/${enc(name)}`);
  if (!response.ok) await parse(response);
  return response.blob();
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
  if (request.body instanceof Blob) {
    parts.push("-H 'content-type: application/octet-stream'");
    parts.push(`--data-binary ${shellQuote(`@${request.body.name || "file"}`)}`);
  } else if (request.body !== undefined) {
    parts.push("-H 'content-type: application/json'");
    parts.push(`-d ${shellQuote(JSON.stringify(request.body))}`);
  }
  return parts.join(" \\\n  ");
}

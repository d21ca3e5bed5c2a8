// Items from a small CSV or JSONL file, and the scalar rule shared with the search filters.

// "12" and "1.5" are numbers, true/false/null themselves, "\"12\"" the string 12; the rest strings.
export function parseScalar(text) {
  const value = text.trim();
  if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(value) || ["true", "false", "null"].includes(value) ||
      /^".*"$/.test(value)) {
    try { return JSON.parse(value); } catch { /* not JSON after all: a string */ }
  }
  return text;
}

// Rows of a CSV text (RFC 4180: quoted fields, doubled quotes, CRLF or LF); blank rows dropped.
export function parseCsv(text) {
  const rows = [];
  let row = [], field = "", quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') { field += '"'; i++; }
      else quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ",") { row.push(field); field = ""; }
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field); rows.push(row); row = []; field = "";
    } else field += c;
  }
  if (field !== "" || row.length) { row.push(field); rows.push(row); }
  return rows.filter((r) => r.some((f) => f.trim() !== ""));
}

// [{id, text, metadata}] from a file's text; ids default to "<file stem>-<row>".
export function itemsFromFile(name, text) {
  text = text.replace(/^\uFEFF/, "");
  const stem = name.replace(/\.[^.]*$/, "");
  const records = /\.csv$/i.test(name) ? csvRecords(text) : jsonlRecords(text);
  return records.map(({ record, where }, i) => {
    if (typeof record.text !== "string" || !record.text.trim()) throw new Error(`${name} ${where}: no "text"`);
    const { id, text: itemText, metadata, ...rest } = record;
    const meta = metadata && typeof metadata === "object" && !Array.isArray(metadata) ? metadata : rest;
    return { id: id === undefined || id === "" ? `${stem}-${i + 1}` : String(id), text: itemText, metadata: meta };
  });
}

function csvRecords(text) {
  const [header, ...rows] = parseCsv(text);
  if (!header || !header.includes("text")) throw new Error(`the CSV header needs a "text" column, not: ${(header || []).join(", ")}`);
  return rows.map((row, i) => {
    const record = {};
    header.forEach((column, j) => {
      const cell = row[j] ?? "";
      record[column] = column === "id" || column === "text" ? cell : parseScalar(cell);
    });
    return { record, where: `row ${i + 2}` };
  });
}

function jsonlRecords(text) {
  const records = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    let record;
    try { record = JSON.parse(line); } catch (err) { throw new Error(`line ${i + 1}: not JSON (${err.message})`); }
    if (!record || typeof record !== "object" || Array.isArray(record)) throw new Error(`line ${i + 1}: not a JSON object`);
    records.push({ record, where: `line ${i + 1}` });
  });
  return records;
}

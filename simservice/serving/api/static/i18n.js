// The page's words in English and Chinese; elements name theirs with data-i18n (text),
// data-i18n-placeholder, data-i18n-title and data-i18n-label (aria-label). The choice is kept in
// localStorage. A key with _one / _other forms is chosen by the count's plural rule.

const STRINGS = {
  en: {
    subtitle: "playground", apiKey: "API key", apiKeyHint: "only if the server has one", apiDocs: "API docs",
    tabsLabel: "playground tabs",
    tabParaphrase: "Paraphrase", tabCompare: "Compare", tabSearch: "Search", tabItems: "Items",
    tabCollections: "Collections", tabSnapshots: "Snapshots", tabStatus: "Status",
    modelLine: "Model: {name} ({family}, {layers} layers, {dim}-dimensional vectors).",
    demoLine: "Model: the small demo model ({layers} layers of multilingual-e5-small, fine-tuned on a CPU): short " +
      "everyday questions paraphrase well, longer or rarer sentences often poorly. See its card; use the official " +
      "weights for real work.",
    modelCard: "model card",
    paraphraseHint: "New sentences with the same meaning, ranked by their cosine to the input.",
    sentence: "sentence",
    paraphrasePlaceholder: "a Chinese sentence, e.g. 明天会下雨吗", temperature: "temperature", seed: "seed",
    nHelp: "samples drawn", kHelp: "paraphrases kept",
    samplingHelpTitle: "What do these controls do?",
    samplingHelp: "n: how many candidates the model samples; k: how many of the best are shown. top-k: each next " +
      "character is drawn from the k most likely ones; top-p: from the smallest set of likely characters holding " +
      "this share of the probability (lower: safer, less varied); both empty (“auto”): the model's own default (for the " +
      "demo top-k 5, else usually top-p 0.95). Temperature: above 1 more varied, below 1 more conservative. " +
      "Seed: the same seed gives the same paraphrases.",
    scoreHelp: "Scores are cosine similarities of sentence vectors, from -1 to 1. With this model about 0.9 and " +
      "above usually means the same meaning, 0.7-0.9 related, below 0.5 unrelated; a small or untrained model " +
      "scores everything high.",
    optional: "optional", modelDefault: "auto", paraphraseButton: "Paraphrase", asCurl: "the request as curl",
    copy: "copy",
    copyNamed: "copy “{text}”", copyCurl: "copy the curl command", copied: "copied", copyAll: "copy all",
    compareHint: "The cosine of one sentence to each of several others, sorted.", source: "source",
    sourcePlaceholder: "e.g. 怎么开通花呗", targets: "targets, one per line", compareButton: "Compare",
    collection: "collection", query: "query", queryPlaceholder: "a query, e.g. 花呗如何开通",
    filter: "metadata filter", filterKey: "key", filterValue: "value", filterOp: "operator",
    filterValueHint: "in / not in: values separated by commas",
    addCondition: "+ condition", addGroup: "+ group", remove: "remove", removeGroup: "remove group",
    all: "all of (AND)", any: "any of (OR)", negate: "NOT", combine: "combine", jsonMode: "edit as JSON",
    builderMode: "back to the builder", filterJson: "filter as JSON", badFilterJson: "the filter is not valid JSON: {message}",
    searchButton: "Search", addItems: "Add items",
    text: "text", metadata: "metadata", metadataJson: "metadata (JSON object)", addButton: "Add", file: "file",
    uploadHint: "Or upload a CSV or TSV file (a header with a text column; id and other columns optional, " +
      "kept as metadata), a JSONL file (one {\"id\", \"text\", \"metadata\"} per line) or a TXT file (a text per " +
      "line). UTF-8 or GBK (as Excel saves it). Every row is checked first: if any is bad, nothing is stored. " +
      "The rows are then stored in the background, with a progress bar; if that stops midway, the rows stored are named. " +
      "Numbers, true and false in cells and filter values are read as such; quote them to keep a string.",
    uploadButton: "Upload", uploading: "uploading {name}…", storing: "{file}: {done} of {rows} rows stored",
    rowsStored: "rows stored", cancelUpload: "Cancel upload", storedNone: "no row stored",
    storedRows: "rows 1–{done} stored (through line {line} of the file)",
    uploadFailed: "storing {file} failed ({error}): {stored}; the rest was not stored",
    uploadCancelled: "upload of {file} cancelled: {stored}; the rest was not stored",
    badFileType: "{file}: the playground reads {types} files", fileTooBig: "{file} is {size} MiB: the playground " +
      "uploads files up to 16 MiB; use simservice import --url for more",
    itemsHint: "The items of a collection, ordered by id.", show: "Show", previous: "previous", next: "next",
    itemsRange: "items {first}–{last} of {count}", noItems: "no items", actions: "actions",
    deleteItem: "delete {id}", deleteByFilter: "Delete by filter", deleteMatching: "Delete matching items",
    confirmDeleteItem: "Delete item “{id}”?", confirmDeleteFilter: "Delete every item of “{name}” matching {filter}?",
    needFilter: "build a filter first", deleted_one: "deleted {count} item", deleted_other: "deleted {count} items",
    snapshotsHint: "A snapshot is a file holding a collection as it was; restoring one makes the collection that state again.",
    downloadShort: "download", restoreShort: "restore", createSnapshot: "Create snapshot", size: "size", created: "created", download: "download {name}",
    restore: "restore {name}", deleteSnapshot: "delete {name}", snapshotCreated: "created snapshot {name}",
    restored: "restored {name}: {count} items", snapshotDeleted: "deleted snapshot {name}",
    confirmRestore: "Replace collection “{collection}” with snapshot {name}? Changes since then are lost.",
    restoreAsShort: "restore as…", restoreAs: "restore {name} as a new collection",
    promptRestoreAs: "Name of the new collection to restore {name} into:",
    confirmDeleteSnapshot: "Delete snapshot {name}?", noSnapshots: "no snapshots yet",
    name: "name", indexKind: "index", count: "count", dim: "dim", backendIndex: "backend index", disk: "disk",
    createButton: "Create", refresh: "refresh", dropShort: "drop", drop: "drop {name}",
    queueDepth: "queue depth", inFlight: "requests in flight", batchSize: "mean batch size",
    latency: "mean latency of model requests (ms)", batchSizes: "batch sizes so far",
    noResults: "nothing found", noParaphrases: "no paraphrases: the samples were all the input or duplicates",
    needCollection: "pick a collection (create one on the Collections tab)",
    noCollectionsKey: "no collections shown: the server needs the API key (enter it at the top)",
    noCollections: "no collections yet: create one on the Collections tab",
    needFile: "choose a file first",
    confirmDrop: "Drop collection “{name}” and its {count} items? This cannot be undone.",
    dropped: "dropped {name}", created: "created {name}",
    added_one: "added {count} item to {name}", added_other: "added {count} items to {name}",
    uploaded: "stored all {count} rows of {file} in {name} ({added} new, {updated} replaced)",
    badMetadata: "metadata must be a JSON object, e.g. {\"topic\": \"weather\"}",
    warming: "The model is warming up ({status}); the buttons work when it is ready.", working: "working…",
    keyNeeded: "This server needs an API key: enter it in the API key field at the top (kept in this tab only).",
    keyWrong: "The API key was refused: check it in the field at the top.",
    model: "model", architecture: "architecture",
    layers: "layers", version: "version", maxInput: "longest text (tokens)", ready: "ready",
    batches_one: "{count} batch", batches_other: "{count} batches", overall: "overall",
    err_unauthorized: "The API key is missing or wrong.", err_invalid_request: "The request was refused:",
    err_malformed_request: "The request could not be read:", err_not_found: "Not found:",
    err_conflict: "Conflict:", err_body_too_large: "Too large:", err_overloaded: "The server is busy; try again shortly.",
    err_not_ready: "The model is not ready yet.", err_timeout: "The request took too long.",
    err_index_unavailable: "The index is unavailable.", err_internal_error: "The server failed:",
    err_unsupported_by_model: "This model cannot do that:", err_network: "The service did not answer.",
    err_shape: "Unexpected answer:", err_local: "",
  },
  zh: {
    subtitle: "试用页", apiKey: "API 密钥", apiKeyHint: "仅当服务设置了密钥时填写", apiDocs: "API 文档",
    tabsLabel: "试用页标签",
    tabParaphrase: "改写", tabCompare: "比较", tabSearch: "检索", tabItems: "条目", tabCollections: "集合",
    tabSnapshots: "快照", tabStatus: "状态",
    modelLine: "模型：{name}（{family}，{layers} 层，{dim} 维向量）。",
    demoLine: "模型：小型演示模型（multilingual-e5-small 的 {layers} 层，在 CPU 上微调）：日常短问句改写较好，较长或少见的句子常常不通顺。请查看模型说明；正式使用请换官方权重。",
    modelCard: "模型说明",
    paraphraseHint: "生成意思相同的新句子，按与原句的余弦相似度排序。", sentence: "句子",
    paraphrasePlaceholder: "输入一句中文，例如：明天会下雨吗", temperature: "温度", seed: "随机种子",
    nHelp: "采样数量", kHelp: "保留的改写数",
    samplingHelpTitle: "这些参数是什么意思？",
    samplingHelp: "n：模型采样的候选数；k：显示其中最好的几个。top-k：每个字从最可能的 k 个中抽取；" +
      "top-p：每个字从累计概率达到该比例的最小候选集合中抽取（越小越稳妥、越少变化）；两者都留空（“默认”）：用模型自己的默认值" +
      "（演示模型为 top-k 5，其他模型通常为 top-p 0.95）。温度：大于 1 更多样，小于 1 更保守。" +
      "随机种子：相同的种子得到相同的改写。",
    scoreHelp: "分数是句向量的余弦相似度，范围 -1 到 1。对本模型而言，约 0.9 以上通常意思相同，0.7–0.9 相关，" +
      "0.5 以下无关；小模型或未训练的模型会给所有句子打高分。",
    optional: "可选", modelDefault: "默认", paraphraseButton: "生成改写", asCurl: "对应的 curl 请求", copy: "复制",
    copyNamed: "复制“{text}”", copyCurl: "复制 curl 命令", copied: "已复制", copyAll: "全部复制",
    compareHint: "一句话与多句话的余弦相似度，按高低排序。", source: "原句",
    sourcePlaceholder: "例如：怎么开通花呗", targets: "对比句，每行一句", compareButton: "比较",
    collection: "集合", query: "查询", queryPlaceholder: "查询，例如：花呗如何开通",
    filter: "元数据过滤", filterKey: "键", filterValue: "值", filterOp: "运算符",
    filterValueHint: "in / not in：多个值用逗号分隔",
    addCondition: "+ 条件", addGroup: "+ 条件组", remove: "删除", removeGroup: "删除条件组",
    all: "全部满足（AND）", any: "任一满足（OR）", negate: "非（NOT）", combine: "组合方式", jsonMode: "以 JSON 编辑",
    builderMode: "返回构建器", filterJson: "JSON 格式的过滤条件", badFilterJson: "过滤条件不是有效的 JSON：{message}",
    searchButton: "检索", addItems: "添加条目",
    text: "文本", metadata: "元数据", metadataJson: "元数据（JSON 对象）", addButton: "添加", file: "文件",
    uploadHint: "或上传 CSV / TSV 文件（表头含 text 列；id 及其他列可选，其他列存为元数据）、JSONL 文件（每行一个 " +
      "{\"id\", \"text\", \"metadata\"}）或 TXT 文件（每行一条文本）。支持 UTF-8 或 GBK（Excel 保存的格式）。" +
      "先检查每一行：任一行有错时什么都不存。之后在后台写入并显示进度条；若中途停止，会说明已存入哪些行。单元格和过滤值中的数字、true、false 按其类型读取；加引号则保留为字符串。",
    uploadButton: "上传", uploading: "正在上传 {name}…", storing: "{file}：已存入 {done} / {rows} 行",
    rowsStored: "已存入的行", cancelUpload: "取消上传", storedNone: "没有存入任何行",
    storedRows: "已存入第 1–{done} 行（至文件第 {line} 行）",
    uploadFailed: "{file} 写入失败（{error}）：{stored}；其余行未存入",
    uploadCancelled: "已取消上传 {file}：{stored}；其余行未存入",
    badFileType: "{file}：试用页只能读取 {types} 文件", fileTooBig: "{file} 大小为 {size} MiB：试用页最多上传 16 MiB；" +
      "更大的文件请用 simservice import --url",
    itemsHint: "集合中的条目，按 id 排序。", show: "显示", previous: "上一页", next: "下一页",
    itemsRange: "第 {first}–{last} 条，共 {count} 条", noItems: "没有条目", actions: "操作",
    deleteItem: "删除 {id}", deleteByFilter: "按条件删除", deleteMatching: "删除匹配的条目",
    confirmDeleteItem: "删除条目“{id}”？", confirmDeleteFilter: "删除集合“{name}”中所有匹配 {filter} 的条目？",
    needFilter: "请先设置过滤条件", deleted_other: "已删除 {count} 个条目",
    snapshotsHint: "快照是保存集合某一时刻状态的文件；恢复快照会让集合回到该状态。",
    downloadShort: "下载", restoreShort: "恢复", createSnapshot: "创建快照", size: "大小", created: "创建时间", download: "下载 {name}", restore: "恢复 {name}",
    deleteSnapshot: "删除 {name}", snapshotCreated: "已创建快照 {name}", restored: "已恢复 {name}：{count} 个条目",
    snapshotDeleted: "已删除快照 {name}", confirmRestore: "用快照 {name} 替换集合“{collection}”？此后的修改将丢失。",
    restoreAsShort: "恢复为…", restoreAs: "将 {name} 恢复为新集合", promptRestoreAs: "将快照 {name} 恢复到新集合，名称：",
    confirmDeleteSnapshot: "删除快照 {name}？", noSnapshots: "还没有快照",
    name: "名称", indexKind: "索引", count: "条数", dim: "维度", backendIndex: "后端索引", disk: "磁盘",
    createButton: "创建", refresh: "刷新", dropShort: "删除", drop: "删除 {name}",
    queueDepth: "队列长度", inFlight: "处理中的请求", batchSize: "平均批大小", latency: "模型请求平均延迟（毫秒）",
    batchSizes: "累计批大小分布",
    noResults: "没有结果", noParaphrases: "没有改写：采样结果都与原句相同或重复",
    needCollection: "请选择集合（可在“集合”页创建）", noCollectionsKey: "无法显示集合：服务需要 API 密钥（请在页面顶部填写）",
    noCollections: "还没有集合：请在“集合”页创建", needFile: "请先选择文件",
    confirmDrop: "删除集合“{name}”及其 {count} 个条目？此操作无法撤销。",
    dropped: "已删除 {name}", created: "已创建 {name}", added_other: "已向 {name} 添加 {count} 个条目",
    uploaded: "已将 {file} 的全部 {count} 行存入 {name}（新增 {added}，替换 {updated}）",
    badMetadata: "元数据须为 JSON 对象，例如 {\"topic\": \"weather\"}",
    warming: "模型正在预热（{status}）；就绪后按钮即可使用。", working: "处理中…",
    keyNeeded: "此服务需要 API 密钥：请在页面顶部的 API 密钥栏填写（仅保存在当前标签页）。",
    keyWrong: "API 密钥被拒绝：请检查页面顶部填写的密钥。",
    model: "模型", architecture: "架构", layers: "层数", version: "版本",
    maxInput: "最长文本（token）", ready: "就绪", batches_other: "{count} 批", overall: "累计",
    err_unauthorized: "缺少 API 密钥或密钥错误。", err_invalid_request: "请求被拒绝：", err_malformed_request: "无法解析请求：",
    err_not_found: "未找到：", err_conflict: "冲突：", err_body_too_large: "内容过大：", err_overloaded: "服务繁忙，请稍后再试。",
    err_not_ready: "模型尚未就绪。", err_timeout: "请求超时。", err_index_unavailable: "索引不可用。",
    err_internal_error: "服务出错：", err_unsupported_by_model: "此模型不支持该操作：", err_network: "服务没有响应。",
    err_shape: "意外的响应：", err_local: "",
  },
};

const LANG_STORAGE = "simservice.lang";
let current = localStorage.getItem(LANG_STORAGE) || (navigator.language.startsWith("zh") ? "zh" : "en");

export function lang() {
  return current;
}

export function has(key) {
  return key in STRINGS[current] || key in STRINGS.en;
}

// The text of `key` in the current language, with {name} placeholders filled from `vars`; with a
// `count`, the key's plural form (`key_one`, `key_other`) for that count.
export function t(key, vars = {}) {
  if (typeof vars.count === "number") {
    const form = `${key}_${new Intl.PluralRules(current === "zh" ? "zh-CN" : "en").select(vars.count)}`;
    if (has(form)) key = form;
    else if (has(`${key}_other`)) key = `${key}_other`;
  }
  const text = STRINGS[current][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

const listeners = [];

// `redraw` runs after each language change (for text built from data, such as the model line).
export function onLanguage(redraw) {
  listeners.push(redraw);
}

export function applyLanguage(next = current) {
  current = next;
  localStorage.setItem(LANG_STORAGE, current);
  document.documentElement.lang = current === "zh" ? "zh-CN" : "en";
  for (const el of document.querySelectorAll("[data-i18n]")) {
    el.textContent = t(el.dataset.i18n, el.dataset.i18nVars ? JSON.parse(el.dataset.i18nVars) : {});
  }
  for (const el of document.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of document.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
  for (const el of document.querySelectorAll("[data-i18n-label]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nLabel, el.dataset.i18nVars ? JSON.parse(el.dataset.i18nVars) : {}));
  }
  const toggle = document.getElementById("lang");
  toggle.textContent = current === "zh" ? "English" : "中文";
  toggle.lang = current === "zh" ? "en" : "zh";
  listeners.forEach((redraw) => redraw());
}

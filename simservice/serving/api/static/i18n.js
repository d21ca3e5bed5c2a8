// The page's words in English and Chinese; elements name theirs with data-i18n (text) and
// data-i18n-placeholder. The choice is kept in localStorage.

const STRINGS = {
  en: {
    subtitle: "playground", apiKey: "API key", apiKeyHint: "only if the server has one",
    tabParaphrase: "Paraphrase", tabCompare: "Compare", tabSearch: "Search", tabCollections: "Collections",
    tabStatus: "Status",
    paraphraseHint: "New sentences with the same meaning, ranked by their cosine to the input.",
    paraphrasePlaceholder: "a Chinese sentence, e.g. 明天会下雨吗", temperature: "temperature", seed: "seed",
    optional: "optional", paraphraseButton: "Paraphrase", asCurl: "the request as curl", copy: "copy",
    copied: "copied", copyAll: "copy all",
    compareHint: "The cosine of one sentence to each of several others, sorted.", source: "source",
    sourcePlaceholder: "e.g. 怎么开通花呗", targets: "targets, one per line", compareButton: "Compare",
    collection: "collection", queryPlaceholder: "a query, e.g. 花呗如何开通", addFilter: "+ metadata filter",
    filterKey: "key", filterValue: "value", remove: "remove", searchButton: "Search", addItems: "Add items",
    text: "text", metadataJson: "metadata (JSON object)", addButton: "Add",
    uploadHint: "Or upload a small CSV (a header with a text column; id and other columns optional) or JSONL " +
      "file (one {\"id\", \"text\", \"metadata\"} per line). Numbers, true and false in CSV cells and filter " +
      "values are read as such; quote them to keep a string.",
    uploadButton: "Upload",
    name: "name", indexKind: "index", count: "count", dim: "dim", backendIndex: "backend index", disk: "disk",
    createButton: "Create", refresh: "refresh", drop: "drop",
    queueDepth: "queue depth", inFlight: "requests in flight", batchSize: "mean batch size",
    latency: "mean latency of model requests (ms)", batchSizes: "batch sizes so far",
    noResults: "nothing found", noParaphrases: "no paraphrases: the samples were all the input or duplicates",
    needCollection: "pick a collection (create one on the Collections tab)",
    needFile: "choose a file first",
    confirmDrop: "Drop collection “{name}” and its {count} items? This cannot be undone.",
    dropped: "dropped {name}", created: "created {name}", added: "added {count} items to {name}",
    uploading: "{done} / {total} items", badMetadata: "metadata must be a JSON object, e.g. {\"topic\": \"weather\"}",
    warming: "The model is not ready yet: {status}", model: "model", architecture: "architecture",
    layers: "layers", version: "version", maxInput: "longest text (tokens)", ready: "ready",
    batches: "{count} batches", overall: "overall",
  },
  zh: {
    subtitle: "试用页", apiKey: "API 密钥", apiKeyHint: "仅当服务设置了密钥时填写",
    tabParaphrase: "改写", tabCompare: "比较", tabSearch: "检索", tabCollections: "集合", tabStatus: "状态",
    paraphraseHint: "生成意思相同的新句子，按与原句的余弦相似度排序。",
    paraphrasePlaceholder: "输入一句中文，例如：明天会下雨吗", temperature: "温度", seed: "随机种子",
    optional: "可选", paraphraseButton: "生成改写", asCurl: "对应的 curl 请求", copy: "复制", copied: "已复制",
    copyAll: "全部复制",
    compareHint: "一句话与多句话的余弦相似度，按高低排序。", source: "原句",
    sourcePlaceholder: "例如：怎么开通花呗", targets: "对比句，每行一句", compareButton: "比较",
    collection: "集合", queryPlaceholder: "查询，例如：花呗如何开通", addFilter: "+ 元数据过滤",
    filterKey: "键", filterValue: "值", remove: "删除", searchButton: "检索", addItems: "添加条目",
    text: "文本", metadataJson: "元数据（JSON 对象）", addButton: "添加",
    uploadHint: "或上传小型 CSV（表头含 text 列；id 及其他列可选）或 JSONL 文件（每行一个 {\"id\", \"text\", " +
      "\"metadata\"}）。CSV 单元格和过滤值中的数字、true、false 按其类型读取；加引号则保留为字符串。",
    uploadButton: "上传",
    name: "名称", indexKind: "索引", count: "条数", dim: "维度", backendIndex: "后端索引", disk: "磁盘",
    createButton: "创建", refresh: "刷新", drop: "删除",
    queueDepth: "队列长度", inFlight: "处理中的请求", batchSize: "平均批大小", latency: "模型请求平均延迟（毫秒）",
    batchSizes: "累计批大小分布",
    noResults: "没有结果", noParaphrases: "没有改写：采样结果都与原句相同或重复",
    needCollection: "请选择集合（可在“集合”页创建）", needFile: "请先选择文件",
    confirmDrop: "删除集合“{name}”及其 {count} 个条目？此操作无法撤销。",
    dropped: "已删除 {name}", created: "已创建 {name}", added: "已向 {name} 添加 {count} 个条目",
    uploading: "{done} / {total} 个条目", badMetadata: "元数据须为 JSON 对象，例如 {\"topic\": \"weather\"}",
    warming: "模型尚未就绪：{status}", model: "模型", architecture: "架构", layers: "层数", version: "版本",
    maxInput: "最长文本（token）", ready: "就绪", batches: "{count} 批", overall: "累计",
  },
};

const LANG_STORAGE = "simservice.lang";
let current = localStorage.getItem(LANG_STORAGE) || (navigator.language.startsWith("zh") ? "zh" : "en");

export function lang() {
  return current;
}

// The text of `key` in the current language, with {name} placeholders filled from `vars`.
export function t(key, vars = {}) {
  const text = STRINGS[current][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

export function applyLanguage(next = current) {
  current = next;
  localStorage.setItem(LANG_STORAGE, current);
  document.documentElement.lang = current === "zh" ? "zh-CN" : "en";
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
  const toggle = document.getElementById("lang");
  toggle.textContent = current === "zh" ? "English" : "中文";
  toggle.lang = current === "zh" ? "en" : "zh";
}

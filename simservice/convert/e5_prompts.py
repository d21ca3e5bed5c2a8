"""The prompts multilingual-e5 was trained with: "query: " for queries and symmetric tasks,
"passage: " for documents."""

PROMPTS = {"query": "query: ", "passage": "passage: "}
DEFAULT_PROMPT = "query"

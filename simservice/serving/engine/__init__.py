"""The batching engine: admission (429/503), the queue that forms each batch once under the
token budget, and the worker that runs exactly that batch on the model. Knows nothing of HTTP."""

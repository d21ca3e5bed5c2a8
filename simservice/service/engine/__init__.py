"""The batching engine: admission (a limit on requests in flight, a deadline for each), the queue that
forms each batch once under the token budget, and the worker that runs exactly that batch on the model."""

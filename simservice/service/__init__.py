"""The service core between the callers (HTTP routes, commands, jobs) and the engine, model and
index: `core.Service` holds the operations, `errors` the typed errors they raise."""

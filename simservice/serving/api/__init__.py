"""The HTTP layer: the app factory, schemas, auth, error handlers, middleware and routes.

It validates each request once, at the door, hands the work to the engine and awaits it.
"""

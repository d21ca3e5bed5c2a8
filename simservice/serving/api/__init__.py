"""The HTTP layer: the app factory, schemas, auth, the error table and handlers, middleware, routes,
and the uvicorn server. Routes parse a request, call the service core and shape its answer.
"""

"""The routes: model (inference), collections, and operations (system)."""

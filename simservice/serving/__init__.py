"""The server: its settings, the service core built from them (`state.py`), and the HTTP layer (`api/`).

    from simservice.serving import Settings, create_app
    app = create_app(Settings(model="models/demo", data_dir="data/index"))

`simservice serve` (see `commands.py`) runs it under uvicorn.
"""

__all__ = ["Settings", "create_app"]


def __getattr__(name):
    # Imported on first use, so `simservice serve --help` does not load TensorFlow.
    if name == "create_app":
        from simservice.serving.api.app import create_app

        return create_app
    if name == "Settings":
        from simservice.serving.settings import Settings

        return Settings
    raise AttributeError(f"module 'simservice.serving' has no attribute {name!r}")

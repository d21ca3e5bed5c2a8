"""The one error type of `simservice export-model`: bad input, said in one line with what to change."""


class ExportError(ValueError):
    """An export that cannot be done as asked (the CLI prints it and exits with status 2)."""

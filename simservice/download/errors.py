"""Errors of `simservice download`: each carries a message meant for the person at the shell."""

from __future__ import annotations


class DownloadError(Exception):
    """The download could not be completed; nothing was installed."""


class OfflineError(DownloadError):
    """The server could not be reached at all (no network, refused, DNS, time-out)."""

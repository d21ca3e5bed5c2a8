"""Crash-atomic swap of a collection folder: a plan file made durable first, then renames that the
next start finishes if a crash comes between them, so a kill -9 at any instant leaves the old
collection (no plan yet) or the new one (plan on disk: rolled forward), never neither.

Steps: write `.swap-<name>.json.tmp` and fsync it; rename it to `.swap-<name>.json` and fsync the
directory (the commit point); give the new table the collection's name; rename the old folder
to `.dropped-<name>-<id>`; rename the new folder to `<name>`; fsync the directory; remove the
plan and fsync. The caller deletes the `.dropped-` folder (or the next start does).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import sqlite3
import uuid

from ..errors import CollectionFailed
from . import index_file
from .item_table import ItemTable
from .store import ITEMS_FILE

PLAN = ".swap-"

log = logging.getLogger(__name__)


def swap(data_dir: str, name: str, folder: str) -> str:
    """Make `folder` (a closed collection inside `data_dir`) collection `name`, over the one there if any;
    the path the old one was moved to, for the caller to delete."""
    path = plan_path(data_dir, name)
    if os.path.exists(path):
        raise CollectionFailed(f"an earlier swap of collection {name!r} could not be finished ({path}; the log "
                               "says why): fix the cause and restart the service")
    plan = {"name": name, "new": os.path.basename(folder), "old": f".dropped-{name}-{uuid.uuid4().hex}"}
    with open(path + ".tmp", "w") as out:
        json.dump(plan, out)
        out.flush()
        os.fsync(out.fileno())
    os.rename(path + ".tmp", path)
    index_file.fsync_dir(data_dir)
    _finish(data_dir, plan, path)
    return os.path.join(data_dir, plan["old"])


def plan_path(data_dir: str, name: str) -> str:
    return os.path.join(data_dir, f"{PLAN}{name}.json")


def recover(data_dir: str) -> bool:
    """Finish the swaps a crash interrupted (a plan never committed is dropped); False if one could not
    be finished: its plan and folders are kept, and the caller must then delete nothing."""
    finished = True
    for entry in sorted(os.listdir(data_dir)):
        path = os.path.join(data_dir, entry)
        if not entry.startswith(PLAN):
            continue
        if entry.endswith(".tmp"):
            os.remove(path)
            continue
        try:
            with open(path) as source:
                plan = json.load(source)
            log.warning("finishing the swap of collection %s that a crash interrupted", plan["name"])
            _finish(data_dir, plan, path)
        except (OSError, ValueError, KeyError, TypeError, sqlite3.Error) as exc:
            log.error("cannot finish the swap planned in %s (%s: %s): its folders are kept; fix the cause and "
                      "restart", path, type(exc).__name__, exc)
            finished = False
    return finished


def _finish(data_dir: str, plan: dict, path: str) -> None:
    """Roll the planned swap forward from wherever it stopped; each step is skipped once done."""
    target, new, old = (os.path.join(data_dir, plan[key]) for key in ("name", "new", "old"))
    if os.path.isdir(new):
        _name_table(new, plan["name"])
        if os.path.isdir(target):
            os.rename(target, old)
        os.rename(new, target)
    elif not os.path.isdir(target) and os.path.isdir(old):  # the new folder is lost: keep the old one
        os.rename(old, target)
    index_file.fsync_dir(data_dir)
    os.remove(path)
    index_file.fsync_dir(data_dir)


def _name_table(folder: str, name: str) -> None:
    """Give the table in `folder` the collection's name (a replace moves another collection's table)."""
    table = ItemTable(os.path.join(folder, ITEMS_FILE))
    try:
        if table.config.name != name:
            table.set_config(dataclasses.replace(table.config, name=name))
    finally:
        table.close()

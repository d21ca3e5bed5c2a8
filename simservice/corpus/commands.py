"""`simservice import`, `export`, `snapshot` and `reindex`: a corpus in and out of a collection, either
in the index an index URL names (`--index`, the service stopped) or through a running server (`--url`)."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import urllib.parse
from pathlib import Path

from simservice.datafiles import detect_format, read_rows
from simservice.defaults import demo_model

DEFAULT_DATA_DIR = "data/index"
DEFAULT_MODEL = demo_model()


def collection_name(value: str) -> str:
    """--collection: a name the API accepts, checked before any file or server is touched."""
    from simservice.index.errors import IndexStoreError
    from simservice.index.validation import check_name

    try:
        return check_name(value)
    except IndexStoreError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _where(p: argparse.ArgumentParser, model: bool = True) -> None:
    p.add_argument("--collection", default="default", type=collection_name,
                   help="collection name (default: default)")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--index", help="where collections live, as `serve --index` takes it, the service "
                                        "stopped: faiss:///path (default: faiss in data/index), milvus://host:port, "
                                        "postgresql://user:pass@host:port/db")
    source.add_argument("--data-dir", help="deprecated: use --index faiss:///path")
    source.add_argument("--url", help="a running simservice instead (http://host:8000)")
    p.add_argument("--api-key", help="the server's API key (with --url)")
    if model:
        p.add_argument("--model", default=DEFAULT_MODEL,
                       help=f"checkpoint directory, with --index (default {DEFAULT_MODEL})")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _index_url(args: argparse.Namespace):
    """The index the command opens (registry.parse_index_url): --index, else the deprecated --data-dir."""
    from simservice.index import parse_index_url

    parsed = parse_index_url(args.index, data_dir=args.data_dir or DEFAULT_DATA_DIR)
    if args.data_dir is not None:
        print(f"--data-dir deprecated (removed in the next release): use --index {parsed.shown}", file=sys.stderr)
    return parsed


def _target(args: argparse.Namespace, create: bool = True, truncate: bool = False):
    from simservice.corpus.targets import HttpTarget, LocalTarget

    if args.url:
        return HttpTarget(args.url, args.collection, args.api_key, truncate, create=create)
    return LocalTarget(_index_url(args), args.collection, getattr(args, "model", DEFAULT_MODEL), truncate, create)


def _plain_errors(command):
    """Index errors end the command with their message (exit 2), as ValueError and OSError do."""
    def run(args: argparse.Namespace) -> int:
        from simservice.index import IndexStoreError

        try:
            return command(args)
        except IndexStoreError as exc:
            raise ValueError(str(exc)) from None
    return run


def register(sub) -> None:
    p = sub.add_parser("import", help="add the items of a JSONL, CSV or TSV file to a collection (resumable)",
                       description="Items are upserted by id, a chunk at a time; rerun the same command after "
                                   "Ctrl-C or a crash to continue where it stopped.")
    p.add_argument("file", type=Path)
    _where(p)
    p.add_argument("--format", choices=["jsonl", "csv", "tsv", "txt"], help="input format (default: extension)")
    p.add_argument("--id-column", default="id", help="column or key of the id (absent: made from the text)")
    p.add_argument("--text-column", default="text", help="column or key of the text (default text)")
    p.add_argument("--metadata-columns", help="comma-separated columns or keys kept as metadata (default: every "
                                              "other one; a JSONL 'metadata' object is merged in)")
    p.add_argument("--on-bad-row", choices=["skip", "fail"], default="skip",
                   help="bad rows (empty text, over the length limit, an id twice, not UTF-8, malformed JSON): "
                        "skip and report them, or stop before writing anything")
    p.add_argument("--truncate", action="store_true", help="cut texts over the model's length instead of skipping")
    p.add_argument("--chunk", type=int, default=512, help="rows per write and per resume point (default 512)")
    p.add_argument("--state", type=Path, help="resume state file (default: FILE.<collection>.import-state.json)")
    p.set_defaults(func=_plain_errors(_import))

    p = sub.add_parser("export", help="write a collection's items to JSON lines (ids, texts, metadata)")
    _where(p, model=False)
    p.add_argument("-o", "--output", type=Path, required=True, help="output file (.jsonl)")
    p.add_argument("--vectors", action="store_true", help="include each item's stored vector")
    p.set_defaults(func=_plain_errors(_export))

    p = sub.add_parser("snapshot", help="create, list, download, restore or delete collection snapshots")
    p.add_argument("action", choices=["create", "list", "download", "restore", "delete"])
    p.add_argument("snapshot", nargs="?", help="snapshot name (download, delete, restore) or a snapshot file to "
                                               "restore from")
    _where(p)
    p.add_argument("-o", "--output", type=Path, help="where download writes the file (default: its name)")
    p.add_argument("--replace", action="store_true", help="restore over an existing collection")
    p.add_argument("--allow-other-model", action="store_true",
                   help="restore a snapshot made with another model of the same dimension (then reindex)")
    p.add_argument("--source", metavar="COLLECTION", type=collection_name,
                   help="restore: the collection whose snapshot it is, to restore it into --collection")
    p.set_defaults(func=_plain_errors(_snapshot))

    p = sub.add_parser("reindex", help="re-encode a collection's texts with the current model, then swap it in")
    _where(p)
    p.add_argument("--truncate", action="store_true", help="cut texts over the model's length instead of dropping")
    p.set_defaults(func=_plain_errors(_reindex))


def _import(args: argparse.Namespace) -> int:
    from simservice.corpus.importer import run_import
    from simservice.corpus.records import import_rows, parse_columns

    if args.chunk < 1:
        raise ValueError("--chunk must be at least 1")
    fmt = detect_format(args.file, args.format)
    _, rows = read_rows(args.file, fmt, args.text_column)
    items = import_rows(rows, parse_columns(args.id_column, args.text_column, args.metadata_columns))
    from simservice.index.faiss.snapshots import file_sha256

    target = _target(args, truncate=args.truncate)
    options = {"file": str(args.file.resolve()), "sha256": file_sha256(args.file), "format": fmt,
               "collection": args.collection, "target": args.url or target.where, "columns": [args.id_column, args.text_column,
                                                                          args.metadata_columns],
               "truncate": args.truncate}
    state = args.state or args.file.with_name(f"{args.file.name}.{args.collection}.import-state.json")
    try:
        summary = run_import(items, target, state, options, args.on_bad_row == "fail", args.chunk,
                             progress=False if args.quiet else None)
    finally:
        target.close()
    for line in summary.lines():
        print(line, file=sys.stderr)
    return 0


def _export(args: argparse.Namespace) -> int:
    from simservice.corpus.exporter import run_export

    target = _target(args, create=False)
    try:
        count = run_export(target, args.output, args.vectors, progress=False if args.quiet else None)
    finally:
        target.close()
    print(f"exported {count} items of {args.collection} to {args.output}", file=sys.stderr)
    return 0


def _reindex(args: argparse.Namespace) -> int:
    from simservice.corpus.reindex import run_reindex, staging_name

    source = _target(args, create=False, truncate=args.truncate)
    try:
        written, refused = run_reindex(source, source.sibling(staging_name(args.collection)),
                                       progress=False if args.quiet else None)
    finally:
        source.close()
    print(f"reindexed {args.collection}: {written} items", file=sys.stderr)
    for bad in refused[:20]:
        print(f"  dropped {bad.line}: {bad.reason}", file=sys.stderr)
    return 0


def _snapshot(args: argparse.Namespace) -> int:
    needs_name = args.action in ("download", "delete", "restore")
    if needs_name and not args.snapshot:
        raise ValueError(f"snapshot {args.action} needs a snapshot name (see `simservice snapshot list`)")
    if args.source and (args.action != "restore" or Path(args.snapshot).is_file()):
        raise ValueError("--source names the collection a snapshot belongs to, for `snapshot restore NAME`; "
                         "a snapshot file needs no --source")
    run = _remote_snapshot if args.url else _local_snapshot
    result = run(args)
    if result is not None:
        print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


def _local_snapshot(args: argparse.Namespace):
    import asyncio
    import dataclasses

    from simservice.corpus.targets import LocalTarget

    local = LocalTarget(_index_url(args), args.collection, args.model, create=False)
    service = local.service
    try:
        name = args.collection
        if args.action == "create":
            return dataclasses.asdict(asyncio.run(service.create_snapshot(name)))
        if args.action == "list":
            return [dataclasses.asdict(s) for s in asyncio.run(service.list_snapshots(name))]
        if args.action == "delete":
            return asyncio.run(service.delete_snapshot(name, args.snapshot))
        if args.action == "download":
            output = args.output or Path(args.snapshot)
            shutil.copyfile(asyncio.run(service.snapshot_file(name, args.snapshot)), output)
            return {"written": str(output)}
        service.require_ready()  # the model's dimension, before a file is taken in
        snapshot, uploaded = args.snapshot, Path(args.snapshot).is_file()
        if uploaded:
            with open(snapshot, "rb") as f:
                snapshot = asyncio.run(service.add_snapshot(name, f)).name
        try:
            return dataclasses.asdict(asyncio.run(service.restore_snapshot(
                name, snapshot, replace=args.replace, allow_other_model=args.allow_other_model,
                source=args.source)))
        except Exception:
            if uploaded:  # a refused file is not kept among the collection's snapshots
                asyncio.run(service.delete_snapshot(name, snapshot))
            raise
    finally:
        local.close()


def _remote_snapshot(args: argparse.Namespace):
    from simservice.http_client import ServiceClient

    http = ServiceClient(args.url, args.api_key)
    base = f"/collections/{args.collection}/snapshots"
    quoted = urllib.parse.quote(args.snapshot or "", safe="")
    if args.action == "create":
        return http.call_json("POST", base)
    if args.action == "list":
        return http.call_json("GET", base)["snapshots"]
    if args.action == "delete":
        http.request("DELETE", f"{base}/{quoted}").close()
        return None
    if args.action == "download":
        output = args.output or Path(args.snapshot)
        with http.request("GET", f"{base}/{quoted}") as response, open(output, "wb") as out:
            shutil.copyfileobj(response, out, 1 << 20)
        return {"written": str(output)}
    snapshot, uploaded = args.snapshot, Path(args.snapshot).is_file()
    if uploaded:
        size = Path(snapshot).stat().st_size
        with open(snapshot, "rb") as f:
            with http.request("POST", f"{base}/upload", f, "application/octet-stream", size) as response:
                snapshot = json.load(response)["name"]
    quoted = urllib.parse.quote(snapshot, safe="")
    try:
        source = {} if args.source is None else {"source": args.source}
        return http.call_json("POST", f"{base}/{quoted}/restore", replace=args.replace,
                              allow_other_model=args.allow_other_model, **source)
    except OSError:
        if uploaded:  # a refused file is not kept among the collection's snapshots
            http.request("DELETE", f"{base}/{quoted}").close()
        raise

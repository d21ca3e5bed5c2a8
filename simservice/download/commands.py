"""`simservice download NAME [--dir models]`: the argparse subcommand, and `--list`."""

from __future__ import annotations

import argparse
import sys

from simservice.download.errors import DownloadError, OfflineError
from simservice.download.registry import BASE_URL_ENV, DEFAULT_BASE_URL, RELEASES

EXIT_FAILED = 1
EXIT_OFFLINE = 3
EXIT_INTERRUPTED = 130


def register(subparsers) -> None:
    """Add the `download` subcommand to the `simservice` command's subparsers."""
    cmd = subparsers.add_parser(
        "download", help="fetch released RoFormer-Sim / SimBERT weights into models/",
        description="Download, verify and unpack a released checkpoint into DIR/NAME, which --model takes.")
    cmd.add_argument("name", nargs="?", help="release name or Hugging Face repo id (see --list)")
    cmd.add_argument("--dir", default="models", help="directory to put the model directory in (default models)")
    cmd.add_argument("--list", action="store_true", help="list the known releases and exit")
    cmd.add_argument("--force", action="store_true", help="replace an existing model directory")
    cmd.add_argument("--base-url", default=None,
                     help=f"mirror of the official zips (default ${BASE_URL_ENV} or {DEFAULT_BASE_URL})")
    cmd.add_argument("--hf-endpoint", default=None, help="Hugging Face hub URL (default $HF_ENDPOINT or the hub)")
    cmd.add_argument("--sha256", default=None, help="expected sha256 of the zip (none are published)")
    cmd.set_defaults(func=download_command)


def download_command(args: argparse.Namespace) -> int:
    from simservice.download.install import download

    if args.list:
        for release in RELEASES.values():
            source = release.repo_id if release.source == "hf" else release.filename
            size = f" (~{release.approx_size})" if release.approx_size else ""
            print(f"{release.name:45} {source + size:52} {release.description}")
        return 0
    if not args.name:
        print("simservice download: give a NAME, or --list to see them", file=sys.stderr)
        return EXIT_FAILED
    try:
        path = download(args.name, args.dir, base_url=args.base_url, hf_endpoint=args.hf_endpoint,
                        sha256=args.sha256, force=args.force)
    except OfflineError as e:
        print(f"simservice download: offline? {e}", file=sys.stderr)
        return EXIT_OFFLINE
    except (DownloadError, OSError) as e:
        print(f"simservice download: {e}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("simservice download: interrupted; nothing was installed", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(path)
    return 0

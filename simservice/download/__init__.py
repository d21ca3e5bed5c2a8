"""`simservice download`: fetch the released RoFormer-Sim / SimBERT weights (official zips or
Hugging Face ports) into a directory that `simservice.load_model` takes, verified and atomic."""

from simservice.download.errors import DownloadError, OfflineError
from simservice.download.install import download
from simservice.download.registry import RELEASES, Release

__all__ = ["download", "DownloadError", "OfflineError", "RELEASES", "Release"]

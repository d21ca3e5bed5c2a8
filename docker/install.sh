#!/bin/sh
# Install simservice (non-editable, no test extra) into a new virtual environment.
# The Dockerfile's one install step; scripts/lint-deploy runs the same file outside Docker.
# Usage: docker/install.sh cpu|gpu VENV [SOURCE]   (SOURCE: the checkout, default .)
set -eu
flavour="$1"
venv="$2"
source_dir="${3:-.}"
case "$flavour" in
    cpu|gpu) ;;
    *) echo "docker/install.sh: flavour must be cpu or gpu, not '$flavour'" >&2; exit 2 ;;
esac
"${PYTHON:-python3}" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet "${source_dir}[${flavour},milvus,pgvector]"  # the clients of --index milvus:// and postgresql://
"$venv/bin/simservice" --help >/dev/null

#!/usr/bin/env bash
# One-shot GPU bench: the model-side table (bench/gpu.py) and the HTTP table (bench/serve.py) for a
# base-shape model, in one run. Without an NVIDIA GPU it says so and runs the same steps on the
# CPU with tiny sizes, then exits 0 (so CI can check the script runs).
#   bench/gpu.sh            (the gpu install: SIMSERVICE_FLAVOUR=gpu scripts/install)
set -euo pipefail
cd "$(dirname "$0")"
root="$(cd .. && pwd)"
python="${PYTHON:-../.venv/bin/python}"
if command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then
    nvidia-smi -L
    shape=base; seconds=20; clients=32
else
    echo "no NVIDIA GPU here: the same steps on the CPU, tiny sizes"
    shape=tiny; seconds=2; clients=4
fi
workdir="$(mktemp -d)"
trap 'rm -rf "$workdir"' EXIT
"$python" gpu.py --shape "$shape"
echo
if [ "$shape" = tiny ]; then
    model_args=(--model "$root/tests/fixtures/roformer_tf1" --corpus 64 --n 4 --max-length 4)
else
    model_args=(--corpus 2000 --n 32 --max-length 32)
fi
"$python" serve.py "${model_args[@]}" --clients "$clients" --seconds "$seconds" --warmup 1

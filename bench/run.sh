#!/usr/bin/env bash
# Runs saelab's benchmark against the PyTorch reference on this machine and prints the table.
# Builds saelab with the archsimd kernels (GOEXPERIMENT=simd); pass --quick for a short run,
# and any other `saelab bench` flags (--only 1,2,demo, --no-torch, --python PATH, ...).
#
#   bash bench/run.sh            # full run, about 3 minutes on 2 cores
#   bash bench/run.sh --quick    # about 40 s
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(mktemp -d)/saelab"
GOEXPERIMENT=simd go build -o "$bin" ./cmd/saelab
"$bin" bench "$@"

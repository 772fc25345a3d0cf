#!/usr/bin/env bash
# Set-up (packages, configure, build), then every test: unit tests of each layer and end-to-end
# tests of the CLI. Extra arguments go to ctest (e.g. -R train).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
BUILD_DIR=${SCALELAB_BUILD_DIR:-build}
# Two tests at a time on two cores; each test process uses one thread (no oversubscription).
export OMP_NUM_THREADS=1
ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$(nproc)" "$@"

#!/usr/bin/env bash
# The README's first command: set-up, Jane Austen's novels (the default corpus), the quickstart sweep (5 widths x 7 budgets,
# about 10 minutes of training on 2 CPU cores), its export, and the fitted scaling laws with plots.
# Rerunning it resumes: finished runs are skipped, an interrupted sweep continues from its checkpoints.
# Environment: WORKERS (default: number of cores), SPEC (default configs/sweeps/quickstart.yaml),
# SCALELAB_SKIP_SETUP=1 to skip scripts/setup.sh (packages and build) when build/scalelab is built.
set -euo pipefail
cd "$(dirname "$0")/.."
SPEC=${SPEC:-configs/sweeps/quickstart.yaml}
NAME=$(basename "$SPEC" .yaml)
SWEEP=out/sweeps/$NAME
WORKERS=${WORKERS:-$(nproc)}

if [ -z "${SCALELAB_SKIP_SETUP:-}" ]; then bash scripts/setup.sh; fi
if [ ! -f out/data/austen/meta.json ]; then
  build/scalelab prepare
fi
start=$(date +%s)
build/scalelab sweep "$SPEC" --dir "$SWEEP" --workers "$WORKERS"
echo "quickstart: sweep took $(( $(date +%s) - start )) s"
build/scalelab export "$SWEEP"
# --budget-tolerance 0.3: approach 2 groups the grid's runs whose C = 6ND lie within 30% (budgets are sqrt(2) apart)
build/scalelab fit "$SWEEP/export" --law all --budget-tolerance 0.3 --plot "$SWEEP/plots"
echo "quickstart: tables in $SWEEP/export, fit and plots in $SWEEP/plots (fit.json, *.png, *.svg)"

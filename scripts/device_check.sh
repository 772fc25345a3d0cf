#!/usr/bin/env bash
# The GPU check, in one device call (docs/bench.md). Run here first: ../shared/tools/device-prep.sh
# (unpacks the Debian libraries into .deps). Then, with the device tool, carrying .deps:
#     bash scripts/device_check.sh            (writes $OUT/device_check.log and $OUT/bench.jsonl)
# It builds scalelab and the numerics tests with CUDA (scripts/setup.sh's GPU branch), runs the bf16
# step-equivalence and CUDA-graph tests, benches every preset eagerly and from a CUDA graph, and runs
# several tiny benches at once on the one GPU (the sweep's per-GPU workers) to sum their throughput.
# Budget: about 3-4 minutes of build and 4 of measurement; pass a lower STEPS_SCALE to shorten.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-out/device_check}
mkdir -p "$OUT"
LOG="$OUT/device_check.log"
JSONL="$OUT/bench.jsonl"
: >"$LOG"
: >"$JSONL"
say() { echo "== $*" | tee -a "$LOG"; }
BIN=build-gpu/scalelab

say "machine: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1 | head -1); $(nproc) cores"
say "build ($(date +%T))"
start=$(date +%s)
if ! SCALELAB_GPU=1 SCALELAB_BUILD_TARGET="scalelab bench_tests model_tests" bash scripts/setup.sh >>"$LOG" 2>&1; then
  say "BUILD FAILED (see the log above)"
  tail -60 "$LOG"
  exit 1
fi
export LD_LIBRARY_PATH=$PWD/.deps/root/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}
say "built in $(( $(date +%s) - start )) s"

say "numerics: model tests and bench tests (bf16 step against the float32 reference, CUDA graph replay)"
build-gpu/tests/model/model_tests --gtest_brief=1 >>"$LOG" 2>&1 && say "model_tests passed" || say "model_tests FAILED"
build-gpu/tests/bench/bench_tests --gtest_brief=1 >>"$LOG" 2>&1 && say "bench_tests passed" || say "bench_tests FAILED"

bench() {  # bench LABEL ARGS...: one JSON line tagged with LABEL into $JSONL, a short line into the log
  local label=$1; shift
  local line
  line=$(timeout 240 "$BIN" bench "$@" --json 2>>"$LOG" | tail -1)
  if [ -z "$line" ]; then say "$label: FAILED"; return; fi
  echo "{\"label\":\"$label\",\"result\":$line}" >>"$JSONL"
  python3 - "$label" "$line" <<'EOF' | tee -a "$LOG"
import json, sys
r = json.loads(sys.argv[2])
print(f"{sys.argv[1]:28s} {r['tokens_per_s']:>12,.0f} tok/s {r['ms_per_step']:8.3f} ms/step  MFU {100*r['mfu']:5.1f}%  "
      f"peak {r['peak_memory_bytes']/2**30:6.2f} GiB  loss {r['mean_loss']:.3f}")
EOF
}

say "bench, one process ($(date +%T))"
for p in tiny baby gpt2-small; do
  bench "$p" --preset "$p" --device cuda
  bench "$p graph" --preset "$p" --device cuda --cuda-graph
done

# Several small runs on the one GPU, as separate processes started together; each times its own
# steps, so the sum of their tokens/s is the aggregate while all of them run.
for mode in eager graph; do
  for n in 4 8; do
    say "shared GPU: $n tiny processes at once, $mode ($(date +%T))"
    extra=""; [ "$mode" = graph ] && extra="--cuda-graph"
    pids=()
    for i in $(seq "$n"); do
      timeout 240 "$BIN" bench --preset tiny --device cuda --steps 3000 $extra --json >"$OUT/share_$i.json" 2>>"$LOG" &
      pids+=($!)
    done
    wait "${pids[@]}"
    python3 - "$n" "$mode" "$OUT" <<'EOF' | tee -a "$LOG" >>"$JSONL"
import json, sys, glob
n, mode, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
rs = []
for i in range(1, n + 1):
    try:
        rs.append(json.loads(open(f"{out}/share_{i}.json").read().strip().splitlines()[-1]))
    except Exception as e:
        print(json.dumps({"label": f"shared {n} {mode}", "error": str(e)})); sys.exit()
print(json.dumps({"label": f"shared {n} tiny {mode}", "processes": n,
                  "aggregate_tokens_per_s": sum(r["tokens_per_s"] for r in rs),
                  "per_process_tokens_per_s": [r["tokens_per_s"] for r in rs]}))
EOF
    rm -f "$OUT"/share_*.json
  done
done
say "done ($(date +%T)); results in $JSONL"

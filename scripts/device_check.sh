#!/usr/bin/env bash
# The whole GPU check in one device call of at most 8 minutes (docs/bench.md, docs/build.md):
#   1. build scalelab and the numerics tests against the GPU machine's own PyTorch (setup.sh's GPU branch)
#   2. the CUDA tests: the bf16 step against the float32 reference, CUDA-graph replay equal to eager steps
#   3. `scalelab bench` of every preset, eagerly and replayed from a CUDA graph
#   4. several tiny benches at once on the one GPU (a sweep's packed workers): aggregate tokens/s
#   5. a short IsoFLOP sweep on synthetic Markov data (the GPU machine has no R for the Austen corpus),
#      exported and fitted
#   6. data-parallel training over NCCL, one rank per GPU (`scalelab train --nproc N`), against one
#      process with the same global batch: final losses side by side and the scaling efficiency
#      (skipped, saying so, on a machine with one GPU; 2 CPU ranks over Gloo in the dry run)
# and writes everything into one JSON, $OUT/device_check.json ("ok": false and "failed": [...] name any
# step that failed; the exit code is 1 then). Usage:
#   bash scripts/device_check.sh [--dry-run] [--out DIR] [--bin SCALELAB]
# On the GPU machine: run scripts/gpu_deps.sh here first, then one device call carrying .deps:
#   bash scripts/device_check.sh            ($OUT is the device tool's output folder)
# --dry-run: the same logic on a CPU machine with an existing build/ (no build, device cpu, a few steps,
# no CUDA graphs): the test suite runs it (tests/e2e/device_check_test.cpp).
set -uo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; }
DRY=0
OUT_DIR=${OUT:-out/device_check}
BIN=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY=1 ;;
    --out) [ $# -ge 2 ] || { echo "device_check: --out needs a directory" >&2; exit 2; }; OUT_DIR=$2; shift ;;
    --bin) [ $# -ge 2 ] || { echo "device_check: --bin needs a path" >&2; exit 2; }; BIN=$2; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "device_check: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

mkdir -p "$OUT_DIR" || { echo "device_check: cannot create $OUT_DIR" >&2; exit 2; }
OUT_DIR=$(cd "$OUT_DIR" && pwd)
LOG="$OUT_DIR/device_check.log"
STEPS="$OUT_DIR/steps.jsonl"    # one line per step: name, rc, seconds, skipped reason
RESULTS="$OUT_DIR/results.jsonl"  # one line per measurement: bench, shared, sweep
: >"$LOG"; : >"$STEPS"; : >"$RESULTS"
say() { echo "== $*" | tee -a "$LOG"; }
PY=$(command -v python3 || echo /usr/bin/python3)

if [ "$DRY" = 1 ]; then
  BUILD_DIR=build; DEVICE=cpu; PRESETS=(tiny); SHARED=(2); MODES=(eager)
  BENCH_ARGS=(--warmup 1 --threads 1); BENCH_STEPS=(--steps 2); SHARED_STEPS=2
  SWEEP_SIZES="[12.4k, 98.3k, 332k]"; SWEEP_FLOPS="[6e9, 2e10]"; SWEEP_WORKERS=2; MARKOV_TOKENS=300000
else
  BUILD_DIR=build-gpu; DEVICE=cuda; PRESETS=(tiny baby gpt2-small); SHARED=(4 8); MODES=(eager graph)
  BENCH_ARGS=(); BENCH_STEPS=(); SHARED_STEPS=3000
  SWEEP_SIZES="[98.3k, 332k, 786k]"; SWEEP_FLOPS="[3e12, 1e13]"; SWEEP_WORKERS=4; MARKOV_TOKENS=4000000
fi
BIN=${BIN:-$BUILD_DIR/scalelab}
TESTS_DIR=$BUILD_DIR/tests

# record_step NAME RC T0: one line of $STEPS for a finished step.
record_step() {
  "$PY" - "$1" "$2" "$3" "$(date +%s.%N)" >>"$STEPS" <<'EOF'
import json, sys
name, rc, t0, t1 = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
print(json.dumps({"name": name, "rc": rc, "ok": rc == 0, "seconds": round(t1 - t0, 2)}))
EOF
  [ "$2" = 0 ] || say "$1 FAILED (exit $2$([ "$2" = 124 ] && echo ': timed out'))"
}
# step NAME TIMEOUT CMD...: runs CMD with its output in the log, records its exit code and time.
step() {
  local name=$1 limit=$2; shift 2
  local t0 rc
  t0=$(date +%s.%N)
  say "$name ($(date +%T))"
  timeout "$limit" "$@" >>"$LOG" 2>&1
  rc=$?
  record_step "$name" "$rc" "$t0"
  return "$rc"
}
skip() {  # skip NAME WHY
  say "$1 skipped: $2"
  "$PY" -c 'import json,sys; print(json.dumps({"name": sys.argv[1], "ok": True, "skipped": sys.argv[2]}))' "$1" "$2" >>"$STEPS"
}
record() { echo "$1" >>"$RESULTS"; }  # record JSON: one measurement

say "machine: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null | head -1 || echo 'no GPU'); $(nproc) cores; $([ "$DRY" = 1 ] && echo 'dry run')"

# 1. Build
if [ "$DRY" = 1 ]; then
  skip build "dry run: uses the existing $BUILD_DIR"
else
  step build 300 env SCALELAB_GPU=1 SCALELAB_BUILD_TARGET="scalelab model_tests step_tests" bash scripts/setup.sh
  export LD_LIBRARY_PATH=$PWD/.deps/root/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}
fi

# 2. Numerics: the CUDA tests (they skip, saying so, without a GPU).
step "test model_tests" 120 "$TESTS_DIR/model/model_tests" --gtest_brief=1 --gtest_output="json:$OUT_DIR/gtest_model_tests.json"
step "test step_tests" 120 "$TESTS_DIR/train/step_tests" --gtest_brief=1 --gtest_filter='*Cuda*' \
  --gtest_output="json:$OUT_DIR/gtest_step_tests.json"

# 3. Bench every preset, eagerly and from a CUDA graph.
bench() {  # bench LABEL ARGS...: one measurement
  local label=$1; shift
  local json_file="$OUT_DIR/bench_$(echo "$label" | tr ' ' '_').json"
  if step "bench $label" 240 sh -c '"$@" >"$0"' "$json_file" "$BIN" bench "$@" --json; then
    record "{\"kind\":\"bench\",\"label\":\"$label\",\"result\":$(tail -1 "$json_file")}"
  fi
  rm -f "$json_file"
}
for p in "${PRESETS[@]}"; do
  bench "$p" --preset "$p" --device "$DEVICE" "${BENCH_ARGS[@]}" "${BENCH_STEPS[@]}"
  if [ "$DRY" = 1 ]; then skip "bench $p graph" "dry run: CUDA graphs need a GPU"
  else bench "$p graph" --preset "$p" --device "$DEVICE" --cuda-graph "${BENCH_ARGS[@]}" "${BENCH_STEPS[@]}"; fi
done

# 4. Several tiny runs sharing the device, started together; each times its own steps, so the sum of
#    their tokens/s is the aggregate while all of them run.
shared() {  # shared N MODE
  local n=$1 mode=$2 extra=()
  [ "$mode" = graph ] && extra=(--cuda-graph)
  local files=() pids=() i
  for i in $(seq "$n"); do
    files+=("$OUT_DIR/share_$i.json")
    timeout 240 "$BIN" bench --preset tiny --device "$DEVICE" --steps "$SHARED_STEPS" "${BENCH_ARGS[@]}" \
      "${extra[@]}" --json >"$OUT_DIR/share_$i.json" 2>>"$LOG" &
    pids+=($!)
  done
  wait "${pids[@]}"
  "$PY" - "$n" "$mode" "${files[@]}" <<'EOF'
import json, sys
n, mode, files = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
rs = [json.loads(open(f).read().strip().splitlines()[-1]) for f in files]
print(json.dumps({"kind": "shared", "label": f"shared {n} tiny {mode}", "processes": n,
                  "aggregate_tokens_per_s": sum(r["tokens_per_s"] for r in rs),
                  "per_process_tokens_per_s": [r["tokens_per_s"] for r in rs]}))
EOF
}
for mode in "${MODES[@]}"; do
  for n in "${SHARED[@]}"; do
    say "shared $n $mode ($(date +%T))"
    t0=$(date +%s.%N)
    shared "$n" "$mode" >"$OUT_DIR/shared.json" 2>>"$LOG"
    rc=$?
    record_step "shared $n $mode" "$rc" "$t0"
    [ "$rc" = 0 ] && record "$(cat "$OUT_DIR/shared.json")"
    rm -f "$OUT_DIR"/share_*.json "$OUT_DIR/shared.json"
  done
done

# 5. A short IsoFLOP sweep, exported and fitted (approach 2).
SWEEP_DIR="$OUT_DIR/sweep"
rm -rf "$SWEEP_DIR" "$OUT_DIR/markov"
cat >"$OUT_DIR/isoflop_check.yaml" <<EOF
# Written by scripts/device_check.sh: a short IsoFLOP sweep on synthetic Markov data.
name: isoflop_check
base: $PWD/configs/train/tiny_austen.yaml
models:
  sizes: $SWEEP_SIZES
  head_dim: 32
  aspect: 32
data:
  flops: $SWEEP_FLOPS
  flops_convention: 6n
seeds: [1]
data.path: $OUT_DIR/markov
model.ctx: 64
train.batch_size: 16
train.eval_every: 50
train.eval_tokens: 8k
train.device: $DEVICE
EOF
if step "sweep: prepare data" 120 "$BIN" prepare --source "synthetic:markov?symbols=16&tokens=$MARKOV_TOKENS" --out "$OUT_DIR/markov" &&
   step "sweep: train" 300 "$BIN" sweep "$OUT_DIR/isoflop_check.yaml" --dir "$SWEEP_DIR" --workers "$SWEEP_WORKERS" &&
   step "sweep: export" 60 "$BIN" export "$SWEEP_DIR"; then
  # The fit is a result, not a check: a grid this short may give no U-shaped profile, and says so.
  timeout 120 "$BIN" fit "$SWEEP_DIR/export" --law isoflop >"$OUT_DIR/fit.txt" 2>&1
  fit_rc=$?
  say "sweep: fit exit $fit_rc: $(tail -c 300 "$OUT_DIR/fit.txt")"
  "$PY" - "$SWEEP_DIR/export/summary.csv" "$fit_rc" "$OUT_DIR/fit.txt" >>"$RESULTS" <<'EOF'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print(json.dumps({"kind": "sweep", "label": "isoflop_check", "runs": len(rows),
                  "done": sum(r.get("status") == "done" for r in rows),
                  "fit_exit_code": int(sys.argv[2]), "fit_output": open(sys.argv[3]).read()[-2000:],
                  "runs_detail": [{k: r.get(k) for k in ("run_id", "params_nonembedding", "tokens", "flops_budget",
                                                          "final_val_loss", "status")} for r in rows]}))
EOF
  rm -f "$OUT_DIR/fit.txt"
fi

# 6. Data-parallel: N ranks over NCCL, one per GPU, against one process with the same global batch.
NGPU=$(nvidia-smi -L 2>/dev/null | grep -c '^GPU' || true)
if [ "$DRY" = 1 ]; then DP_RANKS=2; DP_TOKENS=64k; DP_TOL=1e-4
else DP_RANKS=$NGPU; DP_TOKENS=8M; DP_TOL=2e-2; fi  # bf16 autocast on the GPUs: looser agreement
if [ "$DRY" = 0 ] && [ "$NGPU" -lt 2 ]; then
  skip "data-parallel" "needs at least 2 GPUs (this machine has $NGPU)"
elif [ ! -f "$OUT_DIR/markov/meta.json" ]; then
  skip "data-parallel" "no data: the sweep's prepare step failed"
else
  rm -rf "$OUT_DIR/dp1" "$OUT_DIR/dpN"
  DP_ARGS=("$PWD/configs/train/tiny_austen.yaml" "data.path=$OUT_DIR/markov" "train.tokens=$DP_TOKENS"
           "train.batch_size=$((32 * DP_RANKS))" "train.device=$DEVICE" "train.eval_tokens=16k" --no-progress)
  [ "$DRY" = 1 ] && DP_ARGS+=(train.threads=1)
  if step "data-parallel: 1 process" 240 "$BIN" train "${DP_ARGS[@]}" --run-dir "$OUT_DIR/dp1" &&
     step "data-parallel: $DP_RANKS ranks" 240 "$BIN" train "${DP_ARGS[@]}" --run-dir "$OUT_DIR/dpN" --nproc "$DP_RANKS"; then
    t0=$(date +%s.%N)
    "$PY" - "$OUT_DIR/dp1/summary.json" "$OUT_DIR/dpN/summary.json" "$DP_RANKS" "$DP_TOL" >"$OUT_DIR/dp.json" <<'EOF'
import json, sys
one, many = (json.load(open(p)) for p in sys.argv[1:3])
ranks, tol = int(sys.argv[3]), float(sys.argv[4])
rel = abs(many["final_val_loss"] - one["final_val_loss"]) / one["final_val_loss"]
print(json.dumps({"kind": "data_parallel", "ranks": ranks, "device": many["device"],
                  "final_val_loss_1": one["final_val_loss"], "final_val_loss_n": many["final_val_loss"],
                  "relative_difference": rel, "tolerance": tol, "agree": rel <= tol,
                  "tokens_per_s_1": one["tokens_per_s"], "tokens_per_s_n": many["tokens_per_s"],
                  "scaling_efficiency": many["tokens_per_s"] / (ranks * one["tokens_per_s"])}))
sys.exit(0 if rel <= tol else 1)
EOF
    record_step "data-parallel: losses agree" "$?" "$t0"
    record "$(cat "$OUT_DIR/dp.json")"
    say "data-parallel: $(cat "$OUT_DIR/dp.json")"
    rm -f "$OUT_DIR/dp.json"
  fi
  rm -rf "$OUT_DIR/dp1" "$OUT_DIR/dpN"
fi

# One JSON with everything; exit 1 when any step failed.
"$PY" - "$STEPS" "$RESULTS" "$OUT_DIR" "$DRY" "$LOG" >"$OUT_DIR/device_check.json" <<'EOF'
import glob, json, os, sys
steps_path, results_path, out_dir, dry, log_path = sys.argv[1:6]
steps = [json.loads(l) for l in open(steps_path) if l.strip()]
results = [json.loads(l) for l in open(results_path) if l.strip()]
tests = {}
for f in sorted(glob.glob(os.path.join(out_dir, "gtest_*.json"))):
    try:
        g = json.load(open(f))
    except ValueError:
        continue
    cases = [t for s in g.get("testsuites", []) for t in s.get("testsuite", [])]
    tests[os.path.basename(f)[6:-5]] = {
        "passed": sum(1 for t in cases if t.get("result") == "COMPLETED" and not t.get("failures")),
        "failed": sum(1 for t in cases if t.get("failures")),
        "skipped": sum(1 for t in cases if t.get("result") == "SKIPPED"),
    }
failed = [s["name"] for s in steps if not s.get("ok")]
log_tail = open(log_path, errors="replace").read()[-4000:] if failed else ""
print(json.dumps({"mode": "dry-run" if dry == "1" else "gpu", "ok": not failed, "failed": failed,
                  "steps": steps, "tests": tests,
                  "bench": [r for r in results if r.get("kind") == "bench"],
                  "shared": [r for r in results if r.get("kind") == "shared"],
                  "sweep": next((r for r in results if r.get("kind") == "sweep"), None),
                  "data_parallel": next((r for r in results if r.get("kind") == "data_parallel"), None),
                  "log_tail": log_tail}, indent=1))
EOF
rm -f "$STEPS" "$RESULTS"
if "$PY" -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["ok"] else 1)' "$OUT_DIR/device_check.json"; then
  say "all steps passed; results in $OUT_DIR/device_check.json"
else
  say "FAILED: $("$PY" -c 'import json,sys; print(", ".join(json.load(open(sys.argv[1]))["failed"]))' "$OUT_DIR/device_check.json"); see $OUT_DIR/device_check.json and $LOG"
  exit 1
fi

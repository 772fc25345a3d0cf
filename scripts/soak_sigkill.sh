#!/usr/bin/env bash
# The SIGKILL soak (docs/reliability.md): a power cut or an OOM kill at a random moment must never
# lose a finished run, train one twice, or change a result. Two parts:
#   train: `scalelab train` on a tiny model is killed with SIGKILL after a random 0.5-4 s, then
#          started again (it resumes), N times; each run that finishes is compared with an
#          uninterrupted run of the same config.
#   sweep: `scalelab sweep` (3 runs, 2 workers) is killed with its trainers (the whole process
#          group, as a power cut would) after a random 0.5-4 s, then relaunched, N times; then it
#          runs to the end and every run is compared with an uninterrupted sweep's.
# "Identical": the metrics rows (timing fields aside, none missing or doubled), summary.json (timing
# aside) and checkpoint.bin (byte for byte but its wall-clock field). Prints kills survived / runs
# identical for each part; exits 1 on any difference.
#   bash scripts/soak_sigkill.sh [N (default 50)] [--bin build/scalelab] [--dir DIR] [--only train|sweep]
set -uo pipefail
cd "$(dirname "$0")/.."
N=50
BIN=build/scalelab
DIR=""
ONLY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) BIN=$2; shift ;;
    --dir) DIR=$2; shift ;;
    --only) ONLY=$2; shift ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *[!0-9]*|"") echo "soak_sigkill: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    *) N=$1 ;;
  esac
  shift
done
[ -x "$BIN" ] || { echo "soak_sigkill: $BIN is not built (bash scripts/setup.sh)" >&2; exit 2; }
BIN=$(realpath "$BIN")
DIR=${DIR:-$(mktemp -d /tmp/scalelab_sigkill_XXXXXX)}
mkdir -p "$DIR"
"$BIN" prepare --source 'synthetic:markov?symbols=16&tokens=200000&seed=3' --out "$DIR/data" >/dev/null || exit 2
PY=/usr/bin/python3

random_sleep() { awk -v a="$1" -v b="$2" -v s="$RANDOM" 'BEGIN { srand(s); printf "%.3f", a + (b - a) * rand() }'; }

# same_run REF RUN: prints what differs, exits 1 if anything does.
same_run() {
  "$PY" - "$1" "$2" <<'PYEOF'
import json, struct, sys
ref, run = sys.argv[1], sys.argv[2]
timing = {"wall_s", "tokens_per_s"}
def rows(d):
    out = []
    for line in open(d + "/metrics.jsonl"):
        r = json.loads(line)
        out.append({k: v for k, v in r.items() if k not in timing})
    return out
def summary(d):
    s = json.load(open(d + "/summary.json"))
    return {k: v for k, v in s.items() if k not in timing}
def checkpoint(d):
    b = open(d + "/checkpoint.bin", "rb").read()
    n = struct.unpack("<Q", b[8:16])[0]
    h = json.loads(b[16:16 + n])
    h["scalars"].pop("wall_s", None)
    return json.dumps(h, sort_keys=True).encode() + b[16 + n:-8]
bad = [what for what, f in (("metrics", rows), ("summary", summary), ("checkpoint", checkpoint))
       if f(ref) != f(run)]
if bad:
    print(f"{run}: {', '.join(bad)} differ from {ref}")
    sys.exit(1)
PYEOF
}

soak_train() {
  cat >"$DIR/train.yaml" <<YAML
name: soak
model: {n_layer: 2, d_model: 32, n_head: 2, ctx: 32, vocab: 256}
data: {path: $DIR/data}
optim: {lr: 1e-2}
train: {tokens: 400k, batch_size: 16, threads: 1, log_every: 5, eval_every: 50, eval_tokens: 2048, checkpoint_every: 7}
YAML
  "$BIN" train "$DIR/train.yaml" --run-dir "$DIR/train_ref" --no-progress >/dev/null 2>&1 || { echo "soak_sigkill: the reference run failed"; return 1; }
  local kills=0 runs=0 identical=0 rc pid
  rm -rf "$DIR/train_run"
  while [ "$kills" -lt "$N" ]; do
    "$BIN" train "$DIR/train.yaml" --run-dir "$DIR/train_run" --no-progress >"$DIR/train_round.log" 2>&1 &
    pid=$!
    sleep "$(random_sleep 0.5 4)"
    if kill -KILL "$pid" 2>/dev/null; then kills=$((kills + 1)); fi
    { wait "$pid"; } 2>/dev/null; rc=$?
    if [ "$rc" = 0 ]; then  # it finished before the kill: compare, start over
      runs=$((runs + 1)); same_run "$DIR/train_ref" "$DIR/train_run" && identical=$((identical + 1))
      rm -rf "$DIR/train_run"
    elif [ "$rc" != 137 ]; then
      echo "train: exit $rc after a kill (log: $DIR/train_round_$kills.log)"; cp "$DIR/train_round.log" "$DIR/train_round_$kills.log"
    fi
  done
  # The last killed run (or a fresh one, if the last kill came before it began) to the end.
  "$BIN" train "$DIR/train.yaml" --run-dir "$DIR/train_run" --no-progress >"$DIR/train_round.log" 2>&1 \
    || echo "train: the final resume failed (log: $DIR/train_round.log)"
  runs=$((runs + 1)); same_run "$DIR/train_ref" "$DIR/train_run" && identical=$((identical + 1))
  echo "soak_sigkill: train: $kills kills survived; $identical/$runs runs identical"
  [ "$identical" = "$runs" ]
}

soak_sweep() {
  cat >"$DIR/sweep.yaml" <<YAML
name: soak
base:
  model: {ctx: 16, vocab: 256}
  data: {path: $DIR/data}
  optim: {lr: 3e-3}
  train: {batch_size: 4, device: cpu, log_every: 5, eval_every: 20, eval_tokens: 512, checkpoint_every: 5}
models: {sizes: [12k, 25k, 50k], head_dim: 16, aspect: 16}
data: {tokens: [60k]}
YAML
  "$BIN" sweep "$DIR/sweep.yaml" --dir "$DIR/sweep_ref" --workers 2 --no-progress >/dev/null 2>&1 || { echo "soak_sigkill: the reference sweep failed"; return 1; }
  local kills=0 runs=0 identical=0 pid
  compare_sweep() {  # every run of the finished sweep against the reference sweep's
    local run
    grep -q "3 done, 0 diverged, 0 failed" "$DIR/sweep_round.log" || echo "sweep: not every run done: $(tail -1 "$DIR/sweep_round.log")"
    for run in "$DIR"/sweep_ref/runs/*/; do
      runs=$((runs + 1))
      same_run "$run" "$DIR/sweep_run/runs/$(basename "$run")" && identical=$((identical + 1))
    done
    rm -rf "$DIR/sweep_run"
  }
  rm -rf "$DIR/sweep_run"
  while [ "$kills" -lt "$N" ]; do
    setsid "$BIN" sweep "$DIR/sweep.yaml" --dir "$DIR/sweep_run" --workers 2 --no-progress >"$DIR/sweep_round.log" 2>&1 &
    pid=$!
    sleep "$(random_sleep 0.5 4)"
    # The whole session: the driver and its trainers (each in a process group of its own).
    if kill -0 "$pid" 2>/dev/null && pkill -KILL -s "$pid"; then kills=$((kills + 1)); fi
    { wait "$pid"; } 2>/dev/null
    grep -q "sweep soak: 3 done" "$DIR/sweep_round.log" && compare_sweep  # it finished first
  done
  if [ -d "$DIR/sweep_run" ] || [ "$runs" = 0 ]; then
    "$BIN" sweep "$DIR/sweep.yaml" --dir "$DIR/sweep_run" --workers 2 --no-progress >"$DIR/sweep_round.log" 2>&1 \
      || echo "sweep: the final relaunch failed (log: $DIR/sweep_round.log)"
    compare_sweep
  fi
  echo "soak_sigkill: sweep: $kills kills survived; $identical/$runs runs identical"
  [ "$identical" = "$runs" ] && [ "$runs" -ge 3 ]
}

status=0
[ "$ONLY" = sweep ] || soak_train || status=1
[ "$ONLY" = train ] || soak_sweep || status=1
exit $status

#!/usr/bin/env bash
# Sweeps through a real Slurm (run it inside tests/slurm/slurm_cluster.sh, which starts one):
#   tests/slurm/slurm_cluster.sh tests/slurm/slurm_sweep_test.sh build/scalelab
# Every path has spaces, quotes and $(...) in it (they must reach the batch script as quoted words).
#  1. a quickstart-shaped sweep (2 shapes x 2 budgets) through `scalelab sweep --slurm` (a 2-task
#     array) exports the same tables as the same sweep run locally;
#  2. scancel of the array mid-run, then resubmitting the script: every run done, each finished
#     exactly once, the same tables;
#  3. the time-limit signal (--signal=B:USR1@120, sent now with scancel --batch --signal=USR1): the
#     driver checkpoints, the task requeues itself and finishes, the same tables;
#  4. a run with train.ranks: 2: the task asks for 2 tasks and srun starts the ranks; its rows equal
#     `scalelab train --nproc 2` run locally.
set -euo pipefail
bin=$(realpath "$1")
PY=/usr/bin/python3  # Debian's, with pandas (scripts/setup.sh)
: "${SLURM_CONF:?run this inside tests/slurm/slurm_cluster.sh}"
work=$(mktemp -d /tmp/scalelab_slurm_sweep.XXXXXX)
trap 'rm -rf "$work"' EXIT
odd="$work/it's a \$(touch PWNED) \"dir\""
mkdir -p "$odd"
cd "$odd"  # the sweep's working directory: the batch script cd's into it
T0=$SECONDS
say() { echo "[$((SECONDS - T0)) s] $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

"$bin" prepare --source 'synthetic:markov?tokens=200000' --out "$odd/data" >/dev/null
json_path=$("$PY" -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$odd/data")
base="  model: {n_layer: 2, d_model: 32, n_head: 2, ctx: 32, vocab: 256}
  data: {path: $json_path}
  optim: {lr: 1e-2, schedule: cosine}
  train: {batch_size: 8, log_every: 10, eval_every: 50, eval_tokens: 2048, checkpoint_every: 20, device: cpu}"
cat > "$odd/spec \$(x).yaml" <<SPEC
name: slurmq
base:
$base
models:
  shapes: [{n_layer: 1, d_model: 32, n_head: 1}, {n_layer: 2, d_model: 32, n_head: 2}]
data:
  tokens: [40k, 80k]
seeds: [1]
SPEC
spec="$odd/spec \$(x).yaml"

# The tables of a finished sweep without the columns that time the runs.
tables_equal() {  # DIR_A DIR_B
  "$bin" export "$1" >/dev/null && "$bin" export "$2" >/dev/null
  "$PY" - "$1/export" "$2/export" <<'PY'
import sys, pandas as pd
timing = {"wall_s", "tokens_per_s"}
for table in ("summary.csv", "curves.csv"):
    a, b = (pd.read_csv(f"{d}/{table}") for d in sys.argv[1:3])
    a, b = (t.drop(columns=[c for c in t.columns if c in timing]).sort_values(list(t.columns[:2]) + (["step"] if "step" in t else [])).reset_index(drop=True) for t in (a, b))
    if table == "summary.csv":
        assert (a.status == "done").all() and len(a) == 4, a[["name", "status", "reason"]]
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    print(f"  {table}: {len(a)} rows equal")
PY
}
job_of() { sed -n 's/.*Submitted batch job \([0-9]*\).*/\1/p' "$1" | tail -n 1; }
wait_gone() {  # JOB SECONDS: until the job (every array task) has left the queue
  local i
  for ((i = 0; i < $2 * 2; i++)); do
    [ -z "$(squeue -h -j "$1" 2>/dev/null)" ] && return 0
    sleep 0.5
  done
  squeue; fail "job $1 still queued after $2 s"
}
wait_for_checkpoint() {  # SWEEP_DIR SECONDS
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    compgen -G "$1/runs/*/checkpoint.bin" >/dev/null && return 0
    sleep 0.1
  done
  fail "no checkpoint in $1 after $2 s"
}
finished_once() {  # SWEEP_DIR: each run finished by exactly one task
  local id n
  for id in $(ls "$1/runs"); do
    n=$(cat "$1"/slurm/*.out "$1"/slurm/*.err 2>/dev/null | grep -c "finished run $id " || true)
    [ "$n" = 1 ] || fail "run $id finished $n times in $1/slurm logs"
  done
}
submit() {  # SWEEP_DIR MORE_ARGS...: writes and submits the script; prints the job id
  local dir=$1; shift
  "$bin" sweep "$spec" --dir "$dir" --slurm --slurm-cpus 1 --slurm-mem 1G --slurm-time 00:20:00 \
    "$@" >"$work/submit.log" 2>&1 || { cat "$work/submit.log" >&2; fail "sweep --slurm failed"; }
  job_of "$work/submit.log"
}

say "local reference sweep"
"$bin" sweep "$spec" --dir "$odd/local sweep" --workers 1 --threads 1 --no-progress >/dev/null

say "1. the sweep through sbatch (2-task array)"
job=$(submit "$odd/slurm \"sweep\"" --slurm-tasks 2)
[ -n "$job" ] || fail "no job id"
wait_gone "$job" 240
tables_equal "$odd/local sweep" "$odd/slurm \"sweep\""
finished_once "$odd/slurm \"sweep\""

say "2. scancel mid-run, then resubmit"
dir="$odd/cancel \$(dir)"
job=$(submit "$dir" --slurm-tasks 1)
wait_for_checkpoint "$dir" 120
scancel "$job"
wait_gone "$job" 120
n_done=$(compgen -G "$dir/runs/*/summary.json" | wc -l || true)
[ "$n_done" -lt 4 ] || fail "every run finished before the scancel"
say "   cancelled with $n_done of 4 runs done; resubmitting"
sbatch "$dir/slurm/sweep.sbatch" >"$work/resubmit.log"
job=$(job_of "$work/resubmit.log")
wait_gone "$job" 240
tables_equal "$odd/local sweep" "$dir"
finished_once "$dir"

say "3. the time-limit signal: checkpoint, requeue, finish"
dir="$odd/signal 'dir'"
job=$(submit "$dir" --slurm-tasks 1)
wait_for_checkpoint "$dir" 120
scancel --batch --signal=USR1 "${job}_0"
wait_gone "$job" 300
restarts=$(scontrol show job "$job" 2>/dev/null | sed -n 's/.*Restarts=\([0-9]*\).*/\1/p' | head -n 1)
[ "${restarts:-0}" -ge 1 ] || fail "the task did not requeue itself (Restarts=${restarts:-?})"
grep -q "stopped at a checkpoint" "$dir"/slurm/*.err "$dir"/slurm/*.out 2>/dev/null ||
  fail "no run stopped at a checkpoint in $dir/slurm"
tables_equal "$odd/local sweep" "$dir"
finished_once "$dir"
say "   requeued $restarts time(s)"

say "4. a 2-rank run: srun inside the task, against train --nproc 2"
# (body not indented: its here-documents end at column 0)
if [ "$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)" -lt 2 ]; then
say "   skipped: the node has one CPU, a 2-rank job needs two"
else
cat > "$odd/ranks \$(y).yaml" <<SPEC
name: slurm2
base:
$base
models:
  shapes: [{n_layer: 2, d_model: 32, n_head: 2}]
data:
  tokens: [40k]
train.ranks: 2
SPEC
"$bin" sweep "$odd/ranks \$(y).yaml" --dir "$odd/ranks sweep" --slurm --slurm-cpus 1 --slurm-mem 1G \
  >"$work/submit.log" 2>&1 || { cat "$work/submit.log" >&2; fail "sweep --slurm failed"; }
grep -q '^#SBATCH --ntasks=2$' "$odd/ranks sweep/slurm/sweep.sbatch" || fail "the script does not ask for 2 tasks"
job=$(job_of "$work/submit.log")
wait_gone "$job" 240
run=$(ls -d "$odd/ranks sweep/runs"/*/)
[ -f "$run/summary.json" ] || { cat "$odd/ranks sweep"/slurm/*; fail "the 2-rank run did not finish"; }
"$PY" -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["ranks"] == 2, s' "$run/summary.json"
"$bin" train "$run/config.yaml" --run-dir "$odd/local ranks" --nproc 2 --no-progress >/dev/null
"$PY" - "$run/metrics.jsonl" "$odd/local ranks/metrics.jsonl" <<'PY'
import json, sys
a, b = ([{k: v for k, v in json.loads(l).items() if k not in ("wall_s", "tokens_per_s")}
         for l in open(p)] for p in sys.argv[1:3])
assert a == b and len(a) > 5, (a[-1:], b[-1:])
print(f"  {len(a)} rows equal")
PY
fi

[ ! -e "$odd/PWNED" ] && [ ! -e "$work/PWNED" ] && [ -z "$(find "$work" -name PWNED)" ] ||
  fail "a path was run as shell text"
say "all Slurm checks passed"

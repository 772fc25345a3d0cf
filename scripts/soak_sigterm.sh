#!/usr/bin/env bash
# The graceful-stop soak (docs/reliability.md): starts `scalelab train` on a tiny model, sends SIGTERM
# after a random 1.5-4 s (at a random point of start-up, a step or a checkpoint write), and records the
# exit code; the next round resumes the same run. A graceful stop must exit 75 (or 0 when the run had
# finished); 143 (killed by the signal itself) is only possible while the program is still loading,
# before main, and is counted apart; anything else (134, 139: a crash) is counted and its log kept.
# Prints the counts, exits 1 on any crash.
#   bash scripts/soak_sigterm.sh [ROUNDS (default 200)] [--bin build/scalelab] [--dir DIR] [--min-s 1.5] [--max-s 4]
set -uo pipefail
cd "$(dirname "$0")/.."
ROUNDS=200
BIN=build/scalelab
DIR=""
MIN_S=1.5
MAX_S=4
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) BIN=$2; shift ;;
    --dir) DIR=$2; shift ;;
    --min-s) MIN_S=$2; shift ;;
    --max-s) MAX_S=$2; shift ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *[!0-9]*|"") echo "soak_sigterm: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    *) ROUNDS=$1 ;;
  esac
  shift
done
[ -x "$BIN" ] || { echo "soak_sigterm: $BIN is not built (bash scripts/setup.sh)" >&2; exit 2; }
DIR=${DIR:-$(mktemp -d /tmp/scalelab_soak_XXXXXX)}
mkdir -p "$DIR/crashes"
if [ ! -f "$DIR/data/meta.json" ]; then
  "$BIN" prepare --source 'synthetic:markov?symbols=16&tokens=200000&seed=3' --out "$DIR/data" >/dev/null || exit 2
fi
cat >"$DIR/config.yaml" <<EOF
name: soak
model: {n_layer: 2, d_model: 32, n_head: 2, ctx: 32, vocab: 256}
data: {path: $DIR/data}
optim: {lr: 1e-2}
train: {tokens: 20M, batch_size: 16, threads: 2, log_every: 5, eval_every: 50, eval_tokens: 2048, checkpoint_every: 3}
EOF

declare -A codes=()
crashes=0
for i in $(seq "$ROUNDS"); do
  "$BIN" train "$DIR/config.yaml" --run-dir "$DIR/run" --no-progress >"$DIR/round.log" 2>&1 &
  pid=$!
  sleep "$(awk -v a="$MIN_S" -v b="$MAX_S" -v s="$RANDOM" 'BEGIN { srand(s); printf "%.3f", a + (b - a) * rand() }')"
  kill -TERM "$pid" 2>/dev/null
  wait "$pid"
  rc=$?
  codes[$rc]=$(( ${codes[$rc]:-0} + 1 ))
  if [ "$rc" != 75 ] && [ "$rc" != 0 ] && [ "$rc" != 143 ]; then
    crashes=$((crashes + 1))
    cp "$DIR/round.log" "$DIR/crashes/round_$i.log"
    echo "round $i: exit $rc (log: $DIR/crashes/round_$i.log)"
  fi
  [ "$rc" = 0 ] && rm -rf "$DIR/run"  # finished: start over
done
summary=""
for rc in $(printf '%s\n' "${!codes[@]}" | sort -n); do summary+="${summary:+, }${codes[$rc]} x exit $rc"; done
echo "soak_sigterm: $ROUNDS SIGTERMs: $summary; $crashes crashed"
[ "$crashes" = 0 ]

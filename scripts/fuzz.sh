#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/: clang, AddressSanitizer, UndefinedBehaviorSanitizer) into
# build-fuzz/ and runs each one from its seeds (fuzz/seeds/<target>/ and the shipped configs).
#   bash scripts/fuzz.sh                          CI mode: a fixed number of inputs per target from a
#                                                 fixed seed (about a minute in all on 2 cores)
#   bash scripts/fuzz.sh --seconds 600 [TARGET]   longer, by hand; the corpus grows in
#                                                 build-fuzz/corpus/<target> across runs
# A crash, a sanitizer report, an input taking over 10 s or 2 GB fails the run; the input is kept as
# build-fuzz/findings/<target>/crash-* (or timeout-*, oom-*) with the command that replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=0
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --ci) seconds=0; shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done
# Inputs per target in CI mode, about 10 s each on an idle 2-core machine (the readers of files
# write their input to disk first, so they run thousands, not hundreds of thousands, a second).
declare -A CI_RUNS=([train_config]=30000 [sweep_spec]=40000 [token_dataset]=30000 [checkpoint]=300000
                    [csv_table]=300000)
[ ${#targets[@]} -gt 0 ] || targets=(train_config sweep_spec token_dataset checkpoint csv_table)

command -v clang++ >/dev/null || { echo "fuzz: clang++ not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
export CCACHE_BASEDIR="$PWD" CCACHE_SLOPPINESS="time_macros,include_file_mtime,include_file_ctime"
[ -f build-fuzz/build.ninja ] || cmake -S fuzz -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ >/dev/null
cmake --build build-fuzz >/dev/null

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
failed=0
printf '%-14s %10s %8s %8s  %s\n' target inputs seconds corpus result
for t in "${targets[@]}"; do
  seeds=(fuzz/seeds/$t)
  case "$t" in
    train_config) seeds+=(configs/train) ;;
    sweep_spec) seeds+=(configs/sweeps) ;;
  esac
  findings=build-fuzz/findings/$t
  mkdir -p "$findings"
  if [ "$seconds" = 0 ]; then
    corpus=$(mktemp -d)  # CI: the same inputs every time, from the seeds alone
    limits=(-runs="${CI_RUNS[$t]}" -seed=1)
  else
    corpus=build-fuzz/corpus/$t
    mkdir -p "$corpus"
    limits=(-max_total_time="$seconds")
  fi
  log=build-fuzz/$t.log
  start=$SECONDS
  if build-fuzz/fuzz_$t "${limits[@]}" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
       -artifact_prefix="$findings/" "$corpus" "${seeds[@]}" >"$log" 2>&1; then
    result=ok
  else
    result="FAILED: $(grep -m1 -E 'ERROR|error without|does not read' "$log" || tail -1 "$log")"
    failed=1
  fi
  runs=$(grep -oE 'Done [0-9]+ runs' "$log" | grep -oE '[0-9]+' || echo '?')
  printf '%-14s %10s %8s %8s  %s\n' "$t" "$runs" $((SECONDS - start)) "$(ls "$corpus" | wc -l)" "$result"
  [ "$seconds" = 0 ] && rm -rf "$corpus"
  if [ "$result" != ok ]; then
    echo "  log: $log; replay: build-fuzz/fuzz_$t $(ls -t "$findings"/* 2>/dev/null | head -1)"
  fi
done
exit $failed

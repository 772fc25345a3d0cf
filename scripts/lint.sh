#!/usr/bin/env bash
# The house style and a small set of bug-finding checks (.clang-format, .clang-tidy), for every
# tracked C++ file. Exits non-zero on any finding.
#   bash scripts/lint.sh            format check + clang-tidy on every translation unit (~10 min on
#                                   2 cores: LibTorch's headers are parsed per file)
#   bash scripts/lint.sh --format   format check only (seconds)
#   bash scripts/lint.sh --fix      rewrite files in the house style, then the checks
#   bash scripts/lint.sh FILE...    both, on these files only
# Needs clang-format and clang-tidy (Debian's clang-format, clang-tidy) and, for clang-tidy, a
# configured build directory (compile_commands.json; SCALELAB_BUILD_DIR, default build).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${SCALELAB_BUILD_DIR:-build}
mode=all
files=()
for a in "$@"; do
  case "$a" in
    --format) mode=format ;;
    --fix) mode=fix ;;
    -*) echo "lint: unknown option $a" >&2; exit 2 ;;
    *) files+=("$a") ;;
  esac
done
for tool in clang-format clang-tidy; do
  command -v "$tool" >/dev/null || { echo "lint: $tool not found (apt-get install $tool)" >&2; exit 2; }
done
[ ${#files[@]} -gt 0 ] || mapfile -t files < <(git ls-files '*.cpp' '*.h')

if [ "$mode" = fix ]; then
  clang-format -i "${files[@]}"
  mode=all
fi
echo "lint: clang-format on ${#files[@]} files"
clang-format --dry-run --Werror "${files[@]}"
[ "$mode" = format ] && { echo "lint: format ok"; exit 0; }

[ -f "$BUILD_DIR/compile_commands.json" ] || {
  echo "lint: $BUILD_DIR/compile_commands.json missing: configure first (bash scripts/setup.sh)" >&2
  exit 2
}
# clang-tidy cannot read GCC's precompiled header: a copy of the compile commands that includes
# torch/torch.h as text where the build uses the PCH (-include .../cmake_pch.hxx).
mkdir -p "$BUILD_DIR/lint"
python3 - "$BUILD_DIR" <<'PY'
import json, re, sys
build = sys.argv[1]
cmds = json.load(open(f"{build}/compile_commands.json"))
for c in cmds:
    c["command"] = re.sub(r"-include \S*cmake_pch\.hxx", "-include torch/torch.h",
                          c["command"]).replace("-Winvalid-pch", "")
json.dump(cmds, open(f"{build}/lint/compile_commands.json", "w"), indent=1)
PY
# Translation units only (headers are checked through the files that include them).
units=()
for f in "${files[@]}"; do [[ "$f" == *.cpp ]] && units+=("$f"); done
echo "lint: clang-tidy on ${#units[@]} translation units, $(nproc) at a time"
start=$(date +%s)
printf '%s\n' "${units[@]}" |
  xargs -P "$(nproc)" -n 1 clang-tidy -p "$BUILD_DIR/lint" --quiet 2> >(grep -v -E '^[0-9]+ warnings? generated|^Suppressed|^Use -header-filter' >&2)
echo "lint: ok ($(( $(date +%s) - start )) s)"

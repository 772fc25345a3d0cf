#!/usr/bin/env bash
# Idempotent set-up: installs missing Debian packages, PyTorch's LibTorch (pinned, CUDA 13 build, from
# PyPI) into the project's virtual environment .venv, then configures and builds scalelab in Release
# into build/ (or $SCALELAB_BUILD_DIR) with CUDA compiled in. docs/build.md says what it costs and why.
# On the GPU machine (no network; PyTorch already installed as python3) it builds into build-gpu/
# against that PyTorch and the Debian libraries unpacked by scripts/gpu_deps.sh into
# .deps/root.
set -euo pipefail
cd "$(dirname "$0")/.."

TORCH_VERSION=2.11.0  # the GPU machine's PyTorch (2.11.0+cu130): one LibTorch on both machines
# PyPI's torch names ~3 GB of nvidia-* wheels. A machine with the CUDA 13 toolkit (cuBLAS, cuDNN 9,
# NCCL 2 in the loader's path, as on the CPU machines) needs only the three libraries that the
# toolkit lacks; elsewhere pip installs torch with all of its dependencies.
TORCH_EXTRA_WHEELS=(nvidia-cusparselt-cu13==0.8.0 nvidia-nvshmem-cu13==3.4.5 nvidia-cufile==1.15.1.6)
TORCH_PYTHON_DEPS=(filelock 'typing-extensions>=4.10' 'sympy>=1.13.3' 'networkx>=2.5.1' jinja2 'fsspec>=0.8.5')
# What the Python tests need beside torch (tests/python/): safetensors reads export-weights' files;
# tensorboard reads the event files of train.log: tensorboard (20 MB of wheels, 57 MB in .venv,
# 10 s cold; docs/build.md).
PYTHON_TEST_DEPS=(safetensors==0.8.0 tensorboard==2.21.0)
VENV=.venv

DEBIAN_PACKAGES=(
  build-essential cmake ninja-build ccache git python3-venv
  libabsl-dev libyaml-cpp-dev libspdlog-dev libgtest-dev libgmock-dev
  nlohmann-json3-dev libcli11-dev libnlopt-cxx-dev
  libdnnl-dev                                      # oneDNN sgemm for the CPU step (model/cpu_kernels.h)
  clang libclang-rt-14-dev                         # libFuzzer with ASan and UBSan: fuzz/, scripts/fuzz.sh
  libgloo-dev                                      # Gloo's headers, which c10d's need (train/data_parallel.cpp)
  slurmctld slurmd slurm-client munge              # tests/slurm: a one-machine Slurm cluster
  chromium                                         # tests/python/report_chromium_test.py renders `scalelab report`
  python3-numpy python3-pandas python3-matplotlib  # scripts/plot.py (Debian's /usr/bin/python3)
  r-base-core r-cran-janeaustenr                    # the default corpus: Jane Austen's novels (data/austen_source.h)
  libsentencepiece-dev python3-sentencepiece       # BPE/unigram tokenizers (data/sentencepiece_tokenizer.h) and their Python cross-check
  bible-kjv python3-doc                            # two more corpora: the King James Bible, Python's manual (data/kjv_source.h, data/pydoc_source.h)
)

# ccache across clones: paths below the checkout are hashed relative to it, and compiles that use the
# precompiled torch header stay cacheable.
export CCACHE_BASEDIR="$PWD" CCACHE_SLOPPINESS="pch_defines,time_macros,include_file_mtime,include_file_ctime"
export PATH=/usr/local/cuda/bin:$PATH
export TORCH_CUDA_ARCH_LIST=${TORCH_CUDA_ARCH_LIST:-9.0}  # nvcc flags for Hopper; no GPU to detect here

gpu_machine=0
# The GPU machine: an NVIDIA driver and PyTorch's LibTorch, no network for apt (docs/GPU.md).
if [ -n "${SCALELAB_GPU:-}" ] || { command -v nvidia-smi >/dev/null && python3 -c 'import torch' 2>/dev/null; }; then
  gpu_machine=1
fi

system_cuda_libs() {  # the CUDA 13 libraries torch links, from the system toolkit
  local lib
  for lib in libcudart.so.13 libcublas.so.13 libcudnn.so.9 libnccl.so.2 libcusparse.so.12 libcufft.so.12 \
             libcurand.so.10 libcusolver.so.12 libcupti.so.13; do
    ldconfig -p | grep -q "$lib" || return 1
  done
}

install_torch() {
  if "$VENV/bin/python" -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '$TORCH_VERSION')" \
      2>/dev/null; then
    return
  fi
  echo "setup: installing PyTorch $TORCH_VERSION (LibTorch with CUDA) into $VENV"
  # System site packages: Debian's numpy, pandas and matplotlib stay visible to the same interpreter.
  [ -x "$VENV/bin/python" ] || /usr/bin/python3 -m venv --system-site-packages "$VENV"
  local start=$SECONDS
  if system_cuda_libs; then
    "$VENV/bin/pip" install -q --disable-pip-version-check --no-deps "torch==$TORCH_VERSION" "${TORCH_EXTRA_WHEELS[@]}"
    # --no-warn-conflicts: pip would list the nvidia-* wheels left out on purpose as "broken".
    "$VENV/bin/pip" install -q --disable-pip-version-check --no-warn-conflicts "${TORCH_PYTHON_DEPS[@]}"
  else
    echo "setup: no system CUDA 13 libraries; pip brings them (about 3 GB more)"
    "$VENV/bin/pip" install -q --disable-pip-version-check "torch==$TORCH_VERSION"
  fi
  echo "setup: PyTorch $TORCH_VERSION installed in $((SECONDS - start)) s ($(du -sh "$VENV" | cut -f1) in $VENV)"
}

install_python_test_deps() {  # each pin checked on its own: a venv from an older setup gets them too
  local dep missing_py=()
  for dep in "${PYTHON_TEST_DEPS[@]}"; do
    "$VENV/bin/python" -c 'import importlib.metadata as m, sys; n, v = sys.argv[1].split("=="); sys.exit(m.version(n) != v)' \
      "$dep" 2>/dev/null || missing_py+=("$dep")
  done
  [ ${#missing_py[@]} -eq 0 ] && return
  echo "setup: installing ${missing_py[*]} into $VENV"
  local start=$SECONDS
  # --no-warn-conflicts: as above, torch's nvidia-* wheels are left out on purpose.
  "$VENV/bin/pip" install -q --disable-pip-version-check --no-warn-conflicts --only-binary :all: "${missing_py[@]}"
  echo "setup: ${missing_py[*]} installed in $((SECONDS - start)) s"
}

if [ "$gpu_machine" = 0 ]; then
  missing=()
  for p in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  install_torch
  install_python_test_deps
  BUILD_DIR=${SCALELAB_BUILD_DIR:-build}
  torch_prefix=$("$VENV/bin/python" -c 'import torch;print(torch.utils.cmake_prefix_path)')
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$torch_prefix" \
    -DPython_EXECUTABLE="$PWD/$VENV/bin/python" -DSCALELAB_WERROR=ON >/dev/null
else
  [ -d .deps/root ] || { echo "setup: GPU build needs .deps/root: run scripts/gpu_deps.sh on a CPU machine and carry .deps" >&2; exit 1; }
  BUILD_DIR=${SCALELAB_BUILD_DIR:-build-gpu}
  export LD_LIBRARY_PATH=$PWD/.deps/root/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}
  torch_prefix=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="${CMAKE_PREFIX_PATH:-$torch_prefix;$PWD/.deps/root/usr}" >/dev/null
fi
cmake --build "$BUILD_DIR" ${SCALELAB_BUILD_TARGET:+--target $SCALELAB_BUILD_TARGET}
echo "setup: built $BUILD_DIR/scalelab"

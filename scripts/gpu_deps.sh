#!/usr/bin/env bash
# The GPU machine has CUDA, PyTorch 2.11 (with LibTorch's CMake files), CMake and Ninja, but no network
# and none of the Debian libraries scalelab links. Run this here (a CPU machine with apt): it downloads
# those libraries' Debian packages and unpacks them into .deps/root, which scripts/setup.sh builds
# against on the GPU machine (carry ".deps" in the device call; docs/GPU.md). .deps/ stays out of git.
set -euo pipefail
cd "$(dirname "$0")/.."
PACKAGES=(
  libyaml-cpp-dev libyaml-cpp0.7 libspdlog-dev libspdlog1.10 libfmt-dev libfmt9
  libabsl-dev libabsl20220623 nlohmann-json3-dev libcli11-dev libgtest-dev libgmock-dev googletest
  libnlopt-cxx-dev libnlopt-cxx0 libnlopt0          # fit/
  libdnnl-dev libdnnl2 ocl-icd-libopencl1            # oneDNN sgemm (model/cpu_kernels.h) and what it loads
  libgloo-dev                                        # Gloo's headers for c10d's (train/data_parallel.cpp)
)
grep -qx '/.deps/' .git/info/exclude 2>/dev/null || echo '/.deps/' >> .git/info/exclude
rm -rf .deps && mkdir -p .deps/debs
(cd .deps/debs && { apt-get download "${PACKAGES[@]}" >/dev/null 2>&1 ||
                    { apt-get update >/dev/null && apt-get download "${PACKAGES[@]}"; }; })
for deb in .deps/debs/*.deb; do dpkg -x "$deb" .deps/root; done
rm -rf .deps/debs
echo "gpu_deps: $(du -sh .deps/root | cut -f1) in .deps/root; carry \".deps\" to the GPU machine"

#!/usr/bin/env bash
# Configure and build one CMake preset (default: asan, the gate's build).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
preset=${1:-asan}
cd "$top"
# One compile job per core (nproc); CMAKE_BUILD_PARALLEL_LEVEL overrides, e.g. 1 to keep a busy
# machine responsive.
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"

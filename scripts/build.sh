#!/usr/bin/env bash
# Configure and build one CMake preset (default: asan, the gate's build).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
preset=${1:-asan}
cd "$top"
# -j2 keeps a 2-core machine responsive; CMAKE_BUILD_PARALLEL_LEVEL overrides.
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"

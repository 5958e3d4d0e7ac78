#!/usr/bin/env bash
# Benchmarks (label bench): never part of the gate, never fail on a target; they print
# ratios against baselines measured in the same run.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
"$top/scripts/build.sh" release
ctest --test-dir build/release -L '^bench$' --output-on-failure --no-tests=ignore -V

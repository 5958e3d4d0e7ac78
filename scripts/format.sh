#!/usr/bin/env bash
# Rewrites the project's C++ files with clang-format (config: .clang-format).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
find include src agent edge-stub tests -type f \( -name '*.cpp' -o -name '*.hpp' \) -print0 |
  xargs -0 -r clang-format-19 -i

#!/usr/bin/env bash
# The test command: installs what is missing, builds from scratch and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
rm -rf build-test
cmake --preset test
cmake --build --preset test -j2
ctest --preset test

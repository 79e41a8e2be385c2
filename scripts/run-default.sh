#!/usr/bin/env bash
# The main job: installs what is missing, builds, installs to ./install and runs
# the default experiment (Lorenz-96, N=40, F=8, 1000 members, 20 starts).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release
cmake --build --preset release -j2
cmake --install build-release --prefix install >/dev/null
./install/bin/butterfly run -o butterfly_default.nc "$@"

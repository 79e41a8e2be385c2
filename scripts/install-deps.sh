#!/usr/bin/env bash
# Installs butterfly's build and test dependencies from Debian 12 packages.
# Idempotent: does nothing when everything is already there.
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config clang-format
  libgtest-dev libgmock-dev libbenchmark-dev
  libeigen3-dev libfftw3-dev libnetcdf-dev netcdf-bin libtomlplusplus-dev libcli11-dev libfmt-dev
  librandom123-dev libhwy-dev zlib1g-dev
  libopenmpi-dev openmpi-bin  # dist/: MPI ensembles, run with mpirun in the tests
  python3 python3-numpy python3-scipy python3-xarray python3-netcdf4
  python3-dev pybind11-dev python3-pytest  # the Python module (python/) and its tests
  chromium  # headless browser for tests/cli/test_report.py
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} > 0)); then
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

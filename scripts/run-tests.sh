#!/usr/bin/env bash
# Installs what is missing, builds clrelu and runs its tests.
#   BUILD_DIR (default build), CMAKE_ARGS (extra configure options),
#   CTEST_ARGS (e.g. "-L unit"); $CLRELU_DEVICE picks the device.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh ${INSTALL_ARGS:-}
build=${BUILD_DIR:-build}
# shellcheck disable=SC2086
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-Release} ${CMAKE_ARGS:-} >/dev/null
cmake --build "$build" -j"$(nproc)"
# shellcheck disable=SC2086
ctest --test-dir "$build" --output-on-failure ${CTEST_ARGS:-}

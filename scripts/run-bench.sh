#!/usr/bin/env bash
# Installs what is missing, builds clrelu and runs the benchmark on the
# default device ($CLRELU_DEVICE, else the first GPU, else the first device).
# Arguments go to clrelu-bench (try --help).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
build=${BUILD_DIR:-build}
# shellcheck disable=SC2086
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release ${CMAKE_ARGS:-} >/dev/null
cmake --build "$build" -j"$(nproc)" --target clrelu-bench
exec "$build/bench/clrelu-bench" "$@"

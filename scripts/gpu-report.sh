#!/usr/bin/env bash
# Measures clrelu on a GPU and keeps every output in one folder: the machine,
# the device list, the whole test suite on the device, the launch-shape
# tuning, the benchmark (f32, f16 and bf16 up to 2^28 elements, with torch as
# a peer when python3 imports a CUDA-enabled torch), the host-array paths
# and the MLP.
#
#   scripts/gpu-report.sh OUTDIR [STEP ...]
#
# STEPs, in this order by default: build info tests tune bench host mlp.
# Each writes OUTDIR/STEP.txt; run them in separate calls where a machine
# limits how long one command may take. $CLRELU_DEVICE picks the device
# (default: gpu); BUILD_DIR the build folder (default: build-gpu).
set -uo pipefail
cd "$(dirname "$0")/.."
if (($# < 1)); then
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
out=$1
shift
steps=("$@")
((${#steps[@]})) || steps=(build info tests tune bench host mlp)
mkdir -p "$out"
export CLRELU_DEVICE=${CLRELU_DEVICE:-gpu}
build=${BUILD_DIR:-build-gpu}

run_step() {
  case $1 in
  build)
    scripts/install-deps.sh &&
      cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release &&
      cmake --build "$build" -j"$(nproc)"
    ;;
  info)
    date -u
    uname -sr
    command -v nvidia-smi >/dev/null && nvidia-smi
    "$build/tools/clrelu-info" && "$build/tools/clrelu-info" --json
    ;;
  tests) ctest --test-dir "$build" --output-on-failure ;;
  tune) "$build/tools/clrelu-tune" ;;
  bench)
    "$build/bench/clrelu-bench" --sizes 2^16,2^20,2^24,2^26,2^28 \
      --dtypes f32,f16,bf16 --plot "$out/bench-relu.svg" --no-progress
    ;;
  host) "$build/bench/clrelu-mlp" --host-ops --max-log2 26 ;;
  mlp) "$build/bench/clrelu-mlp" ;;
  *)
    echo "gpu-report: unknown step $1" >&2
    return 2
    ;;
  esac
}

rc=0
for s in "${steps[@]}"; do
  t0=$SECONDS
  run_step "$s" >"$out/$s.txt" 2>&1
  st=$?
  echo "gpu-report: $s: exit $st in $((SECONDS - t0)) s ($out/$s.txt)"
  if ((st)); then
    tail -n 20 "$out/$s.txt"
    rc=1
    [[ $s == build ]] && exit 1
  fi
done
exit "$rc"

#!/usr/bin/env bash
# The shared library exports clrelu_* symbols and nothing else.
set -euo pipefail
lib=$1
syms=$(nm -D --defined-only "$lib" | awk '{print $3}')
count=$(grep -c '^clrelu_' <<<"$syms" || true)
others=$(grep -v '^clrelu_' <<<"$syms" || true)
echo "$lib exports $count clrelu_ symbols"
if [[ -n $others ]]; then
  echo "exported symbols without the clrelu_ prefix:"
  echo "$others"
  exit 1
fi
[[ $count -gt 20 ]] || { echo "too few symbols: $count"; exit 1; }

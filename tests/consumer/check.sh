#!/usr/bin/env bash
# Installs the built clrelu into a temporary prefix, then builds and runs a
# small program against it twice: through find_package(clrelu) (shared and
# static) and through pkg-config.
#   check.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
echo "installed into $prefix"

echo "== find_package(clrelu)"
cmake -S "$src/tests/consumer" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/cmake" >/dev/null
LD_LIBRARY_PATH=$prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} "$work/cmake/consumer"
"$work/cmake/consumer_static"

echo "== pkg-config"
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
flags=$(pkg-config --cflags --libs clrelu)
echo "pkg-config --cflags --libs clrelu: $flags"
# shellcheck disable=SC2086
cc -std=c11 -o "$work/consumer_pc" "$src/tests/consumer/consumer.c" $flags
LD_LIBRARY_PATH=$prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} "$work/consumer_pc"
echo "consumer check: passed"

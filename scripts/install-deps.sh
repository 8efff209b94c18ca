#!/usr/bin/env bash
# Installs what clrelu needs to build, test and benchmark, when it is missing.
#   scripts/install-deps.sh          build + tests + benchmark peers
#   scripts/install-deps.sh --ci     also the format and lint checkers and
#                                    the hardening tools (Oclgrind, valgrind,
#                                    clang with libFuzzer)
# Needs root (or sudo) on Debian/Ubuntu; elsewhere it names what to install.
set -euo pipefail

pkgs=(cmake make gcc pkg-config ocl-icd-opencl-dev opencl-headers pocl-opencl-icd clinfo
  libclblast-dev)
# Optional benchmark peers; the build works without them.
optional=(libdnnl-dev)
[[ "${1:-}" == "--ci" ]] && pkgs+=(clang-format clang-tidy oclgrind valgrind clang libclang-rt-dev)

say() { echo "install-deps: $*" >&2; }

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${pkgs[@]}" "${optional[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
else
  say "not a Debian-based system: install a C11 compiler, CMake >= 3.20, an"
  say "OpenCL ICD loader with headers, and an OpenCL driver (PoCL for the CPU)."
  exit 0
fi

if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    sudo=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo)
  else
    say "missing packages: ${missing[*]}"
    say "run as root: apt-get update && apt-get install -y ${missing[*]}"
    exit 1
  fi
  say "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Required packages must install; optional ones may be unavailable. With
  # no package registry in reach, a machine that already has a compiler,
  # CMake and an OpenCL loader with headers (a GPU box, say) builds anyway:
  # without CLBlast the dense layer answers UNSUPPORTED.
  req=()
  for p in "${missing[@]}"; do
    [[ " ${optional[*]} " == *" $p "* ]] || req+=("$p")
  done
  if ! "${sudo[@]}" apt-get update -qq || { ((${#req[@]})) &&
    ! "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${req[@]}" >/dev/null; }; then
    if command -v cmake >/dev/null && command -v cc >/dev/null &&
      [[ -e /usr/include/CL/cl.h ]] && ldconfig -p | grep -q 'libOpenCL\.so'; then
      say "could not install ${req[*]}; building with what is here"
    else
      say "could not install ${req[*]}, and a compiler, CMake or OpenCL is missing"
      exit 1
    fi
  fi
  for p in "${optional[@]}"; do
    if [[ " ${missing[*]} " == *" $p "* ]]; then
      "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$p" >/dev/null 2>&1 ||
        say "optional package $p could not be installed; continuing without it"
    fi
  done
fi

# NVIDIA's OpenCL driver is often installed but not registered with the
# ICD loader (containers built from CUDA images); register it.
icd=/etc/OpenCL/vendors/nvidia.icd
if [[ ! -e $icd ]]; then
  for lib in /usr/lib/libnvidia-opencl.so.1 /usr/lib/x86_64-linux-gnu/libnvidia-opencl.so.1 \
    /usr/lib64/libnvidia-opencl.so.1 /usr/local/nvidia/lib64/libnvidia-opencl.so.1; do
    if [[ -e $lib ]]; then
      if [[ -w /etc/OpenCL/vendors || $(id -u) -eq 0 ]]; then
        mkdir -p /etc/OpenCL/vendors && echo "$lib" >"$icd"
        say "registered NVIDIA's OpenCL driver: wrote $lib to $icd"
      else
        say "NVIDIA's OpenCL driver is not registered; as root: echo $lib > $icd"
      fi
      break
    fi
  done
fi
exit 0

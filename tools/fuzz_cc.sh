#!/usr/bin/env bash
# The C/C++ compiler of tools/fuzz.sh: clang++ 14, minus the gcc-only flags the
# project's .bazelrc and BUILD files pass (-fvect-cost-model=...).
args=()
for a in "$@"; do
  case "$a" in
    -fvect-cost-model=*) ;;
    *) args+=("$a") ;;
  esac
done
# clang++ so that UBSan links its C++ runtime (function-type checks).
exec clang++-14 "${args[@]}"

#!/bin/bash
# Every benchmark binary runs each of its benchmarks once to the end: a
# benchmark that aborts (a plugin it needs not linked, a shape that no
# longer fits) fails here rather than in the middle of a measurement.
# Nothing is timed: --benchmark_min_time=0 runs one iteration each.
set -eu
for b in "$@"; do
  echo "== $b"
  if ! out="$("$b" --benchmark_min_time=0 2>&1)"; then
    echo "$out" | tail -20
    echo "FAIL: $b exited with an error"
    exit 1
  fi
  echo "$out" | grep -c '^BM_' | sed 's/^/benchmarks run: /'
done

#!/bin/bash
# search_benchmark runs to the end at one tiny size (not timed: it catches a
# benchmark that aborts, skips with an error or loses a counter).
set -eu
out="$("$1" --sizes=3000 2>&1)" || { echo "$out" | tail -20; exit 1; }
echo "$out" | grep '^BM_'
for b in BM_Hnsw/3000 BM_IvfPq/3000 BM_IvfPqRefine/3000; do
  line="$(echo "$out" | grep "^$b/")" || { echo "FAIL: $b did not run"; exit 1; }
  for c in build_s= qps= recall_at_10=; do
    echo "$line" | grep -q "$c" || { echo "FAIL: $b has no $c counter"; exit 1; }
  done
  if echo "$line" | grep -q "ERROR"; then echo "FAIL: $b: $line"; exit 1; fi
done
# A bad size is refused with its value.
if "$1" --sizes=12 >/dev/null 2>"$TEST_TMPDIR/err.txt"; then echo "FAIL: --sizes=12 accepted"; exit 1; fi
grep -q 'got "12"' "$TEST_TMPDIR/err.txt" || { echo "FAIL: unexpected error:"; cat "$TEST_TMPDIR/err.txt"; exit 1; }
echo PASS

#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang 14 (ASan + UBSan) and
# fuzzes each one, starting from its committed corpus.
#
#   tools/fuzz.sh [--seconds N] [--jobs J] [target ...]   (default: all, 60 s each)
#
# The build uses an output base of its own (~/.cache/siamese-fuzz), so the
# gcc build of `bazel test //...` is never reconfigured. New inputs go to
# ~/.cache/siamese-fuzz/corpus/<target>; a crash writes
# ~/.cache/siamese-fuzz/crash-<target>-<hash> and fails the script: copy it
# into tests/fuzz/corpus/<target>/ (then `bazel test //tests/fuzz:all`
# replays it forever) and fix the reader.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=60
jobs=1
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
if [ ${#targets[@]} -eq 0 ]; then
  targets=(experiment_file ablation_plan idx tsv ucr wordnet image checkpoint)
fi
work="$HOME/.cache/siamese-fuzz"
mkdir -p "$work"
bazel_fuzz=(bazel --output_base="$work/bazel")
labels=()
for t in "${targets[@]}"; do labels+=("//tests/fuzz:${t}_fuzzer"); done
fuzz_flags=(--config=fuzz --repo_env=CC="$PWD/tools/fuzz_cc.sh" --symlink_prefix=/)
"${bazel_fuzz[@]}" build "${fuzz_flags[@]}" "${labels[@]}"
bin="$("${bazel_fuzz[@]}" info "${fuzz_flags[@]}" bazel-bin)"
status=0
run_one() {
  local t="$1"
  mkdir -p "$work/corpus/$t"
  echo "fuzz: $t for ${seconds}s"
  if ! "$bin/tests/fuzz/${t}_fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 \
      -timeout=20 -print_final_stats=1 -artifact_prefix="$work/crash-$t-" \
      "$work/corpus/$t" "tests/fuzz/corpus/$t" >"$work/$t.log" 2>&1; then
    echo "fuzz: $t FAILED (see $work/$t.log)"
    tail -n 30 "$work/$t.log"
    return 1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$work/$t.log" | tr '\n' ' '
  echo
}
running=0
pids=()
for t in "${targets[@]}"; do
  run_one "$t" &
  pids+=($!)
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait "${pids[0]}" || status=1
    pids=("${pids[@]:1}")
    running=$((running - 1))
  fi
done
for p in "${pids[@]}"; do wait "$p" || status=1; done
exit $status

#!/bin/bash
# export_weights end to end: a tiny trained run's encoder written as
# safetensors and .npz, each imported again by `train` through
# init { from_weights } with a frozen prefix, and the errors a user meets
# first (an unknown extension, a missing checkpoint).
# Args: make_tiny_run export_weights train.
set -u
make_tiny_run="$1" export_weights="$2" train="$3"
T="$TEST_TMPDIR"
fail() { echo "FAIL: $*"; exit 1; }

ckpt="$("$make_tiny_run" "$T/tiny")" || fail "make_tiny_run"
run="$(dirname "$ckpt")"

for ext in safetensors npz; do
  out="$("$export_weights" --checkpoint="$ckpt" --output="$T/w.$ext" 2>&1)" || fail "export $ext: $out"
  echo "$out" | grep -q "^wrote [0-9]* tensors" || fail "export $ext said: $out"
  [ -s "$T/w.$ext" ] || fail "no $T/w.$ext"
  # The framework's names are in the file (the safetensors JSON header, the
  # .npz member names).
  grep -aq "conv0.weight" "$T/w.$ext" || fail "conv0.weight not in w.$ext"
  # Another run starts from them, its first convolution frozen.
  log="$("$train" --config="$run/experiment.pbtxt" \
    --set="name: \"from_$ext\" training { epochs: 1 }" \
    --set="init { from_weights: \"$T/w.$ext\" frozen_prefixes: \"conv0\" }" 2>&1)" \
    || fail "train from w.$ext: $log"
  echo "$log" | grep -q "init: loaded [0-9]* tensors (.*) from $T/w.$ext" \
    || fail "train did not report the import: $log"
done

# Errors name what is wrong.
out="$("$export_weights" --checkpoint="$ckpt" --output="$T/w.txt" 2>&1)" && fail "w.txt accepted"
echo "$out" | grep -q "must end in .safetensors or .npz" || fail "extension error: $out"
out="$("$export_weights" --checkpoint="$T/none.ckpt" --output="$T/x.npz" 2>&1)" && fail "missing accepted"
echo "$out" | grep -q "$T/none.ckpt" || fail "missing checkpoint not named: $out"
echo PASS

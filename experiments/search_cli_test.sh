#!/bin/bash
# index + search end to end on the tiny trained run (make_tiny_run): every
# way in (a checkpoint's split, an `embed` folder, .npy queries, --inputs
# embedded with the checkpoint the index recorded, the README's one-command
# in-memory search) and the errors a user meets first.
# Args: make_tiny_run embed index search.
set -u
make_tiny_run="$1" embed="$2" index="$3" search="$4"
T="$TEST_TMPDIR"
fail() { echo "FAIL: $*"; exit 1; }

ckpt="$("$make_tiny_run" "$T/tiny")" || fail "make_tiny_run"
"$embed" --checkpoint="$ckpt" --split=train --output="$T/emb" >/dev/null || fail "embed"

# 1. A split indexed from the checkpoint (120 training examples, 8-D).
out="$("$index" --checkpoint="$ckpt" --split=train --kind=flat --output="$T/idx/train.index")" \
  || fail "index: $out"
echo "$out" | grep -q "^indexed flat, 120 vectors of 8-D, euclidean" || fail "index said: $out"
for f in train.index train.index.meta train.index.labels.npy; do
  [ -s "$T/idx/$f" ] || fail "missing $f"
done
grep -qx "checkpoint: $ckpt" "$T/idx/train.index.meta" || fail "checkpoint not recorded"
grep -qx "split: train" "$T/idx/train.index.meta" || fail "split not recorded"

# 2. The training embeddings as .npy queries: each finds itself first at
# distance 0, with its own label (labels.npy of embed).
"$search" --index="$T/idx/train.index" --queries="$T/emb/embeddings.npy" --k=3 \
  --output="$T/res" >"$T/tsv" 2>"$T/err" || fail "search: $(cat "$T/err")"
head -1 "$T/tsv" | grep -qx $'query\trank\tid\tlabel\tdistance' || fail "header: $(head -1 "$T/tsv")"
[ "$(tail -n +2 "$T/tsv" | wc -l)" -eq 360 ] || fail "expected 120 x 3 rows"
awk -F'\t' 'NR > 1 && $2 == 1 && ($3 != $1 || $5 > 1e-3) { bad++ } END { exit bad > 0 }' \
  "$T/tsv" || fail "a query did not find itself first: $(head -5 "$T/tsv")"
for f in res_ids.npy res_labels.npy res_distances.npy; do [ -s "$T/$f" ] || fail "missing $f"; done
grep -q "120 queries, k=3" "$T/err" || fail "summary: $(cat "$T/err")"

# 3. New inputs embedded with the checkpoint the index recorded.
"$search" --index="$T/idx/train.index" --inputs=test:0,test:5 --k=4 >"$T/tsv2" 2>"$T/err" \
  || fail "search --inputs: $(cat "$T/err")"
[ "$(grep -c $'^test:0\t' "$T/tsv2")" -eq 4 ] || fail "test:0 rows: $(cat "$T/tsv2")"
[ "$(grep -c $'^test:5\t' "$T/tsv2")" -eq 4 ] || fail "test:5 rows: $(cat "$T/tsv2")"
# The tiny classes separate: a test example's nearest training example
# shares its class (test:0 is class 0, test:5 class 1).
grep $'^test:0\t1\t' "$T/tsv2" | cut -f4 | grep -qx 0 || fail "test:0 nearest: $(cat "$T/tsv2")"
grep $'^test:5\t1\t' "$T/tsv2" | cut -f4 | grep -qx 1 || fail "test:5 nearest: $(cat "$T/tsv2")"

# An image file as input: an 8x8 PGM with the bright bar of class 2 (rows 4
# and 5), as the tiny data set draws them.
{
  printf 'P5\n8 8\n255\n'
  for y in 0 1 2 3 4 5 6 7; do
    for x in 0 1 2 3 4 5 6 7; do
      if [ $y -eq 4 ] || [ $y -eq 5 ]; then printf '\xc8'; else printf '\x28'; fi
    done
  done
} >"$T/bar2.pgm"
"$search" --index="$T/idx/train.index" --inputs="$T/bar2.pgm" --k=3 >"$T/tsv4" 2>"$T/err" \
  || fail "search --inputs=<pgm>: $(cat "$T/err")"
[ "$(grep -c "^$T/bar2.pgm"$'\t' "$T/tsv4")" -eq 3 ] || fail "pgm rows: $(cat "$T/tsv4")"
awk -F'\t' 'NR > 1 && $4 != 2 { bad++ } END { exit bad > 0 }' "$T/tsv4" \
  || fail "the bar-2 image's neighbours are not all class 2: $(cat "$T/tsv4")"

# 4. The README's one command: index in memory (hnsw) and search.
"$search" --embeddings="$T/emb" --distance=euclidean --queries="$T/emb/embeddings.npy" \
  --kind=hnsw --k=1 --save_index="$T/mem.index" >"$T/tsv3" 2>"$T/err" \
  || fail "one-command search: $(cat "$T/err")"
awk -F'\t' 'NR > 1 && ($3 != $1) { bad++ } END { exit bad > 0 }' "$T/tsv3" \
  || fail "hnsw: a query did not find itself"
grep -q "hnsw (M=32" "$T/err" || fail "summary: $(cat "$T/err")"
[ -s "$T/mem.index.meta" ] || fail "--save_index wrote nothing"

# 5. Errors name what is wrong.
expect_error() {  # expect_error <pattern> <command...>
  local pattern="$1"; shift
  if "$@" >/dev/null 2>"$T/err"; then fail "succeeded: $*"; fi
  grep -q -- "$pattern" "$T/err" || fail "expected '$pattern', got: $(cat "$T/err")"
}
expect_error "$T/none.index: no such index file" \
  "$search" --index="$T/none.index" --queries="$T/emb/embeddings.npy"
expect_error "queries have 3 dimensions but the index holds 8-D" \
  "$search" --index="$T/idx/train.index" --queries="$T/res_distances.npy"
expect_error "k must be at least 1, got 0" \
  "$search" --index="$T/idx/train.index" --queries="$T/emb/embeddings.npy" --k=0
expect_error "trains on at least 256 vectors, got 120" \
  "$index" --checkpoint="$ckpt" --kind=ivfpq --output="$T/x.index"
expect_error "give --distance=" \
  "$index" --embeddings="$T/emb" --output="$T/x.index"
expect_error "test:99999: the test split has 80 examples" \
  "$search" --index="$T/idx/train.index" --inputs=test:99999
expect_error "give one of --index" "$search" --queries="$T/emb/embeddings.npy"
echo PASS

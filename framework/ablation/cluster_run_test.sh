#!/bin/bash
# One tiny ablation (2 miners x 2 seeds, a few steps per run) three ways:
#   local    ablate
#   mpi      mpirun -np 2 ablate_mpi (each rank runs 2 whole runs)
#   slurm    ablate --slurm_script, its array tasks run by bash with
#            SLURM_ARRAY_TASK_ID set as SLURM would (in two submissions),
#            then ablate --summarize
# The three summary.csv files must be identical but for train_seconds_mean
# (wall-clock time, the only timing column), and every results.json
# byte-identical to the local one. Re-running on a finished ablation must
# run nothing. CI runs as root, which mpirun refuses unless told otherwise.
set -eu
abs() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
make_files=$(abs "$1")
ablate=$(abs "$2")
ablate_mpi=$(abs "$3")

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Shared memory and loopback TCP only; no daemons beyond this host.
export OMPI_MCA_btl=self,vader,tcp OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
# Containers often forbid the cross-process memory attach of vader's single copy.
export OMPI_MCA_btl_vader_single_copy_mechanism=none
# Bazel's per-test files would be written by every rank at once.
unset TEST_PREMATURE_EXIT_FILE XML_OUTPUT_FILE
export OMP_NUM_THREADS=1
mpirun_2() { mpirun --oversubscribe -np 2 -x OMP_NUM_THREADS "$@"; }

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

dir="$TEST_TMPDIR/cluster"
rm -rf "$dir"
"$make_files" "$dir"
config="$dir/ablations/tiny.pbtxt"

# summary.csv without the train_seconds_mean column.
without_timing() {
  local column
  column=$(head -1 "$1" | tr , '\n' | grep -nx train_seconds_mean | cut -d: -f1)
  [ -n "$column" ] || fail "$1 has no train_seconds_mean column"
  cut -d, --complement -f"$column" "$1"
}

# The summary and every results.json of ablation folder $1 against local's.
same_as_local() {
  local name="$1" folder="$2"
  [ "$(without_timing "$local/summary.csv" | wc -l)" -eq 3 ] || fail "local summary.csv: not 2 cells"
  diff <(without_timing "$local/summary.csv") <(without_timing "$folder/summary.csv") ||
    fail "$name: summary.csv differs from the local one (above)"
  [ "$(ls "$folder/runs" | wc -l)" -eq 4 ] || fail "$name: not 4 run folders: $(ls "$folder/runs")"
  for run in "$local"/runs/*; do
    cmp "$run/results.json" "$folder/runs/$(basename "$run")/results.json" ||
      fail "$name: $(basename "$run")/results.json differs from the local one"
  done
  echo "$name: summary.csv (but for train_seconds_mean) and 4 results.json identical to local"
}

echo "== local"
"$ablate" --config="$config" --set="output_dir: \"$dir/local\""
local="$dir/local/tiny"
[ "$(ls "$local/runs" | wc -l)" -eq 4 ] || fail "local: not 4 run folders"

echo "== mpirun -np 2"
mpi="$dir/mpi/tiny"
mpirun_2 "$ablate_mpi" --config="$config" --set="output_dir: \"$dir/mpi\"" 2>"$dir/mpi.err" ||
  { cat "$dir/mpi.err"; fail "mpirun ablate_mpi"; }
cat "$dir/mpi.err"
for rank in 0 1; do
  [ "$(grep -c "^\[ablate rank $rank/2\] start" "$dir/mpi.err")" -eq 2 ] ||
    fail "rank $rank did not run 2 runs"
done
grep -q '^\[ablate\] 4 runs done now on 2 ranks, 0 were already finished' "$dir/mpi.err" ||
  fail "rank 0's total"
same_as_local mpi "$mpi"

echo "== mpirun again: nothing to do"
touch "$dir/marker"
sleep 1
mpirun_2 "$ablate_mpi" --config="$config" --set="output_dir: \"$dir/mpi\"" 2>"$dir/mpi2.err" ||
  { cat "$dir/mpi2.err"; fail "mpirun ablate_mpi again"; }
cat "$dir/mpi2.err"
grep -q '^\[ablate\] 0 unfinished runs over 2 ranks (4 already finished)' "$dir/mpi2.err" ||
  fail "the second mpirun did not find every run finished"
! grep -q '\] start' "$dir/mpi2.err" || fail "the second mpirun started runs"
[ -z "$(find "$mpi/runs" -name results.json -newer "$dir/marker")" ] ||
  fail "the second mpirun rewrote results"
same_as_local "mpi again" "$mpi"

echo "== mpirun, every run failing: every rank stops, none hangs, exit status 1"
"$make_files" "$dir/broken"
rm "$dir/broken/train-images.idx"
if mpirun_2 "$ablate_mpi" --config="$dir/broken/ablations/tiny.pbtxt" 2>"$dir/broken.err"; then
  cat "$dir/broken.err"
  fail "mpirun ablate_mpi succeeded without data"
fi
cat "$dir/broken.err"
grep -q '^ablate: runs failed on rank(s) 0, 1 (see their lines above)' "$dir/broken.err" ||
  fail "rank 0 did not report both ranks' failures"
[ ! -e "$dir/broken/out/tiny/summary.csv" ] || fail "a summary was written despite failures"

echo "== mpirun stopped by a signal: every rank's runs checkpoint, all agree"
"$make_files" "$dir/long"
sed -i 's/epochs: 1 /epochs: 20000 /' "$dir/long/configs/base.pbtxt"
# mpirun itself in the background (not mpirun_2, whose subshell $! would name).
mpirun --oversubscribe -np 2 -x OMP_NUM_THREADS "$ablate_mpi" \
  --config="$dir/long/ablations/tiny.pbtxt" 2>"$dir/long.err" &
mpirun_pid=$!
# Once both ranks' first runs are training (they log every 5 steps). SIGTERM,
# as SLURM and a batch system send: a background job of a non-interactive
# shell ignores SIGINT.
for _ in $(seq 600); do
  [ "$(find "$dir/long/out/tiny/runs" -name metrics.jsonl -size +0 2>/dev/null | wc -l)" -eq 2 ] &&
    break
  sleep 0.1
done
kill -TERM "$mpirun_pid"
if wait "$mpirun_pid"; then fail "mpirun ablate_mpi succeeded after SIGTERM"; fi
cat "$dir/long.err"
grep -q '^ablate: stopped by a signal on rank(s) 0, 1, runs checkpointed' "$dir/long.err" ||
  fail "rank 0 did not report both ranks' interrupted runs"
for run in "$dir"/long/out/tiny/runs/*; do
  [ -e "$run/checkpoint.ckpt" ] && [ ! -e "$run/results.json" ] || fail "$run: not a checkpoint"
done
[ "$(ls "$dir/long/out/tiny/runs" | wc -l)" -eq 2 ] || fail "not 2 run folders after SIGTERM"

echo "== --run=K stopped by a signal (SLURM's time limit): exit status 75"
"$ablate" --config="$dir/long/ablations/tiny.pbtxt" --run=2 2>"$dir/run2.err" &
run_pid=$!
for _ in $(seq 600); do
  [ "$(find "$dir/long/out/tiny/runs" -name metrics.jsonl -size +0 | wc -l)" -eq 3 ] && break
  sleep 0.1
done
kill -TERM "$run_pid"
status=0
wait "$run_pid" || status=$?
cat "$dir/run2.err"
[ "$status" -eq 75 ] || fail "--run=2 after SIGTERM: exit status $status, not 75"
grep -q 'stopped run 2 (cell "miner=all" seed 1, .*) with a checkpoint' "$dir/run2.err" ||
  fail "--run=2 did not report its checkpoint"

echo "== SLURM job array"
# Relative output_dir, and an override with spaces and both quotes (the
# same metrics as the file): the script must cd back here and pass it on.
cd "$dir"
slurm_flags=(--config=ablations/tiny.pbtxt --set='output_dir: "slurm"'
  --set="metrics: ['precision_at_1', \"map_at_r\"]")
slurm="$dir/slurm/tiny"
"$ablate" "${slurm_flags[@]}" --slurm_script=tiny.sbatch >slurm.out
cat slurm.out tiny.sbatch
grep -qx '#SBATCH --array=0-3' tiny.sbatch || fail "first script: not --array=0-3"
grep -qx '#SBATCH --cpus-per-task=1' tiny.sbatch || fail "first script: not 1 CPU per task"
grep -q 'sbatch --dependency=afterok:' slurm.out || fail "no summary submission printed"
[ -d "$slurm/logs" ] || fail "no logs folder for SLURM's --output"
[ ! -e "$slurm/runs" ] || fail "--slurm_script ran something"

if "$ablate" "${slurm_flags[@]}" --summarize 2>summarize.err; then
  fail "--summarize succeeded with no run finished"
fi
cat summarize.err
grep -q '4 of 4 runs are not finished: run 0 (cell "miner=semi_hard" seed 1, ' summarize.err ||
  fail "--summarize does not name the unfinished runs"

task() { (cd / && SLURM_ARRAY_TASK_ID="$1" bash "$dir/tiny.sbatch"); }
# A partial first submission: tasks 0 and 2 only.
task 0
task 2
"$ablate" "${slurm_flags[@]}" --slurm_script=tiny.sbatch >/dev/null
grep -qx '#SBATCH --array=1,3' tiny.sbatch || fail "second script: not --array=1,3"
task 1
task 3
task 1 2>again.err || fail "a finished run's task failed"
grep -q 'run 1 (cell "miner=semi_hard" seed 2, .*) was already finished' again.err ||
  fail "a finished run's task did not skip it"
if "$ablate" "${slurm_flags[@]}" --slurm_script=left.sbatch 2>left.err; then
  fail "--slurm_script succeeded with nothing left"
fi
grep -q 'is finished: no job array to write' left.err || fail "nothing-left message"
[ ! -e left.sbatch ] || fail "a script was written with nothing left"
"$ablate" "${slurm_flags[@]}" --summarize
same_as_local slurm "$slurm"
echo PASS

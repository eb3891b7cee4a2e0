#!/bin/bash
# Data-parallel scaling of a real run: the shipped closed-set config for one
# epoch at 1 process x 1 thread, 1 process x C threads and C ranks x 1
# thread (C = the cores given, default 2), alternated over rounds. Prints the
# medians of timing.json's training images/s and, for the ranks, the share of
# training time spent in collectives.
#
#   bazel build -c opt //experiments:train //experiments:train_mpi
#   experiments/benchmarks/mpi_scaling.sh [cores=2] [rounds=3]
#
# Runs as root with OpenMPI's run-as-root variables set; shared memory and
# loopback only (one machine).
set -eu
cores=${1:-2}
rounds=${2:-3}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl=self,vader,tcp OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
export OMPI_MCA_btl_vader_single_copy_mechanism=none
out=$(mktemp -d /tmp/mpi_scaling.XXXXXX)
cfg=experiments/configs/fashion_mnist_closed_set.pbtxt
common='training { epochs: 1 } evaluation { untrained_baseline: false }'
lscpu | grep 'Model name' || true
for round in $(seq "$rounds"); do
  bazel-bin/experiments/train --config=$cfg \
    --set="$common threads: 1 output_dir: \"$out\" name: \"p1t1_$round\"" >/dev/null 2>&1
  bazel-bin/experiments/train --config=$cfg \
    --set="$common threads: $cores output_dir: \"$out\" name: \"p1t${cores}_$round\"" >/dev/null 2>&1
  mpirun -np "$cores" -x OMP_NUM_THREADS=1 bazel-bin/experiments/train_mpi --config=$cfg \
    --set="$common threads: 1 output_dir: \"$out\" name: \"r${cores}t1_$round\"" >/dev/null 2>&1
done
python3 - "$out" "$rounds" "$cores" <<'PY'
import json, statistics, sys
out, rounds, cores = sys.argv[1], int(sys.argv[2]), sys.argv[3]
base = None
for name, label in [('p1t1', '1 process x 1 thread'), (f'p1t{cores}', f'1 process x {cores} threads'),
                    (f'r{cores}t1', f'{cores} ranks x 1 thread')]:
    t = [json.load(open(f'{out}/{name}_{r}/timing.json')) for r in range(1, rounds + 1)]
    ips = statistics.median(x['train_images_per_second'] for x in t)
    base = base or ips
    line = f'{label}: {ips:.0f} training images/s ({ips / base:.2f}x)'
    if 'communication_seconds' in t[0]:
        share = statistics.median(
            x['communication_seconds'] / (x['train_seconds'] - x.get('validation_seconds', 0)) for x in t)
        line += f', {100 * share:.1f}% of training time in collectives'
    print(line)
PY
rm -rf "$out"

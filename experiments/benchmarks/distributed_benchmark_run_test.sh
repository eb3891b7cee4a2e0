#!/bin/bash
# distributed_benchmark runs to the end on 2 MPI ranks (not timed: it
# catches a benchmark whose ranks fall out of step). OpenMPI settings as in
# framework/distributed/mpi_communicator_test.sh.
set -eu
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl=self,vader,tcp OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
export OMPI_MCA_btl_vader_single_copy_mechanism=none
unset TEST_PREMATURE_EXIT_FILE XML_OUTPUT_FILE
out="$(mpirun --oversubscribe -np 2 -x OMP_NUM_THREADS=1 "$1" 2>&1)" || { echo "$out" | tail -20; exit 1; }
echo "$out" | grep '_median'
for b in BM_AllReduceGradients BM_GatherEmbeddings; do
  echo "$out" | grep -q "^$b/.*ranks=2" || { echo "FAIL: $b did not run on 2 ranks"; exit 1; }
done

#!/bin/bash
# Runs mpi_communicator_test under OpenMPI on 2 and 3 ranks of this machine
# (--oversubscribe: more ranks than cores is fine for a test). CI runs as
# root, which mpirun refuses unless told otherwise.
set -eu
test_binary="$1"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Shared memory and loopback TCP only; no daemons beyond this host.
export OMPI_MCA_btl=self,vader,tcp OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
# Containers often forbid the cross-process memory attach of vader's single copy.
export OMPI_MCA_btl_vader_single_copy_mechanism=none
# Bazel's per-test files would be written by every rank at once.
unset TEST_PREMATURE_EXIT_FILE XML_OUTPUT_FILE
for ranks in 2 3; do
  echo "== $ranks ranks"
  SIAMESE_EXPECT_RANKS=$ranks mpirun --oversubscribe -np "$ranks" \
    -x SIAMESE_EXPECT_RANKS -x OMP_NUM_THREADS=1 "$test_binary"
done

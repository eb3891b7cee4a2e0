#!/bin/bash
# Runs train_mpi_test on 2 MPI ranks of this machine (see
# framework/distributed/mpi_communicator_test.sh for the settings).
set -eu
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl=self,vader,tcp OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
export OMPI_MCA_btl_vader_single_copy_mechanism=none
unset TEST_PREMATURE_EXIT_FILE XML_OUTPUT_FILE
mpirun --oversubscribe -np 2 -x OMP_NUM_THREADS=1 "$1"

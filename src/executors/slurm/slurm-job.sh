#!/bin/sh
# Trainyard's Slurm batch script: `sbatch [options] slurm-job.sh RUN_DIR CMD [ARG...]`. sbatch
# passes the arguments through verbatim. RUN_DIR/started tells the executor the script runs (a
# SIGTERM to a job whose script has not started would be lost: it cancels such a job instead).
# The command then replaces this shell, so its exit status and the signal that killed it are the
# job's own (squeue, sacct).
run_dir=$1
shift
: >"$run_dir/started" 2>/dev/null
exec "$@"

#!/usr/bin/env bash
# Submits a cwsim sweep split into N shards as a Slurm array job, and its merge as a job
# that runs once every shard succeeded (--dependency=afterok). Prints both job ids.
#
#   deploy/slurm/submit.sh N PARTS_DIR OUT_DIR SCENARIO --set KEY=V1,V2 [sweep options]
#
# PARTS_DIR and OUT_DIR must be on a file system every node sees. Extra sbatch options
# (partition, account, time limit) go in SBATCH_* environment variables, e.g.
# SBATCH_PARTITION=compute SBATCH_TIMELIMIT=02:00:00.
set -euo pipefail

if [ $# -lt 4 ]; then
    echo "usage: $0 N PARTS_DIR OUT_DIR SCENARIO [cwsim sweep options]" >&2
    exit 2
fi
n="$1"
parts="$2"
out="$3"
shift 3
case "$n" in '' | *[!0-9]* | 0) echo "N must be a positive whole number, got '$n'" >&2; exit 2 ;; esac
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$parts"

array=$(sbatch --parsable --array="0-$((n - 1))" "$here/sweep.sbatch" "$parts" "$@")
array="${array%%;*}"
merge=$(sbatch --parsable --dependency="afterok:$array" "$here/merge.sbatch" "$parts" "$out")
merge="${merge%%;*}"
echo "array job $array ($n shards), merge job $merge"

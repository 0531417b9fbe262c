#!/bin/bash
# Queue a sharded MMEB-V2 run on Slurm: the shard array, then the merge job once every shard succeeded.
#   SHARDS=8 TTE_DATA_ROOT=/shared/mmeb-v2 recipes/slurm/submit.sh [extra sbatch options for the array]
# Print `tte-bench plan --shards $SHARDS` first to see what each shard runs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
shards=${SHARDS:-8}
export TTE_SUITE=${TTE_SUITE:-mmeb-v2}
export TTE_RUN_ID=${TTE_RUN_ID:-$TTE_SUITE-$(date -u +%Y%m%d-%H%M%S)}
export TTE_BACKEND=${TTE_BACKEND:-$here/backend.json}
array=$(sbatch --parsable --array=0-$((shards - 1)) "$@" "$here/tte-bench-array.sbatch")
array=${array%%;*}
merge=$(sbatch --parsable --dependency=afterok:"$array" --kill-on-invalid-dep=yes "$here/tte-bench-merge.sbatch")
echo "run $TTE_RUN_ID: shard array job $array ($shards tasks), merge job ${merge%%;*}"

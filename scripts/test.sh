#!/usr/bin/env bash
# The whole test suite: starts the single-host Slurm test cluster the Slurm
# tests run against (scripts/slurm-up.sh; root, installs its packages on
# first use, leaves the cluster up), then runs every test of the workspace.
# PRESCIENT_SKIP_SLURM=1 leaves Slurm out (its tests then pass vacuously and
# say so).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${PRESCIENT_SKIP_SLURM:-}" != 1 ]; then
  eval "$(bash scripts/slurm-up.sh)"
fi
cargo test --workspace --no-fail-fast "$@"

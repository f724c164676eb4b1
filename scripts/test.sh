#!/usr/bin/env bash
# The whole test suite: starts the single-host Slurm test cluster the Slurm
# tests run against (scripts/slurm-up.sh; root, installs its packages on
# first use, leaves the cluster up), then runs every test of the workspace.
# PRESCIENT_SKIP_SLURM=1 leaves Slurm out (its tests then pass vacuously and
# say so). It also installs headless Chromium for the dashboard test
# (scripts/browser-up.sh); PRESCIENT_SKIP_BROWSER=1 leaves that out.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${PRESCIENT_SKIP_SLURM:-}" != 1 ]; then
  eval "$(bash scripts/slurm-up.sh)"
fi
if [ "${PRESCIENT_SKIP_BROWSER:-}" != 1 ]; then
  bash scripts/browser-up.sh
fi
cargo test --workspace --no-fail-fast "$@"

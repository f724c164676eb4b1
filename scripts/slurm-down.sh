#!/usr/bin/env bash
# Stops the Slurm test cluster of scripts/slurm-up.sh, by its pid files only.
BASE=${BASE:-/tmp/prescient-slurm}
stop() {
  local f=$1 p
  [ -f "$f" ] || return 0
  p=$(cat "$f")
  kill "$p" 2>/dev/null
  for i in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$p" 2>/dev/null && kill -9 "$p"
  rm -f "$f"
}
for f in "$BASE"/run/slurmd-*.pid; do stop "$f"; done
stop "$BASE/run/slurmctld.pid"
stop "$BASE/run/slurmdbd.pid"
stop "$BASE/run/mariadbd.pid"
stop "$BASE/munge/munged.pid"
true

#!/usr/bin/env bash
# Stop the test cluster that scripts/slurm/start.sh started in DIR: slurmd, slurmctld and munged, each by
# the pid in its pid file (never by name), waiting up to 10 s for each before SIGKILL. Safe to call twice.
#
#   bash scripts/slurm/stop.sh "$WWB_SLURM_DIR"
set -uo pipefail
D="${1:-${WWB_SLURM_DIR:-}}"
[ -n "$D" ] && [ -d "$D" ] || { echo "usage: stop.sh DIR (the folder start.sh printed as WWB_SLURM_DIR)" >&2; exit 2; }

stop_pid_file() {
  local file="$D/$1" pid
  [ -f "$file" ] || return 0
  pid="$(tr -dc 0-9 <"$file")"
  [ -n "$pid" ] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    echo "stopped $1 ($pid)"
  fi
  rm -f "$file"
}
stop_pid_file slurmd.pid
stop_pid_file slurmctld.pid
stop_pid_file munged.pid
exit 0

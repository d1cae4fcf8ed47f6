#!/usr/bin/env bash
# A whole Slurm cluster on this machine, to check the sharded sweep end to end: installs
# Debian's slurm-wlm and munge, starts munged, slurmctld and slurmd on localhost, submits a
# 4-shard sweep with submit.sh (array job + merge job with --dependency=afterok), waits,
# and compares the merged outputs with a local unsharded sweep byte for byte (diff -r).
# Exit code 0 when they are identical. Run as root on Debian (12 or later):
#
#   deploy/slurm/test-single-node.sh
#
# CWSIM names the binary to use (default: built with cargo build --release). The daemons
# it starts are stopped when it ends; their logs stay in the work directory it prints.
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d /tmp/cwsim-slurm.XXXXXX)"
shards=4
echo "work directory: $work"

if [ "$(id -u)" -ne 0 ]; then
    echo "run as root: it installs packages and starts the Slurm daemons" >&2
    exit 2
fi

# --- install -------------------------------------------------------------------------
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq slurm-wlm munge >/dev/null
fi
# Installing may have started the packaged services with the default configuration: this
# test runs its own daemons.
for svc in slurmd slurmctld; do
    if command -v systemctl >/dev/null && systemctl is-active --quiet "$svc" 2>/dev/null; then
        systemctl stop "$svc"
    fi
done
echo "slurm: $(slurmctld -V)"

if [ -z "${CWSIM:-}" ]; then
    (cd "$repo" && cargo build --release --quiet)
    CWSIM="${CARGO_TARGET_DIR:-$repo/target}/release/cwsim"
    case "$CWSIM" in /*) ;; *) CWSIM="$repo/$CWSIM" ;; esac
fi
export CWSIM
"$CWSIM" --version

# --- daemons -------------------------------------------------------------------------
# Stops the daemons this script started (by their pid files) and waits until they are gone.
cleanup() {
    local stopped=()
    for pidfile in "$work/slurmd.pid" "$work/slurmctld.pid" "$work/munge/munged.pid"; do
        if [ -s "$pidfile" ]; then
            pid="$(cat "$pidfile")"
            kill "$pid" 2>/dev/null && stopped+=("$pid")
        fi
    done
    for pid in "${stopped[@]}"; do
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
    done
}
trap cleanup EXIT

# munged runs as the munge user: its files live in a directory of its own.
chmod 0755 "$work"
mkdir -p "$work/munge" "$work/state" "$work/spool" "$work/parts"
chown munge:munge "$work/munge"
chmod 0700 "$work/munge"
key="$work/munge/munge.key"
dd if=/dev/urandom of="$key" bs=1024 count=1 status=none
chown munge:munge "$key"
chmod 0400 "$key"
mkdir -p /run/munge && chown munge:munge /run/munge
socket="$work/munge/munge.socket"
runuser -u munge -- munged --key-file="$key" --socket="$socket" --pid-file="$work/munge/munged.pid" \
    --log-file="$work/munge/munged.log" --seed-file="$work/munge/munged.seed" --force

host="$(hostname -s)"
node="$(slurmd -C | head -n 1 | sed -e "s/^NodeName=[^ ]*/NodeName=$host/" -e 's/ RealMemory=[0-9]*//')"
export SLURM_CONF="$work/slurm.conf"
cat >"$SLURM_CONF" <<CONF
ClusterName=cwsimtest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
SlurmctldPort=${SLURMCTLD_PORT:-6817}
SlurmdPort=${SLURMD_PORT:-6818}
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -i
slurmd
for _ in $(seq 60); do
    state="$(sinfo -h -N -o %T 2>/dev/null | head -n 1 || true)"
    [ "$state" = idle ] && break
    sleep 1
done
sinfo -N
[ "$state" = idle ] || { echo "the node did not become idle (state: '$state'); see $work/*.log" >&2; exit 1; }

# --- the sweep: sharded on Slurm, and locally ------------------------------------------
sweep=("$repo/scenarios/throttle-tuning.toml"
    --set throttling.max_tokens=100,1000 --set throttling.target_latency=50ms,100ms
    --fix simulation.duration=150s --replications 2 --slo-p99 1s)
cd "$work"
submitted="$("$repo/deploy/slurm/submit.sh" "$shards" "$work/parts" "$work/merged" "${sweep[@]}")"
echo "$submitted"
merge_job="${submitted##* }"

start=$SECONDS
while squeue -h -o %i 2>/dev/null | grep -q .; do
    [ $((SECONDS - start)) -lt 900 ] || { echo "jobs still queued after 15 minutes" >&2; squeue; exit 1; }
    sleep 2
done
merge_state="$(scontrol show job "$merge_job" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')"
echo "merge job $merge_job: ${merge_state:-gone} after $((SECONDS - start)) s"
ls "$work/parts"
cat "$work"/cwsim-merge-*.out

"$CWSIM" sweep "${sweep[@]}" --out "$work/local" --quiet
if diff -r "$work/local" "$work/merged"; then
    echo "PASS: the merge of $shards Slurm shards equals the local sweep byte for byte ($(find "$work/local" -type f | wc -l) files)"
else
    echo "FAIL: the merged outputs differ from the local sweep's" >&2
    exit 1
fi

#!/usr/bin/env bash
# A one-machine Slurm cluster for tests, from Debian's packages (slurmctld, slurmd, munge): this
# machine is its one node; no cgroups (proctrack/linuxproc, task/none); key, state, spool and logs
# under a temporary directory; everything stopped again when the command ends. Credentials expire
# after 10 s (cred_expire), so a requeued job waits 11 s to start again instead of 121.
#
#   tests/slurm/slurm_cluster.sh COMMAND [ARGS...]
#
# runs COMMAND with SLURM_CONF pointing at the cluster (sbatch, srun, squeue, scancel, scontrol
# then talk to it) and SLURM_TEST_DIR at its directory, and exits with COMMAND's code. Exit 77
# (ctest's SKIP_RETURN_CODE) with a message when the packages are missing and cannot be installed
# (scripts/setup.sh installs them), or when the daemons cannot run here (not root).
set -euo pipefail

skip() { echo "SKIP: $*" >&2; exit 77; }
[ $# -ge 1 ] || { echo "usage: $0 COMMAND [ARGS...]" >&2; exit 2; }
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null ||
   ! command -v sbatch >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      slurmctld slurmd slurm-client munge >/dev/null 2>&1 || true
  fi
  command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null ||
    skip "Slurm (slurmctld, slurmd, slurm-client) and munge are not installed and could not be" \
         "installed: run scripts/setup.sh as root (it installs them from Debian's packages)"
fi
# SlurmUser=root keeps the test free of user set-up; slurmd must be root to start jobs anyway.
[ "$(id -u)" = 0 ] || skip "a test Slurm cluster needs root (slurmd runs jobs as their user)"

dir=$(mktemp -d /tmp/scalelab_slurm.XXXXXX)
mkdir -p "$dir"/{state,spool,log,munge}
node=$(hostname -s)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ctld_port=$(free_port); slurmd_port=$(free_port)
# The node's real CPUs: nproc alone honours OMP_NUM_THREADS (ctest runs with it set to 1), and a node
# declared with 1 CPU never starts a 2-task job (it stays pending, "PartitionConfig").
cpus=$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)
mem_mb=$(awk '/MemTotal/ {print int($2 / 1024 * 0.8)}' /proc/meminfo)

cleanup() {
  local pidfile
  for pidfile in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/munged.pid"; do
    [ -s "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
  done
  sleep 1
  for pidfile in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/munged.pid"; do
    [ -s "$pidfile" ] && kill -9 "$(cat "$pidfile")" 2>/dev/null || true
  done
  if [ -n "${SLURM_TEST_KEEP:-}" ]; then echo "slurm_cluster: kept $dir" >&2; else rm -rf "$dir"; fi
}
trap cleanup EXIT

# munge: its own key and socket (munged refuses root without --force).
dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$dir/munge/munge.key"
chmod 700 "$dir/munge"
munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.sock" \
  --pid-file="$dir/munge/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/seed"

cat > "$dir/slurm.conf" <<CONF
ClusterName=scalelabtest
SlurmctldHost=$node
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.sock,cred_expire=10
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=300
KillWait=30
SchedulerParameters=sched_interval=1
NodeName=$node CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf" SLURM_TEST_DIR="$dir"
slurmctld -i -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"

# Ready when the node is idle (up to 60 s).
for _ in $(seq 120); do
  state=$(sinfo -h -n "$node" -o %T 2>/dev/null || true)
  [ "$state" = idle ] && break
  sleep 0.5
done
if [ "${state:-}" != idle ]; then
  echo "slurm_cluster: node $node is '${state:-unknown}', not idle, after 60 s" >&2
  tail -n 20 "$dir"/log/*.log >&2 || true
  exit 1
fi
echo "slurm_cluster: node $node idle ($cpus CPUs, ${mem_mb} MB), conf $SLURM_CONF" >&2
rc=0
"$@" || rc=$?
exit "$rc"

#!/usr/bin/env bash
# A real Slurm cluster of one node on this machine: installs slurm-wlm and munge (apt) where missing, starts munged,
# slurmctld and slurmd on a private configuration, submits `dreamtime batch` as a 4-task job array over 4 tiny
# jobs, waits for it, and checks the 4 run folders and the summary. Prints the array's output for the record.
# Usage: scripts/slurm-test.sh [WORKDIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${1:-$(mktemp -d /tmp/dreamtime-slurm-XXXXXX)}"
mkdir -p "$work"
sudo_=""; [ "$(id -u)" -eq 0 ] || sudo_="sudo"
if ! command -v sbatch >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
  $sudo_ apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq slurm-wlm munge >/dev/null
fi

host="$(hostname -s)"
cpus="$(nproc)"
mem="$(awk '/MemTotal/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)"
user="$(id -un)"
mkdir -p "$work/spool" "$work/state" "$work/munge" "$work/out"
cat > "$work/slurm.conf" <<CONF
ClusterName=dreamtime
SlurmctldHost=$host(127.0.0.1)
SlurmUser=$user
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$work/munge/munge.socket
SlurmctldPort=16817
SlurmdPort=16818
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$work/slurm.conf"

# munge with a key of its own, on a socket of its own
$sudo_ mkdir -p /etc/munge
[ -f "$work/munge/munge.key" ] || dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge/munge.key"
munged --force --key-file="$work/munge/munge.key" --socket="$work/munge/munge.socket" \
  --pid-file="$work/munge/munged.pid" --log-file="$work/munge/munged.log" --seed-file="$work/munge/munged.seed"
cleanup() {
  for p in slurmd slurmctld; do [ -f "$work/$p.pid" ] && kill "$(cat "$work/$p.pid")" 2>/dev/null || true; done
  [ -f "$work/munge/munged.pid" ] && kill "$(cat "$work/munge/munged.pid")" 2>/dev/null || true
}
trap cleanup EXIT
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 60); do
  sinfo -h -o %T 2>/dev/null | grep -qE "^idle" && break
  sleep 1
done
sinfo

# build once, before the tasks share the binaries
"$root/dreamtime" --help >/dev/null
small='"pipeline": "dreamfusion", "iterations": 5, "set": ["stages.0.height=16", "stages.0.width=16",
  "stages.0.representation.mesh_resolution=24", "stages.0.representation.field.hash_levels=4",
  "stages.0.representation.field.log2_table_size=12", "eval_resolution=16", "turntable_frames=2", "turntable_resolution=16",
  "preview_every=0"]'
small="$(echo "$small" | tr -d '\n')"
{
  for p in "a red mushroom" "a snowman" "a chair" "a tall pine tree"; do echo "{\"prompt\": \"$p\", $small}"; done
} > "$work/jobs.jsonl"
batch="$work/out/batch"
start=$(date +%s)
sbatch --wait --array=0-3 --cpus-per-task=1 --job-name=dreamtime-batch --output="$work/out/task-%a.log" \
  --chdir="$root" --wrap "./dreamtime batch $work/jobs.jsonl --out $batch"
echo "array finished in $(( $(date +%s) - start )) s"
for i in 0 1 2 3; do echo "--- task $i"; grep -v '^\[' "$work/out/task-$i.log" | tail -3; done
"$root/dreamtime" batch summarize "$batch"
test "$(find "$batch/jobs" -maxdepth 2 -name metrics.json | wc -l)" -eq 4
test "$(wc -l < "$batch/summary.csv")" -eq 5
cat "$batch/summary.md"
echo "slurm test: 4 of 4 jobs done"

#!/usr/bin/env bash
# Starts a single-host Slurm test cluster for Prescient's Slurm tests and
# prints `export SLURM_CONF=...` for the shell that runs them.
#
#   3 always-on logical nodes (n1-n3, partition `main`) and 2 elastic CLOUD
#   nodes (c1-c2, partition `cloud`, powered up by ResumeProgram, down after
#   SuspendTime), with accounting (slurmdbd + MariaDB) for `sacct`.
#
# Needs root and Debian 12 (Slurm 22.05). Installs its packages with apt on
# first use. Everything lives under $BASE, each daemon with a pid file there
# (scripts/slurm-down.sh stops them). Running it again while the cluster is
# up does nothing but print the export line.
#
# Pitfalls this script handles (found setting it up on this kind of machine):
# - no systemd: a policy-rc.d keeps the packages from starting daemons;
# - munged wants its socket directory mode 711;
# - SlurmctldHost must be `hostname -s`;
# - slurmctld reaches slurmdbd through munge only if AccountingStoragePass
#   names the munge socket (else it looks for the system default socket);
# - several slurmd on one host need SlurmdParameters=config_overrides;
# - slurmctld runs ResumeProgram with fds 0-2 closed, no PATH and signals
#   blocked, so the resume script fixes all three before starting slurmd.
set -euo pipefail
BASE=${BASE:-/tmp/prescient-slurm}
WITH_DBD=${WITH_DBD:-1}
export SLURM_CONF=$BASE/etc/slurm.conf
T0=$(date +%s%N)
ts() { echo "[slurm-up $(( ($(date +%s%N) - T0) / 1000000 )) ms] $*" >&2; }

if [ "$(id -u)" != 0 ]; then
  echo "slurm-up: the Slurm test cluster needs root (it installs packages and runs daemons)" >&2
  exit 2
fi
if [ -f "$BASE/run/slurmctld.pid" ] && kill -0 "$(cat "$BASE/run/slurmctld.pid")" 2>/dev/null \
   && sinfo -h >/dev/null 2>&1; then
  ts "already up"
  echo "export SLURM_CONF=$SLURM_CONF"
  exit 0
fi

PKGS="slurmctld slurmd slurm-client munge"
[ "$WITH_DBD" = 1 ] && PKGS="$PKGS slurmdbd slurm-wlm-mysql-plugin mariadb-server"
missing=""
for p in $PKGS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  [ -e /usr/sbin/policy-rc.d ] || { printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; }
  # Another apt may hold the lock (unattended upgrades on a fresh machine).
  for i in $(seq 1 120); do
    fuser /var/lib/dpkg/lock-frontend >/dev/null 2>&1 || break; sleep 1
  done
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
  ts "installed:$missing"
fi

# A stale half-started cluster from an earlier run is stopped first.
BASE=$BASE bash "$(dirname "$0")/slurm-down.sh" || true
rm -rf "$BASE"
mkdir -p "$BASE"/{munge,etc,spool/ctld,log,run}
for n in n1 n2 n3 c1 c2; do mkdir -p "$BASE/spool/d-$n"; done
chmod 711 "$BASE/munge"
dd if=/dev/urandom of="$BASE/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$BASE/munge/munge.key"
/usr/sbin/munged --key-file="$BASE/munge/munge.key" --socket="$BASE/munge/munge.sock" \
  --pid-file="$BASE/munge/munged.pid" --log-file="$BASE/munge/munged.log" \
  --seed-file="$BASE/munge/munged.seed"
ts "munged up"

if [ "$WITH_DBD" = 1 ]; then
  ACCT="AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort=16819
AccountingStoragePass=$BASE/munge/munge.sock"
else
  ACCT="AccountingStorageType=accounting_storage/none"
fi
HOST=$(hostname -s)
cat > "$BASE/etc/slurm.conf" <<EOF
ClusterName=prescient
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=16817
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$BASE/munge/munge.sock
StateSaveLocation=$BASE/spool/ctld
SlurmdSpoolDir=$BASE/spool/d-%n
SlurmctldPidFile=$BASE/run/slurmctld.pid
SlurmdPidFile=$BASE/run/slurmd-%n.pid
SlurmctldLogFile=$BASE/log/slurmctld.log
SlurmdLogFile=$BASE/log/slurmd-%n.log
ReturnToService=2
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherParams=OverMemoryKill
JobAcctGatherFrequency=task=2
$ACCT
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SlurmdParameters=config_overrides
KillWait=5
MinJobAge=300
NodeName=n1 NodeHostname=$HOST NodeAddr=127.0.0.1 Port=17001 CPUs=2 RealMemory=4000 Features=avx2
NodeName=n2 NodeHostname=$HOST NodeAddr=127.0.0.1 Port=17002 CPUs=2 RealMemory=4000 Features=avx2
NodeName=n3 NodeHostname=$HOST NodeAddr=127.0.0.1 Port=17003 CPUs=2 RealMemory=8000 Features=highmem
NodeName=c1 NodeHostname=$HOST NodeAddr=127.0.0.1 Port=17011 CPUs=4 RealMemory=8000 Features=cloud State=CLOUD
NodeName=c2 NodeHostname=$HOST NodeAddr=127.0.0.1 Port=17012 CPUs=4 RealMemory=8000 Features=cloud State=CLOUD
PartitionName=main  Nodes=n[1-3] Default=YES MaxTime=60 State=UP
PartitionName=cloud Nodes=c[1-2] MaxTime=60 State=UP
ResumeProgram=$BASE/etc/resume.sh
SuspendProgram=$BASE/etc/suspend.sh
SuspendTime=20
SuspendExcNodes=n[1-3]
SuspendTimeout=15
ResumeTimeout=60
TreeWidth=65533
EOF

cat > "$BASE/etc/resume.sh" <<EOF
#!/bin/bash
export SLURM_CONF=$BASE/etc/slurm.conf PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
cd /
exec </dev/null >>$BASE/log/power.log 2>&1
echo "\$(date +%T) resume \$*"
# slurmd -b reports its boot time in whole seconds; one that falls in the
# second of the power-up request is taken for a node that has not rebooted
# yet, and the node is marked down after ResumeTimeout (seen once: the
# registration with Uptime=1). A second's wait puts the boot after it.
sleep 1
for n in \$(scontrol show hostnames "\$1"); do
  /usr/bin/python3 -c 'import os,signal,sys
signal.pthread_sigmask(signal.SIG_SETMASK, [])
os.setsid()
os.execv("/usr/sbin/slurmd", ["slurmd", "-N", sys.argv[1], "-b"])' "\$n"
done
EOF
cat > "$BASE/etc/suspend.sh" <<EOF
#!/bin/bash
export SLURM_CONF=$BASE/etc/slurm.conf PATH=/usr/sbin:/usr/bin:/sbin:/bin
cd /
exec </dev/null >>$BASE/log/power.log 2>&1
echo "\$(date +%T) suspend \$*"
for n in \$(scontrol show hostnames "\$1"); do
  f=$BASE/run/slurmd-\$n.pid
  [ -f "\$f" ] && kill "\$(cat "\$f")" && rm -f "\$f"
done
EOF
chmod 755 "$BASE/etc/resume.sh" "$BASE/etc/suspend.sh"

if [ "$WITH_DBD" = 1 ]; then
  mariadb-install-db --user=root --datadir="$BASE/mariadb" --auth-root-authentication-method=socket \
    >"$BASE/log/mariadb-install.log" 2>&1
  setsid /usr/sbin/mariadbd --no-defaults --user=root --datadir="$BASE/mariadb" \
    --socket="$BASE/run/mysqld.sock" --pid-file="$BASE/run/mariadbd.pid" --bind-address=127.0.0.1 \
    --port=13306 --log-error="$BASE/log/mariadb.log" --innodb-buffer-pool-size=64M \
    </dev/null >/dev/null 2>&1 &
  for i in $(seq 1 200); do [ -S "$BASE/run/mysqld.sock" ] && break; sleep 0.1; done
  mariadb --socket="$BASE/run/mysqld.sock" -u root -e "CREATE DATABASE slurm_acct_db;
    CREATE USER 'slurm'@'localhost' IDENTIFIED BY 'slurmpw';
    GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost';"
  cat > "$BASE/etc/slurmdbd.conf" <<EOF
AuthType=auth/munge
AuthInfo=socket=$BASE/munge/munge.sock
DbdHost=localhost
DbdAddr=127.0.0.1
DbdPort=16819
SlurmUser=root
LogFile=$BASE/log/slurmdbd.log
PidFile=$BASE/run/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=13306
StorageUser=slurm
StoragePass=slurmpw
StorageLoc=slurm_acct_db
EOF
  chmod 600 "$BASE/etc/slurmdbd.conf"
  slurmdbd
  for i in $(seq 1 200); do ss -ltn | grep -q ':16819 ' && break; sleep 0.1; done
  ts "accounting up"
fi

slurmctld -i
for n in n1 n2 n3; do slurmd -N $n; done
for i in $(seq 1 150); do
  [ "$(sinfo -h -p main -t idle -o %D 2>/dev/null)" = 3 ] && break; sleep 0.2
done
if [ "$(sinfo -h -p main -t idle -o %D 2>/dev/null)" != 3 ]; then
  echo "slurm-up: the nodes did not come up; see $BASE/log" >&2
  sinfo >&2 || true
  exit 1
fi
if [ "$WITH_DBD" = 1 ]; then
  sacctmgr -i add account research >/dev/null
  sacctmgr -i add user root account=research >/dev/null
fi
ts "up: $(sinfo -h -o '%P:%D:%T' | tr '\n' ' ')"
echo "export SLURM_CONF=$SLURM_CONF"

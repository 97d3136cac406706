#!/usr/bin/env bash
# Fleet benchmark: N hosts, each a private sshd on its own loopback address (127.0.0.2 …) with
# its own host key, repository clone and releases folder. Two releases are deployed to every
# host, then the emergency playbook (contrib/ansible/emergency.yml) takes the whole fleet back
# with `switch previous --mark-bad`, timed: cold (no connection open), warm (connections left
# open by warm.yml, with as many forks as hosts and with 25), cold with curve25519, and, for
# comparison, parallel-ssh (from the distribution's pssh) over warm connections, Ansible with
# Mitogen's strategy (when ansible_mitogen is importable) and the batched rollback playbook.
# Controller CPU counts the engine's process tree and the ssh master processes (the hosts' sshd
# work is not the controller's). Each timed case runs RUNS times from the same state; the median is printed.
#
#   N=100 RUNS=3 FASTREVERT_BIN=target/release/git-fastrevert bash contrib/ansible/test/fleet.sh
#
# Needs root (sshd, and a deploy user it creates once: fastrevert-fleet, shell /bin/sh, so that
# a login runs no shell start-up files, as on a host's deploy account), /usr/sbin/sshd, ssh,
# ansible-playbook, parallel-ssh (optional) and python3.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$here/../.." && pwd)
N=${N:-100}
RUNS=${RUNS:-3}
bin=${FASTREVERT_BIN:-$root/target/release/git-fastrevert}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
[ "$N" -ge 1 ] && [ "$N" -le 250 ] || { echo "N must be 1..250" >&2; exit 2; }
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  # Masters left by ControlPersist.
  pkill -f "$work/cp" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

user=fastrevert-fleet
if ! id "$user" >/dev/null 2>&1; then
  useradd --system --shell /bin/sh --home-dir / --no-create-home "$user"
fi
chmod 755 "$work"
# A home of this run's (Ansible's modules need one); not locked (sshd refuses the keys of a
# locked account), no password either.
mkdir -p "$work/home"
chown "$user:" "$work/home"
# The user is this benchmark's alone: whatever an interrupted run left under it goes.
pkill -u "$user" 2>/dev/null || true
sleep 0.2
usermod -d "$work/home" -p '*' "$user"
mkdir -p "$work/bin"
cp "$bin" "$work/bin/git-fastrevert"
bin=$work/bin/git-fastrevert
# As the hosts' deploy user: the repositories and releases are theirs.
as_user() { runuser -u "$user" -- env GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 "$@"; }

export GIT_CONFIG_GLOBAL=$work/gitconfig GIT_CONFIG_NOSYSTEM=1
git config --global user.name "Deploy Bot"
git config --global user.email deploy@example.com
git config --global init.defaultBranch main

echo "== $N hosts"
ssh-keygen -q -t ed25519 -N '' -f "$work/id"
mkdir -p /run/sshd "$work/cp"
chmod 700 "$work/cp"
: >"$work/known_hosts"

git init -q --bare "$work/remote.git"
git clone -q "$work/remote.git" "$work/src" 2>/dev/null
for v in 1 2; do
  echo "v$v" >"$work/src/app.txt"
  git -C "$work/src" add app.txt
  git -C "$work/src" commit -qm "Version $v"
  git -C "$work/src" tag "v$v"
done
git -C "$work/src" push -q origin main v1 v2
mkdir -p "$work/hosts"
chown -R "$user:" "$work/remote.git" "$work/hosts"
v1=$(git -C "$work/src" rev-parse v1^{commit})
v2=$(git -C "$work/src" rev-parse v2^{commit})

inventory=$work/inventory.ini
{
  echo "[app]"
  for i in $(seq 1 "$N"); do
    h=h$i
    ip=127.0.0.$((i + 1))
    d=$work/hosts/$ip
    as_user mkdir -p "$d/releases"
    ssh-keygen -q -t ed25519 -N '' -f "$d/hostkey"
    cat >"$d/sshd_config" <<CFG
ListenAddress $ip:2222
HostKey $d/hostkey
PidFile $d/sshd.pid
AuthorizedKeysFile $work/id.pub
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
LogLevel ERROR
MaxStartups 200
MaxSessions 50
CFG
    /usr/sbin/sshd -f "$d/sshd_config" -E "$d/sshd.log"
    echo "[$ip]:2222 $(cut -d' ' -f1,2 "$d/hostkey.pub")" >>"$work/known_hosts"
    as_user git clone -q "$work/remote.git" "$d/repo"
    echo "$h ansible_host=$ip fastrevert_repo=$d/repo fastrevert_releases=$d/releases"
  done
  cat <<VARS

[app:vars]
ansible_port=2222
ansible_user=$user
ansible_ssh_private_key_file=$work/id
ansible_python_interpreter=/usr/bin/python3
fastrevert_bin=$bin
ansible_ssh_common_args=-o UserKnownHostsFile=$work/known_hosts -o StrictHostKeyChecking=yes
VARS
} >"$inventory"
sleep 0.5
for i in $(seq 1 "$N"); do pids+=("$(cat "$work/hosts/127.0.0.$((i + 1))/sshd.pid")"); done

echo "== deploy v1 and v2 to every host (setup, not timed)"
for i in $(seq 1 "$N"); do
  d=$work/hosts/127.0.0.$((i + 1))
  for v in v1 v2; do
    as_user "$bin" -C "$d/repo" deploy --yes --json --releases "$d/releases" -- "$v" >/dev/null
  done
done

# Every host back on v2 with nothing marked bad or held: the state each timed run starts from.
reset_fleet() {
  as_user sh -c '
    work=$1 n=$2 v2=$3
    i=1
    while [ "$i" -le "$n" ]; do
      d=$work/hosts/127.0.0.$((i + 1))
      rm -f "$d/releases/$v2/BAD_RELEASE"
      git -C "$d/repo" for-each-ref --format="delete %(refname)" refs/fastrevert/holds | git -C "$d/repo" update-ref --stdin
      ln -sfn "$d/releases/$v2" "$d/current.new" && mv -T "$d/current.new" "$d/current"
      i=$((i + 1))
    done
    git -C "$work/remote.git" for-each-ref --format="delete %(refname)" refs/fastrevert | git -C "$work/remote.git" update-ref --stdin
  ' reset "$work" "$N" "$v2"
}

all_back() {
  local n=0
  for i in $(seq 1 "$N"); do
    [ "$(basename "$(readlink "$work/hosts/127.0.0.$((i + 1))/current")")" = "$v1" ] && n=$((n + 1))
  done
  [ "$n" = "$N" ] || { echo "only $n of $N hosts on v1" >&2; return 1; }
}

# The receipts land in the working directory.
cd "$work"
export ANSIBLE_CONFIG=$here/ansible.cfg ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0
export ANSIBLE_SSH_CONTROL_PATH_DIR=$work/cp ANSIBLE_LOCAL_TEMP=$work/ansible-tmp
export ANSIBLE_HOST_KEY_CHECKING=True

# Run a command, timed: "wall_s cpu_s" on stdout (CPU of its process tree and of the ssh
# masters under $work/cp that ran meanwhile), its output in $work/last.log.
timed() {
  python3 - "$work" "$@" <<'PY'
import os, subprocess, sys, time
work, cmd = sys.argv[1], sys.argv[2:]
tick = os.sysconf("SC_CLK_TCK")
def masters():
    out = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmdline = open(f"/proc/{pid}/cmdline", "rb").read().decode(errors="replace")
            if "ssh" not in cmdline or f"{work}/cp" not in cmdline or "[mux]" not in cmdline and "ControlPersist" not in cmdline:
                continue
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            out[pid] = (int(fields[11]) + int(fields[12])) / tick
        except OSError:
            pass
    return out
before = masters()
log = open(f"{work}/last.log", "w")
start = time.monotonic()
p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
_, status, ru = os.wait4(p.pid, 0)
wall = time.monotonic() - start
after = masters()
mux = sum(v - before.get(k, 0.0) for k, v in after.items())
print(f"{wall:.2f} {ru.ru_utime + ru.ru_stime + mux:.2f} {os.waitstatus_to_exitcode(status)}")
PY
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

results=$work/results
: >"$results"
# measure LABEL WARMUP CMD...: WARMUP is `cold` (every connection closed first), or a command
# that opens them (run untimed before each timed run).
measure() {
  local label=$1 warmup=$2
  shift 2
  local walls=() cpus=()
  for _ in $(seq 1 "$RUNS"); do
    reset_fleet
    pkill -f "$work/cp" 2>/dev/null || true
    rm -f "$work/cp"/*
    sleep 0.2
    if [ "$warmup" != cold ]; then
      bash -c "$warmup" >/dev/null
      reset_fleet
    fi
    read -r wall cpu code < <(timed "$@")
    [ "$code" = 0 ] || { cat "$work/last.log" >&2; echo "$label: exit $code" >&2; exit 1; }
    all_back
    walls+=("$wall")
    cpus+=("$cpu")
  done
  local w c
  w=$(printf '%s\n' "${walls[@]}" | median)
  c=$(printf '%s\n' "${cpus[@]}" | median)
  printf '| %s | %s | %s | %s | %s |\n' "$label" "$N" "$w" "$c" "$(awk -v c="$c" -v n="$N" 'BEGIN { printf "%.1f", c * 1000 / n }')" | tee -a "$results"
  echo "   runs: ${walls[*]}" >&2
}

if [ -n "${FLEET_HOLD:-}" ]; then
  # Keep the fleet up for experiments: its folder, inventory and keys, until interrupted.
  echo "fleet: $N hosts up in $work (inventory $inventory); interrupt to stop them"
  # In the background: bash runs its EXIT trap on a signal only between commands.
  trap 'exit 130' INT TERM
  sleep infinity &
  wait $!
fi

echo "== timing (median of $RUNS; state reset before each run)"
echo "| how | hosts | wall s | controller CPU s | CPU ms per host |"
echo "|---|---:|---:|---:|---:|"
warm="ansible-playbook -i $inventory $here/warm.yml -f $N"
measure "emergency.yml, cold connections" cold ansible-playbook -i "$inventory" "$here/emergency.yml" -f "$N"
measure "emergency.yml, warm connections" "$warm" ansible-playbook -i "$inventory" "$here/emergency.yml" -f "$N"
fast_kex="-o KexAlgorithms=curve25519-sha256"
measure "emergency.yml, warm connections, 25 forks" "$warm" ansible-playbook -i "$inventory" "$here/emergency.yml" -f 25
measure "emergency.yml, cold, curve25519 key exchange" cold ansible-playbook -i "$inventory" "$here/emergency.yml" -f "$N" \
  -e "fastrevert_ssh_args='$fast_kex'"
if command -v parallel-ssh >/dev/null 2>&1; then
  # The same command on every host (its paths from the address it was reached on), over
  # masters of its own opened by a first `true`.
  awk -v user="$user" '/ansible_host=/ { split($2, a, "="); print user "@" a[2] ":2222" }' "$inventory" >"$work/pssh-hosts"
  ssh_opts="-i $work/id -o UserKnownHostsFile=$work/known_hosts -o ControlMaster=auto -o ControlPath=$work/cp/pssh-%C -o ControlPersist=15m"
  remote='d='"$work"'/hosts/$(echo "$SSH_CONNECTION" | cut -d" " -f3); '"$bin"' -C "$d/repo" switch --json --yes --releases "$d/releases" --mark-bad --no-push -- previous >/dev/null'
  measure "parallel-ssh, warm connections" "parallel-ssh -p $N -t 30 -h $work/pssh-hosts -x '$ssh_opts' true" \
    parallel-ssh -p "$N" -t 30 -h "$work/pssh-hosts" -x "$ssh_opts" "$remote"
fi
mitogen=$(python3 -c 'import ansible_mitogen, os; print(os.path.dirname(ansible_mitogen.__file__))' 2>/dev/null || true)
if [ -n "$mitogen" ]; then
  # Ansible with Mitogen's strategy: its own connections (Python on the hosts), opened per run.
  measure "emergency.yml, Mitogen strategy" cold env ANSIBLE_STRATEGY_PLUGINS="$mitogen/plugins/strategy" \
    ansible-playbook -i "$inventory" "$here/emergency.yml" -f "$N" -e fastrevert_strategy=mitogen_free
fi
measure "rollback.yml (batches of 25%, modules)" cold ansible-playbook -i "$inventory" "$here/rollback.yml" -f "$N"
echo "fleet: done"

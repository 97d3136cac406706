#!/usr/bin/env bash
# The playbooks run for real with ansible-core against a local inventory of three hosts
# (ansible_connection=local, one releases directory each) and a local bare remote: deploy,
# an idempotent re-run, a rollout stopped by a failing health check on one host, a rollback to
# a tag, and its idempotent re-run. Needs ansible-playbook, git and a built git-fastrevert
# (FASTREVERT_BIN, default target/debug/git-fastrevert).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$here/../.." && pwd)
bin=${FASTREVERT_BIN:-$root/target/debug/git-fastrevert}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

export GIT_CONFIG_GLOBAL=$work/gitconfig GIT_CONFIG_NOSYSTEM=1 HOME=$work/home
mkdir -p "$HOME"
git config --global user.name "Test User"
git config --global user.email test@example.com
git config --global init.defaultBranch main
git config --global tag.gpgSign false

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

git init -q --bare "$work/remote.git"
git clone -q "$work/remote.git" "$work/src" 2>/dev/null
echo "v1" >"$work/src/app.txt"
git -C "$work/src" add app.txt
git -C "$work/src" commit -qm "Version 1"
git -C "$work/src" tag v1
echo "v2" >"$work/src/app.txt"
git -C "$work/src" commit -qam "Version 2"
git -C "$work/src" tag v2
git -C "$work/src" push -q origin main v1 v2
git clone -q "$work/remote.git" "$work/repo"
v1=$(git -C "$work/repo" rev-parse v1^{commit})
v2=$(git -C "$work/repo" rev-parse v2^{commit})

for h in web1 web2 web3; do mkdir -p "$work/hosts/$h/releases"; done
touch "$work/web2-healthy"
cat >"$work/inventory.ini" <<INI
[app]
web1 fastrevert_releases=$work/hosts/web1/releases
web2 fastrevert_releases=$work/hosts/web2/releases fastrevert_check="test -e $work/web2-healthy"
web3 fastrevert_releases=$work/hosts/web3/releases

[app:vars]
ansible_connection=local
ansible_python_interpreter=$(command -v python3)
fastrevert_repo=$work/repo
fastrevert_bin=$bin
fastrevert_shared=["log"]
fastrevert_after_switch=["echo \$FASTREVERT_RELEASE >> $work/\$(basename \$(dirname \$FASTREVERT_LINK)).reloads"]
INI

export ANSIBLE_CONFIG=$here/ansible.cfg ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0
export ANSIBLE_LOCAL_TEMP=$work/ansible-tmp ANSIBLE_REMOTE_TEMP=$work/ansible-tmp

# Run a playbook; its output is kept in $work/last.log and its exit code in $rc.
play() {
  set +e
  ansible-playbook -i "$work/inventory.ini" "$@" >"$work/last.log" 2>&1
  rc=$?
  set -e
}

# The PLAY RECAP count of `what` (changed, failed, ...) for a host in the last run; the recap
# of each batch is summed.
recap() {
  awk -v host="$1" -v key="$2" '
    $1 == host && $2 == ":" { for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == key) sum += kv[2] } }
    END { print sum + 0 }' "$work/last.log"
}

live() {
  basename "$(readlink "$work/hosts/$1/current")"
}

expect_recap() { # host key value
  local got
  got=$(recap "$1" "$2")
  [ "$got" = "$3" ] || { cat "$work/last.log" >&2; fail "$1: $2=$got, expected $3"; }
}

echo "== deploy v1 to the fleet, one host per batch"
play "$here/deploy.yml" -e fastrevert_revision=v1 -e fastrevert_serial=1
[ "$rc" = 0 ] || { cat "$work/last.log" >&2; fail "deploy v1 exited $rc"; }
for h in web1 web2 web3; do
  expect_recap "$h" changed 1
  [ "$(live "$h")" = "$v1" ] || fail "$h is not on v1"
  [ -L "$work/hosts/$h/releases/$v1/log" ] || fail "$h: log is not a shared path"
  grep -qx "$v1" "$work/$h.reloads" || fail "$h: the after-switch hook did not run with the release id"
done

echo "== the same again: nothing changes"
play "$here/deploy.yml" -e fastrevert_revision=v1 -e fastrevert_serial=1
[ "$rc" = 0 ] || { cat "$work/last.log" >&2; fail "re-run exited $rc"; }
for h in web1 web2 web3; do expect_recap "$h" changed 0; done

echo "== deploy v2: web2's health check fails, the rollout stops there"
rm "$work/web2-healthy"
play "$here/deploy.yml" -e fastrevert_revision=v2 -e fastrevert_serial=1
[ "$rc" != 0 ] || fail "a failed health check did not fail the play"
[ "$(live web1)" = "$v2" ] || fail "web1 (first batch) is not on v2"
[ "$(live web2)" = "$v1" ] || fail "web2 did not flip back to v1"
[ -f "$work/hosts/web2/releases/$v2/BAD_RELEASE" ] || fail "web2's v2 is not marked bad"
[ "$(live web3)" = "$v1" ] || fail "web3 was deployed although the batch before it failed"
[ -e "$work/hosts/web3/releases/$v2" ] && fail "web3 got v2 at all"
expect_recap web2 failed 1
grep -q "flipped back\|marked bad" "$work/last.log" || { cat "$work/last.log" >&2; fail "the failure does not say what happened"; }

echo "== v2 again: web2's failed check held its commits; the held deploy stops the rollout"
git -C "$work/remote.git" rev-parse --verify -q "refs/fastrevert/holds/$v2" >/dev/null || fail "the hold on v2 is not on the remote"
play "$here/deploy.yml" -e fastrevert_revision=v2 -e fastrevert_serial=1
[ "$rc" != 0 ] || fail "a held revision was deployed"
expect_recap web1 failed 0
expect_recap web2 failed 1
[ "$(live web1)" = "$v2" ] || fail "web1 (already on v2) moved"
[ "$(live web2)" = "$v1" ] || fail "web2 left v1"
[ "$(live web3)" = "$v1" ] || fail "web3 was deployed after the batch before it failed"
[ -e "$work/hosts/web3/releases/$v2" ] && fail "web3 got v2 at all"
grep -q "held since" "$work/last.log" || { cat "$work/last.log" >&2; fail "the refusal does not name the hold"; }

echo "== roll the fleet back to v1"
touch "$work/web2-healthy"
play "$here/rollback.yml" -e fastrevert_release=v1 -e fastrevert_serial=1
[ "$rc" = 0 ] || { cat "$work/last.log" >&2; fail "rollback exited $rc"; }
expect_recap web1 changed 1
expect_recap web2 changed 0
expect_recap web3 changed 0
for h in web1 web2 web3; do [ "$(live "$h")" = "$v1" ] || fail "$h is not back on v1"; done

echo "== the rollback again: nothing changes"
play "$here/rollback.yml" -e fastrevert_release=v1
[ "$rc" = 0 ] || { cat "$work/last.log" >&2; fail "rollback re-run exited $rc"; }
for h in web1 web2 web3; do expect_recap "$h" changed 0; done

echo "== switching web2 to its bad release needs --force"
play "$here/switch.yml" -e fastrevert_release=v2 --limit web2
[ "$rc" != 0 ] || fail "web2 switched to a release marked bad"
[ "$(live web2)" = "$v1" ] || fail "web2 left v1"

echo "== v3 forced out over the hold, then the incident: back, held, reverted once"
echo "v3" >"$work/src/app.txt"
git -C "$work/src" commit -qam "Version 3"
git -C "$work/src" push -q origin main
v3=$(git -C "$work/src" rev-parse HEAD)
# One fork: the three hosts share one clone here, and two fetches into one clone race for its refs.
play "$here/deploy.yml" -e fastrevert_revision="$v3" -e fastrevert_serial=3 -e '{"fastrevert_extra_args": ["--force"]}' -f 1
[ "$rc" = 0 ] || { cat "$work/last.log" >&2; fail "the forced deploy of v3 exited $rc"; }
for h in web1 web2 web3; do [ "$(live "$h")" = "$v3" ] || fail "$h is not on v3"; done
# The revert is a commit: the deploying clone needs a git identity (the role says so).
git -C "$work/repo" config user.name "Deploy Bot"
git -C "$work/repo" config user.email deploy@example.com
play "$here/rollback.yml" -e '{"fastrevert_revert": true, "fastrevert_reason": "v3 broke", "fastrevert_serial": 3}'
[ "$rc" = 0 ] || { cat "$work/last.log" >&2; fail "the incident rollback exited $rc"; }
for h in web1 web2 web3; do
  [ "$(live "$h")" = "$v1" ] || fail "$h is not back on v1"
  [ -f "$work/hosts/$h/releases/$v3/BAD_RELEASE" ] || fail "$h: v3 is not marked bad"
done
git -C "$work/remote.git" rev-parse --verify -q "refs/fastrevert/holds/$v3" >/dev/null || fail "the hold on v3 is not on the remote"
branches=$(git -C "$work/remote.git" for-each-ref --format='%(refname:short)' 'refs/heads/revert-*' | wc -l)
[ "$branches" = 1 ] || fail "$branches revert branches, expected one for the fleet"
git -C "$work/remote.git" log -1 --format=%B 'refs/heads/revert-*' 2>/dev/null | grep -q "Revert-Reason: v3 broke" ||
  git -C "$work/remote.git" for-each-ref --format='%(contents)' 'refs/heads/revert-*' | grep -q "Revert-Reason: v3 broke" ||
  fail "the revert does not carry the reason"

echo "== emergency mode: every host at once, a receipt each"
# f1 goes back to v1; f2 marked v1 bad (refused); f3 is on v1 already; f4 cannot be reached.
for h in f1 f2 f3; do
  mkdir -p "$work/hosts/$h/releases"
  git clone -q "$work/remote.git" "$work/hosts/$h/repo"
done
fr() { "$bin" -C "$work/hosts/$1/repo" "${@:2}" --yes --releases "$work/hosts/$1/releases" >/dev/null; }
# v2 is held since web2's failed check: forced, as the earlier rollout was.
for h in f1 f2; do fr "$h" deploy v1; fr "$h" deploy --force v2; done
fr f2 switch --force "$v1"
fr f2 switch --force --no-push --mark-bad "$v2"
fr f3 deploy v1
cat >"$work/fleet.ini" <<INI
[fleet]
f1 fastrevert_repo=$work/hosts/f1/repo fastrevert_releases=$work/hosts/f1/releases ansible_connection=local
f2 fastrevert_repo=$work/hosts/f2/repo fastrevert_releases=$work/hosts/f2/releases ansible_connection=local
f3 fastrevert_repo=$work/hosts/f3/repo fastrevert_releases=$work/hosts/f3/releases ansible_connection=local
f4 ansible_host=127.0.0.1 ansible_port=9 ansible_connection=ssh ansible_ssh_common_args="-o ConnectTimeout=3"

[fleet:vars]
ansible_python_interpreter=$(command -v python3)
fastrevert_bin=$bin
INI
set +e
(cd "$work" && ansible-playbook -i "$work/fleet.ini" "$here/emergency.yml" -f 10 \
  -e fastrevert_hosts=fleet -e fastrevert_release=v1 >"$work/last.log" 2>&1)
rc=$?
set -e
[ "$rc" != 0 ] || { cat "$work/last.log" >&2; fail "the play succeeded with hosts not back"; }
[ "$(basename "$(readlink "$work/hosts/f1/current")")" = "$v1" ] || fail "f1 is not on v1"
[ "$(basename "$(readlink "$work/hosts/f2/current")")" = "$v2" ] || fail "f2 moved onto its bad release"
receipt() { python3 -c 'import json,sys; r={h["host"]: h for h in json.load(open(sys.argv[1]))["hosts"]}; print(r[sys.argv[2]]["state"] + "|" + r[sys.argv[2]]["why"])' "$work/fastrevert-receipts.json" "$1"; }
[ -f "$work/fastrevert-receipts.json" ] || { cat "$work/last.log" >&2; fail "no receipts file"; }
case "$(receipt f1)" in flipped\|*) ;; *) fail "f1: $(receipt f1)" ;; esac
case "$(receipt f2)" in "refused|"*"marked bad"*) ;; *) fail "f2: $(receipt f2)" ;; esac
case "$(receipt f3)" in "already there|"*) ;; *) fail "f3: $(receipt f3)" ;; esac
case "$(receipt f4)" in unreachable\|*) ;; *) fail "f4: $(receipt f4)" ;; esac
grep -q "2 of 4 hosts back" "$work/last.log" || { cat "$work/last.log" >&2; fail "the summary does not count the hosts back"; }
grep -q "not back: f2, f4" "$work/last.log" || { cat "$work/last.log" >&2; fail "the failure does not name the hosts not back"; }

echo "ansible: all checks passed"

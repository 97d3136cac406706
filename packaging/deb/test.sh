#!/usr/bin/env bash
# Install the package on this machine with dpkg -i, check what a user gets (`git fastrevert
# --help` shows the man page, `man git-fastrevert-revert` works, the completions are where the
# shells load them), and remove it again. Needs root, dpkg and man.
#
#   packaging/deb/test.sh target/debian/git-fastrevert_<version>_<arch>.deb
set -euo pipefail
deb=$1
fail() {
  echo "FAIL: $*" >&2
  dpkg -r git-fastrevert >/dev/null 2>&1 || true
  exit 1
}
if dpkg -s git-fastrevert >/dev/null 2>&1; then
  echo "git-fastrevert is installed already; this test installs and removes it" >&2
  exit 1
fi
dpkg -i "$deb" >/dev/null
trap 'dpkg -r git-fastrevert >/dev/null 2>&1 || true' EXIT
[ "$(command -v git-fastrevert)" = /usr/bin/git-fastrevert ] || fail "git-fastrevert is not /usr/bin/git-fastrevert"
git-fastrevert --version | grep -q "^git-fastrevert " || fail "the installed binary does not run"
# git runs `man git-fastrevert` for an external command's --help.
page=$(MANPAGER=cat MANWIDTH=100 git fastrevert --help 2>&1) || fail "git fastrevert --help failed: $page"
grep -q "git-fastrevert" <<<"$page" || fail "git fastrevert --help does not show the man page: $page"
grep -qi "revert" <<<"$(MANPAGER=cat man git-fastrevert-revert 2>&1)" || fail "man git-fastrevert-revert shows nothing"
for f in /usr/share/bash-completion/completions/git-fastrevert \
  /usr/share/zsh/vendor-completions/_git-fastrevert \
  /usr/share/fish/vendor_completions.d/git-fastrevert.fish; do
  [ -s "$f" ] || fail "$f is missing"
done
# bash: git's completion loads git-fastrevert's for `git fastrevert <TAB>`.
bash -c 'source /usr/share/bash-completion/completions/git-fastrevert && declare -F _git_fastrevert >/dev/null' ||
  fail "the bash completion does not define _git_fastrevert"
echo "deb: installed, man page and completions in place, removed"

#!/usr/bin/env bash
# The release archive as a user gets it (the binary, man/, completions/, install.sh), installed
# under a temporary prefix with install.sh: `git fastrevert --help` must then open the manual.
#
#   packaging/test-install.sh BINARY
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
binary=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/archive"
install -s -m 0755 "$binary" "$work/archive/git-fastrevert"
cp "$root/packaging/install.sh" "$work/archive/"
cp -r "$root/man" "$root/completions" "$work/archive/"
tar -czf "$work/release.tar.gz" -C "$work/archive" git-fastrevert install.sh man completions
mkdir "$work/unpacked"
tar -xzf "$work/release.tar.gz" -C "$work/unpacked"
# What the action's installer takes out of the same archive: the binary alone.
tar -xzf "$work/release.tar.gz" -C "$work" git-fastrevert
bash "$work/unpacked/install.sh" --prefix "$work/prefix" >/dev/null
export PATH="$work/prefix/bin:$PATH" MANPATH="$work/prefix/share/man:" MANPAGER=cat MANWIDTH=100
page=$(git fastrevert --help 2>&1) || { echo "FAIL: git fastrevert --help: $page" >&2; exit 1; }
grep -q "git-fastrevert" <<<"$page" || { echo "FAIL: no man page: $page" >&2; exit 1; }
[ -s "$work/prefix/share/bash-completion/completions/git-fastrevert" ] || { echo "FAIL: no bash completion" >&2; exit 1; }
echo "archive: install.sh put the binary, manual and completions in place"

#!/usr/bin/env bash
# Install git-fastrevert from a release archive (or a checkout) under a prefix: the binary, its
# man pages (so `git fastrevert --help` opens the manual) and its bash, zsh and fish completions.
#
#   ./install.sh [--prefix DIR]      # default /usr/local
#
# Run from the unpacked archive (git-fastrevert, man/, completions/ side by side) or from a
# checkout after `cargo build --release`.
set -euo pipefail
prefix=/usr/local
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#--prefix=}; shift ;;
    *) echo "usage: install.sh [--prefix DIR]" >&2; exit 2 ;;
  esac
done
here=$(cd "$(dirname "$0")" && pwd)
# An archive has everything beside this script; a checkout has it one level up.
if [ -x "$here/git-fastrevert" ]; then
  root=$here binary=$here/git-fastrevert
else
  root=$(cd "$here/.." && pwd) binary=$root/target/release/git-fastrevert
fi
[ -x "$binary" ] || { echo "no git-fastrevert binary at $binary" >&2; exit 1; }
install -D -m 0755 "$binary" "$prefix/bin/git-fastrevert"
for page in "$root"/man/*.1; do
  install -D -m 0644 "$page" "$prefix/share/man/man1/$(basename "$page")"
done
install -D -m 0644 "$root/completions/git-fastrevert.bash" "$prefix/share/bash-completion/completions/git-fastrevert"
install -D -m 0644 "$root/completions/_git-fastrevert" "$prefix/share/zsh/site-functions/_git-fastrevert"
install -D -m 0644 "$root/completions/git-fastrevert.fish" "$prefix/share/fish/vendor_completions.d/git-fastrevert.fish"
echo "installed git-fastrevert $("$prefix/bin/git-fastrevert" --version | cut -d' ' -f2) under $prefix"

#!/usr/bin/env bash
# Build a Debian package of git-fastrevert: the binary, its man pages (where `man` and
# `git fastrevert --help` find them) and its bash, zsh and fish completions (where the shells
# load them, for `git-fastrevert` and `git fastrevert` alike).
#
#   packaging/deb/build.sh [BINARY]    # default target/release/git-fastrevert
#
# Writes target/debian/git-fastrevert_<version>_<arch>.deb and prints its path. Needs dpkg-deb
# and gzip.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
binary=${1:-$root/target/release/git-fastrevert}
[ -x "$binary" ] || { echo "no binary at $binary: build it first (cargo build --release)" >&2; exit 1; }
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n1)
arch=$(dpkg --print-architecture)
out=$root/target/debian
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

chmod 0755 "$stage"
# Stripped: the symbols are for developers, not for hosts.
install -D -s -m 0755 "$binary" "$stage/usr/bin/git-fastrevert"
for page in "$root"/man/*.1; do
  install -D -m 0644 "$page" "$stage/usr/share/man/man1/$(basename "$page")"
  gzip -9n "$stage/usr/share/man/man1/$(basename "$page")"
done
install -D -m 0644 "$root/completions/git-fastrevert.bash" "$stage/usr/share/bash-completion/completions/git-fastrevert"
install -D -m 0644 "$root/completions/_git-fastrevert" "$stage/usr/share/zsh/vendor-completions/_git-fastrevert"
install -D -m 0644 "$root/completions/git-fastrevert.fish" "$stage/usr/share/fish/vendor_completions.d/git-fastrevert.fish"
install -d "$stage/usr/share/doc/git-fastrevert"
cat >"$stage/usr/share/doc/git-fastrevert/copyright" <<COPYRIGHT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: git-fastrevert
License: MIT or Apache-2.0
COPYRIGHT
install -m 0644 "$root/README.md" "$stage/usr/share/doc/git-fastrevert/README.md"

size=$(du -sk "$stage/usr" | cut -f1)
install -d "$stage/DEBIAN"
cat >"$stage/DEBIAN/control" <<CONTROL
Package: git-fastrevert
Version: $version
Architecture: $arch
Maintainer: git-fastrevert <git-fastrevert@users.noreply.github.com>
Installed-Size: $size
Depends: git, libc6
Recommends: man-db
Section: vcs
Priority: optional
Homepage: https://github.com/git-fastrevert/git-fastrevert
Description: revert, roll back and snapshot production branches fast
 git fastrevert reverts commits, ranges and merged pull requests in memory, rolls a
 branch back to a snapshot with a restoring commit or a guarded reset, opens the pull
 or merge request, and deploys revisions into release directories behind an atomic
 symlink flip, refusing to roll code back over destructive database migrations.
CONTROL

mkdir -p "$out"
deb=$out/git-fastrevert_${version}_${arch}.deb
dpkg-deb --root-owner-group --build "$stage" "$deb" >/dev/null
echo "$deb"

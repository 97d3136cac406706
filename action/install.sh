#!/usr/bin/env bash
# Put git-fastrevert on PATH for the following steps: the one already there if it is this
# version, else a release binary whose SHA-256 matches the release's SHA256SUMS, else a build
# from the action's own source (cached). A binary that does not match is never run.
set -euo pipefail
here="${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$here/Cargo.toml" | head -n1)
root="${RUNNER_TOOL_CACHE:-$HOME/.cache}/git-fastrevert/$version"

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

if command -v git-fastrevert >/dev/null 2>&1 && git-fastrevert --version | grep -q " $version\$"; then
  echo "git-fastrevert $version is on PATH"
  exit 0
fi
if [ -x "$root/bin/git-fastrevert" ]; then
  echo "git-fastrevert $version from the cache"
else
  case "${RUNNER_OS:-$(uname -s)}-${RUNNER_ARCH:-$(uname -m)}" in
    Linux-X64 | Linux-x86_64) asset="git-fastrevert-x86_64-unknown-linux-gnu.tar.gz" ;;
    macOS-ARM64 | Darwin-arm64) asset="git-fastrevert-aarch64-apple-darwin.tar.gz" ;;
    macOS-X64 | Darwin-x86_64) asset="git-fastrevert-x86_64-apple-darwin.tar.gz" ;;
    *) asset="" ;;
  esac
  base="${GITHUB_SERVER_URL:-https://github.com}/${FASTREVERT_RELEASE_REPO:-git-fastrevert/git-fastrevert}/releases/download/v$version"
  download=$(mktemp -d)
  trap 'rm -rf "$download"' EXIT
  if [ -n "$asset" ] && curl -fsSL --proto '=https,http' "$base/$asset" -o "$download/$asset" 2>/dev/null; then
    if ! curl -fsSL "$base/SHA256SUMS" -o "$download/SHA256SUMS" 2>/dev/null; then
      echo "::error title=git-fastrevert::the release v$version has $asset but no SHA256SUMS to check it against; refusing to run it"
      exit 1
    fi
    expected=$(awk -v name="$asset" '$2 == name || $2 == "*" name { print $1 }' "$download/SHA256SUMS")
    actual=$(sha256 "$download/$asset")
    if [ -z "$expected" ] || [ "$expected" != "$actual" ]; then
      echo "::error title=git-fastrevert::$asset does not match the release's SHA256SUMS (expected ${expected:-no entry}, got $actual); refusing to run it"
      exit 1
    fi
    mkdir -p "$root/bin"
    tar -xzf "$download/$asset" -C "$root/bin" git-fastrevert
    echo "git-fastrevert $version from the release (SHA-256 $actual)"
  else
    echo "Building git-fastrevert $version from source"
    cargo install --locked --path "$here" --root "$root"
  fi
fi
echo "$root/bin" >>"${GITHUB_PATH:-/dev/null}"
export PATH="$root/bin:$PATH"
git-fastrevert --version

#!/usr/bin/env bash
# Put git-fastrevert on PATH for the following steps: the one already there if it is this
# version, else a release binary, else a build from the action's own source (cached).
set -euo pipefail
here="${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$here/Cargo.toml" | head -n1)
root="${RUNNER_TOOL_CACHE:-$HOME/.cache}/git-fastrevert/$version"

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
  url="${GITHUB_SERVER_URL:-https://github.com}/${FASTREVERT_RELEASE_REPO:-git-fastrevert/git-fastrevert}/releases/download/v$version/$asset"
  mkdir -p "$root/bin"
  if [ -n "$asset" ] && curl -fsSL "$url" -o "$root/release.tar.gz" 2>/dev/null; then
    tar -xzf "$root/release.tar.gz" -C "$root/bin"
    echo "git-fastrevert $version from the release"
  else
    echo "Building git-fastrevert $version from source"
    cargo install --locked --path "$here" --root "$root"
  fi
fi
echo "$root/bin" >>"${GITHUB_PATH:-/dev/null}"
export PATH="$root/bin:$PATH"
git-fastrevert --version

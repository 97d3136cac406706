#!/usr/bin/env bash
# The "already reverted" check on a real history with merge=union in its own tree: every
# first-parent commit of BASE that touched FILE (newest LIMIT; merges against parent 1) is reverted onto BASE by
# git-fastrevert (--dry-run) and by `git revert --no-commit` in a scratch worktree, and the
# outcomes are counted side by side.
#
#   bench/union-check.sh <clone> <base-rev> <file> [limit] [bin]
#   bench/union-check.sh /tmp/flask dbe51dc0^ CHANGES.rst 120 target/release/git-fastrevert
set -euo pipefail
repo=$(cd "$1" && pwd)
base=$2
file=$3
limit=${4:-100}
bin=$(cd "$(dirname "${5:-target/release/git-fastrevert}")" && pwd)/$(basename "${5:-target/release/git-fastrevert}")
git -C "$repo" branch -f union-check-base "$base" >/dev/null
scratch=$(mktemp -d)
trap 'git -C "$repo" worktree remove --force "$scratch/wt" >/dev/null 2>&1 || true; rm -rf "$scratch"; git -C "$repo" branch -D union-check-base >/dev/null 2>&1 || true' EXIT
git -C "$repo" worktree add -q --detach "$scratch/wt" union-check-base
declare -A count
for c in $(git -C "$repo" rev-list --first-parent -n "$limit" union-check-base -- "$file"); do
  out=$("$bin" -C "$repo" --no-fetch --base union-check-base revert "$c" --dry-run --json 2>"$scratch/err") && rc=0 || rc=$?
  if [ "$rc" = 0 ] && grep -q '"reverted":\[\]' <<<"$out"; then ours=already-reverted
  elif [ "$rc" = 0 ]; then ours=reverted
  elif grep -q "because of the merge attributes" "$scratch/err"; then ours=changes-nothing-union
  elif [ "$rc" = 3 ]; then ours=conflict
  else ours="error-$rc"; fi
  git -C "$scratch/wt" reset -q --hard union-check-base
  m=()
  if [ "$(git -C "$repo" rev-list --parents -n1 "$c" | wc -w)" -gt 2 ]; then m=(-m 1); fi
  if git -C "$scratch/wt" revert --no-commit "${m[@]}" "$c" >/dev/null 2>&1; then
    if git -C "$scratch/wt" diff --cached --quiet; then theirs=nothing-to-commit; else theirs=reverted; fi
  else theirs=conflict; fi
  git -C "$scratch/wt" revert --abort >/dev/null 2>&1 || true
  count["$ours / $theirs"]=$(( ${count["$ours / $theirs"]:-0} + 1 ))
done
echo "| git-fastrevert / git revert | commits |"
echo "|---|---:|"
for k in "${!count[@]}"; do echo "| $k | ${count[$k]} |"; done | sort

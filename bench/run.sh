#!/usr/bin/env bash
# Benchmark git-fastrevert against plain git: bench/run.sh [SIZES...]  (default: 10000 100000 1000000)
#
# Builds the release binary and the mkrepo example, makes one repository per size under
# ${BENCH_WORK:-bench/work} (reused when it already exists), times every command with
# bench/timing.py (revert, rollback, check-migrations, switch; deploy at the deploy sizes), then
# check-migrations over a long range on a repository of its own, and appends a section to
# bench/RESULTS.md.
#
# Environment: CARGO_TARGET_DIR (default target/), BENCH_WORK (default bench/work), BENCH_RUNS
# (timed runs per command, default 15), BENCH_WARMUP (default 2), BENCH_SWITCH_RUNS_LARGE (runs of
# switch+revert at >= 1M files, default 5), BENCH_COMMITS (default 500), BENCH_RESULTS (default
# bench/RESULTS.md), BENCH_BIN (time this git-fastrevert binary instead of building one, e.g. an
# older build for an A/B comparison) with BENCH_LABEL (what to call it in the report), and
# BENCH_MKREPO (a built mkrepo: with both set, nothing is built).
# Deploy: BENCH_DEPLOY_SIZES (sizes that also time deploy, default "10000 100000"; "" for none),
# BENCH_DEPLOY_RUNS (default 5), BENCH_DEPLOY_WARMUP (default 1), BENCH_DEPLOY_RUNS_LARGE and
# BENCH_DEPLOY_WARMUP_LARGE (at >= 1M files, default 2 and 0), BENCH_SETTLE (seconds to wait
# after deleting many files before creating many, default 370; see timing.py).
# BENCH_IDLE_WAIT: seconds each timing.py run may wait in all for an idle machine (default 600).
# check-migrations: BENCH_MIGRATIONS (1, or 0 to skip), BENCH_MIG_FILES (default 100000),
# BENCH_MIG_COMMITS (default 1200), BENCH_MIG_RANGE (main~RANGE..main, default 1000).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

SIZES=("$@")
if [ ${#SIZES[@]} -eq 0 ]; then
    SIZES=(10000 100000 1000000)
fi
for n in "${SIZES[@]}"; do
    [[ $n =~ ^[0-9]+$ ]] || { echo "run.sh: size must be a number of files: $n" >&2; exit 2; }
done

WORK=${BENCH_WORK:-bench/work}
case $WORK in /*) ;; *) WORK=$ROOT/$WORK ;; esac
TARGET=${CARGO_TARGET_DIR:-target}
case $TARGET in /*) ;; *) TARGET=$ROOT/$TARGET ;; esac
RESULTS=${BENCH_RESULTS:-bench/RESULTS.md}
RUNS=${BENCH_RUNS:-15}
WARMUP=${BENCH_WARMUP:-2}
SWITCH_RUNS_LARGE=${BENCH_SWITCH_RUNS_LARGE:-5}
COMMITS=${BENCH_COMMITS:-500}
DEPLOY_SIZES=" ${BENCH_DEPLOY_SIZES-10000 100000} "
DEPLOY_RUNS=${BENCH_DEPLOY_RUNS:-5}
DEPLOY_WARMUP=${BENCH_DEPLOY_WARMUP:-1}
DEPLOY_RUNS_LARGE=${BENCH_DEPLOY_RUNS_LARGE:-2}
DEPLOY_WARMUP_LARGE=${BENCH_DEPLOY_WARMUP_LARGE:-0}
SETTLE=${BENCH_SETTLE:-370}
MIGRATIONS=${BENCH_MIGRATIONS:-1}
IDLE_WAIT=${BENCH_IDLE_WAIT:-600}
MIG_FILES=${BENCH_MIG_FILES:-100000}
MIG_COMMITS=${BENCH_MIG_COMMITS:-1200}
MIG_RANGE=${BENCH_MIG_RANGE:-1000}

command -v git >/dev/null || { echo "run.sh: git is required" >&2; exit 1; }
command -v python3 >/dev/null || { echo "run.sh: python3 is required" >&2; exit 1; }

echo "== building (release) into $TARGET"
MKREPO=$TARGET/release/examples/mkrepo
if [ -n "${BENCH_BIN:-}" ] && [ -n "${BENCH_MKREPO:-}" ]; then
    echo "   (nothing to build: BENCH_BIN and BENCH_MKREPO are set)"
    BIN=$(cd "$(dirname "$BENCH_BIN")" && pwd)/$(basename "$BENCH_BIN")
    MKREPO=$(cd "$(dirname "$BENCH_MKREPO")" && pwd)/$(basename "$BENCH_MKREPO")
elif [ -n "${BENCH_BIN:-}" ]; then
    CARGO_TARGET_DIR=$TARGET cargo build --release --example mkrepo
    BIN=$(cd "$(dirname "$BENCH_BIN")" && pwd)/$(basename "$BENCH_BIN")
else
    CARGO_TARGET_DIR=$TARGET cargo build --release --bin git-fastrevert --example mkrepo
    BIN=$TARGET/release/git-fastrevert
fi
LABEL=${BENCH_LABEL:-}
TAG=$(printf '%s' "${LABEL%% *}" | tr -c 'A-Za-z0-9._-' '_')
[ -x "$BIN" ] && [ -x "$MKREPO" ] || { echo "run.sh: build did not produce $BIN and $MKREPO" >&2; exit 1; }

mkdir -p "$WORK"
# mkrepo runs git fast-import and git checkout: keep it independent of the user's config too.
MK_HOME=$(mktemp -d)
# Releases, archives and worktrees go to $WORK/scratch-*; they are deleted at the very end (deleting
# many files just before creating many would slow the next runs down: see SETTLE_S in timing.py).
clean_scratch() {
    local d n found=
    for d in "$WORK"/scratch-*; do
        [ -e "$d" ] || continue
        found=1
        rm -rf "$d"
    done
    if [ -n "$found" ]; then
        sync
        date +%s >"$WORK/.bench-last-mass-delete"
    fi
    for n in "${SIZES[@]}"; do
        [ -d "$WORK/files-$n/.git" ] && git -C "$WORK/files-$n" worktree prune 2>/dev/null
    done
    return 0
}
trap 'rm -rf "$MK_HOME"; clean_scratch' EXIT
: >"$MK_HOME/.gitconfig"
clean_scratch

make_repo() { # DIR FILES COMMITS
    local repo=$1 done_marker=$1.ok start
    if [ -f "$done_marker" ] && [ -d "$repo/.git" ]; then
        echo "== reusing $repo"
    else
        echo "== creating $repo ($2 files, $3 commits)"
        rm -rf "$repo" "$done_marker"
        start=$(date +%s)
        HOME=$MK_HOME XDG_CONFIG_HOME=$MK_HOME/.config GIT_CONFIG_NOSYSTEM=1 \
            "$MKREPO" "$repo" --files "$2" --commits "$3"
        echo "   took $(($(date +%s) - start)) s, $(du -sh "$repo" | cut -f1) on disk"
        touch "$done_marker"
    fi
}

JSONS=()
for n in "${SIZES[@]}"; do
    repo=$WORK/files-$n
    make_repo "$repo" "$n" "$COMMITS"
    switch_runs=$RUNS
    if [ "$n" -ge 1000000 ]; then
        switch_runs=$SWITCH_RUNS_LARGE
    fi
    deploy_runs=0
    deploy_warmup=$DEPLOY_WARMUP
    if [[ $DEPLOY_SIZES == *" $n "* ]]; then
        deploy_runs=$DEPLOY_RUNS
        if [ "$n" -ge 1000000 ]; then
            # Every output is kept until the end (~4 GB each at 1M files): few runs.
            deploy_runs=$DEPLOY_RUNS_LARGE
            deploy_warmup=$DEPLOY_WARMUP_LARGE
        fi
    fi
    echo "== timing $n files"
    out=$WORK/results-$n${TAG:+-$TAG}.json
    python3 bench/timing.py run --repo "$repo" --bin "$BIN" --files "$n" --out "$out" \
        --runs "$RUNS" --warmup "$WARMUP" --switch-runs "$switch_runs" --idle-wait "$IDLE_WAIT" \
        --deploy-runs "$deploy_runs" --deploy-warmup "$deploy_warmup" \
        --scratch "$WORK/scratch-files-$n" --defer-delete --settle "$SETTLE"
    JSONS+=("$out")
done

if [ "$MIGRATIONS" = 1 ]; then
    repo=$WORK/files-$MIG_FILES-c$MIG_COMMITS
    make_repo "$repo" "$MIG_FILES" "$MIG_COMMITS"
    echo "== timing check-migrations main~$MIG_RANGE..main on $repo"
    out=$WORK/results-$MIG_FILES-c$MIG_COMMITS${TAG:+-$TAG}.json
    python3 bench/timing.py run --suite migrations --repo "$repo" --bin "$BIN" --files "$MIG_FILES" \
        --out "$out" --runs "$RUNS" --warmup "$WARMUP" --range "$MIG_RANGE" --idle-wait "$IDLE_WAIT"
    JSONS+=("$out")
fi

python3 bench/timing.py report "${JSONS[@]}" --markdown "$RESULTS" --append ${LABEL:+--label "$LABEL"}
echo "== done: $RESULTS"

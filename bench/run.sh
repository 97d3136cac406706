#!/usr/bin/env bash
# Benchmark git-fastrevert against plain git: bench/run.sh [SIZES...]  (default: 10000 100000 1000000)
#
# Builds the release binary and the mkrepo example, makes one repository per size under
# ${BENCH_WORK:-bench/work} (reused when it already exists), times every command with
# bench/timing.py and appends a section to bench/RESULTS.md.
#
# Environment: CARGO_TARGET_DIR (default target/), BENCH_WORK (default bench/work), BENCH_RUNS
# (timed runs per command, default 15), BENCH_WARMUP (default 2), BENCH_SWITCH_RUNS_LARGE (runs of
# switch+revert at >= 1M files, default 5), BENCH_COMMITS (default 500), BENCH_RESULTS (default
# bench/RESULTS.md), BENCH_BIN (time this git-fastrevert binary instead of building one, e.g. an
# older build for an A/B comparison) with BENCH_LABEL (what to call it in the report).
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

command -v git >/dev/null || { echo "run.sh: git is required" >&2; exit 1; }
command -v python3 >/dev/null || { echo "run.sh: python3 is required" >&2; exit 1; }

echo "== building (release) into $TARGET"
if [ -n "${BENCH_BIN:-}" ]; then
    CARGO_TARGET_DIR=$TARGET cargo build --release --example mkrepo
    BIN=$(cd "$(dirname "$BENCH_BIN")" && pwd)/$(basename "$BENCH_BIN")
else
    CARGO_TARGET_DIR=$TARGET cargo build --release --bin git-fastrevert --example mkrepo
    BIN=$TARGET/release/git-fastrevert
fi
LABEL=${BENCH_LABEL:-}
TAG=$(printf '%s' "${LABEL%% *}" | tr -c 'A-Za-z0-9._-' '_')
MKREPO=$TARGET/release/examples/mkrepo
[ -x "$BIN" ] && [ -x "$MKREPO" ] || { echo "run.sh: build did not produce $BIN and $MKREPO" >&2; exit 1; }

mkdir -p "$WORK"
# mkrepo runs git fast-import and git checkout: keep it independent of the user's config too.
MK_HOME=$(mktemp -d)
trap 'rm -rf "$MK_HOME"' EXIT
: >"$MK_HOME/.gitconfig"

JSONS=()
for n in "${SIZES[@]}"; do
    repo=$WORK/files-$n
    done_marker=$WORK/files-$n.ok
    if [ -f "$done_marker" ] && [ -d "$repo/.git" ]; then
        echo "== reusing $repo"
    else
        echo "== creating $repo ($n files, $COMMITS commits)"
        rm -rf "$repo" "$done_marker"
        start=$(date +%s)
        HOME=$MK_HOME XDG_CONFIG_HOME=$MK_HOME/.config GIT_CONFIG_NOSYSTEM=1 \
            "$MKREPO" "$repo" --files "$n" --commits "$COMMITS"
        echo "   took $(($(date +%s) - start)) s, $(du -sh "$repo" | cut -f1) on disk"
        touch "$done_marker"
    fi
    switch_runs=$RUNS
    if [ "$n" -ge 1000000 ]; then
        switch_runs=$SWITCH_RUNS_LARGE
    fi
    echo "== timing $n files"
    out=$WORK/results-$n${TAG:+-$TAG}.json
    python3 bench/timing.py run --repo "$repo" --bin "$BIN" --files "$n" --out "$out" \
        --runs "$RUNS" --warmup "$WARMUP" --switch-runs "$switch_runs"
    JSONS+=("$out")
done

python3 bench/timing.py report "${JSONS[@]}" --markdown "$RESULTS" --append ${LABEL:+--label "$LABEL"}
echo "== done: $RESULTS"

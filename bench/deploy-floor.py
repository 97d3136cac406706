#!/usr/bin/env python3
"""A deploy next to the live release against what it could cost at best, in one interleaved run.

    python3 bench/deploy-floor.py --bin target/release/git-fastrevert --repo /tmp/r100k \\
        [--rounds 7] [--scratch /tmp/deploy-floor]

The repository's `main~1` is live; every command below makes the release of `main` from it, as
a whole process, and is timed in turn with the others, round after round (each with its own
untimed preparation):

- ours: `git fastrevert deploy main` with `main~1` live: unchanged files hard-linked from the
  live release while its manifest says they are as deployed, changed files written, one
  `syncfs` at the end;
- archive: `git archive main | tar -x` into an empty directory, then `sync -f`;
- cp -al: the live release copied as hard links, the changed files extracted over it, then
  `sync -f`;
- floor: a C program that only creates the directories and hard-links every file of the live
  release (the list of paths made beforehand, untimed), then `syncfs`: no check, no git, no
  new content.

Prints medians (and min-max) of wall and CPU seconds and the ratio of each to the floor, as
Markdown. Needs cc and GNU tar.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

FLOOR_C = r"""
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
/* linkall SRC DST LIST: LIST has "d path" and "f path" lines, directories first. */
int main(int argc, char **argv) {
    if (argc != 4) return 2;
    int src = open(argv[1], O_RDONLY | O_DIRECTORY), dst = open(argv[2], O_RDONLY | O_DIRECTORY);
    FILE *list = fopen(argv[3], "r");
    if (src < 0 || dst < 0 || !list) return 1;
    char *line = NULL; size_t cap = 0; ssize_t n;
    while ((n = getline(&line, &cap, list)) > 0) {
        if (line[n - 1] == '\n') line[n - 1] = 0;
        const char *path = line + 2;
        if (line[0] == 'd') { if (mkdirat(dst, path, 0777) != 0) return 1; }
        else if (linkat(src, path, dst, path, 0) != 0) return 1;
    }
    if (syncfs(dst) != 0) return 1;
    return 0;
}
"""


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, **kw)


def timed(cmd):
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{cmd} failed: {err}")
    return wall, usage.ru_utime + usage.ru_stime


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--scratch")
    a = ap.parse_args()
    fr = os.path.abspath(a.bin)
    repo = os.path.abspath(a.repo)
    scratch = a.scratch or tempfile.mkdtemp(prefix="deploy-floor-")
    os.makedirs(scratch, exist_ok=True)
    changed = run(["git", "-C", repo, "diff", "--name-only", "main~1", "main"]).stdout.decode().split()
    files = int(run(["sh", "-c", f"git -C {repo} ls-tree -r main | wc -l"]).stdout)
    floor_bin = os.path.join(scratch, "linkall")
    src = os.path.join(scratch, "linkall.c")
    with open(src, "w") as f:
        f.write(FLOOR_C)
    run(["cc", "-O2", "-o", floor_bin, src])

    # The live release, made once by ours, is the source of cp -al and of the floor.
    live_dir = os.path.join(scratch, "live")
    shutil.rmtree(live_dir, ignore_errors=True)
    os.makedirs(os.path.join(live_dir, "releases"))
    run([fr, "-C", repo, "-q", "deploy", "main~1", "--releases", os.path.join(live_dir, "releases")])
    live = os.path.join(live_dir, "releases", run(["git", "-C", repo, "rev-parse", "main~1"]).stdout.decode().strip())
    listing = os.path.join(scratch, "list")
    with open(listing, "w") as out:
        for root, dirs, names in os.walk(live):
            rel = os.path.relpath(root, live)
            for d in sorted(dirs):
                out.write(f"d {os.path.normpath(os.path.join(rel, d))}\n")
        for root, dirs, names in os.walk(live):
            rel = os.path.relpath(root, live)
            for n in sorted(names):
                if os.path.isfile(os.path.join(root, n)) and not os.path.islink(os.path.join(root, n)):
                    out.write(f"f {os.path.normpath(os.path.join(rel, n))}\n")

    ours_dir = os.path.join(scratch, "ours")
    target = os.path.join(scratch, "target")

    def prepare_ours():
        shutil.rmtree(ours_dir, ignore_errors=True)
        os.makedirs(os.path.join(ours_dir, "releases"))
        run([fr, "-C", repo, "-q", "deploy", "main~1", "--releases", os.path.join(ours_dir, "releases")])

    def prepare_empty():
        subprocess.run(["rm", "-rf", target], check=True)
        os.makedirs(target)

    def prepare_absent():
        subprocess.run(["rm", "-rf", target], check=True)

    quoted_changed = " ".join(f"'{c}'" for c in changed)
    commands = [
        ("ours: deploy main, main~1 live", prepare_ours,
         [fr, "-C", repo, "-q", "deploy", "main", "--releases", os.path.join(ours_dir, "releases"), "--keep", "100"]),
        ("git archive main | tar -x; sync -f", prepare_empty,
         ["sh", "-c", f"git -C {repo} archive main | tar -x -C {target} && sync -f {target}"]),
        ("cp -al live + changed files; sync -f", prepare_absent,
         ["sh", "-c", f"cp -al {live} {target} && git -C {repo} archive main -- {quoted_changed} | tar -x -C {target}"
                      f" && sync -f {target}"]),
        ("floor: mkdir + link every file; syncfs", prepare_empty, [floor_bin, live, target, listing]),
    ]
    results = {name: ([], []) for name, _, _ in commands}
    for _ in range(a.rounds):
        for name, prepare, cmd in commands:
            prepare()
            subprocess.run(["sync"], check=True)
            wall, cpu = timed(cmd)
            results[name][0].append(wall)
            results[name][1].append(cpu)
    floor_wall = statistics.median(results[commands[-1][0]][0])
    floor_cpu = statistics.median(results[commands[-1][0]][1])
    print(f"{files} files, {len(changed)} changed between main~1 and main; {a.rounds} interleaved rounds, "
          f"whole process, seconds (median, min-max)\n")
    print("| command | wall | cpu | wall / floor | cpu / floor |")
    print("|---|---:|---:|---:|---:|")
    for name, _, _ in commands:
        walls, cpus = results[name]
        w, c = statistics.median(walls), statistics.median(cpus)
        print(f"| {name} | {w:.3f} ({min(walls):.3f}-{max(walls):.3f}) | {c:.3f} | "
              f"{w / floor_wall:.2f} | {c / floor_cpu:.2f} |")
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()

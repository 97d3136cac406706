#!/usr/bin/env python3
"""What `list` costs with many tags on a long first-parent line, side by side with git.

    python3 bench/list-cost.py --bin target/release/git-fastrevert [--commits 25000]
        [--files 1000] [--rounds 5] [--scratch /tmp/list-cost]

A repository from ../shared/bench/mkrepo.py (COMMITS commits on main, a tag every 50: 500 tags
at 25,000) is listed, whole process, round after round, in turn with git:

- list: `list --no-fetch`, the base's first-parent line remembered by an earlier run;
- list, first run: the same with the remembered line deleted first;
- git: `git for-each-ref refs/tags` and `git rev-list --first-parent main`, all the data the
  counts need.

Prints medians (min-max) of wall milliseconds as Markdown.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time


def timed(cmd, cwd):
    t0 = time.monotonic()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.monotonic() - t0) * 1000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--commits", type=int, default=25000)
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--scratch", default="/tmp/list-cost")
    args = ap.parse_args()
    binary = os.path.abspath(args.bin)
    here = os.path.dirname(os.path.abspath(__file__))
    mkrepo = os.path.join(here, "..", "..", "shared", "bench", "mkrepo.py")
    shutil.rmtree(args.scratch, ignore_errors=True)
    subprocess.run([sys.executable, mkrepo, args.scratch, "--files", str(args.files),
                    "--commits", str(args.commits)], check=True, capture_output=True)
    repo = args.scratch
    remembered = os.path.join(repo, ".git", "fastrevert", "first-parents")
    tags = subprocess.run(["git", "-C", repo, "tag"], capture_output=True, text=True).stdout.split()
    times = {"list": [], "list, first run": [], "git": []}
    timed([binary, "list", "--no-fetch"], repo)
    for _ in range(args.rounds):
        times["list"].append(timed([binary, "list", "--no-fetch"], repo))
        if os.path.exists(remembered):
            os.remove(remembered)
        times["list, first run"].append(timed([binary, "list", "--no-fetch"], repo))
        t = timed(["git", "for-each-ref", "refs/tags"], repo)
        t += timed(["git", "rev-list", "--first-parent", "main"], repo)
        times["git"].append(t)

    def cell(xs):
        return f"{statistics.median(xs):.0f} ({min(xs):.0f}-{max(xs):.0f})"

    print(f"{len(tags)} tags on {args.commits} first-parent commits, {args.rounds} rounds:\n")
    print("| timed | wall ms, median (min-max) |")
    print("|---|---:|")
    for name, xs in times.items():
        print(f"| {name} | {cell(xs)} |")


if __name__ == "__main__":
    main()

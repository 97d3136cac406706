#!/usr/bin/env python3
"""How long a `switch previous` waits when it starts right after a deploy's flip, while that
deploy prunes many old releases.

    python3 bench/prune-lock.py --bin target/release/git-fastrevert [--files 2000]
        [--releases 120] [--rounds 3] [--scratch /tmp/prune-lock]

A repository from ../shared/bench/mkrepo.py (FILES files) gets RELEASES releases deployed with
`--keep` high enough to keep them all. Then, each round: a `deploy --keep 5` of a new commit
starts (it flips, then prunes RELEASES - 5 releases); as soon as the site's link points at the
new release, a `switch previous` is timed as a whole process, and so is the deploy; then a
`switch previous` with nothing else running, for comparison. The first switch's time is what an
incident would wait at that moment; it includes any wait for the lock.

Prints medians (min-max) of wall milliseconds as Markdown.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time


def run(cmd, cwd=None, check=True):
    return subprocess.run(cmd, cwd=cwd, check=check, capture_output=True, text=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--releases", type=int, default=120)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--scratch", default="/tmp/prune-lock")
    args = ap.parse_args()
    binary = os.path.abspath(args.bin)
    here = os.path.dirname(os.path.abspath(__file__))
    mkrepo = os.path.join(here, "..", "..", "shared", "bench", "mkrepo.py")
    shutil.rmtree(args.scratch, ignore_errors=True)
    os.makedirs(args.scratch)
    repo = os.path.join(args.scratch, "repo")
    commits = args.releases + args.rounds + 5
    run([sys.executable, mkrepo, repo, "--files", str(args.files), "--commits", str(commits)])
    switches, deploys, quiet = [], [], []
    for round_ in range(args.rounds):
        site = os.path.join(args.scratch, f"site{round_}")
        releases = os.path.join(site, "releases")
        os.makedirs(releases)
        fr = [binary, "-C", repo]
        for i in range(args.releases, 0, -1):
            run(fr + ["deploy", f"main~{i + round_ + 1}", "--keep", "1000", "--no-fetch",
                      "--releases", releases])
        target = run(["git", "-C", repo, "rev-parse", f"main~{round_}"]).stdout.strip()
        link = os.path.join(site, "current")
        started = time.monotonic()
        deploy = subprocess.Popen(fr + ["deploy", target, "--keep", "5", "--no-fetch",
                                        "--releases", releases],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while os.path.basename(os.readlink(link)) != target:
            time.sleep(0.001)
        t0 = time.monotonic()
        run(fr + ["switch", "previous", "--releases", releases, "--wait", "120"])
        switches.append((time.monotonic() - t0) * 1000)
        deploy.wait()
        deploys.append((time.monotonic() - started) * 1000)
        t0 = time.monotonic()
        run(fr + ["switch", "previous", "--releases", releases])
        quiet.append((time.monotonic() - t0) * 1000)
        left = len([n for n in os.listdir(releases) if not n.startswith(".")])
        print(f"round {round_ + 1}: switch {switches[-1]:.0f} ms, deploy with prune "
              f"{deploys[-1]:.0f} ms, {left} releases left", file=sys.stderr)
        shutil.rmtree(site)

    def cell(xs):
        return f"{statistics.median(xs):.0f} ({min(xs):.0f}-{max(xs):.0f})"

    print(f"{args.releases} releases of {args.files} files, pruned to 5, {args.rounds} rounds:\n")
    print("| timed | wall ms, median (min-max) |")
    print("|---|---:|")
    print(f"| `switch previous` started right after the deploy's flip | {cell(switches)} |")
    print(f"| `switch previous` with nothing else running | {cell(quiet)} |")
    print(f"| the deploy, flip and prune | {cell(deploys)} |")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""What a hold costs a deploy, in one interleaved run, side by side with git.

    python3 bench/hold-cost.py --bin target/release/git-fastrevert [--files 10000]
        [--commits 2000] [--rounds 9] [--scratch /tmp/hold-cost]

A repository from ../shared/bench/mkrepo.py (FILES files, COMMITS commits on main) is cloned
from a bare remote on disk. Two releases, main~80 and main~70, are deployed once; every timed
deploy then switches between them (an existing release: the manifest check and the flip, no
export), as a whole process, in turn with the others, round after round:

- no hold: `deploy --no-fetch`, no hold refs at all;
- hold, local: a hold on main~10 (50 held commits since main~60) that neither target carries:
  the hold is read and each target checked against the held range (`--no-fetch`);
- hold, synced: the same with the remote's holds fetched first (what a deploy does by default);
- refused: `deploy main`, which carries the held commits: the hold is read, the commits since
  are looked through for reverts (messages, then patch identity), and the deploy is refused;
- git for-each-ref / git fetch: `git for-each-ref refs/fastrevert/holds/` and the holds fetch
  alone (`git fetch --prune origin +refs/fastrevert/holds/*:refs/fastrevert/remote-holds/*`).

Prints medians (min-max) of wall milliseconds as Markdown.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, **kw)


def timed(cmd, expect=0):
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True)
    wall = time.perf_counter() - start
    if proc.returncode != expect:
        sys.exit(f"{cmd} exited {proc.returncode}: {proc.stderr.decode(errors='replace')}")
    return wall * 1000


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--files", type=int, default=10000)
    ap.add_argument("--commits", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--scratch")
    a = ap.parse_args()
    fr = os.path.abspath(a.bin)
    scratch = a.scratch or tempfile.mkdtemp(prefix="hold-cost-")
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(scratch)
    remote = os.path.join(scratch, "remote.git")
    work = os.path.join(scratch, "work")
    mkrepo = os.path.join(HERE, "..", "..", "shared", "bench", "mkrepo.py")
    run([sys.executable, mkrepo, remote, "--files", str(a.files), "--commits", str(a.commits), "--bare"])
    run(["git", "clone", "-q", remote, work])
    for k, v in [("user.name", "Bench"), ("user.email", "bench@example.com")]:
        run(["git", "-C", work, "config", k, v])
    releases = os.path.join(scratch, "site", "releases")
    os.makedirs(releases)
    run(["git", "-C", work, "config", "fastrevert.releases", releases])
    x, y = (run(["git", "-C", work, "rev-parse", r]).stdout.decode().strip() for r in ("main~80", "main~70"))
    for rev in (x, y):
        run([fr, "-C", work, "-q", "--no-fetch", "deploy", rev])

    def deploy(target, fetch):
        cmd = [fr, "-C", work, "-q"] + ([] if fetch else ["--no-fetch"]) + ["deploy", target]
        return cmd

    def add_hold():
        # Deploy main~10 then go back with --mark-bad: a real hold of main~60..main~10 is not
        # what that makes (its good is the live release), so write it by hand as switch would.
        good = run(["git", "-C", work, "rev-parse", "main~60"]).stdout.decode().strip()
        bad = run(["git", "-C", work, "rev-parse", "main~10"]).stdout.decode().strip()
        commits = run(["git", "-C", work, "rev-list", "--first-parent", f"{good}..{bad}"]).stdout.decode().split()
        import json
        record = {"bad": bad, "good": good, "commits": commits, "by": "bench", "host": "bench",
                  "at": int(time.time()), "reason": "bench"}
        message = f"Hold {bad[:7]}: marked bad, back on {good[:7]}\n\n{json.dumps(record, indent=2)}\n"
        empty = run(["git", "-C", work, "hash-object", "-t", "tree", "-w", "--stdin"], input=b"").stdout.decode().strip()
        hold = run(["git", "-C", work, "commit-tree", empty, "-m", message]).stdout.decode().strip()
        run(["git", "-C", work, "update-ref", f"refs/fastrevert/holds/{bad}", hold])
        run(["git", "-C", work, "push", "-q", "origin", f"refs/fastrevert/holds/{bad}"])
        return len(commits)

    cases = {}
    order = []

    def measure(name, cmd, expect=0):
        if name not in cases:
            cases[name] = []
            order.append(name)
        cases[name].append(timed(cmd, expect))

    # y is live; every timed deploy goes to the release that is not.
    live = [y]

    def other():
        live[0] = x if live[0] == y else y
        return live[0]

    # Without holds first, then with: the rounds interleave the cases that share a state.
    for _ in range(a.rounds):
        measure("deploy, no hold", deploy(other(), False))
        measure("git for-each-ref refs/fastrevert/holds/", ["git", "-C", work, "for-each-ref", "refs/fastrevert/holds/"])
    held = add_hold()
    fetch = ["git", "-C", work, "fetch", "-q", "--prune", "origin",
             "+refs/fastrevert/holds/*:refs/fastrevert/remote-holds/*"]
    for _ in range(a.rounds):
        measure(f"deploy, one hold of {held} commits (not carried)", deploy(other(), False))
        measure("deploy, the same with the remote's holds fetched", deploy(other(), True))
        measure("deploy main, refused by the hold", deploy("main", False), expect=4)
        measure("git fetch of the holds alone", fetch)

    print(f"Hold cost at {a.files} files, {a.commits} commits; median (min-max) of {a.rounds} whole-process runs, ms\n")
    print("| case | median | min-max |")
    print("|---|---:|---:|")
    for name in order:
        v = cases[name]
        print(f"| {name} | {statistics.median(v):.1f} | {min(v):.1f}-{max(v):.1f} |")


if __name__ == "__main__":
    main()

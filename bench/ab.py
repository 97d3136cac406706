#!/usr/bin/env python3
"""Two git-fastrevert builds timed against each other on one mkrepo repository, interleaved.

    bench/ab.py --repo bench/work/files-100000 --a OLD_BIN --b NEW_BIN [--runs 31]

Each round runs every command once with each build, the order alternating between rounds, so
that a busy moment of the machine falls on both builds alike; each run is a whole process,
preceded by an untimed reset of what the command creates. Prints a Markdown table of medians
(and git's plumbing for the same revert, timed in the same rounds, as the yardstick).
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import timing  # noqa: E402  (pick_merge, git_out: the harness's own helpers)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repo", required=True)
    p.add_argument("--a", required=True, help="the build to compare against (before)")
    p.add_argument("--b", required=True, help="the build under test (after)")
    p.add_argument("--a-label", default="before")
    p.add_argument("--b-label", default="after")
    p.add_argument("--runs", type=int, default=31)
    a = p.parse_args()
    repo = os.path.abspath(a.repo)
    home = tempfile.mkdtemp()
    with open(os.path.join(home, ".gitconfig"), "w") as f:
        f.write("[user]\n\tname = Bench\n\temail = bench@example.com\n")
    env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"),
               GIT_CONFIG_NOSYSTEM="1", GIT_TERMINAL_PROMPT="0", NO_COLOR="1")
    env.pop("CI", None)
    main_id = timing.git_out(env, repo, "rev-parse", "main")
    newest = timing.git_out(env, repo, "rev-list", "--merges", "-1", "main")
    _, old = timing.pick_merge(env, repo, 20)

    def delete(branch):
        return ["git", "-C", repo, "update-ref", "-d", f"refs/heads/{branch}"]

    def revert(binary, merge):
        return [binary, "-C", repo, "revert", merge, "--no-fetch", "--no-push", "--branch", "bench-ab",
                "--allow-destructive-migrations"]

    def rollback(binary):
        return [binary, "-C", repo, "rollback", "--to", "v1.1.0", "--mode", "commit", "--no-fetch",
                "--no-push", "--branch", "bench-ab", "--allow-destructive-migrations"]

    plumbing = ["sh", "-c",
                f"tree=$(git -C '{repo}' merge-tree --write-tree --merge-base={newest} main {newest}^1) && "
                f"c=$(git -C '{repo}' commit-tree $tree -p main -m bench) && "
                f"git -C '{repo}' update-ref refs/heads/bench-ab $c ''"]
    rows = [
        ("--version", lambda b: [b, "--version"], (0,)),
        ("revert newest merge", lambda b: revert(b, newest), (0,)),
        ("revert old merge (#20)", lambda b: revert(b, old), (0,)),
        ("rollback --to v1.1.0 (commit mode)", rollback, (0,)),
        ("check-migrations v1.1.0..main --json", lambda b: [b, "-C", repo, "check-migrations", "v1.1.0..main", "--json"], (0, 4)),
    ]
    times = {(label, side): [] for label, _, _ in rows for side in ("a", "b")}
    times.update({("git plumbing, newest merge", "git"): []})
    for i in range(a.runs + 2):
        order = [("a", a.a), ("b", a.b)] if i % 2 == 0 else [("b", a.b), ("a", a.a)]
        for label, argv, ok in rows:
            for side, binary in order:
                subprocess.run(delete("bench-ab"), env=env, stderr=subprocess.DEVNULL)
                start = time.perf_counter()
                done = subprocess.run(argv(binary), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                took = (time.perf_counter() - start) * 1000
                if done.returncode not in ok:
                    sys.exit(f"{label} ({side}) exited {done.returncode}: {done.stderr.decode()}")
                if i >= 2:  # two warm-up rounds
                    times[(label, side)].append(took)
        subprocess.run(delete("bench-ab"), env=env, stderr=subprocess.DEVNULL)
        start = time.perf_counter()
        subprocess.run(plumbing, env=env, check=True)
        if i >= 2:
            times[("git plumbing, newest merge", "git")].append((time.perf_counter() - start) * 1000)
    subprocess.run(delete("bench-ab"), env=env, stderr=subprocess.DEVNULL)
    shutil.rmtree(home, ignore_errors=True)
    print(f"{repo} at main {main_id[:10]}, {a.runs} interleaved rounds, medians in ms\n")
    print(f"| command | {a.a_label} | {a.b_label} | {a.b_label} / {a.a_label} |")
    print("|---|---:|---:|---:|")
    for label, _, _ in rows:
        ma = statistics.median(times[(label, "a")])
        mb = statistics.median(times[(label, "b")])
        print(f"| {label} | {ma:.2f} | {mb:.2f} | {mb / ma:.2f} |")
    mg = statistics.median(times[("git plumbing, newest merge", "git")])
    print(f"| git plumbing (merge-tree + commit-tree + update-ref), newest merge | {mg:.2f} | | |")


if __name__ == "__main__":
    main()

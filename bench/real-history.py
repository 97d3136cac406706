#!/usr/bin/env python3
"""Reverts on a real history: git-fastrevert against git's plumbing and porcelain, interleaved.

    python3 bench/real-history.py --bin target/release/git-fastrevert --repo CLONE
        [--seed 1] [--count 10] [--rounds 3] [--scratch /tmp/real-history] [--commit-graph]
        [--kinds recent,deep,conflicting] [--rollback-depth 10000] [--per-commit]

CLONE is any clone (bare is fine); it is cloned again into SCRATCH with a checkout, on its HEAD
branch. With SEED, COUNT commits are picked in each of three kinds (never merges, never a
revert that changes nothing or that the branch already carries):

- recent: among the 300 newest first-parent commits, reverting cleanly on the branch tip;
- deep: more than 2,000 first-parent commits back (or not on the first-parent line),
  reverting cleanly;
- conflicting: anywhere, whose revert conflicts with the tip.

Each round times, per commit, as whole processes and in turn:

- ours: `revert C --no-fetch --no-push --branch bench-ours` (the branch deleted after);
- plumbing: `git merge-tree --write-tree --merge-base=C TIP C^` + `git commit-tree` +
  `git update-ref` (for a conflict, merge-tree alone: it stops there);
- porcelain: `git switch -f -C bench-p TIP` + `git revert --no-edit C` in the checkout (for a
  conflict, then `git revert --abort`).

Before the rounds, the first deep commit is reverted once in the clone without `.git/fastrevert`
(what a first run builds and later runs read), against `git merge-base --is-ancestor` plus the
plumbing.

With --rollback-depth N (10,000 by default, when the first-parent line is that long), a tag N
first parents back is rolled back to (`rollback --to --mode commit --no-push`), its first run
(which walks and remembers the line) apart, against `git commit-tree` + `git update-ref`.

For clean reverts and the rollback, the trees of ours and git's are compared. With --commit-graph, git's
commit-graph is written first (`git commit-graph write --reachable`); without it, any is
removed. Prints, per kind, the median over commits of each commit's median, and the ratios, as
Markdown.
"""

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import time


def git(repo, *args, check=True):
    return subprocess.run(["git", "-C", repo, *args], check=check, capture_output=True, text=True)


def timed(cmd, cwd=None):
    t0 = time.monotonic()
    out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    return (time.monotonic() - t0) * 1000, out


def reverts_cleanly(repo, tip, commit):
    out = git(repo, "merge-tree", "--write-tree", f"--merge-base={commit}", tip, f"{commit}^",
              check=False)
    return out.returncode == 0


def changes_nothing(repo, tip, commit):
    """A clean revert whose tree is the tip's (a union rule swallowed it): git revert stops
    with "nothing to commit", and so does ours."""
    out = git(repo, "merge-tree", "--write-tree", f"--merge-base={commit}", tip, f"{commit}^",
              check=False)
    return out.returncode == 0 and out.stdout.split()[0] == git(repo, "rev-parse", f"{tip}^{{tree}}").stdout.strip()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--scratch", default="/tmp/real-history")
    ap.add_argument("--commit-graph", action="store_true")
    ap.add_argument("--per-commit", action="store_true", help="also print each commit's medians")
    ap.add_argument("--kinds", default="recent,deep,conflicting", help="which kinds to time")
    ap.add_argument("--rollback-depth", type=int, default=10000,
                    help="also time rollback --to a tag this many first parents back (0: not)")
    args = ap.parse_args()
    binary = os.path.abspath(args.bin)
    shutil.rmtree(args.scratch, ignore_errors=True)
    os.makedirs(args.scratch)
    repo = os.path.join(args.scratch, "clone")
    subprocess.run(["git", "clone", "-q", args.repo, repo], check=True)
    branch = git(repo, "symbolic-ref", "--short", "HEAD").stdout.strip()
    tip = git(repo, "rev-parse", "HEAD").stdout.strip()
    info = os.path.join(repo, ".git", "objects", "info")
    for name in ("commit-graph", "commit-graphs"):
        path = os.path.join(info, name)
        if os.path.isdir(path):
            shutil.rmtree(path)
        elif os.path.exists(path):
            os.remove(path)
    if args.commit_graph:
        git(repo, "commit-graph", "write", "--reachable")
    git(repo, "config", "user.name", "Bench")
    git(repo, "config", "user.email", "bench@example.com")

    first_parents = git(repo, "rev-list", "--first-parent", "--no-merges", tip).stdout.split()
    line = set(git(repo, "rev-list", "--first-parent", tip).stdout.split())
    all_commits = git(repo, "rev-list", "--no-merges", tip).stdout.split()
    depth = {c: i for i, c in enumerate(git(repo, "rev-list", "--first-parent", tip).stdout.split())}
    rng = random.Random(args.seed)

    def pick(candidates, want_clean):
        chosen = []
        candidates = list(candidates)
        rng.shuffle(candidates)
        for c in candidates:
            if len(chosen) == args.count:
                break
            # An empty commit's revert is no revert (git revert stops on it, and so does ours).
            if git(repo, "rev-parse", f"{c}^{{tree}}").stdout == git(repo, "rev-parse", f"{c}^^{{tree}}").stdout:
                continue
            if reverts_cleanly(repo, tip, c) != want_clean or changes_nothing(repo, tip, c):
                continue
            # Already reverted on the branch: ours skips it (git would revert it twice).
            dry = subprocess.run([binary, "-C", repo, "revert", c, "--no-fetch", "--dry-run", "--json"],
                                 capture_output=True, text=True)
            if '"skipped":[]' not in dry.stdout.replace(" ", "") and dry.returncode == 0:
                continue
            chosen.append(c)
        return chosen

    wanted = args.kinds.split(",")
    kinds = {
        "recent": lambda: pick(first_parents[:300], True),
        "deep": lambda: pick([c for c in all_commits if c not in line or depth.get(c, 0) > 2000], True),
        "conflicting": lambda: pick(all_commits, False),
    }
    kinds = {k: (f() if k in wanted else []) for k, f in kinds.items()}

    def ours(c):
        ms, out = timed([binary, "-C", repo, "revert", c, "--no-fetch", "--no-push",
                         "--branch", "bench-ours", "--json"])
        tree = None
        if out.returncode == 0:
            made = git(repo, "rev-parse", "bench-ours^{tree}", check=False)
            # Exit 0 without a branch: ours skipped it (already reverted); say so in the table.
            tree = made.stdout.strip() if made.returncode == 0 else f"none: {out.stdout.strip()[:300]}"
        git(repo, "branch", "-q", "-D", "bench-ours", check=False)
        return ms, tree

    def plumbing(c, clean):
        t0 = time.monotonic()
        out = git(repo, "merge-tree", "--write-tree", f"--merge-base={c}", tip, f"{c}^", check=False)
        tree = None
        if clean and out.returncode == 0:
            tree = out.stdout.split()[0]
            made = git(repo, "commit-tree", tree, "-p", tip, "-m", f"Revert {c}").stdout.strip()
            git(repo, "update-ref", "refs/heads/bench-plumbing", made, "")
        ms = (time.monotonic() - t0) * 1000
        git(repo, "update-ref", "-d", "refs/heads/bench-plumbing", check=False)
        return ms, tree

    def porcelain(c):
        git(repo, "switch", "-q", "-f", "-C", "bench-p", tip)
        ms, out = timed(["git", "-C", repo, "revert", "--no-edit", c])
        if out.returncode != 0:
            git(repo, "revert", "--abort", check=False)
        return ms

    times = {k: {c: {"ours": [], "plumbing": [], "porcelain": []} for c in cs} for k, cs in kinds.items()}
    disagree = []

    # The first revert in a clone builds what later runs read from `.git/fastrevert` (the set of
    # the base's commits, the migration index): timed once, apart, on a deep commit, against
    # git's own ancestry check plus the plumbing.
    first_run = None
    if kinds.get("deep"):
        c = kinds["deep"][0]
        shutil.rmtree(os.path.join(repo, ".git", "fastrevert"), ignore_errors=True)
        first_ms, _ = ours(c)
        t0 = time.monotonic()
        git(repo, "merge-base", "--is-ancestor", c, tip, check=False)
        ancestry_ms = (time.monotonic() - t0) * 1000
        plumbing_ms, _ = plumbing(c, True)
        first_run = (c, first_ms, ancestry_ms, plumbing_ms)
    for _ in range(args.rounds):
        for kind, commits in kinds.items():
            for c in commits:
                t, our_tree = ours(c)
                times[kind][c]["ours"].append(t)
                t, git_tree = plumbing(c, kind != "conflicting")
                times[kind][c]["plumbing"].append(t)
                times[kind][c]["porcelain"].append(porcelain(c))
                if kind != "conflicting" and our_tree != git_tree:
                    disagree.append((kind, c, our_tree, git_tree))
    git(repo, "switch", "-q", "-f", branch)

    rollback_rows = []
    fp_line = git(repo, "rev-list", "--first-parent", tip).stdout.split()
    if args.rollback_depth and len(fp_line) > args.rollback_depth:
        target = fp_line[args.rollback_depth]
        git(repo, "tag", "-f", "bench-back", target)
        target_tree = git(repo, "rev-parse", f"{target}^{{tree}}").stdout.strip()

        def rollback_ours():
            ms, out = timed([binary, "-C", repo, "rollback", "--to", "bench-back", "--mode", "commit",
                             "--no-fetch", "--no-push", "--branch", "bench-rb", "--yes", "--json"])
            tree = git(repo, "rev-parse", "bench-rb^{tree}", check=False).stdout.strip()
            git(repo, "branch", "-q", "-D", "bench-rb", check=False)
            return ms, (tree if out.returncode == 0 else out.stderr.strip()[:200])

        def rollback_plumbing():
            t0 = time.monotonic()
            made = git(repo, "commit-tree", target_tree, "-p", tip, "-m", "Roll back").stdout.strip()
            git(repo, "update-ref", "refs/heads/bench-rb-p", made, "")
            ms = (time.monotonic() - t0) * 1000
            git(repo, "update-ref", "-d", "refs/heads/bench-rb-p", check=False)
            return ms

        ours_rb, plumb_rb, first = [], [], None
        for i in range(max(args.rounds, 5)):
            ms, tree = rollback_ours()
            if first is None:
                first = ms
            if tree != target_tree:
                disagree.append(("rollback", target, tree, target_tree))
            ours_rb.append(ms)
            plumb_rb.append(rollback_plumbing())
        rollback_rows = [(args.rollback_depth, first, statistics.median(ours_rb[1:] or ours_rb),
                          statistics.median(plumb_rb))]
        git(repo, "tag", "-d", "bench-back", check=False)

    graph = "with a commit-graph" if args.commit_graph else "without a commit-graph"
    origin = git(args.repo, "config", "--get", "remote.origin.url", check=False).stdout.strip()
    name = os.path.basename(os.path.normpath(args.repo))
    if name in ("repo", ".git"):
        name = os.path.basename(os.path.dirname(os.path.normpath(args.repo)))
    print(f"{name} at `{tip[:12]}` ({branch}), {graph}, "
          f"seed {args.seed}, {args.count} commits a kind, {args.rounds} rounds"
          + (f", from {origin}" if origin else "") + ":\n")
    print("| kind | commits | ours ms | plumbing ms | porcelain ms | ours/plumbing | porcelain/ours |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for kind, per in times.items():
        if not per:
            print(f"| {kind} | 0 | - | - | - | - | - |")
            continue
        med = {w: statistics.median(statistics.median(v[w]) for v in per.values())
               for w in ("ours", "plumbing", "porcelain")}
        print(f"| {kind} | {len(per)} | {med['ours']:.0f} | {med['plumbing']:.0f} | "
              f"{med['porcelain']:.0f} | {med['ours'] / med['plumbing']:.2f} | "
              f"{med['porcelain'] / med['ours']:.2f} |")
    if first_run:
        c, first_ms, ancestry_ms, plumbing_ms = first_run
        print(f"\nFirst revert in this clone (no `.git/fastrevert`), deep commit `{c[:12]}`: "
              f"ours {first_ms:.0f} ms; `git merge-base --is-ancestor` {ancestry_ms:.0f} ms + "
              f"plumbing {plumbing_ms:.0f} ms.")
    for depth, first, ours_ms, plumb_ms in rollback_rows:
        print(f"\n`rollback --to` a tag {depth:,} first parents back (`--mode commit --no-push`): "
              f"first run {first:.0f} ms (walks and remembers the line), then {ours_ms:.1f} ms; "
              f"`git commit-tree` + `git update-ref` {plumb_ms:.1f} ms; "
              f"ratio {ours_ms / plumb_ms:.2f}.")
    if args.per_commit:
        print("\n| kind | commit | ours ms | plumbing ms | porcelain ms |")
        print("|---|---|---:|---:|---:|")
        for kind, per in times.items():
            for c, v in per.items():
                print(f"| {kind} | {c[:12]} | {statistics.median(v['ours']):.1f} | "
                      f"{statistics.median(v['plumbing']):.1f} | {statistics.median(v['porcelain']):.1f} |")
    if disagree:
        print("\nTrees that differ from git's:")
        for kind, c, ours_tree, git_tree in disagree:
            print(f"- {kind} {c[:12]}: ours {ours_tree}, git {git_tree}")
    else:
        print("\nEvery clean revert's tree equals git's.")


if __name__ == "__main__":
    sys.exit(main())

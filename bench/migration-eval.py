#!/usr/bin/env python3
"""The migration guard against a reading by hand: run `check-migrations` over a repository's
whole history, compare each labelled migration's verdict with its label, and print the
confusion matrix and the disagreements as Markdown.

    python3 bench/migration-eval.py --bin target/release/git-fastrevert \\
        --repo /path/to/openstreetmap-website --labels bench/migration-labels/openstreetmap-website.txt

The repository may be bare. Labels: one `<path> destructive|safe` per line (`#` starts a
comment); only labelled migrations are counted. The guard's verdict for a migration is
`refused` (a destructive finding nobody acknowledged), `warned` (something to check by hand)
or `passed` (additive or safe).
"""

import argparse
import json
import subprocess
import sys
import time


def labels(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            file, verdict = line.split()
            if verdict not in ("destructive", "safe"):
                sys.exit(f"{path}: '{verdict}' is neither destructive nor safe")
            out[file] = verdict
    return out


def verdict(migration):
    classes = [f["class"] for f in migration["findings"] if not f.get("acknowledged")]
    # Destructive findings and files the guard cannot read both refuse (exit 4).
    if "destructive" in classes or "unknown" in classes:
        return "refused"
    if "review" in classes:
        return "warned"
    return "passed"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--labels", required=True)
    ap.add_argument("--dialect", default="postgres")
    args = ap.parse_args()

    git = ["git", "-C", args.repo]
    head = subprocess.run(git + ["rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    roots = subprocess.run(git + ["rev-list", "--max-parents=0", "HEAD"], capture_output=True, text=True, check=True).stdout.split()
    # Every migration of the history: from the (last) root commit, which holds none yet.
    command = [args.bin, "-C", args.repo, "check-migrations", f"{roots[-1]}..{head}", "--json", "--dialect", args.dialect]
    started = time.monotonic()
    run = subprocess.run(command, capture_output=True, text=True)
    seconds = time.monotonic() - started
    if run.returncode not in (0, 4):
        sys.exit(f"check-migrations exited {run.returncode}: {run.stderr}")
    report = json.loads(run.stdout)
    by_file = {m["file"]: m for m in report["migrations"]}
    wanted = labels(args.labels)
    missing = sorted(set(wanted) - set(by_file))
    if missing:
        sys.exit(f"labelled but not reported as migrations: {missing[:5]}")

    matrix = {(l, v): 0 for l in ("destructive", "safe") for v in ("refused", "warned", "passed")}
    wrong = []
    for file, label in sorted(wanted.items()):
        v = verdict(by_file[file])
        matrix[(label, v)] += 1
        if (label == "destructive") != (v == "refused"):
            reasons = sorted({f["reason"] for f in by_file[file]["findings"] if f["class"] in ("destructive", "unknown", "review")})
            wrong.append((file, label, v, reasons[:2]))

    safe = sum(matrix[("safe", v)] for v in ("refused", "warned", "passed"))
    destructive = sum(matrix[("destructive", v)] for v in ("refused", "warned", "passed"))
    print(f"Repository at `{head[:12]}`: {len(report['migrations'])} migrations in the history, "
          f"{len(wanted)} read by hand; `check-migrations` over all of them took {seconds:.2f} s.\n")
    print(f"`git-fastrevert {' '.join(command[3:])}`\n")
    print("| read by hand \\ guard | refused | warned | passed |")
    print("|---|---:|---:|---:|")
    for label in ("destructive", "safe"):
        print(f"| {label} | {matrix[(label, 'refused')]} | {matrix[(label, 'warned')]} | {matrix[(label, 'passed')]} |")
    refused_safe = matrix[("safe", "refused")]
    print()
    print(f"- destructive migrations called additive or safe: **{matrix[('destructive', 'passed')]}** of {destructive}")
    print(f"- safe migrations refused: **{refused_safe}** of {safe} "
          f"({100.0 * refused_safe / safe if safe else 0:.1f}%)")
    if wrong:
        print("\nWhere the guard and the reading differ:\n")
        for file, label, v, reasons in wrong:
            why = "; ".join(reasons) if reasons else "-"
            print(f"- `{file}`: read as {label}, guard {v} ({why})")


if __name__ == "__main__":
    main()

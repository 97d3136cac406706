#!/usr/bin/env python3
"""Time git-fastrevert against plain git on one benchmark repository (python3 stdlib only).

    timing.py run --repo DIR --bin PATH --files N --out RESULT.json [--runs 15] [--warmup 2]
                  [--switch-runs K]
    timing.py report RESULT.json... [--markdown RESULTS.md] [--append]

`run` times every command as a whole process: N timed runs after W warm-ups, each preceded by an
untimed "prepare" command that resets the refs the command creates. Exit codes are checked on
every run (stderr is printed on failure). It writes the medians/min/max to RESULT.json and prints
a table. `report` turns one or more RESULT.json files into a Markdown section (machine, git version,
one table per size, and the derived ratios against the targets).
"""

import argparse
import datetime
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

# Targets from the project brief.
TARGET_SWITCH_RATIO = 30.0  # fastrevert revert at least 30x faster than git switch -c + git revert
TARGET_GROWTH = 1.5  # fastrevert revert time at the largest size <= 1.5x the smallest size
TARGET_ROLLBACK_MS = 10.0  # rollback under 10 ms at every size

IDENTITY = {
    "GIT_AUTHOR_NAME": "Bench Author",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench Committer",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}


class CommandFailed(Exception):
    pass


def bench_env(home):
    """A clean environment: fixed identities, HOME with an empty .gitconfig, no system config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(IDENTITY)
    env["HOME"] = home
    env["XDG_CONFIG_HOME"] = os.path.join(home, ".config")
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    env["GIT_TERMINAL_PROMPT"] = "0"
    env["LC_ALL"] = "C"
    env.pop("GIT_DIR", None)
    env.pop("GIT_WORK_TREE", None)
    return env


def sh(script):
    """A bash invocation of `script` (counts as one process tree; bash startup is measured apart)."""
    return ["bash", "-c", script]


def git_out(env, repo, *args):
    p = subprocess.run(["git", "-C", repo, *args], env=env, capture_output=True, text=True)
    if p.returncode != 0:
        raise CommandFailed(f"git {' '.join(args)} failed ({p.returncode}):\n{p.stderr}")
    return p.stdout.strip()


class Command:
    def __init__(self, label, argv, prepare=None, runs=15, group=""):
        self.label, self.argv, self.prepare, self.runs, self.group = label, argv, prepare, runs, group
        self.wall, self.cpu = [], []


def run_once(cmd, env, tmp, what):
    """Prepare (untimed, failure ignored), then run `cmd` once; returns (wall ms, user+sys ms)."""
    if cmd.prepare is not None:
        subprocess.run(cmd.prepare, env=env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.sync()
    out_path = os.path.join(tmp, "stdout")
    err_path = os.path.join(tmp, "stderr")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        t0 = time.perf_counter_ns()
        p = subprocess.Popen(cmd.argv, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        _, status, usage = os.wait4(p.pid, 0)
        t1 = time.perf_counter_ns()
    rc = os.waitstatus_to_exitcode(status)
    p.returncode = rc  # reaped above
    if rc != 0:
        with open(err_path, "rb") as f:
            stderr = f.read().decode(errors="replace")
        with open(out_path, "rb") as f:
            stdout = f.read().decode(errors="replace")
        raise CommandFailed(
            f"{cmd.label}: {what} exited with {rc}\n  command: {shlex.join(cmd.argv)}\n"
            f"  --- stdout ---\n{stdout}  --- stderr ---\n{stderr}"
        )
    # Write back what the run dirtied (switch+revert rewrites a 100 MB index at 1M files) now,
    # untimed, so that the writeback does not slow down whichever command runs next.
    os.sync()
    # ru_utime/ru_stime of the child include the descendants it waited for (bash -c scripts).
    return (t1 - t0) / 1e6, (usage.ru_utime + usage.ru_stime) * 1e3


def cpu_busy(seconds):
    """Share of all CPUs busy (0..1) over `seconds`, from /proc/stat; None when unavailable."""
    def sample():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v), v[3] + (v[4] if len(v) > 4 else 0)  # total, idle + iowait
    try:
        t0, i0 = sample()
        time.sleep(seconds)
        t1, i1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    return 1 - (i1 - i0) / max(1, t1 - t0)


class Quiet:
    """Before each round, wait (up to `max_wait` s in all) until the machine is idle: other work on
    a shared machine (a compiler on 1 of 2 cores) easily doubles a 2 ms measurement."""

    def __init__(self, threshold, max_wait):
        self.threshold, self.budget = threshold, max_wait
        self.busy_at_start = []  # CPU busy share sampled just before each round
        self.waited = 0.0

    def wait(self):
        if self.threshold >= 1:
            return
        busy = cpu_busy(0.3)
        if busy is None:
            return
        announced = False
        while busy > self.threshold and self.budget > 0:
            if not announced:
                print(f"[machine {busy:.0%} busy, waiting]", end="", flush=True)
                announced = True
            t = time.monotonic()
            busy = cpu_busy(1.0)
            spent = time.monotonic() - t
            self.budget -= spent
            self.waited += spent
        if busy > self.threshold:
            print(f"[still {busy:.0%} busy, measuring anyway]", end="", flush=True)
        self.busy_at_start.append(busy)


def measure_all(cmds, env, tmp, warmup, rounds, quiet):
    """Warm up every command, then time them interleaved, one run each per round, so that a burst
    of load on the machine hits all commands alike instead of one. A command with fewer runs than
    rounds takes part in evenly spread rounds."""
    for c in cmds:
        for i in range(warmup):
            run_once(c, env, tmp, f"warm-up {i + 1}")
    print(f"  {rounds} rounds: ", end="", flush=True)
    for i in range(rounds):
        quiet.wait()
        for c in cmds:
            if (i * c.runs) // rounds != ((i + 1) * c.runs) // rounds:
                wall, cpu = run_once(c, env, tmp, f"run {len(c.wall) + 1}")
                c.wall.append(wall)
                c.cpu.append(cpu)
        print(".", end="", flush=True)
    print(flush=True)
    results = []
    for c in cmds:
        med = statistics.median(c.wall)
        print(f"  {c.label}: median {med:.2f} ms  min {min(c.wall):.2f}  max {max(c.wall):.2f}  "
              f"cpu {statistics.median(c.cpu):.2f} ms  ({len(c.wall)} runs)", flush=True)
        results.append({
            "label": c.label,
            "group": c.group,
            "command": shlex.join(c.argv),
            "prepare": shlex.join(c.prepare) if c.prepare else None,
            "runs": len(c.wall),
            "warmup": warmup,
            "median_ms": med,
            "min_ms": min(c.wall),
            "max_ms": max(c.wall),
            "cpu_median_ms": statistics.median(c.cpu),
            "times_ms": c.wall,
            "cpu_ms": c.cpu,
        })
    return results


def pick_merge(env, repo, nth):
    """The nth first-parent merge of main (1 = newest), or the next older one that reverts cleanly."""
    merges = git_out(env, repo, "rev-list", "--merges", "--first-parent", "main").split()
    for idx in range(nth - 1, len(merges)):
        m = merges[idx]
        p = subprocess.run(
            ["git", "-C", repo, "merge-tree", "--write-tree", f"--merge-base={m}", "main", f"{m}^1"],
            env=env, capture_output=True,
        )
        if p.returncode == 0:
            return idx + 1, m
    raise CommandFailed(f"no merge from #{nth} on reverts cleanly on main")


def cmd_run(a):
    repo = os.path.abspath(a.repo)
    fr = os.path.abspath(a.bin)
    home = tempfile.mkdtemp(prefix="bench-home-")
    open(os.path.join(home, ".gitconfig"), "w").close()
    tmp = tempfile.mkdtemp(prefix="bench-io-")
    env = bench_env(home)
    q = shlex.quote
    R = q(repo)
    # Every ref a command creates; the prepare before each run deletes the command's own.
    fr_refs = {"newest": "bench-fr", "recent": "bench-fr-recent", "old": "bench-fr-old"}
    git_refs = {"newest": "bench-git", "recent": "bench-git-recent", "old": "bench-git-old"}
    all_refs = [*fr_refs.values(), *git_refs.values(), "bench-rb"]

    def reset_refs():
        return " ".join(f"git -C {R} update-ref -d refs/heads/{b} 2>/dev/null;" for b in all_refs)

    # Start from a known state (an interrupted run may have left refs or a revert in progress).
    subprocess.run(sh(f"git -C {R} revert --quit; git -C {R} switch -q -f main; "
                      f"git -C {R} branch -q -D bench-sw; {reset_refs()} git -C {R} update-index -q --refresh"),
                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    main = git_out(env, repo, "rev-parse", "main")
    merges = {"newest": (1, git_out(env, repo, "rev-list", "--merges", "-1", "main"))}
    merges["recent"] = pick_merge(env, repo, a.recent_merge)
    merges["old"] = pick_merge(env, repo, a.old_merge)
    back = {k: int(git_out(env, repo, "rev-list", "--count", "--first-parent", f"{m}..main"))
            for k, (_, m) in merges.items()}
    objects = git_out(env, repo, "count-objects", "-v")
    files = git_out(env, repo, "ls-tree", "-r", "--name-only", "main").count("\n") + 1
    print(f"{repo}: {files} files at main {main[:10]}; "
          + ", ".join(f"{k} merge #{n} {m[:10]} ({back[k]} first-parent commits back)" for k, (n, m) in merges.items()),
          flush=True)

    def delete_ref(name):
        return sh(f"git -C {R} update-ref -d refs/heads/{name} 2>/dev/null || true")

    # mkrepo's migrations include destructive ones (DROP/RENAME/ALTER TYPE), which the migration
    # guard refuses (exit 4). Let them through: the guard still scans and parses them, so its cost
    # stays in the measurement.
    extra = {}
    for sub in ("revert", "rollback"):
        help_text = subprocess.run([fr, sub, "--help"], env=env, capture_output=True, text=True).stdout
        extra[sub] = ["--allow-destructive-migrations"] if "--allow-destructive-migrations" in help_text else []

    def fastrevert_revert(m, branch):
        return [fr, "-C", repo, "revert", m, "--no-fetch", "--no-push", "--branch", branch, *extra["revert"]]

    def plumbing(m, branch):
        return sh(
            f"tree=$(git -C {R} merge-tree --write-tree --merge-base={m} main {m}^1) && "
            f"c=$(git -C {R} commit-tree $tree -p main -m {q('Revert ' + m)}) && "
            f"git -C {R} update-ref refs/heads/{branch} $c ''"
        )

    def which(k):
        n, _ = merges[k]
        return "newest merge (= main's tip)" if k == "newest" else f"{k} merge (#{n}, {back[k]} back)"

    N = a.runs
    switch_runs = min(a.switch_runs or N, N)
    newest = merges["newest"][1]
    sw_prepare = f"git -C {R} switch -q -f main; git -C {R} branch -q -D bench-sw; true"
    cmds = [
        Command("baseline: /bin/true (harness floor)", ["/bin/true"], runs=N, group="floor"),
        Command("baseline: bash -c true", sh("true"), runs=N, group="bash"),
        Command("baseline: git-fastrevert --version", [fr, "--version"], runs=N, group="version"),
    ]
    for k in merges:
        suffix = "" if k == "newest" else f"-{k}"
        cmds.append(Command(f"a. fastrevert revert, {which(k)}", fastrevert_revert(merges[k][1], fr_refs[k]),
                            prepare=delete_ref(fr_refs[k]), runs=N, group="fr" + suffix))
    for k in merges:
        suffix = "" if k == "newest" else f"-{k}"
        cmds.append(Command(f"b. git plumbing (merge-tree + commit-tree + update-ref), {which(k)}",
                            plumbing(merges[k][1], git_refs[k]),
                            prepare=delete_ref(git_refs[k]), runs=N, group="plumbing" + suffix))
    cmds.append(Command(f"c. git switch -c + git revert -m 1 (checkout), {which('newest')}",
                        sh(f"git -C {R} switch -q -c bench-sw main && git -C {R} revert -m 1 --no-edit {newest}"),
                        prepare=sh(sw_prepare), runs=switch_runs, group="switch"))
    cmds.append(Command("d. fastrevert rollback --to v1.1.0 --mode commit",
                        [fr, "-C", repo, "rollback", "--to", "v1.1.0", "--mode", "commit", "--no-fetch", "--no-push",
                         "--branch", "bench-rb", *extra["rollback"]],
                        prepare=delete_ref("bench-rb"), runs=N, group="rollback"))
    quiet = Quiet(a.idle_threshold / 100, a.idle_wait)
    load_before = os.getloadavg()
    results = measure_all(cmds, env, tmp, a.warmup, N, quiet)
    load_after = os.getloadavg()

    # Same result everywhere: fastrevert, plumbing (and switch+revert) make the same tree for each
    # merge, and the rollback's tree is v1.1.0's.
    tree = lambda ref: git_out(env, repo, "rev-parse", f"{ref}^{{tree}}")  # noqa: E731
    trees = {b: tree(f"refs/heads/{b}") for b in [*all_refs, "bench-sw"]}
    agree = all(trees[fr_refs[k]] == trees[git_refs[k]] for k in merges) and \
        trees["bench-sw"] == trees["bench-fr"] and trees["bench-rb"] == tree("v1.1.0")
    if not agree:
        print(f"WARNING: result trees differ: {json.dumps(trees, indent=1)}", file=sys.stderr)

    # Leave the repository as mkrepo made it.
    subprocess.run(sh(f"{sw_prepare}; {reset_refs()} true"),
                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    info = {
        "repo": repo,
        "files": files,
        "requested_files": a.files,
        "bin": fr,
        "bin_version": subprocess.run([fr, "--version"], env=env, capture_output=True, text=True).stdout.strip(),
        "main": main,
        "merges": {k: {"nth": n, "commit": m, "back": back[k]} for k, (n, m) in merges.items()},
        "count_objects": objects,
        "trees_agree": agree,
        "fastrevert_extra_args": extra,
        "loadavg_before": load_before,
        "loadavg_after": load_after,
        "busy_before_rounds": quiet.busy_at_start,
        "idle_wait_s": quiet.waited,
        "idle_threshold": a.idle_threshold,
        "trees": trees,
        "results": results,
        "when": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    with open(a.out, "w") as f:
        json.dump(info, f, indent=1)
    print(f"trees agree: {'yes' if agree else 'NO'}; wrote {a.out}")
    return 0


# ---------------------------------------------------------------------------------------------
# report


def machine_info():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        mem_kb = int(next(line.split()[1] for line in open("/proc/meminfo") if line.startswith("MemTotal")))
        mem = f"{mem_kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        mem = "RAM unknown"
    git = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "mem": mem,
        "kernel": platform.release(),
        "git": git,
        "python": platform.python_version(),
    }


def project_rev():
    here = os.path.dirname(os.path.abspath(__file__))
    rev = subprocess.run(["git", "-C", here, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", here, "status", "--porcelain", "--", "src", "Cargo.toml", "Cargo.lock"],
                           capture_output=True, text=True)
    r = rev.stdout.strip() or "unknown"
    return r + (" + uncommitted changes in src/" if dirty.stdout.strip() else "")


def by_group(res):
    return {r["group"]: r for r in res["results"]}


def size(d):
    return f"{d['requested_files'] or d['files']:,}"


def fmt(ms):
    return f"{ms:,.0f}" if ms >= 1000 else f"{ms:.2f}" if ms < 10 else f"{ms:.1f}"


def verdict(ok):
    return "**met**" if ok else "**NOT met**"


def cmd_report(a):
    data = [json.load(open(p)) for p in a.results]
    data.sort(key=lambda d: d["requested_files"] or d["files"])
    mi = machine_info()
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    L = []
    L.append(f"## Run of {now}" + (f": {a.label}" if a.label else ""))
    L.append("")
    L.append(f"- Machine: {mi['nproc']} CPUs (`nproc`), {mi['cpu']}, {mi['mem']}, Linux {mi['kernel']}")
    built = a.label or f"built from {project_rev()} (release profile)"
    L.append(f"- {mi['git']}; git-fastrevert {built}: `{data[0].get('bin', '?')}`, {data[0].get('bin_version', '')}")
    d0 = data[0]["results"][0]
    L.append(f"- Each command timed as a whole process (`bench/timing.py`): {d0['warmup']} warm-ups, then "
             f"{d0['runs']} rounds running every command once (interleaved, so load bursts hit all alike); "
             "warm page cache; an untimed prepare before each run deletes the ref the command creates, and an "
             "untimed `sync` follows every prepare and run. "
             "Wall-clock ms; CPU = user+sys of the process and the children it waited for.")
    L.append("- Repositories: `mkrepo DIR --files N --commits 500` (non-bare; switch+revert needs the checkout).")
    if any(d.get("fastrevert_extra_args", {}).get("rollback") for d in data):
        L.append("- fastrevert runs with `--allow-destructive-migrations`: mkrepo's history has destructive SQL "
                 "migrations, which the migration guard would refuse (exit 4); the guard still scans them.")
    L.append("")
    for d in data:
        g = by_group(d)
        med = lambda k: g[k]["median_ms"]  # noqa: E731
        objs = dict(line.split(": ", 1) for line in d["count_objects"].splitlines() if ": " in line)
        mg = d["merges"]
        L.append(f"### {size(d)} files ({d['files']:,} paths in main's tree)")
        L.append("")
        L.append(f"main `{d['main'][:10]}`, {objs.get('in-pack', '?')} objects in "
                 f"{objs.get('packs', '?')} pack(s) ({int(objs.get('size-pack', 0)) / 1024:.1f} MiB). Merges reverted: "
                 + "; ".join(f"{k} `{m['commit'][:10]}` (#{m['nth']} first-parent merge, {m['back']} commits back)"
                             for k, m in mg.items())
                 + ". Result trees of fastrevert, plumbing and switch+revert agree, and the rollback's is v1.1.0's: "
                 + ("yes." if d["trees_agree"] else "**NO**."))
        L.append("")
        busy = [b for b in d["busy_before_rounds"] if b is not None]
        noisy = [b for b in busy if b > d["idle_threshold"] / 100]
        L.append(f"Load average {d['loadavg_before'][0]:.2f} before, {d['loadavg_after'][0]:.2f} after; "
                 f"CPU busy just before each round: max {max(busy, default=0):.0%}"
                 + (f", **{len(noisy)} round(s) measured on a busy machine**" if noisy else "")
                 + (f" (waited {d['idle_wait_s']:.0f} s for other work to finish)" if d["idle_wait_s"] >= 1 else "")
                 + ".")
        L.append("")
        L.append("| command | runs | median ms | min ms | max ms | CPU ms (user+sys, median) |")
        L.append("|---|---:|---:|---:|---:|---:|")
        for r in d["results"]:
            L.append(f"| {r['label']} | {r['runs']} | {fmt(r['median_ms'])} | {fmt(r['min_ms'])} | "
                     f"{fmt(r['max_ms'])} | {fmt(r['cpu_median_ms'])} |")
        L.append("")
        fr, bash = med("fr"), med("bash")
        L.append(f"- plumbing / fastrevert, newest merge: **{med('plumbing') / fr:.1f}x** "
                 f"({(med('plumbing') - bash) / fr:.1f}x without the {bash:.2f} ms of `bash -c`); "
                 f"recent merge: {med('plumbing-recent') / med('fr-recent'):.1f}x; "
                 f"old merge: {med('plumbing-old') / med('fr-old'):.1f}x")
        L.append(f"- switch+revert / fastrevert: **{med('switch') / fr:.1f}x** (target >= {TARGET_SWITCH_RATIO:.0f}x: "
                 f"{verdict(med('switch') / fr >= TARGET_SWITCH_RATIO)})")
        L.append(f"- rollback: **{med('rollback'):.2f} ms** (target < {TARGET_ROLLBACK_MS:.0f} ms: "
                 f"{verdict(med('rollback') < TARGET_ROLLBACK_MS)})")
        L.append("")
    if len(data) > 1:
        L.append("### Summary (medians, ms)")
        L.append("")
        L.append("| files | fastrevert revert, newest merge | recent merge | old merge | git plumbing, newest merge "
                 "| switch+revert | fastrevert rollback | plumbing / fastrevert | switch+revert / fastrevert |")
        L.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for d in data:
            g = by_group(d)
            fr = g["fr"]["median_ms"]
            L.append(f"| {size(d)} | {fmt(fr)} | {fmt(g['fr-recent']['median_ms'])} | {fmt(g['fr-old']['median_ms'])} | "
                     f"{fmt(g['plumbing']['median_ms'])} | {fmt(g['switch']['median_ms'])} | "
                     f"{fmt(g['rollback']['median_ms'])} | {g['plumbing']['median_ms'] / fr:.1f}x | "
                     f"{g['switch']['median_ms'] / fr:.1f}x |")
        L.append("")
        first, last = data[0], data[-1]
        grow = {k: (by_group(first)[k]["median_ms"], by_group(last)[k]["median_ms"])
                for k in ("fr", "fr-recent", "fr-old", "rollback")}
        f0, f1 = grow["fr"]
        L.append(f"- fastrevert revert growth {size(first)} -> {size(last)} files: "
                 f"{f0:.2f} -> {f1:.2f} ms = **{f1 / f0:.2f}x** (target <= {TARGET_GROWTH}x: "
                 f"{verdict(f1 / f0 <= TARGET_GROWTH)}); "
                 + "; ".join(f"{name}: {grow[k][0]:.2f} -> {grow[k][1]:.2f} ms = {grow[k][1] / grow[k][0]:.2f}x"
                             for k, name in (("fr-recent", "recent merge"), ("fr-old", "old merge"),
                                             ("rollback", "rollback"))))
        sw_ok = all(by_group(d)["switch"]["median_ms"] / by_group(d)["fr"]["median_ms"] >= TARGET_SWITCH_RATIO
                    for d in data)
        rb_ok = all(by_group(d)["rollback"]["median_ms"] < TARGET_ROLLBACK_MS for d in data)
        L.append(f"- switch+revert >= {TARGET_SWITCH_RATIO:.0f}x slower than fastrevert at every size: {verdict(sw_ok)}")
        L.append(f"- rollback < {TARGET_ROLLBACK_MS:.0f} ms at every size: {verdict(rb_ok)}")
        L.append("")
    text = "\n".join(L) + "\n"
    if a.markdown:
        header = "# Benchmark results\n\nWritten by `bench/run.sh`; see `bench/README.md`. Newest run last.\n\n"
        exists = os.path.exists(a.markdown) and os.path.getsize(a.markdown) > 0
        with open(a.markdown, "a" if (a.append and exists) else "w") as f:
            if not (a.append and exists):
                f.write(header)
            f.write(text)
        print(f"wrote {a.markdown}")
    else:
        sys.stdout.write(text)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="time the commands on one repository")
    r.add_argument("--repo", required=True, help="non-bare repository made by mkrepo")
    r.add_argument("--bin", required=True, help="the git-fastrevert binary")
    r.add_argument("--files", type=int, default=0, help="file count, for the report")
    r.add_argument("--out", required=True, help="JSON file to write")
    r.add_argument("--runs", type=int, default=15, help="timed runs per command (default 15)")
    r.add_argument("--warmup", type=int, default=2, help="untimed warm-up runs (default 2)")
    r.add_argument("--switch-runs", type=int, default=0, help="timed runs of switch+revert (default --runs)")
    r.add_argument("--idle-threshold", type=float, default=20,
                   help="before each round wait until under this %% of all CPUs is busy (100: never wait; default 20)")
    r.add_argument("--idle-wait", type=float, default=600,
                   help="wait at most this many seconds in all for an idle machine (default 600)")
    r.add_argument("--recent-merge", type=int, default=2,
                   help="revert also the Nth first-parent merge of main, ~5N commits back (default 2)")
    r.add_argument("--old-merge", type=int, default=20,
                   help="and the Nth, an older one (default 20)")
    rp = sub.add_parser("report", help="write the Markdown report")
    rp.add_argument("results", nargs="+", help="JSON files written by `run`")
    rp.add_argument("--markdown", help="file to write (default stdout)")
    rp.add_argument("--append", action="store_true", help="append a section instead of rewriting")
    rp.add_argument("--label", help="what the binary is, instead of the project's current commit")
    a = ap.parse_args()
    try:
        return cmd_run(a) if a.cmd == "run" else cmd_report(a)
    except CommandFailed as e:
        print(f"\nFAILED: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

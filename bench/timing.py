#!/usr/bin/env python3
"""Time git-fastrevert against plain git on one benchmark repository (python3 stdlib only).

    timing.py run --repo DIR --bin PATH --files N --out RESULT.json [--runs 15] [--warmup 2]
                  [--switch-runs K] [--deploy-runs K] [--scratch DIR]
    timing.py run --suite migrations --repo DIR --bin PATH --files N --out RESULT.json [--range 1000]
    timing.py run --suite deploy --repo DIR --bin PATH --files N --out RESULT.json --deploy-runs K
    timing.py report RESULT.json... [--markdown RESULTS.md] [--append]

`run` times every command as a whole process: N timed runs after W warm-ups, each preceded by an
untimed "prepare" command that resets what the command creates. Exit codes are checked on every run
(stderr is printed on failure). It writes the medians/min/max to RESULT.json and prints a table.

Suites: `core` (the default) times revert, rollback, check-migrations and switch, then (with
--deploy-runs > 0) deploy against `git archive | tar` and `git worktree add` in a second phase.
`migrations` times check-migrations over a long range (main~RANGE..main). `deploy` times the deploy
phase alone (how the 1M-file deploy is timed apart; `report` merges it into the core run of the
same size).

`report` turns one or more RESULT.json files into a Markdown section (machine, git version, one table
per repository, and the targets, met or not).
"""

import argparse
import atexit
import datetime
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

# Targets from the project brief.
TARGET_SWITCH_RATIO = 30.0  # fastrevert revert at least 30x faster than git switch -c + git revert
TARGET_GROWTH = 1.5  # fastrevert revert time at the largest size <= 1.5x the smallest size
TARGET_ROLLBACK_MS = 10.0  # rollback under 10 ms at every size
TARGET_SWITCH_OWN_MS = 1.0  # `switch` own time (its --json elapsed_us) under 1 ms
TARGET_SWITCH_WHOLE_MS = 5.0  # `switch` as a whole process under 5 ms
TARGET_CHECK_MS = 100.0  # check-migrations over 1,000 commits "well under a second": here < 0.1 s

# git diff-tree reads the index first (85 ms for the 1M-file checkout's 88 MB index) although a
# tree-to-tree diff does not need it; with no index file it times the tree diff alone.
NO_INDEX = {"GIT_INDEX_FILE": "/nonexistent/bench-no-index"}

# The anchored migration layout mkrepo writes (its migrations are all under db/migrate/).
ANCHORED = "db/migrate/**"
MIG_KEY = "fastrevert.migrationPaths"

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


def git_out(env, repo, *args, ok=(0,)):
    p = subprocess.run(["git", "-C", repo, *args], env=env, capture_output=True, text=True)
    if p.returncode not in ok:
        raise CommandFailed(f"git {' '.join(args)} failed ({p.returncode}):\n{p.stderr}")
    return p.stdout.strip()


class Command:
    """One timed command. `prepare` runs untimed before every run; `ok` are the exit codes that
    count as success; `metrics(stdout, stderr)` may return numbers the command reports about itself
    (e.g. its own elapsed time), collected per run; `cwd` is where it runs (default: inherited)."""

    def __init__(self, label, argv, prepare=None, runs=15, group="", ok=(0,), metrics=None, cwd=None, env=None):
        self.label, self.argv, self.prepare, self.runs, self.group = label, argv, prepare, runs, group
        self.ok, self.metrics, self.cwd, self.env = tuple(ok), metrics, cwd, env
        self.wall, self.cpu, self.extra = [], [], {}


def run_once(cmd, env, tmp, what, quiet=None):
    """Prepare (untimed, failure ignored), then run `cmd` once; returns (wall ms, user+sys ms,
    metrics)."""
    if cmd.prepare is not None:
        subprocess.run(cmd.prepare, env=env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.sync()
    if quiet is not None:
        quiet.before_run()
    out_path = os.path.join(tmp, "stdout")
    err_path = os.path.join(tmp, "stderr")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        t0 = time.perf_counter_ns()
        p = subprocess.Popen(cmd.argv, env=env if cmd.env is None else {**env, **cmd.env},
                             stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=cmd.cwd)
        _, status, usage = os.wait4(p.pid, 0)
        t1 = time.perf_counter_ns()
    rc = os.waitstatus_to_exitcode(status)
    p.returncode = rc  # reaped above
    with open(err_path, "rb") as f:
        stderr = f.read().decode(errors="replace")
    with open(out_path, "rb") as f:
        stdout = f.read().decode(errors="replace")
    if rc not in cmd.ok:
        raise CommandFailed(
            f"{cmd.label}: {what} exited with {rc}\n  command: {shlex.join(cmd.argv)}\n"
            f"  --- stdout ---\n{stdout[-4000:]}  --- stderr ---\n{stderr[-4000:]}"
        )
    extra = {}
    if cmd.metrics is not None:
        try:
            extra = cmd.metrics(stdout, stderr)
        except (ValueError, KeyError, TypeError) as e:
            raise CommandFailed(f"{cmd.label}: {what}: cannot read its output ({e})\n"
                                f"  --- stdout ---\n{stdout[-2000:]}  --- stderr ---\n{stderr[-2000:]}")
    # Write back what the run dirtied (switch+revert rewrites a 100 MB index at 1M files) now,
    # untimed, so that the writeback does not slow down whichever command runs next.
    os.sync()
    # ru_utime/ru_stime of the child include the descendants it waited for (bash -c scripts).
    return (t1 - t0) / 1e6, (usage.ru_utime + usage.ru_stime) * 1e3, extra


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
        self.runs_delayed = 0  # runs that found another task runnable just before they started

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

    def before_run(self):
        """Just before each run: when another task is runnable (the `R/T` field of /proc/loadavg,
        counting this process too) twice 20 ms apart, wait as before a round. A compiler that starts
        in the middle of a round then delays the next run instead of slowing it down."""
        if self.threshold >= 1:
            return

        def others():
            try:
                with open("/proc/loadavg") as f:
                    return int(f.read().split()[3].split("/")[0]) - 1
            except (OSError, ValueError, IndexError):
                return 0
        if others() <= 0:
            return
        time.sleep(0.02)
        if others() <= 0:
            return
        self.runs_delayed += 1
        busy = cpu_busy(0.3)
        while busy is not None and busy > self.threshold and self.budget > 0:
            t = time.monotonic()
            busy = cpu_busy(1.0)
            spent = time.monotonic() - t
            self.budget -= spent
            self.waited += spent


def measure_all(name, cmds, env, tmp, warmup, rounds, quiet):
    """Warm up every command, then time them interleaved, one run each per round, so that a burst
    of load on the machine hits all commands alike instead of one. A command with fewer runs than
    rounds takes part in evenly spread rounds. Returns (results, phase info)."""
    load_before = os.getloadavg()
    waited_before = quiet.waited
    delayed_before = quiet.runs_delayed
    busy_from = len(quiet.busy_at_start)
    for c in cmds:
        for i in range(warmup):
            run_once(c, env, tmp, f"warm-up {i + 1}")
    print(f"  {name}: {rounds} rounds: ", end="", flush=True)
    for i in range(rounds):
        quiet.wait()
        for c in cmds:
            if (i * c.runs) // rounds != ((i + 1) * c.runs) // rounds:
                wall, cpu, extra = run_once(c, env, tmp, f"run {len(c.wall) + 1}", quiet)
                c.wall.append(wall)
                c.cpu.append(cpu)
                for k, v in extra.items():
                    c.extra.setdefault(k, []).append(v)
        print(".", end="", flush=True)
    print(flush=True)
    results = []
    for c in cmds:
        med = statistics.median(c.wall)
        metrics = {k: {"median": statistics.median(v), "min": min(v), "max": max(v), "values": v}
                   for k, v in c.extra.items()}
        print(f"  {c.label}: median {med:.2f} ms  min {min(c.wall):.2f}  max {max(c.wall):.2f}  "
              f"cpu {statistics.median(c.cpu):.2f} ms  ({len(c.wall)} runs)"
              + "".join(f"  {k} {m['median']:.2f}" for k, m in metrics.items()), flush=True)
        results.append({
            "label": c.label,
            "group": c.group,
            "phase": name,
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
            "metrics": metrics,
        })
    phase = {
        "name": name,
        "rounds": rounds,
        "warmup": warmup,
        "loadavg_before": load_before,
        "loadavg_after": os.getloadavg(),
        "busy_before_rounds": quiet.busy_at_start[busy_from:],
        "idle_wait_s": quiet.waited - waited_before,
        "runs_delayed": quiet.runs_delayed - delayed_before,
        "idle_threshold": quiet.threshold * 100,
    }
    return results, phase


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


class MigrationConfig:
    """The repository's own fastrevert.migrationPaths: each fastrevert command's prepare sets it
    (anchored) or removes it (built-in defaults); `restore` puts back what was there before."""

    def __init__(self, env, repo):
        self.env, self.repo = env, repo
        self.saved = git_out(env, repo, "config", "--local", "--get-all", MIG_KEY, ok=(0, 1)).splitlines()

    def script(self, anchored):
        R = shlex.quote(self.repo)
        if anchored:
            return f"git -C {R} config --local --replace-all {MIG_KEY} {shlex.quote(ANCHORED)}"
        return f"git -C {R} config --local --unset-all {MIG_KEY}"

    def restore(self):
        subprocess.run(["git", "-C", self.repo, "config", "--local", "--unset-all", MIG_KEY],
                       env=self.env, capture_output=True)
        for v in self.saved:
            subprocess.run(["git", "-C", self.repo, "config", "--local", "--add", MIG_KEY, v],
                           env=self.env, capture_output=True, check=True)


def paths_label(anchored):
    return f"[paths: `{ANCHORED}`]" if anchored else "[paths: defaults]"


def switch_own_time(stdout, _stderr):
    j = json.loads(stdout)
    if not j.get("changed"):
        raise ValueError("switch did not change the link")
    return {"own_ms": j["elapsed_us"] / 1000.0}


def switch_changed(stdout, stderr):
    if "now points at" not in stdout + stderr:
        raise ValueError("switch did not change the link")
    return {}


DEPLOY_TRACE = re.compile(r"exported (\d+) files in (\d+) ms, flushed to disk in (\d+) ms")


def deploy_split(_stdout, stderr):
    m = DEPLOY_TRACE.search(stderr)
    if not m:
        raise ValueError("no export/flush trace in deploy -v output")
    return {"export_ms": float(m.group(2)), "syncfs_ms": float(m.group(3)), "files": float(m.group(1))}


# ext4 without a journal (this machine's root filesystem) skips, when it allocates an inode, every
# free inode deleted in the last 60 s, or 360 s when its inode-table block is dirty again (as soon as
# a new file lands in it): `recently_deleted()` in fs/ext4/ialloc.c, one buffer lookup per skipped
# inode. Creating 10,000 files right after deleting 10,000 then takes ~3.5 s of system time instead
# of ~0.3 s. So the benchmark never deletes many files just before timing something: outputs are
# moved aside and deleted at the end (run.sh deletes the scratch directories last of all), and a
# phase that creates many files first waits until SETTLE_S have passed since the last mass deletion
# (a marker file next to the scratch directory records when).
SETTLE_S = 370


def deletion_marker(scratch):
    return os.path.join(os.path.dirname(scratch), ".bench-last-mass-delete")


def remove_tree(path, scratch):
    """rm -rf `path` (untimed) and record when, for `settle`."""
    if os.path.lexists(path):
        subprocess.run(["rm", "-rf", path])
        os.sync()
        with open(deletion_marker(scratch), "w") as f:
            f.write(f"{time.time()}\n")


def settle(scratch, seconds):
    """Wait until `seconds` have passed since the last mass deletion under the scratch's parent."""
    try:
        age = time.time() - os.path.getmtime(deletion_marker(scratch))
    except OSError:
        return 0.0
    wait = max(0.0, seconds - age)
    if wait > 0:
        print(f"  waiting {wait:.0f} s: files were deleted {age:.0f} s ago, and ext4 without a journal "
              f"skips recently freed inodes when it creates files", flush=True)
        time.sleep(wait)
    return wait


def common_setup(a):
    repo = os.path.abspath(a.repo)
    fr = os.path.abspath(a.bin)
    home = tempfile.mkdtemp(prefix="bench-home-")
    open(os.path.join(home, ".gitconfig"), "w").close()
    # Outside any repository: the cwd of `switch` (a deploy host has no checkout around it).
    tmp = tempfile.mkdtemp(prefix="bench-io-")
    atexit.register(shutil.rmtree, home, True)
    atexit.register(shutil.rmtree, tmp, True)
    env = bench_env(home)
    return repo, fr, home, tmp, env


def repo_info(env, repo):
    return {
        "count_objects": git_out(env, repo, "count-objects", "-v"),
        "files": git_out(env, repo, "ls-tree", "-r", "--name-only", "main").count("\n") + 1,
        "main": git_out(env, repo, "rev-parse", "main"),
    }


def cmd_run(a):
    if a.suite == "migrations":
        return run_migrations(a)
    if a.suite == "deploy":
        return run_deploy_only(a)
    return run_core(a)


def run_deploy_only(a):
    """The deploy phase alone (e.g. at 1M files, with few runs: every output is kept until the end)."""
    repo, fr, home, tmp, env = common_setup(a)
    scratch = os.path.abspath(a.scratch or os.path.join(os.path.dirname(repo), f"scratch-{os.path.basename(repo)}"))
    info = repo_info(env, repo)
    quiet = Quiet(a.idle_threshold / 100, a.idle_wait)
    try:
        results, ph, same = run_deploy(a, env, tmp, repo, fr, scratch, quiet)
    finally:
        if not a.defer_delete:
            remove_tree(scratch, scratch)
    return finish(a, info, env, repo, fr, home, tmp, "deploy", {
        "deploy_same_files": same,
        "phases": [ph],
        "results": results,
    }, f"deploy = git archive: {same}; ")


def finish(a, info, env, repo, fr, home, tmp, suite, fields, said):
    """Write a suite's results to a.out with what ran and when, say so, and clean up."""
    info.update({
        "suite": suite,
        "repo": repo,
        "requested_files": a.files,
        "bin": fr,
        "bin_version": subprocess.run([fr, "--version"], env=env, capture_output=True, text=True).stdout.strip(),
        **fields,
        "when": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    })
    with open(a.out, "w") as f:
        json.dump(info, f, indent=1)
    print(f"{said}wrote {a.out}")
    shutil.rmtree(home, ignore_errors=True)
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


def run_core(a):
    repo, fr, home, tmp, env = common_setup(a)
    q = shlex.quote
    R = q(repo)
    scratch = os.path.abspath(a.scratch or os.path.join(os.path.dirname(repo), f"scratch-{os.path.basename(repo)}"))
    # Every ref a command creates; the prepare before each run deletes the command's own.
    fr_refs = {"newest": "bench-fr", "recent": "bench-fr-recent", "old": "bench-fr-old"}
    git_refs = {"newest": "bench-git", "recent": "bench-git-recent", "old": "bench-git-old"}
    rb_refs = {("old", False): "bench-rb", ("old", True): "bench-rb-anchored",
               ("tag", False): "bench-rb-tag", ("tag", True): "bench-rb-tag-anchored"}
    all_refs = [*fr_refs.values(), *git_refs.values(), *rb_refs.values(), "bench-fr-anchored", "bench-fr-cold",
                "bench-fr-attrs-recent", "bench-fr-attrs-old",
                "bench-rb-cold"]

    def reset_refs():
        return " ".join(f"git -C {R} update-ref -d refs/heads/{b} 2>/dev/null;" for b in all_refs)

    # Start from a known state (an interrupted run may have left refs or a revert in progress).
    subprocess.run(sh(f"git -C {R} revert --quit; git -C {R} switch -q -f main; "
                      f"git -C {R} branch -q -D bench-sw; {reset_refs()} git -C {R} update-index -q --refresh"),
                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    info = repo_info(env, repo)
    main = info["main"]
    merges = {"newest": (1, git_out(env, repo, "rev-list", "--merges", "-1", "main"))}
    merges["recent"] = pick_merge(env, repo, a.recent_merge)
    merges["old"] = pick_merge(env, repo, a.old_merge)
    back = {k: int(git_out(env, repo, "rev-list", "--count", "--first-parent", f"{m}..main"))
            for k, (_, m) in merges.items()}
    # Rollback targets: v1.1.0 (far back) and the newest tag. On mkrepo histories the newest tag
    # (`git describe --tags --abbrev=0 main`) is main itself, a no-op; then the newest tag behind
    # main (`... main^`) is the near rollback, and the no-op is timed as a row of its own.
    old_tag = a.old_tag
    newest_tag = git_out(env, repo, "describe", "--tags", "--abbrev=0", "main")
    near_tag = newest_tag
    if git_out(env, repo, "rev-parse", f"{newest_tag}^{{commit}}") == main:
        near_tag = git_out(env, repo, "describe", "--tags", "--abbrev=0", "main^")
    tags = {t: {"back": int(git_out(env, repo, "rev-list", "--count", "--first-parent", f"{t}..main")),
                "commits": int(git_out(env, repo, "rev-list", "--count", f"{t}..main"))}
            for t in {old_tag, near_tag, newest_tag}}
    print(f"{repo}: {info['files']} files at main {main[:10]}; "
          + ", ".join(f"{k} merge #{n} {m[:10]} ({back[k]} first-parent commits back)" for k, (n, m) in merges.items())
          + "; tags " + ", ".join(f"{t} ({v['back']} back)" for t, v in tags.items()), flush=True)

    def delete_ref(name):
        return f"git -C {R} update-ref -d refs/heads/{name} 2>/dev/null || true"

    # mkrepo's migrations include destructive ones (DROP/RENAME/ALTER TYPE), which the migration
    # guard refuses (exit 4). Let them through: the guard still scans and parses them, so its cost
    # stays in the measurement.
    extra = {}
    for sub in ("revert", "rollback"):
        help_text = subprocess.run([fr, sub, "--help"], env=env, capture_output=True, text=True).stdout
        extra[sub] = ["--allow-destructive-migrations"] if "--allow-destructive-migrations" in help_text else []
    top_help = subprocess.run([fr, "--help"], env=env, capture_output=True, text=True).stdout
    has = {c: bool(re.search(rf"^\s+{c}\s", top_help, re.M)) for c in ("check-migrations", "deploy", "switch")}

    mig = MigrationConfig(env, repo)

    # Merge rules for every path, in info/attributes (git and git-fastrevert both read it): only
    # the rows that say so have them; every other prepare removes the file.
    attrs_file = f"\"$(git -C {R} rev-parse --path-format=absolute --git-common-dir)\"/info/attributes"
    no_attrs = f"rm -f {attrs_file}; "
    with_attrs = (f"mkdir -p \"$(dirname {attrs_file})\" && "
                  f"printf '* merge=union\\n*.lock -merge\\n*.bin binary\\n' > {attrs_file}; ")

    def fr_prepare(anchored, ref=None, cold=None, attributes=False):
        # cold: without its caches a run builds them, as the first run in a clone does. "index":
        # the migration index files only (all a revert uses); "all": the whole folder, the
        # remembered first-parent line too (rollback). Run after the warm rows of a round.
        what = {"index": "fastrevert/migrations-*.idx", "all": "fastrevert"}.get(cold)
        drop = (f"d=$(git -C {R} rev-parse --path-format=absolute --git-common-dir) && "
                f"rm -rf \"$d\"/{what}; ") if what else ""
        attrs = with_attrs if attributes else no_attrs
        return sh(f"{attrs}{drop}{mig.script(anchored)}; " + (delete_ref(ref) if ref else "true"))

    def fastrevert_revert(m, branch):
        return [fr, "-C", repo, "revert", m, "--no-fetch", "--no-push", "--branch", branch, *extra["revert"]]

    def plumbing(m, branch):
        return sh(
            f"tree=$(git -C {R} merge-tree --write-tree --merge-base={m} main {m}^1) && "
            f"c=$(git -C {R} commit-tree $tree -p main -m {q('Revert ' + m)}) && "
            f"git -C {R} update-ref refs/heads/{branch} $c ''"
        )

    def rollback(tag, branch):
        return [fr, "-C", repo, "rollback", "--to", tag, "--mode", "commit", "--no-fetch", "--no-push",
                "--branch", branch, *extra["rollback"]]

    def which(k):
        n, _ = merges[k]
        return "newest merge (= main's tip)" if k == "newest" else f"{k} merge (#{n}, {back[k]} back)"

    N = a.runs
    switch_runs = min(a.switch_runs or N, N)
    newest = merges["newest"][1]
    sw_prepare = f"{no_attrs}git -C {R} switch -q -f main; git -C {R} branch -q -D bench-sw; true"
    cmds = [
        Command("baseline: /bin/true (harness floor)", ["/bin/true"], runs=N, group="floor"),
        Command("baseline: bash -c true", sh("true"), runs=N, group="bash"),
        Command("baseline: git-fastrevert --version", [fr, "--version"], runs=N, group="version"),
    ]
    for k in merges:
        suffix = "" if k == "newest" else f"-{k}"
        cmds.append(Command(f"a. fastrevert revert, {which(k)} {paths_label(False)}",
                            fastrevert_revert(merges[k][1], fr_refs[k]),
                            prepare=fr_prepare(False, fr_refs[k]), runs=N, group="fr" + suffix))
    for k in merges:
        if k == "newest":
            continue
        cmds.append(Command(f"a. fastrevert revert, {which(k)} {paths_label(False)}, merge rules for "
                            "every path in info/attributes",
                            fastrevert_revert(merges[k][1], f"bench-fr-attrs-{k}"),
                            prepare=fr_prepare(False, f"bench-fr-attrs-{k}", attributes=True), runs=N,
                            group=f"fr-attrs-{k}"))
    cmds.append(Command(f"a. fastrevert revert, {which('newest')} {paths_label(True)}",
                        fastrevert_revert(newest, "bench-fr-anchored"),
                        prepare=fr_prepare(True, "bench-fr-anchored"), runs=N, group="fr-anchored"))
    cmds.append(Command(f"a. fastrevert revert, {which('newest')} {paths_label(False)}, no migration index "
                        "(first run in a clone: builds it)",
                        fastrevert_revert(newest, "bench-fr-cold"),
                        prepare=fr_prepare(False, "bench-fr-cold", cold="index"), runs=N, group="fr-cold"))
    for k in merges:
        suffix = "" if k == "newest" else f"-{k}"
        cmds.append(Command(f"b. git plumbing (merge-tree + commit-tree + update-ref), {which(k)}",
                            plumbing(merges[k][1], git_refs[k]),
                            prepare=sh(no_attrs + delete_ref(git_refs[k])), runs=N, group="plumbing" + suffix))
    cmds.append(Command(f"c. git switch -c + git revert -m 1 (checkout), {which('newest')}",
                        sh(f"git -C {R} switch -q -c bench-sw main && git -C {R} revert -m 1 --no-edit {newest}"),
                        prepare=sh(sw_prepare), runs=switch_runs, group="switch"))
    for which_tag, tag in (("old", old_tag), ("tag", near_tag)):
        for anchored in (False, True):
            t = tags[tag]
            cmds.append(Command(
                f"d. fastrevert rollback --to {tag} ({t['back']} first-parent commits back) {paths_label(anchored)}",
                rollback(tag, rb_refs[(which_tag, anchored)]),
                prepare=fr_prepare(anchored, rb_refs[(which_tag, anchored)]), runs=N,
                group=f"rollback{'' if which_tag == 'old' else '-tag'}{'-anchored' if anchored else ''}"))
    t = tags[old_tag]
    cmds.append(Command(
        f"d. fastrevert rollback --to {old_tag} ({t['back']} first-parent commits back) {paths_label(False)}, "
        "no migration index or remembered first-parent line (first run in a clone: builds both)",
        rollback(old_tag, "bench-rb-cold"), prepare=fr_prepare(False, "bench-rb-cold", cold="all"), runs=N,
        group="rollback-cold"))
    # What following the same first parents costs git: the floor of a rollback that far back.
    cmds.append(Command(f"d. ref: git rev-list --first-parent --count {old_tag}..main (the same walk)",
                        ["git", "-C", repo, "rev-list", "--first-parent", "--count", f"{old_tag}..main"],
                        runs=N, group="revlist"))
    if newest_tag != near_tag:
        cmds.append(Command(
            f"d. fastrevert rollback --to {newest_tag} (newest tag = main: nothing to do) {paths_label(False)}",
            rollback(newest_tag, "bench-rb-noop"), prepare=fr_prepare(False, "bench-rb-noop"), runs=N,
            group="rollback-noop"))
    if has["check-migrations"]:
        for anchored in (False, True):
            cmds.append(Command(
                f"e. fastrevert check-migrations {old_tag}..main --json {paths_label(anchored)}",
                [fr, "-C", repo, "check-migrations", f"{old_tag}..main", "--json"],
                prepare=fr_prepare(anchored), ok=(0, 4), runs=N,
                group="check" + ("-anchored" if anchored else "")))
    cmds.append(Command(f"e. ref: git diff-tree -r --name-only {old_tag} main (the whole-tree diff; no index)",
                        ["git", "-C", repo, "diff-tree", "-r", "--name-only", old_tag, "main"],
                        runs=N, group="difftree", env=NO_INDEX))
    cmds.append(Command(f"e. ref: git diff-tree -r --name-only {old_tag} main -- db/migrate (no index)",
                        ["git", "-C", repo, "diff-tree", "-r", "--name-only", old_tag, "main", "--", "db/migrate"],
                        runs=N, group="difftree-anchored", env=NO_INDEX))

    # Switch: two releases deployed (near_tag, then main); every run flips to the other one. It runs
    # in a directory outside any repository, as on a deploy host.
    sw_dir = os.path.join(scratch, "switch")
    sw_rel = os.path.join(sw_dir, "releases")
    if has["switch"] and has["deploy"]:
        remove_tree(sw_dir, scratch)
        settle(scratch, a.settle)
        os.makedirs(sw_rel)
        for rev in (near_tag, "main"):
            p = subprocess.run([fr, "-C", repo, "-q", "deploy", rev, "--releases", sw_rel, "--keep", "100"],
                               env=env, capture_output=True, text=True)
            if p.returncode != 0:
                raise CommandFailed(f"deploy {rev} into {sw_rel} failed ({p.returncode}):\n{p.stderr}")
        cmds.append(Command("f. fastrevert switch previous --releases R (flips between 2 releases)",
                            [fr, "switch", "previous", "--releases", sw_rel], runs=N, group="sw",
                            metrics=switch_changed, cwd=tmp))
        cmds.append(Command("f. fastrevert switch previous --releases R --json (own time: elapsed_us)",
                            [fr, "switch", "previous", "--releases", sw_rel, "--json"], runs=N, group="sw-json",
                            metrics=switch_own_time, cwd=tmp))

    phases = []
    results = []
    quiet = Quiet(a.idle_threshold / 100, a.idle_wait)
    try:
        res, ph = measure_all("main", cmds, env, tmp, a.warmup, N, quiet)
        results += res
        phases.append(ph)
    finally:
        mig.restore()

    # Same result everywhere: fastrevert, plumbing (and switch+revert) make the same tree for each
    # merge, and each rollback's tree is its target's.
    tree = lambda ref: git_out(env, repo, "rev-parse", f"{ref}^{{tree}}")  # noqa: E731
    trees = {b: tree(f"refs/heads/{b}") for b in [*all_refs, "bench-sw"]}
    agree = all(trees[fr_refs[k]] == trees[git_refs[k]] for k in merges) and \
        trees["bench-sw"] == trees["bench-fr"] == trees["bench-fr-anchored"] == trees["bench-fr-cold"] and \
        trees["bench-rb-cold"] == tree(old_tag) and \
        all(trees[b] == tree(old_tag if w == "old" else near_tag) for (w, _), b in rb_refs.items())
    if not agree:
        print(f"WARNING: result trees differ: {json.dumps(trees, indent=1)}", file=sys.stderr)

    # Leave the repository as mkrepo made it.
    subprocess.run(sh(f"{sw_prepare}; {reset_refs()} true"),
                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    deploy_same = None
    try:
        if a.deploy_runs > 0 and has["deploy"]:
            res, ph, deploy_same = run_deploy(a, env, tmp, repo, fr, scratch, quiet)
            results += res
            phases.append(ph)
    finally:
        if not a.defer_delete:
            remove_tree(scratch, scratch)

    return finish(a, info, env, repo, fr, home, tmp, "core", {
        "merges": {k: {"nth": n, "commit": m, "back": back[k]} for k, (n, m) in merges.items()},
        "tags": {"old": old_tag, "near": near_tag, "newest": newest_tag, "info": tags},
        "trees_agree": agree,
        "deploy_same_files": deploy_same,
        "fastrevert_extra_args": extra,
        "phases": phases,
        "trees": trees,
        "results": results,
    }, f"trees agree: {'yes' if agree else 'NO'}; deploy = git archive: {deploy_same}; ")


def run_deploy(a, env, tmp, repo, fr, scratch, quiet):
    """Deploy main into a fresh directory: fastrevert deploy, git archive | tar (without and with a
    final sync), git worktree add. Every prepare moves the last run's output aside (no deletion, see
    SETTLE_S) and syncs; the outputs are deleted at the end."""
    R = shlex.quote(repo)
    S = os.path.join(scratch, "deploy")
    QS = shlex.quote(S)
    cur = f"{QS}/cur"
    # Move the last output aside; a moved worktree is pruned (its few admin files are deleted).
    reset = (f"mkdir -p {QS}/old; if [ -e {cur} ]; then mv {cur} {QS}/old/$(date +%s%N); fi; "
             f"git -C {R} worktree prune; mkdir {cur}")
    runs = a.deploy_runs
    cmds = [
        Command("g. fastrevert deploy main --releases R --keep 100 (ends with syncfs)",
                [fr, "-C", repo, "-v", "deploy", "main", "--releases", f"{S}/cur/releases", "--keep", "100"],
                prepare=sh(f"{reset}; mkdir {cur}/releases"), runs=runs, group="deploy", metrics=deploy_split),
        Command("g. fastrevert deploy main with main~1 live (unchanged files hard-linked; ends with syncfs)",
                [fr, "-C", repo, "-v", "deploy", "main", "--releases", f"{S}/cur/releases", "--keep", "100"],
                prepare=sh(f"{reset}; mkdir {cur}/releases && {shlex.quote(fr)} -C {R} -q deploy main~1 "
                           f"--releases {cur}/releases --keep 100 && sync"),
                runs=runs, group="deploy-linked", metrics=deploy_split),
        Command("g. fastrevert deploy main --copy with main~1 live (every file written)",
                [fr, "-C", repo, "-v", "deploy", "main", "--copy", "--releases", f"{S}/cur/releases", "--keep", "100"],
                prepare=sh(f"{reset}; mkdir {cur}/releases && {shlex.quote(fr)} -C {R} -q deploy main~1 "
                           f"--releases {cur}/releases --keep 100 && sync"),
                runs=runs, group="deploy-copy", metrics=deploy_split),
        Command("g. git archive main | tar -x -C D (no flush)",
                sh(f"set -o pipefail; git -C {R} archive main | tar -x -C {cur}/d"),
                prepare=sh(f"{reset}; mkdir {cur}/d"), runs=runs, group="archive"),
        Command("g. git archive main | tar -x -C D && sync",
                sh(f"set -o pipefail; git -C {R} archive main | tar -x -C {cur}/d && sync"),
                prepare=sh(f"{reset}; mkdir {cur}/d"), runs=runs, group="archive-sync"),
        Command("g. git worktree add --detach D main (no flush)",
                ["git", "-C", repo, "worktree", "add", "-q", "--detach", f"{S}/cur/wt", "main"],
                prepare=sh(reset), runs=runs, group="worktree"),
    ]
    settled = settle(scratch, a.settle)
    try:
        res, ph = measure_all("deploy", cmds, env, tmp, a.deploy_warmup, runs, quiet)
        ph["settled_s"] = settled
        # Same files: deploy's release and git archive's output (deploy adds a REVISION file).
        subprocess.run(sh(reset), env=env, capture_output=True)
        main = git_out(env, repo, "rev-parse", "main")
        subprocess.run(sh(f"mkdir {cur}/releases {cur}/d && "
                          f"{shlex.quote(fr)} -C {R} -q deploy main --releases {cur}/releases && "
                          f"git -C {R} archive main | tar -x -C {cur}/d"), env=env, capture_output=True, check=True)
        same = subprocess.run(["diff", "-rq", "--no-dereference", "-x", "REVISION", f"{S}/cur/releases/{main}",
                               f"{S}/cur/d"], env=env, capture_output=True).returncode == 0
    finally:
        subprocess.run(sh(f"{reset}; git -C {R} worktree prune"), env=env, capture_output=True)
    return res, ph, same


def run_migrations(a):
    """check-migrations over main~RANGE..main, with the built-in paths and with anchored ones,
    next to git diff-tree over the same range (whole tree, and limited to db/migrate)."""
    repo, fr, home, tmp, env = common_setup(a)
    info = repo_info(env, repo)
    rng = f"main~{a.range}..main"
    base = f"main~{a.range}"
    mig = MigrationConfig(env, repo)
    found = {}
    for anchored in (False, True):
        subprocess.run(sh(mig.script(anchored)), env=env, capture_output=True)
        p = subprocess.run([fr, "-C", repo, "check-migrations", rng, "--json"], env=env, capture_output=True, text=True)
        if p.returncode not in (0, 4):
            mig.restore()
            raise CommandFailed(f"check-migrations {rng} failed ({p.returncode}):\n{p.stderr}")
        j = json.loads(p.stdout)
        found[ANCHORED if anchored else "defaults"] = {
            "exit": p.returncode, "migrations": len(j.get("migrations", [])),
            "destructive": j.get("destructive"), "additive": j.get("additive"), "unknown": j.get("unknown")}
    mig.restore()
    changed = git_out(env, repo, "diff-tree", "-r", "--name-only", base, "main").count("\n") + 1
    N = a.runs
    cmds = [
        Command("baseline: /bin/true (harness floor)", ["/bin/true"], runs=N, group="floor"),
        Command("baseline: git-fastrevert --version", [fr, "--version"], runs=N, group="version"),
    ]
    for anchored in (False, True):
        cmds.append(Command(f"h. fastrevert check-migrations {rng} --json {paths_label(anchored)}",
                            [fr, "-C", repo, "check-migrations", rng, "--json"],
                            prepare=sh(mig.script(anchored)), ok=(0, 4), runs=N,
                            group="check" + ("-anchored" if anchored else "")))
    cmds.append(Command(f"h. ref: git diff-tree -r --name-only {base} main (no index)",
                        ["git", "-C", repo, "diff-tree", "-r", "--name-only", base, "main"], runs=N, group="difftree",
                        env=NO_INDEX))
    cmds.append(Command(f"h. ref: git diff-tree -r --name-only {base} main -- db/migrate (no index)",
                        ["git", "-C", repo, "diff-tree", "-r", "--name-only", base, "main", "--", "db/migrate"],
                        runs=N, group="difftree-anchored", env=NO_INDEX))
    quiet = Quiet(a.idle_threshold / 100, a.idle_wait)
    try:
        results, ph = measure_all("migrations", cmds, env, tmp, a.warmup, N, quiet)
    finally:
        mig.restore()
    return finish(a, info, env, repo, fr, home, tmp, "migrations", {
        "range": rng,
        "range_commits": int(git_out(env, repo, "rev-list", "--count", rng)),
        "range_first_parent": int(git_out(env, repo, "rev-list", "--count", "--first-parent", rng)),
        "range_changed_paths": changed,
        "found": found,
        "phases": [ph],
        "results": results,
    }, "")


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


def cell(text):
    """Text for a Markdown table cell (a | would end the cell)."""
    return text.replace("|", "\\|")


def verdict(ok):
    return "**met**" if ok else "**NOT met**"


def phase_lines(d):
    L = []
    for ph in d.get("phases", []):
        busy = [b for b in ph["busy_before_rounds"] if b is not None]
        noisy = [b for b in busy if b > ph["idle_threshold"] / 100]
        L.append(f"Phase {ph['name']} ({ph['warmup']} warm-up(s), {ph['rounds']} rounds): load average "
                 f"{ph['loadavg_before'][0]:.2f} before, {ph['loadavg_after'][0]:.2f} after; CPU busy just before "
                 f"each round: max {max(busy, default=0):.0%}"
                 + (f", **{len(noisy)} round(s) measured on a busy machine**" if noisy else "")
                 + (f" (waited {ph['idle_wait_s']:.0f} s for other work to finish)" if ph["idle_wait_s"] >= 1 else "")
                 + (f"; {ph['runs_delayed']} run(s) found another task running just before starting and "
                    "waited for it" if ph.get("runs_delayed") else "")
                 + (f"; waited {ph['settled_s']:.0f} s first for freed inodes to age (see timing.py, SETTLE_S)"
                    if ph.get("settled_s", 0) >= 1 else "")
                 + ".")
        L.append("")
    return L


def notes(r):
    m = r.get("metrics") or {}
    if "own_ms" in m:
        o = m["own_ms"]
        return f"own time (`elapsed_us`): median {o['median']:.3f} ms, min {o['min']:.3f}, max {o['max']:.3f}"
    if "export_ms" in m:
        return (f"{m['files']['median']:,.0f} files: export {fmt(m['export_ms']['median'])} ms + "
                f"syncfs {fmt(m['syncfs_ms']['median'])} ms (medians)")
    return ""


def table(d):
    L = ["| command | runs | median ms | min ms | max ms | CPU ms (user+sys, median) | notes |",
         "|---|---:|---:|---:|---:|---:|---|"]
    for r in d["results"]:
        L.append(f"| {cell(r['label'])} | {r['runs']} | {fmt(r['median_ms'])} | {fmt(r['min_ms'])} | "
                 f"{fmt(r['max_ms'])} | {fmt(r['cpu_median_ms'])} | {notes(r)} |")
    L.append("")
    return L


def core_targets(d):
    """[(target, value text, ok or None)] for one core run."""
    g = by_group(d)
    med = lambda k: g[k]["median_ms"] if k in g else None  # noqa: E731
    T = []
    fr = med("fr")
    for k, name in (("", "newest"), ("-recent", "recent"), ("-old", "old")):
        a, b = med("fr" + k), med("plumbing" + k)
        if a is not None and b is not None:
            T.append((f"revert <= git plumbing, {name} merge", f"{fmt(a)} vs {fmt(b)} ms ({b / a:.1f}x)", a <= b))
    if fr is not None and med("switch") is not None:
        ratio = med("switch") / fr
        T.append((f"switch+revert >= {TARGET_SWITCH_RATIO:.0f}x slower than revert",
                  f"{ratio:.1f}x ({fmt(med('switch'))} / {fmt(fr)} ms)", ratio >= TARGET_SWITCH_RATIO))
    tg = d.get("tags", {})
    for k, name in (("rollback", f"{tg.get('old', 'v1.1.0')}, defaults"),
                    ("rollback-anchored", f"{tg.get('old', 'v1.1.0')}, `{ANCHORED}`"),
                    ("rollback-tag", f"{tg.get('near', 'newest tag')}, defaults"),
                    ("rollback-tag-anchored", f"{tg.get('near', 'newest tag')}, `{ANCHORED}`")):
        if med(k) is not None:
            T.append((f"rollback < {TARGET_ROLLBACK_MS:.0f} ms, {name}", f"{fmt(med(k))} ms", med(k) < TARGET_ROLLBACK_MS))
    if med("deploy") is not None:
        dep = med("deploy")
        for k, name in (("archive", "git archive | tar (no flush)"), ("archive-sync", "git archive | tar && sync")):
            T.append((f"deploy <= {name}", f"{fmt(dep)} vs {fmt(med(k))} ms ({med(k) / dep:.2f}x)", dep <= med(k)))
    if "sw-json" in g:
        own = g["sw-json"]["metrics"]["own_ms"]["median"]
        T.append((f"switch own time < {TARGET_SWITCH_OWN_MS:.0f} ms", f"{own:.3f} ms", own < TARGET_SWITCH_OWN_MS))
        whole = med("sw")
        T.append((f"switch whole process < {TARGET_SWITCH_WHOLE_MS:.0f} ms", f"{fmt(whole)} ms",
                  whole < TARGET_SWITCH_WHOLE_MS))
    return T


def cmd_report(a):
    data = [json.load(open(p)) for p in a.results]
    core = sorted([d for d in data if d.get("suite", "core") == "core"], key=lambda d: d["requested_files"] or d["files"])
    migs = [d for d in data if d.get("suite") == "migrations"]
    deploys = sorted([d for d in data if d.get("suite") == "deploy"], key=lambda d: d["requested_files"] or d["files"])
    # A deploy-only run (e.g. at 1M files, timed apart) joins the core run of the same size.
    for d in list(deploys):
        same = [c for c in core if size(c) == size(d) and not any(r["group"] == "deploy" for r in c["results"])]
        if same:
            c = same[0]
            c["results"] = c["results"] + d["results"]
            c["phases"] = c.get("phases", []) + [{**ph, "name": f"{ph['name']} (timed apart, {d['when']})"}
                                                 for ph in d.get("phases", [])]
            c["deploy_same_files"] = d.get("deploy_same_files")
            deploys.remove(d)
    mi = machine_info()
    # When the newest of the runs finished (the report may be written later).
    whens = [datetime.datetime.fromisoformat(d["when"]) for d in data if d.get("when")]
    now = (max(whens) if whens else datetime.datetime.now(datetime.timezone.utc)).strftime("%Y-%m-%d %H:%M UTC")
    if whens and (max(whens) - min(whens)).total_seconds() >= 60:
        now = f"{min(whens):%Y-%m-%d %H:%M}-{max(whens):%H:%M} UTC"
    L = []
    L.append(f"## Run of {now}" + (f": {a.label}" if a.label else ""))
    L.append("")
    L.append(f"- Machine: {mi['nproc']} CPUs (`nproc`), {mi['cpu']}, {mi['mem']}, Linux {mi['kernel']}")
    built = a.label or f"built from {project_rev()} (release profile)"
    L.append(f"- {mi['git']}; git-fastrevert {built}: `{data[0].get('bin', '?')}`, {data[0].get('bin_version', '')}")
    L.append("- Each command timed as a whole process (`bench/timing.py`): warm-ups, then rounds running every "
             "command once (interleaved, so load bursts hit all alike); warm page cache; an untimed prepare before "
             "each run resets what the command creates (refs; the release/archive/worktree directory; the "
             f"repository's `{MIG_KEY}`), and an untimed `sync` follows every prepare and run. Wall-clock ms; "
             "CPU = user+sys of the process and the children it waited for.")
    L.append(f"- `{paths_label(False)}`: no `{MIG_KEY}`, so the built-in patterns (they include `**/migrations/*.sql` "
             f"and `**/*.up.sql`, which reach every directory). `{paths_label(True)}`: "
             f"`git config {MIG_KEY} '{ANCHORED}'` in the repository, set by the prepare (restored afterwards).")
    if any(d.get("fastrevert_extra_args", {}).get("rollback") for d in core):
        L.append("- revert and rollback run with `--allow-destructive-migrations`: mkrepo's history has destructive "
                 "SQL migrations, which the guard would refuse (exit 4); the guard still scans them. "
                 "check-migrations exits 4 for the same reason, counted as success.")
    L.append("- Flushing: `deploy` calls syncfs on the filesystem before its final rename (its -v trace splits the "
             "time into export and syncfs); `git archive | tar` and `git worktree add` do not flush, so "
             "`git archive | tar && sync` is timed too.")
    L.append("")
    for d in core:
        objs = dict(line.split(": ", 1) for line in d["count_objects"].splitlines() if ": " in line)
        mg = d["merges"]
        tg = d.get("tags", {})
        ti = tg.get("info", {})
        L.append(f"### {size(d)} files ({d['files']:,} paths in main's tree)")
        L.append("")
        L.append(f"main `{d['main'][:10]}`, {objs.get('in-pack', '?')} objects in "
                 f"{objs.get('packs', '?')} pack(s) ({int(objs.get('size-pack', 0)) / 1024:.1f} MiB). Merges reverted: "
                 + "; ".join(f"{k} `{m['commit'][:10]}` (#{m['nth']} first-parent merge, {m['back']} commits back)"
                             for k, m in mg.items())
                 + ". Rollback targets: "
                 + "; ".join(f"{t} ({v['back']} first-parent commits back, {v['commits']} commits in all)"
                             for t, v in ti.items())
                 + (f" (`git describe --tags --abbrev=0 main` is {tg['newest']}, main itself, so the near rollback "
                    f"goes to {tg['near']}, the newest tag behind main)" if tg.get("newest") != tg.get("near") else "")
                 + ". Result trees of fastrevert, plumbing and switch+revert agree, and each rollback's is its "
                   "target's: " + ("yes." if d["trees_agree"] else "**NO**.")
                 + ({True: " deploy's release has the same files as `git archive main`: yes.",
                     False: " deploy's release has the same files as `git archive main`: **NO**."}
                    .get(d.get("deploy_same_files"), "")))
        L.append("")
        L += phase_lines(d)
        L += table(d)
        for name, val, ok in core_targets(d):
            L.append(f"- {name}: {val}: {verdict(ok)}")
        L.append("")
    if len(core) > 1:
        L.append("### Summary (medians, ms)")
        L.append("")
        cols = [("fr", "revert newest"), ("fr-recent", "revert recent"), ("fr-old", "revert old"),
                ("fr-anchored", f"revert newest `{ANCHORED}`"), ("plumbing", "git plumbing newest"),
                ("switch", "switch+revert"), ("rollback", "rollback old tag"),
                ("rollback-anchored", f"rollback old tag `{ANCHORED}`"), ("rollback-tag", "rollback near tag"),
                ("rollback-tag-anchored", f"rollback near tag `{ANCHORED}`"), ("fr-cold", "revert newest, no index"),
                ("rollback-cold", "rollback old tag, no caches"), ("revlist", "git rev-list old tag"),
                ("deploy", "deploy"),
                ("archive", "archive\\|tar"), ("archive-sync", "archive\\|tar && sync"), ("worktree", "worktree add"),
                ("sw", "switch (process)")]
        cols = [c for c in cols if any(c[0] in by_group(d) for d in core)]
        L.append("| files | " + " | ".join(n for _, n in cols) + " | switch own |")
        L.append("|---:|" + "---:|" * (len(cols) + 1))
        for d in core:
            g = by_group(d)
            own = g.get("sw-json", {}).get("metrics", {}).get("own_ms", {}).get("median")
            L.append(f"| {size(d)} | " + " | ".join(fmt(g[k]["median_ms"]) if k in g else "-" for k, _ in cols)
                     + (f" | {own:.3f} |" if own is not None else " | - |"))
        L.append("")
        first, last = core[0], core[-1]
        f0, f1 = by_group(first)["fr"]["median_ms"], by_group(last)["fr"]["median_ms"]
        growth = [f"{name}: {fmt(by_group(first)[k]['median_ms'])} -> {fmt(by_group(last)[k]['median_ms'])} ms = "
                  f"{by_group(last)[k]['median_ms'] / by_group(first)[k]['median_ms']:.2f}x"
                  for k, name in (("fr-recent", "recent merge"), ("fr-old", "old merge"),
                                  ("fr-anchored", f"newest, `{ANCHORED}`"), ("rollback", "rollback old tag"),
                                  ("rollback-anchored", f"rollback old tag, `{ANCHORED}`"))
                  if k in by_group(first) and k in by_group(last)]
        L.append(f"- fastrevert revert growth {size(first)} -> {size(last)} files, newest merge: "
                 f"{fmt(f0)} -> {fmt(f1)} ms = **{f1 / f0:.2f}x** (target <= {TARGET_GROWTH}x: "
                 f"{verdict(f1 / f0 <= TARGET_GROWTH)}); " + "; ".join(growth))
        L.append("")
        L.append("Targets per size:")
        L.append("")
        L.append("| target | " + " | ".join(size(d) for d in core) + " |")
        L.append("|---|" + "---|" * len(core))
        per = [dict((n, (v, ok)) for n, v, ok in core_targets(d)) for d in core]
        names = []
        for p in per:
            names += [n for n in p if n not in names]
        for n in names:
            L.append(f"| {cell(n)} | " + " | ".join(
                (f"{'met' if p[n][1] else '**NOT met**'} ({p[n][0].split(' (')[0]})" if n in p else "-") for p in per)
                + " |")
        L.append("")
    for d in deploys:
        L.append(f"### deploy alone: {size(d)} files ({d['files']:,} paths in main's tree)")
        L.append("")
        L.append("deploy's release has the same files as `git archive main`: "
                 + ("yes." if d.get("deploy_same_files") else "**NO**."))
        L.append("")
        L += phase_lines(d)
        L += table(d)
        for name, val, ok in core_targets(d):
            L.append(f"- {name}: {val}: {verdict(ok)}")
        L.append("")
    for d in migs:
        g = by_group(d)
        L.append(f"### check-migrations over {d['range']}: {size(d)} files")
        L.append("")
        objs = dict(line.split(": ", 1) for line in d["count_objects"].splitlines() if ": " in line)
        L.append(f"Repository `{os.path.basename(d['repo'])}` (mkrepo, {size(d)} files, {d['files']:,} paths in main's "
                 f"tree, {objs.get('in-pack', '?')} objects). {d['range']}: {d['range_first_parent']} first-parent "
                 f"commits, {d['range_commits']} commits in all, {d['range_changed_paths']:,} paths differ between "
                 "the ends. Found: " + "; ".join(
                     f"{k}: {v['migrations']} migrations, {v['destructive']} destructive statements (exit {v['exit']})"
                     for k, v in d["found"].items()) + ".")
        L.append("")
        L += phase_lines(d)
        L += table(d)
        for k, name in (("check", "defaults"), ("check-anchored", f"`{ANCHORED}`")):
            if k in g:
                m = g[k]["median_ms"]
                L.append(f"- check-migrations, {name}: **{fmt(m)} ms**, {1000 / m:.0f}x under a second (target "
                         f"well under 1 s, read as < {TARGET_CHECK_MS:.0f} ms: {verdict(m < TARGET_CHECK_MS)})")
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
    r.add_argument("--suite", choices=("core", "deploy", "migrations"), default="core",
                   help="core: revert, rollback, check-migrations, switch (and deploy); deploy: the deploy "
                        "phase alone; migrations: check-migrations over main~RANGE..main")
    r.add_argument("--repo", required=True, help="non-bare repository made by mkrepo")
    r.add_argument("--bin", required=True, help="the git-fastrevert binary")
    r.add_argument("--files", type=int, default=0, help="file count, for the report")
    r.add_argument("--out", required=True, help="JSON file to write")
    r.add_argument("--runs", type=int, default=15, help="timed runs per command (default 15)")
    r.add_argument("--warmup", type=int, default=2, help="untimed warm-up runs (default 2)")
    r.add_argument("--switch-runs", type=int, default=0, help="timed runs of switch+revert (default --runs)")
    r.add_argument("--deploy-runs", type=int, default=0,
                   help="timed runs of deploy vs git archive | tar vs git worktree add (default 0: skip)")
    r.add_argument("--deploy-warmup", type=int, default=1, help="warm-up runs of the deploy phase (default 1)")
    r.add_argument("--scratch", help="directory for releases, archives and worktrees (default: "
                                     "scratch-<repo name> next to the repository; removed afterwards)")
    r.add_argument("--defer-delete", action="store_true",
                   help="leave the scratch directory for the caller to delete (run.sh deletes them last)")
    r.add_argument("--settle", type=float, default=SETTLE_S,
                   help=f"seconds to wait after a mass deletion before creating many files (default {SETTLE_S})")
    r.add_argument("--old-tag", default="v1.1.0", help="the far rollback target (default v1.1.0)")
    r.add_argument("--range", type=int, default=1000, help="migrations suite: check main~RANGE..main (default 1000)")
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

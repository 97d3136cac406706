//! The built binary against real repositories and local bare remotes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::{code, json, stderr, Env};

/// Every file under `.git/objects` and every ref, to prove that nothing was written.
fn repo_state(env: &Env, dir: &Path) -> (Vec<PathBuf>, String) {
    let git_dir = PathBuf::from(env.git(dir, &["rev-parse", "--absolute-git-dir"]));
    let mut files = Vec::new();
    let mut stack = vec![git_dir.join("objects")];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    files.sort();
    (
        files,
        env.git(dir, &["for-each-ref", "--format=%(refname) %(objectname)"]),
    )
}

/// The bytes of HEAD, the index and every file of the working tree.
fn checkout_state(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut state = BTreeMap::new();
    for f in [".git/HEAD", ".git/index"] {
        state.insert(PathBuf::from(f), std::fs::read(dir.join(f)).unwrap());
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.file_name().is_some_and(|n| n == ".git") {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                state.insert(p.clone(), std::fs::read(&p).unwrap());
            }
        }
    }
    state
}

fn make_dirty(env: &Env, dir: &Path) {
    env.write(dir, "README", "uncommitted edit\n");
    env.write(dir, "untracked.txt", "new\n");
    env.write(dir, "app/main.txt", "staged\n");
    env.git(dir, &["add", "app/main.txt"]);
}

fn merge_commit(env: &Env, dir: &Path) -> String {
    env.git(dir, &["rev-list", "--merges", "-1", "main"])
}

#[test]
fn revert_of_a_merge_is_pushed_and_the_checkout_is_untouched() {
    let env = Env::new();
    let (work, remote) = env.cloned();
    let merge = merge_commit(&env, &work);
    make_dirty(&env, &work);
    let before = checkout_state(&work);

    let out = env.run_ok(&work, &["revert", &merge, "--json"]);
    let j = json(&out);
    let branch = format!("revert-{}", &merge[..7]);
    assert_eq!(j["command"], "revert");
    assert_eq!(j["branch"], branch.as_str());
    assert_eq!(j["reverted"], serde_json::json!([merge]));
    assert_eq!(j["pushed"], true);
    assert_eq!(j["dry_run"], false);
    assert_eq!(j["pull_request"], serde_json::Value::Null);
    let new = j["commits"][0].as_str().unwrap().to_string();

    // On the remote, with the tree git itself computes.
    assert_eq!(env.rev(&remote, &format!("refs/heads/{branch}")), new);
    let git_tree = env.git(
        &work,
        &[
            "merge-tree",
            "--write-tree",
            &format!("--merge-base={merge}"),
            "origin/main",
            &format!("{merge}^1"),
        ],
    );
    assert_eq!(j["tree"], git_tree.as_str());
    assert_eq!(env.rev(&remote, &format!("{new}^{{tree}}")), git_tree);
    assert_eq!(
        env.rev(&remote, &format!("{new}^")),
        env.rev(&remote, "main")
    );
    assert!(env
        .git(&remote, &["ls-tree", "-r", "--name-only", &new])
        .lines()
        .all(|p| p != "app/feature.txt"));

    assert_eq!(
        checkout_state(&work),
        before,
        "the working tree, index or HEAD changed"
    );
}

#[test]
fn messages_are_exactly_what_git_revert_writes() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let merge = merge_commit(&env, &work);
    let plain = env.rev(&work, "main~2");
    for (rev, m) in [(merge.as_str(), Some("1")), (plain.as_str(), None)] {
        let out = env.run_ok(&work, &["revert", rev, "--no-push", "--json"]);
        let ours = json(&out)["commits"][0].as_str().unwrap().to_string();
        env.git(
            &work,
            &[
                "switch",
                "-q",
                "-c",
                &format!("by-git-{}", &rev[..7]),
                "main",
            ],
        );
        let mut args = vec!["revert", "--no-edit"];
        if let Some(m) = m {
            args.extend(["-m", m]);
        }
        args.push(rev);
        env.git(&work, &args);
        let theirs = env.rev(&work, "HEAD");
        env.git(&work, &["switch", "-q", "main"]);
        let msg = |c: &str| {
            env.git(&work, &["cat-file", "commit", c])
                .split_once("\n\n")
                .unwrap()
                .1
                .to_string()
        };
        assert_eq!(msg(&ours), msg(&theirs));
        assert_eq!(
            env.rev(&work, &format!("{ours}^{{tree}}")),
            env.rev(&work, &format!("{theirs}^{{tree}}"))
        );
    }
}

#[test]
fn a_revert_of_a_revert_is_titled_reapply() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    env.git(&work, &["revert", "--no-edit", "HEAD"]);
    env.git(&work, &["push", "-q", "origin", "main"]);
    let out = env.run_ok(&work, &["revert", "HEAD", "--no-push", "--json"]);
    let c = json(&out)["commits"][0].as_str().unwrap().to_string();
    assert_eq!(
        env.git(&work, &["log", "-1", "--format=%s", &c]),
        "Reapply \"Add notes\""
    );
}

#[test]
fn a_range_reverts_newest_first_and_squash_makes_one_commit() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let range = "main~3..main";
    let listed: Vec<String> = env
        .git(&work, &["rev-list", "--first-parent", range])
        .lines()
        .map(String::from)
        .collect();
    let out = env.run_ok(
        &work,
        &[
            "revert",
            range,
            "--no-push",
            "--json",
            "--reason",
            "login broke",
        ],
    );
    let j = json(&out);
    assert_eq!(j["reverted"], serde_json::json!(listed));
    assert_eq!(j["commits"].as_array().unwrap().len(), 3);
    let last = j["commits"][2].as_str().unwrap();
    assert_eq!(
        env.rev(&work, &format!("{last}^{{tree}}")),
        env.rev(&work, "main~3^{tree}")
    );
    let body = env.git(&work, &["log", "-1", "--format=%B", last]);
    assert!(body.contains("Revert-Reason: login broke"), "{body}");

    let out = env.run_ok(
        &work,
        &[
            "revert",
            range,
            "--squash",
            "--no-push",
            "--branch",
            "all-in-one",
            "--json",
        ],
    );
    let j = json(&out);
    assert_eq!(j["commits"].as_array().unwrap().len(), 1);
    assert_eq!(
        env.rev(&work, "all-in-one^{tree}"),
        env.rev(&work, "main~3^{tree}")
    );
    assert_eq!(env.rev(&work, "all-in-one^"), env.rev(&work, "main"));
}

#[test]
fn an_already_reverted_commit_is_skipped() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let target = env.rev(&work, "HEAD");
    env.git(&work, &["revert", "--no-edit", "HEAD"]);
    env.git(&work, &["push", "-q", "origin", "main"]);
    let before = repo_state(&env, &work);
    let out = env.run_ok(&work, &["revert", &target, "--json"]);
    let j = json(&out);
    assert_eq!(j["skipped"], serde_json::json!([target]));
    assert_eq!(j["commits"], serde_json::json!([]));
    assert_eq!(j["branch"], serde_json::Value::Null);
    assert_eq!(repo_state(&env, &work).1, before.1, "no ref may be created");
}

#[test]
fn a_conflict_exits_3_lists_paths_and_writes_nothing() {
    let env = Env::new();
    let (work, old) = env.cloned_with_conflict();
    let before = repo_state(&env, &work);
    let out = env.run(&work, &["revert", &old, "--json"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let j = json(&out);
    assert_eq!(j["error"]["kind"], "conflict");
    // Paths only, exactly as in the tree; the kind goes in conflict_details.
    assert_eq!(
        j["error"]["conflicts"],
        serde_json::json!(["app/feature.txt"])
    );
    assert_eq!(
        j["error"]["conflict_details"],
        serde_json::json!([{"path": "app/feature.txt", "kind": "modify/delete"}])
    );
    assert!(stderr(&out).contains("git revert"), "{}", stderr(&out));
    assert_eq!(
        repo_state(&env, &work),
        before,
        "a conflict must write no object and no ref"
    );
}

#[test]
fn bad_input_exits_2_and_writes_nothing() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let merge = merge_commit(&env, &work);
    let root = env.git(&work, &["rev-list", "--max-parents=0", "main"]);
    env.git(&work, &["branch", "taken", "main"]);
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["revert", "no-such-rev"], "unknown revision"),
        (vec!["revert", "main~1..main..x"], "malformed range"),
        (vec!["revert", "..main"], "malformed range"),
        (vec!["revert", "main...main~1"], "symmetric"),
        (vec!["revert", "main..main~2"], "holds no commits"),
        (vec!["revert", &root], "root commit"),
        (vec!["revert", &merge, "-m", "3"], "out of range"),
        (vec!["revert", "main", "-m", "2"], "not a merge"),
        (
            vec!["revert", "main", "--branch", "taken"],
            "already exists",
        ),
        (
            vec!["revert", "main", "--branch", "bad..name"],
            "not a valid ref name",
        ),
        (vec!["rollback", "--to", "nope"], "unknown revision"),
        (vec!["prepare", "bad name"], "not a valid ref name"),
    ];
    for (args, expected) in cases {
        let before = repo_state(&env, &work);
        let out = env.fr(&work).args(&args).arg("--json").output().unwrap();
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        let j = json(&out);
        assert_eq!(j["error"]["kind"], "bad_input", "{args:?}");
        let msg = j["error"]["message"].as_str().unwrap();
        assert!(msg.contains(expected), "{args:?}: {msg}");
        assert!(
            stderr(&out).contains("hint:"),
            "{args:?}: every error says what to do"
        );
        assert_eq!(repo_state(&env, &work), before, "{args:?} wrote something");
    }
}

#[test]
fn a_shallow_clone_missing_the_parent_is_bad_input() {
    let env = Env::new();
    let (_work, remote) = env.cloned();
    let shallow = env.path("shallow");
    let url = format!("file://{}", remote.display());
    env.git(
        env.tmp.path(),
        &[
            "clone",
            "-q",
            "--depth",
            "1",
            &url,
            shallow.to_str().unwrap(),
        ],
    );
    let out = env.run(&shallow, &["revert", "HEAD", "--json"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(json(&out)["error"]["message"]
        .as_str()
        .unwrap()
        .contains("shallow"));
    assert!(stderr(&out).contains("--unshallow"));
}

#[test]
fn a_rejected_push_says_what_was_done_and_how_to_retry() {
    let env = Env::new();
    let (work, remote) = env.cloned();
    let hook = remote.join("hooks/pre-receive");
    // A hook that explains itself over several lines, one with a terminal escape in it.
    std::fs::write(
        &hook,
        "#!/bin/sh\necho 'pushes are frozen' >&2\necho 'until 14:00 UTC: ask #release' >&2\nprintf 'x\\033]52;c;Zm9v\\007y\\n' >&2\nexit 1\n",
    )
    .unwrap();
    std::os::unix::fs::PermissionsExt::set_mode(
        &mut std::fs::metadata(&hook).unwrap().permissions(),
        0o755,
    );
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let out = env.run(&work, &["revert", "HEAD"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let err = stderr(&out);
    let branch = format!("revert-{}", &env.rev(&work, "HEAD")[..7]);
    assert!(
        err.contains(&format!("created branch {branch} locally")),
        "{err}"
    );
    assert!(err.contains(&format!("git push origin {branch}")), "{err}");
    // Every line the hook said, under the tool's own message, and none raw.
    assert!(err.contains("remote: pushes are frozen"), "{err}");
    assert!(
        err.contains("remote: until 14:00 UTC: ask #release"),
        "{err}"
    );
    assert!(!err.contains('\u{1b}'), "{err:?}");
    assert!(env
        .git_output(&remote, &["rev-parse", "--verify", "-q", &branch])
        .stdout
        .is_empty());
}

#[test]
fn dry_run_writes_nothing_and_prints_the_plan() {
    let env = Env::new();
    let (work, remote) = env.cloned();
    let before = (repo_state(&env, &work), repo_state(&env, &remote));
    for args in [
        vec!["revert", "HEAD", "-n"],
        vec!["rollback", "--to", "HEAD~2", "--dry-run"],
        vec!["rollback", "--to", "HEAD~2", "--mode", "reset", "--dry-run"],
        vec!["prepare", "snap", "--dry-run"],
    ] {
        let out = env.fr(&work).args(&args).arg("--json").output().unwrap();
        assert_eq!(code(&out), 0, "{args:?}: {}", stderr(&out));
        assert_eq!(json(&out)["dry_run"], true);
        // For people the plan says so; under --json stderr is quiet.
        assert!(!stderr(&out).contains("Dry run"), "{args:?}");
        let out = env.fr(&work).args(&args).output().unwrap();
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Dry run: nothing was written"),
            "{args:?}"
        );
    }
    assert_eq!((repo_state(&env, &work), repo_state(&env, &remote)), before);
    // Not even the migration index (a cache) is written.
    assert!(!work.join(".git/fastrevert").exists());
}

#[test]
fn direct_needs_yes_without_a_terminal_and_fast_forwards_the_base() {
    let env = Env::new();
    let (work, remote) = env.cloned();
    let out = env.run(&work, &["revert", "HEAD", "--direct"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("--yes"));
    let old = env.rev(&remote, "main");
    let out = env.run_ok(&work, &["revert", "HEAD", "--direct", "--yes", "--json"]);
    let j = json(&out);
    assert_eq!(j["branch"], "main");
    assert_eq!(env.rev(&remote, "main"), j["commits"][0].as_str().unwrap());
    assert_eq!(env.rev(&remote, "main^"), old);
}

#[test]
fn works_in_a_bare_repository() {
    let env = Env::new();
    let (_work, remote) = env.cloned();
    let out = env.run_ok(&remote, &["revert", "HEAD~1", "--json"]);
    let j = json(&out);
    assert_eq!(j["pushed"], false, "there is no remote to push to");
    let branch = j["branch"].as_str().unwrap();
    assert_eq!(
        env.rev(&remote, &format!("{branch}^")),
        env.rev(&remote, "main")
    );
}

#[test]
fn prepare_pushes_tag_and_branch_and_refuses_a_taken_name() {
    let env = Env::new();
    let (work, remote) = env.cloned();
    let tip = env.rev(&work, "main");
    let out = env.run_ok(&work, &["prepare", "r1", "--rollout", "HEAD~1", "--json"]);
    let j = json(&out);
    assert_eq!(j["tag"], "pre-rollout/r1");
    assert_eq!(j["staging_branch"], "staging/r1");
    assert_eq!(env.rev(&remote, "pre-rollout/r1^{commit}"), tip);
    assert_eq!(env.rev(&remote, "refs/heads/staging/r1"), tip);
    assert_eq!(
        env.git(&remote, &["cat-file", "-t", "pre-rollout/r1"]),
        "tag"
    );
    let msg = env.git(
        &remote,
        &["tag", "-l", "--format=%(contents)", "pre-rollout/r1"],
    );
    assert!(msg.contains("Fastrevert-Base: main"), "{msg}");
    assert!(msg.contains(&format!("Fastrevert-Commit: {tip}")), "{msg}");
    assert!(
        msg.contains(&format!("Fastrevert-Rollout: {}", env.rev(&work, "HEAD~1"))),
        "{msg}"
    );

    let out = env.run(&work, &["prepare", "r1"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));

    // Taken on the remote only (another clone made it): refused before anything is written.
    let other = env.clone_of(&remote, "other");
    env.git(&other, &["tag", "pre-rollout/r2"]);
    env.git(&other, &["push", "-q", "origin", "pre-rollout/r2"]);
    let before = repo_state(&env, &work);
    let out = env.run(&work, &["prepare", "r2"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert_eq!(repo_state(&env, &work).1, before.1);
}

#[test]
fn list_shows_rollout_points_and_release_tags() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    env.git(&work, &["tag", "-a", "v1.0.0", "-m", "Release", "main~2"]);
    env.git(&work, &["tag", "not-a-release", "main"]);
    env.run_ok(&work, &["prepare", "p1"]);
    env.commit(&work, &[("x.txt", "x\n")], "After the snapshot");
    env.git(&work, &["push", "-q", "origin", "main"]);
    let out = env.run_ok(&work, &["list", "--json"]);
    let j = json(&out);
    let items = j.as_array().unwrap();
    assert_eq!(items.len(), 2, "{j}");
    assert_eq!(items[0]["kind"], "rollout");
    assert_eq!(items[0]["name"], "pre-rollout/p1");
    assert_eq!(items[0]["staging_branch"], "staging/p1");
    assert_eq!(items[0]["commits_since"], 1);
    assert_eq!(items[1]["kind"], "release");
    assert_eq!(items[1]["name"], "v1.0.0");
    // First parents, as a rollback to it counts them: the merge, Add notes, After the snapshot
    // (Add feature came in with the merge).
    assert_eq!(items[1]["commits_since"], 3);
    let out = env.run(&work, &["list"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("pre-rollout/p1"));
}

#[test]
fn rollback_commit_mode_restores_the_snapshot_tree() {
    let env = Env::new();
    let (work, remote) = env.cloned();
    env.run_ok(&work, &["prepare", "before"]);
    let snapshot = env.rev(&work, "main");
    env.commit(
        &work,
        &[("bad.txt", "bad\n"), ("README", "broken\n")],
        "Bad rollout",
    );
    env.git(&work, &["push", "-q", "origin", "main"]);
    make_dirty(&env, &work);
    let before = checkout_state(&work);

    // Without --to: the newest pre-rollout tag.
    let out = env.run_ok(&work, &["rollback", "--json"]);
    let j = json(&out);
    assert_eq!(j["to"], "pre-rollout/before");
    assert_eq!(j["branch"], "rollback-to-pre-rollout-before");
    let c = j["commits"][0].as_str().unwrap();
    assert_eq!(
        env.rev(&remote, "refs/heads/rollback-to-pre-rollout-before"),
        c
    );
    assert_eq!(
        env.rev(&remote, &format!("{c}^{{tree}}")),
        env.rev(&remote, &format!("{snapshot}^{{tree}}"))
    );
    assert_eq!(env.rev(&remote, &format!("{c}^")), env.rev(&remote, "main"));
    let msg = env.git(&remote, &["log", "-1", "--format=%B", c]);
    assert!(
        msg.starts_with("Roll back to pre-rollout/before\n"),
        "{msg}"
    );
    assert!(msg.contains("Bad rollout"), "{msg}");
    assert_eq!(checkout_state(&work), before);
}

#[test]
fn rollback_reset_needs_force_and_keeps_a_backup() {
    let env = Env::new();
    let (work, remote) = env.cloned();
    let target = env.rev(&work, "main~2");
    let old = env.rev(&remote, "main");
    let before = (repo_state(&env, &work), repo_state(&env, &remote));
    let out = env.run(
        &work,
        &["rollback", "--to", "main~2", "--mode", "reset", "--json"],
    );
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert_eq!(json(&out)["error"]["kind"], "refused");
    assert!(stderr(&out).contains("--force"));
    assert_eq!((repo_state(&env, &work), repo_state(&env, &remote)), before);

    let out = env.run_ok(
        &work,
        &[
            "rollback", "--to", "main~2", "--mode", "reset", "--force", "--json",
        ],
    );
    let j = json(&out);
    let backup = j["backup_ref"].as_str().unwrap();
    assert!(
        backup.starts_with("refs/fastrevert/backup/main/"),
        "{backup}"
    );
    assert_eq!(env.rev(&remote, "main"), target);
    assert_eq!(env.rev(&remote, backup), old);
    assert_eq!(env.rev(&work, backup), old);
    // main is checked out in the clone: left alone.
    assert_eq!(env.rev(&work, "refs/heads/main"), old);
    assert!(String::from_utf8_lossy(&out.stderr).contains("git reset --keep"));
}

#[test]
fn rollback_reset_without_a_remote_moves_a_bare_branch() {
    let env = Env::new();
    let (_work, remote) = env.cloned();
    let old = env.rev(&remote, "main");
    let out = env.run_ok(
        &remote,
        &[
            "rollback", "--to", "main~1", "--mode", "reset", "--force", "--json",
        ],
    );
    let backup = json(&out)["backup_ref"].as_str().unwrap().to_string();
    assert_eq!(env.rev(&remote, &backup), old);
    assert_eq!(
        env.rev(&remote, "main"),
        env.rev(&remote, &format!("{old}~1"))
    );
}

#[test]
fn the_base_comes_from_git_config() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    env.git(&work, &["push", "-q", "origin", "main:production"]);
    env.commit(&work, &[("only-main.txt", "x\n")], "Only on main");
    env.git(&work, &["push", "-q", "origin", "main"]);
    env.git(&work, &["config", "fastrevert.base", "production"]);
    let out = env.run_ok(&work, &["revert", "HEAD~1", "--no-push", "--json"]);
    let j = json(&out);
    assert_eq!(j["base"], "production");
    assert_eq!(
        j["base_commit"],
        env.rev(&work, "origin/production").as_str()
    );
}

#[test]
fn no_command_without_a_terminal_is_a_usage_error() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let out = env.fr(&work).output().unwrap();
    assert_eq!(code(&out), 2);
}

#[test]
fn direct_is_refused_when_the_remote_moved() {
    let env = Env::new();
    let (work, remote) = env.cloned();
    let other = env.clone_of(&remote, "other");
    env.commit(&other, &[("hotfix.txt", "fix\n")], "Hotfix from elsewhere");
    env.git(&other, &["push", "-q", "origin", "main"]);
    let remote_tip = env.rev(&remote, "main");
    // --no-fetch: this clone still believes in the old tip.
    let out = env.run(
        &work,
        &[
            "revert",
            "HEAD",
            "--direct",
            "--yes",
            "--no-fetch",
            "--json",
        ],
    );
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert_eq!(json(&out)["error"]["kind"], "refused");
    assert_eq!(
        env.rev(&remote, "main"),
        remote_tip,
        "the remote must not move"
    );
}

#[test]
fn direct_without_a_remote_moves_the_branch_unless_it_is_checked_out() {
    let env = Env::new();
    let (work, remote) = env.cloned();
    let old = env.rev(&remote, "main");
    env.run_ok(&remote, &["revert", "HEAD", "--direct", "--yes", "--json"]);
    assert_eq!(env.rev(&remote, "main^"), old);

    env.git(&work, &["remote", "remove", "origin"]);
    let head = env.rev(&work, "HEAD");
    let out = env.run(&work, &["revert", "HEAD", "--direct", "--yes", "--json"]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(stderr(&out).contains("checked out"));
    assert_eq!(env.rev(&work, "HEAD"), head);
}

#[test]
fn verbose_shows_git_calls_and_quiet_only_the_result() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let out = env.run_ok(&work, &["revert", "HEAD", "-v", "--branch", "v1"]);
    assert!(stderr(&out).contains("+ git fetch"), "{}", stderr(&out));
    assert!(stderr(&out).contains("+ git push"), "{}", stderr(&out));
    let out = env.run_ok(&work, &["revert", "HEAD", "-q", "--branch", "q1"]);
    assert_eq!(stderr(&out), "");
    assert!(String::from_utf8_lossy(&out.stdout).contains("Created branch q1"));
}

/// Under --json the JSON is the result: stderr stays empty unless there is a warning or an
/// error to say.
#[test]
fn json_output_leaves_stderr_to_warnings_and_errors() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    for args in [
        vec!["list", "--json"],
        vec!["revert", "HEAD", "--dry-run", "--json"],
        vec!["check-migrations", "HEAD~1..HEAD", "--json"],
    ] {
        let out = env.fr(&work).args(&args).output().unwrap();
        assert_eq!(code(&out), 0, "{args:?}: {}", stderr(&out));
        let _ = json(&out);
        assert_eq!(stderr(&out), "", "{args:?}");
    }
    // A warning still shows (the pull request is found in the history, no forge asked), and
    // so does an error.
    let out = env.run_ok(&work, &["revert", "pr:7", "--dry-run", "--json"]);
    let err = stderr(&out);
    assert!(
        err.starts_with("warning:") && err.contains("found in the history"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    let out = env.run(
        &work,
        &["revert", "HEAD", "--json", "--base", "no-such-branch"],
    );
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).starts_with("error:"), "{}", stderr(&out));
}

/// Completion knows the repository: `rollback --to v<TAB>` offers tags, `revert <TAB>` recent
/// commits and `pr:N`, for `git-fastrevert` and (through git's hook) `git fastrevert` in bash.
/// What bash's completion offers for `words` (the word at `cword` being completed), run in `dir`
/// with the script at `script_file` and the built binary first on PATH.
fn bash_complete(
    env: &Env,
    dir: &std::path::Path,
    script_file: &std::path::Path,
    words: &str,
    cword: usize,
    function: &str,
) -> String {
    let program = format!(
        "source {file}; COMP_WORDS=({words}); COMP_CWORD={cword}; COMP_TYPE=9; \
         {function} git-fastrevert \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; \
         printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        file = script_file.display()
    );
    let mut cmd = std::process::Command::new("bash");
    cmd.args(["--noprofile", "--norc", "-c", &program])
        .current_dir(dir);
    env.apply_to(&mut cmd);
    cmd.env("PATH", crate::common::path_with_binary());
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn completion_offers_releases_of_a_relative_releases_setting_from_a_subfolder() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    // Relative to the top folder, as deploy reads it.
    std::fs::create_dir_all(work.join("site/releases")).unwrap();
    std::fs::write(work.join(".git/info/exclude"), "site/\n").unwrap();
    env.git(&work, &["config", "fastrevert.releases", "site/releases"]);
    env.run_ok(&work, &["deploy", "HEAD"]);
    let head = env.rev(&work, "HEAD");
    let sub = work.join("deep/er");
    std::fs::create_dir_all(&sub).unwrap();
    let script_file = env.path("completion.bash");
    let script = env.run_ok(&work, &["completions", "bash"]).stdout;
    std::fs::write(&script_file, script).unwrap();
    let ids = bash_complete(
        &env,
        &sub,
        &script_file,
        "git-fastrevert switch ",
        2,
        "_clap_complete_git_fastrevert",
    );
    assert!(ids.lines().any(|l| l == &head[..12]), "{ids}");
}

#[test]
fn completion_offers_tags_revisions_and_pull_requests() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    env.git(&work, &["tag", "--no-sign", "v1.4.0", "main~1"]);
    env.git(&work, &["tag", "--no-sign", "other"]);
    // A tag that a shell would run: never offered.
    env.git(&work, &["tag", "--no-sign", "v2.$(touch${IFS}x)", "main~1"]);
    env.git(&work, &["tag", "--no-sign", "v3.`id`;ls", "main~1"]);
    let script = String::from_utf8(
        env.fr(&work)
            .args(["completions", "bash"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let script_file = env.path("completion.bash");
    std::fs::write(&script_file, script).unwrap();
    let complete = |words: &str, cword: usize, function: &str| {
        bash_complete(&env, &work, &script_file, words, cword, function)
    };
    let tags = complete(
        "git-fastrevert rollback --to v",
        3,
        "_clap_complete_git_fastrevert",
    );
    assert_eq!(tags.trim(), "v1.4.0", "{tags}");
    let head = env.rev(&work, "HEAD");
    let revs = complete(
        &format!("git-fastrevert revert {}", &head[..4]),
        2,
        "_clap_complete_git_fastrevert",
    );
    assert!(revs.lines().any(|l| l == &head[..7]), "{revs}");
    let prs = complete(
        "git-fastrevert revert pr:",
        2,
        "_clap_complete_git_fastrevert",
    );
    assert!(prs.lines().any(|l| l == "pr:7"), "{prs}");
    // `git fastrevert …`: the words start at git; the hook shifts them.
    let through_git = complete("git fastrevert rollback --to v", 4, "_git_fastrevert");
    assert_eq!(through_git.trim(), "v1.4.0", "{through_git}");
    let commands = complete("git fastrevert rol", 2, "_git_fastrevert");
    assert_eq!(commands.trim(), "rollback", "{commands}");
    // Release ids of this host (fastrevert.releases), and `previous`.
    let releases = env.path("site/releases");
    std::fs::create_dir_all(&releases).unwrap();
    env.git(
        &work,
        &["config", "fastrevert.releases", releases.to_str().unwrap()],
    );
    env.run_ok(&work, &["deploy", "HEAD"]);
    let ids = complete("git-fastrevert switch ", 2, "_clap_complete_git_fastrevert");
    assert!(ids.lines().any(|l| l == "previous"), "{ids}");
    assert!(ids.lines().any(|l| l == &head[..12]), "{ids}");
    // Bitbucket's wording, as `revert pr:N` finds it in the history: offered too.
    env.commit(
        &work,
        &[("bb.txt", "bb\n")],
        "Merged in feature/pay (pull request #5)",
    );
    let prs = complete(
        "git-fastrevert revert pr:",
        2,
        "_clap_complete_git_fastrevert",
    );
    assert!(prs.lines().any(|l| l == "pr:5"), "{prs}");
}

/// The zsh and fish scripts complete a tag for `rollback --to`, for `git-fastrevert` and for
/// `git fastrevert` (zsh's `_git` hands user commands to `_git-fastrevert`; fish's condition
/// sees the subcommand).
#[test]
fn zsh_and_fish_complete_a_tag_for_both_spellings() {
    if !crate::common::needs("zsh") || !crate::common::needs("fish") {
        return;
    }
    let env = Env::new();
    let (work, _remote) = env.cloned();
    env.git(&work, &["tag", "--no-sign", "v1.4.0", "main~1"]);
    let script = |shell: &str| {
        let out = env.run(&work, &["completions", shell]);
        let file = env.path(&format!("completion.{shell}"));
        std::fs::write(&file, out.stdout).unwrap();
        file
    };
    let run = |program: &str, args: &[&str]| {
        let mut cmd = std::process::Command::new(program);
        cmd.args(args).current_dir(&work);
        env.apply_to(&mut cmd);
        cmd.env("PATH", crate::common::path_with_binary());
        let out = cmd.output().unwrap_or_else(|e| {
            panic!("{program} is needed for this test (.ci/run installs it): {e}")
        });
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    // zsh: the completion functions called as compsys would, `_describe` showing the values.
    let zsh = script("zsh");
    let program = format!(
        "compdef() {{ : }}; _describe() {{ local arr=${{@[-1]}}; print -l -- ${{(P)arr}} }}; \
         source {}; \
         words=(git-fastrevert rollback --to v); CURRENT=4; _clap_dynamic_completer_git_fastrevert; \
         words=(git fastrevert rollback --to v); CURRENT=5; _git-fastrevert",
        zsh.display()
    );
    let out = run("zsh", &["-f", "-c", &program]);
    assert_eq!(out, "v1.4.0:tag\nv1.4.0:tag\n", "{out}");
    // fish: `complete -C` completes a command line as the shell would.
    let fish = script("fish");
    let program = format!(
        "source {}; complete -C 'git-fastrevert rollback --to v'; complete -C 'git fastrevert rollback --to v'",
        fish.display()
    );
    let out = run("fish", &["--no-config", "-c", &program]);
    assert_eq!(out, "v1.4.0\ttag\nv1.4.0\ttag\n", "{out}");
}

/// An error keeps what caused it: people read it as a "caused by" line under the message, and
/// scripts as `error.causes`, apart from the message and its hints.
#[test]
fn an_error_shows_its_cause_below_the_message() {
    let env = Env::new();
    let outside = env.path("not-a-repo");
    std::fs::create_dir_all(&outside).unwrap();
    let out = env.run(&outside, &["list"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("error: ") && l.ends_with("is not in a git repository."))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(lines[at + 1].starts_with("caused by: "), "{err}");
    assert!(lines[at + 2].starts_with("hint: "), "{err}");

    let out = env.run(&outside, &["list", "--json"]);
    let j = json(&out);
    assert_eq!(j["error"]["kind"], "bad_input");
    assert!(j["error"]["message"]
        .as_str()
        .unwrap()
        .ends_with("is not in a git repository"));
    let causes = j["error"]["causes"].as_array().unwrap();
    assert_eq!(causes.len(), 1, "{j}");
    assert!(!causes[0].as_str().unwrap().is_empty());
}

/// With `fastrevert.writeCommitGraph`, `prepare` writes git's commit-graph before the rollout,
/// so that an incident's "is this old commit on the base" is a lookup; without it, none.
#[test]
fn prepare_writes_the_commit_graph_when_asked() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let info = work.join(".git/objects/info");
    let has_graph = || info.join("commit-graph").exists() || info.join("commit-graphs").exists();
    env.run_ok(&work, &["prepare", "r1"]);
    assert!(!has_graph(), "not asked: none written");
    env.git(&work, &["config", "fastrevert.writeCommitGraph", "true"]);
    let out = env.run_ok(&work, &["prepare", "r2"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("commit-graph"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(has_graph());
    // And a revert of an old commit answers as before, now through it.
    let old = env.rev(&work, "main~1");
    let out = env.run(&work, &["revert", &old, "--no-push", "--json"]);
    assert!(matches!(code(&out), 0 | 3), "{}", stderr(&out));
}

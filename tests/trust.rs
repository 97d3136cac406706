//! A result is right, or it is an error: cases that once ended with exit 0 and a result other
//! than the one the user asked for.

use crate::common::{code, json, path_with_binary, stderr, Env};

#[test]
fn a_commit_not_on_the_base_is_bad_input_not_already_reverted() {
    let env = Env::new();
    let (work, remote) = env.cloned();
    env.git(&work, &["switch", "-q", "-c", "side"]);
    let side = env.commit(&work, &[("side.txt", "side\n")], "Side work");
    env.git(&work, &["switch", "-q", "main"]);
    let refs = env.git(&remote, &["for-each-ref"]);
    let out = env.run(&work, &["revert", &side, "--json"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let message = json(&out)["error"]["message"].as_str().unwrap().to_string();
    assert!(message.contains("is not on main"), "{message}");
    assert_eq!(env.git(&remote, &["for-each-ref"]), refs);
}

#[test]
fn a_wrong_mainline_is_bad_input_naming_the_right_one() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    // The merged branch started at main's tip, so the merge changes nothing against parent 2.
    let merge = env.git(&work, &["rev-list", "--merges", "-1", "main"]);
    let out = env.run(&work, &["revert", &merge, "-m", "2", "--json"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let j = json(&out);
    assert!(
        j["error"]["message"]
            .as_str()
            .unwrap()
            .contains("changes nothing against parent 2"),
        "{j}"
    );
    assert!(j["error"]["hints"].to_string().contains("-m 1"), "{j}");
}

#[test]
fn an_empty_commit_is_bad_input() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    env.git(&work, &["commit", "-q", "--allow-empty", "-m", "Nothing"]);
    env.git(&work, &["push", "-q", "origin", "main"]);
    let out = env.run(&work, &["revert", "HEAD", "--json"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("changes nothing"), "{}", stderr(&out));
}

#[test]
fn already_reverted_names_the_commit_that_reverted_it() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let notes = env.rev(&work, "HEAD");
    env.git(&work, &["revert", "--no-edit", &notes]);
    let by = env.rev(&work, "HEAD");
    env.git(&work, &["push", "-q", "origin", "main"]);
    let out = env.run_ok(&work, &["revert", &notes, "--json"]);
    let j = json(&out);
    assert_eq!(j["skipped"], serde_json::json!([notes]));
    assert!(
        j["warnings"]
            .to_string()
            .contains(&format!("by {}", &by[..7])),
        "{j}"
    );
}

#[test]
fn the_base_name_in_a_rev_means_the_base_tip_not_the_stale_local_branch() {
    let env = Env::new();
    let (work, remote) = env.cloned();
    // Another clone pushes a bad rollout; this clone's local main is now stale.
    let other = env.clone_of(&remote, "other");
    let bad = env.commit(&other, &[("bad.txt", "bad\n")], "Bad rollout");
    env.commit(&other, &[("more.txt", "more\n")], "More");
    env.git(&other, &["push", "-q", "origin", "main"]);
    for (rev, expect) in [
        ("main~1", vec![bad.clone()]),
        ("main~2..main~1", vec![bad.clone()]),
    ] {
        let out = env.run(&work, &["revert", rev, "--no-push", "--dry-run", "--json"]);
        assert_eq!(code(&out), 0, "{rev}: {}", stderr(&out));
        let j = json(&out);
        assert_eq!(j["reverted"], serde_json::json!(expect), "{rev}");
        assert!(
            j["warnings"]
                .to_string()
                .contains("the local branch main is at"),
            "{rev}: {j}"
        );
    }
    let out = env.run_ok(
        &work,
        &["rollback", "--to", "main~2", "--dry-run", "--json"],
    );
    assert_eq!(
        json(&out)["to_commit"],
        env.rev(&remote, "main~2").as_str(),
        "{}",
        json(&out)
    );
}

#[test]
fn a_named_remote_that_does_not_exist_is_bad_input() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let refs = env.git(&work, &["for-each-ref"]);
    let out = env.run(&work, &["revert", "HEAD", "--remote", "upstrem", "--json"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let j = json(&out);
    assert!(
        j["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no remote 'upstrem'"),
        "{j}"
    );
    assert!(j["error"]["hints"].to_string().contains("origin"), "{j}");
    env.git(&work, &["config", "fastrevert.remote", "upstrem"]);
    let out = env.run(&work, &["revert", "HEAD", "--json"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert_eq!(
        env.git(&work, &["for-each-ref"]),
        refs,
        "nothing was written"
    );
}

#[test]
fn resume_only_a_branch_that_holds_this_runs_result() {
    let env = Env::new();
    let (work, remote) = env.cloned();
    let head = env.rev(&work, "HEAD");
    let branch = format!("revert-{}", &head[..7]);
    // Someone's branch of the default name that only adds a file.
    env.git(&work, &["switch", "-q", "-c", &branch]);
    env.commit(
        &work,
        &[("other.txt", "x\n")],
        &format!("Other\n\nThis reverts commit {head}."),
    );
    env.git(&work, &["push", "-q", "origin", &branch]);
    env.git(&work, &["switch", "-q", "main"]);
    let remote_refs = env.git(&remote, &["for-each-ref"]);
    let out = env.run(&work, &["revert", "HEAD", "--json"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let j = json(&out);
    assert!(
        j["error"]["message"]
            .as_str()
            .unwrap()
            .contains("holds a different result"),
        "{j}"
    );
    assert!(j["error"]["hints"].to_string().contains("--branch"), "{j}");
    assert_eq!(env.git(&remote, &["for-each-ref"]), remote_refs);
    // With another name it goes through.
    env.run_ok(
        &work,
        &[
            "revert",
            "HEAD",
            "--branch",
            "undo-notes",
            "--no-push",
            "--json",
        ],
    );
}

#[test]
fn no_push_never_pushes_even_when_resuming() {
    let env = Env::new();
    let (work, remote) = env.cloned();
    let merge = env.git(&work, &["rev-list", "--merges", "-1", "main"]);
    let first = env
        .fr(&work)
        .args(["revert", &merge, "--no-push", "--json"])
        .output()
        .unwrap();
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    let remote_refs = env.git(&remote, &["for-each-ref"]);
    let again = env
        .fr(&work)
        .args(["revert", &merge, "--no-push", "--json"])
        .output()
        .unwrap();
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    let j = json(&again);
    assert_eq!(j["resumed"], true, "{j}");
    assert_eq!(j["pushed"], false, "{j}");
    assert_eq!(j["branch"], json(&first)["branch"]);
    assert_eq!(env.git(&remote, &["for-each-ref"]), remote_refs, "pushed");
}

#[test]
fn git_c_configuration_is_read_like_any_other() {
    let env = Env::new();
    let (work, remote) = env.cloned();
    env.git(&work, &["push", "-q", "origin", "main:production"]);
    env.git(&work, &["fetch", "-q", "origin"]);
    let out = std::process::Command::new("git")
        .current_dir(&work)
        .args([
            "-c",
            "fastrevert.base=production",
            "fastrevert",
            "revert",
            "HEAD",
            "--no-push",
            "--dry-run",
            "--json",
        ])
        .envs(std::iter::empty::<(&str, &str)>())
        .env("PATH", path_with_binary())
        .env("GIT_CONFIG_GLOBAL", env.home.join(".gitconfig"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", &env.home)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["base"], "production");
    let _ = remote;
    // GIT_CONFIG_COUNT, as `git --config-env` and CI systems set it.
    let out = env
        .fr(&work)
        .args(["revert", "HEAD", "--no-push", "--dry-run", "--json"])
        .env("GIT_CONFIG_COUNT", "1")
        .env("GIT_CONFIG_KEY_0", "fastrevert.base")
        .env("GIT_CONFIG_VALUE_0", "production")
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["base"], "production");
}

#[test]
fn a_reset_that_moved_the_remote_succeeds_and_says_how_to_finish_a_stuck_local_branch() {
    let env = Env::new();
    let (work, remote) = env.cloned();
    env.git(&work, &["switch", "-q", "--detach"]);
    let old = env.rev(&work, "main");
    let target = env.rev(&work, "main~1");
    // A lock left by a git that died: the local branch cannot be updated.
    std::fs::write(work.join(".git/refs/heads/main.lock"), "").unwrap();
    let out = env.run_ok(
        &work,
        &[
            "rollback", "--to", "main~1", "--mode", "reset", "--force", "--json",
        ],
    );
    let j = json(&out);
    assert_eq!(env.rev(&remote, "main"), target, "production moved");
    let backup = j["backup_ref"].as_str().unwrap();
    assert_eq!(env.rev(&remote, backup), old, "the backup is on the remote");
    let warnings = j["warnings"].to_string();
    assert!(
        warnings.contains("could not follow")
            && warnings.contains("git update-ref refs/heads/main"),
        "{warnings}"
    );
    assert_eq!(env.rev(&work, "refs/heads/main"), old);
}

/// git's own answer for reverting `commit` on top of `base`: the tree, or None for a conflict.
fn git_revert_tree(env: &Env, dir: &std::path::Path, base: &str, commit: &str) -> Option<String> {
    let out = env.git_output(
        dir,
        &[
            &format!("--attr-source={base}"),
            "merge-tree",
            "--write-tree",
            &format!("--merge-base={commit}"),
            base,
            &format!("{commit}^1"),
        ],
    );
    let tree = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    (out.status.code() == Some(0)).then_some(tree)
}

#[test]
fn gitattributes_merge_rules_decide_as_they_do_for_git() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    env.commit(
        &work,
        &[
            (
                ".gitattributes",
                "CHANGELOG.md merge=union\nyarn.lock -merge\n",
            ),
            ("CHANGELOG.md", "# Changes\n\n- one\n"),
            ("yarn.lock", "a 1\nb 1\nc 1\nd 1\ne 1\nf 1\ng 1\nh 1\n"),
        ],
        "Add changelog and lockfile",
    );
    let guilty = env.commit(
        &work,
        &[
            ("CHANGELOG.md", "# Changes\n\n- one\n- two\n"),
            ("yarn.lock", "a 2\nb 1\nc 1\nd 1\ne 1\nf 1\ng 1\nh 1\n"),
        ],
        "Bump a, note two",
    );
    env.commit(
        &work,
        &[("CHANGELOG.md", "# Changes\n\n- one\n- two\n- three\n")],
        "Note three",
    );
    env.git(&work, &["push", "-q", "origin", "main"]);
    let tip = env.rev(&work, "main");
    // A changelog line reworded, then a line added right below it: the two sides touch, the
    // union rule keeps both, and the result is a change; clean for git, so clean here, with
    // git's tree.
    let reworded = env.commit(
        &work,
        &[("CHANGELOG.md", "# Changes\n\n- one\n- two\n- Three\n")],
        "Reword three",
    );
    env.commit(
        &work,
        &[(
            "CHANGELOG.md",
            "# Changes\n\n- one\n- two\n- Three\n- four\n",
        )],
        "Note four",
    );
    env.git(&work, &["push", "-q", "origin", "main"]);
    let out = env.run_ok(&work, &["revert", &reworded, "--no-push", "--json"]);
    let head = env.rev(&work, "main");
    let tree = json(&out)["tree"].as_str().unwrap().to_string();
    assert_eq!(
        Some(tree.clone()),
        git_revert_tree(&env, &work, &head, &reworded),
        "the union merge must come out as git's"
    );
    let head_tree = env.rev(&work, "main^{tree}");
    assert_ne!(tree, head_tree, "the union result is a change");
    let _ = tip;
    // A lockfile marked -merge never merges line by line: git stops, so must this.
    env.commit(
        &work,
        &[("yarn.lock", "a 2\nb 1\nc 1\nd 1\ne 1\nf 1\ng 1\nh 3\n")],
        "Bump h",
    );
    env.git(&work, &["push", "-q", "origin", "main"]);
    let head = env.rev(&work, "main");
    assert_eq!(git_revert_tree(&env, &work, &head, &guilty), None);
    let out = env.run(&work, &["revert", &guilty, "--no-push", "--json"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let conflicts = json(&out)["error"]["conflicts"].to_string();
    assert!(conflicts.contains("yarn.lock"), "{conflicts}");
}

#[test]
fn a_rename_of_a_non_utf8_name_reverts_to_one_file_with_the_same_bytes() {
    use std::os::unix::ffi::OsStrExt;
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let latin1 = std::ffi::OsStr::from_bytes(b"caf\xe9.txt");
    std::fs::write(work.join(latin1), "menu\n").unwrap();
    env.git(&work, &["add", "-A"]);
    env.git(&work, &["commit", "-q", "-m", "Add menu"]);
    let mut mv = std::process::Command::new("git");
    mv.current_dir(&work).arg("mv").arg(latin1).arg("cafe.txt");
    env.apply_to(&mut mv);
    assert!(mv.status().unwrap().success());
    env.git(&work, &["commit", "-q", "-m", "Rename the menu"]);
    let renamed = env.rev(&work, "HEAD");
    env.commit(&work, &[("other.txt", "x\n")], "Unrelated");
    env.git(&work, &["push", "-q", "origin", "main"]);
    let out = env.run_ok(&work, &["revert", &renamed, "--no-push", "--json"]);
    let tree = json(&out)["tree"].as_str().unwrap().to_string();
    let head = env.rev(&work, "main");
    assert_eq!(
        Some(tree.clone()),
        git_revert_tree(&env, &work, &head, &renamed)
    );
    // One file, under its own bytes (git quotes it as "caf\351.txt").
    let listing = env.git(&work, &["ls-tree", "--name-only", &tree]);
    assert!(listing.contains("\"caf\\351.txt\""), "{listing}");
    assert!(
        !listing.contains("cafe.txt") && !listing.contains('\u{fffd}'),
        "{listing}"
    );
}

#[test]
fn a_file_that_became_a_folder_and_was_then_deleted_conflicts_as_for_git() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    env.commit(&work, &[("settings", "a = 1\n")], "Add settings");
    std::fs::remove_file(work.join("settings")).unwrap();
    env.commit(
        &work,
        &[("settings/inner", "a = 1\n")],
        "Settings become a folder",
    );
    let swap = env.rev(&work, "HEAD");
    env.git(&work, &["rm", "-q", "-r", "settings"]);
    env.git(&work, &["commit", "-q", "-m", "Drop settings"]);
    env.git(&work, &["push", "-q", "origin", "main"]);
    let head = env.rev(&work, "main");
    // git: rename/delete (settings/inner went back to settings, and main deleted it).
    assert_eq!(git_revert_tree(&env, &work, &head, &swap), None);
    let out = env.run(&work, &["revert", &swap, "--no-push", "--json"]);
    assert_eq!(
        code(&out),
        3,
        "a silent success would bring back a file main removed: {}",
        stderr(&out)
    );
}

#[test]
fn two_resets_in_one_second_keep_two_backups_and_going_forward_needs_no_force() {
    let env = Env::new();
    let (work, remote) = env.cloned();
    env.git(&work, &["switch", "-q", "--detach"]);
    let tip = env.rev(&work, "main");
    let reset = |to: &str, force: bool| {
        let mut cmd = env.fr(&work);
        cmd.args(["rollback", "--to", to, "--mode", "reset", "--json"]);
        if force {
            cmd.arg("--force");
        }
        cmd.output().unwrap()
    };
    let first = reset("main~1", true);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    let second = reset("main~1", true);
    assert_eq!(code(&second), 0, "{}", stderr(&second));
    let (b1, b2) = (
        json(&first)["backup_ref"].as_str().unwrap().to_string(),
        json(&second)["backup_ref"].as_str().unwrap().to_string(),
    );
    assert_ne!(b1, b2);
    assert_eq!(env.rev(&remote, &b1), tip);
    // Back to the first backup: forward, nothing dropped, no --force needed; a dry run says
    // what a real run needs.
    let dry = env
        .fr(&work)
        .args(["rollback", "--to", &b1, "--mode", "reset", "--dry-run"])
        .output()
        .unwrap();
    assert_eq!(code(&dry), 0, "{}", stderr(&dry));
    let text = String::from_utf8_lossy(&dry.stdout);
    assert!(
        text.contains("forward") && !text.contains("--force"),
        "{text}"
    );
    let forward = reset(&b1, false);
    assert_eq!(code(&forward), 0, "{}", stderr(&forward));
    assert_eq!(env.rev(&remote, "main"), tip);
    let dry = env
        .fr(&work)
        .args(["rollback", "--to", "main~2", "--mode", "reset", "--dry-run"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&dry.stdout).contains("needs --force"),
        "{}",
        String::from_utf8_lossy(&dry.stdout)
    );
    // The JSON plan says the same.
    let dry = env
        .fr(&work)
        .args([
            "rollback",
            "--to",
            "main~2",
            "--mode",
            "reset",
            "--dry-run",
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(json(&dry)["needs_force"], true);
    let forced = env
        .fr(&work)
        .args([
            "rollback",
            "--to",
            "main~2",
            "--mode",
            "reset",
            "--dry-run",
            "--json",
            "--force",
        ])
        .output()
        .unwrap();
    assert_eq!(json(&forced)["needs_force"], false);
}

#[test]
fn pr_numbers_are_revisions_and_are_found_in_the_history_without_a_forge() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let merge = env.git(&work, &["rev-list", "--merges", "-1", "main"]);
    for spelled in ["pr:7", "#7"] {
        let out = env.run(
            &work,
            &["revert", spelled, "--no-push", "--dry-run", "--json"],
        );
        assert_eq!(code(&out), 0, "{spelled}: {}", stderr(&out));
        let j = json(&out);
        assert_eq!(j["reverted"], serde_json::json!([merge]), "{spelled}");
        assert_eq!(j["branch"], "revert-7-feature");
        assert!(
            j["warnings"]
                .to_string()
                .contains("found in the history of main"),
            "{j}"
        );
    }
    // A squash merge: `… (#8)`.
    let squash = env.commit(&work, &[("coupons.txt", "c\n")], "Add coupons (#8)");
    env.git(&work, &["push", "-q", "origin", "main"]);
    let out = env.run_ok(
        &work,
        &["revert", "--pr", "8", "--no-push", "--dry-run", "--json"],
    );
    assert_eq!(json(&out)["reverted"], serde_json::json!([squash]));
    // A bare number is not a commit: say how to write a pull request.
    let out = env.run(&work, &["revert", "6", "--json"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("pr:6"), "{}", stderr(&out));
    // One that is nowhere: the error says both.
    let out = env.run(&work, &["revert", "pr:99", "--json"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("#99"), "{}", stderr(&out));
}

#[test]
fn list_counts_first_parents_as_rollback_does_and_says_ahead() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    env.git(&work, &["tag", "v1.0.0", "main~2"]);
    env.git(&work, &["switch", "-q", "-c", "next"]);
    env.commit(&work, &[("next.txt", "n\n")], "Next");
    env.git(&work, &["tag", "v2.0.0-rc1", "HEAD"]);
    env.git(&work, &["switch", "-q", "main"]);
    let out = env.run_ok(&work, &["list", "--json"]);
    let points = json(&out);
    let find = |name: &str| {
        points
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap()
            .clone()
    };
    // Three commits of main came since (one of them on the merged branch); a rollback undoes
    // the two first-parent ones, and list says the same.
    assert_eq!(find("v1.0.0")["commits_since"], 2);
    let out = env.run_ok(&work, &["rollback", "--to", "v1.0.0", "--dry-run"]);
    let plan = String::from_utf8_lossy(&out.stdout);
    assert!(plan.contains("undoing 2 commit(s)"), "{plan}");
    let rc = find("v2.0.0-rc1");
    assert_eq!(rc["commits_since"], 0);
    assert_eq!(rc["commits_ahead"], 1);
    let out = env.run(&work, &["list"]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("1 ahead of main"), "{table}");
}

/// The hints work when followed, in the situation they are printed in.
#[test]
fn hints_are_commands_that_work_when_pasted() {
    // A --direct revert that conflicts: the hint resolves on a new branch, not on main.
    let env = Env::new();
    let (work, old) = env.cloned_with_conflict();
    let out = env.run(&work, &["revert", &old, "--direct", "--yes", "--json"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let hint = json(&out)["error"]["hints"][0]
        .as_str()
        .unwrap()
        .to_string();
    let switch = hint
        .strip_prefix("resolve it by hand: ")
        .and_then(|h| h.split(" && ").next())
        .unwrap();
    let args: Vec<&str> = switch.split_whitespace().skip(1).collect();
    assert_eq!(args[0..2], ["switch", "-c"][..]);
    env.git(&work, &args);
    // --branch naming production itself is refused with the flag that does that.
    let out = env.run(&work, &["revert", "HEAD", "--branch", "main", "--json"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("--direct"), "{}", stderr(&out));

    // No remote: the hint adds one and pushes.
    let env = Env::new();
    let lone = env.repo("lone");
    env.commit(&lone, &[("a.txt", "a\n")], "Add a");
    let out = env.run_ok(&lone, &["revert", "HEAD"]);
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    let line = said
        .lines()
        .find_map(|l| {
            l.split_once("add one and push: ")
                .map(|(_, c)| c.to_string())
        })
        .unwrap_or_else(|| panic!("{said}"));
    let bare = env.path("new-remote.git");
    env.git(
        env.tmp.path(),
        &["init", "-q", "--bare", bare.to_str().unwrap()],
    );
    for part in line.replace("<url>", bare.to_str().unwrap()).split(" && ") {
        let args: Vec<&str> = part.split_whitespace().skip(1).collect();
        env.git(&lone, &args);
    }
    let branch = format!("revert-{}", &env.rev(&lone, "main")[..7]);
    env.git(&bare, &["rev-parse", "--verify", &branch]);
    // prepare without a remote says nothing was pushed.
    let lone2 = env.repo("lone2");
    let out = env.run_ok(&lone2, &["prepare", "snap"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Not pushed: there is no remote"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // --no-fetch and a remote that moved: fetching first, then the same command, works.
    let env = Env::new();
    let (work, remote) = env.cloned();
    let other = env.clone_of(&remote, "other");
    env.commit(&other, &[("o.txt", "o\n")], "Other");
    env.git(&other, &["push", "-q", "origin", "main"]);
    let run = || {
        env.fr(&work)
            .args([
                "revert",
                "HEAD~1",
                "--direct",
                "--yes",
                "--no-fetch",
                "--json",
            ])
            .output()
            .unwrap()
    };
    let out = run();
    assert_ne!(code(&out), 0, "{}", stderr(&out));
    let hints = json(&out)["error"]["hints"].to_string();
    assert!(hints.contains("git fetch"), "{hints}");
    env.git(&work, &["fetch", "-q"]);
    let out = run();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

/// The plan a person confirms lists every commit a rollback undoes (newest first, long lists
/// folded with a count), names reverts, and says the same in the JSON.
#[test]
fn rollback_plan_lists_the_undone_commits_and_names_reverts() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    env.git(&work, &["tag", "--no-sign", "before"]);
    for i in 0..12 {
        env.commit(
            &work,
            &[(&format!("n{i}.txt"), "n\n")],
            &format!("Change {i}"),
        );
    }
    env.commit(&work, &[("a.txt", "a\n")], "Add a");
    let add_b = env.commit(&work, &[("b.txt", "b\n")], "Add b");
    env.git(&work, &["revert", "--no-edit", &add_b]);
    env.git(&work, &["push", "-q", "origin", "main"]);
    let revert = env.rev(&work, "main");
    let short = |id: &str| id[..7].to_string();

    let out = env.run_ok(&work, &["rollback", "--to", "before", "--dry-run"]);
    let plan = String::from_utf8_lossy(&out.stdout);
    assert!(plan.contains("undoing 15 commit(s)"), "{plan}");
    // Undone together with what it reverted: the two cancel out.
    assert!(
        plan.contains(&format!(
            "{} Revert \"Add b\"  (a revert of {}, which is undone too)",
            short(&revert),
            short(&add_b)
        )),
        "{plan}"
    );
    assert!(plan.contains(" Change 5\n"), "{plan}");
    assert!(!plan.contains(" Change 4\n"), "{plan}");
    assert!(
        plan.contains("… and 5 more first-parent commit(s)"),
        "{plan}"
    );
    assert!(
        plan.find("Add b").unwrap() < plan.find("Change 11").unwrap(),
        "newest first"
    );

    // Undoing the revert alone brings "Add b" back: said in the plan and in the JSON.
    let out = env.run(&work, &["rollback", "--to", &add_b, "--dry-run"]);
    let plan = String::from_utf8_lossy(&out.stdout);
    assert!(
        plan.contains(&format!(
            "(a revert of {}: undoing it brings that change back)",
            short(&add_b)
        )),
        "{plan}"
    );
    let out = env.run(
        &work,
        &["rollback", "--to", "before", "--dry-run", "--json"],
    );
    let j = json(&out);
    assert_eq!(j["undone_count"], 15);
    let undone = j["undone_commits"].as_array().unwrap();
    assert_eq!(undone[0]["commit"], revert.as_str());
    assert_eq!(undone[0]["reverts"], add_b.as_str());
    assert_eq!(undone[0]["subject"], "Revert \"Add b\"");
    assert_eq!(undone[1]["reverts"], serde_json::Value::Null);

    // Reverting the revert says what it brings back.
    let out = env.run(&work, &["revert", "HEAD", "--dry-run"]);
    let plan = String::from_utf8_lossy(&out.stdout);
    assert!(
        plan.contains("reverting it brings that change back"),
        "{plan}"
    );
}

/// Every hint printed here is a command that works when pasted in the situation it is printed
/// in: this test runs each one.
#[test]
fn hints_work_when_pasted() {
    let env = Env::new();
    let sh = |dir: &std::path::Path, line: &str| {
        let out = env.paste(dir, line);
        assert!(
            out.status.success(),
            "the hint `{line}` failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let hint_after = |text: &str, marker: &str| -> String {
        let at = text
            .find(marker)
            .unwrap_or_else(|| panic!("no '{marker}' in: {text}"))
            + marker.len();
        text[at..].lines().next().unwrap().trim().to_string()
    };

    // No remote: "add one and push".
    let lonely = env.repo("lonely");
    env.commit(&lonely, &[("x.txt", "x\n")], "Add x");
    let out = env.run_ok(&lonely, &["revert", "HEAD"]);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let bare = env.path("published.git");
    env.git(
        env.tmp.path(),
        &["init", "-q", "--bare", bare.to_str().unwrap()],
    );
    let line = hint_after(&text, "add one and push: ").replace("<url>", bare.to_str().unwrap());
    sh(&lonely, &line);
    let branch = text
        .split("Created branch ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap();
    assert!(env
        .git_output(&bare, &["rev-parse", "--verify", branch])
        .status
        .success());

    // --no-push: "To publish it: git push origin <branch>".
    let (work, remote) = env.cloned();
    let out = env.run(&work, &["revert", "HEAD", "--no-push"]);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let line = hint_after(&text, "To publish it: ");
    sh(&work, &line);
    let branch = format!("revert-{}", &env.rev(&work, "HEAD")[..7]);
    assert!(env
        .git_output(&remote, &["rev-parse", "--verify", &branch])
        .status
        .success());

    // A reset dry run says the real run needs --force: with it, it runs.
    let out = env.run(
        &work,
        &["rollback", "--to", "HEAD~1", "--mode", "reset", "--dry-run"],
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("needs --force"));
    env.run_ok(
        &work,
        &["rollback", "--to", "HEAD~1", "--mode", "reset", "--force"],
    );

    // --direct with --no-fetch after the remote moved: "fetch the new tip (git fetch), then run
    // the same command again".
    let work = env.path("direct");
    env.git(
        env.tmp.path(),
        &[
            "clone",
            "-q",
            remote.to_str().unwrap(),
            work.to_str().unwrap(),
        ],
    );
    let other = env.clone_of(&remote, "other");
    env.commit(&other, &[("moved.txt", "m\n")], "Move main");
    env.git(&other, &["push", "-q", "origin", "main"]);
    let target = env.rev(&work, "origin/main");
    let args = ["revert", target.as_str(), "--direct", "--no-fetch", "--yes"];
    let out = env.fr(&work).args(args).output().unwrap();
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("fetch the new tip (git fetch)"), "{err}");
    sh(&work, "git fetch");
    let out = env.fr(&work).args(args).output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));

    // A --direct conflict: the hint resolves on a new branch from the base (production's own
    // branch exists), and the revert it names stops at the conflict, as it should.
    let env = Env::new();
    let (work, old) = env.cloned_with_conflict();
    let out = env.run(&work, &["revert", &old, "--direct", "--yes"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let err = stderr(&out);
    let line = hint_after(&err, "resolve it by hand: ");
    let (switch, rest) = line.split_once(" && ").unwrap();
    let revert = rest.split(',').next().unwrap();
    env.git(&work, &["stash", "-q", "--include-untracked"]);
    sh(&work, switch);
    let mut cmd = std::process::Command::new("bash");
    cmd.args(["--noprofile", "--norc", "-c", revert])
        .current_dir(&work);
    env.apply_to(&mut cmd);
    let out = cmd.output().unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains("CONFLICT") || said.contains("conflict"),
        "{revert}: {said}"
    );
}

/// A token passed as configuration (the Action's `http.extraheader`) is never on disk where
/// another user could read it: not while the command runs, not after it is killed.
#[test]
fn configuration_from_the_environment_leaves_no_secret_on_disk() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    env.git(&work, &["push", "-q", "origin", "main:production"]);
    env.git(&work, &["fetch", "-q", "origin"]);
    let tmp = env.path("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let secret = "AUTHORIZATION: basic c2VjcmV0LXRva2VuLXZhbHVl";
    let with_secret = |cmd: &mut std::process::Command| {
        cmd.env("TMPDIR", &tmp)
            .env("GIT_CONFIG_COUNT", "2")
            .env("GIT_CONFIG_KEY_0", "http.https://github.com/.extraheader")
            .env("GIT_CONFIG_VALUE_0", secret)
            .env("GIT_CONFIG_KEY_1", "fastrevert.base")
            .env("GIT_CONFIG_VALUE_1", "production");
    };
    let holding = || {
        let mut found = Vec::new();
        let mut stack = vec![tmp.clone(), std::path::PathBuf::from("/tmp")];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                let p = e.path();
                let Ok(m) = std::fs::symlink_metadata(&p) else {
                    continue;
                };
                if m.is_dir() && p.starts_with(&tmp) {
                    stack.push(p);
                } else if m.is_file()
                    && m.len() < 1 << 20
                    && std::fs::read(&p)
                        .is_ok_and(|b| b.windows(secret.len()).any(|w| w == secret.as_bytes()))
                {
                    found.push(p);
                }
            }
        }
        found
    };
    // Read like any other configuration: a key with a subsection and a plain one.
    let mut cmd = env.fr(&work);
    cmd.args(["revert", "HEAD", "--no-push", "--dry-run", "--json"]);
    with_secret(&mut cmd);
    let out = cmd.output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["base"], "production");
    // While a command runs (a build step that waits), and after it is killed.
    let releases = env.path("site/releases");
    std::fs::create_dir_all(&releases).unwrap();
    let mut cmd = env.fr(&work);
    cmd.args(["deploy", "main", "--before-switch", "sleep 3", "--releases"])
        .arg(&releases)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    with_secret(&mut cmd);
    let mut child = cmd.spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(800));
    assert_eq!(
        holding(),
        Vec::<std::path::PathBuf>::new(),
        "during the run"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(holding(), Vec::<std::path::PathBuf>::new(), "after kill -9");
    let _ = std::process::Command::new("pkill")
        .args(["-f", "sleep 3"])
        .status();
}

/// In a clone made with `--filter=blob:none` most contents are on the remote only: a revert that
/// git settles (a rename) or that merges lines of a file never fetched comes out as git's, and
/// pushes.
#[test]
fn a_partial_clone_reverts_as_git_does_and_its_guard_reads_unfetched_migrations() {
    let env = Env::new();
    let origin = env.repo("origin");
    env.git(&origin, &["config", "uploadpack.allowFilter", "true"]);
    let lines = |tag: &str| {
        (1..=200)
            .map(|i| format!("{tag} line {i}\n"))
            .collect::<String>()
    };
    let (f1, f3) = (lines("f1"), lines("f3"));
    env.commit(&origin, &[("f1.txt", &f1), ("f3.txt", &f3)], "Files");
    let renamed_later = env.commit(&origin, &[("f1.txt", &format!("{f1}more\n"))], "Change f1");
    env.git(&origin, &["mv", "f1.txt", "g1.txt"]);
    env.git(&origin, &["commit", "-q", "-m", "Rename f1"]);
    let top = env.commit(
        &origin,
        &[("f3.txt", &f3.replacen("f3 line 1\n", "top\n", 1))],
        "Top",
    );
    let bottom = f3
        .replacen("f3 line 1\n", "top\n", 1)
        .replace("f3 line 200\n", "bottom\n");
    env.commit(&origin, &[("f3.txt", &bottom)], "Bottom");

    // A fresh clone each time: git fetches what a run needs, and keeps it.
    let partial_clone = |name: &str| {
        let clone = env.path(name);
        let url = format!("file://{}", origin.display());
        env.git(
            env.tmp.path(),
            &[
                "clone",
                "-q",
                "--filter=blob:none",
                "--no-checkout",
                &url,
                clone.to_str().unwrap(),
            ],
        );
        clone
    };
    for (i, commit) in [renamed_later, top].iter().enumerate() {
        let clone = partial_clone(&format!("partial{i}"));
        let branch = format!("revert-{i}");
        env.run_ok(
            &clone,
            &["revert", commit, "--no-fetch", "--yes", "--branch", &branch],
        );
        let ours = env.rev(&clone, &format!("{branch}^{{tree}}"));
        let merge_base = format!("--merge-base={commit}");
        let parent = format!("{commit}^");
        let git = env.git(
            &clone,
            &["merge-tree", "--write-tree", &merge_base, "main", &parent],
        );
        assert_eq!(ours, git, "revert of {commit}");
        assert_eq!(env.rev(&origin, &branch), env.rev(&clone, &branch));
    }

    // The migration guard reads a migration the clone never fetched, and judges it.
    let migration = "class DropX < ActiveRecord::Migration[7.0]\n  def change\n    remove_column :users, :x\n  end\nend\n";
    let dropped = env.commit(
        &origin,
        &[("db/migrate/20260101000000_drop_x.rb", migration)],
        "Drop x",
    );
    env.commit(&origin, &[("later.txt", "later\n")], "Later");
    let clone = partial_clone("partial-guard");
    let out = env.run(&clone, &["revert", &dropped, "--no-fetch", "--no-push"]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("remove_column :users, :x"),
        "{}",
        stderr(&out)
    );
}

/// A commit off the first-parent line, in a clone the tool has not run in: git's own ancestry
/// check answers (it stops once past the commit) and nothing is walked to the root; the next
/// run, in a clone that is evidently kept, builds the remembered set. A commit off the base is
/// refused either way.
#[test]
fn a_first_run_asks_git_whether_a_commit_is_on_the_base_and_a_kept_clone_remembers() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let merged = env.rev(&work, "main~1^2");
    let cache = work.join(".git/fastrevert");
    assert!(!cache.exists());
    let answered_by = |out: &std::process::Output, how: &str| {
        let err = stderr(out);
        assert!(
            err.contains(&format!("on the base? answered by {how}")),
            "{err}"
        );
    };

    let first = env.run_ok(
        &work,
        &["revert", &merged, "-v", "--no-push", "--branch", "r1"],
    );
    answered_by(&first, "git merge-base --is-ancestor");
    assert!(!cache.join("reach").exists());

    let second = env.run_ok(
        &work,
        &["revert", &merged, "-v", "--no-push", "--branch", "r2"],
    );
    answered_by(&second, "a walk of its whole history");
    assert!(cache.join("reach").exists());

    env.git(&work, &["switch", "-q", "-c", "side"]);
    let side = env.commit(&work, &[("side.txt", "side\n")], "Side work");
    env.git(&work, &["switch", "-q", "main"]);
    std::fs::remove_dir_all(&cache).unwrap();
    let out = env.run(&work, &["revert", &side, "-v", "--json"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    answered_by(&out, "git merge-base --is-ancestor");
}

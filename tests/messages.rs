//! What a tired person reads is true: names, counts, hints and leftovers, each as it is at the
//! moment it is printed.

use std::path::Path;

use crate::common::{code, json, stderr, Env};

fn fr(env: &Env, dir: &Path, args: &[&str]) -> std::process::Output {
    env.fr(dir).args(args).output().unwrap()
}

#[test]
fn a_squash_pull_request_found_in_the_history_names_its_branch_without_a_dangling_dash() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    env.commit(&work, &[("orders.txt", "status\n")], "Orders status (#13)");
    env.git(&work, &["push", "-q", "origin", "main"]);
    env.git(&work, &["config", "fastrevert.forge", "github"]);
    env.git(&work, &["config", "fastrevert.repo", "acme/shop"]);
    let out = env
        .fr(&work)
        .args(["revert", "--pr", "13", "--dry-run", "--json"])
        .env_remove("GITHUB_TOKEN")
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["branch"], "revert-13", "{}", stderr(&out));
}

#[test]
fn branch_and_direct_together_are_refused() {
    let env = Env::new();
    let (work, remote) = env.cloned();
    let before = env.git(&remote, &["for-each-ref"]);
    let out = fr(
        &env,
        &work,
        &["revert", "HEAD", "--direct", "--branch", "fix", "--yes"],
    );
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("do not go together"),
        "{}",
        stderr(&out)
    );
    assert_eq!(env.git(&remote, &["for-each-ref"]), before);
}

#[test]
fn an_empty_commit_in_a_range_is_skipped_and_said() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let from = env.rev(&work, "main");
    env.commit(&work, &[("a.txt", "a\n")], "Add a");
    env.git(&work, &["commit", "-q", "--allow-empty", "-m", "Nothing"]);
    let empty = env.rev(&work, "main");
    env.commit(&work, &[("b.txt", "b\n")], "Add b");
    env.git(&work, &["push", "-q", "origin", "main"]);
    let out = fr(
        &env,
        &work,
        &["revert", &format!("{from}..main"), "--dry-run", "--json"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let j = json(&out);
    assert_eq!(j["reverted"].as_array().unwrap().len(), 2, "{j}");
    assert!(
        j["warnings"].to_string().contains(&format!(
            "{} changes nothing (an empty commit): skipped",
            &empty[..7]
        )),
        "{j}"
    );
}

#[test]
fn hints_name_the_releases_folder_only_when_it_was_given_as_a_flag() {
    let env = Env::new();
    let repo = env.repo("app");
    let good = env.rev(&repo, "main");
    env.commit(&repo, &[("app.txt", "v2\n")], "v2");
    let bad = env.rev(&repo, "main");
    let releases = env.path("site/releases");
    std::fs::create_dir_all(&releases).unwrap();
    env.git(
        &repo,
        &["config", "fastrevert.releases", releases.to_str().unwrap()],
    );
    let out = fr(&env, &repo, &["deploy", &good]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = fr(&env, &repo, &["deploy", &bad]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // The way back, said after a deploy, is the one that works: with --mark-bad.
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    let hint = said
        .lines()
        .find_map(|l| l.strip_prefix("If it is bad: "))
        .expect("the way back");
    assert_eq!(hint, "git fastrevert switch previous --mark-bad");
    assert!(
        env.paste(&repo, hint).status.success(),
        "the hint works when pasted"
    );
    // Going to the bad release again: the hint needs no --releases, config names it.
    let out = fr(&env, &repo, &["switch", &bad]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(!stderr(&out).contains("--releases"), "{}", stderr(&out));
    let out = fr(
        &env,
        &repo,
        &["switch", &bad, "--releases", releases.to_str().unwrap()],
    );
    assert!(stderr(&out).contains("--releases"), "{}", stderr(&out));
    // Both hints, pasted, put it live anyway.
    for out in [
        fr(&env, &repo, &["switch", &bad]),
        fr(
            &env,
            &repo,
            &["switch", &bad, "--releases", releases.to_str().unwrap()],
        ),
    ] {
        let said = stderr(&out);
        let hint = said
            .lines()
            .find_map(|l| l.strip_prefix("hint: or go live anyway: "))
            .unwrap_or_else(|| panic!("a hint: {said}"));
        let ran = env.paste(&repo, hint);
        assert!(
            ran.status.success(),
            "`{hint}`: {}",
            String::from_utf8_lossy(&ran.stderr)
        );
        // Back to the good one for the next hint.
        let out = fr(&env, &repo, &["switch", "previous"]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
    }
}

#[test]
fn no_command_without_a_terminal_points_at_help_that_works() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    let out = fr(&env, &work, &[]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("git fastrevert -h"),
        "{}",
        stderr(&out)
    );
    let out = fr(&env, &work, &["-h"]);
    assert_eq!(code(&out), 0);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Commands:"));
}

#[test]
fn a_reset_refused_by_the_lease_says_the_branch_moved_and_to_run_again() {
    let env = Env::new();
    let (work, remote) = env.cloned();
    let target = env.rev(&work, "main~1");
    // A teammate pushes after this clone's last fetch.
    let other = env.clone_of(&remote, "other");
    env.commit(&other, &[("hotfix.txt", "fix\n")], "Hot fix");
    env.git(&other, &["push", "-q", "origin", "main"]);
    let pushed = env.rev(&remote, "main");
    let out = fr(
        &env,
        &work,
        &[
            "--no-fetch",
            "rollback",
            "--to",
            &target,
            "--mode",
            "reset",
            "--force",
        ],
    );
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("main moved on origin since the plan"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("run the same command again"));
    assert_eq!(
        env.rev(&remote, "main"),
        pushed,
        "the teammate's push stays"
    );
}

#[test]
fn a_prepare_whose_push_was_rejected_leaves_no_local_snapshot() {
    let env = Env::new();
    let (work, remote) = env.cloned();
    let hook = remote.join("hooks/pre-receive");
    std::fs::write(
        &hook,
        "#!/bin/sh\necho 'snapshots are frozen today' >&2\nexit 1\n",
    )
    .unwrap();
    let mut perms = std::fs::metadata(&hook).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&hook, perms).unwrap();
    let out = fr(&env, &work, &["prepare"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("removed here too"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("snapshots are frozen today"),
        "{}",
        stderr(&out)
    );
    assert_eq!(env.git(&work, &["tag", "-l", "pre-rollout/*"]), "");
    assert_eq!(env.git(&work, &["branch", "-l", "staging/*"]), "");
    let out = fr(&env, &work, &["list", "--json"]);
    assert_eq!(
        json(&out).as_array().map(Vec::len),
        Some(0),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_bare_clone_takes_the_remotes_head_branch_as_the_base() {
    let env = Env::new();
    let upstream = env.path("upstream");
    env.git(
        env.tmp.path(),
        &["init", "-q", "-b", "master", upstream.to_str().unwrap()],
    );
    env.commit(&upstream, &[("a.txt", "a\n")], "A");
    env.commit(&upstream, &[("b.txt", "b\n")], "B");
    let bare = env.path("mirror.git");
    env.git(
        env.tmp.path(),
        &[
            "clone",
            "-q",
            "--bare",
            upstream.to_str().unwrap(),
            bare.to_str().unwrap(),
        ],
    );
    let out = fr(
        &env,
        &bare,
        &["--no-fetch", "revert", "HEAD", "--dry-run", "--json"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["base"], "master");
    // A remote added by hand, without origin/HEAD: the remote is asked, and remembered.
    let (work, _remote) = env.cloned();
    env.git(&work, &["remote", "add", "up", upstream.to_str().unwrap()]);
    env.git(&work, &["fetch", "-q", "up"]);
    let out = fr(
        &env,
        &work,
        &[
            "--remote",
            "up",
            "revert",
            "up/master",
            "--dry-run",
            "--json",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["base"], "master");
    assert!(env
        .git(&work, &["symbolic-ref", "refs/remotes/up/HEAD"])
        .ends_with("up/master"));
}

#[test]
fn every_time_in_json_is_rfc3339() {
    let env = Env::new();
    let repo = env.repo("app");
    let releases = env.path("site/releases");
    std::fs::create_dir_all(&releases).unwrap();
    let out = fr(
        &env,
        &repo,
        &["deploy", "main", "--releases", releases.to_str().unwrap()],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = fr(
        &env,
        &repo,
        &[
            "releases",
            "--json",
            "--releases",
            releases.to_str().unwrap(),
        ],
    );
    let j = json(&out);
    let at = j["releases"][0]["deployed_at"].as_str().expect("a string");
    assert!(
        at.len() == 20 && at.ends_with('Z') && at.as_bytes()[10] == b'T',
        "{at}"
    );
}

#[test]
fn list_shows_major_version_tags_that_completion_offers() {
    let env = Env::new();
    let (work, _remote) = env.cloned();
    env.git(&work, &["tag", "--no-sign", "v2", "main~1"]);
    let out = fr(&env, &work, &["list", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(json(&out).to_string().contains("\"v2\""), "{}", json(&out));
}

#[test]
fn the_manual_synopsis_names_option_values() {
    let page =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("man/git-fastrevert.1"))
            .unwrap();
    assert!(page.contains("[\\fB\\-C\\fR \\fIDIR\\fR]"), "{page}");
    assert!(page.contains("[\\fB\\-\\-remote\\fR \\fINAME\\fR]"));
}

/// A `merge=union` rule keeps both sides' lines, so the revert of a commit whose lines were
/// followed by others comes out as no change: that is not "already reverted". It fails as
/// git's own revert does, says why, and its hint makes the revert.
#[test]
fn a_revert_swallowed_by_a_union_rule_is_not_already_reverted() {
    let env = Env::new();
    let (work, remote) = env.cloned();
    env.commit(
        &work,
        &[
            (".gitattributes", "CHANGELOG merge=union\n"),
            ("CHANGELOG", "x\n"),
        ],
        "Changelog",
    );
    let added = env.commit(&work, &[("CHANGELOG", "x\na\n")], "Add a");
    env.commit(&work, &[("CHANGELOG", "x\na\nb\n")], "Add b");
    env.git(&work, &["push", "-q", "origin", "main"]);
    let before = env.git(&remote, &["for-each-ref"]);
    let out = fr(&env, &work, &["revert", &added]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let said = stderr(&out);
    assert!(!said.contains("already reverted"), "{said}");
    assert!(said.contains("CHANGELOG (merge=union)"), "{said}");
    assert_eq!(env.git(&remote, &["for-each-ref"]), before);
    // git agrees there is nothing to commit.
    let git = std::process::Command::new("git")
        .args(["-C", work.to_str().unwrap(), "revert", "--no-edit", &added])
        .output()
        .unwrap();
    assert!(!git.status.success());
    env.git(&work, &["reset", "-q", "--hard"]);
    // The hint, pasted, makes the revert.
    let hint = said
        .lines()
        .find_map(|l| l.strip_prefix("hint: revert it without the merge rule, as a patch: "))
        .expect("the hint");
    let ran = env.paste(&work, hint);
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(work.join("CHANGELOG")).unwrap(),
        "x\nb\n"
    );
}

//! The revert engine against git itself: for each reverted commit, the tree must equal what
//! `git merge-tree --write-tree --merge-base=<c> <base> <c>^<m>` writes, and the engine must
//! report a conflict exactly when git does.

use std::path::Path;

use git2::{Oid, Repository};
use git_fastrevert::engine::merge::merge_trees;

use crate::common::{mkrepo, Env};

/// What git says about reverting `commit` against parent `m` on top of `base`.
fn git_revert_tree(env: &Env, dir: &Path, base: &str, commit: &str, m: usize) -> Option<String> {
    let merge_base = format!("--merge-base={commit}");
    let parent = format!("{commit}^{m}");
    let out = env.git_output(
        dir,
        &[
            "merge-tree",
            "--write-tree",
            "--no-messages",
            &merge_base,
            base,
            &parent,
        ],
    );
    let tree = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or("")
        .to_string();
    match out.status.code() {
        Some(0) => Some(tree),
        Some(1) => None,
        other => panic!(
            "git merge-tree failed ({other:?}): {}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

fn engine_revert_tree(
    repo: &Repository,
    base: &str,
    commit: &str,
    m: usize,
) -> (Option<String>, Vec<String>) {
    let commit = repo.find_commit(Oid::from_str(commit).unwrap()).unwrap();
    let parent = commit.parent(m - 1).unwrap();
    let ours = repo
        .find_commit(Oid::from_str(base).unwrap())
        .unwrap()
        .tree()
        .unwrap();
    let merged = merge_trees(
        repo,
        &commit.tree().unwrap(),
        &ours,
        &parent.tree().unwrap(),
    )
    .unwrap();
    let paths = merged
        .conflicts
        .iter()
        .map(|c| format!("{} ({})", String::from_utf8_lossy(&c.path), c.reason))
        .collect::<Vec<_>>();
    if merged.conflicts.is_empty() {
        (Some(merged.tree.to_string()), paths)
    } else {
        (None, paths)
    }
}

/// Compare engine and git for one revert; returns whether git found it clean.
fn agree(env: &Env, dir: &Path, repo: &Repository, base: &str, commit: &str, m: usize) -> bool {
    let git = git_revert_tree(env, dir, base, commit, m);
    let (ours, conflicts) = engine_revert_tree(repo, base, commit, m);
    assert_eq!(
        ours, git,
        "revert of {commit} (-m {m}) onto {base}: engine {ours:?} (conflicts {conflicts:?}), git {git:?}"
    );
    git.is_some()
}

fn commits(env: &Env, dir: &Path, args: &[&str]) -> Vec<String> {
    env.git(dir, args).lines().map(str::to_string).collect()
}

#[test]
fn generated_history_reverts_agree_with_git() {
    let env = Env::new();
    let dir = env.path("gen");
    let spec = mkrepo::Spec {
        files: 1500,
        commits: 220,
        seed: 7,
        bare: false,
        variety: true,
    };
    mkrepo::build(&dir, &spec).unwrap();
    let repo = Repository::open(&dir).unwrap();
    let tip = env.rev(&dir, "main");
    let (mut checked, mut clean, mut merges) = (0, 0, 0);
    // Every non-root commit of the history, onto the tip and onto a commit halfway after it.
    let all = commits(&env, &dir, &["rev-list", "--parents", "main"]);
    for line in &all {
        let ids: Vec<&str> = line.split(' ').collect();
        let (commit, parents) = (ids[0], &ids[1..]);
        if parents.is_empty() {
            continue;
        }
        let mainlines: Vec<usize> = if parents.len() > 1 {
            vec![1, 2]
        } else {
            vec![1]
        };
        for m in mainlines {
            if agree(&env, &dir, &repo, &tip, commit, m) {
                clean += 1;
            }
            checked += 1;
            if parents.len() > 1 {
                merges += 1;
            }
        }
        let later = commits(
            &env,
            &dir,
            &[
                "rev-list",
                "--first-parent",
                "--reverse",
                &format!("{commit}..main"),
            ],
        );
        if let Some(mid) = later.get(later.len() / 2) {
            agree(&env, &dir, &repo, mid, commit, 1);
            checked += 1;
        }
    }
    assert!(checked >= 400, "only {checked} reverts checked");
    assert!(merges >= 80, "only {merges} merge reverts checked");
    // The history must exercise both outcomes, or the comparison proves little.
    eprintln!("{checked} reverts checked, {merges} of merges, {clean} clean");
    assert!(
        clean >= 50 && clean + 50 <= checked,
        "{clean} of {checked} clean"
    );
}

/// A small repository where each case is set up with git, then every commit is reverted on
/// the tip.
struct Case {
    env: Env,
    dir: std::path::PathBuf,
}

impl Case {
    fn new() -> Case {
        let env = Env::new();
        let dir = env.repo("case");
        Case { env, dir }
    }
    fn git(&self, args: &[&str]) -> String {
        self.env.git(&self.dir, args)
    }
    fn commit(&self, files: &[(&str, &str)], msg: &str) -> String {
        self.env.commit(&self.dir, files, msg)
    }
    fn commit_all(&self, msg: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", msg]);
        self.git(&["rev-parse", "HEAD"])
    }
    /// Compare every commit's revert onto the tip; returns the clean/conflict outcome per commit.
    fn check_all(&self) -> Vec<(String, bool)> {
        let repo = Repository::open(&self.dir).unwrap();
        let tip = self.git(&["rev-parse", "HEAD"]);
        let mut outcomes = Vec::new();
        for line in self.git(&["rev-list", "--parents", "HEAD"]).lines() {
            let ids: Vec<&str> = line.split(' ').collect();
            if ids.len() < 2 {
                continue;
            }
            let subject = self.git(&["log", "-1", "--format=%s", ids[0]]);
            for m in 1..ids.len() {
                outcomes.push((
                    format!("{subject} -m {m}"),
                    agree(&self.env, &self.dir, &repo, &tip, ids[0], m),
                ));
            }
        }
        outcomes
    }
}

fn outcome(outcomes: &[(String, bool)], subject: &str) -> bool {
    outcomes
        .iter()
        .find(|(s, _)| s == &format!("{subject} -m 1"))
        .unwrap_or_else(|| panic!("no commit {subject}"))
        .1
}

#[test]
fn content_edits_merge_or_conflict_like_git() {
    let c = Case::new();
    let lines: String = (1..=30).map(|i| format!("line {i}\n")).collect();
    c.commit(&[("f.txt", &lines)], "Add f");
    c.commit(
        &[("f.txt", &lines.replace("line 3\n", "line three\n"))],
        "Edit top",
    );
    let now = c.git(&["show", "HEAD:f.txt"]);
    c.commit(
        &[("f.txt", &now.replace("line 27\n", "line twenty-seven\n"))],
        "Edit bottom",
    );
    let now = c.git(&["show", "HEAD:f.txt"]);
    c.commit(
        &[("f.txt", &now.replace("line three\n", "line 3 again\n"))],
        "Edit top again",
    );
    let out = c.check_all();
    assert!(outcome(&out, "Edit bottom"));
    assert!(!outcome(&out, "Edit top"));
}

#[test]
fn adds_deletes_and_directories_agree_with_git() {
    let c = Case::new();
    c.commit(&[("a/one.txt", "1\n"), ("a/two.txt", "2\n")], "Add a");
    std::fs::remove_file(c.dir.join("a/one.txt")).unwrap();
    c.commit_all("Delete one");
    c.commit(&[("b/deep/x.txt", "x\n")], "Add deep dir");
    std::fs::remove_dir_all(c.dir.join("b")).unwrap();
    c.commit_all("Delete deep dir");
    // A file replaced by a directory of the same name.
    c.commit(&[("node", "file\n")], "Add node file");
    std::fs::remove_file(c.dir.join("node")).unwrap();
    c.commit(&[("node/inner.txt", "inner\n")], "Node becomes a directory");
    // Added, then deleted again on the base: its revert finds it deleted on both sides.
    c.commit(&[("temp.txt", "temp\n")], "Add temp");
    std::fs::remove_file(c.dir.join("temp.txt")).unwrap();
    c.commit_all("Drop temp");
    let out = c.check_all();
    assert!(outcome(&out, "Delete one"));
    assert!(outcome(&out, "Add temp"));
}

#[test]
fn renames_agree_with_git() {
    let c = Case::new();
    let body: String = (1..=20).map(|i| format!("content line {i}\n")).collect();
    c.commit(
        &[
            ("old/name.txt", &body),
            ("keep.txt", &body.replace("content", "other")),
        ],
        "Add files",
    );
    std::fs::create_dir_all(c.dir.join("new")).unwrap();
    c.git(&["mv", "old/name.txt", "new/name.txt"]);
    c.commit_all("Rename name");
    // The renamed file changes afterwards: reverting the rename needs rename detection to
    // carry the change back to the old name.
    c.commit(
        &[(
            "new/name.txt",
            &body.replace("content line 20\n", "changed line 20\n"),
        )],
        "Edit renamed",
    );
    // A rename with an edit (inexact).
    c.git(&["mv", "keep.txt", "kept.txt"]);
    c.commit(
        &[(
            "kept.txt",
            &body
                .replace("content", "other")
                .replace("other line 1\n", "first\n"),
        )],
        "Rename keep with edit",
    );
    c.commit(
        &[(
            "kept.txt",
            &c.git(&["show", "HEAD:kept.txt"])
                .replace("other line 19\n", "nineteen\n"),
        )],
        "Edit kept",
    );
    // Added, then renamed on the base: its revert is a rename/delete conflict for git.
    c.commit(
        &[("added.txt", &body.replace("content", "added"))],
        "Add added",
    );
    c.git(&["mv", "added.txt", "added-moved.txt"]);
    c.commit_all("Move added");
    let out = c.check_all();
    assert!(
        outcome(&out, "Rename name"),
        "rename reverts cleanly through rename detection"
    );
    assert!(outcome(&out, "Rename keep with edit"));
    assert!(!outcome(&out, "Add added"), "git reports rename/delete");
}

#[test]
fn modes_binaries_symlinks_and_submodules_agree_with_git() {
    let c = Case::new();
    c.commit(
        &[("run.sh", "#!/bin/sh\necho hi\n"), ("data.bin", "")],
        "Add script",
    );
    std::fs::write(c.dir.join("data.bin"), [0u8, 1, 2, 3, 0, 9]).unwrap();
    c.commit_all("Binary v1");
    c.git(&["update-index", "--chmod=+x", "run.sh"]);
    c.git(&["commit", "-q", "-m", "Make run.sh executable"]);
    c.commit(&[("run.sh", "#!/bin/sh\necho hello\n")], "Edit script");
    std::fs::write(c.dir.join("data.bin"), [0u8, 7, 7, 7, 0, 9]).unwrap();
    c.commit_all("Binary v2");
    std::fs::write(c.dir.join("data.bin"), [0u8, 8, 8, 8, 0, 9]).unwrap();
    c.commit_all("Binary v3");
    std::os::unix::fs::symlink("run.sh", c.dir.join("link")).unwrap();
    c.commit_all("Add link");
    std::fs::remove_file(c.dir.join("link")).unwrap();
    std::os::unix::fs::symlink("README", c.dir.join("link")).unwrap();
    c.commit_all("Retarget link");
    let sub = "1234567890abcdef1234567890abcdef12345678";
    c.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{sub},vendor/lib"),
    ]);
    c.git(&["commit", "-q", "-m", "Add submodule"]);
    let sub2 = "abcdef1234567890abcdef1234567890abcdef12";
    c.git(&[
        "update-index",
        "--cacheinfo",
        &format!("160000,{sub2},vendor/lib"),
    ]);
    c.git(&["commit", "-q", "-m", "Bump submodule"]);
    let out = c.check_all();
    assert!(
        outcome(&out, "Make run.sh executable"),
        "a mode change reverts over a content change"
    );
    assert!(!outcome(&out, "Binary v2"), "binary files do not merge");
    assert!(outcome(&out, "Bump submodule"));
    assert!(outcome(&out, "Retarget link"));
}

#[test]
fn merge_commits_agree_with_git_on_both_parents() {
    let c = Case::new();
    c.commit(&[("app.txt", "a\nb\nc\n")], "Base");
    c.git(&["switch", "-q", "-c", "topic"]);
    c.commit(
        &[("topic.txt", "topic\n"), ("app.txt", "a\nb\nc\nd\n")],
        "Topic work",
    );
    c.git(&["switch", "-q", "main"]);
    c.commit(&[("main.txt", "main\n")], "Main work");
    c.git(&["merge", "-q", "--no-ff", "topic", "-m", "Merge topic"]);
    c.commit(&[("after.txt", "after\n")], "After merge");
    let out = c.check_all();
    assert!(outcome(&out, "Merge topic"));
}

#[test]
fn directory_renames_agree_with_git() {
    let c = Case::new();
    let numbered = |n: usize| -> String { (n..n + 30).map(|i| format!("row {i}\n")).collect() };
    let files: Vec<(String, String)> = (0..4)
        .map(|i| (format!("d/f{i}.txt"), numbered(i * 100)))
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .collect();
    c.commit(&refs, "Add d");
    c.commit(
        &[
            ("d/x.txt", "x\n"),
            ("gone/y.txt", "y\n"),
            ("gone/z.txt", "z\n"),
        ],
        "Add x and gone",
    );
    c.git(&["rm", "-q", "d/x.txt", "gone/y.txt"]);
    c.git(&["commit", "-q", "-m", "Remove x and y"]);
    // d moves to e as a whole: a revert that brings d/x.txt back meets a renamed directory.
    c.git(&["mv", "d", "e"]);
    c.git(&["commit", "-q", "-m", "Rename d to e"]);
    // gone is deleted, not renamed.
    c.git(&["rm", "-q", "-r", "gone"]);
    c.git(&["commit", "-q", "-m", "Delete gone"]);
    let out = c.check_all();
    assert!(
        !outcome(&out, "Remove x and y"),
        "git: CONFLICT (file location)"
    );
    assert!(outcome(&out, "Rename d to e"));
}

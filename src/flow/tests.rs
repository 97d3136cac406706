//! The flows driven directly: a scripted UI answers the prompts, a fake forge records what it
//! is asked, and a bare repository on disk is the remote.

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;

use git2::{Oid, Repository, Signature, Time};

use super::Ctx;
use crate::cli::{GlobalArgs, RevertArgs, RollbackArgs};
use crate::error::{Kind, Result};
use crate::forge::{self, Forge, NewPr, PrInfo, PullRequest, Target};
use crate::ui::prompt::{Answer, Scripted};
use crate::ui::Ui;

/// Records every call; knows one merged pull request, #7.
struct FakeForge {
    target: Target,
    calls: Rc<RefCell<Vec<String>>>,
    merge: Oid,
    read_only: bool,
}

impl Forge for FakeForge {
    fn target(&self) -> &Target {
        &self.target
    }
    fn get_pr(&self, number: u64) -> Result<PrInfo> {
        self.calls.borrow_mut().push(format!("get #{number}"));
        if number != 7 {
            return Err(crate::error::Error::bad_input("no such pull request"));
        }
        Ok(PrInfo {
            number,
            title: "Add feature".into(),
            merged: true,
            state: "closed".into(),
            merge_commit: Some(self.merge.to_string()),
            head_ref: "feature".into(),
            head_sha: None,
            base_ref: "main".into(),
            url: "https://forge.test/o/r/pull/7".into(),
            ..PrInfo::default()
        })
    }
    fn pr_commits(&self, _number: u64) -> Result<forge::CommitList> {
        Ok(forge::CommitList::default())
    }
    fn find_open_pr(&self, _head: &str, _base: &str) -> Result<Option<PullRequest>> {
        Ok(None)
    }
    fn open_pr(&self, pr: &NewPr, _warnings: &mut Vec<String>) -> Result<PullRequest> {
        self.calls
            .borrow_mut()
            .push(format!("open {} -> {}: {}", pr.head, pr.base, pr.title));
        Ok(PullRequest {
            number: 70,
            url: "https://forge.test/o/r/pull/70".into(),
            existing: false,
            forge: forge::Kind::GitHub,
        })
    }
    fn comment(&self, number: u64, body: &str) -> Result<()> {
        self.calls
            .borrow_mut()
            .push(format!("comment #{number}: {body}"));
        Ok(())
    }
    fn recently_merged(&self, _base: &str) -> Result<Vec<PrInfo>> {
        Ok(Vec::new())
    }
    fn read_only(&self) -> bool {
        self.read_only
    }
}

/// A clone whose main is: app, tag v1, a merge of `feature` (#7); pushed to a bare origin.
struct Setup {
    _dir: tempfile::TempDir,
    work: std::path::PathBuf,
    remote: Repository,
    merge: Oid,
}

fn commit(repo: &Repository, files: &[(&str, &str)], parents: &[Oid], msg: &str) -> Oid {
    let sig = Signature::new("T", "t@example.com", &Time::new(1_700_000_000, 0)).unwrap();
    let base = parents
        .first()
        .map(|p| repo.find_commit(*p).unwrap().tree().unwrap());
    let mut b = repo.treebuilder(base.as_ref()).unwrap();
    for (name, text) in files {
        b.insert(name, repo.blob(text.as_bytes()).unwrap(), 0o100644)
            .unwrap();
    }
    let tree = repo.find_tree(b.write().unwrap()).unwrap();
    let parents: Vec<git2::Commit> = parents
        .iter()
        .map(|p| repo.find_commit(*p).unwrap())
        .collect();
    let refs: Vec<&git2::Commit> = parents.iter().collect();
    repo.commit(None, &sig, &sig, msg, &tree, &refs).unwrap()
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    let remote = Repository::init_bare(dir.path().join("origin.git")).unwrap();
    let repo = Repository::init(&work).unwrap();
    let app = commit(&repo, &[("app.txt", "v1\n")], &[], "Add app");
    let feature = commit(&repo, &[("feature.txt", "on\n")], &[app], "Add feature");
    let merge = commit(
        &repo,
        &[("feature.txt", "on\n")],
        &[app, feature],
        "Merge pull request #7 from me/feature\n\nAdd feature",
    );
    repo.reference("refs/heads/main", merge, true, "test")
        .unwrap();
    repo.reference("refs/tags/v1", app, true, "test").unwrap();
    repo.set_head("refs/heads/main").unwrap();
    let mut config = repo.config().unwrap();
    config.set_str("user.name", "T").unwrap();
    config.set_str("user.email", "t@example.com").unwrap();
    repo.remote("origin", remote.path().to_str().unwrap())
        .unwrap();
    let pushed = std::process::Command::new("git")
        .current_dir(&work)
        .args([
            "push",
            "-q",
            "origin",
            "refs/heads/main:refs/heads/main",
            "refs/tags/v1:refs/tags/v1",
        ])
        .status()
        .unwrap();
    assert!(pushed.success());
    Setup {
        _dir: dir,
        work,
        remote,
        merge,
    }
}

fn global(dir: &Path) -> GlobalArgs {
    GlobalArgs {
        directory: Some(dir.to_path_buf()),
        quiet: true,
        ..Default::default()
    }
}

fn target() -> Target {
    Target {
        kind: forge::Kind::GitHub,
        api: "https://api.forge.test".into(),
        slug: "o/r".into(),
        web: "https://forge.test/o/r".into(),
    }
}

/// A context on `setup`'s clone whose forge is a `FakeForge` recording into `calls`.
fn ctx<'a>(
    global: &'a GlobalArgs,
    ui: &'a Ui,
    merge: Oid,
    calls: &Rc<RefCell<Vec<String>>>,
    read_only: bool,
) -> Ctx<'a> {
    let calls = Rc::clone(calls);
    Ctx::open(global, ui).unwrap().with_forge(move || {
        Box::new(FakeForge {
            target: target(),
            calls: Rc::clone(&calls),
            merge,
            read_only,
        })
    })
}

fn remote_tip(remote: &Repository, branch: &str) -> Option<Oid> {
    remote
        .find_reference(&format!("refs/heads/{branch}"))
        .ok()
        .and_then(|r| r.target())
}

#[test]
fn reverting_a_merged_pull_request_pushes_opens_and_comments_once() {
    let s = setup();
    let global = global(&s.work);
    let ui = Ui::with_prompter(Box::new(Scripted::new(Vec::new())));
    let calls = Rc::new(RefCell::new(Vec::new()));
    let ctx = ctx(&global, &ui, s.merge, &calls, false);
    let args = RevertArgs {
        revs: vec!["#7".into()],
        ..Default::default()
    };
    let outcome = super::revert::run(&ctx, &args).unwrap();
    assert_eq!(outcome.branch.as_deref(), Some("revert-7-feature"));
    assert!(outcome.pushed);
    assert_eq!(outcome.pull_request.as_ref().map(|p| p.number), Some(70));
    assert_eq!(outcome.reverted_pull_requests, vec![7]);
    let calls = calls.borrow();
    assert_eq!(calls[0], "get #7");
    assert_eq!(
        calls[1],
        "open revert-7-feature -> main: Revert \"Add feature\""
    );
    assert!(calls[2].starts_with("comment #7: This pull request is reverted in #70"));
    assert_eq!(calls.len(), 3);
    // The branch on the remote holds the tree before the merge, on top of main.
    let tip = remote_tip(&s.remote, "revert-7-feature").unwrap();
    let tip = s.remote.find_commit(tip).unwrap();
    assert_eq!(tip.parent_id(0).unwrap(), s.merge);
    let before = s.remote.find_commit(s.merge).unwrap().parent(0).unwrap();
    assert_eq!(tip.tree_id(), before.tree_id());
    // The lines say what happened, the request instead of the advice to open one.
    let lines = crate::ui::render::lines(
        &crate::outcome::Outcome::Revert(outcome),
        crate::ui::render::View::Result,
    );
    assert!(lines.iter().any(|l| l.contains("Pull request #70 opened")));
    assert!(!lines
        .iter()
        .any(|l| l.contains("open a pull request from it")));
}

#[test]
fn a_rollback_commit_goes_through_the_same_pipeline_without_comments() {
    let s = setup();
    let global = global(&s.work);
    let ui = Ui::with_prompter(Box::new(Scripted::new(Vec::new())));
    let calls = Rc::new(RefCell::new(Vec::new()));
    let ctx = ctx(&global, &ui, s.merge, &calls, false);
    let args = RollbackArgs {
        to: Some("v1".into()),
        ..Default::default()
    };
    let outcome = super::rollback::run(&ctx, &args).unwrap();
    assert_eq!(outcome.branch.as_deref(), Some("rollback-to-v1"));
    assert_eq!(outcome.undone_count, 1);
    assert_eq!(
        calls.borrow().as_slice(),
        ["open rollback-to-v1 -> main: Roll back main to v1"]
    );
    let tip = remote_tip(&s.remote, "rollback-to-v1").unwrap();
    let v1 = s.remote.revparse_single("v1^{commit}").unwrap().id();
    assert_eq!(
        s.remote.find_commit(tip).unwrap().tree_id(),
        s.remote.find_commit(v1).unwrap().tree_id()
    );
}

#[test]
fn a_direct_revert_declined_at_the_prompt_moves_nothing() {
    let s = setup();
    let global = global(&s.work);
    let scripted = Scripted::new(vec![Answer::No]);
    let ui = Ui::with_prompter(Box::new(scripted));
    let calls = Rc::new(RefCell::new(Vec::new()));
    let ctx = ctx(&global, &ui, s.merge, &calls, false);
    let mut args = RevertArgs {
        revs: vec!["#7".into()],
        ..Default::default()
    };
    args.publish.direct = true;
    let err = super::revert::run(&ctx, &args).unwrap_err();
    // Answering no is a cancel: exit 130.
    assert_eq!(err.kind, Kind::Interrupted);
    assert_eq!(remote_tip(&s.remote, "main"), Some(s.merge));
    assert_eq!(calls.borrow().as_slice(), ["get #7"]);
}

#[test]
fn a_forge_that_only_reads_leaves_the_request_to_be_opened_by_hand() {
    let s = setup();
    let global = global(&s.work);
    let ui = Ui::with_prompter(Box::new(Scripted::new(Vec::new())));
    let calls = Rc::new(RefCell::new(Vec::new()));
    let ctx = ctx(&global, &ui, s.merge, &calls, true);
    let args = RevertArgs {
        prs: vec![7],
        ..Default::default()
    };
    let outcome = super::revert::run(&ctx, &args).unwrap();
    assert!(outcome.pushed);
    assert!(outcome.pull_request.is_none());
    assert_eq!(calls.borrow().as_slice(), ["get #7"]);
    let by_hand = "https://forge.test/o/r/compare/main...revert-7-feature?expand=1";
    assert!(
        outcome.warnings.iter().any(|w| w.contains(by_hand)),
        "{:?}",
        outcome.warnings
    );
}

#[test]
fn a_dry_run_plans_the_request_and_writes_nothing() {
    let s = setup();
    let mut global = global(&s.work);
    global.dry_run = true;
    let ui = Ui::with_prompter(Box::new(Scripted::new(Vec::new())));
    let calls = Rc::new(RefCell::new(Vec::new()));
    let ctx = ctx(&global, &ui, s.merge, &calls, false);
    let args = RevertArgs {
        prs: vec![7],
        ..Default::default()
    };
    let outcome = super::revert::run(&ctx, &args).unwrap();
    let plan = outcome.pull_request_plan.expect("a plan");
    assert!(plan.open);
    assert_eq!(plan.title, "Revert \"Add feature\"");
    assert!(outcome.commits.is_empty());
    assert_eq!(calls.borrow().as_slice(), ["get #7"]);
    assert_eq!(remote_tip(&s.remote, "revert-7-feature"), None);
    let work = Repository::open(&s.work).unwrap();
    assert!(work.find_reference("refs/heads/revert-7-feature").is_err());
}
